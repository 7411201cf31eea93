"""Re-crawls fetch only what changed: conditional requests and the revisit policy."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from helpers import one, rows, run_crawl
from storage.revisit import RevisitPolicy
from veille.core.clock import parse_iso
from replica.site import add_articles, edit_article

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.timezone.utc)


def test_interval_doubles_when_unchanged_resets_on_change_and_stops_at_the_cap():
    p = RevisitPolicy(min_interval=60, max_interval=600, factor=2, recent_days=2)
    interval, at = p.schedule(True, "2020-01-01", None, NOW)
    assert interval == 60 and parse_iso(at) == NOW + dt.timedelta(seconds=60)
    seen = []
    for _ in range(6):
        interval, at = p.schedule(False, "2020-01-01", interval, NOW)
        seen.append(interval)
    assert seen == [120, 240, 480, 600, 600, 600]
    assert p.schedule(True, "2020-01-01", 600, NOW)[0] == 60


def test_recent_articles_are_due_on_every_crawl():
    p = RevisitPolicy(min_interval=60, max_interval=600, recent_days=2)
    _, at = p.schedule(False, (NOW.date() - dt.timedelta(days=1)).isoformat(), 480, NOW)
    assert parse_iso(at) == NOW
    _, at = p.schedule(False, (NOW.date() - dt.timedelta(days=5)).isoformat(), 480, NOW)
    assert parse_iso(at) > NOW
    _, at = p.schedule(False, None, 480, NOW)
    assert parse_iso(at) > NOW


def test_policy_refuses_nonsense():
    with pytest.raises(ValueError):
        RevisitPolicy(min_interval=0)
    with pytest.raises(ValueError):
        RevisitPolicy(min_interval=100, max_interval=10)


@pytest.fixture
def crawled_site(make_site, make_replica, tmp_path):
    site = make_site(n_articles=25, variants=False)
    srv = make_replica(site.out_dir)
    db = tmp_path / "r.db"
    run_crawl(db, srv.base_url)
    return site, srv, db


def article_hits(srv, mark):
    return [h for h in srv.hits(mark) if h["path"].startswith("/h/")]


def test_default_policy_does_not_refetch_articles_checked_a_moment_ago(crawled_site):
    site, srv, db = crawled_site
    mark = srv.mark()
    run_crawl(db, srv.base_url)
    assert article_hits(srv, mark) == []
    hits = srv.hits(mark)
    # feeds and listings are polled conditionally: all unchanged
    polled = [h for h in hits if h["path"] != "/robots.txt"]
    assert polled and all(h["status"] == 304 for h in polled), polled
    crawl = rows(db, "select * from crawls order by id")[-1]
    assert crawl["status"] == "finished" and crawl["fetched"] == 0


def test_due_articles_are_rechecked_conditionally(make_site, make_replica, tmp_path):
    site = make_site(n_articles=25, variants=False)
    srv = make_replica(site.out_dir)
    db = tmp_path / "due.db"
    run_crawl(db, srv.base_url, settings={"VEILLE_REVISIT_MIN": "1"})  # next check in 1 s
    time.sleep(1.2)
    mark = srv.mark()
    run_crawl(db, srv.base_url, settings={"VEILLE_REVISIT_MIN": "1"})
    hits = article_hits(srv, mark)
    assert len(hits) == 25 and all(h["status"] == 304 and h["cond"] for h in hits)
    # after an unchanged check the interval has doubled
    assert {r["check_interval"] for r in rows(db, "select check_interval from articles")} == {2}


def test_new_and_edited_articles_are_found_and_nothing_else_is_fetched(crawled_site):
    site, srv, db = crawled_site
    ids = sorted(int(i) for i in site.articles)
    edit_article(site.out_dir, ids[-1], body=["Correction : le bilan a été revu à la hausse."])
    new_ids = add_articles(site.out_dir, 3)
    mark = srv.mark()
    run_crawl(db, srv.base_url, args={"revisit": "all"})
    hits = article_hits(srv, mark)
    full = sorted(h["path"] for h in hits if h["status"] == 200)
    assert full == sorted([f"/h/{ids[-1]}.html"] + [f"/h/{i}.html" for i in new_ids])
    assert sum(1 for h in hits if h["status"] == 304) == 24
    crawl = rows(db, "select * from crawls order by id")[-1]
    assert (crawl["new"], crawl["updated"], crawl["unchanged"]) == (3, 1, 24)


def test_default_policy_finds_new_articles_through_the_changed_feed(crawled_site):
    site, srv, db = crawled_site
    new_ids = add_articles(site.out_dir, 2)
    mark = srv.mark()
    run_crawl(db, srv.base_url)
    fetched = sorted(h["path"] for h in article_hits(srv, mark) if h["status"] == 200)
    assert fetched == sorted(f"/h/{i}.html" for i in new_ids)
    feed = [h for h in srv.hits(mark) if h["path"] == "/rss/rss.xml"]
    assert feed and feed[0]["status"] == 200


def test_an_unfinished_crawl_does_not_save_page_validators(make_site, make_replica, tmp_path):
    """Listing validators are saved only by a crawl that finished its work, so that a
    crawl stopped after reading a listing cannot make the next one skip the articles
    that listing links to."""
    site = make_site(n_articles=10, variants=False)
    srv = make_replica(site.out_dir)
    db = tmp_path / "p.db"
    run_crawl(db, srv.base_url, settings={"CLOSESPIDER_ITEMCOUNT": "2", "CONCURRENT_REQUESTS": "1"})
    crawl = rows(db, "select * from crawls order by id")[-1]
    assert crawl["finish_reason"] == "closespider_itemcount"
    assert one(db, "select count(*) from articles") < 10
    assert one(db, "select count(*) from pages") == 0
    run_crawl(db, srv.base_url)
    assert one(db, "select count(*) from articles") == 10
    assert one(db, "select count(*) from pages") > 0
