"""A parser for any news page: page metadata plus a body chosen among checked candidates.

``GenericParser().parse(body, url, content_type=None, site=None, *, fallback_date=None,
require_date=True)`` has the signature of every site parser and returns a
:class:`ParsedArticle` whose ``method`` says where the text came from:
``[og+]<body method>``, where ``og+`` means JSON-LD / ``og:title`` gave or confirmed the
headline, and the body method is the candidate kept:

- ``trafilatura``: trafilatura (balanced) on the whole page, less the lines written only
  inside page furniture (see below);
- ``jsonld``: the page's JSON-LD ``articleBody``, when it is 1.5 times longer than that
  (a body rendered by JavaScript, an extraction that stopped short);
- ``trafilatura+recall``, ``readability`` (trafilatura's port of readability-lxml, on an
  ``lxml.html`` tree), ``jsonld``, ``simple`` (the densest block of paragraphs): tried in
  that order when the first fails the checks; the longest that passes wins (by 15%);
- a short candidate (50+ characters, not shorter than og:description) when every one
  failed for its length only; ``extra["short_body"]``;
- ``og``: nothing else; the body is ``og:description``.

``given={"rules": paragraphs}`` (:meth:`from_tree`) puts other candidates first.
``extra["body_method"]``, ``extra["tried"]`` record what ran, ``extra["too_little_text"]``
why the others failed; ``explore=True`` computes them all (``extra["candidates"]``,
benchmarks only).

Checks (:func:`body_problem`): at least ``MIN_BODY_CHARS`` of :func:`text_weight` (a CJK
character weighs three); not mostly cookie / legal text; not mostly the page's links
(link texts, or lines made of several); not mostly short lines that are links. Lines
dropped from any candidate: "Lire aussi" inserts, photo credits, share and "follow us"
calls, view counters, repeats of headline, dateline and caption; soft hyphens and
zero-width spaces inside words.

Decisions:

- Furniture is **marked, never cut before extraction**: trafilatura (and its own
  readability / jusText rescue) reads the page as served, and a line of its output is
  dropped when it is written only inside marked elements (a short line: when it is the
  whole text of a marked element and of no kept one). Cutting first deleted articles
  whose container said ``share`` or ``sidebar``, or sat in an ``<aside>``, with nothing
  left to rescue them.
- Marking needs structure or link density, never a class word alone, and never touches
  the headline, the page's longest paragraph or half of its text: see
  :mod:`scrapers.parsers.pagemarks`; the words and line checks are in
  :mod:`scrapers.parsers.furniture`.
- The candidates are compared, not trusted in turn: one trafilatura pass on most pages
  (the second extractors run only when it fails the checks; JSON-LD is free).
- A page without a date still has a body: ``require_date=False`` returns it undated
  (``--body-only``); ``fallback_date`` (the day veille first saw the page) gives line 1
  its month with ``extra["date_source"] = "first_seen"``; else ``NotAnArticle("no-date")``.

The lead picture's caption (``figcaption``, ``.wp-caption-text``, ``legende`` ...) goes
to ``caption``, its credit cut off. A standfirst kept apart from the body markup
(``.chapo``, ``.article_abstract``, ``.t-content__chapo``) is the first paragraph.

The headline comes from :mod:`scrapers.parsers.headline`, date and dateline from
:mod:`scrapers.parsers.metadata` (:func:`~scrapers.parsers.metadata.publication_date`);
``extra["date_source"]`` says which source gave the date.

Line 1 is ``<headline> - <site>`` (the text format's rule for non-aBamako sources) unless
``page_title=True``, which keeps the page's ``<title>`` as written (the aBamako rule).

Cost: one lxml parse (``lxml.html`` element classes chosen in C, so trafilatura takes the
tree as is), one pass of text statistics, one trafilatura pass: about 1.8 times
trafilatura alone on real pages (``bench/extract_real.py``). It is the fallback, not the
fast path.

Reading, text, paragraphs, removal and the furniture vocabulary it shares with the other
parsers are in :mod:`scrapers.parsers.htmltools`; the page's furniture in
:mod:`scrapers.parsers.furniture` (words, lines, body checks) and
:mod:`scrapers.parsers.pagemarks` (marking, the lines only furniture holds); metadata in
:mod:`scrapers.parsers.metadata` and :mod:`scrapers.parsers.headline`.
"""

from __future__ import annotations

import copy
import datetime as dt
import html as html_lib
import re
from urllib.parse import urljoin

from lxml import etree
from lxml import html as lxml_html

from scrapers.parsers.base import ParsedArticle, site_for
from scrapers.parsers.decode import decode_html
from scrapers.parsers.furniture import MIN_BODY_CHARS, body_problem, is_boilerplate_line, text_len, text_weight
from scrapers.parsers.headline import choose_headline
from scrapers.parsers.htmltools import ensure_html, norm, parse_document, remove, text_of
from scrapers.parsers.metadata import PageMeta, find_dateline, find_near_dateline, page_meta
from scrapers.parsers.pubdate import publication_date
from scrapers.parsers.dates import parse_french_date, publisher_from_dateline
from scrapers.parsers.pagemarks import MarkedPage, paragraphs_of
from veille.core.errors import NotAnArticle
from veille.core.textformat import clean

__all__ = [
    "GenericParser",
    "is_boilerplate_line",
    "body_problem",
    "text_weight",
    "MAX_FALLBACK_CHARS",
    "MIN_BODY_CHARS",
]

MAX_FALLBACK_CHARS = 1_500_000  # trafilatura never gets more of a page than this

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


# --------------------------------------------------------------------------------------
# the body candidates


def _jsonld_paragraphs(body: str) -> list[str]:
    """Paragraphs of a JSON-LD ``articleBody``: plain text (lines) or an HTML fragment."""
    body = (body or "").strip()
    if not body:
        return []
    if "<" not in body and re.search(r"&lt;/?(?:p|br|div|h[1-6]|li)\b", body, re.I):
        body = html_lib.unescape(body)  # HTML escaped once more
    if "<" in body and re.search(r"</?(?:p|br|div|h[1-6]|li)\b", body, re.I):
        root = parse_document(f"<html><body><div>{body}</div></body></html>")
        for el in list(root.iter("ul", "ol", "div", "aside", "nav", "figure", "table", "script", "style")):
            if el.getparent() is None or el.tag in ("html", "body"):
                continue
            n = text_len(el)
            links = sum(text_len(a) for a in el.iter("a"))
            if el.tag in ("script", "style") or (n and links >= 0.5 * n):
                remove(el)  # "read more" boxes inside the body
        return paragraphs_of(root)
    body = html_lib.unescape(body)
    return [t for t in (clean(line) for line in re.split(r"\n|\r|\u2029", body)) if t]


def _lxml_html_copy(tree):
    """A copy of ``tree`` made of ``lxml.html`` elements (what trafilatura takes as is)."""
    if isinstance(tree, lxml_html.HtmlElement):
        return tree
    return lxml_html.document_fromstring(etree.tostring(tree, encoding="unicode", method="html"))


class _Candidates:
    """The body candidates of one page, computed when first asked for, tidied and checked.

    ``get(name)`` -> (paragraphs, problem); problem is "" when the paragraphs pass
    :func:`body_problem`. ``tried`` lists the names computed, in order.
    """

    NAMES = ("trafilatura", "trafilatura+precision", "trafilatura+recall", "trafilatura+pruned", "trafilatura+page",
             "readability", "jsonld", "simple")

    def __init__(self, parser: "GenericParser", page: MarkedPage, pm: PageMeta, url: str,
                 headline: str, dateline: str, extra: dict, given: dict | None = None):
        self.parser, self.page, self.pm, self.url = parser, page, pm, url
        self.headline, self.dateline, self.extra = headline, dateline, extra
        self.given = dict(given or {})
        self.done: dict[str, tuple[list[str], str]] = {}
        self.tried: list[str] = []

    def get(self, name: str) -> tuple[list[str], str]:
        if name not in self.done:
            self.tried.append(name)
            raw = self._compute(name)
            paras = self.parser._tidy(raw, self.page, self.headline, self.dateline) if raw else []
            why = body_problem(paras, self.page.link_texts, self.page.link_text) if paras else "no text"
            self.done[name] = (paras, why)
        return self.done[name]

    def ok(self, name: str) -> bool:
        return not self.get(name)[1]

    def weight(self, name: str) -> int:
        return _score(self.get(name)[0])

    def _compute(self, name: str) -> list[str]:
        if name in self.given:
            return list(self.given[name])
        page, extra = self.page, self.extra
        tr = _trafilatura()
        if name.startswith("trafilatura"):
            if not tr:
                return []
            mode = name.partition("+")[2]
            if mode == "pruned":
                return self.parser._traf(tr, page.pruned, self.url, extra) or []
            if mode == "page":  # as is, for comparisons
                return self.parser._traf(tr, page.root, self.url, extra) or []
            paras = self.parser._traf(tr, page.root, self.url, extra, mode=mode) or []
            return _without_furniture(paras, page, extra, name)
        if name == "readability":
            return self.parser._readability(page, extra)
        if name == "jsonld":
            return _jsonld_paragraphs(self.pm.jsonld.get("articleBody", ""))
        if name == "simple":
            return _simple_extract(page.pruned)
        raise KeyError(name)


class GenericParser:
    """Metadata + checked generic extraction; reusable for any source (see the module doc).

    ``find_dateline``: None (default) looks for a visible publication line near the
    headline (``Publié le ...``, ``Mis en ligne le ...``, ``12 mars 2024 à 10h30``);
    True keeps the aBamako rule (a ``Publié le <date>`` line anywhere); False, none.
    ``explore=True`` computes every body candidate and leaves them in
    ``extra["candidates"]`` (for benchmarks; slow).
    """

    name = "generic"

    def __init__(self, *, page_title: bool = False, find_dateline: bool | None = None,
                 explore: bool = False):
        self.page_title = page_title
        self.find_dateline = find_dateline
        self.explore = explore

    def parse(self, body: bytes, url: str, content_type: str | None = None,
              site: str | None = None, *, fallback_date: dt.date | None = None,
              require_date: bool = True) -> ParsedArticle:
        """See the module doc. A page without a date of its own: ``fallback_date`` (the
        day veille first saw it) is line 1's month, ``extra["date_source"] = "first_seen"``;
        without one, ``require_date=False`` returns the article undated (``published``
        None: the body and headline, no text format), else ``NotAnArticle("no-date")``."""
        ensure_html(body, content_type)
        dec = decode_html(bytes(body), content_type)
        html_text = dec.text
        root = parse_document(html_text[:16_000_000])
        return self.from_tree(root, html_text, url, site=site, charset=dec.charset,
                              fallback_date=fallback_date, require_date=require_date)

    # ------------------------------------------------------------------------------
    def from_tree(self, root, html_text: str, url: str, *, site: str | None = None,
                  charset: str = "", pm: PageMeta | None = None,
                  extra: dict | None = None, fallback_date: dt.date | None = None,
                  require_date: bool = True, given: dict | None = None) -> ParsedArticle:
        """Extract from an already parsed page (``html_text`` is the decoded page).

        ``given``: body candidates found by other means (``{"rules": paragraphs}``), tried
        first."""
        pm = pm or page_meta(root)
        site = site_for(url, site)
        extra = dict(extra or {})

        headline, head_src, h1 = choose_headline(root, pm, site)
        if self.find_dateline is True:
            dateline = find_dateline(root)
        elif self.find_dateline is None:
            dateline = find_near_dateline(root, h1)
        else:
            dateline = ""

        page = MarkedPage(root, h1)
        cands = _Candidates(self, page, pm, url, headline, dateline, extra, given)
        body_src = _choose(cands)
        if self.explore:
            for name in _Candidates.NAMES:
                cands.get(name)
            extra["candidates"] = {k: v[0] for k, v in cands.done.items()}
            extra["problems"] = {k: v[1] for k, v in cands.done.items()}
            extra["features"] = {"kept_share": page.kept_share, "core_chars": page.core_chars,
                                 "core_text": text_of(page.core) if page.core is not None else "",
                                 "page_nlt": page.st.nlt(0)}

        if not headline:
            headline = pm.title
            head_src = ""

        problems = {k: v[1] for k, v in cands.done.items() if v[1]}
        if body_src is not None:
            paragraphs = cands.get(body_src)[0]
            method = f"og+{body_src}" if head_src else body_src
        else:
            extra["too_little_text"] = "; ".join(f"{k}: {v}" for k, v in problems.items())
            lead = pm.meta.get("og:description") or pm.meta.get("description") or ""
            short = _short_body(cands, lead)
            if short:
                # a short text (a brief, a poem, a caption-sized notice) the page shows
                paragraphs = cands.get(short)[0]
                body_src = short
                method = f"og+{short}" if head_src else short
                extra["short_body"] = True
            elif not lead or (page.kept_chars > 2 * MIN_BODY_CHARS and not _looks_like_article(pm)):
                detail = "; ".join(f"{k}: {v}" for k, v in problems.items()) or "no body text found"
                if not headline:
                    raise NotAnArticle("no-article", "no headline and no text found")
                raise NotAnArticle("no-article", detail)
            else:
                paragraphs = [lead]
                body_src = method = "og"
        if not headline:
            raise NotAnArticle("no-headline", "no og:title, <h1> or <title>")
        extra["body_method"] = body_src
        extra["tried"] = list(cands.tried)

        published, date_src = publication_date(
            root, pm, h1, dateline, root if isinstance(root, lxml_html.HtmlElement) else html_text,
            url=url, dateline_first=self.find_dateline is True)
        if not published and fallback_date is not None:
            published, date_src = fallback_date, "first_seen"
        if not published and require_date:
            raise NotAnArticle("no-date", "no publication date found")
        extra["date_source"] = date_src if published else ""

        if self.page_title and pm.title:
            title = pm.title
        else:
            title = f"{headline} - {site}"

        caption = page.caption if norm(page.caption) != norm(headline) else ""
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
            caption=caption,
            publisher=publisher_from_dateline(dateline),
            rubric=rubric,
            canonical_url=canonical,
            method=method,
            charset=charset,
            extra=extra,
        )

    # ------------------------------------------------------------------------------
    @staticmethod
    def _traf(tr, tree, url: str, extra: dict, *, mode: str = "") -> list[str] | None:
        """trafilatura's body of ``tree``; ``mode``: "" (balanced), precision, recall, page."""
        try:
            doc = tr.bare_extraction(
                _lxml_html_copy(tree), url=url or None, with_metadata=False,
                include_comments=False, include_tables=True, include_images=False,
                include_links=False, deduplicate=False,
                favor_precision=mode == "precision", favor_recall=mode == "recall",
            )
        except Exception as exc:  # trafilatura must never take the crawl down
            extra[f"trafilatura{'+' + mode if mode else ''}_error"] = f"{type(exc).__name__}: {exc}"[:200]
            return None
        if doc is None:
            return None
        get = doc.get if isinstance(doc, dict) else lambda k: getattr(doc, k, None)
        body = get("body")
        if body is not None and len(body):
            return paragraphs_of(body)
        return [clean(line) for line in (get("text") or "").split("\n")]

    @staticmethod
    def _readability(page: MarkedPage, extra: dict) -> list[str]:
        """readability (trafilatura's port of readability-lxml) on a copy of the pruned page.

        Its ``Document`` takes an ``lxml.html`` tree (not a string) and changes it."""
        try:
            from trafilatura.readability_lxml import Document  # noqa: PLC0415

            tree = copy.deepcopy(_lxml_html_copy(page.pruned))
            html = Document(tree, min_text_length=25).summary()
        except Exception as exc:
            extra["readability_error"] = f"{type(exc).__name__}: {exc}"[:200]
            return []
        return paragraphs_of(parse_document(f"<html><body>{html}</body></html>"))

    @staticmethod
    def _tidy(paras: list[str], page: MarkedPage, headline: str, dateline: str) -> list[str]:
        """Drop furniture lines, repeats of headline/dateline/caption; add a kept-apart lead."""
        nh, nd = norm(headline), norm(dateline) if dateline else ""
        ncap = {norm(c) for c in page.caption_texts if c}
        ncap.discard("")
        out = []
        for p in paras:
            if p and _INVISIBLE.search(p):
                p = clean(_INVISIBLE.sub("", p))
            if not p:
                continue
            n = norm(p)
            if not n or (nd and n == nd) or n in ncap:
                continue
            if n == nh and out and all(len(x) < 30 for x in out) and len(out) <= 2:
                out.clear()  # a kicker or rubric line above the repeated headline
                continue
            if nh and n.startswith(nh) and len(n) - len(nh) < 40:
                continue  # "Rubrique Headline Publié le ..." run together
            if nh and n.endswith(nh) and len(n) - len(nh) < 25:
                continue
            if is_boilerplate_line(p):
                continue
            if len(out) < 2 and len(p) < 40 and parse_french_date(p) and len(n.split()) <= 6:
                continue  # a bare date line under the headline
            out.append(p)
        if page.lead:
            nl = norm(page.lead)
            if nl and not any(nl in norm(p) or norm(p) in nl and len(p) > 40 for p in out[:3]):
                out.insert(0, page.lead)
        # the same paragraph twice in a row (a pull quote, a teaser repeated)
        dedup = []
        for p in out:
            if not dedup or dedup[-1] != p:
                dedup.append(p)
        return dedup


def _without_furniture(paras: list[str], page: MarkedPage, extra: dict, name: str) -> list[str]:
    """``paras`` less the lines written only inside page furniture."""
    keep = [p for p in paras if not page.only_in_furniture(p)]
    if len(keep) < len(paras):
        if _score(keep) < 0.5 * _score(paras):
            # the extractor and the pruning disagree on most of the text: the checks on
            # the whole (link lines, legal text) decide
            extra.setdefault("furniture_kept", []).append(name)
            return paras
        extra.setdefault("furniture_lines", {})[name] = len(paras) - len(keep)
    return keep


# soft hyphens, zero-width spaces, word joiners, BOMs: invisible, and they split words
_INVISIBLE = re.compile("[\u00ad\u200b\u2060\ufeff]")


def _choose(c: _Candidates) -> str | None:
    """The body candidate kept (see the module doc), None when none passes the checks."""
    for name in c.given:
        if c.ok(name):
            return name
    if not _trafilatura():
        return "simple" if c.ok("simple") else None
    first = "trafilatura"
    if c.ok(first):
        if c.ok("jsonld") and c.weight("jsonld") > 1.5 * c.weight(first):
            return "jsonld"
        return first
    best = None
    for name in ("trafilatura+recall", "readability", "jsonld", "simple"):
        if c.ok(name) and (best is None or c.weight(name) > c.weight(best) * 1.15):
            best = name
    return best


SHORT_BODY_CHARS = 50  # a body this light is taken when nothing longer passes the checks


def _short_body(c: _Candidates, lead: str) -> str | None:
    """The candidate to keep when every one is too short: the longest that failed for its
    length only, weighs ``SHORT_BODY_CHARS`` or more and is not shorter than the
    page's description (which it usually contains)."""
    best = None
    for name, (paras, why) in c.done.items():
        if not why.startswith("too little text"):
            continue
        w = _score(paras)
        if w >= SHORT_BODY_CHARS and w >= 0.8 * text_weight(lead) and (best is None or w > best[1]):
            best = (name, w)
    return best[0] if best else None


def _score(paras: list[str]) -> float:
    return sum(text_weight(p) for p in paras)


def _looks_like_article(pm: PageMeta) -> bool:
    return bool(
        pm.meta.get("og:type", "").lower() == "article"
        or pm.jsonld.get("headline")
        or pm.meta.get("article:published_time")
    )


_SKIP = {"script", "style", "noscript", "iframe", "nav", "header", "footer", "aside", "form", "button", "select"}


def _simple_extract(root) -> list[str]:
    """Paragraphs of the element holding the most paragraph text (no trafilatura needed)."""
    groups: dict = {}
    for p in root.iter("p"):
        if any(a.tag in _SKIP for a in p.iterancestors()):
            continue
        t = text_of(p)
        if t:
            parent = p.getparent()
            groups.setdefault(parent, []).append(p)
    best = None
    if groups:
        best = max(groups, key=lambda k: sum(text_len(p) for p in groups[k]))
    # old table layouts: text runs split by <br><br> in a cell or <font>, no <p> at all
    cand = None
    for el in root.iter("td", "font", "div"):
        if el.find(".//br") is None:
            continue
        own = len((el.text or "").strip()) + sum(len((c.tail or "").strip()) for c in el)
        if own > 300 and (cand is None or own > cand[1]):
            cand = (el, own)
    if cand is not None and (best is None or cand[1] > sum(text_len(p) for p in groups[best])):
        return paragraphs_of(cand[0])
    if best is None:
        return []
    out = []
    for p in groups[best]:
        out.extend(paragraphs_of(p))
    return out
