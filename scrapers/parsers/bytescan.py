"""Find elements in a page's bytes without parsing it: the aBamako parser's fast path.

Everything works on the page's bytes lowercased once (``low``) and returns offsets into
them; nothing decodes or parses the page.

- :func:`first_class_tag` / :func:`last_class_tag`: the first / last real start tag
  carrying a class token ("real": inside a start tag's class attribute, not in a comment,
  script or style);
- :func:`element_end`: where that element ends (nesting counted, an unclosed element
  ended by its container);
- :func:`title_slice`, :func:`head_tag`, :func:`attrs`: the ``<title>`` text and the
  attributes of a head tag (canonical link, ``og:url``, ``article:section``).

Decisions:

- Bounded work on hostile pages: at most ``MAX_TRIES`` candidates per marker, a class
  attribute believed only within ``TAG_WINDOW`` bytes of its ``<``.
- A miss returns None (or the page's end): the caller falls back to parsing the page.
"""

from __future__ import annotations

import html
import re

__all__ = [
    "MAX_TRIES",
    "TAG_WINDOW",
    "attrs",
    "class_tag_at",
    "element_end",
    "first_class_tag",
    "head_tag",
    "last_class_tag",
    "opaque_around",
    "title_slice",
]

MAX_TRIES = 200  # candidates examined per marker before giving up (hostile pages)
TAG_WINDOW = 4096  # a class attribute further than this from its "<" is not believed

# low[q:i] where i is where the class token starts: "<tag ... class = 'a b " etc.
_OPEN_CLASS = re.compile(
    rb"""<([a-z][a-z0-9]*)\s(?:[^>]*?\s)?class\s*=\s*(?:["'](?:[^"'>]*\s)?)?"""
)
_TOKEN_END = frozenset(b"\"' \t\n\r\f>/")


_OPAQUE = ((b"<!--", b"-->"), (b"<script", b"</script"), (b"<style", b"</style"))


def opaque_around(low: bytes, q: int) -> tuple[int, int] | None:
    """(start, end) of the comment, script or style that position ``q`` is inside, if any.

    ``end`` is ``len(low)`` for one never closed.
    """
    for opener, closer in _OPAQUE:
        c = low.rfind(opener, 0, q)
        if c >= 0 and low.find(closer, c + len(opener), q) < 0:
            e = low.find(closer, q)
            return c, (len(low) if e < 0 else e + len(closer))
    return None


def class_tag_at(low: bytes, i: int, n: int):
    """(tag start, tag name) when ``low[i:i+n]`` is a class token of a real start tag;
    else None, or the (start, end) of the comment/script/style it sits in."""
    if low[i + n : i + n + 1] not in (b"",) and low[i + n] not in _TOKEN_END:
        return None
    q = low.rfind(b"<", max(0, i - TAG_WINDOW), i)
    if q < 0 or low.find(b">", q, i) >= 0:
        return opaque_around(low, i)
    m = _OPEN_CLASS.fullmatch(low, q, i)
    if not m:
        return opaque_around(low, i)
    opaque = opaque_around(low, q)
    if opaque:
        return opaque
    return q, m.group(1)


def first_class_tag(low: bytes, name: bytes, start: int = 0, end: int | None = None):
    end = len(low) if end is None else end
    pos = start
    for _ in range(MAX_TRIES):
        i = low.find(name, pos, end)
        if i < 0:
            return None
        t = class_tag_at(low, i, len(name))
        if t is None:
            pos = i + len(name)
        elif t[1].__class__ is bytes:
            return t
        else:
            pos = max(t[1], i + len(name))  # jump past the comment/script/style
    return None


def last_class_tag(low: bytes, name: bytes, start: int = 0):
    end = len(low)
    for _ in range(MAX_TRIES):
        i = low.rfind(name, start, end)
        if i < 0:
            return None
        t = class_tag_at(low, i, len(name))
        if t is None:
            end = i
        elif t[1].__class__ is bytes:
            return t
        else:
            end = min(t[0], i)  # jump before the comment/script/style
    return None


# what may close the element, or be skipped while looking for its end
CONTAINERS = (b"span", b"div", b"td", b"th", b"table", b"article", b"section", b"main", b"body", b"html")
_SCAN_CACHE: dict[bytes, re.Pattern] = {}


def _scan_re(name: bytes) -> re.Pattern:
    pat = _SCAN_CACHE.get(name)
    if pat is None:
        names = b"|".join(re.escape(n) for n in dict.fromkeys((name, *CONTAINERS)))
        pat = re.compile(
            rb"<!--.*?-->|<(script|style|textarea)\b.*?</\1\s*>|<(/?)(" + names + rb")(?=[\s>/])",
            re.S,
        )
        if len(_SCAN_CACHE) < 32:
            _SCAN_CACHE[name] = pat
    return pat


def element_end(low: bytes, tag_start: int, name: bytes) -> int:
    """The end of the element whose start tag ``<name ...`` begins at ``tag_start``.

    Counts nested elements of the same name; stops early when an enclosing container
    closes (an unclosed span); returns ``len(low)`` for a truncated page.
    """
    gt = low.find(b">", tag_start)
    if gt < 0:
        return len(low)
    depth = 1
    others: dict[bytes, int] = {}
    for m in _scan_re(name).finditer(low, gt + 1):
        tag = m.group(3)
        if tag is None:
            continue  # comment, script, style: opaque
        closing = bool(m.group(2))
        if tag == name:
            depth += -1 if closing else 1
            if depth == 0:
                e = low.find(b">", m.end())
                return len(low) if e < 0 else e + 1
        elif closing:
            k = others.get(tag, 0)
            if k == 0:
                return m.start()  # the container closes: the element ended unclosed
            others[tag] = k - 1
        else:
            others[tag] = others.get(tag, 0) + 1
    return len(low)


_ATTR = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")


def attrs(tag: str) -> dict[str, str]:
    """Attributes of one start tag's text (``<link rel=canonical href="...">``)."""
    out: dict[str, str] = {}
    sp = re.search(r"\s", tag)
    if not sp:
        return out
    for m in _ATTR.finditer(tag, sp.start(), len(tag) - 1):
        name = m.group(1).lower()
        if name not in out:
            v = m.group(2) if m.group(2) is not None else m.group(3) if m.group(3) is not None else m.group(4) or ""
            out[name] = html.unescape(v) if "&" in v else v
    return out


def head_tag(low: bytes, needle: bytes, tagname: bytes, limit: int):
    """(start, end) of the first ``<tagname ...>`` tag in ``[0, limit)`` containing ``needle``."""
    pos = 0
    for _ in range(16):
        i = low.find(needle, pos, limit)
        if i < 0:
            return None
        pos = i + len(needle)
        q = low.rfind(b"<", max(0, i - TAG_WINDOW), i)
        if q < 0 or low.find(b">", q, i) >= 0 or not low.startswith(tagname, q + 1):
            continue
        e = low.find(b">", i)
        if e < 0:
            return None
        c = low.rfind(b"<!--", 0, q)
        if c >= 0 and low.find(b"-->", c + 4, q) < 0:
            continue
        return q, e + 1
    return None


def title_slice(low: bytes, limit: int) -> tuple[int, int] | None:
    pos = 0
    for _ in range(8):
        i = low.find(b"<title", pos, limit)
        if i < 0:
            return None
        pos = i + 6
        if low[i + 6 : i + 7] not in (b">", b" ", b"\t", b"\n", b"\r", b"\f", b"/"):
            continue
        c = low.rfind(b"<!--", 0, i)
        if c >= 0 and low.find(b"-->", c + 4, i) < 0:
            continue
        gt = low.find(b">", i, limit)
        if gt < 0:
            return None
        close = low.find(b"</title", gt, limit + 4096)
        if close < 0:
            return None
        return gt + 1, close
    return None
