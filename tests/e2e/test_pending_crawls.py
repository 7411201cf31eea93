"""Nothing lost: an article a crawl discovers ends stored, or is kept in ``pending`` and
retried until it is (issue 9, point 1).

Real crawls (`scrapy crawl abamako`, default discovery: feed and listings) against a
replica whose server answers some articles with 500s, timeouts or 404s, then heals:

- the failed articles are kept in ``pending`` (with why, when to try again), retried by
  the next crawls although the feed and listings answer 304, and stored once the site
  answers; the crawl rows count ``retried``, ``recovered`` and ``given_up``;
- an article that scrolled off the feed meanwhile is retried all the same;
- a 404 seen twice, or too many attempts, is given up (and not asked for again);
- ``-a retry=due|all|none`` says which pending articles a crawl asks for.
"""

from __future__ import annotations

import json
import time

import pytest
from helpers import one, rows, run_crawl
from test_scheduler import once, write_config

from replica.site import add_articles

# pending articles are due again after a second, not minutes: the tests do not wait
QUICK = {"VEILLE_PENDING_BACKOFF": "1", "DOWNLOAD_TIMEOUT": "1"}


def paths(db, table="articles"):
    return {r["url"].split("/", 3)[3] for r in rows(db, f"select url from {table}")}


def last_crawl(db) -> dict:
    return rows(db, "select * from crawls order by id desc limit 1")[0]


def test_failed_articles_are_retried_until_stored(make_site, make_replica, tmp_path):
    site = make_site(n_articles=40, variants=False)
    bad = site.ids[5:15]
    faults = {f"/h/{aid}.html": ({"status": 500} if k % 2 else {"slow": 5}) for k, aid in enumerate(bad)}
    srv = make_replica(site.out_dir, faults=faults)
    db = tmp_path / "veille.db"

    run_crawl(db, srv.base_url, settings={"DOWNLOAD_TIMEOUT": "1"})
    assert one(db, "select count(*) from articles") == 30
    first = last_crawl(db)
    assert first["status"] == "finished"
    pending = {r["url"].rsplit("/", 1)[1]: r for r in rows(db, "select * from pending")}
    assert set(pending) == {f"{aid}.html" for aid in bad}
    for r in pending.values():
        assert r["source"] == "abamako" and r["discovered_by"] in ("feed", "listing")
        assert r["attempts"] == 1 and r["given_up_at"] is None
        assert r["last_reason"] in ("http-500", "timeout")
        assert r["next_try_at"] > r["discovered_at"]  # a backoff, not at once

    srv.set_faults({})  # the site recovers; feed and listings have not changed: 304
    mark = srv.mark()
    run_crawl(db, srv.base_url)  # nothing is due yet (backoff of minutes)
    assert last_crawl(db)["retried"] == 0
    assert srv.stats(mark)["304"] >= 1
    assert one(db, "select count(*) from pending") == 10

    run_crawl(db, srv.base_url, args={"retry": "all"})  # every pending article, due or not
    third = last_crawl(db)
    assert one(db, "select count(*) from articles") == 40
    assert one(db, "select count(*) from pending") == 0  # a URL stored leaves pending
    assert (third["status"], third["retried"], third["recovered"], third["given_up"]) == ("finished", 10, 10, 0)
    stored = {r["url"]: r["content_hash"] for r in rows(db, "select url, content_hash from articles")}
    for aid in bad:
        assert stored[f"{srv.base_url}/h/{aid}.html"] == site.article(aid)["sha256"]


def test_due_pending_article_is_retried_after_it_scrolled_off_the_feed(make_site, make_replica, tmp_path):
    site = make_site(n_articles=40, variants=False)
    bad = site.ids[-5:]  # the newest: first to leave a 50-item feed when 60 more arrive
    srv = make_replica(site.out_dir, faults={f"/h/{aid}.html": {"status": 503} for aid in bad})
    db = tmp_path / "veille.db"
    run_crawl(db, srv.base_url, args={"discover": "feed"}, settings=QUICK)
    assert one(db, "select count(*) from pending") == 5

    added = add_articles(site.out_dir, 60)  # the failed ones are no longer in the feed
    srv.set_faults({})
    feed = srv.url("/rss/rss.xml")
    time.sleep(1.5)  # their retry (1 s backoff) is due
    run_crawl(db, srv.base_url, args={"discover": "feed"}, settings=QUICK)
    have = paths(db)
    assert {f"h/{aid}.html" for aid in bad} <= have
    assert {f"h/{aid}.html" for aid in added[-50:]} <= have
    c = last_crawl(db)
    assert (c["retried"], c["recovered"]) == (5, 5)
    assert one(db, "select count(*) from pending") == 0
    assert feed  # (the feed no longer lists them: they came from pending)


def test_404_seen_twice_is_given_up_and_not_asked_again(make_site, make_replica, tmp_path):
    site = make_site(n_articles=20, variants=False)
    gone = site.ids[-3]
    srv = make_replica(site.out_dir, faults={f"/h/{gone}.html": {"status": 404}})
    db = tmp_path / "veille.db"
    run_crawl(db, srv.base_url, settings=QUICK)
    [p] = rows(db, "select * from pending")
    assert (p["last_reason"], p["attempts"], p["given_up_at"]) == ("http-404", 1, None)

    run_crawl(db, srv.base_url, args={"retry": "all"}, settings=QUICK)
    [p] = rows(db, "select * from pending")
    assert p["given_up_at"] is not None and p["attempts"] == 2
    assert last_crawl(db)["given_up"] == 1

    add_articles(site.out_dir, 1)  # the feed changes: the given-up article is listed again
    mark = srv.mark()
    time.sleep(1.5)
    run_crawl(db, srv.base_url, settings=QUICK)
    assert not [h for h in srv.hits(mark) if h["path"] == f"/h/{gone}.html"]
    assert last_crawl(db)["retried"] == 0


def test_too_many_attempts_is_given_up(make_site, make_replica, tmp_path):
    site = make_site(n_articles=20, variants=False)
    bad = site.ids[-2]
    srv = make_replica(site.out_dir, faults={f"/h/{bad}.html": {"status": 500}})
    db = tmp_path / "veille.db"
    settings = {**QUICK, "VEILLE_PENDING_ATTEMPTS": "3"}
    for n in (1, 2, 3):
        run_crawl(db, srv.base_url, args={"retry": "all"}, settings=settings)
        [p] = rows(db, "select * from pending")
        assert p["attempts"] == n
    assert p["given_up_at"] is not None and p["last_reason"] == "http-500"
    assert [c["given_up"] for c in rows(db, "select given_up from crawls order by id")] == [0, 0, 1]


def test_retry_none_and_due(make_site, make_replica, tmp_path):
    site = make_site(n_articles=20, variants=False)
    bad = site.ids[-2]
    srv = make_replica(site.out_dir, faults={f"/h/{bad}.html": {"status": 500}})
    db = tmp_path / "veille.db"
    run_crawl(db, srv.base_url, settings=QUICK)
    srv.set_faults({})
    time.sleep(1.5)
    mark = srv.mark()
    run_crawl(db, srv.base_url, args={"retry": "none"}, settings=QUICK)
    assert not [h for h in srv.hits(mark) if h["path"] == f"/h/{bad}.html"]
    assert one(db, "select count(*) from pending") == 1
    run_crawl(db, srv.base_url, settings=QUICK)  # retry=due: it is due
    assert one(db, "select count(*) from pending") == 0
    assert last_crawl(db)["recovered"] == 1


@pytest.mark.parametrize("value", ["sometimes", ""])
def test_bad_retry_argument(replica, tmp_path, value):
    proc = run_crawl(tmp_path / "veille.db", replica.base_url, args={"retry": value}, check=False)
    assert proc.returncode != 0
    assert "retry" in proc.stderr and "due, all or none" in proc.stderr


def test_a_growing_pending_list_is_named_by_the_health_check_and_notified(make_site, make_replica, tmp_path,
                                                                          receiver):
    site = make_site(n_articles=20, variants=False)
    srv = make_replica(site.out_dir)
    cfg = write_config(tmp_path, [{"name": "replica", "spider": "abamako", "every": "1h",
                                   "base_url": srv.base_url}],
                       notify=[f"json://127.0.0.1:{receiver.port}/hook"])
    db = tmp_path / "veille.db"
    assert once(cfg, "--all").returncode == 0
    sent = len(receiver.received)
    added = add_articles(site.out_dir, 3)  # three new articles, which the site fails to serve
    srv.set_faults({f"/h/{aid}.html": {"status": 500} for aid in added})
    p = once(cfg, "--all")
    # the crawl itself finished, and the health check names the source: 3 (issue 12)
    assert p.returncode == 3, p.stderr
    assert "health:" in p.stdout and "pending articles grew from 0 to 3" in p.stdout, p.stdout
    assert "retried 0" not in p.stdout and "pending 3" in p.stdout
    [note] = receiver.received[sent:]  # nothing flagged, no failure: the growth alone is news
    body = json.loads(note["body"])
    assert "pending articles growing at replica" in body["title"]
    assert one(db, "select pending from crawls order by id desc limit 1") == 3
