"""Page furniture, line by line: the words, the lines and the texts that are not an article.

What the generic parser (:mod:`scrapers.parsers.generic`) and its page marking
(:mod:`scrapers.parsers.pagemarks`) share about furniture:

- class/id vocabulary: :func:`junk_words` (share, related, cookie, sidebar ... as whole
  class names or their parts), the tags that never hold text or usually are furniture;
- lines: :func:`is_boilerplate_line` ("Lire aussi", photo credits, share and "follow us"
  calls, view counters, "Imprimer | Envoyer"), :func:`legal_score` (cookie / legal /
  subscription words);
- bodies: :func:`body_problem` (why paragraphs are not an article body), weighed by
  :func:`text_weight` (a CJK character counts three);
- text pieces: :func:`text_pieces` cuts a text without white space into ``PIECE``-character
  pieces, :func:`covered` says how much of a line another text holds (a line run together
  from several links, from furniture and text).

Decisions:

- A class word is evidence, never proof: :func:`junk_words` says what a class *names*;
  what is cut is decided with the structure and the link density
  (:class:`scrapers.parsers.pagemarks.MarkedPage`).
- Short lines are a menu only when they are the page's links: a table of results, a
  poem, a list of facts are short lines too.
"""

from __future__ import annotations

import re

from scrapers.parsers.htmltools import FURNITURE_WORDS, is_credit_line, read_also_re

__all__ = [
    "CAPTION_CLASS", "CONSENT_CLASS", "CTA", "CTA_TARGET", "FURNITURE_TAGS", "KEEP_TAGS", "LEAD_CLASS",
    "MIN_BODY_CHARS", "NO_TEXT_TAGS", "PIECE", "READ_ALSO", "SPACES", "body_problem", "covered",
    "is_boilerplate_line", "is_junk_element", "junk_words", "legal_score", "text_len", "text_pieces",
    "text_weight",
]

SPACES = re.compile(r"\s+")
PIECE = 30  # characters (white space left out) of the pieces a long line is checked by

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
CONSENT_CLASS = re.compile(r"cookie|consent|gdpr|rgpd|tarteaucitron|cmplz|newsletter|subscri|abonnement|"
                            r"mailpoet", re.I)
# elements that never hold article text: always cut
NO_TEXT_TAGS = frozenset(
    "script style noscript iframe object embed button select option textarea input "
    "svg math template".split()
)
# page structure that usually is furniture: cut when link-dense or small (see _furniture)
FURNITURE_TAGS = frozenset(("aside", "footer", "form", "header", "menu"))
KEEP_TAGS = frozenset(("html", "body", "main", "article"))
CAPTION_CLASS = re.compile(r"caption|legende|légende|spip_doc_(?:titre|descriptif)|credit", re.I)
LEAD_CLASS = re.compile(r"(?:^|[\s_-])(?:chapo|chapeau|lead|intro|abstract|standfirst|accroche|"
                         r"article_abstract|chapeau-article|t-content__chapo)(?:$|[\s_-])", re.I)

READ_ALSO = read_also_re(
    r"lire\s+la\s+suite", r"articles?\s+en\s+relation", r"dans\s+la\s+m[êe]me\s+rubrique"
)
CTA = re.compile(
    r"\b(?:suivez|rejoignez|abonnez|abonnez-vous|restez\s+connect|inscrivez|t[ée]l[ée]chargez\s+notre)",
    re.I,
)
CTA_TARGET = re.compile(r"whatsapp|facebook|telegram|newsletter|cha[îi]ne|twitter|youtube|instagram|"
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
    if is_credit_line(t) or READ_ALSO.match(t) or _FURNITURE.match(t):
        return True
    if len(t) < 100 and re.search(r"\s[|·•]\s", t):
        # "Imprimer | Envoyer à un ami"
        if all(_FURNITURE.match(x.strip()) for x in re.split(r"\s[|·•]\s", t)):
            return True
    if len(t) < 220 and CTA.search(t) and CTA_TARGET.search(t):
        return True
    if len(t) < 160 and len(_LEGAL.findall(t)) >= 1 and ("droits" in t.lower() or "©" in t):
        return True
    return False


def legal_score(text: str) -> int:
    return len({m.group(0).lower() for m in _LEGAL.finditer(text)})


# Han, kana, hangul: one such character carries about what a short word does
_WIDE = re.compile(r"[\u1100-\u11ff\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f]")
_SENTENCE_END = (".", "?", "!", "»", ":", "。", "！", "？", "」", "』", "…", '"', "”", ")")


def text_weight(text: str) -> int:
    """Length of ``text`` with each CJK character counted three times (a word's worth)."""
    n = len(text)
    if text.isascii():
        return n
    return n + 2 * len(_WIDE.findall(text))


def body_problem(paragraphs: list[str], link_texts: set[str] | frozenset = frozenset(),
                 link_text: str = "") -> str:
    """Why ``paragraphs`` are not an article body ("" when they pass the checks).

    ``link_texts``: the texts of the page's links; ``link_text``: all of them run
    together without white space, to recognise lines made of several links."""
    weights = [text_weight(p) for p in paragraphs]
    total = sum(weights)
    if total < MIN_BODY_CHARS:
        return f"too little text ({total} chars)"
    legal = sum(w for p, w in zip(paragraphs, weights) if legal_score(p) >= 2)
    if legal > 0.4 * total:
        return f"mostly cookie/legal/subscription text ({100 * legal // total}%)"
    links = sum(w for p, w in zip(paragraphs, weights)
                if p in link_texts or (link_text and covered(p, link_text) >= 0.8))
    if links > 0.5 * total:
        return f"mostly link lines: a menu or a listing ({100 * links // total}%)"
    short = [p for p, w in zip(paragraphs, weights) if w < 40 and not p.endswith(_SENTENCE_END)]
    if len(paragraphs) >= 8 and len(short) > 0.7 * len(paragraphs) and \
            sum(text_weight(p) for p in short) > 0.5 * total:
        # short lines are a menu when they are links; a table of results, a poem, a list
        # of facts are short lines too
        linked = sum(1 for p in short if p in link_texts or (link_text and covered(p, link_text) >= 0.8))
        if linked >= 0.5 * len(short):
            return f"mostly short lines: a menu ({len(short)}/{len(paragraphs)})"
    return ""


def text_pieces(key: str) -> list[str]:
    """``key`` (white space removed) cut in ``PIECE``-character pieces (one when short)."""
    if len(key) < 2 * PIECE:
        return [key] if key else []
    return [key[i:i + PIECE] for i in range(0, len(key) - PIECE + 1, PIECE)]


def covered(line: str, text: str) -> float:
    """The share of ``line``'s pieces found in ``text`` (both without white space); a long
    line by 8 pieces spread over it."""
    pieces = text_pieces(SPACES.sub("", line))
    if len(pieces) > 8:
        step = len(pieces) / 8
        pieces = [pieces[int(i * step)] for i in range(8)]
    return sum(x in text for x in pieces) / len(pieces) if pieces else 0.0


# An extracted body lighter than this (text_weight) is taken for page furniture.
MIN_BODY_CHARS = 150

_JUNK_CACHE: dict[str, bool] = {}


def junk_words(attrs: str) -> bool:
    """Does a class/id string name page furniture (share, sidebar, cookie ...)? Weak evidence."""
    v = _JUNK_CACHE.get(attrs)
    if v is not None:
        return v
    v = False
    for tok in attrs.lower().split():
        if tok in _JUNK_WORDS:
            v = True
            break
        parts = re.split(r"[-_]+", tok)
        if any(p in _JUNK_WORDS for p in parts if p not in ("widget", "nav", "menu", "meta", "tag", "sd")):
            # "elementor-widget-theme-post-content" holds the body: widget/nav/menu
            # count only as whole class names
            v = True
            break
        if _JUNK_SUBSTR.search(tok):
            v = True
            break
    if len(_JUNK_CACHE) < 20_000:
        _JUNK_CACHE[attrs] = v
    return v


def is_junk_element(el) -> bool:
    c = f"{el.get('class') or ''} {el.get('id') or ''}".strip()
    return bool(c) and junk_words(c)


def text_len(el) -> int:
    return sum(len(t.strip()) for t in el.itertext())
