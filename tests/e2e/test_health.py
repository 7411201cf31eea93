"""Source health on real crawls of the replica: a source whose pages fall back from its
site rules to generic extraction (a layout change), a crawl that yields no article."""

from __future__ import annotations

import os
import re
import sqlite3
import time

import pytest

from helpers import rows, run_crawl
from storage import Store
from veille.web import DB_NAME, load_metadata
from veille.monitor.health import describe, is_generic, source_health
from veille.report import build_report, render_json, render_text


def crawl_health(db) -> dict[str, dict]:
    """The Datasette canned query ``crawl_health``, run directly on the file."""
    sql = load_metadata()["databases"][DB_NAME]["queries"]["crawl_health"]["sql"]
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        return {r["source"]: dict(r) for r in con.execute(sql, {"stale_days": ""})}
    finally:
        con.close()


def last_crawl(db) -> int:
    return rows(db, "SELECT max(id) AS id FROM crawls")[0]["id"]


def test_is_generic():
    assert not any(map(is_generic, ["abamako", "abamako+og", "rules", None]))
    assert all(map(is_generic, ["og", "og+trafilatura", "trafilatura", "generic:og+trafilatura",
                                "generic:og", "simple"]))


def test_layout_change_is_named(make_site, make_replica, tmp_path):
    site = make_site(n_articles=24, variants=False)
    srv = make_replica(site.out_dir)
    db = tmp_path / "h.db"
    run_crawl(db, srv.base_url)
    c1 = last_crawl(db)
    with Store(db) as store:
        h1 = source_health(store, "abamako")
        assert h1["crawl_id"] == c1 and h1["issues"] == [] and h1["fetched"] >= 24
        assert h1["methods"] and all(not is_generic(m) for m in h1["methods"])
        assert h1["generic_share"] == 0 and h1["generic_share_before"] is None
    # the site changes its layout: half the article pages lose their FullArticleTexte markup
    pages = sorted((site.out_dir / "h").glob("*.html"))
    assert len(pages) >= 24
    later = time.time() + 5
    for p in pages[::2]:
        html = p.read_text(encoding="utf-8", errors="surrogateescape")
        assert "FullArticleTexte" in html
        p.write_text(re.sub(r"FullArticleTexte", "ArticleBody", html), encoding="utf-8",
                     errors="surrogateescape")
        os.utime(p, (later, later))
    run_crawl(db, srv.base_url, args={"revisit": "all"})
    c2 = last_crawl(db)
    assert c2 > c1
    with Store(db) as store:
        h = source_health(store, "abamako")
        assert h["crawl_id"] == c2 and "fallback" in h["issues"], h
        assert h["generic_share"] >= 0.3 and h["generic_share_before"] == 0
        assert h["baseline_crawls"] == [c1]
        assert "fell back to generic extraction" in describe(h)
        report = build_report(store, [], [c2])
        (named,) = report["health"]
        assert named["source"] == "abamako" and "fallback" in named["issues"]
        text = render_text(report)
        assert "health:" in text
        assert re.search(r"abamako \(crawl #\d+\): fell back to generic extraction on \d+ of \d+"
                         r" pages \(\d+%; 0% before\): layout change\?", text), text
        assert '"fallback"' in render_json(report)
    got = crawl_health(db)["abamako"]
    assert got["health"] == "fallback" and got["generic_pct"] >= 30 and got["generic_pct_before"] == 0


def test_crawl_without_articles_is_named(make_site, make_replica, tmp_path):
    site = make_site(n_articles=12, variants=False)
    db = tmp_path / "z.db"
    srv = make_replica(site.out_dir)
    run_crawl(db, srv.base_url)
    # the article pages now answer a maintenance page: every one is skipped
    down = make_replica(site.out_dir, faults={"/h/*": {
        "body": "<html><head><title>Maintenance</title></head><body><p>Site en maintenance."
                "</p></body></html>", "content_type": "text/html; charset=utf-8"}})
    run_crawl(db, down.base_url, args={"revisit": "all"})
    c2 = last_crawl(db)
    with Store(db) as store:
        h = source_health(store, "abamako")
        assert h["crawl_id"] == c2 and h["fetched"] == 0 and h["issues"] == ["no-articles"], h
        assert h["skipped"] > 0 and h["skips"]
        report = build_report(store, [], [c2])
        assert [x["source"] for x in report["health"]] == ["abamako"]
        text = render_text(report)
        assert re.search(r"abamako \(crawl #\d+\): no articles \(\d+ skipped: ", text), text
    assert crawl_health(db)["abamako"]["health"] == "no articles"


def test_empty_crawl_is_named_and_unknown_source_raises(tmp_path):
    with Store(tmp_path / "ok.db") as store:
        cid = store.start_crawl("quiet")
        store.finish_crawl(cid)
        report = build_report(store, [], [cid])
        assert [(h["source"], h["issues"]) for h in report["health"]] == [("quiet", ["no-articles"])]
        assert "quiet (crawl #1): no articles" in render_text(report)
        with pytest.raises(KeyError):
            source_health(store, "nobody")
