"""Turn the bytes of a fetched page into text, the way a browser would (near enough).

Order of precedence, as in the WHATWG encoding sniffing rules:

1. a byte order mark (UTF-8, UTF-16 LE/BE);
2. the ``charset`` of the HTTP ``Content-Type`` header;
3. a ``<meta charset=...>`` or ``<meta http-equiv=Content-Type content="...; charset=...">``
   in the first :data:`META_SCAN_BYTES` bytes;
4. none declared: UTF-8 if the bytes are valid UTF-8, else windows-1252.

Labels are normalized as browsers do: ``iso-8859-1``, ``latin-1``, ``us-ascii`` and their
aliases all mean windows-1252 (so ’ œ « … at 0x80–0x9F come out right); an unknown label
counts as no declaration. A declaration the bytes contradict falls back sanely: a page
declared UTF-8 whose bytes are not UTF-8 is read as windows-1252 (unless they are UTF-8
but for a few broken sequences, at least 20 good non-ASCII characters for each bad one:
then UTF-8, bad sequences as U+FFFD, as browsers show it), and a page declared as
a legacy single-byte charset whose bytes are valid, non-ASCII UTF-8 is read as UTF-8
(no French windows-1252 text is valid UTF-8 by accident).

windows-1252 is decoded WHATWG-style: the five bytes Python's ``cp1252`` leaves undefined
(0x81 0x8D 0x8F 0x90 0x9D) map to the C1 controls instead of raising.

:func:`fix_c1_refs` applies the HTML5 rule that numeric character references
``&#128;``–``&#159;`` (and ``&#x80;``–``&#x9F;``) name the windows-1252 character, plus
``&#0;``, surrogates and out-of-range references become U+FFFD. (libxml2 ≥ 2.14 does this
itself; older builds do not, so parsers run it on what they hand to lxml.)

Everything here works on ``bytes`` and never raises on bad input.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

__all__ = [
    "META_SCAN_BYTES",
    "Decoded",
    "http_charset",
    "meta_charset",
    "bom_charset",
    "normalize_charset",
    "declared_charset",
    "choose_charset",
    "decode_bytes",
    "decode_html",
    "fix_c1_refs",
    "display_name",
    "is_html_content_type",
    "sniff_kind",
]

META_SCAN_BYTES = 8192  # browsers look at 1024; real pages put long scripts first

_C1_HANDLER = "veille-c1"


def _c1_passthrough(err: UnicodeDecodeError):
    # windows-1252 bytes Python leaves undefined → U+0081 etc., as WHATWG does.
    return err.object[err.start : err.end].decode("latin-1"), err.end


try:  # register once per process
    codecs.lookup_error(_C1_HANDLER)
except LookupError:
    codecs.register_error(_C1_HANDLER, _c1_passthrough)

# WHATWG label → Python codec. Only the labels that matter are listed; anything else is
# looked up with ``codecs.lookup`` and kept if it is a text encoding.
_WINDOWS_1252_LABELS = {
    "ansi_x3.4-1968", "ascii", "cp1252", "cp819", "csisolatin1", "ibm819", "iso-8859-1",
    "iso-ir-100", "iso8859-1", "iso88591", "iso_8859-1", "iso_8859-1:1987", "l1", "latin1",
    "latin-1", "us-ascii", "windows-1252", "x-cp1252", "iso8859_1", "8859-1", "cp-1252",
    "win-1252", "win1252", "windows1252", "iso-latin-1",
}
_UTF8_LABELS = {"unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8", "x-unicode20utf8"}
_UTF16_LABELS = {"utf-16", "utf-16le", "utf-16be", "unicode", "ucs-2", "csunicode", "iso-10646-ucs-2", "unicodefeff", "unicodefffe"}

_DISPLAY = {"cp1252": "windows-1252", "utf-8": "utf-8", "utf-16-le": "utf-16le", "utf-16-be": "utf-16be"}


def display_name(codec: str) -> str:
    """The name to record for a Python codec name (``cp1252`` → ``windows-1252``)."""
    return _DISPLAY.get(codec, codec)


def normalize_charset(label: str | bytes | None, *, from_meta: bool = False) -> str | None:
    """A Python codec name for a charset label, or None when the label is unknown.

    The latin-1 family maps to ``cp1252``. A ``<meta>`` cannot declare UTF-16 (the bytes
    would not have been readable to find it): with ``from_meta`` such labels mean UTF-8.
    """
    if label is None:
        return None
    if isinstance(label, bytes):
        label = label.decode("latin-1")
    name = label.strip().strip("\"'").strip().lower()
    if not name or len(name) > 40:
        return None
    if name in _WINDOWS_1252_LABELS:
        return "cp1252"
    if name in _UTF8_LABELS:
        return "utf-8"
    if name in _UTF16_LABELS or name.startswith("utf-16"):
        if from_meta:
            return "utf-8"
        if name in ("utf-16be", "unicodefffe"):
            return "utf-16-be"
        return "utf-16-le" if name != "utf-16" else "utf-16"
    if name in ("x-user-defined",):
        return "cp1252"
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True):
        return None  # base64, rot13, zlib ... are not charsets
    codec = info.name
    if codec in ("latin-1", "latin_1", "iso8859-1", "ascii"):
        return "cp1252"
    if codec in ("utf-8", "utf-8-sig"):
        return "utf-8"
    if codec in ("utf-32", "utf-32-le", "utf-32-be", "utf-7") and from_meta:
        return "utf-8"
    return codec


_CT_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([^\s"';,]+)""", re.I)


def http_charset(content_type: str | bytes | None) -> str | None:
    """The raw charset label of a Content-Type header value, or None."""
    if not content_type:
        return None
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1")
    m = _CT_CHARSET.search(content_type)
    return m.group(1) if m else None


_META_ATTR_CHARSET = re.compile(rb"""\bcharset\s*=\s*["']?\s*([a-z0-9_.:+-]{1,40})""")


def meta_charset(data: bytes, limit: int = META_SCAN_BYTES) -> str | None:
    """The charset label a ``<meta>`` declares in the first ``limit`` bytes, or None.

    Only ``charset=`` inside a ``<meta ...>`` tag counts (``<script charset=...>`` does
    not), and not inside a comment.
    """
    low = data[:limit].lower()
    pos = 0
    for _ in range(64):  # bounded: hostile pages may repeat "charset" endlessly
        i = low.find(b"charset", pos)
        if i < 0:
            return None
        pos = i + 7
        q = low.rfind(b"<", 0, i)
        if q < 0 or low.find(b">", q, i) >= 0:
            continue
        if not low.startswith(b"<meta", q) or low[q + 5 : q + 6] not in b" \t\n\r\f/":
            continue
        c = low.rfind(b"<!--", 0, q)
        if c >= 0 and low.find(b"-->", c + 4, q) < 0:
            continue
        m = _META_ATTR_CHARSET.match(low, i)
        if m:
            return m.group(1).decode("ascii")
    return None


def bom_charset(data: bytes) -> tuple[str, int] | None:
    """(codec, BOM length) when ``data`` starts with a byte order mark."""
    if data[:3] == b"\xef\xbb\xbf":
        return "utf-8", 3
    if data[:2] == b"\xff\xfe":
        return "utf-16-le", 2
    if data[:2] == b"\xfe\xff":
        return "utf-16-be", 2
    return None


def declared_charset(body: bytes, content_type: str | bytes | None = None) -> tuple[str | None, str]:
    """(codec or None, where it came from: ``bom`` / ``http`` / ``meta`` / ``none``)."""
    bom = bom_charset(body)
    if bom:
        return bom[0], "bom"
    codec = normalize_charset(http_charset(content_type))
    if codec:
        return codec, "http"
    codec = normalize_charset(meta_charset(body), from_meta=True)
    if codec:
        return codec, "meta"
    return None, "none"


def _valid_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _mostly_utf8(data: bytes) -> bool:
    """UTF-8 with a few broken sequences (a string cut mid-character by the server):
    at least 20 well-formed non-ASCII characters for each bad sequence."""
    text = data.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    good = sum(1 for c in text if c > "\x7f") - bad
    return bad > 0 and good >= 20 * bad


def choose_charset(sample: bytes, declared: str | None) -> str:
    """The codec to decode ``sample`` (the bytes that matter) with, given the declaration.

    Never returns a codec that fails on ``sample`` unless nothing does (then ``cp1252``
    with C1 passthrough, which cannot fail).
    """
    if sample.isascii():
        return declared or "utf-8"
    if declared in (None, "cp1252") or (declared and _single_byte(declared)):
        if _valid_utf8(sample):
            return "utf-8"
        return declared or "cp1252"
    if declared == "utf-8":
        return "utf-8" if _valid_utf8(sample) or _mostly_utf8(sample) else "cp1252"
    try:
        sample.decode(declared)
    except (UnicodeDecodeError, LookupError):
        return "utf-8" if _valid_utf8(sample) else "cp1252"
    return declared


_SINGLE_BYTE = {}


def _single_byte(codec: str) -> bool:
    """True for charmap codecs (iso8859-x, cp125x, koi8 ...): every byte is one char."""
    r = _SINGLE_BYTE.get(codec)
    if r is None:
        ok = 0
        for b in range(0x80, 0x100):
            try:
                ok += len(bytes([b]).decode(codec)) == 1
            except (UnicodeDecodeError, LookupError):
                pass
        r = ok >= 120  # cp1252 leaves 5 bytes undefined; multi-byte codecs fail most
        _SINGLE_BYTE[codec] = r
    return r


def decode_bytes(data: bytes, codec: str) -> str:
    """Decode ``data`` with ``codec``; never raises (bad bytes → U+FFFD, cp1252 per WHATWG)."""
    if codec == "cp1252":
        return data.decode("cp1252", _C1_HANDLER)
    try:
        return data.decode(codec, "replace")
    except LookupError:
        return data.decode("cp1252", _C1_HANDLER)


@dataclass
class Decoded:
    text: str  # the whole page as str, BOM removed, NULs removed
    charset: str  # display name of the codec used: "utf-8", "windows-1252", ...
    declared: str | None  # the declared codec (normalized), None if none
    source: str  # where the declaration came from: bom / http / meta / none


def decode_html(body: bytes, content_type: str | bytes | None = None) -> Decoded:
    """Decode a whole page (slow path helper; the fast path decodes slices)."""
    declared, source = declared_charset(body, content_type)
    bom = bom_charset(body)
    if bom:
        body = body[bom[1] :]
    if declared and declared.startswith("utf-16"):
        text = body.decode(declared, "replace")
        codec = declared
    else:
        codec = choose_charset(body, declared)
        text = decode_bytes(body, codec)
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    return Decoded(text, display_name(codec), declared, source)


# &#128;..&#159; and &#x80;..&#x9F; (leading zeros allowed), plus refs that must be U+FFFD.
_NUMREF = re.compile(r"&#(?:[xX](0*[0-9a-fA-F]{1,8})|(0*[0-9]{1,10}));?")


def _numref_sub(m: re.Match) -> str:
    hx, dec = m.group(1), m.group(2)
    n = int(hx, 16) if hx is not None else int(dec)
    if 0x80 <= n <= 0x9F:
        return bytes([n]).decode("cp1252", _C1_HANDLER)
    if n == 0 or n > 0x10FFFF or 0xD800 <= n <= 0xDFFF:
        return "\ufffd"
    return m.group(0)


def fix_c1_refs(text: str) -> str:
    """Apply the HTML5 rule for numeric references to C1 / invalid code points."""
    if "&#" not in text:
        return text
    return _NUMREF.sub(_numref_sub, text)


_HTML_TYPES = {"text/html", "application/xhtml+xml", "application/xhtml", "text/xhtml"}
_SNIFF_TYPES = {
    "", "text/plain", "application/octet-stream", "binary/octet-stream",
    "application/unknown", "unknown/unknown", "application/x-unknown", "*/*",
    "application/x-download", "application/force-download",
}

_MAGIC = (
    b"%PDF-", b"\x89PNG", b"GIF87a", b"GIF89a", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b",
    b"RIFF", b"ID3", b"OggS", b"\x00\x00\x01\x00", b"BM", b"fLaC", b"\x7fELF", b"MZ",
    b"\xd0\xcf\x11\xe0", b"{\\rtf", b"wOFF", b"wOF2",
)
_HTML_HINTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<title", b"<meta", b"<div",
               b"<p>", b"<p ", b"<span", b"<h1", b"<table", b"<script", b"<!--", b"<a ", b"<br")


def is_html_content_type(content_type: str | bytes | None) -> bool | None:
    """True for an HTML type, False for another explicit type, None when it says nothing."""
    if content_type is None:
        return None
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1")
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime in _HTML_TYPES:
        return True
    if mime in _SNIFF_TYPES:
        return None
    return False


def sniff_kind(body: bytes) -> str:
    """``html``, ``binary``, ``xml`` (feeds, sitemaps), ``text`` or ``empty`` from the first KB."""
    head = body[:1024]
    if not head.strip():
        return "empty" if not body.strip() else "text"
    bom = bom_charset(head)
    if bom and bom[0].startswith("utf-16"):
        try:
            head = head[bom[1] :].decode(bom[0], "ignore").encode("utf-8")
        except Exception:  # pragma: no cover - defensive
            return "binary"
    elif bom:
        head = head[bom[1] :]
    for magic in _MAGIC:
        if head.startswith(magic):
            return "binary"
    if b"\x00" in head:
        return "binary"
    low = head.lstrip().lower()
    if low.startswith(b"<?xml"):
        if any(h in low for h in (b"<html", b"<!doctype html", b"xhtml")):
            return "html"
        return "xml"
    if low.startswith((b"<rss", b"<feed", b"<urlset", b"<sitemapindex")):
        return "xml"
    if any(h in low for h in _HTML_HINTS):
        return "html"
    # many control bytes → binary
    ctrl = sum(1 for b in head if b < 9 or 13 < b < 32)
    if ctrl > len(head) // 20:
        return "binary"
    return "text"
