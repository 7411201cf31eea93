"""The scheduler: re-crawls each source on its schedule, flags what changed, reports it.

    python scheduler.py [--config veille.toml] [--db PATH]          # daemon (APScheduler)
    python scheduler.py --once [--all] [--json] [--source NAME]...   # for cron

The entry point only: the logic is in :mod:`veille.schedule` (due times, the supervised
crawl processes, distributed runs, the report, the command line).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:  # run as `python /path/to/scheduler.py` from anywhere
    sys.path.insert(0, str(ROOT))

from veille.schedule.cli import main  # noqa: E402
from veille.schedule.due import first_run, is_due  # noqa: E402, F401 (tests use them from here)

if __name__ == "__main__":
    from veille.cli.errors import guarded  # every error a one-line message

    sys.exit(guarded(main, sys.argv[1:], "scheduler.py"))
