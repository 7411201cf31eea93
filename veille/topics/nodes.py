"""The syntax tree of a topic query (:class:`Term`, :class:`Not`, :class:`And`,
:class:`Or`) and what is written from it: the canonical text and SQLite FTS5.

Decisions:

- The canonical form has explicit uppercase operators, only the parentheses needed, terms
  as written (``parse_query(str(q)) == q``).
- FTS5 (tables with tokenizer ``unicode61 remove_diacritics 2``): every term is a quoted
  phrase of normalized tokens, prefixes get ``*``; a NOT with nothing positive beside it
  (``NOT a``, ``a OR NOT b``) cannot be expressed (None).
- A prefilter (:func:`to_fts5_prefilter`) is true of every text the query is true of: the
  query with its negated parts left out, so that a text it finds is then matched exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

__all__ = ["Term", "Not", "And", "Or", "Node", "render", "to_fts5", "to_fts5_prefilter"]


@dataclass(frozen=True)
class Term:
    """A word or phrase: ``words`` are its normalized tokens; ``text`` as written."""

    text: str
    words: tuple[str, ...]
    prefix: bool = False
    quoted: bool = False

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Not:
    child: "Node"


@dataclass(frozen=True)
class And:
    children: tuple["Node", ...]


@dataclass(frozen=True)
class Or:
    children: tuple["Node", ...]


Node = Union[Term, Not, And, Or]

_PREC = {Or: 1, And: 2, Not: 3, Term: 4}


def render(node: Node, parent_prec: int = 0) -> str:
    if isinstance(node, Term):
        return node.text
    if isinstance(node, Not):
        s = "NOT " + render(node.child, _PREC[Not])
    elif isinstance(node, And):
        s = " AND ".join(render(c, _PREC[And] + 1) for c in node.children)
    else:
        s = " OR ".join(render(c, _PREC[Or] + 1) for c in node.children)
    return f"({s})" if _PREC[type(node)] < parent_prec else s


def _fts_term(t: Term) -> str:
    return '"' + " ".join(t.words) + '"' + ("*" if t.prefix else "")


def to_fts5(node: Node) -> str | None:
    """FTS5 text for ``node``, or None when it needs a unary NOT (FTS5 has none)."""
    if isinstance(node, Term):
        return _fts_term(node)
    if isinstance(node, Not):
        if isinstance(node.child, Not):
            return to_fts5(node.child.child)
        return None
    if isinstance(node, Or):
        parts = [to_fts5(c) for c in node.children]
        if any(p is None for p in parts):
            return None
        return " OR ".join(p if isinstance(c, Term) else f"({p})" for c, p in zip(node.children, parts))
    pos: list[Node] = []
    neg: list[Node] = []
    for c in node.children:
        while isinstance(c, Not) and isinstance(c.child, Not):
            c = c.child.child
        (neg if isinstance(c, Not) else pos).append(c)
    if not pos:
        return None
    ptexts = [to_fts5(c) for c in pos]
    ntexts = [to_fts5(c.child) for c in neg]  # type: ignore[union-attr]
    if any(p is None for p in ptexts) or any(n is None for n in ntexts):
        return None
    s = " AND ".join(p if isinstance(c, Term) else f"({p})" for c, p in zip(pos, ptexts))
    if neg:
        if len(pos) > 1:  # a single non-term is already in parentheses
            s = f"({s})"
        for c, n in zip(neg, ntexts):
            s += " NOT " + (n if isinstance(c.child, Term) else f"({n})")  # type: ignore[union-attr]
    return s



def to_fts5_prefilter(node: Node) -> str | None:
    """FTS5 text true of every text ``node`` is true of (its negated parts dropped), or
    None when there is none (a query true of texts that have none of its words)."""
    if isinstance(node, Term):
        return _fts_term(node)
    if isinstance(node, Not):
        return None
    parts = [(c, to_fts5_prefilter(c)) for c in node.children]
    if isinstance(node, Or):
        if any(p is None for _, p in parts):
            return None
        return " OR ".join(p if isinstance(c, Term) else f"({p})" for c, p in parts)
    kept = [(c, p) for c, p in parts if p is not None]
    if not kept:
        return None
    return " AND ".join(p if isinstance(c, Term) else f"({p})" for c, p in kept)
