"""Hostile input: each case refused or bounded with a clear message, nothing stored changed.

- a crawl against a replica serving a gzip bomb, deeply nested HTML, a large attribute,
  redirects to another live server (also spelled with backslashes, ``http:/\\host``) / a
  file: URL / credentials / a second hop off site,
  and a feed and a listing full of URLs with credentials and non-HTTP schemes; the hit
  logs prove what was (not) requested;
- the parser on 100k levels of nesting and a 50 MB attribute, in a subprocess: time and
  peak memory measured and printed (memory bounded), never an exception;
- feeds and sitemaps with entity declarations however they are hidden;
- ``veille export --out`` refusing to write through links that leave the folder;
- ``veille serve`` (Datasette) refusing every write.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from helpers import ROOT, one, rows, run_crawl, stop_process, wait_for_http

NESTING = 100_000


# ------------------------------------------------------------------------ the crawl

def _feed(base: str, links: list[str]) -> str:
    items = "".join(f"<item><title>x</title><link>{_xml(u)}</link></item>" for u in links)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'


def _xml(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    from replica.server import serve
    from replica.site import generate_site

    site = generate_site(tmp_path_factory.mktemp("hostile_site"), n_articles=16, variants=False)
    other_site = generate_site(tmp_path_factory.mktemp("other_site"), n_articles=2, variants=False)
    ids = sorted(int(i) for i in site.articles)
    db = tmp_path_factory.mktemp("hostile_db") / "veille.db"
    srv = serve(site.out_dir)
    other = serve(other_site.out_dir)  # a live service on another port: must get no request
    try:
        run_crawl(db, srv.base_url)
        before = {r["url"]: r for r in rows(db, "select * from articles")}
        contents_before = one(db, "select count(*) from contents")
        versions_before = rows(db, "select * from versions order by id")

        page = lambda n: f"/h/{ids[n]}.html"  # noqa: E731
        raw = lambda n: (site.out_dir / page(n).lstrip("/")).read_bytes()  # noqa: E731
        host, port = "127.0.0.1", srv.port
        nested = raw(1)
        i = nested.index(b"FullArticleTexte")
        j = nested.index(b">", i) + 1
        nested = nested[:j] + b"<div>" * NESTING + nested[j:]
        big_attr = raw(2).replace(b"<body", b'<body data-x="' + b"A" * (4 << 20) + b'"', 1)
        # links no crawl may follow: credentials, other schemes, another port; ids that do
        # not exist, so that any request for them shows in the hit log
        bad_ids = list(range(999001, 999012))  # and 999020, 999021: redirect targets
        bad_links = [
            f"http://user:secret@{host}:{port}/h/{bad_ids[0]}.html",
            f"http://user@{host}:{port}/h/{bad_ids[1]}.html",
            f"file:///etc/passwd#/h/{bad_ids[2]}.html",
            f"file://{site.out_dir}/h/{ids[3]}.html",
            f"ftp://{host}:{port}/h/{bad_ids[3]}.html",
            f"javascript:location='/h/{bad_ids[4]}.html'",
            f"data:text/html,<a href='/h/{bad_ids[5]}.html'>x</a>",
            f"http://{host}:{other.port}/h/{bad_ids[6]}.html",
            f"http://{host}:{port}@evil.example.org/h/{bad_ids[7]}.html",
            f"//{host}:{other.port}/h/{bad_ids[8]}.html",
            f"http://evil.example.org/h/{bad_ids[9]}.html",
            f"mailto:x@example.org?/h/{bad_ids[10]}.html",
        ]
        listing = ("<!DOCTYPE html><html><head><title>Accueil</title>"
                   f'<link rel="alternate" type="application/rss+xml" href="ftp://{host}:{port}/rss">'
                   "</head><body>"
                   + "".join(f'<a href="{_xml(u)}">lien {k}</a> ' for k, u in enumerate(bad_links))
                   + f'<a href="http://u:p@{host}:{port}/rubriques/depeches.asp?page=2">Suivant</a>'
                   + "</body></html>")
        cases = {
            # (spec, kinds the page may end as: a skip reason, or "unchanged")
            page(0): {"gzip_bomb": 1024},  # 1 GB of zeros in ~1 MB of gzip
            page(1): {"body_b64": base64.b64encode(nested).decode()},
            page(2): {"body_b64": base64.b64encode(big_attr).decode()},
            page(3): {"redirect": f"http://{host}:{other.port}{page(3)}"},
            page(4): {"redirect": f"http://user:pw@{host}:{port}/h/999020.html"},
            page(5): {"redirect": "file:///etc/passwd"},
            page(6): {"redirect": "/h/hop.html"},
            "/h/hop.html": {"redirect": f"http://evil.example.org{page(6)}"},
            page(7): {"redirect": f"ftp://{host}:{port}/h/999021.html"},
            # backslashes: urljoin keeps them on this site, while Scrapy (w3lib's
            # safe_url_string) makes them http://127.0.0.1:<other port>/...
            page(8): {"redirect": f"http:/\\{host}:{other.port}/h/999022.html"},
            page(9): {"redirect": f"http:\\\\{host}:{other.port}\\h\\999023.html"},
            "/rss/rss.xml": {"body": _feed(srv.base_url, bad_links), "content_type": "application/rss+xml"},
            "/": {"body": listing},
        }
        srv.set_faults(cases)
        mark, other_mark = srv.mark(), other.mark()
        t0 = time.monotonic()
        proc = run_crawl(db, srv.base_url, args={"revisit": "all"}, timeout=240)
        elapsed = time.monotonic() - t0
        hits, other_hits = srv.hits(mark), other.hits(other_mark)
    finally:
        srv.stop()
        other.stop()
    print(f"\nhostile crawl: {elapsed:.1f} s, {len(hits)} requests")
    return {"db": db, "site": site, "base": srv.base_url, "page": page, "proc": proc,
            "hits": hits, "other_hits": other_hits, "before": before, "bad_ids": bad_ids,
            "contents_before": contents_before, "versions_before": versions_before,
            "bad_links": bad_links}


def _skip(h, n):
    url = h["base"] + h["page"](n)
    crawl_id = one(h["db"], "select max(id) from crawls")
    found = rows(h["db"], "select kind, reason, detail from skips where url = ? and crawl_id = ?",
                 [url, crawl_id])
    return found[0] if found else None


def test_crawl_finishes_and_nothing_stored_changed(hostile):
    db = hostile["db"]
    crawl = rows(db, "select * from crawls order by id")[-1]
    assert hostile["proc"].returncode == 0
    assert crawl["status"] == "finished", crawl
    after = {r["url"]: r for r in rows(db, "select * from articles")}
    assert after.keys() == hostile["before"].keys()  # nothing added, nothing lost
    for url, row in hostile["before"].items():
        assert after[url]["content_hash"] == row["content_hash"], url
    assert one(db, "select count(*) from contents") == hostile["contents_before"]
    assert rows(db, "select * from versions order by id") == hostile["versions_before"]
    assert one(db, "pragma integrity_check") == "ok"


def test_gzip_bomb_is_cut_at_download_maxsize(hostile):
    """Scrapy 2.19's HttpCompressionMiddleware stops inflating at DOWNLOAD_MAXSIZE (5 MB):
    the 1 GB bomb is refused, not inflated, and the page is recorded as skipped."""
    sent = [x for x in hostile["hits"] if x["path"] == hostile["page"](0)]
    assert sent and sent[0]["bytes"] < 2 * 1024 * 1024  # what went over the wire: ~1 MB
    skip = _skip(hostile, 0)
    assert skip is not None, "the gzip bomb left no skip row"
    print(f"\ngzip bomb recorded as {skip['kind']}/{skip['reason']}: {skip['detail'][:150]}")
    assert skip["kind"] == "skipped"
    assert "DOWNLOAD_MAXSIZE" in skip["detail"] and "decompression" in skip["detail"]
    assert "MemoryError" not in hostile["proc"].stderr


def test_gzip_bomb_reason_says_too_large(hostile):
    skip = _skip(hostile, 0)
    assert skip is not None
    assert skip["reason"] == "too-large"


@pytest.mark.parametrize("n", [1, 2])
def test_nesting_and_big_attribute_end_as_unchanged_or_a_reasoned_skip(hostile, n):
    """Either the article still gives its text (counted unchanged, nothing new stored) or
    the page is skipped with a reason; never an error, never a hang (the crawl finished)."""
    skip = _skip(hostile, n)
    if skip is not None:
        assert skip["kind"] == "skipped" and not skip["reason"].startswith("error-"), skip
    else:
        url = hostile["base"] + hostile["page"](n)
        assert one(hostile["db"], "select last_seen from articles where url = ?", [url]) \
            != hostile["before"][url]["last_seen"]


@pytest.mark.parametrize("n", [3, 4, 5, 6, 7, 8, 9])
def test_redirects_off_site_are_refused(hostile, n):
    # n == 6 goes on site to /h/hop.html, then off site: recorded under the article's URL
    skip = _skip(hostile, n)
    assert skip is not None and (skip["kind"], skip["reason"]) == ("skipped", "offsite-redirect"), skip
    assert skip["detail"]  # the target is named


def test_redirect_targets_were_never_requested(hostile):
    assert hostile["other_hits"] == [], "the server on the other port was contacted"
    page = hostile["page"]
    # the credential and ftp: redirects pointed back at this very server, at pages of their own
    asked = {x["path"] for x in hostile["hits"]}
    assert "/h/999020.html" not in asked and "/h/999021.html" not in asked
    assert page(4) in asked and page(7) in asked
    # the on-site hop was followed, the off-site second hop was not
    assert any(x["path"] == "/h/hop.html" for x in hostile["hits"])


def test_links_with_credentials_or_other_schemes_are_never_requested(hostile):
    asked = {x["path"] for x in hostile["hits"]}
    for bad in hostile["bad_ids"]:
        assert f"/h/{bad}.html" not in asked, f"/h/{bad}.html was requested"
    assert hostile["other_hits"] == []
    db = hostile["db"]
    crawl_id = one(db, "select max(id) from crawls")
    for link in hostile["bad_links"]:
        scheme = urllib.parse.urlsplit(link).scheme
        assert one(db, "select count(*) from articles where url = ?", [link]) == 0
        if scheme not in ("http", "https", ""):
            assert one(db, "select count(*) from skips where url like ? and crawl_id = ?",
                       [scheme + ":%", crawl_id]) == 0, f"a {scheme}: URL reached the downloader"
    assert one(db, "select count(*) from skips where crawl_id = ? and url like '%@%'", [crawl_id]) == 0
    assert "secret" not in hostile["proc"].stderr


def test_credentials_on_the_real_host_are_not_requested_on_a_mirror(tmp_path, make_site, make_replica):
    """A feed link ``http://user:pw@news.abamako.com/h/N.html`` met on a mirror: the real
    host is rebased onto the mirror, but a link carrying credentials must still be dropped."""
    site = make_site(n_articles=2, variants=False)
    srv = make_replica(site.out_dir, faults={
        "/rss/rss.xml": {"body": _feed("", ["http://user:pw@news.abamako.com/h/999050.html"]),
                         "content_type": "application/rss+xml"}})
    mark = srv.mark()
    run_crawl(tmp_path / "v.db", srv.base_url, args={"discover": "feed"})
    asked = {x["path"] for x in srv.hits(mark)}
    assert "/h/999050.html" not in asked
    assert "/rss/rss.xml" in asked


# ------------------------------------------------------------- the parser, in isolation

PARSE = r"""
import resource, sys, time
sys.path.insert(0, sys.argv[1])
from scrapers.parsers.abamako import AbamakoParser
from veille.core.errors import NotAnArticle
body = sys.stdin.buffer.read()
try:  # imports done lazily by the parser (trafilatura...) are not the page's cost
    AbamakoParser().parse(b"<html><head><title>t</title></head><body><p>warm up</p></body></html>",
                          "http://127.0.0.1/h/1.html", "text/html", site="abamako.com")
except NotAnArticle:
    pass
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
t = time.perf_counter()
try:
    art = AbamakoParser().parse(body, "http://127.0.0.1/h/1.html", "text/html", site="abamako.com")
    outcome = "text:%d" % len(art.text())
except NotAnArticle as e:
    outcome = "skip:%s:%s" % (e.reason, e.detail[:80])
print(outcome, round(time.perf_counter() - t, 3), base, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""

GENERIC_PAGE = (b"<html><head><title>Un titre de page</title></head><body>{pre}<article><h1>Titre</h1>"
                + b"<p>Un paragraphe assez long pour un article de presse, avec du texte. </p>" * 30
                + b"</article>{post}</body></html>")


def _page(replica_site):
    return (replica_site.out_dir / replica_site.articles[replica_site.ids[0]]["path"].lstrip("/")).read_bytes()


def _cases(replica_site):
    page = _page(replica_site)
    i = page.index(b"FullArticleTexte")
    j = page.index(b">", i) + 1
    return {
        "100k-nested-divs-in-article": page[:j] + b"<div>" * NESTING + page[j:],
        "100k-nested-divs-before-article": page.replace(b"<body", b"<div>" * NESTING + b"<body", 1),
        "100k-unclosed-tags-generic": GENERIC_PAGE.replace(b"{pre}", b"<div><span>" * (NESTING // 2)).replace(b"{post}", b""),
        "50MB-attribute-on-body": page.replace(b"<body", b'<body data-x="' + b"A" * (50 << 20) + b'"', 1),
        "50MB-attribute-in-article": page[:j] + b'<p title="' + b"A" * (50 << 20) + b'">x</p>' + page[j:],
        "50MB-attribute-generic": GENERIC_PAGE.replace(b"{pre}", b'<div class="' + b"A" * (50 << 20) + b'">').replace(b"{post}", b"</div>"),
    }


CASE_NAMES = ["100k-nested-divs-in-article", "100k-nested-divs-before-article",
              "100k-unclosed-tags-generic", "50MB-attribute-on-body", "50MB-attribute-in-article",
              "50MB-attribute-generic"]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("case", CASE_NAMES)
def test_parser_is_bounded_on_deep_nesting_and_huge_attributes(replica_site, case):
    body = _cases(replica_site)[case]
    proc = subprocess.run([sys.executable, "-c", PARSE, str(ROOT)], input=body,
                          capture_output=True, timeout=110)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
    outcome, seconds, base_mb, peak_mb = proc.stdout.decode().strip().rsplit(" ", 3)
    grew = int(peak_mb) - int(base_mb)
    print(f"\n{case}: {len(body) / 1e6:.1f} MB in, {outcome}, {seconds} s, peak RSS {peak_mb} MB"
          f" (+{grew} MB over the {base_mb} MB after imports)")
    assert outcome.startswith(("text:", "skip:"))
    # memory bounded: a small multiple of the input, not an explosion
    assert grew < 100 + 12 * len(body) / 1e6, f"peak RSS grew by {grew} MB"


# ------------------------------------------------------------- feeds and sitemaps

LOL = ('<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
       '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">')
RSS_ITEM = '<rss><channel><item><title>&lol3;</title><link>http://a/h/1.html</link></item></channel></rss>'
SITEMAP = ('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://a/h/1.html&lol3;</loc>'
           '</url></urlset>')
INDEX = ('<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>&lol3;</loc>'
         '</sitemap></sitemapindex>')


def _doc(body: str, dtd: str, *, pad: str = "", encoding: str = "utf-8") -> bytes:
    decl = f'<?xml version="1.0" encoding="{encoding.upper()}"?>'
    return f"{decl}<!DOCTYPE r [{pad}{dtd}]>{body}".encode(encoding)


HIDDEN = {
    "plain": {},
    "padded-past-64KB": {"pad": " " * 70_000},
    "comment-padded": {"pad": "<!--" + "x" * 70_000 + "-->"},
    "utf-16": {"encoding": "utf-16"},
}


@pytest.mark.parametrize("hide", list(HIDDEN))
@pytest.mark.parametrize("kind, body", [("rss", RSS_ITEM), ("sitemap", SITEMAP), ("sitemapindex", INDEX)])
def test_entity_declarations_are_refused_however_hidden(kind, body, hide):
    from scrapers.feeds import FeedError, parse_feed

    with pytest.raises(FeedError) as err:
        parse_feed(_doc(body, LOL, **HIDDEN[hide]))
    assert err.value.reason == "hostile-feed"
    assert "entities" in str(err.value)


@pytest.mark.parametrize("dtd", [
    '<!ENTITY xxe SYSTEM "file:///etc/passwd">',
    '<!ENTITY % p SYSTEM "http://127.0.0.1:9/evil.dtd"> %p;',
])
def test_external_and_parameter_entities_are_refused(dtd):
    from scrapers.feeds import FeedError, parse_feed

    for pad in ("", " " * 70_000):
        with pytest.raises(FeedError) as err:
            parse_feed(_doc(SITEMAP.replace("&lol3;", "&xxe;"), dtd, pad=pad))
        assert err.value.reason == "hostile-feed"


@pytest.mark.timeout(60)
def test_sitemap_bombs_are_bounded():
    """A sitemap nested 100k deep and one with 100k URLs (5 MB, the download limit): read
    in bounded time, never more entries than written."""
    from scrapers.feeds import FeedError, parse_feed

    deep = (b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + b"<url>" * NESTING
            + b"<loc>http://a/h/1.html</loc>" + b"</url>" * NESTING + b"</urlset>")
    t = time.perf_counter()
    try:
        entries = parse_feed(deep)
        assert len(entries) <= 1
        outcome = f"{len(entries)} entries"
    except FeedError as exc:
        outcome = f"refused: {exc}"
    print(f"\nsitemap nested {NESTING} deep: {outcome} in {time.perf_counter() - t:.2f} s")
    many = (b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + b"".join(b"<url><loc>http://a/h/%d.html</loc></url>" % i for i in range(100_000))
            + b"</urlset>")
    t = time.perf_counter()
    entries = parse_feed(many)
    print(f"sitemap of {len(many) / 1e6:.1f} MB: {len(entries)} entries in {time.perf_counter() - t:.2f} s")
    assert len(entries) == 100_000


def test_doctype_without_entities_is_still_read():
    from scrapers.feeds import parse_feed

    rss091 = (b'<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"'
              b' "http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"><channel>'
              b"<item><title>x</title><link>http://a/h/1.html</link></item></channel></rss>")
    assert [e.url for e in parse_feed(rss091)] == ["http://a/h/1.html"]


# ------------------------------------------------------------------------ export

@pytest.fixture
def small_store(tmp_path):
    from storage import Store
    from veille.core.textformat import TextParts, write

    db = tmp_path / "s.db"
    s = Store(db)
    cid = s.start_crawl("abamako")
    s.save_batch(cid, [{"url": f"http://x/h/{i}.html", "source": "abamako",
                        "text": write(TextParts("2024-05", f"Titre {i}", f"Chapeau {i}", "", "",
                                                [f"Paragraphe {i}."]))} for i in range(3)])
    s.finish_crawl(cid)
    s.close()
    return db


def _export(db, out, *extra):
    return subprocess.run([sys.executable, "-m", "veille.cli", "export", "--db", str(db), "--out",
                           str(out), *extra], cwd=ROOT, capture_output=True, text=True, timeout=60)


def _tree(path):
    """Every path below ``path`` (and whether it is a link), but the ``-wal``/``-shm`` that
    a read-only SQLite reader of a WAL store may create beside it (they belong to the
    store, not to what the export wrote; the store's own bytes are checked apart)."""
    return sorted((str(p.relative_to(path)), p.is_symlink()) for p in path.rglob("*")
                  if not p.name.endswith((".db-wal", ".db-shm")))


def _victim_and_out(tmp_path):
    """``outside/`` with ``victim.txt`` ("keep me") in it, and an empty ``out/`` beside."""
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "victim.txt"
    victim.write_text("keep me")
    out = tmp_path / "out"
    out.mkdir()
    return outside, victim, out


@pytest.mark.parametrize("fmt", ["text", "jsonl"])
@pytest.mark.parametrize("link", ["to-a-file", "dangling", "via-dotdot"])
def test_export_refuses_links_that_leave_the_folder(small_store, tmp_path, fmt, link):
    from storage.export import file_name

    db_sum = hashlib.sha256(small_store.read_bytes()).hexdigest()
    outside, victim, out = _victim_and_out(tmp_path)
    first = one(small_store, "select content_hash from articles order by id limit 1")
    name = file_name(1, one(small_store, "select content_hash from articles order by id limit 1 offset 1")) \
        if fmt == "text" else "articles.jsonl"
    target = {"to-a-file": victim, "dangling": outside / "new.txt",
              "via-dotdot": out / ".." / "outside" / "victim.txt"}[link]
    (out / name).symlink_to(target)
    before = _tree(tmp_path)
    proc = _export(small_store, out, "--format", fmt)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert "refusing to write" in proc.stderr and name in proc.stderr, proc.stderr
    assert victim.read_text() == "keep me"
    assert not (outside / "new.txt").exists()
    assert _tree(tmp_path) == before  # nothing written at all, not even the safe files first
    assert not (out / file_name(0, first)).exists()
    assert hashlib.sha256(small_store.read_bytes()).hexdigest() == db_sum


@pytest.mark.parametrize("fmt", ["text", "jsonl"])
def test_export_never_writes_through_a_hard_link(small_store, tmp_path, fmt):
    """A file of --out that is a hard link to a file outside (same inode): the export
    replaces the name with a new file (temporary file, then rename) and the file outside
    keeps its bytes."""
    import os

    from storage.export import file_name

    _, victim, out = _victim_and_out(tmp_path)
    name = (file_name(0, one(small_store, "select content_hash from articles order by id limit 1"))
            if fmt == "text" else "articles.jsonl")
    os.link(victim, out / name)
    proc = _export(small_store, out, "--format", fmt)
    assert proc.returncode == 0, proc.stderr
    assert victim.read_text() == "keep me"
    assert os.stat(victim).st_nlink == 1  # the link in --out was replaced, not written through
    written = (out / name).read_text(encoding="utf-8")
    assert written != "keep me" and written
    if fmt == "text":
        assert written == one(small_store, "select c.text from articles a join contents c"
                                           " on c.hash = a.content_hash order by a.id limit 1")
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_export_with_dotdot_in_out_stays_in_the_folder_it_names(small_store, tmp_path):
    (tmp_path / "a").mkdir()
    proc = _export(small_store, tmp_path / "a" / ".." / "b")
    assert proc.returncode == 0, proc.stderr
    assert len(list((tmp_path / "b").iterdir())) == 3
    assert [name for name, _ in _tree(tmp_path) if "/" not in name] == ["a", "b", "s.db"]
    assert list((tmp_path / "a").iterdir()) == []


# ------------------------------------------------------------------------ Datasette

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_datasette_is_served_read_only(small_store, tmp_path):
    pytest.importorskip("datasette")
    from veille.web import DB_NAME, load_metadata

    # no canned query writes
    for name, q in load_metadata()["databases"][DB_NAME].get("queries", {}).items():
        assert not (isinstance(q, dict) and q.get("write")), f"canned query {name} writes"
    db_sum = hashlib.sha256(small_store.read_bytes()).hexdigest()
    counts = (one(small_store, "select count(*) from articles"), one(small_store, "select count(*) from topics"))
    port = _free_port()
    log = open(tmp_path / "serve.log", "wb")  # a file, not a pipe nobody reads: it would fill up
    proc = subprocess.Popen([sys.executable, "-m", "veille.web.serve", "--db", str(small_store),
                             "--port", str(port)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/{DB_NAME}"
    try:
        wait_for_http(base + ".json", proc, tmp_path / "serve.log")
        writes = [
            "delete from articles",
            "insert into topics (name, query) values ('x', 'y')",
            "update articles set title = 'pwned'",
            "drop table flags",
            "create table t (x)",
            "attach database ':memory:' as m",
            "pragma journal_mode=delete",
            "with x as (select 1) delete from articles",
            "select 1; delete from articles",
            "vacuum",
        ]
        for sql in writes:
            url = base + ".json?" + urllib.parse.urlencode({"sql": sql, "_shape": "objects"})
            try:
                with urllib.request.urlopen(url, timeout=10) as r:
                    body = r.read().decode()
                    status = r.status
            except urllib.error.HTTPError as e:
                body, status = e.read().decode(errors="replace"), e.code
            assert status >= 400 or json.loads(body).get("ok") is False, (sql, status, body[:300])
        # Datasette 1.0's write API does not exist here, and nothing else accepts a POST
        for path in ("/articles/-/insert", "/-/create", "/articles/1/-/delete", "/articles/-/drop"):
            req = urllib.request.Request(base + path, data=b'{"row": {"url": "x"}}', method="POST",
                                         headers={"Content-Type": "application/json"})
            try:
                status = urllib.request.urlopen(req, timeout=10).status
            except urllib.error.HTTPError as e:
                status = e.code
            assert status >= 400, (path, status)
    finally:
        stop_process(proc)
        log.close()
    assert hashlib.sha256(small_store.read_bytes()).hexdigest() == db_sum
    assert (one(small_store, "select count(*) from articles"),
            one(small_store, "select count(*) from topics")) == counts


def test_datasette_connections_are_read_only_at_the_sqlite_level(small_store):
    """Even SQL that got past Datasette's SELECT-only check would meet a ?mode=ro connection."""
    pytest.importorskip("datasette")
    import asyncio
    import sqlite3

    from veille.web import DB_NAME, make_datasette

    ds = make_datasette(small_store)

    async def attempt():
        await ds.invoke_startup()
        db = ds.get_database(DB_NAME)
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            await db.execute_fn(lambda conn: conn.execute("delete from articles"))

    asyncio.run(attempt())
    assert one(small_store, "select count(*) from articles") == 3
