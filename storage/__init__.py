"""veille's store: SQLite (WAL) via sqlite-utils, and export.

``from storage import Store``; see :mod:`storage.store` for the API and the tables,
:mod:`storage.schema` for the schema, :mod:`storage.export` for exports.
"""

from .schema import SCHEMA_VERSION, ensure_schema
from .paths import DEFAULT_DB_PATH, ENV_VAR, default_db_path, resolve_db_path
from .store import OUTCOMES, Store, utcnow

__all__ = [
    "Store",
    "default_db_path",
    "resolve_db_path",
    "utcnow",
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
