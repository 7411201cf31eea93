"""A parser for any news page: page metadata plus a checked, two-extractor body.

``GenericParser().parse(body, url, content_type=None, site=None)`` has the signature of
every site parser and returns a :class:`ParsedArticle` whose ``method`` says where the
text came from: ``[og+]<body method>``, where ``og+`` means the headline came from (or
was confirmed by) JSON-LD / ``og:title``, and the body method is one of

- ``trafilatura``: trafilatura (precision/recall balanced) on the page with its
  boilerplate (cookie banners, share bars, related posts, comments, newsletter and author
  boxes, link-dense blocks) already cut out;
- ``trafilatura+recall``, ``readability`` (trafilatura's maintained port of
  readability-lxml), ``simple`` (the densest block of paragraphs): second extractors,
  tried when the first result fails the sanity checks; the best one that passes wins;
- ``og``: no extractable body; the body is ``og:description``.

Sanity checks on a body (:func:`body_problem`): at least ``MIN_BODY_CHARS`` characters;
not mostly cookie / legal / subscription text; not mostly lines that are the page's link
texts (menus, listings). Lines that are page furniture are dropped from any extractor's
output: "Lire aussi" inserts, photo credits (``© ...``, ``Photo : ...``), share and
"follow us" calls, view counters; the headline, dateline and caption when repeated.
``extra["body_method"]``, ``extra["tried"]`` record what ran.

The lead picture's caption (``figcaption``, ``.wp-caption-text``, ``legende`` ...) goes
to ``caption``, its credit cut off. A standfirst kept apart from the body markup
(``.chapo``, ``.article_abstract``, ``.t-content__chapo``) is the first paragraph.

Headline, date and dateline come from :mod:`scrapers.parsers.metadata`. The date, in
order: the dateline (when one was found), JSON-LD, ``<meta>``, trafilatura's date finder
(htmldate, conservative), ``<time datetime>``, a date written just after the headline,
htmldate on the whole page;
``extra["date_source"]`` records which. No date at all: ``fallback_date`` (the day veille
first saw the page) gives line 1's month (``date_source`` ``first_seen``); without one,
``require_date=False`` returns the article undated (``--body-only``), else
``NotAnArticle("no-date")``.

Line 1 is ``<headline> - <site>`` (the text format's rule for non-aBamako sources) unless
``page_title=True``, which keeps the page's ``<title>`` as written (the aBamako rule).

Cost: one lxml parse, one pruned copy, one trafilatura pass: ~6–12 ms for a 75 KB page.
It is the fallback, not the fast path.

Reading, text, paragraphs, removal and the furniture vocabulary it shares with the other
parsers are in :mod:`scrapers.parsers.htmltools`; metadata in
:mod:`scrapers.parsers.metadata`. Size: ~690 lines, one parser whose steps (pruning, the
extractors, the checks, the tidying) share the pruned page (``_Page``).
"""

from __future__ import annotations

import datetime as dt

import copy
import re
from urllib.parse import urljoin

from lxml import etree

from scrapers.parsers.base import ParsedArticle, site_for
from scrapers.parsers.dates import parse_french_date, parse_iso_date, publisher_from_dateline
from scrapers.parsers.decode import decode_html
from scrapers.parsers.htmltools import (
    FURNITURE_WORDS,
    ensure_html,
    flow,
    is_credit_line,
    norm,
    parse_document,
    read_also_re,
    remove,
    split_paragraphs,
    text_of,
)
from scrapers.parsers.metadata import (
    PageMeta,
    choose_headline,
    find_dateline,
    find_near_dateline,
    htmldate_published,
    markup_published,
    meta_published,
    near_headline_date,
    page_meta,
)
from veille.core.errors import NotAnArticle
from veille.core.textformat import clean

__all__ = [
    "GenericParser",
    "is_boilerplate_line",
    "body_problem",
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
# boilerplate: elements cut before extraction, lines dropped after

# class/id words (split on space, "-" and "_") of page furniture: the shared ones and what
# pruning a whole page also meets (cookie walls, menus, breadcrumbs, author boxes)
_JUNK_WORDS = FURNITURE_WORDS | frozenset(
    "shares sharedaddy sd jp-relatedposts relatedposts related-posts similaires similar "
    "commentlist respond reply discussion forum "
    "newsletters mailpoet subscribe subscription abonnement "
    "cookie cookies consent gdpr rgpd cmplz tarteaucitronroot tarteaucitron cookiebanner "
    "breadcrumb breadcrumbs crumbs ariane arbo "
    "tagcloud tag-list "
    "author-box about-author authorbox author-bio author-info "
    "nav navigation menu sidebar widget-area popular most-read plus-lus "
    "post-navigation prev-next nav-links "
    "interstitial readalso lire-aussi read-more "
    "meta-views post-views".split()
)
_JUNK_SUBSTR = re.compile(
    r"cookie|consent|gdpr|rgpd|tarteaucitron|cmplz|newsletter|mailpoet|sharedaddy|addtoany|"
    r"addthis|sharing|social|relatedpost|related-post|related_post|comment|breadcrumb|"
    r"author-box|about-author|authorbox|outbrain|taboola|adsbygoogle|advert|"
    r"interstitial|lire-aussi|lireaussi|readalso|share",
    re.I,
)
# whole elements that never hold the article text
_DROP_TAGS = frozenset(
    "script style noscript iframe object embed form button select option textarea input "
    "svg math template nav footer aside".split()
)
_KEEP_TAGS = frozenset(("html", "body", "main", "article"))
_CAPTION_CLASS = re.compile(r"caption|legende|légende|spip_doc_(?:titre|descriptif)|credit", re.I)
_LEAD_CLASS = re.compile(r"(?:^|[\s_-])(?:chapo|chapeau|lead|intro|abstract|standfirst|accroche|"
                         r"article_abstract|chapeau-article|t-content__chapo)(?:$|[\s_-])", re.I)

_READ_ALSO = read_also_re(
    r"lire\s+la\s+suite", r"articles?\s+en\s+relation", r"dans\s+la\s+m[êe]me\s+rubrique"
)
_CTA = re.compile(
    r"\b(?:suivez|rejoignez|abonnez|abonnez-vous|restez\s+connect|inscrivez|t[ée]l[ée]chargez\s+notre)",
    re.I,
)
_CTA_TARGET = re.compile(r"whatsapp|facebook|telegram|newsletter|cha[îi]ne|twitter|youtube|instagram|"
                         r"linkedin|tiktok|compte|page|application|abonn", re.I)
_FURNITURE = re.compile(
    r"^(?:partager(?:\s+(?:sur|cet\s+article))?|partagez|imprimer|envoyer\s+[àa]\s+un\s+ami|"
    r"version\s+imprimable|r[ée]agir|commentaires?(?:\s*\(\d+\))?|\d[\d\s]*\s*(?:vues|lectures|commentaires?)|"
    r"\d+\s+minutes?\s+de\s+lecture|mots-cl[ée]s\s*:.*|tags?\s*:.*|[ée]tiquettes?\s*:.*|"
    r"publicit[ée]|advertisement|facebook|twitter|whatsapp|x)\s*[.:!]?$",
    re.I,
)
_LEGAL = re.compile(
    r"cookies?|consentement|consentir|donn[ée]es\s+personnelles|vie\s+priv[ée]e|"
    r"tous\s+droits\s+r[ée]serv[ée]s|mentions\s+l[ée]gales|politique\s+de\s+confidentialit[ée]|"
    r"\baccepter\b|\brefuser\b|j'accepte|\bpartenaires\b|abonnez-vous|newsletter|"
    r"\bpersonnaliser\b|param[èe]tres?\b|reproduction\s+interdite",
    re.I,
)


def is_boilerplate_line(text: str) -> bool:
    """A line that is page furniture whatever the page: never part of a body."""
    t = text.strip()
    if not t:
        return True
    if is_credit_line(t) or _READ_ALSO.match(t) or _FURNITURE.match(t):
        return True
    if len(t) < 100 and re.search(r"\s[|·•]\s", t):
        # "Imprimer | Envoyer à un ami"
        if all(_FURNITURE.match(x.strip()) for x in re.split(r"\s[|·•]\s", t)):
            return True
    if len(t) < 220 and _CTA.search(t) and _CTA_TARGET.search(t):
        return True
    if len(t) < 160 and len(_LEGAL.findall(t)) >= 1 and ("droits" in t.lower() or "©" in t):
        return True
    return False


def _legal_score(text: str) -> int:
    return len({m.group(0).lower() for m in _LEGAL.finditer(text)})


def body_problem(paragraphs: list[str], link_texts: set[str] | frozenset = frozenset()) -> str:
    """Why ``paragraphs`` are not an article body ("" when they pass the checks)."""
    total = sum(len(p) for p in paragraphs)
    if total < MIN_BODY_CHARS:
        return f"too little text ({total} chars)"
    legal = sum(len(p) for p in paragraphs if _legal_score(p) >= 2)
    if legal > 0.4 * total:
        return f"mostly cookie/legal/subscription text ({100 * legal // total}%)"
    links = sum(len(p) for p in paragraphs if p in link_texts)
    if links > 0.5 * total:
        return f"mostly link lines: a menu or a listing ({100 * links // total}%)"
    short = [p for p in paragraphs if len(p) < 40 and not p.endswith((".", "?", "!", "»", ":"))]
    if len(paragraphs) >= 8 and len(short) > 0.7 * len(paragraphs):
        return f"mostly short lines: a menu ({len(short)}/{len(paragraphs)})"
    return ""


# An extracted body shorter than this is taken for page furniture, not an article.
MIN_BODY_CHARS = 150


def _is_junk_element(el) -> bool:
    c = f"{el.get('class') or ''} {el.get('id') or ''}".strip()
    if not c:
        return False
    for tok in re.split(r"\s+", c.lower()):
        if tok in _JUNK_WORDS:
            return True
        parts = re.split(r"[-_]+", tok)
        if any(p in _JUNK_WORDS for p in parts if p not in ("widget", "nav", "menu", "meta", "tag", "sd")):
            # "elementor-widget-theme-post-content" holds the body: widget/nav/menu
            # count only as whole class names
            return True
        if _JUNK_SUBSTR.search(tok):
            return True
    return False


def _text_len(el) -> int:
    return sum(len(t.strip()) for t in el.itertext())


def _link_len(el) -> int:
    return sum(sum(len(t.strip()) for t in a.itertext()) for a in el.iter("a"))


# What this parser reads as blocks and as non-text when it cuts paragraphs: HTML's blocks
# less those its pruning removes (aside, nav, forms), plus the TEI elements of
# trafilatura's output (head, list, item, row, cell, quote; lb is a <br>). Kept as they
# were so that no extraction changes; the toolkit's sets (BLOCK_TAGS, NON_TEXT_TAGS) are
# wider.
_BLOCKS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 head blockquote quote ul ol li list item dl dt dd table thead tbody "
    "tfoot tr row td th cell caption section article header footer figure figcaption pre address "
    "center main details summary body html hr".split()
)
_NON_TEXT = frozenset(("script", "style", "noscript", "template"))


def _paragraphs_of(el) -> list[str]:
    """The paragraphs of ``el`` and of its tail text (the toolkit's rule: block elements
    and runs of 2+ ``<br>`` separate paragraphs; one ``<br>`` is a space)."""
    tokens = flow(el, blocks=_BLOCKS, skip=_NON_TEXT)
    if el.tail:
        tokens.append(el.tail)
    return split_paragraphs(tokens)


class _Page:
    """What the body extractors share: the pruned page and what was cut out of it."""

    def __init__(self, root, h1):
        self.root = root
        self.h1 = h1
        self.caption = ""
        self.caption_texts: set[str] = set()
        self.lead = ""
        self.link_texts: set[str] = set()
        self._html = None
        self.pruned = self._prune()

    def html(self) -> str:
        if self._html is None:
            self._html = etree.tostring(self.pruned, encoding="unicode", method="html")
        return self._html

    def _prune(self):
        root = self.root
        body = root.find("body")
        if body is None:
            body = root
        # the h1's ancestors are never cut, whatever their class says
        keep = set()
        if self.h1 is not None:
            keep = {id(a) for a in self.h1.iterancestors()}
            keep.add(id(self.h1))
        for a in root.iter("a"):
            t = text_of(a)
            if 2 <= len(t) <= 200:
                self.link_texts.add(t)
        self._find_caption(root)
        self._find_lead(root)
        tree = copy.deepcopy(root)
        tbody = tree.find("body")
        if tbody is None:
            tbody = tree
        # map ids of kept ancestors over to the copy by path
        keep_paths = set()
        if self.h1 is not None:
            rt = root.getroottree()
            keep_paths = {rt.getpath(a) for a in [self.h1, *self.h1.iterancestors()]}
        ct = tree.getroottree()
        total = max(1, _text_len(tbody))
        drop = []
        for el in tbody.iter():
            if not isinstance(el.tag, str):
                continue
            tag = el.tag
            if tag in _KEEP_TAGS:
                continue
            if tag in _DROP_TAGS or tag == "figcaption" or (
                (el.get("class") or el.get("id")) and _CAPTION_CLASS.search(f"{el.get('class') or ''} {el.get('id') or ''}")
                and _text_len(el) < 400
            ) or (tag == "dl" and "spip_document" in (el.get("class") or "")):
                if keep_paths and ct.getpath(el) in keep_paths:
                    continue
                drop.append(el)
            elif _is_junk_element(el):
                if keep_paths and ct.getpath(el) in keep_paths:
                    continue
                if _text_len(el) > 0.6 * total:
                    continue
                drop.append(el)
        for el in drop:
            remove(el)
        # link-dense blocks: menus, lists of other articles, tag clouds
        drop = []
        for el in tbody.iter("div", "ul", "ol", "td", "section", "table", "p", "span", "font"):
            if keep_paths and ct.getpath(el) in keep_paths:
                continue
            n = _text_len(el)
            if n == 0:
                continue
            links = _link_len(el)
            if links >= 0.55 * n and len(el.findall(".//a")) >= 3 - (el.tag == "p"):
                drop.append(el)
            elif el.tag in ("p", "div", "span") and links >= 0.3 * n and n < 300 and _READ_ALSO.match(text_of(el)):
                drop.append(el)
        for el in drop:
            if el.getparent() is not None:
                remove(el)
        # "Articles similaires" / "À lire aussi" headings and the block that follows them
        drop = []
        for el in tbody.iter("h2", "h3", "h4", "h5", "div", "p", "span", "strong"):
            t = text_of(el)
            if not t or len(t) > 60 or not _READ_ALSO.match(t) or len(_READ_ALSO.match(t).group(0)) < len(t) - 3:
                continue
            top = el
            while top.getparent() is not None and top.getparent().tag not in _KEEP_TAGS \
                    and text_of(top.getparent()) == t:
                top = top.getparent()
            if keep_paths and ct.getpath(top) in keep_paths:
                continue
            drop.append(top)
            nxt = top.getnext()
            if nxt is not None and isinstance(nxt.tag, str) and len(nxt.findall(".//a")) >= 2:
                drop.append(nxt)
        for el in drop:
            if el.getparent() is not None:
                remove(el)
        return tree

    def _find_caption(self, root):
        start = self.h1
        found = []
        for el in root.iter():
            if not isinstance(el.tag, str):
                continue
            cls = f"{el.get('class') or ''} {el.get('id') or ''}"
            if el.tag == "figcaption" or (_CAPTION_CLASS.search(cls) and el.tag not in ("figure", "img", "body", "html", "dl")):
                if el.tag != "figcaption" and _text_len(el) > 400:
                    continue
                if _in_furniture(el):
                    continue
                found.append(el)
        texts = []
        for el in found:
            t = _caption_text(el)
            if t:
                texts.append((el, t))
            for line in _paragraphs_of(el) + [text_of(el)]:
                self.caption_texts.add(line)
        if not texts:
            return
        if start is not None:
            # the first caption after the headline (the lead picture's)
            order = {e: i for i, e in enumerate(root.iter())}
            pos = order.get(start, 0)
            after = [(e, t) for e, t in texts if order.get(e, 0) > pos]
            texts = after or texts
        self.caption = texts[0][1]

    def _find_lead(self, root):
        if self.h1 is None:
            return
        seen_h1 = False
        for el in root.iter():
            if el is self.h1:
                seen_h1 = True
                continue
            if not seen_h1 or not isinstance(el.tag, str) or el.tag not in ("p", "div"):
                continue
            if _LEAD_CLASS.search(el.get("class") or ""):
                if _in_furniture(el):
                    continue
                t = text_of(el)
                if 60 <= len(t) <= 1200:
                    self.lead = t
                return
            if el.tag == "p" and len(text_of(el)) > 150:
                return  # the body started: a standfirst comes before it


def _in_furniture(el) -> bool:
    for a in el.iterancestors():
        if a.tag in _KEEP_TAGS:
            continue
        if a.tag in ("aside", "nav", "footer") or _is_junk_element(a):
            return True
    return False


_CREDIT_TAIL = re.compile(
    r"\s*(?:©|\(c\)|cr[ée]dits?\s*(?:photos?)?\s*:|photo\s*:|ph\.?\s*:|source\s*:).*$", re.I
)


def _caption_text(el) -> str:
    parts = []
    for line in _paragraphs_of(el):
        if is_credit_line(line):
            continue
        line = _CREDIT_TAIL.sub("", line).strip()
        if line:
            parts.append(line)
    return clean(" ".join(parts))


class GenericParser:
    """Metadata + checked generic extraction; reusable for any source (see the module doc).

    ``find_dateline``: None (default) looks for a visible publication line near the
    headline (``Publié le ...``, ``Mis en ligne le ...``, ``12 mars 2024 à 10h30``);
    True keeps the aBamako rule (a ``Publié le <date>`` line anywhere); False, none.
    """

    name = "generic"

    def __init__(self, *, page_title: bool = False, find_dateline: bool | None = None):
        self.page_title = page_title
        self.find_dateline = find_dateline

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
                  require_date: bool = True) -> ParsedArticle:
        """Extract from an already parsed page (``html_text`` is the decoded page)."""
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

        page = _Page(root, h1)
        tried: list[str] = []
        traf_date = ""
        best: tuple[str, list[str]] | None = None
        problems: dict[str, str] = {}

        def consider(name: str, paras: list[str]) -> bool:
            nonlocal best
            tried.append(name)
            paras = self._tidy(paras, page, headline, dateline)
            why = body_problem(paras, page.link_texts)
            if why:
                problems[name] = why
                return False
            if best is None or _score(paras) > _score(best[1]) * 1.15:
                best = (name, paras)
            return True

        tr = _trafilatura()
        if tr:
            doc = self._traf(tr, page, url, extra, recall=False)
            if doc is not None:
                traf_date = doc.get("date") or ""
                if not headline:
                    headline = clean(doc.get("title") or "")
                consider("trafilatura", doc["paragraphs"])
            if best is None:
                doc = self._traf(tr, page, url, extra, recall=True)
                if doc is not None:
                    consider("trafilatura+recall", doc["paragraphs"])
                consider("readability", self._readability(page, extra))
            if best is None:
                consider("simple", _simple_extract(page.pruned))
        else:
            consider("simple", _simple_extract(page.pruned))

        if not headline:
            headline = pm.title
            head_src = ""

        if best is not None:
            body_src, paragraphs = best
            method = f"og+{body_src}" if head_src else body_src
        else:
            extra["too_little_text"] = "; ".join(f"{k}: {v}" for k, v in problems.items())
            lead = pm.meta.get("og:description") or pm.meta.get("description") or ""
            page_text = _text_len(page.pruned.find("body") if page.pruned.find("body") is not None else page.pruned)
            if not lead or (page_text > 2 * MIN_BODY_CHARS and not _looks_like_article(pm)):
                detail = "; ".join(f"{k}: {v}" for k, v in problems.items()) or "no body text found"
                if not headline:
                    raise NotAnArticle("no-article", "no headline and no text found")
                raise NotAnArticle("no-article", detail)
            paragraphs = [lead]
            body_src = method = "og"
        if not headline:
            raise NotAnArticle("no-headline", "no og:title, <h1> or <title>")
        extra["body_method"] = body_src
        extra["tried"] = tried

        published, date_src = None, ""
        if dateline:
            published, date_src = parse_french_date(dateline), "dateline"
        if not published:
            published, date_src = meta_published(pm)
        if not published and traf_date:
            published, date_src = parse_iso_date(traf_date), "trafilatura"
        if not published:
            published, date_src = markup_published(root)
        if not published:
            published, date_src = near_headline_date(root, h1)
        if not published:
            published, date_src = htmldate_published(html_text)
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
    def _traf(tr, page: _Page, url: str, extra: dict, *, recall: bool):
        try:
            doc = tr.bare_extraction(
                page.html()[:MAX_FALLBACK_CHARS], url=url or None, with_metadata=not recall,
                include_comments=False, include_tables=True, include_images=False,
                include_links=False, deduplicate=False, favor_recall=recall,
                # no guessing from copyright years or bare text: the month matters
                date_extraction_params={"extensive_search": False, "original_date": True},
            )
        except Exception as exc:  # trafilatura must never take the crawl down
            extra["trafilatura_error"] = f"{type(exc).__name__}: {exc}"[:200]
            return None
        if doc is None:
            return None
        get = doc.get if isinstance(doc, dict) else lambda k: getattr(doc, k, None)
        body = get("body")
        if body is not None and len(body):
            paras = _paragraphs_of(body)
        else:
            paras = [clean(line) for line in (get("text") or "").split("\n")]
        return {"paragraphs": paras, "date": get("date") or "", "title": get("title") or ""}

    @staticmethod
    def _readability(page: _Page, extra: dict) -> list[str]:
        try:
            from trafilatura.readability_lxml import Document  # noqa: PLC0415

            html = Document(page.html(), min_text_length=25).summary()
        except Exception as exc:
            extra["readability_error"] = f"{type(exc).__name__}: {exc}"[:200]
            return []
        return _paragraphs_of(parse_document(html))

    @staticmethod
    def _tidy(paras: list[str], page: _Page, headline: str, dateline: str) -> list[str]:
        """Drop furniture lines, repeats of headline/dateline/caption; add a kept-apart lead."""
        nh, nd = norm(headline), norm(dateline) if dateline else ""
        ncap = {norm(c) for c in page.caption_texts if c}
        ncap.discard("")
        out = []
        for i, p in enumerate(p for p in paras if p):
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


def _score(paras: list[str]) -> float:
    return sum(len(p) for p in paras)


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
        best = max(groups, key=lambda k: sum(_text_len(p) for p in groups[k]))
    # old table layouts: text runs split by <br><br> in a cell or <font>, no <p> at all
    cand = None
    for el in root.iter("td", "font", "div"):
        if el.find(".//br") is None:
            continue
        own = len((el.text or "").strip()) + sum(len((c.tail or "").strip()) for c in el)
        if own > 300 and (cand is None or own > cand[1]):
            cand = (el, own)
    if cand is not None and (best is None or cand[1] > sum(_text_len(p) for p in groups[best])):
        return _paragraphs_of(cand[0])
    if best is None:
        return []
    out = []
    for p in groups[best]:
        out.extend(_paragraphs_of(p))
    return out
