"""Any exception a page makes a parser raise is a skip with its reason (issue 9, point 6):
:class:`scrapers.middlewares.ParserErrorMiddleware`, and the order of a listing's output."""

from __future__ import annotations

from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from replica.site import generate_site
from scrapers.items import PageItem, SkipItem
from scrapers.middlewares import ParserErrorMiddleware
from scrapers.spiders.abamako import AbamakoSpider


def test_any_parser_exception_is_a_skip_with_its_reason():
    crawler = get_crawler(AbamakoSpider)
    spider = AbamakoSpider.from_crawler(crawler, base_url="http://127.0.0.1:9")
    mw = ParserErrorMiddleware.from_crawler(crawler)
    request = Request("http://127.0.0.1:9/rubriques/depeches.asp", meta={"veille_kind": "listing"})
    response = HtmlResponse(request.url, body=b"<html></html>", request=request, status=200)
    try:
        {}["missing"]
    except KeyError as exc:
        out = list(mw.process_spider_exception(response, exc, spider))
    [skip] = out
    assert isinstance(skip, SkipItem)
    assert (skip["url"], skip["kind"], skip["reason"]) == (response.url, "skipped", "parser-error")
    assert skip["detail"].startswith("KeyError: 'missing'")
    assert crawler.stats.get_value("veille/skipped/parser-error") == 1


def test_a_listing_yields_its_validators_only_once_its_links_are_read(tmp_path):
    """A page's validators (PageItem) come last: an exception halfway leaves none, and
    the next crawl asks for the page again instead of taking a 304 for it."""
    site = generate_site(tmp_path / "site", n_articles=20, variants=False)
    crawler = get_crawler(AbamakoSpider, {"VEILLE_DB": str(tmp_path / "veille.db")})
    spider = AbamakoSpider.from_crawler(crawler, base_url="http://127.0.0.1:9")
    url = "http://127.0.0.1:9/rubriques/depeches.asp"
    body = (site.out_dir / "rubriques" / "depeches.asp").read_bytes()
    response = HtmlResponse(url, body=body, request=Request(url, meta={"veille_kind": "listing"}))
    out = list(spider.parse_listing(response))
    assert isinstance(out[-1], PageItem)
    assert not any(isinstance(o, PageItem) for o in out[:-1])
