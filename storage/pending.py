"""Articles a crawl discovered and did not store: the ``pending`` table, and when to ask
for them again.

    discover(conn, crawl_id, source, [(url, "feed"), ...])  # found, not fetched yet
    stored(conn, crawl_id, urls)                            # in save_batch's transaction
    answered(conn, crawl_id, source, policy, outcomes)      # in save_skips' transaction
    requeue(conn, crawl_id, source, [(url, by)], reason)    # a batch the crawl could not write
    due(conn, source, url_prefix, "due")                    # what a crawl asks for again

:class:`storage.Store` calls these with its connection and :class:`RetryPolicy`; each runs
inside the caller's :func:`storage.db.transaction` (``discover`` and ``requeue`` open
their own when called through the store).

Decisions:

- **Written ahead.** An article URL that a feed, a listing or a sitemap shows and the
  store does not know is a ``pending`` row before it is fetched (``attempts`` 0, due at
  once); storing the article deletes the row in the transaction that stores it. So a crawl
  killed, stopped at its time limit or unable to write leaves every article it found and
  did not store here, and the next crawl asks for it whatever the feed or listing answers
  (even a 304, even once the article has scrolled off). Id walks are not written ahead (a
  range of ten million ids would be ten million rows): an id that fails is.
- **Outcomes.** The spider says what a fetch that gave no article means
  (:func:`scrapers.status.pending_outcome`): ``retry`` (5xx, timeout, connection lost,
  truncated, parser error): ``attempts`` + 1 and the next try after the backoff; ``gone``
  (404, 410): the same, and given up at the second; ``done`` (the page is there and is
  not an article: skipped by rule): the row goes, its ``skips`` row says why. A URL given
  up stays (``given_up_at``) so that crawls do not ask for it again (``-a retry=all``
  does).
- **Backoff** (:class:`RetryPolicy`): the first retry ``backoff`` seconds after the
  failure (5 minutes), doubling after each failure, capped at ``max_backoff`` (a day);
  given up after ``attempts`` failures (10).
- **Counts** in the crawl's row: ``retried`` (rows an earlier crawl left that this crawl
  answered for: stored, failed again or dropped), ``recovered`` (those it stored),
  ``given_up``; and, when it ends, ``pending`` (the source's rows not given up).
- A batch the crawl could not write (the store locked or full) is made pending at once
  (:func:`requeue`): not an attempt, the site answered.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from veille.core.clock import iso, now, utcnow
from veille.core.errors import InvalidInput

__all__ = ["RetryPolicy", "OUTCOMES", "MODES", "discover", "stored", "answered", "requeue", "due",
           "given_up", "count", "snapshot"]

OUTCOMES = ("retry", "gone", "done")
MODES = ("due", "all", "none")

_SQL_DISCOVER = (
    "INSERT INTO pending (url, source, discovered_at, discovered_by, attempts, next_try_at, gone,"
    " crawl_id, last_crawl_id) SELECT ?, ?, ?, ?, 0, ?, 0, ?, ?"
    " WHERE NOT EXISTS (SELECT 1 FROM articles WHERE url = ?) ON CONFLICT(url) DO NOTHING"
)
_SQL_STORED = "DELETE FROM pending WHERE url = ? RETURNING crawl_id, last_crawl_id"
_SQL_ROW = "SELECT attempts, gone, given_up_at, crawl_id, last_crawl_id FROM pending WHERE url = ?"


@dataclass(frozen=True)
class RetryPolicy:
    backoff: float = 300.0  # seconds before the first retry
    max_backoff: float = 86400.0  # the delay stops doubling here
    attempts: int = 10  # failures before giving up

    def __post_init__(self):
        if self.backoff <= 0 or self.max_backoff < self.backoff or self.attempts < 1:
            raise InvalidInput(f"retry policy makes no sense: {self}")

    def next_try(self, attempts: int, when: dt.datetime) -> str:
        """When to ask again after the ``attempts``-th failure."""
        delay = min(self.backoff * 2 ** max(0, attempts - 1), self.max_backoff)
        return iso(when + dt.timedelta(seconds=delay))


def _counts(conn: sqlite3.Connection, crawl_id: int, retried: int = 0, recovered: int = 0,
            gave_up: int = 0) -> None:
    if retried or recovered or gave_up:
        conn.execute("UPDATE crawls SET retried = retried + ?, recovered = recovered + ?,"
                     " given_up = given_up + ? WHERE id = ?", (retried, recovered, gave_up, crawl_id))


def discover(conn: sqlite3.Connection, crawl_id: int, source: str,
             found: Iterable[tuple[str, str]]) -> int:
    """Article URLs found by ``crawl_id`` (``(url, discovered_by)``), written ahead of their
    fetch; URLs already pending or stored are left as they are. Returns how many were new."""
    when = utcnow()
    n = 0
    for url, by in found:
        n += conn.execute(_SQL_DISCOVER, (url, source, when, by, when, crawl_id, crawl_id, url)).rowcount
    return n


def stored(conn: sqlite3.Connection, crawl_id: int, urls: Iterable[str]) -> int:
    """The articles ``crawl_id`` stored leave ``pending``; counts ``retried`` and
    ``recovered`` for those an earlier crawl left. Returns how many were recovered."""
    recovered = retried = 0
    for url in urls:
        row = conn.execute(_SQL_STORED, (url,)).fetchone()
        if row is not None and row[0] != crawl_id:
            recovered += 1
            retried += row[1] != crawl_id
    _counts(conn, crawl_id, retried, recovered)
    return recovered


def answered(conn: sqlite3.Connection, crawl_id: int, source: str, policy: RetryPolicy,
             outcomes: Iterable[tuple[str, str | None, str, str, int | None]]) -> int:
    """Fetches of ``crawl_id`` that gave no article: ``(url, discovered_by, outcome, reason,
    http_status)``, ``outcome`` one of :data:`OUTCOMES`. A URL that is not pending is
    made pending when ``discovered_by`` says it is an article the crawl found (an id of a
    walk), and ignored otherwise (a known article re-checked, a feed). Returns how many
    were given up."""
    at = now()
    when = iso(at)
    retried = gave_up = 0
    for url, by, outcome, reason, status in outcomes:
        if outcome not in OUTCOMES:
            raise InvalidInput(f"pending outcome must be one of {OUTCOMES}, got {outcome!r}")
        row = conn.execute(_SQL_ROW, (url,)).fetchone()
        if row is None:
            if outcome == "done" or by is None:
                continue
            if conn.execute("SELECT 1 FROM articles WHERE url = ?", (url,)).fetchone():
                continue
            row = (0, 0, None, crawl_id, crawl_id)
            conn.execute("INSERT INTO pending (url, source, discovered_at, discovered_by, attempts, gone,"
                         " next_try_at, crawl_id, last_crawl_id) VALUES (?, ?, ?, ?, 0, 0, ?, ?, ?)",
                         (url, source, when, by, when, crawl_id, crawl_id))
        attempts, gone, given_up_at, first_crawl, last_crawl = row
        retried += first_crawl != crawl_id and last_crawl != crawl_id
        if outcome == "done":
            conn.execute("DELETE FROM pending WHERE url = ?", (url,))
            continue
        attempts += 1
        gone += outcome == "gone"
        if given_up_at is None and (gone >= 2 or attempts >= policy.attempts):
            given_up_at = when
            gave_up += 1
        conn.execute("UPDATE pending SET attempts = ?, gone = ?, last_reason = ?, last_status = ?,"
                     " next_try_at = ?, given_up_at = ?, last_crawl_id = ? WHERE url = ?",
                     (attempts, gone, reason, status, policy.next_try(attempts, at), given_up_at,
                      crawl_id, url))
    _counts(conn, crawl_id, retried=retried, gave_up=gave_up)
    return gave_up


def requeue(conn: sqlite3.Connection, crawl_id: int, source: str, urls: Iterable[tuple[str, str | None]],
            reason: str) -> int:
    """Articles ``crawl_id`` fetched and could not write: pending, due at once (not an
    attempt: the site answered). Returns how many rows were written."""
    when = utcnow()
    n = 0
    for url, by in urls:
        n += conn.execute(
            "INSERT INTO pending (url, source, discovered_at, discovered_by, attempts, gone, last_reason,"
            " next_try_at, crawl_id, last_crawl_id) SELECT ?, ?, ?, ?, 0, 0, ?, ?, ?, ?"
            " WHERE NOT EXISTS (SELECT 1 FROM articles WHERE url = ?)"
            " ON CONFLICT(url) DO UPDATE SET last_reason = excluded.last_reason,"
            " next_try_at = excluded.next_try_at, last_crawl_id = excluded.last_crawl_id",
            (url, source, when, by or "ids", reason[:300], when, crawl_id, crawl_id, url)).rowcount
    return n


def _like(url_prefix: str) -> str:
    return url_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def due(conn: sqlite3.Connection, source: str, url_prefix: str = "", mode: str = "due",
        when: dt.datetime | None = None) -> list[tuple[str, str]]:
    """``(url, discovered_by)`` of the pending articles of ``source`` (URLs starting with
    ``url_prefix``) that a crawl asks for again: ``due`` those not given up whose next try
    has come, ``all`` every one (given up included), ``none`` none. Oldest first."""
    if mode not in MODES:
        raise InvalidInput(f"retry: {mode!r}; use due, all or none")
    if mode == "none":
        return []
    sql = ("SELECT url, discovered_by FROM pending WHERE source = ? AND url LIKE ? ESCAPE '\\'"
           " AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.url = pending.url)")
    params: list = [source, _like(url_prefix)]
    if mode == "due":
        sql += " AND given_up_at IS NULL AND next_try_at <= ?"
        params.append(iso(when or now()))
    return conn.execute(sql + " ORDER BY discovered_at, url", params).fetchall()


def given_up(conn: sqlite3.Connection, source: str, url_prefix: str = "") -> set[str]:
    """The URLs of ``source`` given up: crawls do not ask for them again when a feed or
    listing shows them."""
    return {u for (u,) in conn.execute(
        "SELECT url FROM pending WHERE source = ? AND url LIKE ? ESCAPE '\\' AND given_up_at IS NOT NULL",
        (source, _like(url_prefix)))}


def count(conn: sqlite3.Connection, source: str) -> int:
    """How many articles of ``source`` are pending (given up ones not counted)."""
    return conn.execute("SELECT count(*) FROM pending WHERE source = ? AND given_up_at IS NULL",
                        (source,)).fetchone()[0]


def snapshot(conn: sqlite3.Connection, source: str) -> list[tuple[str, str, str, str | None]]:
    """``(url, discovered_by, next_try_at, given_up_at)`` of every pending article of
    ``source``: what a distributed worker without a store needs (the ingest publishes it)."""
    return conn.execute("SELECT url, discovered_by, next_try_at, given_up_at FROM pending WHERE source = ?",
                        (source,)).fetchall()
