"""The topic query language: lexing and parsing a query into its syntax tree.

A topic query is made of words, ``"quoted phrases"``, the operators ``AND``, ``OR`` and
``NOT``, and parentheses::

    OTAN OR NATO
    Mali AND (Russie OR Wagner)
    Mali Russie                      (adjacent terms: implicit AND)
    "flanc sud"                      (a phrase: these words, consecutive)
    Mali NOT Wagner                  (= Mali AND NOT Wagner)
    NOT Wagner                       (unary NOT)
    sécur*                           (prefix wildcard: sécurité, sécuritaire, ...)

Decisions:

- **Only uppercase** ``AND``, ``OR`` and ``NOT`` are operators. Lowercase ``and``/``or``/
  ``not`` (and ``Or``, ``Not``...) are ordinary words, since they are words in English text;
  :func:`operator_warnings` (:attr:`Query.warnings`) lists them so a CLI can point them out.
- Precedence ``NOT`` > ``AND`` > ``OR`` (the same as SQLite FTS5); ``NOT a OR b`` is
  ``(NOT a) OR b``; ``a OR b c`` is ``a OR (b AND c)``.
- The query's words are normalized as the texts are (:func:`veille.core.normalize.tokens`),
  so a query word that splits into several tokens is a phrase: ``l'OTAN`` and ``Moyen-Orient`` match only consecutive
  ``l otan`` / ``moyen orient``, like ``"l'OTAN"`` would.
- ``*`` is allowed only at the end of a word or right after a closing quote; it makes the
  last token a prefix (``"flanc s"*`` matches "flanc sud"). Anywhere else it is an error.
- A term with no letter or digit at all (``-``, ``&``) is an error, not silently ignored.
- Error positions are 1-based columns in the query string (:attr:`QueryError.column`).
- Nesting is bounded: at most :data:`MAX_DEPTH` parentheses and ``NOT`` open at once along
  one path (``((a))`` is 2, ``NOT (a OR NOT b)`` is 3). Deeper is a :class:`QueryError`
  naming the column where the limit is passed, so the parser, the matcher, the canonical
  form and the FTS5 translation (all recursive) never run out of stack, whoever wrote the
  query (a config file, the CLI, Datasette's search box). Long flat queries
  (``a OR b OR ...``) are not limited: they make one wide node, not a deep one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from veille.core.errors import QueryError
from veille.core.normalize import tokens

from .nodes import And, Node, Not, Or, Term

__all__ = ["OPERATORS", "MAX_DEPTH", "parse_tree", "operator_warnings"]

OPERATORS = ("AND", "OR", "NOT")

# Parentheses and NOT open at once. Real queries use a handful; each level costs the
# recursive walkers a few stack frames, and 50 keeps them far below Python's limit (1000).
MAX_DEPTH = 50


_LEX = re.compile(r'\s+|(?P<lp>\()|(?P<rp>\))|(?P<q>")|(?P<w>[^\s()"]+)')


@dataclass
class _Tok:
    kind: str  # "(" ")" "OP" "TERM"
    value: object
    col: int  # 1-based
    text: str = ""


def _make_term(raw: str, col: int, quoted: bool, prefix: bool, query: str) -> Term:
    words = tuple(tokens(raw))
    shown = f'"{raw}"' if quoted else raw
    if prefix:
        shown += "*"
    if not words:
        if quoted:
            raise QueryError("empty phrase", col, query)
        raise QueryError(f"term {shown!r} {{at}} has no letter or digit", col, query)
    # a quoted phrase keeps its quotes; a bare word that splits (l'OTAN) is a phrase too
    return Term(shown, words, prefix, quoted or len(words) > 1)


def _lex(query: str) -> list[_Tok]:
    out: list[_Tok] = []
    pos = 0
    n = len(query)
    while pos < n:
        m = _LEX.match(query, pos)
        assert m is not None
        col = pos + 1
        if m.group("lp"):
            out.append(_Tok("(", None, col, "("))
        elif m.group("rp"):
            out.append(_Tok(")", None, col, ")"))
        elif m.group("q"):
            end = query.find('"', pos + 1)
            if end < 0:
                raise QueryError("unterminated quote: the '\"' {at} is never closed", col, query)
            raw = query[pos + 1 : end]
            prefix = end + 1 < n and query[end + 1] == "*"
            stop = end + 2 if prefix else end + 1
            if "*" in raw:
                raise QueryError("'*' inside the phrase {at}; put it after the closing quote", col, query)
            out.append(_Tok("TERM", _make_term(raw, col, True, prefix, query), col, query[pos:stop]))
            pos = stop
            continue
        elif m.group("w"):
            w = m.group("w")
            if w in OPERATORS:
                out.append(_Tok("OP", w, col, w))
            else:
                star = w.find("*")
                if star >= 0 and star != len(w) - 1:
                    raise QueryError(f"'*' {{at}} is only allowed at the end of a word (in {w!r})", col + star, query)
                prefix = star >= 0
                raw = w[:-1] if prefix else w
                if prefix and not raw:
                    raise QueryError("lone '*' {at}: a wildcard ends a word, as in sécur*", col, query)
                out.append(_Tok("TERM", _make_term(raw, col, False, prefix, query), col, w))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, query: str):
        self.query = query
        self.toks = _lex(query)
        self.i = 0
        self.depth = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def err(self, problem: str, col: int | None) -> QueryError:
        return QueryError(problem, col, self.query)

    def enter(self, t: _Tok) -> None:
        """One more level of nesting (``(`` or ``NOT`` at ``t``), within :data:`MAX_DEPTH`."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.err(f"query nested too deeply: the {t.text} {{at}} opens level {self.depth}; "
                           f"at most {MAX_DEPTH} levels of parentheses and NOT", t.col)

    def parse(self) -> Node:
        if not self.toks:
            raise self.err("empty query", None)
        node = self.parse_or()
        t = self.peek()
        if t is not None:  # only a stray ")" can stop parse_or early
            raise self.err("unbalanced parenthesis: the ')' {at} has no matching '('", t.col)
        return node

    def parse_or(self) -> Node:
        children = [self.parse_and()]
        while (t := self.peek()) is not None and t.kind == "OP" and t.value == "OR":
            self.i += 1
            children.append(self.parse_and(after=t))
        return _flat(Or, children)

    def starts_operand(self, t: _Tok | None) -> bool:
        return t is not None and (t.kind in ("TERM", "(") or (t.kind == "OP" and t.value == "NOT"))

    def parse_and(self, after: _Tok | None = None) -> Node:
        children = [self.parse_not(after)]
        while True:
            t = self.peek()
            if t is not None and t.kind == "OP" and t.value == "AND":
                self.i += 1
                children.append(self.parse_not(after=t))
            elif self.starts_operand(t):  # implicit AND (also "a NOT b")
                children.append(self.parse_not())
            else:
                break
        return _flat(And, children)

    def parse_not(self, after: _Tok | None = None) -> Node:
        t = self.peek()
        if t is not None and t.kind == "OP" and t.value == "NOT":
            self.i += 1
            self.enter(t)
            node = Not(self.parse_not(after=t))
            self.depth -= 1
            return node
        return self.parse_primary(after)

    def parse_primary(self, after: _Tok | None) -> Node:
        t = self.peek()
        if t is None:
            if after is not None:
                raise self.err(f"dangling operator {after.text} {{at}}: nothing after it", after.col)
            raise self.err("empty query", None)  # pragma: no cover - caught in parse()
        if t.kind == "TERM":
            self.i += 1
            return t.value  # type: ignore[return-value]
        if t.kind == "(":
            self.i += 1
            self.enter(t)
            nxt = self.peek()
            if nxt is not None and nxt.kind == ")":
                raise self.err("empty parentheses", t.col)
            if nxt is None:
                raise self.err("unbalanced parenthesis: the '(' {at} is never closed", t.col)
            node = self.parse_or()
            close = self.peek()
            if close is None or close.kind != ")":
                raise self.err("unbalanced parenthesis: the '(' {at} is never closed", t.col)
            self.i += 1
            self.depth -= 1
            return node
        if t.kind == ")":
            if after is not None:
                raise self.err(f"dangling operator {after.text} {{at}}: nothing after it before ')'", after.col)
            raise self.err("unbalanced parenthesis: the ')' {at} has no matching '('", t.col)
        # an operator where an operand should be
        if after is not None:
            raise self.err(f"operator {t.value} {{at}} right after operator {after.text}", t.col)
        raise self.err(f"dangling operator {t.value} {{at}}: nothing before it", t.col)


def _flat(kind: type, children: list[Node]) -> Node:
    if len(children) == 1:
        return children[0]
    flat: list[Node] = []
    for c in children:
        flat.extend(c.children if isinstance(c, kind) else (c,))  # type: ignore[attr-defined]
    return kind(tuple(flat))


def parse_tree(query: str) -> Node:
    """The syntax tree of ``query``; raises :class:`QueryError` naming the problem and its
    column."""
    return _Parser(query).parse()


def operator_warnings(query: str) -> tuple[str, ...]:
    """Lowercase or mixed-case ``and``/``or``/``not`` outside quotes: matched as words."""
    return tuple(
        f"{m.group()!r} at column {m.start() + 1} is matched as a word; write {m.group().upper()} "
        f"for the operator"
        for m in re.finditer(r'(?<![^\s()])(?:and|or|not)(?![^\s()])', query, re.I)
        if m.group() not in OPERATORS and not _in_quotes(query, m.start())
    )


def _in_quotes(query: str, pos: int) -> bool:
    return query.count('"', 0, pos) % 2 == 1
