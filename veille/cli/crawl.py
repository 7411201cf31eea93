"""``veille crawl SOURCE [-a NAME=VALUE]... [-s NAME=VALUE]...``: one crawl, from any folder.

``scrapy crawl`` only works from the project folder (where ``scrapy.cfg`` is) and knows
nothing of ``veille.toml``. ``veille crawl`` runs the same crawl from wherever the user
is: the source's spider and arguments from the config (a source the config does not have
but a spider of the project does, e.g. ``acotonou``, runs with its defaults), the store the
config names (``--db``, ``[store] path``, ``$VEILLE_DB``, ``data/veille.db``: resolved
from the current folder), the extra ``-a``/``-s`` given on the command line on top. The
crawl's log streams to the terminal and ends with veille's one-line summary
(:mod:`scrapers.summary`); its exit status is the crawl's.

Decisions:

- The command is :func:`veille.schedule.processes.crawl_command` (the scheduler's), run
  from the project folder with ``VEILLE_DB`` set to the resolved store.
- Ctrl-C goes to the crawl (same process group), which closes cleanly; ``veille crawl``
  waits for it.
- An unknown source is an error naming the config's sources and the spiders (exit 2); a
  bad ``-a`` value is the spider's one-line message (``scrapers/commands/crawl.py``).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys

from veille.config import SourceConfig, load_config_for

__all__ = ["main", "parser"]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="veille crawl",
        description="Crawl one source now, from any folder: its spider and arguments from the "
                    "config, the store the config names; the log ends with a one-line summary. "
                    "What it stores is flagged at the next `veille run` (or by the daemon).")
    p.add_argument("source", nargs="?",
                   help="a source of the config, or a spider of the project (veille crawl --list)")
    p.add_argument("-a", dest="spider_args", action="append", default=[], metavar="NAME=VALUE",
                   help="a spider argument (repeatable): ids=290000-290500, revisit=all, base_url=...")
    p.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                   help="a Scrapy setting (repeatable): LOG_LEVEL=WARNING, DOWNLOAD_DELAY=0...")
    p.add_argument("--list", action="store_true", help="list the sources and spiders, and exit")
    p.add_argument("--config", metavar="PATH", help="the config file (default: veille.toml here)")
    p.add_argument("--db", metavar="PATH",
                   help="the store (default: the config's [store] path, $VEILLE_DB, data/veille.db)")
    return p


def _pairs(prog: str, values: list[str], what: str) -> dict | None:
    out = {}
    for v in values:
        name, eq, value = v.partition("=")
        if not eq or not name.strip():
            print(f"{prog}: {what} {v!r}: give NAME=VALUE", file=sys.stderr)
            return None
        out[name.strip()] = value
    return out


def main(argv: list[str] | None = None) -> int:
    from scrapers.spiders import spider_names
    from veille.schedule.processes import ROOT, crawl_command

    prog = "veille crawl"
    args = parser().parse_args(argv)
    config = load_config_for(prog, args.config)
    if config is None:
        return 2
    spiders = spider_names()
    if args.list or not args.source:
        if not args.list:
            print(f"{prog}: name a source to crawl", file=sys.stderr)
        print("sources: " + (", ".join(s.name for s in config.sources) or "none in the config"))
        print("spiders: " + ", ".join(spiders))
        return 0 if args.list else 2
    spider_args = _pairs(prog, args.spider_args, "-a")
    settings = _pairs(prog, args.settings, "-s")
    if spider_args is None or settings is None:
        return 2
    source = config.source(args.source)
    if source is None:
        if args.source not in spiders:
            known = ", ".join(s.name for s in config.sources) or "none"
            print(f"{prog}: no source named {args.source!r} (sources: {known}; spiders: "
                  f"{', '.join(spiders)})", file=sys.stderr)
            return 2
        source = SourceConfig(args.source, args.source, None, None, {}, {}, None)
    cmd = crawl_command(source, config.path, spider_args)
    for k, v in settings.items():
        cmd += ["-s", f"{k}={v}"]
    env = {**os.environ, "VEILLE_DB": str(config.db_path(args.db).resolve())}
    # the crawl gets Ctrl-C too (same process group) and closes itself; a handler, not
    # SIG_IGN, which the crawl would inherit
    old = signal.signal(signal.SIGINT, lambda signum, frame: None)
    try:
        return subprocess.call(cmd, cwd=ROOT, env=env)
    finally:
        signal.signal(signal.SIGINT, old)
