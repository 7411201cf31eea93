"""One listing link with a quote does not empty the page (issue 9, point 6).

Selectors and XPath are never built from page data, and whatever a page makes a parser
raise is a skip with its reason, not a page silently lost:

- ``<link rel="alternate" href='/rss/atom.xml?v="2"'>`` on the home page: every article
  the home page links to is found;
- a link the URL parser refuses (``http://[broken``) costs that link, not the page;
- any other exception while parsing a page is a ``skips`` row (reason ``parser-error``,
  the exception in ``detail``), and the page's validators are not saved, so the next crawl
  reads it again (``tests/unit/test_parser_error_skips.py``).
"""

from __future__ import annotations

import base64

from helpers import one, rows, run_crawl

from replica.pages.abamako.index import HOME_ITEMS

QUOTED_FEED_LINK = b"<link rel=\"alternate\" type=\"application/atom+xml\" href='/rss/atom.xml?v=\"2\"' />\n"


def home_with(site, head: bytes = b"", body: bytes = b"") -> dict:
    page = (site.out_dir / "index.html").read_bytes()
    page = page.replace(b"</head>", head + b"</head>", 1)
    page = page.replace(b'<div class="une">', b'<div class="une">' + body, 1)
    return {"body_b64": base64.b64encode(page).decode("ascii"), "content_type": "text/html"}


def newest(site, n: int) -> set[str]:
    return {f"h/{aid}.html" for aid in site.ids[-n:]}


def stored(db) -> set[str]:
    return {r["url"].split("/", 3)[3] for r in rows(db, "select url from articles")}


def test_a_quote_in_a_feed_link_does_not_empty_the_home_page(make_site, make_replica, tmp_path):
    site = make_site(n_articles=40, variants=False)
    # only the home page gives links: the other listing and the feeds answer 404
    srv = make_replica(site.out_dir, faults={"/": home_with(site, head=QUOTED_FEED_LINK),
                                             "/rubriques/*": {"status": 404}, "/rss/*": {"status": 404}})
    db = tmp_path / "veille.db"
    run_crawl(db, srv.base_url, args={"discover": "listing"})
    assert stored(db) == newest(site, HOME_ITEMS)
    assert one(db, "select count(*) from skips where reason = 'parser-error'") == 0


def test_a_link_the_url_parser_refuses_costs_only_that_link(make_site, make_replica, tmp_path):
    site = make_site(n_articles=40, variants=False)
    bad = b'<div class="LiNews"><a href="http://[broken/h/1.html">Lien cass\xe9</a></div>\n'
    srv = make_replica(site.out_dir, faults={"/": home_with(site, body=bad), "/rubriques/*": {"status": 404},
                                             "/rss/*": {"status": 404}})
    db = tmp_path / "veille.db"
    run_crawl(db, srv.base_url, args={"discover": "listing"})
    assert stored(db) == newest(site, HOME_ITEMS)
