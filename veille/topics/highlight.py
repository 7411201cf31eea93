"""Matched terms in context: where a query's terms occur in a text, and a snippet around them.

    spans = term_spans(text, ["Mali", '"mali et la russie"', "secur*"])   # [(start, end), ...]
    parts = snippet(text, terms)     # [("… la ", False), ("sécurité", True), (" au Sahel …", False)]

The briefing shows each flagged article with the terms of its topic highlighted in a
sentence of its text, and the web search shows the same kind of snippet for a search.

Decisions:

- Terms are matched exactly as topics match (:mod:`veille.topics.match`): whole words,
  case- and accent-insensitive (:func:`veille.core.normalize.tokens`), a phrase as
  consecutive words, ``word*`` as a prefix. Each word of the original text is normalized
  on its own, so spans are offsets into the text as stored (its accents, its case).
- The snippet never starts with the text format's line 1 (month and page title, which
  repeats the headline shown above it anyway): it is cut from the rest of the text; a
  term found only in line 1 gives the first lines of the article, unhighlighted.
- The window is about ``width`` characters around the first occurrence, cut at word
  boundaries, with "…" where text was left out; it prefers an occurrence in the body over
  one in the headline (the headline is shown above the snippet).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from veille.core.errors import QueryError
from veille.core.normalize import tokens

from .nodes import Term
from .parse import parse_tree

__all__ = ["term_spans", "snippet", "body_start"]

_WORD = re.compile(r"[^\W_]+")


def _terms(terms: Iterable[str]) -> list[Term]:
    return _parsed_terms(tuple(terms))


@functools.lru_cache(maxsize=256)
def _parsed_terms(terms: tuple[str, ...]) -> list[Term]:
    out = []
    for t in terms:
        try:
            node = parse_tree(t)
        except QueryError:
            continue
        if isinstance(node, Term):
            out.append(node)
    return out


# the tokens of one word: a text's words repeat, and so do the words of the texts of one
# page (the briefing, the search: hundreds of snippets per request)
_word_tokens = functools.lru_cache(maxsize=65536)(lambda word: tuple(tokens(word)))


def _words(text: str) -> list[tuple[str, int, int]]:
    """(normalized token, start, end) for each word of ``text``."""
    out = []
    for m in _WORD.finditer(text):
        for tok in _word_tokens(m.group()):
            out.append((tok, m.start(), m.end()))
    return out


def term_spans(text: str, terms: Iterable[str], start: int = 0) -> list[tuple[int, int]]:
    """Character spans of ``text`` (from ``start``) where one of ``terms`` (as written in a
    query: ``Mali``, ``"mali et la russie"``, ``secur*``) occurs, sorted, not overlapping."""
    nodes = _terms(terms)
    if not nodes:
        return []
    words = _words(text[start:])
    toks = [w[0] for w in words]
    at: dict[str, list[int]] = {}  # token -> where it occurs
    for i, tok in enumerate(toks):
        at.setdefault(tok, []).append(i)
    spans = []
    for node in nodes:
        n = len(node.words)
        want = list(node.words[:-1] if node.prefix else node.words)
        if want:  # a phrase or a word: where its first word occurs
            starts = at.get(want[0], [])
        else:  # a single prefix: every token that starts with it
            starts = sorted(i for tok, where in at.items() if tok.startswith(node.words[-1])
                            for i in where)
        for i in starts:
            head = toks[i : i + n]
            if len(head) < n:
                continue
            fixed = head[:-1] if node.prefix else head
            if fixed != want:
                continue
            if node.prefix and not head[-1].startswith(node.words[-1]):
                continue
            spans.append((start + words[i][1], start + words[i + n - 1][2]))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def body_start(text: str) -> int:
    """Where the text after the text format's line 1 begins."""
    nl = text.find("\n")
    if nl < 0:
        return 0
    i = nl
    while i < len(text) and text[i] in "\n \t":
        i += 1
    return i


def _cut_left(text: str, i: int, lo: int) -> int:
    """A word boundary at or after ``i`` (not before ``lo``)."""
    if i <= lo:
        return lo
    j = text.find(" ", i)
    return j + 1 if 0 <= j < i + 30 else i


def _cut_right(text: str, i: int) -> int:
    if i >= len(text):
        return len(text)
    j = text.rfind(" ", 0, i)
    return j if j > i - 30 else i


def snippet(text: str, terms: Iterable[str], width: int = 260) -> list[tuple[str, bool]]:
    """A part of ``text`` around its first occurrence of ``terms`` (see the module doc), as
    ``(text, is_term)`` pieces; blank lines become " · ". Empty for an empty text."""
    if not text:
        return []
    lo = body_start(text)
    spans = term_spans(text, terms, lo)
    head_end = text.find("\n", lo)
    in_body = [s for s in spans if head_end < 0 or s[0] > head_end]
    first = (in_body or spans or [(lo, lo)])[0]
    if spans:
        left = _cut_left(text, max(lo, first[0] - width // 3), lo)
    else:
        left = lo
    right = _cut_right(text, left + width)
    pieces: list[tuple[str, bool]] = []
    if left > lo:
        pieces.append(("… ", False))
    at = left
    for a, b in spans:
        if b <= left or a >= right:
            continue
        a, b = max(a, left), min(b, right)
        if a > at:
            pieces.append((text[at:a], False))
        pieces.append((text[a:b], True))
        at = b
    if at < right:
        pieces.append((text[at:right], False))
    if right < len(text):
        pieces.append((" …", False))
    return [(re.sub(r"\s*\n\s*", " · ", p), mark) for p, mark in pieces if p]
