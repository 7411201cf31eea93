"""Distributed crawling: `scrapy crawl` workers sharing a Redis frontier, `veille ingest`.

A real ``redis-server`` (Debian's package; ``.ci/run`` installs it) is started on a free
port of 127.0.0.1 in a temp dir, without persistence. The workers are given no store
(``VEILLE_DB`` points at a file that does not exist), as on other machines; one ingest
process owns the store.

- two workers over a 2,000-article replica: every article stored exactly once, every
  article page fetched exactly once (the replica's hit log), the work shared;
- one worker SIGKILLed midway while the ingest runs live: the other one puts the dead
  worker's in-flight requests back into the frontier and finishes the run; every article
  is stored exactly once in the end. Pages the dead worker had in flight are fetched
  twice (at most its CONCURRENT_REQUESTS plus what it was parsing): that is checked too;
- a second run with the ingest's published validators: every article answers 304.
"""

from __future__ import annotations

import collections
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from helpers import FAST, NEEDS_REDIS, ROOT, one, rows

from replica import serve
from replica.site import generate_site

pytestmark = NEEDS_REDIS

N_ARTICLES = 2000
WORKER_CONCURRENCY = 16


@pytest.fixture(scope="module")
def big_site(tmp_path_factory):
    return generate_site(tmp_path_factory.mktemp("big_site"), n_articles=N_ARTICLES, variants=False)


@pytest.fixture(scope="module")
def big_replica(big_site):
    with serve(big_site.out_dir) as srv:
        yield srv


def worker(redis_url, base_url, run, ids, tmp_path, name, args=(), **settings) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "abamako", "-a", f"base_url={base_url}",
           "-a", f"ids={ids}"]
    for arg in args:
        cmd += ["-a", arg]
    merged = {**FAST, "CONCURRENT_REQUESTS": WORKER_CONCURRENCY,
              "CONCURRENT_REQUESTS_PER_DOMAIN": WORKER_CONCURRENCY, "VEILLE_RUN_ID": run,
              "VEILLE_REDIS_IDLE_SECONDS": "1", "VEILLE_REDIS_HEARTBEAT_TTL": "2", **settings}
    for k, v in merged.items():
        cmd += ["-s", f"{k}={v}"]
    # no store on a worker: the file VEILLE_DB names does not exist
    env = {**os.environ, "VEILLE_REDIS_URL": redis_url, "VEILLE_DB": str(tmp_path / "no-store.db")}
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=open(tmp_path / f"{name}.log", "w"))


def ingest(redis_url, db, *extra) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "veille.schedule.ingest", "--redis", redis_url,
                             "--db", str(db), *extra], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def stat(log_path, name) -> int:
    m = re.search(rf"'{re.escape(name)}': (\d+)", log_path.read_text())
    return int(m.group(1)) if m else 0


def wait(proc, timeout, what, log=None):
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        tail = log.read_text()[-3000:] if log is not None else ""
        pytest.fail(f"{what} still running after {timeout}s\n{tail}")


def article_fetches(srv, since) -> collections.Counter:
    return collections.Counter(h["path"] for h in srv.hits(since)
                               if h["path"].startswith("/h/") and h.get("status"))


def check_store(db, site):
    """Every article of the site stored exactly once, with the expected text."""
    arts = rows(db, "SELECT url, content_hash, versions_count FROM articles")
    assert len(arts) == N_ARTICLES
    assert one(db, "SELECT count(*) FROM versions") == N_ARTICLES
    assert all(a["versions_count"] == 1 for a in arts)
    by_id = {int(re.search(r"/h/(\d+)\.html", a["url"]).group(1)): a["content_hash"] for a in arts}
    assert sorted(by_id) == site.ids
    assert all(by_id[aid] == site.article(aid)["sha256"] for aid in site.ids)


def test_two_workers_share_the_frontier(redis_url, big_site, big_replica, tmp_path):
    ids = f"{big_site.ids[0]}-{big_site.ids[-1]}"
    db = tmp_path / "veille.db"
    mark = big_replica.mark()
    t0 = time.monotonic()
    a = worker(redis_url, big_replica.base_url, "two", ids, tmp_path, "a")
    b = worker(redis_url, big_replica.base_url, "two", ids, tmp_path, "b")
    assert wait(a, 90, "worker a", tmp_path / "a.log") == 0, (tmp_path / "a.log").read_text()[-3000:]
    assert wait(b, 90, "worker b", tmp_path / "b.log") == 0, (tmp_path / "b.log").read_text()[-3000:]
    crawl_s = time.monotonic() - t0
    assert not (tmp_path / "no-store.db").exists()  # a worker creates no store

    pushed = [stat(tmp_path / f"{w}.log", "veille/redis/pushed/article") for w in "ab"]
    assert sum(pushed) == N_ARTICLES and min(pushed) > N_ARTICLES // 10, pushed

    fetches = article_fetches(big_replica, mark)
    assert len(fetches) == N_ARTICLES
    assert set(fetches.values()) == {1}, collections.Counter(fetches.values())  # no page twice

    t0 = time.monotonic()
    proc = ingest(redis_url, db, "--drain")
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    ingest_s = time.monotonic() - t0
    check_store(db, big_site)
    crawls = rows(db, "SELECT * FROM crawls")
    assert len(crawls) == 1
    c = crawls[0]
    assert (c["status"], c["finish_reason"], c["fetched"]) == ("finished", "finished", N_ARTICLES)
    assert c["new"] + c["duplicate"] == N_ARTICLES
    assert '"run": "two"' in c["args"]
    print(f"two workers: {crawl_s:.1f}s for {N_ARTICLES} pages, shares {pushed}; ingest {ingest_s:.1f}s")


def test_worker_killed_midway_the_other_finishes(redis_url, big_site, big_replica, tmp_path):
    ids = f"{big_site.ids[0]}-{big_site.ids[-1]}"
    db = tmp_path / "veille.db"
    mark = big_replica.mark()
    # another key prefix: nothing of the first test's run (nor its validators) is seen
    ing = ingest(redis_url, db, "--prefix", "other")  # live: runs until stopped
    a = worker(redis_url, big_replica.base_url, "kill", ids, tmp_path, "a", VEILLE_REDIS_PREFIX="other")
    b = worker(redis_url, big_replica.base_url, "kill", ids, tmp_path, "b", VEILLE_REDIS_PREFIX="other")
    try:
        deadline = time.monotonic() + 60
        while sum(article_fetches(big_replica, mark).values()) < N_ARTICLES // 3:
            assert time.monotonic() < deadline, "the crawl did not get going"
            assert a.poll() is None, (tmp_path / "a.log").read_text()[-3000:]
            time.sleep(0.05)
        a.send_signal(signal.SIGKILL)
        killed_at = sum(article_fetches(big_replica, mark).values())
        assert a.wait(10) == -signal.SIGKILL
        assert wait(b, 90, "worker b", tmp_path / "b.log") == 0, (tmp_path / "b.log").read_text()[-3000:]
        # the ingest finishes the run once b's end is read and a's heartbeat has expired
        deadline = time.monotonic() + 30
        while True:
            try:
                status = rows(db, "SELECT status FROM crawls") if db.exists() else []
            except sqlite3.OperationalError:  # the ingest is creating the store
                status = []
            if status and status[0]["status"] != "running":
                break
            assert time.monotonic() < deadline, "the ingest did not finish the run"
            assert ing.poll() is None, ing.communicate()[0][-3000:]
            time.sleep(0.1)
    finally:
        for p in (a, b):
            if p.poll() is None:
                p.kill()
                p.wait()
        ing.send_signal(signal.SIGTERM)
    out, _ = ing.communicate(timeout=30)
    assert ing.returncode == 0, out

    assert killed_at < N_ARTICLES * 0.9  # a really died midway
    recovered = stat(tmp_path / "b.log", "veille/redis/recovered")
    assert recovered >= 1  # b put a's in-flight requests back
    check_store(db, big_site)  # every article stored, exactly once
    c = rows(db, "SELECT * FROM crawls")
    assert len(c) == 1
    assert (c[0]["status"], c[0]["finish_reason"]) == ("finished", "finished; 1 worker(s) died")

    fetches = article_fetches(big_replica, mark)
    assert len(fetches) == N_ARTICLES  # every page fetched
    twice = [p for p, n in fetches.items() if n > 1]
    assert max(fetches.values()) <= 2
    # Only requests a had in flight were fetched again, all put back into the frontier by
    # b. In flight: up to CONCURRENT_REQUESTS downloading, plus responses downloaded and
    # waiting for the parser (Scrapy lets up to SCRAPER_SLOT_MAX_ACTIVE_SIZE, 5 MB, wait:
    # on a loaded machine, a few dozen pages here).
    assert len(twice) <= recovered < N_ARTICLES // 4, (len(twice), recovered)
    print(f"killed at {killed_at} pages; {recovered} requests recovered, {len(twice)} pages fetched twice")


def test_recrawl_with_the_validators_the_ingest_publishes(redis_url, replica, replica_site, tmp_path):
    """A worker without a store reads the known articles' validators from Redis."""
    ids = f"{replica_site.ids[0]}-{replica_site.ids[-1]}"
    db = tmp_path / "veille.db"
    n = len(replica_site.ids)
    for run in ("first", "again"):
        mark = replica.mark()
        w = worker(redis_url, replica.base_url, run, ids, tmp_path, run, args=["revisit=all"],
                   VEILLE_REDIS_PREFIX="small")
        assert wait(w, 60, run, tmp_path / f"{run}.log") == 0, (tmp_path / f"{run}.log").read_text()[-3000:]
        proc = ingest(redis_url, db, "--drain", "--prefix", "small")
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0, out
    first, again = rows(db, "SELECT * FROM crawls ORDER BY id")
    assert first["status"] == again["status"] == "finished"
    assert first["new"] + first["duplicate"] == n
    assert (again["fetched"], again["not_modified"], again["new"], again["updated"]) == (n, n, 0, 0)
    assert replica.stats(mark)["304"] == n
    assert "known articles from Redis" in (tmp_path / "again.log").read_text()
