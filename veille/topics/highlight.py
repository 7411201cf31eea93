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
- A snippet costs little whatever the text (issue 14: 200 search results and 500
  briefing items per page, ~4 ms a row when every word of the text was split and folded
  in Python). Most news texts fold character by character
  (:func:`veille.core.normalize.fold_aligned`: the same offsets in the fold): the first
  occurrence is then one regex search per term over the fold, starting with the term's
  first word (a C-speed string search), and the marks of the window one regex over its
  few hundred characters. Other texts (``œ``, ``ß``) are read :data:`CHUNK` characters at
  a time: a chunk is split into words only if its fold contains the first word of a term
  (a word's fold is part of the fold of the text around it, so nothing is skipped). Same
  pieces as matching the whole text word by word (tests/unit/test_daily.py compares
  them); ~0.05 ms for a 3.5 KB text, 10-20x less than before (both in one run).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from veille.core.errors import QueryError
from veille.core.normalize import fold, fold_aligned, tokens

from .nodes import Term
from .parse import parse_tree

__all__ = ["term_spans", "snippet", "body_start"]

_WORD = re.compile(r"[^\W_]+")
_NON_WORD = re.compile(r"[\W_]")
CHUNK = 400  # characters of a text folded at a time while looking for a term


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


@functools.lru_cache(maxsize=1024)
def _patterns(node: Term) -> tuple[re.Pattern, re.Pattern]:
    """Where ``node`` occurs in a folded text: its words as whole tokens, one after the
    other with only non-word characters between them (a prefix: a token that starts with
    it). (first, every): ``first`` finds the first occurrence (it starts with the first
    word, so ``re`` looks for that string at C speed; the word before it is checked
    after it); ``every`` gives each start, overlapping ones too (a lookahead: slower, for
    a window of a few hundred characters)."""
    head, *others = [re.escape(w) for w in node.words]
    rest = "".join(r"\W+" + w for w in others) + (r"\w*" if node.prefix else "") + r"(?!\w)"
    first = re.compile(head + r"(?<!\w" + "." * len(node.words[0]) + ")" + rest, re.S)
    every = re.compile(r"(?<!\w)(?=(" + head + rest + "))")
    return first, every


def _spans(text: str, nodes: list[Term], start: int, end: int) -> list[tuple[int, int]]:
    """The spans of ``nodes`` in ``text[start:end]`` (both at word boundaries), sorted,
    overlapping ones merged."""
    part = text[start:end]
    folded = fold_aligned(part)
    if folded is not None:  # the same offsets in the fold: one regex per term, no words
        spans = sorted((start + m.start(1), start + m.end(1))
                       for node in nodes for m in _patterns(node)[1].finditer(folded))
        return _merged(spans)
    words = _words(part)
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
    return _merged(sorted(spans))


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def term_spans(text: str, terms: Iterable[str], start: int = 0) -> list[tuple[int, int]]:
    """Character spans of ``text`` (from ``start``) where one of ``terms`` (as written in a
    query: ``Mali``, ``"mali et la russie"``, ``secur*``) occurs, sorted, not overlapping."""
    nodes = _terms(terms)
    return _spans(text, nodes, start, len(text)) if nodes else []


def _word_end(text: str, i: int, more: int) -> int:
    """The end of the word at or after ``i`` and of ``more`` words after it (a word
    boundary: where a phrase that starts before ``i`` ends at the latest)."""
    end = i
    for k, m in enumerate(_WORD.finditer(text, i)):
        end = m.end()
        if k >= more:
            break
    return end


def _word_start(text: str, i: int, more: int, lo: int) -> int:
    """The start of the word at ``i`` and of ``more`` words before it, not before ``lo``."""
    p = i
    while p > lo and text[p - 1].isalnum():  # what _WORD matches: letters and digits
        p -= 1
    for _ in range(more):
        while p > lo and not text[p - 1].isalnum():
            p -= 1
        while p > lo and text[p - 1].isalnum():
            p -= 1
    return p


def _first_span(text: str, nodes: list[Term], a: int, b: int,
                aligned: str | None) -> tuple[int, int] | None:
    """The first span of ``nodes`` that starts in ``text[a:b]`` (``a`` at a word boundary).

    With the aligned fold of the text (:func:`veille.core.normalize.fold_aligned`), one
    regex search per term. Else the text is read in chunks of :data:`CHUNK` characters; a
    chunk is split into words only if its fold contains the first word of a term: a word's
    fold is a part of the fold of the chunk around it, so no occurrence is skipped, and the
    cost is the fold of the text up to the first occurrence plus the words of one chunk."""
    if aligned is not None:
        found = [m.span() for m in (_patterns(node)[0].search(aligned, a) for node in nodes)
                 if m is not None and m.start() < b]
        return min(found) if found else None
    needles = {node.words[0] for node in nodes}
    longest = max(len(node.words) for node in nodes)
    i = a
    while i < b:
        j = b
        if i + CHUNK < b:
            m = _NON_WORD.search(text, i + CHUNK, b)
            j = m.start() if m else b
        chunk = fold(text[i:j])
        if any(w in chunk for w in needles):
            spans = _spans(text, nodes, i, _word_end(text, j, longest - 1) if longest > 1 else j)
            for s in spans:
                if s[0] < j:
                    return s
        i = j
    return None


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
    nodes = [n for n in _terms(terms) if n.words]
    head_end = text.find("\n", lo)
    first = None
    if nodes:  # the first occurrence in the body, else in the headline (line 2)
        aligned = fold_aligned(text)
        first = _first_span(text, nodes, lo if head_end < 0 else head_end, len(text), aligned)
        if first is None and head_end >= 0:
            first = _first_span(text, nodes, lo, head_end, aligned)
    if first is not None:
        left = _cut_left(text, max(lo, first[0] - width // 3), lo)
    else:
        left = lo
    right = _cut_right(text, left + width)
    spans = []
    if first is not None:  # the terms in the window: its words, and a phrase's across its edges
        longest = max(len(n.words) for n in nodes)
        spans = _spans(text, nodes, _word_start(text, left, longest - 1, lo),
                       _word_end(text, right, longest - 1))
    return _pieces(text, lo, left, right, spans)


def _pieces(text: str, lo: int, left: int, right: int,
            spans: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """``text[left:right]`` as :func:`snippet` pieces, ``spans`` marked where they fall in it."""
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
