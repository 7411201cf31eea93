"""The scheduler driving distributed crawls: ``[distributed]`` in the config, ``python
scheduler.py --once`` as a real process, its ``scrapy crawl`` workers sharing a Redis
frontier (``scrapers/distributed/``), the run's items stored by the scheduler itself
(``ingest = "inline"``) or by a ``veille ingest`` process (``"daemon"``).

A real ``redis-server`` is started on a free port of 127.0.0.1, without persistence (as in
``tests/e2e/test_distributed.py``).
"""

from __future__ import annotations

import collections
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import NEEDS_REDIS, ROOT, one, processes_with_db, redis, rows

pytestmark = NEEDS_REDIS

SCHEDULER = ROOT / "scheduler.py"
N_ARTICLES = 300
SETTINGS = {
    "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS": 8,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8, "DOWNLOAD_TIMEOUT": 5, "RETRY_TIMES": 1, "LOG_LEVEL": "INFO",
    # a quick end of the run once the frontier is empty, a quick death of a killed worker
    "VEILLE_REDIS_IDLE_SECONDS": 1, "VEILLE_REDIS_HEARTBEAT_TTL": 2,
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from replica.site import generate_site

    return generate_site(tmp_path_factory.mktemp("site"), n_articles=N_ARTICLES)


def toml(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {toml(x)}" for k, x in v.items()) + " }"
    return json.dumps(str(v))


def write_config(tmp_path: Path, base_url: str, distributed: dict, spider: str = "abamako",
                 timeout: str = "2m", args: dict | None = None, **settings) -> Path:
    args = {'base_url': base_url, 'max_pages': 1000, **(args or {})}
    text = (f"[store]\npath = {toml(str(tmp_path / 'veille.db'))}\n\n"
            f"[[sources]]\nname = \"replica\"\nspider = {toml(spider)}\nevery = \"1h\"\n"
            f"timeout = {toml(timeout)}\nargs = {toml(args)}\n"
            f"settings = {toml({**SETTINGS, **settings})}\n\n"
            "[[topics]]\nname = \"otan\"\nquery = \"OTAN OR NATO\"\n\n"
            "[distributed]\n" + "".join(f"{k} = {toml(v)}\n" for k, v in distributed.items()))
    path = tmp_path / "veille.toml"
    path.write_text(text, encoding="utf-8")
    return path


def env() -> dict:
    e = {k: v for k, v in os.environ.items() if k not in ("VEILLE_DB", "VEILLE_REDIS_URL")}
    e["PYTHONUNBUFFERED"] = "1"
    return e


def once(config: Path, *extra: str, timeout: float = 90) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCHEDULER), "--once", "--all", "--config", str(config),
                           "--log-level", "INFO", *extra],
                          cwd=config.parent, env=env(), capture_output=True, text=True, timeout=timeout)


def worker_items(stderr: str) -> dict[str, int]:
    """Items pushed per worker, from the ingest's "worker W ended (reason, N items)" lines."""
    return {w: int(n) for w, n in re.findall(r"worker (\S+) ended \(\w+, (\d+) items\)", stderr)}


def check_crawl(db: Path, site, stderr: str) -> dict:
    [crawl] = rows(db, "select * from crawls")
    assert (crawl["source"], crawl["status"], crawl["finish_reason"]) == ("replica", "finished", "finished"), stderr
    n = len(site.articles)
    assert crawl["fetched"] == n
    assert crawl["new"] + crawl["duplicate"] == n
    assert one(db, "select count(*) from articles") == n
    assert re.fullmatch(r"replica-\d{8}T\d{6}Z-[0-9a-f]{8}", json.loads(crawl["args"])["run"])
    return crawl


def check_fetches(srv, mark) -> None:
    fetches = collections.Counter(h["path"] for h in srv.hits(mark) if h["path"].startswith("/h/")
                                  and h.get("status"))
    assert len(fetches) == N_ARTICLES
    assert set(fetches.values()) == {1}, collections.Counter(fetches.values())  # no page twice


def test_once_with_two_workers_inline_ingest(site, make_replica, redis_url, tmp_path):
    srv = make_replica(site.out_dir, faults={"/h/*": {"slow": 0.03}})  # long enough for both
    cfg = write_config(tmp_path, srv.base_url, {"redis": redis_url, "workers": 2})
    db = tmp_path / "veille.db"
    mark = srv.mark()
    t0 = time.monotonic()
    p = once(cfg)
    elapsed = time.monotonic() - t0
    assert p.returncode == 0, p.stderr[-5000:]
    crawl = check_crawl(db, site, p.stderr)
    check_fetches(srv, mark)

    # both workers did work, and between them pushed every article
    items = worker_items(p.stderr)
    assert len(items) == 2, p.stderr[-5000:]
    assert min(items.values()) > N_ARTICLES // 20, items
    assert sum(items.values()) >= N_ARTICLES

    # flagged by the flag step, and reported
    flags = rows(db, "select * from flags where topic = 'otan'")
    assert flags and {f["crawl_id"] for f in flags} == {crawl["id"]}
    assert "otan" in p.stdout
    titles = [r["headline"] or r["title"] for r in rows(
        db, "select a.headline, a.title from flags f join articles a on a.id = f.article_id")]
    assert any(t and t in p.stdout for t in titles), p.stdout[-3000:]
    assert "redis://" not in " ".join(p.args)  # the URL goes through the environment
    assert processes_with_db(db) == []
    # the run's Redis keys were under the source's own prefix, and nothing is left queued
    server = redis.Redis.from_url(redis_url)
    try:
        assert server.llen("veille:inline:replica:items") == 0
        assert not server.exists("veille:inline:replica:items:processing")
    finally:
        server.close()
    print(f"distributed --once: {elapsed:.1f}s, items per worker {sorted(items.values())}")


def test_workers_crash_is_a_failed_crawl(site, make_replica, redis_url, tmp_path):
    srv = make_replica(site.out_dir)
    # a spider argument the spider refuses: every worker exits 2 before it starts
    cfg = write_config(tmp_path, srv.base_url, {"redis": redis_url, "workers": 2}, args={"ids": "abc"})
    db = tmp_path / "veille.db"
    p = once(cfg)
    assert p.returncode == 3, p.stderr[-5000:]  # ran, but the source failed
    [crawl] = rows(db, "select * from crawls")
    assert crawl["status"] == "failed"
    assert crawl["finish_reason"].startswith("crashed before starting (exit code 2"), crawl
    assert re.fullmatch(r"replica-\d{8}T\d{6}Z-[0-9a-f]{8}", json.loads(crawl["args"])["run"])
    assert "2 of 2 workers" in p.stderr and "ids: 'abc' is not an id" in p.stderr
    assert "replica" in p.stdout  # the failure is in the report
    assert processes_with_db(db) == []


def test_daemon_ingest(site, make_replica, redis_url, tmp_path):
    """``ingest = "daemon"``: a running ``veille ingest`` stores the run (and flags it, having
    the config); the scheduler waits for the run's row, reports it with its flags."""
    srv = make_replica(site.out_dir)
    # its own key prefix: the other tests' leftovers (none expected) cannot reach it
    cfg = write_config(tmp_path, srv.base_url, {"redis": redis_url, "workers": 2, "ingest": "daemon"},
                       VEILLE_REDIS_PREFIX="daemontest")
    db = tmp_path / "veille.db"
    ing = subprocess.Popen([sys.executable, "-m", "veille.schedule.ingest", "--redis", redis_url, "--config", str(cfg),
                            "--prefix", "daemontest"], cwd=ROOT, env=env(), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    try:
        mark = srv.mark()
        p = once(cfg)
        assert p.returncode == 0, p.stderr[-5000:]
    finally:
        ing.terminate()
        out, _ = ing.communicate(timeout=30)
    assert ing.returncode == 0, out[-3000:]
    check_crawl(db, site, p.stderr)
    check_fetches(srv, mark)
    assert rows(db, "select 1 from flags where topic = 'otan'")
    assert "otan" in p.stdout
    assert processes_with_db(db) == []


def test_hanging_workers_time_out(site, make_replica, redis_url, tmp_path):
    """Past the source's timeout every worker gets the escalation; what they pushed is
    still stored, and the run's row is failed/timeout."""
    srv = make_replica(site.out_dir, faults={"/h/*": {"slow": 120}})
    cfg = write_config(tmp_path, srv.base_url, {"redis": redis_url, "workers": 2}, timeout="3s",
                       DOWNLOAD_TIMEOUT=120)
    db = tmp_path / "veille.db"
    t0 = time.monotonic()
    p = once(cfg)
    elapsed = time.monotonic() - t0
    assert p.returncode == 3, p.stderr[-5000:]
    [crawl] = rows(db, "select * from crawls")
    assert (crawl["status"], crawl["finish_reason"]) == ("failed", "timeout"), p.stderr[-5000:]
    assert len(re.findall(r"replica: crawl process \(pid \d+\): timeout; SIGINT", p.stderr)) == 2
    assert 3 <= elapsed < 3 + 10 + 5 + 15  # timeout + the stop graces + start-up and drain
    assert processes_with_db(db) == []


def test_no_redis_url_is_a_usage_error(tmp_path):
    cfg = write_config(tmp_path, "http://127.0.0.1:9", {"workers": 2})
    p = once(cfg)  # env() drops $VEILLE_REDIS_URL
    assert p.returncode == 2
    line = cfg.read_text().splitlines().index("[distributed]") + 1
    assert f"veille.toml:{line}: [distributed] has no 'redis' URL and $VEILLE_REDIS_URL is not set" in p.stderr
    assert not (tmp_path / "veille.db").exists()
