"""Bad input: each case is skipped or failed with its reason, and nothing stored changes.

One replica, crawled clean first; then the same pages are served broken in every way
the issue lists, and a second crawl must record each fault without touching what the
first crawl stored.
"""

from __future__ import annotations

import pytest

from helpers import one, rows, run_crawl

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>&lol9;</title><link>/h/1.html</link></item></channel></rss>"""

NO_MARKUP = "<html><head><title>Accueil</title></head><body><div class='menu'>Politique | Sport</div></body></html>"


@pytest.fixture(scope="module")
def faulty(tmp_path_factory):
    """A site crawled clean, then re-crawled with its pages broken; returns what both saw."""
    from replica.server import serve
    from replica.site import generate_site

    site = generate_site(tmp_path_factory.mktemp("badsite"), n_articles=24, variants=False)
    ids = sorted(int(i) for i in site.articles)
    db = tmp_path_factory.mktemp("baddb") / "veille.db"
    srv = serve(site.out_dir)
    try:
        run_crawl(db, srv.base_url)
        before = {r["url"]: r for r in rows(db, "select * from articles")}
        texts_before = rows(db, "select hash, text from contents order by hash")
        versions_before = rows(db, "select * from versions order by id")

        page = lambda n: f"/h/{ids[n]}.html"  # noqa: E731
        original = (site.out_dir / page(9).lstrip("/")).read_bytes()
        other_port = srv.port + 1 if srv.port < 65535 else srv.port - 1
        cases = {
            page(0): ({"body": NO_MARKUP}, "skipped", "no-article"),
            page(1): ({"status": 404}, "failed", "http-404"),
            page(2): ({"status": 500}, "failed", "http-500"),
            page(3): ({"slow": 4}, "failed", "timeout"),
            page(4): ({"redirect": "http://evil.example.org/h/1.html"}, "skipped", "offsite-redirect"),
            page(5): ({"content_type": "application/pdf", "body": "%PDF-1.4\n%\xe2\xe3\n1 0 obj"}, "skipped", "not-html"),
            page(6): ({"huge": 3}, "skipped", "too-large"),
            page(7): ({"truncate": 0.5}, "failed", "truncated"),
            page(8): ({"body": ""}, "skipped", "empty"),
            page(9): ({"body_b64": __import__("base64").b64encode(original[: len(original) // 2]).decode()},
                      "skipped", "truncated-html"),
            page(10): ({"redirect": f"http://127.0.0.1:{other_port}/h/1.html"}, "skipped", "offsite-redirect"),
            # a Content-Encoding that lies about the body: one reason code, no traceback
            page(12): ({"headers": {"Content-Encoding": "gzip"}, "body": NO_MARKUP}, "failed", "bad-encoding"),
            page(13): ({"headers": {"Content-Encoding": "deflate"}, "body": NO_MARKUP}, "failed", "bad-encoding"),
            page(14): ({"headers": {"Content-Encoding": "zstd"}, "body": NO_MARKUP}, "failed", "bad-encoding"),
            page(15): ({"headers": {"Content-Encoding": "br"}, "body": NO_MARKUP}, "failed", "bad-encoding"),
        }
        faults = {path: spec for path, (spec, _, _) in cases.items()}
        # a wrong charset in the header: the page is windows-1252, the header says UTF-8
        faults[page(11)] = {"content_type": "text/html; charset=utf-8"}
        # a hostile feed: entity expansion must not happen
        faults["/rss/rss.xml"] = {"body": BILLION_LAUGHS, "content_type": "application/rss+xml"}
        faults["/rss"] = {"body": "<rss><channel><item><title>x</title><link>", "content_type": "application/rss+xml"}
        srv.set_faults(faults)
        mark = srv.mark()
        proc = run_crawl(
            db, srv.base_url, args={"revisit": "all"},
            settings={"DOWNLOAD_MAXSIZE": str(1024 * 1024), "DOWNLOAD_TIMEOUT": "1.5"},
            timeout=240,
        )
        hits = srv.hits(mark)
    finally:
        srv.stop()
    return {
        "db": db, "site": site, "base": srv.base_url, "cases": cases, "before": before,
        "texts_before": texts_before, "versions_before": versions_before, "proc": proc,
        "hits": hits, "page": page,
    }


def test_crawl_survives_and_finishes(faulty):
    crawl = rows(faulty["db"], "select * from crawls order by id")[-1]
    assert crawl["status"] == "finished"
    assert faulty["proc"].returncode == 0


CASES = [*range(11), 12, 13, 14, 15]


@pytest.mark.parametrize("case", CASES)
def test_each_fault_is_recorded_with_its_reason(faulty, case):
    path = faulty["page"](case)
    _, kind, reason = faulty["cases"][path]
    url = faulty["base"] + path
    crawl_id = one(faulty["db"], "select max(id) from crawls")
    found = rows(faulty["db"], "select kind, reason, detail from skips where url = ? and crawl_id = ?", [url, crawl_id])
    assert found, f"{path}: no skip recorded (expected {kind}/{reason})"
    assert (found[0]["kind"], found[0]["reason"]) == (kind, reason), found


def test_nothing_stored_changed_or_was_lost(faulty):
    db = faulty["db"]
    after = {r["url"]: r for r in rows(db, "select * from articles")}
    for url, row in faulty["before"].items():
        assert url in after
        assert after[url]["content_hash"] == row["content_hash"], url
        assert after[url]["first_seen"] == row["first_seen"]
    assert rows(db, "select hash, text from contents order by hash") == faulty["texts_before"]
    assert rows(db, "select * from versions order by id") == faulty["versions_before"]
    assert one(db, "pragma integrity_check") == "ok"


def test_wrong_charset_header_still_gives_the_right_text(faulty):
    path = faulty["page"](11)
    url = faulty["base"] + path
    article = faulty["site"].article(int(path.split("/")[-1].split(".")[0]))
    text = one(faulty["db"], "select c.text from articles a join contents c on c.hash = a.content_hash where a.url = ?", [url])
    assert text == article["text"]
    assert one(faulty["db"], "select count(*) from versions v join articles a on a.id = v.article_id where a.url = ?", [url]) == 1


def test_no_fault_left_a_traceback(faulty):
    """Every fault is a reasoned skip (logged on one line), none an ``error-...`` with a
    traceback: a lying Content-Encoding included."""
    crawl_id = one(faulty["db"], "select max(id) from crawls")
    assert rows(faulty["db"], "select url, reason from skips where crawl_id = ? and reason like 'error-%'",
                [crawl_id]) == []
    assert "Traceback" not in faulty["proc"].stderr, faulty["proc"].stderr[-3000:]


def test_server_errors_were_retried(faulty):
    path = faulty["page"](2)
    assert sum(1 for h in faulty["hits"] if h["path"] == path) >= 2


def test_hostile_feed_is_refused_and_counted(faulty):
    crawl_id = one(faulty["db"], "select max(id) from crawls")
    reasons = {r["reason"] for r in rows(faulty["db"], "select reason from skips where crawl_id = ? and url like '%/rss%'", [crawl_id])}
    assert "feed-hostile-feed" in reasons
    assert "lol" * 50 not in faulty["proc"].stderr


def test_listing_discovery_still_found_the_rest(faulty):
    crawl = rows(faulty["db"], "select * from crawls order by id")[-1]
    # 24 articles: 15 broken, one served with a wrong charset, the rest unchanged
    assert crawl["unchanged"] == 24 - 15
    assert crawl["new"] == 0 and crawl["updated"] == 0
