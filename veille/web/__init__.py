"""veille's Datasette set-up: the morning briefing (:mod:`.briefing`, ``/veille/briefing``) and
its Atom feeds (:mod:`.atom`), the web search's parsing and snippets (:mod:`.search`),
metadata and canned queries (``metadata.yml``), templates (``templates/``), a plugin
(:mod:`veille.web.plugin`: diffs in green and red, links to article histories, a month
facet, SQL functions; registered through the ``datasette`` entry point in ``pyproject.toml``,
so any Datasette of this environment loads it) and the dashboard (datasette-dashboards, configured in the same file).

The store is always served under the database name :data:`DB_NAME` (``veille``), whatever
its file is called, so the URLs in the metadata and in bookmarks stay the same:
``/veille/latest_flags``, ``/veille/article_history?id=12``, ``/-/dashboards/veille``.

:func:`make_datasette` builds the Datasette instance (``veille serve`` and the tests use it).
The store is opened read-only: Datasette connects to a mutable file with ``?mode=ro`` (and
never opens a write connection unless a plugin writes, which none here does). Immutable mode
(``-i``) is not used: it would ignore the WAL, so a store being crawled would show stale rows;
``veille serve`` asks for it (``immutable=True``) only where ``?mode=ro`` cannot open the
store, a read-only folder with no crawl at work (:func:`storage.db.open_readonly`).
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path

HERE = Path(__file__).resolve().parent
METADATA_PATH = HERE / "metadata.yml"
DB_NAME = "veille"

# Datasette settings for the store: diffs take a little longer than Datasette's 1 s default.
# The time limit holds for every page: veille's SQL functions are bounded (plugin.py).
SETTINGS = {
    "sql_time_limit_ms": 5000,
    "facet_time_limit_ms": 500,
    "default_page_size": 50,
}

__all__ = ["DB_NAME", "METADATA_PATH", "SETTINGS", "load_metadata", "make_datasette"]


@functools.lru_cache(maxsize=1)
def _metadata() -> dict:
    import yaml

    return yaml.safe_load(METADATA_PATH.read_text(encoding="utf-8"))


def load_metadata() -> dict:
    """The metadata (a fresh deep copy: datasette-dashboards edits its config in place)."""
    return copy.deepcopy(_metadata())


def make_datasette(db_path, *, settings: dict | None = None, metadata: dict | None = None,
                   allow_sql: bool = True, immutable: bool = False):
    """A Datasette serving ``db_path`` read-only as the database ``veille``, with veille's
    metadata, queries, plugin and dashboard; ``allow_sql=False``: no arbitrary SQL (canned
    queries and tables only; Datasette's ``allow_sql`` block); ``immutable``: opened
    ``?immutable=1``, for a store nothing can write. Raises FileNotFoundError if the file is
    missing (Datasette would not create it, but the message would be less clear)."""
    from datasette.app import Database, Datasette

    path = Path(db_path)
    if not path.is_file():
        raise FileNotFoundError(f"no store at {path}")
    metadata = metadata if metadata is not None else load_metadata()
    if not allow_sql:
        metadata = {**metadata, "allow_sql": False}
    ds = Datasette(
        [],
        metadata=metadata,
        settings={**SETTINGS, **(settings or {})},
    )
    ds.add_database(Database(ds, path=str(path.resolve()), is_mutable=not immutable), name=DB_NAME)
    if "_memory" in ds.databases:
        ds.remove_database("_memory")
    return ds
