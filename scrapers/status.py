"""How the end of a crawl becomes the status of its ``crawls`` row. No Scrapy here.

Decisions:

- Scrapy's close reason ``finished`` and the ``closespider_*`` limits (a crawl that
  stopped at its page or item budget did what it was asked) are ``finished``;
  ``shutdown`` (SIGINT/SIGTERM) is ``interrupted``; any other reason (an exception in the
  engine, ``cancelled``...) is ``failed``. The reason itself is kept as ``finish_reason``.
- One mapping for the local crawl (:class:`scrapers.pipelines.StorePipeline`) and the
  distributed one (``veille ingest``, from the workers' ``end`` messages).
"""

from __future__ import annotations

__all__ = ["crawl_status"]


def crawl_status(reason: str) -> str:
    """The ``crawls.status`` for Scrapy's close ``reason``."""
    if reason.startswith("closespider_"):
        return "finished"
    return {"finished": "finished", "shutdown": "interrupted"}.get(reason, "failed")
