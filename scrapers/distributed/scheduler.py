"""The frontier of a distributed run: :class:`RedisScheduler`, scrapy-redis's scheduler with
in-flight tracking, worker heartbeats and the idle exit.

Decisions:

- **Extend, do not copy.** scrapy-redis's ``Scheduler`` does the connection, the queue, the
  dupefilter and the stats; this class adds to ``from_crawler``, ``open``,
  ``enqueue_request`` and ``close`` and calls theirs. ``open`` runs with Scrapy's
  deprecation warning about ``Spider.log`` (scrapy-redis's "Resuming crawl" line) silenced.
  ``next_request`` is veille's own: scrapy-redis pops a request from the frontier, which a
  worker killed right after would lose.
- **Requests in flight of a worker that dies.** :meth:`RedisScheduler.next_request` pops
  and records the request in the worker's ``:inflight`` hash in one atomic step (a Lua
  script), and removes it once Scrapy has completely handled it (response parsed, its
  items pushed, its new requests enqueued). Another worker that finds the frontier empty
  re-queues (atomically, once) the in-flight requests of workers whose heartbeat expired.
  So a SIGKILLed worker loses nothing; what it had in flight is fetched again by the
  others (those pages are fetched twice: at most its ``CONCURRENT_REQUESTS`` plus the
  responses it was parsing), and an item pushed just before the kill may come twice,
  which the store takes as "unchanged". A worker stopped cleanly (SIGINT/SIGTERM) puts
  back what it had not done.
- **Seen and queued at once.** scrapy-redis marks a request seen in the shared duplicate
  filter (SADD), then queues it (ZADD): a worker killed between the two leaves a request
  that every worker takes for done and nobody fetches (the 1999 of 2000 once seen under
  load). :meth:`RedisScheduler.enqueue_request` does both in one Lua script.
- **When a worker exits.** On ``spider_idle``: dead workers' requests are re-queued; if the
  frontier has requests, it goes on; if a live worker still has requests in flight (they
  may add to the frontier) it waits; otherwise once the frontier has stayed empty for
  ``VEILLE_REDIS_IDLE_SECONDS`` it closes. The worker that closes this way reports the run
  ``complete`` in its ``end`` message.
- **A source's own run** (workers started without ``VEILLE_RUN_ID``): it lives while one
  of its workers lives. A worker that finds no live worker of it starts it afresh
  (frontier, duplicate filter, seeded flag and dead workers' in-flight dropped, and itself
  registered, in one script: two workers starting together do it once); a worker that
  closes it complete drops its keys, so that the next crawl of the source is a new run.
"""

from __future__ import annotations

import logging
import time
import warnings

import redis
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, ScrapyDeprecationWarning
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from veille.core.errors import DistributedError

from .keys import DEFAULT_RUN_TTL, SHARED_RUN, RunKeys, worker_id

__all__ = ["RedisScheduler"]

logger = logging.getLogger(__name__)

DEFAULT_IDLE_SECONDS = 5.0
DEFAULT_HEARTBEAT_TTL = 10.0
CLOSED_HEARTBEAT_TTL = 60  # a closed worker stays "alive" until its end message is read

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


# Mark a request seen (unless it is not filtered: ARGV[1] empty) and queue it, atomically.
_ENQUEUE = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""
# A source's own run with no live worker: start it afresh, and register this worker.
# KEYS: workers, requests, dupefilter, seeded; ARGV: the run's key base, this worker, TTL (ms)
_FRESH = """
local base = ARGV[1]
local workers = redis.call('SMEMBERS', KEYS[1])
for _, w in ipairs(workers) do
  if w ~= ARGV[2] and redis.call('GET', base .. ':worker:' .. w) == 'alive' then
    redis.call('SADD', KEYS[1], ARGV[2])
    redis.call('SET', base .. ':worker:' .. ARGV[2], 'alive', 'PX', ARGV[3])
    return 0
  end
end
for _, w in ipairs(workers) do redis.call('DEL', base .. ':inflight:' .. w) end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
redis.call('SADD', KEYS[1], ARGV[2])
redis.call('SET', base .. ':worker:' .. ARGV[2], 'alive', 'PX', ARGV[3])
return 1
"""


class RedisScheduler(Scheduler):
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
        inst.shared = s.getbool(SHARED_RUN, False)
        return inst

    def open(self, spider):
        if self.shared:
            fresh = self.server.register_script(_FRESH)(
                keys=[self.keys.workers, self.keys.requests, self.keys.dupefilter, self.keys.seeded],
                args=[self.keys.base, self.worker, int(self.heartbeat_ttl * 1000)])
            if int(fresh):
                logger.info("veille: run %s had no live worker: a new run of the source", self.keys.run)
        with warnings.catch_warnings():  # scrapy-redis's Spider.log() call
            warnings.simplefilter("ignore", ScrapyDeprecationWarning)
            super().open(spider)
        if not hasattr(getattr(self.crawler.engine, "_slot", None), "inprogress"):
            # _sweep() needs it to tell finished requests; without it a dead worker's
            # requests could not be told from done ones.
            raise DistributedError("scrapers.distributed: this Scrapy has no engine slot 'inprogress'")
        self.inflight_key = self.keys.inflight(self.worker)
        self._pop_script = self.server.register_script(_POP)
        self._requeue_script = self.server.register_script(_REQUEUE)
        self._enqueue_script = self.server.register_script(_ENQUEUE)
        self._inflight: dict = {}  # Request -> its encoded form (the field in the hash)
        self._idle_since: float | None = None
        self.complete = False
        self.recovered = 0
        self._beat()
        self.server.sadd(self.keys.workers, self.worker)
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
        """scrapy-redis's ``enqueue_request``, its two steps (seen, queued) made one."""
        self._idle_since = None
        fingerprint = "" if request.dont_filter else self.df.request_fingerprint(request)
        data = self.queue._encode_request(request)
        if not int(self._enqueue_script(keys=[self.df.key, self.queue.key],
                                        args=[fingerprint, -request.priority, data])):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis", spider=self.spider)
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
                if self.shared and self.complete:
                    pipe.delete(key)  # the source's run is done: its next crawl is a new run
                else:
                    pipe.expire(key, self.run_ttl)
            pipe.execute()
        finally:
            super().close(reason)
