"""The article text format: parts to text (``write``) and text to parts (``read``).

The format is the one of the reference document in ``seeds/`` (the README's "The text
format"). In short, blocks joined by a blank line::

    " date YYYY-MM <page title>"
    "<headline> <dateline>"
    "<caption>"                     (only when the page has one)
    "<p1>\\n\\n\\n\\n<p2>..."          (body paragraphs, three blank lines apart)

Inside a block every run of white space is one ASCII space; no trailing newline.
Invisible format characters (:data:`veille.core.normalize.INVISIBLE`: soft hyphens,
zero-width spaces and joiners, word joiners, BOMs) are dropped: a page cannot hide a word
by cutting it with one of them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from veille.core.errors import FormatError
from veille.core.normalize import INVISIBLE

__all__ = [
    "TextParts",
    "FormatError",
    "clean",
    "write",
    "read",
    "content_hash",
    "body_hash",
    "is_clean",
]

PARAGRAPH_SEP = "\n\n\n\n"
BLOCK_SEP = "\n\n"
_DATE_LINE = re.compile(r" date (\d{4}-\d{2}) (.*)\Z", re.S)

# Every run of white space (ASCII and Unicode: NBSP, NNBSP, thin spaces, line and
# paragraph separators, zero-width space excluded since it is not white space)
# becomes one ASCII space. ``str.split()`` with no argument splits on exactly the
# characters for which ``str.isspace()`` is true, which covers all of these.
_INVISIBLE = re.compile(f"[{INVISIBLE}]+")


def clean(text: str | None) -> str:
    """Drop invisible format characters, collapse every run of white space into one ASCII
    space and strip the ends."""
    if not text:
        return ""
    if not text.isprintable() and any(c in text for c in INVISIBLE):  # str.find: fast
        text = _INVISIBLE.sub("", text)
    return " ".join(text.split())


def is_clean(parts: list[str]) -> bool:
    """True when :func:`clean` leaves every one of ``parts`` as it is (the blocks and
    paragraphs of a text :func:`write` made): callers may then skip cleaning them one by
    one. ``str.isprintable`` rules out every white space but the ASCII space and every
    invisible format character (categories Z and C); the rest is a few ``str.find``.
    False does not mean a part needs cleaning (a bidi mark is not printable)."""
    for p in parts:
        if p and (p[0] == " " or p[-1] == " " or "  " in p or not p.isprintable()):
            return False
    return True


@dataclass
class TextParts:
    """The parts of one article text, in the order the format writes them."""

    date: str  # "YYYY-MM", the month of publication
    title: str  # the page title, as the page writes it
    headline: str
    dateline: str = ""  # "Publié le jeudi 30 juin 2022 | Dw"
    caption: str = ""
    paragraphs: list[str] = field(default_factory=list)

    def normalized(self) -> "TextParts":
        """The same parts with white space collapsed and empty paragraphs dropped."""
        return TextParts(
            date=clean(self.date),
            title=clean(self.title),
            headline=clean(self.headline),
            dateline=clean(self.dateline),
            caption=clean(self.caption),
            paragraphs=[p for p in (clean(p) for p in self.paragraphs) if p],
        )


def write(parts: TextParts) -> str:
    """Render ``parts`` as one text in the article format (normalizing white space)."""
    p = parts.normalized()
    if not re.fullmatch(r"\d{4}-\d{2}", p.date):
        raise FormatError(f"date must be YYYY-MM, got {parts.date!r}")
    if not p.title:
        raise FormatError("an article text needs a page title")
    if not p.headline:
        raise FormatError("an article text needs a headline")
    blocks = [f" date {p.date} {p.title}"]
    head = " ".join(x for x in (p.headline, p.dateline) if x)
    for block in (head, p.caption, PARAGRAPH_SEP.join(p.paragraphs)):
        if block:
            blocks.append(block)
    return BLOCK_SEP.join(blocks)


def read(text: str, *, dateline_marker: str = "Publié le") -> TextParts:
    """Read a text in the article format back into its parts.

    The headline block is split at the last ``dateline_marker`` ("Publié le" by default);
    a headline block without it is all headline. A block between the headline block and
    the lead is the caption. The format cannot tell a caption without body from a
    one-paragraph body; such a text reads as a body. ``write(read(t)) == t`` always holds.
    """
    if "\r" in text:
        raise FormatError("carriage return in text")
    if text != text.strip("\n") or text.endswith(" "):
        raise FormatError("text has leading or trailing blank lines or spaces")
    first, *rest = text.split(PARAGRAPH_SEP)
    blocks = first.split(BLOCK_SEP)
    m = _DATE_LINE.match(blocks[0])
    if not m:
        raise FormatError(f"line 1 is not ' date YYYY-MM <title>': {blocks[0][:80]!r}")
    date, title = m.group(1), m.group(2)
    if len(blocks) < 2:
        raise FormatError("no headline block after line 1")
    head = blocks[1]
    headline, dateline = head, ""
    i = head.rfind(" " + dateline_marker)
    if i >= 0:
        headline, dateline = head[:i], head[i + 1 :]
    elif head.startswith(dateline_marker):
        headline, dateline = "", head
    middle = blocks[2:]
    if len(middle) > 2:
        raise FormatError(f"{len(middle)} blocks between headline and body; expected at most 2")
    caption = ""
    if len(middle) == 2:
        caption, lead = middle
        paragraphs = [lead, *rest]
    elif len(middle) == 1:
        paragraphs = [middle[0], *rest]
    else:
        paragraphs = list(rest)
        if rest:
            raise FormatError("paragraph break without a lead")
    return TextParts(date, title, headline, dateline, caption, paragraphs)


def content_hash(text: str) -> str:
    """SHA-256 hex digest of the UTF-8 bytes of ``text``: the identity of a version."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def body_hash(paragraphs: list[str]) -> str:
    """SHA-256 of the body paragraphs alone (cleaned), to find one story under other titles."""
    if all(paragraphs) and is_clean(paragraphs):
        return content_hash(PARAGRAPH_SEP.join(paragraphs))
    return content_hash(PARAGRAPH_SEP.join(clean(p) for p in paragraphs if clean(p)))
