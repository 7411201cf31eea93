"""The archive of fetched pages (storage.archive) and extractor versions (storage.extractions,
scrapers.reextract.before_save), without a crawl."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import multiprocessing
import subprocess
import sys
import zlib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from scrapers.parsers.base import ParsedArticle
from scrapers.parsers.version import extractor_of, parsers_version, version_of
from scrapers.reextract import before_save
from storage import Store
from storage import flags as flag_rows
from storage.archive import Archive, ArchivePolicy, Page, build_records, complete_end, read_page
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


# -- the records as written, against warcio's parser and writer ---------------------------
def _members(data: bytes) -> list[bytes]:
    """The gzip members of ``data``, each decompressed (one a record)."""
    out = []
    while data:
        d = zlib.decompressobj(31)
        out.append(d.decompress(data) + d.flush())
        assert d.eof
        data = d.unused_data
    return out


def _warcio_records(p: Page) -> bytes:
    """The records warcio's own writer makes of a fetch (what veille wrote before it wrote
    them itself): the oracle."""
    writer = WARCWriter(io.BytesIO(), gzip=False, warc_version="WARC/1.1")
    headers = [(k, v) for k, v in p.headers if k.lower() not in ("content-encoding", "transfer-encoding",
                                                                "content-length")]
    headers.append(("Content-Length", str(len(p.body))))
    reason = {200: "OK", 404: "Not Found"}.get(p.status, "Unknown")
    resp = writer.create_warc_record(
        p.url, "response", payload=io.BytesIO(p.body), length=len(p.body),
        http_headers=StatusAndHeaders(f"{p.status} {reason}", headers, protocol="HTTP/1.1"),
        warc_headers_dict={"WARC-Date": p.fetched_at})
    parts = urlsplit(p.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host = [] if any(k.lower() == "host" for k, _ in p.request_headers) else [("Host", parts.netloc)]
    req = writer.create_warc_record(
        p.url, "request", payload=io.BytesIO(b""), length=0,
        http_headers=StatusAndHeaders(f"GET {target} HTTP/1.1", [*host, *p.request_headers],
                                      protocol="HTTP/1.1", is_http_request=True),
        warc_headers_dict={"WARC-Date": p.fetched_at,
                           "WARC-Concurrent-To": resp.rec_headers.get_header("WARC-Record-ID")})
    out = io.BytesIO()
    writer.out = out
    writer.write_record(req)
    writer.write_record(resp)
    return out.getvalue()


def _b32sha1(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


FETCHES = [
    Page("http://x.org/h/1.html", 200, [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip"),
                                        ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("Content-Length", "12")],
         "<p>café</p>\n".encode() * 3000, [("User-Agent", "veille"), ("Accept", "*/*")],
         "2026-12-03T10:00:00.123456Z"),
    Page("http://x.org/search?q=a&b=2", 404, [("Content-Type", "text/html")], b"", [], "2026-12-03T10:00:01.000000Z"),
    Page("http://x.org/", 599, [], b"\x00\xff" * 10, [("Host", "x.org")], "2026-12-03T23:59:59.999999Z"),
]


@pytest.mark.parametrize("fetch", FETCHES, ids=["page", "404-query", "odd-status"])
def test_records_match_warcio_s_writer_field_by_field_and_their_digests_hold(fetch):
    data, at = build_records(fetch)
    members = _members(data)  # one gzip member per record
    assert len(members) == 2 and len(zlib.decompress(data[:at], 31)) == len(members[0])
    ours = [(r.rec_type, r.rec_headers, r.http_headers, r.content_stream().read())
            for r in ArchiveIterator(io.BytesIO(data))]
    theirs = [(r.rec_type, r.rec_headers, r.http_headers, r.content_stream().read())
              for r in ArchiveIterator(io.BytesIO(_warcio_records(fetch)))]
    assert [o[0] for o in ours] == [t[0] for t in theirs] == ["request", "response"]
    mine_ids = [h.get_header("WARC-Record-ID") for _, h, _, _ in ours]
    assert ours[0][1].get_header("WARC-Concurrent-To") == mine_ids[1] and mine_ids[0] != mine_ids[1]
    for (_, oh, ohttp, obody), (_, th, thttp, tbody) in zip(ours, theirs):
        assert oh.protocol == th.protocol == "WARC/1.1"
        skip = {"WARC-Record-ID", "WARC-Concurrent-To"}
        assert {k: v for k, v in oh.headers if k not in skip} == {k: v for k, v in th.headers if k not in skip}
        assert len(oh.headers) == len(th.headers)
        assert (ohttp.protocol, ohttp.statusline, ohttp.headers) == (thttp.protocol, thttp.statusline, thttp.headers)
        assert obody == tbody
    assert ours[1][3] == fetch.body
    # the digests, recomputed from the bytes written
    for raw, (_, headers, _, body) in zip(members, ours):
        head, _, rest = raw.partition(b"\r\n\r\n")
        n = int(headers.get_header("Content-Length"))
        block, tail = rest[:n], rest[n:]
        assert tail == b"\r\n\r\n"
        assert headers.get_header("WARC-Block-Digest") == _b32sha1(block)
        assert headers.get_header("WARC-Payload-Digest") == _b32sha1(block.partition(b"\r\n\r\n")[2]) == _b32sha1(body)
    assert zlib.decompress(data[at:], 31) == members[1]


def test_headers_keep_their_bytes_and_never_break_a_record():
    p = Page("http://x.org/1", 200, [("X-Name", "café"), ("X-Evil", "a\r\nWARC-Type: resource"),
                                     ("X-Wide", "名前")], b"body", [], "2026-12-03T10:00:00Z")
    got = [(r.rec_type, r.http_headers, r.content_stream().read())
           for r in ArchiveIterator(io.BytesIO(build_records(p)[0]))]
    assert [(kind, body) for kind, _, body in got] == [("request", b""), ("response", b"body")]
    http = got[1][1]
    assert http.get_header("X-Name") == "café" and http.get_header("X-Wide") == "名前"
    assert http.get_header("X-Evil") == "a  WARC-Type: resource"  # a value, not a header line
    p.headers = p.headers[:1]  # latin-1 only: the bytes as served, not UTF-8
    data, at = build_records(p)
    assert b"X-Name: caf\xe9\r\n" in zlib.decompress(data[at:], 31)


def test_files_pass_warcio_check_and_index_at_the_offsets_returned(tmp_path):
    a = Archive(tmp_path)
    where = [a.append("s", f) for f in FETCHES[:2]]
    a.close()
    path = tmp_path / where[0][0]
    bin_dir = Path(sys.executable).parent
    check = subprocess.run([str(bin_dir / "warcio"), "check", "-v", str(path)], capture_output=True, text=True)
    assert check.returncode == 0 and "digest pass" in check.stdout, check.stdout + check.stderr
    index = subprocess.run([str(bin_dir / "warcio"), "index", "-f", "warc-type,offset", str(path)],
                           capture_output=True, text=True)
    assert index.returncode == 0, index.stderr
    rows = [json.loads(line) for line in index.stdout.splitlines()]
    assert [r["warc-type"] for r in rows] == ["warcinfo", "request", "response", "request", "response"]
    assert [int(r["offset"]) for r in rows if r["warc-type"] == "response"] == [w[1] for w in where]


def test_without_isal_zlib_writes_the_same_records(tmp_path, monkeypatch):
    import storage.archive as archive_module

    monkeypatch.setattr(archive_module, "_compressobj", zlib.compressobj)
    monkeypatch.setattr(archive_module, "GZIP_LEVEL", 3)
    data, at = build_records(FETCHES[0])
    assert len(_members(data)) == 2
    a = Archive(tmp_path)
    where = a.append("s", FETCHES[0])
    a.close()
    assert read_page(tmp_path, *where).body == FETCHES[0].body
