"""Item pipelines: store what the spiders found.

:class:`StorePipeline` writes articles and skipped pages to the store (``storage``) in
batched transactions: every ``VEILLE_BATCH_SIZE`` items or every
``VEILLE_FLUSH_SECONDS`` seconds, and when the spider closes. A crawl killed between two
flushes loses only the unflushed batch, which the next crawl fetches again; what is
stored is always consistent. Outcomes (new, updated, unchanged, duplicate) are counted
in the crawl's row and in the Scrapy stats under ``veille/``.

304 answers (``NotModifiedItem``) move ``last_seen`` and the article's next check. The
validators of feeds and listing pages (``PageItem``) are written only when the crawl
finishes: a crawl killed after reading a listing but before fetching its articles must
not make the next crawl take that listing for "not modified".

The revisit policy comes from the settings ``VEILLE_REVISIT_MIN`` and
``VEILLE_REVISIT_MAX`` (seconds) and ``VEILLE_REVISIT_RECENT_DAYS``.
"""

from __future__ import annotations

import logging
import time

from scrapy import signals

from scrapers.items import ArticleItem, NotModifiedItem, PageItem, SkipItem
from scrapers.status import crawl_status
from storage import Store
from storage.revisit import RevisitPolicy

logger = logging.getLogger(__name__)

ARTICLE_FIELDS = tuple(ArticleItem.fields)
SKIP_FIELDS = tuple(SkipItem.fields)


class StorePipeline:
    def __init__(self, crawler, db_path=None, batch_size=250, flush_seconds=2.0):
        self.crawler = crawler
        self.stats = crawler.stats
        self.db_path = db_path
        self.batch_size = batch_size
        self.flush_seconds = flush_seconds
        self.store: Store | None = None
        self.crawl_id: int | None = None
        self.articles: list[dict] = []
        self.skips: list[dict] = []
        self.not_modified: list[dict] = []
        self.pages: list[dict] = []
        self.revisit = RevisitPolicy()
        self.last_flush = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler):
        s = crawler.settings
        o = cls(
            crawler,
            db_path=s.get("VEILLE_DB") or None,
            batch_size=s.getint("VEILLE_BATCH_SIZE", 250),
            flush_seconds=s.getfloat("VEILLE_FLUSH_SECONDS", 2.0),
        )
        o.revisit = RevisitPolicy(**revisit_settings(s))
        crawler.signals.connect(o.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(o.spider_closed, signal=signals.spider_closed)
        return o

    # Scrapy >= 2.13 passes no spider to pipeline methods; accept both.
    def open_spider(self, spider=None):
        spider = spider or self.crawler.spider
        self.store = Store(self.db_path, revisit=self.revisit)
        self.crawl_id = self.store.start_crawl(
            getattr(spider, "source", spider.name), spider=spider.name, args=spider_args(spider)
        )
        logger.info("veille: crawl %s into %s", self.crawl_id, self.store.path)
        self.stats.set_value("veille/crawl_id", self.crawl_id)
        self.stats.set_value("veille/db", str(self.store.path))

    def process_item(self, item, spider=None):
        if isinstance(item, ArticleItem):
            self.articles.append({k: item.get(k) for k in ARTICLE_FIELDS})
        elif isinstance(item, NotModifiedItem):
            self.not_modified.append(dict(item))
        elif isinstance(item, SkipItem):
            self.skips.append({k: item.get(k) for k in SKIP_FIELDS})
        elif isinstance(item, PageItem):
            self.pages.append(dict(item))
            return item
        else:
            return item
        if (
            len(self.articles) + len(self.skips) + len(self.not_modified) >= self.batch_size
            or time.monotonic() - self.last_flush >= self.flush_seconds
        ):
            self.flush()
        return item

    def spider_idle(self, spider=None):
        self.flush()

    def flush(self):
        if self.store is None:
            return
        if self.articles:
            batch, self.articles = self.articles, []
            outcomes = self.store.save_batch(self.crawl_id, batch, skip_invalid=True)
            for outcome in outcomes:
                self.stats.inc_value(f"veille/{outcome}")
        if self.not_modified:
            batch, self.not_modified = self.not_modified, []
            for outcome in self.store.touch_batch(self.crawl_id, batch):
                self.stats.inc_value(f"veille/not_modified/{outcome}")
        if self.skips:
            batch, self.skips = self.skips, []
            self.store.save_skips(self.crawl_id, batch)
        self.last_flush = time.monotonic()

    def close_spider(self, spider=None):
        self.flush()

    def spider_closed(self, spider=None, reason="finished"):
        """After every pipeline closed: the crawl's row gets its end and status."""
        if self.store is None:
            return
        try:
            self.flush()
            if reason == "finished" and self.pages:
                self.store.save_pages(getattr(spider, "source", None) or self.crawler.spider.name, self.pages)
            self.store.record_discovery(self.crawl_id, links_found(self.stats.get_stats()),
                                        sum(1 for p in self.pages if p.get("status") == 304))
        finally:
            self.store.finish_crawl(self.crawl_id, status=crawl_status(reason), reason=reason)
            self.store.close()
            self.store = None


LINK_STATS = ("veille/feed_links", "veille/listing_links", "veille/sitemap_links", "veille/ids_links")


def links_found(stats: dict) -> int:
    """The article links a crawl's discovery gave (feeds, listings, sitemaps, id walks),
    known ones included, from its Scrapy stats."""
    return sum(int(stats.get(k) or 0) for k in LINK_STATS)


def revisit_settings(settings) -> dict:
    """The revisit policy's arguments (:class:`storage.revisit.RevisitPolicy`) from the
    crawl's settings; a distributed worker sends them to the ingest."""
    return {"min_interval": settings.getint("VEILLE_REVISIT_MIN", 3600),
            "max_interval": settings.getint("VEILLE_REVISIT_MAX", 7 * 86400),
            "recent_days": settings.getfloat("VEILLE_REVISIT_RECENT_DAYS", 3.0)}


def spider_args(spider) -> dict:
    """The arguments a spider was started with, for the crawl's row."""
    keys = ("base_url", "ids", "discover", "max_pages", "site", "revisit")
    out = {}
    for key in keys:
        value = getattr(spider, key, None)
        if key == "ids":
            value = getattr(spider, "id_ranges", None) or None
        if key == "base_url" and not getattr(spider, "overridden", True):
            continue
        if value not in (None, "", [], set()):
            out[key] = sorted(value) if isinstance(value, set) else value
    return out
