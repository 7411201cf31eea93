"""The morning briefing: what is new or changed on your topics since yesterday or since your
last visit, at ``/veille/briefing``, for people (not a table of rows).

    /veille/briefing                       every topic, since your last visit (else 24 h)
    /veille/briefing?topic=mali&since=7d   one topic, the last 7 days
    /veille/briefing?backfill=1            with the flags of `veille topics backfill`

Grouped by topic; each item has its headline (a link to the article), source, publication
date, when it was flagged, the readable address of the page, the topic's terms
highlighted in a sentence of the text (:func:`veille.topics.highlight.snippet`), and for an
update only what changed (paragraphs added in green, removed in red) with whether the
change itself mentions the topic; a link opens the article's full history. The same
items feed the Atom feeds (:mod:`veille.web.atom`): :func:`briefing` builds them for both.

Decisions:

- A Datasette route (``register_routes`` in :mod:`veille.web.plugin`) rendering
  ``templates/briefing.html`` inside Datasette's own page (menu, style sheets); the rows
  are read on Datasette's read-only connection (:mod:`storage.briefing`).
- ``since``: a choice in a list ("since my last visit", 24 h, yesterday, 7 days, 30 days)
  or any value :func:`veille.core.clock.parse_since` reads; a bad one is said on the page.
  The topic is chosen from the list of the store's topics; an unknown one is said too.
- "Since my last visit": a cookie (``veille_visit``) keeps the start of the previous visit
  and of the current one; a visit is a run of page views with less than
  :data:`VISIT_GAP` between them, so reloading the page does not empty it.
- Copies (a flag that repeats one raised for the same story from another URL or source,
  ``flags.duplicate_of_flag``) are listed under their first flag ("also at"), not as items.
- Backfill flags are left out unless ``backfill=1`` (old articles flagged for a new topic).
- A page shows :data:`PAGE_SIZE` (100) flags, newest first; "older flags" opens the next
  100 (``before``: the last flag id shown, read by the ``created_at`` index, so every page
  costs the same; "since my last visit" is passed on as the time it stood for). Issue 14:
  500 items a page took 1-4 s to build and render (~1 MB of HTML), whatever the machine;
  the feeds keep :data:`LIMIT` (500) entries. "Nothing new on" names only the topics with
  no flag in the whole period (one index seek each), not those on other pages.
"""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import unquote, urlencode, urlsplit

import markupsafe

from storage import briefing as rows
from veille.core import clock
from veille.core.errors import BadArgument
from veille.topics.highlight import snippet

__all__ = ["briefing", "build_items", "readable_url", "page", "SINCE_CHOICES", "VISIT_GAP", "LIMIT",
           "PAGE_SIZE"]

VISIT_COOKIE = "veille_visit"
VISIT_GAP = dt.timedelta(minutes=30)
LIMIT = 500  # items of a feed
PAGE_SIZE = 100  # items of one page of the briefing; "older flags" opens the next
SINCE_CHOICES = (
    ("last-visit", "since my last visit"),
    ("24h", "in the last 24 hours"),
    ("yesterday", "since yesterday"),
    ("7d", "in the last 7 days"),
    ("30d", "in the last 30 days"),
)


def readable_url(url: str | None, width: int = 70) -> str:
    """``https://www.maliweb.net/politique/x-123.html`` -> ``maliweb.net › politique/x-123.html``."""
    if not url:
        return ""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    if parts.port and parts.port not in (80, 443):
        host += f":{parts.port}"
    path = unquote(parts.path).strip("/") + (f"?{unquote(parts.query)}" if parts.query else "")
    label = f"{host} › {path}" if path else host
    return label if len(label) <= width else label[: width - 1] + "…"


def _json_list(value) -> list[str]:
    if not value:
        return []
    try:
        out = json.loads(value)
    except ValueError:
        return [str(value)]
    return [str(x) for x in out] if isinstance(out, list) else [str(out)]


def _snippet_html(text: str | None, terms: list[str]) -> markupsafe.Markup:
    out = []
    for piece, mark in snippet(text or "", terms):
        esc = markupsafe.escape(piece)
        out.append(markupsafe.Markup("<mark>{}</mark>").format(esc) if mark else esc)
    return markupsafe.Markup("").join(out)


def _when(value: str | None) -> str:
    """A stored UTC time as ``2026-12-03 13:30 UTC``."""
    d = clock.parse_iso(value)
    return d.strftime("%Y-%m-%d %H:%M UTC") if d else ""


def build_items(flag_rows: list[dict], history_url) -> list[dict]:
    """The briefing's items from :func:`storage.briefing.flagged_since` rows (newest
    first); copies go under their first flag's ``also``. ``history_url(article_id)``."""
    items: dict[int, dict] = {}
    copies = []
    for r in flag_rows:
        if r["duplicate_of_flag"] is not None:
            copies.append(r)
            continue
        terms = _json_list(r["terms"])
        updated = r["kind"] != "new"
        items[r["flag_id"]] = {
            "flag_id": r["flag_id"],
            "topic": r["topic"],
            "kind": r["kind"],
            "title": r["title"] or "(no title)",
            "source": r["source"] or "",
            "published": (r["published"] or "")[:10],
            "flagged_at": _when(r["created_at"]),
            "created_at": r["created_at"],
            "url": r["url"],
            "url_label": readable_url(r["url"]),
            "terms": terms,
            "snippet": _snippet_html(r["text"], terms),
            "added": _json_list(r["added"]) if updated else [],
            "removed": _json_list(r["removed"]) if updated else [],
            "change": (("the change mentions it" if r["in_change"] else "the change is elsewhere")
                       if updated else ""),
            "in_change": bool(r["in_change"]),
            "history_url": history_url(r["article_id"]),
            "article_id": r["article_id"],
            "backfill": bool(r["backfill"]),
            "also": [],
        }
    for r in reversed(copies):
        first = items.get(r["duplicate_of_flag"])
        if first is not None:
            first["also"].append({"source": r["source"] or "", "url": r["url"],
                                  "url_label": readable_url(r["url"])})
    return list(items.values())


def briefing(conn, *, since: dt.datetime, topic: str | None = None, backfill: bool = False,
             history_url=lambda aid: f"/veille/article_history?id={aid}", limit: int = LIMIT,
             before: int | None = None) -> dict:
    """The briefing's data (for the page and the feeds), read on ``conn``: ``groups`` (one
    per topic with items: ``topic``, ``query``, ``items``, ``new``, ``updated``), ``quiet``
    (the topics with nothing), ``topics`` (every known topic: name -> query), ``count``,
    ``total`` (without the limit), ``since`` (UTC ISO), ``older`` (the flag id to give as
    ``before`` for the next ``limit`` flags, None when there are no more). ``before``: only
    the flags after that one, newest first (:func:`storage.briefing.flagged_since`)."""
    topics = rows.topic_queries(conn)
    since_iso = clock.iso(since)
    flag_rows = rows.flagged_since(conn, since_iso, topic=topic, backfill=backfill,
                                   limit=limit + 1, before=before)
    more = len(flag_rows) > limit
    flag_rows = flag_rows[:limit]
    total = (len(flag_rows) if not more and before is None else
             rows.count_since(conn, since_iso, topic=topic, backfill=backfill))
    items = build_items(flag_rows, history_url)
    groups: dict[str, list[dict]] = {}
    for item in items:
        groups.setdefault(item["topic"], []).append(item)
    wanted = [topic] if topic else list(topics)
    if more or before is not None:  # a topic missing from this page may have flags on another
        wanted = [n for n in wanted if n not in groups and not rows.has_flags_since(
            conn, since_iso, n, backfill=backfill)]
    out = []
    for name in sorted(groups):
        its = groups[name]
        its.sort(key=lambda i: i["kind"] != "new")
        out.append({"topic": name, "query": topics.get(name), "items": its,
                    "new": sum(1 for i in its if i["kind"] == "new"),
                    "updated": sum(1 for i in its if i["kind"] != "new")})
    return {"groups": out, "quiet": [n for n in wanted if n not in groups], "topics": topics,
            "count": len(flag_rows), "total": total, "since": since_iso,
            "older": flag_rows[-1]["flag_id"] if more else None}


# ----------------------------------------------------------------------------- the page

def _visits(request, now: dt.datetime) -> tuple[dt.datetime | None, str]:
    """(start of the previous visit or None, the cookie's new value)."""
    raw = request.cookies.get(VISIT_COOKIE, "")
    prev_s, _, cur_s = raw.partition("|")
    prev, cur = clock.parse_iso(prev_s), clock.parse_iso(cur_s)
    if cur is not None and now - cur > VISIT_GAP:
        prev = cur  # a new visit: the one before is now "the last visit"
    return prev, f"{clock.iso(prev) if prev else ''}|{clock.iso(now)}"


def _since_label(key: str, since: dt.datetime) -> str:
    for k, label in SINCE_CHOICES:
        if k == key:
            return label
    return "since " + since.strftime("%Y-%m-%d %H:%M UTC")


async def page(request, datasette):
    """``GET /veille/briefing`` (see the module docstring)."""
    from datasette.utils.asgi import Response

    from veille.web import DB_NAME

    db = datasette.get_database(DB_NAME)
    now = clock.now()
    last_visit, cookie = _visits(request, now)
    args = request.args
    key = (args.get("since") or "").strip() or ("last-visit" if last_visit else "24h")
    topic = (args.get("topic") or "").strip() or None
    backfill = args.get("backfill") in ("1", "on", "true", "yes")
    errors = []
    if last_visit is None and key in ("last-visit", "24h") and not args.get("since") \
            or key == "last-visit" and last_visit is None:
        errors.append("This is your first visit from this browser: showing the last 24 hours.")
    if key == "last-visit":
        since = last_visit or now - dt.timedelta(days=1)
    else:
        try:
            since = clock.parse_since(key, now)
        except BadArgument as exc:
            errors.append(str(exc))
            key, since = "24h", now - dt.timedelta(days=1)
    topics = await db.execute_fn(rows.topic_queries)
    if topic is not None and topic not in topics:
        errors.append(f"no topic named {topic!r} (topics: {', '.join(topics) or 'none yet'})")
        topic = None
    before = None
    if (args.get("before") or "").strip():
        if args["before"].strip().isdigit():
            before = int(args["before"].strip())
        else:
            errors.append(f"bad before {args['before']!r}: a flag id (the link \"older flags\""
                          " gives it); showing the newest flags")

    def history_url(aid):
        return "{}?id={}".format(datasette.urls.query(DB_NAME, "article_history"), aid)

    data = await db.execute_fn(lambda conn: briefing(
        conn, since=since, topic=topic, backfill=backfill, history_url=history_url,
        limit=PAGE_SIZE, before=before))
    # the pages of the same period: "since my last visit" as the time it stands for
    here = {k: v for k, v in (("topic", topic),
                              ("since", clock.iso(since) if key == "last-visit" else key),
                              ("backfill", "1" if backfill else None)) if v}
    path = datasette.urls.path(f"/{DB_NAME}/briefing")
    feed_args = {k: v for k, v in (("topic", topic), ("backfill", "1" if backfill else None)) if v}
    feed = datasette.urls.path(f"/{DB_NAME}/briefing.atom")
    context = {
        **data,
        "errors": errors,
        "topic": topic,
        "since_key": key,
        "since_label": _since_label(key, since),
        "since_text": since.strftime("%Y-%m-%d %H:%M UTC"),
        "since_choices": SINCE_CHOICES,
        "last_visit": last_visit.strftime("%Y-%m-%d %H:%M UTC") if last_visit else None,
        "backfill": backfill,
        "feed_url": feed + ("?" + urlencode(feed_args) if feed_args else ""),
        "feed_all_url": feed,
        "database": DB_NAME,
        "limit": PAGE_SIZE,
        "before": before,
        "older_url": (path + "?" + urlencode({**here, "before": data["older"]})
                      if data["older"] is not None else None),
        "newest_url": path + "?" + urlencode(here) if before is not None else None,
    }
    html = await datasette.render_template("briefing.html", context, request=request,
                                           view_name="briefing")
    response = Response.html(html)
    response.set_cookie(VISIT_COOKIE, cookie, max_age=400 * 86400, samesite="lax", httponly=True)
    return response
