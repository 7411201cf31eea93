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
- Each crawl's output goes to its own log file, ``logs/<source>/`` next to the store
  (rotated: :func:`veille.schedule.processes.open_log`), named in the log when the crawl
  fails; a running crawl's progress (pages, new, updated, failed: its row) is logged
  every ``progress`` seconds (60; ``--progress``). ``overrides`` are spider arguments
  for every crawl of the run (``--revisit all``, ``--retry all``).
- Flagging (:mod:`veille.schedule.report`) happens under a thread lock and the ``flags``
  file lock: one at a time, across the daemon's threads and runs. Notifying happens after,
  holding no lock (:meth:`Runner.tell`): each notification has its deadline (``[notify]
  timeout``), and a slow endpoint never keeps the next run out. The report is printed once
  the notifications are done, with how they went. ``quiet`` (``veille run --quiet``): a
  report is printed only when it tells something (flags, failures, an unwell source, a
  damaged store), so that cron mails only news and errors.
- A damaged store (SQLite: ``database disk image is malformed``, ``file is not a
  database``; :func:`storage.db.is_damage`, or a crawl that failed saying so,
  :func:`storage.db.damage_said`) stops the run where it is found: no more
  crawls or writes, one clear line on stderr, and a report saying so
  (:meth:`Runner.damaged`, :func:`veille.report.build.damage_report`) printed and notified.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from storage import Store, crawls
from storage.db import damage_said
from veille.config import Config, SourceConfig
from veille.core import clock
from veille.core.clock import utcnow
from veille.core.errors import StoreDamaged
from veille.core.lock import FileLock
from veille.report.build import damage_report
from veille.schedule.ingest import crawl_of_run

from .distributed import run_distributed
from .processes import DEFAULT_TIMEOUT, ROOT, crawl_command, last_lines, open_log, signal_group, wait_all
from .report import Notifier, flag_and_build, render, worth_telling

PROGRESS_SECONDS = 60.0

__all__ = ["Runner"]

log = logging.getLogger("veille.scheduler")


class Runner:
    """Runs crawls and the flag/report step, for ``--once`` and the daemon alike."""

    def __init__(self, config: Config, db: Path, as_json: bool = False, json_lines: bool = False,
                 quiet: bool = False, overrides: dict | None = None, progress: float = PROGRESS_SECONDS,
                 prog: str = "scheduler.py"):
        self.config = config
        self.prog = prog  # the program's name in a line on stderr (veille run, veille watch)
        self.db = db
        self.as_json = as_json
        self.json_lines = json_lines
        self.quiet = quiet  # print a report only when it tells something (cron mails it)
        self.overrides = dict(overrides or {})  # spider arguments for every crawl of this run
        self.progress = progress  # seconds between progress lines of a running crawl
        self.logs: dict[str, list[Path]] = {}  # source -> its last crawl's log files
        self.stopping = False
        self.children: dict[int, subprocess.Popen] = {}
        self.lock = threading.Lock()  # flagging, printing: one thread at a time
        self.notifier = Notifier(config.notify_urls, config.notify_timeout)
        self.damage: str | None = None  # what was said when the store was found damaged

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
        cmd = crawl_command(source, self.config.path, self.overrides)
        [proc], why, [out] = self.supervise(cmd, env, lock, 1, timeout, source=source.name, before=before)
        return self.record(source, proc, before, why, out)

    def supervise(self, cmd: list[str], env: dict, lock: FileLock, count: int, timeout: float,
                  source: str = "crawl", before: int | None = None
                  ) -> tuple[list[subprocess.Popen], str, list[list[str]]]:
        """Run ``count`` copies of ``cmd`` from the project folder, each in its own process
        group and holding ``lock``, until they exit (the escalation past ``timeout`` or when
        stopping). Each one's output goes to its log file (``logs/<source>/`` next to the
        store, :func:`veille.schedule.processes.open_log`); with ``before`` (the last crawl
        id before it started) the crawl's progress is logged every ``progress`` seconds.
        Return the processes, why they ended ('exit', 'timeout' or 'stopped') and the tail
        of each one's output."""
        procs: list[subprocess.Popen] = []
        outs: list = []
        started = utcnow()
        try:
            try:
                for i in range(count):
                    out = open_log(self.db, source, started, worker=i + 1 if count > 1 else None)
                    outs.append(out)
                    proc = subprocess.Popen(
                        cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                        start_new_session=True, pass_fds=(lock.fd,))
                    procs.append(proc)
                    self.children[proc.pid] = proc
                self.logs[source] = [Path(o.name) for o in outs]
                tick = (lambda: self.log_progress(source, procs[0].pid, before, started)) \
                    if before is not None else None
                why = wait_all(procs, timeout, lambda: self.stopping, label=source, tick=tick,
                               every=self.progress)
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

    def log_progress(self, source: str, pid: int, before: int, started: str) -> None:
        """One line on a running crawl: how long, pages, new, updated, failed (its row)."""
        with Store.open_readonly(self.db) as store:
            found = crawls.started_by(store.conn, source, pid, before)
            row = store.crawl(found[0]) if found else None
        since = clock.parse_iso(started)
        took = int((clock.now() - since).total_seconds()) if since else 0
        if row is None:
            log.info("%s: crawl (pid %s) running for %dm%02ds, not stored anything yet", source, pid,
                     took // 60, took % 60)
            return
        log.info("%s: crawl %s running for %dm%02ds: %s pages, %s new, %s updated, %s failed",
                 source, row["id"], took // 60, took % 60, row["fetched"], row["new"], row["updated"],
                 row["failed"])

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
        said = damage_said(tail) if row["status"] == "failed" else None
        if said:  # the crawl met a damaged store: that is the news, not its traceback
            log.info("%s: last output of the crawl:\n  %s", source.name, "\n  ".join(tail))
            raise StoreDamaged(f"the store {self.db} is damaged: the crawl of {source.name} read {said!r}")
        if row["status"] == "failed" and tail:
            log.warning("%s: last output of the crawl:\n  %s", source.name, "\n  ".join(tail))
        if row["status"] == "failed" and self.logs.get(source.name):
            log.warning("%s: the crawl's log: %s", source.name,
                        ", ".join(str(p) for p in self.logs[source.name]))
        return row

    def send_digest(self) -> None:
        """The daemon's digest job (``[notify] mode = "digest"``, at ``digest_at``)."""
        try:
            with self.lock, self.lock_file("flags"), Store(self.db) as store:
                self.notifier.digest(store, self.config)
        except Exception:
            log.exception("the digest failed")

    # -- flags, report, notifications ---------------------------------------------
    def flag_and_report(self, crawls: list[dict], always: bool = True) -> dict | None:
        """Flag what the crawls stored (and anything left unflagged), notify, print the
        report (or, in digest mode, send the day's digest when it is due).
        ``always=False``: print nothing when there are no crawls and no flags; ``quiet``:
        print only a report that tells something (flags, failures, unwell sources)."""
        report = self.flag(crawls, always)
        if report is not None:
            self.tell(report)
        elif self.config.notify_urls and self.config.notify_mode == "digest":
            self.send_digest()
        return report

    def flag(self, crawls: list[dict], always: bool = True) -> dict | None:
        """Flag and build the report (under the flags locks); None when ``always`` is False
        and there is nothing to tell."""
        with self.lock, self.lock_file("flags"), Store(self.db) as store:
            return flag_and_build(store, self.config, crawls, always)

    def tell(self, report: dict) -> dict:
        """Notify (holding no lock; each notification within ``[notify] timeout``), then
        print the report with how the notifications went (``quiet``: only a report that
        tells something). In digest mode a run's report is not sent; the day's digest is,
        when it is due (a damaged store is said at once, whatever the mode)."""
        digest = self.config.notify_mode == "digest" and not report.get("store_damaged")
        if self.config.notify_urls and not digest:
            report["notifications"] = self.notifier.notify(report)
        with self.lock:
            if not self.quiet or worth_telling(report):
                print(render(report, self.as_json, self.json_lines), flush=True)
        if self.config.notify_urls and digest:
            self.send_digest()
        return report

    def damaged(self, exc: BaseException, crawls: list[dict] | None = None) -> dict:
        """The store was found damaged (``exc``): say it on stderr in one line and return
        the report that says it (for :meth:`tell`). Nothing more is written to the store."""
        detail = str(exc) if isinstance(exc, StoreDamaged) else f"the store {self.db} is damaged: {exc}"
        self.damage = (f"{detail}; nothing more is written to it: restore a backup, or save what "
                       f"SQLite can still read with: sqlite3 {self.db} .recover")
        self.stopping = True
        print(f"{self.prog}: {self.damage}", file=sys.stderr, flush=True)
        return damage_report(self.damage, crawls)
