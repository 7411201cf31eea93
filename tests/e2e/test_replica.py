"""The replica aBamako site (generator) and its HTTP server."""

from __future__ import annotations

import email.utils
import gzip
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import lxml.html
import pytest
from lxml import etree

from replica.site import (
    REFERENCE_VARIANTS,
    add_articles,
    edit_article,
    generate_site,
    load_manifest,
    reference_parts,
)
from veille.core.textformat import TextParts, clean, write

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seeds" / "000_4c2eddb1c88bd00e.txt"


# ---------------------------------------------------------------- a small reference extractor
# Only for these tests: it proves every generated page can be turned into the manifest's
# expected text following sources.md's reading order. It is not the project's parser.

MONTHS = {m: i for i, m in enumerate(
    ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
     "octobre", "novembre", "décembre"), 1)}
MONTHS.update({"fevrier": 2, "aout": 8, "decembre": 12})
BLOCK = {"p", "div", "br", "table", "tr", "td", "ul", "li", "h1", "h2", "h3", "form"}
SKIP = {"script", "style", "noscript", "iframe", "form", "textarea"}


def declared_charset(raw: bytes) -> str:
    m = re.search(rb"""charset=["']?([A-Za-z0-9_-]+)""", raw[:4096])
    cs = m.group(1).decode().lower() if m else "utf-8"
    return "cp1252" if cs in ("iso-8859-1", "latin-1", "latin1", "windows-1252") else cs


def decode(raw: bytes) -> str:
    return raw.decode(declared_charset(raw))


def has_class(el, name: str) -> bool:
    return name in (el.get("class") or "").split()


def chunks(nodes, stop=None) -> list[str]:
    """Text of ``nodes`` (elements, in order) split at block elements and <br>; scripts,
    styles, comments and share widgets are skipped. Stops at element ``stop``."""
    out, cur = [], []

    def brk():
        if cur:
            out.append(clean("".join(cur)))
            cur.clear()

    for node in nodes:
        for ev, el in etree.iterwalk(node, events=("start", "end", "comment", "pi")):
            if el is stop:
                brk()
                return [c for c in out if c]
            if ev in ("comment", "pi"):  # no start/end events for these: keep the tail
                if el.tail:
                    cur.append(el.tail)
                continue
            tag = el.tag if isinstance(el.tag, str) else None
            skip = tag is None or tag in SKIP or "share" in (el.get("class") or "")
            if ev == "start":
                if tag in BLOCK:
                    brk()
                if skip:
                    continue
                if el.text:
                    cur.append(el.text)
            else:
                if tag in BLOCK:
                    brk()
                if el.tail and el is not node:
                    cur.append(el.tail)
        brk()
    return [c for c in out if c]


def month_of(dateline: str) -> str:
    m = re.search(r"(\d{1,2})/(\d{2})/(\d{4})", dateline)
    if m:
        return f"{m.group(3)}-{m.group(2)}"
    m = re.search(r"Publié le \w+ \d{1,2} (\w+) (\d{4})", dateline)
    return f"{m.group(2)}-{MONTHS[m.group(1)]:02d}"


def extract(raw: bytes) -> str:
    doc = lxml.html.fromstring(decode(raw))
    title = doc.findtext(".//title")
    head = [e for e in doc.iter() if isinstance(e.tag, str) and has_class(e, "FontArticleMainTitle")][0]
    sources = [e for e in doc.iter("div") if has_class(e, "FontArticleSource")]
    spans = [e for e in doc.iter("span") if has_class(e, "FullArticleTexte")]
    dateline = clean(sources[0].text_content())
    # between the last dateline div and the first body span: credit and caption
    between = []
    started = False
    for ev, el in etree.iterwalk(doc, events=("start", "end", "comment", "pi")):
        if el is spans[0]:
            break
        if ev in ("comment", "pi"):
            if started and el.tail:
                between.append(el.tail)
            continue
        if ev == "end" and el is sources[-1]:
            started = True
            if el.tail:
                between.append(el.tail)
            continue
        if not started or not isinstance(el.tag, str):
            if started and ev == "end" and el.tail:
                between.append(el.tail)
            continue
        if ev == "start":
            between.append("\n")
            if el.tag not in SKIP and el.text:
                between.append(el.text)
        else:
            between.append("\n")
            if el.tail:
                between.append(el.tail)
    lines = [clean(x) for x in "".join(between).split("\n")]
    caption = " ".join(x for x in lines if x and not x.startswith("©"))
    paragraphs = []
    for s in spans:
        paragraphs += chunks([s])
    return write(TextParts(month_of(dateline), title, head.text_content(), dateline, caption, paragraphs))


# ---------------------------------------------------------------- HTTP helper


def get(srv, path, headers=None, method="GET", timeout=10):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=timeout)
    try:
        conn.request(method, path, headers=headers or {})
        r = conn.getresponse()
        body = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, body
    finally:
        conn.close()


# ---------------------------------------------------------------- generator


def test_manifest_is_consistent_with_files(replica_site):
    m = replica_site
    ids = m.ids
    assert len(ids) == 60 and ids == list(range(270000, 270060))
    dates = [m.article(i)["published"] for i in ids]
    assert dates == sorted(dates) and len(set(dates)) == len(dates)
    assert set(m.reference) == set(REFERENCE_VARIANTS)
    seed = SEED.read_bytes().decode("utf-8")
    for aid in ids:
        a = m.article(aid)
        f = m.file_for(a["path"])
        assert f.exists() and f.stat().st_size == a["bytes"]
        assert a["path"] == f"/h/{aid}.html"
        assert a["title"] == f"{a['title'].rsplit(' - ', 1)[0]} - abamako.com"
        assert a["month"] == a["date"][:7]
        assert (a["text"] == seed) == (a["variant"] is not None)
        assert m.reference.get(a["variant"]) == aid if a["variant"] else True
        assert a["encoding"] in ("cp1252", "utf-8")
    for p in m.listings + m.feeds + ["/robots.txt", "/sitemap.xml"]:
        assert m.file_for(p).is_file(), p
    assert {"/", "/rubriques/depeches.asp", "/rubriques/depeches.asp?page=2"} <= set(m.listings)
    # variety the parsers must cope with
    arts = list(m.articles.values())
    assert any(a["encoding"] == "utf-8" for a in arts if not a["variant"])
    assert sum(a["declared_charset"] == "iso-8859-1" for a in arts) > len(arts) / 2
    assert {a["rubric"] for a in arts} == {"Politique", "Économie", "Société", "Sport", "International"}
    assert any(not a["caption"] for a in arts) and any(a["teaser"] for a in arts)
    assert any(a["dateline"][10:11].isdigit() for a in arts)  # numeric dd/mm/yyyy datelines
    assert any("OTAN" in a["topics"] for a in arts if not a["variant"])
    assert any("Mali" in a["topics"] for a in arts)


def test_reference_variants_decode_to_the_seed(replica_site):
    m = replica_site
    seed = SEED.read_bytes().decode("utf-8")
    ref = reference_parts()
    for variant, aid in m.reference.items():
        raw = m.file_for(f"/h/{aid}.html").read_bytes()
        if variant == "utf8":
            assert b'charset="utf-8"' in raw or b"charset=utf-8" in raw
            assert "′".encode("utf-8") in raw
        else:
            assert b"charset=iso-8859-1" in raw
            assert b"&#8242;" in raw and "é".encode("cp1252") in raw
            with pytest.raises(UnicodeDecodeError):
                raw.decode("utf-8")
        text = decode(raw)
        flat = clean(lxml.html.fromstring(text).text_content())
        for p in ref.paragraphs:
            assert clean(p) in flat, (variant, p[:40])
        assert extract(raw) == seed, variant
        assert extract(raw).encode("utf-8") == SEED.read_bytes()
    assert b'<span class="FontArticleMainTitle">' in m.file_for(f"/h/{m.reference['oldmarkup']}.html").read_bytes()
    assert m.file_for(f"/h/{m.reference['split']}.html").read_bytes().count(b'class="FullArticleTexte"') == 2
    assert b"<script" in m.file_for(f"/h/{m.reference['script']}.html").read_bytes().split(
        b'class="FullArticleTexte"')[1].split(b"</span>\n")[0]


def test_every_article_page_gives_its_manifest_text(replica_site, make_site):
    for m in (replica_site, make_site(n_articles=80, seed=7, first_id=256650)):
        for aid, a in m.articles.items():
            raw = m.file_for(a["path"]).read_bytes()
            assert extract(raw) == a["text"], aid


def test_page_kb_pads_pages_to_realistic_sizes(make_site):
    m = make_site(n_articles=40, page_kb=75)
    sizes = [m.file_for(a["path"]).stat().st_size for a in m.articles.values()]
    sizes += [m.file_for(p).stat().st_size for p in m.listings]
    assert all(60_000 <= s <= 90_000 for s in sizes), (min(sizes), max(sizes))
    for aid, a in list(m.articles.items())[:10]:
        assert extract(m.file_for(a["path"]).read_bytes()) == a["text"]


def test_generation_is_deterministic(make_site):
    a, b = make_site(n_articles=20, seed=3), make_site(n_articles=20, seed=3)
    for aid in a.ids:
        assert a.file_for(f"/h/{aid}.html").read_bytes() == b.file_for(f"/h/{aid}.html").read_bytes()


def test_generation_speed(tmp_path):
    t = time.perf_counter()
    generate_site(tmp_path / "s", n_articles=300, page_kb=75)
    assert time.perf_counter() - t < 10  # 5,000 such pages take ~15 s


# ---------------------------------------------------------------- server basics


def test_server_serves_pages_with_validators_and_304(replica, replica_site):
    aid = replica_site.ids[3]
    status, h, body = get(replica, f"/h/{aid}.html")
    assert status == 200 and h["content-type"] == "text/html"
    assert body == replica_site.file_for(f"/h/{aid}.html").read_bytes().replace(
        b"http://news.abamako.com", replica.base_url.encode())
    assert int(h["content-length"]) == len(body)
    etag, lm = h["etag"], h["last-modified"]
    assert etag.startswith('"') and email.utils.parsedate_to_datetime(lm)
    mark = replica.mark()
    assert get(replica, f"/h/{aid}.html", {"If-None-Match": etag})[0] == 304
    assert get(replica, f"/h/{aid}.html", {"If-None-Match": f'"x", W/{etag}'})[0] == 304
    assert get(replica, f"/h/{aid}.html", {"If-None-Match": '"other"'})[0] == 200
    assert get(replica, f"/h/{aid}.html", {"If-Modified-Since": lm})[0] == 304
    s304, h304, b304 = get(replica, f"/h/{aid}.html", {"If-Modified-Since": lm, "If-None-Match": etag})
    assert s304 == 304 and b304 == b"" and h304["etag"] == etag
    old = email.utils.formatdate(email.utils.parsedate_to_datetime(lm).timestamp() - 10, usegmt=True)
    assert get(replica, f"/h/{aid}.html", {"If-Modified-Since": old})[0] == 200
    st = replica.stats(mark)
    assert st["requests"] == 6 and st["304"] == 4 and st["200"] == 2
    assert st["bytes"] == 2 * len(body)
    status, h, body = get(replica, f"/h/{aid}.html", method="HEAD")
    assert status == 200 and body == b"" and h["etag"] == etag


def test_server_paths_types_and_hidden_files(replica, replica_site):
    assert get(replica, "/")[0] == 200
    assert get(replica, "/rubriques/depeches.asp")[0] == 200
    s2, h2, b2 = get(replica, "/rubriques/depeches.asp?page=2")
    assert s2 == 200 and h2["content-type"] == "text/html"
    assert b2 != get(replica, "/rubriques/depeches.asp")[2]
    assert get(replica, "/rubriques/depeches.asp?page=1")[2] == get(replica, "/rubriques/depeches.asp")[2]
    assert get(replica, "/rubriques/depeches.asp?page=99")[0] == 404
    assert get(replica, "/rubriques/depeches.asp?utm_source=x")[0] == 200
    assert get(replica, "/dossiers/")[0] == 200
    for p in ("/rss", "/rss/", "/rss/rss.xml"):
        s, h, _ = get(replica, p)
        assert s == 200 and h["content-type"] == "application/rss+xml", p
    s, h, body = get(replica, "/robots.txt")
    assert s == 200 and b"Disallow: /admin/" in body and h["content-type"].startswith("text/plain")
    assert replica.base_url.encode() + b"/sitemap.xml" in body
    assert get(replica, "/documents/doc_1.pdf")[1]["content-type"] == "application/pdf"
    for p in ("/manifest.json", "/faults.json", "/h/999999.html", "/../etc/passwd", "/h/"):
        assert get(replica, p)[0] == 404, p
    assert get(replica, "/h/270001.html", method="POST")[0] == 405


def test_keep_alive_connection_serves_many_requests(replica, replica_site):
    conn = http.client.HTTPConnection("127.0.0.1", replica.port, timeout=5)
    try:
        for aid in replica_site.ids[:20]:
            conn.request("GET", f"/h/{aid}.html")
            r = conn.getresponse()
            body = r.read()
            assert r.status == 200 and len(body) == int(r.getheader("Content-Length")) > 5000
            assert r.getheader("Connection") == "keep-alive"
    finally:
        conn.close()


def test_feed(replica, replica_site):
    s, h, body = get(replica, "/rss/rss.xml")
    root = ET.fromstring(body)
    assert root.tag == "rss" and root.get("version") == "2.0"
    items = root.findall("./channel/item")
    newest = sorted(replica_site.ids, reverse=True)[:50]
    assert len(items) == 50
    assert [it.findtext("link") for it in items] == [replica.url(f"/h/{i}.html") for i in newest]
    for it in items:
        assert it.findtext("guid") == it.findtext("link") and it.findtext("title") and it.findtext("description")
        email.utils.parsedate_to_datetime(it.findtext("pubDate"))
    assert items[0].findtext("title") == replica_site.article(newest[0])["headline"]
    home = get(replica, "/")[2].decode("cp1252")
    assert re.search(r'<link rel="alternate" type="application/rss\+xml"[^>]*href="%s/rss/rss.xml"'
                     % re.escape(replica.base_url), home)
    # absolute URLs on article pages follow the server too
    page = get(replica, f"/h/{newest[0]}.html")[2]
    assert f'<link rel="canonical" href="{replica.url(f"/h/{newest[0]}.html")}"'.encode() in page


def test_listings_paginate_over_all_articles(replica, replica_site):
    seen, path, pages = [], "/rubriques/depeches.asp", 0
    while path:
        doc = lxml.html.fromstring(decode(get(replica, path)[2]))
        items = doc.cssselect(".LiNews")
        assert items and len(items) <= 20
        for it in items:
            href = it.cssselect("a")[0].get("href")
            aid = int(re.fullmatch(r"/h/(\d+)\.html", href).group(1))
            sub = clean(it.cssselect(".FontTextSousTitle")[0].text_content())
            a = replica_site.article(aid)
            assert sub == f"{a['publisher']} - {a['rubric']} - {a['date_short']}"
            seen.append(aid)
        pag = doc.cssselect("div.pagination")[0]
        assert pag.cssselect("a") or pages == 0
        nxt = [a.get("href") for a in pag.cssselect("a") if a.text_content().strip() == "Suivant"]
        path = nxt[0] if nxt else None
        pages += 1
    assert seen == sorted(replica_site.ids, reverse=True) and pages == 3
    home = lxml.html.fromstring(decode(get(replica, "/")[2]))
    assert len(home.cssselect(".LiNews")) == 30


# ---------------------------------------------------------------- faults


def test_faults(make_replica, replica_site):
    ids = replica_site.ids
    faults = {
        f"/h/{ids[0]}.html": {"status": 404},
        f"/h/{ids[1]}.html": {"status": 500},
        f"/h/{ids[2]}.html": {"status": 503, "headers": {"Retry-After": "1"}, "times": 1},
        f"/h/{ids[3]}.html": {"redirect": "http://evil.example.org/x"},
        f"/h/{ids[4]}.html": {"redirect": f"/h/{ids[5]}.html", "status": 301},
        f"/h/{ids[6]}.html": {"content_type": "application/pdf"},
        f"/h/{ids[7]}.html": {"content_type": "text/html; charset=utf-8"},
        f"/h/{ids[8]}.html": {"body": "<html><body>raw</body></html>"},
        "/rubriques/depeches.asp?page=2": {"status": 500},
        "/h/2700[45]?.html": {"status": 410},
    }
    srv = make_replica(faults=faults)
    assert get(srv, f"/h/{ids[0]}.html")[0] == 404
    assert get(srv, f"/h/{ids[1]}.html")[0] == 500
    s, h, _ = get(srv, f"/h/{ids[2]}.html")
    assert s == 503 and h["retry-after"] == "1"
    assert get(srv, f"/h/{ids[2]}.html")[0] == 200  # times: 1
    s, h, _ = get(srv, f"/h/{ids[3]}.html")
    assert s == 302 and h["location"] == "http://evil.example.org/x"
    s, h, _ = get(srv, f"/h/{ids[4]}.html")
    assert s == 301 and h["location"] == f"/h/{ids[5]}.html"
    s, h, body = get(srv, f"/h/{ids[6]}.html")
    assert s == 200 and h["content-type"] == "application/pdf" and b"FullArticleTexte" in body
    assert get(srv, f"/h/{ids[7]}.html")[1]["content-type"] == "text/html; charset=utf-8"
    assert get(srv, f"/h/{ids[8]}.html")[2] == b"<html><body>raw</body></html>"
    assert get(srv, "/rubriques/depeches.asp?page=2")[0] == 500
    assert get(srv, "/rubriques/depeches.asp")[0] == 200
    assert get(srv, "/h/270045.html")[0] == 410 and get(srv, "/h/270039.html")[0] == 200
    hits = srv.hits()
    assert hits[0]["status"] == 404 and hits[0]["fault"] == ["status"]
    # live change of the fault map
    srv.set_faults({f"/h/{ids[0]}.html": {"status": 418}})
    assert get(srv, f"/h/{ids[0]}.html")[0] == 418
    assert get(srv, f"/h/{ids[1]}.html")[0] == 200
    srv.set_faults(None)
    assert get(srv, f"/h/{ids[0]}.html")[0] == 200


def test_connection_faults(make_replica, replica_site):
    ids = replica_site.ids
    srv = make_replica(faults={
        f"/h/{ids[0]}.html": {"slow": 3},
        f"/h/{ids[1]}.html": {"truncate": 0.5},
        f"/h/{ids[2]}.html": {"reset": True},
        f"/h/{ids[3]}.html": {"close": True},
        "/big.html": {"huge": 3},
    })
    t = time.monotonic()
    with pytest.raises((socket.timeout, TimeoutError)):
        get(srv, f"/h/{ids[0]}.html", timeout=0.5)
    assert time.monotonic() - t < 2
    with pytest.raises(http.client.IncompleteRead) as exc:
        get(srv, f"/h/{ids[1]}.html")
    full = len(exc.value.partial) + exc.value.expected  # the Content-Length sent
    assert len(exc.value.partial) == full // 2 and exc.value.expected > 0
    with pytest.raises((ConnectionResetError, http.client.RemoteDisconnected)):
        get(srv, f"/h/{ids[2]}.html")
    with pytest.raises(http.client.RemoteDisconnected):
        get(srv, f"/h/{ids[3]}.html")
    s, h, body = get(srv, "/big.html")
    assert s == 200 and int(h["content-length"]) == 3 * 1024 * 1024 == len(body)
    s, h, body = get(srv, f"/h/{ids[0]}.html", timeout=10)  # slow, but answers
    assert s == 200
    statuses = [(x["path"], x["status"]) for x in srv.hits()]
    assert (f"/h/{ids[2]}.html", 0) in statuses and (f"/h/{ids[1]}.html", 200) in statuses


def test_site_faults_file_is_read(make_site, make_replica):
    m = make_site(n_articles=10)
    (m.out_dir / "faults.json").write_text(json.dumps({"/h/270001.html": {"status": 503}}))
    srv = make_replica(m.out_dir, faults={"/h/270002.html": {"status": 500}})
    assert get(srv, "/h/270001.html")[0] == 503
    assert get(srv, "/h/270002.html")[0] == 500
    assert get(srv, "/h/270003.html")[0] == 200


def test_gzip_option(make_replica, replica_site):
    srv = make_replica(gzip=True)
    path = f"/h/{replica_site.ids[5]}.html"
    s, h, body = get(srv, path, {"Accept-Encoding": "gzip"})
    assert s == 200 and h["content-encoding"] == "gzip" and h["etag"].startswith('W/"')
    assert gzip.decompress(body) == get(srv, path)[2]
    assert get(srv, path, {"Accept-Encoding": "gzip", "If-None-Match": h["etag"]})[0] == 304


# ---------------------------------------------------------------- changing the site


def _slice(raw: bytes, start: bytes, end: bytes) -> bytes:
    i = raw.index(start)
    return raw[i:raw.index(end, i)]


def test_edit_article(make_site, make_replica):
    m = make_site(n_articles=30)
    srv = make_replica(m.out_dir)
    aid, other = m.ids[10], m.ids[11]
    before = {i: get(srv, f"/h/{i}.html")[1] for i in (aid, other)}
    raw0 = m.file_for(f"/h/{aid}.html").read_bytes()
    sitemap0 = m.file_for("/sitemap.xml").read_bytes()
    feed0 = m.file_for("/rss/rss.xml").read_bytes()

    # boilerplate only: the article's own bytes stay, the page changes
    e1 = edit_article(m.out_dir, aid, boilerplate_only=True)
    raw1 = m.file_for(f"/h/{aid}.html").read_bytes()
    assert raw1 != raw0 and e1["text"] == m.article(aid)["text"] and e1["sha256"] == m.article(aid)["sha256"]
    for start, end in ((b'class="FontArticleMainTitle"', b"</h1>"), (b'<span class="FullArticleTexte"', b"</span>"),
                       (b"<title>", b"</title>"), (b'class="FontArticleSource"', b"</div>")):
        if start in raw0:
            assert _slice(raw1, start, end) == _slice(raw0, start, end)
    assert extract(raw1) == extract(raw0)
    assert m.file_for("/rss/rss.xml").read_bytes() == feed0
    h1 = get(srv, f"/h/{aid}.html")[1]
    assert h1["etag"] != before[aid]["etag"]
    assert get(srv, f"/h/{aid}.html", {"If-None-Match": before[aid]["etag"]})[0] == 200
    assert get(srv, f"/h/{other}.html", {"If-None-Match": before[other]["etag"]})[0] == 304

    # content edit: a paragraph added; text, hash, Last-Modified and sitemap change
    e2 = edit_article(m.out_dir, aid)
    m2 = load_manifest(m.out_dir)
    assert e2["rev"] == 1 and e2["text"] != e1["text"] and m2.article(aid)["sha256"] == e2["sha256"]
    assert e2["text"].startswith(e1["text"]) and "Mise à jour" in e2["text"]
    assert extract(m.file_for(f"/h/{aid}.html").read_bytes()) == e2["text"]
    h2 = get(srv, f"/h/{aid}.html")[1]
    assert h2["etag"] != h1["etag"]
    assert email.utils.parsedate_to_datetime(h2["last-modified"]) > email.utils.parsedate_to_datetime(
        h1["last-modified"])
    assert get(srv, f"/h/{aid}.html", {"If-Modified-Since": h1["last-modified"]})[0] == 200
    assert m.file_for("/sitemap.xml").read_bytes() != sitemap0

    # explicit body and headline
    e3 = edit_article(m.out_dir, aid, body=["Premier paragraphe.", "Second paragraphe."], headline="Nouveau titre")
    assert e3["text"].endswith("Premier paragraphe.\n\n\n\nSecond paragraphe.")
    assert e3["title"] == "Nouveau titre - abamako.com"
    assert extract(m.file_for(f"/h/{aid}.html").read_bytes()) == e3["text"]
    # other article untouched throughout
    assert get(srv, f"/h/{other}.html", {"If-None-Match": before[other]["etag"]})[0] == 304


def test_add_articles(make_site, make_replica):
    m = make_site(n_articles=25)
    srv = make_replica(m.out_dir)
    old_pages = {i: m.file_for(f"/h/{i}.html").read_bytes() for i in m.ids}
    new = add_articles(m.out_dir, 5)
    m2 = load_manifest(m.out_dir)
    assert new == list(range(270025, 270030)) and m2.ids == list(range(270000, 270030))
    last_old = m.article(m.ids[-1])["published"]
    assert all(m2.article(i)["published"] > last_old for i in new)
    for i, raw in old_pages.items():
        assert m2.file_for(f"/h/{i}.html").read_bytes() == raw
    for i in new:
        assert get(srv, f"/h/{i}.html")[0] == 200
        assert extract(m2.file_for(f"/h/{i}.html").read_bytes()) == m2.article(i)["text"]
    doc = lxml.html.fromstring(decode(get(srv, "/rubriques/depeches.asp")[2]))
    assert doc.cssselect(".LiNews a")[0].get("href") == f"/h/{new[-1]}.html"
    feed = ET.fromstring(get(srv, "/rss/rss.xml")[2])
    assert feed.find("./channel/item/link").text == srv.url(f"/h/{new[-1]}.html")


# ---------------------------------------------------------------- processes and CLI


def test_server_process_stops(replica_site):
    from replica.server import serve

    srv = serve(replica_site.out_dir)
    pid = srv.proc.pid
    assert get(srv, "/")[0] == 200
    srv.stop()
    assert not srv.running and srv.proc.returncode is not None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert srv.stats()["requests"] == 1  # the log stays readable after stop


def test_cli_generate_and_serve(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "replica", "generate", str(out), "--articles", "12",
                    "--page-kb", "20"], check=True, env=env, capture_output=True, timeout=60)
    assert (out / "manifest.json").exists() and len(list((out / "h").iterdir())) == 12
    proc = subprocess.Popen([sys.executable, "-m", "replica", "serve", str(out), "--port", "0"],
                            stdout=subprocess.PIPE, env=env)
    try:
        base = proc.stdout.readline().decode().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base)
        port = int(base.rsplit(":", 1)[1])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/h/270003.html")
        assert conn.getresponse().status == 200
        conn.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
        proc.stdout.close()
