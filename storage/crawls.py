"""The crawls' own rows: a crawl's life (``crawls``) and the pages it skipped (``skips``).

    crawl_id = start(conn, host, "abamako", spider="abamako", args={...})
    save_skips(conn, crawl_id, [{"url": ..., "kind": "skipped", "reason": "no-article"}])
    finish(conn, crawl_id, "finished", reason="finished")
    reap_dead(conn, host)                    # running crawls whose process died: killed

:class:`storage.Store` calls these with its connection and host name; each is one
:func:`storage.db.transaction`.

Decisions:

- A crawl row is ``running`` from :func:`start` until :func:`finish`. A process killed
  meanwhile leaves it ``running``: the next :func:`start` of the same source on the same
  host (or :func:`reap_dead`) marks it ``killed`` (``finish_reason`` 'process-died',
  ``finished_at`` = when the death was noticed). Only crawls of this host are judged: a
  pid means nothing on another machine.
- The counts of a crawl (``fetched``, ``new``... ``skipped``, ``failed``) move in the
  same transaction as the rows they count (:mod:`storage.articles` for the articles).
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Mapping

from veille.core.clock import utcnow
from veille.core.errors import InvalidInput, NoSuchCrawl

from .db import transaction

__all__ = ["start", "finish", "reap_dead", "reap", "check", "save_skips", "set_discovery", "pid_alive",
           "running", "last_id", "started_by", "of_run", "last_started", "SKIP_KINDS"]

SKIP_KINDS = ("skipped", "failed")


def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists on this machine (someone else's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, belongs to someone else
        return True
    except OSError:
        return False
    return True


def check(conn: sqlite3.Connection, crawl_id: int) -> None:
    """:class:`~veille.core.errors.NoSuchCrawl` unless the crawl ``crawl_id`` exists."""
    if conn.execute("SELECT 1 FROM crawls WHERE id = ?", (crawl_id,)).fetchone() is None:
        raise NoSuchCrawl(f"no crawl {crawl_id}")


def start(conn: sqlite3.Connection, host: str, source: str, spider: str | None = None,
          args: dict | None = None) -> int:
    """Insert a ``running`` crawl of ``source`` (this process, ``host``); return its id.
    Dead crawls of the same source on this host are marked ``killed`` first."""
    if not source or not isinstance(source, str):
        raise InvalidInput("source must be a non-empty str")
    now = utcnow()
    with transaction(conn):
        reap(conn, host, source, now)
        cur = conn.execute(
            "INSERT INTO crawls (source, spider, args, started_at, status, pid, host)"
            " VALUES (?, ?, ?, ?, 'running', ?, ?)",
            (source, spider, json.dumps(args or {}, ensure_ascii=False, sort_keys=True,
                                        default=str),
             now, os.getpid(), host),
        )
        return cur.lastrowid


def reap(conn: sqlite3.Connection, host: str, source: str | None, now: str) -> list[int]:
    """Inside a transaction: mark ``killed`` the running crawls (of ``source``, or all) of
    ``host`` whose process is dead; return their ids."""
    sql = "SELECT id, pid, host FROM crawls WHERE status = 'running'"
    params: tuple = ()
    if source is not None:
        sql += " AND source = ?"
        params = (source,)
    dead = [
        cid for cid, pid, crawl_host in conn.execute(sql, params).fetchall()
        if crawl_host == host and pid is not None and pid != os.getpid() and not pid_alive(pid)
    ]
    for cid in dead:
        conn.execute(
            "UPDATE crawls SET status='killed', finish_reason='process-died', finished_at=?"
            " WHERE id=? AND status='running'",
            (now, cid),
        )
    return dead


def reap_dead(conn: sqlite3.Connection, host: str, source: str | None = None) -> list[int]:
    """:func:`reap` in its own transaction, ``finished_at`` = now."""
    with transaction(conn):
        return reap(conn, host, source, utcnow())


def finish(conn: sqlite3.Connection, crawl_id: int, status: str = "finished",
           reason: str = "") -> None:
    """Close the crawl: ``status``, ``finish_reason`` = ``reason``, ``finished_at`` = now."""
    if not status or not isinstance(status, str):
        raise InvalidInput("status must be a non-empty str")
    with transaction(conn):
        cur = conn.execute(
            "UPDATE crawls SET status=?, finish_reason=?, finished_at=? WHERE id=?",
            (status, reason, utcnow(), crawl_id),
        )
        if cur.rowcount != 1:
            raise NoSuchCrawl(f"no crawl {crawl_id}")


def set_discovery(conn: sqlite3.Connection, crawl_id: int, links_found: int,
                  pages_not_modified: int) -> None:
    """Record how the crawl's discovery went (its own transaction): the article links its
    feeds, listings, sitemaps and id walks gave, and how many of those pages answered 304.
    Source health tells a quiet re-crawl (nothing changed, nothing due) from a broken one."""
    with transaction(conn):
        conn.execute("UPDATE crawls SET links_found = ?, pages_not_modified = ? WHERE id = ?",
                     (int(links_found), int(pages_not_modified), crawl_id))


def save_skips(conn: sqlite3.Connection, crawl_id: int, skips: list[Mapping]) -> int:
    """Insert the ``skips`` rows and count them in the crawl's ``skipped`` / ``failed``, in
    one transaction; return how many. Every dict is checked before anything is written."""
    now = utcnow()
    rows = []
    for i, s in enumerate(skips):
        url, kind, reason = s.get("url"), s.get("kind"), s.get("reason")
        if not url or not isinstance(url, str):
            raise InvalidInput(f"skip {i}: url must be a non-empty str")
        if kind not in SKIP_KINDS:
            raise InvalidInput(f"skip {i}: kind must be one of {SKIP_KINDS}, got {kind!r}")
        if not reason or not isinstance(reason, str):
            raise InvalidInput(f"skip {i}: reason must be a non-empty str")
        status = s.get("http_status")
        rows.append((crawl_id, url, kind, reason, s.get("detail") or "",
                     int(status) if status is not None else None, s.get("at") or now))
    if not rows:
        return 0
    n_skipped = sum(1 for r in rows if r[2] == "skipped")
    with transaction(conn):
        check(conn, crawl_id)
        conn.executemany(
            "INSERT INTO skips (crawl_id, url, kind, reason, detail, http_status, at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        conn.execute("UPDATE crawls SET skipped=skipped+?, failed=failed+? WHERE id=?",
                     (n_skipped, len(rows) - n_skipped, crawl_id))
    return len(rows)


# -- reads for the scheduler and the ingest ------------------------------------------------

def running(conn: sqlite3.Connection, source: str, host: str) -> list[tuple[int, int]]:
    """(id, pid) of the crawls of ``source`` still ``running`` on ``host``."""
    return conn.execute("SELECT id, pid FROM crawls WHERE source = ? AND status = 'running' AND host = ?",
                        (source, host)).fetchall()


def last_id(conn: sqlite3.Connection) -> int:
    """The highest crawl id so far (0 for none)."""
    return conn.execute("SELECT coalesce(max(id), 0) FROM crawls").fetchone()[0]


def started_by(conn: sqlite3.Connection, source: str, pid: int, after: int) -> tuple[int, str] | None:
    """(id, status) of the last crawl of ``source`` that process ``pid`` opened after crawl
    ``after``, or None."""
    return conn.execute("SELECT id, status FROM crawls WHERE source = ? AND pid = ? AND id > ?"
                        " ORDER BY id DESC LIMIT 1", (source, pid, after)).fetchone()


def of_run(conn: sqlite3.Connection, run: str) -> int | None:
    """The id of the last crawl opened for the distributed run ``run`` (``args.run``)."""
    row = conn.execute("SELECT id FROM crawls WHERE json_extract(args, '$.run') = ?"
                       " ORDER BY id DESC LIMIT 1", (run,)).fetchone()
    return row[0] if row else None


def last_started(conn: sqlite3.Connection, source: str, statuses: tuple[str, ...]) -> str | None:
    """``started_at`` of the last crawl of ``source`` whose status is one of ``statuses``."""
    marks = ", ".join("?" * len(statuses))
    row = conn.execute(f"SELECT max(started_at) FROM crawls WHERE source = ? AND status IN ({marks})",
                       (source, *statuses)).fetchone()
    return row[0] if row else None
