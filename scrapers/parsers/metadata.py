"""Page metadata for any news page: ``<meta>``, JSON-LD, publication date, dateline.

Everything here works on a page already parsed by lxml (``parse_document``) and never
touches the network.

- headline: :mod:`scrapers.parsers.headline` (it reads :class:`PageMeta`);
- date (:func:`publication_date`): see there; JSON-LD ``datePublished`` (lists and
  ``@graph`` included, articles first) and ``article:published_time`` first;
- dateline: a visible publication line near the headline, as written
  (``Publié le 12 mars 2024``, ``Mis en ligne le ...``, ``12 mars 2024 à 10h30``).

Decisions:

- Dates: the page's statement of publication wins; otherwise the month most sources agree
  on, modification dates never; a bare 1 January from a text search is a copyright year,
  not a date. The month matters more than the day.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

from lxml import etree

from scrapers.parsers.dates import parse_date, parse_french_date, parse_iso_date
from scrapers.parsers.htmltools import text_of
from veille.core.textformat import clean

__all__ = [
    "PageMeta",
    "page_meta",
    "meta_published",
    "markup_published",
    "htmldate_published",
    "publication_date",
    "find_dateline",
    "find_near_dateline",
    "near_headline_date",
]


@dataclass
class PageMeta:
    title: str = ""  # <title> as written, white space collapsed
    meta: dict = field(default_factory=dict)  # og:title, og:description, article:published_time ...
    canonical: str = ""
    jsonld: dict = field(default_factory=dict)  # headline, datePublished, articleSection, publisher,
    # articleBody


_META_KEYS = {
    "og:title", "og:description", "og:url", "og:site_name", "og:type",
    "article:published_time", "article:section", "og:published_time",
    "date", "pubdate", "publishdate", "dc.date", "dc.date.issued", "dcterms.date",
    "dcterms.created", "sailthru.date", "description", "twitter:title", "article:modified_time",
    "parsely-pub-date", "datepublished",
}


def page_meta(root: etree._Element) -> PageMeta:
    """Title, selected ``<meta>``, canonical link and JSON-LD fields of a parsed page."""
    pm = PageMeta()
    for t in root.iter("title"):
        # the document title, not an <svg><title>
        if any(a.tag == "svg" for a in t.iterancestors()):
            continue
        pm.title = text_of(t)
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


def _is_article(d: dict) -> bool:
    t = d.get("@type")
    t = " ".join(str(x) for x in t) if isinstance(t, list) else str(t or "")
    return "Article" in t or "Posting" in t or "Report" in t


def _collect_jsonld(data, out: dict) -> None:
    """First datePublished / headline / articleSection / publisher found, articles first."""
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

    bodies = [d.get("articleBody") for d in found if _is_article(d)]
    bodies = [b for b in bodies if isinstance(b, str) and b.strip()]
    if bodies and "articleBody" not in out:
        out["articleBody"] = max(bodies, key=len)  # as written: line breaks are paragraphs
    for d in sorted(found, key=lambda d: not _is_article(d)):
        for k in ("datePublished", "dateCreated", "headline", "articleSection"):
            v = d.get(k)
            if isinstance(v, list) and v:
                v = v[0]
            if isinstance(v, str) and v.strip() and k not in out:
                out[k] = clean(v)
        pub = d.get("publisher")
        if isinstance(pub, list) and pub:
            pub = pub[0]
        if isinstance(pub, dict) and isinstance(pub.get("name"), str) and "publisher" not in out:
            if pub["name"].strip():
                out["publisher"] = clean(pub["name"])


_STRONG_META = ("article:published_time", "og:published_time", "parsely-pub-date", "datepublished")
_WEAK_META = ("dc.date.issued", "dc.date", "dcterms.date", "dcterms.created", "date", "pubdate",
              "publishdate", "sailthru.date")


def meta_published(pm: PageMeta, *, strong_only: bool = False):
    """(date, source) from JSON-LD and ``<meta>``; (None, "") when none parses.

    JSON-LD ``datePublished`` and ``article:published_time`` and the like name the
    publication; ``date``, ``dc.date`` ... (left out with ``strong_only``) may be a
    modification date. ``dateModified`` / ``article:modified_time`` are never used."""
    for key, source in (("datePublished", "jsonld"), ("dateCreated", "jsonld")):
        d = parse_iso_date(pm.jsonld.get(key)) or parse_date(pm.jsonld.get(key))
        if d:
            return d, source
    for key in _STRONG_META if strong_only else _STRONG_META + _WEAK_META:
        v = pm.meta.get(key)
        d = parse_iso_date(v) or parse_date(v)
        if d:
            return d, "meta"
    return None, ""


def _plausible(d) -> bool:
    return d is not None and dt.date(1995, 1, 1) <= d <= dt.date.today() + dt.timedelta(days=2)


def publication_date(root, pm: PageMeta, h1=None, dateline: str = "", page=None,
                     *, dateline_first: bool = False):
    """(date, source) of the article's publication; (None, "") when the page shows none.

    ``dateline_first``: a visible dateline wins (the aBamako rule). Then the page's own
    statement of publication (JSON-LD ``datePublished``, ``article:published_time``);
    failing that the month most sources agree on, among the dateline, the other ``<meta>``
    dates, htmldate's conservative search (original date, not the last update), ``<time>``
    / ``itemprop=datePublished`` outside related-article boxes and comments, and a date
    written just under the headline, ties going to that order. Last, htmldate's extensive
    search (dates in the text). ``page``: the page's tree or text, for htmldate.
    """
    line_date = parse_french_date(dateline) if dateline else None
    if dateline_first and line_date:
        return line_date, "dateline"
    d, src = meta_published(pm, strong_only=True)
    if _plausible(d):
        return d, src
    found = [meta_published(pm), (line_date, "dateline"), (None, "htmldate"), markup_published(root),
             near_headline_date(root, h1)]
    months = [d.strftime("%Y-%m") for d, _ in found if _plausible(d)]
    if not any(months.count(m) >= 2 for m in months):  # htmldate (the slow one) decides
        found[2] = htmldate_published(page if page is not None else root)
    found = [(d, s) for d, s in found if _plausible(d)]
    if found:
        votes: dict[str, int] = {}
        for d, _ in found:
            votes[d.strftime("%Y-%m")] = votes.get(d.strftime("%Y-%m"), 0) + 1
        top = max(votes.values())
        for d, s in found:
            if votes[d.strftime("%Y-%m")] == top:
                return d, s
    d, src = htmldate_published(page if page is not None else root, extensive=True)
    if _plausible(d) and (d.month, d.day) != (1, 1):  # 1 January: a bare year (a copyright)
        return d, src
    return None, ""


_SKIP_ANCESTORS = frozenset(("aside", "footer", "nav", "header", "form"))
_JUNK_CONTEXT = re.compile(r"comment|related|similar|sidebar|widget|footer|reply|most|popular", re.I)


def _in_junk(el) -> bool:
    for a in el.iterancestors():
        if a.tag in ("aside", "nav", "form"):
            return True
        c = f"{a.get('class') or ''} {a.get('id') or ''}"
        if c.strip() and _JUNK_CONTEXT.search(c) and a.tag not in ("body", "html", "article", "main"):
            return True
    return False


def markup_published(root: etree._Element):
    """(date, "time") from ``<time datetime>``, ``itemprop=datePublished`` or ``abbr.published``
    outside comments, sidebars and related lists; (None, "") when none."""
    try:
        nodes = root.xpath(
            "//time[@datetime] | //*[@itemprop='datePublished'] | //abbr[contains(@class,'published')]"
            " | //*[contains(concat(' ', normalize-space(@class), ' '), ' published ')]"
        )
    except etree.XPathError:  # pragma: no cover
        return None, ""
    for el in nodes[:50]:
        if _in_junk(el):
            continue
        cls = (el.get("class") or "").lower()
        if "updated" in cls.split() and "published" not in cls:
            continue
        for v in (el.get("datetime"), el.get("content"), el.get("title")):
            d = parse_iso_date(v) or parse_date(v) if v else None
            if d:
                return d, "time"
        d = parse_french_date(text_of(el))
        if d:
            return d, "time"
    return None, ""


def htmldate_published(html_text, *, extensive: bool = False):
    """(date, "htmldate") from htmldate's conservative search (``extensive``: its search
    of the text too, source "htmldate-text"); (None, "") without it.

    ``html_text``: the page, or its tree (htmldate works on a copy)."""
    try:
        from htmldate import find_date  # noqa: PLC0415 - a trafilatura dependency
    except Exception:  # pragma: no cover
        return None, ""
    try:
        page = html_text[:1_500_000] if isinstance(html_text, str) else html_text
        v = find_date(page, original_date=True, extensive_search=extensive, outputformat="%Y-%m-%d")
    except Exception:
        return None, ""
    d = parse_iso_date(v) if v else None
    return (d, "htmldate-text" if extensive else "htmldate") if d else (None, "")


# --- dateline ----------------------------------------------------------------------------

_PUBLIE = re.compile(r"^publi(?:é|e|&eacute;)\s+le\b", re.I)


def find_dateline(root: etree._Element) -> str:
    """The visible ``Publié le <date> | <source>`` line of a page, or "" (aBamako rule)."""
    try:
        nodes = root.xpath("//text()[contains(., 'ubli')]")
    except etree.XPathError:  # pragma: no cover
        return ""
    for node in nodes[:200]:
        parent = node.getparent()
        if parent is None or parent.tag in ("script", "style", "title"):
            continue
        text = text_of(parent) if len(parent) < 20 else clean(str(node))
        if len(text) > 200 or not _PUBLIE.match(text):
            continue
        if parse_french_date(text):
            return text
    return ""


_MARKER = re.compile(
    r"(?:publi[ée]e?\s*(?:le|:)|mis\s+en\s+ligne\s*(?:le|:)|post[ée]\s+le|date\s+de\s+publication\s*:)",
    re.I,
)
_TIME_OF_DAY = re.compile(r"\b(?:à\s*)?\d{1,2}\s*(?:h|:)\s*\d{2}", re.I)
_NEAR_NODES = 60  # text nodes after the headline searched for a dateline or a date


def _texts_after(h1, limit: int):
    """(element, text) of the text-bearing elements after ``h1`` in document order."""
    n = 0
    started = False
    root = h1.getroottree().getroot()
    for el in root.iter():
        if el is h1:
            started = True
            continue
        if not started or not isinstance(el.tag, str):
            continue
        if el.tag in ("script", "style", "noscript", "template"):
            continue
        if h1 in el.iterancestors():
            continue
        t = (el.text or "").strip()
        if t:
            n += 1
            yield el
            if n >= limit:
                return


def _line_of(el) -> str:
    """The element's own line: its text, or its parent's when it is a small inline part."""
    t = text_of(el)
    p = el.getparent()
    if p is not None and len(t) < 60 and p.tag not in ("body", "html"):
        pt = text_of(p)
        if len(pt) <= 160:
            return pt
    return t


def find_near_dateline(root, h1) -> str:
    """A visible publication line near the headline, as written; "" when none.

    ``Publié le ...``, ``Mis en ligne le ...`` (cut at the marker when the line starts
    with a byline), or a date with a time of day (``17 août 2023 à 12h05``).
    """
    if h1 is None:
        return ""
    seen = set()
    for el in _texts_after(h1, _NEAR_NODES):
        if el.tag in ("h1", "h2", "p") and len(text_of(el)) > 200:
            break  # the body started
        if _in_junk(el) or el.tag in ("a", "button", "option"):
            continue
        for line in (text_of(el), _line_of(el)):
            if line in seen or len(line) > 160:
                continue
            seen.add(line)
            m = _MARKER.search(line)
            if m and (parse_french_date(line[m.end():]) or parse_iso_date(line[m.end():])):
                return line[m.start():].strip()
            if _TIME_OF_DAY.search(line) and parse_french_date(line) and len(line) < 60:
                return line
    return ""


def near_headline_date(root, h1):
    """(date, "visible") for a date written just after the headline (``07/02/2024``)."""
    if h1 is None:
        return None, ""
    for el in _texts_after(h1, 25):
        if len(text_of(el)) > 200:
            break
        if _in_junk(el) or el.tag in ("a",):
            continue
        t = clean(el.text)
        if len(t) > 80:
            continue
        d = parse_french_date(t)
        if d and dt.date(1995, 1, 1) <= d <= dt.date.today() + dt.timedelta(days=2):
            return d, "visible"
    return None, ""
