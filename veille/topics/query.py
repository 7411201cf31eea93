"""Topics: named queries (:class:`Topic`), parsed (:func:`parse_query`) into a
:class:`Query` that matches texts.

The language is in :mod:`.parse`, the tree in :mod:`.nodes`, matching in :mod:`.match`.
Speed: build one :class:`TextIndex` per text (tokenizes once) and call
:meth:`Query.match_index` for every topic; each match is then a few set look-ups.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from veille.core.errors import QueryError
from veille.core.sources import validate_name

from .match import Match, TextIndex, evaluate, matched_terms
from .nodes import Node, Not, Term, render, to_fts5, to_fts5_prefilter
from .parse import operator_warnings, parse_tree

__all__ = ["Query", "Topic", "parse_query", "validate_topic_name", "explain_error"]


@dataclass(frozen=True)
class Query:
    """A parsed query. Equality compares the syntax tree (so ``a b`` == ``a AND b``)."""

    root: Node
    source: str = field(default="", compare=False)
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def __str__(self) -> str:
        """The canonical form: explicit uppercase operators, only the parentheses needed,
        terms as written. ``parse_query(str(q)) == q``."""
        return render(self.root)

    def match_index(self, idx: TextIndex) -> Match | None:
        found: set[str] = set()
        if matched_terms(self.root, idx, found):
            return Match(sorted(found))
        return None

    def match(self, text: str | TextIndex) -> Match | None:
        return self.match_index(text if isinstance(text, TextIndex) else TextIndex(text))

    def matches(self, text: str | TextIndex) -> bool:
        return evaluate(self.root, text if isinstance(text, TextIndex) else TextIndex(text))

    def matches_index(self, idx: TextIndex) -> bool:
        return evaluate(self.root, idx)

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

    @property
    def positive_terms(self) -> list[str]:
        """The terms that can make the query true (none under a ``NOT``), in order: what a
        snippet highlights."""
        out: list[str] = []

        def walk(n: Node) -> None:
            if isinstance(n, Term):
                out.append(n.text)
            elif not isinstance(n, Not):
                for c in n.children:
                    walk(c)

        walk(self.root)
        return out

    def to_fts5(self) -> str | None:
        """An equivalent SQLite FTS5 MATCH expression (for tables with tokenizer
        ``unicode61 remove_diacritics 2``), to pre-filter in SQL; None when the query needs
        a NOT with nothing positive beside it (``NOT a``, ``a OR NOT b``), which FTS5 cannot
        express. Every term is a quoted phrase of normalized tokens, prefixes get ``*``.

        Equivalent on a table that indexes :func:`veille.core.normalize.fold` of the texts
        (the store's ``contents_fts``). On a table of the raw texts, the two tokenizers
        differ on characters that the fold changes but unicode61 does not (``ß`` → ``ss``,
        ligatures such as ``œ`` or ``ﬁ``, ``ı``, invisible characters), so confirm FTS5
        hits with :meth:`match`.
        """
        return to_fts5(self.root)

    def fts5_prefilter(self) -> str | None:
        """An FTS5 MATCH expression true of every text this query matches (the query
        without its negated parts), to find candidates in a store's full-text index
        (which holds :func:`veille.core.normalize.fold` of the texts) before matching them
        with :meth:`match`; None when no such expression exists (``NOT a``, ``a OR NOT b``)."""
        return to_fts5_prefilter(self.root)


def parse_query(query: str) -> Query:
    """Parse a topic query; raises :class:`QueryError` naming the problem and its column."""
    if not isinstance(query, str):
        raise QueryError(f"a query must be a string, not {type(query).__name__}")
    root = parse_tree(query)
    warnings = operator_warnings(query)
    return Query(root, query, warnings)


def explain_error(exc: QueryError, query: str, what: str = "query") -> str:
    """The message for a query that does not parse, the same for the command line and the
    web search: ``bad query: <problem>``, then the query and a caret under the column."""
    msg = f"bad {what}: {exc}"
    col = getattr(exc, "column", None)
    if col:
        msg += f"\n    {query}\n    {' ' * (col - 1)}^"
    return msg


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

