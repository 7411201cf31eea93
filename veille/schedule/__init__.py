"""Running crawls on their schedules (``scheduler.py`` is the entry point, :mod:`.cli`).

:mod:`.due` (when a source is due), :mod:`.processes` (a crawl's command line, waiting with
the stop escalation), :mod:`.runner` (supervision: locks, signals, timeouts, recording),
:mod:`.distributed` (a crawl as a Redis run of several workers), :mod:`.report` (flag,
report, notify after the crawls), :mod:`.ingest` (``veille ingest``, the single writer of
distributed crawls).
"""
