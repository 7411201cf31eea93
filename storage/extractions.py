"""The rows of re-extraction: what a newer extractor makes of pages already archived.

    state = current(conn, urls)                       # {url: Current}: the stored text and its page
    rows = archived(conn, source=None, since=None)    # the articles whose current page is archived
    n = record(conn, changes, crawl_id=None)          # extractor versions, one transaction

:mod:`scrapers.reextract` reads the pages (:mod:`storage.archive`) and runs the parsers;
this module only knows the tables.

Decisions:

- A version whose ``cause`` is ``extractor`` says "the same page, read by a newer
  extractor": the article's text moves (``content_hash``, title, headline, method), the
  version records the change (``added``/``removed``/``diff``) and points at the page it
  was read from, and it is never flagged (:func:`storage.flags.crawl_versions` leaves it
  out). ``fetched_at`` is when it was re-extracted; ``crawl_id`` the crawl that did it, or
  NULL for ``veille reextract``.
- :func:`record` writes a change only if the article's text is still the one it was
  computed from (a crawl may have stored a newer one meanwhile), so running it twice, or
  concurrently with a crawl, records nothing twice and never undoes a newer text.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from veille.core.clock import utcnow

from . import fts, groups
from .articles import version_change
from .db import transaction

__all__ = ["Current", "Change", "current", "archived", "record", "last_spider"]

_SQL_CURRENT = (
    "SELECT a.url, a.id, a.content_hash, a.first_seen, a.source, a.site, v.extractor, v.warc_file, v.warc_offset"
    " FROM articles a LEFT JOIN versions v ON v.id ="
    " (SELECT max(id) FROM versions WHERE article_id = a.id)"
    " WHERE a.url IN ({})"
)
_SQL_ARCHIVED = (
    "SELECT a.url, a.id, a.content_hash, a.first_seen, a.source, a.site, v.extractor, v.warc_file, v.warc_offset"
    " FROM articles a JOIN versions v ON v.id ="
    " (SELECT max(id) FROM versions WHERE article_id = a.id)"
    " WHERE v.warc_file IS NOT NULL AND v.content_hash = a.content_hash AND a.id > ?"
)
_CHUNK = 500  # URLs per IN (...) query (SQLite's variable limit is 32766; this keeps it short)


@dataclass
class Current:
    """An article's stored text and the page it was read from (its newest version's)."""

    url: str
    article_id: int
    content_hash: str
    first_seen: str
    source: str
    site: str | None
    extractor: str | None  # of the newest version; None: unknown (an older store)
    warc_file: str | None  # None: no page archived for it
    warc_offset: int | None


@dataclass
class Change:
    """A text a newer extractor gives for an article's archived page."""

    article_id: int
    old_hash: str  # the text it replaces (the change is dropped if the article moved on)
    text: str
    content_hash: str
    extractor: str
    warc_file: str
    warc_offset: int
    title: str | None = None
    headline: str | None = None
    method: str | None = None


def current(conn: sqlite3.Connection, urls: Iterable[str]) -> dict[str, Current]:
    """``{url: Current}`` for the known articles among ``urls``."""
    urls = list(dict.fromkeys(urls))
    out: dict[str, Current] = {}
    for i in range(0, len(urls), _CHUNK):
        part = urls[i:i + _CHUNK]
        for row in conn.execute(_SQL_CURRENT.format(",".join("?" * len(part))), part):
            out[row[0]] = Current(*row)
    return out


def archived(conn: sqlite3.Connection, source: str | None = None, after_id: int = 0,
             limit: int = 200) -> list[Current]:
    """The next ``limit`` articles (by id, after ``after_id``; of ``source``) whose current
    text was read from an archived page: what ``veille reextract`` reads again."""
    sql = _SQL_ARCHIVED
    params: list = [after_id]
    if source is not None:
        sql += " AND a.source = ?"
        params.append(source)
    sql += " ORDER BY a.id LIMIT ?"
    params.append(limit)
    return [Current(*row) for row in conn.execute(sql, params)]


def record(conn: sqlite3.Connection, changes: Iterable[Change], crawl_id: int | None = None,
           at: str | None = None) -> int:
    """Record ``changes`` as ``extractor`` versions in ONE transaction; return how many were
    written (a change whose article's text moved on since is dropped)."""
    at = at or utcnow()
    n = 0
    ex = conn.execute
    with transaction(conn):
        titles: dict[int, tuple[tuple, tuple]] = {}
        touched_texts: set[str] = set()
        touched_keys: set[str] = set()
        for c in changes:
            row = ex("SELECT a.content_hash, t.text, a.title, a.headline, "
                     f"{groups.HEADLINE_KEY}"  # contents has no title or headline: the article's
                     " FROM articles a JOIN contents t ON t.hash = a.content_hash WHERE a.id = ?",
                     (c.article_id,)).fetchone()
            if row is None or row[0] != c.old_hash or c.content_hash == c.old_hash:
                continue
            if ex("SELECT 1 FROM contents WHERE hash = ?", (c.content_hash,)).fetchone() is None:
                rowid = ex("INSERT INTO contents (hash, text, length, first_seen) VALUES (?, ?, ?, ?)",
                           (c.content_hash, c.text, len(c.text), at)).lastrowid
                fts.index(conn, [(rowid, c.text)])  # the full-text index is written with the text
            ex("INSERT INTO versions (article_id, content_hash, fetched_at, crawl_id, previous_hash,"
               " added, removed, diff, cause, extractor, warc_file, warc_offset)"
               " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'extractor', ?, ?, ?)",
               (c.article_id, c.content_hash, at, crawl_id, c.old_hash, *version_change(row[1], c.text),
                c.extractor, c.warc_file, c.warc_offset))
            ex("UPDATE articles SET content_hash = ?, title = coalesce(?, title),"
               " headline = coalesce(?, headline), method = coalesce(?, method),"
               " versions_count = versions_count + 1 WHERE id = ?",
               (c.content_hash, c.title, c.headline, c.method, c.article_id))
            new_titles = (c.title if c.title is not None else row[2],
                          c.headline if c.headline is not None else row[3])
            before = titles[c.article_id][0] if c.article_id in titles else (row[2], row[3])
            titles[c.article_id] = (before, new_titles)
            touched_texts.update((c.old_hash, c.content_hash))
            if row[4] is not None:
                touched_keys.add(row[4])
            n += 1
        # what save_batch keeps beside the articles: the titles' index and same_story groups
        fts.index_titles(conn, titles)
        groups.refresh(conn, touched_texts, touched_keys | groups.headline_keys(conn, list(titles)))
    return n


def last_spider(conn: sqlite3.Connection, source: str) -> str | None:
    """The spider of the latest crawl of ``source`` (which parser read its pages)."""
    row = conn.execute("SELECT spider FROM crawls WHERE source = ? ORDER BY id DESC LIMIT 1",
                       (source,)).fetchone()
    return row[0] if row else None
