"""The rows of flags and topics: what :mod:`veille.monitor.flags` reads and writes.

The matching of texts against topics, and the rules of what is flagged, are in
:mod:`veille.monitor.flags`; this module only knows the tables:

- ``topics``: the mirror of the config's topics (:func:`sync_topics`);
- ``flags``: one row per (topic, text), unique on ``(topic, content_hash)``
  (:func:`insert_flag` is ``INSERT OR IGNORE``), read back newest first by :func:`list_flags`;
- what is matched: the versions a crawl stored (:func:`crawl_versions`), the current text
  of every article (:func:`current_texts`), the crawls still to flag (:func:`pending_crawls`);
  which of those texts a full-text expression finds (:func:`fts_candidates`, over
  ``contents_fts``), and their texts (:func:`texts_by_rowid`).

Every function takes the store's sqlite3 connection; the writes are made inside the
caller's :func:`storage.db.transaction` unless said otherwise.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping

from .db import transaction

__all__ = ["FLAG_COLUMNS", "sync_topics", "crawl_versions", "current_texts", "flagged",
           "flagged_hashes", "first_flag_of_story", "first_flag_of_text", "insert_flag",
           "mark_flagged", "pending_crawls", "list_flags", "count_flags", "topic_names",
           "fts_candidates", "texts_by_rowid"]

FLAG_COLUMNS = ("id", "topic", "article_id", "content_hash", "kind", "crawl_id", "created_at",
                "terms", "in_change", "story_id", "duplicate_of_flag", "backfill")

_SQL_INSERT_FLAG = (
    "INSERT OR IGNORE INTO flags (topic, article_id, content_hash, kind, crawl_id, created_at,"
    " terms, in_change, story_id, duplicate_of_flag, backfill) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
# the first flag of a topic for a story from another article (its root if itself a copy)
_SQL_FIRST_OF_STORY = (
    "SELECT coalesce(duplicate_of_flag, id) FROM flags WHERE topic = ? AND story_id = ?"
    " AND article_id <> ? ORDER BY id LIMIT 1"
)
# for an update: the same text elsewhere (same body, or linked exactly/near to it)
_SQL_FIRST_OF_TEXT = (
    "SELECT coalesce(f.duplicate_of_flag, f.id) FROM flags f"
    " LEFT JOIN story_texts s ON s.hash = f.content_hash"
    " WHERE f.topic = ? AND f.story_id = ? AND f.article_id <> ?"
    " AND (s.body_hash = ? OR f.content_hash = ?"
    "      OR (s.how IN ('exact', 'near') AND s.matched_hash = ?))"
    " ORDER BY f.id LIMIT 1"
)
# the text's rowid comes from the index on contents.hash: the texts are not read
_SQL_CRAWL_VERSIONS = (
    "SELECT v.id, v.article_id, v.content_hash, v.previous_hash, v.added, v.crawl_id, c.rowid"
    " FROM versions v JOIN contents c ON c.hash = v.content_hash"
    " WHERE v.crawl_id = ? AND v.cause <> 'extractor' ORDER BY v.id"
)
_GAP = 2000  # rowids this close are looked up in one range


# --------------------------------------------------------------------------- topics

def sync_topics(conn: sqlite3.Connection, wanted: Mapping[str, str], now: str) -> None:
    """Make the ``topics`` table hold exactly ``wanted`` (name -> query), in its own
    transaction: insert the new ones, update the query (and ``updated_at``) of those
    changed, delete those gone; ``added_at`` of a topic kept is kept."""
    with transaction(conn):
        have = dict(conn.execute("SELECT name, query FROM topics").fetchall())
        for name in have.keys() - wanted.keys():
            conn.execute("DELETE FROM topics WHERE name = ?", (name,))
        for name, query in wanted.items():
            if name not in have:
                conn.execute("INSERT INTO topics (name, query, added_at, updated_at) VALUES (?, ?, ?, ?)",
                             (name, query, now, now))
            elif have[name] != query:
                conn.execute("UPDATE topics SET query = ?, updated_at = ? WHERE name = ?",
                             (query, now, name))


# --------------------------------------------------------------------------- what is matched

def crawl_versions(conn: sqlite3.Connection, crawl_id: int) -> list[tuple]:
    """The versions crawl ``crawl_id`` fetched (not those a newer extractor made of a page
    already seen: ``cause`` 'extractor', never flagged), in order, with the rowid of their
    text: ``(version_id, article_id, content_hash, previous_hash, added, crawl_id, text_rowid)``."""
    return conn.execute(_SQL_CRAWL_VERSIONS, (crawl_id,)).fetchall()


def current_texts(conn: sqlite3.Connection) -> list[tuple[int, str, int | None, int]]:
    """Every article with a text, in id order: ``(article_id, content_hash, crawl_id,
    text_rowid)``, the crawl being the one that stored its current version."""
    return conn.execute(
        "SELECT a.id, a.content_hash,"
        " (SELECT v.crawl_id FROM versions v WHERE v.article_id = a.id"
        "  AND v.content_hash = a.content_hash ORDER BY v.id DESC LIMIT 1), c.rowid"
        " FROM articles a JOIN contents c ON c.hash = a.content_hash ORDER BY a.id").fetchall()


def fts_candidates(conn: sqlite3.Connection, expr: str, rowids: Iterable[int] | None = None
                   ) -> set[int]:
    """The rowids of the texts (among ``rowids``; None: all) that the FTS5 expression
    ``expr`` finds in ``contents_fts``. Close rowids are looked up as one range (FTS5
    reads only that part of each term's list), isolated ones one by one."""
    sql = "SELECT rowid FROM contents_fts WHERE contents_fts MATCH ?"
    if rowids is None:
        return {r[0] for r in conn.execute(sql, (expr,))}
    wanted = sorted(set(rowids))
    found: set[int] = set()
    k = 0
    while k < len(wanted):
        j = k
        while j + 1 < len(wanted) and wanted[j + 1] - wanted[j] <= _GAP:
            j += 1
        found.update(r[0] for r in conn.execute(sql + " AND rowid BETWEEN ? AND ?",
                                                (expr, wanted[k], wanted[j])))
        k = j + 1
    return found.intersection(wanted)


def texts_by_rowid(conn: sqlite3.Connection, rowids: Iterable[int]) -> dict[int, str]:
    """``{rowid: text}`` of these texts."""
    ids = sorted(set(rowids))
    out: dict[int, str] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        out.update(conn.execute(f"SELECT rowid, text FROM contents WHERE rowid IN"
                                f" ({', '.join('?' * len(chunk))})", chunk).fetchall())
    return out


def pending_crawls(conn: sqlite3.Connection) -> list[int]:
    """The crawls that have ended (any status but ``running``) and were never flagged, or
    were flagged before they ended; oldest first."""
    return [r[0] for r in conn.execute(
        "SELECT id FROM crawls WHERE status <> 'running'"
        " AND (flagged_at IS NULL OR (finished_at IS NOT NULL AND flagged_at < finished_at))"
        " ORDER BY id").fetchall()]


def mark_flagged(conn: sqlite3.Connection, crawl_id: int, now: str) -> None:
    """Set the crawl's ``flagged_at``."""
    conn.execute("UPDATE crawls SET flagged_at = ? WHERE id = ?", (now, crawl_id))


# --------------------------------------------------------------------------- flags

def flagged(conn: sqlite3.Connection, topic: str, content_hash: str) -> bool:
    """Whether this text already flagged the topic."""
    return conn.execute("SELECT 1 FROM flags WHERE topic = ? AND content_hash = ?",
                        (topic, content_hash)).fetchone() is not None


def flagged_hashes(conn: sqlite3.Connection, topic: str) -> set[str]:
    """The texts that already flagged the topic."""
    return {r[0] for r in conn.execute("SELECT content_hash FROM flags WHERE topic = ?", (topic,))}


def first_flag_of_story(conn: sqlite3.Connection, topic: str, story_id: int,
                        article_id: int) -> int | None:
    """The first flag of ``topic`` on the story from another article (its root when that
    one is itself a copy), or None."""
    r = conn.execute(_SQL_FIRST_OF_STORY, (topic, story_id, article_id)).fetchone()
    return r[0] if r else None


def first_flag_of_text(conn: sqlite3.Connection, topic: str, story_id: int, article_id: int,
                       body_hash: str | None, linked_to: str | None, content_hash: str
                       ) -> int | None:
    """The first flag of ``topic`` on the story from another article whose text has the
    same body (``body_hash``), is the text this one was linked to exactly or nearly
    (``linked_to``), or was itself linked exactly or nearly to this text
    (``content_hash``); its root, or None."""
    r = conn.execute(_SQL_FIRST_OF_TEXT, (topic, story_id, article_id, body_hash, linked_to,
                                          content_hash)).fetchone()
    return r[0] if r else None


def insert_flag(conn: sqlite3.Connection, row: tuple) -> int | None:
    """``INSERT OR IGNORE`` one flag (:data:`FLAG_COLUMNS` without ``id``); its id, or None
    when the topic already had this text."""
    cur = conn.execute(_SQL_INSERT_FLAG, row)
    return cur.lastrowid if cur.rowcount == 1 else None


def _where(topic: str | None, since: str | None, crawl_ids: Iterable[int] | None,
           backfill: bool | None) -> tuple[str, list]:
    sql, params = " WHERE 1", []
    if topic is not None:
        sql += " AND topic = ?"
        params.append(topic)
    if since is not None:
        sql += " AND created_at >= ?"
        params.append(since)
    if crawl_ids is not None:
        ids = [int(c) for c in crawl_ids]
        sql += f" AND crawl_id IN ({', '.join('?' * len(ids))})" if ids else " AND 0"
        params.extend(ids)
    if backfill is not None:
        sql += " AND backfill = ?" if backfill else " AND coalesce(backfill, 0) = 0"
        if backfill:
            params.append(1)
    return sql, params


def list_flags(conn: sqlite3.Connection, *, topic: str | None = None, since: str | None = None,
               crawl_ids: Iterable[int] | None = None, limit: int | None = None,
               backfill: bool | None = None) -> list[dict]:
    """Flag rows (dicts of :data:`FLAG_COLUMNS`), newest first: of ``topic``, created at or
    after ``since`` (compared as text), of those crawls, ``limit`` at most; ``backfill``
    True: only those of ``veille topics backfill``, False: none of them, None: all."""
    where, params = _where(topic, since, crawl_ids, backfill)
    sql = f"SELECT {', '.join(FLAG_COLUMNS)} FROM flags{where} ORDER BY id DESC"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(int(limit))
    return [dict(zip(FLAG_COLUMNS, r)) for r in conn.execute(sql, params)]


def count_flags(conn: sqlite3.Connection, *, topic: str | None = None, since: str | None = None,
                backfill: bool | None = None) -> dict[str, dict[str, int]]:
    """What :func:`list_flags` would give without a limit, counted: topic -> {kind: flags,
    ``"repeats"``: those repeating an earlier flag of the story (``duplicate_of_flag``)}."""
    where, params = _where(topic, since, None, backfill)
    out: dict[str, dict[str, int]] = {}
    for name, kind, repeat, n in conn.execute(
            "SELECT topic, kind, duplicate_of_flag IS NOT NULL, count(*) FROM flags"
            f"{where} GROUP BY 1, 2, 3", params):
        counts = out.setdefault(name, {})
        key = "repeats" if repeat else kind
        counts[key] = counts.get(key, 0) + n
    return out


def topic_names(conn: sqlite3.Connection) -> list[str]:
    """Every topic the store knows: those of the ``topics`` table (the config's, as last
    mirrored) and those that have flags (a topic removed from the config keeps them)."""
    return [r[0] for r in conn.execute(
        "SELECT name FROM topics UNION SELECT DISTINCT topic FROM flags ORDER BY 1")]
