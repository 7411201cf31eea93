"""Topics: the query language users write and matching texts against it.

:mod:`.parse` (the language), :mod:`.nodes` (its syntax tree, canonical text, FTS5),
:mod:`.match` (a text's index and evaluation), :mod:`.query` (:class:`Query`,
:class:`Topic`). Word normalization is the core's (:mod:`veille.core.normalize`).
"""

from veille.core.errors import QueryError, TopicError
from veille.core.normalize import normalize, tokens

from .match import Match, TextIndex
from .nodes import And, Not, Or, Term
from .parse import MAX_DEPTH
from .query import Query, Topic, explain_error, parse_query, validate_topic_name

__all__ = ["QueryError", "TopicError", "Query", "Match", "Topic", "TextIndex", "Term", "And", "Or", "Not",
           "parse_query", "tokens", "normalize", "validate_topic_name", "explain_error", "MAX_DEPTH"]
