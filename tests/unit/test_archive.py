"""The archive of fetched pages (storage.archive) and extractor versions (storage.extractions,
scrapers.reextract.before_save), without a crawl."""

from __future__ import annotations

import datetime as dt
import multiprocessing

import pytest
from warcio.archiveiterator import ArchiveIterator

from scrapers.parsers.base import ParsedArticle
from scrapers.parsers.version import extractor_of, parsers_version, version_of
from scrapers.reextract import before_save
from storage import Store
from storage import flags as flag_rows
from storage.archive import Archive, ArchivePolicy, Page, complete_end, read_page
from storage.extractions import Change, record
from veille.core.errors import ArchiveError
from veille.core.textformat import TextParts, content_hash, write


def page(url: str, body: bytes, at: str = "2026-12-03T10:00:00.000Z") -> Page:
    return Page(url, 200, [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")],
                body, [("User-Agent", "veille")], at)


def test_policy_reads_on_off_and_days():
    assert ArchivePolicy.parse(None) == ArchivePolicy.parse("on") == ArchivePolicy(True, None)
    assert ArchivePolicy.parse("off") == ArchivePolicy.parse("0") == ArchivePolicy(False, None)
    assert ArchivePolicy.parse("30") == ArchivePolicy.parse("30d") == ArchivePolicy(True, 30)
    for bad in ("sometimes", "-3", "3 weeks"):
        with pytest.raises(ArchiveError, match="VEILLE_ARCHIVE"):
            ArchivePolicy.parse(bad)


def test_records_read_back_as_served_one_file_per_source_and_day(tmp_path):
    a = Archive(tmp_path)
    w1 = a.append("abamako", page("http://x/h/1.html", "café".encode() * 1000))
    w2 = a.append("abamako", page("http://x/h/2.html", b"<html>2</html>", "2026-12-03T23:59:59Z"))
    w3 = a.append("abamako", page("http://x/h/3.html", b"<html>3</html>", "2026-12-04T00:00:01Z"))
    w4 = a.append("../etc", page("http://y/1", b"y"))
    a.close()
    assert w1[0] == w2[0] == "archive/abamako/2026-12-03.warc.gz"
    assert w3[0] == "archive/abamako/2026-12-04.warc.gz"
    assert w4[0].startswith("archive/_etc/")  # a source name is a folder name, never a path
    got = read_page(tmp_path, *w1)
    assert got.body == "café".encode() * 1000 and got.url == "http://x/h/1.html" and got.status == 200
    assert got.header("Content-Length") == str(len(got.body)) and got.header("Content-Encoding") is None
    with open(tmp_path / w1[0], "rb") as f:
        kinds = [r.rec_type for r in ArchiveIterator(f)]
    assert kinds == ["warcinfo", "request", "response", "request", "response"]
    with pytest.raises(ArchiveError, match="no response record"):
        read_page(tmp_path, w1[0], 0)
    with pytest.raises(ArchiveError, match="no such archive file"):
        read_page(tmp_path, "archive/abamako/1999-01-01.warc.gz", 0)


def test_a_torn_tail_is_cut_before_the_next_append_and_earlier_records_stay(tmp_path):
    a = Archive(tmp_path)
    w1 = a.append("s", page("http://x/1", b"one"))
    a.close()
    path = tmp_path / w1[0]
    whole = path.stat().st_size
    data = Archive(tmp_path)
    # a crawl killed in the middle of its write: half a record at the end
    w2 = data.append("s", page("http://x/2", b"two" * 500))
    data.close()
    with open(path, "r+b") as f:
        f.truncate(w2[1] + 40)
    assert complete_end(open(path, "rb"), 0, path.stat().st_size) < path.stat().st_size
    b = Archive(tmp_path)  # another process: it scans, cuts the torn record, appends
    w3 = b.append("s", page("http://x/3", b"three"))
    b.close()
    assert read_page(tmp_path, *w1).body == b"one" and read_page(tmp_path, *w3).body == b"three"
    with open(path, "rb") as f:
        urls = [r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(f)
                if r.rec_type == "response"]
    assert urls[0] == "http://x/1" and urls[-1] == "http://x/3"
    assert whole < path.stat().st_size


def _appender(folder: str, n: int, tag: str) -> None:
    a = Archive(folder)
    for i in range(n):
        a.append("s", page(f"http://x/{tag}/{i}", f"{tag}{i}".encode() * 200))
    a.close()


def test_two_processes_appending_to_one_file_lose_nothing(tmp_path):
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_appender, args=(str(tmp_path), 40, t)) for t in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    (path,) = (tmp_path / "archive" / "s").iterdir()
    with open(path, "rb") as f:
        got = {r.rec_headers.get_header("WARC-Target-URI"): r.content_stream().read()
               for r in ArchiveIterator(f) if r.rec_type == "response"}
    assert len(got) == 80 and got["http://x/b/7"] == b"b7" * 200


def test_retention_deletes_old_day_files_only(tmp_path):
    a = Archive(tmp_path, ArchivePolicy(True, 3))
    old = a.append("s", page("http://x/1", b"1", "2026-11-20T10:00:00Z"))
    new = a.append("s", page("http://x/2", b"2", "2026-12-01T10:00:00Z"))
    gone = a.prune(dt.date(2026, 12, 3))
    a.close()
    assert [p.name for p in gone] == ["2026-11-20.warc.gz"]
    assert not (tmp_path / old[0]).exists() and (tmp_path / new[0]).exists()
    assert Archive(tmp_path).prune() == []  # no retention: kept for ever


def test_extractor_names_the_method_and_the_parsers_version():
    e = extractor_of("generic:og+trafilatura")
    assert e.startswith("generic:og+trafilatura@p") and version_of(e) == parsers_version()
    assert version_of(None) is None and version_of("abamako") is None


def text(*paragraphs: str) -> str:
    return write(TextParts(date="2026-01", title="Titre - x.org", headline="Titre",
                           dateline="Publié le 5 janvier 2026", paragraphs=list(paragraphs)))


class Parser:
    """Today's parser: it reads the paragraphs of a page made of lines, without their full stop."""

    def parse(self, body, url, content_type=None, site=None, **_):
        paragraphs = [p.rstrip(".") for p in body.decode().splitlines() if p]
        return ParsedArticle(url=url, title="Titre - x.org", headline="Titre",
                             dateline="Publié le 5 janvier 2026", published=dt.date(2026, 1, 5),
                             paragraphs=paragraphs, method="generic:test")


def item(url: str, body: str, txt: str, at: str) -> dict:
    return {"url": url, "text": txt, "content_hash": content_hash(txt), "source": "s",
            "extractor": extractor_of("generic:test"), "page": page(url, body.encode(), at)}


def test_a_text_changed_by_the_extractor_alone_is_unchanged_and_an_edit_is_one_update(tmp_path):
    store = Store(tmp_path / "v.db")
    archive = Archive(tmp_path)
    old_version = "generic:test@p-older"
    c1 = store.start_crawl("s")
    first = [item("http://x/1", "Un.\nDeux.", text("Un.", "Deux."), "2026-12-01T10:00:00Z"),
             item("http://x/2", "Trois.\nQuatre.", text("Trois.", "Quatre."), "2026-12-01T10:00:00Z")]
    for it in first:
        it["extractor"] = old_version
    assert before_save(store, archive, c1, "s", "x.org", Parser(), first).archived == 2
    assert store.save_batch(c1, first) == ["new", "new"]
    store.finish_crawl(c1)
    # the next crawl, with today's parser: page 1 unchanged (other bytes, same words),
    # page 2 edited
    c2 = store.start_crawl("s")
    second = [item("http://x/1", "Un.\nDeux.\n", text("Un", "Deux"), "2026-12-02T10:00:00Z"),
              item("http://x/2", "Trois.\nQuatre et cinq.", text("Trois", "Quatre et cinq"), "2026-12-02T10:00:00Z")]
    done = before_save(store, archive, c2, "s", "x.org", Parser(), second)
    assert (done.checked, done.changed, done.recorded, done.archived) == (2, 2, 2, 1)
    assert "warc_file" not in second[0] and second[1]["warc_file"]
    assert store.save_batch(c2, second) == ["unchanged", "updated"]
    archive.close()
    rows = store.conn.execute("SELECT a.url, v.cause, v.crawl_id FROM versions v JOIN articles a"
                              " ON a.id = v.article_id ORDER BY v.id").fetchall()
    assert rows == [("http://x/1", "fetch", c1), ("http://x/2", "fetch", c1), ("http://x/1", "extractor", c2),
                    ("http://x/2", "extractor", c2), ("http://x/2", "fetch", c2)]
    # only the fetch is matched against topics, and its change is the edit alone
    crawl_rows = flag_rows.crawl_versions(store.conn, c2)
    assert [(r[4], r[2]) for r in crawl_rows] == [('["Quatre et cinq"]', second[1]["content_hash"])]
    # recording the same change again writes nothing (the text moved on)
    stale = Change(1, first[0]["content_hash"], text("Un"), content_hash(text("Un")), "e", "f", 0)
    assert record(store.conn, [stale]) == 0
    # what save_batch keeps beside the articles holds for the extractor's versions too: the
    # texts' full-text index (no triggers since schema 3) and the titles' index
    from storage import fts

    assert fts.missing_count(store.conn) == 0
    store.conn.execute("INSERT INTO contents_fts (contents_fts) VALUES ('integrity-check')")
    store.conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")
    store.close()
