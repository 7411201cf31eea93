"""A long article update never holds the store's write lock (issue 10, point 1).

Reproduced on the previous main: an article of 400 paragraphs rewritten into 3,000 others
(a 330 KB page, under the size limit) was diffed paragraph by paragraph inside
``save_batch``'s ``BEGIN IMMEDIATE`` (quadratic: ~1 minute of CPU here); another source's
crawl, writing meanwhile, waited past its busy timeout, got "database is locked" and lost
the batch it was writing.

Here: source B's crawl (slow pages, a transaction every half second) runs while source A's
crawl stores the long update. What lands in the store is checked, not how long it took:
every article of B is stored, B's crawl finished without a failure, nothing was logged
about a locked database, and A's update is stored with its diff.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time

import pytest
from helpers import FAST, ROOT, one, rows, run_crawl, stop_process

from replica import edit_article, generate_site, load_manifest, serve

pytestmark = pytest.mark.timeout(600)

WORDS = ("le la les des une un du de et à en pour par sur dans avec sécurité armée Bamako "
         "gouvernement élection président ministre réunion société économie accord région "
         "coopération défense population santé école marché coton pluie route hôpital").split()


def paragraphs(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 20))).capitalize() + f" ({seed}-{k})."
            for k in range(n)]


def test_a_long_update_does_not_lock_out_another_crawl(tmp_path):
    a = generate_site(tmp_path / "a", n_articles=8)
    b = generate_site(tmp_path / "b", n_articles=40, seed=7, first_id=500000)
    db = tmp_path / "store.db"
    long_id = a.ids[2]
    with serve(a.out_dir) as sa, serve(b.out_dir, faults={"/h/*": {"slow": 0.5}}) as sb:
        # A's article first has 400 paragraphs, then 3,000 others
        edit_article(a.out_dir, long_id, body=paragraphs(400, 1))
        run_crawl(db, sa.base_url)
        edit_article(a.out_dir, long_id, body=paragraphs(3000, 2))
        # B: one page at a time, half a second each, a transaction every half second
        cmd = [sys.executable, "-m", "scrapy", "crawl", "acotonou", "-a", f"base_url={sb.base_url}"]
        for k, v in {**FAST, "CONCURRENT_REQUESTS": "1", "CONCURRENT_REQUESTS_PER_DOMAIN": "1",
                     "DOWNLOAD_TIMEOUT": "10", "VEILLE_FLUSH_SECONDS": "0.5"}.items():
            cmd += ["-s", f"{k}={v}"]
        log = open(tmp_path / "b.log", "w")
        crawl_b = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "VEILLE_DB": str(db)},
                                   stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            while one(db, "SELECT count(*) FROM articles WHERE source = 'acotonou'") < 3:
                assert crawl_b.poll() is None, (tmp_path / "b.log").read_text()[-3000:]
                assert time.monotonic() < deadline, "crawl B stored nothing"
                time.sleep(0.2)
            # A stores the long update while B is writing
            run_crawl(db, sa.base_url, args={"revisit": "all"}, timeout=400)
            assert crawl_b.wait(timeout=300) == 0
        finally:
            if crawl_b.poll() is None:
                stop_process(crawl_b)
            log.close()
    b_log = (tmp_path / "b.log").read_text()
    assert "database is locked" not in b_log, b_log[-3000:]
    # every article of B is in the store, and B's crawl says so
    expected = {f"{sb.base_url}{art['path']}" for art in load_manifest(b.out_dir).articles.values()}
    stored = {r["url"] for r in rows(db, "SELECT url FROM articles WHERE source = 'acotonou'")}
    assert expected <= stored, sorted(expected - stored)[:5]
    (crawl,) = rows(db, "SELECT * FROM crawls WHERE source = 'acotonou'")
    assert crawl["status"] == "finished" and crawl["failed"] == 0, crawl
    assert crawl["fetched"] >= len(expected)
    # A's update is stored, with what changed
    (v,) = rows(db, "SELECT v.* FROM versions v JOIN articles a ON a.id = v.article_id"
                    " WHERE a.url LIKE ? AND v.previous_hash IS NOT NULL", (f"%/{long_id}.html",))
    assert v["diff"] and v["added"].count("(2-") == 3000
