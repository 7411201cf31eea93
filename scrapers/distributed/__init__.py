"""Distributed crawling: several ``scrapy crawl`` workers share one frontier in Redis.

Switched on by ``VEILLE_REDIS_URL`` (a Scrapy setting, ``-s VEILLE_REDIS_URL=...``, or the
environment variable of that name). :class:`.addon.DistributedAddon` (listed in ``ADDONS``
in ``scrapers/settings.py``) then makes scrapy-redis the engine of the crawl:

- ``SCHEDULER`` = :class:`.scheduler.RedisScheduler` (scrapy-redis's scheduler, plus in-flight
  tracking, worker heartbeats and the idle exit below), ``DUPEFILTER_CLASS`` = scrapy-redis's
  ``RFPDupeFilter``: every worker of a run pops requests from one Redis sorted set (the
  frontier, by priority) and adds every new request's fingerprint to one Redis set, so a
  page enqueued by any worker is never enqueued again by another.
- ``ITEM_PIPELINES``: :class:`scrapers.pipelines.StorePipeline` is replaced by
  :class:`.pipeline.RedisItemPipeline`, which pushes each item as JSON (with the run id, the worker,
  the source and the spider) to the Redis list ``<prefix>:items``. One ``veille ingest``
  process (``veille/schedule/ingest.py``) owns the SQLite store and writes them (SQLite has one
  writer): the same dedup, versioning and flagging as a local crawl.
- Requests are serialized as JSON (bytes tagged as base64), not pickled: nothing read from
  Redis can run code in a worker (:mod:`.messages`).

Settings (``-s NAME=value``; the first two also from the environment):

==============================  ===========  ==================================================
``VEILLE_REDIS_URL``            unset        ``redis://host:6379/0``; unset: a local crawl
``VEILLE_RUN_ID``               the source   the run: workers given the same id share a
                                             frontier; without one, the workers of a source
                                             share its run (one at a time per source)
``VEILLE_REDIS_PREFIX``         ``veille``   prefix of every Redis key
``VEILLE_REDIS_IDLE_SECONDS``   5            a worker exits once the shared frontier has
                                             stayed empty (and no live worker has requests in
                                             flight) this long
``VEILLE_REDIS_HEARTBEAT_TTL``  10           a worker whose heartbeat is this old is dead
``VEILLE_REDIS_RUN_TTL``        86400        a run's keys expire this long after its last
                                             worker left
==============================  ===========  ==================================================

The Redis keys are listed in :mod:`.keys`. The modules, one job each:

- :mod:`.keys`: the key prefix (defined once), every Redis key, run and worker ids; no
  Scrapy, so that the scheduler and ``veille ingest`` name keys without loading it;
- :mod:`.messages`: the encoding of requests and of the messages to the ingest; no Scrapy;
- :mod:`.addon`: the switch; :mod:`.scheduler`: the shared frontier (scrapy-redis's
  scheduler, extended); :mod:`.middleware`: seeding once and known articles;
  :mod:`.pipeline`: items to Redis.

Nothing is imported here: importing :mod:`.keys` must not load Scrapy.
"""
