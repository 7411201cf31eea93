"""The same story in several places: stories (exact and near copies), and flags that
repeat a story already flagged from another source."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from helpers import ROOT, rows
from storage import Store
from veille.monitor.flags import flag_crawl, list_flags
from veille.report import build_report, has_news, render_text
from veille.monitor.stories import THRESHOLD, link_stories, reset_cache
from veille.core.textformat import TextParts, write
from veille.topics import Topic

MALI = Topic("mali", "Mali")

BODY = [
    "Le gouvernement du Mali a annoncé mardi la signature d'un accord de coopération avec"
    " plusieurs pays voisins pour renforcer la sécurité des frontières dans le Sahel.",
    "Selon le ministre des Affaires étrangères, cet accord prévoit des patrouilles communes,"
    " un échange régulier de renseignements et la formation de cinq cents gendarmes.",
    "Les partenaires se réuniront de nouveau à Bamako dans trois mois pour faire le point"
    " sur la mise en œuvre et sur le financement des opérations prévues cette année.",
]
OTHER = [
    "La récolte de coton au Mali devrait dépasser les prévisions grâce à une saison des pluies"
    " abondante, selon la compagnie cotonnière qui publie ses chiffres chaque trimestre.",
    "Les producteurs de Sikasso et de Koutiala demandent toutefois une hausse du prix payé au"
    " kilo, l'engrais ayant beaucoup augmenté depuis deux ans sur le marché mondial.",
]


def text(headline: str, body: list[str], site: str = "aBamako.com") -> str:
    return write(TextParts(date="2026-01", title=f"{headline} - {site}", headline=headline,
                           dateline="Publié le lundi 5 janvier 2026 | Test", paragraphs=body))


def item(url: str, txt: str, source: str) -> dict:
    return {"url": url, "text": txt, "source": source, "published": "2026-01-05"}


def crawl(store: Store, source: str, items: list[dict]) -> int:
    cid = store.start_crawl(source)
    store.save_batch(cid, items)
    store.finish_crawl(cid)
    return cid


def story(store: Store, url: str) -> dict:
    a = store.article(url)
    r = rows(store.path, "SELECT * FROM story_texts WHERE hash = ?", (a["content_hash"],))[0]
    assert r["story_id"] == a["story_id"]
    return r


@pytest.fixture
def store(tmp_path):
    reset_cache()
    s = Store(tmp_path / "stories.db")
    try:
        yield s
    finally:
        s.close()
        reset_cache()


def test_exact_copy_at_two_sources_is_one_story_and_one_alert(store):
    c1 = crawl(store, "abamako", [item("http://a/1", text("Accord de sécurité", BODY), "abamako")])
    f1 = flag_crawl(store, c1, [MALI])
    c2 = crawl(store, "acotonou", [item("http://b/9", text("Le Mali signe un accord", BODY,
                                                            site="aCotonou.com"), "acotonou")])
    f2 = flag_crawl(store, c2, [MALI])
    a, b = story(store, "http://a/1"), story(store, "http://b/9")
    assert a["how"] == "first" and b["how"] == "exact" and b["similarity"] == 1.0
    assert a["story_id"] == b["story_id"] and b["matched_hash"] == a["hash"]
    (s,) = rows(store.path, "SELECT * FROM stories")
    assert (s["articles_count"], s["sources_count"], s["texts_count"]) == (2, 2, 2)
    assert s["first_article_id"] == store.article("http://a/1")["id"]
    assert s["headline"] == "Accord de sécurité"
    # the second flag is recorded, pointing at the first: not a second alert
    assert [f["duplicate_of_flag"] for f in f1] == [None]
    assert [(f["duplicate_of_flag"], f["story_id"]) for f in f2] == [(f1[0]["id"], s["id"])]
    report = build_report(store, f2, [c2])
    assert report["topics"] == {} and not has_news(report)
    (rep,) = report["repeats"]["mali"]
    assert rep["url"] == "http://b/9" and rep["first"]["url"] == "http://a/1"
    assert rep["first"]["source"] == "abamako"
    out = render_text(report)
    assert "already reported" in out and "first at http://a/1 (abamako)" in out
    # both runs in one report: one item, the copy under it
    both = build_report(store, list_flags(store))
    (only,) = both["topics"]["mali"]
    assert only["url"] == "http://a/1"
    assert [(c["url"], c["source"]) for c in only["also_flagged"]] == [("http://b/9", "acotonou")]
    assert both["repeats"] == {}
    assert "also at: http://b/9 (acotonou)" in render_text(both)


def test_copies_within_one_crawl_give_one_alert(store):
    cid = crawl(store, "abamako", [
        item("http://a/1", text("Accord de sécurité", BODY), "abamako"),
        item("http://a/2", text("Sécurité : un accord", BODY), "abamako"),
        item("http://a/3", text("Coton", OTHER), "abamako"),
    ])
    got = flag_crawl(store, cid, [MALI])
    assert [(f["article_id"], f["duplicate_of_flag"] is None) for f in got] == [(1, True), (2, False), (3, True)]
    report = build_report(store, got)
    assert [i["url"] for i in report["topics"]["mali"]] == ["http://a/1", "http://a/3"]
    assert report["topics"]["mali"][0]["also_flagged"][0]["url"] == "http://a/2"


def test_near_copy_is_the_same_story(store):
    c1 = crawl(store, "abamako", [item("http://a/1", text("Accord de sécurité", BODY), "abamako")])
    flag_crawl(store, c1, [MALI])
    near = BODY + ["Le texte doit encore être ratifié par le parlement avant la fin du mois."]
    c2 = crawl(store, "acotonou", [item("http://b/1", text("Sahel : Bamako et ses voisins unissent"
                                                            " leurs forces", near, "aCotonou.com"),
                                        "acotonou")])
    f2 = flag_crawl(store, c2, [MALI])
    a, b = story(store, "http://a/1"), story(store, "http://b/1")
    assert b["how"] == "near" and b["story_id"] == a["story_id"] and b["matched_hash"] == a["hash"]
    assert THRESHOLD <= b["similarity"] < 1.0
    assert f2[0]["duplicate_of_flag"] is not None
    assert rows(store.path, "SELECT sources_count FROM stories")[0]["sources_count"] == 2


def test_unrelated_articles_are_other_stories(store):
    same_topic = [
        "Le Mali et ses voisins ont tenu une réunion sur la sécurité des frontières à Niamey,"
        " où les ministres ont surtout parlé du financement des armées nationales.",
        "Aucun accord n'a été signé, mais un nouveau rendez-vous est prévu à Ouagadougou"
        " avant la fin de l'année pour examiner les propositions des experts.",
    ]
    cid = crawl(store, "abamako", [
        item("http://a/1", text("Accord de sécurité", BODY), "abamako"),
        item("http://a/2", text("Coton", OTHER), "abamako"),
        item("http://a/3", text("Réunion à Niamey", same_topic), "abamako"),
        item("http://a/4", text("Brève", ["Le Mali."]), "abamako"),
        item("http://a/5", text("Brève encore", ["Le Mali !"]), "abamako"),
    ])
    got = flag_crawl(store, cid, [MALI])
    ids = [story(store, f"http://a/{i}")["story_id"] for i in range(1, 6)]
    assert len(set(ids)) == 5
    assert all(f["duplicate_of_flag"] is None for f in got) and len(got) == 5


def test_idempotent(store):
    c1 = crawl(store, "abamako", [item("http://a/1", text("Accord", BODY), "abamako"),
                                  item("http://a/2", text("Accord bis", BODY), "abamako")])
    first = flag_crawl(store, c1, [MALI])
    before = rows(store.path, "SELECT * FROM story_texts ORDER BY hash")
    stories = rows(store.path, "SELECT * FROM stories")
    assert link_stories(store, c1) == {} and link_stories(store) == {}
    assert flag_crawl(store, c1, [MALI]) == []
    assert rows(store.path, "SELECT * FROM story_texts ORDER BY hash") == before
    assert rows(store.path, "SELECT * FROM stories") == stories
    assert len(first) == 2 and len(list_flags(store)) == 2


def test_update_copied_by_a_sister_site_is_one_alert(store):
    c1 = crawl(store, "abamako", [item("http://a/1", text("Coton", OTHER), "abamako")])
    c2 = crawl(store, "acotonou", [item("http://b/1", text("Coton", OTHER, "aCotonou.com"), "acotonou")])
    sahel = Topic("sahel", "Sahel")
    assert flag_crawl(store, c1, [sahel]) == [] and flag_crawl(store, c2, [sahel]) == []
    updated = OTHER + ["Mise à jour : les exportations vers le Sahel reprennent lundi prochain."]
    c3 = crawl(store, "abamako", [item("http://a/1", text("Coton", updated), "abamako")])
    f3 = flag_crawl(store, c3, [sahel])
    c4 = crawl(store, "acotonou", [item("http://b/1", text("Coton", updated, "aCotonou.com"), "acotonou")])
    f4 = flag_crawl(store, c4, [sahel])
    assert [(f["kind"], f["duplicate_of_flag"]) for f in f3] == [("updated", None)]
    assert [(f["kind"], f["duplicate_of_flag"]) for f in f4] == [("updated", f3[0]["id"])]
    # a later real update of the copy is an alert again
    more = updated + ["Les transporteurs du Sahel annoncent une grève pour la semaine prochaine."]
    c5 = crawl(store, "acotonou", [item("http://b/1", text("Coton", more, "aCotonou.com"), "acotonou")])
    assert [f["duplicate_of_flag"] for f in flag_crawl(store, c5, [sahel])] == [None]


def test_lsh_is_rebuilt_from_the_database_in_a_new_process(store, tmp_path):
    c1 = crawl(store, "abamako", [item("http://a/1", text("Accord de sécurité", BODY), "abamako"),
                                  item("http://a/2", text("Coton", OTHER), "abamako")])
    flag_crawl(store, c1, [MALI])
    near = [BODY[0], BODY[1].replace("cinq cents", "500"), BODY[2],
            "Le texte doit encore être ratifié par le parlement."]
    script = f"""
import json, sys
sys.path.insert(0, {str(ROOT)!r})
from storage import Store
from veille.monitor.flags import flag_crawl
from veille.monitor.stories import _cache
from veille.core.textformat import TextParts, write
from veille.topics import Topic
s = Store({str(store.path)!r})
cid = s.start_crawl("acotonou")
txt = write(TextParts(date="2026-01", title="Autre titre - aCotonou.com", headline="Autre titre",
                      paragraphs={near!r}))
s.save_batch(cid, [{{"url": "http://b/1", "text": txt, "source": "acotonou"}}])
s.finish_crawl(cid)
assert not _cache
flags = flag_crawl(s, cid, [Topic("mali", "Mali")])
(index,) = _cache.values()
h = s.article("http://b/1")["content_hash"]
r = s.conn.execute("SELECT how, story_id, similarity FROM story_texts WHERE hash = ?", (h,)).fetchone()
print(json.dumps({{"how": r[0], "story": r[1], "sim": r[2], "dup": flags[0]["duplicate_of_flag"],
                  "indexed": len(index.sigs)}}))
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["how"] == "near" and got["story"] == story(store, "http://a/1")["story_id"]
    assert got["sim"] >= THRESHOLD and got["dup"] is not None
    assert got["indexed"] == 3  # the two old texts loaded from the database, and the new one


def test_old_texts_outside_the_window_are_only_linked_exactly(store):
    c1 = crawl(store, "abamako", [item("http://a/1", text("Accord", BODY), "abamako")])
    link_stories(store, c1)
    reset_cache()
    near = BODY + ["Le texte doit encore être ratifié par le parlement avant la fin du mois."]
    c2 = crawl(store, "acotonou", [item("http://b/1", text("Autre", near), "acotonou"),
                                   item("http://b/2", text("Autre encore", BODY), "acotonou")])
    link_stories(store, c2, window_days=-1)  # the window excludes everything stored
    assert story(store, "http://b/1")["how"] == "first"
    assert story(store, "http://b/2")["how"] == "exact"


def test_backfill_of_an_old_store_links_every_text(store):
    crawl(store, "abamako", [item("http://a/1", text("Accord", BODY), "abamako"),
                             item("http://a/2", text("Coton", OTHER), "abamako")])
    crawl(store, "acotonou", [item("http://b/1", text("Accord !", BODY), "acotonou")])
    linked = link_stories(store)
    assert sorted(how for _, how in linked.values()) == ["exact", "first", "first"]
    assert story(store, "http://a/1")["story_id"] == story(store, "http://b/1")["story_id"]
    assert link_stories(store) == {}


def test_a_version_of_a_text_that_left_the_window_is_compared_without_reading_it(store, tmp_path,
                                                                                monkeypatch):
    """The "version" rule compares a new version with the text it replaced: when that one
    has just left the window, its signature comes from memory (the index retired it), and
    the similarity is the one computed from its text."""
    from veille.monitor import stories

    def run(s: Store, forget: bool) -> dict:
        c1 = crawl(s, "abamako", [item("http://a/1", text("Accord", BODY), "abamako")])
        link_stories(s, c1)
        if forget:
            reset_cache()  # another process: nothing in memory
        c2 = crawl(s, "abamako", [item("http://a/1", text("Accord", BODY[:1] + OTHER), "abamako")])
        link_stories(s, c2, window_days=-1)  # the first text has left the window
        return story(s, "http://a/1")

    computed = []
    real = stories._signatures_of
    monkeypatch.setattr(stories, "_signatures_of",
                        lambda texts: computed.append(len(texts)) or real(texts))
    kept = run(store, forget=False)
    assert computed == []
    other = Store(tmp_path / "other.db")
    try:
        read_again = run(other, forget=True)
    finally:
        other.close()
    assert computed  # without memory, the old text was read and hashed
    assert kept["how"] == read_again["how"] == "version"
    assert kept["similarity"] is not None and kept["similarity"] == read_again["similarity"]
