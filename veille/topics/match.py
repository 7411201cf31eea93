"""Matching texts against query trees: :class:`TextIndex` (a text tokenized once),
evaluation, :class:`Match`.

Decisions:

- Matching is on whole words of :func:`veille.core.normalize.tokens`; a term of several
  tokens is a phrase (consecutive tokens), a prefix term matches any token starting so.
- :attr:`Match.terms` are the terms as written in the query (phrases with their quotes,
  wildcards with their ``*``) that are present in the text and make the query true; terms
  under a ``NOT`` never count.

Speed: build one :class:`TextIndex` per text (tokenizes once) and match every topic on
it; each match is then a few set look-ups (``bench/topics_speed.py``).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from veille.core.normalize import tokens

from .nodes import And, Node, Not, Or, Term

__all__ = ["TextIndex", "Match", "evaluate", "matched_terms"]


class TextIndex:
    """One text tokenized once, to match many queries against it.

    ``tokens`` is the token list, ``token_set`` its set; positions (for phrases) and the
    sorted vocabulary (for prefixes) are built on first use.
    """

    __slots__ = ("tokens", "token_set", "_positions", "_sorted")

    def __init__(self, text: str):
        self.tokens: list[str] = tokens(text)
        self.token_set: frozenset[str] = frozenset(self.tokens)
        self._positions: dict[str, list[int]] | None = None
        self._sorted: list[str] | None = None

    @property
    def positions(self) -> dict[str, list[int]]:
        if self._positions is None:
            pos: dict[str, list[int]] = {}
            for i, t in enumerate(self.tokens):
                pos.setdefault(t, []).append(i)
            self._positions = pos
        return self._positions

    @property
    def vocabulary(self) -> list[str]:
        """The distinct tokens, sorted (prefix searches bisect it)."""
        if self._sorted is None:
            self._sorted = sorted(self.token_set)
        return self._sorted

    def has_prefix(self, prefix: str) -> bool:
        voc = self.vocabulary
        i = bisect.bisect_left(voc, prefix)
        return i < len(voc) and voc[i].startswith(prefix)

    def has_phrase(self, words: tuple[str, ...], prefix: bool) -> bool:
        """True when ``words`` occur consecutively (the last one as a prefix if ``prefix``)."""
        if len(words) == 1:
            return self.has_prefix(words[0]) if prefix else words[0] in self.token_set
        fixed = words[:-1] if prefix else words
        ts = self.token_set
        if any(w not in ts for w in fixed):
            return False
        if prefix and not self.has_prefix(words[-1]):
            return False
        toks, n = self.tokens, len(words)
        last = len(toks) - n
        for i in self.positions[words[0]]:
            if i > last:
                break
            if prefix:
                if toks[i : i + n - 1] == list(words[:-1]) and toks[i + n - 1].startswith(words[-1]):
                    return True
            elif toks[i : i + n] == list(words):
                return True
        return False


@dataclass(frozen=True)
class Match:
    """A successful match. ``terms``: sorted terms as written in the query that matched and
    made it true (empty for a query true by negation alone, e.g. ``NOT Wagner``)."""

    terms: list[str]

    def __bool__(self) -> bool:  # a match is always truthy, even with no positive term
        return True


def evaluate(node: Node, idx: TextIndex) -> bool:
    """Is the query tree ``node`` true of the text ``idx``?"""
    if isinstance(node, Term):
        return idx.has_phrase(node.words, node.prefix)
    if isinstance(node, And):
        return all(evaluate(c, idx) for c in node.children)
    if isinstance(node, Or):
        return any(evaluate(c, idx) for c in node.children)
    return not evaluate(node.child, idx)


def matched_terms(node: Node, idx: TextIndex, out: set[str]) -> bool:
    """Evaluate and add to ``out`` the terms that make ``node`` true (none under NOT)."""
    if isinstance(node, Term):
        if idx.has_phrase(node.words, node.prefix):
            out.add(node.text)
            return True
        return False
    if isinstance(node, Not):
        return not evaluate(node.child, idx)
    if isinstance(node, And):
        mine: set[str] = set()
        for c in node.children:
            if not matched_terms(c, idx, mine):
                return False
        out |= mine
        return True
    ok = False
    for c in node.children:  # all true alternatives contribute
        ok = matched_terms(c, idx, out) or ok
    return ok

