"""The article store: one SQLite file (WAL), written by crawls, read with Datasette.

Usage from the Scrapy pipeline::

    store = Store()                                   # data/veille.db, or $VEILLE_DB
    crawl_id = store.start_crawl("abamako", spider="abamako", args={"max_pages": 10})
    outcomes = store.save_batch(crawl_id, items)      # one transaction per batch
    store.record_skip(crawl_id, url, "skipped", "no-article", detail="...")
    store.touch(crawl_id, url, etag=...)              # a 304 on re-crawl
    store.discover(crawl_id, [(url, "feed")])          # found, not fetched yet: pending
    store.heartbeat(crawl_id)                          # still alive (its lease)
    store.finish_crawl(crawl_id, "finished", reason="finished")
    store.close()

What is stored (nothing is ever deleted or overwritten by a later crawl, except the
"current" pointers and timestamps of ``articles``):

- ``contents``: every distinct text once, keyed by ``hash`` = SHA-256 hex of its UTF-8 bytes
  (:func:`veille.core.textformat.content_hash`), whatever the URLs that carry it.
- ``articles``: one row per URL (the URL exactly as given: normalising it is the caller's
  job) with the metadata of its current version, ``content_hash`` of that version,
  ``duplicate_of`` (the first article that carried the same text, or NULL),
  ``first_seen``/``last_seen`` and the HTTP validators of the last fetch.
- ``versions``: append-only, one row each time an article's text changes (the first
  included): ``article_id``, ``content_hash``, ``fetched_at``, ``crawl_id``, ``previous_hash``.
- ``crawls``: one row per run with its counts, the process that runs it and its lease.
- ``skips``: URLs skipped or failed, with a short reason code.
- ``pending``: article URLs found and not stored (yet), retried until stored or given up
  (:mod:`storage.pending`).

Crash safety: every write method is one transaction (:func:`storage.db.transaction`),
the crawl counts included, so a process killed at any moment leaves whole batches or
nothing. A crawl row left ``running`` by a dead process (its lease expired, or its
process gone) is marked ``killed`` by the next :meth:`Store.start_crawl` of the same
source (or :meth:`reap_dead_crawls`), whatever the host.

Decisions:

- :class:`Store` is the door the crawl pipeline and the application use: one connection
  and the methods below. The work is done by modules with one job each:
  :mod:`storage.db` (connections, the transaction helper, read-only opening),
  :mod:`storage.schema`, :mod:`storage.crawls` (crawl rows and skips),
  :mod:`storage.articles` (article writes), :mod:`storage.pending` (articles to fetch
  again), :mod:`storage.flags`, :mod:`storage.stories` and :mod:`storage.reports` (the SQL
  of :mod:`veille.monitor` and :mod:`veille.report`).
- Opening read-write creates the file and completes the schema; readers that must not
  write open with :meth:`Store.open_readonly` (nothing created, migrated or written; a
  read-only filesystem is fine). Both refuse a file that is not a veille store
  (:class:`~veille.core.errors.NotAStore`, see :func:`storage.db.check_store`) before
  touching it.
- Errors are :mod:`veille.core.errors`: :class:`~veille.core.errors.NoStore`,
  :class:`~veille.core.errors.InvalidInput`, :class:`~veille.core.errors.NoSuchCrawl`,
  :class:`~veille.core.errors.TransactionError`, :class:`~veille.core.errors.SchemaError`,
  :class:`~veille.core.errors.NotAStore`, :class:`~veille.core.errors.StoreDamaged`.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Mapping
from pathlib import Path

import sqlite_utils

from veille.core import clock

from . import articles, crawls, pending
from .articles import OUTCOMES
from .db import connect, open_readonly, transaction
from .paths import default_db_path
from .pending import RetryPolicy
from .revisit import RevisitPolicy
from .schema import SCHEMA_VERSION, check_readable, ensure_schema, rebuild_fts

__all__ = ["Store", "OUTCOMES"]


class Store:
    """The SQLite store. ``Store(path=None)``: explicit path > ``$VEILLE_DB`` > ``data/veille.db``.

    Opening creates the folder and the file if needed (``create=False``:
    :class:`~veille.core.errors.NoStore`, a FileNotFoundError, instead), turns WAL on and
    ensures the schema; a file that is not a veille store is
    :class:`~veille.core.errors.NotAStore` and is left as it was. ``store.db`` is the
    :class:`sqlite_utils.Database`, ``store.path`` the file's path, ``store.readonly``
    whether it was opened with :meth:`open_readonly` (``store.immutable``: and had to be
    opened ``immutable``, see :mod:`storage.db`).
    One Store per process/thread (the sqlite3 connection is not shared across threads).
    """

    def __init__(self, path: str | os.PathLike | None = None, *, create: bool = True,
                 timeout: float = 30.0, revisit: RevisitPolicy | None = None,
                 retry: RetryPolicy | None = None):
        self.path = Path(path) if path is not None else default_db_path()
        self._attach(connect(self.path, create=create, timeout=timeout), revisit, False)
        self.retry = retry or RetryPolicy()
        try:
            ensure_schema(self.db)
        except BaseException:
            self.conn.close()
            raise

    @classmethod
    def open_readonly(cls, path: str | os.PathLike | None = None, *,
                      timeout: float = 30.0) -> "Store":
        """The existing store at ``path`` (default as for ``Store()``), read-only: nothing
        is created, migrated or written (a write raises sqlite3.OperationalError), on a
        read-only filesystem too; what a process writing the store has committed is
        visible (WAL included). :class:`~veille.core.errors.NoStore` when there is no such
        file, :class:`~veille.core.errors.NotAStore` for a file that is not a veille
        store, :class:`~veille.core.errors.SchemaError` for a store newer than this code
        or one an older veille made that no writer has brought up to date."""
        store = cls.__new__(cls)
        store.path = Path(path) if path is not None else default_db_path()
        conn, immutable = open_readonly(store.path, timeout=timeout)
        store._attach(conn, None, True)
        store.immutable = immutable
        try:
            check_readable(store.db, str(store.path))
        except BaseException:
            conn.close()
            raise
        return store

    def _attach(self, conn, revisit: RevisitPolicy | None, readonly: bool) -> None:
        self.conn = conn
        self.db = sqlite_utils.Database(conn)
        self.readonly = readonly
        self.immutable = False
        self.revisit = revisit or RevisitPolicy()
        self.retry = RetryPolicy()
        self._host = socket.gethostname()

    # -- context manager ------------------------------------------------------------
    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (any open transaction is rolled back)."""
        try:
            if self.conn.in_transaction:
                self.conn.rollback()
        finally:
            self.conn.close()

    # -- crawls (storage.crawls) ----------------------------------------------------
    def start_crawl(self, source: str, spider: str | None = None, args: dict | None = None,
                    lease: float | None = None) -> int:
        """Record the start of a crawl of ``source``, alive for ``lease`` seconds (default
        :data:`storage.crawls.DEFAULT_LEASE`) unless :meth:`heartbeat` extends it; return
        its id. Older crawls of the same source still ``running`` that are dead (lease
        expired, process gone) are marked ``killed`` first."""
        return crawls.start(self.conn, self._host, source, spider, args, lease)

    def heartbeat(self, crawl_id: int | list[int], lease: float | None = None) -> None:
        """The crawl (or crawls) is alive for ``lease`` more seconds."""
        crawls.heartbeat(self.conn, [crawl_id] if isinstance(crawl_id, int) else list(crawl_id), lease)

    def reap_dead_crawls(self, source: str | None = None) -> list[int]:
        """Mark ``killed`` the running crawls (of ``source``, or all) that are dead (lease
        expired, or process gone; see :mod:`storage.crawls`), whatever their host; return
        their ids. ``finished_at`` is when the death was noticed."""
        return crawls.reap_dead(self.conn, self._host, source)

    def finish_crawl(self, crawl_id: int, status: str = "finished", reason: str = "") -> None:
        """Close the crawl: ``status`` ('finished', 'failed', 'killed', ...), Scrapy's
        ``finish_reason`` in ``reason``, ``finished_at`` = now, ``pending`` = how many
        articles of its source are pending."""
        crawls.finish(self.conn, crawl_id, status, reason)

    def fail_crawl(self, crawl_id: int, source: str, unwritten: list[tuple[str, str | None]],
                   reason: str) -> None:
        """A crawl that cannot write, in one transaction: the articles it fetched and could
        not write are pending (due at once), and it ends ``failed`` with ``reason``."""
        with transaction(self.conn):
            pending.requeue(self.conn, crawl_id, source, unwritten, reason)
            crawls.close(self.conn, crawl_id, "failed", reason)

    def add_gaps(self, crawl_id: int, n: int) -> None:
        """``n`` more ids of the crawl's id walk answered 404 (gaps, not failures)."""
        crawls.add_gaps(self.conn, crawl_id, n)

    # -- pending (storage.pending) --------------------------------------------------
    def discover(self, crawl_id: int, found: list[tuple[str, str]], source: str | None = None) -> int:
        """Article URLs the crawl found, ``(url, discovered_by)``, pending until they are
        stored (one transaction); return how many were not pending or stored already."""
        if not found:
            return 0
        with transaction(self.conn):
            crawls.check(self.conn, crawl_id)
            if source is None:
                source = self.crawl(crawl_id)["source"]
            return pending.discover(self.conn, crawl_id, source, found)

    def pending_due(self, source: str, url_prefix: str = "", mode: str = "due") -> list[tuple[str, str]]:
        """``(url, discovered_by)`` of the pending articles a crawl of ``source`` asks for
        again (``mode``: due, all or none; see :func:`storage.pending.due`)."""
        return pending.due(self.conn, source, url_prefix, mode)

    def given_up(self, source: str, url_prefix: str = "") -> set[str]:
        """The article URLs of ``source`` given up: not asked for again."""
        return pending.given_up(self.conn, source, url_prefix)

    def pending_count(self, source: str) -> int:
        """How many articles of ``source`` are pending (not given up)."""
        return pending.count(self.conn, source)

    def pending_snapshot(self, source: str) -> list[tuple[str, str, str, str | None]]:
        """Every pending article of ``source``: ``(url, discovered_by, next_try_at,
        given_up_at)``."""
        return pending.snapshot(self.conn, source)

    def undated_first_seen(self, source: str, url_prefix: str = "") -> dict[str, str]:
        """``{url: first_seen}`` of the articles of ``source`` whose line 1 has the month of
        their ``first_seen`` (``date_source`` 'first_seen', or no date at all): a re-fetch
        of an undated page keeps that month."""
        like = url_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return dict(self.conn.execute(
            "SELECT url, first_seen FROM articles WHERE source = ? AND url LIKE ? ESCAPE '\\'"
            " AND (date_source = 'first_seen' OR published IS NULL)", (source, like)))

    def record_discovery(self, crawl_id: int, links_found: int, pages_not_modified: int) -> None:
        """How the crawl's discovery went: article links found (known or new), feeds and
        listings answered 304 (:func:`storage.crawls.set_discovery`)."""
        crawls.set_discovery(self.conn, crawl_id, links_found, pages_not_modified)

    # -- articles (storage.articles) ------------------------------------------------
    def save_batch(self, crawl_id: int, items: list[dict], *, skip_invalid: bool = False
                   ) -> list[str]:
        """Save a batch of fetched articles in ONE transaction; return one outcome per item.

        Each item is a dict with ``url``, ``text`` (the article in the text format,
        non-empty) and optionally ``source``, ``site``, ``title``, ``headline``,
        ``published`` (ISO date str, or a date), ``rubric``, ``publisher``,
        ``canonical_url``, ``method``, ``date_source`` ('page', the default, or 'first_seen'
        for an undated page), ``fetched_at`` (ISO UTC; default now), ``etag``,
        ``last_modified`` (validators of this fetch; a key present with None clears the
        stored one, a key absent keeps it), ``content_hash`` (checked against the text) and
        ``found_as`` (the URL the crawl asked for, when it redirected: it leaves
        ``pending`` too), and for the version row ``cause`` ('fetch', the default, or
        'extractor'), ``extractor`` (method and parsers version), ``warc_file`` and
        ``warc_offset`` (its page in the archive, :mod:`storage.archive`).

        Outcomes:

        - ``"new"``: unknown URL, unknown text: content + article + version rows.
        - ``"duplicate"``: unknown URL whose text is already stored: article row with
          ``duplicate_of`` = the first article that carried the text, and a version row;
          the text is not stored again.
        - ``"updated"``: known URL, other text: a version row (``previous_hash`` = the old
          one), the article's ``content_hash`` and metadata move; old versions are kept.
          ``duplicate_of`` is recomputed for the new text.
        - ``"unchanged"``: known URL, same text: only ``last_seen`` and the validators move.

        The same URL may appear several times in a batch (processed in order). The crawl's
        ``fetched`` and outcome counts are incremented in the same transaction, and the
        URLs stored leave ``pending`` (``retried``/``recovered`` counted).

        Raises :class:`~veille.core.errors.InvalidInput` (a ValueError; nothing written) if
        any item has no URL, an empty text, a text not in the format (checked with
        :func:`veille.core.textformat.read`) or a wrong ``content_hash``;
        :class:`~veille.core.errors.NoSuchCrawl` (a KeyError) if the crawl does not exist.

        ``skip_invalid=True`` (not the default): instead of raising, an invalid item gets
        the outcome ``"invalid"``, a ``skips`` row (kind 'failed', reason 'invalid-text',
        the error in ``detail``) and counts in the crawl's ``failed``; the rest is saved.
        """
        return articles.save_batch(self.conn, crawl_id, items, self.revisit,
                                   skip_invalid=skip_invalid, retry=self.retry)

    def save(self, crawl_id: int, item: dict) -> str:
        """One item: ``save_batch(crawl_id, [item])[0]`` (one transaction per item: slower)."""
        return self.save_batch(crawl_id, [item])[0]

    def touch_batch(self, crawl_id: int, items: list[dict]) -> list[str]:
        """Re-fetches that returned no text (HTTP 304), in one transaction.

        Each item: ``url``, optional ``etag``, ``last_modified`` (None keeps the stored
        value) and ``fetched_at`` (default now). A known URL gets ``last_seen`` bumped, its
        next check pushed back by the revisit policy, and counts ``fetched`` +
        ``unchanged`` + ``not_modified``: outcome ``"unchanged"``. An unknown URL changes
        nothing and counts nothing: outcome ``"unknown"``.
        """
        return articles.touch_batch(self.conn, crawl_id, items, self.revisit)

    def touch(self, crawl_id: int, url: str, etag: str | None = None,
              last_modified: str | None = None) -> str:
        """A re-fetch that returned no text (HTTP 304): bump ``last_seen`` (and the
        validators when given), count ``fetched`` + ``unchanged``. Returns ``"unchanged"``,
        or ``"unknown"`` (nothing changed) for a URL the store does not know."""
        return self.touch_batch(crawl_id, [{"url": url, "etag": etag,
                                            "last_modified": last_modified}])[0]

    # -- re-crawls -------------------------------------------------------------------
    def known_articles(self, source: str, url_prefix: str = "", now: dt.datetime | None = None
                       ) -> dict[str, tuple[str | None, str | None, bool]]:
        """The articles a crawl of ``source`` already knows, whose URL starts with
        ``url_prefix``: ``{url: (etag, last_modified, due)}``. ``due`` says the revisit
        policy wants it checked now (``next_check_at`` has come, or was never set)."""
        when = clock.iso(now or clock.now())
        like = url_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        cur = self.conn.execute(
            "SELECT url, etag, last_modified, next_check_at IS NULL OR next_check_at <= ?"
            " FROM articles WHERE source = ? AND url LIKE ? ESCAPE '\\'", (when, source, like))
        return {url: (etag, lm, bool(due)) for url, etag, lm, due in cur}

    def article_validators(self, source: str) -> list[tuple[str, str | None, str | None, str | None]]:
        """``(url, etag, last_modified, next_check_at)`` of every article of ``source``: what a
        distributed worker needs to ask conditionally (:mod:`scrapers.distributed`)."""
        return self.conn.execute("SELECT url, etag, last_modified, next_check_at FROM articles"
                                 " WHERE source = ?", (source,)).fetchall()

    def sources(self) -> set[str]:
        """The sources the store has articles or page validators of."""
        return {r[0] for r in self.conn.execute("SELECT source FROM articles UNION SELECT source FROM pages")}

    def page_validators(self, source: str) -> dict[str, tuple[str | None, str | None]]:
        """``{url: (etag, last_modified)}`` of the feeds and listing pages of ``source``."""
        cur = self.conn.execute("SELECT url, etag, last_modified FROM pages WHERE source = ?", (source,))
        return {url: (etag, lm) for url, etag, lm in cur}

    def save_pages(self, source: str, pages: list[dict]) -> int:
        """Remember the validators of feeds and listing pages, in one transaction.

        Each dict: ``url``, ``kind`` ('feed', 'listing', 'sitemap'), ``status`` (200 or
        304), ``etag``, ``last_modified``, optional ``fetched_at``. A 304 keeps the stored
        validators unless new ones are given."""
        return articles.save_pages(self.conn, source, pages)

    # -- skips (storage.crawls) -----------------------------------------------------
    def save_skips(self, crawl_id: int, skips: list[Mapping]) -> int:
        """Record skipped/failed URLs in one transaction; return how many.

        Each dict: ``url``, ``kind`` ('skipped' or 'failed'), ``reason`` (short code:
        'no-article', 'http-404', 'timeout', 'offsite-redirect', 'too-large', 'not-html',
        ...), optional ``detail``, ``http_status``, ``at`` (ISO UTC; default now).
        Increments the crawl's ``skipped`` / ``failed`` counts. A dict with ``pending``
        (``retry``, ``gone`` or ``done``: what the failure means for an article the crawl
        found) and ``discovered_by`` also moves the URL in ``pending`` (see
        :func:`storage.pending.answered`), with the store's retry policy.
        """
        return crawls.save_skips(self.conn, crawl_id, skips, self.retry)

    def record_skip(self, crawl_id: int, url: str, kind: str, reason: str, detail: str = "",
                    http_status: int | None = None) -> None:
        """Record one skipped or failed URL (see :meth:`save_skips`)."""
        self.save_skips(crawl_id, [{"url": url, "kind": kind, "reason": reason,
                                    "detail": detail, "http_status": http_status}])

    # -- reading --------------------------------------------------------------------
    def article(self, url: str) -> dict | None:
        """The article row for ``url`` (a dict), or None."""
        rows = list(self.db.query("SELECT * FROM articles WHERE url = ?", [url]))
        return rows[0] if rows else None

    def text(self, content_hash: str) -> str | None:
        """The stored text with this hash, or None."""
        r = self.conn.execute("SELECT text FROM contents WHERE hash = ?", (content_hash,)).fetchone()
        return r[0] if r else None

    def validators(self, url: str) -> tuple[str | None, str | None] | None:
        """``(etag, last_modified)`` of the last fetch of ``url``, or None if unknown:
        what a conditional re-crawl sends as If-None-Match / If-Modified-Since."""
        r = self.conn.execute(
            "SELECT etag, last_modified FROM articles WHERE url = ?", (url,)).fetchone()
        return (r[0], r[1]) if r else None

    def crawl(self, crawl_id: int) -> dict | None:
        """The crawl row (a dict), or None."""
        rows = list(self.db.query("SELECT * FROM crawls WHERE id = ?", [crawl_id]))
        return rows[0] if rows else None

    def rebuild_fts(self) -> None:
        """Rebuild the FTS indexes (see :func:`storage.schema.rebuild_fts`)."""
        rebuild_fts(self.db)

    schema_version = SCHEMA_VERSION
