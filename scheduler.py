"""The scheduler: re-crawls each source on its schedule, flags what changed, reports it.

Usage::

    python scheduler.py [--config veille.toml] [--db PATH]          # daemon (APScheduler)
    python scheduler.py --once [--all] [--json] [--source NAME]...   # for cron

A crawl is ``python -m scrapy crawl <spider> -a k=v... -a source=<name> -s K=V...`` run in
a subprocess (a Twisted reactor cannot be restarted), in its own process group, from the
project folder (``scrapy.cfg``), with ``VEILLE_DB`` set; the crawl writes its own row in
``crawls``. After the crawls: ``sync_topics``, ``flag_pending``, ``build_report``, the report
on stdout (``--json``: machine-readable; one line per report in the daemon), and
``notify`` to the ``[notify] urls`` (which sends only when something was flagged or a
crawl failed).

Decisions:

- Database: ``--db`` > ``[store] path`` (relative to the config file's folder) >
  ``$VEILLE_DB`` > ``data/veille.db`` (relative to the current folder), as every command
  that reads the config (:meth:`veille.config.Config.db_path`). Lock files live
  next to it (see :mod:`veille.core.lock`).
- "When a source last ran" is the ``started_at`` of its last ``finished`` or ``failed``
  crawl: a ``killed`` or ``interrupted`` crawl did not complete, so the next run redoes
  it; a failed one is retried at its next due time, not at once.
- ``--once``: an ``every`` source is due if it never ran or ran at least ``every`` ago,
  minus a tolerance of min(10 % of ``every``, 2 min) (cron's start and the crawls before it
  shift ``started_at`` by a little; without it a run would skip a whole period). A
  ``cron`` source is due if it never ran or one of its fire times (local time, as
  crontab) fell between its last run and now. ``--all`` crawls every selected source.
  Due crawls run one after the other. Exit 0, 1 if a crawl of this run failed, 2 on a bad
  config or usage. A second overlapping ``--once`` prints "another run is in progress;
  exiting" on stderr and exits 0.
- Daemon: one APScheduler job per source (``max_instances=1``, ``coalesce=True``, no
  misfire limit: after a pause or suspend a late job runs once). Its first run comes from
  the store: an ``every`` source at last run + ``every`` (now if past), a ``cron`` source
  now if a fire time was missed since its last run, else at its next fire time. At start
  dead ``running`` rows are marked ``killed`` and unflagged crawls are flagged (the work a
  SIGKILLed run left). The config is read once.
- Never two crawls of a source: a per-source ``flock`` held around the crawl, whose
  descriptor the crawl process inherits, so that even a crawl orphaned by a SIGKILLed
  scheduler keeps it until it ends; and a source with a live ``running`` row (a crawl
  started by hand) is skipped.
- Faults: a crawl past its ``timeout`` (default 1 h) gets SIGINT (Scrapy closes cleanly),
  a second SIGINT (forced stop) :data:`STOP_GRACE` seconds later, SIGKILL
  :data:`KILL_GRACE` seconds after that; its row is marked ``failed``/``timeout``. A
  non-zero exit marks it ``failed``/``exit code N: <last stderr line>``; a crawl that never
  wrote a row gets one (``crashed before starting``). The stderr tail goes to our log.
- Distributed (a ``[distributed]`` table, see :mod:`veille.config`): a crawl is one Redis
  run (``scrapers/distributed.py``), id ``<source>-<UTC time>-<8 hex>``, of ``workers``
  copies of the same ``scrapy crawl`` (``-s VEILLE_RUN_ID=<run>``; the URL through the
  environment, as it may hold a password), each in its own process group, all under the
  source's lock, the timeout escalation applied to each. ``ingest = "inline"``: a thread of
  the scheduler stores the run's items while the workers crawl (under the key prefix
  ``<prefix>:inline:<source>``, so it never takes another crawl's items) and drains the
  rest after they exit (``Ingest.loop(drain=True)``); it does not flag (as for a local
  crawl, the flag step does). ``ingest = "daemon"``: a ``veille ingest`` (default prefix)
  stores them; the scheduler waits for it to close the run's row, up to the source's
  timeout but at least :data:`INGEST_GRACE` s after the workers exit, and records the row
  failed if it does not. The row (``crawl_of_run``) is recorded as above: a timeout, or a
  worker's non-zero exit (the first failing worker's code and last line), makes it
  ``failed`` (a row is inserted if the run has none). Its flags are reported even when
  ``veille ingest`` flagged them first. A missing Redis URL or scrapy-redis: exit 2.
- SIGTERM/SIGINT: no new crawl starts; a running crawl gets SIGINT (then the escalation
  above) and ends ``interrupted`` (not a failure); what it stored is flagged and reported;
  exit 0 (or 1 in ``--once`` if an earlier crawl failed). Repeated signals change nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:  # run as `python /path/to/scheduler.py` from anywhere
    sys.path.insert(0, str(ROOT))

from storage import Store  # noqa: E402
from veille.config import Config, ConfigError, SourceConfig, load_config  # noqa: E402
from veille.core import clock  # noqa: E402
from veille.core.lock import FileLock  # noqa: E402

log = logging.getLogger("veille.scheduler")

DEFAULT_TIMEOUT = dt.timedelta(hours=1)
STOP_GRACE = 10.0  # seconds between the first SIGINT and the second (forced stop)
KILL_GRACE = 5.0  # seconds between the forced stop and SIGKILL
TAIL_LINES = 20
INGEST_GRACE = 30.0  # ingest = "daemon": least wait for `veille ingest` to close a run's row
REDIS_PREFIX = "veille"  # scrapers.distributed.DEFAULT_PREFIX (not imported: scrapy is heavy)
DONE = ("finished", "failed")  # the statuses that count as "the source ran"


def tolerance(every: dt.timedelta) -> dt.timedelta:
    return min(every * 0.1, dt.timedelta(minutes=2))


def cron_trigger(source: SourceConfig):
    from apscheduler.triggers.cron import CronTrigger

    return CronTrigger.from_crontab(source.cron)


def last_run(store: Store, source: str) -> dt.datetime | None:
    """``started_at`` of the source's last finished or failed crawl, or None."""
    row = store.conn.execute(
        "SELECT max(started_at) FROM crawls WHERE source = ? AND status IN (?, ?)", (source, *DONE)
    ).fetchone()
    return clock.parse_iso(row[0]) if row and row[0] else None


def is_due(source: SourceConfig, last: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether ``--once`` should crawl ``source`` now (see the module's docstring)."""
    if last is None:
        return True
    if source.every is not None:
        return now - last >= source.every - tolerance(source.every)
    nxt = cron_trigger(source).get_next_fire_time(None, last)
    return nxt is not None and nxt <= now


def first_run(source: SourceConfig, last: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    """The daemon's first run time for ``source``: never before it is due."""
    if last is None:
        return now
    if source.every is not None:
        return max(now, last + source.every)
    nxt = cron_trigger(source).get_next_fire_time(None, last)
    return now if nxt is None or nxt <= now else nxt


def setting_value(v) -> str:
    """A TOML value as ``scrapy crawl -s K=V`` takes it."""
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, (list, dict)):
        return json.dumps(v)
    return str(v)


def crawl_command(source: SourceConfig, config_path: Path | None = None) -> list[str]:
    """The `scrapy crawl` of a source; a configured news source also gets the config file
    it was read from (``-a config=``), where its start points and selectors are."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", source.spider]
    for k, v in source.args.items():
        if k not in ("source", "config"):
            cmd += ["-a", f"{k}={v}"]
    cmd += ["-a", f"source={source.name}"]
    from scrapers.sources import builtin_names

    if (source.is_news or source.spider in builtin_names()) and config_path is not None:
        cmd += ["-a", f"config={Path(config_path).resolve()}"]
    for k, v in source.settings.items():
        cmd += ["-s", f"{k}={setting_value(v)}"]
    return cmd


def _tail(f, lines: int = TAIL_LINES) -> list[str]:
    f.seek(0, os.SEEK_END)
    f.seek(max(0, f.tell() - 64 * 1024))
    text = f.read().decode("utf-8", "replace")
    return [ln for ln in text.splitlines() if ln.strip()][-lines:]


class Runner:
    """Runs crawls and the flag/report step, for ``--once`` and the daemon alike."""

    def __init__(self, config: Config, db: Path, as_json: bool = False, json_lines: bool = False):
        self.config = config
        self.db = db
        self.as_json = as_json
        self.json_lines = json_lines
        self.stopping = False
        self.children: dict[int, subprocess.Popen] = {}
        self.lock = threading.Lock()  # flagging, printing, notifying: one thread at a time
        self.warned: set[tuple[str, str]] = set()

    def lock_file(self, name: str) -> FileLock:
        return FileLock(self.db.parent / f".veille-{name}.lock")

    # -- signals ---------------------------------------------------------------
    def install_signals(self) -> dict:
        def handler(signum, frame):
            if not self.stopping:
                log.warning("%s: stopping (a running crawl is asked to close)", signal.Signals(signum).name)
            self.stopping = True

        return {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}

    def kill_children(self) -> None:
        """Last resort: SIGKILL any crawl still running (none should be)."""
        for proc in list(self.children.values()):
            if proc.poll() is None:
                log.error("killing crawl process %s left running", proc.pid)
                _signal_group(proc, signal.SIGKILL)
                proc.wait()

    # -- one crawl -------------------------------------------------------------
    def crawl(self, source: SourceConfig) -> dict | None:
        """Crawl ``source`` in a subprocess; return its final ``crawls`` row, or None if it
        was not started (crawled elsewhere right now, or stopping)."""
        lock = self.lock_file(source.name)
        if not lock.acquire():
            log.warning("%s: another process is crawling it; skipped", source.name)
            return None
        try:
            with Store(self.db) as store:
                store.reap_dead_crawls(source.name)
                running = store.conn.execute(  # alive: reap_dead_crawls marked the dead
                    "SELECT id, pid FROM crawls WHERE source = ? AND status = 'running' AND host = ?",
                    (source.name, socket.gethostname())).fetchall()
                before = store.conn.execute("SELECT coalesce(max(id), 0) FROM crawls").fetchone()[0]
            if running:
                log.warning("%s: crawl %s (pid %s) is still running; skipped", source.name, *running[0])
                return None
            if self.stopping:
                return None
            if self.config.distributed is not None:
                return self._run_distributed(source, lock)
            return self._run(source, lock, before)
        finally:
            lock.release()

    def _run(self, source: SourceConfig, lock: FileLock, before: int) -> dict:
        timeout = (source.timeout or DEFAULT_TIMEOUT).total_seconds()
        # A local crawl stores its own items: a VEILLE_REDIS_URL left in the environment
        # would turn it into a Redis worker that no ingest reads ([distributed] does that).
        env = {k: v for k, v in os.environ.items() if k != "VEILLE_REDIS_URL"}
        env["VEILLE_DB"] = str(self.db)
        log.info("%s: crawling (spider %s, timeout %ss)", source.name, source.spider, int(timeout))
        with tempfile.TemporaryFile() as out:
            proc = subprocess.Popen(
                crawl_command(source, self.config.path), cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True, pass_fds=(lock.fd,),
            )
            self.children[proc.pid] = proc
            try:
                why = self._wait(proc, timeout)
            finally:
                if proc.poll() is None:  # an exception in _wait: never leave the child behind
                    _signal_group(proc, signal.SIGKILL)
                    proc.wait()
                self.children.pop(proc.pid, None)
            tail = _tail(out)
        return self._record(source, proc, before, why, tail)

    # -- one distributed crawl ---------------------------------------------------
    def _run_distributed(self, source: SourceConfig, lock: FileLock) -> dict | None:
        """The crawl as ``[distributed] workers`` processes of one Redis run; its items
        stored by this process (``ingest = "inline"``) or by a running ``veille ingest``
        (``"daemon"``); the row of the run recorded as :meth:`_run` does."""
        d = self.config.distributed
        url = d.redis_url()
        timeout = (source.timeout or DEFAULT_TIMEOUT).total_seconds()
        run_id = f"{source.name}-{clock.now():%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
        prefix = str(source.settings.get("VEILLE_REDIS_PREFIX") or REDIS_PREFIX)
        if d.ingest == "inline":  # this run's items only: never another source's run
            prefix = f"{prefix}:inline:{source.name}"
        # The URL (it may hold a password) goes through the environment, not argv.
        env = {**os.environ, "VEILLE_DB": str(self.db), "VEILLE_REDIS_URL": url}
        cmd = crawl_command(source, self.config.path) + [
            "-s", f"VEILLE_RUN_ID={run_id}", "-s", f"VEILLE_REDIS_PREFIX={prefix}"]
        log.info("%s: crawling (spider %s, run %s, %d worker(s), ingest %s, timeout %ss)", source.name,
                 source.spider, run_id, d.workers, d.ingest, int(timeout))
        run = {"id": run_id, "rc": 0, "error": None}
        ingest = _LiveIngest(url, self.db, prefix, run_id) if d.ingest == "inline" else None
        if ingest is not None:
            ingest.start()
        procs: list[subprocess.Popen] = []
        outs: list = []
        why, tail = "exit", []
        try:
            try:
                for _ in range(d.workers):
                    out = tempfile.TemporaryFile()
                    outs.append(out)
                    proc = subprocess.Popen(
                        cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                        start_new_session=True, pass_fds=(lock.fd,))
                    procs.append(proc)
                    self.children[proc.pid] = proc
                why = self._wait_all(procs, timeout)
            finally:
                for proc in procs:
                    if proc.poll() is None:  # an exception: never leave a worker behind
                        _signal_group(proc, signal.SIGKILL)
                        proc.wait()
                    self.children.pop(proc.pid, None)
            tails = [_tail(out) for out in outs]
            failed = [(p.returncode, t) for p, t in zip(procs, tails) if p.returncode != 0]
            if failed:  # the first worker that failed speaks for the run
                run["rc"], tail = failed[0]
                if len(procs) > 1:
                    log.warning("%s: %d of %d workers of run %s failed (exit codes %s)", source.name,
                                len(failed), len(procs), run_id, ", ".join(str(rc) for rc, _ in failed))
            else:
                tail = tails[0] if tails else []
        finally:
            for out in outs:
                out.close()
            if ingest is not None:
                ingest.finish()  # drains what the workers left, then ends
                run["error"] = ingest.error
        if ingest is None:
            run["error"] = self._await_ingest(url, prefix, run_id, timeout, all_failed=bool(procs) and all(
                p.returncode != 0 for p in procs))
        return self._record(source, None, 0, why, tail, run=run)

    def _await_ingest(self, url: str, prefix: str, run_id: str, timeout: float, all_failed: bool) -> str | None:
        """``ingest = "daemon"``: wait until ``veille ingest`` has closed the run's row, up
        to ``timeout`` but at least :data:`INGEST_GRACE` s (:data:`STOP_GRACE` s when
        stopping). Return None, or why the row is not closed."""
        from veille.schedule.ingest import crawl_of_run

        if all_failed and not _run_started(url, prefix, run_id):
            return None  # no worker got as far as Redis: no row is coming
        start = time.monotonic()
        deadline = start + max(timeout, INGEST_GRACE)
        stop_at = None
        with Store(self.db) as store:
            while True:
                row = crawl_of_run(store, run_id)
                if row is not None and row["status"] != "running":
                    return None
                now = time.monotonic()
                if self.stopping and stop_at is None:
                    stop_at = now + STOP_GRACE
                if now >= deadline or (stop_at is not None and now >= stop_at):
                    return (f"`veille ingest` did not {'finish' if row else 'start'} run {run_id} within"
                            f" {int(now - start)}s (is it running, on {_redact(url)}?)")
                time.sleep(0.5)

    def _wait(self, proc: subprocess.Popen, timeout: float) -> str:
        """Wait for the crawl; return 'exit', 'timeout' or 'stopped'."""
        return self._wait_all([proc], timeout)

    def _wait_all(self, procs: list[subprocess.Popen], timeout: float) -> str:
        """Wait for every process (one crawl, or the workers of a distributed one); past
        ``timeout`` or when stopping, each one still running gets the escalation of the
        module's docstring. Return 'exit', 'timeout' or 'stopped'."""
        why, deadline, step = "exit", time.monotonic() + timeout, 0
        next_at = deadline
        while True:
            live = [p for p in procs if p.poll() is None]
            if not live:
                return why
            try:
                live[0].wait(0.2)
                continue
            except subprocess.TimeoutExpired:
                pass
            live = [p for p in live if p.poll() is None]
            now = time.monotonic()
            if step == 0 and (self.stopping or now >= deadline):
                why = "stopped" if self.stopping and now < deadline else "timeout"
                for p in live:
                    log.warning("crawl %s: %s; SIGINT", p.pid, why)
                    _signal_group(p, signal.SIGINT)
                step, next_at = 1, now + STOP_GRACE
            elif step == 1 and now >= next_at:
                for p in live:
                    log.warning("crawl %s: still running %ss after SIGINT; forcing", p.pid, STOP_GRACE)
                    _signal_group(p, signal.SIGINT)
                step, next_at = 2, now + KILL_GRACE
            elif step == 2 and now >= next_at:
                for p in live:
                    log.error("crawl %s: SIGKILL", p.pid)
                    _signal_group(p, signal.SIGKILL)
                step = 3

    def _record(self, source: SourceConfig, proc: subprocess.Popen | None, before: int, why: str,
                tail: list[str], run: dict | None = None) -> dict | None:
        """Make the crawl's row tell what happened; return it. A distributed crawl gives
        ``run`` (see :meth:`_run_distributed`) instead of ``proc``: its row is the one the
        ingest opened for the run id."""
        rc = proc.returncode if run is None else run["rc"]
        with Store(self.db) as store:
            if run is None:
                r = store.conn.execute(
                    "SELECT id, status FROM crawls WHERE source = ? AND pid = ? AND id > ?"
                    " ORDER BY id DESC LIMIT 1", (source.name, proc.pid, before)).fetchone()
            else:
                from veille.schedule.ingest import crawl_of_run

                found = crawl_of_run(store, run["id"])
                r = (found["id"], found["status"]) if found else None
            crawl_id, status = r if r else (None, None)
            last = tail[-1][:240] if tail else ""
            exit_text = f"exit code {rc}" if rc >= 0 else f"killed by {signal.Signals(-rc).name}"
            new_status, reason = None, ""
            if why == "timeout":
                new_status, reason = "failed", "timeout"
            elif why == "stopped":
                if status in ("running", "killed"):  # forced, or reaped while we waited
                    new_status, reason = "interrupted", "shutdown"
            elif rc != 0:
                new_status, reason = "failed", f"{exit_text}: {last}" if last else exit_text
                if crawl_id is None:
                    reason = "crashed before starting " + f"({reason})"
            elif run is not None and run.get("error"):  # the ingest's trouble
                new_status, reason = "failed", run["error"]
            elif crawl_id is None:
                new_status, reason = "failed", "exited without recording a crawl"
            elif status == "running":
                new_status, reason = "failed", "exited without finishing the crawl"
            if new_status and crawl_id is None and why != "stopped":
                args = source.args if run is None else {**source.args, "run": run["id"]}
                crawl_id = store.start_crawl(source.name, spider=source.spider, args=args)
            if new_status and crawl_id is not None:
                store.finish_crawl(crawl_id, new_status, reason)
            row = store.crawl(crawl_id) if crawl_id is not None else None
        if row is None:
            log.warning("%s: stopped before the crawl began", source.name)
            return None
        level = logging.WARNING if row["status"] == "failed" else logging.INFO
        log.log(level, "%s: crawl %s %s (%s), %s new, %s updated", source.name, row["id"],
                row["status"], row["finish_reason"], row["new"], row["updated"])
        if row["status"] == "failed" and tail:
            log.warning("%s: last output of the crawl:\n  %s", source.name, "\n  ".join(tail))
        return row

    # -- flags, report, notifications ---------------------------------------------
    def flag_and_report(self, crawls: list[dict], always: bool = True) -> dict | None:
        """Flag what the crawls stored (and anything left unflagged), print the report,
        notify. ``always=False``: print nothing when there are no crawls and no flags."""
        from veille.monitor.flags import flag_pending, sync_topics
        from veille.report import build_report, render_json, render_text

        with self.lock, self.lock_file("flags"), Store(self.db) as store:
            sync_topics(store, self.config.topics)
            flags = flag_pending(store, self.config.topics)
            if self.config.distributed is not None and crawls:  # `veille ingest` may flag too
                flags += _flags_of(store, [c["id"] for c in crawls], {f["id"] for f in flags})
            if not always and not flags and not crawls:
                return None
            report = build_report(store, flags, crawls=[c["id"] for c in crawls])  # fresh rows
            if self.as_json:
                text = render_json(report)
                if self.json_lines:
                    text = json.dumps(json.loads(text), ensure_ascii=False)
            else:
                text = render_text(report)
            print(text, flush=True)
            if self.config.notify_urls:
                self._notify(report)
        return report

    def _notify(self, report: dict) -> None:
        """``notify`` sends only when the report has flags or failures; the same failure
        (apprise missing, a dead channel) is logged once per process, not at every run."""
        try:
            from veille.report.notify import notify

            results = notify(self.config.notify_urls, report)
        except ImportError as e:
            results = [(url, False, f"{e} (pip install apprise)") for url in self.config.notify_urls]
        for url, ok, error in results:
            if not ok and (url, error) not in self.warned:
                log.warning("notification to %s failed: %s", url, error)
                self.warned.add((url, error))


def _flags_of(store: Store, crawl_ids: list[int], have: set[int]) -> list[dict]:
    """The flags of the versions these crawls stored, but those in ``have`` (ids): with
    ``ingest = "daemon"`` a ``veille ingest`` given the topics flags the runs it closes
    before the scheduler does, and the report must still show them."""
    from veille.monitor.flags import FLAG_COLUMNS

    marks = ", ".join("?" * len(crawl_ids))
    out = store.conn.execute(f"SELECT {', '.join(FLAG_COLUMNS)} FROM flags WHERE crawl_id IN ({marks})"
                             " ORDER BY id", crawl_ids).fetchall()
    return [f for f in (dict(zip(FLAG_COLUMNS, r)) for r in out) if f["id"] not in have]


class _LiveIngest(threading.Thread):
    """``ingest = "inline"``: stores the items of one run while its workers crawl (so they
    do not pile up in Redis), then, once :meth:`finish` is called, drains what is left and
    closes the run's row (:meth:`veille.schedule.ingest.Ingest.loop` with ``drain``). Its key prefix
    is the source's own (one crawl of a source at a time): it never takes another run's
    items. No flagging here (``flag_and_report`` does it); no validators published (the
    workers are local and read them from the store)."""

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
            import redis

            from veille.schedule.ingest import Ingest

            class Local(Ingest):
                def publish_known(self, source: str) -> int:
                    return 0

            server = redis.Redis.from_url(self.url)
            try:
                with Store(self.db) as store:
                    ing = Local(server, store, topics=(), prefix=self.prefix, poll=0.5)
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


def _run_started(url: str, prefix: str, run_id: str) -> bool:
    """Did a worker of the run reach Redis (a heartbeat key, alive or closed)? True when
    Redis cannot tell."""
    try:
        import redis

        from scrapers.distributed.keys import RunKeys

        server = redis.Redis.from_url(url)
        try:
            return next(iter(server.scan_iter(match=RunKeys(prefix, run_id).heartbeat("*"), count=1000)),
                        None) is not None
        finally:
            server.close()
    except Exception:
        return True


def _redact(url: str) -> str:
    """The URL without its password."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        host = parts.netloc.rpartition("@")[2]
        user = f"{parts.username}:***@" if parts.username else ":***@"
        return urlunsplit(parts._replace(netloc=user + host))
    except ValueError:
        return "(a bad URL)"


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


# -------------------------------------------------------------------------- modes

def run_once(runner: Runner, sources: list[SourceConfig], crawl_all: bool) -> int:
    """``--once``: crawl what is due, flag, report. Return the exit code."""
    once = runner.lock_file("once")
    if not once.acquire():
        print("another run is in progress; exiting", file=sys.stderr)
        return 0
    old = runner.install_signals()
    try:
        with Store(runner.db) as store:
            store.reap_dead_crawls()
            now = clock.now()
            due = [s for s in sources if crawl_all or is_due(s, last_run(store, s.name), now)]
        if not due:
            log.info("nothing is due")
        crawls, broken = [], False
        for source in due:
            if runner.stopping:
                break
            try:
                row = runner.crawl(source)
            except Exception:  # e.g. the store unreadable: the other sources still run
                log.exception("%s: could not run the crawl", source.name)
                broken = True
                continue
            if row is not None:
                crawls.append(row)
        runner.flag_and_report(crawls)
        return 1 if broken or any(c["status"] == "failed" for c in crawls) else 0
    finally:
        runner.kill_children()
        for s, h in old.items():
            signal.signal(s, h)
        once.release()


def run_daemon(runner: Runner, sources: list[SourceConfig]) -> int:
    """The daemon: crawl each source at its times until SIGTERM/SIGINT. Return 0."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.interval import IntervalTrigger

    old = runner.install_signals()
    sched = BackgroundScheduler(
        executors={"default": ThreadPoolExecutor(max(1, len(sources)))},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )

    def job(source: SourceConfig) -> None:
        if runner.stopping:
            return
        try:
            row = runner.crawl(source)
            if row is not None:
                runner.flag_and_report([row])
        except Exception:  # the daemon survives anything a crawl does
            log.exception("%s: the crawl job failed", source.name)

    try:
        with Store(runner.db) as store:
            store.reap_dead_crawls()
            lasts = {s.name: last_run(store, s.name) for s in sources}
        try:
            runner.flag_and_report([], always=False)  # what a killed run left unflagged
        except Exception:
            log.exception("flagging the pending crawls failed")
        now = clock.now()
        for s in sources:
            first = first_run(s, lasts[s.name], now)
            trigger = (IntervalTrigger(seconds=s.every.total_seconds(), start_date=first)
                       if s.every is not None else cron_trigger(s))
            sched.add_job(job, trigger, args=[s], id=s.name, name=s.name, next_run_time=first)
            log.info("%s: first crawl at %s", s.name, first.astimezone().isoformat(timespec="seconds"))
        sched.start()
        while not runner.stopping:
            time.sleep(0.2)
        sched.shutdown(wait=True)  # running jobs see `stopping` and close their crawl
        log.info("stopped")
        return 0
    finally:
        if sched.running:
            sched.shutdown(wait=False)
        runner.kill_children()
        for s, h in old.items():
            signal.signal(s, h)


# -------------------------------------------------------------------------- CLI

def db_path(arg: str | None, config: Config) -> Path:
    return config.db_path(arg).resolve()


def distributed_problem(config: Config) -> str | None:
    """Why the ``[distributed]`` crawls cannot start (no Redis URL, no redis package)."""
    from veille.config import redis_url_problem

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


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="scheduler.py", description=(
        "Re-crawl each source on its schedule and flag new or updated articles on the "
        "tracked topics. Without --once: a daemon."))
    p.add_argument("--config", help="the config file (default: veille.toml)")
    p.add_argument("--db", help="the SQLite store (default: [store] path, $VEILLE_DB, data/veille.db)")
    p.add_argument("--once", action="store_true", help="crawl what is due, report, exit (for cron)")
    p.add_argument("--all", action="store_true", help="with --once: crawl every source, due or not")
    p.add_argument("--json", action="store_true", help="print reports as JSON")
    p.add_argument("--source", action="append", metavar="NAME", help="only this source (repeatable)")
    p.add_argument("--log-level", choices=("DEBUG", "INFO", "WARNING", "ERROR"),
                   help="default: WARNING with --once, INFO for the daemon")
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python scheduler.py`` (and ``veille run`` / ``veille watch``)."""
    p = parser()
    try:
        args = p.parse_args(argv)
    except SystemExit as e:
        return 0 if e.code == 0 else 2
    level = args.log_level or ("WARNING" if args.once else "INFO")
    logging.basicConfig(level=level, stream=sys.stderr,
                        format="%(asctime)s scheduler %(levelname)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.DEBUG if level == "DEBUG" else logging.WARNING)
    if args.all and not args.once:
        print("scheduler.py: --all goes with --once", file=sys.stderr)
        return 2
    try:
        config = load_config(args.config)
    except ConfigError as e:
        print(f"scheduler.py: {e}", file=sys.stderr)
        return 2
    sources = config.sources
    if args.source:
        unknown = [n for n in args.source if config.source(n) is None]
        if unknown:
            known = ", ".join(s.name for s in config.sources) or "none"
            print(f"scheduler.py: no source named {', '.join(unknown)} (known: {known})", file=sys.stderr)
            return 2
        sources = [s for s in config.sources if s.name in args.source]
    if not sources:
        print(f"scheduler.py: {config.path or args.config or 'veille.toml'}: no [[sources]] to crawl",
              file=sys.stderr)
        return 2
    if not (ROOT / "scrapy.cfg").is_file():
        print(f"scheduler.py: no scrapy.cfg in {ROOT}", file=sys.stderr)
        return 2
    if config.distributed is not None:
        problem = distributed_problem(config)
        if problem:
            print(f"scheduler.py: {problem}", file=sys.stderr)
            return 2
    runner = Runner(config, db_path(args.db, config), as_json=args.json, json_lines=not args.once)
    if args.once:
        return run_once(runner, sources, args.all)
    return run_daemon(runner, sources)


if __name__ == "__main__":
    sys.exit(main())
