"""Source health: is a source still giving articles, the way its parser should?

    h = source_health(store, "abamako")          # its last crawl that has ended
    h = source_health(store, "abamako", crawl_id=12)
    print(describe(h))                           # one line, for the run report

``h["issues"]`` lists what is wrong with that crawl (empty: in good health):

- ``no-articles``: it stored or re-checked no article at all (``crawls.fetched`` = 0)
  although it was not a quiet re-crawl: the site is down, empty, blocking us, or its links
  moved (the skips say which). A **quiet re-crawl** is not a problem: its feeds and
  listings answered 304 or gave only links to articles already known and not due for a
  check (``crawls.pages_not_modified``, ``crawls.links_found``), and nothing was skipped
  or failed (:func:`is_quiet`).
- ``fallback``: a larger share of its article pages than before came from *generic*
  extraction (og: metadata, trafilatura, ``generic:…`` of the rules parser) instead of
  its site rules (``abamako``, ``rules``…): the layout changed. Counted from
  ``crawl_methods`` (per crawl, pages per extraction method, every parsed page, unchanged
  ones included); flagged when at least :data:`MIN_PAGES` pages were parsed, the generic
  share is at least :data:`FALLBACK_SHARE` and exceeds the share over the previous
  :data:`BASELINE_CRAWLS` crawls of the source by :data:`FALLBACK_JUMP` or more. A source
  that always used generic extraction (no site rules) is therefore never flagged; a first
  crawl neither (nothing to compare with).
- ``failures``: more pages failed than articles were fetched.

Also in ``h``: the crawl's counts, ``skips``/``failures`` (reason -> pages), ``methods``
(method -> pages), ``generic_share``, ``generic_share_before``, ``baseline_pages``.

Where things live: this module judges; what it reads (the crawl, its skips, its
``crawl_methods``) comes from :mod:`storage.reports`.
"""

from __future__ import annotations

from storage import reports
from storage.reports import CRAWL_COUNTS
from veille.core.errors import NoSuchCrawl

__all__ = ["source_health", "describe", "is_generic", "is_quiet", "MIN_PAGES", "FALLBACK_SHARE",
           "FALLBACK_JUMP", "BASELINE_CRAWLS"]

MIN_PAGES = 3
FALLBACK_SHARE = 0.3
FALLBACK_JUMP = 0.25
BASELINE_CRAWLS = 5


def is_generic(method: str | None) -> bool:
    """True for the methods of generic extraction (no site rules involved)."""
    m = (method or "").lower()
    return (m.startswith("generic") or m == "og" or m.startswith("og+")
            or m in ("trafilatura", "simple"))


def is_quiet(crawl: dict) -> bool:
    """A crawl that fetched nothing because nothing had changed: its feeds or listings
    answered 304 or linked only known articles not due for a check, and no page was
    skipped or failed."""
    return (not crawl.get("fetched") and not crawl.get("failed") and not crawl.get("skipped")
            and bool(crawl.get("links_found") or crawl.get("pages_not_modified")))


def _share(methods: dict[str, int]) -> tuple[float | None, int]:
    total = sum(methods.values())
    if not total:
        return None, 0
    return sum(n for m, n in methods.items() if is_generic(m)) / total, total


def source_health(store, source: str, crawl_id: int | None = None) -> dict:
    """The health of ``source`` as its crawl ``crawl_id`` shows it (default: its last crawl
    that has ended). See the module docstring. Raises
    :class:`~veille.core.errors.NoSuchCrawl` (a KeyError) when there is no such crawl."""
    conn = store.conn
    if crawl_id is None:
        crawl = reports.last_ended_crawl(conn, source)
    else:
        crawl = reports.crawl_row(conn, crawl_id)
    if crawl is None:
        raise NoSuchCrawl(f"no crawl of {source!r}" + (f" with id {crawl_id}" if crawl_id else ""))
    cid = crawl["id"]
    skips: dict[str, int] = {}
    failures: dict[str, int] = {}
    for kind, reason, n in reports.skip_reasons(conn, cid):
        (failures if kind == "failed" else skips)[reason] = n
    methods = reports.method_pages(conn, [cid])
    share, pages = _share(methods)
    before_ids = reports.baseline_crawls(conn, crawl["source"], cid, BASELINE_CRAWLS)
    share_before, pages_before = _share(reports.method_pages(conn, before_ids))

    issues = []
    fetched = crawl["fetched"] or 0
    if fetched == 0 and not is_quiet(crawl):
        issues.append("no-articles")
    if (share is not None and share_before is not None and pages >= MIN_PAGES
            and pages_before >= MIN_PAGES and share >= FALLBACK_SHARE
            and share - share_before >= FALLBACK_JUMP):
        issues.append("fallback")
    if (crawl["failed"] or 0) > max(fetched, 0) and fetched > 0:
        issues.append("failures")
    return {
        "source": crawl["source"],
        "crawl_id": cid,
        "status": crawl["status"],
        "started_at": crawl["started_at"],
        "finished_at": crawl["finished_at"],
        **{k: crawl[k] for k in CRAWL_COUNTS},
        "skips": skips,
        "failures": failures,
        "methods": methods,
        "pages_parsed": pages,
        "generic_share": round(share, 3) if share is not None else None,
        "generic_share_before": round(share_before, 3) if share_before is not None else None,
        "baseline_pages": pages_before,
        "baseline_crawls": before_ids,
        "issues": issues,
    }


def _reasons(d: dict[str, int]) -> str:
    return ", ".join(f"{k} ×{n}" for k, n in d.items())


def describe(h: dict) -> str:
    """One line naming the source and what is wrong with it."""
    parts = []
    for issue in h.get("issues", []):
        if issue == "no-articles":
            s = "no articles"
            extra = []
            if h.get("skipped"):
                extra.append(f"{h['skipped']} skipped" + (f": {_reasons(h['skips'])}" if h.get("skips") else ""))
            if h.get("failed"):
                extra.append(f"{h['failed']} failed" + (f": {_reasons(h['failures'])}" if h.get("failures") else ""))
            parts.append(s + (f" ({'; '.join(extra)})" if extra else ""))
        elif issue == "fallback":
            generic = round((h.get("generic_share") or 0) * (h.get("pages_parsed") or 0))
            parts.append(
                f"fell back to generic extraction on {generic} of {h.get('pages_parsed')} pages"
                f" ({(h.get('generic_share') or 0):.0%}; {(h.get('generic_share_before') or 0):.0%}"
                " before): layout change?")
        elif issue == "failures":
            parts.append(f"{h.get('failed')} pages failed for {h.get('fetched')} articles"
                         + (f" ({_reasons(h['failures'])})" if h.get("failures") else ""))
        else:
            parts.append(str(issue))
    return f"{h.get('source') or '?'} (crawl #{h.get('crawl_id')}): " + "; ".join(parts or ["ok"])
