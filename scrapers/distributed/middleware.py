"""Seeding once and known articles, for the workers of a distributed run.

Decisions:

- **Seeding once.** Start requests go through the shared dupefilter, so a worker that
  seeds what another already seeded enqueues nothing; once a worker has gone through all
  of its start requests it sets ``:seeded`` and workers starting later skip seeding
  (:class:`SeedOnceMiddleware`). A seeding worker killed halfway is therefore harmless:
  the next worker seeds again and only the missing requests are enqueued.
- **Known articles** (validators for conditional requests, revisit policy), and the
  pending ones (to ask for again, or given up) and the first_seen of undated ones: a
  worker reads them from the store when the store file is on its machine (``VEILLE_DB`` /
  ``$VEILLE_DB`` / ``data/veille.db`` exists), else from the snapshot the ingest publishes
  in Redis after each run (and when it starts), else it has none and fetches every
  article unconditionally (correct, just more bytes). No empty store is ever created on
  a worker.
"""

from __future__ import annotations

import json
from pathlib import Path

from scrapy.exceptions import NotConfigured
from scrapy_redis.connection import get_redis_from_settings

from storage import default_db_path
from veille.core.clock import utcnow

from .keys import (DEFAULT_RUN_TTL, RunKeys, known_key, pages_key, pending_key, prefix_of, redis_url,
                   undated_key, worker_id)

__all__ = ["SeedOnceMiddleware", "load_known"]


class SeedOnceMiddleware:
    """Skips the spider's start requests when another worker of the run already went
    through all of them, and makes ``load_known`` read no store that is not there."""

    def __init__(self, crawler):
        if not redis_url(crawler.settings):
            raise NotConfigured
        self.crawler = crawler
        self.server = get_redis_from_settings(crawler.settings)
        self.keys = RunKeys.from_settings(crawler.settings)
        self.run_ttl = crawler.settings.getint("VEILLE_REDIS_RUN_TTL", DEFAULT_RUN_TTL)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_start(self, start):
        spider = self.crawler.spider
        if hasattr(spider, "load_known"):
            spider.load_known = lambda: load_known(spider, self.server)
        if self.server.exists(self.keys.seeded):
            spider.logger.info("run %s already seeded by another worker: not seeding", self.keys.run)
            if hasattr(spider, "load_known"):
                spider.load_known()  # listing and feed links still want the validators
            return
        n = 0
        async for request in start:
            n += 1
            yield request
        self.server.set(self.keys.seeded, worker_id(self.crawler), ex=self.run_ttl)
        spider.logger.info("run %s seeded (%d start requests through the shared dupefilter)",
                           self.keys.run, n)


def load_known(spider, server) -> None:
    """``AbamakoSpider.load_known`` for a worker: from the store if it is on this machine,
    else from the ingest's snapshot in Redis, else nothing (unconditional requests)."""
    path = Path(spider.settings.get("VEILLE_DB") or default_db_path())
    if path.is_file():
        type(spider).load_known(spider)
        return
    prefix = prefix_of(spider.settings)
    now = utcnow()
    url_prefix = spider.base_url + "/"
    known = {}
    for url, raw in server.hscan_iter(known_key(prefix, spider.source), count=5000):
        url = url.decode() if isinstance(url, bytes) else url
        if not url.startswith(url_prefix):
            continue
        etag, last_modified, next_check = json.loads(raw)
        known[url] = (etag, last_modified, next_check is None or next_check <= now)
    pages = {}
    for url, raw in server.hscan_iter(pages_key(prefix, spider.source), count=5000):
        url = url.decode() if isinstance(url, bytes) else url
        pages[url] = tuple(json.loads(raw))
    spider.known, spider.page_validators = known, pages
    mode = getattr(spider, "retry", "due")
    pending, given_up = [], set()
    for url, raw in server.hscan_iter(pending_key(prefix, spider.source), count=5000):
        url = url.decode() if isinstance(url, bytes) else url
        if not url.startswith(url_prefix) or url in known:
            continue
        by, next_try, gave_up = json.loads(raw)
        if gave_up:
            given_up.add(url)
        if mode == "all" or (mode == "due" and not gave_up and (next_try or "") <= now):
            pending.append((url, by))
    spider.pending, spider.given_up = sorted(pending), given_up
    spider.undated = {}
    for url, raw in server.hscan_iter(undated_key(prefix, spider.source), count=5000):
        url = url.decode() if isinstance(url, bytes) else url
        spider.undated[url] = json.loads(raw)[0]
    due = sum(1 for *_, d in known.values() if d)
    spider.logger.info("%d known articles from Redis (no store at %s), %d due for a check (revisit=%s);"
                       " %d pending articles to ask for again (retry=%s)", len(known), path, due,
                       getattr(spider, "revisit", "?"), len(pending), mode)
