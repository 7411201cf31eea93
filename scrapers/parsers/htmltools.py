"""The HTML toolkit every parser shares: read a page, walk its elements, know its furniture.

- Reading: :func:`ensure_html` refuses bodies no parser should look at (``NotAnArticle``
  ``empty`` / ``not-html``); :func:`parse_document` parses a decoded page with lxml and
  never raises.
- Text: :func:`text_of` (every text node of an element, white space collapsed),
  :func:`inline_text` (the same less scripts, forms, media; ``<br>`` as a space),
  :func:`norm` (the words of a text, lowercase and accent-free: what two texts are
  compared by).
- Paragraphs: :func:`flow` turns an element into a flow of tokens (text, :data:`BR`,
  :data:`BREAK` at each block edge); :func:`split_paragraphs` cuts a flow into
  paragraphs; :func:`paragraphs` is the two together.
- Editing: :func:`remove` takes an element out of its tree and keeps its tail text.
- Vocabulary of page furniture: :func:`is_credit_line` (photo credits),
  :data:`READ_ALSO_PHRASES` ("À lire aussi" openings), :data:`FURNITURE_WORDS` (class/id
  words of share bars, ads, comments, counters), :data:`BLOCK_TAGS`, :data:`NON_TEXT_TAGS`.

Decisions:

- One rule for paragraphs: a block edge ends one; so do two or more ``<br>`` with only
  white space between them; a single ``<br>`` is a space (or, with
  ``single_br_breaks=True``, a break: the aBamako rule for bodies that use nothing else).
  Each parser builds its flow its own way (the aBamako parser marks zones and skips
  furniture while walking; the generic parser passes its own, narrower tag sets, which
  include trafilatura's TEI elements) and cuts it with the same :func:`split_paragraphs`.
- The vocabulary holds what the parsers share. A parser may add words of its own (the
  generic parser prunes whole pages and knows more furniture: cookie walls, menus,
  breadcrumbs); it does not redefine the shared ones. Adding a shared word changes what
  every parser cuts, hence the stored texts: do it on purpose, with the tests.
- Parsing goes through UTF-8 bytes (``fix_c1_refs`` first), never lxml's own charset
  guess: the page was decoded once, by :mod:`scrapers.parsers.decode`.
"""

from __future__ import annotations

import re

from lxml import etree
from lxml import html as lxml_html

from scrapers.parsers.dates import fold
from scrapers.parsers.decode import fix_c1_refs, is_html_content_type, sniff_kind
from veille.core.errors import NotAnArticle
from veille.core.textformat import clean

__all__ = [
    "BLOCK_TAGS",
    "BR",
    "BREAK",
    "FURNITURE_WORDS",
    "MAX_DEPTH",
    "NON_TEXT_TAGS",
    "READ_ALSO_PHRASES",
    "class_words_re",
    "ensure_html",
    "flow",
    "inline_text",
    "is_credit_line",
    "norm",
    "paragraphs",
    "parse_document",
    "read_also_re",
    "remove",
    "split_paragraphs",
    "text_of",
]


# --------------------------------------------------------------------------------------
# reading a page

def ensure_html(body: bytes | None, content_type: str | bytes | None) -> None:
    """Raise NotAnArticle ``empty`` / ``not-html`` for bodies no parser should look at."""
    if body is None or not body.strip():
        raise NotAnArticle("empty", "empty body")
    if not isinstance(body, (bytes, bytearray, memoryview)):
        raise NotAnArticle("not-html", f"body is {type(body).__name__}, not bytes")
    verdict = is_html_content_type(content_type)
    kind = sniff_kind(bytes(body[:1024]))
    if verdict is False:
        raise NotAnArticle("not-html", f"content type {content_type!s}")
    if kind == "binary":
        raise NotAnArticle("not-html", "binary body")
    if kind == "xml":
        raise NotAnArticle("not-html", "XML document (feed or sitemap?)")
    if verdict is None and kind != "html":
        raise NotAnArticle("not-html", f"no HTML in a {content_type or 'untyped'} body")


_UTF8_PARSER = etree.HTMLParser(
    encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True,
    default_doctype=False, collect_ids=False,
)
# lxml.html elements (trafilatura and its readability take such a tree as is), chosen in C:
# lxml.html's own parser asks a Python function for the class of every element
_UTF8_PARSER.set_element_class_lookup(etree.ElementDefaultClassLookup(
    element=lxml_html.HtmlElement, comment=lxml_html.HtmlComment, entity=lxml_html.HtmlEntity,
    pi=lxml_html.HtmlProcessingInstruction,
))


def parse_document(text: str) -> etree._Element:
    """Parse a decoded page (or fragment) with lxml; never raises (empty ``<html>`` at worst)."""
    text = fix_c1_refs(text)
    data = text.encode("utf-8", "replace")
    try:
        root = etree.fromstring(data, _UTF8_PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        root = None
    if root is None:
        root = etree.fromstring(b"<html><body></body></html>", _UTF8_PARSER)
    return root


# --------------------------------------------------------------------------------------
# vocabulary: which elements hold text, which are page furniture

# the block elements of HTML: each one starts and ends a paragraph
BLOCK_TAGS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 blockquote ul ol li dl dt dd table thead tbody tfoot tr td th "
    "caption section article aside header footer nav figure figcaption pre hr address center "
    "main details summary fieldset legend body html".split()
)
# elements whose content is never article text (code, forms, media, the head)
NON_TEXT_TAGS = frozenset(
    "script style noscript iframe object embed applet form button select option textarea "
    "input svg math template head title meta link video audio canvas map area source track "
    "img picture frame frameset base param".split()
)
# class/id words (between spaces, "-" and "_") of page furniture: share bars, ads,
# comments, related posts, newsletter boxes, counters, "read also" boxes, keyword lists
FURNITURE_WORDS = frozenset(
    "share sharing sharer sharethis addthis addtoany a2a social socials partage partager "
    "ads advert advertising advertisement adsbygoogle pub publicite banner sponsor sponsored "
    "outbrain taboola newsletter related comment comments commentaire commentaires "
    "print imprimer compteur counter views alire lireaussi tags motscles keywords".split()
)
# how a block that lists other articles opens ("À lire aussi", "Sur le même sujet" ...)
READ_ALSO_PHRASES = (
    r"[ÀA]\s+lire\s+(?:aussi|également|egalement)",
    r"lire\s+(?:aussi|également|egalement)",
    r"voir\s+aussi",
    r"sur\s+le\s+m[êe]me\s+sujet",
    r"articles?\s+(?:li[ée]s|similaires|connexes)",
)


def read_also_re(*more: str) -> re.Pattern:
    """``READ_ALSO_PHRASES`` (and ``more``) at the start of a text, as a whole word (``match``)."""
    return re.compile(r"^\s*(?:" + "|".join((*READ_ALSO_PHRASES, *more)) + r")\b", re.I)


def class_words_re(words) -> re.Pattern:
    """A ``search`` pattern finding any of ``words`` in a class/id string, as a whole
    token between spaces, ``-`` and ``_``."""
    alts = "|".join(re.escape(w) for w in sorted(words))
    return re.compile(r"(?:^|[\s_-])(?:" + alts + r")(?=$|[\s_-])", re.I)


_CREDIT = re.compile(
    r"^\s*(?:©|\(c\)\s|copyright\b|cr[ée]dits?\s*(?:photos?)?\s*:|(?:photo|ph)\s*(?:d'archives?)?\s*:"
    r"|source\s+photo\s*:|\(?photo\s*:)",
    re.I,
)


def is_credit_line(text: str) -> bool:
    """A photo credit line (``© aBamako.com par X``, ``Photo : X``), never in the text."""
    return bool(_CREDIT.match(text))


# --------------------------------------------------------------------------------------
# text

def text_of(el) -> str:
    """Every text node of ``el`` (scripts included), white space collapsed."""
    return clean("".join(el.itertext()))


def inline_text(el, skip=NON_TEXT_TAGS) -> str:
    """The text of ``el`` and its descendants, less the ``skip`` elements; ``<br>`` is a
    space, other elements add nothing (not collapsed: pass it to ``clean``)."""
    out = [el.text or ""] if _tag(el) not in skip else []
    for child in el:
        tag = _tag(child)
        if tag is not None and tag not in skip:
            out.append(" " if tag == "br" else inline_text(child, skip))
        out.append(child.tail or "")
    return "".join(out)


def _tag(el) -> str | None:
    return el.tag.lower() if isinstance(el.tag, str) else None


def norm(s: str | None) -> str:
    """The words of ``s``, lowercase and accent-free, one space apart: what two texts are
    compared by (``« Le Mali, aujourd'hui »`` → ``le mali aujourd hui``)."""
    return " ".join(re.findall(r"\w+", fold(s or "")))


# --------------------------------------------------------------------------------------
# paragraphs

BR = 1  # a <br> in a flow
BREAK = 2  # the edge of a block element in a flow
MAX_DEPTH = 200  # elements deeper than this below the walked one are not read


def flow(el, out: list | None = None, *, blocks=BLOCK_TAGS, skip=NON_TEXT_TAGS) -> list:
    """The tokens of ``el`` (not its tail) appended to ``out``: its texts, :data:`BR` for
    each ``<br>`` (and TEI ``<lb>``), :data:`BREAK` before and after each ``blocks``
    element; ``skip`` elements give their tail only."""
    if out is None:
        out = []
    _flow(el, out, blocks, skip, 0)
    return out


def _flow(e, out: list, blocks, skip, depth: int) -> None:
    tag = e.tag
    if tag.__class__ is not str:
        return  # a comment or processing instruction
    if tag == "br" or tag == "lb":
        out.append(BR)
    elif tag not in skip:
        block = tag in blocks
        if block:
            out.append(BREAK)
        if e.text:
            out.append(e.text)
        if depth < MAX_DEPTH:
            for c in e:
                _flow(c, out, blocks, skip, depth + 1)
                if c.tail:
                    out.append(c.tail)
        if block:
            out.append(BREAK)


def split_paragraphs(tokens, *, single_br_breaks: bool = False) -> list[str]:
    """Cut a flow into paragraphs (white space collapsed, empty ones dropped): at each
    :data:`BREAK`, and at two or more :data:`BR` with only white space between them; a
    single BR is a space, or a break with ``single_br_breaks``."""
    paras: list[str] = []
    cur: list[str] = []
    brs = 0

    def flush() -> None:
        s = clean("".join(cur))
        if s:
            paras.append(s)
        cur.clear()

    for t in tokens:
        if t.__class__ is str:
            if brs and t and not t.isspace():
                if brs >= 2 or single_br_breaks:
                    if cur:
                        flush()
                else:
                    cur.append(" ")
                brs = 0
            cur.append(t)
        elif t == BR:
            brs += 1
        else:  # BREAK (or any other marker)
            if cur:
                flush()
            brs = 0
    if cur:
        flush()
    return paras


def paragraphs(el, *, blocks=BLOCK_TAGS, skip=NON_TEXT_TAGS) -> list[str]:
    """The paragraphs of an element (see :func:`split_paragraphs`)."""
    return split_paragraphs(flow(el, blocks=blocks, skip=skip))


# --------------------------------------------------------------------------------------
# editing

def remove(el) -> None:
    """Remove ``el`` from its tree, keeping its tail text in place."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)
