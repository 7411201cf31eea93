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
  whether the revisit policy wants them now, the validators of feeds and listings, the
  pending articles (found earlier, not stored yet) and those given up;
- conditional requests (:meth:`page_request`, :meth:`article_request`): a 304 is unchanged,
  never parsed; a known article that is not due is not requested (``revisit=due|all|none``);
- nothing found is lost: the article links a feed, listing or sitemap shows that the
  store does not know are handed to the pipeline first (:class:`DiscoveredItem`: pending
  until stored); every crawl asks again for the pending articles that are due
  (:meth:`retry_requests`, ``retry=due|all|none``), whatever the feeds answer; a failed
  fetch of an article the crawl found says what it means for it (``SkipItem.pending``,
  :func:`scrapers.status.pending_outcome`); an id of a walk that answers 404 is a gap
  (:class:`GapItem`), not a failure;
- :meth:`parse_feed` (RSS/Atom; each entry goes through :meth:`article_link`, the
  subclass's rule for "is this an article of the site, and under which URL"); a page's
  validators (:class:`PageItem`) come after its links, so a page whose parsing failed
  halfway is read again next time;
- :meth:`parse_article` (``self.parser.parse(body, url, content_type, site,
  fallback_date=...)`` into an :class:`ArticleItem`, or a :class:`SkipItem` with the
  parser's reason). A page without a date is an article: line 1 takes the month veille
  first saw it (its ``first_seen`` for a known article, today for a new one);
- :meth:`skip` and :meth:`on_error` (:func:`classify_failure`); an exception a parser
  raises is a skip too (:class:`scrapers.middlewares.ParserErrorMiddleware`).

Subclasses set ``name``, ``site``, ``default_base_url``, ``parser`` (in ``__init__``) and
implement :meth:`article_link` and :meth:`start`.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
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
from scrapers.items import ArticleItem, DiscoveredItem, GapItem, NotModifiedItem, PageItem, SkipItem
from scrapers.middlewares import BadEncoding, OffsiteRedirect
from scrapers.parsers.base import looks_truncated
from scrapers.parsers.version import extractor_of
from scrapers.status import pending_outcome
from storage import Store
from storage.archive import ArchivePolicy, Page
from veille.core.clock import parse_iso, utcnow
from veille.core.errors import NoStore, NotAnArticle, SchemaError, SpiderArgumentError
from veille.core.textformat import FormatError, content_hash

__all__ = ["NewsSpiderBase", "classify_failure", "header_value", "header_list", "REVISIT", "RETRY"]

REVISIT = ("due", "all", "none")
RETRY = ("due", "all", "none")


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
                   max_pages, revisit: str, retry: str = "due") -> None:
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
        if retry not in RETRY:
            raise SpiderArgumentError(f"retry: {retry!r}; use due, all or none")
        self.retry = retry
        self.known: dict[str, tuple[str | None, str | None, bool]] = {}
        self.page_validators: dict[str, tuple[str | None, str | None]] = {}
        self.pending: list[tuple[str, str]] = []  # (url, discovered_by) to ask for again
        self.given_up: set[str] = set()
        self.undated: dict[str, str] = {}  # known undated article -> its first_seen
        self._found: set[str] = set()
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
        """Read the known articles of this source on this base URL, page validators, and the
        pending articles (due ones, or all with ``retry=all``) and those given up."""
        path = self.settings.get("VEILLE_DB") or None
        try:  # reading only: a writer holding the lock must not stop the crawl here
            store = Store.open_readonly(path)
        except (NoStore, SchemaError):  # none yet, or an older veille's: a crawl writes it
            Store(path).close()  # creates or migrates it (the pipeline's open may come later)
            store = Store.open_readonly(path)
        prefix = self.base_url + "/"
        try:
            self.known = store.known_articles(self.source, prefix)
            self.page_validators = store.page_validators(self.source)
            try:
                self.pending = store.pending_due(self.source, prefix, self.retry)
                self.given_up = store.given_up(self.source, prefix)
                self.undated = store.undated_first_seen(self.source, prefix)
            except sqlite3.OperationalError as exc:  # a store of older code, not migrated yet
                self.logger.warning("no pending articles read: %s", exc)
        finally:
            store.close()
        due = sum(1 for *_, d in self.known.values() if d)
        self.logger.info("%d known articles, %d due for a check (revisit=%s); %d pending articles to ask"
                         " for again (retry=%s)", len(self.known), due, self.revisit, len(self.pending),
                         self.retry)

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

    def retry_requests(self):
        """The pending articles to ask for again (``retry=due``: those whose next try has
        come; ``all``: every one, given up included; ``none``: none)."""
        stats = self.crawler.stats
        for url, by in self.pending:
            if url in self.known:
                continue  # stored meanwhile
            stats.inc_value("veille/pending/retried")
            yield scrapy.Request(url, callback=self.parse_article, errback=self.on_error, priority=5,
                                 meta=self._article_meta(by, retry=True))

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

    @staticmethod
    def _article_meta(discovered_by: str | None, retry: bool = False) -> dict:
        meta: dict = {"veille_discovered": discovered_by}
        if retry:
            meta["veille_retry"] = True
        if discovered_by == "ids":  # a 404 in a walk is a gap: the callback counts it
            meta["handle_httpstatus_list"] = [404, 410]
        return meta

    def article_request(self, url: str, discovered_by: str | None = None, *,
                        dont_filter: bool = False) -> scrapy.Request | None:
        """A request for an article; None for a known one the revisit policy does not want,
        and for one given up (``retry=all`` asks for those at the start).

        ``discovered_by`` (feed, listing, sitemap, ids): how the crawl found it; a failure
        of an unknown article found so is accounted for in ``pending``. A known article is
        asked for conditionally: a 304 means unchanged."""
        known = self.known.get(url)
        if known is None:
            if url in self.given_up:
                self.crawler.stats.inc_value("veille/pending/given_up_skipped")
                return None
            return scrapy.Request(url, callback=self.parse_article, errback=self.on_error,
                                  meta=self._article_meta(discovered_by), dont_filter=dont_filter)
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

    def found(self, requests: list[scrapy.Request], kind: str):
        """The article requests a page gave, preceded by a :class:`DiscoveredItem` of those
        the store does not know (pending until stored)."""
        new = [r.url for r in requests if r.url not in self.known and r.url not in self._found]
        if new:
            self._found.update(new)
            yield DiscoveredItem(urls=new, kind=kind)
        yield from requests

    # -- feeds ------------------------------------------------------------------------
    def parse_feed(self, response):
        if response.status == 304:
            self.crawler.stats.inc_value("veille/feed_not_modified")
            yield self.page_item(response)
            return
        try:
            entries = parse_feed(response.body)
        except FeedError as exc:
            yield self.page_item(response)
            yield from self.feed_error(response, exc)
            return
        yield from self.feed_articles(response, entries, "feed")
        yield self.page_item(response)  # last: only once its links are in

    def feed_error(self, response, exc: FeedError):
        yield self.skip(response.url, "skipped", f"feed-{exc.reason}", str(exc), response.status)

    def feed_articles(self, response, entries, kind: str):
        stats = self.crawler.stats
        requests = []
        for entry in entries:
            try:
                url = self.article_link(urljoin(response.url, entry.url))
            except ValueError:  # a link the URL parser refuses (http://[broken...)
                url = None
            if url is None:
                stats.inc_value(f"veille/{kind}_links_ignored")
                continue
            stats.inc_value(f"veille/{kind}_links")
            request = self.article_request(url, kind)
            if request is not None:
                requests.append(request)
        yield from self.found(requests, kind)

    # -- articles ---------------------------------------------------------------------
    def first_seen(self, url: str) -> dt.date:
        """The day veille first saw ``url``: its ``first_seen`` if it is a known undated
        article, else today (UTC): line 1's month for a page without a date."""
        when = parse_iso(self.undated.get(url))
        return (when or dt.datetime.now(dt.timezone.utc)).date()

    def parse_article(self, response):
        if response.status == 304:
            headers = response.headers
            return [NotModifiedItem(url=response.url, etag=header_value(headers, b"ETag"),
                                    last_modified=header_value(headers, b"Last-Modified"), fetched_at=utcnow())]
        if response.status in (404, 410):  # an id of a walk with no article: a gap
            self.crawler.stats.inc_value("veille/gaps")
            out = [GapItem(url=response.url)]
            if response.meta.get("veille_retry"):  # it was pending: no longer
                out.append(self.skip(response.url, "skipped", "gap", "", response.status,
                                     request=response.request))
            return out
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        try:
            art = self.parser.parse(response.body, response.url, content_type, site=self.site,
                                    fallback_date=self.first_seen(response.url))
            text = art.text()
            if looks_truncated(response.body):
                raise NotAnArticle("truncated-html", "the page ends before </body> and </html>")
        except NotAnArticle as exc:
            reason, detail = exc.reason, exc.detail
            if reason not in ("not-html", "empty") and looks_truncated(response.body):
                # the parser's complaint (no date, no body...) comes from the cut
                reason, detail = "truncated-html", f"the page ends before </body> and </html> ({exc})"
            return [self.skip(response.url, "skipped", reason, detail, response.status, request=response.request)]
        except FormatError as exc:
            return [self.skip(response.url, "skipped", "bad-format", str(exc), response.status,
                              request=response.request)]
        headers = response.headers
        redirected = response.meta.get("redirect_urls")
        undated = art.extra.get("date_source") == "first_seen"
        fetched_at = utcnow()
        return [
            ArticleItem(
                url=response.url,
                found_as=redirected[0] if redirected else None,
                source=self.source,
                site=self.site,
                title=art.title,
                headline=art.headline,
                # an undated page has no publication date (line 1 has its first_seen month)
                published=art.published.isoformat() if art.published and not undated else None,
                rubric=art.rubric,
                publisher=art.publisher,
                canonical_url=art.canonical_url,
                method=art.method,
                date_source="first_seen" if undated else "page",
                text=text,
                content_hash=content_hash(text),
                fetched_at=fetched_at,
                etag=header_value(headers, b"ETag"),
                last_modified=header_value(headers, b"Last-Modified"),
                extractor=extractor_of(art.method),
                page=self.archived_page(response, fetched_at),
            )
        ]

    def archived_page(self, response, fetched_at: str) -> Page | None:
        """The fetch as the archive keeps it (:mod:`storage.archive`), or None when the
        archive is off (``VEILLE_ARCHIVE``)."""
        archiving = getattr(self, "_archiving", None)
        if archiving is None:
            archiving = self._archiving = ArchivePolicy.from_setting(
                self.settings.get("VEILLE_ARCHIVE")).enabled
        if not archiving:
            return None
        request = response.request
        return Page(url=response.url, status=response.status, headers=header_list(response.headers),
                    body=response.body, request_headers=header_list(request.headers) if request else [],
                    fetched_at=fetched_at, method=request.method if request else "GET")

    # -- faults -------------------------------------------------------------------------
    def skip(self, url, kind, reason, detail="", http_status=None, request=None) -> SkipItem:
        """A :class:`SkipItem`; for an article the crawl found (``request`` says how), also
        what it means for ``pending``."""
        self.crawler.stats.inc_value(f"veille/{kind}/{reason}")
        item = SkipItem(url=url, kind=kind, reason=reason, detail=detail, http_status=http_status)
        meta = request.meta if request is not None else {}
        if "veille_discovered" in meta:  # an article request (a known one: discovered_by None)
            item["discovered_by"] = meta["veille_discovered"]
            item["pending"] = "done" if reason == "gap" else pending_outcome(kind, reason, http_status)
        return item

    def on_error(self, failure):
        kind, reason, detail, status = classify_failure(failure)
        request = getattr(failure, "request", None)
        # after redirects, the skip belongs to the URL the crawl asked for
        url = (request.meta.get("redirect_urls") or [request.url])[0] if request is not None else ""
        if reason.startswith("error-"):
            self.logger.error("%s %s: %s\n%s", kind, url, reason, failure.getTraceback())
        else:
            self.logger.info("%s %s: %s %s", kind, url, reason, detail)
        return [self.skip(url, kind, reason, detail, status, request=request)]


def header_list(headers) -> list[tuple[str, str]]:
    """Scrapy's headers as ``(name, value)`` text pairs, a repeated header repeated."""
    return [(k.decode("latin-1"), v.decode("latin-1")) for k in headers.keys() for v in headers.getlist(k)]


def header_value(headers, name: bytes) -> str | None:
    """A response header's value as text (``ETag``, ``Last-Modified``), None when absent."""
    value = headers.get(name)
    return value.decode("latin-1") if value else None
