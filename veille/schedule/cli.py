"""The scheduler's command line and its two modes: ``--once`` (for cron) and the daemon.

Usage (``python scheduler.py`` at the project root, ``veille run`` / ``veille watch``)::

    python scheduler.py [--config veille.toml] [--db PATH]          # daemon (APScheduler)
    python scheduler.py --once [--all] [--json] [--source NAME]...   # for cron

After the crawls: ``sync_topics``, ``flag_pending``, ``build_report``, the report on stdout
(``--json``: machine-readable; one line per report in the daemon), and ``notify`` to the
``[notify] urls`` (which sends only when something was flagged or a crawl failed).

Decisions:

- Database: ``--db`` > ``[store] path`` (relative to the config file's folder) >
  ``$VEILLE_DB`` > ``data/veille.db`` (relative to the current folder), as every command
  that reads the config (:meth:`veille.config.Config.db_path`). Lock files live next to
  it (see :mod:`veille.core.lock`).
- ``--once``: crawls what is due (:func:`veille.schedule.due.is_due`); ``--all`` every
  selected source. Due crawls run one after the other. Exit 0, 1 if a crawl of this run
  failed (or a source was skipped because another process has been crawling it for longer
  than its timeout), 2 on a bad config or usage (a ``[distributed]`` config without a Redis URL or
  scrapy-redis too). A second overlapping ``--once`` prints "another run is in progress;
  exiting" on stderr and exits 0.
- Daemon: one APScheduler job per source (``max_instances=1``, ``coalesce=True``, no
  misfire limit: after a pause or suspend a late job runs once), first run from
  :func:`veille.schedule.due.first_run`. At start dead ``running`` rows (their lease
  expired, whatever their host) are marked ``killed`` and unflagged crawls are flagged
  (the work a SIGKILLed run left). The config
  is read once.
- SIGTERM/SIGINT (:class:`veille.schedule.runner.Runner`): exit 0 (or 1 in ``--once`` if
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
from apscheduler.triggers.interval import IntervalTrigger

from storage import Store
from veille.config import Config, SourceConfig, load_config_for
from veille.core import clock

from .distributed import distributed_problem
from .due import cron_trigger, first_run, is_due, last_run
from .processes import ROOT
from .runner import Runner

__all__ = ["main", "parser", "run_once", "run_daemon"]

log = logging.getLogger("veille.scheduler")


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
    config = load_config_for("scheduler.py", args.config)
    if config is None:
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


