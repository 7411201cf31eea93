"""The scheduler's command line and its two modes: one run (for cron) and the daemon.

Usage (``python scheduler.py`` at the project root, ``veille run`` / ``veille watch``)::

    python scheduler.py [--config veille.toml] [--db PATH]          # daemon (APScheduler)
    python scheduler.py --once [--all] [--json] [--source NAME]...   # for cron
    veille run [--all] [--quiet] [--revisit all] [--retry all] ...   # = scheduler.py --once
    veille watch ...                                                 # = scheduler.py

After the crawls: ``sync_topics``, ``flag_pending``, ``build_report``, the report on stdout
(``--json``: machine-readable; one line per report in the daemon), and ``notify`` to the
``[notify] urls`` (which sends only when something was flagged or a crawl failed; in
digest mode, once a day: :mod:`veille.schedule.report`).

Decisions:

- Database: ``--db`` > ``[store] path`` (relative to the config file's folder) >
  ``$VEILLE_DB`` > ``data/veille.db`` (relative to the current folder), as every command
  that reads the config (:meth:`veille.config.Config.db_path`). Lock files live next to
  it (see :mod:`veille.core.lock`).
- One run (``--once``, ``veille run``): crawls what is due
  (:func:`veille.schedule.due.is_due`); ``--all`` every selected source. Due crawls run one
  after the other. ``--quiet`` prints the report only when it tells something (cron mails
  only news and errors). ``--revisit``/``--retry`` pass ``-a revisit=``/``-a retry=`` to
  every crawl of the run (a one-off full check). Exit status (:data:`EPILOG`): 0 ok, 1
  failure (the run could not be done), 2 bad input (config, options; a ``[distributed]``
  config without a Redis URL or scrapy-redis too, a ``--db`` that is not a veille store;
  a damaged store is 1), 3 the run was done but a source failed
  (its crawl failed, another process has been crawling it for longer than its timeout, or
  the report's health check names it: site unreachable, no articles, a layout change, a
  growing pending list). A second overlapping run prints "another run is in progress; exiting" on stderr
  and exits 0.
- Each program shows its own name and options: ``veille run --help`` has no ``--once``
  (it is implied), ``veille watch --help`` no ``--once``/``--all``/``--quiet``.
- The run's lock is released before its notifications are sent, so a slow endpoint never
  makes the next run give up.
- The store is opened (created, migrated) before any lock file is made next to it: a
  ``--db`` naming another application's database is refused and its folder left as it was.
- A damaged store ends the run (and the daemon) with one line on stderr, exit 1, and a
  report and notification that say so (:meth:`veille.schedule.runner.Runner.damaged`).
- Daemon: one APScheduler job per source (``max_instances=1``, ``coalesce=True``, no
  misfire limit: after a pause or suspend a late job runs once), first run from
  :func:`veille.schedule.due.first_run`. At start dead ``running`` rows (their lease
  expired, whatever their host) are marked ``killed`` and unflagged crawls are flagged
  (the work a SIGKILLed run left). The config
  is reloaded on SIGHUP and when its file changes (:mod:`veille.schedule.reload`): new,
  changed and removed sources rescheduled, topics and notifications taken; a digest job
  runs at ``[notify] digest_at`` in digest mode.
- SIGTERM/SIGINT (:class:`veille.schedule.runner.Runner`): exit 0 (or 3 for a run in which
  an earlier crawl failed).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import time
from pathlib import Path

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from storage import Store
from storage.db import is_damage
from veille.config import Config, ConfigError, SourceConfig, load_config, load_config_for
from veille.core import clock
from veille.core.errors import NotAStore
from veille.monitor.flags import sync_topics

from .distributed import distributed_problem
from .due import cron_trigger, first_run, is_due, last_run
from .processes import ROOT
from .reload import ConfigWatcher, DaemonStatus, config_signature
from .runner import PROGRESS_SECONDS, Runner

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_SOURCE_FAILED = 0, 1, 2, 3

__all__ = ["main", "parser", "run_once", "run_daemon", "reload_config", "EXIT_OK", "EXIT_FAILURE",
           "EXIT_USAGE", "EXIT_SOURCE_FAILED", "EPILOG"]

log = logging.getLogger("veille.scheduler")


def run_once(runner: Runner, sources: list[SourceConfig], crawl_all: bool) -> int:
    """``--once``: crawl what is due, flag, report. Return the exit code."""
    once = runner.lock_file("once")
    if not once.acquire():
        print("another run is in progress; exiting", file=sys.stderr)
        return 0
    old = runner.install_signals()
    crawls: list[dict] = []
    try:
        try:
            report, broken = _crawl_and_flag(runner, sources, crawl_all, crawls)
        except Exception as exc:
            if not is_damage(exc):
                raise
            report, broken = runner.damaged(exc, crawls), True
        finally:
            runner.kill_children()
            once.release()  # before the notifications: they never keep the next run out
        runner.tell(report)
        if broken:
            return EXIT_FAILURE
        failed = any(c["status"] == "failed" for c in crawls) or report.get("health")
        return EXIT_SOURCE_FAILED if failed else EXIT_OK
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def _crawl_and_flag(runner: Runner, sources: list[SourceConfig], crawl_all: bool,
                    crawls: list[dict]) -> tuple[dict, bool]:
    """The crawls that are due (their rows appended to ``crawls``), then the flags; the
    report and whether a crawl could not run."""
    with Store(runner.db) as store:
        store.reap_dead_crawls()
        now = clock.now()
        due = [s for s in sources if crawl_all or is_due(s, last_run(store, s.name), now)]
    if not due:
        log.info("nothing is due")
    broken = False
    for source in due:
        if runner.stopping:
            break
        try:
            row = runner.crawl(source)
        except Exception as exc:  # e.g. the store unreadable: the other sources still run
            if is_damage(exc):
                raise
            log.exception("%s: could not run the crawl", source.name)
            broken = True
            continue
        if row is not None:
            crawls.append(row)
    return runner.flag(crawls), broken


def _trigger(s: SourceConfig, first):
    return (IntervalTrigger(seconds=s.every.total_seconds(), start_date=first)
            if s.every is not None else cron_trigger(s))


def _schedule(sched, runner: Runner, job, sources: list[SourceConfig]) -> None:
    """Add a job per source, first run from the store (as at start)."""
    with Store(runner.db) as store:
        lasts = {s.name: last_run(store, s.name) for s in sources}
    now = clock.now()
    for s in sources:
        first = first_run(s, lasts[s.name], now)
        sched.add_job(job, _trigger(s, first), args=[s], id=s.name, name=s.name, next_run_time=first)
        log.info("%s: first crawl at %s", s.name, first.astimezone().isoformat(timespec="seconds"))


def _digest_job(sched, runner: Runner) -> None:
    if sched.get_job("_digest"):
        sched.remove_job("_digest")
    cfg = runner.config
    if cfg.notify_mode == "digest" and cfg.notify_urls:
        at = cfg.digest_at
        sched.add_job(runner.send_digest, CronTrigger(hour=at.hour, minute=at.minute), id="_digest",
                      name="digest")


def reload_config(sched, runner: Runner, job, only: list[str] | None, why: str,
                  status: DaemonStatus) -> bool:
    """Load the config file again and apply it (see :mod:`veille.schedule.reload`)."""
    path = runner.config.path
    signature = config_signature(path)
    try:
        new = load_config(path)
    except ConfigError as exc:
        log.error("config not reloaded (%s): %s; still running the previous one", why, exc)
        status.write(path, status_signature(status), error=str(exc), started_at=status_started(status))
        return False
    old = runner.config
    for what, a, b in (("[store]", old.store_path, new.store_path),
                       ("[distributed]", old.distributed, new.distributed)):
        if a != b:
            log.warning("config reloaded, but %s changed: restart the daemon to apply it", what)
    new.store_path, new.distributed = old.store_path, old.distributed
    wanted = [s for s in new.sources if not only or s.name in only]
    have = {s.name: s for s in old.sources if not only or s.name in only}
    runner.config = new
    runner.notifier.urls = new.notify_urls
    with runner.lock, Store(runner.db) as store:
        sync_topics(store, new.topics)
    added = [s for s in wanted if s.name not in have]
    changed = [s for s in wanted if s.name in have and s != have[s.name]]
    removed = [n for n in have if n not in {s.name for s in wanted}]
    for name in removed + [s.name for s in changed]:
        if sched.get_job(name):
            sched.remove_job(name)
    _schedule(sched, runner, job, added + changed)
    _digest_job(sched, runner)
    status.write(path, signature, started_at=status_started(status))
    log.info("config reloaded (%s): %d topic(s); sources added %s, changed %s, removed %s", why,
             len(new.topics), [s.name for s in added] or "none", [s.name for s in changed] or "none",
             removed or "none")
    return True


def status_signature(status: DaemonStatus) -> str | None:
    return (status.read() or {}).get("signature")


def status_started(status: DaemonStatus) -> str | None:
    return (status.read() or {}).get("started_at")


def run_daemon(runner: Runner, sources: list[SourceConfig], only: list[str] | None = None) -> int:
    """The daemon: crawl each source at its times until SIGTERM/SIGINT (0), or until the
    store is found damaged (1), reloading the config on SIGHUP or when the file changes."""
    old = runner.install_signals()
    watcher = ConfigWatcher(runner.config.path)
    old_hup = watcher.install()
    status = DaemonStatus(runner.db)
    sched = BackgroundScheduler(
        executors={"default": ThreadPoolExecutor(max(4, len(sources) + 1))},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )

    def job(source: SourceConfig) -> None:
        if runner.stopping:
            return
        row = None
        try:
            row = runner.crawl(source)
            if row is not None:
                runner.flag_and_report([row])
        except Exception as exc:  # the daemon survives anything a crawl does
            if is_damage(exc):
                if runner.damage is None:  # said and notified once
                    runner.tell(runner.damaged(exc, [row] if row else []))
                return
            log.exception("%s: the crawl job failed", source.name)

    try:
        try:
            with Store(runner.db) as store:
                store.reap_dead_crawls()
            status.write(runner.config.path, config_signature(runner.config.path))
            try:
                runner.flag_and_report([], always=False)  # what a killed run left unflagged
            except Exception as exc:
                if is_damage(exc):
                    raise
                log.exception("flagging the pending crawls failed")
        except Exception as exc:
            if not is_damage(exc):
                raise
            runner.tell(runner.damaged(exc))
            return 1
        _schedule(sched, runner, job, sources)
        _digest_job(sched, runner)
        sched.start()
        while not runner.stopping:
            time.sleep(0.2)
            why = watcher.due()
            if why and not runner.stopping:
                try:
                    reload_config(sched, runner, job, only, why, status)
                except Exception:
                    log.exception("config reload failed; still running the previous one")
        sched.shutdown(wait=True)  # running jobs see `stopping` and close their crawl
        log.info("stopped")
        return 1 if runner.damage else 0
    finally:
        if sched.running:
            sched.shutdown(wait=False)
        runner.kill_children()
        status.remove()
        signal.signal(signal.SIGHUP, old_hup)
        for s, h in old.items():
            signal.signal(s, h)


# -------------------------------------------------------------------------- CLI

def db_path(arg: str | None, config: Config) -> Path:
    return config.db_path(arg).resolve()


PROGS = {"scheduler": "scheduler.py", "run": "veille run", "watch": "veille watch"}
DESCRIPTIONS = {
    "scheduler": "Re-crawl each source on its schedule and flag new or updated articles on the "
                 "tracked topics. Without --once: a daemon.",
    "run": "Crawl the sources that are due (all of them with --all), flag what is new or "
           "updated on the topics, print the report and notify: one run, for cron.",
    "watch": "The daemon: crawl each source on its schedule, flag, report and notify, until "
             "SIGTERM or SIGINT. SIGHUP (or editing the config file) reloads the config.",
}
EPILOG = ("exit status: 0 ok; 1 failure (the run could not be done: store unwritable, a crash); "
          "2 bad input (config, options); 3 the run was done but a source failed (its crawl failed, "
          "or the health check names it: no articles, a layout change)")


def parser(mode: str = "scheduler") -> argparse.ArgumentParser:
    """The options of ``python scheduler.py`` (``mode`` "scheduler"), ``veille run``
    (``--once`` implied, not shown) or ``veille watch`` (the daemon: no ``--once``,
    ``--all``, ``--quiet``)."""
    p = argparse.ArgumentParser(prog=PROGS[mode], description=DESCRIPTIONS[mode],
                                epilog=EPILOG if mode != "watch" else None)
    p.add_argument("--config", metavar="PATH", help="the config file (default: veille.toml)")
    p.add_argument("--db", metavar="PATH",
                   help="the SQLite store (default: [store] path, $VEILLE_DB, data/veille.db)")
    if mode == "scheduler":
        p.add_argument("--once", action="store_true", help="crawl what is due, report, exit (for cron)")
    if mode != "watch":
        p.add_argument("--all", action="store_true",
                       help="crawl every source, due or not" + (" (with --once)" if mode == "scheduler" else ""))
        p.add_argument("--quiet", "-q", action="store_true",
                       help="print the report only when it tells something (flags, failures, an unwell "
                            "source): cron mails only news and errors")
    p.add_argument("--json", action="store_true", help="print reports as JSON")
    p.add_argument("--source", action="append", metavar="NAME", help="only this source (repeatable)")
    p.add_argument("--revisit", choices=("due", "all", "none"),
                   help="which known articles the crawls check again (spider argument revisit; "
                        "default: each source's, due): all for a one-off full check")
    p.add_argument("--retry", choices=("due", "all", "none"),
                   help="which failed articles the crawls try again (spider argument retry): all "
                        "for a one-off full check")
    p.add_argument("--progress", type=float, default=PROGRESS_SECONDS, metavar="SECONDS",
                   help=f"log a running crawl's progress this often (default {PROGRESS_SECONDS:g})")
    p.add_argument("--log-level", choices=("DEBUG", "INFO", "WARNING", "ERROR"),
                   help="default: WARNING for a run, INFO for the daemon")
    return p


def main(argv: list[str] | None = None, mode: str = "scheduler") -> int:
    """Entry point of ``python scheduler.py`` (``mode`` "scheduler"), ``veille run``
    ("run") and ``veille watch`` ("watch"). Exit statuses: :data:`EPILOG`."""
    prog = PROGS[mode]
    p = parser(mode)
    try:
        args = p.parse_args(argv)
    except SystemExit as e:
        return EXIT_OK if e.code == 0 else EXIT_USAGE
    once = mode == "run" or getattr(args, "once", False)
    level = args.log_level or ("WARNING" if once else "INFO")
    logging.basicConfig(level=level, stream=sys.stderr,
                        format="%(asctime)s scheduler %(levelname)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.DEBUG if level == "DEBUG" else logging.WARNING)
    if getattr(args, "all", False) and not once:
        print(f"{prog}: --all goes with --once", file=sys.stderr)
        return EXIT_USAGE
    if args.progress <= 0:
        print(f"{prog}: --progress must be a number of seconds above 0", file=sys.stderr)
        return EXIT_USAGE
    config = load_config_for(prog, args.config)
    if config is None:
        return EXIT_USAGE
    sources = config.sources
    if args.source:
        unknown = [n for n in args.source if config.source(n) is None]
        if unknown:
            known = ", ".join(s.name for s in config.sources) or "none"
            print(f"{prog}: no source named {', '.join(unknown)} (known: {known})", file=sys.stderr)
            return EXIT_USAGE
        sources = [s for s in config.sources if s.name in args.source]
    if not sources:
        print(f"{prog}: {config.path or args.config or 'veille.toml'}: no [[sources]] to crawl",
              file=sys.stderr)
        return EXIT_USAGE
    if not (ROOT / "scrapy.cfg").is_file():
        print(f"{prog}: no scrapy.cfg in {ROOT}", file=sys.stderr)
        return EXIT_USAGE
    if config.distributed is not None:
        problem = distributed_problem(config)
        if problem:
            print(f"{prog}: {problem}", file=sys.stderr)
            return EXIT_USAGE
    overrides = {k: v for k, v in (("revisit", args.revisit), ("retry", args.retry)) if v}
    runner = Runner(config, db_path(args.db, config), as_json=args.json, json_lines=not once,
                    quiet=getattr(args, "quiet", False), overrides=overrides, progress=args.progress,
                    prog=prog)
    try:  # before any lock file is made next to it
        Store(runner.db).close()
    except NotAStore as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:
        if not is_damage(exc):
            raise
        runner.tell(runner.damaged(exc))
        return EXIT_FAILURE
    if once:
        return run_once(runner, sources, args.all)
    return run_daemon(runner, sources, args.source)
