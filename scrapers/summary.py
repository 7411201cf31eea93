"""A one-line veille summary at the very end of a crawl's log.

    [veille] INFO: crawl 12 of abamako finished in 1m04s: 60 fetched, 58 new, 2 updated,
    0 unchanged, 0 failed, 0 skipped; stored in data/veille.db (flagged at the next `veille run`)

Scrapy ends a crawl with its stats dump; what a person running ``scrapy crawl`` by hand
wants to know is what landed in the store. :class:`CrawlSummary` (a Scrapy extension,
``EXTENSIONS`` in ``scrapers/settings.py``) reads the crawl's row once the engine has
stopped (after the stats dump, so it is the last line) and logs it (INFO, the default
level of a crawl).

Decisions:

- The row is read from the store (its counts are the stored truth, not the Scrapy stats);
  the crawl id and the store's path come from the stats the pipeline set
  (``veille/crawl_id``, ``veille/db``). A crawl that never opened its row (an argument
  refused, the store unwritable) prints nothing here: its error already said why.
- A distributed worker stores nothing itself: no summary (``veille ingest`` has its own).
"""

from __future__ import annotations

import logging
import time

from scrapy import signals

from storage import Store

__all__ = ["CrawlSummary", "summary_line"]

logger = logging.getLogger("veille")

COUNTS = ("fetched", "new", "updated", "unchanged", "failed", "skipped")


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def summary_line(row: dict, db: str, seconds: float | None = None) -> str:
    """The summary of a crawl's row (a dict of the ``crawls`` table)."""
    took = f" in {_duration(seconds)}" if seconds is not None else ""
    counts = ", ".join(f"{row.get(k) or 0} {k}" for k in COUNTS)
    return (f"crawl {row['id']} of {row['source']} {row['status']}{took}: {counts};"
            f" stored in {db} (flagged at the next `veille run`)")


class CrawlSummary:
    def __init__(self, crawler):
        self.crawler = crawler
        self.started = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    def engine_stopped(self):
        stats = self.crawler.stats
        crawl_id, db = stats.get_value("veille/crawl_id"), stats.get_value("veille/db")
        if crawl_id is None or not db:
            return
        try:
            with Store.open_readonly(db) as store:
                row = store.crawl(crawl_id)
        except Exception as exc:  # a summary never fails a crawl
            logger.warning("crawl %s: could not read its row (%s)", crawl_id, exc)
            return
        if row is not None:
            logger.info(summary_line(row, db, time.monotonic() - self.started))
