"""Watching the store: flags on topics (:mod:`.flags`), the same story at several sources
(:mod:`.stories`), the health of each source (:mod:`.health`)."""
