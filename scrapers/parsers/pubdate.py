"""The publication date of any news page: every source the page offers, weighed.

:func:`publication_date` returns ``(date, source)``; ``source`` says which evidence won:
``jsonld`` / ``meta`` (the page's machine-readable statement of publication), ``url``
(``/2019/01/01/`` in the address), ``labelled`` (a visible line that says it is the
publication date: ``Veröffentlicht am 5. Juni 2023``, ``Published on ...``, ``Erschienen
am ...``), ``dateline``, ``time`` (a ``<time>`` or ``itemprop=datePublished`` of the
article), ``visible`` (a date written just under the headline), ``htmldate`` (its
conservative search), ``updated`` (a visible "Updated ..." date, when the page states no
other), ``htmldate-text`` (its search of the text).

Decisions:

- The page's own statement of publication wins: JSON-LD ``datePublished`` of the
  article, ``article:published_time`` and the like, in that order. When they disagree
  (a page republished with one of them refreshed), the first is kept: on real pages the
  original date and the refreshed one are each the publisher's choice about as often.
- A date in the URL is the publication day in the site's own time zone: a
  ``datePublished`` of 23:11 UTC on 31 December under ``/2019/01/01/`` is 1 January
  there, and the month line 1 shows is the one the site shows.
- Without such a statement, the month most sources agree on, among the URL, a labelled
  publication line, the dateline, the article's ``<time>``, a date under the headline,
  the weaker ``<meta>`` dates and htmldate; ties go to that order (the visible and
  structural dates before the ``<meta>`` ones, which may be a modification date, and
  before htmldate, whose search reaches related-article lists). htmldate runs only when
  there is no vote or every source names a different month (the only cases where its
  vote can change the outcome: a single vote already wins a tie), and its answer does not
  count twice when it only repeats a ``<meta>`` date. An ambiguous ``11/01/2023`` in a ``<meta>`` takes the other reading
  when that is the one the page confirms.
- Modification dates never win over a publication date: ``dateModified``,
  ``article:modified_time``, lines saying "Updated", "Aktualisiert", "Letzte Änderung"
  ... A visible "Updated" date is used only when the page states nothing else; dates of
  membership ("Registriert", "Member since") and of comments never.
- A bare 1 January from htmldate's text search is a copyright year, not a date. The
  month matters more than the day.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

from lxml import etree

from scrapers.parsers.base import original_url
from scrapers.parsers.dates import find_text_date, parse_date, parse_french_date, parse_iso_date, parse_text_date
from scrapers.parsers.htmltools import text_of
from scrapers.parsers.metadata import NOT_PUBLICATION, UPDATED, PageMeta, in_junk, meta_published, texts_after

__all__ = [
    "publication_date",
    "url_date",
    "strong_published",
    "labelled_dates",
    "markup_published",
    "near_headline_date",
    "htmldate_published",
    "plausible",
]


def plausible(d) -> bool:
    return d is not None and dt.date(1995, 1, 1) <= d <= dt.date.today() + dt.timedelta(days=2)


def _month(d: dt.date) -> str:
    return d.strftime("%Y-%m")


# --- the URL -------------------------------------------------------------------------------

_URL_DAY = re.compile(r"/((?:19|20)\d\d)/(0[1-9]|1[0-2])/(0[1-9]|[12]\d|3[01])(?:/|$|[-_.])")
_URL_MONTH = re.compile(r"/((?:19|20)\d\d)/(0[1-9]|1[0-2])(?:/|$)")
_URL_SLUG_DAY = re.compile(r"[/_-]((?:19|20)\d\d)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(?:[/_-]|\.html?|$)")


def url_date(url: str) -> tuple[dt.date | None, bool]:
    """(date, has_day) written in the URL's path: ``/2019/01/01/``, ``/2010/05/``,
    ``-2021-03-04-``; the month alone gives its first day. An archived page
    (``web.archive.org/web/<time>/<url>``) is read from its original URL."""
    try:
        path = urlsplit(original_url(url or "")).path
    except ValueError:
        return None, False
    for rx in (_URL_DAY, _URL_SLUG_DAY):
        m = rx.search(path)
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))), True
            except ValueError:
                pass
    m = _URL_MONTH.search(path)
    if m:
        return dt.date(int(m.group(1)), int(m.group(2)), 1), False
    return None, False


# --- the page's machine-readable statement ---------------------------------------------------

_STRONG_META = ("article:published_time", "og:published_time", "parsely-pub-date", "datepublished")


def _parsed(v) -> dt.date | None:
    return (parse_iso_date(v) or parse_date(v)) if v else None


def strong_published(pm: PageMeta) -> list[tuple[dt.date, str]]:
    """The page's statements of publication, in order: JSON-LD ``datePublished`` /
    ``dateCreated`` of the article, ``article:published_time``, ``og:published_time``,
    ``parsely-pub-date``, ``datepublished``; plausible ones only."""
    out = []
    for key in ("datePublished", "dateCreated"):
        d = _parsed(pm.jsonld.get(key))
        if plausible(d):
            out.append((d, "jsonld"))
            break
    for key in _STRONG_META:
        d = _parsed(pm.meta.get(key))
        if plausible(d):
            out.append((d, "meta"))
    return out


# --- visible lines that say what their date is --------------------------------------------------

# "Veröffentlicht am", "Published on", "Erschienen am", "Publié le", "Publicado el", ...
_PUBLISHED = re.compile(
    r"(?:ver[öo]ffentlicht|erschienen|erstellt|publi(?:shed|é|e|cado|cada|kowano|ceerd)|pubblicat[oa]|"
    r"posted|originally\s+(?:created|published)|first\s+published|mis\s+en\s+ligne|date\s+de\s+publication|"
    r"datum\s+der\s+ver[öo]ffentlichung)\b[^0-9\n]{0,25}",
    re.I,
)
# cheap test for a text that may hold one of the words above (case as pages write them)
_MARKER_HINT = re.compile(
    r"ffentlicht|rschienen|rstellt am|ublish|UBLISH|ubli[ée]|ublicad|ubblicat|ubliceerd|ublikowano|osted|"
    r"OSTED|riginally|is en ligne|pdated|PDATED|ktualisiert|nderung|is à jour|ctualizad|ggiornat")
_NO_TEXT = frozenset(("script", "style", "title", "noscript", "option", "template"))
# comments, related lists, sidebars: labelled dates there are not the article's (the words
# differ from metadata.in_junk's default: teasers count, a footer does not)
_LABEL_JUNK = re.compile(r"comment|related|similar|sidebar|widget|reply|popular|teaser", re.I)


def labelled_dates(root: etree._Element) -> tuple[dt.date | None, dt.date | None]:
    """(published, updated): the first visible date a line says is the publication date
    (``Veröffentlicht am: 5. Juni 2023``, ``Erschienen am: 01.11.2023``, ``Posted on ...``),
    and the first it says is an update (``Updated June 13, 2019``, ``Letzte Änderung: ...``);
    None for either when the page shows none. Comments, related lists and sidebars are
    not read."""
    published = updated = None
    seen = 0
    for text, parent in _texts_with_markers(root):
        seen += 1
        if len(text.strip()) < 8 and len(parent) < 8:  # "Posted on <time>...</time>"
            text = text_of(parent)
        if len(text) > 300 or NOT_PUBLICATION.search(text) or in_junk(parent, _LABEL_JUNK):
            continue
        for m in _PUBLISHED.finditer(text):
            d = parse_text_date(text[m.end():m.end() + 60])
            if published is None and plausible(d) and not UPDATED.search(text[m.start():m.end()]):
                published = d
        if updated is None:
            m = UPDATED.search(text)
            if m:
                d = parse_text_date(text[m.end():m.end() + 60])
                if plausible(d):
                    updated = d
        if (published is not None and updated is not None) or seen >= 80:
            return published, updated
    return published, updated


def _texts_with_markers(root):
    """(text, the element it is written in) of every text node that may hold a marker."""
    for el in root.iter():
        own = isinstance(el.tag, str) and el.tag not in _NO_TEXT
        if own and el.text and _MARKER_HINT.search(el.text):
            yield el.text, el
        if el.tail and _MARKER_HINT.search(el.tail):
            parent = el.getparent()
            if parent is not None and parent.tag not in _NO_TEXT:
                yield el.tail, parent


# --- markup and the lines under the headline -----------------------------------------------------


def _in_page_header(el, h1) -> bool:
    """In the site's ``<header>`` (today's date in a top bar), not the article's."""
    for a in el.iterancestors():
        if a.tag in ("article", "main"):
            return False
        if a.tag == "header":
            if h1 is not None and (a is h1 or any(x is a for x in h1.iterancestors())):
                return False
            c = f"{a.get('class') or ''} {a.get('id') or ''}".lower()
            return not re.search(r"article|entry|post|content|story|intro|head(?:er)?[-_]", c)
    return False


def markup_published(root: etree._Element, h1=None):
    """(date, "time") from ``<time datetime>``, ``itemprop=datePublished`` or
    ``abbr.published`` outside comments, sidebars, related lists and the site's header;
    (None, "") when none."""
    try:
        nodes = root.xpath(
            "//time[@datetime] | //*[@itemprop='datePublished'] | //abbr[contains(@class,'published')]"
            " | //*[contains(concat(' ', normalize-space(@class), ' '), ' published ')]"
        )
    except etree.XPathError:  # pragma: no cover
        return None, ""
    for el in nodes[:50]:
        if in_junk(el) or _in_page_header(el, h1):
            continue
        cls = (el.get("class") or "").lower()
        if "updated" in cls.split() and "published" not in cls:
            continue
        for v in (el.get("datetime"), el.get("content"), el.get("title")):
            d = parse_iso_date(v) or parse_date(v) if v else None
            if d:
                return d, "time"
        d = parse_text_date(text_of(el))
        if d:
            return d, "time"
    return None, ""


def near_headline_date(root, h1):
    """(date, "visible") for a date written just after the headline, on a line of its
    own or beside a byline (``07/02/2024``, ``1. Februar 2022, Daniel Dillenburg``,
    ``Von Deutscher Tennis Bund 4. 2. 2022``), or opening one of the first paragraphs as
    press releases write it (``29.11.2022 – Text``, ``Berlin, 29. November 2022. Text``);
    not in a sentence (an event's date), nor in a line that calls it an update, a
    member's registration or a photo credit; (None, "") when none."""
    if h1 is None:
        return None, ""
    paragraphs = 0
    for el in texts_after(h1, 40, tails=True):
        own = " ".join(" ".join([el.text or "", *((c.tail or "") for c in el)]).split())
        if len(own) > 200:  # a paragraph: only a date that opens it
            d = _leading_date(text_of(el)[:120])
            if d is not None:
                return d, "visible"
            paragraphs += 1
            if paragraphs >= _LEAD_PARAGRAPHS:
                break
            continue
        if paragraphs or in_junk(el) or el.tag in ("a",):
            continue
        full = text_of(el)
        t = full if len(full) <= 120 else own
        if len(t) > 120 or UPDATED.search(t) or NOT_PUBLICATION.search(t) or "©" in t:
            continue
        found = find_text_date(t)
        if found is None or not plausible(found[0]):
            continue
        d, start, end = found
        if len(re.findall(r"[^\W\d_]{2,}", t[:start] + " " + t[end:])) > _BYLINE_WORDS:
            continue  # a sentence: "Der nächste Stammtisch findet am 5. Februar 2020 ..."
        return d, "visible"
    return None, ""


_BYLINE_WORDS = 7  # words beside a date on a dateline: a byline, a place, a time, "Uhr"
_LEAD_PARAGRAPHS = 3  # paragraphs after the headline whose opening date is the dateline
# "Berlin, ", "Karlsruhe, (", "Hamburg, den ": a place before a press release's date
_PLACE = re.compile(r"^(?:[^\W\d_][\w.'/-]*(?:\s+[^\W\d_][\w.'/-]*){0,3}\s*,\s*(?:den\s+|le\s+|am\s+)?)?\(?\s*$")
_AFTER = re.compile(r"^\s*\)?\s*(?:[.:|–—-]|$)")


def _leading_date(text: str):
    """The date that opens a paragraph as a dateline, or None."""
    found = find_text_date(text)
    if found is None or not plausible(found[0]):
        return None
    d, start, end = found
    if start > 40 or not _PLACE.match(text[:start]) or not _AFTER.match(text[end:end + 4]):
        return None
    return d


def htmldate_published(page, *, extensive: bool = False):
    """(date, "htmldate") from htmldate's conservative search (``extensive``: its search
    of the text too, source "htmldate-text"); (None, "") without it.

    ``page``: the page's text, or its tree (htmldate works on a copy)."""
    try:
        from htmldate import find_date  # noqa: PLC0415 - a trafilatura dependency
    except Exception:  # pragma: no cover
        return None, ""
    try:
        page = page[:1_500_000] if isinstance(page, str) else page
        v = find_date(page, original_date=True, extensive_search=extensive, outputformat="%Y-%m-%d")
    except Exception:
        return None, ""
    d = parse_iso_date(v) if v else None
    return (d, "htmldate-text" if extensive else "htmldate") if d else (None, "")


_AMBIGUOUS = re.compile(r"^\s*([01]?[0-9])/([0-3]?[0-9])/((?:19|20)?\d\d)\b")


def _swapped(raw: str | None, d: dt.date | None) -> dt.date | None:
    """The other reading of an ambiguous ``11/01/2023`` (day and month both 12 or less)."""
    m = _AMBIGUOUS.match(raw or "")
    if not m or d is None or d.day > 12 or d.day == d.month:
        return None
    try:
        return dt.date(d.year, d.day, d.month)
    except ValueError:  # pragma: no cover
        return None


# --- the decision --------------------------------------------------------------------------------


def publication_date(root, pm: PageMeta, h1=None, dateline: str = "", page=None, *,
                     url: str = "", dateline_first: bool = False):
    """(date, source) of the article's publication; (None, "") when the page shows none.

    See the module doc. ``dateline_first``: a visible dateline wins (the aBamako rule).
    ``page``: the page's tree or text, for htmldate; ``url``: the page's address."""
    line_date = parse_french_date(dateline) if dateline else None
    if dateline_first and line_date:
        return line_date, "dateline"
    in_url, url_day = url_date(url)
    if not plausible(in_url):
        in_url = None
    lazy: dict = {}

    def evidence():
        if "e" not in lazy:
            published, updated = labelled_dates(root)
            lazy["updated"] = updated
            lazy["e"] = [(published, "labelled"), (in_url if url_day else None, "url"), (line_date, "dateline"),
                         markup_published(root, h1), near_headline_date(root, h1),
                         (None if url_day else in_url, "url")]
        return lazy["e"]

    def htmldate():
        if "h" not in lazy:
            lazy["h"] = htmldate_published(page if page is not None else root)
        return lazy["h"]

    strong = strong_published(pm)
    if strong:
        d, src = strong[0]
        if in_url is not None and url_day and abs((d - in_url).days) <= 1:
            return in_url, "url"  # the site's own calendar day
        return d, src

    weak, _ = meta_published(pm)
    weak = weak if plausible(weak) else None
    found = [(x, s) for x, s in evidence() if plausible(x)]
    if weak is not None:
        raw = next((pm.meta.get(k) for k in ("date", "dc.date", "dc.date.issued", "dcterms.date",
                                                "dcterms.created", "pubdate", "publishdate", "sailthru.date")
                    if pm.meta.get(k)), "")
        other = _swapped(raw, weak)
        if other is not None and any(_month(x) == _month(other) for x, _ in found) \
                and not any(_month(x) == _month(weak) for x, _ in found):
            weak = other
        found.append((weak, "meta"))
    months = [_month(x) for x, _ in found]
    if not months or (len(set(months)) > 1 and len(set(months)) == len(months)):
        # no vote, or one each for several months: htmldate (the slow one) decides (with
        # a single vote it cannot: a tie goes to the vote)
        hd, hsrc = htmldate()
        if plausible(hd) and not (weak is not None and hd == weak):
            found.append((hd, hsrc))
    if found:
        votes: dict[str, int] = {}
        for x, _ in found:
            votes[_month(x)] = votes.get(_month(x), 0) + 1
        top = max(votes.values())
        for x, s in found:
            if votes[_month(x)] == top:
                return x, s
    if plausible(lazy.get("updated")):
        return lazy["updated"], "updated"
    d, src = htmldate_published(page if page is not None else root, extensive=True)
    if plausible(d) and (d.month, d.day) != (1, 1):  # 1 January: a bare year (a copyright)
        return d, src
    return None, ""
