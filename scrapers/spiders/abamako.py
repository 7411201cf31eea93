"""The aBamako CMS family: news.abamako.com and its sister sites.

Discovery has three ways in:

- the RSS feed (``/rss/rss.xml``, and any feed the home page links);
- listing pages (home page and sections), following their pagination a few pages deep;
- an id-range walk for backfill: ``-a ids=290000-290500`` (both ends included; several
  ranges may be given, ``-a ids=1-10,20-30``). With ``ids`` the feed and listings are
  skipped unless ``-a discover=feed,listing,ids`` asks for them too.

Arguments: ``base_url`` points the whole spider at a replica or mirror
(``-a base_url=http://127.0.0.1:8765``), ``max_pages`` bounds pagination per section,
``site`` overrides the site name written in line 1, ``source`` the name stored with each
article.

Sister sites (``scrapy crawl acotonou``...) are subclasses that change only ``name``,
``site`` and ``default_base_url``: one per row of the family's table,
:data:`scrapers.parsers.abamako.FAMILY`, generated here (``AcotonouSpider``...) so that
Scrapy's spider loader lists them. A new sister site is one row of that table.

Re-crawls are conditional: known articles, feeds and listing pages are requested with
the validators stored at their last fetch (If-None-Match / If-Modified-Since), and a 304
counts as unchanged without parsing. Which known articles a crawl re-checks follows the
revisit policy kept per article (``storage/revisit.py``): ``-a revisit=due`` (default)
checks those whose ``next_check_at`` has come, ``-a revisit=all`` every known article,
``-a revisit=none`` only new ones. Known articles that are not due are not requested
even when a listing links to them.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from scrapers.parsers.abamako import FAMILY, AbamakoParser
from scrapers.spiders.base import NewsSpiderBase
from veille.core.errors import SpiderArgumentError

__all__ = ["AbamakoSpider", "NEXT_WORDS", "parse_id_ranges"]

NEXT_WORDS = {"suivant", "suivante", "page suivante", "next", "»", "›", ">", ">>"}


def parse_id_ranges(spec: str) -> list[tuple[int, int]]:
    """``"290000-290500,300000"`` -> ``[(290000, 290500), (300000, 300000)]``."""
    ranges = []
    for part in str(spec).replace(" ", "").split(","):
        if not part:
            continue
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not m:
            raise SpiderArgumentError(f"ids: {part!r} is not an id or a range like 290000-290500")
        lo = int(m.group(1))
        hi = int(m.group(2) or lo)
        if hi < lo:
            raise SpiderArgumentError(f"ids: range {part!r} runs backwards")
        ranges.append((lo, hi))
    if not ranges:
        raise SpiderArgumentError("ids: no id given")
    return ranges


_HOME = FAMILY[0]  # abamako.com; the other rows are its sister sites


class AbamakoSpider(NewsSpiderBase):
    """The aBamako CMS; the shared machinery (site, revisits, feeds, articles, failures)
    is :class:`~scrapers.spiders.base.NewsSpiderBase`."""

    name = _HOME.name  # "abamako"
    site = _HOME.site  # the site name line 1 writes: "abamako.com"
    default_base_url = _HOME.base_url
    feed_paths: tuple[str, ...] = ("/rss/rss.xml",)
    listing_paths: tuple[str, ...] = ("/", "/rubriques/depeches.asp")
    article_path = "/h/{id}.html"
    article_re = re.compile(r"/h/(\d+)\.html?(?:[?#]|$)")
    parser_class = AbamakoParser

    def __init__(
        self,
        base_url: str | None = None,
        ids: str | None = None,
        discover: str | None = None,
        max_pages: str | int = 5,
        site: str | None = None,
        source: str | None = None,
        revisit: str = "due",
        *args,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.setup_site(base_url, site, source, max_pages, revisit)
        self.id_ranges = parse_id_ranges(ids) if ids else []
        if discover:
            self.discover = {d.strip() for d in discover.split(",") if d.strip()}
        else:
            self.discover = {"ids"} if ids else {"feed", "listing"}
        unknown = self.discover - {"feed", "listing", "ids"}
        if unknown:
            raise SpiderArgumentError(f"discover: unknown way(s) {sorted(unknown)}; use feed, listing, ids")
        self.parser = self.parser_class()

    # -- the site's URLs --------------------------------------------------------------
    def article_url(self, article_id: int) -> str:
        return self.base_url + self.article_path.format(id=article_id)

    def article_id(self, url: str) -> int | None:
        m = self.article_re.search(urlsplit(url).path)
        return int(m.group(1)) if m else None

    def _article_link(self, url: str) -> str | None:
        url = self.site_url(url)
        if url is None:
            return None
        article_id = self.article_id(url)
        return self.article_url(article_id) if article_id is not None else None

    def article_link(self, url: str) -> str | None:
        return self._article_link(url)

    # -- discovery -------------------------------------------------------------------
    async def start(self):
        self.load_known()
        if "feed" in self.discover:
            for path in self.feed_paths:
                yield self.feed_request(self.base_url + path)
        if "listing" in self.discover:
            for path in self.listing_paths:
                yield self.listing_request(self.base_url + path)
        if "ids" in self.discover:
            for lo, hi in self.id_ranges:
                for article_id in range(hi, lo - 1, -1):  # newest first
                    request = self.article_request(self.article_url(article_id))
                    if request is not None:
                        yield request
        for request in self.revisit_requests():
            yield request

    def listing_request(self, url: str, page: int = 1):
        return self.page_request(url, self.parse_listing, "listing", veille_page=page)

    def parse_listing(self, response):
        if response.status == 304:
            self.crawler.stats.inc_value("veille/listing_not_modified")
            yield self.page_item(response)
            return
        if not hasattr(response, "css"):
            yield self.skip(response.url, "skipped", "not-html", "listing page is not HTML", response.status)
            return
        yield self.page_item(response)
        stats = self.crawler.stats
        page = response.meta.get("veille_page", 1)
        for href in response.css('link[rel="alternate"]::attr(href)').getall():
            typ = response.css(f'link[href="{href}"]::attr(type)').get() or ""
            if "rss" in typ or "atom" in typ:
                feed = self.site_url(response.urljoin(href))
                if feed:
                    yield self.feed_request(feed)
        for anchor in response.css("a[href]"):
            href = anchor.attrib.get("href", "").strip()
            if not href or href.startswith(("#", "javascript:", "mailto:")):
                continue
            absolute = response.urljoin(href)
            article = self._article_link(absolute)
            if article is not None:
                stats.inc_value("veille/listing_links")
                request = self.article_request(article)
                if request is not None:
                    yield request
                continue
            if page >= self.max_pages:
                continue
            label = " ".join(anchor.css("::text").getall()).strip().lower()
            rel = (anchor.attrib.get("rel") or "").lower()
            if rel == "next" or label in NEXT_WORDS or label.isdigit():
                target = self.site_url(absolute)
                if target is None:
                    stats.inc_value("veille/offsite_links")
                    continue
                if label.isdigit() and int(label) > self.max_pages:
                    continue
                yield self.listing_request(target, page + 1)


# -- sister sites on the same CMS: one class per row of FAMILY (AcotonouSpider, ...) -------
def _sister_spiders() -> None:
    for row in FAMILY:
        if row.name == AbamakoSpider.name:
            continue
        cls_name = row.name.capitalize() + "Spider"
        globals()[cls_name] = type(cls_name, (AbamakoSpider,), {
            "name": row.name,
            "site": row.site,
            "default_base_url": row.base_url,
            "__module__": __name__,
            "__doc__": f"The aBamako CMS at {row.site} (a sister site of abamako.com).",
        })
        __all__.append(cls_name)


_sister_spiders()
