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
  next to it (see :mod:`veille.lock`).
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:  # run as `python /path/to/scheduler.py` from anywhere
    sys.path.insert(0, str(ROOT))

from storage import Store  # noqa: E402
from veille.config import Config, ConfigError, SourceConfig, load_config  # noqa: E402
from veille.lock import FileLock  # noqa: E402

log = logging.getLogger("veille.scheduler")

DEFAULT_TIMEOUT = dt.timedelta(hours=1)
STOP_GRACE = 10.0  # seconds between the first SIGINT and the second (forced stop)
KILL_GRACE = 5.0  # seconds between the forced stop and SIGKILL
TAIL_LINES = 20
DONE = ("finished", "failed")  # the statuses that count as "the source ran"


def utc(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s)


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


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
    return utc(row[0]) if row and row[0] else None


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
    if source.is_news and config_path is not None:
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
            return self._run(source, lock, before)
        finally:
            lock.release()

    def _run(self, source: SourceConfig, lock: FileLock, before: int) -> dict:
        timeout = (source.timeout or DEFAULT_TIMEOUT).total_seconds()
        env = {**os.environ, "VEILLE_DB": str(self.db)}
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

    def _wait(self, proc: subprocess.Popen, timeout: float) -> str:
        """Wait for the crawl; return 'exit', 'timeout' or 'stopped'."""
        why, deadline, step = "exit", time.monotonic() + timeout, 0
        next_at = deadline
        while True:
            try:
                proc.wait(0.2)
                return why
            except subprocess.TimeoutExpired:
                pass
            now = time.monotonic()
            if step == 0 and (self.stopping or now >= deadline):
                why = "stopped" if self.stopping and now < deadline else "timeout"
                log.warning("crawl %s: %s; SIGINT", proc.pid, why)
                _signal_group(proc, signal.SIGINT)
                step, next_at = 1, now + STOP_GRACE
            elif step == 1 and now >= next_at:
                log.warning("crawl %s: still running %ss after SIGINT; forcing", proc.pid, STOP_GRACE)
                _signal_group(proc, signal.SIGINT)
                step, next_at = 2, now + KILL_GRACE
            elif step == 2 and now >= next_at:
                log.error("crawl %s: SIGKILL", proc.pid)
                _signal_group(proc, signal.SIGKILL)
                step = 3

    def _record(self, source: SourceConfig, proc: subprocess.Popen, before: int, why: str,
                tail: list[str]) -> dict | None:
        """Make the crawl's row tell what happened; return it."""
        rc = proc.returncode
        with Store(self.db) as store:
            r = store.conn.execute(
                "SELECT id, status FROM crawls WHERE source = ? AND pid = ? AND id > ?"
                " ORDER BY id DESC LIMIT 1", (source.name, proc.pid, before)).fetchone()
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
            elif crawl_id is None:
                new_status, reason = "failed", "exited without recording a crawl"
            elif status == "running":
                new_status, reason = "failed", "exited without finishing the crawl"
            if new_status and crawl_id is None and why != "stopped":
                crawl_id = store.start_crawl(source.name, spider=source.spider, args=source.args)
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
        from veille.flags import flag_pending, sync_topics
        from veille.report import build_report, render_json, render_text

        with self.lock, self.lock_file("flags"), Store(self.db) as store:
            sync_topics(store, self.config.topics)
            flags = flag_pending(store, self.config.topics)
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
            from veille.notify import notify

            results = notify(self.config.notify_urls, report)
        except ImportError as e:
            results = [(url, False, f"{e} (pip install apprise)") for url in self.config.notify_urls]
        for url, ok, error in results:
            if not ok and (url, error) not in self.warned:
                log.warning("notification to %s failed: %s", url, error)
                self.warned.add((url, error))


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
            now = now_utc()
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
        now = now_utc()
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
    runner = Runner(config, db_path(args.db, config), as_json=args.json, json_lines=not args.once)
    if args.once:
        return run_once(runner, sources, args.all)
    return run_daemon(runner, sources)


if __name__ == "__main__":
    sys.exit(main())
