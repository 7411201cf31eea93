"""The ingest side of the kill loop: ``veille ingest`` SIGKILLed at random moments.

``tests/test_faults.py`` kills crawls that write the store themselves; here the store is
written by the ingest process (``veille/schedule/ingest.py``) from the Redis queue a distributed
worker (``scrapers/distributed/``) fills. A real ``redis-server`` runs on a free port of
127.0.0.1 (as in ``tests/e2e/test_distributed.py``); one worker, without a store, crawls a
400-article replica at a steady pace, so that items keep arriving while ingests come and
go. Every round an ingest (``python -m veille.schedule.ingest --redis URL --db DB``, a random
``--batch-size``) is started and SIGKILLed after a random delay (``random.Random(seed)``)
of 0.05-1.0 s: in 20% of the rounds counted from its start (imports, schema creation,
replay), else from when it logged that it is ingesting; in 30% of the rounds it is then
killed at the next moment a batch is in ``<prefix>:items:processing`` (popped, committed
or not, not dropped yet). The next round's ingest is the
"normal run" that replays what the killed one had popped. After every round:

- ``PRAGMA integrity_check`` is ``ok`` and ``foreign_key_check`` is empty;
- every article has a ``contents`` row for its ``content_hash`` and its versions; no two
  consecutive versions of an article have the same text (no version stored twice), the
  version chains hold, every stored text is one the site served, each crawl row's counts
  match the versions it stored (``test_faults.check_store``);
- the numbers of stored articles and versions never decrease (nothing committed lost).

After the rounds, once the worker has exited, ``veille ingest --drain`` runs normally:
every article of the replica is stored exactly once (one version) with the manifest's
text, and the Redis queue and the processing list are empty.

The quick variant (4 rounds) runs by default; the 20-round loop is marked ``slow``.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest
from helpers import NEEDS_REDIS, ROOT, one, redis, rows

pytestmark = NEEDS_REDIS

if redis is not None:
    # the worker command line of the distributed suite
    from test_distributed import wait, worker
    from test_faults import check_store  # the invariants of the crawl kill loop

N_ARTICLES = 400
PREFIX = "kills"
BATCH_SIZES = (1, 4, 32, 250)  # 1: no Lua take; 250: the default


@pytest.fixture
def redis_url(redis_url_per_test):
    """A redis-server of its own for each test."""
    return redis_url_per_test


def start_ingest(redis_url, db, log_path, *extra) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "veille.schedule.ingest", "--redis", redis_url, "--db", str(db),
         "--prefix", PREFIX, *extra],
        cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=open(log_path, "wb"))


def _has_schema(db) -> bool:
    return bool(one(db, "select count(*) from sqlite_master where type = 'table' and name = 'articles'"))


def ingest_kill_rounds(tmp_path, make_site, make_replica, redis_url, rounds: int, seed: int):
    from veille.core.textformat import content_hash

    rng = random.Random(seed)
    site = make_site(n_articles=N_ARTICLES, variants=False)
    srv = make_replica(site.out_dir)
    db = tmp_path / "ingest.db"
    ids = sorted(int(i) for i in site.articles)
    history = {srv.base_url + a["path"]: {content_hash(a["text"])} for a in site.articles.values()}
    server = redis.Redis.from_url(redis_url)
    items, processing = f"{PREFIX}:items", f"{PREFIX}:items:processing"

    # one worker, paced (one request at a time, a delay between) to keep pushing items for
    # about as long as the rounds take (~1.3 s each)
    delay = rounds * 1.3 / N_ARTICLES
    w = worker(redis_url, srv.base_url, f"kills-{seed}", f"{ids[0]}-{ids[-1]}", tmp_path, "worker",
               VEILLE_REDIS_PREFIX=PREFIX, CONCURRENT_REQUESTS=1, CONCURRENT_REQUESTS_PER_DOMAIN=1,
               DOWNLOAD_DELAY=f"{delay:.3f}")
    log: list[str] = []
    proc = None
    stored_articles = stored_versions = 0
    try:
        for r in range(rounds):
            t_round = time.monotonic()
            batch = rng.choice(BATCH_SIZES)
            queued = server.llen(items)
            ing_log = tmp_path / f"ingest-{r + 1}.log"
            proc = start_ingest(redis_url, db, ing_log, "--batch-size", str(batch))
            t0 = time.monotonic()
            mode = rng.random()
            if mode < 0.2:  # any moment from the start: imports, schema creation, replay
                when = "after its start"
            else:  # once it is ingesting
                when = "into ingesting"
                while b"ingesting" not in ing_log.read_bytes():
                    assert proc.poll() is None, f"round {r + 1}: the ingest exited " \
                        f"{proc.returncode}:\n{ing_log.read_text(errors='replace')[-3000:]}"
                    assert time.monotonic() - t0 < 30, "the ingest did not start"
                    time.sleep(0.01)
            pause = rng.uniform(0.05, 1.0)
            time.sleep(pause)
            if mode >= 0.7:  # then at the next batch in hand: popped, maybe committed, not dropped
                when += ", mid-batch"
                deadline = time.monotonic() + 3
                while not server.exists(processing) and time.monotonic() < deadline:
                    pass
            assert proc.poll() is None, f"round {r + 1}: the ingest exited {proc.returncode}" \
                f" before the kill:\n{ing_log.read_text(errors='replace')[-3000:]}"
            proc.send_signal(signal.SIGKILL)
            assert proc.wait(10) == -signal.SIGKILL
            proc = None
            left = server.llen(processing)  # popped and not committed (or not yet dropped)

            if db.exists():
                assert one(db, "pragma integrity_check") == "ok"
                assert rows(db, "pragma foreign_key_check") == []
            if db.exists() and _has_schema(db):
                # integrity, FKs, contents of every article, versions chains (none stored
                # twice), texts the site served, crawl counts = versions stored
                check_store(db, history)
                articles = one(db, "select count(*) from articles")
                versions = one(db, "select count(*) from versions")
            else:  # killed before the store had its schema
                articles = versions = 0
            assert articles >= stored_articles, f"round {r + 1}: articles lost"
            assert versions >= stored_versions, f"round {r + 1}: versions lost"
            log.append(f"round {r + 1}: batch {batch}, {queued} queued, killed {pause:.2f} s {when}"
                       f" ({time.monotonic() - t0:.2f} s after start); +{articles - stored_articles}"
                       f" articles ({articles}), {left} left in processing;"
                       f" {time.monotonic() - t_round:.1f} s")
            print(log[-1])
            stored_articles, stored_versions = articles, versions

        # the worker ends by itself once the frontier stays empty (VEILLE_REDIS_IDLE_SECONDS=1)
        wlog = tmp_path / "worker.log"
        assert wait(w, 120, "the worker", wlog) == 0, wlog.read_text()[-3000:]
        t0 = time.monotonic()
        proc = start_ingest(redis_url, db, tmp_path / "drain.log", "--drain")
        assert wait(proc, 120, "ingest --drain", tmp_path / "drain.log") == 0, \
            (tmp_path / "drain.log").read_text(errors="replace")[-3000:]
        proc = None
        drain_s = time.monotonic() - t0
    finally:
        for p in (proc, w):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()
        server.close()

    check_store(db, history)
    # every article of the replica stored exactly once, with the manifest's text
    stored = rows(db, "select a.url, a.versions_count, a.content_hash, c.text"
                      " from articles a join contents c on c.hash = a.content_hash")
    by_url = {s["url"]: s for s in stored}
    assert len(by_url) == len(stored) == N_ARTICLES
    assert one(db, "select count(*) from versions") == N_ARTICLES
    for a in site.articles.values():
        s = by_url[srv.base_url + a["path"]]
        assert s["versions_count"] == 1, s["url"]
        assert s["text"] == a["text"], s["url"]
        assert s["content_hash"] == content_hash(a["text"]), s["url"]
    # nothing left in Redis
    server = redis.Redis.from_url(redis_url)
    try:
        assert server.llen(items) == 0
        assert not server.exists(processing)
    finally:
        server.close()
    statuses = [c["status"] for c in rows(db, "select status from crawls order by id")]
    print(f"final drain {drain_s:.1f} s; crawl rows: "
          + ", ".join(f"{s} x{statuses.count(s)}" for s in sorted(set(statuses))))
    return db, statuses, log


def test_ingest_killed_quick(tmp_path, make_site, make_replica, redis_url):
    _, _, log = ingest_kill_rounds(tmp_path, make_site, make_replica, redis_url,
                                   rounds=4, seed=4)
    assert len(log) == 4


@pytest.mark.slow
def test_ingest_killed_20_rounds(tmp_path, make_site, make_replica, redis_url):
    _, _, log = ingest_kill_rounds(tmp_path, make_site, make_replica, redis_url,
                                   rounds=20, seed=20260102)
    assert len(log) == 20
    # the kills landed while there was work: some rounds stored articles, some left a
    # batch in the processing list for the next ingest to replay
    assert sum(" +0 articles" not in line for line in log) >= 5, log
    assert sum(" 0 left in processing" not in line for line in log) >= 2, log


def test_a_kill_between_a_runs_last_batch_and_its_end_still_finishes_the_run(tmp_path, redis_url):
    """The run's start, page and end messages are committed with the batch that carries
    them, but count only when the run is finished: an ingest killed in between must not
    lose them (the run would stay 'running' and its page validators unsaved)."""
    from storage import Store
    from veille.schedule.ingest import Ingest, crawl_of_run
    from veille.core.textformat import TextParts, write

    server = redis.Redis.from_url(redis_url)
    text = write(TextParts("2022-06", "Titre - abamako.com", "Titre", "Publié le jeudi 30 juin 2022 | Dw",
                           "", ["Un paragraphe."]))

    def msg(kind, **body):
        return json.dumps({"type": kind, "run": "R1", "worker": "w1", "source": "abamako",
                           "spider": "abamako", **body})

    server.rpush(f"{PREFIX}:items",
                 msg("start"),
                 msg("page", item={"url": "http://x/rss/rss.xml", "kind": "feed", "status": 200,
                                   "etag": '"e1"', "last_modified": None}),
                 msg("article", item={"url": "http://x/h/1.html", "text": text, "source": "abamako",
                                      "site": "abamako.com", "title": "Titre - abamako.com", "headline": "Titre"}),
                 msg("end", reason="finished", complete=True))
    store = Store(tmp_path / "v.db")
    first = Ingest(server, store, prefix=PREFIX)
    first.handle(first.pop(block=False))  # committed; then the process "dies" before the run ends
    assert crawl_of_run(store, "R1")["status"] == "running"
    assert server.llen(f"{PREFIX}:items:processing") == 0
    del first

    Ingest(server, store, prefix=PREFIX).loop(drain=True)
    assert crawl_of_run(store, "R1")["status"] == "finished"
    assert store.conn.execute("select etag from pages").fetchall() == [('"e1"',)]
    assert store.conn.execute("select count(*) from versions").fetchone()[0] == 1
    assert not list(server.scan_iter(match=f"{PREFIX}:items:pending:*"))
    server.close()
    store.close()
