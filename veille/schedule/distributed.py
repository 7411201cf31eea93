"""A crawl of a ``[distributed]`` config: one Redis run of ``workers`` ``scrapy crawl``
processes, its items stored by a thread of the scheduler or by ``veille ingest``.

Decisions:

- A crawl is one Redis run (:mod:`scrapers.distributed`), id ``<source>-<UTC time>-<8
  hex>``, of ``workers`` copies of the same ``scrapy crawl`` (``-s VEILLE_RUN_ID=<run>``;
  the URL through the environment, as it may hold a password), each in its own process
  group, all under the source's lock, the timeout escalation applied to each
  (:func:`veille.schedule.processes.wait_all`).
- ``ingest = "inline"``: a thread of the scheduler (:class:`LiveIngest`) stores the run's
  items while the workers crawl (under the key prefix ``<prefix>:inline:<source>``, so it
  never takes another crawl's items) and drains the rest after they exit
  (``Ingest.loop(drain=True)``); it does not flag (as for a local crawl, the flag step
  does). ``ingest = "daemon"``: a ``veille ingest`` (default prefix) stores them; the
  scheduler waits for it to close the run's row, up to the source's timeout but at least
  :data:`INGEST_GRACE` s after the workers exit, and records the row failed if it does
  not.
- The row (``crawl_of_run``) is recorded as a local crawl's
  (:meth:`veille.schedule.runner.Runner.record`): a timeout, or a worker's non-zero exit
  (the first failing worker's code and last line), makes it ``failed`` (a row is inserted
  if the run has none). Its flags are reported even when ``veille ingest`` flagged them
  first. A missing Redis URL or scrapy-redis is a usage error (:func:`distributed_problem`).
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from scrapers.distributed.keys import RunKeys, prefix_of
from storage import Store
from veille.config import Config, SourceConfig, redis_url_problem
from veille.core import clock
from veille.core.lock import FileLock
from veille.schedule.ingest import Ingest, crawl_of_run

from .processes import DEFAULT_TIMEOUT, STOP_GRACE, crawl_command

__all__ = ["INGEST_GRACE", "run_distributed", "LiveIngest", "distributed_problem", "redact"]

log = logging.getLogger("veille.scheduler")

INGEST_GRACE = 30.0  # ingest = "daemon": least wait for `veille ingest` to close a run's row


def run_distributed(runner, source: SourceConfig, lock: FileLock) -> dict | None:
    """The crawl of ``source`` as ``[distributed] workers`` processes of one Redis run,
    supervised by ``runner`` (a :class:`veille.schedule.runner.Runner`); return its row."""
    d = runner.config.distributed
    url = d.redis_url()
    timeout = (source.timeout or DEFAULT_TIMEOUT).total_seconds()
    run_id = f"{source.name}-{clock.now():%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
    prefix = prefix_of(source.settings)
    if d.ingest == "inline":  # this run's items only: never another source's run
        prefix = f"{prefix}:inline:{source.name}"
    # The URL (it may hold a password) goes through the environment, not argv.
    env = {**os.environ, "VEILLE_DB": str(runner.db), "VEILLE_REDIS_URL": url}
    cmd = crawl_command(source, runner.config.path, runner.overrides) + [
        "-s", f"VEILLE_RUN_ID={run_id}", "-s", f"VEILLE_REDIS_PREFIX={prefix}"]
    log.info("%s: crawling (spider %s, run %s, %d worker(s), ingest %s, timeout %ss)", source.name,
             source.spider, run_id, d.workers, d.ingest, int(timeout))
    run = {"id": run_id, "rc": 0, "error": None}
    ingest = LiveIngest(url, runner.db, prefix, run_id) if d.ingest == "inline" else None
    if ingest is not None:
        ingest.start()
    procs: list = []
    try:
        procs, why, tails = runner.supervise(cmd, env, lock, d.workers, timeout, source=source.name)
        failed = [(p.returncode, t) for p, t in zip(procs, tails) if p.returncode != 0]
        if failed:  # the first worker that failed speaks for the run
            run["rc"], tail = failed[0]
            if len(procs) > 1:
                log.warning("%s: %d of %d workers of run %s failed (exit codes %s)", source.name,
                            len(failed), len(procs), run_id, ", ".join(str(rc) for rc, _ in failed))
        else:
            tail = tails[0] if tails else []
    finally:
        if ingest is not None:
            ingest.finish()  # drains what the workers left, then ends
            run["error"] = ingest.error
    if ingest is None:
        all_failed = bool(procs) and all(p.returncode != 0 for p in procs)
        run["error"] = await_ingest(runner, url, prefix, run_id, timeout, all_failed)
    return runner.record(source, None, 0, why, tail, run=run)


def await_ingest(runner, url: str, prefix: str, run_id: str, timeout: float, all_failed: bool) -> str | None:
    """``ingest = "daemon"``: wait until ``veille ingest`` has closed the run's row, up to
    ``timeout`` but at least :data:`INGEST_GRACE` s (:data:`STOP_GRACE` s when the
    runner is stopping). Return None, or why the row is not closed."""
    if all_failed and not run_started(url, prefix, run_id):
        return None  # no worker got as far as Redis: no row is coming
    start = time.monotonic()
    deadline = start + max(timeout, INGEST_GRACE)
    stop_at = None
    with Store(runner.db) as store:
        while True:
            row = crawl_of_run(store, run_id)
            if row is not None and row["status"] != "running":
                return None
            now = time.monotonic()
            if runner.stopping and stop_at is None:
                stop_at = now + STOP_GRACE
            if now >= deadline or (stop_at is not None and now >= stop_at):
                return (f"`veille ingest` did not {'finish' if row else 'start'} run {run_id} within"
                        f" {int(now - start)}s (is it running, on {redact(url)}?)")
            time.sleep(0.5)


class LocalIngest(Ingest):
    """The ingest of one run whose workers are local: they read the validators from the
    store, so none are published in Redis."""

    def publish_known(self, source: str) -> int:
        return 0


class LiveIngest(threading.Thread):
    """``ingest = "inline"``: stores the items of one run while its workers crawl (so they
    do not pile up in Redis), then, once :meth:`finish` is called, drains what is left and
    closes the run's row (:meth:`veille.schedule.ingest.Ingest.loop` with ``drain``). Its key
    prefix is the source's own (one crawl of a source at a time): it never takes another
    run's items. No flagging here (the flag step does it)."""

    def __init__(self, url: str, db: Path, prefix: str, run_id: str):
        super().__init__(name=f"ingest-{run_id}", daemon=True)
        self.url, self.db, self.prefix = url, db, prefix
        self.done = threading.Event()
        self.error: str | None = None

    def finish(self) -> None:
        self.done.set()
        self.join()

    def run(self) -> None:
        try:
            import redis  # the optional extra, checked by distributed_problem()

            server = redis.Redis.from_url(self.url)
            try:
                with Store(self.db) as store:
                    ing = LocalIngest(server, store, topics=(), prefix=self.prefix, poll=0.5)
                    warned = False
                    while not self.done.is_set():
                        try:
                            ing.replay_leftovers()  # (a batch a Redis error interrupted)
                            while not self.done.is_set():
                                raws = ing.pop(block=True)
                                if raws:
                                    ing.handle(raws)
                        except redis.RedisError as e:  # the workers wait for Redis too
                            if not warned:
                                log.warning("ingest of %s: %s; retrying", self.prefix, e)
                                warned = True
                            self.done.wait(1.0)
                    ing.loop(drain=True)
            finally:
                server.close()
        except Exception as e:
            log.exception("ingest of %s failed", self.prefix)
            self.error = f"ingest failed: {type(e).__name__}: {e}"[:240]


def run_started(url: str, prefix: str, run_id: str) -> bool:
    """Did a worker of the run reach Redis (a heartbeat key, alive or closed)? True when
    Redis cannot tell."""
    try:
        import redis

        server = redis.Redis.from_url(url)
        try:
            return next(iter(server.scan_iter(match=RunKeys(prefix, run_id).heartbeat("*"), count=1000)),
                        None) is not None
        finally:
            server.close()
    except Exception:
        return True


def redact(url: str) -> str:
    """The URL without its password."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        host = parts.netloc.rpartition("@")[2]
        user = f"{parts.username}:***@" if parts.username else ":***@"
        return urlunsplit(parts._replace(netloc=user + host))
    except ValueError:
        return "(a bad URL)"


def distributed_problem(config: Config) -> str | None:
    """Why the ``[distributed]`` crawls cannot start (no Redis URL, no redis package)."""
    where = f"{config.path or 'veille.toml'}:{config.distributed.line or 1}: [distributed]"
    url = config.distributed.redis_url()
    if not url:
        return f"{where} has no 'redis' URL and $VEILLE_REDIS_URL is not set"
    problem = redis_url_problem(url)
    if problem:
        return f"{where}: $VEILLE_REDIS_URL: {problem}"
    try:
        import redis  # noqa: F401
        import scrapy_redis  # noqa: F401
    except ImportError as e:
        return f"{where}: {e.name or 'scrapy-redis'} is not installed: pip install 'veille[distributed]'"
    return None
