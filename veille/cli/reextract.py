"""``veille reextract [--source S] [--since DATE] [--dry-run]``: today's parsers on the
archived pages.

The work is :func:`scrapers.reextract.reextract` (the texts that change become versions
whose cause is ``extractor``, one transaction per batch, never flagged); this module reads
``--since`` and prints what was done::

    12 archived pages read again by today's parsers (p3f9a1c02d4e7/traf2.3.1); 40 texts already theirs
    9 texts change, 3 stay the same, 0 pages unreadable
    9 extractor versions recorded (never flagged)

The options, the store and the errors of bad input (one line, exit 2) are
:func:`veille.cli.main.cmd_reextract`'s.
"""

from __future__ import annotations

import datetime as dt

from scrapers.parsers.version import parsers_version
from scrapers.reextract import reextract

__all__ = ["parse_since_day", "run"]


def parse_since_day(value: str | None) -> tuple[dt.date | None, str | None]:
    """``(day, None)`` for ``--since YYYY-MM-DD`` (None when not given), or ``(None, error)``."""
    if not value:
        return None, None
    try:
        return dt.date.fromisoformat(value), None
    except ValueError:
        return None, f"--since {value!r}: give a date, YYYY-MM-DD"


def run(store, source: str | None, since: dt.date | None, dry_run: bool, config) -> int:
    """Re-extract and print the counts; exit status 0."""
    counts = reextract(store, source=source, since=since, dry_run=dry_run, config=config)
    print(f"{counts.checked} archived pages read again by today's parsers ({parsers_version()});"
          f" {counts.current} texts already theirs")
    print(f"{counts.changed} texts change, {counts.same} stay the same, {counts.unreadable} pages unreadable")
    for error in counts.errors[:5]:
        print(f"  unreadable: {error}")
    if dry_run:
        print(f"dry run: nothing recorded ({counts.changed} extractor versions would be)")
    else:
        print(f"{counts.recorded} extractor versions recorded (never flagged)")
    return 0
