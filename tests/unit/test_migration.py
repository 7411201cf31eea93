"""A store made by an earlier main (schema 1, ``tests/data/store_v1.db``, and schema 2,
``tests/data/store_v2.db``, made by the main of the day's code: see
``tests/data/make_old_store.py``) is migrated when a writer opens it (issue 14), and then
works as a new one: search finds what topics match (issue 10, point 3), the same_story
groups are there, old diffs are kept, stories link to old texts with the new signatures."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

import pytest

import storage.schema as schema
from storage import SCHEMA_VERSION, Store
from veille.core.textformat import TextParts, write
from veille.monitor.flags import backfill, flag_crawl
from veille.monitor.stories import reset_cache
from veille.topics import Topic, parse_query
from veille.web.plugin import fts_query

DATA = Path(__file__).resolve().parents[1] / "data"
FIXTURES = {1: DATA / "store_v1.db", 2: DATA / "store_v2.db"}  # schema version -> store


@pytest.fixture(params=sorted(FIXTURES), ids=lambda v: f"v{v}")
def old_store(tmp_path, request):
    path = tmp_path / "old.db"
    shutil.copy(FIXTURES[request.param], path)
    # as if it had been written yesterday: its texts are in the stories' window (30 days)
    con = sqlite3.connect(path)
    for table in ("contents", "story_texts", "articles"):
        con.execute(f"UPDATE {table} SET first_seen = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 day')")
    con.commit()
    con.close()
    reset_cache()
    yield path
    reset_cache()


def _q(path, sql, params=()):
    con = sqlite3.connect(path)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def _search(conn, q):
    return {r[0] for r in conn.execute(
        "SELECT c.hash FROM contents c WHERE c.rowid IN (SELECT rowid FROM contents_fts"
        " WHERE contents_fts MATCH ?)", (fts_query(q),))}


def _version(path) -> int:
    return _q(path, "PRAGMA user_version")[0][0]


def test_the_fixture_is_a_store_of_an_earlier_main(old_store):
    assert _version(old_store) in FIXTURES and _version(old_store) < SCHEMA_VERSION
    assert _q(old_store, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'contents_a%'") == [(3,)]
    assert {r[0] for r in _q(old_store, "SELECT length(minhash) FROM story_texts"
                                        " WHERE minhash IS NOT NULL")} == {512}


def test_a_writer_migrates_it(old_store):
    before_versions = _q(old_store, "SELECT id, added, removed, diff FROM versions ORDER BY id")
    old_version = _version(old_store)
    backfilled = (_q(old_store, "SELECT id FROM flags WHERE backfill = 1 ORDER BY id")
                  if old_version >= 2 else [])
    n_texts = _q(old_store, "SELECT count(*) FROM contents")[0][0]
    with Store(old_store) as store:
        conn = store.conn
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        # version 2's column: kept as it was, or told by time for a version 1 store
        assert conn.execute("SELECT id FROM flags WHERE backfill = 1 ORDER BY id").fetchall() == backfilled
        assert conn.execute("SELECT count(*) FROM flags WHERE backfill = 0").fetchone()[0] > 0
        # the full-text index: folded, no triggers, every text in it
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
                            " AND name LIKE 'contents_a%'").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM contents_fts_docsize").fetchone()[0] == n_texts
        conn.execute("INSERT INTO contents_fts (contents_fts) VALUES ('integrity-check')")
        # the texts stored with a soft hyphen, a zero-width space, œ and ı are found
        texts = {h: t for h, t in conn.execute("SELECT hash, text FROM contents")}
        for q in ("sécurité", "OTAN", "manoeuvres", "coeur", "Diyarbakir", '"securite des frontieres"'):
            want = {h for h, t in texts.items() if parse_query(q).matches(t)}
            assert want and _search(conn, q) == want, q
        # the old versions keep what they had
        assert conn.execute("SELECT id, added, removed, diff FROM versions ORDER BY id").fetchall() \
            == before_versions
        # the groups of same_story, and the indexes of the pages
        groups = set(conn.execute("SELECT how, key, urls, sources, texts FROM same_story_groups"))
        assert ("same headline", "grève des enseignants", 2, 2, 2) in groups
        assert any(g[0] == "same text" and g[2] == 2 for g in groups)
        idx = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"idx_flags_content_hash", "idx_versions_crawl_id_fetched_at",
                "idx_articles_headline_key", "idx_stories_shared"} <= idx
        assert "idx_versions_crawl_id" not in idx
    schema_after = _q(old_store, "SELECT type, name, sql FROM sqlite_master ORDER BY name")
    with Store(old_store):
        pass
    assert _q(old_store, "SELECT type, name, sql FROM sqlite_master ORDER BY name") == schema_after


def test_it_goes_on_working(old_store):
    with Store(old_store) as store:
        c = store.start_crawl("maliweb", spider="maliweb")
        old_body = store.conn.execute(
            "SELECT c.text FROM articles a JOIN contents c ON c.hash = a.content_hash"
            " WHERE a.url = 'https://a.test/0.html'").fetchone()[0]
        paras = old_body.split("\n\n\n\n")
        paras[0] = paras[0].split("\n\n")[-1]
        near = paras + ["Le texte doit encore être ratifié par le parlement avant la fin du mois."]
        store.save_batch(c, [{"url": "https://c.test/9.html", "source": "maliweb",
                              "text": write(TextParts("2024-03", "Autre titre - c.test", "Autre titre",
                                                      "", "", near))}])
        store.finish_crawl(c)
        flags = flag_crawl(store, c, [Topic("otan", "OTAN"), Topic("securite", "sécurité")])
        a = store.article("https://c.test/9.html")
        how, story, sig = store.conn.execute(
            "SELECT how, story_id, length(minhash) FROM story_texts WHERE hash = ?",
            (a["content_hash"],)).fetchone()
        old_story = store.article("https://a.test/0.html")["story_id"]
        assert (how, story, sig) == ("near", old_story, 256)
        # the old texts of the window got signatures of the new scheme
        assert {r[0] for r in store.conn.execute(
            "SELECT length(minhash) FROM story_texts WHERE minhash IS NOT NULL")} == {256}
        assert {f["topic"] for f in flags} == {"otan", "securite"}
        store.conn.execute("INSERT INTO articles_fts (articles_fts, rank) VALUES ('integrity-check', 1)")
        store.conn.commit()
        assert {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")} \
            == {"articles_ad"}
        # a new topic finds the old texts that hid its word
        got = backfill(store, Topic("secu", "sécurité"))
        assert {r["article_id"] for r in got} >= {store.article("https://a.test/0.html")["id"]}


def test_every_page_runs_on_it(old_store):
    from veille.web import DB_NAME, load_metadata, make_datasette

    Store(old_store).close()
    ds = make_datasette(old_store)

    async def run():
        await ds.invoke_startup()
        out = {}
        for name in load_metadata()["databases"][DB_NAME]["queries"]:
            r = await ds.client.get(f"/{DB_NAME}/{name}.json?_shape=objects&id=1&q=OTAN")
            out[name] = (r.status_code, r.json().get("rows"))
        return out

    out = asyncio.run(run())
    assert all(status == 200 for status, _ in out.values()), out
    assert out["search"][1] and out["updated_articles"][1]
    assert any("<ins>" in (r["diff_html"] or "") for r in out["updated_articles"][1])


def test_a_migration_killed_midway_resumes(old_store, monkeypatch):
    from storage import fts

    n_texts = _q(old_store, "SELECT count(*) FROM contents")[0][0]

    def killed(db):
        def stop(done):
            raise KeyboardInterrupt

        fts.catch_up(db.conn, chunk=2, progress=stop)

    old_version = _version(old_store)
    monkeypatch.setattr(schema, "AFTER", {3: killed})
    with pytest.raises(KeyboardInterrupt):
        Store(old_store)
    assert _version(old_store) == old_version
    # meanwhile readers refuse it (its full-text index is half done), with a message
    from veille.core.errors import SchemaError

    with pytest.raises(SchemaError, match="being brought up to date"):
        Store.open_readonly(old_store)
    assert _q(old_store, "SELECT count(*) FROM contents_fts_docsize") == [(2,)]
    monkeypatch.undo()
    with Store(old_store) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert store.conn.execute("SELECT count(*) FROM contents_fts_docsize").fetchone()[0] == n_texts
        store.conn.execute("INSERT INTO contents_fts (contents_fts) VALUES ('integrity-check')")
        assert _search(store.conn, "OTAN")
