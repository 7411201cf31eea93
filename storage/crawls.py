"""The crawls' own rows: a crawl's life (``crawls``) and the pages it skipped (``skips``).

    crawl_id = start(conn, host, "abamako", spider="abamako", args={...}, lease=300)
    heartbeat(conn, crawl_id, lease=300)     # every lease/5 seconds while it runs
    save_skips(conn, crawl_id, [{"url": ..., "kind": "skipped", "reason": "no-article"}])
    finish(conn, crawl_id, "finished", reason="finished")
    reap_dead(conn)                          # running crawls that are dead: killed

:class:`storage.Store` calls these with its connection and host name; each is one
:func:`storage.db.transaction`.

Decisions:

- A crawl row is ``running`` from :func:`start` until :func:`finish`. A process killed
  meanwhile leaves it ``running``: the next :func:`start` of the same source (or
  :func:`reap_dead`, which the scheduler and the flag step call) marks it ``killed``
  (``finished_at`` = when the death was noticed), so that what it stored is flagged.
- **Liveness is a lease**, not a host and a pid (a host name changes when a container
  restarts; a pid is reused): the crawl refreshes ``heartbeat_at`` and ``lease_until``
  (:func:`heartbeat`); a row whose ``lease_until`` has passed is dead whatever the host
  (``finish_reason`` 'lease-expired'). A row written before leases existed has
  ``started_at`` + :data:`DEFAULT_LEASE` for its lease.
- A quicker verdict where one is certain: ``process`` identifies the crawl's process
  beyond its pid (boot id, pid namespace, start time; :func:`process_identity`). Seen
  from the same kernel and pid namespace, a pid that no longer exists, or that now
  belongs to a process started at another time, is a dead crawl at once
  ('process-died'). From elsewhere only the lease counts. (Rows without ``process``,
  written before it existed, keep the old rule: same host and no such pid.)
- The counts of a crawl (``fetched``, ``new``... ``skipped``, ``failed``) move in the
  same transaction as the rows they count (:mod:`storage.articles` for the articles,
  :mod:`storage.pending` for ``retried``, ``recovered``, ``given_up``); :func:`finish`
  records how many articles of its source are pending.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from veille.core.clock import iso, now as clock_now, parse_iso, utcnow
from veille.core.errors import InvalidInput, NoSuchCrawl

from . import pending
from .db import transaction

__all__ = ["start", "finish", "close", "heartbeat", "reap_dead", "reap", "check", "save_skips",
           "set_discovery", "pid_alive", "process_identity", "is_dead", "running", "last_id",
           "started_by", "of_run", "last_started", "add_gaps", "SKIP_KINDS", "DEFAULT_LEASE"]

SKIP_KINDS = ("skipped", "failed")
DEFAULT_LEASE = 300.0  # seconds a crawl stays alive without a heartbeat


@cache
def _machine() -> str:
    """This kernel's boot and this process's pid namespace: where a pid means something."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        ns = os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""
    return f"{boot}/{ns}"


def _started(pid: int) -> str | None:
    """The start time of process ``pid`` (clock ticks since boot), None if there is none."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def process_identity(pid: int | None = None) -> str | None:
    """``<boot id>/<pid namespace>/<start time>`` of process ``pid`` (default this one):
    with its pid, a process no other one will ever be. None where /proc cannot tell."""
    machine = _machine()
    started = _started(pid or os.getpid())
    return f"{machine}/{started}" if machine and started else None


def is_dead(pid: int | None, host: str | None, process: str | None, lease_until: str | None,
            started_at: str | None, my_host: str, when: dt.datetime) -> str | None:
    """Why a ``running`` row's crawl is dead ('lease-expired', 'process-died'), or None
    when it may be alive (see the module docstring)."""
    lease = parse_iso(lease_until)
    if lease is None:
        begun = parse_iso(started_at)
        lease = begun + dt.timedelta(seconds=DEFAULT_LEASE) if begun else None
    if lease is not None and lease < when:
        return "lease-expired"
    if pid is None:
        return None
    if process:
        machine, _, started = process.rpartition("/")
        if machine and machine == _machine() and _started(pid) != started:
            return "process-died"
        return None
    if host == my_host and pid != os.getpid() and not pid_alive(pid):  # a row from before leases
        return "process-died"
    return None


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


def _lease(seconds: float | None, when: dt.datetime) -> str:
    return iso(when + dt.timedelta(seconds=seconds or DEFAULT_LEASE))


def start(conn: sqlite3.Connection, host: str, source: str, spider: str | None = None,
          args: dict | None = None, lease: float | None = None) -> int:
    """Insert a ``running`` crawl of ``source`` (this process, ``host``), alive for
    ``lease`` seconds (default :data:`DEFAULT_LEASE`) unless :func:`heartbeat` extends it;
    return its id. Dead crawls of the same source are marked ``killed`` first."""
    if not source or not isinstance(source, str):
        raise InvalidInput("source must be a non-empty str")
    when = clock_now()
    now = iso(when)
    with transaction(conn):
        reap(conn, host, source, now)
        cur = conn.execute(
            "INSERT INTO crawls (source, spider, args, started_at, status, pid, host, heartbeat_at,"
            " lease_until, process) VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, ?)",
            (source, spider, json.dumps(args or {}, ensure_ascii=False, sort_keys=True,
                                        default=str),
             now, os.getpid(), host, now, _lease(lease, when), process_identity()),
        )
        return cur.lastrowid


def heartbeat(conn: sqlite3.Connection, crawl_ids: list[int], lease: float | None = None) -> None:
    """The crawls are alive: ``heartbeat_at`` = now, ``lease_until`` = now + ``lease``
    seconds (one transaction). A row no longer ``running`` is left alone."""
    when = clock_now()
    with transaction(conn):
        conn.executemany("UPDATE crawls SET heartbeat_at = ?, lease_until = ? WHERE id = ? AND status = 'running'",
                         [(iso(when), _lease(lease, when), c) for c in crawl_ids])


def reap(conn: sqlite3.Connection, host: str, source: str | None, now: str) -> list[int]:
    """Inside a transaction: mark ``killed`` the running crawls (of ``source``, or all)
    that are dead (:func:`is_dead`: lease expired, or process gone); return their ids."""
    sql = "SELECT id, pid, host, process, lease_until, started_at FROM crawls WHERE status = 'running'"
    params: tuple = ()
    if source is not None:
        sql += " AND source = ?"
        params = (source,)
    when = parse_iso(now) or clock_now()
    me = os.getpid(), process_identity()
    dead = []
    for cid, pid, crawl_host, process, lease_until, started_at in conn.execute(sql, params).fetchall():
        if (pid, process) == me:
            continue  # this process's own crawl (the distributed ingest's runs)
        why = is_dead(pid, crawl_host, process, lease_until, started_at, host, when)
        if why is not None:
            conn.execute("UPDATE crawls SET status='killed', finish_reason=?, finished_at=?"
                         " WHERE id=? AND status='running'", (why, now, cid))
            dead.append(cid)
    return dead


def reap_dead(conn: sqlite3.Connection, host: str, source: str | None = None) -> list[int]:
    """:func:`reap` in its own transaction, ``finished_at`` = now."""
    with transaction(conn):
        return reap(conn, host, source, utcnow())


def finish(conn: sqlite3.Connection, crawl_id: int, status: str = "finished",
           reason: str = "") -> None:
    """Close the crawl: ``status``, ``finish_reason`` = ``reason``, ``finished_at`` = now,
    ``pending`` = the articles of its source still pending."""
    if not status or not isinstance(status, str):
        raise InvalidInput("status must be a non-empty str")
    with transaction(conn):
        close(conn, crawl_id, status, reason)


def set_discovery(conn: sqlite3.Connection, crawl_id: int, links_found: int,
                  pages_not_modified: int) -> None:
    """Record how the crawl's discovery went (its own transaction): the article links its
    feeds, listings, sitemaps and id walks gave, and how many of those pages answered 304.
    Source health tells a quiet re-crawl (nothing changed, nothing due) from a broken one."""
    with transaction(conn):
        conn.execute("UPDATE crawls SET links_found = ?, pages_not_modified = ? WHERE id = ?",
                     (int(links_found), int(pages_not_modified), crawl_id))


def close(conn: sqlite3.Connection, crawl_id: int, status: str, reason: str) -> None:
    """:func:`finish` inside the caller's transaction."""
    row = conn.execute("SELECT source FROM crawls WHERE id = ?", (crawl_id,)).fetchone()
    if row is None:
        raise NoSuchCrawl(f"no crawl {crawl_id}")
    conn.execute("UPDATE crawls SET status=?, finish_reason=?, finished_at=?, pending=? WHERE id=?",
                 (status, reason, utcnow(), pending.count(conn, row[0]), crawl_id))


def add_gaps(conn: sqlite3.Connection, crawl_id: int, n: int) -> None:
    """``n`` more ids of the crawl's id walk answered 404: gaps, not failures."""
    if n:
        with transaction(conn):
            check(conn, crawl_id)
            conn.execute("UPDATE crawls SET gaps = gaps + ? WHERE id = ?", (n, crawl_id))


def save_skips(conn: sqlite3.Connection, crawl_id: int, skips: list[Mapping],
               retry: pending.RetryPolicy | None = None, source: str | None = None) -> int:
    """Insert the ``skips`` rows and count them in the crawl's ``skipped`` / ``failed``, in
    one transaction; return how many. Every dict is checked before anything is written.
    A dict with ``pending`` (an outcome of :data:`storage.pending.OUTCOMES`) and
    ``discovered_by`` also moves the URL's ``pending`` row (:func:`storage.pending.answered`)
    with the ``retry`` policy, for the crawl's ``source``."""
    now = utcnow()
    rows = []
    outcomes = []
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
        if s.get("pending"):
            outcomes.append((url, s.get("discovered_by"), s["pending"], reason, rows[-1][5]))
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
        if outcomes:
            if source is None:
                source = conn.execute("SELECT source FROM crawls WHERE id = ?", (crawl_id,)).fetchone()[0]
            pending.answered(conn, crawl_id, source, retry or pending.RetryPolicy(), outcomes)
    return len(rows)


# -- reads for the scheduler and the ingest ------------------------------------------------

def running(conn: sqlite3.Connection, source: str) -> list[dict]:
    """The crawls of ``source`` still ``running`` (on any host): dicts of ``id``, ``pid``,
    ``host``, ``started_at``, oldest first. Reap the dead first (:func:`reap_dead`)."""
    keys = ("id", "pid", "host", "started_at")
    return [dict(zip(keys, r)) for r in conn.execute(
        f"SELECT {', '.join(keys)} FROM crawls WHERE source = ? AND status = 'running' ORDER BY id",
        (source,))]


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


def last_started(conn: sqlite3.Connection, source: str, statuses: tuple[str, ...] | None = None) -> str | None:
    """``started_at`` of the last crawl of ``source`` whose status is one of ``statuses``
    (None: any)."""
    if statuses is None:
        row = conn.execute("SELECT max(started_at) FROM crawls WHERE source = ?", (source,)).fetchone()
        return row[0] if row else None
    marks = ", ".join("?" * len(statuses))
    row = conn.execute(f"SELECT max(started_at) FROM crawls WHERE source = ? AND status IN ({marks})",
                       (source, *statuses)).fetchone()
    return row[0] if row else None
