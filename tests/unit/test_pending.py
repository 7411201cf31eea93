"""``storage.pending`` through the store: articles found and not stored, their retries and
backoff, and the migration of stores written by the previous code (c10de79, schema 1; and
683caaa, main with schema 2: flags.backfill, crawl discovery counts)."""

from __future__ import annotations

import datetime as dt
import gzip
import shutil
import sqlite3
from pathlib import Path

import pytest
from test_store import item

from storage import SCHEMA_VERSION, Store
from storage.pending import RetryPolicy
from veille.core.clock import parse_iso
from veille.core.errors import SchemaError

STORES = Path(__file__).resolve().parents[1] / "stores"
URL = "https://news.abamako.com/h/{}.html"


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "veille.db", retry=RetryPolicy(backoff=60, max_backoff=300, attempts=4))
    yield s
    s.close()


def rows(store, sql="SELECT * FROM pending ORDER BY url", params=()):
    return list(store.db.query(sql, params))


def skip(n, outcome, reason="http-500", status=500, by="feed"):
    return {"url": URL.format(n), "kind": "failed", "reason": reason, "http_status": status,
            "pending": outcome, "discovered_by": by}


def test_backoff_doubles_and_stops_at_its_cap():
    p = RetryPolicy(backoff=300, max_backoff=86400, attempts=10)
    t = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    delays = [(parse_iso(p.next_try(n, t)) - t).total_seconds() for n in range(1, 12)]
    assert delays[:5] == [300, 600, 1200, 2400, 4800]
    assert delays[-1] == 86400 and max(delays) == 86400
    with pytest.raises(ValueError):
        RetryPolicy(backoff=0)


def test_found_articles_are_pending_until_stored(store):
    c1 = store.start_crawl("abamako")
    assert store.discover(c1, [(URL.format(1), "feed"), (URL.format(2), "listing")]) == 2
    assert store.discover(c1, [(URL.format(1), "listing")]) == 0  # already pending: kept
    store.save_batch(c1, [item(1)])
    assert [r["url"] for r in rows(store)] == [URL.format(2)]
    assert (store.crawl(c1)["retried"], store.crawl(c1)["recovered"]) == (0, 0)  # its own find
    store.finish_crawl(c1)
    assert store.crawl(c1)["pending"] == 1
    # a later crawl stores it: recovered
    c2 = store.start_crawl("abamako")
    assert store.pending_due("abamako", "https://news.abamako.com/") == [(URL.format(2), "listing")]
    store.save_batch(c2, [item(2)])
    store.finish_crawl(c2)
    c = store.crawl(c2)
    assert (c["retried"], c["recovered"], c["pending"]) == (1, 1, 0)
    assert store.discover(c2, [(URL.format(2), "feed")]) == 0  # stored: never pending again


def test_failures_back_off_and_404_twice_is_given_up(store):
    c1 = store.start_crawl("abamako")
    store.discover(c1, [(URL.format(n), "feed") for n in (1, 2, 3)])
    store.save_skips(c1, [skip(1, "retry"), skip(2, "gone", "http-404", 404),
                          skip(3, "done", "no-article", None)])
    by = {r["url"]: r for r in rows(store)}
    assert set(by) == {URL.format(1), URL.format(2)}  # not an article: it leaves
    assert by[URL.format(1)]["attempts"] == 1 and by[URL.format(1)]["next_try_at"] > by[URL.format(1)]["discovered_at"]
    assert store.pending_due("abamako") == []  # backoff: not yet
    assert len(store.pending_due("abamako", mode="all")) == 2
    assert store.pending_due("abamako", mode="none") == []
    c2 = store.start_crawl("abamako")
    store.save_skips(c2, [skip(1, "retry"), skip(2, "gone", "http-410", 410)])
    by = {r["url"]: r for r in rows(store)}
    assert by[URL.format(2)]["given_up_at"] is not None and by[URL.format(2)]["last_reason"] == "http-410"
    assert by[URL.format(1)]["given_up_at"] is None and by[URL.format(1)]["attempts"] == 2
    delay1 = parse_iso(by[URL.format(1)]["next_try_at"]) - parse_iso(by[URL.format(1)]["discovered_at"])
    assert delay1.total_seconds() >= 120  # doubled
    c = store.crawl(c2)
    assert (c["retried"], c["given_up"]) == (2, 1)
    assert store.given_up("abamako") == {URL.format(2)}
    assert store.pending_count("abamako") == 1
    for _ in range(2):  # attempts 3 and 4 of 4: given up
        store.save_skips(store.start_crawl("abamako"), [skip(1, "retry")])
    assert rows(store, "SELECT given_up_at FROM pending WHERE url = ?", [URL.format(1)])[0]["given_up_at"]


def test_a_failed_id_is_pending_a_failed_known_article_is_not(store):
    c1 = store.start_crawl("abamako")
    store.save_batch(c1, [item(1)])
    store.save_skips(c1, [skip(1, "retry", by=None),  # a known article re-checked
                          skip(7, "retry", by="ids"),  # an id of a walk
                          skip(8, "retry", by=None)])  # a page that is no article of ours
    assert [(r["url"], r["discovered_by"], r["attempts"]) for r in rows(store)] == [(URL.format(7), "ids", 1)]


def test_an_invalid_text_is_a_failed_attempt(store):
    c1 = store.start_crawl("abamako")
    store.discover(c1, [(URL.format(5), "feed")])
    assert store.save_batch(c1, [item(5, text="not the format")], skip_invalid=True) == ["invalid"]
    [p] = rows(store)
    assert (p["attempts"], p["last_reason"]) == (1, "invalid-text")


def test_a_crawl_that_cannot_write_leaves_its_articles_pending(store):
    c1 = store.start_crawl("abamako")
    store.discover(c1, [(URL.format(1), "feed")])
    store.fail_crawl(c1, "abamako", [(URL.format(1), "feed"), (URL.format(9), None)],
                     "write failed: database or disk is full")
    c = store.crawl(c1)
    assert (c["status"], c["finish_reason"]) == ("failed", "write failed: database or disk is full")
    assert c["pending"] == 2
    by = {r["url"]: r for r in rows(store)}
    assert by[URL.format(9)]["discovered_by"] == "ids" and by[URL.format(9)]["attempts"] == 0
    assert by[URL.format(1)]["last_reason"].startswith("write failed")
    assert len(store.pending_due("abamako")) == 2  # due at once


def test_a_store_written_by_the_previous_code_is_migrated(tmp_path):
    path = tmp_path / "old.db"
    with gzip.open(STORES / "store_c10de79.db.gz") as src, open(path, "wb") as dst:
        shutil.copyfileobj(src, dst)
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == 1
    assert "pending" not in {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
    con.close()
    s = Store(path)  # a writer opens it: migrated
    try:
        assert s.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert s.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert {r["date_source"] for r in rows(s, "SELECT date_source FROM articles")} == {"page"}
        cols = s.db["crawls"].columns_dict
        assert {"retried", "recovered", "given_up", "pending", "gaps", "heartbeat_at", "lease_until",
                "process"} <= set(cols)
        [old] = rows(s, "SELECT * FROM crawls")
        assert (old["status"], old["retried"], old["recovered"], old["given_up"], old["gaps"]) == ("finished", 0, 0, 0, 0)
        # and it works as a new one
        c = s.start_crawl("abamako")
        s.discover(c, [(URL.format(4), "feed")])
        s.save_batch(c, [item(4)])
        s.finish_crawl(c)
        assert s.crawl(c)["pending"] == 0
        assert s.conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 4
    finally:
        s.close()


def test_a_store_written_by_main_before_issue_9_is_migrated(tmp_path):
    """tests/stores/store_683caaa.db.gz: made by main at 683caaa (schema 2) through its own
    Store: a finished crawl with discovery counts, 3 articles flagged, a page validator, a
    skip, and a crawl left running by a process of a container that is gone."""
    path = tmp_path / "main.db"
    with gzip.open(STORES / "store_683caaa.db.gz") as src, open(path, "wb") as dst:
        shutil.copyfileobj(src, dst)
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == 2
    # an hour later: the running crawl (no lease: it predates them) has long been dead
    con.execute("UPDATE crawls SET started_at = '2026-01-01T00:00:00.000Z' WHERE status = 'running'")
    con.commit()
    con.close()
    with pytest.raises(SchemaError, match="older veille"):  # a reader does not migrate it
        Store.open_readonly(path)
    s = Store(path)
    try:
        assert s.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert s.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert {r["date_source"] for r in rows(s, "SELECT date_source FROM articles")} == {"page"}
        # main's columns and rows kept as they were; its own flags are not backfill
        [done] = rows(s, "SELECT * FROM crawls WHERE status = 'finished'")
        assert (done["links_found"], done["retried"], done["gaps"]) == (4, 0, 0)
        assert {r["backfill"] for r in rows(s, "SELECT backfill FROM flags")} == {0}
        assert s.conn.execute("SELECT count(*) FROM pages").fetchone()[0] == 1
        # the dead crawl of another host is reaped by its (start + default) lease
        [dead] = s.reap_dead_crawls()
        assert s.crawl(dead)["status"] == "killed"
        c = s.start_crawl("abamako")
        s.discover(c, [(URL.format(5), "feed")])
        assert s.pending_count("abamako") == 1
        s.save_batch(c, [item(5)])
        s.finish_crawl(c)
        assert s.crawl(c)["pending"] == 0
    finally:
        s.close()
    Store.open_readonly(path).close()  # and readers read it now
