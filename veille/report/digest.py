"""The daily digest (``[notify] mode = "digest"``): one message a day instead of one per run.

    digest = build_digest(store, since, until)    # a dict; digest["flags"] == 0: nothing to tell
    text = render_digest(digest)                  # the message
    title = digest_title(digest)

Per topic: how many articles were new and updated in the period, then each one's title,
source and link; the crawls that failed in the period. Flags of ``veille topics backfill``
and repeats of a story already flagged elsewhere (``duplicate_of_flag``) are left out, as
in the run reports and the briefing. When and to whom it is sent is
:mod:`veille.schedule.report`'s business.
"""

from __future__ import annotations

from storage import briefing as rows
from storage import digests

__all__ = ["build_digest", "render_digest", "digest_title", "MAX_ROWS"]

MAX_ROWS = 5000  # flags read for one digest; beyond, the counts stay right and links stop


def build_digest(store, since: str, until: str) -> dict:
    """What was flagged in [since, until) (see the module docstring)."""
    conn = store.conn
    flagged = [r for r in rows.flagged_since(conn, since, until=until, limit=MAX_ROWS)
               if r["duplicate_of_flag"] is None]
    topics: dict[str, dict] = {}
    for r in reversed(flagged):  # oldest first within a topic
        t = topics.setdefault(r["topic"], {"new": 0, "updated": 0, "items": []})
        t["new" if r["kind"] == "new" else "updated"] += 1
        t["items"].append({"kind": r["kind"], "title": r["title"] or "(no title)",
                           "source": r["source"], "url": r["url"], "published": r["published"]})
    failed = digests.failed_crawls(conn, since, until)
    return {"since": since, "until": until, "flags": len(flagged),
            "topics": {k: topics[k] for k in sorted(topics)},
            "failed": [{"source": s, "crawls": n} for s, n in failed],
            "failed_crawls": sum(n for _, n in failed)}


def digest_title(digest: dict) -> str:
    new = sum(t["new"] for t in digest["topics"].values())
    upd = sum(t["updated"] for t in digest["topics"].values())
    parts = [f"{new} new, {upd} updated on {', '.join(digest['topics'])}"] if digest["topics"] else []
    if digest["failed_crawls"]:
        parts.append(f"{digest['failed_crawls']} crawl(s) failed")
    return "veille digest: " + ("; ".join(parts) or "nothing new")


def render_digest(digest: dict) -> str:
    lines = [f"What was flagged from {digest['since'][:16].replace('T', ' ')} to "
             f"{digest['until'][:16].replace('T', ' ')} UTC."]
    if not digest["topics"]:
        lines.append("Nothing new on your topics.")
    for name, t in digest["topics"].items():
        lines += ["", f"## {name}: {t['new']} new, {t['updated']} updated"]
        for i in t["items"]:
            label = "NEW    " if i["kind"] == "new" else "UPDATED"
            lines.append(f"- {label} {i['title']} ({i['source']})")
            lines.append(f"  {i['url']}")
    if digest["failed"]:
        lines += ["", "crawls that failed: " + ", ".join(f"{f['source']} ×{f['crawls']}" for f in digest["failed"])]
    return "\n".join(lines)
