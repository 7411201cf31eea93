"""What the morning briefing and its Atom feeds read: the flags of a period, with their
article, the text that matched and, for an update, what changed.

    rows = flagged_since(conn, "2026-12-02T00:00:00.000Z", topic="mali")
    topics = topic_queries(conn)             # {name: query} of the topics table

:mod:`veille.web.briefing` (the page and the feeds) and :mod:`veille.report.digest` (the
daily digest) build on these; this module only reads.

Decisions:

- A flag's change is the ``versions`` row that stored its text for its article (the last
  one, if the article went back to an older text): ``added``/``removed`` as stored, JSON
  lists of paragraphs; nothing is diffed again when the page is read.
- ``backfill`` flags (``veille topics backfill``) are left out unless asked for: they are
  old articles flagged for a new topic, not news.
- Newest first; ``limit`` bounds the rows (the page says when it was reached). ``before``
  (a flag id) reads the next page: the flags after that one in this order, by the
  ``created_at`` index, so a page costs its rows whatever its position (no OFFSET).
- :func:`topic_queries` lists the topics that only have flags by skipping through the
  ``(topic, ...)`` index, one step per topic, not by reading every flag (issue 14).
"""

from __future__ import annotations

import sqlite3

__all__ = ["BRIEFING_COLUMNS", "flagged_since", "topic_queries", "count_since", "has_flags_since"]

BRIEFING_COLUMNS = ("flag_id", "topic", "kind", "in_change", "terms", "created_at", "article_id",
                    "content_hash", "duplicate_of_flag", "backfill", "title", "source", "published",
                    "url", "added", "removed", "text")

_SQL = """
SELECT f.id, f.topic, f.kind, f.in_change, f.terms, f.created_at, f.article_id, f.content_hash,
       f.duplicate_of_flag, f.backfill, coalesce(a.headline, a.title), a.source, a.published,
       a.url, v.added, v.removed, c.text
FROM flags f
JOIN articles a ON a.id = f.article_id
LEFT JOIN contents c ON c.hash = f.content_hash
LEFT JOIN versions v ON v.id = (SELECT max(v2.id) FROM versions v2
                                WHERE v2.article_id = f.article_id
                                  AND v2.content_hash = f.content_hash)
WHERE f.created_at >= ? {where}
ORDER BY f.created_at DESC, f.id DESC
LIMIT ?
"""


# every distinct flags.topic, one index seek each (a skip scan: SQLite reads every row for
# a DISTINCT)
_TOPICS_SQL = """
WITH RECURSIVE flagged(topic) AS (
  SELECT (SELECT min(topic) FROM flags)
  UNION ALL
  SELECT (SELECT min(f.topic) FROM flags f WHERE f.topic > flagged.topic) FROM flagged
  WHERE flagged.topic IS NOT NULL
)
SELECT name, query FROM topics
UNION
SELECT topic, NULL FROM flagged
WHERE topic IS NOT NULL AND topic NOT IN (SELECT name FROM topics)
ORDER BY 1
"""


def _filters(until: str | None, topic: str | None, backfill: bool) -> tuple[str, list]:
    where, params = "", []
    if until is not None:
        where += " AND f.created_at < ?"
        params.append(until)
    if topic is not None:
        where += " AND f.topic = ?"
        params.append(topic)
    if not backfill:
        where += " AND coalesce(f.backfill, 0) = 0"
    return where, params


def flagged_since(conn: sqlite3.Connection, since: str, *, until: str | None = None,
                  topic: str | None = None, backfill: bool = False, limit: int = 500,
                  before: int | None = None) -> list[dict]:
    """The flags created at or after ``since`` (and before ``until``), of ``topic`` or all,
    newest first, as dicts of :data:`BRIEFING_COLUMNS` (``text``: the flagged text;
    ``added``/``removed``: the JSON of its version, NULL for a first version); with
    ``before`` (a flag id), only those that come after it in this order."""
    where, params = _filters(until, topic, backfill)
    if before is not None:
        row = conn.execute("SELECT created_at FROM flags WHERE id = ?", (int(before),)).fetchone()
        if row is None or row[0] is None:
            return []
        where += " AND f.created_at <= ? AND (f.created_at < ? OR f.id < ?)"
        params += [row[0], row[0], int(before)]
    cur = conn.execute(_SQL.format(where=where), (since, *params, int(limit)))
    return [dict(zip(BRIEFING_COLUMNS, r)) for r in cur]


def count_since(conn: sqlite3.Connection, since: str, *, until: str | None = None,
                topic: str | None = None, backfill: bool = False) -> int:
    """How many flags :func:`flagged_since` would give without a limit."""
    where, params = _filters(until, topic, backfill)
    return conn.execute(f"SELECT count(*) FROM flags f WHERE f.created_at >= ? {where}",
                        (since, *params)).fetchone()[0]


def has_flags_since(conn: sqlite3.Connection, since: str, topic: str, *, until: str | None = None,
                    backfill: bool = False) -> bool:
    """Whether :func:`flagged_since` would give ``topic`` any flag (the ``(topic,
    created_at)`` index: one seek)."""
    where, params = _filters(until, topic, backfill)
    return conn.execute(f"SELECT 1 FROM flags f WHERE f.created_at >= ? {where} LIMIT 1",
                        (since, *params)).fetchone() is not None


def topic_queries(conn: sqlite3.Connection) -> dict[str, str | None]:
    """Every topic the store knows, name -> query: the ``topics`` table (mirrored from the
    config), and the topics that only have flags (removed from the config: query None)."""
    out: dict[str, str | None] = {}
    for name, query in conn.execute(_TOPICS_SQL):
        out[name] = query
    return out
