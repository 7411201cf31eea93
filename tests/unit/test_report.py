"""The report of a run: contents of the dict, the text and the JSON renderings."""

from __future__ import annotations

import json

import pytest

from storage import Store
from veille.monitor.flags import flag_crawl
from veille.report import build_report, has_news, render_json, render_text
from veille.core.textformat import TextParts, write
from veille.topics import Topic

OTAN = Topic("otan", "OTAN OR NATO")
SECU = Topic("secu", "sécurité")


def text(title: str, *paragraphs: str) -> str:
    return write(TextParts(date="2026-01", title=title, headline=title, paragraphs=list(paragraphs)))


@pytest.fixture
def run(tmp_path):
    """A store with two crawls: the second adds an article, updates two, and one crawl failed."""
    store = Store(tmp_path / "r.db")
    c1 = store.start_crawl("abamako")
    store.save_batch(c1, [
        {"url": "http://x/1", "text": text("Sommet de l'OTAN à Madrid", "L'OTAN se réunit."),
         "title": "Sommet de l'OTAN à Madrid", "published": "2026-01-03", "source": "abamako"},
        {"url": "http://x/2", "text": text("Coton", "La récolte de coton."),
         "title": "Coton", "published": "2026-01-02", "source": "abamako"},
    ])
    store.finish_crawl(c1)
    flag_crawl(store, c1, [OTAN, SECU])
    c2 = store.start_crawl("abamako")
    store.save_batch(c2, [
        {"url": "http://x/1", "text": text("Sommet de l'OTAN à Madrid", "L'OTAN se réunit.", "Mise à jour : fin du sommet."),
         "title": "Sommet de l'OTAN à Madrid", "published": "2026-01-03", "source": "abamako"},
        {"url": "http://x/2", "text": text("Coton", "La récolte de coton.", "Les transporteurs craignent pour leur sécurité."),
         "title": "Coton", "published": "2026-01-02", "source": "abamako"},
        {"url": "http://x/3", "text": text("NATO summit", "NATO leaders meet."),
         "title": "NATO summit", "published": "2026-01-04", "source": "abamako"},
        {"url": "http://x/3-copy", "text": text("NATO summit", "NATO leaders meet."),
         "title": "NATO summit", "published": "2026-01-04", "source": "abamako"},
    ])
    store.finish_crawl(c2)
    c3 = store.start_crawl("other")
    store.finish_crawl(c3, "failed", "http-503 on the home page")
    flags = flag_crawl(store, c2, [OTAN, SECU])
    try:
        yield store, flags, [c2, c3]
    finally:
        store.close()


def test_report_contents(run):
    store, flags, (c2, c3) = run
    report = build_report(store, flags, [{"id": c2}, {"id": c3}])
    assert set(report) == {"generated_at", "crawls", "topics", "repeats", "failures", "health"}
    assert list(report["topics"]) == ["otan", "secu"]
    otan = report["topics"]["otan"]
    assert [(i["kind"], i["title"], i["in_change"]) for i in otan] == [
        ("new", "NATO summit", True),
        ("updated", "Sommet de l'OTAN à Madrid", False),
    ]
    new = otan[0]
    assert new["url"] == "http://x/3" and new["also_at"] == ["http://x/3-copy"]
    assert new["published"] == "2026-01-04" and new["source"] == "abamako"
    assert new["terms"] == ["NATO"] and new["flag_id"] in {f["id"] for f in flags}
    assert new["content_hash"] == store.article("http://x/3")["content_hash"]
    assert new["article_id"] == store.article("http://x/3")["id"]
    secu = report["topics"]["secu"]
    assert [(i["kind"], i["url"], i["in_change"], i["terms"]) for i in secu] == [
        ("updated", "http://x/2", True, ["sécurité"])]
    crawls = {c["id"]: c for c in report["crawls"]}
    assert crawls[c2]["source"] == "abamako" and crawls[c2]["status"] == "finished"
    assert (crawls[c2]["fetched"], crawls[c2]["new"], crawls[c2]["updated"]) == (4, 1, 2)
    assert crawls[c2]["started_at"] and crawls[c2]["finished_at"]
    assert report["failures"] == [{"id": c3, "source": "other", "status": "failed",
                                   "reason": "http-503 on the home page"}]
    assert has_news(report)


def test_report_crawls_default_to_the_flags_crawls_and_keep_the_callers_keys(run):
    store, flags, (c2, c3) = run
    assert [c["id"] for c in build_report(store, flags)["crawls"]] == [c2]
    rep = build_report(store, [], [{"id": c3, "reason": "timeout after 20m", "duration": 1200}])
    assert rep["failures"][0]["reason"] == "timeout after 20m"
    assert rep["crawls"][0]["duration"] == 1200 and rep["crawls"][0]["source"] == "other"


def test_render_text(run):
    store, flags, (c2, c3) = run
    out = render_text(build_report(store, flags, [c2, c3]))
    assert "## otan: 1 new, 1 updated" in out
    assert "NATO summit" in out and "2026-01-04" in out and "http://x/3" in out
    assert "also at: http://x/3-copy" in out
    line = next(ln for ln in out.splitlines() if "Sommet de l'OTAN" in ln)
    assert line.endswith("(change does not mention the topic)") and "UPDATED" in line
    coton = next(ln for ln in out.splitlines() if "Coton" in ln)
    assert "does not mention" not in coton
    assert "## secu: 0 new, 1 updated" in out
    assert f"#{c3} other failed: http-503 on the home page" in out
    assert f"#{c2} abamako finished: fetched 4, new 1, updated 2" in out
    assert out.index("## otan") < out.index("## secu") < out.index("failures:") < out.index("crawls:")
    assert "nothing new" not in out


def test_render_text_when_nothing_was_flagged(run):
    store, _flags, (c2, _c3) = run
    report = build_report(store, [], [c2])
    out = render_text(report)
    assert out.startswith("nothing new on your topics")
    assert f"#{c2} abamako finished" in out
    assert not has_news(report)


def test_render_json_round_trips(run):
    store, flags, (c2, c3) = run
    report = build_report(store, flags, [c2, c3])
    text = render_json(report)
    assert json.loads(text) == report
    assert "Sommet de l'OTAN à Madrid" in text  # not \u-escaped
