"""The article store: one SQLite file (WAL), written by crawls, read with Datasette.

Usage from the Scrapy pipeline::

    store = Store()                                   # data/veille.db, or $VEILLE_DB
    crawl_id = store.start_crawl("abamako", spider="abamako", args={"max_pages": 10})
    outcomes = store.save_batch(crawl_id, items)      # one transaction per batch
    store.record_skip(crawl_id, url, "skipped", "no-article", detail="...")
    store.touch(crawl_id, url, etag=...)              # a 304 on re-crawl
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
- ``crawls``: one row per run with its counts; ``pid``/``host`` of the process that runs it.
- ``skips``: URLs skipped or failed, with a short reason code.

Crash safety: every write method is one transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``),
the crawl counts included, so a process killed at any moment leaves whole batches or
nothing. A crawl row left ``running`` by a dead process is marked ``killed`` by the next
:meth:`Store.start_crawl` of the same source on the same host (or :meth:`reap_dead_crawls`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path

import sqlite_utils

from veille.core import clock, textformat
from veille.core.clock import iso, utcnow
from veille.core.errors import NoSuchCrawl
from veille.core.diff import diff_texts

from .paths import DEFAULT_DB_PATH, ENV_VAR, default_db_path
from .revisit import RevisitPolicy
from .schema import SCHEMA_VERSION, ensure_schema, rebuild_fts

__all__ = ["Store", "default_db_path", "utcnow", "DEFAULT_DB_PATH", "ENV_VAR", "OUTCOMES"]

OUTCOMES = ("new", "updated", "unchanged", "duplicate")
SKIP_KINDS = ("skipped", "failed")

# The metadata columns an item may carry (besides url, text, content_hash, fetched_at).
_META = ("source", "site", "title", "headline", "published", "rubric", "publisher",
         "canonical_url", "method")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, belongs to someone else
        return True
    except OSError:
        return False
    return True


def _opt_str(value, field: str, i: int) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise ValueError(f"item {i}: {field} must be a str or None, got {type(value).__name__}")


# SQL of the hot path, prepared once per connection by sqlite3's statement cache.
_SQL_ARTICLE_BY_URL = (
    "SELECT id, content_hash, etag, last_modified, check_interval, published FROM articles WHERE url = ?"
)
_SQL_CONTENT_EXISTS = "SELECT 1 FROM contents WHERE hash = ?"
_SQL_FIRST_CARRIER = (
    "SELECT article_id FROM versions WHERE content_hash = ? AND article_id <> ? ORDER BY id LIMIT 1"
)
_SQL_INSERT_CONTENT = "INSERT INTO contents (hash, text, length, first_seen) VALUES (?, ?, ?, ?)"
_SQL_INSERT_ARTICLE = (
    "INSERT INTO articles (url, source, site, title, headline, published, rubric, publisher,"
    " canonical_url, method, first_seen, last_seen, content_hash, duplicate_of, etag,"
    " last_modified, check_interval, next_check_at, versions_count)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,1)"
)
_SQL_INSERT_VERSION = (
    "INSERT INTO versions (article_id, content_hash, fetched_at, crawl_id, previous_hash,"
    " added, removed, diff) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_SQL_TEXT = "SELECT text FROM contents WHERE hash = ?"
_SQL_UPDATE_ARTICLE = (
    "UPDATE articles SET source=?, site=?, title=?, headline=?, published=?, rubric=?,"
    " publisher=?, canonical_url=?, method=?, last_seen=?, content_hash=?, duplicate_of=?,"
    " etag=?, last_modified=?, check_interval=?, next_check_at=?,"
    " versions_count=versions_count+1 WHERE id=?"
)
_SQL_SEEN = (
    "UPDATE articles SET last_seen=?, etag=?, last_modified=?, check_interval=?, next_check_at=?"
    " WHERE id=?"
)
_SQL_TOUCH_LOOKUP = "SELECT id, check_interval, published FROM articles WHERE url = ?"
_SQL_TOUCH = (
    "UPDATE articles SET last_seen=?, etag=COALESCE(?, etag),"
    " last_modified=COALESCE(?, last_modified), check_interval=?, next_check_at=? WHERE id=?"
)
# how many article pages each extraction method produced in a crawl (veille.monitor.health)
_SQL_METHOD_COUNT = (
    "INSERT INTO crawl_methods (crawl_id, method, pages) VALUES (?, ?, ?)"
    " ON CONFLICT(crawl_id, method) DO UPDATE SET pages = pages + excluded.pages"
)
_SQL_COUNTS = (
    "UPDATE crawls SET fetched=fetched+?, new=new+?, updated=updated+?, unchanged=unchanged+?,"
    " duplicate=duplicate+? WHERE id=?"
)


def _change(old: str, new: str) -> tuple[str | None, str | None, str | None]:
    """(added, removed, diff) of a new version against the previous one, for the
    ``versions`` row: JSON lists of the paragraphs added and removed, and a unified diff."""
    try:
        d = diff_texts(old, new)
    except Exception:  # a diff must never cost a version
        return None, None, None
    return (json.dumps(d.added, ensure_ascii=False), json.dumps(d.removed, ensure_ascii=False),
            d.unified)


class Store:
    """The SQLite store. ``Store(path=None)``: explicit path > ``$VEILLE_DB`` > ``data/veille.db``.

    Opening creates the folder and the file if needed (``create=False``: FileNotFoundError
    instead), turns WAL on and ensures the schema.
    ``store.db`` is the :class:`sqlite_utils.Database`, ``store.path`` the file's path.
    One Store per process/thread (the sqlite3 connection is not shared across threads).
    """

    def __init__(self, path: str | os.PathLike | None = None, *, create: bool = True,
                 timeout: float = 30.0, revisit: RevisitPolicy | None = None):
        self.revisit = revisit or RevisitPolicy()
        self.path = Path(path) if path is not None else default_db_path()
        if str(self.path) != ":memory:":
            if not create and not self.path.is_file():
                raise FileNotFoundError(f"no database at {self.path}")
            self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(self.path), timeout=timeout)
        self.db = sqlite_utils.Database(conn)
        self.conn = conn
        if str(self.path) != ":memory:":
            self.db.enable_wal()
        # WAL + synchronous=NORMAL: a killed process loses nothing committed; a power cut may
        # lose the last transactions but never corrupts the file.
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
        # Checkpoint the WAL every ~16 MB instead of 4 MB (fewer, larger copies: ~10%
        # faster batches), and truncate it back to 64 MB at most after a checkpoint.
        conn.execute("PRAGMA wal_autocheckpoint=4000")
        conn.execute("PRAGMA journal_size_limit=67108864")
        ensure_schema(self.db)
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

    # -- transactions ---------------------------------------------------------------
    def _begin(self) -> None:
        # IMMEDIATE: take the write lock now, so reads made to plan the batch stay true
        # until COMMIT even when another process writes to the same file.
        self.conn.execute("BEGIN IMMEDIATE")

    def _commit(self) -> None:
        self.conn.execute("COMMIT")

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    # -- crawls ---------------------------------------------------------------------
    def start_crawl(self, source: str, spider: str | None = None, args: dict | None = None) -> int:
        """Record the start of a crawl of ``source``; return its id.

        Older crawls of the same source still ``running`` whose process (same host) is dead
        are marked ``killed`` first.
        """
        if not source or not isinstance(source, str):
            raise ValueError("source must be a non-empty str")
        now = utcnow()
        self._begin()
        try:
            self._reap(source, now)
            cur = self.conn.execute(
                "INSERT INTO crawls (source, spider, args, started_at, status, pid, host)"
                " VALUES (?, ?, ?, ?, 'running', ?, ?)",
                (source, spider, json.dumps(args or {}, ensure_ascii=False, sort_keys=True,
                                            default=str),
                 now, os.getpid(), self._host),
            )
            crawl_id = cur.lastrowid
            self._commit()
        except BaseException:
            self._rollback()
            raise
        return crawl_id

    def _reap(self, source: str | None, now: str) -> list[int]:
        sql = "SELECT id, pid, host FROM crawls WHERE status = 'running'"
        params: tuple = ()
        if source is not None:
            sql += " AND source = ?"
            params = (source,)
        dead = [
            cid for cid, pid, host in self.conn.execute(sql, params).fetchall()
            if host == self._host and pid is not None and pid != os.getpid() and not _pid_alive(pid)
        ]
        for cid in dead:
            self.conn.execute(
                "UPDATE crawls SET status='killed', finish_reason='process-died', finished_at=?"
                " WHERE id=? AND status='running'",
                (now, cid),
            )
        return dead

    def reap_dead_crawls(self, source: str | None = None) -> list[int]:
        """Mark ``killed`` the running crawls (of ``source``, or all) whose process is dead on
        this host; return their ids. ``finished_at`` is when the death was noticed."""
        self._begin()
        try:
            dead = self._reap(source, utcnow())
            self._commit()
        except BaseException:
            self._rollback()
            raise
        return dead

    def finish_crawl(self, crawl_id: int, status: str = "finished", reason: str = "") -> None:
        """Close the crawl: ``status`` ('finished', 'failed', 'killed', ...), Scrapy's
        ``finish_reason`` in ``reason``, ``finished_at`` = now."""
        if not status or not isinstance(status, str):
            raise ValueError("status must be a non-empty str")
        self._begin()
        try:
            cur = self.conn.execute(
                "UPDATE crawls SET status=?, finish_reason=?, finished_at=? WHERE id=?",
                (status, reason, utcnow(), crawl_id),
            )
            if cur.rowcount != 1:
                raise NoSuchCrawl(f"no crawl {crawl_id}")
            self._commit()
        except BaseException:
            self._rollback()
            raise

    def _check_crawl(self, crawl_id: int) -> None:
        if self.conn.execute("SELECT 1 FROM crawls WHERE id = ?", (crawl_id,)).fetchone() is None:
            raise NoSuchCrawl(f"no crawl {crawl_id}")

    # -- articles -------------------------------------------------------------------
    @classmethod
    def _prepare(cls, items: Iterable[Mapping], skip_invalid: bool = False
                 ) -> tuple[list[tuple | None], list[tuple[int, str, str]]]:
        """Validate every item before anything is written.

        Returns the normalised tuples (None for an invalid item when ``skip_invalid``) and
        the invalid ones as (index, url, error); without ``skip_invalid`` the first invalid
        item raises ValueError."""
        prepared: list[tuple | None] = []
        invalid: list[tuple[int, str, str]] = []
        now = utcnow()
        for i, item in enumerate(items):
            try:
                prepared.append(cls._prepare_one(i, item, now))
            except ValueError as e:
                if not skip_invalid:
                    raise
                url = item.get("url") if isinstance(item.get("url"), str) else ""
                invalid.append((i, url or "", str(e)))
                prepared.append(None)
        return prepared, invalid

    @staticmethod
    def _prepare_one(i: int, item: Mapping, now: str) -> tuple:
        url = item.get("url")
        if not url or not isinstance(url, str):
            raise ValueError(f"item {i}: url must be a non-empty str")
        text = item.get("text")
        if not isinstance(text, str) or not text:
            raise ValueError(f"item {i} ({url}): empty or missing text")
        try:
            textformat.read(text)
        except ValueError as e:  # FormatError
            raise ValueError(f"item {i} ({url}): text not in the article format: {e}") from e
        h = textformat.content_hash(text)
        given = item.get("content_hash")
        if given is not None and given != h:
            raise ValueError(f"item {i} ({url}): content_hash does not match the text")
        fetched_at = item.get("fetched_at")
        if fetched_at is None:
            fetched_at = now
        else:
            fetched_at = _opt_str(fetched_at, "fetched_at", i)
        meta = tuple(_opt_str(item.get(k), k, i) for k in _META)
        validators = ("etag" in item, _opt_str(item.get("etag"), "etag", i),
                      _opt_str(item.get("last_modified"), "last_modified", i),
                      "last_modified" in item)
        return (url, text, h, fetched_at, meta, validators)

    def save_batch(self, crawl_id: int, items: list[dict], *, skip_invalid: bool = False
                   ) -> list[str]:
        """Save a batch of fetched articles in ONE transaction; return one outcome per item.

        Each item is a dict with ``url``, ``text`` (the article in the text format,
        non-empty) and optionally ``source``, ``site``, ``title``, ``headline``,
        ``published`` (ISO date str, or a date), ``rubric``, ``publisher``,
        ``canonical_url``, ``method``, ``fetched_at`` (ISO UTC; default now), ``etag``,
        ``last_modified`` (validators of this fetch; a key present with None clears the
        stored one, a key absent keeps it) and ``content_hash`` (checked against the text).

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
        ``fetched`` and outcome counts are incremented in the same transaction.

        Raises ValueError (nothing written) if any item has no URL, an empty text, a text
        not in the format (checked with :func:`veille.core.textformat.read`) or a wrong
        ``content_hash``; KeyError if the crawl does not exist.

        ``skip_invalid=True`` (not the default): instead of raising, an invalid item gets
        the outcome ``"invalid"``, a ``skips`` row (kind 'failed', reason 'invalid-text',
        the error in ``detail``) and counts in the crawl's ``failed``; the rest is saved.
        """
        prepared, invalid = self._prepare(items, skip_invalid)
        if not prepared:
            return []
        ex = self.conn.execute
        outcomes: list[str] = []
        counts = dict.fromkeys(OUTCOMES, 0)
        now_dt = clock.now()
        schedule = self.revisit.schedule
        self._begin()
        try:
            self._check_crawl(crawl_id)
            for p in prepared:
                if p is None:
                    outcomes.append("invalid")
                    continue
                url, text, h, fetched_at, meta, (has_etag, etag, last_modified, has_lm) = p
                row = ex(_SQL_ARTICLE_BY_URL, (url,)).fetchone()
                published = meta[4]
                if row is not None:
                    article_id, old_hash, cur_etag, cur_lm, interval, old_published = row
                    if not has_etag:
                        etag = cur_etag
                    if not has_lm:
                        last_modified = cur_lm
                    if old_hash == h:
                        ex(_SQL_SEEN, (fetched_at, etag, last_modified,
                                       *schedule(False, old_published, interval, now_dt), article_id))
                        outcome = "unchanged"
                    else:
                        if ex(_SQL_CONTENT_EXISTS, (h,)).fetchone() is None:
                            ex(_SQL_INSERT_CONTENT, (h, text, len(text), fetched_at))
                            dup = None
                        else:
                            r = ex(_SQL_FIRST_CARRIER, (h, article_id)).fetchone()
                            dup = r[0] if r else None
                        old_text = ex(_SQL_TEXT, (old_hash,)).fetchone()
                        change = _change(old_text[0] if old_text else "", text)
                        ex(_SQL_INSERT_VERSION,
                           (article_id, h, fetched_at, crawl_id, old_hash, *change))
                        ex(_SQL_UPDATE_ARTICLE,
                           (*meta, fetched_at, h, dup, etag, last_modified,
                            *schedule(True, published, interval, now_dt), article_id))
                        outcome = "updated"
                else:
                    if ex(_SQL_CONTENT_EXISTS, (h,)).fetchone() is None:
                        ex(_SQL_INSERT_CONTENT, (h, text, len(text), fetched_at))
                        dup = None
                        outcome = "new"
                    else:
                        r = ex(_SQL_FIRST_CARRIER, (h, -1)).fetchone()
                        dup = r[0] if r else None
                        outcome = "duplicate"
                    article_id = ex(
                        _SQL_INSERT_ARTICLE,
                        (url, *meta, fetched_at, fetched_at, h, dup, etag, last_modified,
                         *schedule(True, published, None, now_dt)),
                    ).lastrowid
                    ex(_SQL_INSERT_VERSION, (article_id, h, fetched_at, crawl_id, None,
                                             None, None, None))
                counts[outcome] += 1
                outcomes.append(outcome)
            ex(_SQL_COUNTS, (len(prepared) - len(invalid), counts["new"], counts["updated"],
                             counts["unchanged"], counts["duplicate"], crawl_id))
            methods: dict[str, int] = {}
            for p in prepared:
                if p is not None and p[4][8]:  # meta[8]: method
                    methods[p[4][8]] = methods.get(p[4][8], 0) + 1
            for method, n in methods.items():
                ex(_SQL_METHOD_COUNT, (crawl_id, method, n))
            if invalid:
                now = utcnow()
                self.conn.executemany(
                    "INSERT INTO skips (crawl_id, url, kind, reason, detail, at)"
                    " VALUES (?, ?, 'failed', 'invalid-text', ?, ?)",
                    [(crawl_id, url, err[:1000], now) for _, url, err in invalid])
                ex("UPDATE crawls SET failed=failed+? WHERE id=?", (len(invalid), crawl_id))
            self._commit()
        except BaseException:
            self._rollback()
            raise
        return outcomes

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
        rows = []
        now = utcnow()
        for i, item in enumerate(items):
            url = item.get("url")
            if not url or not isinstance(url, str):
                raise ValueError(f"item {i}: url must be a non-empty str")
            rows.append((_opt_str(item.get("fetched_at"), "fetched_at", i) or now,
                         _opt_str(item.get("etag"), "etag", i),
                         _opt_str(item.get("last_modified"), "last_modified", i), url))
        if not rows:
            return []
        outcomes = []
        now_dt = clock.now()
        ex = self.conn.execute
        self._begin()
        try:
            self._check_crawl(crawl_id)
            for fetched_at, etag, last_modified, url in rows:
                found = ex(_SQL_TOUCH_LOOKUP, (url,)).fetchone()
                if found is None:
                    outcomes.append("unknown")
                    continue
                article_id, interval, published = found
                ex(_SQL_TOUCH, (fetched_at, etag, last_modified,
                                *self.revisit.schedule(False, published, interval, now_dt),
                                article_id))
                outcomes.append("unchanged")
            k = outcomes.count("unchanged")
            ex(_SQL_COUNTS, (k, 0, 0, k, 0, crawl_id))
            ex("UPDATE crawls SET not_modified = not_modified + ? WHERE id = ?", (k, crawl_id))
            self._commit()
        except BaseException:
            self._rollback()
            raise
        return outcomes

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
        when = iso(now or clock.now())
        like = url_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        cur = self.conn.execute(
            "SELECT url, etag, last_modified, next_check_at IS NULL OR next_check_at <= ?"
            " FROM articles WHERE source = ? AND url LIKE ? ESCAPE '\\'", (when, source, like))
        return {url: (etag, lm, bool(due)) for url, etag, lm, due in cur}

    def page_validators(self, source: str) -> dict[str, tuple[str | None, str | None]]:
        """``{url: (etag, last_modified)}`` of the feeds and listing pages of ``source``."""
        cur = self.conn.execute("SELECT url, etag, last_modified FROM pages WHERE source = ?", (source,))
        return {url: (etag, lm) for url, etag, lm in cur}

    def save_pages(self, source: str, pages: list[dict]) -> int:
        """Remember the validators of feeds and listing pages, in one transaction.

        Each dict: ``url``, ``kind`` ('feed', 'listing', 'sitemap'), ``status`` (200 or
        304), ``etag``, ``last_modified``, optional ``fetched_at``. A 304 keeps the stored
        validators unless new ones are given."""
        if not pages:
            return 0
        now = utcnow()
        self._begin()
        try:
            for p in pages:
                at = p.get("fetched_at") or now
                changed = at if p.get("status") == 200 else None
                self.conn.execute(
                    "INSERT INTO pages (url, source, kind, etag, last_modified, last_status,"
                    " last_fetched, last_changed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT(url) DO UPDATE SET source=excluded.source, kind=excluded.kind,"
                    " etag=COALESCE(excluded.etag, etag),"
                    " last_modified=COALESCE(excluded.last_modified, last_modified),"
                    " last_status=excluded.last_status, last_fetched=excluded.last_fetched,"
                    " last_changed=COALESCE(excluded.last_changed, last_changed)",
                    (p["url"], source, p.get("kind"), p.get("etag"), p.get("last_modified"),
                     p.get("status"), at, changed))
            self._commit()
        except BaseException:
            self._rollback()
            raise
        return len(pages)

    # -- skips ----------------------------------------------------------------------
    def save_skips(self, crawl_id: int, skips: list[dict]) -> int:
        """Record skipped/failed URLs in one transaction; return how many.

        Each dict: ``url``, ``kind`` ('skipped' or 'failed'), ``reason`` (short code:
        'no-article', 'http-404', 'timeout', 'offsite-redirect', 'too-large', 'not-html',
        ...), optional ``detail``, ``http_status``, ``at`` (ISO UTC; default now).
        Increments the crawl's ``skipped`` / ``failed`` counts.
        """
        now = utcnow()
        rows = []
        for i, s in enumerate(skips):
            url, kind, reason = s.get("url"), s.get("kind"), s.get("reason")
            if not url or not isinstance(url, str):
                raise ValueError(f"skip {i}: url must be a non-empty str")
            if kind not in SKIP_KINDS:
                raise ValueError(f"skip {i}: kind must be one of {SKIP_KINDS}, got {kind!r}")
            if not reason or not isinstance(reason, str):
                raise ValueError(f"skip {i}: reason must be a non-empty str")
            status = s.get("http_status")
            rows.append((crawl_id, url, kind, reason, s.get("detail") or "",
                         int(status) if status is not None else None, s.get("at") or now))
        if not rows:
            return 0
        n_skipped = sum(1 for r in rows if r[2] == "skipped")
        self._begin()
        try:
            self._check_crawl(crawl_id)
            self.conn.executemany(
                "INSERT INTO skips (crawl_id, url, kind, reason, detail, http_status, at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
            self.conn.execute("UPDATE crawls SET skipped=skipped+?, failed=failed+? WHERE id=?",
                              (n_skipped, len(rows) - n_skipped, crawl_id))
            self._commit()
        except BaseException:
            self._rollback()
            raise
        return len(rows)

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
