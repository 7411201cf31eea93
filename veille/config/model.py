"""The configuration as the application sees it: :class:`Config` and ``[distributed]``.

Source entries are core models (:mod:`veille.core.sources`), topics are
:class:`veille.topics.Topic`; this module holds what ties them together.

Decisions:

- ``store.path`` is returned as written (relative paths are the caller's business:
  :meth:`Config.db_path`).
- ``[distributed]`` (see :mod:`veille.schedule` and :mod:`scrapers.distributed`): ``redis``
  is a ``redis://``, ``rediss://`` or ``unix://`` URL; without it the scheduler takes
  ``$VEILLE_REDIS_URL`` when it runs (:meth:`DistributedConfig.redis_url`; the config stays
  valid without it, as other commands do not need it). ``workers`` is an integer 1-64,
  ``ingest`` ``"inline"`` (default) or ``"daemon"``.
- ``[notify] timeout`` (:attr:`Config.notify_timeout`, seconds; default
  :data:`NOTIFY_TIMEOUT`): the most one notification may take, connection and answer
  included (:func:`veille.report.notify.notify`).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from veille.core.sources import SourceConfig
from veille.topics import Topic

__all__ = ["Config", "DistributedConfig", "redis_url_problem", "INGEST_MODES", "MAX_WORKERS", "DEFAULT_DIGEST_AT",
           "NOTIFY_TIMEOUT"]

INGEST_MODES = ("inline", "daemon")
DEFAULT_DIGEST_AT = dt.time(8, 0)
MAX_WORKERS = 64
NOTIFY_TIMEOUT = 30.0  # seconds: [notify] timeout
REDIS_SCHEMES = ("redis", "rediss", "unix")

@dataclass
class DistributedConfig:
    """``[distributed]``: the scheduler runs each crawl as ``workers`` Redis workers."""

    redis: str | None = None  # as written; None: $VEILLE_REDIS_URL when the scheduler runs
    workers: int = 1
    ingest: str = "inline"  # or "daemon"
    line: int | None = None  # the line of the [distributed] header, for messages

    def redis_url(self, environ: dict | None = None) -> str | None:
        """``redis``, else ``$VEILLE_REDIS_URL`` (stripped), else None."""
        env = os.environ if environ is None else environ
        return self.redis or (env.get("VEILLE_REDIS_URL") or "").strip() or None


def redis_url_problem(url: str) -> str | None:
    """Why ``url`` is not a Redis URL, or None."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as e:
        return f"bad Redis URL {url!r}: {e}"
    if parts.scheme not in REDIS_SCHEMES:
        return f"{url!r} is not a Redis URL (redis://host:6379/0, rediss://..., unix:///path)"
    if parts.scheme != "unix" and not parts.hostname:
        return f"the Redis URL {url!r} has no host"
    if parts.scheme == "unix" and not parts.path:
        return f"the Redis URL {url!r} has no socket path"
    return None


@dataclass
class Config:
    sources: list[SourceConfig] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)
    notify_urls: list[str] = field(default_factory=list)
    store_path: str | None = None
    path: Path | None = None
    distributed: DistributedConfig | None = None  # None: no [distributed] table
    notify_mode: str = "run"  # [notify] mode: "run" (a message per run) or "digest" (one a day)
    digest_at: dt.time | None = None  # [notify] digest_at, local time (digest mode: 08:00 by default)
    notify_timeout: float = NOTIFY_TIMEOUT  # seconds per notification

    def source(self, name: str) -> SourceConfig | None:
        return next((s for s in self.sources if s.name == name), None)

    def topic(self, name: str) -> Topic | None:
        return next((t for t in self.topics if t.name == name), None)

    def db_path(self, arg: str | os.PathLike | None = None) -> Path:
        """The store this config works on: ``arg`` (a ``--db`` option), else the config's
        ``[store] path`` (relative to the config file's folder), else ``$VEILLE_DB``, else
        ``data/veille.db``. Every command that reads a config resolves the store here."""
        from storage.paths import resolve_db_path

        return resolve_db_path(arg, self.store_path, self.path.resolve().parent if self.path else None)

