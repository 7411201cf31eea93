"""The article's headline: its visible heading, checked against the page's metadata.

:func:`choose_headline` returns ``(headline, source, element)``: ``source`` is ``og``
when JSON-LD / ``og:title`` gave or confirmed it, ``element`` the heading (the parsers
look for the dateline and the lead after it).

Which heading: only those readers see (not hidden by ``sr-only``, ``hidden``,
``display: none`` ..., :func:`is_hidden`), outside nav/aside/footer, breadcrumb trails
and sidebars, and not naming the site (a ``<title>`` part that is the site's name, the
host's name, the heading as a link to the home page, a logo / site-title class on a
short heading). Then, in order: the ``<h1>`` JSON-LD ``headline``, ``og:title`` or
``twitter:title`` agrees with; an ``<h2>``/``<h3>`` they give word for word; an
``<h1>``, else an ``<h2>``/``<h3>``, a part of ``<title>`` names; the first other
``<h1>`` (two words or more when there is metadata); without an ``<h1>``, the first
``<h2>`` of the article when the metadata half agrees; then the metadata less a
site-name suffix or prefix (:func:`strip_site_suffix`); then the part of ``<title>`` the
page shows. An archived page (``web.archive.org``) is the site it was archived from.

Decisions:

- The visible headline beats the SEO title: on real pages the publisher's own title is
  the heading readers see; ``og:title`` often adds a kicker, a site name or keywords.
  Metadata decides *which* heading (the one it agrees with, :func:`headline_match`), the
  heading gives the words; ``og:title`` and JSON-LD weigh more than ``<title>``, whose
  parts also name sections ("News", "Fachmeldungen": a one-word heading never counts as
  named by a part of ``<title>``).
- A heading readers do not see is not the headline, even when it is the SEO title.
- A kicker or a date set apart in the heading (``<span>Kicker</span> <span>Headline
  </span>``, ``<span>27.01.2022</span>Headline``, ``Kicker<br>Headline``) is not part of
  the headline: a part whose class calls it a kicker (``roofline``, ``overline``,
  ``subline``, ``label`` ...) goes, a part the metadata gives alone wins (the later of
  two: a kicker comes first), else the last part when it is an element of its own after
  parts set apart (white space, a ``<br>``, punctuation). Inline markup that runs
  through words (``Ehe<span>zoff</span>``) and emphasis (``<b>Editor's Letter:</b>``)
  are not kickers.
- Entities a CMS escaped twice (``&amp;#039;``, ``R&amp;uuml;ckbau``) are decoded
  (:func:`decode_entities`); soft hyphens and ruby readings (``<rt>``) leave headings
  (:func:`heading_text`).
"""

from __future__ import annotations

import html
import re

from lxml import etree

from scrapers.parsers.dates import fold
from scrapers.parsers.htmltools import norm, text_of
from scrapers.parsers.metadata import PageMeta
from veille.core.textformat import clean

__all__ = [
    "choose_headline",
    "decode_entities",
    "heading_text",
    "headline_element",
    "headline_match",
    "is_hidden",
    "strip_site_suffix",
]

# " | ", " - ", " – ", " :: " ...; in CJK titles "|", "｜" and "-" need no spaces
_SEPS = re.compile(r"\s+(?:[|–—·•»]|-{1,2}|::)\s+|\s*[|｜]\s*|(?<=[\u3000-\u9fff\uff01-\uff5e])\s*[-_]\s*(?=\S)")


_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def decode_entities(text: str) -> str:
    """``R&uuml;ckbau`` → ``Rückbau``: entities left in a title escaped twice by its CMS."""
    if text and "&" in text and _ENTITY.search(text):
        text = html.unescape(text)
    return clean(_INVISIBLE.sub("", text or ""))


def _name_keys(names) -> set[str]:
    keys = {norm(n) for n in names if n and norm(n)}
    keys |= {k.replace(" ", "") for k in keys}
    return keys


def _is_site_part(part: str, keys: set[str], host: str = "") -> bool:
    """Does a ``<title>`` part name the site (``Maliweb.net``, ``sheego ♥ Magazin``)?"""
    n = norm(part)
    if not n:
        return False
    flat = n.replace(" ", "")
    if n in keys or flat in keys:
        return True
    if host and len(host) >= 4 and len(n.split()) <= 5:
        # the host's name inside a short part: "schweizerjaeger" in "Schweizer Jäger Online"
        variants = {flat, norm(_umlauts(part)).replace(" ", "")}
        return any(host in v and len(host) >= 0.6 * len(v) for v in variants)
    return False


def _umlauts(text: str) -> str:
    return text.translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe",
                                         "Ü": "Ue", "ß": "ss"}))


def _host_label(site: str) -> str:
    """``www.schweizerjaeger.ch`` → ``schweizerjaeger``."""
    parts = [p for p in (site or "").lower().split(".") if p and p not in ("www", "m", "news", "amp")]
    if len(parts) >= 2:
        parts = parts[:-1]
    label = max(parts, key=len) if parts else ""
    return re.sub(r"[^a-z0-9]", "", label)


def strip_site_suffix(text: str, names, host: str = "") -> str:
    """``"Titre | Maliweb.net"`` → ``"Titre"`` when the suffix (or prefix) names the site
    (one of ``names``, or a short part holding the ``host``'s name)."""
    text = decode_entities(text)
    keys = _name_keys(names)
    parts = _SEPS.split(text)
    if len(parts) < 2:
        return text
    for cut in range(len(parts) - 1, 0, -1):  # a site suffix
        tail = " ".join(parts[cut:])
        if _is_site_part(tail, keys) or (cut == len(parts) - 1 and _is_site_part(tail, keys, host)):
            m = list(_SEPS.finditer(text))[cut - 1]
            return text[: m.start()].strip()
    if _is_site_part(parts[0], keys, host):  # a site prefix
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


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+", fold(text or ""))


def _wide(text: str) -> bool:
    return bool(re.search(r"[\u2e80-\u9fff\uac00-\ud7af]", text))


def headline_match(a: str, b: str) -> float:
    """How well two headlines agree, 0 to 1: the same words, one inside the other."""
    na, nb = norm(a), norm(b)
    if not na or not nb:
        return 0.0
    if na == nb:
        return 1.0
    short, long_ = sorted((na, nb), key=len)
    if short in long_:
        # "Gut zu Wissen" in "Den Vertrieb auslagern - ... gut zu Wissen"; CJK: by characters
        enough = len(short) >= 8 if _wide(short) else len(short.split()) >= 3
        if enough:
            return max(0.6, len(short) / len(long_))
    ta, tb = set(_tokens(a)), set(_tokens(b))
    if _wide(a + b):
        ta, tb = set(na.replace(" ", "")), set(nb.replace(" ", ""))
    elif len(ta & tb) < 2:
        return 0.0  # one word in common is chance
    return len(ta & tb) / len(ta | tb) if ta and tb else 0.0


# class or id words of a site's name or logo, whole words of the attribute
_SITE_HEADING = re.compile(
    r"(?:^|[\s_-])(?:logo|site[-_]?(?:title|name|branding)|brand(?:ing)?|blog[-_]?(?:title|name)|masthead)"
    r"(?:$|[\s_-])", re.I)
_SITE_NAME_WORDS = 8  # a heading longer than this is not a site's name, whatever its class
_OUT_OF_ARTICLE = ("nav", "aside", "footer")
# classes that hide an element (screen readers only, print only); "hidden-xs" and the
# like hide it on some screens only and do not count
_HIDDEN_CLASS = frozenset((
    "sr-only", "sr-text", "screen-reader-text", "screenreader", "screen-reader-only", "visually-hidden",
    "visuallyhidden", "element-invisible", "invisible", "hidden", "is-hidden", "u-hidden", "hide",
    "hide-accessible", "aural", "offscreen", "off-screen", "text-hide", "d-none", "show-for-sr",
    "a11y-hidden", "assistive-text", "print-only", "visible-print", "js-hidden",
))
_SHOWN_AGAIN = re.compile(r"^d-(?:sm|md|lg|xl|xxl)-(?:block|flex|inline|inline-block|grid|table)$")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
# breadcrumb trails (a class saying so, and links) and sidebars (a class that is only
# that word: "right-sidebar" is a layout) repeat a title or hold a widget's
_TRAIL = re.compile(r"breadcrumb", re.I)
_SIDEBAR = frozenset(("sidebar", "side-bar", "sidepanel", "side-panel"))


def is_hidden(el) -> bool:
    """Is ``el`` (or an ancestor) hidden from readers: ``hidden``, ``aria-hidden``,
    ``display: none``, or a class of :data:`_HIDDEN_CLASS`?"""
    for e in (el, *el.iterancestors()):
        if e.tag in ("body", "html"):
            return False
        if e.get("hidden") is not None or (e.get("aria-hidden") or "").strip().lower() == "true":
            return True
        style = e.get("style")
        if style and _HIDDEN_STYLE.search(style):
            return True
        cls = (e.get("class") or "").lower().split()
        if cls and not _HIDDEN_CLASS.isdisjoint(cls) and not any(_SHOWN_AGAIN.match(c) for c in cls):
            return True
    return False


def _in_trail(h) -> bool:
    """In a breadcrumb trail (its class says so and it holds two links or more) or a
    sidebar (a class or id that is just that word)."""
    for a in h.iterancestors():
        if a.tag in ("body", "html", "main", "article"):
            return False
        c = f"{a.get('class') or ''} {a.get('id') or ''}"
        if not c.strip():
            continue
        if not _SIDEBAR.isdisjoint(c.lower().split()):
            return True
        if _TRAIL.search(c) and len(a.xpath(".//a[@href]")) >= 2:
            return True
    return False


def _headings(root):
    """h1, h2, h3 elements with text readers see, outside nav/aside/footer, breadcrumbs
    and sidebars, in document order."""
    out = []
    for h in root.iter("h1", "h2", "h3"):
        if any(a.tag in _OUT_OF_ARTICLE for a in h.iterancestors()):
            continue
        t = heading_text(h)
        if t and len(t) <= 400 and not is_hidden(h) and not _in_trail(h):
            out.append((h, t))
        if len(out) >= 60:
            break
    return out


def _site_heading(h, text: str, keys: set, host: str, site_parts: set) -> bool:
    """A heading that names the site (a blog's title in its ``<h1>``), not the article."""
    if _is_site_part(text, keys, host) or norm(text) in site_parts:
        return True
    if len(_tokens(text)) > _SITE_NAME_WORDS:
        return False
    for el in (h, *h.iterancestors()):
        if el.tag in ("body", "html", "article", "main"):
            break
        c = f"{el.get('class') or ''} {el.get('id') or ''}"
        if c.strip() and _SITE_HEADING.search(c):
            return True
    for a in h.iter("a"):
        href = a.get("href")
        if href is not None and re.fullmatch(r"(?:https?://[^/]+)?/?(?:index\.\w+)?", href.strip()) \
                and len(text_of(a)) >= 0.5 * len(text):
            return True  # the heading is a link to the home page (an anchor is not)
    return False


def _in_article(h) -> bool:
    """Inside ``<article>`` / ``<main>`` or an element marked as the article's, not in
    the page's ``<header>``."""
    for a in h.iterancestors():
        c = f"{a.get('class') or ''} {a.get('id') or ''} {a.get('itemprop') or ''}".lower()
        if a.tag in ("article", "main") or _ARTICLE_CLASS.search(c):
            return True
        if a.tag == "header" and not _PAGE_TITLE_HEADER.search(c):
            return False  # the site's header
    return False


_ARTICLE_CLASS = re.compile(r"article|post|entry|content|story|headline|beitrag|artikel")
# a <header> of the page's own title ("page-header", "entry-header"), not the site's
_PAGE_TITLE_HEADER = re.compile(r"page[-_]?(?:header|title)|entry|article|post|content|intro")


def choose_headline(root, pm: PageMeta, site: str = ""):
    """(headline, source, element): the article's visible headline, checked against the
    metadata; source ``og`` when JSON-LD / ``og:title`` gave or confirmed it. The order
    of choice is the module doc's. Entities a CMS escaped twice are decoded."""
    host = _host_label(site)
    names = [pm.meta.get("og:site_name", ""), site, site.rsplit(".", 1)[0] if site else "",
             pm.jsonld.get("publisher", "")]
    keys = _name_keys(names)
    metas = [decode_entities(m) for m in (pm.jsonld.get("headline"), pm.meta.get("og:title"),
                                          pm.meta.get("twitter:title")) if m]
    title = decode_entities(pm.title)
    refs = [(strip_site_suffix(m, names, host), "og") for m in metas]
    site_parts: set[str] = set()
    if title:
        refs.append((strip_site_suffix(title, names, host), ""))
        piped = [p.strip() for p in re.split(r"\s*[|｜]\s*", title) if p.strip()]
        if len(piped) > 1:  # "Headline - with a dash | Site": the headline whole
            refs.extend((p, "part") for p in piped if not _is_site_part(p, keys, host))
        parts = [p for p in _SEPS.split(title) if p.strip()]
        if len(parts) > 1:
            for p in parts:
                if _is_site_part(p, keys, host):
                    site_parts.add(norm(p))
                else:
                    refs.append((p, "part"))
    refs = [(r, src) for r, src in refs if r]

    def score(t: str, sources=("og", "", "part")) -> float:
        # a one-word heading ("News", "Etiketten") agreeing with a part of <title> names
        # a section, not the article
        few = len(_tokens(t)) < 2
        return max((headline_match(t, r) for r, src in refs if src in sources and not (few and src == "part")),
                   default=0.0)

    heads = [(h, t) for h, t in _headings(root) if not _site_heading(h, t, keys, host, site_parts)]
    # the <h1> the metadata names; an <h2>/<h3> it names word for word (the <h1> is a
    # section's or a short label); any <h1> or <h2>/<h3> a part of <title> names
    tiers = (("h1", ("og",), 0.5), ("h2h3", ("og",), 0.99), ("h1", ("og", "", "part"), 0.5),
             ("h2h3", ("og", "", "part"), 0.7))
    for level, sources, need in tiers:
        best = None
        for h, t in heads:
            if (h.tag == "h1") != (level == "h1") or (level == "h2h3" and need > 0.9 and len(_tokens(t)) < 2):
                continue
            sc = score(t, sources)
            if sc >= need and (best is None or sc > best[0]):
                best = (sc, h, t)
        if best is not None:
            _, h, t = best
            t = _no_leading_date(_visible(h, t, refs))
            return t, ("og" if any(headline_match(t, m) >= 0.5 for m in metas) else ""), h
    h1 = next((h for h, t in heads if h.tag == "h1"), None)
    if h1 is not None and (not metas or len(_tokens(heading_text(h1))) >= 2):
        # the visible headline over an SEO title that says it otherwise (a one-word <h1>
        # is a section's name more often than an article's)
        return _no_leading_date(_visible(h1, heading_text(h1), refs)), "", h1
    if h1 is None:
        # no <h1>: the article's own heading, the first <h2> of its header or body, when
        # the metadata half agrees with it (or there is none to say otherwise)
        h = next((h for h, t in heads if h.tag == "h2" and _in_article(h)), None)
        t = heading_text(h) if h is not None else ""
        if len(_tokens(t)) >= 2 and (not metas or score(t) >= 0.5):
            t = _no_leading_date(_visible(h, t, refs))
            return t, ("og" if any(headline_match(t, m) >= 0.5 for m in metas) else ""), h
    if metas:
        return _no_leading_date(strip_site_suffix(metas[0], names, host)), "og", h1
    if title:
        # "Le Républicain - Mali - Ecole : les enseignants ..." : the part a page shows
        parts = [p for p in _SEPS.split(title) if p]
        shown, el = _shown_title_part(root, parts)
        if shown:
            return shown, "", el
        return strip_site_suffix(title, names, host), "", None
    return "", "", None


_LEADING_DATE = re.compile(r"^\s*(?:\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2})\s*[-–—|:]\s+(?=\S)")


# "[> Jens Weber", ">> Headline", "• Headline", "Headline <<": signs without a letter,
# digit or quotation mark, set apart by a space, are the site's decoration
_DECORATION = re.compile(r"^\s*[\[\]<>/\\|•·*#~=+→►▶■◆●:_-]+\s+(?=\S)|(?<=\S)\s+[\[\]<>/\\|•·*#~=+←◄◀■◆●:_-]+\s*$")


def _no_leading_date(text: str) -> str:
    """``23.01.2022 - Headline`` → ``Headline``: a date is line 1's business, not the
    headline's; nor is a decoration around it (``[> Headline``)."""
    cut = _LEADING_DATE.sub("", _DECORATION.sub("", text))
    return cut if len(_tokens(cut)) >= 2 else text


def _visible(h, text: str, refs) -> str:
    """The heading's text less what is set in it apart from the headline: the part its
    markup calls the headline after one it calls a kicker (``<span class="overline">``,
    ``roofline``, ``label`` ...), a part that agrees with the metadata better than the
    whole does (the later one of two that agree as well: a kicker comes first), or a
    kicker / a date before the headline (``<span>Kicker</span> <span>Headline</span>``,
    ``<span>27.01.2022</span>Headline``). Emphasis (``<b>``, ``<i>``) is not a kicker."""
    text = decode_entities(text)
    parts = _segments(h)
    if len(parts) < 2:
        return text
    roles = [r for *_, r in parts]
    if "kicker" in roles and roles.count("headline") == 1 and roles.index("kicker") < roles.index("headline"):
        return decode_entities(parts[roles.index("headline")][0])
    if roles[0] == "kicker" and "kicker" not in roles[1:]:
        rest = " ".join(p[0] for p in parts[1:])
        if len(_tokens(rest)) >= 2:
            return decode_entities(rest)  # what follows the kicker its markup names
    whole = max((headline_match(text, r) for r, _ in refs), default=0.0)
    best = None
    for i, (t, apart, _, role) in enumerate(parts):
        score = max((headline_match(t, r) for r, _ in refs), default=0.0)
        # a part the metadata gives alone, after a kicker set apart ("Kicker - Headline")
        alone = score >= 0.99 and i > 0 and all(p[1] for p in parts[1:i + 1])
        if role == "kicker" and i < len(parts) - 1:
            continue
        if score >= 0.9 and (score > whole or alone) and (best is None or score >= best[0]):
            best = (score, t)
    if best:
        return decode_entities(best[1])
    main, _, element, _ = parts[-1]
    kickers = parts[:-1]
    if element and len(parts) <= 3 and len(_tokens(main)) >= 2 and all(p[1] for p in parts[1:]) \
            and not any(p[3] == "emphasis" for p in kickers) \
            and len(main) >= (0.4 if all(p[2] for p in parts) else 0.55) * sum(len(p[0]) for p in parts):
        return decode_entities(main)  # the headline in its own element after a kicker
    return text


_KICKER_TAGS = frozenset(("span", "div", "small", "p", "time", "strong", "b", "em", "i", "header", "hgroup"))
_EMPHASIS = frozenset(("strong", "b", "em", "i"))
# class words of a kicker and of the headline beside it, inside a heading
_KICKER_CLASS = re.compile(r"kicker|overline|over-line|subline|roofline|dachzeile|topline|top-line|eyebrow|"
                           r"strapline|supertitle|super-title|spitzmarke|(?:^|[\s_-])label(?:$|[\s_-])", re.I)
_HEADLINE_CLASS = re.compile(r"(?<!sub)(?<!sub-)(?:headline|title)", re.I)


def _role(el) -> str:
    """What a heading's child is by its class: "kicker", "headline", "emphasis" (``<b>``,
    ``<i>``, no class) or ""."""
    c = f"{el.get('class') or ''} {el.get('id') or ''}"
    if _KICKER_CLASS.search(c):
        return "kicker"
    if _HEADLINE_CLASS.search(c):
        return "headline"
    return "emphasis" if el.tag in _EMPHASIS else ""


def _segments(h) -> list[tuple[str, bool, bool, str]]:
    """The parts of a heading set apart by its direct children (their texts, the text
    between them), each with whether it stands apart from the part before it (white space
    or a block between, or that part holds no letter: a date), whether it is an element
    and its role (:func:`_role`); [] when an inline child (a link, emphasis) runs through
    the text."""
    while len(h) == 1 and not (h.text or "").strip() and not (h[0].tail or "").strip() \
            and isinstance(h[0].tag, str) and h[0].tag in _KICKER_TAGS | {"a", "h2", "h3"}:
        h = h[0]  # <h1><span class="post-title"><small>Kicker</small><br>Headline</span></h1>
    raw: list[tuple[str, str, str]] = []  # (text as written, kind, role)
    if h.text and h.text.strip():
        raw.append((h.text, "text", ""))
    for c in h:
        tag = c.tag if isinstance(c.tag, str) else ""
        if tag in _NOT_TEXT or tag == "br" or not tag:
            if tag == "br":
                raw.append((" ", "gap", ""))
        elif tag in _KICKER_TAGS:
            t = heading_text(c)
            if t:
                raw.append((t if tag not in ("div", "p", "header", "hgroup") else f" {t} ", "el", _role(c)))
            else:
                raw.append((" ", "gap", ""))  # <span>&nbsp;</span> between kicker and headline
        else:
            return []
        if c.tail:
            raw.append((c.tail, "text", "") if c.tail.strip() else (" ", "gap", ""))
    parts: list[tuple[str, bool, bool, str]] = []
    gap = False
    prev = ""
    for t, kind, role in raw:
        if kind == "gap" or not re.search(r"\w", t):
            gap = True  # white space, a <br>, a hidden ": " between kicker and headline
            continue
        apart = gap or t[:1].isspace() or prev[-1:].isspace() or not re.search(r"[^\W\d_]", prev) \
            or not (t[:1].isalnum() and prev[-1:].isalnum())
        parts.append((clean(_INVISIBLE.sub("", t)), bool(parts) and apart, kind == "el", role))
        prev, gap = t, False
    return [p for p in parts if p[0]]


_INVISIBLE = re.compile("[\u00ad\u200b\u2060\ufeff]")  # soft hyphen, zero-width space ...
_NOT_TEXT = frozenset(("script", "style", "noscript", "template", "rt", "rp", "svg"))
_INLINE = frozenset(("a", "span", "em", "strong", "b", "i", "u", "small", "sup", "sub", "mark",
                     "abbr", "time", "font", "q", "cite", "ruby", "rb", "bdi", "bdo", "s", "wbr"))


def heading_text(el) -> str:
    """A heading's text as shown: no scripts, styles nor ruby readings (``<rt>``); block
    children (``<div>``, ``<p>``, a ``<br>``) are set apart by a space."""
    out: list[str] = []

    def walk(e, depth):
        if e.text:
            out.append(e.text)
        for c in e:
            tag = c.tag if isinstance(c.tag, str) else ""
            if tag and tag not in _NOT_TEXT and depth < 50:
                if tag not in _INLINE:
                    out.append(" ")
                walk(c, depth + 1)
                if tag not in _INLINE:
                    out.append(" ")
            if c.tail:
                out.append(c.tail)

    walk(el, 0)
    return clean(_INVISIBLE.sub("", "".join(out)))


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
