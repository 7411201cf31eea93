"""Article writes: what a crawl fetched goes into ``contents``, ``articles``, ``versions``.

    outcomes = save_batch(conn, crawl_id, items, revisit)   # "new", "updated", ...
    outcomes = touch_batch(conn, crawl_id, items, revisit)  # re-fetches answered 304
    save_pages(conn, source, pages)                         # validators of feeds, listings

:class:`storage.Store` calls these with its connection and revisit policy (see its
methods for the contract of each); each call is one :func:`storage.db.transaction`, the
crawl's counts included.

Decisions:

- Every item is validated (URL, a text in the article format, its hash) before anything
  is written: an invalid item raises :class:`~veille.core.errors.InvalidInput` and the
  batch writes nothing, or (``skip_invalid``) becomes a ``skips`` row and the rest is
  saved.
- A text is stored once (``contents``, keyed by its SHA-256), whatever the URLs carrying
  it; an article's versions are appended, never overwritten. A new version records what
  changed against the previous one, compactly: the ``added``/``removed`` paragraphs and a
  unified diff without context lines (:func:`veille.core.diff.change`, near-linear and
  capped); a diff that fails never costs the version.
- Nothing slow runs inside the write transaction (issue 10: a 3000-paragraph update held
  the lock for 53 s): before ``BEGIN IMMEDIATE``, :func:`_plan` reads (without the lock)
  which texts are new and what each updated URL had, then folds the new texts for the
  full-text index (:mod:`storage.fts`) and computes the diffs. The transaction only
  writes, checking that what was planned still holds (another writer may have come in
  between: then that item's diff or fold is computed in the transaction, bounded as well).
- Each text is read (:func:`veille.core.textformat.read`) once per batch: the parts
  :func:`prepare` validated go to the diff with those of the old texts (issue 14: the
  diff read both texts again).
- Per batch, not per item: the full-text rows of texts and of titles (one ``executemany``
  each; a trigger would cost ten times as much per row), the crawl's counts,
  the extraction methods, the ``same_story`` groups touched (:mod:`storage.groups`).
- The revisit policy (:class:`storage.revisit.RevisitPolicy`) sets each article's next
  check when it is saved or touched.
- The hot path's SQL is constant text, prepared once per connection by sqlite3's
  statement cache.
- A stored article leaves ``pending`` in the transaction that stores it
  (:func:`storage.pending.stored`). ``date_source`` says where line 1's month comes
  from: ``page`` (the default) or ``first_seen`` (an undated page).
- A version row records why it exists (``cause``: ``fetch``, or ``extractor`` for the
  same page read by a newer extractor), what extracted it (``extractor``) and where its
  page is in the archive (``warc_file``, ``warc_offset``), from the item's keys of those
  names (:mod:`storage.archive`, :mod:`storage.extractions`).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Mapping

from veille.core import clock, textformat
from veille.core.clock import utcnow
from veille.core.diff import change as diff_change, read_parts
from veille.core.errors import InvalidInput
from veille.core.normalize import fold

from . import pending
from . import fts, groups
from .crawls import check
from .db import transaction
from .revisit import RevisitPolicy

__all__ = ["save_batch", "touch_batch", "save_pages", "prepare", "version_change", "OUTCOMES", "META"]

OUTCOMES = ("new", "updated", "unchanged", "duplicate")

# The metadata columns an item may carry (besides url, text, content_hash, fetched_at).
META = ("source", "site", "title", "headline", "published", "rubric", "publisher",
        "canonical_url", "method", "date_source")

_SQL_ARTICLE_BY_URL = (
    "SELECT id, content_hash, etag, last_modified, check_interval, published,"
    f" {groups.HEADLINE_KEY}, duplicate_of, {', '.join(META)} FROM articles WHERE url = ?"
)
_SQL_CONTENT_EXISTS = "SELECT 1 FROM contents WHERE hash = ?"
_SQL_FIRST_CARRIER = (
    "SELECT article_id FROM versions WHERE content_hash = ? AND article_id <> ? ORDER BY id LIMIT 1"
)
_SQL_INSERT_CONTENT = "INSERT INTO contents (hash, text, length, first_seen) VALUES (?, ?, ?, ?)"
_SQL_INSERT_ARTICLE = (
    "INSERT INTO articles (url, source, site, title, headline, published, rubric, publisher,"
    " canonical_url, method, date_source, first_seen, last_seen, content_hash, duplicate_of, etag,"
    " last_modified, check_interval, next_check_at, versions_count)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,1)"
)
_SQL_INSERT_VERSION = (
    "INSERT INTO versions (article_id, content_hash, fetched_at, crawl_id, previous_hash,"
    " added, removed, diff, cause, extractor, warc_file, warc_offset)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_SQL_TEXT = "SELECT text FROM contents WHERE hash = ?"
# A new version: what always moves. The metadata and duplicate_of are set by the two
# statements after it only when they differ: SQLite rewrites the entries of every index on
# a column named in SET, changed or not (~10 us each; articles has eleven).
_SQL_UPDATE_ARTICLE = (
    "UPDATE articles SET last_seen=?, content_hash=?, etag=?, last_modified=?,"
    " check_interval=?, next_check_at=?, versions_count=versions_count+1 WHERE id=?"
)
_SQL_UPDATE_META = (
    "UPDATE articles SET source=?, site=?, title=?, headline=?, published=?, rubric=?,"
    " publisher=?, canonical_url=?, method=?, date_source=? WHERE id=?"
)
_SQL_UPDATE_DUP = "UPDATE articles SET duplicate_of=? WHERE id=?"
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


def _opt_str(value, field: str, i: int) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise InvalidInput(f"item {i}: {field} must be a str or None, got {type(value).__name__}")


def version_change(old: str, new: str, parts: tuple | None = None
                   ) -> tuple[str | None, str | None, str | None]:
    """(added, removed, diff) of a new version against the previous one, for the
    ``versions`` row: JSON lists of the paragraphs added and removed, and a unified diff
    without context lines. ``parts``: the two texts read already (see
    :func:`veille.core.diff.diff_texts`)."""
    try:
        added, removed, unified, _coarse = diff_change(old, new, parts=parts)
    except Exception:  # a diff must never cost a version
        return None, None, None
    return (json.dumps(added, ensure_ascii=False), json.dumps(removed, ensure_ascii=False),
            unified)


_CHUNK = 500  # host parameters per IN (...)


def _in(conn: sqlite3.Connection, sql: str, keys: list) -> list[tuple]:
    """``sql`` with ``IN ({})`` filled for each chunk of ``keys``; all the rows."""
    out: list[tuple] = []
    for i in range(0, len(keys), _CHUNK):
        chunk = keys[i:i + _CHUNK]
        out.extend(conn.execute(sql.format(", ".join("?" * len(chunk))), chunk).fetchall())
    return out


def _plan(conn: sqlite3.Connection, prepared: list[tuple | None]
          ) -> tuple[dict[str, str], dict[tuple[str, str], tuple]]:
    """Before the transaction, without the lock: the folded text of each text that is not
    stored yet, and the change of each update (``(old hash, new hash)`` -> the versions
    row's ``added``, ``removed``, ``diff``), the batch's items taken in order."""
    items = [p for p in prepared if p is not None]
    texts = {p[2]: p[1] for p in items}
    known = {r[0] for r in _in(conn, "SELECT hash FROM contents WHERE hash IN ({})", list(texts))}
    folded = {h: fold(t) for h, t in texts.items() if h not in known}
    current = dict(_in(conn, "SELECT url, content_hash FROM articles WHERE url IN ({})",
                       list({p[0] for p in items})))
    pairs = []
    for url, _text, h, *_ in items:
        old = current.get(url)
        if old is not None and old != h:
            pairs.append((old, h))
        current[url] = h
    wanted = list({o for o, _ in pairs if o not in texts})
    old_texts = dict(_in(conn, "SELECT hash, text FROM contents WHERE hash IN ({})", wanted))
    old_texts.update(texts)
    parts = {p[2]: p[7] for p in items}  # read once, by prepare
    for o in wanted:
        parts[o] = read_parts(old_texts.get(o) or "")
    changes = {(o, n): version_change(old_texts.get(o) or "", texts[n], (parts[o], parts[n]))
               for o, n in set(pairs)}
    return folded, changes


# --------------------------------------------------------------------------- validation

def prepare(items: Iterable[Mapping], skip_invalid: bool = False
            ) -> tuple[list[tuple | None], list[tuple[int, str, str]]]:
    """Validate every item before anything is written.

    Returns the normalised tuples (None for an invalid item when ``skip_invalid``) and
    the invalid ones as (index, url, error); without ``skip_invalid`` the first invalid
    item raises :class:`~veille.core.errors.InvalidInput`."""
    prepared: list[tuple | None] = []
    invalid: list[tuple[int, str, str]] = []
    now = utcnow()
    for i, item in enumerate(items):
        try:
            prepared.append(_prepare_one(i, item, now))
        except InvalidInput as e:
            if not skip_invalid:
                raise
            url = item.get("url") if isinstance(item.get("url"), str) else ""
            invalid.append((i, url or "", str(e)))
            prepared.append(None)
    return prepared, invalid


def _prepare_one(i: int, item: Mapping, now: str) -> tuple:
    url = item.get("url")
    if not url or not isinstance(url, str):
        raise InvalidInput(f"item {i}: url must be a non-empty str")
    text = item.get("text")
    if not isinstance(text, str) or not text:
        raise InvalidInput(f"item {i} ({url}): empty or missing text")
    try:
        parts = textformat.read(text)
    except ValueError as e:  # FormatError
        raise InvalidInput(f"item {i} ({url}): text not in the article format: {e}") from e
    h = textformat.content_hash(text)
    given = item.get("content_hash")
    if given is not None and given != h:
        raise InvalidInput(f"item {i} ({url}): content_hash does not match the text")
    fetched_at = item.get("fetched_at")
    if fetched_at is None:
        fetched_at = now
    else:
        fetched_at = _opt_str(fetched_at, "fetched_at", i)
    meta = tuple(_opt_str(item.get(k), k, i) for k in META)
    if meta[9] not in (None, "page", "first_seen"):
        raise InvalidInput(f"item {i} ({url}): date_source must be 'page' or 'first_seen'")
    if meta[9] is None:  # a date of its own unless the crawl says otherwise
        meta = meta[:9] + ("page",)
    validators = ("etag" in item, _opt_str(item.get("etag"), "etag", i),
                  _opt_str(item.get("last_modified"), "last_modified", i),
                  "last_modified" in item)
    return (url, text, h, fetched_at, meta, validators, _archived(i, url, item), parts)


def _archived(i: int, url: str, item: Mapping) -> tuple:
    """``(cause, extractor, warc_file, warc_offset)`` of the version an item makes: why,
    what extracted it, where its page is in the archive (:mod:`storage.archive`)."""
    cause = item.get("cause") or "fetch"
    if cause not in ("fetch", "extractor"):
        raise InvalidInput(f"item {i} ({url}): cause must be 'fetch' or 'extractor'")
    offset = item.get("warc_offset")
    if offset is not None and (not isinstance(offset, int) or offset < 0):
        raise InvalidInput(f"item {i} ({url}): warc_offset must be an int >= 0")
    return (cause, _opt_str(item.get("extractor"), "extractor", i),
            _opt_str(item.get("warc_file"), "warc_file", i), offset)


# --------------------------------------------------------------------------- writes

def save_batch(conn: sqlite3.Connection, crawl_id: int, items: list[Mapping],
               revisit: RevisitPolicy, *, skip_invalid: bool = False,
               retry: pending.RetryPolicy | None = None) -> list[str]:
    """Save fetched articles in ONE transaction; return one outcome per item (see
    :meth:`storage.Store.save_batch`). An invalid item that was pending counts as a failed
    attempt (``retry`` policy)."""
    prepared, invalid = prepare(items, skip_invalid)
    if not prepared:
        return []
    folded, changes = _plan(conn, prepared)
    ex = conn.execute
    outcomes: list[str] = []
    counts = dict.fromkeys(OUTCOMES, 0)
    now_dt = clock.now()
    schedule = revisit.schedule
    fts_rows: list[tuple[int, str]] = []
    touched_texts: set[str] = set()
    touched_keys: set[str] = set()
    touched_ids: list[int] = []
    titles: dict[int, tuple[tuple | None, tuple]] = {}  # articles_fts: (indexed, now)

    def store_text(h: str, text: str, fetched_at: str) -> None:
        rowid = ex(_SQL_INSERT_CONTENT, (h, text, len(text), fetched_at)).lastrowid
        f = folded.get(h)
        fts_rows.append((rowid, f if f is not None else fold(text)))

    with transaction(conn):
        check(conn, crawl_id)
        for p in prepared:
            if p is None:
                outcomes.append("invalid")
                continue
            url, text, h, fetched_at, meta, (has_etag, etag, last_modified, has_lm), archived, _ = p
            row = ex(_SQL_ARTICLE_BY_URL, (url,)).fetchone()
            published = meta[4]
            if row is not None:
                article_id, old_hash, cur_etag, cur_lm, interval, old_published, old_key, \
                    old_dup, *old_meta = row
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
                        store_text(h, text, fetched_at)
                        dup = None
                    else:
                        r = ex(_SQL_FIRST_CARRIER, (h, article_id)).fetchone()
                        dup = r[0] if r else None
                    change = changes.get((old_hash, h))
                    if change is None:  # another writer changed the article since _plan
                        old_text = ex(_SQL_TEXT, (old_hash,)).fetchone()
                        change = version_change(old_text[0] if old_text else "", text)
                    ex(_SQL_INSERT_VERSION,
                       (article_id, h, fetched_at, crawl_id, old_hash, *change, *archived))
                    ex(_SQL_UPDATE_ARTICLE,
                       (fetched_at, h, etag, last_modified,
                        *schedule(True, published, interval, now_dt), article_id))
                    if tuple(old_meta) != meta:
                        ex(_SQL_UPDATE_META, (*meta, article_id))
                        was = (old_meta[2], old_meta[3])
                        titles[article_id] = (titles.get(article_id, (was,))[0], (meta[2], meta[3]))
                    if old_dup != dup:
                        ex(_SQL_UPDATE_DUP, (dup, article_id))
                    outcome = "updated"
                    touched_texts.add(old_hash)  # its group, if any, lost a URL
                    if dup is not None or old_dup is not None:
                        touched_texts.add(h)  # another article has this text too
                    touched_keys.add(old_key)
                    touched_ids.append(article_id)
            else:
                if ex(_SQL_CONTENT_EXISTS, (h,)).fetchone() is None:
                    store_text(h, text, fetched_at)
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
                                         None, None, None, *archived))
                titles[article_id] = (None, (meta[2], meta[3]))
                if dup is not None:
                    touched_texts.add(h)
                touched_ids.append(article_id)
            counts[outcome] += 1
            outcomes.append(outcome)
        fts.index_folded(conn, fts_rows)
        fts.index_titles(conn, titles)
        groups.refresh(conn, touched_texts, touched_keys | groups.headline_keys(conn, touched_ids))
        ex(_SQL_COUNTS, (len(prepared) - len(invalid), counts["new"], counts["updated"],
                         counts["unchanged"], counts["duplicate"], crawl_id))
        methods: dict[str, int] = {}
        for p in prepared:
            if p is not None and p[4][8]:  # meta[8]: method
                methods[p[4][8]] = methods.get(p[4][8], 0) + 1
        for method, n in methods.items():
            ex(_SQL_METHOD_COUNT, (crawl_id, method, n))
        pending.stored(conn, crawl_id, [p[0] for p in prepared if p is not None]
                       + [it["found_as"] for it, p in zip(items, prepared) if p is not None and it.get("found_as")])
        if invalid:
            now = utcnow()
            conn.executemany(
                "INSERT INTO skips (crawl_id, url, kind, reason, detail, at)"
                " VALUES (?, ?, 'failed', 'invalid-text', ?, ?)",
                [(crawl_id, url, err[:1000], now) for _, url, err in invalid])
            ex("UPDATE crawls SET failed=failed+? WHERE id=?", (len(invalid), crawl_id))
            pending.answered(conn, crawl_id, "", retry or pending.RetryPolicy(),
                             [(url, None, "retry", "invalid-text", None) for _, url, _ in invalid if url])
    return outcomes


def touch_batch(conn: sqlite3.Connection, crawl_id: int, items: list[Mapping],
                revisit: RevisitPolicy) -> list[str]:
    """Re-fetches that returned no text (HTTP 304), in one transaction: ``"unchanged"``
    or ``"unknown"`` per item (see :meth:`storage.Store.touch_batch`)."""
    rows = []
    now = utcnow()
    for i, item in enumerate(items):
        url = item.get("url")
        if not url or not isinstance(url, str):
            raise InvalidInput(f"item {i}: url must be a non-empty str")
        rows.append((_opt_str(item.get("fetched_at"), "fetched_at", i) or now,
                     _opt_str(item.get("etag"), "etag", i),
                     _opt_str(item.get("last_modified"), "last_modified", i), url))
    if not rows:
        return []
    outcomes = []
    now_dt = clock.now()
    ex = conn.execute
    with transaction(conn):
        check(conn, crawl_id)
        for fetched_at, etag, last_modified, url in rows:
            found = ex(_SQL_TOUCH_LOOKUP, (url,)).fetchone()
            if found is None:
                outcomes.append("unknown")
                continue
            article_id, interval, published = found
            ex(_SQL_TOUCH, (fetched_at, etag, last_modified,
                            *revisit.schedule(False, published, interval, now_dt), article_id))
            outcomes.append("unchanged")
        k = outcomes.count("unchanged")
        ex(_SQL_COUNTS, (k, 0, 0, k, 0, crawl_id))
        ex("UPDATE crawls SET not_modified = not_modified + ? WHERE id = ?", (k, crawl_id))
    return outcomes


def save_pages(conn: sqlite3.Connection, source: str, pages: list[Mapping]) -> int:
    """Remember the validators of feeds and listing pages, in one transaction (see
    :meth:`storage.Store.save_pages`)."""
    if not pages:
        return 0
    now = utcnow()
    with transaction(conn):
        for p in pages:
            at = p.get("fetched_at") or now
            changed = at if p.get("status") == 200 else None
            conn.execute(
                "INSERT INTO pages (url, source, kind, etag, last_modified, last_status,"
                " last_fetched, last_changed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(url) DO UPDATE SET source=excluded.source, kind=excluded.kind,"
                " etag=COALESCE(excluded.etag, etag),"
                " last_modified=COALESCE(excluded.last_modified, last_modified),"
                " last_status=excluded.last_status, last_fetched=excluded.last_fetched,"
                " last_changed=COALESCE(excluded.last_changed, last_changed)",
                (p["url"], source, p.get("kind"), p.get("etag"), p.get("last_modified"),
                 p.get("status"), at, changed))
    return len(pages)
