"""The switch: :class:`DistributedAddon` (in ``ADDONS`` of ``scrapers/settings.py``) turns a
crawl into a worker of a distributed run when ``VEILLE_REDIS_URL`` is set.

It sets scrapy-redis's settings to veille's components: the scheduler
(:class:`scrapers.distributed.scheduler.RedisScheduler`), scrapy-redis's ``RFPDupeFilter``
and ``PriorityQueue`` on the run's keys, the JSON serializer
(:mod:`scrapers.distributed.messages`), :class:`~scrapers.distributed.pipeline.RedisItemPipeline`
in place of :class:`scrapers.pipelines.StorePipeline`, and
:class:`~scrapers.distributed.middleware.SeedOnceMiddleware`. Components are named by
import path: their modules need scrapy-redis, which a local crawl may not have.

The run: ``VEILLE_RUN_ID`` when given; otherwise the source's own run
(:func:`~scrapers.distributed.keys.shared_run_id`, ``VEILLE_RUN_SHARED`` set), so that
workers of one source started on one Redis without a run id share the work. The addon is
built with the crawler (Scrapy creates the spider, arguments included, before it loads
the addons), which is how it knows the source.
"""

from __future__ import annotations

import os

from scrapers.pipelines import StorePipeline
from veille.core.errors import DistributedError

from .keys import ENV_RUN, SHARED_RUN, RunKeys, prefix_of, redis_url, shared_run_id

try:  # the optional extra: pip install 'veille[distributed]'
    import scrapy_redis.scheduler  # noqa: F401 (only whether it is there)
except ImportError as exc:  # a local crawl does not need it
    MISSING: ImportError | None = exc
else:
    MISSING = None

__all__ = ["DistributedAddon"]

PACKAGE = __name__.rpartition(".")[0]  # scrapers.distributed


class DistributedAddon:
    """Turns a crawl into a worker of a distributed run when ``VEILLE_REDIS_URL`` is set."""

    def __init__(self, crawler=None):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _source(self) -> str:
        spider = getattr(self.crawler, "spider", None)
        if spider is not None:
            return getattr(spider, "source", None) or spider.name
        spidercls = getattr(self.crawler, "spidercls", None)
        return getattr(spidercls, "name", None) or "veille"

    def update_settings(self, settings) -> None:
        url = redis_url(settings)
        if not url:
            return
        if MISSING is not None:
            raise DistributedError(f"VEILLE_REDIS_URL is set but {MISSING.name or 'scrapy-redis'} is not"
                                   " installed: pip install 'veille[distributed]'")
        run = settings.get(ENV_RUN) or os.environ.get(ENV_RUN)
        shared = not run
        if shared:
            run = shared_run_id(self._source())
        keys = RunKeys(prefix_of(settings), run)
        for name, value in {
            "VEILLE_REDIS_URL": url,
            "VEILLE_RUN_ID": run,
            SHARED_RUN: shared,
            "REDIS_URL": url,
            "SCHEDULER": f"{PACKAGE}.scheduler.RedisScheduler",
            "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
            "SCHEDULER_PERSIST": True,  # a worker leaving must not clear the shared frontier
            "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
            "SCHEDULER_QUEUE_KEY": keys.requests,
            "SCHEDULER_DUPEFILTER_KEY": keys.dupefilter,
            "SCHEDULER_SERIALIZER": f"{PACKAGE}.messages",
        }.items():
            settings.set(name, value, priority="addon")
        pipeline = f"{PACKAGE}.pipeline.RedisItemPipeline"
        try:
            settings.replace_in_component_priority_dict("ITEM_PIPELINES", StorePipeline, pipeline)
        except KeyError:
            settings.set_in_component_priority_dict("ITEM_PIPELINES", pipeline, 800)
        settings.set_in_component_priority_dict("SPIDER_MIDDLEWARES", f"{PACKAGE}.middleware.SeedOnceMiddleware", 10)
