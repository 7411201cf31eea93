"""What every site parser returns, and how it says a page is not an article.

A parser is one small class per publisher (or CMS family) with one method::

    parser.parse(body: bytes, url: str, content_type: str | None = None) -> ParsedArticle

It raises :class:`NotAnArticle` with a short machine-readable ``reason`` for a page
that gives no article (no markup, empty body, not HTML, ...). Parsers never touch the
network or the store.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from veille.core.textformat import TextParts, write


@dataclass
class ParsedArticle:
    url: str  # the URL the page was fetched from
    title: str  # line 1: the page <title> as written (or "<headline> - <site>")
    headline: str
    dateline: str  # the source line as the page shows it, "" if none
    published: dt.date | None  # publication date
    paragraphs: list[str]
    caption: str = ""
    publisher: str = ""  # original publisher, from the dateline ("Dw")
    rubric: str = ""  # section, metadata only
    canonical_url: str = ""
    method: str = ""  # which extraction produced the text: "abamako", "og", "generic", ...
    charset: str = ""  # the encoding the page was decoded with
    extra: dict = field(default_factory=dict)

    @property
    def month(self) -> str:
        return self.published.strftime("%Y-%m") if self.published else ""

    def parts(self) -> TextParts:
        return TextParts(
            date=self.month,
            title=self.title,
            headline=self.headline,
            dateline=self.dateline,
            caption=self.caption,
            paragraphs=self.paragraphs,
        )

    def text(self) -> str:
        """The article in the text format (raises FormatError when a part is missing)."""
        return write(self.parts())


def site_name(host: str) -> str:
    """The site's name as line 1 writes it: the host less ``www.`` and ``news.``."""
    host = (host or "").lower().split(":")[0].rstrip(".")
    for prefix in ("www.", "news."):
        if host.startswith(prefix):
            host = host[len(prefix) :]
    return host


__all__ = ["ParsedArticle", "site_name", "site_for", "original_url", "looks_truncated"]

_ARCHIVED = re.compile(r"^https?://web\.archive\.org/web/\d+[a-z_]*/(.+)$", re.I)


def original_url(url: str) -> str:
    """The URL a page was archived from (``https://web.archive.org/web/<time>/<url>``),
    else ``url`` itself."""
    m = _ARCHIVED.match(url or "")
    if not m:
        return url
    inner = m.group(1)
    return inner if "://" in inner else "http://" + inner


def site_for(url: str, site: str | None = None) -> str:
    """``site`` if given, else the site name of ``url``'s host (see :func:`site_name`);
    an archived page's is the site it was archived from."""
    if site:
        return site
    from urllib.parse import urlsplit

    try:
        host = urlsplit(original_url(url)).hostname or ""
    except ValueError:
        host = ""
    return site_name(host)


def looks_truncated(body: bytes) -> bool:
    """Does this HTML page stop before its end (no ``</body>`` nor ``</html>`` at the end)?

    A page cut short by the server, with no Content-Length for Scrapy to notice, still
    parses into a shorter article: storing it would record a false update. Real pages of
    the sources veille knows end with ``</html>``; the cost of the check is a search in
    the last 4 KB.
    """
    tail = body[-4096:].lower()
    return b"</html" not in tail and b"</body" not in tail
