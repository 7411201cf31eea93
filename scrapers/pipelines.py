"""Item pipelines: store what the spiders found.

:class:`StorePipeline` writes articles and skipped pages to the store (``storage``) in
batched transactions: every ``VEILLE_BATCH_SIZE`` items or every
``VEILLE_FLUSH_SECONDS`` seconds, and when the spider closes. A crawl killed between two
flushes loses only the unflushed batch, which the next crawl fetches again (the articles
a feed or listing showed are ``pending`` before they are fetched: ``DiscoveredItem``,
written first in each flush); what is stored is always consistent. Outcomes (new,
updated, unchanged, duplicate) are counted in the crawl's row and in the Scrapy stats
under ``veille/``; ids of a walk that answered 404 (``GapItem``) in ``crawls.gaps``.

304 answers (``NotModifiedItem``) move ``last_seen`` and the article's next check. The
validators of feeds and listing pages (``PageItem``) are written only when the crawl
finishes: a crawl killed after reading a listing but before fetching its articles must
not make the next crawl take that listing for "not modified".

Decisions:

- **A write the store refuses is never a silent loss.** SQLite refuses a write when
  another connection holds the lock past ``VEILLE_DB_TIMEOUT`` seconds, or when the disk
  is full. The batch is kept (items keep coming meanwhile) and tried again
  ``VEILLE_WRITE_RETRIES`` times, ``VEILLE_WRITE_BACKOFF`` seconds later then doubling,
  without blocking the crawl (the spider is kept open while a write waits). If it still
  cannot be written, the crawl stops: its row ends ``failed`` with the reason ("write
  failed: database is locked"), what it could not write is made pending (due at once;
  :meth:`storage.Store.fail_crawl`), and no page validator is saved, so the next crawl
  reads the feeds and listings again. That last write is tried for up to the crawl's
  lease, and a full disk gets the room the crawl kept aside for it at its start
  (:class:`storage.reserve.DiskReserve`, ``VEILLE_DISK_RESERVE`` bytes, default 4 MB); if
  the store still refuses it, the row stays ``running`` until its lease expires and the
  next run marks it ``killed`` (the pending rows written ahead and the unsaved validators
  still bring everything back).
- **The archive** (``VEILLE_ARCHIVE``: on by default, ``off``, or a retention in days):
  before a batch of articles is saved, the pages whose text is new for their article are
  appended to ``archive/<source>/<day>.warc.gz`` next to the store, and a text that
  differs only because the parsers changed is not an update
  (:func:`scrapers.reextract.before_save`; :mod:`storage.archive`).
- **Liveness.** The crawl's row has a lease (``VEILLE_LEASE_SECONDS``, default 300)
  renewed every fifth of it (a Twisted ``LoopingCall``; not while writes are refused):
  a crawl that died, on whatever host, is known dead once its lease expires
  (:mod:`storage.crawls`).

The revisit policy comes from the settings ``VEILLE_REVISIT_MIN`` and
``VEILLE_REVISIT_MAX`` (seconds) and ``VEILLE_REVISIT_RECENT_DAYS``; the retry policy of
pending articles from ``VEILLE_PENDING_BACKOFF``, ``VEILLE_PENDING_MAX_BACKOFF`` (seconds)
and ``VEILLE_PENDING_ATTEMPTS``.
"""

from __future__ import annotations

import logging
import sqlite3
import time

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task

from scrapers.items import ArticleItem, DiscoveredItem, GapItem, NotModifiedItem, PageItem, SkipItem
from scrapers.reextract import before_save
from scrapers.status import crawl_status
from storage import Store
from storage.archive import Archive, ArchivePolicy
from storage.pending import RetryPolicy
from storage.reserve import DEFAULT_RESERVE, DiskReserve
from storage.revisit import RevisitPolicy

logger = logging.getLogger(__name__)

ARTICLE_FIELDS = tuple(ArticleItem.fields)
SKIP_FIELDS = tuple(SkipItem.fields)
# what scrapers.reextract.before_save did, in the crawl's stats
STATS_OF_SAVE = (("archived", "veille/archive/records"), ("archive_failed", "veille/archive/failed"),
                 ("recorded", "veille/extractor/versions"), ("unreadable", "veille/extractor/unreadable"))
END_BACKOFF_CAP = 30.0  # seconds between two tries of a failed crawl's last write, at most


class StorePipeline:
    def __init__(self, crawler, db_path=None, batch_size=250, flush_seconds=2.0, db_timeout=30.0,
                 write_retries=4, write_backoff=5.0, lease=300.0, reserve=DEFAULT_RESERVE):
        self.crawler = crawler
        self.stats = crawler.stats
        self.db_path = db_path
        self.batch_size = batch_size
        self.flush_seconds = flush_seconds
        self.db_timeout = db_timeout
        self.write_retries = max(0, write_retries)
        self.write_backoff = max(0.01, write_backoff)
        self.lease = max(1.0, lease)
        self.reserve_size = reserve
        self.reserve: DiskReserve | None = None
        self.store: Store | None = None
        self.crawl_id: int | None = None
        self.source: str | None = None
        self.articles: list[dict] = []
        self.skips: list[dict] = []
        self.not_modified: list[dict] = []
        self.pages: list[dict] = []
        self.discovered: list[tuple[str, str]] = []
        self.gaps = 0
        self.revisit = RevisitPolicy()
        self.retry = RetryPolicy()
        self.last_flush = time.monotonic()
        self.refused = 0  # writes refused in a row
        self.retry_at = 0.0
        self.write_error: str | None = None  # set once the crawl gave up writing
        self.beats: task.LoopingCall | None = None
        self.archive_policy = ArchivePolicy()
        self.archive: Archive | None = None
        self.parser = None  # the spider's, to read a previous page again (scrapers.reextract)
        self.site: str | None = None

    @classmethod
    def from_crawler(cls, crawler):
        s = crawler.settings
        o = cls(
            crawler,
            db_path=s.get("VEILLE_DB") or None,
            batch_size=s.getint("VEILLE_BATCH_SIZE", 250),
            flush_seconds=s.getfloat("VEILLE_FLUSH_SECONDS", 2.0),
            db_timeout=s.getfloat("VEILLE_DB_TIMEOUT", 30.0),
            write_retries=s.getint("VEILLE_WRITE_RETRIES", 4),
            write_backoff=s.getfloat("VEILLE_WRITE_BACKOFF", 5.0),
            lease=s.getfloat("VEILLE_LEASE_SECONDS", 300.0),
            reserve=s.getint("VEILLE_DISK_RESERVE", DEFAULT_RESERVE),
        )
        o.revisit = RevisitPolicy(**revisit_settings(s))
        o.retry = RetryPolicy(**retry_settings(s))
        o.archive_policy = ArchivePolicy.from_setting(s.get("VEILLE_ARCHIVE"))
        crawler.signals.connect(o.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(o.spider_closed, signal=signals.spider_closed)
        return o

    # Scrapy >= 2.13 passes no spider to pipeline methods; accept both.
    def open_spider(self, spider=None):
        spider = spider or self.crawler.spider
        self.store = Store(self.db_path, revisit=self.revisit, retry=self.retry, timeout=self.db_timeout)
        self.source = getattr(spider, "source", spider.name)
        self.crawl_id = self.store.start_crawl(self.source, spider=spider.name, args=spider_args(spider),
                                               lease=self.lease)
        self.reserve = DiskReserve(self.store.path, self.source, self.reserve_size)
        self.parser, self.site = getattr(spider, "parser", None), getattr(spider, "site", None)
        if self.archive_policy.enabled:
            self.archive = Archive(self.store.path.parent, self.archive_policy)
            try:
                pruned = self.archive.prune()
            except OSError as exc:
                logger.error("veille: the archive's old files could not be deleted: %s", exc)
            else:
                if pruned:
                    logger.info("veille: %d archive files past the retention deleted", len(pruned))
        self.beats = task.LoopingCall(self.beat)
        self.beats.start(max(0.2, self.lease / 5), now=False)
        logger.info("veille: crawl %s into %s", self.crawl_id, self.store.path)
        self.stats.set_value("veille/crawl_id", self.crawl_id)
        self.stats.set_value("veille/db", str(self.store.path))

    def beat(self) -> None:
        """Renew the crawl's lease (not while the store refuses writes)."""
        if self.store is None or self.refused or self.write_error:
            return
        try:
            self.store.heartbeat(self.crawl_id, self.lease)
        except sqlite3.Error as exc:
            logger.warning("veille: crawl %s: could not renew its lease (%s)", self.crawl_id, exc)

    def process_item(self, item, spider=None):
        if isinstance(item, ArticleItem):
            self.articles.append({k: item.get(k) for k in ARTICLE_FIELDS})
        elif isinstance(item, NotModifiedItem):
            self.not_modified.append(dict(item))
        elif isinstance(item, SkipItem):
            self.skips.append({k: item.get(k) for k in SKIP_FIELDS})
        elif isinstance(item, DiscoveredItem):
            self.discovered.extend((url, item["kind"]) for url in item["urls"])
        elif isinstance(item, GapItem):
            self.gaps += 1
            return item
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
        if self.refused and self.write_error is None:
            raise DontCloseSpider  # a batch waits to be tried again

    # -- writing -----------------------------------------------------------------------
    def flush(self, force: bool = False) -> None:
        """Write what is buffered (each kind in its own transaction, cleared once written);
        a refused write is tried again later (see the module doc)."""
        if self.store is None or self.write_error is not None:
            return
        if not force and time.monotonic() < self.retry_at:
            return
        try:
            self._write()
        except sqlite3.Error as exc:
            self._refused(exc)
        else:
            if self.refused:
                logger.warning("veille: crawl %s: written after %d refused tries", self.crawl_id, self.refused)
            self.refused = 0
        self.last_flush = time.monotonic()

    def _write(self) -> None:
        store, crawl_id = self.store, self.crawl_id
        if self.discovered:  # first: written ahead of the articles they lead to
            store.discover(crawl_id, self.discovered, self.source)
            self.discovered = []
        if self.articles:
            done = before_save(store, self.archive, crawl_id, self.source, self.site, self.parser,
                               self.articles)
            for key, stat in STATS_OF_SAVE:
                if getattr(done, key):
                    self.stats.inc_value(stat, getattr(done, key))
            outcomes = store.save_batch(crawl_id, self.articles, skip_invalid=True)
            self.articles = []
            for outcome in outcomes:
                self.stats.inc_value(f"veille/{outcome}")
        if self.not_modified:
            outcomes = store.touch_batch(crawl_id, self.not_modified)
            self.not_modified = []
            for outcome in outcomes:
                self.stats.inc_value(f"veille/not_modified/{outcome}")
        if self.skips:
            store.save_skips(crawl_id, self.skips)
            self.skips = []
        if self.gaps:
            store.add_gaps(crawl_id, self.gaps)
            self.gaps = 0

    def _refused(self, exc: sqlite3.Error) -> None:
        self.refused += 1
        self.stats.inc_value("veille/write_refused")
        if self.refused > self.write_retries:
            self.write_error = f"write failed: {exc}"
            logger.error("veille: crawl %s: %s; giving up after %d tries: the crawl stops, ends failed,"
                         " and what it could not write is pending", self.crawl_id, self.write_error, self.refused)
            engine = self.crawler.engine
            if engine is not None and engine.spider is not None:
                deferred_from_coro(engine.close_spider_async(reason="write-failed"))
            return
        delay = self.write_backoff * 2 ** (self.refused - 1)
        self.retry_at = time.monotonic() + delay
        logger.warning("veille: crawl %s: could not write (%s); trying again in %.1fs (%d of %d)",
                       self.crawl_id, exc, delay, self.refused, self.write_retries)

    def _drain(self) -> None:
        """At the end: write what is left, waiting out the backoff of a refused write."""
        while self.write_error is None and self.store is not None:
            wait = self.retry_at - time.monotonic()
            if self.refused and wait > 0:
                time.sleep(wait)
            self.flush(force=True)
            if not self.refused:
                return

    def _unwritten(self) -> list[tuple[str, str | None]]:
        """The articles the crawl found or fetched and could not write, as
        ``(url, discovered_by)``: they become pending."""
        out = list(self.discovered)
        out += [(a["url"], "ids") for a in self.articles]
        out += [(s["url"], s.get("discovered_by")) for s in self.skips
                if s.get("pending") and s.get("pending") != "done" and s.get("discovered_by")]
        return out

    def _end_failed(self) -> None:
        """A crawl that gave up writing: its end, tried for up to its lease."""
        deadline = time.monotonic() + self.lease
        delay = self.write_backoff
        while True:
            try:
                self.store.fail_crawl(self.crawl_id, self.source, self._unwritten(), self.write_error)
                logger.error("veille: crawl %s ended failed (%s)", self.crawl_id, self.write_error)
                return
            except sqlite3.Error as exc:
                if self.reserve is not None and self.reserve.release():
                    logger.warning("veille: crawl %s: could not record its end (%s); using the room kept"
                                   " for it", self.crawl_id, exc)
                    continue
                if time.monotonic() + delay > deadline:
                    logger.error("veille: crawl %s: could not record its end either (%s): it stays running"
                                 " until its lease expires; its articles come back with the next crawl",
                                 self.crawl_id, exc)
                    return
                logger.warning("veille: crawl %s: could not record its end (%s); trying again in %.1fs",
                               self.crawl_id, exc, delay)
                time.sleep(delay)
                delay = min(delay * 2, END_BACKOFF_CAP)

    def close_spider(self, spider=None):
        self._drain()

    def spider_closed(self, spider=None, reason="finished"):
        """After every pipeline closed: the crawl's row gets its end and status."""
        if self.beats is not None and self.beats.running:
            self.beats.stop()
        if self.store is None:
            return
        try:
            self._drain()
            if self.write_error is not None:
                self._end_failed()
                return
            if reason == "finished" and self.pages:
                self.store.save_pages(self.source, self.pages)
            self.store.record_discovery(self.crawl_id, links_found(self.stats.get_stats()),
                                        sum(1 for p in self.pages if p.get("status") == 304))
            self.store.finish_crawl(self.crawl_id, status=crawl_status(reason), reason=reason)
        finally:
            self.store.close()
            self.store = None
            if self.archive is not None:
                self.archive.close()
                self.archive = None
            if self.reserve is not None:
                self.reserve.close()


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


def retry_settings(settings) -> dict:
    """The retry policy of pending articles (:class:`storage.pending.RetryPolicy`) from the
    crawl's settings; a distributed worker sends them to the ingest."""
    return {"backoff": settings.getfloat("VEILLE_PENDING_BACKOFF", 300.0),
            "max_backoff": settings.getfloat("VEILLE_PENDING_MAX_BACKOFF", 86400.0),
            "attempts": settings.getint("VEILLE_PENDING_ATTEMPTS", 10)}


def spider_args(spider) -> dict:
    """The arguments a spider was started with, for the crawl's row."""
    keys = ("base_url", "ids", "discover", "max_pages", "site", "revisit", "retry")
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
