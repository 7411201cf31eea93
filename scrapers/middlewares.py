"""Downloader middlewares: stay on the site, read what the server sends, say who we are.

- :class:`SiteOffsiteMiddleware` is Scrapy's OffsiteMiddleware with one change: when a
  spider crawls a replica or mirror (``-a base_url=http://127.0.0.1:8765``) it compares
  host *and port*, so that a redirect to another service on the same machine is off site.
- :class:`OffsiteRedirectMiddleware` looks at 3xx responses before RedirectMiddleware
  does and turns a redirect that leaves the site into an ``IgnoreRequest``: the request's
  errback then records it as a skipped page (reason ``offsite-redirect``) and the stat
  ``veille/offsite_redirect`` counts it. The target is computed exactly as
  RedirectMiddleware will request it (:func:`redirect_target`: w3lib's
  ``safe_url_string`` first, then ``urljoin``), so a spelling that ``urljoin`` alone reads
  differently (``http:/\\host/``, ``http:\\\\host\\``) cannot slip past the check.
- :class:`VeilleHttpCompressionMiddleware` is Scrapy's HttpCompressionMiddleware (the
  ``DOWNLOAD_MAXSIZE`` bound on what a body inflates to included) with one change: a body
  that its ``Content-Encoding`` cannot decode (a server that lies about it) raises
  :class:`BadEncoding`, which the spider records as one reason code, ``bad-encoding``,
  instead of whatever gzip, zlib, brotli or zstd raised.
- :class:`VeilleUserAgentMiddleware` composes ``veille/<version> (+<VEILLE_CONTACT_URL>)``
  unless ``USER_AGENT`` is set.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from scrapy import signals
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.downloadermiddlewares.useragent import UserAgentMiddleware
from scrapy.exceptions import IgnoreRequest
from w3lib.url import safe_url_string

import veille


class OffsiteRedirect(IgnoreRequest):
    """A redirect that leaves the spider's site."""

    def __init__(self, target: str):
        super().__init__(f"redirect off site to {target}")
        self.target = target


class BadEncoding(Exception):
    """A body its ``Content-Encoding`` cannot decode; ``str()`` says which and why."""

    def __init__(self, encoding: str, error: BaseException):
        super().__init__(f"Content-Encoding {encoding} does not decode the body "
                         f"({type(error).__name__}: {error})"[:300])
        self.encoding = encoding


def redirect_target(request_url: str, location: bytes) -> str:
    """The URL Scrapy's RedirectMiddleware requests for this ``Location``: the same steps
    (``safe_url_string``, a scheme-relative ``//`` given the request's scheme, ``urljoin``)
    and the same normalization a ``Request`` applies to its URL."""
    target = safe_url_string(location)
    if location.startswith(b"//"):
        target = urlsplit(request_url).scheme + "://" + target.lstrip("/")
    return safe_url_string(urljoin(request_url, target))


def _origin(url: str) -> tuple[str, int | None]:
    parts = urlsplit(url)
    port = parts.port
    if port is None:
        port = {"http": 80, "https": 443}.get(parts.scheme)
    return (parts.hostname or "", port)


def spider_allows(spider, url: str) -> bool:
    """Is ``url`` on the spider's site? Uses ``spider.is_on_site`` when it has one."""
    check = getattr(spider, "is_on_site", None)
    if check is not None:
        return check(url)
    return True


class SiteOffsiteMiddleware(OffsiteMiddleware):
    def should_follow(self, request, spider) -> bool:
        if getattr(spider, "is_on_site", None) is not None:
            return spider.is_on_site(request.url)
        return super().should_follow(request, spider)


class OffsiteRedirectMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response, spider=None):
        if response.status not in (301, 302, 303, 307, 308):
            return response
        location = response.headers.get(b"Location")
        if not location:
            return response
        target = redirect_target(request.url, location)
        spider = spider or self.crawler.spider
        scheme = urlsplit(target).scheme
        if scheme not in ("http", "https") or not spider_allows(spider, target):
            self.stats.inc_value("veille/offsite_redirect")
            raise OffsiteRedirect(target)
        return response


class VeilleHttpCompressionMiddleware(HttpCompressionMiddleware):
    def process_response(self, request, response, spider=None):
        try:
            return super().process_response(request, response)
        except IgnoreRequest:  # DOWNLOAD_MAXSIZE reached while inflating: too-large
            raise
        except Exception as exc:  # zlib.error, BadGzipFile, brotli.error, ZstdError, EOFError...
            encoding = b",".join(response.headers.getlist("Content-Encoding")).decode("latin-1")
            raise BadEncoding(encoding, exc) from exc


class VeilleUserAgentMiddleware(UserAgentMiddleware):
    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        ua = settings.get("USER_AGENT")
        if not ua or ua.startswith("Scrapy/"):
            contact = settings.get("VEILLE_CONTACT_URL") or "https://github.com/veille-project/veille"
            ua = f"veille/{veille.__version__} (+{contact})"
        o = cls(ua)
        crawler.signals.connect(o.spider_opened, signal=signals.spider_opened)
        return o
