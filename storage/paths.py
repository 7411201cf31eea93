"""Where the store is: one rule for every command.

Decisions:

- In order: the ``--db`` option (``arg``), else the config file's ``[store] path``
  (``configured``; a relative path is taken from the config file's folder, so a config
  works from any current directory), else ``$VEILLE_DB``, else ``data/veille.db`` in the
  current directory. Every command that touches a store resolves it here, so ``crawl``,
  ``run``, ``serve``, ``summary``, ``export`` and ``flags`` agree on the same file.
- ``~`` is expanded in each; the path is returned as given otherwise (callers that need an
  absolute path call ``.resolve()``).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DEFAULT_DB_PATH", "ENV_VAR", "default_db_path", "resolve_db_path"]

DEFAULT_DB_PATH = Path("data") / "veille.db"
ENV_VAR = "VEILLE_DB"


def default_db_path() -> Path:
    """The store when neither ``--db`` nor a config says: ``$VEILLE_DB``, else
    ``data/veille.db`` (relative to the current directory)."""
    env = os.environ.get(ENV_VAR)
    return Path(env).expanduser() if env else DEFAULT_DB_PATH


def resolve_db_path(arg: str | os.PathLike | None = None, configured: str | os.PathLike | None = None,
                    config_dir: str | os.PathLike | None = None) -> Path:
    """The store: ``arg`` (``--db``), else ``configured`` (``[store] path``, relative to
    ``config_dir``), else :func:`default_db_path`."""
    if arg:
        return Path(arg).expanduser()
    if configured:
        p = Path(configured).expanduser()
        if not p.is_absolute() and config_dir is not None:
            p = Path(config_dir) / p
        return p
    return default_db_path()
