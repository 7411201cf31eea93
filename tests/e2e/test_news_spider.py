"""The configurable news spider against replicas of the built-in sources, and a source
added from configuration alone: real ``scrapy crawl news`` subprocesses into a store.

Checks: rules-based sources (maliweb, malijet, lefaso, and lessor from a test config)
store texts byte-equal to the replica's manifest. Generic sources (studiotamani,
journaldumali: no selectors, og: + trafilatura) are checked honestly for what generic
extraction gives: line 1 and the headline exact, the body at least 90 % similar to the
manifest's (today it is equal), no page furniture in it; their dateline and caption are
not extracted (the manifest has them). A re-crawl with ``revisit=all`` gets 304s only and
makes no version.
"""

from __future__ import annotations

import difflib
import subprocess
import sys

import pytest

from helpers import ROOT, one, rows, run_crawl
from replica.server import serve
from replica.sites import generate
from veille.core.textformat import read, write

RULES = ["maliweb", "malijet", "lefaso"]
GENERIC = ["studiotamani", "journaldumali"]
FURNITURE = ["cookies", "Laisser un commentaire", "Partager", "Similaire", "Articles récents",
             "Tous droits réservés", "Newsletter", "Publicité", "Article précédent", "dit :",
             "Merci pour cet article", "Que Dieu protège", "Réactions", "Les plus lus"]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """crawled(name) -> (manifest, server, db): each source generated, served and crawled once."""
    done, servers = {}, []
    empty = tmp_path_factory.mktemp("cfg") / "empty.toml"
    empty.write_text("# no sources: the built-in definitions apply\n")

    def get(name):
        if name not in done:
            d = tmp_path_factory.mktemp(name)
            man = generate(name, d / "site")
            srv = serve(man.out_dir)
            servers.append(srv)
            db = d / "veille.db"
            run_crawl(db, srv.base_url, spider="news", args={"source": name, "config": empty})
            done[name] = (man, srv, db, empty)
        return done[name]

    try:
        yield get
    finally:
        for srv in servers:
            srv.stop()


def stored(db):
    return {r["url"]: r for r in rows(
        db, "SELECT a.url, a.method, a.source, a.site, a.published, c.text FROM articles a "
            "JOIN contents c ON c.hash = a.content_hash")}


@pytest.mark.parametrize("name", RULES)
def test_rules_sources_store_the_manifest_texts(crawled, name):
    man, srv, db, _ = crawled(name)
    got = stored(db)
    expected = {srv.base_url + a["path"]: a["text"] for a in man.articles}
    assert set(got) == set(expected)
    for url, text in expected.items():
        assert got[url]["text"] == text, url
        assert got[url]["method"] == "rules"
        assert got[url]["source"] == name and got[url]["site"] == man.site
    assert got[url]["text"].startswith(" date ") and f" - {man.site}\n" in got[url]["text"]
    assert rows(db, "SELECT reason, url FROM skips") == []
    assert one(db, "SELECT status FROM crawls") == "finished"


@pytest.mark.parametrize("name", GENERIC)
def test_generic_sources_are_close_to_the_manifest(crawled, name):
    man, srv, db, _ = crawled(name)
    got = stored(db)
    # studiotamani is configured with its feed only: the 10 newest; journaldumali has
    # sitemaps too: every article
    wanted = man.articles[:10] if name == "studiotamani" else man.articles
    assert set(got) == {srv.base_url + a["path"] for a in wanted}
    exact = 0
    for a in wanted:
        row = got[srv.base_url + a["path"]]
        assert row["method"].startswith("generic:")
        want, have = read(a["text"]), read(row["text"])
        assert have.title == want.title and have.headline == want.headline and have.date == want.date
        body_want, body_have = "\n".join(want.paragraphs), "\n".join(have.paragraphs)
        assert difflib.SequenceMatcher(None, body_want, body_have).ratio() >= 0.9, a["path"]
        for junk in FURNITURE:
            assert junk not in row["text"], (junk, a["path"])
        want.dateline = want.caption = ""  # generic extraction gives neither
        exact += row["text"] == write(want)
    print(f"{name}: {exact}/{len(wanted)} texts exact apart from dateline and caption")


def test_non_article_pages_are_never_fetched(crawled):
    man, srv, db, _ = crawled("journaldumali")
    paths = {h["path"] for h in srv.hits()}
    assert {"/sitemap_index.xml", "/post-sitemap.xml", "/page-sitemap.xml", "/news-sitemap.xml", "/feed/"} <= paths
    assert not paths & set(man.pages)  # /contact/ etc. are in page-sitemap.xml, not articles


def test_recrawl_with_revisit_all_gives_304s_and_no_versions(crawled):
    for name in ("maliweb", "lefaso"):
        man, srv, db, cfg = crawled(name)
        mark = srv.mark()
        run_crawl(db, srv.base_url, spider="news", args={"source": name, "config": cfg, "revisit": "all"})
        crawl = rows(db, "SELECT * FROM crawls ORDER BY id DESC LIMIT 1")[0]
        n = len(man.articles)
        assert (crawl["new"], crawl["updated"], crawl["not_modified"]) == (0, 0, n), crawl
        assert one(db, "SELECT COUNT(*) FROM versions") == n
        hits = [h for h in srv.hits(mark) if h["path"] != "/robots.txt"]
        assert not [h for h in hits if h["status"] == 200], hits  # feeds and listings: 304 too
        assert sum(h["status"] == 304 for h in hits) >= n


LESSOR = '''\
[[sources]]
name = "lessor"
spider = "news"
every = "1h"
base_url = "https://www.lessor.ml"
feeds = ["/feed/"]
listings = [
  {{ url = "/category/politique/", links = "h2.entry-title a", next = "a.next.page-numbers" }},
  {{ url = "/category/societe/", links = "h2.entry-title a", next = "a.next.page-numbers", max_pages = {max_pages} }},
]
article_pattern = '^/\\d{{4}}/\\d{{2}}/\\d{{2}}/[^/]+/$'

[sources.selectors]
headline = "h1.entry-title"
date = "span.posted-on"
caption = "figure.post-thumbnail figcaption"
body = "div.entry-content"
drop = [".sharedaddy", ".jp-relatedposts"]
'''


def test_a_new_wordpress_source_from_configuration_alone(tmp_path):
    man = generate("lessor", tmp_path / "site")
    cfg = tmp_path / "veille.toml"
    cfg.write_text(LESSOR.format(max_pages=5), encoding="utf-8")
    db = tmp_path / "veille.db"
    with serve(man.out_dir) as srv:
        run_crawl(db, srv.base_url, spider="news", args={"source": "lessor", "config": cfg})
        got = stored(db)
        expected = {srv.base_url + a["path"]: a["text"] for a in man.articles}
        assert set(got) == set(expected)  # feed (10 newest) + listings (the older ones)
        assert all(got[u]["text"] == t and got[u]["method"] == "rules" for u, t in expected.items())
        assert {r["kind"] for r in rows(db, "SELECT kind FROM pages")} == {"feed", "listing"}
        # VEILLE_CONFIG works as well as -a config, and the re-crawl is all 304s
        mark = srv.mark()
        env_db = db
        proc = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "news", "-a", "source=lessor", "-a",
             f"base_url={srv.base_url}", "-a", "revisit=all", "-s", "AUTOTHROTTLE_ENABLED=False",
             "-s", "DOWNLOAD_DELAY=0"],
            cwd=ROOT, capture_output=True, text=True, timeout=180,
            env={**__import__("os").environ, "VEILLE_DB": str(env_db), "VEILLE_CONFIG": str(cfg)})
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert not [h for h in srv.hits(mark) if h["status"] == 200 and h["path"] != "/robots.txt"]
        assert one(db, "SELECT COUNT(*) FROM versions") == len(expected)


def test_scrapy_list_names_the_builtin_sources():
    proc = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    names = set(proc.stdout.split())
    assert {"abamako", "news", "maliweb", "malijet", "lefaso", "studiotamani", "journaldumali"} <= names


def test_an_unknown_source_is_an_error(tmp_path):
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    proc = run_crawl(tmp_path / "v.db", "http://127.0.0.1:9", spider="news",
                     args={"source": "nosuchsource", "config": empty}, check=False, timeout=60)
    assert proc.returncode != 0
    assert "unknown source 'nosuchsource'" in proc.stderr
