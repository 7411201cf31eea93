"""What every veille news spider shares: the site, the store's validators, the revisit
policy, feeds, articles, and how failures are recorded.

:class:`NewsSpiderBase` holds the machinery both :class:`~scrapers.spiders.abamako.AbamakoSpider`
(one CMS family, discovery by feed / listings / id walk) and
:class:`~scrapers.spiders.news.NewsSpider` (any source described in the config) use:

- the site: ``base_url`` (default ``default_base_url``; an override points the spider at a
  replica or mirror, and links to the real host met there are rebased onto it),
  :meth:`is_on_site` (host *and* port on a mirror; the site and its subdomains otherwise),
  :meth:`site_url`;
- what the store knows (:meth:`load_known`): known articles with their validators and
  whether the revisit policy wants them now, and the validators of feeds and listings;
- conditional requests (:meth:`page_request`, :meth:`article_request`): a 304 is unchanged,
  never parsed; a known article that is not due is not requested (``revisit=due|all|none``);
- :meth:`parse_feed` (RSS/Atom; each entry goes through :meth:`article_link`, the
  subclass's rule for "is this an article of the site, and under which URL");
- :meth:`parse_article` (``self.parser.parse(body, url, content_type, site)`` into an
  :class:`ArticleItem`, or a :class:`SkipItem` with the parser's reason);
- :meth:`skip` and :meth:`on_error` (:func:`classify_failure`).

Subclasses set ``name``, ``site``, ``default_base_url``, ``parser`` (in ``__init__``) and
implement :meth:`article_link` and :meth:`start`.
"""

from __future__ import annotations

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
from scrapers.middlewares import BadEncoding, OffsiteRedirect
from scrapers.parsers.base import looks_truncated
from storage import Store
from veille.core.clock import utcnow
from veille.core.errors import NotAnArticle, SpiderArgumentError
from veille.core.textformat import FormatError, content_hash

__all__ = ["NewsSpiderBase", "classify_failure", "header_value"]

REVISIT = ("due", "all", "none")


def classify_failure(failure) -> tuple[str, str, str, int | None]:
    """(kind, reason, detail, http_status) for a failed request."""
    exc = failure.value
    if isinstance(exc, HttpError):
        status = exc.response.status
        return "failed", f"http-{status}", "", status
    if isinstance(exc, OffsiteRedirect):
        return "skipped", "offsite-redirect", exc.target, None
    if isinstance(exc, BadEncoding):  # the server lied about its Content-Encoding
        return "failed", "bad-encoding", str(exc), None
    if isinstance(exc, IgnoreRequest):
        text = str(exc)
        if "robots.txt" in text.lower():
            return "skipped", "robots-txt", text, None
        if "DOWNLOAD_MAXSIZE" in text:  # a body that decompresses past the limit (gzip bomb)
            return "skipped", "too-large", text[:300], None
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


class NewsSpiderBase(scrapy.Spider):
    """Shared machinery of veille's spiders (see the module doc)."""

    site = ""  # the site name line 1 writes, and the domain (with subdomains) crawled
    default_base_url = ""
    parser = None

    def setup_site(self, base_url: str | None, site: str | None, source: str | None,
                   max_pages, revisit: str) -> None:
        """Validate and set the arguments every spider takes."""
        self.overridden = bool(base_url)
        self.base_url = (base_url or self.default_base_url).rstrip("/")
        base = urlsplit(self.base_url)
        if base.scheme not in ("http", "https") or not base.hostname:
            raise SpiderArgumentError(f"base_url must be an http(s) URL, got {self.base_url!r}")
        if base.username or base.password:
            raise SpiderArgumentError("base_url must not carry credentials")
        self._origin = (base.scheme, base.hostname, base.port)
        if site:
            self.site = site
        self.source = source or self.name
        self.max_pages = int(max_pages)
        if revisit not in REVISIT:
            raise SpiderArgumentError(f"revisit: {revisit!r}; use due, all or none")
        self.revisit = revisit
        self.known: dict[str, tuple[str | None, str | None, bool]] = {}
        self.page_validators: dict[str, tuple[str | None, str | None]] = {}
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
        if parts.scheme not in ("http", "https") or parts.username or parts.password:
            return None
        if self.is_on_site(url):
            if not self.overridden:
                return url
        elif not (self.overridden and self._is_site_alias(parts.hostname or "")):
            return None
        path = parts.path or "/"
        return self.base_url + path + (f"?{parts.query}" if parts.query else "")

    def article_link(self, url: str) -> str | None:
        """The URL to fetch for a link found in a feed or listing, or None when the link is
        not an article of the site. Subclasses define what an article URL is."""
        raise NotImplementedError

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

    def revisit_requests(self):
        """Known articles the revisit policy wants checked (conditionally)."""
        if self.revisit != "none":
            for url, (_, _, due) in self.known.items():
                if due or self.revisit == "all":
                    yield self.article_request(url)

    # -- requests -------------------------------------------------------------------
    def page_request(self, url: str, callback, kind: str, **meta) -> scrapy.Request:
        """A feed or listing page, conditional on what it answered last time."""
        etag, last_modified = self.page_validators.get(url, (None, None))
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.on_error,
            headers=self.conditional({}, etag, last_modified),
            meta={**meta, "veille_kind": kind, "handle_httpstatus_list": [304]},
            priority=20 if kind in ("feed", "sitemap") else 10,
        )

    def feed_request(self, url: str) -> scrapy.Request:
        return self.page_request(url, self.parse_feed, "feed")

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
            etag=header_value(headers, b"ETag"),
            last_modified=header_value(headers, b"Last-Modified"),
            fetched_at=utcnow(),
        )

    # -- feeds ------------------------------------------------------------------------
    def parse_feed(self, response):
        yield self.page_item(response)
        if response.status == 304:
            self.crawler.stats.inc_value("veille/feed_not_modified")
            return
        try:
            entries = parse_feed(response.body)
        except FeedError as exc:
            yield from self.feed_error(response, exc)
            return
        yield from self.feed_articles(response, entries, "feed")

    def feed_error(self, response, exc: FeedError):
        yield self.skip(response.url, "skipped", f"feed-{exc.reason}", str(exc), response.status)

    def feed_articles(self, response, entries, kind: str):
        stats = self.crawler.stats
        for entry in entries:
            url = self.article_link(urljoin(response.url, entry.url))
            if url is None:
                stats.inc_value(f"veille/{kind}_links_ignored")
                continue
            stats.inc_value(f"veille/{kind}_links")
            request = self.article_request(url)
            if request is not None:
                yield request

    # -- articles ---------------------------------------------------------------------
    def parse_article(self, response):
        if response.status == 304:
            headers = response.headers
            return [NotModifiedItem(url=response.url, etag=header_value(headers, b"ETag"),
                                    last_modified=header_value(headers, b"Last-Modified"), fetched_at=utcnow())]
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        try:
            art = self.parser.parse(response.body, response.url, content_type, site=self.site)
            text = art.text()
            if looks_truncated(response.body):
                raise NotAnArticle("truncated-html", "the page ends before </body> and </html>")
        except NotAnArticle as exc:
            reason, detail = exc.reason, exc.detail
            if reason not in ("not-html", "empty") and looks_truncated(response.body):
                # the parser's complaint (no date, no body...) comes from the cut
                reason, detail = "truncated-html", f"the page ends before </body> and </html> ({exc})"
            return [self.skip(response.url, "skipped", reason, detail, response.status)]
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
                fetched_at=utcnow(),
                etag=header_value(headers, b"ETag"),
                last_modified=header_value(headers, b"Last-Modified"),
            )
        ]

    # -- faults -------------------------------------------------------------------------
    def skip(self, url, kind, reason, detail="", http_status=None) -> SkipItem:
        self.crawler.stats.inc_value(f"veille/{kind}/{reason}")
        return SkipItem(url=url, kind=kind, reason=reason, detail=detail, http_status=http_status)

    def on_error(self, failure):
        kind, reason, detail, status = classify_failure(failure)
        request = getattr(failure, "request", None)
        # after redirects, the skip belongs to the URL the crawl asked for
        url = (request.meta.get("redirect_urls") or [request.url])[0] if request is not None else ""
        if reason.startswith("error-"):
            self.logger.error("%s %s: %s\n%s", kind, url, reason, failure.getTraceback())
        else:
            self.logger.info("%s %s: %s %s", kind, url, reason, detail)
        return [self.skip(url, kind, reason, detail, status)]


def header_value(headers, name: bytes) -> str | None:
    """A response header's value as text (``ETag``, ``Last-Modified``), None when absent."""
    value = headers.get(name)
    return value.decode("latin-1") if value else None
