"""What the report, source health and ``veille summary`` read from the store.

The rendering and the judgements (what is news, what is unwell) are in
:mod:`veille.report.build`, :mod:`veille.monitor.health` and :mod:`veille.cli.main`; this
module only reads. Every function takes the store's sqlite3 connection and returns plain
values (dicts, tuples, numbers); long lists of ids are read 500 at a time (SQLite's
limit on parameters).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator

__all__ = ["CRAWL_COUNTS", "CRAWL_KEYS", "crawl_row", "last_ended_crawl", "skip_reasons",
           "method_pages", "baseline_crawls", "articles_by_id", "also_at", "flag_origins",
           "store_counts", "last_crawls", "skips_by_reason", "latest_articles", "source_names"]

CRAWL_COUNTS = ("fetched", "new", "updated", "unchanged", "duplicate", "skipped", "failed",
                "not_modified", "links_found", "pages_not_modified")
CRAWL_KEYS = ("id", "source", "status", "finish_reason", "started_at", "finished_at",
              *CRAWL_COUNTS, "flagged_at")


def _chunks(seq: list, n: int = 500) -> Iterator[list]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


def _marks(chunk: list) -> str:
    return ", ".join("?" * len(chunk))


# --------------------------------------------------------------------------- crawls

def crawl_row(conn: sqlite3.Connection, crawl_id: int) -> dict | None:
    """The crawl ``crawl_id`` (a dict of :data:`CRAWL_KEYS`), or None."""
    r = conn.execute(f"SELECT {', '.join(CRAWL_KEYS)} FROM crawls WHERE id = ?",
                     (crawl_id,)).fetchone()
    return dict(zip(CRAWL_KEYS, r)) if r is not None else None


def last_ended_crawl(conn: sqlite3.Connection, source: str) -> dict | None:
    """The last crawl of ``source`` that has ended (status not ``running``), or None."""
    r = conn.execute(f"SELECT {', '.join(CRAWL_KEYS)} FROM crawls WHERE source = ?"
                     " AND status <> 'running' ORDER BY id DESC LIMIT 1", (source,)).fetchone()
    return dict(zip(CRAWL_KEYS, r)) if r is not None else None


def skip_reasons(conn: sqlite3.Connection, crawl_id: int) -> list[tuple[str, str, int]]:
    """``(kind, reason, pages)`` of the crawl's skips, the most frequent first."""
    return conn.execute(
        "SELECT kind, reason, count(*) FROM skips WHERE crawl_id = ? GROUP BY kind, reason"
        " ORDER BY count(*) DESC, reason", (crawl_id,)).fetchall()


def method_pages(conn: sqlite3.Connection, crawl_ids: list[int]) -> dict[str, int]:
    """Extraction method -> article pages, over these crawls (``crawl_methods``), the most
    used first."""
    if not crawl_ids:
        return {}
    out: dict[str, int] = {}
    for method, n in conn.execute(
            f"SELECT method, sum(pages) FROM crawl_methods WHERE crawl_id IN ({_marks(crawl_ids)})"
            " GROUP BY method ORDER BY sum(pages) DESC, method", crawl_ids):
        out[method] = int(n or 0)
    return out


def baseline_crawls(conn: sqlite3.Connection, source: str, before: int, n: int) -> list[int]:
    """The ids of the last ``n`` crawls of ``source`` before crawl ``before`` that counted
    extraction methods, newest first."""
    return [i for (i,) in conn.execute(
        "SELECT id FROM crawls c WHERE source = ? AND id < ?"
        " AND EXISTS (SELECT 1 FROM crawl_methods m WHERE m.crawl_id = c.id)"
        " ORDER BY id DESC LIMIT ?", (source, before, n))]


# --------------------------------------------------------------------------- flags

def articles_by_id(conn: sqlite3.Connection, ids: Iterable[int]) -> dict[int, dict]:
    """id -> ``{id, url, source, title, headline, published, content_hash}``."""
    out: dict[int, dict] = {}
    cols = ("id", "url", "source", "title", "headline", "published", "content_hash")
    for chunk in _chunks(sorted(set(ids))):
        for r in conn.execute(f"SELECT {', '.join(cols)} FROM articles WHERE id IN"
                              f" ({_marks(chunk)})", chunk):
            out[r[0]] = dict(zip(cols, r))
    return out


def also_at(conn: sqlite3.Connection, pairs: Iterable[tuple[str, int]]
            ) -> dict[tuple[str, int], list[str]]:
    """``(content_hash, article_id)`` -> the URLs of the other articles whose current text
    is the same, in id order."""
    out: dict[tuple[str, int], list[str]] = {}
    for h, aid in pairs:
        out[(h, aid)] = [u for (u,) in conn.execute(
            "SELECT url FROM articles WHERE content_hash = ? AND id <> ? ORDER BY id", (h, aid))]
    return out


def flag_origins(conn: sqlite3.Connection, ids: Iterable[int]) -> dict[int, dict]:
    """Where the flags ``ids`` were raised: flag id -> ``{flag_id, kind, created_at, url,
    source, title, published}`` (``title``: the headline, else the page title)."""
    out: dict[int, dict] = {}
    cols = ("flag_id", "kind", "created_at", "url", "source", "title", "published")
    for chunk in _chunks(sorted(ids)):
        for r in conn.execute(
                "SELECT f.id, f.kind, f.created_at, a.url, a.source,"
                " coalesce(a.headline, a.title), a.published FROM flags f"
                " LEFT JOIN articles a ON a.id = f.article_id"
                f" WHERE f.id IN ({_marks(chunk)})", chunk):
            out[r[0]] = dict(zip(cols, r))
    return out


# --------------------------------------------------------------------------- summary

def store_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """How many ``articles`` (and ``duplicates`` of another URL among them), distinct
    texts (``contents``), ``versions`` and ``skips`` the store holds."""
    one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
    return {
        "articles": one("select count(*) from articles"),
        "duplicates": one("select count(*) from articles where duplicate_of is not null"),
        "contents": one("select count(*) from contents"),
        "versions": one("select count(*) from versions"),
        "skips": one("select count(*) from skips"),
    }


def last_crawls(conn: sqlite3.Connection, n: int = 5) -> list[tuple]:
    """The last ``n`` crawls, newest first: ``(id, source, started_at, status, fetched,
    new, updated, unchanged, duplicate, skipped, failed)``."""
    return conn.execute(
        "select id, source, started_at, status, fetched, new, updated, unchanged, duplicate, skipped, failed"
        " from crawls order by id desc limit ?", (n,)).fetchall()


def skips_by_reason(conn: sqlite3.Connection) -> list[tuple[str, int]]:
    """``(reason, pages)`` of every skip, the most frequent first."""
    return conn.execute("select reason, count(*) from skips group by reason order by 2 desc").fetchall()


def source_names(conn: sqlite3.Connection) -> list[str]:
    """The sources the store has articles of, sorted."""
    return [r[0] for r in conn.execute(
        "select distinct source from articles where source is not null order by 1")]


def latest_articles(conn: sqlite3.Connection, n: int) -> list[tuple]:
    """The ``n`` most recently published articles: ``(published, title, url)``."""
    return conn.execute(
        "select published, title, url from articles order by published desc, id desc limit ?",
        (n,)).fetchall()
