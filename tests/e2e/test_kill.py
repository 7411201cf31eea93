"""A crawl killed at any moment leaves a consistent store; the next crawl completes it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from helpers import FAST, ROOT, one, rows, run_crawl


def start_crawl(db, base_url, ids, **settings):
    cmd = [sys.executable, "-m", "scrapy", "crawl", "abamako", "-a", f"base_url={base_url}", "-a", f"ids={ids}"]
    for k, v in {**FAST, **settings}.items():
        cmd += ["-s", f"{k}={v}"]
    return subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "VEILLE_DB": str(db)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def consistent(db):
    assert one(db, "pragma integrity_check") == "ok"
    assert rows(db, "pragma foreign_key_check") == []
    assert one(db, "select count(*) from articles a left join contents c on c.hash = a.content_hash where c.hash is null") == 0
    assert one(db, "select count(*) from versions v left join contents c on c.hash = v.content_hash where c.hash is null") == 0
    assert one(db, "select count(*) from articles a where not exists (select 1 from versions v where v.article_id = a.id)") == 0
    # the crawl's counts are written in the same transaction as its rows
    for crawl in rows(db, "select * from crawls"):
        stored = one(db, "select count(*) from versions where crawl_id = ?", [crawl["id"]])
        assert crawl["new"] + crawl["updated"] + crawl["duplicate"] == stored


def test_sigkill_midway_then_next_crawl_completes(make_site, make_replica, tmp_path):
    site = make_site(n_articles=300, variants=False)
    srv = make_replica(site.out_dir)
    db = tmp_path / "kill.db"
    ids = sorted(int(i) for i in site.articles)
    id_range = f"{ids[0]}-{ids[-1]}"
    killed_at = []
    for threshold in (20, 120):
        proc = start_crawl(db, srv.base_url, id_range, VEILLE_BATCH_SIZE="7", CONCURRENT_REQUESTS="2",
                           CONCURRENT_REQUESTS_PER_DOMAIN="2")
        deadline = time.monotonic() + 120
        n = 0
        while time.monotonic() < deadline and proc.poll() is None:
            if db.exists():
                try:
                    n = one(db, "select count(*) from articles")
                except Exception:
                    n = 0
                if n >= threshold:
                    break
            time.sleep(0.05)
        assert proc.poll() is None, "the crawl ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        killed_at.append(n)
        consistent(db)
    assert one(db, "select count(*) from articles") < 300

    run_crawl(db, srv.base_url, args={"ids": id_range})
    consistent(db)
    assert one(db, "select count(*) from articles") == 300
    statuses = [r["status"] for r in rows(db, "select status from crawls order by id")]
    assert statuses == ["killed", "killed", "finished"]
    for art in site.articles.values():
        text = one(db, "select c.text from articles a join contents c on c.hash = a.content_hash where a.url = ?",
                   [srv.base_url + art["path"]])
        assert text == art["text"]
