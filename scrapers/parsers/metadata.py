"""Page metadata for any news page: ``<meta>``, JSON-LD, dateline.

Everything here works on a page already parsed by lxml (``parse_document``) and never
touches the network.

- headline: :mod:`scrapers.parsers.headline` (it reads :class:`PageMeta`);
- date: :mod:`scrapers.parsers.pubdate` (it reads :class:`PageMeta` and
  :func:`meta_published`); JSON-LD ``datePublished`` (lists and ``@graph`` included,
  articles first) and ``article:published_time`` are collected here;
- dateline: a visible publication line near the headline, as written
  (``Publié le 12 mars 2024``, ``Mis en ligne le ...``, ``12 mars 2024 à 10h30``), never
  a member's registration date (:data:`NOT_PUBLICATION`);
- the context of a date: :func:`in_junk` (comments, sidebars, related lists),
  :func:`texts_after` (the lines after the headline), :data:`UPDATED` (words that make a
  date a modification date).

Decisions:

- Modification dates are never a publication date: ``dateModified`` and
  ``article:modified_time`` are not read, "Updated" lines are marked as such.
"""

from __future__ import annotations

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
    "find_dateline",
    "find_near_dateline",
    "in_junk",
    "texts_after",
    "NOT_PUBLICATION",
    "UPDATED",
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


_SKIP_ANCESTORS = frozenset(("aside", "footer", "nav", "header", "form"))
_JUNK_CONTEXT = re.compile(r"comment|related|similar|sidebar|widget|footer|reply|most|popular", re.I)


def in_junk(el, context: re.Pattern = _JUNK_CONTEXT) -> bool:
    """Inside an <aside>, <nav> or <form>, or a container whose class or id says
    ``context`` (comments, related lists, sidebars ...)."""
    for a in el.iterancestors():
        if a.tag in ("aside", "nav", "form"):
            return True
        c = f"{a.get('class') or ''} {a.get('id') or ''}"
        if c.strip() and context.search(c) and a.tag not in ("body", "html", "article", "main"):
            return True
    return False


# --- dateline ----------------------------------------------------------------------------

UPDATED = re.compile(
    r"(?:updated|aktualisiert|letzte\s+[äa]nderung|ge[äa]ndert|zuletzt|last\s+(?:modified|edited|changed)|"
    r"mis\s+[àa]\s+jour|actualizad[oa]|aggiornat[oa]|bijgewerkt|modifi(?:ed|é)|revised|stand:)",
    re.I,
)
# dates that are not the article's: a member's registration, a birthday
NOT_PUBLICATION = re.compile(
    r"(?:registriert|mitglied\s+seit|dabei\s+seit|joined|member\s+since|inscrit|geburtstag|born)", re.I)

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


def texts_after(h1, limit: int, *, tails: bool = False):
    """The text-bearing elements after ``h1`` in document order (``tails``: an element
    whose own text is only in its children's tails, ``<p><br> 1. Februar 2022</p>``,
    counts too)."""
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
        if not t and tails:
            t = "".join((c.tail or "") for c in el).strip()
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
    for el in texts_after(h1, _NEAR_NODES):
        if el.tag in ("h1", "h2", "p") and len(text_of(el)) > 200:
            break  # the body started
        if in_junk(el) or el.tag in ("a", "button", "option"):
            continue
        for line in (text_of(el), _line_of(el)):
            if line in seen or len(line) > 160:
                continue
            seen.add(line)
            m = _MARKER.search(line)
            if m and (parse_french_date(line[m.end():]) or parse_iso_date(line[m.end():])):
                return line[m.start():].strip()
            if _TIME_OF_DAY.search(line) and parse_french_date(line) and len(line) < 60 \
                    and not NOT_PUBLICATION.search(line):
                return line
    return ""
