"""Datasette over a real store: every canned query, the plugin, the dashboard's queries.

The store (module fixture, ~3 s) is filled by real crawls of two replica sites: aBamako
(40 articles, then 3 edited and 3 added, re-crawled with ``revisit=all``) and a second one
crawled as ``acotonou`` that carries the reference article too (the same text at 14 URLs
over two sources) and one headline of the first site (same headline, different text).
Then the topics are flagged with :func:`veille.monitor.flags.flag_pending`. The file is called
``morning-news.db``: it is served as ``veille`` whatever its name.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from pathlib import Path
from urllib.parse import urlencode

import pytest
from helpers import one, rows, run_crawl

from storage import Store
from storage.schema import TABLES
from veille.web import DB_NAME, load_metadata, make_datasette
from veille.monitor.flags import flag_pending, sync_topics
from replica import edit_article, generate_site, load_manifest, serve
from veille.topics import Topic

TOPICS = [
    Topic("mali", "Mali"),
    Topic("securite", "sécurité OR terrorisme"),
    Topic("otan", "OTAN OR NATO"),
    Topic("cedeao", "CEDEAO"),
]
NEW_BODY = ["Le Mali et la Russie renforcent leur coopération en matière de sécurité.",
            "Un second paragraphe sur Bamako."]
NEW_HEADLINE = "Nouveau titre : la CEDEAO se réunit à Bamako"


def build_store(root: Path) -> dict:
    """Crawl two replica sites into ``root/morning-news.db``; return what the tests need."""
    from replica import add_articles

    a = generate_site(root / "site_a", n_articles=40)
    b = generate_site(root / "site_b", n_articles=12, seed=7, first_id=500000)
    db = root / "morning-news.db"
    with serve(a.out_dir) as sa, serve(b.out_dir) as sb:
        run_crawl(db, sa.base_url)
        # the second site reprints one headline of the first one (with its own text)
        title_30 = one(db, "SELECT headline FROM articles WHERE url LIKE ?", (f"%/{a.ids[30]}.html",))
        edit_article(b.out_dir, b.ids[10], headline=title_30)
        run_crawl(db, sb.base_url, spider="acotonou")
        edit_article(a.out_dir, a.ids[3], body=NEW_BODY)
        edit_article(a.out_dir, a.ids[5])  # an update paragraph appended
        edit_article(a.out_dir, a.ids[9], headline=NEW_HEADLINE)
        added = add_articles(a.out_dir, 3)
        run_crawl(db, sa.base_url, args={"revisit": "all"})
        base_a = sa.base_url
    with Store(db) as store:
        sync_topics(store, TOPICS)
        flag_pending(store, TOPICS)
    url = lambda aid: f"{base_a}/h/{aid}.html"  # noqa: E731
    art = lambda aid: one(db, "SELECT id FROM articles WHERE url = ?", (url(aid),))  # noqa: E731
    return {
        "db": db,
        "edited_body": art(a.ids[3]),
        "edited_append": art(a.ids[5]),
        "edited_headline": art(a.ids[9]),
        "added": [art(i) for i in added],
        "shared_headline": title_30,
        "reference_urls": len(load_manifest(a.out_dir).reference) + len(load_manifest(b.out_dir).reference),
    }


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("datasette_store"))


class Client:
    """Datasette's own test client (``ds.client``), driven synchronously."""

    def __init__(self, ds):
        self.ds = ds
        self.loop = asyncio.new_event_loop()

    @classmethod
    def serving(cls, db):
        """A client of veille's Datasette on the store ``db``, started; its databases and
        loop closed after (a generator, for a fixture to ``yield from``)."""
        ds = make_datasette(db)
        c = cls(ds)
        c.loop.run_until_complete(ds.invoke_startup())
        try:
            yield c
        finally:
            for database in ds.databases.values():
                database.close()
            c.loop.close()

    def get(self, path: str, **params):
        if params:
            path += ("&" if "?" in path else "?") + urlencode(params)
        return self.loop.run_until_complete(self.ds.client.get(path))

    def query(self, name: str, **params) -> list[dict]:
        r = self.get(f"/{DB_NAME}/{name}.json", _shape="objects", **params)
        assert r.status_code == 200, r.text
        data = r.json()
        assert not data.get("error"), data
        return data["rows"]

    def sql(self, sql: str, **params) -> list[dict]:
        r = self.get(f"/{DB_NAME}.json", sql=sql, _shape="objects", **params)
        assert r.status_code == 200, r.text
        return r.json()["rows"]

    def html(self, path: str, **params) -> str:
        r = self.get(path, **params)
        assert r.status_code == 200, (path, r.status_code, r.text[:2000])
        return r.text


@pytest.fixture(scope="module")
def client(store):
    yield from Client.serving(store["db"])


# --------------------------------------------------------------------------- metadata


def test_metadata_describes_every_table_column_and_query():
    meta = load_metadata()
    db = meta["databases"][DB_NAME]
    for table, spec in TABLES.items():
        t = db["tables"][table]
        assert t.get("title") and t.get("description"), table
        assert set(t["columns"]) == set(spec["columns"]), f"{table}: columns described"
        assert all(t["columns"].values()), table
    for fts in ("contents_fts", "articles_fts"):
        assert db["tables"][fts]["title"]
    for name, q in db["queries"].items():
        assert q.get("title") and (q.get("description") or q.get("description_html")), name
    dash = meta["plugins"]["datasette-dashboards"]["veille"]
    assert {c["db"] for c in dash["charts"].values()} == {DB_NAME}


def test_served_as_veille_whatever_the_file_name(client, store):
    assert store["db"].name == "morning-news.db"
    assert [n for n in client.ds.databases if not n.startswith("_")] == [DB_NAME]
    home = client.html("/")
    assert "Latest flags" in home and "/veille/latest_flags" in home


def test_read_only(client, store):
    before = one(store["db"], "SELECT count(*) FROM flags")
    r = client.get(f"/{DB_NAME}.json", sql="delete from flags")
    assert r.status_code == 400 or r.json().get("ok") is False
    db = client.ds.get_database(DB_NAME)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        client.loop.run_until_complete(db.execute("delete from flags"))
    assert one(store["db"], "SELECT count(*) FROM flags") == before


# --------------------------------------------------------------------------- canned queries


def test_latest_flags(client, store):
    db = store["db"]
    got = client.query("latest_flags")
    want = rows(db, "SELECT f.*, a.url FROM flags f JOIN articles a ON a.id = f.article_id")
    assert len(got) == len(want) > 20
    assert {(r["topic"], r["url"], r["kind"]) for r in got} == {(w["topic"], w["url"], w["kind"]) for w in want}
    assert [r["flagged_at"] for r in got] == sorted((r["flagged_at"] for r in got), reverse=True)
    for r in got:
        assert set(r) >= {"title", "published", "source", "url", "kind", "in_change", "history"}
        assert r["title"] and r["source"] in ("abamako", "acotonou")
    updated = client.query("latest_flags", kind="updated")
    assert updated and all(r["kind"] == "updated" for r in updated)
    assert {r["history"] for r in updated} <= {store["edited_body"], store["edited_append"],
                                              store["edited_headline"]}
    # the new body matches "mali" in the change itself
    mali = client.query("latest_flags", topic="mali", kind="updated")
    assert [(r["history"], r["in_change"]) for r in mali] == [(store["edited_body"], 1)]
    assert client.query("latest_flags", days="1") == got
    assert all(r["source"] == "acotonou" for r in client.query("latest_flags", source="acotonou"))
    page = client.html(f"/{DB_NAME}/latest_flags")
    assert f'href="/{DB_NAME}/article_history?id={got[0]["history"]}"' in page


def test_topics_overview(client, store):
    got = {r["topic"]: r for r in client.query("topics_overview")}
    assert set(got) == {t.name for t in TOPICS}
    for name, r in got.items():
        n = one(store["db"], "SELECT count(*) FROM flags WHERE topic = ?", (name,))
        assert r["total"] == r["last_24h"] == r["last_7d"] == n


def test_new_today_and_this_week(client, store):
    db = store["db"]
    n = one(db, "SELECT count(*) FROM articles")
    today = client.query("new_today")
    assert len(today) == n == len(client.query("new_this_week"))
    assert set(store["added"]) <= {r["history"] for r in today}
    dup = [r for r in today if r["same_text_as"]]
    assert len(dup) == store["reference_urls"] - 1  # the reference text, first URL excepted
    by_id = {r["history"]: r for r in today}
    assert "mali" in by_id[store["edited_body"]]["topics"].split(", ")
    aco = client.query("new_today", source="acotonou")
    assert aco and len(aco) == one(db, "SELECT count(*) FROM articles WHERE source = 'acotonou'")
    otan = client.query("new_this_week", topic="otan")
    assert otan and all("otan" in r["topics"] for r in otan)
    # nothing is new once the clock moves on a week
    con = sqlite3.connect(db)
    try:
        old = con.execute("SELECT count(*) FROM articles WHERE first_seen < strftime("
                          "'%Y-%m-%dT%H:%M:%fZ', 'now', '-7 days')").fetchone()[0]
    finally:
        con.close()
    assert old == 0


def test_updated_articles_show_their_changes(client, store):
    got = client.query("updated_articles")
    assert {r["history"] for r in got} == {store["edited_body"], store["edited_append"],
                                           store["edited_headline"]}
    by_id = {r["history"]: r for r in got}
    body = by_id[store["edited_body"]]
    assert body["version"] == 2
    for para in NEW_BODY:
        assert f'<p class="added"><ins>{para}</ins></p>' in body["diff_html"]
    assert '<p class="removed"><del>' in body["diff_html"]
    append = by_id[store["edited_append"]]["diff_html"]
    assert append.startswith('<p class="gap">…</p>')  # unchanged paragraphs left out
    assert "<ins>Mise à jour (1)" in append and "<del>" not in append
    assert NEW_HEADLINE in by_id[store["edited_headline"]]["diff_html"]
    assert [r["history"] for r in client.query("updated_articles", topic="cedeao")] == [store["edited_headline"]]
    page = client.html(f"/{DB_NAME}/updated_articles")
    assert '<div class="veille-changes"><p class="added"><ins>Nouveau titre' in page or \
        '<div class="veille-changes">' in page
    assert "<ins>Le Mali et la Russie" in page


def test_article_history(client, store):
    aid = store["edited_body"]
    got = client.query("article_history", id=str(aid))
    assert [(r["version"], r["what"]) for r in got] == [(2, "changed"), (1, "first seen")]
    assert got[0]["crawl_id"] > got[1]["crawl_id"]
    assert "<ins>Le Mali et la Russie" in got[0]["diff_html"]
    assert "<del>" in got[0]["diff_html"]  # only what changed (issue 12), the whole text in full_html
    assert got[0]["full_html"].count("<p>") >= 2
    assert "<ins>" not in got[1]["diff_html"] and got[1]["diff_html"].startswith("<p>")
    assert got[0]["topics"] == "mali, securite"
    assert client.query("article_history", id="999999") == []
    page = client.html(f"/{DB_NAME}/article_history", id=str(aid))
    assert "Le Mali et la Russie renforcent" in page and 'class="veille-changes"' in page


def test_same_story(client, store):
    got = client.query("same_story")
    text = [r for r in got if r["how"] == "same text"]
    assert len(text) == 1
    ref = text[0]
    assert ref["urls"] == store["reference_urls"] == 14 and ref["sources"] == 2 and ref["texts"] == 1
    assert len(ref["where_published"].split("\n")) == 14
    head = [r for r in got if r["how"] == "same headline"]
    assert len(head) == 1 and head[0]["title"] == store["shared_headline"]
    n = one(store["db"], "SELECT count(*) FROM articles WHERE headline = ?", (store["shared_headline"],))
    assert n >= 2 and head[0]["urls"] == n and head[0]["texts"] == n and head[0]["sources"] == 2
    assert got[0]["how"] == "same text"  # most sources, then most URLs
    assert client.query("same_story", id=str(ref["history"])) == [ref]
    assert client.query("same_story", id=str(store["edited_append"])) == []
    assert client.query("same_story", q=store["shared_headline"][:15]) == head
    page = client.html(f"/{DB_NAME}/same_story")
    assert '<ul class="veille-where"><li><b>abamako</b> <a href="http://127.0.0.1' in page


def test_crawl_health(client, store):
    db = store["db"]
    got = {r["source"]: r for r in client.query("crawl_health")}
    assert set(got) == {"abamako", "acotonou"}
    a = got["abamako"]
    last = rows(db, "SELECT * FROM crawls WHERE source = 'abamako' ORDER BY id DESC LIMIT 1")[0]
    assert a["crawl_id"] == last["id"] and a["status"] == "finished" and a["health"] == "ok"
    assert (a["fetched"], a["new"], a["updated"], a["failed"]) == (
        last["fetched"], last["new"], last["updated"], last["failed"])
    assert (a["new"], a["updated"]) == (3, 3)
    assert a["runs_7d"] == 2 and a["bad_runs_7d"] == 0
    assert a["new_7d"] == one(db, "SELECT sum(new) FROM crawls WHERE source = 'abamako'")
    assert a["last_new_article"] == one(db, "SELECT max(first_seen) FROM articles WHERE source = 'abamako'")
    assert got["acotonou"]["runs_7d"] == 1
    assert {r["health"] for r in client.query("crawl_health", stale_days="0")} == {"stale"}
    assert '<span class="veille-health veille-health-ok">ok</span>' in client.html(f"/{DB_NAME}/crawl_health")


def test_search_is_accent_insensitive_and_ranked(client, store):
    plain = client.query("search", q="securite")
    accented = client.query("search", q="sécurité")
    assert plain == accented and len(plain) > 5
    scores = [float(r["score"]) for r in plain]
    assert scores == sorted(scores, reverse=True)
    assert all("\ue000" in r["snippet"] for r in plain)
    otan = client.query("search", q="otan")
    ref = [r for r in otan if r["other_urls"]]
    assert len(ref) == 1 and ref[0]["other_urls"] == store["reference_urls"] - 1
    assert client.query("search", q='"mali et la russie"')[0]["history"] == store["edited_body"]
    both = client.query("search", q="Russie AND coopération NOT zzzz")
    assert store["edited_body"] in {r["history"] for r in both}
    for junk in ('"(', "AND", "*", "-", ""):  # never an SQL error
        client.query("search", q=junk)
    page = client.html(f"/{DB_NAME}/search", q="sécurité")
    assert "<mark>sécurité</mark>" in page.lower() or "<mark>Sécurité</mark>" in page


@pytest.mark.parametrize("q", ["(" * 300 + "otan" + ")" * 300, "NOT " * 1200 + "otan"])
def test_search_with_a_deeply_nested_query_answers(client, store, q):
    """A query nested past the topic language's depth limit is searched as plain words (the
    search box never errors), not a RecursionError turned into a 400."""
    client.query("search", q=q)
    assert "otan" in client.html(f"/{DB_NAME}/search", q=q).lower()


def test_every_canned_query_runs(client, store):
    """Each query in metadata.yml, with its parameters empty, answers without error."""
    queries = load_metadata()["databases"][DB_NAME]["queries"]
    for name in queries:
        client.query(name)
        assert client.get(f"/{DB_NAME}/{name}").status_code == 200


BIG_TABLES = {"articles", "versions", "contents", "flags", "story_texts", "skips", "pages"}


def test_no_canned_query_scans_a_big_table(store):
    """Issue 14: no page whose cost grows with the whole store. No canned query's plan reads
    a whole table that grows with the store (a correlated one would read it once per row:
    same_story's "same headline" URLs scanned every article for each group, the expression
    index went unused because ``key`` has a text affinity)."""
    from veille.web import plugin

    queries = load_metadata()["databases"][DB_NAME]["queries"]
    conn = sqlite3.connect(f"file:{store['db']}?mode=ro", uri=True)
    plugin.prepare_connection(conn)
    try:
        for name, q in queries.items():
            sql = q["sql"]
            aliases: dict[str, set] = {}  # an alias may name several tables in one query
            for table, alias in re.findall(r"(?:from|join)\s+(\w+)\s+(?:as\s+)?(\w+)", sql, re.I):
                aliases.setdefault(alias, set()).add(table)
            params = {p: "" for p in re.findall(r"(?<!:):([a-zA-Z_]\w*)", sql)}
            plan = [detail for *_, detail in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]
            subqueries = {d.split()[-1] for d in plan if d.startswith(("CO-ROUTINE ", "MATERIALIZE "))}
            for detail in plan:
                m = re.fullmatch(r"SCAN (\w+)", detail)
                if m and m.group(1) not in subqueries:
                    assert not aliases.get(m.group(1), {m.group(1)}) <= BIG_TABLES, (name, detail)
    finally:
        conn.close()


# --------------------------------------------------------------------------- tables, plugin


def test_tables_facets_and_fts(client, store):
    r = client.get(f"/{DB_NAME}/articles.json", _search="securite", _shape="objects")
    assert r.status_code == 200 and r.json()["rows"]
    data = client.get(f"/{DB_NAME}/articles.json", _size="0").json()
    facets = data["facet_results"]
    assert {"source", "rubric", "published"} <= set(facets)
    months = {v["value"]: v["count"] for v in facets["published"]["results"]}
    assert months and all(re.fullmatch(r"\d{4}-\d\d", m) for m in months)
    assert sum(months.values()) == one(store["db"], "SELECT count(*) FROM articles WHERE published IS NOT NULL")
    month, count = next(iter(months.items()))
    sel = client.get(f"/{DB_NAME}/articles.json", published__startswith=month, _size="0").json()
    assert sel["filtered_table_rows_count"] == count
    flags = client.get(f"/{DB_NAME}/flags.json", _size="0").json()["facet_results"]
    assert {"topic", "kind", "in_change", "created_at"} <= set(flags)


def test_versions_diff_in_green_and_red(client, store):
    vid = one(store["db"], "SELECT id FROM versions WHERE article_id = ? AND diff IS NOT NULL",
              (store["edited_body"],))
    page = client.html(f"/{DB_NAME}/versions/{vid}")
    assert '<pre class="veille-diff">' in page
    assert f'<ins class="vd-add">+{NEW_BODY[0]}</ins>' in page
    assert '<del class="vd-del">-' in page
    css = client.html("/-/veille.css")
    assert ".vd-add" in css and "#d8f5dd" in css and "#ffdcdc" in css
    assert "/-/veille.css" in page


def test_flags_link_to_article_history(client, store):
    page = client.html(f"/{DB_NAME}/flags")
    aid = one(store["db"], "SELECT article_id FROM flags ORDER BY id DESC LIMIT 1")
    assert f'<a class="veille-history" href="/{DB_NAME}/article_history?id={aid}">history</a>' in page
    assert f'href="/{DB_NAME}/articles/{aid}"' in page


def test_diff_html_is_sanitized(client):
    page = client.html(f"/{DB_NAME}", sql="select '<script>alert(1)</script><ins>ok</ins>"
                       "<p class=\"x\" onclick=\"y\">p</p>' as diff_html")
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<ins>ok</ins>" in page
    assert '&lt;p class=&#34;x&#34; onclick=&#34;y&#34;&gt;p</p>' in page


def test_dashboard(client, store):
    page = client.html("/-/dashboards/veille")
    assert "Articles by publication day, by source" in page and "Flags by the day they were raised" in page
    charts = load_metadata()["plugins"]["datasette-dashboards"]["veille"]["charts"]
    n_articles = one(store["db"], "SELECT count(*) FROM articles")
    n_flags = one(store["db"], "SELECT count(*) FROM flags")
    got = {slug: client.sql(c["query"]) for slug, c in charts.items()}
    assert got["m-articles"] == [{"n": n_articles}]
    assert got["m-flags"] == [{"n": n_flags}]
    assert got["m-updates"] == [{"n": 3}]
    assert sum(r["articles"] for r in got["articles-per-day"]) == n_articles - one(
        store["db"], "SELECT count(*) FROM articles WHERE published IS NULL")
    assert sum(r["flags"] for r in got["flags-per-day"]) == n_flags
    assert {r["topic"] for r in got["per-topic"]} == {t.name for t in TOPICS}
    mali = client.sql(charts["per-topic"]["query"], topic="mali", source="")
    assert {r["topic"] for r in mali} == {"mali"}
    aco = client.sql(charts["m-articles"]["query"], source="acotonou", topic="")
    assert aco == [{"n": one(store["db"], "SELECT count(*) FROM articles WHERE source = 'acotonou'")}]
    filtered = client.html("/-/dashboards/veille", topic="mali")
    assert '<option value="mali" selected>' in filtered


# --------------------------------------------------------------------------- veille serve


def test_serve_refuses_a_missing_store(tmp_path, capsys, monkeypatch):
    from storage.paths import resolve_db_path as db_path
    from veille.web.serve import main

    assert main(["--db", str(tmp_path / "nope.db")]) == 1
    assert "no store at" in capsys.readouterr().err
    monkeypatch.setenv("VEILLE_DB", str(tmp_path / "x.db"))
    assert db_path(None) == tmp_path / "x.db"
    assert db_path("other.db") == Path("other.db")
    monkeypatch.delenv("VEILLE_DB")
    assert db_path(None) == Path("data/veille.db")
