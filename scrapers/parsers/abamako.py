"""The parser of the aBamako CMS family (abamako.com, abidjan.net, acotonou.com, ...),
and the table of the family's sites (:data:`FAMILY`).

Known markup (``docs/sources.md``)::

    <title>HEADLINE - abamako.com</title>
    [rubric]
    <h1 class="FontArticleMainTitle">HEADLINE</h1>          (older: span.FontArticleMainTitle)
    <div class="FontArticleSource">Publié le jeudi 30 juin 2022 | Dw</div>   (maybe twice)
    <img class="imgArt" src="/img_photos/...">  © aBamako.com par X  CAPTION
    <span class="FullArticleTexte"> BODY ... </span>          (1–3 spans)

Fast path (``extra["path"] == "slice"``): the page is never parsed as a whole. On the
bytes (lowercased once) it finds ``<title>``, the charset and canonical link in the head,
the first real ``FontArticleMainTitle`` start tag and the end of the last real
``FullArticleTexte`` span (real = inside a start tag's class attribute, not in a comment,
script or style), decodes that slice only, and parses it with lxml as a fragment: about
0.1–0.2 ms for a 75 KB page.

Slow paths, in order, when the slice gives no headline, body and dated dateline:

1. ``path == "full"``: the same extraction over the whole page parsed by lxml (odd markup,
   a dateline outside the slice, ...), with headline/date falling back to
   og:title / ``<title>`` / JSON-LD / ``article:published_time`` (``method`` becomes
   ``abamako+og`` when the headline did not come from the known markup);
2. no ``FullArticleTexte`` at all: :class:`GenericParser` (``og+trafilatura``,
   ``trafilatura``, ``og``), keeping the page title and the ``Publié le`` dateline.

Paragraphs: ``<p>``/block elements and runs of 2+ ``<br>`` separate paragraphs. A single
``<br>`` is a line break inside a paragraph (a space) when the body uses either of those
anywhere; in a body whose only separators are single ``<br>``, each one separates
paragraphs. Span boundaries separate paragraphs. The walk of the article's zone (which
marks headline, photo and body, and skips furniture) is this module's; cutting its
tokens into paragraphs is the toolkit's (:func:`scrapers.parsers.htmltools.split_paragraphs`).

Size: ~700 lines on purpose. The fast and the slow path share the zone walk, its tokens
and the extraction (private, and tuned: the fast path's speed depends on them); the byte
scanning is apart (:mod:`scrapers.parsers.bytescan`), and so is all HTML that is not this
CMS's (:mod:`scrapers.parsers.htmltools`).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import urljoin

from lxml import etree

from scrapers.parsers.base import ParsedArticle, site_for
from scrapers.parsers.bytescan import attrs, element_end, first_class_tag, head_tag, last_class_tag, title_slice
from scrapers.parsers.dates import parse_french_date, publisher_from_dateline
from scrapers.parsers.decode import (
    bom_charset,
    choose_charset,
    declared_charset,
    decode_bytes,
    decode_html,
    display_name,
    fix_c1_refs,
)
from scrapers.parsers.generic import GenericParser
from scrapers.parsers.htmltools import (
    BLOCK_TAGS,
    BR,
    BREAK,
    FURNITURE_WORDS,
    NON_TEXT_TAGS,
    class_words_re,
    ensure_html,
    is_credit_line,
    parse_document,
    read_also_re,
    split_paragraphs,
)
from scrapers.parsers.metadata import meta_published, page_meta
from veille.core.errors import NotAnArticle
from veille.core.textformat import clean

__all__ = ["AbamakoParser", "FAMILY", "FamilySite", "HOSTS"]


@dataclass(frozen=True)
class FamilySite:
    """One site of the aBamako network."""

    name: str  # short name: its spider's (``scrapy crawl acotonou``) and its articles' source
    site: str  # the site name line 1 writes, and the host suffix of its pages
    base_url: str  # where its news live


# The sites of the CMS network (docs/sources.md): one row each. A row is a spider
# (scrapers/spiders/abamako.py makes one per row) and a registry entry (pages under these
# hosts are read by AbamakoParser, scrapers/parsers/registry.py).
FAMILY = (
    FamilySite("abamako", "abamako.com", "https://news.abamako.com"),
    FamilySite("abidjan", "abidjan.net", "https://news.abidjan.net"),
    FamilySite("acotonou", "acotonou.com", "https://news.acotonou.com"),
    FamilySite("aouaga", "aouaga.com", "https://news.aouaga.com"),
    FamilySite("alome", "alome.com", "https://news.alome.com"),
    FamilySite("aniamey", "aniamey.com", "https://news.aniamey.com"),
    FamilySite("adakar", "adakar.com", "https://news.adakar.com"),
    FamilySite("alibreville", "alibreville.com", "https://news.alibreville.com"),
    FamilySite("abangui", "abangui.com", "https://news.abangui.com"),
)
HOSTS = tuple(s.site for s in FAMILY)

# ---------------------------------------------------------------------------------------
# the markers the fast path looks for in the bytes (scrapers.parsers.bytescan)

_HEADLINE = b"fontarticlemaintitle"
_BODY = b"fullarticletexte"
_RUBRIC_TAG = re.compile(
    rb"""<([a-z][a-z0-9]*)\s[^>]*?class\s*=\s*["']?[^"'>]*rubri[^>]*>(.{1,400}?)</\1""", re.S
)
_STRIP_TAGS = re.compile(r"<[^>]*>")
_LINK_TEXT = re.compile(rb"<[aA]\b[^>]*>(.{1,200}?)</[aA]\s*>", re.S)

# ---------------------------------------------------------------------------------------
# tree walking (both paths)

# tokens of the walk besides the texts, BR and BREAK (scrapers.parsers.htmltools)
_IMG, _BODY_START, _BODY_END, _HEAD_MARK = range(3, 7)

# class/id words of furniture in an article's zone: the shared ones, social buttons, and
# what changes between two fetches of the same article (view counters, clocks, "À lire
# aussi" boxes)
_JUNK = class_words_re(FURNITURE_WORDS | frozenset(
    "ad adv banniere reseaux tweet twitter facebook fb whatsapp linkedin widget rating rate "
    "vues hits horloge clock lire aussi voiraussi".split()
))
# A block that opens with these words is a list of links to other articles, not text.
_READ_ALSO = read_also_re()
_LISTS = frozenset(("ul", "ol"))


def _opens_read_also(el) -> bool:
    """Does ``el`` start with "À lire aussi" (in its own text or its first child's)?"""
    text = el.text
    if text and not text.isspace():
        return _READ_ALSO.match(text) is not None
    for child in el:
        if child.tag.__class__ is not str:
            continue
        t = child.text
        return bool(t) and _READ_ALSO.match(t) is not None
    return False
_MAX_DEPTH = 300


class _Ctx:
    __slots__ = ("kind", "protected", "head", "head_pos", "body_pos", "img_pos", "skip_list")

    def __init__(self, kind, protected, head):
        self.kind = kind  # element -> "head" | "src" | "body" | "img"
        self.protected = protected  # ancestors of known elements: never skipped as junk
        self.head = head  # the chosen headline element
        self.head_pos = -1  # token index of the chosen headline
        self.body_pos = -1  # token index of the first body span start
        self.img_pos = -1  # token index of the photo
        self.skip_list = False  # the list after an "À lire aussi" heading is dropped too


def _walk(el, out: list, ctx: _Ctx, depth: int) -> None:
    tag = el.tag
    if tag.__class__ is str:
        kind = ctx.kind.get(el)
        if kind is None:
            if tag == "br":
                out.append(BR)
            elif tag in NON_TEXT_TAGS:
                pass
            else:
                cls = el.get("class")
                ident = el.get("id")
                if (cls or ident) and el not in ctx.protected and _JUNK.search(f"{cls or ''} {ident or ''}"):
                    pass
                elif ctx.skip_list and tag in _LISTS:
                    ctx.skip_list = False
                elif el not in ctx.protected and _opens_read_also(el):
                    ctx.skip_list = True
                else:
                    if ctx.skip_list and (el.text or "").strip():
                        ctx.skip_list = False
                    block = tag in BLOCK_TAGS
                    if block:
                        out.append(BREAK)
                    if el.text:
                        out.append(el.text)
                    if depth < _MAX_DEPTH:
                        for child in el:
                            _walk(child, out, ctx, depth + 1)
                    if block:
                        out.append(BREAK)
        elif kind == "body":
            if ctx.body_pos < 0:
                ctx.body_pos = len(out)
            out.append(_BODY_START)
            if el.text:
                out.append(el.text)
            for child in el:
                _walk(child, out, ctx, depth + 1)
            out.append(_BODY_END)
        elif kind == "img":
            ctx.img_pos = len(out)
            out.append(_IMG)
        elif kind == "head":
            if el is ctx.head:
                ctx.head_pos = len(out)
                out.append(_HEAD_MARK)
        # "src": the dateline is read apart; its text is not flow
    if el.tail:
        out.append(el.tail)


def _inline_text(el) -> str:
    """An element's text with <br>/blocks as spaces, scripts and widgets left out."""
    out: list = []
    ctx = _Ctx({}, set(), None)
    if el.text:
        out.append(el.text)
    for child in el:
        _walk(child, out, ctx, 1)
    return clean("".join(t if t.__class__ is str else " " for t in out))


def _lines_to_caption(lines: list[str]) -> str:
    keep = [s for s in (clean(x) for x in lines) if s and not is_credit_line(s)]
    return " ".join(keep)


def _caption_from_tokens(tokens: list) -> str:
    lines, cur = [], []
    for t in tokens:
        if t.__class__ is str:
            cur.append(t)
        elif t in (BR, BREAK, _IMG):
            lines.append("".join(cur))
            cur = []
    lines.append("".join(cur))
    return _lines_to_caption(lines)


def _structured(tokens: list) -> bool:
    """Does the body separate paragraphs with <p>/blocks or <br><br> somewhere?"""
    seen = False
    brs = 0
    hard = False
    for t in tokens:
        if t.__class__ is str:
            if t.isspace() or not t:
                continue
            if seen and (hard or brs >= 2):
                return True
            seen, brs, hard = True, 0, False
        elif t == BR:
            brs += 1
        elif t == BREAK:
            hard = True
        elif t in (_BODY_START, _BODY_END):
            seen, brs, hard = False, 0, False
    return False


def _body_paragraphs(tokens: list, want_caption: bool):
    """(paragraphs, caption) from the body tokens (caption: image inside the body)."""
    soft = _structured(tokens)
    caption = ""
    if _IMG in tokens:
        tokens, caption = _cut_caption(tokens, want_caption)
    paras = split_paragraphs(tokens, single_br_breaks=not soft)
    return [p for p in paras if not is_credit_line(p)], caption


def _cut_caption(tokens: list, want_caption: bool):
    """(tokens, caption): the lines after the body's first photo (when ``want_caption``)
    up to two <br> or a block edge are its caption, a break in the tokens returned; other
    photos leave no token."""
    out: list = []
    pending = 0  # <br> since the last text
    cap_lines: list[str] | None = None  # collecting a caption after an image
    cap_cur: list[str] = []
    caption = ""
    for t in tokens:
        if t.__class__ is str:
            if not t or t.isspace():
                (cap_cur if cap_lines is not None else out).append(t)
                continue
            if cap_lines is not None:
                if pending == 1:  # a line of the caption ends
                    cap_lines.append("".join(cap_cur))
                    cap_cur = [t]
                    pending = 0
                    continue
                if pending == 0:
                    cap_cur.append(t)
                    continue
                cap_lines.append("".join(cap_cur))  # two <br>: the caption ends
                caption, cap_lines = _lines_to_caption(cap_lines), None
                out.append(BREAK)
            pending = 0
            out.append(t)
        elif t == BR:
            pending += 1
            if cap_lines is None:
                out.append(t)
        elif t == _IMG:
            if want_caption and not caption and cap_lines is None:
                cap_lines, cap_cur = [], []
        else:  # BREAK, _BODY_START, _BODY_END, _HEAD_MARK
            if cap_lines is not None:
                cap_lines.append("".join(cap_cur))
                caption, cap_lines = _lines_to_caption(cap_lines), None
            pending = 0
            out.append(t)
    if cap_lines is not None:
        cap_lines.append("".join(cap_cur))
        caption = _lines_to_caption(cap_lines)
    return out, caption


class _Extracted:
    __slots__ = ("headline", "dateline", "caption", "paragraphs", "has_body", "date", "rubric")

    def __init__(self):
        self.headline = ""
        self.dateline = ""
        self.caption = ""
        self.paragraphs: list[str] = []
        self.has_body = False
        self.date = None
        self.rubric = ""


def _is_photo(img) -> bool:
    cls = (img.get("class") or "").lower().split()
    if "imgart" in cls:
        return True
    return "/img_photos/" in (img.get("src") or "").lower()


def _extract(root) -> _Extracted:
    """Headline, dateline, caption and body from a tree holding the known markup."""
    ex = _Extracted()
    heads, sources, bodies, imgs = [], [], [], []
    order: dict = {}
    for i, el in enumerate(root.iter()):
        tag = el.tag
        if tag.__class__ is not str:
            continue
        if tag == "img":
            order[el] = i
            if _is_photo(el):
                imgs.append(el)
            continue
        cls = el.get("class")
        if not cls:
            continue
        lc = cls.lower()
        if "fontarticle" in lc or "fullarticletexte" in lc:
            toks = lc.split()
            order[el] = i
            if "fullarticletexte" in toks:
                bodies.append(el)
            elif "fontarticlemaintitle" in toks:
                heads.append(el)
            elif "fontarticlesource" in toks:
                sources.append(el)
            elif "fontarticlerubrique" in toks and not ex.rubric:
                ex.rubric = _inline_text(el)[:80]
    if bodies:
        body_set = set(bodies)
        bodies = [b for b in bodies if not any(a in body_set for a in b.iterancestors())]
    ex.has_body = bool(bodies)

    # headline: the last non-empty one before the first body span (a "most read" box
    # above the article may reuse the class), else the first non-empty one
    head_el = None
    first_body = order[bodies[0]] if bodies else None
    texts = {}
    before = []
    for h in heads:
        t = _inline_text(h)
        texts[h] = t
        if first_body is None or order[h] < first_body:
            before.append(h)
    # the last non-empty one before the body, else the last (empty) one as the anchor
    head_el = next((h for h in reversed(before) if texts[h]), before[-1] if before else None)
    if head_el is None or not texts[head_el]:
        head_el = next((h for h in heads if texts[h]), head_el)
    if head_el is not None:
        ex.headline = texts[head_el]

    # dateline: the one that holds a date, else the first non-empty one
    first_src = ""
    src_el = None
    for s in sources:
        t = _inline_text(s)
        if not t:
            continue
        d = parse_french_date(t)
        if d:
            ex.dateline, ex.date, src_el = t, d, s
            break
        first_src = first_src or t
    if not ex.dateline:
        ex.dateline = first_src
    if head_el is None and src_el is not None and (first_body is None or order[src_el] < first_body):
        head_el = src_el  # no headline element: the dateline anchors the photo zone

    if not bodies:
        return ex

    # walk the smallest subtree holding the headline and the body spans
    known = bodies + ([head_el] if head_el is not None else [])
    top = _common_ancestor(known, root)
    kind: dict = {b: "body" for b in bodies}
    for h in heads:
        kind[h] = "head"
    for s in sources:
        kind[s] = "src"
    photo = None
    for im in imgs:
        if head_el is None or order[im] > order[head_el]:
            photo = im
            break
    if photo is not None:
        kind[photo] = "img"
    protected = set()
    for k in known:
        protected.update(k.iterancestors())
    if head_el is not None:
        kind[head_el] = "head"
    ctx = _Ctx(kind, protected, head_el)
    tokens: list = []
    _walk_root(top, tokens, ctx)

    # zones: [headline .. first body start) holds the photo and caption
    start = max(ctx.head_pos, 0)
    b0 = ctx.body_pos
    if b0 < start:
        start = 0
    if start <= ctx.img_pos < b0:
        ex.caption = _caption_from_tokens(tokens[ctx.img_pos + 1 : b0])

    # body: tokens inside the body spans only (ads between spans stay out)
    body_tokens: list = []
    inside = 0
    for t in tokens[b0:]:
        if t == _BODY_START:
            inside += 1
            body_tokens.append(t)
        elif t == _BODY_END:
            inside -= 1
            body_tokens.append(t)
        elif inside > 0:
            body_tokens.append(t)
    ex.paragraphs, cap = _body_paragraphs(body_tokens, want_caption=not ex.caption)
    if cap and not ex.caption:
        ex.caption = cap
    return ex


def _walk_root(top, out, ctx):
    kind = ctx.kind.get(top)
    if kind is not None:
        # the top is itself a known element (single body span)
        _walk(top, out, ctx, 0)
        if top.tail:
            out.pop()  # the tail is outside
        return
    if top.text:
        out.append(top.text)
    for child in top:
        _walk(child, out, ctx, 1)


def _common_ancestor(elements, root):
    if not elements:
        return root
    chain = [elements[0], *elements[0].iterancestors()]
    pos = {el: i for i, el in enumerate(chain)}
    best = 0
    for el in elements[1:]:
        node = el
        while node is not None and node not in pos:
            node = node.getparent()
        if node is None:
            return root
        best = max(best, pos[node])
    return chain[best]


# ---------------------------------------------------------------------------------------

_MAX_FULL_CHARS = 16_000_000  # the whole-page parse never looks further

_FRAGMENT_PARSER = etree.HTMLParser(
    remove_comments=True, remove_pis=True, no_network=True, default_doctype=False,
    collect_ids=False,
)


class AbamakoParser:
    """Parser for the pages of the aBamako CMS family. Stateless, reusable, cheap."""

    name = "abamako"

    def __init__(self):
        self._generic = GenericParser(page_title=True, find_dateline=True)

    # public -----------------------------------------------------------------------------
    def parse(self, body: bytes, url: str, content_type: str | None = None,
              site: str | None = None, *, fallback_date=None, require_date: bool = True) -> ParsedArticle:
        """``fallback_date`` / ``require_date``: for an undated page, as in
        :meth:`GenericParser.parse`."""
        ensure_html(body, content_type)
        body = bytes(body)
        site = site_for(url, site)
        bom = bom_charset(body)
        if bom and bom[0].startswith("utf-16"):
            # not ASCII-compatible: re-encode once, then treat as UTF-8
            text = body[bom[1] :].decode(bom[0], "replace")
            body = text.encode("utf-8")
            declared, source = "utf-8", "bom"
            charset_name = display_name(bom[0])
        else:
            declared, source = declared_charset(body, content_type)
            charset_name = ""
        reason = ""
        try:
            art = self._parse_slice(body, url, declared, site)
        except (ValueError, etree.LxmlError, RecursionError, IndexError) as exc:
            art, reason = None, f"slice failed: {type(exc).__name__}"
        if art is not None:
            if charset_name:
                art.charset = charset_name
            return art
        return self._parse_full(body, url, content_type, site, declared, charset_name, reason,
                                fallback_date, require_date)

    # fast path ------------------------------------------------------------------------
    def _parse_slice(self, body: bytes, url: str, declared, site: str) -> ParsedArticle | None:
        low = body.lower()
        head = first_class_tag(low, _HEADLINE)
        last = last_class_tag(low, _BODY)
        if head is None or last is None:
            return None
        h0 = head[0]
        if last[0] < h0 or last[1] in (b"body", b"html"):
            return None
        end = element_end(low, last[0], last[1])
        head_end = low.find(b"</head", 0, h0)
        if head_end < 0:
            head_end = h0
        ts = title_slice(low, head_end)
        title_bytes = body[ts[0] : ts[1]] if ts else b""
        region = body[h0:end]
        codec = choose_charset(title_bytes + region, declared)

        text = decode_bytes(region, codec)
        text = fix_c1_refs(text)
        if "\x00" in text:
            text = text.replace("\x00", "\ufffd")
        root = etree.fromstring("<html><body>" + text + "</body></html>", _FRAGMENT_PARSER)
        if root is None:
            return None
        ex = _extract(root)
        if not (ex.headline and ex.paragraphs and ex.date):
            return None

        title = clean(html.unescape(fix_c1_refs(decode_bytes(title_bytes, codec)))) if title_bytes else ""
        if not title:
            title = f"{ex.headline} - {site}"
        canonical = self._slice_canonical(low, body, head_end, codec, url)
        rubric = ex.rubric or self._slice_rubric(low, body, h0, head_end, codec)
        return ParsedArticle(
            url=url,
            title=title,
            headline=ex.headline,
            dateline=ex.dateline,
            published=ex.date,
            paragraphs=ex.paragraphs,
            caption=ex.caption,
            publisher=publisher_from_dateline(ex.dateline),
            rubric=rubric,
            canonical_url=canonical,
            method="abamako",
            charset=display_name(codec),
            extra={"path": "slice", "date_source": "dateline"},
        )

    @staticmethod
    def _slice_canonical(low, body, head_end, codec, url) -> str:
        t = head_tag(low, b"canonical", b"link", head_end)
        if t:
            a = attrs(decode_bytes(body[t[0] : t[1]], codec))
            if "canonical" in a.get("rel", "").lower().split() and a.get("href", "").strip():
                return urljoin(url, a["href"].strip())
        t = head_tag(low, b"og:url", b"meta", head_end)
        if t:
            a = attrs(decode_bytes(body[t[0] : t[1]], codec))
            if (a.get("property") or a.get("name") or "").lower() == "og:url" and a.get("content", "").strip():
                return urljoin(url, a["content"].strip())
        return url

    @staticmethod
    def _slice_rubric(low, body, h0, head_end, codec) -> str:
        t = head_tag(low, b"article:section", b"meta", head_end)
        if t:
            a = attrs(decode_bytes(body[t[0] : t[1]], codec))
            if a.get("content"):
                return clean(a["content"])[:80]
        w0 = max(0, h0 - 2000)
        found = ""
        for m in _RUBRIC_TAG.finditer(low, w0, h0):
            found = decode_bytes(body[m.start(2) : m.end(2)], codec)
        if found:
            return clean(html.unescape(_STRIP_TAGS.sub(" ", found)))[:80]
        # a breadcrumb "Accueil » Sport" just above the headline: its last link
        i = max(low.rfind(b"breadcrumb", w0, h0), low.rfind(b"ariane", w0, h0))
        if i >= 0:
            e = low.find(b"</div", i, h0)
            links = _LINK_TEXT.findall(body, i, e if e >= 0 else h0)
            for raw in reversed(links):
                t = clean(html.unescape(_STRIP_TAGS.sub(" ", decode_bytes(raw, codec))))
                if t and t.lower() not in ("accueil", "home", "une", "a la une", "à la une"):
                    return t[:80]
        return ""

    # slow path ------------------------------------------------------------------------
    def _parse_full(self, body, url, content_type, site, declared, charset_name, reason,
                    fallback_date=None, require_date=True) -> ParsedArticle:
        dec = decode_html(body, content_type)
        charset = charset_name or dec.charset
        text = dec.text
        root = parse_document(text[:_MAX_FULL_CHARS])
        pm = page_meta(root)
        ex = _extract(root)
        extra = {"path": "full"}
        if reason:
            extra["slice"] = reason
        if not ex.has_body:
            return self._generic.from_tree(root, text, url, site=site, charset=charset, pm=pm, extra=extra,
                                           fallback_date=fallback_date, require_date=require_date)
        if not ex.paragraphs:
            raise NotAnArticle("no-body", "FullArticleTexte holds no text")
        method = "abamako"
        headline = ex.headline
        if not headline:
            headline = pm.meta.get("og:title") or pm.jsonld.get("headline") or _strip_site(pm.title, site)
            method = "abamako+og"
        if not headline:
            raise NotAnArticle("no-headline", "no FontArticleMainTitle, og:title or <title>")
        published, date_source = ex.date, "dateline"
        if not published:
            published, date_source = meta_published(pm)
        if not published and fallback_date is not None:
            published, date_source = fallback_date, "first_seen"
        if not published and require_date:
            raise NotAnArticle("no-date", "no date in FontArticleSource, meta or JSON-LD")
        extra["date_source"] = date_source if published else ""
        title = pm.title or f"{headline} - {site}"
        canonical = pm.canonical or pm.meta.get("og:url") or ""
        canonical = urljoin(url, canonical) if canonical else url
        rubric = ex.rubric or pm.meta.get("article:section") or _full_rubric(root) or ""
        return ParsedArticle(
            url=url,
            title=title,
            headline=headline,
            dateline=ex.dateline,
            published=published,
            paragraphs=ex.paragraphs,
            caption=ex.caption,
            publisher=publisher_from_dateline(ex.dateline),
            rubric=rubric,
            canonical_url=canonical,
            method=method,
            charset=charset,
            extra=extra,
        )


def _strip_site(title: str, site: str) -> str:
    for sep in (" - ", " | ", " – "):
        if site and title.lower().endswith((sep + site).lower()):
            return title[: -len(sep + site)].strip()
    return title


def _full_rubric(root) -> str:
    try:
        crumbs = root.xpath(
            "//*[contains(translate(@class,'BREADCUMARIN','breadcumarin'),'breadcrumb')"
            " or contains(translate(@class,'ARIANE','ariane'),'ariane')]//a"
        )
    except etree.XPathError:  # pragma: no cover
        crumbs = []
    for a in reversed(crumbs):
        t = _inline_text(a)
        if t and t.lower() not in ("accueil", "home", "une", "a la une", "à la une"):
            return t[:80]
    try:
        els = root.xpath(
            "//*[contains(translate(@class,'RUBIQ','rubiq'),'rubri')]"
            "[following::*[contains(translate(@class,'FONTARICLEMAINSU','fontariclemainsu'),'fontarticlemaintitle')]]"
        )
    except etree.XPathError:  # pragma: no cover
        return ""
    for el in reversed(els):
        t = _inline_text(el)
        if t and len(t) <= 80:
            return t
    return ""
