"""The groups the ``same_story`` query lists: several URLs with the same text, or with the same
headline and different texts (``same_story_groups``, one row per group of 2 URLs or more).

    refresh(conn, texts={content hashes}, headlines={keys})   # in the caller's transaction
    refresh_all(conn)                                        # every group again

Decisions:

- The query used to group all ``articles`` twice on every view (its cost grew with the
  store: 1.7 s at a million versions). The groups are kept instead: :mod:`storage.articles`
  refreshes, in each batch's transaction, the groups of the texts and headlines the batch
  touched (the new ones and those an updated article left), from the indexes on
  ``articles.content_hash`` and on the headline key. The page reads the groups through
  the index of its order, and each group's URLs through the same indexes.
- The headline key is the query's own: ``lower(trim(coalesce(headline, title)))``
  (:data:`HEADLINE_KEY`, an indexed expression), computed by SQLite, never in Python.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

__all__ = ["refresh", "refresh_all", "headline_keys", "HEADLINE_KEY"]

HEADLINE_KEY = "lower(trim(coalesce(headline, title)))"
_CHUNK = 500

_TEXT_GROUPS = (
    "INSERT INTO same_story_groups (how, key, urls, sources, texts, first_seen, first_id)"
    " SELECT 'same text', content_hash, count(*), count(DISTINCT source), 1, min(first_seen),"
    " min(id) FROM articles WHERE content_hash {where} GROUP BY content_hash"
    " HAVING count(*) > 1"
)
_HEADLINE_GROUPS = (
    "INSERT INTO same_story_groups (how, key, urls, sources, texts, first_seen, first_id)"
    f" SELECT 'same headline', {HEADLINE_KEY}, count(*), count(DISTINCT source),"
    " count(DISTINCT content_hash), min(first_seen), min(id) FROM articles"
    f" WHERE {HEADLINE_KEY} {{where}} GROUP BY {HEADLINE_KEY}"
    " HAVING count(*) > 1 AND count(DISTINCT content_hash) > 1"
)


def headline_keys(conn: sqlite3.Connection, article_ids: Iterable[int]) -> set[str]:
    """The headline keys of these articles, as they are now."""
    ids = list(article_ids)
    out: set[str] = set()
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i:i + _CHUNK]
        out.update(r[0] for r in conn.execute(
            f"SELECT {HEADLINE_KEY} FROM articles WHERE id IN ({', '.join('?' * len(chunk))})"
            f" AND {HEADLINE_KEY} IS NOT NULL", chunk))
    return out


def refresh(conn: sqlite3.Connection, texts: Iterable[str | None] = (),
            headlines: Iterable[str | None] = ()) -> None:
    """Recompute the groups of these content hashes and headline keys (in the caller's
    transaction): a group of fewer than 2 URLs (or, for a headline, of one text) has no row.
    A key may be given that cannot be a group (the caller need not know): it costs one
    index probe."""
    for how, keys, sql in (("same text", texts, _TEXT_GROUPS),
                           ("same headline", headlines, _HEADLINE_GROUPS)):
        keys = sorted({k for k in keys if k is not None})
        for i in range(0, len(keys), _CHUNK):
            chunk = keys[i:i + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            had = [r[0] for r in conn.execute(
                f"SELECT id FROM same_story_groups WHERE how = ? AND key IN ({marks})", [how, *chunk])]
            if had:
                conn.execute(f"DELETE FROM same_story_groups WHERE id IN ({', '.join('?' * len(had))})",
                             had)
            conn.execute(sql.format(where=f"IN ({marks})"), chunk)


def refresh_all(conn: sqlite3.Connection) -> None:
    """Every group again, from ``articles`` (a migration, or a check)."""
    conn.execute("DELETE FROM same_story_groups")
    conn.execute(_TEXT_GROUPS.format(where="IS NOT NULL"))
    conn.execute(_HEADLINE_GROUPS.format(where="IS NOT NULL"))
