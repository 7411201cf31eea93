"""veille's store: SQLite (WAL) via sqlite-utils; every SQL statement of veille lives here.

``from storage import Store``; see :mod:`storage.store` for the API and the tables.

Decisions (one module, one job):

- :mod:`storage.paths`: where the store is (one resolver for every command).
- :mod:`storage.db`: connections (read-write, read-only) and the one transaction helper.
- :mod:`storage.schema`: the tables, indexes, full-text search; created and migrated.
- :mod:`storage.store`: :class:`Store`, the door the crawls and the application open.
- :mod:`storage.crawls`: crawl rows, their leases, and skips; :mod:`storage.articles`:
  article writes; :mod:`storage.revisit`: when a known article is checked again;
  :mod:`storage.pending`: articles found and not stored yet, retried until they are;
  :mod:`storage.reserve`: room kept on the disk for a crawl's last write.
- :mod:`storage.flags`, :mod:`storage.stories`: the rows of :mod:`veille.monitor` (flags
  and topics, stories); :mod:`storage.reports`: what the report, source health and
  ``veille summary`` read.
- :mod:`storage.export`: articles out as text files or JSON lines.
"""

from .schema import SCHEMA_VERSION, ensure_schema
from .paths import DEFAULT_DB_PATH, ENV_VAR, default_db_path, resolve_db_path
from .store import OUTCOMES, Store

__all__ = [
    "Store",
    "default_db_path",
    "resolve_db_path",
    "ensure_schema",
    "SCHEMA_VERSION",
    "DEFAULT_DB_PATH",
    "ENV_VAR",
    "OUTCOMES",
    "export",
]


def export(*args, **kwargs):
    """See :func:`storage.export.export` (imported lazily)."""
    from .export import export as _export

    return _export(*args, **kwargs)
