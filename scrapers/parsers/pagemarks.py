"""A page's furniture, marked: text statistics, conservative marking, the lines it holds.

:class:`MarkedPage` is what the generic parser's body candidates share: the parsed page,
which of its elements are furniture (marked, not cut), a copy without them
(``pruned``), whether a line is written only inside furniture
(:meth:`MarkedPage.only_in_furniture`), the page's link texts, its lead picture's
caption and a standfirst kept apart. :class:`TextStats` counts, in one pass and without
recursion, the text and link text of every element.

Decisions:

- Marking needs structure or link density, never a class word alone: ``<nav>``;
  link-dense blocks (55% link text, 3+ links); ``aside``/``footer``/``form``/``header``
  when link-dense (30%) or small (< 200 characters; an article's ``<header>`` with its
  headline only when 50% links); a furniture class word only with 30% links, < 150
  characters, or cookie / call-to-action text in a consent or newsletter box; captions
  (kept apart) unless they are the page's text (a gallery).
- Never marked: the headline's ancestors, the element holding the page's longest
  paragraph and its ancestors, an element with ``BULK_SHARE`` of the page's text.
- Repetition across a site's pages is not used: a page's text would depend on what the
  crawler saw before, and veille stores every version (a false "changed").
"""

from __future__ import annotations

import copy
import re

from lxml import etree

from scrapers.parsers.furniture import (
    CAPTION_CLASS,
    CONSENT_CLASS,
    CTA,
    CTA_TARGET,
    FURNITURE_TAGS,
    KEEP_TAGS,
    LEAD_CLASS,
    NO_TEXT_TAGS,
    READ_ALSO,
    SPACES,
    is_junk_element,
    junk_words,
    legal_score,
    text_pieces,
)
from scrapers.parsers.htmltools import flow, is_credit_line, remove, split_paragraphs, text_of
from veille.core.textformat import clean

__all__ = ["BULK_SHARE", "MarkedPage", "TextStats", "paragraphs_of"]

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


def paragraphs_of(el) -> list[str]:
    """The paragraphs of ``el`` and of its tail text (the toolkit's rule: block elements
    and runs of 2+ ``<br>`` separate paragraphs; one ``<br>`` is a space)."""
    tokens = flow(el, blocks=_BLOCKS, skip=_NON_TEXT)
    if el.tail:
        tokens.append(el.tail)
    return split_paragraphs(tokens)


# blocks whose whole text is one paragraph; other elements count their own text only
_PARA_TAGS = frozenset(("p", "pre", "blockquote", "dd", "li", "td", "h2", "h3"))
_LINK_BLOCK_TAGS = frozenset(("div", "ul", "ol", "td", "section", "table", "p", "span", "font", "dl"))
BULK_SHARE = 0.5  # an element holding this share of the page's non-link text is never cut


class TextStats:
    """Text and link-text lengths of every element of a tree, in one pass (no recursion).

    ``els`` is the tree in document order; per index: ``text`` (characters of text in the
    subtree, scripts and styles left out), ``link`` (of which inside ``<a>``), ``links``
    (``<a>`` count), ``own`` (non-link text written directly in the element), ``parent``.
    """

    def __init__(self, root):
        els = list(root.iter())
        self.els = els
        n = len(els)
        idx = {e: i for i, e in enumerate(els)}
        self.idx = idx
        parent = [-1] * n
        text = [0] * n
        link = [0] * n
        own = [0] * n
        links = [0] * n
        inlink = [False] * n
        for i, e in enumerate(els):
            tag = e.tag if isinstance(e.tag, str) else None
            p = e.getparent()
            pi = idx.get(p, -1) if p is not None else -1
            parent[i] = pi
            inlink[i] = tag == "a" or (pi >= 0 and inlink[pi])
            if tag == "a":
                links[i] = 1
            if tag is not None and tag not in NO_TEXT_TAGS and e.text:
                t = len(e.text.strip())
                text[i] += t
                if inlink[i]:
                    link[i] += t
                else:
                    own[i] += t
            if pi >= 0 and e.tail:
                t = len(e.tail.strip())
                text[pi] += t
                if inlink[pi]:
                    link[pi] += t
                else:
                    own[pi] += t
        for i in range(n - 1, 0, -1):
            pi = parent[i]
            if pi >= 0:
                text[pi] += text[i]
                link[pi] += link[i]
                links[pi] += links[i]
        self.parent, self.text, self.link, self.own, self.links = parent, text, link, own, links

    def nlt(self, i: int) -> int:
        return self.text[i] - self.link[i]

    def density(self, i: int) -> float:
        return self.link[i] / self.text[i] if self.text[i] else 0.0

    def ancestors(self, i: int):
        i = self.parent[i]
        while i >= 0:
            yield i
            i = self.parent[i]


class MarkedPage:
    """What the body extractors share: the page, what pruning marks as furniture.

    Pruning is conservative (the module doc says which evidence counts); it never cuts
    the headline's ancestors, the element holding the page's longest paragraph or its
    ancestors, nor an element holding ``BULK_SHARE`` of the page's non-link text.
    ``pruned`` is a copy of the page without the furniture; :meth:`only_in_furniture`
    tells whether a line of text exists only inside furniture.
    """

    def __init__(self, root, h1):
        self.root = root
        self.h1 = h1
        self.caption = ""
        self.caption_texts: set[str] = set()
        self.lead = ""
        self.link_texts: set[str] = set()
        self.kept_share = 1.0  # the share of the page's own text left after pruning
        self.kept_chars = 0  # characters of text left after pruning
        self.core_chars = 0  # non-link text of the page's longest paragraph
        self.core = None  # the element holding it
        self._pruned = None
        self._texts = None
        self._by_len = None
        self._squashed: dict[int, str] = {}
        self._mark()

    def _mark(self):
        root = self.root
        for a in root.iter("a"):
            t = text_of(a)
            if 2 <= len(t) <= 200:
                self.link_texts.add(t)
        st = self.st = TextStats(root)
        els = st.els
        body = root.find("body")
        bi = st.idx.get(body, 0) if body is not None else 0
        page_nlt = max(1, st.nlt(bi))

        protect = set()
        if self.h1 is not None and self.h1 in st.idx:
            i = st.idx[self.h1]
            protect.add(i)
            protect.update(st.ancestors(i))
        core, best = -1, 0
        for i, e in enumerate(els):
            tag = e.tag
            if not isinstance(tag, str):
                continue
            v = st.nlt(i) if tag in _PARA_TAGS else st.own[i]
            if v > best:
                core, best = i, v
        core_path = set()
        if core >= 0 and best >= 80:
            core_path = {core, *st.ancestors(core)}
            protect |= core_path
            self.core_chars = best
            self.core = els[core]

        # a "caption" holding the page's longest paragraph is the text (a video's page)
        captions = {i for i, e in enumerate(els) if isinstance(e.tag, str) and i not in core_path
                    and _is_caption(e, st.text[i])}
        self._find_caption(sorted(captions))
        self._find_lead(root)

        # captions are cut (the lead picture's is kept apart) unless they are the text:
        # a gallery whose captions hold a good share of the page's text
        top = [i for i in captions if not any(a in captions for a in st.ancestors(i))]
        if sum(st.nlt(i) for i in top) > 0.3 * page_nlt:
            captions = set()

        n = len(els)
        drop = [False] * n
        under = [False] * n  # inside a cut element
        parent = st.parent
        for i, e in enumerate(els):
            pi = parent[i]
            if pi >= 0 and (drop[pi] or under[pi]):
                under[i] = True
                continue
            tag = e.tag
            if not isinstance(tag, str) or i == bi or tag in KEEP_TAGS:
                continue
            if tag in ("script", "style"):
                drop[i] = True
                continue
            if i in protect or st.nlt(i) >= BULK_SHARE * page_nlt:
                continue
            if tag in NO_TEXT_TAGS:
                drop[i] = True  # (a <noscript> left open holds the page: protected above)
            elif i in captions:
                drop[i] = True  # the caption is kept apart (``caption``)
            elif st.text[i] == 0:
                continue  # nothing to cut
            else:
                drop[i] = self._furniture(e, i, st)
        self._read_also(st, protect, drop, under)
        for i in range(n):
            pi = parent[i]
            if pi >= 0 and (drop[pi] or under[pi]):
                under[i] = True
        self.drop = [d and not u for d, u in zip(drop, under)]
        self.cut = [d or u for d, u in zip(drop, under)]
        kept = sum(st.own[i] for i in range(n) if not self.cut[i])
        total_own = sum(st.own)
        self.kept_share = kept / total_own if total_own else 1.0
        self.kept_chars = kept

    @property
    def pruned(self):
        """A copy of the page without the furniture."""
        if self._pruned is None:
            tree = copy.deepcopy(self.root)
            copy_els = list(tree.iter())
            if len(copy_els) == len(self.drop):
                for i, d in enumerate(self.drop):
                    if d:
                        remove(copy_els[i])
            self._pruned = tree
        return self._pruned

    def only_in_furniture(self, line: str) -> bool:
        """Is ``line`` written on the page, but only inside elements pruning cut?"""
        if self._texts is None:
            self._texts = self._walk_texts()
        full, kept, _ = self._texts
        key = SPACES.sub("", line)
        if not key or key not in full:
            return False
        pieces = text_pieces(key)
        if len(pieces) == 1:
            # a short line ("Économie"): furniture when it is the whole text of a cut
            # element and of no kept one, whatever words of the article contain it
            if key not in kept:
                return True
            return self._whole_text_of(key, cut=True) and not self._whole_text_of(key, cut=False)
        if key in kept:
            return False
        # a line run together from furniture and text (a header and the first paragraph):
        # furniture when most of it is and no sentence or more of it is text
        found = [x in kept for x in pieces]
        run = best = 0
        for f in found:
            run = run + 1 if f else 0
            best = max(best, run)
        return sum(found) < 0.5 * len(found) and best < 3

    @property
    def link_text(self) -> str:
        """The text of the page's links run together, white space removed."""
        if self._texts is None:
            self._texts = self._walk_texts()
        return self._texts[2]

    def _whole_text_of(self, key: str, *, cut: bool) -> bool:
        """Is ``key`` (no white space) the whole text of a cut element (``cut``), or of a
        kept one less what was cut inside it? Only elements of about that length are read."""
        st = self.st
        if self._by_len is None:
            by_len: dict[int, list[int]] = {}
            for i, e in enumerate(st.els):
                if 0 < st.text[i] <= 160 and isinstance(e.tag, str) and e.tag not in ("script", "style"):
                    by_len.setdefault(st.text[i], []).append(i)
            self._by_len = by_len
            self._squashed = {}
        n = len(key)
        for length in range(n, n + 16):
            for i in self._by_len.get(length, ()):
                if self.cut[i] != cut:
                    continue
                text = self._squashed.get(i)
                if text is None:
                    e = st.els[i]
                    text = SPACES.sub("", "".join(e.itertext()) if cut else self._kept_text(e))
                    self._squashed[i] = text
                if text == key:
                    return True
        return False

    def _kept_text(self, el) -> str:
        """The text of a kept element less what pruning cut inside it."""
        idx, cut = self.st.idx, self.cut
        out: list[str] = []
        for event, e in etree.iterwalk(el, events=("start", "end")):
            i = idx.get(e)
            if i is None:
                continue
            if event == "start":
                if not cut[i] and e.text and isinstance(e.tag, str) and e.tag not in ("script", "style"):
                    out.append(e.text)
            elif e is not el and e.tail:
                pi = self.st.parent[i]
                if pi < 0 or not cut[pi]:
                    out.append(e.tail)
        return "".join(out)

    def _walk_texts(self) -> tuple[str, str, str]:
        """The page's text, the text left after pruning, its links' text; no white space."""
        full: list[str] = []
        kept: list[str] = []
        links = SPACES.sub("", "".join("".join(a.itertext()) for a in self.root.iter("a")))
        cut, idx = self.cut, self.st.idx
        skip = ("script", "style")
        for event, el in etree.iterwalk(self.root, events=("start", "end")):
            i = idx.get(el)
            if i is None:
                continue
            if event == "start":
                if el.text and isinstance(el.tag, str) and el.tag not in skip:
                    full.append(el.text)
                    if not cut[i]:
                        kept.append(el.text)
            elif el.tail:
                full.append(el.tail)
                pi = self.st.parent[i]
                if pi < 0 or not cut[pi]:
                    kept.append(el.tail)
        return SPACES.sub("", "".join(full)), SPACES.sub("", "".join(kept)), links

    def _read_also(self, st: TextStats, protect: set, drop: list, under: list) -> None:
        """"Articles similaires" / "À lire aussi" headings and the link list after them."""
        for el in self.root.iter("h2", "h3", "h4", "h5", "div", "p", "span", "strong"):
            i = st.idx.get(el)
            if i is None or not 8 <= st.text[i] <= 60 or drop[i] or under[i]:
                continue
            t = text_of(el)
            if not t or len(t) > 60 or not READ_ALSO.match(t) or len(READ_ALSO.match(t).group(0)) < len(t) - 3:
                continue
            top = el
            while top.getparent() is not None and top.getparent().tag not in KEEP_TAGS \
                    and text_of(top.getparent()) == t:
                top = top.getparent()
            i = st.idx.get(top)
            if i is None or i in protect:
                continue
            drop[i] = True
            nxt = top.getnext()
            j = st.idx.get(nxt) if nxt is not None else None
            if j is not None and isinstance(nxt.tag, str) and st.links[j] >= 2 and j not in protect:
                drop[j] = True

    def _furniture(self, e, i: int, st: TextStats) -> bool:
        """Is element ``e`` page furniture? Structure and link density decide; a class word
        counts only with a second, independent sign."""
        tag = e.tag
        text, nlt, dens = st.text[i], st.nlt(i), st.density(i)
        cls = f"{e.get('class') or ''} {e.get('id') or ''}".strip()
        if tag == "nav":
            return True
        if text and dens >= 0.55 and st.links[i] >= 3 - (tag == "p") and tag in _LINK_BLOCK_TAGS | FURNITURE_TAGS:
            return True  # menus, lists of other articles, tag clouds
        if tag in FURNITURE_TAGS and (dens >= 0.3 or nlt < 200):
            # an article's <header> (its headline, byline, date) only when link-dense
            if tag != "header" or dens >= 0.5 or e.find(".//h1") is None and e.find(".//h2") is None:
                return True
        if cls and junk_words(cls):
            if dens >= 0.3 or nlt < 150:
                return True  # share bars, "related" boxes, counters
            if CONSENT_CLASS.search(cls) and nlt < 2000:
                t = text_of(e)
                if legal_score(t) >= 2 or (CTA.search(t) and CTA_TARGET.search(t)):
                    return True  # a cookie wall, a newsletter box
        if tag in ("p", "div", "span") and text and dens >= 0.3 and text < 300 and READ_ALSO.match(text_of(e)):
            return True
        return False

    def _find_caption(self, captions: list[int]):
        st = self.st
        found = []
        for i in captions:
            el = st.els[i]
            if el.tag == "dl" or _in_furniture(el):
                continue
            found.append(i)
        texts = []
        for i in found:
            el = st.els[i]
            t = _caption_text(el)
            if t:
                texts.append((i, t))
            for line in paragraphs_of(el) + [text_of(el)]:
                self.caption_texts.add(line)
        if not texts:
            return
        if self.h1 is not None and self.h1 in st.idx:
            # the first caption after the headline (the lead picture's)
            pos = st.idx[self.h1]
            texts = [(i, t) for i, t in texts if i > pos] or texts
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
            if LEAD_CLASS.search(el.get("class") or ""):
                if _in_furniture(el):
                    continue
                t = text_of(el)
                if 60 <= len(t) <= 1200:
                    self.lead = t
                return
            if el.tag == "p" and len(text_of(el)) > 150:
                return  # the body started: a standfirst comes before it


_CAPTION_CACHE: dict[str, bool] = {}


def _is_caption(e, text: int) -> bool:
    """A picture's caption: ``<figcaption>``, a small element of class ``caption``,
    ``legende``, ``credit`` ..., SPIP's ``dl.spip_document``."""
    tag = e.tag
    if tag == "figcaption":
        return True
    cls = e.get("class")
    eid = e.get("id")
    if not cls and not eid:
        return False
    cls = f"{cls or ''} {eid or ''}"
    if tag == "dl" and "spip_document" in cls:
        return True
    if tag in ("figure", "img", "dl", "body", "html") or text >= 400:
        return False
    v = _CAPTION_CACHE.get(cls)
    if v is None:
        v = bool(CAPTION_CLASS.search(cls))
        if len(_CAPTION_CACHE) < 20_000:
            _CAPTION_CACHE[cls] = v
    return v


def _in_furniture(el) -> bool:
    for a in el.iterancestors():
        if a.tag in KEEP_TAGS:
            continue
        if a.tag in ("aside", "nav", "footer") or is_junk_element(a):
            return True
    return False


_CREDIT_TAIL = re.compile(
    r"\s*(?:©|\(c\)|cr[ée]dits?\s*(?:photos?)?\s*:|photo\s*:|ph\.?\s*:|source\s*:).*$", re.I
)


def _caption_text(el) -> str:
    parts = []
    for line in paragraphs_of(el):
        if is_credit_line(line):
            continue
        line = _CREDIT_TAIL.sub("", line).strip()
        if line:
            parts.append(line)
    return clean(" ".join(parts))
