"""Word normalization, one for everything that compares words: :func:`fold`, :func:`tokens`.

Topic matching (:mod:`veille.topics`), story signatures (:mod:`veille.monitor.stories`),
the full-text index of the texts (``contents_fts`` is filled with :func:`fold` of each text,
:mod:`storage.fts`) and the search box (:mod:`veille.web.plugin`) all go through
:func:`fold`, so a word that matches a topic is found by search too, and the other way round.

Decisions:

- Words are compared as a folded token stream: casefolded, NFKD (compatibility forms:
  ``ﬁ`` → ``fi``), combining marks stripped (accents of every script), and the letters
  that fold like accents although Unicode does not decompose them spelled out: the
  ligatures ``œ`` → ``oe``, ``æ`` → ``ae``, the dotless ``ı`` → ``i``, and the letters
  with a stroke ``ø`` ``ł`` ``đ`` ``ħ`` ``ŧ``. ``manoeuvre`` = ``manœuvre``,
  ``Diyarbakir`` = ``Diyarbakır``.
- Invisible format characters (:data:`INVISIBLE`: soft hyphen, zero-width space, non-joiner
  and joiner, word joiner, invisible operators, BOM / zero-width no-break space, Mongolian
  vowel separator; and every other character of category Cf, such as bidi marks) are
  dropped, not turned into spaces: ``sécu\\u00adrité`` is ``securite``, ``O\\u200bTAN`` is
  ``otan``. The text format writer drops :data:`INVISIBLE` from stored texts
  (:func:`veille.core.textformat.clean`).
- Every other character that is not a letter or a digit separates words (apostrophes,
  primes, hyphens, underscores: ``L′OTAN`` → ``l``, ``otan``). In the folded text, a
  non-ASCII character is always a letter or a digit: the rest became spaces. So SQLite's
  ``unicode61`` tokenizer (letters and digits are token characters) splits a folded text
  into exactly :func:`tokens`, and a byte scan can find the words (ASCII letters and
  digits, and any byte >= 0x80).
- Speed: ASCII text takes a fast path (``lower``); Latin accents are stripped with one
  regex; the few other non-ASCII characters of a text go through a cached per-character
  mapping (``bench/topics_speed.py``).
- :func:`fold_aligned` folds a text character by character (ASCII, Latin-1 letters with
  accents, the common quotes and dashes: most news text; ``…`` becomes one space, not
  three), so its words are the text's tokens at the text's own offsets: the snippets
  (:mod:`veille.topics.highlight`) find terms with one regex over it instead of folding
  each word (issue 14). None for any other text (``œ``, ``ß``, soft hyphens, other
  scripts): the caller folds word by word.
"""

from __future__ import annotations

import functools
import re
import unicodedata

__all__ = ["fold", "fold_aligned", "tokens", "normalize", "INVISIBLE", "LIGATURES"]

# Invisible characters that a page may put inside a word (soft hyphenation, zero-width
# breaks, joiners, BOMs): dropped from stored texts and when words are compared.
INVISIBLE = "\u00ad\u180e\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff"

# Letters that fold like accents though Unicode gives them no decomposition (after casefold).
LIGATURES = {"œ": "oe", "æ": "ae", "ı": "i", "ø": "o", "ł": "l", "đ": "d", "ħ": "h", "ŧ": "t",
             "ĳ": "ij", "ŀ": "l"}

_LATIN_MARKS = re.compile("[\u0300-\u036f]+")  # the accents of Latin scripts, fast path
_NON_ASCII = re.compile("[^\x00-\x7f]")
_WORD = re.compile(r"\w+")  # on a folded text: runs of letters and digits ("_" is gone)


@functools.lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    """What one non-ASCII character of a casefolded NFKD text becomes."""
    if ch in LIGATURES:
        return LIGATURES[ch]
    if ch in INVISIBLE:
        return ""
    cat = unicodedata.category(ch)
    if unicodedata.combining(ch) or cat in ("Mn", "Me", "Cf"):
        return ""
    if ch.isalnum():  # letters and digits of any script (not "_", not private use)
        return ch
    return " "


def _fold_match(m: re.Match) -> str:
    return _fold_char(m.group())


def _fold_slow(text: str) -> str:
    # casefold can produce new decomposable characters or marks (İ -> i + U+0307)
    s = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    s = _LATIN_MARKS.sub("", s)
    if not s.isascii():  # other scripts' marks, ligatures, punctuation, invisible characters
        s = _NON_ASCII.sub(_fold_match, s)
    return s.replace("_", " ") if "_" in s else s


# The fast path of most texts in Latin scripts (~20x faster than NFKD and a regex): the few
# characters outside Latin-1 that news texts use are replaced first, then every Latin-1
# character is folded by one ``bytes.translate``. Both tables are built from _fold_slow,
# character by character, so the two paths agree (tests/unit/test_normalize.py).
_COMMON = ("\u2019\u2018\u201c\u201d\u201e\u2039\u203a\u2013\u2014\u2026\u2022\u00b7\u20ac"
           "\u0153\u0152\u2032\u2033\u202f\u2009\u200a\u2002\u2003\u2011\u2010\u2212"
           + INVISIBLE + "\u00df\u00e6\u00c6\u0131\u0130\u0178")
_PRE = [(c, _fold_slow(c)) for c in _COMMON]
_LATIN1 = bytearray(range(256))
_DELETE = bytearray()
_BAIL = []  # Latin-1 characters whose fold is not one Latin-1 character (nor nothing)
for _b in range(256):
    _f = _fold_slow(chr(_b))
    if _f == "":
        _DELETE.append(_b)
    elif len(_f) == 1 and ord(_f) < 256:
        _LATIN1[_b] = ord(_f)
    elif chr(_b) not in _COMMON:
        _BAIL.append(chr(_b))
_LATIN1, _DELETE, _BAIL = bytes(_LATIN1), bytes(_DELETE), tuple(_BAIL)


def _fold_fast(text: str, pre, keep_length: bool) -> str | None:
    """The fast path of :func:`fold` (``pre``: the replacements made first), None where it
    does not apply (or, with ``keep_length``, where a character would be dropped)."""
    if text.isascii():
        s = text.lower()
        return s.replace("_", " ") if "_" in s else s
    s = text
    for c, r in pre:
        if c in s:
            s = s.replace(c, r)
    try:
        raw = s.encode("latin-1")
    except UnicodeEncodeError:  # other scripts, marks: the general path
        return None
    if any(c in s for c in _BAIL) or keep_length and len(raw.translate(None, _DELETE)) != len(raw):
        return None
    return raw.translate(_LATIN1, _DELETE).decode("latin-1")


def fold(text: str) -> str:
    """``text`` as words are compared (see the module docstring): casefolded, accents,
    ligatures and invisible characters folded, every non-ASCII character that is not a
    letter or digit (and ``_``) made a space. Not split: :func:`tokens` splits it."""
    out = _fold_fast(text, _PRE, False)
    return _fold_slow(text) if out is None else out


# fold_aligned: a character folded to several separators (… ″) is one space; one folded to
# several letters or to nothing (œ ß æ, invisible characters) has no aligned fold
_PRE_ONE = [(c, r if len(r) == 1 else " ") for c, r in _PRE
            if len(r) == 1 or (r and not any(ch.isalnum() for ch in r))]
_PRE_OTHER = tuple(c for c, _ in _PRE if c not in dict(_PRE_ONE))


def fold_aligned(text: str) -> str | None:
    """``text`` folded character by character, so that its words (runs of letters and
    digits) are :func:`tokens` of ``text`` at the same offsets; None if a character of
    ``text`` folds to several letters or to nothing (see the module docstring)."""
    if any(c in text for c in _PRE_OTHER):
        return None
    return _fold_fast(text, _PRE_ONE, True)


def normalize(text: str) -> str:
    """Kept for callers of the former API: the same as :func:`fold`."""
    return fold(text)


def tokens(text: str) -> list[str]:
    """The folded words of ``text``: ``tokens("L′OTAN, Moyen-Orient") == ["l", "otan",
    "moyen", "orient"]``. Letters and digits only; everything else separates words."""
    return _WORD.findall(fold(text))
