"""A parser for any news page: page metadata (og:, JSON-LD) plus a generic extractor.

``GenericParser().parse(body, url, content_type=None, site=None)`` has the signature of
every site parser and returns a :class:`ParsedArticle` whose ``method`` says where the
text came from:

- ``og+trafilatura``: headline from ``og:title`` (or JSON-LD), body from trafilatura;
- ``trafilatura``: headline and body from trafilatura (or the page's ``<h1>``/``<title>``);
- ``og``: the page has no extractable body; the body is ``og:description``;
- ``og+simple`` / ``simple``: trafilatura is not importable, a small built-in extractor
  (densest block of ``<p>``) stood in.

The publication date comes from, in order: the visible ``Publié le ...`` dateline (only
with ``find_dateline=True``), JSON-LD ``datePublished``, ``article:published_time`` and
similar ``<meta>``, then trafilatura's own date finder. ``extra["date_source"]`` records
which. No date at all raises ``NotAnArticle("no-date")``.

Line 1 is ``<headline> - <site>`` (the text format's rule for non-aBamako sources) unless
``page_title=True``, which keeps the page's ``<title>`` as written (the aBamako rule).

This path parses the whole page (and trafilatura parses it again): ~5–10 ms per page.
It is the fallback, not the fast path.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from lxml import etree

from scrapers.parsers.base import NotAnArticle, ParsedArticle, clean, site_for
from scrapers.parsers.dates import (
    parse_date,
    parse_french_date,
    parse_iso_date,
    publisher_from_dateline,
)
from scrapers.parsers.decode import decode_html, fix_c1_refs, is_html_content_type, sniff_kind

__all__ = [
    "GenericParser",
    "PageMeta",
    "ensure_html",
    "parse_document",
    "page_meta",
    "meta_published",
    "find_dateline",
    "is_credit_line",
    "MAX_FALLBACK_CHARS",
]

MAX_FALLBACK_CHARS = 1_500_000  # trafilatura never gets more of a page than this

_CREDIT = re.compile(r"^\s*(?:©|\(c\)\s|copyright\b|cr[ée]dits?\s*(?:photos?)?\s*:)", re.I)


def is_credit_line(text: str) -> bool:
    """A photo credit line (``© aBamako.com par X``), which never reaches the text."""
    return bool(_CREDIT.match(text))


def ensure_html(body: bytes | None, content_type: str | bytes | None) -> None:
    """Raise NotAnArticle ``empty`` / ``not-html`` for bodies no parser should look at."""
    if body is None or not body.strip():
        raise NotAnArticle("empty", "empty body")
    if not isinstance(body, (bytes, bytearray, memoryview)):
        raise NotAnArticle("not-html", f"body is {type(body).__name__}, not bytes")
    verdict = is_html_content_type(content_type)
    kind = sniff_kind(bytes(body[:1024]))
    if verdict is False:
        raise NotAnArticle("not-html", f"content type {content_type!s}")
    if kind == "binary":
        raise NotAnArticle("not-html", "binary body")
    if kind == "xml":
        raise NotAnArticle("not-html", "XML document (feed or sitemap?)")
    if verdict is None and kind != "html":
        raise NotAnArticle("not-html", f"no HTML in a {content_type or 'untyped'} body")


_UTF8_PARSER = etree.HTMLParser(
    encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True,
    default_doctype=False, collect_ids=False,
)


def parse_document(text: str) -> etree._Element:
    """Parse a decoded page (or fragment) with lxml; never raises (empty ``<html>`` at worst)."""
    text = fix_c1_refs(text)
    data = text.encode("utf-8", "replace")
    try:
        root = etree.fromstring(data, _UTF8_PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        root = None
    if root is None:
        root = etree.fromstring(b"<html><body></body></html>", _UTF8_PARSER)
    return root


@dataclass
class PageMeta:
    title: str = ""  # <title> as written, white space collapsed
    meta: dict = field(default_factory=dict)  # og:title, og:description, article:published_time ...
    canonical: str = ""
    jsonld: dict = field(default_factory=dict)  # headline, datePublished, articleSection


_META_KEYS = {
    "og:title", "og:description", "og:url", "og:site_name", "og:type",
    "article:published_time", "article:section", "og:published_time",
    "date", "pubdate", "publishdate", "dc.date", "dc.date.issued", "dcterms.date",
    "sailthru.date", "description", "twitter:title", "article:modified_time",
}


def _text_of(el) -> str:
    return clean("".join(el.itertext()))


def page_meta(root: etree._Element) -> PageMeta:
    """Title, selected ``<meta>``, canonical link and JSON-LD fields of a parsed page."""
    pm = PageMeta()
    for t in root.iter("title"):
        # the document title, not an <svg><title>
        if any(a.tag == "svg" for a in t.iterancestors()):
            continue
        pm.title = _text_of(t)
        break
    for m in root.iter("meta"):
        key = (m.get("property") or m.get("name") or m.get("itemprop") or "").strip().lower()
        if key in _META_KEYS and key not in pm.meta:
            val = clean(m.get("content"))
            if val:
                pm.meta[key] = val
    for link in root.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        if "canonical" in rel and link.get("href"):
            pm.canonical = link.get("href").strip()
            break
    for s in root.iter("script"):
        if (s.get("type") or "").strip().lower() != "application/ld+json":
            continue
        raw = s.text or ""
        if not raw.strip() or len(raw) > 500_000:
            continue
        try:
            data = json.loads(raw, strict=False)
        except (ValueError, RecursionError):
            continue
        _collect_jsonld(data, pm.jsonld)
    return pm


def _collect_jsonld(data, out: dict) -> None:
    """First datePublished / headline / articleSection found, articles first (iterative)."""
    stack, seen = [data], 0
    found: list[dict] = []
    while stack and seen < 2000:
        seen += 1
        x = stack.pop()
        if isinstance(x, list):
            stack.extend(reversed(x))
        elif isinstance(x, dict):
            if any(k in x for k in ("datePublished", "headline", "dateCreated")):
                found.append(x)
            for k in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement"):
                v = x.get(k)
                if isinstance(v, (list, dict)):
                    stack.append(v)

    def is_article(d):
        t = d.get("@type")
        t = " ".join(t) if isinstance(t, list) else str(t or "")
        return "Article" in t or "Posting" in t or "Report" in t

    for d in sorted(found, key=lambda d: not is_article(d)):
        for k in ("datePublished", "dateCreated", "headline", "articleSection"):
            v = d.get(k)
            if isinstance(v, list) and v:
                v = v[0]
            if isinstance(v, str) and v.strip() and k not in out:
                out[k] = clean(v)


def meta_published(pm: PageMeta):
    """(date, source) from JSON-LD and ``<meta>``; (None, "") when none parses."""
    for key, source in (("datePublished", "jsonld"), ("dateCreated", "jsonld")):
        d = parse_iso_date(pm.jsonld.get(key)) or parse_date(pm.jsonld.get(key))
        if d:
            return d, source
    for key in ("article:published_time", "og:published_time", "dc.date.issued", "dc.date",
                "dcterms.date", "date", "pubdate", "publishdate", "sailthru.date"):
        v = pm.meta.get(key)
        d = parse_iso_date(v) or parse_date(v)
        if d:
            return d, "meta"
    return None, ""


_PUBLIE = re.compile(r"^publi(?:é|e|&eacute;)\s+le\b", re.I)


def find_dateline(root: etree._Element) -> str:
    """The visible ``Publié le <date> | <source>`` line of a page, or ""."""
    try:
        nodes = root.xpath("//text()[contains(., 'ubli')]")
    except etree.XPathError:  # pragma: no cover
        return ""
    for node in nodes[:200]:
        parent = node.getparent()
        if parent is None or parent.tag in ("script", "style", "title"):
            continue
        text = _text_of(parent) if len(parent) < 20 else clean(str(node))
        if len(text) > 200 or not _PUBLIE.match(text):
            continue
        if parse_french_date(text):
            return text
    return ""


_TRAFILATURA = None


def _trafilatura():
    """The trafilatura module, or False when it cannot be imported (broken install)."""
    global _TRAFILATURA
    if _TRAFILATURA is None:
        try:
            import trafilatura  # noqa: PLC0415 - slow import, only for the fallback

            _TRAFILATURA = trafilatura
        except Exception:  # ImportError, or lxml.html.clean missing, ...
            _TRAFILATURA = False
    return _TRAFILATURA


_SKIP = {"script", "style", "noscript", "iframe", "nav", "header", "footer", "aside", "form", "button", "select"}


def _simple_extract(root) -> list[str]:
    """Paragraphs of the element holding the most ``<p>`` text (when trafilatura is absent)."""
    groups: dict = {}
    for p in root.iter("p"):
        if any(a.tag in _SKIP for a in p.iterancestors()):
            continue
        t = _text_of(p)
        if t:
            parent = p.getparent()
            groups.setdefault(parent, []).append(t)
    if not groups:
        return []
    best = max(groups.values(), key=lambda ps: sum(len(p) for p in ps))
    return best


# An extracted body shorter than this is taken for page furniture, not an article.
MIN_BODY_CHARS = 150


class GenericParser:
    """Metadata + generic extraction; reusable for any source (see the module doc)."""

    def __init__(self, *, page_title: bool = False, find_dateline: bool = False):
        self.page_title = page_title
        self.find_dateline = find_dateline

    def parse(self, body: bytes, url: str, content_type: str | None = None,
              site: str | None = None) -> ParsedArticle:
        ensure_html(body, content_type)
        dec = decode_html(bytes(body), content_type)
        html_text = dec.text
        root = parse_document(html_text[:16_000_000])
        return self.from_tree(root, html_text, url, site=site, charset=dec.charset)

    def from_tree(self, root, html_text: str, url: str, *, site: str | None = None,
                  charset: str = "", pm: PageMeta | None = None,
                  extra: dict | None = None) -> ParsedArticle:
        """Extract from an already parsed page (``html_text`` is what trafilatura gets)."""
        pm = pm or page_meta(root)
        site = site_for(url, site)
        extra = dict(extra or {})

        headline, head_src = "", ""
        for key, src in (("og:title", "og"), ("twitter:title", "og")):
            if pm.meta.get(key):
                headline, head_src = pm.meta[key], src
                break
        if not headline and pm.jsonld.get("headline"):
            headline, head_src = pm.jsonld["headline"], "og"

        dateline = find_dateline(root) if self.find_dateline else ""

        # body: trafilatura, or the built-in extractor when trafilatura is unusable
        paragraphs: list[str] = []
        body_src = ""
        traf_title = traf_date = ""
        tr = _trafilatura()
        if tr:
            try:
                doc = tr.bare_extraction(
                    html_text[:MAX_FALLBACK_CHARS], url=url or None, with_metadata=True,
                    include_comments=False, include_tables=False, include_images=False,
                    include_links=False, deduplicate=False,
                    # no guessing from copyright years or bare text: the month matters
                    date_extraction_params={"extensive_search": False, "original_date": True},
                )
            except Exception as exc:  # trafilatura must never take the crawl down
                doc = None
                extra["trafilatura_error"] = f"{type(exc).__name__}: {exc}"[:200]
            if doc is not None:
                get = doc.get if isinstance(doc, dict) else lambda k: getattr(doc, k, None)
                text = get("text") or ""
                paragraphs = [clean(line) for line in text.split("\n")]
                traf_title = clean(get("title") or "")
                traf_date = get("date") or ""
                body_src = "trafilatura"
        else:
            paragraphs = _simple_extract(root)
            body_src = "simple"

        if not headline:
            h1 = next((t for t in (_text_of(h) for h in root.iter("h1")) if t), "")
            headline = h1 or traf_title or pm.title
            head_src = ""

        drop = {headline, dateline}
        paragraphs = [p for p in paragraphs if p and p not in drop and not is_credit_line(p)]
        if sum(len(p) for p in paragraphs) < MIN_BODY_CHARS:
            # a menu, a cookie notice or a teaser box is not an article body
            extra["too_little_text"] = sum(len(p) for p in paragraphs)
            paragraphs = []
        if paragraphs:
            method = f"og+{body_src}" if head_src else body_src
        else:
            lead = pm.meta.get("og:description") or pm.meta.get("description") or ""
            if not lead:
                if not headline:
                    raise NotAnArticle("no-article", "no headline and no text found")
                raise NotAnArticle("no-article", "no body text found")
            paragraphs = [lead]
            method = "og"
        if not headline:
            raise NotAnArticle("no-headline", "no og:title, <h1> or <title>")

        published, date_src = None, ""
        if dateline:
            published, date_src = parse_french_date(dateline), "dateline"
        if not published:
            published, date_src = meta_published(pm)
        if not published and traf_date:
            published, date_src = parse_iso_date(traf_date), "trafilatura"
        if not published:
            raise NotAnArticle("no-date", "no publication date found")
        extra["date_source"] = date_src

        if self.page_title and pm.title:
            title = pm.title
        else:
            title = f"{headline} - {site}"

        canonical = pm.canonical or pm.meta.get("og:url") or ""
        canonical = urljoin(url, canonical) if canonical else url
        rubric = pm.meta.get("article:section") or pm.jsonld.get("articleSection") or ""
        return ParsedArticle(
            url=url,
            title=title,
            headline=headline,
            dateline=dateline,
            published=published,
            paragraphs=paragraphs,
            caption="",
            publisher=publisher_from_dateline(dateline),
            rubric=rubric,
            canonical_url=canonical,
            method=method,
            charset=charset,
            extra=extra,
        )
