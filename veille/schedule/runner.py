"""Running crawls under supervision: locks, signals, timeouts, the kill of what is left, and
the crawl's row made to tell what happened. For ``--once`` and the daemon alike.

Decisions:

- Never two crawls of a source: a per-source ``flock`` (:mod:`veille.core.lock`, lock files
  next to the store) held around the crawl, whose descriptor the crawl process inherits,
  so that even a crawl orphaned by a SIGKILLed scheduler keeps it until it ends; and a
  source with a live ``running`` row (a crawl started by hand, or on another machine:
  rows whose lease expired are reaped first, whatever their host) is skipped.
- A source skipped so while the other crawl has been at it for longer than the source's
  ``timeout`` is a failure of the run (a stuck process holds it): reported (status
  ``failed``, reason "skipped: another process has been crawling it since ...") and
  counted in the exit status, not a quiet 0. A crawl enforces its own time limit
  (``CLOSESPIDER_TIMEOUT``, :func:`veille.schedule.processes.crawl_command`), so an
  orphan ends by itself; the scheduler's kill stays as the backstop.
- A local crawl writes its own row in ``crawls`` (``VEILLE_DB`` set, a stray
  ``VEILLE_REDIS_URL`` removed: it would make it a Redis worker that no ingest reads). A
  ``[distributed]`` crawl is :func:`veille.schedule.distributed.run_distributed`.
- Recording: a crawl past its timeout is ``failed``/``timeout``; a non-zero exit marks it
  ``failed``/``exit code N: <last stderr line>``; a crawl that never wrote a row gets one
  (``crashed before starting``). The stderr tail goes to our log.
- SIGTERM/SIGINT: no new crawl starts; a running crawl gets SIGINT (then the escalation of
  :mod:`veille.schedule.processes`) and ends ``interrupted`` (not a failure); what it
  stored is flagged and reported. Repeated signals change nothing.
- Flagging, printing and notifying (:mod:`veille.schedule.report`) happen under a thread
  lock and the ``flags`` file lock: one at a time, across the daemon's threads and runs.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import tempfile
import threading
from pathlib import Path

from storage import Store, crawls
from veille.config import Config, SourceConfig
from veille.core import clock
from veille.core.lock import FileLock
from veille.schedule.ingest import crawl_of_run

from .distributed import run_distributed
from .processes import DEFAULT_TIMEOUT, ROOT, crawl_command, last_lines, signal_group, wait_all
from .report import Notifier, flag_and_build, render

__all__ = ["Runner"]

log = logging.getLogger("veille.scheduler")


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
        self.notifier = Notifier(config.notify_urls)

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
                signal_group(proc, signal.SIGKILL)
                proc.wait()

    # -- one crawl -------------------------------------------------------------
    def crawl(self, source: SourceConfig) -> dict | None:
        """Crawl ``source`` in a subprocess; return its final ``crawls`` row, or None if it
        was not started (crawled elsewhere right now, or stopping); a skip past the
        source's timeout is a failure (a dict with ``status`` 'failed', no ``id``)."""
        lock = self.lock_file(source.name)
        if not lock.acquire():
            return self.skipped(source, "another process is crawling it")
        try:
            with Store(self.db) as store:
                store.reap_dead_crawls(source.name)
                # alive: reap_dead_crawls marked the dead
                running = crawls.running(store.conn, source.name)
                before = crawls.last_id(store.conn)
            if running:
                r = running[0]
                return self.skipped(source, f"crawl {r['id']} (pid {r['pid']} on {r['host']}) is still running",
                                    r["started_at"])
            if self.stopping:
                return None
            if self.config.distributed is not None:
                return run_distributed(self, source, lock)
            return self._run(source, lock, before)
        finally:
            lock.release()

    def skipped(self, source: SourceConfig, why: str, since: str | None = None) -> dict | None:
        """A source not crawled because another process is at it: None (a warning), or a
        failure when that process has been at it for longer than the source's timeout
        (``since``: when its crawl started; default the source's last crawl's start)."""
        timeout = source.timeout or DEFAULT_TIMEOUT
        if since is None:
            with Store(self.db) as store:
                since = crawls.last_started(store.conn, source.name)
        began = clock.parse_iso(since)
        if began is None or clock.now() - began <= timeout:
            log.warning("%s: %s; skipped", source.name, why)
            return None
        reason = (f"skipped: another process has been crawling it since {since}, longer than its timeout"
                  f" ({int(timeout.total_seconds())}s): {why}")
        log.error("%s: %s", source.name, reason)
        return {"id": None, "source": source.name, "status": "failed", "reason": reason, "started_at": since}

    def _run(self, source: SourceConfig, lock: FileLock, before: int) -> dict:
        timeout = (source.timeout or DEFAULT_TIMEOUT).total_seconds()
        env = {k: v for k, v in os.environ.items() if k != "VEILLE_REDIS_URL"}
        env["VEILLE_DB"] = str(self.db)
        log.info("%s: crawling (spider %s, timeout %ss)", source.name, source.spider, int(timeout))
        [proc], why, [out] = self.supervise(crawl_command(source, self.config.path), env, lock, 1, timeout)
        return self.record(source, proc, before, why, out)

    def supervise(self, cmd: list[str], env: dict, lock: FileLock, count: int,
                  timeout: float) -> tuple[list[subprocess.Popen], str, list[list[str]]]:
        """Run ``count`` copies of ``cmd`` from the project folder, each in its own process
        group and holding ``lock``, until they exit (the escalation past ``timeout`` or when
        stopping). Return the processes, why they ended ('exit', 'timeout' or 'stopped') and
        the tail of each one's output."""
        procs: list[subprocess.Popen] = []
        outs: list = []
        try:
            try:
                for _ in range(count):
                    out = tempfile.TemporaryFile()
                    outs.append(out)
                    proc = subprocess.Popen(
                        cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                        start_new_session=True, pass_fds=(lock.fd,))
                    procs.append(proc)
                    self.children[proc.pid] = proc
                why = wait_all(procs, timeout, lambda: self.stopping)
            finally:
                for proc in procs:
                    if proc.poll() is None:  # an exception: never leave a crawl behind
                        signal_group(proc, signal.SIGKILL)
                        proc.wait()
                    self.children.pop(proc.pid, None)
            return procs, why, [last_lines(out) for out in outs]
        finally:
            for out in outs:
                out.close()

    def record(self, source: SourceConfig, proc: subprocess.Popen | None, before: int, why: str,
               tail: list[str], run: dict | None = None) -> dict | None:
        """Make the crawl's row tell what happened; return it. A distributed crawl gives
        ``run`` (see :func:`veille.schedule.distributed.run_distributed`) instead of
        ``proc``: its row is the one the ingest opened for the run id."""
        rc = proc.returncode if run is None else run["rc"]
        with Store(self.db) as store:
            if run is None:
                r = crawls.started_by(store.conn, source.name, proc.pid, before)
            else:
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
                new_status, reason = "failed", "exited without finishing the crawl" + (f": {last}" if last else "")
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
        with self.lock, self.lock_file("flags"), Store(self.db) as store:
            report = flag_and_build(store, self.config, crawls, always)
            if report is None:
                return None
            print(render(report, self.as_json, self.json_lines), flush=True)
            if self.config.notify_urls:
                self.notifier.notify(report)
        return report
