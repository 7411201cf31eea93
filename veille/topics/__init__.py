"""Topics: the query language users write and matching texts against it."""

from .query import (  # noqa: F401
    QueryError,
    TopicError,
    Query,
    Match,
    Topic,
    TextIndex,
    Term,
    And,
    Or,
    Not,
    parse_query,
    tokens,
    normalize,
    validate_topic_name,
)

__all__ = ["QueryError", "TopicError", "Query", "Match", "Topic", "TextIndex", "Term", "And", "Or", "Not", "parse_query", "tokens", "normalize", "validate_topic_name"]
