"""Topics: named queries matched against article texts.

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
  :attr:`Query.warnings` lists them so a CLI can point them out.
- Precedence ``NOT`` > ``AND`` > ``OR`` (the same as SQLite FTS5); ``NOT a OR b`` is
  ``(NOT a) OR b``; ``a OR b c`` is ``a OR (b AND c)``.
- Matching is on whole words of a normalized token stream (:func:`tokens`): NFKD, combining
  marks stripped, casefolded, split on every character that is not a letter or digit (so
  apostrophes, primes, hyphens, underscores split words: ``L′OTAN`` → ``l``, ``otan``).
  The query's words go through the same normalizer, so a query word that splits into
  several tokens is a phrase: ``l'OTAN`` and ``Moyen-Orient`` match only consecutive
  ``l otan`` / ``moyen orient``, like ``"l'OTAN"`` would.
- ``*`` is allowed only at the end of a word or right after a closing quote; it makes the
  last token a prefix (``"flanc s"*`` matches "flanc sud"). Anywhere else it is an error.
- A term with no letter or digit at all (``-``, ``&``) is an error, not silently ignored.
- :attr:`Match.terms` are the terms as written in the query (phrases with their quotes,
  wildcards with their ``*``) that are present in the text and make the query true; terms
  under a ``NOT`` never count.
- Error positions are 1-based columns in the query string (:attr:`QueryError.column`).

Speed: build one :class:`TextIndex` per text (tokenizes once) and call
:meth:`Query.match_index` for every topic; each match is then a few set look-ups.
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Union

from veille.core.errors import QueryError, TopicError
from veille.core.sources import validate_name

__all__ = [
    "QueryError",
    "TopicError",
    "Query",
    "Match",
    "Topic",
    "TextIndex",
    "Term",
    "And",
    "Or",
    "Not",
    "parse_query",
    "tokens",
    "normalize",
    "validate_topic_name",
]

OPERATORS = ("AND", "OR", "NOT")


# --------------------------------------------------------------------------- normalizer

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


# --------------------------------------------------------------------------- AST

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


def _render(node: Node, parent_prec: int = 0) -> str:
    if isinstance(node, Term):
        return node.text
    if isinstance(node, Not):
        s = "NOT " + _render(node.child, _PREC[Not])
    elif isinstance(node, And):
        s = " AND ".join(_render(c, _PREC[And] + 1) for c in node.children)
    else:
        s = " OR ".join(_render(c, _PREC[Or] + 1) for c in node.children)
    return f"({s})" if _PREC[type(node)] < parent_prec else s


def _eval(node: Node, idx: TextIndex) -> bool:
    if isinstance(node, Term):
        return idx.has_phrase(node.words, node.prefix)
    if isinstance(node, And):
        return all(_eval(c, idx) for c in node.children)
    if isinstance(node, Or):
        return any(_eval(c, idx) for c in node.children)
    return not _eval(node.child, idx)


def _eval_terms(node: Node, idx: TextIndex, out: set[str]) -> bool:
    """Evaluate and add to ``out`` the terms that make ``node`` true (none under NOT)."""
    if isinstance(node, Term):
        if idx.has_phrase(node.words, node.prefix):
            out.add(node.text)
            return True
        return False
    if isinstance(node, Not):
        return not _eval(node.child, idx)
    if isinstance(node, And):
        mine: set[str] = set()
        for c in node.children:
            if not _eval_terms(c, idx, mine):
                return False
        out |= mine
        return True
    ok = False
    for c in node.children:  # all true alternatives contribute
        ok = _eval_terms(c, idx, out) or ok
    return ok


def _fts_term(t: Term) -> str:
    return '"' + " ".join(t.words) + '"' + ("*" if t.prefix else "")


def _fts(node: Node) -> str | None:
    """FTS5 text for ``node``, or None when it needs a unary NOT (FTS5 has none)."""
    if isinstance(node, Term):
        return _fts_term(node)
    if isinstance(node, Not):
        if isinstance(node.child, Not):
            return _fts(node.child.child)
        return None
    if isinstance(node, Or):
        parts = [_fts(c) for c in node.children]
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
    ptexts = [_fts(c) for c in pos]
    ntexts = [_fts(c.child) for c in neg]  # type: ignore[union-attr]
    if any(p is None for p in ptexts) or any(n is None for n in ntexts):
        return None
    s = " AND ".join(p if isinstance(c, Term) else f"({p})" for c, p in zip(pos, ptexts))
    if neg:
        if len(pos) > 1:  # a single non-term is already in parentheses
            s = f"({s})"
        for c, n in zip(neg, ntexts):
            s += " NOT " + (n if isinstance(c.child, Term) else f"({n})")  # type: ignore[union-attr]
    return s


# --------------------------------------------------------------------------- errors, results

@dataclass(frozen=True)
class Match:
    """A successful match. ``terms``: sorted terms as written in the query that matched and
    made it true (empty for a query true by negation alone, e.g. ``NOT Wagner``)."""

    terms: list[str]

    def __bool__(self) -> bool:  # a match is always truthy, even with no positive term
        return True


# --------------------------------------------------------------------------- parser

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

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def err(self, problem: str, col: int | None) -> QueryError:
        return QueryError(problem, col, self.query)

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
            return Not(self.parse_not(after=t))
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


# --------------------------------------------------------------------------- Query

@dataclass(frozen=True)
class Query:
    """A parsed query. Equality compares the syntax tree (so ``a b`` == ``a AND b``)."""

    root: Node
    source: str = field(default="", compare=False)
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def __str__(self) -> str:
        """The canonical form: explicit uppercase operators, only the parentheses needed,
        terms as written. ``parse_query(str(q)) == q``."""
        return _render(self.root)

    def match_index(self, idx: TextIndex) -> Match | None:
        found: set[str] = set()
        if _eval_terms(self.root, idx, found):
            return Match(sorted(found))
        return None

    def match(self, text: str | TextIndex) -> Match | None:
        return self.match_index(text if isinstance(text, TextIndex) else TextIndex(text))

    def matches(self, text: str | TextIndex) -> bool:
        return _eval(self.root, text if isinstance(text, TextIndex) else TextIndex(text))

    def matches_index(self, idx: TextIndex) -> bool:
        return _eval(self.root, idx)

    @property
    def terms(self) -> list[str]:
        """Every term of the query as written, in order (negated ones included)."""
        out: list[str] = []

        def walk(n: Node) -> None:
            if isinstance(n, Term):
                out.append(n.text)
            elif isinstance(n, Not):
                walk(n.child)
            else:
                for c in n.children:
                    walk(c)

        walk(self.root)
        return out

    def to_fts5(self) -> str | None:
        """An equivalent SQLite FTS5 MATCH expression (for tables with tokenizer
        ``unicode61 remove_diacritics 2``), to pre-filter in SQL; None when the query needs
        a NOT with nothing positive beside it (``NOT a``, ``a OR NOT b``), which FTS5 cannot
        express. Every term is a quoted phrase of normalized tokens, prefixes get ``*``.

        Equivalent for ordinary text; the two tokenizers differ on rare characters that
        NFKD/casefold change but unicode61 does not (``ß`` → ``ss``, ligatures such as
        ``ﬁ``, superscripts), so confirm FTS5 hits with :meth:`match`.
        """
        return _fts(self.root)


def parse_query(query: str) -> Query:
    """Parse a topic query; raises :class:`QueryError` naming the problem and its column."""
    if not isinstance(query, str):
        raise QueryError(f"a query must be a string, not {type(query).__name__}")
    root = _Parser(query).parse()
    warnings = tuple(
        f"{m.group()!r} at column {m.start() + 1} is matched as a word; write {m.group().upper()} "
        f"for the operator"
        for m in re.finditer(r'(?<![^\s()])(?:and|or|not)(?![^\s()])', query, re.I)
        if m.group() not in OPERATORS and not _in_quotes(query, m.start())
    )
    return Query(root, query, warnings)


def _in_quotes(query: str, pos: int) -> bool:
    return query.count('"', 0, pos) % 2 == 1


# --------------------------------------------------------------------------- Topic

validate_topic_name = validate_name  # the rule is the core's: sources share it


@dataclass(frozen=True)
class Topic:
    """A named query. Raises :class:`TopicError` for a bad name, :class:`QueryError` for a
    bad query, at construction."""

    name: str
    query: str
    compiled: Query = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        validate_topic_name(self.name)
        object.__setattr__(self, "compiled", parse_query(self.query))

    def match(self, text: str | TextIndex) -> Match | None:
        return self.compiled.match(text)

    def matches(self, text: str | TextIndex) -> bool:
        return self.compiled.matches(text)
