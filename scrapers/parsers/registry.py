"""Which parser reads a page: a coded parser for the hosts it knows, else the generic one.

Three rules, in order:

1. a configured source with CSS selectors is read by :class:`SiteRulesParser` with them
   (:func:`source_parser`);
2. a page under one of the host suffixes of :data:`CODED` is read by that coded parser;
   for a page whose host says nothing (a saved page, a mirror), markup that only one CMS
   writes (:data:`MARKUP`) is the second rule (:func:`parser_for`, ``veille extract``);
3. any other page is read by :class:`GenericParser` (for a configured source, through
   ``SiteRulesParser`` without rules: method ``generic:…``).

A coded parser is one module of this package (a class with a ``name`` and
``parse(body, url, content_type=None, site=None)``, see :mod:`scrapers.parsers.base`) and
one line of :data:`CODED`: its host suffixes, its class.

Decisions:

- A host matches a suffix when it is the suffix or ends with ``.`` + the suffix
  (``news.abidjan.net`` is under ``abidjan.net``; ``notabamako.com`` is not under
  ``abamako.com``).
- The markup rule reads at most the first 2 MB of a page and needs every marker.
- A spider of a known CMS (``scrapy crawl acotonou``) reads its pages with its CMS's
  parser whatever the URL (a replica on 127.0.0.1 included): the registry is for pages
  whose parser is not known beforehand.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapers.parsers import abamako
from scrapers.parsers.abamako import AbamakoParser
from scrapers.parsers.generic import GenericParser
from scrapers.parsers.rules import SiteRulesParser

__all__ = ["CODED", "MARKUP", "NAMED", "coded_parser", "host_of", "parser_for", "source_parser"]

# host suffixes -> the coded parser of those sites: one line per coded parser
CODED: tuple[tuple[tuple[str, ...], type], ...] = (
    (abamako.HOSTS, AbamakoParser),
)
# markers (lowercase bytes) that all appear in a page of one CMS -> its parser
MARKUP: tuple[tuple[tuple[bytes, ...], type], ...] = (
    ((b"fullarticletexte", b"fontarticlemaintitle"), AbamakoParser),
)
MARKUP_WINDOW = 2_000_000  # bytes of a page the markup rule reads

# the parsers ``veille extract --parser NAME`` can name: the coded ones, then the generic
NAMED: dict[str, type] = {cls.name: cls for cls in (*(c for _, c in CODED), GenericParser)}


def host_of(url: str) -> str:
    """The lowercase host of ``url`` ("" when it has none or does not parse)."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def coded_parser(host: str) -> type | None:
    """The coded parser class for pages under ``host``, or None."""
    host = host.lower()
    for suffixes, cls in CODED:
        if any(host == d or host.endswith("." + d) for d in suffixes):
            return cls
    return None


def _by_markup(body: bytes) -> type | None:
    low = body[:MARKUP_WINDOW].lower()
    for markers, cls in MARKUP:
        if all(m in low for m in markers):
            return cls
    return None


def parser_for(url: str, body: bytes = b""):
    """A parser for a page fetched from ``url``: rules 2 and 3 (see the module doc)."""
    cls = coded_parser(host_of(url)) or _by_markup(body) or GenericParser
    return cls()


def source_parser(host: str, selectors=None):
    """The parser of a configured source whose pages are under ``host``: rules 1 to 3."""
    rules = SiteRulesParser(selectors)
    if rules.has_rules:
        return rules
    cls = coded_parser(host)
    return cls() if cls is not None else rules
