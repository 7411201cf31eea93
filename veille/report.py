"""The report of a run: what was flagged on each topic, the crawls, the failures.

    report = build_report(store, flags, crawls)   # a plain dict (JSON-serialisable)
    print(render_text(report))                    # for people
    print(render_json(report))                    # for machines

The report dict::

    {"generated_at": "2026-...Z",
     "crawls": [{"id", "source", "status", "finish_reason", "started_at", "finished_at",
                 "fetched", "new", "updated", "unchanged", "duplicate", "skipped", "failed",
                 "not_modified", "flagged_at", ...any key the caller gave}],
     "topics": {name: [{"kind", "in_change", "title", "published", "url", "source", "terms",
                        "article_id", "content_hash", "flag_id", "crawl_id", "created_at",
                        "also_at"}]},
     "failures": [{"id", "source", "status", "reason"}]}

- ``topics`` holds only topics with flags, names sorted; in each, ``new`` before
  ``updated``, then the most recently published first. ``in_change`` is a bool, ``terms``
  a list. ``title`` (the headline, else the page title), ``published``, ``url`` and
  ``source`` are the article's current ones;
  ``also_at`` the other URLs whose current text is the same (duplicates).
- ``crawls``: the crawls given (dicts with at least ``id``, or ids), completed from the
  store; when None, the crawls the flags come from.
- ``failures``: the crawls whose status is neither ``finished`` nor ``running``, with a
  reason: the caller's ``reason`` or ``error`` key if any, else the crawl's
  ``finish_reason``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

__all__ = ["build_report", "render_text", "render_json", "has_news", "CRAWL_KEYS"]

CRAWL_KEYS = ("id", "source", "status", "finish_reason", "started_at", "finished_at", "fetched",
              "new", "updated", "unchanged", "duplicate", "skipped", "failed", "not_modified",
              "flagged_at")
OK_STATUSES = ("finished", "running")

NOTHING = "nothing new on your topics"


def _now() -> str:
    from storage.store import utcnow

    return utcnow()


def _terms(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return [value]
    return [str(t) for t in value]


def _chunks(seq: list, n: int = 500) -> Iterable[list]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


def _articles(conn, ids: list[int]) -> dict[int, dict]:
    out: dict[int, dict] = {}
    cols = ("id", "url", "source", "title", "headline", "published", "content_hash")
    for chunk in _chunks(sorted(set(ids))):
        for r in conn.execute(f"SELECT {', '.join(cols)} FROM articles WHERE id IN"
                              f" ({', '.join('?' * len(chunk))})", chunk):
            out[r[0]] = dict(zip(cols, r))
    return out


def _also_at(conn, pairs: set[tuple[str, int]]) -> dict[tuple[str, int], list[str]]:
    out: dict[tuple[str, int], list[str]] = {}
    for h, aid in pairs:
        out[(h, aid)] = [u for (u,) in conn.execute(
            "SELECT url FROM articles WHERE content_hash = ? AND id <> ? ORDER BY id", (h, aid))]
    return out


def _crawls(conn, given: list | None, flags: list[dict]) -> list[dict]:
    if given is None:
        given = sorted({f["crawl_id"] for f in flags if f.get("crawl_id") is not None})
    out = []
    for c in given:
        extra = dict(c) if isinstance(c, dict) else {"id": int(c)}
        row = {}
        if extra.get("id") is not None:
            r = conn.execute(f"SELECT {', '.join(CRAWL_KEYS)} FROM crawls WHERE id = ?",
                             (extra["id"],)).fetchone()
            if r is not None:
                row = dict(zip(CRAWL_KEYS, r))
        row.update(extra)
        out.append(row)
    return out


def build_report(store, flags: list[dict], crawls: list[dict] | None = None) -> dict:
    """The report of ``flags`` (rows of the ``flags`` table, as :func:`veille.flags.flag_crawl`
    returns them) and ``crawls`` (see the module docstring)."""
    conn = store.conn
    flags = list(flags)
    arts = _articles(conn, [f["article_id"] for f in flags])
    also = _also_at(conn, {(f["content_hash"], f["article_id"]) for f in flags})
    topics: dict[str, list[dict]] = {}
    for f in flags:
        a = arts.get(f["article_id"], {})
        topics.setdefault(f["topic"], []).append({
            "kind": f["kind"],
            "in_change": bool(f["in_change"]),
            "title": a.get("headline") or a.get("title") or "",
            "published": a.get("published"),
            "url": a.get("url"),
            "source": a.get("source"),
            "terms": _terms(f.get("terms")),
            "article_id": f["article_id"],
            "content_hash": f["content_hash"],
            "flag_id": f.get("id"),
            "crawl_id": f.get("crawl_id"),
            "created_at": f.get("created_at"),
            "also_at": also.get((f["content_hash"], f["article_id"]), []),
        })
    for items in topics.values():
        items.sort(key=lambda i: i["flag_id"] or 0)
        items.sort(key=lambda i: i["published"] or "", reverse=True)
        items.sort(key=lambda i: i["kind"] != "new")
    crawl_rows = _crawls(conn, crawls, flags)
    failures = [
        {"id": c.get("id"), "source": c.get("source"), "status": c.get("status"),
         "reason": c.get("reason") or c.get("error") or c.get("finish_reason") or ""}
        for c in crawl_rows if c.get("status") not in OK_STATUSES
    ]
    return {
        "generated_at": _now(),
        "crawls": crawl_rows,
        "topics": {name: topics[name] for name in sorted(topics)},
        "failures": failures,
    }


def has_news(report: dict) -> bool:
    """True when the report has flags or failures (what is worth a notification)."""
    return bool(any(report.get("topics", {}).values()) or report.get("failures"))


def _count(items: list[dict], kind: str) -> int:
    return sum(1 for i in items if i["kind"] == kind)


def _crawl_line(c: dict) -> str:
    counts = ", ".join(f"{k} {c[k]}" for k in ("fetched", "new", "updated", "unchanged", "failed")
                       if c.get(k) is not None)
    when = c.get("finished_at") or c.get("started_at") or ""
    line = f"  #{c.get('id')} {c.get('source') or '?'} {c.get('status') or '?'}"
    if counts:
        line += f": {counts}"
    if when:
        line += f" ({when})"
    return line


def render_text(report: dict) -> str:
    """A human summary: per topic the new and updated articles (title, date, URL), then
    the failures and the crawls; "nothing new on your topics" when nothing was flagged."""
    lines: list[str] = []
    topics = {k: v for k, v in report.get("topics", {}).items() if v}
    if not topics:
        lines.append(NOTHING + ".")
    for name, items in topics.items():
        if lines:
            lines.append("")
        lines.append(f"## {name}: {_count(items, 'new')} new, {_count(items, 'updated')} updated")
        for i in items:
            label = "NEW    " if i["kind"] == "new" else "UPDATED"
            title = i.get("title") or "(no title)"
            if i["kind"] != "new" and not i.get("in_change"):
                title += " (change does not mention the topic)"
            lines.append(f"- {label} {i.get('published') or '????-??-??'}  {title}")
            lines.append(f"  {i.get('url') or ''}")
            details = []
            if i.get("terms"):
                details.append("terms: " + ", ".join(i["terms"]))
            if i.get("also_at"):
                details.append("also at: " + " ".join(i["also_at"]))
            if details:
                lines.append("  " + "; ".join(details))
    if report.get("failures"):
        lines += ["", "failures:"]
        for f in report["failures"]:
            lines.append(f"  #{f.get('id')} {f.get('source') or '?'} {f.get('status')}: {f.get('reason') or 'no reason given'}")
    if report.get("crawls"):
        lines += ["", "crawls:"]
        lines += [_crawl_line(c) for c in report["crawls"]]
    return "\n".join(lines)


def render_json(report: dict) -> str:
    """The report as indented JSON (UTF-8 text, accents as they are)."""
    return json.dumps(report, ensure_ascii=False, indent=2, default=str)
