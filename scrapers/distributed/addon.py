"""The switch: :class:`DistributedAddon` (in ``ADDONS`` of ``scrapers/settings.py``) turns a
crawl into a worker of a distributed run when ``VEILLE_REDIS_URL`` is set.

It sets scrapy-redis's settings to veille's components: the scheduler
(:class:`scrapers.distributed.scheduler.RedisScheduler`), scrapy-redis's ``RFPDupeFilter``
and ``PriorityQueue`` on the run's keys, the JSON serializer
(:mod:`scrapers.distributed.messages`), :class:`~scrapers.distributed.pipeline.RedisItemPipeline`
in place of :class:`scrapers.pipelines.StorePipeline`, and
:class:`~scrapers.distributed.middleware.SeedOnceMiddleware`. Components are named by
import path: their modules need scrapy-redis, which a local crawl may not have.
"""

from __future__ import annotations

import os

from scrapers.pipelines import StorePipeline
from veille.core.errors import DistributedError

from .keys import ENV_RUN, RunKeys, new_run_id, prefix_of, redis_url

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

    def update_settings(self, settings) -> None:
        url = redis_url(settings)
        if not url:
            return
        if MISSING is not None:
            raise DistributedError(f"VEILLE_REDIS_URL is set but {MISSING.name or 'scrapy-redis'} is not"
                                   " installed: pip install 'veille[distributed]'")
        run = settings.get(ENV_RUN) or os.environ.get(ENV_RUN) or new_run_id()
        keys = RunKeys(prefix_of(settings), run)
        for name, value in {
            "VEILLE_REDIS_URL": url,
            "VEILLE_RUN_ID": run,
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
