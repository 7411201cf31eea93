"""Tests of storage.store / storage.schema: the SQLite store the pipeline writes to."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from storage import SCHEMA_VERSION, Store, default_db_path
from veille.core.textformat import TextParts, content_hash, write

ROOT = Path(__file__).resolve().parents[2]


def make_text(n: int, extra: str = "", headline: str | None = None) -> str:
    headline = headline or f"Article numéro {n} sur la sécurité au Mali"
    return write(TextParts(
        "2022-06", f"{headline} - abamako.com", headline, "Publié le jeudi 30 juin 2022 | Dw", "",
        [f"Premier paragraphe {n} : la sécurité de l'OTAN.{extra}", f"Deuxième paragraphe {n}."],
    ))


def item(n: int, text: str | None = None, url: str | None = None, **kw) -> dict:
    d = {
        "url": url if url is not None else f"https://news.abamako.com/h/{n}.html",
        "source": "abamako", "site": "abamako.com",
        "title": f"Article numéro {n} - abamako.com", "headline": f"Article numéro {n}",
        "published": "2022-06-30", "rubric": "Politique", "publisher": "Dw",
        "canonical_url": None, "method": "abamako",
        "text": text if text is not None else make_text(n),
        "fetched_at": "2026-11-27T10:00:00.000Z",
    }
    d.update(kw)
    return d


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "veille.db")
    yield s
    s.close()


def count(store, table, where="1", params=()):
    return store.conn.execute(f"SELECT count(*) FROM {table} WHERE {where}", params).fetchone()[0]


# -- schema ------------------------------------------------------------------------------

EXPECTED = {
    "articles": ["id", "url", "source", "site", "title", "headline", "published", "rubric",
                 "publisher", "canonical_url", "method", "first_seen", "last_seen",
                 "content_hash", "duplicate_of", "etag", "last_modified", "next_check_at",
                 "check_interval", "versions_count"],
    "contents": ["hash", "text", "length", "first_seen"],
    "versions": ["id", "article_id", "content_hash", "fetched_at", "crawl_id", "previous_hash"],
    "crawls": ["id", "source", "spider", "args", "started_at", "finished_at", "status",
               "finish_reason", "fetched", "new", "updated", "unchanged", "duplicate",
               "skipped", "failed"],
    "skips": ["id", "crawl_id", "url", "kind", "reason", "detail", "http_status", "at"],
}


def test_tables_and_columns(store):
    for table, cols in EXPECTED.items():
        have = [c.name for c in store.db[table].columns]
        missing = [c for c in cols if c not in have]
        assert not missing, (table, missing)
    assert store.db["articles"].pks == ["id"]
    assert store.db["contents"].pks == ["hash"]
    assert store.db["versions"].pks == ["id"]
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_indexes(store):
    def indexed(table):
        return {tuple(i.columns) for i in store.db[table].indexes}

    assert ("url",) in indexed("articles")
    assert any(i.unique and i.columns == ["url"] for i in store.db["articles"].indexes)
    assert ("content_hash",) in indexed("articles")
    assert ("source", "published") in indexed("articles")
    assert ("article_id",) in indexed("versions")
    assert ("content_hash",) in indexed("versions")
    assert ("crawl_id",) in indexed("skips")


def test_wal_on(store):
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.journal_mode == "wal"


def test_a_new_store_has_large_pages_an_old_one_keeps_its_own(tmp_path):
    """Issue 14 (bytes per version): 4 KB pages lost ~1 KB per 2-4 KB text."""
    from storage.db import PAGE_SIZE

    Store(tmp_path / "new.db").close()
    assert sqlite3.connect(tmp_path / "new.db").execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE
    old = tmp_path / "old.db"  # made by main at 683caaa, 4 KB pages
    shutil.copy(Path(__file__).resolve().parents[1] / "data" / "store_v2.db", old)
    with Store(old) as store:
        assert store.conn.execute("PRAGMA page_size").fetchone()[0] == 4096
        assert store.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 4096


def test_ensure_schema_idempotent_and_adds_missing_column(tmp_path):
    path = tmp_path / "v.db"
    Store(path).close()
    before = sqlite3.connect(path).execute(
        "SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
    Store(path).close()
    after = sqlite3.connect(path).execute(
        "SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
    assert before == after
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE articles DROP COLUMN check_interval")
    conn.execute("PRAGMA user_version = 0")
    conn.commit()
    conn.close()
    s = Store(path)
    assert "check_interval" in s.db["articles"].columns_dict
    assert s.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    s.close()


def test_newer_schema_refused(tmp_path):
    path = tmp_path / "v.db"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(RuntimeError):
        Store(path)


def test_fts_visible_to_datasette(store):
    from datasette.utils import detect_fts

    assert detect_fts(store.conn, "articles") == "articles_fts"
    assert detect_fts(store.conn, "contents") == "contents_fts"


# -- paths -------------------------------------------------------------------------------

def test_default_path_and_env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VEILLE_DB", raising=False)
    assert default_db_path() == Path("data/veille.db")
    s = Store()
    s.close()
    assert (tmp_path / "data" / "veille.db").is_file()

    env_db = tmp_path / "elsewhere" / "env.db"
    monkeypatch.setenv("VEILLE_DB", str(env_db))
    assert default_db_path() == env_db
    s = Store()
    assert s.path == env_db
    s.close()
    assert env_db.is_file()

    explicit = tmp_path / "explicit.db"
    s = Store(explicit)  # explicit beats the environment
    s.close()
    assert explicit.is_file()


# -- outcomes ----------------------------------------------------------------------------

def test_new_unchanged_updated_duplicate(store):
    c = store.start_crawl("abamako", spider="abamako", args={"max": 3})
    assert store.save_batch(c, [item(1), item(2)]) == ["new", "new"]
    assert count(store, "contents") == 2
    assert count(store, "versions") == 2

    # same URL, same text
    later = "2026-11-28T10:00:00.000Z"
    assert store.save_batch(c, [item(1, fetched_at=later, etag='W/"x"')]) == ["unchanged"]
    a1 = store.article("https://news.abamako.com/h/1.html")
    assert a1["last_seen"] == later and a1["first_seen"] == "2026-11-27T10:00:00.000Z"
    assert a1["etag"] == 'W/"x"' and a1["versions_count"] == 1
    assert count(store, "versions") == 2

    # same URL, new text
    old_hash = a1["content_hash"]
    new_text = make_text(1, extra=" Mise à jour.")
    assert store.save_batch(c, [item(1, text=new_text)]) == ["updated"]
    a1 = store.article("https://news.abamako.com/h/1.html")
    assert a1["content_hash"] == content_hash(new_text) != old_hash
    assert a1["versions_count"] == 2
    vs = list(store.db.query("SELECT * FROM versions WHERE article_id = ? ORDER BY id", [a1["id"]]))
    assert [v["content_hash"] for v in vs] == [old_hash, content_hash(new_text)]
    assert vs[0]["previous_hash"] is None and vs[1]["previous_hash"] == old_hash
    assert store.text(old_hash) == make_text(1)  # old version kept

    # new URL, text already stored under article 2
    a2 = store.article("https://news.abamako.com/h/2.html")
    out = store.save_batch(c, [item(2, url="https://news.abamako.com/h/2-copy.html")])
    assert out == ["duplicate"]
    dup = store.article("https://news.abamako.com/h/2-copy.html")
    assert dup["duplicate_of"] == a2["id"] and dup["content_hash"] == a2["content_hash"]
    assert count(store, "contents") == 3  # 2 originals + 1 update; the duplicate adds none
    assert count(store, "contents", "hash = ?", (a2["content_hash"],)) == 1
    assert count(store, "versions", "article_id = ?", (dup["id"],)) == 1
    assert a2["duplicate_of"] is None

    cr = store.crawl(c)
    assert (cr["fetched"], cr["new"], cr["unchanged"], cr["updated"], cr["duplicate"]) == (5, 2, 1, 1, 1)
    assert cr["status"] == "running" and cr["pid"] == os.getpid()
    store.finish_crawl(c, "finished", "finished")
    cr = store.crawl(c)
    assert cr["status"] == "finished" and cr["finish_reason"] == "finished" and cr["finished_at"]


def test_text_stored_once_across_many_urls(store):
    c = store.start_crawl("abamako")
    text = make_text(7)
    outs = store.save_batch(c, [item(7, text=text, url=f"https://x.test/{i}") for i in range(5)])
    assert outs == ["new"] + ["duplicate"] * 4
    assert count(store, "contents") == 1
    first = store.article("https://x.test/0")["id"]
    assert count(store, "articles", "duplicate_of = ?", (first,)) == 4
    assert count(store, "contents_fts") == 1
    # a later crawl brings the same text again under another URL: still once
    c2 = store.start_crawl("abamako")
    assert store.save_batch(c2, [item(7, text=text, url="https://x.test/9")]) == ["duplicate"]
    assert count(store, "contents") == 1
    assert store.article("https://x.test/9")["duplicate_of"] == first


def test_same_url_twice_in_one_batch(store):
    c = store.start_crawl("abamako")
    t1, t2 = make_text(3), make_text(3, extra=" Corrigé.")
    assert store.save_batch(c, [item(3, text=t1), item(3, text=t1), item(3, text=t2)]) == [
        "new", "unchanged", "updated"]
    a = store.article(item(3)["url"])
    assert a["content_hash"] == content_hash(t2) and a["versions_count"] == 2
    assert count(store, "articles") == 1 and count(store, "versions") == 2
    cr = store.crawl(c)
    assert (cr["fetched"], cr["new"], cr["unchanged"], cr["updated"]) == (3, 1, 1, 1)


def test_reverting_to_an_old_text_is_a_new_version(store):
    c = store.start_crawl("abamako")
    t1, t2 = make_text(4), make_text(4, extra=" v2")
    store.save_batch(c, [item(4, text=t1)])
    store.save_batch(c, [item(4, text=t2)])
    assert store.save_batch(c, [item(4, text=t1)]) == ["updated"]
    a = store.article(item(4)["url"])
    assert a["versions_count"] == 3 and a["content_hash"] == content_hash(t1)
    assert a["duplicate_of"] is None  # only this article ever carried t1
    assert count(store, "contents") == 2


def test_update_metadata_and_validators(store):
    c = store.start_crawl("abamako")
    store.save_batch(c, [item(5, etag='"a"', last_modified="Mon, 01 Jan 2024 00:00:00 GMT")])
    # validators absent from the item: kept
    store.save_batch(c, [{k: v for k, v in item(5).items() if k not in ("etag", "last_modified")}])
    assert store.validators(item(5)["url"]) == ('"a"', "Mon, 01 Jan 2024 00:00:00 GMT")
    store.save_batch(c, [item(5, text=make_text(5, " x"), title="Nouveau titre", etag=None)])
    a = store.article(item(5)["url"])
    assert a["title"] == "Nouveau titre" and a["etag"] is None


def test_content_hash_given_is_checked(store):
    c = store.start_crawl("abamako")
    t = make_text(6)
    assert store.save_batch(c, [item(6, text=t, content_hash=content_hash(t))]) == ["new"]
    with pytest.raises(ValueError):
        store.save_batch(c, [item(8, content_hash="0" * 64)])


@pytest.mark.parametrize("bad", [
    "", "pas au format", make_text(1) + "\n", " date 2022-06 Titre seul", "\n" + make_text(1),
    make_text(1).replace("\n\n", "\r\n\r\n", 1), None,
])
def test_invalid_text_rejected_without_change(store, bad):
    c = store.start_crawl("abamako")
    store.save_batch(c, [item(1)])
    snapshot = [store.conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
                for t in ("articles", "contents", "versions", "crawls")]
    with pytest.raises(ValueError):
        bad_item = item(3)
        bad_item["text"] = bad
        store.save_batch(c, [item(2), item(1, text=make_text(1, " changed")), bad_item])
    after = [store.conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
             for t in ("articles", "contents", "versions", "crawls")]
    assert after == snapshot
    assert not store.conn.in_transaction
    assert store.save_batch(c, [item(2)]) == ["new"]  # the store still works


def test_missing_url_or_unknown_crawl(store):
    c = store.start_crawl("abamako")
    with pytest.raises(ValueError):
        store.save_batch(c, [item(1, url="")])
    with pytest.raises(KeyError):
        store.save_batch(c + 99, [item(1)])
    assert count(store, "articles") == 0
    assert store.save_batch(c, []) == []


def test_db_error_rolls_back_whole_batch(store):
    c = store.start_crawl("abamako")
    store.conn.execute("CREATE TRIGGER boom BEFORE INSERT ON versions WHEN new.article_id = 3 "
                       "BEGIN SELECT RAISE(ABORT, 'boom'); END")
    with pytest.raises(sqlite3.DatabaseError):
        store.save_batch(c, [item(1), item(2), item(3)])
    assert count(store, "articles") == 0 and count(store, "contents") == 0
    assert store.crawl(c)["fetched"] == 0


# -- touch, skips, crawls ----------------------------------------------------------------

def test_touch(store):
    c = store.start_crawl("abamako")
    store.save_batch(c, [item(1, etag='"e1"', last_modified="lm1")])
    c2 = store.start_crawl("abamako")
    assert store.touch(c2, item(1)["url"], etag='"e2"') == "unchanged"
    a = store.article(item(1)["url"])
    assert a["etag"] == '"e2"' and a["last_modified"] == "lm1"
    assert a["last_seen"] > "2026-11-27T10:00:00.000Z"
    assert a["versions_count"] == 1
    assert store.touch(c2, "https://unknown.test/x") == "unknown"
    cr = store.crawl(c2)
    assert (cr["fetched"], cr["unchanged"]) == (1, 1)


def test_skips(store):
    c = store.start_crawl("abamako")
    store.record_skip(c, "https://x.test/a", "skipped", "no-article", detail="no div")
    store.record_skip(c, "https://x.test/b", "failed", "http-404", http_status=404)
    n = store.save_skips(c, [
        {"url": "https://x.test/c", "kind": "failed", "reason": "timeout"},
        {"url": "https://x.test/d", "kind": "skipped", "reason": "not-html"},
        {"url": "https://x.test/e", "kind": "skipped", "reason": "too-large"},
    ])
    assert n == 3
    cr = store.crawl(c)
    assert (cr["skipped"], cr["failed"]) == (3, 2)
    rows = list(store.db.query("SELECT * FROM skips WHERE crawl_id = ? ORDER BY id", [c]))
    assert [r["reason"] for r in rows] == ["no-article", "http-404", "timeout", "not-html", "too-large"]
    assert rows[1]["http_status"] == 404 and rows[0]["detail"] == "no div" and rows[0]["at"]
    with pytest.raises(ValueError):
        store.record_skip(c, "https://x.test/f", "weird", "x")
    assert count(store, "skips") == 5


def test_start_crawl_marks_dead_running_crawls_killed(store):
    from veille.core.clock import utcnow

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    now = utcnow()
    with store.conn:  # rows as code before leases wrote them: pid and host only
        store.conn.execute(
            "INSERT INTO crawls (source, status, started_at, pid, host) VALUES "
            "('abamako', 'running', ?, ?, ?), "
            "('abamako', 'running', ?, ?, ?), "
            "('other', 'running', ?, ?, ?)",
            (now, dead.pid, store._host, now, os.getppid(), store._host, now, dead.pid, store._host))
    c = store.start_crawl("abamako", args={"k": "v"})
    st = dict(store.conn.execute("SELECT id, status FROM crawls").fetchall())
    assert st == {1: "killed", 2: "running", 3: "running", c: "running"}
    assert store.crawl(1)["finish_reason"] == "process-died"
    assert store.crawl(c)["args"] == '{"k": "v"}'
    assert store.reap_dead_crawls() == [3]


def test_liveness_is_a_lease_whatever_the_host(store):
    """A crawl row is alive until its lease expires (heartbeats extend it), on any host; a
    pid that now belongs to another process, seen from the same machine, is a death."""
    from storage import crawls

    alive = store.start_crawl("a", lease=3600)  # this process: alive
    expired = store.start_crawl("b", lease=3600)
    reused = store.start_crawl("c", lease=3600)
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        with store.conn:
            store.conn.execute("UPDATE crawls SET host = 'elsewhere' WHERE id = ?", (alive,))
            store.conn.execute("UPDATE crawls SET host = 'elsewhere', pid = 1, process = 'another-machine/x/1',"
                               " lease_until = '2020-01-01T00:00:00.000Z' WHERE id = ?", (expired,))
            store.conn.execute("UPDATE crawls SET pid = ? WHERE id = ?", (sleeper.pid, reused))
        # seen from another process: ours is a living crawl, on a host named otherwise
        other = Store(store.path)
        try:
            with store.conn:
                store.conn.execute("UPDATE crawls SET pid = ? WHERE id = ?", (os.getppid(), alive))
                store.conn.execute("UPDATE crawls SET process = ? WHERE id = ?",
                                   (crawls.process_identity(os.getppid()), alive))
            assert sorted(other.reap_dead_crawls()) == [expired, reused]
        finally:
            other.close()
    finally:
        sleeper.kill()
        sleeper.wait()
    reasons = dict(store.conn.execute("SELECT id, finish_reason FROM crawls WHERE status = 'killed'"))
    assert reasons == {expired: "lease-expired", reused: "process-died"}
    assert store.crawl(alive)["status"] == "running"
    before = store.crawl(alive)["lease_until"]
    store.heartbeat(alive, lease=7200)
    assert store.crawl(alive)["lease_until"] > before
    assert [r["id"] for r in crawls.running(store.conn, "a")] == [alive]


# -- full-text search --------------------------------------------------------------------

def test_fts_accent_and_case_insensitive(store):
    c = store.start_crawl("abamako")
    t = write(TextParts("2022-06", "Sécurité au Sahel : L′OTAN s'inquiète - abamako.com",
                        "Sécurité au Sahel : L′OTAN s'inquiète", "", "",
                        ["L'Alliance s'inquiète.", "Rien d'autre."]))
    t2 = write(TextParts("2022-06", "Économie du coton - abamako.com", "Économie du coton",
                         "", "", ["La filière coton, pas la securite.", "Export vers le Việt Nam."]))
    store.save_batch(c, [item(1, text=t, title="Sécurité au Sahel - abamako.com",
                              headline="Sécurité au Sahel : l'OTAN s'inquiète"),
                         item(2, text=t2, title="Économie du coton", headline="Économie du coton")])
    # contents
    hits = sorted(r["hash"] for r in store.db["contents"].search("securite"))
    assert hits == sorted([content_hash(t), content_hash(t2)])  # "Sécurité" and "securite"
    # "ệ" has two diacritics: only remove_diacritics 2 folds it to "e"
    assert [r["hash"] for r in store.db["contents"].search("viet")] == [content_hash(t2)]
    hits = [r["hash"] for r in store.db["contents"].search("sahel")]
    assert hits == [content_hash(t)]
    assert [r["hash"] for r in store.db["contents"].search("otan")] == [content_hash(t)]
    assert len(list(store.db["contents"].search("economie"))) == 1
    # articles
    assert [r["url"] for r in store.db["articles"].search("securite")] == [item(1)["url"]]
    assert [r["url"] for r in store.db["articles"].search("otan")] == [item(1)["url"]]
    # raw MATCH
    raw = store.conn.execute(
        "SELECT a.url FROM articles a JOIN articles_fts f ON f.rowid = a.id "
        "WHERE articles_fts MATCH 'securite'").fetchall()
    assert raw == [(item(1)["url"],)]
    raw = store.conn.execute(
        "SELECT c.hash FROM contents c WHERE c.rowid IN "
        "(SELECT rowid FROM contents_fts WHERE contents_fts MATCH ?)", ("SÉCURITÉ",)).fetchall()
    assert len(raw) == 2
    raw = store.conn.execute(
        "SELECT c.hash FROM contents c WHERE c.rowid IN "
        "(SELECT rowid FROM contents_fts WHERE contents_fts MATCH ?)", ("economie",)).fetchall()
    assert raw == [(content_hash(t2),)]


def test_fts_follows_updates(store):
    c = store.start_crawl("abamako")
    store.save_batch(c, [item(1, title="Ancien titre", headline="Ancien")])
    store.save_batch(c, [item(1, text=make_text(1, " v2"), title="Nouveau titre",
                              headline="Nouveau")])
    assert list(store.db["articles"].search("ancien")) == []
    assert len(list(store.db["articles"].search("nouveau"))) == 1
    assert store.conn.execute(
        "INSERT INTO articles_fts(articles_fts, rank) VALUES('integrity-check', 1)") is not None
    store.conn.commit()
    # both versions of the text stay searchable in contents
    assert len(list(store.db["contents"].search("paragraphe"))) == 2


# -- crash safety ------------------------------------------------------------------------

CHILD = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    from storage import Store
    from veille.core.textformat import TextParts, write
    store = Store({db!r})
    crawl = store.start_crawl("crash")
    print(crawl, flush=True)
    para = "Texte de remplissage sur la sécurité et l'économie. " * 60
    for b in range(100000):
        items = []
        for i in range(50):
            n = b * 50 + i
            url = "https://crash.test/{round}-%d/%d" % (b, i)
            if i % 10 == 9:  # some duplicates of an earlier text
                n = b * 50
            text = write(TextParts("2024-01", "T {round}-%d - x.test" % n, "Titre %d" % n, "", "",
                                   [para, "Fin %d." % n]))
            items.append({{"url": url, "source": "crash", "text": text}})
        store.save_batch(crawl, items)
""")


def check_consistent(path: Path, batch: int = 50) -> dict:
    conn = sqlite3.connect(path)
    q = lambda sql: conn.execute(sql).fetchall()  # noqa: E731
    assert q("PRAGMA integrity_check") == [("ok",)]
    assert q("PRAGMA foreign_key_check") == []
    assert q("SELECT count(*) FROM articles a LEFT JOIN contents c ON c.hash = a.content_hash "
             "WHERE c.hash IS NULL") == [(0,)]
    assert q("SELECT count(*) FROM versions v LEFT JOIN contents c ON c.hash = v.content_hash "
             "WHERE c.hash IS NULL") == [(0,)]
    assert q("SELECT count(*) FROM articles a WHERE versions_count <> "
             "(SELECT count(*) FROM versions v WHERE v.article_id = a.id)") == [(0,)]
    # every batch complete: batch b has 50 articles or none
    per_batch: dict[str, int] = {}
    for (url,) in q("SELECT url FROM articles"):
        b = url.rsplit("/", 1)[0]
        per_batch[b] = per_batch.get(b, 0) + 1
    assert all(n == batch for n in per_batch.values()), per_batch
    # counts committed with their batch
    fetched, new, dup = q("SELECT sum(fetched), sum(new), sum(duplicate) FROM crawls")[0]
    n_articles = q("SELECT count(*) FROM articles")[0][0]
    assert (fetched or 0) == n_articles
    assert (new or 0) == q("SELECT count(*) FROM contents")[0][0]
    assert (dup or 0) == q("SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL")[0][0]
    assert q("INSERT INTO contents_fts(contents_fts, rank) VALUES('integrity-check', 1)") == []
    conn.close()
    return {"articles": n_articles, "batches": len(per_batch)}


@pytest.mark.timeout(120)
def test_sigkill_mid_crawl_leaves_consistent_db(tmp_path):
    db = tmp_path / "crash.db"
    total = 0
    for round_, delay in enumerate((0.3, 0.55, 0.8)):
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD.format(root=str(ROOT), db=str(db), round=round_)],
            stdout=subprocess.PIPE, text=True)
        crawl_id = int(proc.stdout.readline())
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL
        stats = check_consistent(db)
        assert stats["articles"] >= total  # nothing lost from earlier rounds
        total = stats["articles"]
        # the dead crawl is recognised and marked killed by the next start
        s = Store(db)
        assert s.crawl(crawl_id)["status"] == "running"
        s.start_crawl("crash")
        assert s.crawl(crawl_id)["status"] == "killed"
        s.close()
    assert total > 0, "the child never committed a batch: raise the delays"


WRITER = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    from storage import Store
    from veille.core.textformat import TextParts, write
    store = Store({db!r}, timeout=60)
    crawl = store.start_crawl({source!r})
    for b in range(20):
        store.save_batch(crawl, [
            {{"url": "https://%s.test/%d/%d" % ({source!r}, b, i), "source": {source!r},
              "text": write(TextParts("2024-01", "T %d %d - x", "H", "", "",
                                      ["%s %d %d" % ({source!r}, b, i)]))}}
            for i in range(20)])
    store.finish_crawl(crawl)
""")


@pytest.mark.timeout(120)
def test_two_writers_at_once(tmp_path):
    db = tmp_path / "two.db"
    Store(db).close()
    procs = [subprocess.Popen([sys.executable, "-c", WRITER.format(root=str(ROOT), db=str(db),
                                                                   source=src)])
             for src in ("aaa", "bbb")]
    assert [p.wait() for p in procs] == [0, 0]
    stats = check_consistent(db, batch=20)
    assert stats["articles"] == 800
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT source, status, new FROM crawls ORDER BY source").fetchall() == [
        ("aaa", "finished", 400), ("bbb", "finished", 400)]
    conn.close()


def test_skip_invalid_saves_the_rest(store):
    c = store.start_crawl("abamako")
    bad = item(2)
    bad["text"] = "pas au format"
    assert store.save_batch(c, [item(1), bad, item(3)], skip_invalid=True) == [
        "new", "invalid", "new"]
    assert count(store, "articles") == 2
    cr = store.crawl(c)
    assert (cr["fetched"], cr["new"], cr["failed"]) == (2, 2, 1)
    sk = list(store.db.query("SELECT * FROM skips"))
    assert [(s["url"], s["kind"], s["reason"]) for s in sk] == [
        (bad["url"], "failed", "invalid-text")]


def test_create_false(tmp_path):
    with pytest.raises(FileNotFoundError):
        Store(tmp_path / "absent.db", create=False)
    assert not (tmp_path / "absent.db").exists()


# -- the transaction helper, read-only opening -------------------------------------------

def test_transaction_commits_rolls_back_and_refuses_nesting(store):
    from storage.db import transaction
    from veille.core.errors import TransactionError

    with transaction(store.conn) as conn:
        conn.execute("INSERT INTO topics (name, query) VALUES ('a', 'A')")
        with pytest.raises(TransactionError):
            with transaction(conn):
                pass
    with pytest.raises(ZeroDivisionError):
        with transaction(store.conn) as conn:
            conn.execute("INSERT INTO topics (name, query) VALUES ('b', 'B')")
            1 / 0
    assert not store.conn.in_transaction
    assert [r[0] for r in store.conn.execute("SELECT name FROM topics")] == ["a"]


def test_open_readonly_sees_a_store_being_written(tmp_path):
    from veille.core.errors import NoStore

    writer = Store(tmp_path / "w.db")
    writer.conn.execute("PRAGMA wal_autocheckpoint=0")  # the rows stay in the WAL
    c = writer.start_crawl("abamako")
    writer.save_batch(c, [item(1), item(2)])
    reader = Store.open_readonly(tmp_path / "w.db")
    try:
        assert reader.readonly and count(reader, "articles") == 2
        writer.save_batch(c, [item(3)])
        assert count(reader, "articles") == 3
        with pytest.raises(sqlite3.OperationalError):
            reader.conn.execute("DELETE FROM articles")
    finally:
        reader.close()
        writer.close()
    with pytest.raises(NoStore):
        Store.open_readonly(tmp_path / "absent.db")
    assert not (tmp_path / "absent.db").exists()


# -- same_story groups (issue 14) ------------------------------------------------------------

def _groups_from_scratch(conn) -> set[tuple]:
    """What the same_story query computed from articles on every view before issue 14."""
    return set(conn.execute(
        "SELECT 'same text', content_hash, count(*), count(DISTINCT source), 1, min(first_seen),"
        " min(id) FROM articles WHERE content_hash IS NOT NULL GROUP BY content_hash"
        " HAVING count(*) > 1"
        " UNION ALL SELECT 'same headline', lower(trim(coalesce(headline, title))), count(*),"
        " count(DISTINCT source), count(DISTINCT content_hash), min(first_seen), min(id)"
        " FROM articles WHERE coalesce(headline, title) IS NOT NULL"
        " GROUP BY lower(trim(coalesce(headline, title)))"
        " HAVING count(*) > 1 AND count(DISTINCT content_hash) > 1").fetchall())


def test_same_story_groups_follow_every_batch(store):
    import random

    rng = random.Random(7)
    bodies = [f"Corps numéro {k}, un paragraphe assez long pour un texte." for k in range(6)]
    heads = ["Le Mali signe", "Accord à Bamako", "  le mali SIGNE ", "Grève"]
    for b in range(12):
        c = store.start_crawl(rng.choice(["abamako", "acotonou", "maliweb"]))
        batch = []
        for _ in range(rng.randint(1, 8)):
            n = rng.randrange(15)
            head = rng.choice(heads)
            text = write(TextParts("2024-02", head + " - x.test", head, "", "",
                                   [rng.choice(bodies[:2])]))
            batch.append({"url": f"https://g.test/{n}", "source": rng.choice(["a", "b", "c"]),
                          "text": text, "title": head + " - x.test", "headline": head})
        store.save_batch(c, batch)
        want = _groups_from_scratch(store.conn)
        have = set(store.conn.execute("SELECT how, key, urls, sources, texts, first_seen, first_id"
                                      " FROM same_story_groups").fetchall())
        assert have == want, b
        # the titles' full-text index, written a batch at a time, matches the articles
        check = sqlite3.connect(store.path)
        check.execute("INSERT INTO articles_fts (articles_fts, rank) VALUES ('integrity-check', 1)")
        check.close()
    assert any(g[0] == "same headline" for g in want) and any(g[0] == "same text" for g in want)


# -- what is not a veille store, a damaged one, an older one (issue 10 §4, §6) ---------------

def test_identity_is_part_of_every_store_schema():
    from storage.db import IDENTITY
    from storage.schema import TABLES

    for table, columns in IDENTITY.items():
        assert set(columns) <= set(TABLES[table]["columns"]), table


def _foreign(path: Path) -> bytes:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE articles (id INTEGER PRIMARY KEY, url TEXT, body TEXT)")
    con.execute("INSERT INTO articles (url, body) VALUES ('u', 'b')")
    con.commit()
    con.close()
    return path.read_bytes()


@pytest.mark.parametrize("opener", ["write", "read"])
@pytest.mark.parametrize("kind", ["sqlite", "html", "text-with-sqlite-name"])
def test_a_file_that_is_not_a_store_is_refused_untouched(tmp_path, opener, kind):
    from veille.core.errors import NotAStore

    path = tmp_path / "other.db"
    if kind == "sqlite":
        before = _foreign(path)
    else:
        path.write_bytes(b"<html><body>hi</body></html>" if kind == "html" else b"SQLite format 2\x00...")
        before = path.read_bytes()
    with pytest.raises(NotAStore, match="is not a veille store"):
        Store(path) if opener == "write" else Store.open_readonly(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]


def test_an_empty_file_is_a_new_store_for_a_writer_and_refused_by_a_reader(tmp_path):
    from veille.core.errors import NotAStore

    path = tmp_path / "new.db"
    path.write_bytes(b"")
    with pytest.raises(NotAStore, match="empty"):
        Store.open_readonly(path)
    assert path.read_bytes() == b""
    with Store(path) as s:
        assert "articles" in s.db.table_names()


def test_a_reader_does_not_migrate_an_older_store(tmp_path):
    from veille.core.errors import SchemaError

    path = tmp_path / "old.db"
    Store(path).close()
    con = sqlite3.connect(path)
    con.execute("ALTER TABLE crawls DROP COLUMN flagged_at")
    con.execute("DROP TABLE crawl_methods")
    con.commit()
    con.close()
    before = path.read_bytes()
    with pytest.raises(SchemaError, match="older veille .*crawls.flagged_at, crawl_methods"):
        Store.open_readonly(path)
    assert path.read_bytes() == before
    Store(path).close()  # a writer migrates it
    Store.open_readonly(path).close()


def test_a_newer_store_is_refused_by_readers_too(tmp_path):
    from veille.core.errors import SchemaError

    path = tmp_path / "v.db"
    Store(path).close()
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.close()
    with pytest.raises(SchemaError, match="newer"):
        Store.open_readonly(path)


def test_damage_is_recognised(tmp_path):
    from storage.db import damage_said, is_damage
    from veille.core.errors import StoreDamaged

    path = tmp_path / "d.db"
    with Store(path) as s:
        c = s.start_crawl("abamako")
        s.save_batch(c, [item(n) for n in range(50)])
    con = sqlite3.connect(path)
    root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'contents'").fetchone()[0]
    size = con.execute("PRAGMA page_size").fetchone()[0]
    con.close()
    with open(path, "r+b") as f:
        f.seek((root - 1) * size)
        f.write(b"\xa5" * size)
    with Store.open_readonly(path) as s:  # the schema is intact: it opens
        with pytest.raises(sqlite3.DatabaseError) as err:
            s.conn.execute("SELECT sum(length(text)) FROM contents").fetchone()
    assert is_damage(err.value) and is_damage(StoreDamaged("x"))
    assert not is_damage(sqlite3.OperationalError("database is locked"))
    assert not is_damage(ValueError("database disk image is malformed"))
    assert damage_said(["a", "sqlite3.DatabaseError: database disk image is malformed", "b"]) \
        == "database disk image is malformed"
    assert damage_said(["ok", "no such table: x"]) is None


def test_opening_a_second_store_keeps_the_first_ones_writes_visible(tmp_path):
    """A crawl opens the store twice (the pipeline's Store stays open, the spider's is
    opened and closed): the second opening must not disturb the first's locks, or another
    process stops seeing its writes (a Python open()/close() of the file would drop them)."""
    from veille.core.errors import NotAStore

    path = tmp_path / "w.db"
    writer = Store(path)
    try:
        c = writer.start_crawl("abamako")
        for opener in (Store, Store.open_readonly):
            opener(path).close()
        (tmp_path / "page.html").write_text("<html></html>")
        with pytest.raises(NotAStore):
            Store(tmp_path / "page.html")
        writer.save_batch(c, [item(1), item(2)])
        other = subprocess.run([sys.executable, "-c", "import sqlite3, sys; print(sqlite3.connect(sys.argv[1])"
                                ".execute('select count(*) from articles').fetchone()[0])", str(path)],
                               capture_output=True, text=True, timeout=30)
        assert other.stdout.strip() == "2", other.stderr
        writer.save_batch(c, [item(3)])
        assert writer.conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 3
    finally:
        writer.close()
