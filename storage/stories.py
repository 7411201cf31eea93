"""The rows of stories: what :mod:`veille.monitor.stories` reads and writes.

How a text is linked to a story (same body, MinHash, same URL, a new story) is decided in
:mod:`veille.monitor.stories`; this module only knows the tables:

- ``story_texts``: one row per distinct text, its story, how it was linked, its body hash
  and MinHash signature (bytes, as the caller gives them);
- ``stories``: one row per story, with its counts (:func:`recount`);
- ``articles.story_id``: the story of each article's current text (:func:`relink_crawl`,
  :func:`relink_all`).

Every function takes the store's sqlite3 connection; the writes are made inside the
caller's :func:`storage.db.transaction`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

__all__ = ["texts_to_link", "recent_signatures", "signatures_after", "last_rowid", "link_of",
           "is_linked", "story_of", "story_of_body", "story_of_previous", "minhash_of",
           "first_carrier", "insert_story", "insert_story_text", "relink_crawl", "relink_all",
           "story_ids", "recount", "linked_among", "stories_of_bodies", "previous_hashes",
           "links_of", "first_carriers", "next_story_id", "insert_stories", "insert_story_texts",
           "unsigned_recent", "texts_of", "set_signatures", "drop_old_signatures"]

_CHUNK = 500


def _in(conn: sqlite3.Connection, sql: str, keys: Iterable) -> list[tuple]:
    """``sql`` with ``IN ({})`` filled for each chunk of ``keys``; all the rows."""
    keys = list(keys)
    out: list[tuple] = []
    for i in range(0, len(keys), _CHUNK):
        chunk = keys[i:i + _CHUNK]
        out.extend(conn.execute(sql.format(", ".join("?" * len(chunk))), chunk).fetchall())
    return out

# the hashes first, the texts after: grouped and sorted with their texts, each 3 KB text went
# through two temporary B-trees (0.42 s for a crawl of 10,000 texts, 0.25 s this way)
_SQL_CRAWL_HASHES = (
    "SELECT v.content_hash, min(v.id) AS first_version FROM versions v"
    " WHERE v.crawl_id = ? AND NOT EXISTS (SELECT 1 FROM story_texts s WHERE s.hash = v.content_hash)"
    " GROUP BY v.content_hash ORDER BY first_version"
)
_SQL_ALL_TEXTS = (
    "SELECT c.hash, c.text, c.first_seen, c.rowid FROM contents c"
    " WHERE NOT EXISTS (SELECT 1 FROM story_texts s WHERE s.hash = c.hash) ORDER BY c.rowid"
)
_SQL_INSERT = (
    "INSERT OR IGNORE INTO story_texts (hash, story_id, how, similarity, matched_hash, body_hash,"
    " words, minhash, first_seen, linked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


# --------------------------------------------------------------------------- reading

def texts_to_link(conn: sqlite3.Connection, crawl_id: int | None) -> list[tuple]:
    """The texts not linked yet, stored by crawl ``crawl_id`` (None: all of them), in the
    order they were stored: ``(content_hash, text, first_seen, order)``."""
    if crawl_id is None:
        return conn.execute(_SQL_ALL_TEXTS).fetchall()
    order = conn.execute(_SQL_CRAWL_HASHES, (crawl_id,)).fetchall()
    texts = {h: (text, first_seen) for h, text, first_seen in _in(
        conn, "SELECT hash, text, first_seen FROM contents WHERE hash IN ({})", [h for h, _ in order])}
    return [(h, *texts[h], first) for h, first in order if h in texts]


def recent_signatures(conn: sqlite3.Connection, cutoff: str, max_texts: int) -> list[tuple]:
    """The signatures of the texts first seen at or after ``cutoff``, the newest
    ``max_texts``, oldest first: ``(rowid, content_hash, minhash, first_seen)``."""
    rows = conn.execute(
        "SELECT rowid, hash, minhash, first_seen FROM story_texts"
        " WHERE first_seen >= ? AND minhash IS NOT NULL"
        " ORDER BY first_seen DESC LIMIT ?", (cutoff, max_texts)).fetchall()
    rows.reverse()
    return rows


def signatures_after(conn: sqlite3.Connection, rowid: int) -> list[tuple]:
    """The signatures of the ``story_texts`` rows after ``rowid``, in rowid order:
    ``(rowid, content_hash, minhash, first_seen)``."""
    return conn.execute(
        "SELECT rowid, hash, minhash, first_seen FROM story_texts"
        " WHERE rowid > ? AND minhash IS NOT NULL ORDER BY rowid", (rowid,)).fetchall()


def last_rowid(conn: sqlite3.Connection) -> int:
    """The highest ``story_texts`` rowid (0 when empty)."""
    return conn.execute("SELECT coalesce(max(rowid), 0) FROM story_texts").fetchone()[0]


def link_of(conn: sqlite3.Connection, content_hash: str) -> tuple | None:
    """How a text was linked: ``(story_id, body_hash, how, matched_hash)``, or None."""
    return conn.execute("SELECT story_id, body_hash, how, matched_hash FROM story_texts"
                        " WHERE hash = ?", (content_hash,)).fetchone()


def is_linked(conn: sqlite3.Connection, content_hash: str) -> bool:
    """Whether the text has a ``story_texts`` row."""
    return conn.execute("SELECT 1 FROM story_texts WHERE hash = ?",
                        (content_hash,)).fetchone() is not None


def story_of(conn: sqlite3.Connection, content_hash: str) -> int | None:
    """The story id of a text, or None when it is not linked."""
    r = conn.execute("SELECT story_id FROM story_texts WHERE hash = ?", (content_hash,)).fetchone()
    return r[0] if r else None


def story_of_body(conn: sqlite3.Connection, body_hash: str) -> tuple[int, str] | None:
    """``(story_id, content_hash)`` of the first text linked with this body, or None."""
    return conn.execute("SELECT story_id, hash FROM story_texts WHERE body_hash = ?"
                        " ORDER BY rowid LIMIT 1", (body_hash,)).fetchone()


def story_of_previous(conn: sqlite3.Connection, content_hash: str) -> tuple[int, str] | None:
    """``(story_id, previous_hash)`` of the text this one replaced at the same URL (the
    first such version), or None."""
    return conn.execute(
        "SELECT s.story_id, s.hash FROM versions v JOIN story_texts s"
        " ON s.hash = v.previous_hash WHERE v.content_hash = ?"
        " AND v.previous_hash IS NOT NULL ORDER BY v.id LIMIT 1", (content_hash,)).fetchone()


def minhash_of(conn: sqlite3.Connection, content_hash: str) -> bytes | None:
    """The stored MinHash signature of a text, or None."""
    r = conn.execute("SELECT minhash FROM story_texts WHERE hash = ?", (content_hash,)).fetchone()
    return r[0] if r else None


def first_carrier(conn: sqlite3.Connection, content_hash: str) -> tuple[int, str | None] | None:
    """``(article_id, headline)`` of the first article that carried the text, or None."""
    return conn.execute(
        "SELECT a.id, a.headline FROM versions v JOIN articles a ON a.id = v.article_id"
        " WHERE v.content_hash = ? ORDER BY v.id LIMIT 1", (content_hash,)).fetchone()


def linked_among(conn: sqlite3.Connection, hashes: Iterable[str]) -> set[str]:
    """Those of ``hashes`` that have a ``story_texts`` row."""
    return {r[0] for r in _in(conn, "SELECT hash FROM story_texts WHERE hash IN ({})", hashes)}


def stories_of_bodies(conn: sqlite3.Connection, body_hashes: Iterable[str]
                      ) -> dict[str, tuple[int, str]]:
    """``{body_hash: (story_id, content_hash)}`` of the first text linked with each body."""
    out: dict[str, tuple[int, str]] = {}
    found = _in(conn, "SELECT body_hash, story_id, hash, rowid FROM story_texts"
                      " WHERE body_hash IN ({})", body_hashes)
    for body, story, h, _rowid in sorted(found, key=lambda r: r[3]):
        out.setdefault(body, (story, h))
    return out


def previous_hashes(conn: sqlite3.Connection, hashes: Iterable[str]) -> dict[str, list[str]]:
    """``{content_hash: [previous_hash, ...]}``: the texts each one replaced at a URL, in
    version order."""
    out: dict[str, list[str]] = {}
    for h, prev in _in(conn, "SELECT content_hash, previous_hash FROM versions WHERE content_hash"
                             " IN ({}) AND previous_hash IS NOT NULL ORDER BY id", hashes):
        out.setdefault(h, []).append(prev)
    return out


def links_of(conn: sqlite3.Connection, hashes: Iterable[str]) -> dict[str, tuple[int, bytes | None]]:
    """``{content_hash: (story_id, minhash)}`` of those linked."""
    return {h: (story, sig) for h, story, sig in _in(
        conn, "SELECT hash, story_id, minhash FROM story_texts WHERE hash IN ({})", hashes)}


def first_carriers(conn: sqlite3.Connection, hashes: Iterable[str]
                   ) -> dict[str, tuple[int, str | None]]:
    """``{content_hash: (article_id, headline)}`` of the first article that carried each."""
    out: dict[str, tuple[int, str | None]] = {}
    for h, aid, headline in _in(conn, "SELECT v.content_hash, a.id, a.headline FROM versions v"
                                      " JOIN articles a ON a.id = v.article_id"
                                      " WHERE v.content_hash IN ({}) ORDER BY v.id", hashes):
        out.setdefault(h, (aid, headline))
    return out


def next_story_id(conn: sqlite3.Connection) -> int:
    """The id the next story gets (inside the writer's transaction)."""
    return conn.execute("SELECT coalesce(max(id), 0) + 1 FROM stories").fetchone()[0]


def insert_stories(conn: sqlite3.Connection, rows: list[tuple]) -> None:
    """New ``stories`` rows: ``(id, first_article_id, first_hash, first_seen, headline)``."""
    conn.executemany(
        "INSERT INTO stories (id, first_article_id, first_hash, first_seen, last_seen, headline)"
        " VALUES (?1, ?2, ?3, ?4, ?4, ?5)", rows)


def insert_story_texts(conn: sqlite3.Connection, rows: list[tuple]) -> None:
    """``INSERT OR IGNORE`` ``story_texts`` rows (see :func:`insert_story_text`)."""
    conn.executemany(_SQL_INSERT, rows)


def unsigned_recent(conn: sqlite3.Connection, cutoff: str, max_texts: int, sig_bytes: int,
                    min_words: int) -> list[str]:
    """The texts of the window (see :func:`recent_signatures`) with enough words whose
    signature is missing or of another size (an older scheme)."""
    return [r[0] for r in conn.execute(
        "SELECT hash FROM (SELECT hash, minhash, words FROM story_texts WHERE first_seen >= ?"
        " ORDER BY first_seen DESC LIMIT ?) WHERE words >= ?"
        " AND (minhash IS NULL OR length(minhash) <> ?)",
        (cutoff, max_texts, min_words, sig_bytes))]


def texts_of(conn: sqlite3.Connection, hashes: Iterable[str]) -> dict[str, str]:
    """``{content_hash: text}``."""
    return dict(_in(conn, "SELECT hash, text FROM contents WHERE hash IN ({})", hashes))


def set_signatures(conn: sqlite3.Connection, rows: list[tuple[bytes, str]]) -> None:
    """``UPDATE story_texts SET minhash = ? WHERE hash = ?`` for each ``(blob, hash)``."""
    conn.executemany("UPDATE story_texts SET minhash = ? WHERE hash = ?", rows)


def drop_old_signatures(conn: sqlite3.Connection, cutoff: str) -> int:
    """Forget the signatures of the texts first seen before ``cutoff`` (they left the window
    the LSH index covers; one is computed again from its text if ever needed); how many.
    Each call touches only the texts that left the window since the last one (the index on
    ``first_seen``)."""
    return conn.execute("UPDATE story_texts SET minhash = NULL WHERE first_seen < ?"
                        " AND minhash IS NOT NULL", (cutoff,)).rowcount


def story_ids(conn: sqlite3.Connection) -> set[int]:
    """Every story id."""
    return {r[0] for r in conn.execute("SELECT id FROM stories")}


# --------------------------------------------------------------------------- writing

def insert_story(conn: sqlite3.Connection, first_article_id: int | None, first_hash: str,
                 first_seen: str | None, headline: str | None) -> int:
    """A new ``stories`` row; its id."""
    return conn.execute(
        "INSERT INTO stories (first_article_id, first_hash, first_seen, last_seen, headline)"
        " VALUES (?, ?, ?, ?, ?)",
        (first_article_id, first_hash, first_seen, first_seen, headline)).lastrowid


def insert_story_text(conn: sqlite3.Connection, row: tuple) -> None:
    """``INSERT OR IGNORE`` one ``story_texts`` row: ``(hash, story_id, how, similarity,
    matched_hash, body_hash, words, minhash, first_seen, linked_at)``."""
    conn.execute(_SQL_INSERT, row)


def relink_crawl(conn: sqlite3.Connection, crawl_id: int) -> set[int]:
    """Set ``articles.story_id`` to the story of the current text of the articles crawl
    ``crawl_id`` stored; return the stories they left or joined."""
    touched: set[int] = set()
    arts = conn.execute("SELECT DISTINCT a.id, a.story_id, s.story_id FROM versions v"
                        " JOIN articles a ON a.id = v.article_id"
                        " JOIN story_texts s ON s.hash = a.content_hash WHERE v.crawl_id = ?",
                        (crawl_id,)).fetchall()
    for aid, old, new in arts:
        if old != new:
            conn.execute("UPDATE articles SET story_id = ? WHERE id = ?", (new, aid))
            touched.add(new)
            if old is not None:
                touched.add(old)
    return touched


def relink_all(conn: sqlite3.Connection) -> None:
    """Set ``articles.story_id`` to the story of its current text, for every article."""
    conn.execute("UPDATE articles SET story_id = (SELECT s.story_id FROM story_texts s"
                 " WHERE s.hash = articles.content_hash) WHERE story_id IS NOT (SELECT s.story_id"
                 " FROM story_texts s WHERE s.hash = articles.content_hash)")


def recount(conn: sqlite3.Connection, touched: Iterable[int | None]) -> None:
    """Recompute the counts and ``last_seen`` of the stories ``touched``."""
    ids = sorted(i for i in touched if i is not None)
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        marks = ", ".join("?" * len(chunk))
        conn.execute(
            f"UPDATE stories SET"
            f" articles_count = (SELECT count(*) FROM articles a WHERE a.story_id = stories.id),"
            f" sources_count = (SELECT count(DISTINCT a.source) FROM articles a"
            f"                  WHERE a.story_id = stories.id),"
            f" texts_count = (SELECT count(*) FROM story_texts s WHERE s.story_id = stories.id),"
            f" last_seen = coalesce((SELECT max(s.first_seen) FROM story_texts s"
            f"                       WHERE s.story_id = stories.id), last_seen)"
            f" WHERE id IN ({marks})", chunk)
