"""Every error veille raises, in one place, under one base: :class:`VeilleError`.

A caller that wants "anything veille refuses" catches :class:`VeilleError`; the commands
turn one into a one-line message and an exit status. Each class also derives from the
built-in exception its callers caught before it existed (``ValueError`` for bad input,
``KeyError`` for a missing crawl, ``RuntimeError`` for a misuse), so code written against
those keeps working.

Decisions:

- Errors about input say where (file and line, query column, the reason code of a skip);
  their ``str()`` is the message a user sees.
- A page that is not an article (:class:`NotAnArticle`) and a feed that cannot be read
  (:class:`FeedError`) carry a short ``reason`` code: the crawl records it as the skip's
  reason.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "VeilleError",
    "ConfigError",
    "QueryError",
    "TopicError",
    "FormatError",
    "FeedError",
    "NotAnArticle",
    "StoreError",
    "NoSuchCrawl",
    "TransactionError",
    "SchemaError",
    "DistributedError",
    "NoStore",
    "NotAStore",
    "StoreDamaged",
    "InvalidInput",
    "ExportError",
    "BadArgument",
    "DurationError",
    "UnknownSource",
    "RunIdError",
    "SpiderArgumentError",
    "ArchiveError",
]


class VeilleError(Exception):
    """The base of every error veille raises on purpose."""


class ConfigError(VeilleError, ValueError):
    """A configuration problem: ``str(e) == f"{file}:{line}: {problem}"`` (no ``:line`` when
    the problem is with the whole file)."""

    def __init__(self, file: str | Path, line: int | None, problem: str):
        self.file = str(file)
        self.line = line
        self.problem = problem
        super().__init__(f"{file}:{line}: {problem}" if line else f"{file}: {problem}")


class QueryError(VeilleError, ValueError):
    """A topic query that does not parse. ``column`` is 1-based (None for an empty query)."""

    def __init__(self, problem: str, column: int | None = None, query: str = ""):
        self.column = column
        self.query = query
        if column is None:
            msg = problem.replace(" {at}", "")
        elif "{at}" in problem:
            msg = problem.replace("{at}", f"at column {column}")
        else:
            msg = f"{problem} at column {column}"
        self.problem = msg
        super().__init__(msg)


class TopicError(VeilleError, ValueError):
    """An invalid topic or source name."""


class FormatError(VeilleError, ValueError):
    """A text that is not in the article text format."""


class FeedError(VeilleError, ValueError):
    """A feed or sitemap that cannot be read; ``reason`` is the skip's reason code."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


class NotAnArticle(VeilleError):
    """The page holds no article; ``reason`` says why (e.g. ``no-article-markup``)."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class StoreError(VeilleError):
    """The store cannot do what was asked."""


class NoSuchCrawl(StoreError, KeyError):
    """A crawl id (or a source's crawl) that the store does not hold."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class TransactionError(StoreError, RuntimeError):
    """A write started while the store's connection is already inside a transaction."""


class SchemaError(StoreError, RuntimeError):
    """The store's schema cannot be created or migrated (a newer store, a broken table)."""


class DistributedError(VeilleError, RuntimeError):
    """Distributed crawling is asked for but cannot run (no scrapy-redis, an unknown Scrapy)."""


class NoStore(StoreError, FileNotFoundError):
    """No store at the path given: opening without creating (``create=False``, read-only)."""


class NotAStore(StoreError, ValueError):
    """A file that is not a veille store (another application's SQLite database, an HTML
    page, an empty file given to a reader): refused before anything reads or writes it."""


class StoreDamaged(StoreError):
    """SQLite says the store's file is damaged (``database disk image is malformed``, a
    page that is not a database page): nothing more is written to it."""


class InvalidInput(StoreError, ValueError):
    """A value the store refuses before writing anything: an item without URL or text, a
    text not in the format, a wrong content hash, an unknown skip kind, a revisit policy
    that makes no sense."""


class ExportError(StoreError, ValueError):
    """An export refused: an unknown format, text files to stdout, a file name that would
    lead outside the output folder."""


class BadArgument(VeilleError, ValueError):
    """A command-line value that cannot be used (e.g. a ``--since`` that is not a date)."""


class DurationError(VeilleError, ValueError):
    """A duration (``every``, ``timeout``) that is not ``[Nd][Nh][Nm][Ns]``."""


class UnknownSource(VeilleError, ValueError):
    """A source name that neither the config nor the built-in sources define."""


class RunIdError(DistributedError, ValueError):
    """A ``VEILLE_RUN_ID`` that cannot name Redis keys."""


class SpiderArgumentError(VeilleError, ValueError):
    """A spider argument (``scrapy crawl NAME -a key=value``) that cannot be used: a bad
    ``base_url``, id range, discovery way or revisit policy, a missing source."""


class ArchiveError(VeilleError, ValueError):
    """The archive of fetched pages (:mod:`storage.archive`): a ``VEILLE_ARCHIVE`` value that
    means nothing, or an archived record that cannot be read back."""
