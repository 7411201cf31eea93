"""Running crawls on their schedules: the scheduler, and the single writer of distributed crawls
(:mod:`.ingest`)."""
