"""The names of distributed crawling, without Scrapy: the Redis key prefix and every key, run
ids, worker ids, the URL switch.

Imported by the workers (the rest of :mod:`scrapers.distributed`) and by the application
(the scheduler, ``veille ingest``), which do not load Scrapy for a key name.

Redis keys of a run ``R`` (``<p>`` is the prefix, :data:`DEFAULT_PREFIX` unless
``VEILLE_REDIS_PREFIX`` says otherwise): ``<p>:run:R:requests`` (the frontier),
``:dupefilter`` (fingerprints), ``:seeded``, ``:workers`` (a set), ``:worker:<id>``
(heartbeat, with a TTL), ``:inflight:<id>`` (a hash of the requests a worker has popped and
not finished). Items of every run go to ``<p>:items``; the ingest publishes known-article
validators in ``<p>:known:<source>`` and ``<p>:pages:<source>``, the pending articles in
``<p>:pending:<source>`` and the first_seen of undated articles in
``<p>:undated:<source>``.

A worker given no ``VEILLE_RUN_ID`` is a worker of its source's run: the run id is the
source's name (:func:`shared_run_id`), so that workers of one source on one Redis share
their work (scrapy-redis's own convention is one queue per spider).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
import uuid

from veille.core.errors import RunIdError

__all__ = ["ENV_URL", "ENV_RUN", "SHARED_RUN", "DEFAULT_PREFIX", "redis_url", "prefix_of", "new_run_id",
           "shared_run_id", "check_run_id", "items_key", "known_key", "pages_key", "pending_key", "undated_key",
           "RunKeys", "worker_id"]

ENV_URL = "VEILLE_REDIS_URL"
ENV_RUN = "VEILLE_RUN_ID"
SHARED_RUN = "VEILLE_RUN_SHARED"  # set by the addon: the run is the source's own (no VEILLE_RUN_ID given)
DEFAULT_PREFIX = "veille"
DEFAULT_RUN_TTL = 86400  # seconds a run's keys live after its last worker left
RUN_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


def redis_url(settings=None) -> str | None:
    """The Redis URL of distributed mode: the setting, else the environment, else None."""
    url = settings.get(ENV_URL) if settings is not None else None
    return url or os.environ.get(ENV_URL) or None


def prefix_of(settings) -> str:
    """The key prefix a crawl's settings (or a source's ``settings`` table) give."""
    return str(settings.get("VEILLE_REDIS_PREFIX") or DEFAULT_PREFIX)


def new_run_id() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]


def shared_run_id(source: str) -> str:
    """The run of the workers of ``source`` started without a ``VEILLE_RUN_ID``."""
    run = re.sub(r"[^A-Za-z0-9._:-]", "-", source or "")[:128]
    return run if run[:1].isalnum() else f"s{run}"[:128]


def check_run_id(run: str) -> str:
    if not isinstance(run, str) or not RUN_ID_RE.fullmatch(run):
        raise RunIdError(f"VEILLE_RUN_ID must be 1-128 of A-Z a-z 0-9 . _ : - , got {run!r}")
    return run


def items_key(prefix: str = DEFAULT_PREFIX) -> str:
    return f"{prefix}:items"


def known_key(prefix: str, source: str) -> str:
    return f"{prefix}:known:{source}"


def pages_key(prefix: str, source: str) -> str:
    return f"{prefix}:pages:{source}"


def pending_key(prefix: str, source: str) -> str:
    return f"{prefix}:pending:{source}"


def undated_key(prefix: str, source: str) -> str:
    return f"{prefix}:undated:{source}"


class RunKeys:
    """The Redis keys of one run."""

    def __init__(self, prefix: str, run: str):
        self.prefix = prefix
        self.run = check_run_id(run)
        self.base = f"{prefix}:run:{run}"
        self.requests = f"{self.base}:requests"
        self.dupefilter = f"{self.base}:dupefilter"
        self.seeded = f"{self.base}:seeded"
        self.workers = f"{self.base}:workers"

    def heartbeat(self, worker: str) -> str:
        return f"{self.base}:worker:{worker}"

    def inflight(self, worker: str) -> str:
        return f"{self.base}:inflight:{worker}"

    @classmethod
    def from_settings(cls, settings) -> RunKeys:
        return cls(prefix_of(settings), settings.get(ENV_RUN))


def worker_id(crawler) -> str:
    """This worker's id (host, pid, a random part), one per crawler."""
    wid = getattr(crawler, "_veille_worker_id", None)
    if wid is None:
        wid = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        crawler._veille_worker_id = wid
    return wid
