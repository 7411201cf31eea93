"""The daily experience in Datasette (issue 12 §1): the briefing page, its Atom feeds, the
article history showing only what changed, backfill flags kept out, the web search with the
topic parser's messages, the dashboard by the day flags were raised.

The store is :func:`test_datasette.build_store` (real crawls of two replica sites, three
articles edited, flagged), plus ``veille topics backfill`` of a new topic run as a user
would (its flags must stay out of "new").
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from helpers import ROOT, one, rows
from test_datasette import NEW_BODY, TOPICS, Client, build_store

from veille.web import DB_NAME, load_metadata

feedparser = pytest.importorskip("feedparser")

BACKFILLED = "bamako"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("briefing_store")
    s = build_store(root)
    cfg = root / "veille.toml"
    lines = [f'[store]\npath = "{s["db"]}"\n']
    for t in [*TOPICS, type(TOPICS[0])(BACKFILLED, "Bamako")]:
        lines.append(f"[[topics]]\nname = {json.dumps(t.name)}\nquery = {json.dumps(t.query)}\n")
    cfg.write_text("\n".join(lines), encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "veille.cli", "topics", "backfill", BACKFILLED,
                        "--config", str(cfg)], cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    s["config"] = cfg
    s["backfilled"] = one(s["db"], "SELECT count(*) FROM flags WHERE topic = ?", (BACKFILLED,))
    assert s["backfilled"] > 5
    return s


@pytest.fixture(scope="module")
def client(store):
    yield from Client.serving(store["db"])


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --------------------------------------------------------------------------- backfill


def test_backfill_flags_are_marked(store):
    db = store["db"]
    assert one(db, "SELECT count(*) FROM flags WHERE backfill = 1") == store["backfilled"]
    assert one(db, "SELECT count(*) FROM flags WHERE backfill = 1 AND topic <> ?", (BACKFILLED,)) == 0


def test_backfill_kept_out_of_latest_flags_and_topics_overview(client, store):
    got = client.query("latest_flags")
    assert got and BACKFILLED not in {r["topic"] for r in got}
    assert len(client.query("latest_flags", backfill="1")) == len(got) + store["backfilled"]
    over = {r["topic"]: r for r in client.query("topics_overview")}
    assert over[BACKFILLED]["last_24h"] == 0 and over[BACKFILLED]["total"] == store["backfilled"]


# --------------------------------------------------------------------------- briefing


def test_briefing_groups_by_topic_with_context_and_changes(client, store):
    db = store["db"]
    page = client.html(f"/{DB_NAME}/briefing", since="24h")
    # no Datasette SQL chrome, no raw JSON, no 0/1
    assert "Run SQL" not in page and "Custom SQL query" not in page
    assert '["' not in page and "in_change" not in page
    # every topic with flags has its section, chosen from a list
    for t in TOPICS:
        assert f'<section class="vb-topic" id="topic-{t.name}">' in page
        assert f'<option value="{t.name}">{t.name}</option>' in page
    # backfill flags are not news
    assert f'id="topic-{BACKFILLED}"' not in page
    assert f"Nothing new in the last 24 hours on: {BACKFILLED}" in _text(page)
    # the updated article on "mali": only its change, said to mention the topic
    items = re.findall(r'<article class="vb-item vb-updated">(.*?)</article>', page, re.S)
    mali = page[page.index('id="topic-mali"'):].split("</section>")[0]
    assert f"<ins>{NEW_BODY[0]}</ins>" in mali and "the change mentions it" in mali
    assert any("the change is elsewhere" in i for i in items)
    aid = store["edited_body"]
    assert f'href="/{DB_NAME}/article_history?id={aid}">full history</a>' in mali
    # terms highlighted in a sentence of the text, not the title line
    assert "<mark>Mali</mark>" in mali
    assert re.search(r'<p class="vb-snippet">(?!\s*date \d{4})', mali)
    # readable URLs and one-line dates
    url = one(db, "SELECT url FROM articles WHERE id = ?", (aid,))
    host = url.split("/")[2]
    assert f"{host} › h/" in page
    assert re.search(r'<time class="vb-date">\d{4}-\d\d-\d\d \d\d:\d\d UTC</time>', page)
    # one topic
    one_topic = client.html(f"/{DB_NAME}/briefing", topic="otan", since="24h")
    assert 'id="topic-otan"' in one_topic and 'id="topic-mali"' not in one_topic
    assert '<option value="otan" selected>' in one_topic
    # backfill on demand
    assert f'id="topic-{BACKFILLED}"' in client.html(f"/{DB_NAME}/briefing", since="24h", backfill="1")


def test_briefing_counts_match_the_store(client, store):
    db = store["db"]
    page = client.html(f"/{DB_NAME}/briefing", since="7d")
    n = one(db, "SELECT count(*) FROM flags WHERE backfill = 0 AND duplicate_of_flag IS NULL")
    assert page.count('<article class="vb-item') == n
    for t in TOPICS:
        new = one(db, "SELECT count(*) FROM flags WHERE topic = ? AND kind = 'new' AND backfill = 0"
                  " AND duplicate_of_flag IS NULL", (t.name,))
        upd = one(db, "SELECT count(*) FROM flags WHERE topic = ? AND kind = 'updated' AND backfill = 0"
                  " AND duplicate_of_flag IS NULL", (t.name,))
        assert f'{t.name} <span class="vb-counts">{new} new, {upd} updated</span>' in page


def _items_by_topic(page: str) -> list[tuple[str, str]]:
    """(topic, article id) of each item of a briefing page."""
    out = []
    for topic, section in re.findall(r'<section class="vb-topic" id="topic-([^"]+)">(.*?)</section>',
                                     page, re.S):
        out += [(topic, aid) for aid in re.findall(r"article_history\?id=(\d+)\">full history", section)]
    return out


def test_briefing_pages_show_every_flag_once(client, store, monkeypatch):
    """Issue 14: a page shows PAGE_SIZE flags (its cost does not grow with the period);
    "older flags" leads through all of them, each once, newest first."""
    from veille.web import briefing

    whole = client.html(f"/{DB_NAME}/briefing", since="7d")
    assert "older flags" not in whole and "newest flags" not in whole
    monkeypatch.setattr(briefing, "PAGE_SIZE", 3)
    n = one(store["db"], "SELECT count(*) FROM flags WHERE backfill = 0")
    assert n > 6
    seen, pages, path = [], [], f"/{DB_NAME}/briefing?since=7d"
    while path:
        page = client.html(path)
        pages.append(page)
        seen += _items_by_topic(page)
        older = re.search(r'<a class="vb-older" href="([^"]+)"', page)
        path = html.unescape(older.group(1)) if older else None
        assert len(pages) <= n
    assert sorted(seen) == sorted(_items_by_topic(whole))
    assert len(pages) == -(-n // 3)  # copies count in a page's flags, not in its items
    assert f"{n} flags, the latest 3 shown" in _text(pages[0])
    assert f"{n} flags, 3 older ones shown" in _text(pages[1]) and "newest flags" in pages[1]
    # a topic on later pages only is not "nothing new" (page 1 here: mali and securite)
    assert {t for t, _ in _items_by_topic(pages[0])} < {t.name for t in TOPICS}
    assert re.findall(r"Nothing new in the last 7 days on: ([^.]*)\.", _text(pages[0])) == [BACKFILLED]
    bad = client.html(f"/{DB_NAME}/briefing", since="7d", before="x")
    assert "bad before &#39;x&#39;" in bad and _items_by_topic(bad)[:3] == _items_by_topic(pages[0])


def test_briefing_since_last_visit_and_bad_input(client, store):
    first = client.get(f"/{DB_NAME}/briefing")
    assert first.status_code == 200
    cookie = first.headers["set-cookie"]
    assert cookie.startswith("veille_visit=")
    assert "first visit" in first.text
    # a visit that started a day ago: "since my last visit" is then
    prev = "2000-01-01T00:00:00.000Z|2000-01-01T00:10:00.000Z"
    r = client.loop.run_until_complete(client.ds.client.get(
        f"/{DB_NAME}/briefing", cookies={"veille_visit": prev}))
    assert r.status_code == 200 and "your last visit" in r.text
    assert '<option value="last-visit" selected>' in r.text
    assert "veille_visit=2000-01-01T00:10:00.000Z" in r.headers["set-cookie"]
    bad = client.html(f"/{DB_NAME}/briefing", since="soon")
    assert "bad since &#39;soon&#39;" in bad
    unknown = client.html(f"/{DB_NAME}/briefing", topic="securit")
    assert "no topic named &#39;securit&#39; (topics: " in unknown


def test_briefing_in_menu_and_home(client):
    home = client.html("/")
    assert f'href="/{DB_NAME}/briefing"' in home


# --------------------------------------------------------------------------- Atom


def test_atom_feeds_have_the_briefing_items(client, store):
    db = store["db"]
    r = client.get(f"/{DB_NAME}/briefing.atom")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
    ET.fromstring(r.content)  # well-formed XML
    feed = feedparser.parse(r.content)
    assert not feed.bozo, feed.bozo_exception
    n = one(db, "SELECT count(*) FROM flags WHERE backfill = 0 AND duplicate_of_flag IS NULL")
    assert len(feed.entries) == n
    ids = [e.id for e in feed.entries]
    assert len(set(ids)) == n
    urls = {r["url"] for r in rows(db, "SELECT url FROM articles")}
    assert all(e.link in urls for e in feed.entries)
    assert [e.updated for e in feed.entries] == sorted((e.updated for e in feed.entries), reverse=True)
    upd = [e for e in feed.entries if e.title.startswith("[mali] updated: ")]
    assert len(upd) == 1 and NEW_BODY[0] in upd[0].content[0].value
    assert "article_history?id=" in upd[0].content[0].value
    # one topic: the same items as the page
    otan = feedparser.parse(client.get(f"/{DB_NAME}/briefing.atom", topic="otan").content)
    page = client.html(f"/{DB_NAME}/briefing", topic="otan", since="7d")
    assert len(otan.entries) == page.count('<article class="vb-item') > 0
    assert all(e.title.startswith("[otan] ") for e in otan.entries)
    assert otan.feed.title == "veille: otan"
    assert client.get(f"/{DB_NAME}/briefing.atom", topic="nosuch").status_code == 404
    assert client.get(f"/{DB_NAME}/briefing.atom", since="soon").status_code == 400
    assert 'type="application/atom+xml"' in page


# --------------------------------------------------------------------------- history


def test_article_history_shows_only_the_change(client, store):
    aid = store["edited_body"]
    got = client.query("article_history", id=str(aid))
    newest, first = got
    # version 2: the changed paragraphs only, the whole text on demand
    assert f"<ins>{NEW_BODY[0]}</ins>" in newest["diff_html"]
    whole = one(store["db"], "SELECT count(*) FROM versions WHERE article_id = ?", (aid,))
    assert whole == 2
    assert newest["diff_html"].count("<p>") < newest["full_html"].count("<p>")
    page = client.html(f"/{DB_NAME}/article_history", id=str(aid))
    assert "Run SQL" not in page and "Custom SQL query" not in page
    assert "Version 2: what changed" in page and "Version 1: first seen" in page
    assert "<details><summary>the whole text of version 2</summary>" in page
    assert page.count('<section class="vh-version') == 2
    empty = client.html(f"/{DB_NAME}/article_history", id="999999")
    assert "No article with id 999999" in empty


# --------------------------------------------------------------------------- search


def test_search_uses_the_topic_parser_messages(client, store):
    page = client.html(f"/{DB_NAME}/search", q="(mali AND")
    cli = subprocess.run([sys.executable, "-m", "veille.cli", "topics", "add", "x", "(mali AND",
                          "--config", str(store["config"].parent / "other.toml")],
                         cwd=ROOT, capture_output=True, text=True)
    assert cli.returncode == 2
    problem = cli.stderr.split(": ", 2)[-1].split("\n")[0]  # after "veille topics add: bad query for topic 'x'"
    assert problem and problem in page.replace("&#39;", "'")
    assert '<pre class="message-error veille-query-problem">bad query: ' in page
    assert client.query("search", q="(mali AND") == []


def test_search_snippets_and_scores_are_for_people(client, store):
    got = client.query("search", q="otan")
    assert got
    for r in got:
        assert not r["snippet"].lstrip("… ").startswith(" date") and " date 20" not in r["snippet"][:12]
        assert "\ue000" in r["snippet"]
        assert re.fullmatch(r"\d{1,3}", str(r["score"])), r["score"]
    assert got[0]["score"] == 100
    page = client.html(f"/{DB_NAME}/search", q="otan")
    assert "e-0" not in _text(page)


# --------------------------------------------------------------------------- dashboard


def test_dashboard_counts_flags_by_the_day_they_were_raised(client, store):
    charts = load_metadata()["plugins"]["datasette-dashboards"]["veille"]["charts"]
    got = client.sql(charts["flags-per-day"]["query"], topic="", source="")
    today = one(store["db"], "SELECT substr(max(created_at), 1, 10) FROM flags")
    assert {r["period"] for r in got} == {today}  # raised today, whatever the publication day
    assert sum(r["flags"] for r in got) == one(store["db"], "SELECT count(*) FROM flags WHERE backfill = 0")
    pub = client.sql(charts["articles-per-day"]["query"], topic="", source="")
    assert {r["per"] for r in pub} == {"week"}  # publication days span months: weeks
    assert all(r["period"] == r["period"][:10] for r in pub)
    for slug in ("flags-per-day", "articles-per-day", "found-per-day", "per-source", "per-topic"):
        enc = charts[slug]["display"]["encoding"]
        axis = next(e for e in enc.values() if e.get("type") == "quantitative")["axis"]
        assert axis == {"format": "d", "tickMinStep": 1}
