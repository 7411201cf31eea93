"""The aBamako CMS family: news.abamako.com and its sister sites.

Discovery has three ways in (see ../shared/docs/sources.md):

- the RSS feed (``/rss/rss.xml``, and any feed the home page links);
- listing pages (home page and sections), following their pagination a few pages deep;
- an id-range walk for backfill: ``-a ids=290000-290500`` (both ends included; several
  ranges may be given, ``-a ids=1-10,20-30``). With ``ids`` the feed and listings are
  skipped unless ``-a discover=feed,listing,ids`` asks for them too.

Arguments: ``base_url`` points the whole spider at a replica or mirror
(``-a base_url=http://127.0.0.1:8765``), ``max_pages`` bounds pagination per section,
``site`` overrides the site name written in line 1, ``source`` the name stored with each
article. Sister sites are thin subclasses that change ``name``, ``site`` and
``default_base_url``.

Re-crawls are conditional: known articles, feeds and listing pages are requested with
the validators stored at their last fetch (If-None-Match / If-Modified-Since), and a 304
counts as unchanged without parsing. Which known articles a crawl re-checks follows the
revisit policy kept per article (``storage/revisit.py``): ``-a revisit=due`` (default)
checks those whose ``next_check_at`` has come, ``-a revisit=all`` every known article,
``-a revisit=none`` only new ones. Known articles that are not due are not requested
even when a listing links to them.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import (
    ConnectionLost,
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from scrapers.feeds import FeedError, parse_feed
from scrapers.items import ArticleItem, NotModifiedItem, PageItem, SkipItem
from scrapers.middlewares import OffsiteRedirect
from scrapers.parsers.abamako import AbamakoParser
from scrapers.parsers.base import NotAnArticle, looks_truncated
from storage import Store
from veille.textformat import FormatError, content_hash

NEXT_WORDS = {"suivant", "suivante", "page suivante", "next", "»", "›", ">", ">>"}


def parse_id_ranges(spec: str) -> list[tuple[int, int]]:
    """``"290000-290500,300000"`` -> ``[(290000, 290500), (300000, 300000)]``."""
    ranges = []
    for part in str(spec).replace(" ", "").split(","):
        if not part:
            continue
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not m:
            raise ValueError(f"ids: {part!r} is not an id or a range like 290000-290500")
        lo = int(m.group(1))
        hi = int(m.group(2) or lo)
        if hi < lo:
            raise ValueError(f"ids: range {part!r} runs backwards")
        ranges.append((lo, hi))
    if not ranges:
        raise ValueError("ids: no id given")
    return ranges


def classify_failure(failure) -> tuple[str, str, str, int | None]:
    """(kind, reason, detail, http_status) for a failed request."""
    exc = failure.value
    if isinstance(exc, HttpError):
        status = exc.response.status
        return "failed", f"http-{status}", "", status
    if isinstance(exc, OffsiteRedirect):
        return "skipped", "offsite-redirect", exc.target, None
    if isinstance(exc, IgnoreRequest):
        text = str(exc)
        if "robots.txt" in text.lower():
            return "skipped", "robots-txt", text, None
        return "skipped", "ignored", text, None
    if isinstance(exc, (DownloadTimeoutError, TimeoutError, TCPTimedOutError)):
        return "failed", "timeout", str(exc)[:300], None
    if isinstance(exc, DownloadCancelledError):  # DOWNLOAD_MAXSIZE reached
        return "skipped", "too-large", str(exc)[:300], None
    if isinstance(exc, ResponseDataLossError) or (
        isinstance(exc, ResponseFailed) and "DataLoss" in repr(exc.reasons)
    ):
        return "failed", "truncated", "the response ended before its Content-Length", None
    if isinstance(exc, (DownloadConnectionRefusedError, CannotResolveHostError, DownloadFailedError,
                        ConnectionRefusedError, DNSLookupError, ConnectionLost,
                        ResponseNeverReceived, ResponseFailed)):
        return "failed", "connection", f"{type(exc).__name__}: {exc}"[:300], None
    return "failed", f"error-{type(exc).__name__}", str(exc)[:300], None


class AbamakoSpider(scrapy.Spider):
    name = "abamako"
    site = "abamako.com"  # the site name line 1 writes
    default_base_url = "https://news.abamako.com"
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
        self.overridden = bool(base_url)
        self.base_url = (base_url or self.default_base_url).rstrip("/")
        base = urlsplit(self.base_url)
        if base.scheme not in ("http", "https") or not base.hostname:
            raise ValueError(f"base_url must be an http(s) URL, got {self.base_url!r}")
        if base.username or base.password:
            raise ValueError("base_url must not carry credentials")
        self._origin = (base.scheme, base.hostname, base.port)
        if site:
            self.site = site
        self.source = source or self.name
        self.id_ranges = parse_id_ranges(ids) if ids else []
        if discover:
            self.discover = {d.strip() for d in discover.split(",") if d.strip()}
        else:
            self.discover = {"ids"} if ids else {"feed", "listing"}
        unknown = self.discover - {"feed", "listing", "ids"}
        if unknown:
            raise ValueError(f"discover: unknown way(s) {sorted(unknown)}; use feed, listing, ids")
        self.max_pages = int(max_pages)
        if revisit not in ("due", "all", "none"):
            raise ValueError(f"revisit: {revisit!r}; use due, all or none")
        self.revisit = revisit
        self.known: dict[str, tuple[str | None, str | None, bool]] = {}
        self.page_validators: dict[str, tuple[str | None, str | None]] = {}
        self.parser = self.parser_class()
        if not self.overridden:
            self.allowed_domains = [self.site]

    # -- the site -------------------------------------------------------------------
    def is_on_site(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.username or parts.password:
            return False
        host = (parts.hostname or "").rstrip(".")
        if self.overridden:
            try:
                port = parts.port
            except ValueError:
                return False
            default = {"http": 80, "https": 443}
            return host == self._origin[1] and (port or default[parts.scheme]) == (
                self._origin[2] or default[self._origin[0]]
            )
        return host == self.site or host.endswith("." + self.site)

    def _is_site_alias(self, host: str) -> bool:
        """A link to the real site's host, met while crawling a mirror."""
        host = (host or "").rstrip(".")
        return host == self.site or host.endswith("." + self.site)

    def site_url(self, url: str) -> str | None:
        """``url`` rebased onto base_url if it belongs to the site, else None."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return None
        if self.is_on_site(url):
            if not self.overridden:
                return url
        elif not (self.overridden and self._is_site_alias(parts.hostname or "")):
            return None
        path = parts.path or "/"
        return self.base_url + path + (f"?{parts.query}" if parts.query else "")

    def article_url(self, article_id: int) -> str:
        return self.base_url + self.article_path.format(id=article_id)

    def article_id(self, url: str) -> int | None:
        m = self.article_re.search(urlsplit(url).path)
        return int(m.group(1)) if m else None

    # -- what the store already knows ----------------------------------------------------
    def load_known(self) -> None:
        """Read the known articles of this source on this base URL, and page validators."""
        store = Store(self.settings.get("VEILLE_DB") or None)
        try:
            self.known = store.known_articles(self.source, self.base_url + "/")
            self.page_validators = store.page_validators(self.source)
        finally:
            store.close()
        due = sum(1 for *_, d in self.known.values() if d)
        self.logger.info("%d known articles, %d due for a check (revisit=%s)", len(self.known), due, self.revisit)

    @staticmethod
    def conditional(headers: dict, etag: str | None, last_modified: str | None) -> dict:
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return headers

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
        if self.revisit != "none":
            for url, (_, _, due) in self.known.items():
                if due or self.revisit == "all":
                    yield self.article_request(url)

    def page_request(self, url: str, callback, kind: str, **meta) -> scrapy.Request:
        """A feed or listing page, conditional on what it answered last time."""
        etag, last_modified = self.page_validators.get(url, (None, None))
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.on_error,
            headers=self.conditional({}, etag, last_modified),
            meta={**meta, "veille_kind": kind, "handle_httpstatus_list": [304]},
            priority=20 if kind == "feed" else 10,
        )

    def feed_request(self, url: str) -> scrapy.Request:
        return self.page_request(url, self.parse_feed, "feed")

    def listing_request(self, url: str, page: int = 1) -> scrapy.Request:
        return self.page_request(url, self.parse_listing, "listing", veille_page=page)

    def article_request(self, url: str) -> scrapy.Request | None:
        """A request for an article; None for a known one the revisit policy does not want.

        A known article is asked for conditionally: a 304 means unchanged."""
        known = self.known.get(url)
        if known is None:
            return scrapy.Request(url, callback=self.parse_article, errback=self.on_error)
        etag, last_modified, due = known
        if not due and self.revisit != "all":
            self.crawler.stats.inc_value("veille/known_not_due")
            return None
        return scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.on_error,
            headers=self.conditional({}, etag, last_modified),
            meta={"handle_httpstatus_list": [304]},
        )

    def page_item(self, response) -> PageItem:
        headers = response.headers
        return PageItem(
            url=response.url,
            kind=response.meta.get("veille_kind"),
            status=response.status,
            etag=_header(headers, b"ETag"),
            last_modified=_header(headers, b"Last-Modified"),
            fetched_at=_now(),
        )

    def _article_link(self, url: str) -> str | None:
        url = self.site_url(url)
        if url is None:
            return None
        article_id = self.article_id(url)
        return self.article_url(article_id) if article_id is not None else None

    def parse_feed(self, response):
        yield self.page_item(response)
        if response.status == 304:
            self.crawler.stats.inc_value("veille/feed_not_modified")
            return
        try:
            entries = parse_feed(response.body)
        except FeedError as exc:
            yield self.skip(response.url, "skipped", f"feed-{exc.reason}", str(exc), response.status)
            return
        stats = self.crawler.stats
        for entry in entries:
            url = self._article_link(urljoin(response.url, entry.url))
            if url is None:
                stats.inc_value("veille/feed_links_ignored")
                continue
            stats.inc_value("veille/feed_links")
            request = self.article_request(url)
            if request is not None:
                yield request

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

    # -- articles ---------------------------------------------------------------------
    def parse_article(self, response):
        if response.status == 304:
            headers = response.headers
            return [NotModifiedItem(url=response.url, etag=_header(headers, b"ETag"),
                                    last_modified=_header(headers, b"Last-Modified"), fetched_at=_now())]
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        try:
            art = self.parser.parse(response.body, response.url, content_type, site=self.site)
            text = art.text()
            if looks_truncated(response.body):
                raise NotAnArticle("truncated-html", "the page ends before </body> and </html>")
        except NotAnArticle as exc:
            return [self.skip(response.url, "skipped", exc.reason, exc.detail, response.status)]
        except FormatError as exc:
            return [self.skip(response.url, "skipped", "bad-format", str(exc), response.status)]
        headers = response.headers
        return [
            ArticleItem(
                url=response.url,
                source=self.source,
                site=self.site,
                title=art.title,
                headline=art.headline,
                published=art.published.isoformat() if art.published else None,
                rubric=art.rubric,
                publisher=art.publisher,
                canonical_url=art.canonical_url,
                method=art.method,
                text=text,
                content_hash=content_hash(text),
                fetched_at=_now(),
                etag=_header(headers, b"ETag"),
                last_modified=_header(headers, b"Last-Modified"),
            )
        ]

    # -- faults -------------------------------------------------------------------------
    def skip(self, url, kind, reason, detail="", http_status=None) -> SkipItem:
        self.crawler.stats.inc_value(f"veille/{kind}/{reason}")
        return SkipItem(url=url, kind=kind, reason=reason, detail=detail, http_status=http_status)

    def on_error(self, failure):
        kind, reason, detail, status = classify_failure(failure)
        url = failure.request.url if getattr(failure, "request", None) else ""
        if reason.startswith("error-"):
            self.logger.error("%s %s: %s\n%s", kind, url, reason, failure.getTraceback())
        else:
            self.logger.info("%s %s: %s %s", kind, url, reason, detail)
        return [self.skip(url, kind, reason, detail, status)]


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _header(headers, name: bytes) -> str | None:
    value = headers.get(name)
    return value.decode("latin-1") if value else None


# -- sister sites on the same CMS (site names per ../shared/docs/sources.md) -------------
class AbidjanSpider(AbamakoSpider):
    name = "abidjan"
    site = "abidjan.net"
    default_base_url = "https://news.abidjan.net"


class AcotonouSpider(AbamakoSpider):
    name = "acotonou"
    site = "acotonou.com"
    default_base_url = "https://news.acotonou.com"


class AouagaSpider(AbamakoSpider):
    name = "aouaga"
    site = "aouaga.com"
    default_base_url = "https://news.aouaga.com"


class AlomeSpider(AbamakoSpider):
    name = "alome"
    site = "alome.com"
    default_base_url = "https://news.alome.com"


class AniameySpider(AbamakoSpider):
    name = "aniamey"
    site = "aniamey.com"
    default_base_url = "https://news.aniamey.com"


class AdakarSpider(AbamakoSpider):
    name = "adakar"
    site = "adakar.com"
    default_base_url = "https://news.adakar.com"


class AlibrevilleSpider(AbamakoSpider):
    name = "alibreville"
    site = "alibreville.com"
    default_base_url = "https://news.alibreville.com"


class AbanguiSpider(AbamakoSpider):
    name = "abangui"
    site = "abangui.com"
    default_base_url = "https://news.abangui.com"
