"""Boilerplate churn never makes an update.

Two fetches of the same article differ in view counters, "À lire aussi" lists, ads,
share widgets, a clock, cache-busting query strings, reordered sidebars: the text, and
so the content hash, must not move. Each kind of churn is applied to real replica pages,
inside the article block as well as around it, and parsed; then a re-crawl of pages
edited only in their boilerplate must store no version.
"""

from __future__ import annotations

import re

import pytest

from helpers import one, rows, run_crawl
from scrapers.parsers.abamako import AbamakoParser
from replica.site import edit_articles, generate_site

PARSER = AbamakoParser()


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    site = generate_site(tmp_path_factory.mktemp("churn"), n_articles=30, variants=True)
    out = []
    for art in site.articles.values():
        out.append((site.out_dir.joinpath(art["path"].lstrip("/")).read_bytes(), art))
    return out


def text_of(body: bytes) -> str:
    return PARSER.parse(body, "http://127.0.0.1:1/h/1.html", "text/html", site="abamako.com").text()


ENCODING = "cp1252"  # set per page by the test: the snippet is written in the page's encoding


def encode(snippet: str) -> bytes:
    return snippet.encode(ENCODING, "xmlcharrefreplace")


def inside_body(page: bytes, snippet: str, paragraph: int = 1) -> bytes:
    """Insert ``snippet`` inside the (first) body span, before its n-th paragraph break."""
    start = page.index(b"FullArticleTexte")
    start = page.index(b">", start) + 1
    # paragraph breaks are <p> or <br /><br />; insert after the n-th one found
    breaks = [m.end() for m in re.finditer(rb"</p>|<br\s*/?>\s*<br\s*/?>", page[start:])]
    at = start + (breaks[min(paragraph, len(breaks) - 1)] if breaks else 0)
    return page[:at] + encode(snippet) + page[at:]


def after_dateline(page: bytes, snippet: str) -> bytes:
    i = page.index(b"FontArticleSource")
    i = page.index(b"</div>", i) + len(b"</div>")
    return page[:i] + encode(snippet) + page[i:]


CHURN = {
    "view counter in the article block": lambda p, n: after_dateline(p, f'<div class="compteur">Vu {n * 977 + 13} fois</div>'),
    "view counter as text": lambda p, n: re.sub(rb"Vu \d+ fois", f"Vu {n * 31 + 7} fois".encode(), p),
    "read-also box inside the body": lambda p, n: inside_body(
        p, f'<div class="alire"><b>À lire aussi</b><ul><li><a href="/h/{n}.html">Titre numéro {n}</a></li>'
           f'<li><a href="/h/{n + 1}.html">Un autre titre {n * 3}</a></li></ul></div>'),
    "read-also paragraph inside the body": lambda p, n: inside_body(
        p, f'<p>Lire aussi : <a href="/h/{n}.html">Mali : le titre du jour numéro {n}</a></p>'),
    "read-also heading and list, no classes": lambda p, n: inside_body(
        p, f'<h3>À lire également</h3><ul><li><a href="/h/{n}.html">Article {n}</a></li></ul>'),
    "ad inside the body": lambda p, n: inside_body(
        p, f'<div class="pub"><script>googletag.display("ad{n}");</script>'
           f'<a href="http://pub.example/clic?id={n}"><img src="/pub/{n}.gif" /></a> Publicité {n}</div>'),
    "adsense inside the body": lambda p, n: inside_body(p, f'<ins class="adsbygoogle" data-ad-slot="{n}">pub {n}</ins>', 2),
    "share widget inside the body": lambda p, n: inside_body(
        p, f'<div class="share-buttons"><a href="https://facebook.com/sharer?u=x&amp;t={n}">Partager</a> '
           f'<span class="count">{n * 7} partages</span></div>'),
    "clock in the header": lambda p, n: p.replace(b"<body>", f'<body><div id="horloge">{n % 24:02d}:{n % 60:02d}:07</div>'.encode(), 1),
    "cache-busting query strings": lambda p, n: re.sub(rb'\.(css|js|gif|jpg|png)"', f'.\\1?v={n}"'.encode(), p),
    "reordered sidebar": lambda p, n: _reorder_sidebar(p, n),
    "tracking script inside the body": lambda p, n: inside_body(
        p, f'<script type="text/javascript">var t = {n * 1000}; document.write("<p>" + t + "</p>");</script>'),
}


def _reorder_sidebar(page: bytes, n: int) -> bytes:
    items = re.findall(rb"<li>.*?</li>", page)
    if len(items) < 2:
        return page + f"<!-- {n} -->".encode()
    rotated = items[n % len(items):] + items[: n % len(items)]
    it = iter(rotated)
    return re.sub(rb"<li>.*?</li>", lambda m: next(it), page)


@pytest.mark.parametrize("kind", sorted(CHURN))
def test_churn_leaves_the_text_unchanged(pages, kind, monkeypatch):
    churn = CHURN[kind]
    changed = 0
    for page, art in pages[:12]:
        base = text_of(page)
        assert base == art["text"]
        monkeypatch.setattr(__import__(__name__), "ENCODING", "utf-8" if art["encoding"] == "utf-8" else "cp1252")
        for n in (1, 2):
            churned = churn(page, n)
            changed += churned != page
            assert text_of(churned) == base, f"{kind} changed the text of {art['path']}"
    assert changed, f"the {kind} churn did not change any page: the test would prove nothing"


def test_recrawl_of_boilerplate_edits_stores_no_version(make_site, make_replica, tmp_path):
    site = make_site(n_articles=20, variants=False)
    srv = make_replica(site.out_dir)
    db = tmp_path / "churn.db"
    run_crawl(db, srv.base_url)
    ids = sorted(int(i) for i in site.articles)
    edit_articles(site.out_dir, ids[:6], boilerplate_only=True)
    mark = srv.mark()
    run_crawl(db, srv.base_url, args={"revisit": "all"})
    crawl = rows(db, "select * from crawls order by id")[-1]
    assert crawl["updated"] == 0 and crawl["new"] == 0
    assert crawl["unchanged"] == 20
    # the six edited pages were fetched in full (their ETag changed), the rest answered 304
    hits = [h for h in srv.hits(mark) if h["path"].startswith("/h/")]
    assert sum(1 for h in hits if h["status"] == 200) == 6
    assert sum(1 for h in hits if h["status"] == 304) == 14
    assert crawl["not_modified"] == 14
    assert one(db, "select count(*) from versions") == 20
