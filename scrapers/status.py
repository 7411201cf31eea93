"""What the end of a crawl, and of a fetch, means for the store. No Scrapy here.

Decisions:

- Scrapy's close reason ``finished`` and the ``closespider_*`` budgets a user sets (item,
  page, error counts: the crawl did what it was asked) are ``finished``;
  ``closespider_timeout`` is ``failed``: it is the source's time limit (the scheduler sets
  it from ``timeout``), and a crawl stopped by it did not complete (what it found and did
  not fetch is pending). ``shutdown`` (SIGINT/SIGTERM) is ``interrupted``; any other
  reason (an exception in the engine, ``cancelled``, ``write-failed``...) is ``failed``.
  The reason itself is kept as ``finish_reason``.
- A fetch of an article the crawl found that gave no article is, for ``pending``
  (:mod:`storage.pending`): ``gone`` for a 404 or 410 (given up at the second), ``retry``
  for a failure (5xx, timeout, connection, truncated body, a parser's exception: the next
  crawls ask again, with a backoff), ``done`` for a page that is there and is not an
  article (skipped by rule: no article markup, not HTML, robots.txt, off-site
  redirect...).
- One mapping for the local crawl (:class:`scrapers.pipelines.StorePipeline`) and the
  distributed one (``veille ingest``, from the workers' ``end`` messages).
"""

from __future__ import annotations

__all__ = ["crawl_status", "pending_outcome", "RETRY_SKIPS"]

# skipped pages that may well be articles next time
RETRY_SKIPS = frozenset({"truncated-html", "parser-error"})


def crawl_status(reason: str) -> str:
    """The ``crawls.status`` for Scrapy's close ``reason``."""
    if reason == "closespider_timeout":
        return "failed"
    if reason.startswith("closespider_"):
        return "finished"
    return {"finished": "finished", "shutdown": "interrupted"}.get(reason, "failed")


def pending_outcome(kind: str, reason: str, http_status: int | None = None) -> str:
    """``retry``, ``gone`` or ``done`` for an article fetch that gave no article (a skip
    of ``kind`` 'failed' or 'skipped' with its ``reason``)."""
    if http_status in (404, 410) or reason in ("http-404", "http-410"):
        return "gone"
    if kind == "failed" or reason in RETRY_SKIPS:
        return "retry"
    return "done"
