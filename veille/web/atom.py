"""Atom feeds of the briefing, for a feed reader: ``/veille/briefing.atom`` (every topic) and
``/veille/briefing.atom?topic=mali`` (one), with the same items as the page.

Decisions:

- Rendered by feedgen (the library datasette-atom uses) from :func:`veille.web.briefing.briefing`,
  so a feed holds exactly the briefing's items: one entry per flag (copies of a story
  listed in their first flag's entry), the last :data:`DAYS` days (``since`` as on the
  page), newest first, at most :data:`veille.web.briefing.LIMIT`.
- An entry's id is stable (``tag:veille,<host>:flag/<id>``): a reader shows it once; its
  title says the topic and the kind (``[mali] updated: …``), its one link the article (a
  second ``rel`` link is not written: feedgen 1.0 drops the ``rel`` of entry links, which
  would make two "alternate" links), its content the snippet with the terms, for an update
  what changed, and a link to the history on this server; ``updated`` is when it was flagged.
- An unknown topic is a 404 naming the known ones; a bad ``since`` a 400.
"""

from __future__ import annotations

import datetime as dt

import markupsafe

from veille.core import clock
from veille.core.errors import BadArgument

from .briefing import briefing

__all__ = ["feed", "render_feed", "DAYS"]

DAYS = 7


def _content(item: dict) -> str:
    esc = markupsafe.escape
    parts = [f"<p><b>{esc(item['source'])}</b>"
             + (f", published {esc(item['published'])}" if item["published"] else "") + "</p>"]
    if item["snippet"]:
        parts.append(f"<p>{item['snippet']}</p>")
    if item["terms"]:
        parts.append(f"<p>Matched: {esc(', '.join(item['terms']))}</p>")
    if item["kind"] != "new":
        parts.append(f"<p><i>{esc(item['change'])}</i></p>")
        parts += [f'<p style="color:#8a0c17"><del>{esc(p)}</del></p>' for p in item["removed"]]
        parts += [f'<p style="color:#0b5d1e"><ins>{esc(p)}</ins></p>' for p in item["added"]]
    if item["also"]:
        parts.append("<p>Also at: " + ", ".join(
            f'<a href="{esc(a["url"])}">{esc(a["source"])}</a>' for a in item["also"]) + "</p>")
    return "\n".join(parts)


def render_feed(data: dict, *, feed_url: str, page_url: str, absolute, topic: str | None) -> bytes:
    """The Atom XML of a :func:`briefing` result. ``absolute(path)`` makes a URL absolute."""
    from feedgen.feed import FeedGenerator

    host = feed_url.split("/")[2] if "://" in feed_url else "veille"
    fg = FeedGenerator()
    fg.id(feed_url)
    fg.title(f"veille: {topic}" if topic else "veille: all topics")
    fg.subtitle(f"New and updated articles on {'the topic ' + topic if topic else 'your topics'}")
    fg.link(href=feed_url, rel="self")
    fg.link(href=page_url, rel="alternate")
    fg.generator("veille")
    items = sorted((i for g in data["groups"] for i in g["items"]),
                   key=lambda i: (i["created_at"] or "", i["flag_id"]))
    newest = clock.parse_iso(items[-1]["created_at"]) if items else clock.now()
    fg.updated(newest)
    for item in items:  # feedgen puts the last added first
        e = fg.add_entry()
        e.id(f"tag:veille,{host}:flag/{item['flag_id']}")
        kind = "new" if item["kind"] == "new" else "updated"
        e.title(f"[{item['topic']}] {kind}: {item['title']}")
        e.link(href=item["url"] or absolute(item["history_url"]))  # one link (see the docstring)
        e.updated(clock.parse_iso(item["created_at"]) or newest)
        published = item["published"]
        if published and len(published) == 10:
            try:
                e.published(dt.datetime.fromisoformat(published).replace(tzinfo=dt.timezone.utc))
            except ValueError:
                pass
        e.author({"name": item["source"] or "veille"})
        e.category(term=item["topic"])
        e.content(_content(item) + f'\n<p><a href="{markupsafe.escape(absolute(item["history_url"]))}">'
                  "full history</a></p>", type="html")
    return fg.atom_str(pretty=True)


async def feed(request, datasette):
    """``GET /veille/briefing.atom[?topic=T][&since=7d][&backfill=1]``."""
    from datasette.utils.asgi import Response

    from storage import briefing as rows
    from veille.web import DB_NAME

    db = datasette.get_database(DB_NAME)
    topic = (request.args.get("topic") or "").strip() or None
    backfill = request.args.get("backfill") in ("1", "on", "true", "yes")
    now = clock.now()
    try:
        since = clock.parse_since(request.args.get("since") or f"{DAYS}d", now)
    except BadArgument as exc:
        return Response.text(str(exc) + "\n", status=400)
    topics = await db.execute_fn(rows.topic_queries)
    if topic is not None and topic not in topics:
        return Response.text(f"no topic named {topic!r} (topics: {', '.join(topics) or 'none'})\n",
                             status=404)

    def history_url(aid):
        return "{}?id={}".format(datasette.urls.query(DB_NAME, "article_history"), aid)

    data = await db.execute_fn(lambda conn: briefing(
        conn, since=since, topic=topic, backfill=backfill, history_url=history_url))
    absolute = lambda path: datasette.absolute_url(request, path)  # noqa: E731
    page = datasette.urls.path(f"/{DB_NAME}/briefing") + (f"?topic={topic}" if topic else "")
    body = render_feed(data, feed_url=absolute(request.full_path), page_url=absolute(page),
                       absolute=absolute, topic=topic)
    return Response(body, content_type="application/atom+xml; charset=utf-8",
                    headers={"Cache-Control": "max-age=60"})
