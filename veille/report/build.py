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
                        "also_at", "story_id", "also_flagged"}]},
     "repeats": {name: [{...the same keys..., "first": {"flag_id", "kind", "title", "url",
                                                        "source", "created_at"}}]},
     "failures": [{"id", "source", "status", "reason"}],
     "health": [{"source", "crawl_id", "issues", ...}]}

and, when they apply, ``"notifications": [{"channel", "ok", "error"}]`` (how the
notifications of this report went: added by the scheduler after sending, so the printed
report counts a failed or late one) and ``"store_damaged": "<what SQLite said>"`` (the run
found the store's file damaged: :func:`damage_report`; nothing could be flagged).

- ``topics`` holds only topics with flags, names sorted; in each, ``new`` before
  ``updated``, then the most recently published first. ``in_change`` is a bool, ``terms``
  a list. ``title`` (the headline, else the page title), ``published``, ``url`` and
  ``source`` are the article's current ones;
  ``also_at`` the other URLs whose current text is the same (duplicates).
- **The same story elsewhere**: a flag that repeats an earlier one of its topic
  (``flags.duplicate_of_flag``, see :mod:`veille.monitor.flags`) is not an item of ``topics``:
  when its first flag is in the report it is listed in that item's ``also_flagged``
  (``{"flag_id", "kind", "url", "source", "title", "published"}``; rendered "also at:
  URL (source)"); otherwise (the first one was reported by an earlier run) it goes to
  ``repeats``, with ``first`` saying where the story was seen first. Neither counts as
  news (:func:`has_news`) nor is notified as such.
- ``crawls``: the crawls given (dicts with at least ``id``, or ids), completed from the
  store; when None, the crawls the flags come from.
- ``failures``: the crawls whose status is neither ``finished`` nor ``running``, with a
  reason: the caller's ``reason`` or ``error`` key if any, else the crawl's
  ``finish_reason``.
- ``totals`` (optional, set by ``veille flags``): topic -> ``{"new", "updated"}`` over
  every flag that matched, not only those shown; the text then says both.
- ``health``: the sources of the report's crawls that look unwell (their last crawl in the
  report yielded no article, fell back from its site rules to generic extraction, or
  failed more pages than it stored), as :func:`veille.monitor.health.source_health` describes
  them; sources in good health are left out.

Where things live: this module builds and renders; what it reads from the store (the
flagged articles, their other URLs, the crawls, earlier flags) comes from
:mod:`storage.reports`.
"""

from __future__ import annotations

import json

from storage import reports
from storage.reports import CRAWL_KEYS
from veille.core.clock import utcnow
from veille.monitor.health import describe, source_health

__all__ = ["build_report", "damage_report", "render_text", "render_json", "has_news", "CRAWL_KEYS"]

OK_STATUSES = ("finished", "running")

NOTHING = "nothing new on your topics"


def _terms(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return [value]
    return [str(t) for t in value]


def _crawls(conn, given: list | None, flags: list[dict]) -> list[dict]:
    if given is None:
        given = sorted({f["crawl_id"] for f in flags if f.get("crawl_id") is not None})
    out = []
    for c in given:
        extra = dict(c) if isinstance(c, dict) else {"id": int(c)}
        row = {}
        if extra.get("id") is not None:
            row = reports.crawl_row(conn, extra["id"]) or {}
        row.update(extra)
        out.append(row)
    return out


def build_report(store, flags: list[dict], crawls: list[dict] | None = None) -> dict:
    """The report of ``flags`` (rows of the ``flags`` table, as :func:`veille.monitor.flags.flag_crawl`
    returns them) and ``crawls`` (see the module docstring)."""
    conn = store.conn
    flags = list(flags)
    arts = reports.articles_by_id(conn, [f["article_id"] for f in flags])
    also = reports.also_at(conn, {(f["content_hash"], f["article_id"]) for f in flags})
    topics: dict[str, list[dict]] = {}
    by_flag: dict[int, dict] = {}
    copies: list[tuple[dict, dict]] = []
    for f in flags:
        a = arts.get(f["article_id"], {})
        item = {
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
            "story_id": f.get("story_id"),
            "also_flagged": [],
        }
        if f.get("duplicate_of_flag") is not None:
            copies.append((f, item))
            continue
        topics.setdefault(f["topic"], []).append(item)
        if f.get("id") is not None:
            by_flag[f["id"]] = item
    repeats: dict[str, list[dict]] = {}
    earlier = reports.flag_origins(conn, {f["duplicate_of_flag"] for f, _ in copies
                                if f["duplicate_of_flag"] not in by_flag})
    for f, item in sorted(copies, key=lambda c: c[0].get("id") or 0):
        first = by_flag.get(f["duplicate_of_flag"])
        if first is not None:
            first["also_flagged"].append({k: item[k] for k in
                                          ("flag_id", "kind", "url", "source", "title", "published")})
        else:
            item["first"] = earlier.get(f["duplicate_of_flag"], {"flag_id": f["duplicate_of_flag"]})
            repeats.setdefault(f["topic"], []).append(item)
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
        "generated_at": utcnow(),
        "crawls": crawl_rows,
        "topics": {name: topics[name] for name in sorted(topics)},
        "repeats": {name: repeats[name] for name in sorted(repeats)},
        "failures": failures,
        "health": _health(store, crawl_rows),
    }


def damage_report(problem: str, crawls: list[dict] | None = None) -> dict:
    """The report of a run that found the store damaged (``problem``: the message): the
    store cannot be read, so no flags and no health; the crawls as given (their rows, as
    the run last read them) and their failures."""
    rows = [dict(c) for c in crawls or []]
    return {
        "generated_at": utcnow(),
        "crawls": rows,
        "topics": {},
        "repeats": {},
        "failures": [{"id": c.get("id"), "source": c.get("source"), "status": c.get("status"),
                      "reason": c.get("finish_reason") or ""}
                     for c in rows if c.get("status") not in OK_STATUSES],
        "health": [],
        "store_damaged": problem,
    }


def _health(store, crawl_rows: list[dict]) -> list[dict]:
    """Source health for the last crawl of each source in the report (unwell ones only)."""
    last: dict[str, int] = {}
    for c in crawl_rows:
        if c.get("source") and c.get("id") is not None and c.get("status") != "running":
            last[c["source"]] = max(last.get(c["source"], 0), int(c["id"]))
    out = []
    for source in sorted(last):
        try:
            h = source_health(store, source, crawl_id=last[source])
        except Exception as e:  # a report must never fail on its health section
            h = {"source": source, "crawl_id": last[source], "issues": [f"health check failed: {e}"]}
        if h.get("issues"):
            out.append(h)
    return out


def has_news(report: dict) -> bool:
    """True when the report has flags or failures, or the store is damaged (what is worth
    a notification)."""
    return bool(any(report.get("topics", {}).values()) or report.get("failures")
                or report.get("store_damaged"))


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
    totals = report.get("totals") or {}
    for name in totals:  # a topic whose flags were all cut by a limit still has its line
        if sum(totals[name].values()):
            topics.setdefault(name, [])
    topics = {k: topics[k] for k in sorted(topics)}
    if report.get("store_damaged"):
        lines += ["THE STORE IS DAMAGED; nothing was flagged: the topics could not be checked.",
                  str(report["store_damaged"])]
    elif not topics:
        lines.append(NOTHING + ".")
    for name, items in topics.items():
        if lines:
            lines.append("")
        new, upd = _count(items, "new"), _count(items, "updated")
        total = totals.get(name)
        if total and (total.get("new", 0), total.get("updated", 0)) != (new, upd):
            lines.append(f"## {name}: {total.get('new', 0)} new, {total.get('updated', 0)} updated"
                         f" ({new} new and {upd} updated shown)")
        else:
            lines.append(f"## {name}: {new} new, {upd} updated")
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
            elsewhere = list(i.get("also_at") or [])
            elsewhere += [f"{c.get('url') or '?'} ({c.get('source') or '?'})"
                          for c in i.get("also_flagged") or []]
            if elsewhere:
                details.append("also at: " + " ".join(elsewhere))
            if details:
                lines.append("  " + "; ".join(details))
    repeats = {k: v for k, v in report.get("repeats", {}).items() if v}
    if repeats:
        lines += ["", "already reported (the same story at another URL or source):"]
        for name, items in repeats.items():
            for i in items:
                first = i.get("first") or {}
                lines.append(f"  {name}: {i.get('title') or '(no title)'}")
                lines.append(f"    {i.get('url') or ''} ({i.get('source') or '?'});"
                             f" first at {first.get('url') or '?'} ({first.get('source') or '?'})"
                             + (f", {first['created_at'][:10]}" if first.get("created_at") else ""))
    if report.get("health"):
        lines += ["", "health:"]
        lines += [f"  {describe(h)}" for h in report["health"]]
    if report.get("failures"):
        lines += ["", "failures:"]
        for f in report["failures"]:
            lines.append(f"  #{f.get('id')} {f.get('source') or '?'} {f.get('status')}: {f.get('reason') or 'no reason given'}")
    if report.get("crawls"):
        lines += ["", "crawls:"]
        lines += [_crawl_line(c) for c in report["crawls"]]
    notes = report.get("notifications") or []
    failed = [n for n in notes if not n.get("ok")]
    if failed:
        lines += ["", f"notifications: {len(failed)} of {len(notes)} failed:"]
        lines += [f"  {n.get('channel')}: {n.get('error') or 'failed'}" for n in failed]
    return "\n".join(lines)


def render_json(report: dict) -> str:
    """The report as indented JSON (UTF-8 text, accents as they are)."""
    return json.dumps(report, ensure_ascii=False, indent=2, default=str)
