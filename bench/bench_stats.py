"""A Scrapy extension for bench/crawl_speed.py: writes the crawl's stats to a JSON file.

Enabled with ``-s EXTENSIONS={"bench.bench_stats.StatsDump": 1000}`` and
``-s BENCH_STATS_FILE=path``. On spider_closed it writes Scrapy's stats dict plus
``bench/*``: the process's CPU time (user, system) and wall time between spider_opened and
spider_closed, i.e. the crawl without the interpreter's start-up and imports.
"""

from __future__ import annotations

import json
import os
import resource
import time

from scrapy import signals
from scrapy.exceptions import NotConfigured


def _cpu() -> tuple[float, float]:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime, r.ru_stime


class StatsDump:
    def __init__(self, crawler, path: str):
        self.crawler = crawler
        self.path = path
        self.t0 = time.monotonic()
        self.cpu0 = _cpu()

    @classmethod
    def from_crawler(cls, crawler):
        path = crawler.settings.get("BENCH_STATS_FILE")
        if not path:
            raise NotConfigured("BENCH_STATS_FILE not set")
        o = cls(crawler, path)
        crawler.signals.connect(o.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(o.spider_closed, signal=signals.spider_closed)
        return o

    def spider_opened(self, spider=None):
        self.t0 = time.monotonic()
        self.cpu0 = _cpu()

    def spider_closed(self, spider=None, reason="finished"):
        u, s = _cpu()
        stats = dict(self.crawler.stats.get_stats())
        stats.update({
            "bench/wall_seconds": time.monotonic() - self.t0,
            "bench/cpu_user_seconds": u - self.cpu0[0],
            "bench/cpu_system_seconds": s - self.cpu0[1],
            "bench/finish_reason": reason,
            "bench/pid": os.getpid(),
        })
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(stats, f, default=str, indent=1, sort_keys=True)
        os.replace(tmp, self.path)
