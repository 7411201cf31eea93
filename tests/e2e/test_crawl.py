"""End to end: `scrapy crawl abamako` against a replica served on 127.0.0.1.

These tests run the real processes (the replica server, `scrapy crawl`, `veille
export`) and check what lands in SQLite.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from helpers import ROOT, one, rows, run_crawl
from replica.site import edit_article
from veille.core.textformat import content_hash

SEED = ROOT / "seeds" / "000_4c2eddb1c88bd00e.txt"


@pytest.fixture(scope="module")
def crawled(replica, replica_site, tmp_path_factory):
    """One full crawl of the default replica into a fresh store."""
    db = tmp_path_factory.mktemp("crawl") / "veille.db"
    proc = run_crawl(db, replica.base_url)
    return db, replica_site, proc


def manifest_articles(site):
    return {a["path"]: a for a in site.articles.values()} if hasattr(site, "articles") else {}


def test_every_article_lands_with_its_text(crawled, replica):
    db, site, _ = crawled
    stored = {r["url"]: r for r in rows(db, "select a.*, c.text from articles a join contents c on c.hash = a.content_hash")}
    expected = manifest_articles(site)
    assert expected, "the replica manifest lists its articles"
    for path, art in expected.items():
        url = replica.base_url + path
        assert url in stored, f"{url} not stored"
        row = stored[url]
        assert row["text"] == art["text"], f"{url}: text differs"
        assert row["content_hash"] == content_hash(art["text"])
        assert row["published"] == art["date"]
        assert row["rubric"] == art["rubric"]
        assert row["source"] == "abamako" and row["site"] == "abamako.com"
        assert row["method"] == "abamako"
    assert len(stored) == len(expected)


def test_golden_every_reference_variant_gives_the_seed_bytes(crawled, replica):
    db, site, _ = crawled
    seed = SEED.read_bytes()
    variants = site.reference if hasattr(site, "reference") else {}
    assert len(variants) >= 7
    for name, article_id in variants.items():
        url = f"{replica.base_url}/h/{article_id}.html"
        text = one(db, "select c.text from articles a join contents c on c.hash = a.content_hash where a.url = ?", [url])
        assert text.encode("utf-8") == seed, f"variant {name} ({url}) differs from the reference"


def test_one_text_stored_once_and_duplicates_point_to_the_first(crawled, replica):
    db, site, _ = crawled
    seed_hash = content_hash(SEED.read_text(encoding="utf-8"))
    assert one(db, "select count(*) from contents where hash = ?", [seed_hash]) == 1
    carriers = rows(db, "select id, duplicate_of from articles where content_hash = ? order by id", [seed_hash])
    assert len(carriers) == len(site.reference)
    first = carriers[0]["id"]
    assert carriers[0]["duplicate_of"] is None
    assert all(r["duplicate_of"] == first for r in carriers[1:])
    assert one(db, "select count(*) from contents") == one(db, "select count(distinct content_hash) from articles")


def test_crawl_row_counts(crawled):
    db, site, _ = crawled
    (crawl,) = rows(db, "select * from crawls")
    n = len(site.articles)
    assert crawl["status"] == "finished" and crawl["finished_at"]
    assert crawl["fetched"] == n
    assert crawl["new"] + crawl["duplicate"] == n
    assert crawl["duplicate"] == len(site.reference) - 1
    assert crawl["updated"] == 0 and crawl["unchanged"] == 0
    assert crawl["failed"] == 0


def test_export_cli_writes_the_reference_file(crawled, tmp_path):
    db, site, _ = crawled
    out = tmp_path / "out"
    env = {**os.environ, "VEILLE_DB": str(db)}
    subprocess.run([sys.executable, "-m", "veille.cli", "export", "--out", str(out)], cwd=ROOT, env=env, check=True)
    files = sorted(out.iterdir())
    assert len(files) == len(site.articles)
    seed = SEED.read_bytes()
    h16 = content_hash(seed.decode("utf-8"))[:16]
    matching = [f for f in files if f.name.endswith(f"_{h16}.txt")]
    assert matching and all(f.read_bytes() == seed for f in matching)
    for f in files:
        assert f.name[: f.name.index("_")].isdigit()

    jl = tmp_path / "jl"
    subprocess.run([sys.executable, "-m", "veille.cli", "export", "--out", str(jl), "--format", "jsonl"],
                   cwd=ROOT, env=env, check=True)
    (jsonl,) = list(jl.iterdir())
    records = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    assert len(records) == len(site.articles)
    assert {"url", "title", "published", "content_hash", "text", "source"} <= set(records[0])


def test_id_walk_takes_both_ends(replica, tmp_path):
    db = tmp_path / "ids.db"
    run_crawl(db, replica.base_url, args={"ids": "270003-270007"})
    urls = {r["url"] for r in rows(db, "select url from articles")}
    assert urls == {f"{replica.base_url}/h/{i}.html" for i in range(270003, 270008)}


def test_recrawl_same_text_moves_only_last_seen_and_edit_makes_a_version(make_site, make_replica, tmp_path):
    site = make_site(n_articles=12, variants=False)
    srv = make_replica(site.out_dir)
    db = tmp_path / "v.db"
    run_crawl(db, srv.base_url)
    before = {r["url"]: r for r in rows(db, "select * from articles")}
    assert len(before) == 12
    time.sleep(1.1)  # timestamps have millisecond resolution; make last_seen visibly move

    run_crawl(db, srv.base_url, args={"revisit": "all"})
    after = {r["url"]: r for r in rows(db, "select * from articles")}
    assert one(db, "select count(*) from versions") == 12
    for url, row in after.items():
        assert row["content_hash"] == before[url]["content_hash"]
        assert row["first_seen"] == before[url]["first_seen"]
        assert row["last_seen"] > before[url]["last_seen"]
    crawl2 = rows(db, "select * from crawls order by id")[-1]
    assert crawl2["unchanged"] == 12 and crawl2["new"] == 0
    assert crawl2["not_modified"] == 12, "known articles are re-checked with conditional requests"

    ids = sorted(site.articles)
    target = int(ids[3])
    edit_article(site.out_dir, target, body=["Un paragraphe ajouté après coup par la rédaction."])
    run_crawl(db, srv.base_url, args={"revisit": "all"})
    url = f"{srv.base_url}/h/{target}.html"
    versions = rows(db, "select v.*, c.text from versions v join articles a on a.id = v.article_id "
                        "join contents c on c.hash = v.content_hash where a.url = ? order by v.id", [url])
    assert len(versions) == 2
    assert versions[1]["previous_hash"] == versions[0]["content_hash"]
    assert "ajouté après coup" in versions[1]["text"] and "ajouté après coup" not in versions[0]["text"]
    assert one(db, "select content_hash from articles where url = ?", [url]) == versions[1]["content_hash"]
    assert rows(db, "select * from crawls order by id")[-1]["updated"] == 1
    assert versions[1]["diff"] and "ajouté après coup" in versions[1]["added"]
    removed = json.loads(versions[1]["removed"])  # edit_article(body=...) replaced the body
    assert removed and all(p in versions[0]["text"] and p not in versions[1]["text"] for p in removed)
