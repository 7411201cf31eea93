"""Per-site CSS rules for news pages, with the generic extractor as fallback.

``SiteRulesParser(selectors).parse(body, url, content_type=None, site=None)`` has the
interface of every site parser. ``selectors`` (a :class:`veille.config.Selectors` or a
dict) may name:

- ``headline``: the headline element (default: ``og:title``, else the first ``<h1>``);
- ``date``: the element showing the date. Its text, as the page shows it, is the
  dateline; the publication date comes from its ``datetime``/``content``/``title``
  attribute (or a ``<time datetime>`` inside), else from its text (French or numeric
  dates), else from the page's ``article:published_time`` / JSON-LD ``datePublished``;
- ``body``: the body: container(s) or paragraphs (a selector group such as
  ``p.article_abstract, div#article_body p`` keeps document order). Each block element
  (``p``, headings, ``li``, ``blockquote``…) is a paragraph, and so is text between blocks;
  ``<br><br>`` splits a paragraph (:func:`scrapers.parsers.htmltools.paragraphs`);
- ``caption``: the photo caption;
- ``drop``: selectors of elements removed from the page once headline, date and caption
  were read, before the body is (share buttons, ads, related posts, the featured image
  whose caption was read already).

Line 1 is ``<headline> - <site>`` (the rule of the text format for non-aBamako sources).
The result's ``method`` is ``rules``. When the rules find no headline, no body or no date
(a redesign, a page of another kind), the page goes to :class:`GenericParser` and
``method`` says so: ``generic:<its method>`` (e.g. ``generic:og+trafilatura``), with
``extra["rules_missing"]`` naming what the rules missed. A body the rules found is checked
like the generic parser's candidates (:func:`~scrapers.parsers.generic.body_problem`):
mostly link lines (a menu, a listing) or cookie / legal text sends the page to the
generic parser too (a short body does not: a brief is a brief). Without any selector the parser
is the generic one (``generic:…`` too).

The page is parsed once with lxml (no BeautifulSoup, no second parse); selectors are
compiled to XPath once per parser, and the tree walks (in C) stay in lxml: Python only
reads the headline, date, caption and body elements, never the menus, comments or footers.
The page's ``<meta>``, JSON-LD and canonical link are read by
:func:`scrapers.parsers.metadata.page_meta`, as for the other parsers.
"""

from __future__ import annotations

from typing import Any

from lxml.cssselect import CSSSelector

from scrapers.parsers.base import ParsedArticle, site_for
from scrapers.parsers.dates import parse_date, parse_french_date, parse_iso_date, publisher_from_dateline
from scrapers.parsers.decode import decode_html
from scrapers.parsers.generic import GenericParser, body_problem
from scrapers.parsers.htmltools import ensure_html, inline_text, paragraphs, parse_document, remove
from scrapers.parsers.metadata import PageMeta, page_meta
from veille.core.textformat import clean

__all__ = ["SiteRulesParser", "RULE_KEYS"]

RULE_KEYS = ("headline", "date", "body", "caption")


def _sel(css: str | None) -> CSSSelector | None:
    return CSSSelector(css, translator="html") if css else None


def _outermost(els: list) -> list:
    """``els`` without those inside another of them (document order kept)."""
    chosen = set(els)
    return [e for e in els if not any(a in chosen for a in e.iterancestors())]


class _Missing(Exception):
    pass


class SiteRulesParser:
    """CSS rules for one site, generic extraction as fallback (see the module doc)."""

    name = "rules"

    def __init__(self, selectors: Any = None, fallback=None):
        rules = {}
        if selectors:
            get = selectors.get if isinstance(selectors, dict) else lambda k, d=None: getattr(selectors, k, d)
            for key in RULE_KEYS:
                rules[key] = get(key)
            drop = get("drop") or []
            rules["drop"] = [drop] if isinstance(drop, str) else list(drop)
        self.rules = rules
        self.has_rules = any(rules.get(k) for k in RULE_KEYS)
        self.sel = {k: _sel(rules.get(k)) for k in RULE_KEYS}
        self.drop = [_sel(d) for d in rules.get("drop", [])]
        self._fallback = fallback

    @property
    def fallback(self):
        if self._fallback is None:
            self._fallback = GenericParser()
        return self._fallback

    # -- entry point ---------------------------------------------------------------------
    def parse(self, body: bytes, url: str, content_type: str | None = None,
              site: str | None = None, *, fallback_date=None, require_date: bool = True) -> ParsedArticle:
        """``fallback_date`` / ``require_date``: for an undated page, as in
        :meth:`GenericParser.parse`."""
        ensure_html(body, content_type)
        undated = {"fallback_date": fallback_date, "require_date": require_date}
        if not self.has_rules:
            return self._generic(body, url, content_type, site, "no rules", undated)
        dec = decode_html(bytes(body), content_type)
        root = parse_document(dec.text)
        try:
            art = self._extract(root, url, site_for(url, site),
                                date_optional=fallback_date is not None or not require_date)
        except _Missing as exc:
            return self._generic(body, url, content_type, site, str(exc), undated)
        if art.published is None and fallback_date is not None:
            art.published = fallback_date
            art.extra["date_source"] = "first_seen"
        art.charset = dec.charset
        return art

    def _generic(self, body, url, content_type, site, missing: str, undated=None) -> ParsedArticle:
        art = self.fallback.parse(body, url, content_type, site=site_for(url, site), **(undated or {}))
        if not str(art.method).startswith("generic"):
            art.method = f"generic:{art.method}"
        art.extra = {**(art.extra or {}), "rules_missing": missing}
        return art

    # -- the rules ---------------------------------------------------------------------
    def _first(self, key: str, root):
        sel = self.sel.get(key)
        if sel is None:
            return None
        hits = sel(root)
        return hits[0] if hits else None

    def _extract(self, root, url: str, site: str, date_optional: bool = False) -> ParsedArticle:
        missing = []
        pm = page_meta(root)
        # headline
        el = self._first("headline", root)
        headline = clean(inline_text(el)) if el is not None else ""
        if not headline and self.sel["headline"] is None:
            headline = pm.meta.get("og:title") or next(
                (t for t in (clean(inline_text(h)) for h in root.iter("h1")) if t), "")
        if not headline:
            missing.append("headline")
        # date
        dateline, published = "", None
        el = self._first("date", root)
        if el is not None:
            dateline = clean(inline_text(el))
            for attr in ("datetime", "content", "title"):
                published = parse_iso_date(el.get(attr)) or published
                if published:
                    break
            if not published:
                for t in el.iter("time"):
                    published = parse_iso_date(t.get("datetime"))
                    if published:
                        break
            if not published and dateline:
                published = parse_french_date(dateline) or parse_date(dateline)
        if not published:
            published = _page_date(pm)
        if not published and not date_optional:
            missing.append("date")
        # caption (read before the drops: it often sits in a dropped figure)
        el = self._first("caption", root)
        caption = clean(inline_text(el)) if el is not None else ""
        # body
        paras: list[str] = []
        if self.sel["body"] is not None:
            for sel in self.drop:  # after headline, date and caption were read
                for bad in sel(root):
                    remove(bad)
            hits = _outermost(self.sel["body"](root))
            for hit in hits:
                paras.extend(paragraphs(hit))
        paras = [p for p in paras if p and p not in (headline, dateline, caption)]
        if not paras:
            missing.append("body")
        else:
            why = body_problem(paras, _link_texts(root))
            if why and not why.startswith("too little text"):
                missing.append(f"body ({why})")  # the selectors caught a menu or a cookie notice
        if missing:
            raise _Missing(", ".join(missing))
        return ParsedArticle(
            url=url,
            title=f"{headline} - {site}",
            headline=headline,
            dateline=dateline,
            published=published,
            paragraphs=paras,
            caption=caption,
            publisher=publisher_from_dateline(dateline),
            rubric=pm.meta.get("article:section", ""),
            canonical_url=pm.canonical or pm.meta.get("og:url") or url,
            method="rules",
        )


def _link_texts(root) -> set[str]:
    return {t for t in (clean(inline_text(a)) for a in root.iter("a")) if 2 <= len(t) <= 200}


def _page_date(pm: PageMeta):
    """The date the page's metadata states: ``<meta>`` first, then JSON-LD (ISO dates)."""
    for key in ("article:published_time", "og:published_time", "date", "dc.date"):
        d = parse_iso_date(pm.meta.get(key))
        if d:
            return d
    return parse_iso_date(pm.jsonld.get("datePublished"))
