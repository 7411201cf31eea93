"""``veille ingest``: store what distributed crawl workers push to Redis.

Workers started with ``VEILLE_REDIS_URL`` (:mod:`scrapers.distributed`) push their items as
JSON to the Redis list ``<prefix>:items``; this is the one process that writes them into the
SQLite store (SQLite has one writer)::

    veille ingest [--redis URL] [--db PATH] [--config PATH] [--drain]

It pops items in batches, groups them per run (``VEILLE_RUN_ID``) into one ``crawls`` row
per run, and calls the same :class:`storage.Store` methods as the local
:class:`scrapers.pipelines.StorePipeline` (``discover``, ``save_batch``, ``touch_batch``,
``save_skips``, ``add_gaps``, and ``save_pages`` when the run finished), so dedup,
versioning and the pending articles (found, not stored yet: retried by later runs) are
those of a local crawl; the retry policy is the workers' (their ``start`` message). It
renews the lease of the rows of the runs it has open (:mod:`storage.crawls`). A run's row is opened at the run's first message and finished when every worker of
the run has sent its ``end`` message or is dead (its heartbeat expired); then the topics
of the config are flagged (:func:`veille.monitor.flags.flag_pending`; not without topics, so
that an ingest run without the config never marks crawls as flagged), and the store's
known-article validators are published in Redis for workers that have no store
(``<prefix>:known:<source>``, ``<prefix>:pages:<source>``), with the pending articles
(``<prefix>:pending:<source>``) and the first_seen of undated ones
(``<prefix>:undated:<source>``).

It runs until SIGTERM/SIGINT (it finishes the batch at hand; rows of runs still going are
closed ``interrupted``: their later items go to a new row of the same run). ``--drain``
stores what is queued and exits (runs whose workers are all done are finished, the others
are closed ``interrupted``).

Nothing popped is lost: a batch is moved atomically to ``<prefix>:items:processing`` and
removed from there only once it is committed; an ingest killed in between replays it at
its next start (the store takes the repeated articles as "unchanged"). A run's control
messages (``start``, ``page``, ``end``), which count only when the run is finished, are
kept in ``<prefix>:items:pending:<run>`` (moved there in the same Redis transaction that
drops the committed batch) until the run's row is finished; a restarted ingest reads them
back first, so a kill between a run's last batch and its end still finishes the run and
saves its page validators.

Workers send each article's fetched page with it (compressed); the ingest archives the
pages whose text is new and compares like with like before calling a change an update
(``VEILLE_ARCHIVE``, :func:`scrapers.reextract.before_save`), as a local crawl does.

The store is ``--db``, else the config's ``[store] path``, else ``$VEILLE_DB``, else
``data/veille.db``; the Redis URL ``--redis``, else ``$VEILLE_REDIS_URL``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import time
from dataclasses import dataclass, field

from scrapers.distributed.keys import (DEFAULT_PREFIX, RunKeys, items_key, known_key, pages_key, pending_key,
                                       undated_key)
from scrapers.distributed.messages import page_of_message
from scrapers.reextract import before_save, parser_of_source
from scrapers.status import crawl_status
from storage import Store, crawls
from storage.archive import Archive, ArchivePolicy
from storage.pending import RetryPolicy
from storage.revisit import RevisitPolicy
from veille.config import load_config_for
from veille.core.errors import NotAStore, StoreError

log = logging.getLogger("veille.schedule.ingest")

DEFAULT_BATCH = 250
BEAT_SECONDS = 30.0  # how often the leases of the open runs' rows are renewed

# Move up to ARGV[1] more messages from the queue to the processing list, atomically.
_TAKE = """
local items = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #items > 0 then
  redis.call('LTRIM', KEYS[1], #items, -1)
  redis.call('RPUSH', KEYS[2], unpack(items))
end
return items
"""


@dataclass
class Run:
    """A distributed run being ingested: its ``crawls`` row and what is buffered for it."""

    run: str
    crawl_id: int
    source: str
    spider: str | None
    workers: dict[str, str | None] = field(default_factory=dict)  # worker -> end reason
    complete: bool = False
    revisit: dict | None = None
    retry: dict | None = None
    discovered: list[tuple[str, str]] = field(default_factory=list)
    gaps: int = 0
    articles: list[dict] = field(default_factory=list)
    not_modified: list[dict] = field(default_factory=list)
    skips: list[dict] = field(default_factory=list)
    pages: list[dict] = field(default_factory=list)


def run_status(run: Run, dead: list[str]) -> tuple[str, str]:
    """(status, reason) of a run whose workers are all ended or dead."""
    died = f"; {len(dead)} worker(s) died" if dead else ""
    if run.complete:
        return "finished", "finished" + died
    reasons = [r for r in run.workers.values() if r]
    if not reasons:
        return "killed", "all workers died"
    reason = reasons[-1]
    return crawl_status(reason), reason + died


class Ingest:
    def __init__(self, server, store, *, topics=(), prefix: str = DEFAULT_PREFIX,
                 batch_size: int = DEFAULT_BATCH, poll: float = 1.0):
        self.server = server
        self.store = store
        self.topics = list(topics)
        self.prefix = prefix
        self.key = items_key(prefix)
        self.processing = self.key + ":processing"
        self.pending_prefix = self.key + ":pending:"
        self.batch_size = max(1, int(batch_size))
        self.poll = poll
        self.runs: dict[str, Run] = {}
        self.stopping = False
        self.stored = 0
        self.last_beat = time.monotonic()
        self._take = server.register_script(_TAKE)
        # the archive of the pages workers send with their articles (VEILLE_ARCHIVE)
        policy = ArchivePolicy.from_setting()
        self.archive = Archive(store.path.parent, policy) if policy.enabled else None
        self.parsers: dict[str, object] = {}  # source -> its crawls' parser (scrapers.reextract)

    # -- popping -------------------------------------------------------------------------
    def pop(self, block: bool) -> list[bytes]:
        """Up to batch_size messages, moved to the processing list (waits up to ``poll``
        seconds for the first one when ``block``)."""
        if block:
            first = self.server.blmove(self.key, self.processing, self.poll, "LEFT", "RIGHT")
        else:
            first = self.server.lmove(self.key, self.processing, "LEFT", "RIGHT")
        if first is None:
            return []
        more = self._take(keys=[self.key, self.processing], args=[self.batch_size - 1]) \
            if self.batch_size > 1 else []
        return [first, *more]

    def replay_leftovers(self) -> int:
        """A previous ingest died: read back the control messages of the runs it had not
        finished, then store the batch it had popped and not committed."""
        n = 0
        for key in sorted(self.server.scan_iter(match=self.pending_prefix + "*", count=1000)):
            key = key.decode() if isinstance(key, bytes) else key
            rid = key[len(self.pending_prefix):]
            row = crawl_of_run(self.store, rid)
            if row is not None and row["status"] == "finished":
                self.server.delete(key)  # killed after finishing it, before dropping this
                continue
            kept = self.server.lrange(key, 0, -1)
            log.warning("reading back %d control message(s) of run %s", len(kept), rid)
            self.handle(kept, stash=False)
            n += len(kept)
        left = self.server.lrange(self.processing, 0, -1)
        if left:
            log.warning("replaying %d message(s) a previous ingest had popped", len(left))
            self.handle(left)
        return n + len(left)

    # -- messages ------------------------------------------------------------------------
    def _run_of(self, msg: dict) -> Run:
        rid = msg["run"]
        run = self.runs.get(rid)
        if run is None:
            source = msg.get("source") or msg.get("spider") or "unknown"
            args = {**(msg.get("args") or {}), "run": rid}
            crawl_id = self.store.start_crawl(source, spider=msg.get("spider"), args=args)
            run = self.runs[rid] = Run(rid, crawl_id, source, msg.get("spider"))
            log.info("run %s (%s): crawl %s", rid, source, crawl_id)
        return run

    def handle(self, raws: list[bytes], stash: bool = True) -> None:
        """Buffer the messages per run, write them, then drop them from the processing list
        (keeping the runs' control messages until the runs are finished, see the module
        doc; ``stash=False`` for messages read back from there)."""
        control: dict[str, list[bytes]] = {}
        for raw in raws:
            try:
                msg = json.loads(raw)
                kind, worker = msg["type"], msg["worker"]
                run = self._run_of(msg)
            except (ValueError, KeyError, TypeError) as exc:
                log.error("bad message dropped (%s): %r", exc, raw[:200])
                continue
            run.workers.setdefault(worker, None)
            if kind in ("start", "page", "end"):
                control.setdefault(run.run, []).append(raw)
            item = msg.get("item") or {}
            if kind == "article":
                run.articles.append(item)
            elif kind == "not_modified":
                run.not_modified.append(item)
            elif kind == "skip":
                run.skips.append(item)
            elif kind == "page":
                run.pages.append(item)
            elif kind == "discovered":
                run.discovered.extend((url, item.get("kind")) for url in item.get("urls") or ())
            elif kind == "gap":
                run.gaps += 1
            elif kind == "start":
                if msg.get("revisit"):
                    run.revisit = msg["revisit"]
                if msg.get("retry"):
                    run.retry = msg["retry"]
            elif kind == "end":
                run.workers[worker] = msg.get("reason") or "finished"
                run.complete = run.complete or bool(msg.get("complete"))
                log.info("run %s: worker %s ended (%s, %s items)", run.run, worker,
                         msg.get("reason"), msg.get("pushed"))
            else:
                log.error("message of unknown type %r dropped", kind)
        self.flush()
        if not stash:
            return
        pipe = self.server.pipeline(transaction=True)
        for rid, kept in control.items():
            pipe.rpush(self.pending_prefix + rid, *kept)
        pipe.delete(self.processing)
        pipe.execute()

    def flush(self) -> None:
        for run in self.runs.values():
            if run.revisit:
                self.store.revisit = RevisitPolicy(**run.revisit)
            self.store.retry = RetryPolicy(**run.retry) if run.retry else RetryPolicy()
            if run.discovered:  # first: written ahead of the articles they lead to
                batch, run.discovered = run.discovered, []
                self.store.discover(run.crawl_id, batch, run.source)
            if run.articles:
                batch, run.articles = run.articles, []
                self.stored += len(batch)
                for item in batch:
                    if isinstance(item.get("page"), dict):
                        item["page"] = page_of_message(item["page"])
                if run.source not in self.parsers:
                    self.parsers[run.source] = parser_of_source(self.store, run.source)
                before_save(self.store, self.archive, run.crawl_id, run.source, batch[0].get("site"),
                            self.parsers[run.source], batch)
                self.store.save_batch(run.crawl_id, batch, skip_invalid=True)
            if run.not_modified:
                batch, run.not_modified = run.not_modified, []
                self.store.touch_batch(run.crawl_id, batch)
            if run.skips:
                batch, run.skips = run.skips, []
                self.store.save_skips(run.crawl_id, batch)
            if run.gaps:
                n, run.gaps = run.gaps, 0
                self.store.add_gaps(run.crawl_id, n)
        self.beat()

    def beat(self, force: bool = False) -> None:
        """Renew the leases of the open runs' rows (every :data:`BEAT_SECONDS`)."""
        if self.runs and (force or time.monotonic() - self.last_beat >= BEAT_SECONDS):
            self.store.heartbeat([run.crawl_id for run in self.runs.values()])
            self.last_beat = time.monotonic()

    # -- ends of runs ----------------------------------------------------------------------
    def _alive(self, run: Run, worker: str) -> bool:
        return bool(self.server.exists(RunKeys(self.prefix, run.run).heartbeat(worker)))

    def check_runs(self, stop_all: str | None = None) -> list[int]:
        """Finish the runs whose workers all ended or died (all runs, ``interrupted``, when
        ``stop_all`` gives a reason). Call only when the queue is empty: an ``end`` message
        not read yet must not pass for a death. Returns the crawl ids finished."""
        finished = []
        for run in list(self.runs.values()):
            running = [w for w, r in run.workers.items() if r is None]
            alive = [w for w in running if self._alive(run, w)]
            if alive or not run.workers:
                if stop_all is None:
                    continue
                status, reason = "interrupted", stop_all
            else:
                status, reason = run_status(run, running)
            self.finish_run(run, status, reason)
            finished.append(run.crawl_id)
        if finished:
            self.after_runs({self.store.crawl(c)["source"] for c in finished})
        return finished

    def finish_run(self, run: Run, status: str, reason: str) -> None:
        self.flush()
        if status == "finished" and run.pages:
            self.store.save_pages(run.source, run.pages)
        self.store.finish_crawl(run.crawl_id, status=status, reason=reason)
        self.server.delete(self.pending_prefix + run.run)
        del self.runs[run.run]
        row = self.store.crawl(run.crawl_id)
        log.info("run %s: crawl %s %s (%s): %s fetched, %s new, %s updated, %s unchanged,"
                 " %s duplicate, %s skipped, %s failed", run.run, run.crawl_id, status, reason,
                 row["fetched"], row["new"], row["updated"], row["unchanged"], row["duplicate"],
                 row["skipped"], row["failed"])

    def after_runs(self, sources) -> None:
        if self.topics:
            from veille.monitor.flags import flag_pending

            flags = flag_pending(self.store, self.topics)
            if flags:
                log.info("%d flag(s)", len(flags))
        for source in sorted(sources):
            self.publish_known(source)

    def publish_known(self, source: str) -> int:
        """Put the validators of ``source``'s known articles and pages into Redis, for
        workers that have no store (:func:`scrapers.distributed.middleware.load_known`)."""
        n = 0
        pages = [(url, *v) for url, v in self.store.page_validators(source).items()]
        undated = list(self.store.undated_first_seen(source).items())
        for key, found in ((known_key(self.prefix, source), self.store.article_validators(source)),
                           (pages_key(self.prefix, source), pages),
                           (pending_key(self.prefix, source), self.store.pending_snapshot(source)),
                           (undated_key(self.prefix, source), undated)):
            tmp = key + ":new"
            pipe = self.server.pipeline(transaction=False)
            pipe.delete(tmp)
            rows = 0
            for url, *rest in found:
                pipe.hset(tmp, url, json.dumps(rest))
                rows += 1
                if rows % 5000 == 0:
                    pipe.execute()
            pipe.execute()
            if rows:
                self.server.rename(tmp, key)
            else:
                self.server.delete(key)
            n += rows
        return n

    def publish_all(self) -> None:
        """Publish the validators of every source of the store, and drop the snapshots of
        sources it does not have (the store is the authority)."""
        sources = self.store.sources()
        keep = {k for s in sources for k in (known_key(self.prefix, s), pages_key(self.prefix, s),
                                             pending_key(self.prefix, s), undated_key(self.prefix, s))}
        for pattern in (known_key(self.prefix, "*"), pages_key(self.prefix, "*"), pending_key(self.prefix, "*"),
                        undated_key(self.prefix, "*")):
            for key in self.server.scan_iter(match=pattern, count=1000):
                key = key.decode() if isinstance(key, bytes) else key
                if key not in keep and not key.endswith(":new"):
                    self.server.delete(key)
        for source in sorted(sources):
            self.publish_known(source)

    # -- the loop ----------------------------------------------------------------------------
    def loop(self, drain: bool = False) -> int:
        self.replay_leftovers()
        if not drain:
            self.publish_all()
        while not self.stopping:
            raws = self.pop(block=not drain)
            if raws:
                self.handle(raws)
            else:
                self.beat()
            if self.server.llen(self.key) == 0:  # caught up: ends of runs can be judged
                self.check_runs()
                if drain:
                    break
        self.check_runs(stop_all="ingest stopped before the run ended")
        return 0


def crawl_of_run(store, run: str) -> dict | None:
    """The last ``crawls`` row the ingest opened for run ``run`` (``args.run``), or None."""
    crawl_id = crawls.of_run(store.conn, run)
    return store.crawl(crawl_id) if crawl_id is not None else None


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="veille ingest", description=__doc__.split("\n\n")[0])
    p.add_argument("--redis", metavar="URL", help="Redis URL (default: $VEILLE_REDIS_URL)")
    p.add_argument("--db", metavar="PATH", help="the store (default: the config's, $VEILLE_DB, data/veille.db)")
    p.add_argument("--config", metavar="PATH", help="the config file, for the topics to flag (default: veille.toml)")
    p.add_argument("--drain", action="store_true", help="store what is queued, then exit")
    p.add_argument("--prefix", default=None, help=f"prefix of the Redis keys (default: {DEFAULT_PREFIX})")
    p.add_argument("--batch-size", type=int, default=DEFAULT_BATCH, help="items per transaction")
    return p


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    prog = "veille ingest"
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s: %(message)s")
    url = args.redis or os.environ.get("VEILLE_REDIS_URL")
    if not url:
        print(f"{prog}: no Redis URL: give --redis or set VEILLE_REDIS_URL", file=sys.stderr)
        return 2
    cfg = load_config_for(prog, args.config)
    if cfg is None:
        return 2
    try:
        import redis
    except ImportError:
        print(f"{prog}: the redis package is missing: pip install 'veille[distributed]'", file=sys.stderr)
        return 2
    server = redis.Redis.from_url(url)
    try:
        server.ping()
    except redis.RedisError as exc:
        print(f"{prog}: cannot reach Redis at {url}: {exc}", file=sys.stderr)
        return 1
    from veille.monitor.flags import sync_topics

    try:
        store = Store(cfg.db_path(args.db))
    except StoreError as exc:  # another application's database (2), a damaged store (1)
        print(f"{prog}: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, NotAStore) else 1
    if cfg.topics:
        sync_topics(store, cfg.topics)
    ingest = Ingest(server, store, topics=cfg.topics, prefix=args.prefix or DEFAULT_PREFIX,
                    batch_size=args.batch_size)

    def stop(signum, frame):
        if not ingest.stopping:
            log.info("%s: stopping after the batch at hand", signal.Signals(signum).name)
        ingest.stopping = True

    old = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    started = time.monotonic()
    try:
        log.info("ingesting %s into %s%s", ingest.key, store.path, " (drain)" if args.drain else "")
        code = ingest.loop(drain=args.drain)
        log.info("%d article(s) stored in %.1fs", ingest.stored, time.monotonic() - started)
        return code
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        if ingest.archive is not None:
            ingest.archive.close()
        store.close()


if __name__ == "__main__":
    sys.exit(main())
