"""Distributed crawling: several ``scrapy crawl`` workers share one frontier in Redis.

Switched on by ``VEILLE_REDIS_URL`` (a Scrapy setting, ``-s VEILLE_REDIS_URL=...``, or the
environment variable of that name). :class:`DistributedAddon` (listed in ``ADDONS`` in
``scrapers/settings.py``) then makes scrapy-redis the engine of the crawl:

- ``SCHEDULER`` = :class:`RedisScheduler` (scrapy-redis's scheduler, plus in-flight
  tracking, worker heartbeats and the idle exit below), ``DUPEFILTER_CLASS`` = scrapy-redis's
  ``RFPDupeFilter``: every worker of a run pops requests from one Redis sorted set (the
  frontier, by priority) and adds every new request's fingerprint to one Redis set, so a
  page enqueued by any worker is never enqueued again by another.
- ``ITEM_PIPELINES``: :class:`scrapers.pipelines.StorePipeline` is replaced by
  :class:`RedisItemPipeline`, which pushes each item as JSON (with the run id, the worker,
  the source and the spider) to the Redis list ``<prefix>:items``. One ``veille ingest``
  process (``veille/ingest.py``) owns the SQLite store and writes them (SQLite has one
  writer): the same dedup, versioning and flagging as a local crawl.
- Requests are serialized as JSON (bytes tagged as base64), not pickled: nothing read from
  Redis can run code in a worker.

Settings (``-s NAME=value``; the first two also from the environment):

==============================  ===========  ==================================================
``VEILLE_REDIS_URL``            unset        ``redis://host:6379/0``; unset: a local crawl
``VEILLE_RUN_ID``               random       the run: workers given the same id share a
                                             frontier; without one each worker is its own run
``VEILLE_REDIS_PREFIX``         ``veille``   prefix of every Redis key
``VEILLE_REDIS_IDLE_SECONDS``   5            a worker exits once the shared frontier has
                                             stayed empty (and no live worker has requests in
                                             flight) this long
``VEILLE_REDIS_HEARTBEAT_TTL``  10           a worker whose heartbeat is this old is dead
``VEILLE_REDIS_RUN_TTL``        86400        a run's keys expire this long after its last
                                             worker left
==============================  ===========  ==================================================

Redis keys of a run ``R`` (``<p>`` is the prefix): ``<p>:run:R:requests`` (the frontier),
``:dupefilter`` (fingerprints), ``:seeded``, ``:workers`` (a set),
``:worker:<id>`` (heartbeat, with a TTL), ``:inflight:<id>`` (a hash of the requests a
worker has popped and not finished). Items of every run go to ``<p>:items``; the ingest
publishes known-article validators in ``<p>:known:<source>`` and ``<p>:pages:<source>``.

Decisions:

- **The run.** ``VEILLE_RUN_ID`` names the run; the scheduler (or whoever starts the
  workers) gives all workers the same one. The ingest opens one ``crawls`` row per run
  when it sees the run's first message (workers send a ``start`` control message when they
  open, an ``end`` message with Scrapy's close reason when they close) and finishes it
  when every worker of the run has sent ``end`` or is dead (heartbeat expired).
- **Seeding once.** Start requests go through the shared dupefilter, so a worker that
  seeds what another already seeded enqueues nothing; once a worker has gone through all
  of its start requests it sets ``:seeded`` and workers starting later skip seeding
  (:class:`SeedOnceMiddleware`). A seeding worker killed halfway is therefore harmless:
  the next worker seeds again and only the missing requests are enqueued.
- **Known articles** (validators for conditional requests, revisit policy): a worker
  reads them from the store when the store file is on its machine (``VEILLE_DB`` /
  ``$VEILLE_DB`` / ``data/veille.db`` exists), else from the snapshot the ingest publishes
  in Redis after each run (and when it starts), else it has none and fetches every
  article unconditionally (correct, just more bytes). No empty store is ever created on
  a worker.
- **Requests in flight of a worker that dies.** scrapy-redis removes a request from the
  frontier when a worker pops it. :class:`RedisScheduler` pops and records the request in
  the worker's ``:inflight`` hash in one atomic step (a Lua script), and removes it once
  Scrapy has completely handled it (response parsed, its items pushed, its new requests
  enqueued). Another worker that finds the frontier empty re-queues (atomically, once) the
  in-flight requests of workers whose heartbeat expired. So a SIGKILLed worker loses
  nothing; what it had in flight is fetched again by the others (those pages are fetched
  twice: at most its ``CONCURRENT_REQUESTS`` plus the responses it was parsing), and an
  item pushed just before the kill may come twice, which the store takes as
  "unchanged". A worker stopped cleanly (SIGINT/SIGTERM) puts back what it had not done.
- **When a worker exits.** On ``spider_idle``: dead workers' requests are re-queued; if
  the frontier has requests, it goes on; if a live worker still has requests in flight
  (they may add to the frontier) it waits; otherwise once the frontier has stayed empty
  for ``VEILLE_REDIS_IDLE_SECONDS`` it closes. The worker that closes this way reports the
  run ``complete`` in its ``end`` message.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import os
import re
import socket
import time
import uuid
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured

try:  # the optional extra: pip install 'veille[distributed]'
    from scrapy_redis.connection import get_redis_from_settings
    from scrapy_redis.scheduler import Scheduler as _RedisSchedulerBase
except ImportError as exc:  # a local crawl does not need it
    _MISSING: ImportError | None = exc
    _RedisSchedulerBase = object
    get_redis_from_settings = None
else:
    _MISSING = None

from scrapers.items import ArticleItem, NotModifiedItem, PageItem, SkipItem

from veille.core.clock import utcnow
from veille.core.errors import DistributedError

logger = logging.getLogger(__name__)

ENV_URL = "VEILLE_REDIS_URL"
ENV_RUN = "VEILLE_RUN_ID"
DEFAULT_PREFIX = "veille"
DEFAULT_IDLE_SECONDS = 5.0
DEFAULT_HEARTBEAT_TTL = 10.0
DEFAULT_RUN_TTL = 86400
CLOSED_HEARTBEAT_TTL = 60  # a closed worker stays "alive" until its end message is read
RUN_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")

ITEM_TYPES = ((ArticleItem, "article"), (NotModifiedItem, "not_modified"), (SkipItem, "skip"),
              (PageItem, "page"))


# -- names ---------------------------------------------------------------------------------
def redis_url(settings=None) -> str | None:
    """The Redis URL of distributed mode: the setting, else the environment, else None."""
    url = settings.get(ENV_URL) if settings is not None else None
    return url or os.environ.get(ENV_URL) or None


def new_run_id() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]


def check_run_id(run: str) -> str:
    if not isinstance(run, str) or not RUN_ID_RE.fullmatch(run):
        raise ValueError(f"VEILLE_RUN_ID must be 1-128 of A-Z a-z 0-9 . _ : - , got {run!r}")
    return run


def items_key(prefix: str = DEFAULT_PREFIX) -> str:
    return f"{prefix}:items"


def known_key(prefix: str, source: str) -> str:
    return f"{prefix}:known:{source}"


def pages_key(prefix: str, source: str) -> str:
    return f"{prefix}:pages:{source}"


class RunKeys:
    """The Redis keys of one run."""

    def __init__(self, prefix: str, run: str):
        self.prefix = prefix
        self.run = check_run_id(run)
        self.base = f"{prefix}:run:{run}"
        self.requests = f"{self.base}:requests"
        self.dupefilter = f"{self.base}:dupefilter"
        self.seeded = f"{self.base}:seeded"
        self.workers = f"{self.base}:workers"

    def heartbeat(self, worker: str) -> str:
        return f"{self.base}:worker:{worker}"

    def inflight(self, worker: str) -> str:
        return f"{self.base}:inflight:{worker}"

    @classmethod
    def from_settings(cls, settings) -> RunKeys:
        return cls(settings.get("VEILLE_REDIS_PREFIX") or DEFAULT_PREFIX, settings.get("VEILLE_RUN_ID"))


def worker_id(crawler) -> str:
    """This worker's id (host, pid, a random part), one per crawler."""
    wid = getattr(crawler, "_veille_worker_id", None)
    if wid is None:
        wid = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        crawler._veille_worker_id = wid
    return wid


# -- the serializer of requests (SCHEDULER_SERIALIZER = "scrapers.distributed") -------------
def _enc(o):
    if isinstance(o, (bytes, bytearray)):
        return {"__b__": base64.b64encode(bytes(o)).decode("ascii")}
    if isinstance(o, dict):
        if all(isinstance(k, str) for k in o) and "__b__" not in o and "__d__" not in o:
            return {k: _enc(v) for k, v in o.items()}
        return {"__d__": [[_enc(k), _enc(v)] for k, v in o.items()]}
    if isinstance(o, (list, tuple)):
        return [_enc(x) for x in o]
    return o


def _dec(d: dict):
    if len(d) == 1:
        if "__b__" in d:
            return base64.b64decode(d["__b__"])
        if "__d__" in d:
            return {(tuple(k) if isinstance(k, list) else k): v for k, v in d["__d__"]}
    return d


def dumps(obj) -> bytes:
    """A request dict (``Request.to_dict``) as JSON bytes; bytes values become base64."""
    return json.dumps(_enc(obj), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def loads(data):
    return json.loads(data, object_hook=_dec)


# -- the switch ------------------------------------------------------------------------------
class DistributedAddon:
    """Turns a crawl into a worker of a distributed run when ``VEILLE_REDIS_URL`` is set."""

    def update_settings(self, settings) -> None:
        url = redis_url(settings)
        if not url:
            return
        if _MISSING is not None:
            raise DistributedError(f"VEILLE_REDIS_URL is set but {_MISSING.name or 'scrapy-redis'} is not"
                               " installed: pip install 'veille[distributed]'")
        from scrapers.pipelines import StorePipeline

        run = settings.get("VEILLE_RUN_ID") or os.environ.get(ENV_RUN) or new_run_id()
        keys = RunKeys(settings.get("VEILLE_REDIS_PREFIX") or DEFAULT_PREFIX, run)
        for name, value in {
            "VEILLE_REDIS_URL": url,
            "VEILLE_RUN_ID": run,
            "REDIS_URL": url,
            "SCHEDULER": "scrapers.distributed.RedisScheduler",
            "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
            "SCHEDULER_PERSIST": True,  # a worker leaving must not clear the shared frontier
            "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
            "SCHEDULER_QUEUE_KEY": keys.requests,
            "SCHEDULER_DUPEFILTER_KEY": keys.dupefilter,
            "SCHEDULER_SERIALIZER": "scrapers.distributed",
        }.items():
            settings.set(name, value, priority="addon")
        try:
            settings.replace_in_component_priority_dict("ITEM_PIPELINES", StorePipeline, RedisItemPipeline)
        except KeyError:
            settings.set_in_component_priority_dict("ITEM_PIPELINES", RedisItemPipeline, 800)
        settings.set_in_component_priority_dict("SPIDER_MIDDLEWARES", SeedOnceMiddleware, 10)


# -- the scheduler ------------------------------------------------------------------------------
# Pop the best request and record it as in flight for this worker, atomically.
_POP = """
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return false end
redis.call('ZREM', KEYS[1], r[1])
redis.call('HSET', KEYS[2], r[1], r[2])
return r[1]
"""
# Put every request of an in-flight hash back into the frontier and drop the hash, atomically
# (two workers recovering the same dead worker: the second finds nothing).
_REQUEUE = """
local h = redis.call('HGETALL', KEYS[1])
for i = 1, #h, 2 do redis.call('ZADD', KEYS[2], h[i + 1], h[i]) end
redis.call('DEL', KEYS[1])
return #h / 2
"""


class RedisScheduler(_RedisSchedulerBase):
    """scrapy-redis's scheduler with in-flight tracking, heartbeats and the idle exit."""

    @classmethod
    def from_crawler(cls, crawler):
        inst = super().from_crawler(crawler)  # connects and pings Redis
        s = crawler.settings
        inst.crawler = crawler
        inst.keys = RunKeys.from_settings(s)
        inst.worker = worker_id(crawler)
        inst.idle_seconds = s.getfloat("VEILLE_REDIS_IDLE_SECONDS", DEFAULT_IDLE_SECONDS)
        inst.heartbeat_ttl = max(1.0, s.getfloat("VEILLE_REDIS_HEARTBEAT_TTL", DEFAULT_HEARTBEAT_TTL))
        inst.run_ttl = s.getint("VEILLE_REDIS_RUN_TTL", DEFAULT_RUN_TTL)
        return inst

    def open(self, spider):
        # scrapy-redis's open() without its deprecated Spider.log() call
        from scrapy.utils.misc import load_object

        self.spider = spider
        self.queue = load_object(self.queue_cls)(
            server=self.server, spider=spider, key=self.queue_key, serializer=self.serializer)
        if not self.df:
            self.df = load_object(self.dupefilter_cls).from_spider(spider)
        if self.flush_on_start:
            self.flush()
        if not hasattr(getattr(self.crawler.engine, "_slot", None), "inprogress"):
            # _sweep() needs it to tell finished requests; without it a dead worker's
            # requests could not be told from done ones.
            raise DistributedError("scrapers.distributed: this Scrapy has no engine slot 'inprogress'")
        self.inflight_key = self.keys.inflight(self.worker)
        self._pop_script = self.server.register_script(_POP)
        self._requeue_script = self.server.register_script(_REQUEUE)
        self._inflight: dict = {}  # Request -> its encoded form (the field in the hash)
        self._idle_since: float | None = None
        self.complete = False
        self.recovered = 0
        self._beat()
        self.server.sadd(self.keys.workers, self.worker)
        from twisted.internet import task

        self._timer = task.LoopingCall(self._tick)
        self._timer.start(min(0.5, self.heartbeat_ttl / 4), now=False)
        self.crawler.signals.connect(self._on_idle, signal=signals.spider_idle)
        logger.info("veille: worker %s of run %s (frontier %s, %d requests queued)",
                    self.worker, self.keys.run, self.keys.requests, len(self.queue))

    def _beat(self, ttl: float | None = None, value: str = "alive") -> None:
        self.server.set(self.keys.heartbeat(self.worker), value, px=int((ttl or self.heartbeat_ttl) * 1000))

    def _tick(self) -> None:
        try:
            self._beat()
            self._sweep()
            self._wake()
        except Exception:  # Redis away for a moment: the next tick tries again
            logger.exception("veille: heartbeat failed")

    def _wake(self) -> None:
        """Make the engine look at the (shared) frontier now rather than at its 5 s heartbeat."""
        slot = getattr(self.crawler.engine, "_slot", None)
        nextcall = getattr(slot, "nextcall", None)
        if nextcall is not None:
            nextcall.schedule()

    def _sweep(self) -> None:
        """Drop from the in-flight hash the requests Scrapy has completely handled."""
        if not self._inflight:
            return
        slot = getattr(self.crawler.engine, "_slot", None)
        inprogress = getattr(slot, "inprogress", None)
        if inprogress is None:
            return
        done = [r for r in self._inflight if r not in inprogress]
        if done:
            self.server.hdel(self.inflight_key, *[self._inflight.pop(r) for r in done])

    def enqueue_request(self, request):
        # scrapy-redis's, without the deprecated spider argument to the stats
        self._idle_since = None
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request)
        return True

    def next_request(self):
        self._sweep()
        data = self._pop_script(keys=[self.queue.key, self.inflight_key])
        if data is None:
            return None
        request = self.queue._decode_request(data)
        self._inflight[request] = data
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self):
        return len(self) > 0

    # -- the others ------------------------------------------------------------------------
    def _peers(self) -> tuple[bool, int]:
        """(some live worker has requests in flight, how many requests of dead workers were
        put back into the frontier)."""
        busy, recovered = False, 0
        for raw in self.server.smembers(self.keys.workers):
            w = raw.decode() if isinstance(raw, bytes) else raw
            if w == self.worker:
                continue
            alive = self.server.exists(self.keys.heartbeat(w))
            if not self.server.exists(self.keys.inflight(w)):
                if not alive:
                    self.server.srem(self.keys.workers, w)
                continue
            if alive:
                busy = True
                continue
            n = int(self._requeue_script(keys=[self.keys.inflight(w), self.queue.key]))
            if n:
                logger.warning("veille: worker %s is dead; %d of its requests put back", w, n)
                recovered += n
            self.server.srem(self.keys.workers, w)
        if recovered:
            self.recovered += recovered
            if self.stats:
                self.stats.inc_value("veille/redis/recovered", recovered)
        return busy, recovered

    def _on_idle(self, spider=None):
        import redis

        try:
            self._sweep()
            busy, recovered = self._peers()
        except redis.RedisError as exc:  # Redis away: wait for it rather than leave work behind
            logger.warning("veille: Redis error while idle (%s); waiting", exc)
            raise DontCloseSpider from None
        if recovered or len(self.queue):
            self._idle_since = None
            self._wake()
            raise DontCloseSpider
        if busy:  # their responses may add to the frontier
            self._idle_since = None
            raise DontCloseSpider
        now = time.monotonic()
        if self._idle_since is None:
            self._idle_since = now
        if now - self._idle_since < self.idle_seconds:
            raise DontCloseSpider
        self.complete = True
        if self.stats:
            self.stats.set_value("veille/redis/complete", True)
        logger.info("veille: frontier of run %s empty for %.1fs and no worker busy: closing",
                    self.keys.run, self.idle_seconds)

    def close(self, reason):
        try:
            if getattr(self, "_timer", None) is not None and self._timer.running:
                self._timer.stop()
            self._sweep()
            # What this worker popped and did not finish (a shutdown): back for the others.
            n = int(self._requeue_script(keys=[self.inflight_key, self.queue.key]))
            if n:
                logger.info("veille: %d unfinished requests put back into the frontier", n)
            self._inflight.clear()
            self.server.srem(self.keys.workers, self.worker)
            self._beat(CLOSED_HEARTBEAT_TTL, "closed")
            pipe = self.server.pipeline()
            for key in (self.keys.requests, self.keys.dupefilter, self.keys.seeded, self.keys.workers):
                pipe.expire(key, self.run_ttl)
            pipe.execute()
        finally:
            super().close(reason)


# -- seeding once, known articles -----------------------------------------------------------
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
    from storage import default_db_path

    path = Path(spider.settings.get("VEILLE_DB") or default_db_path())
    if path.is_file():
        type(spider).load_known(spider)
        return
    prefix = spider.settings.get("VEILLE_REDIS_PREFIX") or DEFAULT_PREFIX
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
    due = sum(1 for *_, d in known.values() if d)
    spider.logger.info("%d known articles from Redis (no store at %s), %d due for a check (revisit=%s)",
                       len(known), path, due, getattr(spider, "revisit", "?"))


# -- the item pipeline ----------------------------------------------------------------------
class RedisItemPipeline:
    """Pushes items to ``<prefix>:items`` for ``veille ingest``, between a ``start`` and an
    ``end`` control message of this worker."""

    def __init__(self, crawler):
        s = crawler.settings
        self.crawler = crawler
        self.server = get_redis_from_settings(s)
        self.key = items_key(s.get("VEILLE_REDIS_PREFIX") or DEFAULT_PREFIX)
        self.run = check_run_id(s.get("VEILLE_RUN_ID"))
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
        msg = {"type": kind, "run": self.run, "worker": self.worker, "source": self.source,
               "spider": self.spider_name, **body}
        self.server.rpush(self.key, json.dumps(msg, ensure_ascii=False, separators=(",", ":")))

    def open_spider(self, spider=None):
        from scrapers.pipelines import _spider_args

        spider = spider or self.crawler.spider
        self.source = getattr(spider, "source", None) or spider.name
        self.spider_name = spider.name
        s = self.crawler.settings
        revisit = {"min_interval": s.getint("VEILLE_REVISIT_MIN", 3600),
                   "max_interval": s.getint("VEILLE_REVISIT_MAX", 7 * 86400),
                   "recent_days": s.getfloat("VEILLE_REVISIT_RECENT_DAYS", 3.0)}
        self._push("start", args=_spider_args(spider), revisit=revisit, host=socket.gethostname(),
                   pid=os.getpid(), at=utcnow())
        logger.info("veille: run %s, items to %s", self.run, self.key)

    def process_item(self, item, spider=None):
        for cls, kind in ITEM_TYPES:
            if isinstance(item, cls):
                self._push(kind, item={k: item.get(k) for k in cls.fields})
                self.pushed += 1
                self.crawler.stats.inc_value(f"veille/redis/pushed/{kind}")
                break
        return item

    def spider_closed(self, spider=None, reason="finished"):
        stats = self.crawler.stats
        self._push("end", reason=reason, complete=bool(stats.get_value("veille/redis/complete")),
                   pushed=self.pushed, at=utcnow())
