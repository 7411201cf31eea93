"""Page metadata for any news page: headline, publication date, dateline, publisher.

Everything here works on a page already parsed by lxml (``parse_document``) and never
touches the network. Sources, in the order :class:`GenericParser` trusts them:

- headline: the page's ``<h1>`` when JSON-LD ``headline`` / ``og:title`` / ``<title>``
  confirm it (the page's own spelling), else JSON-LD ``headline``, ``og:title`` less a
  ``" | Site"`` suffix, the first ``<h1>``, the longest part of ``<title>``;
- date: JSON-LD ``datePublished`` (lists and ``@graph`` included, articles first),
  ``article:published_time`` and similar ``<meta>``, ``<time datetime>`` /
  ``itemprop=datePublished`` / ``abbr.published`` in the page, a date written just after
  the headline, then htmldate (``original_date=True, extensive_search=False``);
- dateline: a visible publication line near the headline, as written
  (``Publié le 12 mars 2024``, ``Mis en ligne le ...``, ``12 mars 2024 à 10h30``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

from lxml import etree

from scrapers.parsers.dates import parse_date, parse_french_date, parse_iso_date
from scrapers.parsers.htmltools import norm, text_of
from veille.core.textformat import clean

__all__ = [
    "PageMeta",
    "page_meta",
    "meta_published",
    "markup_published",
    "htmldate_published",
    "find_dateline",
    "find_near_dateline",
    "near_headline_date",
    "choose_headline",
    "strip_site_suffix",
    "headline_element",
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


def meta_published(pm: PageMeta):
    """(date, source) from JSON-LD and ``<meta>``; (None, "") when none parses."""
    for key, source in (("datePublished", "jsonld"), ("dateCreated", "jsonld")):
        d = parse_iso_date(pm.jsonld.get(key)) or parse_date(pm.jsonld.get(key))
        if d:
            return d, source
    for key in ("article:published_time", "og:published_time", "dc.date.issued", "dc.date",
                "dcterms.date", "dcterms.created", "date", "pubdate", "publishdate",
                "sailthru.date", "parsely-pub-date", "datepublished"):
        v = pm.meta.get(key)
        d = parse_iso_date(v) or parse_date(v)
        if d:
            return d, "meta"
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


def htmldate_published(html_text):
    """(date, "htmldate") from htmldate's conservative search; (None, "") without it.

    ``html_text``: the page, or its tree (htmldate works on a copy)."""
    try:
        from htmldate import find_date  # noqa: PLC0415 - a trafilatura dependency
    except Exception:  # pragma: no cover
        return None, ""
    try:
        page = html_text[:1_500_000] if isinstance(html_text, str) else html_text
        v = find_date(page, original_date=True, extensive_search=False, outputformat="%Y-%m-%d")
    except Exception:
        return None, ""
    d = parse_iso_date(v) if v else None
    return (d, "htmldate") if d else (None, "")


# --- headline ----------------------------------------------------------------------------

_SEPS = re.compile(r"\s+(?:[|–—·•»]|-{1,2}|::)\s+")


def strip_site_suffix(text: str, names) -> str:
    """``"Titre | Maliweb.net"`` → ``"Titre"`` when the suffix (or prefix) names the site."""
    text = clean(text)
    keys = {norm(n) for n in names if n and norm(n)}
    keys |= {k.replace(" ", "") for k in keys}
    parts = _SEPS.split(text)
    if len(parts) < 2:
        return text
    for cut in range(len(parts) - 1, 0, -1):  # a site suffix
        tail = " ".join(parts[cut:])
        nt = norm(tail)
        if nt in keys or nt.replace(" ", "") in keys:
            m = list(_SEPS.finditer(text))[cut - 1]
            return text[: m.start()].strip()
    head = norm(parts[0])
    if head in keys or head.replace(" ", "") in keys:  # a site prefix
        m = _SEPS.search(text)
        return text[m.end():].strip()
    return text


def headline_element(root: etree._Element):
    """The page's main ``<h1>`` (the first one with text outside header/nav/aside), or None."""
    first = None
    for h in root.iter("h1"):
        t = text_of(h)
        if not t:
            continue
        if first is None:
            first = h
        if not any(a.tag in ("nav", "aside", "footer") for a in h.iterancestors()):
            return h
    return first


def choose_headline(root, pm: PageMeta, site: str = ""):
    """(headline, source, h1 element): source ``og`` when metadata gave or confirmed it."""
    names = [pm.meta.get("og:site_name", ""), site, site.rsplit(".", 1)[0] if site else "",
             pm.jsonld.get("publisher", "")]
    metas = [m for m in (pm.jsonld.get("headline"), pm.meta.get("og:title"),
                         pm.meta.get("twitter:title")) if m]
    h1 = headline_element(root)
    h1_text = text_of(h1) if h1 is not None else ""
    if h1_text:
        n1 = norm(h1_text)
        for m in metas:
            nm = norm(m)
            if nm == n1 or norm(strip_site_suffix(m, names)) == n1:
                return h1_text, "og", h1
        if pm.title and norm(strip_site_suffix(pm.title, names)) == n1:
            return h1_text, "", h1
    if metas:
        return strip_site_suffix(metas[0], names), "og", h1
    if h1_text:
        return h1_text, "", h1
    if pm.title:
        # "Le Républicain - Mali - Ecole : les enseignants ..." : the part a page shows
        parts = [p for p in _SEPS.split(pm.title) if p]
        shown, el = _shown_title_part(root, parts)
        if shown:
            return shown, "", el
        return strip_site_suffix(pm.title, names), "", None
    return "", "", None


def _shown_title_part(root, parts: list[str]):
    """(text, element) of the part of ``<title>`` the page shows as its headline."""
    if len(parts) < 2:
        return "", None
    want = {norm(p): p for p in parts if len(p) > 15}
    if not want:
        return "", None
    body = root.find("body")
    if body is None:
        return "", None
    for el in body.iter("h2", "h3", "b", "strong", "font", "span", "div", "td", "p"):
        t = (el.text or "").strip()
        if 15 < len(t) < 300:
            n = norm(text_of(el))
            if n in want:
                return clean(text_of(el)), el
    return (max(parts, key=len), None) if max(len(p) for p in parts) > 30 else ("", None)


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
