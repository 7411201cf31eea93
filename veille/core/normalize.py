"""Word normalization shared by topics, stories and the web plugin: :func:`normalize` and
:func:`tokens`.

Decisions:

- Words are compared as a normalized token stream: NFKD, combining marks stripped,
  casefolded, split on every character that is not a letter or digit (so apostrophes,
  primes, hyphens, underscores split words: ``L′OTAN`` → ``l``, ``otan``).
- ASCII text takes a fast path (``lower``); Latin accents are stripped with one regex;
  other scripts' marks are looked up only among the text's distinct characters.
"""

from __future__ import annotations

import functools
import re
import unicodedata

__all__ = ["normalize", "tokens"]


@functools.lru_cache(maxsize=4096)
def _is_mark(ch: str) -> bool:
    return bool(unicodedata.combining(ch)) or unicodedata.category(ch) in ("Mn", "Me")


_LATIN_MARKS = re.compile("[\u0300-\u036f]+")  # the accents of Latin scripts, fast path


_WORD = re.compile(r"\w+")  # after "_" -> " ": runs of letters and digits


def normalize(text: str) -> str:
    """NFKD, strip combining marks, casefold (the text before splitting into words)."""
    if text.isascii():
        return text.lower()
    s = unicodedata.normalize("NFKD", text).casefold()
    # casefold can produce new decomposable characters or marks (İ -> i + U+0307)
    s = _LATIN_MARKS.sub("", unicodedata.normalize("NFKD", s))
    if not s.isascii():  # other scripts' marks: look only at the distinct characters
        marks = {ord(c): None for c in set(s) if c > "\x7f" and _is_mark(c)}
        if marks:
            s = s.translate(marks)
    return s


def tokens(text: str) -> list[str]:
    """The normalized words of ``text``: ``tokens("L′OTAN, Moyen-Orient") == ["l", "otan",
    "moyen", "orient"]``. Letters and digits only; everything else separates words."""
    return _WORD.findall(normalize(text).replace("_", " "))
