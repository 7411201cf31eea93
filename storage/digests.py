"""The daily digests (``[notify] mode = "digest"``): which were sent, and what a period held.

    row = last_digest(conn)                       # the latest digest row, or None
    sent = digest_for(conn, "2026-12-03T07:00:00.000Z")   # the row of that due time, or None
    record_digest(conn, due_at=..., since=..., until=..., flags=3, failed_crawls=0, status="sent")
    failed = failed_crawls(conn, since, until)    # [(source, crawls)] that failed in the period

:mod:`veille.report.digest` builds and :mod:`veille.schedule.report` sends them; this
module only knows the ``digests`` table (one row per due time: the UNIQUE index on
``due_at`` makes a second process that races for the same digest record nothing).
"""

from __future__ import annotations

import sqlite3

from .db import transaction

__all__ = ["DIGEST_COLUMNS", "last_digest", "digest_for", "record_digest", "failed_crawls"]

DIGEST_COLUMNS = ("id", "due_at", "sent_at", "since", "until", "flags", "failed_crawls", "status",
                  "detail")


def _row(r) -> dict | None:
    return dict(zip(DIGEST_COLUMNS, r)) if r is not None else None


def last_digest(conn: sqlite3.Connection) -> dict | None:
    """The latest digest (the one due last), or None."""
    return _row(conn.execute(f"SELECT {', '.join(DIGEST_COLUMNS)} FROM digests"
                             " ORDER BY due_at DESC LIMIT 1").fetchone())


def digest_for(conn: sqlite3.Connection, due_at: str) -> dict | None:
    """The digest of that due time, or None."""
    return _row(conn.execute(f"SELECT {', '.join(DIGEST_COLUMNS)} FROM digests WHERE due_at = ?",
                             (due_at,)).fetchone())


def record_digest(conn: sqlite3.Connection, **row) -> bool:
    """Record a digest (``INSERT OR IGNORE`` on its ``due_at``), in its own transaction;
    False when that due time already had one."""
    cols = [c for c in DIGEST_COLUMNS if c != "id" and c in row]
    with transaction(conn):
        cur = conn.execute(f"INSERT OR IGNORE INTO digests ({', '.join(cols)})"
                           f" VALUES ({', '.join('?' * len(cols))})", [row[c] for c in cols])
        return cur.rowcount == 1


def failed_crawls(conn: sqlite3.Connection, since: str, until: str) -> list[tuple[str, int]]:
    """``(source, crawls)`` of the crawls that started in [since, until) and failed."""
    return conn.execute(
        "SELECT source, count(*) FROM crawls WHERE started_at >= ? AND started_at < ?"
        " AND status = 'failed' GROUP BY source ORDER BY source", (since, until)).fetchall()
