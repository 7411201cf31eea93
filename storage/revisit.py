"""When to look at a known article again: the revisit policy kept per article.

Each article carries ``check_interval`` (seconds) and ``next_check_at`` (ISO UTC). A
crawl re-checks, with a conditional request, the known articles whose ``next_check_at``
has come (``-a revisit=all`` checks them all):

- an article published in the last ``recent_days`` days is due on every crawl;
- after a fetch that found a new article or a changed text, the interval resets to
  ``min_interval``;
- after each unchanged check (a 304, or the same text) it is multiplied by ``factor``,
  up to ``max_interval``.

So a story that is being corrected is watched closely, and an old one costs a request
a week at most. The policy is a plain value object: the store applies it when it saves
what a crawl fetched.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from veille.core.clock import iso
from veille.core.errors import InvalidInput

__all__ = ["RevisitPolicy"]


@dataclass(frozen=True)
class RevisitPolicy:
    min_interval: int = 3600  # seconds, after a new article or a change
    max_interval: int = 7 * 86400  # the interval stops growing here
    factor: float = 2.0  # growth after each unchanged check
    recent_days: float = 3.0  # articles published this recently are checked on every crawl

    def __post_init__(self):
        if self.min_interval <= 0 or self.max_interval < self.min_interval or self.factor < 1:
            raise InvalidInput(f"revisit policy makes no sense: {self}")

    def is_recent(self, published: str | None, now: dt.datetime) -> bool:
        if not published:
            return False
        try:
            day = dt.date.fromisoformat(published[:10])
        except ValueError:
            return False
        return (now.date() - day).days <= self.recent_days

    def schedule(self, changed: bool, published: str | None, interval: int | None,
                 now: dt.datetime) -> tuple[int, str]:
        """(the new check_interval, next_check_at) after a fetch of an article.

        ``changed``: the fetch found a new article or a new text; ``interval``: the
        article's current check_interval (None for a new article).
        """
        if changed or not interval:
            interval = self.min_interval
        else:
            interval = int(min(max(interval, self.min_interval) * self.factor, self.max_interval))
        if self.is_recent(published, now):
            return interval, iso(now)
        return interval, iso(now + dt.timedelta(seconds=interval))
