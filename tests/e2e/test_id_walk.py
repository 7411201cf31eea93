"""Bounded memory and a clean stop on any id range (issue 9, point 5).

- ``scrapy crawl abamako -a ids=1-10000000`` with Scrapy's default concurrency (16
  requests, 4 per site; no delay, as for a replica) fetches at once, holds its memory flat
  (the resident size after 3,000 answers is within a few MB of the one after 800) and
  stops cleanly on SIGTERM or SIGINT: the crawl's row ends ``interrupted``. (Before: the
  engine drained the whole range into its queue, ~1.6 KB an id, answering nothing and
  hearing no signal.)
- an id that answers 404 inside a walk is a gap: counted in ``crawls.gaps``, not a failure.
"""

from __future__ import annotations

import signal

import pytest
from helpers import one, rows, rss_kb, run_crawl, start_crawl, wait_until


def answered(srv, mark) -> int:
    return sum(1 for h in srv.hits(mark) if h["path"].startswith("/h/"))


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_huge_id_range_runs_in_flat_memory_and_stops_on_a_signal(replica, tmp_path, sig):
    db, log = tmp_path / "veille.db", tmp_path / "crawl.log"
    mark = replica.mark()
    proc = start_crawl(db, replica.base_url, log, args={"ids": "1-10000000"},
                       settings={"CONCURRENT_REQUESTS": "16", "CONCURRENT_REQUESTS_PER_DOMAIN": "4"})
    try:
        wait_until(lambda: answered(replica, mark) >= 800, 180, "800 answers", proc, log)
        early = rss_kb(proc.pid)
        wait_until(lambda: answered(replica, mark) >= 3000, 240, "3,000 answers", proc, log)
        late = rss_kb(proc.pid)
        proc.send_signal(sig)
        rc = proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    print(f"RSS after 800 answers: {early / 1024:.1f} MB; after 3,000: {late / 1024:.1f} MB")
    assert late - early < 8 * 1024, (early, late)  # flat: not ~1.6 KB per id queued
    assert rc == 0, log.read_text()[-3000:]
    [c] = rows(db, "select * from crawls")
    assert (c["status"], c["finish_reason"]) == ("interrupted", "shutdown")
    assert c["gaps"] >= 3000 - 100 and c["failed"] == 0
    assert one(db, "select count(*) from skips") == 0


def test_a_404_inside_a_walk_is_a_gap_not_a_failure(replica, replica_site, tmp_path):
    db = tmp_path / "veille.db"
    lo, hi = replica_site.ids[0], replica_site.ids[-1]
    run_crawl(db, replica.base_url, args={"ids": f"{lo - 15}-{hi + 25}"})
    [c] = rows(db, "select * from crawls")
    assert c["status"] == "finished"
    assert (c["gaps"], c["failed"]) == (40, 0)
    assert one(db, "select count(*) from skips where reason = 'http-404'") == 0
    assert one(db, "select count(*) from articles") == len(replica_site.ids)
    assert one(db, "select count(*) from pending") == 0
