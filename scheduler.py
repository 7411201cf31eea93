"""The scheduler: re-crawls each source on its schedule and flags what changed.

The change-tracking issue fills this in (APScheduler daemon, ``--once`` for cron,
flags and reports). Until then it refuses to run rather than pretend.
"""

import sys


def main(argv=None) -> int:
    print("scheduler.py: not built yet; run `scrapy crawl abamako` by hand", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
