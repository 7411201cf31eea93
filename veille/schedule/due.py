"""When a source is due: its last run, ``--once``'s test, the daemon's first run, cron triggers.

Decisions:

- "When a source last ran" is the ``started_at`` of its last ``finished`` or ``failed``
  crawl: a ``killed`` or ``interrupted`` crawl did not complete, so the next run redoes
  it; a failed one is retried at its next due time, not at once.
- ``--once``: an ``every`` source is due if it never ran or ran at least ``every`` ago,
  minus a tolerance of min(10 % of ``every``, 2 min) (cron's start and the crawls before it
  shift ``started_at`` by a little; without it a run would skip a whole period). A
  ``cron`` source is due if it never ran or one of its fire times (local time, as
  crontab) fell between its last run and now.
- The daemon's first run comes from the store: an ``every`` source at last run + ``every``
  (now if past), a ``cron`` source now if a fire time was missed since its last run, else
  at its next fire time.
"""

from __future__ import annotations

import datetime as dt

from storage import Store, crawls
from veille.config import SourceConfig
from veille.core import clock

__all__ = ["DONE", "tolerance", "cron_trigger", "last_run", "is_due", "first_run"]

DONE = ("finished", "failed")  # the statuses that count as "the source ran"


def tolerance(every: dt.timedelta) -> dt.timedelta:
    return min(every * 0.1, dt.timedelta(minutes=2))


def cron_trigger(source: SourceConfig):
    from apscheduler.triggers.cron import CronTrigger

    return CronTrigger.from_crontab(source.cron)


def last_run(store: Store, source: str) -> dt.datetime | None:
    """``started_at`` of the source's last finished or failed crawl, or None."""
    return clock.parse_iso(crawls.last_started(store.conn, source, DONE))


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

