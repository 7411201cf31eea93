"""The configurable news spider: any source described by a ``[[sources]]`` entry.

``scrapy crawl news -a source=maliweb`` reads the source's entry from the config file
(``-a config=PATH``, else ``$VEILLE_CONFIG``, else ``veille.toml``), merged over the
built-in definition of the same name in ``scrapers/sources.toml`` (see
:mod:`scrapers.sources`), and crawls it. Every built-in source also has a spider of its
own name (``scrapy crawl maliweb``; ``scrapy list`` shows them).

Ways in (``-a discover=feed,sitemap,listing``, default: all the entry configures):

- ``feeds``: RSS/Atom feeds. A feed URL that answers HTML (maliweb's ``/feed`` sometimes
  does) is recorded as skipped (``feed-not-a-feed``) and, when the source has an
  ``article_pattern``, its links matching the pattern are followed anyway;
- ``sitemaps``: XML sitemaps, sitemap indexes (their sitemaps are followed, two levels at
  most) and Google News sitemaps;
- ``listings``: pages whose article links a CSS selector picks (``links``), followed
  ``max_pages`` deep by a "next" link selector (``next``) or a URL pattern (``pages``,
  ``{page}`` = 2, 3, …; the next page is asked for only when this one gave links).

An article is a link on the site (``base_url``'s host or a subdomain of ``site``) whose
``path?query`` matches ``article_pattern`` when the source has one; fragments and
``utm_*`` parameters are dropped so that one article has one URL. The parser is the
registry's for a configured source (:func:`scrapers.parsers.registry.source_parser`):
:class:`~scrapers.parsers.rules.SiteRulesParser` with the entry's ``selectors`` (method
``rules``, falling back to the generic extractor: ``generic:…``); without selectors, the
coded parser of the source's host if there is one (an aBamako sister site), else the
generic extractor (``generic:…``).

Everything else is the aBamako spider's machinery (:class:`NewsSpiderBase`): ``base_url``
points the crawl at a replica or mirror (configured URLs and links to the real host are
rebased onto it), conditional re-crawls with stored validators, ``revisit=due|all|none``,
pending articles asked for again (``retry=due|all|none``), off-site rules, skips and
failures.

Arguments: ``source`` (required for ``news``), ``config``, ``base_url``, ``site``,
``max_pages`` (default for listings without one, 5), ``revisit``, ``retry``, ``discover``.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urldefrag, urlencode, urlsplit

from scrapers.feeds import FeedError, parse_feed
from scrapers.parsers.base import site_name
from scrapers.parsers.registry import source_parser
from scrapers.sources import builtin_names, resolve_source
from scrapers.spiders.base import NewsSpiderBase, classify_failure
from veille.core.errors import SpiderArgumentError

__all__ = ["NewsSpider"]

WAYS = ("feed", "sitemap", "listing")
MAX_SITEMAP_DEPTH = 2
_SITEMAP_INDEX = re.compile(rb"<(?:[\w.-]+:)?sitemapindex[\s>]")


class NewsSpider(NewsSpiderBase):
    name = "news"
    source_name: str | None = None  # set on the spiders generated for built-in sources

    def __init__(
        self,
        source: str | None = None,
        config: str | None = None,
        base_url: str | None = None,
        site: str | None = None,
        max_pages: str | int = 5,
        revisit: str = "due",
        discover: str | None = None,
        retry: str = "due",
        *args,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        name = source or self.source_name
        if not name:
            raise SpiderArgumentError("news: which source? give -a source=NAME (a [[sources]] name of the config)")
        self.config_path = config
        self.source_config = cfg = resolve_source(name, config, builtin=self.source_name)
        self.default_base_url = cfg.base_url
        host = urlsplit(cfg.base_url).hostname or ""
        self.site = cfg.site or site_name(host)
        self.setup_site(base_url, site, name, max_pages, revisit, retry)
        self.article_re = re.compile(cfg.article_pattern) if cfg.article_pattern else None
        configured = {w for w, on in zip(WAYS, (cfg.feeds, cfg.sitemaps, cfg.listings)) if on}
        if discover:
            self.discover = {d.strip() for d in discover.split(",") if d.strip()}
            unknown = self.discover - set(WAYS)
            if unknown:
                raise SpiderArgumentError(f"discover: unknown way(s) {sorted(unknown)}; use {', '.join(WAYS)}")
        else:
            self.discover = configured
        self.parser = source_parser(host, cfg.selectors)

    # -- the site's URLs --------------------------------------------------------------
    def configured_url(self, url: str) -> str | None:
        """A URL or path of the config, on base_url."""
        if url.startswith("/"):
            return self.base_url + url
        return self.site_url(url)

    def article_link(self, url: str) -> str | None:
        try:
            url = self.site_url(urldefrag(url)[0].strip())
        except ValueError:  # a link the URL parser refuses (http://[broken...)
            return None
        if url is None:
            return None
        parts = urlsplit(url)
        query = parts.query
        if query and "utm_" in query:
            query = urlencode([(k, v) for k, v in parse_qsl(query, keep_blank_values=True)
                               if not k.startswith("utm_")])
        local = (parts.path or "/") + (f"?{query}" if query else "")
        if self.article_re is not None and not self.article_re.search(local):
            return None
        return f"{parts.scheme}://{parts.netloc}{local}"

    # -- discovery -------------------------------------------------------------------
    async def start(self):
        self.load_known()
        cfg = self.source_config
        if "feed" in self.discover:
            for url in cfg.feeds:
                request = self._configured(url, self.feed_request)
                if request is not None:
                    yield request
        if "sitemap" in self.discover:
            for url in cfg.sitemaps:
                request = self._configured(url, self.sitemap_request)
                if request is not None:
                    yield request
        if "listing" in self.discover:
            for i, listing in enumerate(cfg.listings):
                first = listing.url.format(page=1) if "{page}" in listing.url else listing.url
                request = self._configured(first, lambda u, i=i: self.listing_request(u, i, 1))
                if request is not None:
                    yield request
        for request in self.retry_requests():
            yield request
        for request in self.revisit_requests():
            yield request

    def _configured(self, url: str, make):
        target = self.configured_url(url)
        if target is None:
            self.logger.warning("%s: %s is not on the site (%s); ignored", self.source, url, self.base_url)
            self.crawler.stats.inc_value("veille/offsite_config_urls")
            return None
        return make(target)

    def sitemap_request(self, url: str, depth: int = 0):
        return self.page_request(url, self.parse_sitemap, "sitemap", veille_depth=depth)

    def listing_request(self, url: str, index: int, page: int, guessed: bool = False):
        request = self.page_request(url, self.parse_listing, "listing", veille_listing=index, veille_page=page)
        if guessed:  # a page made from a {page} pattern: past the last one, a 404 is the end
            request = request.replace(errback=self.on_guessed_page_error)
        return request

    def on_guessed_page_error(self, failure):
        kind, reason, detail, status = classify_failure(failure)
        if status in (404, 410):
            self.crawler.stats.inc_value("veille/listing_end")
            self.logger.info("listing ends before %s (%s)", failure.request.url, reason)
            return []
        return self.on_error(failure)

    # -- feeds and sitemaps -------------------------------------------------------------
    def feed_error(self, response, exc: FeedError):
        yield self.skip(response.url, "skipped", f"feed-{exc.reason}", str(exc), response.status)
        if exc.reason == "not-a-feed" and self.article_re is not None and hasattr(response, "css"):
            # an HTML page where the feed should be: its article links still count
            yield from self._links(response, response.css("a[href]"), "feed")

    def parse_sitemap(self, response):
        if response.status == 304:
            self.crawler.stats.inc_value("veille/sitemap_not_modified")
            yield self.page_item(response)
            return
        try:
            entries = parse_feed(response.body)
        except FeedError as exc:
            yield self.page_item(response)
            yield self.skip(response.url, "skipped", f"sitemap-{exc.reason}", str(exc), response.status)
            return
        if _SITEMAP_INDEX.search(response.body[:4096]):
            depth = response.meta.get("veille_depth", 0)
            yield self.page_item(response)
            if depth >= MAX_SITEMAP_DEPTH:
                yield self.skip(response.url, "skipped", "sitemap-too-deep", f"depth {depth}", response.status)
                return
            for entry in entries:
                try:
                    child = self.site_url(response.urljoin(entry.url))
                except ValueError:
                    child = None
                if child is None:
                    self.crawler.stats.inc_value("veille/offsite_links")
                    continue
                yield self.sitemap_request(child, depth + 1)
            return
        yield from self.feed_articles(response, entries, "sitemap")
        yield self.page_item(response)  # last: only once its links are in

    # -- listings ---------------------------------------------------------------------
    def _links(self, response, selection, kind: str):
        """Requests for the article links of a selection (a elements or elements holding
        them), after their :class:`DiscoveredItem`; returns how many article links it saw
        through ``self._seen``."""
        stats = self.crawler.stats
        self._seen = 0
        requests = []
        for el in selection:
            if el.root.tag == "a":
                hrefs = [el.attrib.get("href", "")]
            else:
                hrefs = el.css("a[href]::attr(href)").getall()
            for href in hrefs:
                href = (href or "").strip()
                if not href or href.startswith(("#", "javascript:", "mailto:")):
                    continue
                try:
                    url = self.article_link(response.urljoin(href))
                except ValueError:  # a link the URL parser refuses (http://[broken...)
                    url = None
                if url is None:
                    stats.inc_value(f"veille/{kind}_links_ignored")
                    continue
                stats.inc_value(f"veille/{kind}_links")
                self._seen += 1
                request = self.article_request(url, kind)
                if request is not None:
                    requests.append(request)
        yield from self.found(requests, kind)

    def parse_listing(self, response):
        index = response.meta.get("veille_listing", 0)
        page = response.meta.get("veille_page", 1)
        listing = self.source_config.listings[index]
        max_pages = listing.max_pages or self.max_pages
        if response.status == 304:
            self.crawler.stats.inc_value("veille/listing_not_modified")
            yield self.page_item(response)
            if page < max_pages:  # unchanged: its next page may still be worth asking
                nxt = self._pattern_page(listing, page + 1)
                if nxt is not None:
                    yield self.listing_request(nxt, index, page + 1, guessed=True)
            return
        if not hasattr(response, "css"):
            yield self.skip(response.url, "skipped", "not-html", "listing page is not HTML", response.status)
            return
        yield from self._links(response, response.css(listing.links), "listing")
        yield self.page_item(response)  # after its links: a page that failed halfway is read again
        found = self._seen
        if page >= max_pages:
            return
        nxt = None
        if listing.next:
            for el in response.css(listing.next):
                href = el.attrib.get("href") if el.root.tag == "a" else el.css("a[href]::attr(href)").get()
                if href and href.strip():
                    nxt = self.site_url(response.urljoin(href.strip()))
                    if nxt is None:
                        self.crawler.stats.inc_value("veille/offsite_links")
                    break
        elif found:
            nxt = self._pattern_page(listing, page + 1)
            if nxt is not None:
                yield self.listing_request(nxt, index, page + 1, guessed=True)
            return
        if nxt is not None:
            yield self.listing_request(urldefrag(nxt)[0], index, page + 1)

    def _pattern_page(self, listing, page: int) -> str | None:
        if "{page}" in listing.url:
            pattern = listing.url
        elif listing.pages:
            pattern = listing.pages
        else:
            return None
        return self.configured_url(pattern.format(page=page))


# -- one spider per built-in source: `scrapy crawl maliweb` = `scrapy crawl news -a source=maliweb`
def _builtin_spiders() -> None:
    for source in builtin_names():
        cls_name = "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", source)) + "NewsSpider"
        cls = type(cls_name, (NewsSpider,), {
            "name": source,
            "source_name": source,
            "__module__": __name__,
            "__doc__": f"The built-in source {source!r} (scrapers/sources.toml).",
        })
        globals()[cls_name] = cls
        __all__.append(cls_name)


_builtin_spiders()
