"""The spider's pieces: arguments, staying on site, failures, the User-Agent."""

import pytest
from scrapy.utils.test import get_crawler

from scrapers.spiders.abamako import AbamakoSpider, AcotonouSpider, parse_id_ranges


def make(cls=AbamakoSpider, **kwargs):
    crawler = get_crawler(cls)
    return cls.from_crawler(crawler, **kwargs)


def test_id_ranges_include_both_ends():
    assert parse_id_ranges("290000-290500") == [(290000, 290500)]
    assert parse_id_ranges("5, 7-8") == [(5, 5), (7, 8)]
    for bad in ("", "a-b", "9-1", "1-2-3"):
        with pytest.raises(ValueError):
            parse_id_ranges(bad)


async def _start_urls(spider):
    return [r.url async for r in spider.start()]


def test_id_walk_requests_every_id():
    import asyncio

    spider = make(base_url="http://127.0.0.1:8765", ids="10-12")
    urls = asyncio.run(_start_urls(spider))
    assert sorted(urls) == [f"http://127.0.0.1:8765/h/{i}.html" for i in (10, 11, 12)]


def test_default_discovery_is_feed_and_listings():
    import asyncio

    urls = asyncio.run(_start_urls(make()))
    assert "https://news.abamako.com/rss/rss.xml" in urls
    assert "https://news.abamako.com/" in urls
    assert not any("/h/" in u for u in urls)


def test_base_url_override_compares_host_and_port():
    spider = make(base_url="http://127.0.0.1:8765/")
    assert spider.base_url == "http://127.0.0.1:8765"
    assert spider.is_on_site("http://127.0.0.1:8765/h/1.html")
    assert not spider.is_on_site("http://127.0.0.1:8766/h/1.html")
    assert not spider.is_on_site("http://localhost:8765/h/1.html")
    assert not spider.is_on_site("http://user:pw@127.0.0.1:8765/h/1.html")
    assert not spider.is_on_site("ftp://127.0.0.1:8765/h/1.html")
    # links to the real site met on a mirror are rebased onto the mirror
    assert spider.site_url("http://news.abamako.com/h/5.html?x=1") == "http://127.0.0.1:8765/h/5.html?x=1"
    assert spider.site_url("http://evil.example.org/h/5.html") is None


def test_real_site_accepts_its_subdomains_only():
    spider = make()
    assert spider.is_on_site("http://news.abamako.com/h/1.html")
    assert spider.is_on_site("https://www.abamako.com/rss")
    assert not spider.is_on_site("https://abamako.com.evil.org/")
    assert not spider.is_on_site("https://notabamako.com/")


def test_sister_site_names_its_site():
    spider = make(AcotonouSpider)
    assert spider.site == "acotonou.com" and spider.base_url == "https://news.acotonou.com"
    assert make(site="abidjan.net").site == "abidjan.net"


@pytest.mark.parametrize("bad", ["file:///etc/passwd", "http://u:p@127.0.0.1:1", "notaurl"])
def test_bad_base_url_is_refused(bad):
    with pytest.raises(ValueError):
        AbamakoSpider(base_url=bad)


def test_article_links_are_normalized_to_one_url_per_id():
    spider = make(base_url="http://127.0.0.1:8765")
    assert spider._article_link("http://127.0.0.1:8765/h/42.html#comments") == "http://127.0.0.1:8765/h/42.html"
    assert spider._article_link("http://127.0.0.1:8765/rubriques/depeches.asp") is None


def test_user_agent_names_the_project_and_contact():
    from scrapers.middlewares import VeilleUserAgentMiddleware
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    settings.set("VEILLE_CONTACT_URL", "https://example.org/contact")
    from types import SimpleNamespace

    crawler = SimpleNamespace(settings=settings, signals=SimpleNamespace(connect=lambda *a, **k: None))
    mw = VeilleUserAgentMiddleware.from_crawler(crawler)
    assert mw.user_agent.startswith("veille/") and "https://example.org/contact" in mw.user_agent
    assert settings.getbool("ROBOTSTXT_OBEY") and settings.getbool("AUTOTHROTTLE_ENABLED")
    assert 0 < settings.getint("DOWNLOAD_MAXSIZE") <= 10 * 1024 * 1024


def test_every_family_site_has_a_spider():
    """One spider per row of the family's table, found by Scrapy's spider loader."""
    from scrapy.settings import Settings
    from scrapy.spiderloader import SpiderLoader

    from scrapers.parsers.abamako import FAMILY

    loader = SpiderLoader(Settings({"SPIDER_MODULES": ["scrapers.spiders"]}))
    for row in FAMILY:
        cls = loader.load(row.name)
        assert issubclass(cls, AbamakoSpider)
        assert (cls.name, cls.site, cls.default_base_url) == (row.name, row.site, row.base_url)


# -- redirects checked as Scrapy will follow them, lying encodings (issue 10 §6) ----------

REDIRECT_CASES = [
    # (Location, off site?) seen from http://127.0.0.1:8765/h/1.html
    ("http:/\\127.0.0.1:9999/h/2.html", True),
    ("http:\\\\127.0.0.1:9999\\h\\2.html", True),
    ("https:/\\evil.example.org/x", True),
    ("//127.0.0.1:9999/h/2.html", True),
    (" http://evil.example.org/x", True),
    ("/h/2.html", False),
    ("http://127.0.0.1:8765/h/%C3%A9t%C3%A9.html", False),
    ("/h/été.html", False),
    ("/\\127.0.0.1:9999/x", False),  # Scrapy asks /%5C127.0.0.1:9999/x on this site
]


@pytest.mark.parametrize("location, off", REDIRECT_CASES)
def test_redirect_is_checked_as_scrapy_will_request_it(location, off):
    """The check computes the URL exactly as RedirectMiddleware will request it (w3lib's
    safe_url_string, then urljoin), so backslash spellings cannot slip past it."""
    from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
    from scrapy.exceptions import IgnoreRequest
    from scrapy.http import HtmlResponse, Request

    from scrapers.middlewares import OffsiteRedirect, OffsiteRedirectMiddleware

    spider = make(base_url="http://127.0.0.1:8765")
    crawler = spider.crawler
    crawler.spider = spider
    crawler.stats.open_spider()
    request = Request("http://127.0.0.1:8765/h/1.html")
    response = HtmlResponse(request.url, status=302, request=request,
                            headers={"Location": location.encode("utf-8")})
    followed = RedirectMiddleware(crawler.settings)
    followed.crawler = crawler
    nxt = followed.process_response(request, response)
    scrapy_url = nxt.url if isinstance(nxt, Request) else None
    mw = OffsiteRedirectMiddleware(crawler)
    if off:
        with pytest.raises(OffsiteRedirect) as err:
            mw.process_response(request, response)
        assert isinstance(err.value, IgnoreRequest)
        if scrapy_url is not None:
            assert err.value.target == scrapy_url
            assert not spider.is_on_site(scrapy_url)
    else:
        assert mw.process_response(request, response) is response
        assert spider.is_on_site(scrapy_url), scrapy_url


@pytest.mark.parametrize("encoding, body", [
    ("gzip", b"<html>not gzip at all</html>"),
    ("deflate", b"<html>not deflate</html>"),
    ("br", b"<html>not brotli</html>"),
    ("zstd", b"<html>not zstd</html>"),
    ("gzip", b"\x1f\x8b\x08\x00" + b"\x00" * 40),  # a gzip header, then garbage
])
def test_lying_content_encoding_is_one_reason_code(encoding, body):
    from scrapy.http import HtmlResponse, Request
    from twisted.python.failure import Failure

    from scrapers.middlewares import BadEncoding, VeilleHttpCompressionMiddleware
    from scrapers.spiders.base import classify_failure

    spider = make(base_url="http://127.0.0.1:8765")
    crawler = spider.crawler
    crawler.spider = spider
    crawler.stats.open_spider()
    mw = VeilleHttpCompressionMiddleware.from_crawler(crawler)
    request = Request("http://127.0.0.1:8765/h/1.html")
    response = HtmlResponse(request.url, body=body, request=request,
                            headers={"Content-Encoding": encoding, "Content-Type": "text/html"})
    with pytest.raises(BadEncoding) as err:
        mw.process_response(request, response)
    kind, reason, detail, _ = classify_failure(Failure(err.value))
    assert (kind, reason) == ("failed", "bad-encoding")
    assert encoding in detail


def test_honest_content_encoding_still_decodes():
    import gzip

    from scrapy.http import HtmlResponse, Request

    from scrapers.middlewares import VeilleHttpCompressionMiddleware

    spider = make(base_url="http://127.0.0.1:8765")
    spider.crawler.spider = spider
    spider.crawler.stats.open_spider()
    mw = VeilleHttpCompressionMiddleware.from_crawler(spider.crawler)
    request = Request("http://127.0.0.1:8765/h/1.html")
    response = HtmlResponse(request.url, body=gzip.compress(b"<html>ok</html>"), request=request,
                            headers={"Content-Encoding": "gzip", "Content-Type": "text/html"})
    assert mw.process_response(request, response).body == b"<html>ok</html>"
