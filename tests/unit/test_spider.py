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
