"""The web search (canned query ``search``): the topics' query language, its error messages,
snippets of the article rather than of its title line.

- :func:`fts_match`: the FTS5 MATCH expression of a search box string, parsed by the topic
  query parser (:mod:`veille.topics`): words, "phrases", AND/OR/NOT, parentheses,
  prefix*. A query that does not parse matches nothing (and the page says why); it is
  never searched as something else.
- :func:`query_problem`: the message for a query that does not parse, the very one
  ``veille topics add`` prints (:func:`veille.topics.explain_error`), shown above the
  results by ``templates/query-veille-search.html``.
- :func:`snippet_markers`: a snippet of the text around the query's terms
  (:func:`veille.topics.highlight.snippet`: never the text format's line 1, which repeats
  the title), terms between U+E000 and U+E001 as FTS5's ``snippet()`` marks them
  (rendered as ``<mark>`` by the plugin's ``render_cell``).

Each runs in bounded time (issue 10, point 2: Datasette's time limit cannot interrupt a
Python function): a search string longer than :data:`MAX_QUERY` characters is refused
(matches nothing, the page says why), a snippet is looked for in the first
:data:`MAX_SNIPPET_TEXT` characters of a text.

The canned query ranks a word found in many texts among the 2,000 most recent texts that
have it (issue 14): ``recent`` finds where they start (FTS5 walks the matches newest first
and stops), ``matches`` reads their rank in that rowid range, ``MATERIALIZED`` so that the
``ORDER BY rank`` stays outside FTS5 (given to FTS5, it ranks with its own sorter and took
twice as long: 12 against 7 ms at 20k texts, 22 against 13 ms at 200k, same rows); the
snippets (:func:`snippet_markers`) are ~0.05-0.1 ms a row, so a page of 200 rows costs
about what the index does. A prefix (``cinema*``) still merges every matching word's
list first (FTS5 without a prefix index): its cost grows with the store.

Registered as SQL functions ``veille_fts(q)`` and ``veille_snippet(text, q)`` by
:mod:`veille.web.plugin`; the template reads ``veille_query_problem(q)``.
"""

from __future__ import annotations

import functools

from veille.topics import QueryError, explain_error, parse_query
from veille.topics.highlight import snippet

__all__ = ["fts_match", "query_problem", "snippet_markers", "MARK_OPEN", "MARK_CLOSE", "NOTHING",
           "MAX_QUERY", "MAX_SNIPPET_TEXT"]

MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"
NOTHING = '""'  # an FTS5 expression that matches no row
MAX_QUERY = 1_000  # characters of a search string
MAX_SNIPPET_TEXT = 100_000  # characters of a text a snippet is looked for in


@functools.lru_cache(maxsize=256)
def _parse(q: str):
    try:
        return parse_query(q), None
    except QueryError as exc:
        return None, exc


def fts_match(q) -> str:
    """The FTS5 MATCH expression of ``q``; :data:`NOTHING` for an empty or malformed query,
    or one FTS5 cannot express (``NOT a`` alone)."""
    q = str(q or "").strip()
    if not q or len(q) > MAX_QUERY:
        return NOTHING
    query, _ = _parse(q)
    return (query.to_fts5() if query is not None else None) or NOTHING


def query_problem(q) -> str:
    """Why ``q`` cannot be searched ("" when it can, or is empty)."""
    q = str(q or "").strip()
    if not q:
        return ""
    if len(q) > MAX_QUERY:
        return f"bad query: {len(q):,} characters, more than the {MAX_QUERY:,} a search takes"
    query, exc = _parse(q)
    if exc is not None:
        return explain_error(exc, q)
    if query.to_fts5() is None:
        return f"bad query: {q!r} has nothing to look for besides NOT; add a word to search for"
    return ""


def snippet_markers(text, q) -> str | None:
    """A snippet of ``text`` around the terms of ``q``, terms marked (see the docstring)."""
    if text is None:
        return None
    q = str(q or "").strip()
    query, _ = _parse(q) if len(q) <= MAX_QUERY else (None, None)
    terms = query.positive_terms if query is not None else []
    text = str(text)[:MAX_SNIPPET_TEXT]
    return "".join(f"{MARK_OPEN}{p}{MARK_CLOSE}" if mark else p for p, mark in snippet(text, terms))
