"""The crawl processes: their command line, waiting for them with the stop escalation, their
output.

A crawl is ``python -m scrapy crawl <spider> -a k=v... -a source=<name> -s K=V...`` run in
a subprocess (a Twisted reactor cannot be restarted), in its own process group, from the
project folder (:data:`ROOT`, where ``scrapy.cfg`` is).

Decisions:

- Faults: a crawl past its ``timeout`` (default :data:`DEFAULT_TIMEOUT`) gets SIGINT
  (Scrapy closes cleanly), a second SIGINT (forced stop) :data:`STOP_GRACE` seconds later,
  SIGKILL :data:`KILL_GRACE` seconds after that; when the scheduler is stopping, the same
  escalation starts at once. Signals go to the crawl's process group.
- Each crawl's own output (Scrapy's log) goes to a file of its own,
  ``logs/<source>/<start time>.log`` next to the store (a distributed crawl: one per
  worker, ``-w<N>``); the last :data:`KEEP_LOGS` of each source are kept.
- A configured news source (spider ``news``, news keys, or a built-in source's spider,
  :func:`scrapers.sources.builtin_names`) also gets the config file it was read from
  (``-a config=``), where its start points and selectors are.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from scrapers.sources import builtin_names
from veille.config import SourceConfig

__all__ = ["ROOT", "DEFAULT_TIMEOUT", "STOP_GRACE", "KILL_GRACE", "KEEP_LOGS", "setting_value", "crawl_command",
           "last_lines", "log_dir", "open_log", "signal_group", "wait_all"]

log = logging.getLogger("veille.scheduler")

ROOT = Path(__file__).resolve().parents[2]  # the project folder: scrapy.cfg, scrapers/
DEFAULT_TIMEOUT = dt.timedelta(hours=1)
STOP_GRACE = 10.0  # seconds between the first SIGINT and the second (forced stop)
KILL_GRACE = 5.0  # seconds between the forced stop and SIGKILL
TAIL_LINES = 20


def setting_value(v) -> str:
    """A TOML value as ``scrapy crawl -s K=V`` takes it."""
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, (list, dict)):
        return json.dumps(v)
    return str(v)


def crawl_command(source: SourceConfig, config_path: Path | None = None,
                  overrides: dict | None = None) -> list[str]:
    """The `scrapy crawl` of a source; a configured news source also gets the config file
    it was read from (``-a config=``), where its start points and selectors are.
    ``overrides``: spider arguments that replace the source's own for this run
    (``veille run --revisit all`` gives ``{"revisit": "all"}``)."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", source.spider]
    args = {**source.args, **(overrides or {})}
    for k, v in args.items():
        if k not in ("source", "config"):
            cmd += ["-a", f"{k}={v}"]
    cmd += ["-a", f"source={source.name}"]
    if (source.is_news or source.spider in builtin_names()) and config_path is not None:
        cmd += ["-a", f"config={Path(config_path).resolve()}"]
    for k, v in source.settings.items():
        cmd += ["-s", f"{k}={setting_value(v)}"]
    return cmd


KEEP_LOGS = 30  # crawl log files kept per source (the oldest are deleted)


def log_dir(db: Path, source: str) -> Path:
    """Where the crawl logs of ``source`` go: ``logs/<source>/`` next to the store."""
    return Path(db).parent / "logs" / source


def open_log(db: Path, source: str, started: str, worker: int | None = None, keep: int = KEEP_LOGS):
    """A new log file for a crawl of ``source`` (``logs/<source>/<start time>[-w<N>].log``
    next to the store), opened for binary writing; the oldest logs beyond ``keep`` of the
    source are deleted first (rotation)."""
    folder = log_dir(db, source)
    folder.mkdir(parents=True, exist_ok=True)
    logs = sorted(folder.glob("*.log"))
    for old in logs[: max(0, len(logs) - keep + 1)]:
        try:
            old.unlink()
        except OSError:
            pass
    name = started.replace(":", "").replace("-", "").replace(".", "") + (f"-w{worker}" if worker else "")
    return open(folder / f"{name}.log", "w+b")


def last_lines(f, lines: int = TAIL_LINES) -> list[str]:
    """The last non-empty lines of a crawl's output file (its last 64 KB)."""
    f.seek(0, os.SEEK_END)
    f.seek(max(0, f.tell() - 64 * 1024))
    text = f.read().decode("utf-8", "replace")
    return [ln for ln in text.splitlines() if ln.strip()][-lines:]


def signal_group(proc: subprocess.Popen, sig: int) -> None:
    """Signal the crawl's process group (gone already: nothing to do)."""
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def wait_all(procs: list[subprocess.Popen], timeout: float, stopping: Callable[[], bool],
             label: str = "crawl", tick: Callable[[], None] | None = None,
             every: float = 60.0) -> str:
    """Wait for every process (one crawl, or the workers of a distributed one); past
    ``timeout`` or once ``stopping()``, each one still running gets the escalation of the
    module's docstring. ``tick()`` is called every ``every`` seconds meanwhile (progress
    logging). Log lines name the crawl by ``label`` (its source) and each process by its
    pid. Return 'exit', 'timeout' or 'stopped'."""
    why, deadline, step = "exit", time.monotonic() + timeout, 0
    next_at = deadline
    next_tick = time.monotonic() + every
    while True:
        live = [p for p in procs if p.poll() is None]
        if not live:
            return why
        if tick is not None and time.monotonic() >= next_tick:
            next_tick = time.monotonic() + every
            try:
                tick()
            except Exception:  # progress is a nicety: never a reason to lose the crawl
                log.debug("progress of %s failed", label, exc_info=True)
        try:
            live[0].wait(0.2)
            continue
        except subprocess.TimeoutExpired:
            pass
        live = [p for p in live if p.poll() is None]
        now = time.monotonic()
        if step == 0 and (stopping() or now >= deadline):
            why = "stopped" if stopping() and now < deadline else "timeout"
            for p in live:
                log.warning("%s: crawl process (pid %s): %s; SIGINT", label, p.pid, why)
                signal_group(p, signal.SIGINT)
            step, next_at = 1, now + STOP_GRACE
        elif step == 1 and now >= next_at:
            for p in live:
                log.warning("%s: crawl process (pid %s) still running %ss after SIGINT; forcing",
                            label, p.pid, STOP_GRACE)
                signal_group(p, signal.SIGINT)
            step, next_at = 2, now + KILL_GRACE
        elif step == 2 and now >= next_at:
            for p in live:
                log.error("%s: crawl process (pid %s): SIGKILL", label, p.pid)
                signal_group(p, signal.SIGKILL)
            step = 3
