"""The archive of fetched pages (issue 15), with real ``scrapy crawl`` runs on replicas: WARC
records hold the bytes served, a 304 or an unchanged text adds none, an extractor change
is never an update, and ``veille reextract`` records what today's parsers make of the
archived pages without a flag."""

from __future__ import annotations

import asyncio
import gzip
import json
import subprocess
import sys
import urllib.request
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from helpers import ROOT, one, rows, run_crawl
from replica.sites import generate
from storage import Store
from storage.archive import read_page
from veille.monitor.flags import flag_crawl, flag_pending
from veille.topics import Topic
from veille.web import DB_NAME, make_datasette

# A newer generic extractor, as a release of the parsers would bring: it drops the final
# full stop of every paragraph, and says it is another version. Loaded by the crawls and
# by `veille reextract` through PYTHONPATH (sitecustomize), never by the test process.
NEW_EXTRACTOR = '''
import scrapers.parsers.version as version
from scrapers.parsers.generic import GenericParser

_parse = GenericParser.parse


def parse(self, *args, **kwargs):
    art = _parse(self, *args, **kwargs)
    art.paragraphs = [p.rstrip(".") for p in art.paragraphs]
    return art


GenericParser.parse = parse
version.parsers_version = lambda: "test-newer-parsers"
'''


def served(url: str) -> bytes:
    """The bytes the replica serves at ``url`` (no compression asked)."""
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept-Encoding": "identity"})) as r:
        return r.read()


def warc_files(db: Path) -> list[Path]:
    return sorted((db.parent / "archive").glob("*/*.warc.gz"))


def test_each_stored_page_is_a_warc_record_holding_the_bytes_served(make_replica, tmp_path):
    srv = make_replica()
    db = tmp_path / "veille.db"
    run_crawl(db, srv.base_url)
    versions = rows(db, "SELECT a.url, v.warc_file, v.warc_offset, v.extractor, v.cause FROM versions v"
                        " JOIN articles a ON a.id = v.article_id")
    assert len(versions) >= 20
    files = warc_files(db)
    assert [f.relative_to(db.parent).parts[:2] for f in files] == [("archive", "abamako")]
    for v in versions:
        assert v["cause"] == "fetch" and v["extractor"].startswith("abamako@p"), v
        assert v["warc_file"] == str(files[0].relative_to(db.parent)), v
        page = read_page(db.parent, v["warc_file"], v["warc_offset"])
        assert page.url == v["url"] and page.status == 200
        assert page.body == served(v["url"]), v["url"]
    # the file is standard WARC: warcio reads it through, request then response per page,
    # one gzip member per record (a record at each offset the store holds)
    with open(files[0], "rb") as f:
        records = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI"),
                    r.rec_headers.get_header("WARC-Concurrent-To")) for r in ArchiveIterator(f)]
    assert records[0][0] == "warcinfo"
    assert [t for t, *_ in records[1:]] == ["request", "response"] * len(versions)
    assert all(c for t, _, c in records[1:] if t == "request")
    # and every record's digests check (`warcio check`, as archiving tools do)
    check = subprocess.run([str(Path(sys.executable).parent / "warcio"), "check", str(files[0])],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    offsets = {v["warc_offset"] for v in versions}
    with open(files[0], "rb") as f:
        for off in offsets:
            f.seek(off)
            head = gzip.GzipFile(fileobj=f).read(200)
            assert b"WARC-Type: response" in head

    # a re-crawl: every article answers 304 (or the same text): no record added
    size = files[0].stat().st_size
    run_crawl(db, srv.base_url, args={"revisit": "all"})
    assert files[0].stat().st_size == size
    assert one(db, "SELECT COUNT(*) FROM versions") == len(versions)


def test_archive_off_keeps_no_page_and_still_records_the_extractor(make_replica, tmp_path):
    srv = make_replica()
    db = tmp_path / "veille.db"
    run_crawl(db, srv.base_url, settings={"VEILLE_ARCHIVE": "off"})
    assert not (tmp_path / "archive").exists()
    assert one(db, "SELECT COUNT(*) FROM versions WHERE warc_file IS NOT NULL") == 0
    assert one(db, "SELECT COUNT(*) FROM versions WHERE extractor LIKE 'abamako@%'") == one(
        db, "SELECT COUNT(*) FROM versions") > 0


def test_reextract_refuses_bad_input_in_one_line(make_replica, tmp_path):
    srv = make_replica()
    db = tmp_path / "veille.db"
    run_crawl(db, srv.base_url, args={"ids": "1-3"})
    for args, says in ((["--since", "yesterday"], "--since"), (["--source", "nope"], "no source named")):
        proc = reextract(db, *args)
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and says in proc.stderr, proc.stderr


def edit_html(path: Path, expected_text: str) -> str:
    """Edit one body paragraph of a replica page in place; return the words inserted."""
    html = path.read_text(encoding="utf-8")
    for para in expected_text.split("\n\n")[3:-1]:
        start = para[:30]
        at = html.rfind(start)  # the body comes after og:description, which may repeat it
        if len(start) == 30 and at > html.find("<body"):
            words = "Correction : le bilan a été revu à la hausse. "
            path.write_text(html[:at] + words + html[at:], encoding="utf-8")
            return words
    raise AssertionError("no paragraph to edit")


async def served_history(db: Path, aid: int) -> tuple[list[dict], str]:
    ds = make_datasette(db)
    await ds.invoke_startup()
    data = await ds.client.get(f"/{DB_NAME}/article_history.json?id={aid}&_shape=array")
    page = await ds.client.get(f"/{DB_NAME}/article_history?id={aid}")
    for d in ds.databases.values():
        d.close()
    return data.json(), page.text


def reextract(db: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "veille.cli", "reextract", "--db", str(db), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_an_extractor_change_is_never_an_update(tmp_path, monkeypatch):
    """The issue's "done when": a new generic extractor, a re-crawl where one article was
    edited: one "updated" flag; then `veille reextract` records the other changes as
    extractor versions, and no flag."""
    man = generate("studiotamani", tmp_path / "site")
    cfg = tmp_path / "empty.toml"
    cfg.write_text("# no sources: the built-in definitions apply\n")
    db = tmp_path / "veille.db"
    topic = Topic("all", "studiotamani")  # every article's line 1 names the site
    from replica.server import serve

    with serve(man.out_dir) as srv:
        run_crawl(db, srv.base_url, spider="news", args={"source": "studiotamani", "config": cfg})
        n = one(db, "SELECT COUNT(*) FROM articles")
        assert n >= 5
        with Store(db) as store:
            first = flag_crawl(store, one(db, "SELECT max(id) FROM crawls"), [topic])
        assert len(first) == n and {f["kind"] for f in first} == {"new"}

        stored = {r["url"] for r in rows(db, "SELECT url FROM articles")}
        edited = [a for a in man.articles if any(u.endswith(a["path"]) for u in stored)][2]
        words = edit_html(Path(man.out_dir) / edited["path"].strip("/") / "index.html", edited["text"])

        newer = tmp_path / "newer"
        newer.mkdir()
        (newer / "sitecustomize.py").write_text(NEW_EXTRACTOR)
        monkeypatch.setenv("PYTHONPATH", str(newer))
        run_crawl(db, srv.base_url, spider="news",
                  args={"source": "studiotamani", "config": cfg, "revisit": "all"})
        crawl = rows(db, "SELECT * FROM crawls ORDER BY id DESC LIMIT 1")[0]
        with Store(db) as store:
            second = flag_crawl(store, crawl["id"], [topic])
        assert [(f["kind"], f["article_id"]) for f in second] == [
            ("updated", one(db, "SELECT id FROM articles WHERE url LIKE ?", (f"%{edited['path']}",)))]
        assert crawl["updated"] == 1, crawl
        # the edited article: its old page read again by the new extractor (an extractor
        # version), then the fetch, whose diff is the edit alone
        history = rows(db, "SELECT v.cause, v.extractor, v.added FROM versions v JOIN articles a"
                           " ON a.id = v.article_id WHERE a.url LIKE ? ORDER BY v.id", (f"%{edited['path']}",))
        assert [h["cause"] for h in history] == ["fetch", "extractor", "fetch"]
        assert history[1]["extractor"].endswith("@test-newer-parsers")
        added = json.loads(history[2]["added"])
        assert len(added) == 1 and added[0].startswith(words), added  # the edit, and only it

        # the others answered 304: `veille reextract` reads their archived pages again
        dry = reextract(db, "--dry-run")
        assert dry.returncode == 0, dry.stderr
        assert one(db, "SELECT COUNT(*) FROM versions WHERE cause = 'extractor'") == 1
        done = reextract(db)
        assert done.returncode == 0, done.stderr
        assert f"{n - 1} extractor versions recorded" in done.stdout, done.stdout
        assert one(db, "SELECT COUNT(*) FROM versions WHERE cause = 'extractor'") == n
        texts = [r["text"] for r in rows(db, "SELECT c.text FROM articles a JOIN contents c"
                                             " ON c.hash = a.content_hash")]
        assert all(not p.endswith(".") for t in texts for p in t.split("\n\n")[3:]), "not re-extracted"
        with Store(db) as store:
            assert flag_pending(store, [topic]) == []
        assert one(db, "SELECT COUNT(*) FROM flags WHERE kind = 'updated'") == 1
        # Datasette's history tells the extractor versions apart
        aid = one(db, "SELECT id FROM articles WHERE url LIKE ?", (f"%{edited['path']}",))
        history, page = asyncio.run(served_history(db, aid))
        assert [h["what"] for h in history] == ["changed", "extraction improved", "first seen"]
        assert "extraction improved" in page and "not an edit" in page
        # idempotent: a second run finds every text current
        again = reextract(db)
        assert again.returncode == 0 and "0 extractor versions recorded" in again.stdout, again.stdout
        assert one(db, "SELECT COUNT(*) FROM versions WHERE cause = 'extractor'") == n
