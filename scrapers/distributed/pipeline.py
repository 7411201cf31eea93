"""The item pipeline of a worker: :class:`RedisItemPipeline` pushes what the spider yields to
``<prefix>:items``, for ``veille ingest``.

Decisions:

- **The run.** ``VEILLE_RUN_ID`` names the run; the scheduler (or whoever starts the
  workers) gives all workers the same one. The ingest opens one ``crawls`` row per run
  when it sees the run's first message (workers send a ``start`` control message when they
  open, an ``end`` message with Scrapy's close reason when they close) and finishes it
  when every worker of the run has sent ``end`` or is dead (heartbeat expired).
- Not scrapy-redis's ``RedisPipeline``: that one pushes bare items from a thread; a worker
  pushes messages (:func:`scrapers.distributed.messages.encode_message`: the item's kind,
  the run, the worker) in order, between its ``start`` and its ``end``.
"""

from __future__ import annotations

import logging
import os
import socket

from scrapy import signals
from scrapy_redis.connection import get_redis_from_settings

from scrapers.items import ArticleItem, DiscoveredItem, GapItem, NotModifiedItem, PageItem, SkipItem
from scrapers.pipelines import retry_settings, revisit_settings, spider_args
from veille.core.clock import utcnow

from .keys import ENV_RUN, check_run_id, items_key, prefix_of, worker_id
from .messages import encode_message, page_message

__all__ = ["RedisItemPipeline"]

logger = logging.getLogger(__name__)

ITEM_TYPES = ((ArticleItem, "article"), (NotModifiedItem, "not_modified"), (SkipItem, "skip"),
              (PageItem, "page"), (DiscoveredItem, "discovered"), (GapItem, "gap"))


class RedisItemPipeline:
    """Pushes items to ``<prefix>:items`` for ``veille ingest``, between a ``start`` and an
    ``end`` control message of this worker."""

    def __init__(self, crawler):
        s = crawler.settings
        self.crawler = crawler
        self.server = get_redis_from_settings(s)
        self.key = items_key(prefix_of(s))
        self.run = check_run_id(s.get(ENV_RUN))
        self.worker = worker_id(crawler)
        self.source = None
        self.spider_name = None
        self.pushed = 0

    @classmethod
    def from_crawler(cls, crawler):
        o = cls(crawler)
        crawler.signals.connect(o.spider_closed, signal=signals.spider_closed)
        return o

    def _push(self, kind: str, **body) -> None:
        message = encode_message(kind, self.run, self.worker, self.source, self.spider_name, **body)
        self.server.rpush(self.key, message)

    def open_spider(self, spider=None):
        spider = spider or self.crawler.spider
        self.source = getattr(spider, "source", None) or spider.name
        self.spider_name = spider.name
        settings = self.crawler.settings
        self._push("start", args=spider_args(spider), revisit=revisit_settings(settings),
                   retry=retry_settings(settings), host=socket.gethostname(), pid=os.getpid(), at=utcnow())
        logger.info("veille: run %s, items to %s", self.run, self.key)

    def process_item(self, item, spider=None):
        for cls, kind in ITEM_TYPES:
            if isinstance(item, cls):
                body = {k: item.get(k) for k in cls.fields}
                if body.get("page") is not None:  # the fetched page, for the ingest's archive
                    body["page"] = page_message(body["page"])
                self._push(kind, item=body)
                self.pushed += 1
                self.crawler.stats.inc_value(f"veille/redis/pushed/{kind}")
                break
        return item

    def spider_closed(self, spider=None, reason="finished"):
        stats = self.crawler.stats
        self._push("end", reason=reason, complete=bool(stats.get_value("veille/redis/complete")),
                   pushed=self.pushed, at=utcnow())
