"""The schema's migration steps, version by version (:mod:`storage.schema` runs them).

- :data:`MIGRATIONS`: version -> a step bringing the store from version-1 to version, run
  in the schema's transaction, after the missing tables, columns and indexes were created.
  Steps must be idempotent: a killed :data:`AFTER` step runs its MIGRATIONS step again.
- :data:`AFTER`: version -> long work run after the schema's transaction, in short
  transactions of its own (other writers get the lock in between); the version is
  written once it is done, so a process killed midway resumes it, and readers refuse the
  store meanwhile (:func:`storage.schema.check_readable`).

Versions:

- 2 (issue 12): ``flags.backfill``, the flags of ``veille topics backfill`` told by their
  time.
- 3 (issue 14, a million versions): ``contents_fts`` indexes the folded text
  (:mod:`storage.fts`) and has no triggers any more (the step empties it, :data:`AFTER`
  indexes every text again, 1,000 per transaction); ``versions.diff`` of new versions has
  no context lines (:func:`veille.core.diff.change`); story signatures are 128 × uint16
  (:mod:`veille.monitor.stories` recomputes those of its window); ``same_story_groups``
  filled from ``articles``; the indexes the canned queries need (created by the schema).
- 4 (issue 9, nothing lost): the ``pending`` table, crawl leases (``heartbeat_at``,
  ``lease_until``, ``process``), gaps and retry counts (created by the schema);
  ``articles.date_source``, ``page`` for every article stored before undated pages were.
- 5 (issue 15, the archive): ``versions.cause``, ``extractor``, ``warc_file``,
  ``warc_offset`` (created by the schema; no step: an older version's cause is ``fetch``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import sqlite_utils

from . import fts, groups

__all__ = ["MIGRATIONS", "AFTER"]

log = logging.getLogger("storage.schema")


def _mark_backfill_flags(db: sqlite_utils.Database) -> None:
    """Version 2: ``flags.backfill``. A store made before it cannot say which flags
    ``veille topics backfill`` raised; they are told by their time: a crawl's own flags are
    written in the transaction that sets its ``flagged_at`` (same timestamp, or earlier for
    a crawl flagged again), a backfill flag later, when the crawl had long been flagged
    (or never was: a crawl made by hand and backfilled before any run flagged it)."""
    db.conn.execute(
        "UPDATE flags SET backfill = 1 WHERE kind = 'new' AND backfill = 0 AND ("
        " (SELECT c.flagged_at FROM crawls c WHERE c.id = flags.crawl_id) IS NULL"
        " OR flags.created_at > (SELECT c.flagged_at FROM crawls c WHERE c.id = flags.crawl_id))")


_CONTENTS_TRIGGERS = ("contents_ai", "contents_ad", "contents_au")


def _to_v3(db: sqlite_utils.Database) -> None:
    """Version 3: contents_fts without triggers, holding the folded text (indexed again by
    :func:`_after_v3`); ``same_story_groups`` filled."""
    conn = db.conn
    had = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN"
                       " (?, ?, ?)", _CONTENTS_TRIGGERS).fetchone()[0]
    for name in _CONTENTS_TRIGGERS:
        conn.execute(f"DROP TRIGGER IF EXISTS [{name}]")
    if had:  # the index holds the text as stored: start again (not when resuming)
        conn.execute("INSERT INTO contents_fts (contents_fts) VALUES ('delete-all')")
    groups.refresh_all(conn)


def _after_v3(db: sqlite_utils.Database) -> None:
    fts.catch_up(db.conn, progress=_progress("full-text index: {} texts folded and indexed"))


def _dates_from_pages(db: sqlite_utils.Database) -> None:
    """Version 4: ``articles.date_source``. Every article stored before undated pages were
    (issue 9) had a date of its own."""
    db.execute("UPDATE articles SET date_source = 'page' WHERE date_source IS NULL")


def _progress(message: str) -> Callable[[int], None]:
    last = [time.monotonic()]

    def report(done: int) -> None:
        if time.monotonic() - last[0] > 5:
            log.warning("schema upgrade: " + message, done)
            last[0] = time.monotonic()

    return report


# version -> function(db) bringing the schema from version-1 to version, in the schema's
# transaction. Steps beyond "create missing tables/columns/indexes" (done every time) go
# here; they must be idempotent (a killed AFTER step runs its MIGRATIONS step again).
MIGRATIONS: dict[int, Callable[[sqlite_utils.Database], None]] = {
    2: _mark_backfill_flags,
    3: _to_v3,
    4: _dates_from_pages,
}
# version -> long work after the schema's transaction, in transactions of its own.
AFTER: dict[int, Callable[[sqlite_utils.Database], None]] = {3: _after_v3}
