"""Flags: new articles and new versions matching a topic, on a real store and a real crawl."""

from __future__ import annotations

import json
import time

import pytest

from helpers import rows, run_crawl
from storage import Store
from veille.monitor.flags import backfill, flag_crawl, flag_pending, list_flags, sync_topics
from veille.report import build_report
from replica.site import edit_article, topics_of
from veille.core.textformat import TextParts, write
from veille.topics import Topic

SECU = Topic("secu", "securite")
OTAN = Topic("otan", "OTAN OR NATO")
MALI_RU = Topic("mali-russie", "Mali AND Russie")


def text(title: str, *paragraphs: str, headline: str | None = None) -> str:
    return write(TextParts(date="2026-01", title=title, headline=headline or title,
                           dateline="Publié le lundi 5 janvier 2026 | Test",
                           paragraphs=list(paragraphs) or ["Un paragraphe."]))


def item(url: str, txt: str, **meta) -> dict:
    return {"url": url, "text": txt, "source": "test", "title": meta.pop("title", None) or url,
            "published": meta.pop("published", "2026-01-05"), **meta}


def crawl(store: Store, items: list[dict], status: str = "finished") -> int:
    cid = store.start_crawl("test")
    store.save_batch(cid, items)
    if status != "running":
        store.finish_crawl(cid, status)
    return cid


def flags_in(store: Store) -> list[dict]:
    return list_flags(store)[::-1]  # oldest first


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "flags.db")
    try:
        yield s
    finally:
        s.close()


# ---------------------------------------------------------------- new, updated, in_change

def test_new_article_gives_a_new_flag(store):
    cid = crawl(store, [
        item("http://x/1", text("La sécurité au Sahel", "Un point sur la SÉCURITÉ régionale.")),
        item("http://x/2", text("Le coton", "La récolte de coton est bonne.")),
    ])
    got = flag_crawl(store, cid, [SECU, OTAN])
    assert len(got) == 1
    f = got[0]
    art = store.article("http://x/1")
    assert f["topic"] == "secu" and f["kind"] == "new" and f["in_change"] == 1
    assert f["article_id"] == art["id"] and f["content_hash"] == art["content_hash"]
    assert f["crawl_id"] == cid and f["created_at"] and isinstance(f["id"], int)
    assert json.loads(f["terms"]) == ["securite"]
    assert flags_in(store) == got  # returned exactly as stored
    assert store.crawl(cid)["flagged_at"] is not None


def test_update_adding_a_mention_is_in_change(store):
    c1 = crawl(store, [item("http://x/1", text("Le coton", "La récolte de coton est bonne."))])
    assert flag_crawl(store, c1, [SECU]) == []
    c2 = crawl(store, [item("http://x/1", text("Le coton", "La récolte de coton est bonne.",
                                               "Les producteurs demandent plus de sécurité."))])
    got = flag_crawl(store, c2, [SECU])
    assert [(f["topic"], f["kind"], f["in_change"], f["crawl_id"]) for f in got] == [("secu", "updated", 1, c2)]
    assert got[0]["content_hash"] == store.article("http://x/1")["content_hash"]


def test_update_elsewhere_in_a_matching_article_is_not_in_change(store):
    c1 = crawl(store, [item("http://x/1", text("Sécurité", "La sécurité au Sahel se dégrade."))])
    assert [f["kind"] for f in flag_crawl(store, c1, [SECU])] == ["new"]
    c2 = crawl(store, [item("http://x/1", text("Sécurité", "La sécurité au Sahel se dégrade.",
                                               "Correction : le ministre s'appelle Diallo."))])
    got = flag_crawl(store, c2, [SECU])
    assert [(f["kind"], f["in_change"]) for f in got] == [("updated", 0)]
    # the whole query must match the change: "Russie" added to an article already on Mali
    c3 = crawl(store, [item("http://x/2", text("Mali", "Bamako, Mali."))])
    assert flag_crawl(store, c3, [MALI_RU]) == []
    c4 = crawl(store, [item("http://x/2", text("Mali", "Bamako, Mali.", "La Russie aussi."))])
    assert [(f["kind"], f["in_change"]) for f in flag_crawl(store, c4, [MALI_RU])] == [("updated", 0)]


def test_in_change_recomputed_when_versions_added_is_null(store):
    c1 = crawl(store, [item("http://x/1", text("Coton", "Récolte."))])
    c2 = crawl(store, [item("http://x/1", text("Coton", "Récolte.", "Question de sécurité."))])
    store.conn.execute("UPDATE versions SET added = NULL, removed = NULL, diff = NULL")
    store.conn.commit()
    flag_crawl(store, c1, [SECU])
    assert [(f["kind"], f["in_change"]) for f in flag_crawl(store, c2, [SECU])] == [("updated", 1)]


def test_removed_mention_is_not_flagged(store):
    crawl(store, [item("http://x/1", text("Sécurité", "Sécurité.", "Autre chose."))])
    c2 = crawl(store, [item("http://x/1", text("Titre", "Autre chose."))])
    assert flag_crawl(store, c2, [SECU]) == []


# ---------------------------------------------------------------- one flag per text

def test_same_text_at_two_urls_gives_one_flag(store):
    t = text("OTAN", "L'OTAN se réunit.")
    c1 = crawl(store, [item("http://x/a", t), item("http://x/b", t)])
    got = flag_crawl(store, c1, [OTAN])
    assert len(got) == 1 and got[0]["article_id"] == store.article("http://x/a")["id"]
    # a third URL later: still the same text, no new flag
    c2 = crawl(store, [item("http://x/c", t)])
    assert store.article("http://x/c")["duplicate_of"] == got[0]["article_id"]
    assert flag_crawl(store, c2, [OTAN]) == []
    assert len(flags_in(store)) == 1


def test_one_text_flags_each_topic(store):
    cid = crawl(store, [item("http://x/1", text("Sécurité et OTAN", "L'OTAN parle de sécurité."))])
    got = flag_crawl(store, cid, [SECU, OTAN])
    assert sorted(f["topic"] for f in got) == ["otan", "secu"]


def test_flagging_twice_adds_nothing(store):
    cid = crawl(store, [item(f"http://x/{i}", text(f"OTAN {i}", f"L'OTAN, épisode {i}."))
                        for i in range(5)])
    first = flag_crawl(store, cid, [OTAN])
    assert len(first) == 5
    assert flag_crawl(store, cid, [OTAN]) == []
    assert flag_pending(store, [OTAN]) == []
    assert len(flags_in(store)) == 5


def test_unknown_crawl(store):
    with pytest.raises(KeyError):
        flag_crawl(store, 999, [OTAN])


# ---------------------------------------------------------------- accents and case

@pytest.mark.parametrize("query, body", [
    ("securite", "La SÉCURITÉ d'abord."),
    ("sécurité", "la securite d'abord."),
    ("SÉCURITÉ", "La Sécurité d'abord."),
    ('"flanc sud"', "Sur son Flanc Sud."),
    ("sécur*", "Une zone sécuritaire."),
])
def test_accent_and_case_insensitive(store, query, body):
    cid = crawl(store, [item("http://x/1", text("Titre", body))])
    got = flag_crawl(store, cid, [Topic("t", query)])
    assert len(got) == 1 and json.loads(got[0]["terms"]) == [query]


# ---------------------------------------------------------------- flag_pending

def test_flag_pending_catches_up_unflagged_crawls(store):
    c1 = crawl(store, [item("http://x/1", text("OTAN", "OTAN un."))])
    c2 = crawl(store, [item("http://x/2", text("OTAN", "OTAN deux."))], status="killed")
    c3 = crawl(store, [item("http://x/3", text("OTAN", "OTAN trois."))], status="running")
    got = flag_pending(store, [OTAN])
    assert [f["crawl_id"] for f in got] == [c1, c2]  # oldest first; the running one waits
    assert store.crawl(c3)["flagged_at"] is None
    store.finish_crawl(c3, "failed", "timeout")
    assert [f["crawl_id"] for f in flag_pending(store, [OTAN])] == [c3]
    assert flag_pending(store, [OTAN]) == []


def test_flag_pending_reflags_a_crawl_flagged_while_running(store):
    cid = store.start_crawl("test")
    store.save_batch(cid, [item("http://x/1", text("OTAN", "OTAN un."))])
    assert len(flag_crawl(store, cid, [OTAN])) == 1
    time.sleep(0.01)  # timestamps have millisecond resolution
    store.save_batch(cid, [item("http://x/2", text("OTAN", "OTAN deux."))])
    store.finish_crawl(cid)
    got = flag_pending(store, [OTAN])
    assert [f["article_id"] for f in got] == [store.article("http://x/2")["id"]]
    assert flag_pending(store, [OTAN]) == []


def test_flag_pending_reaps_a_dead_crawl(store):
    cid = crawl(store, [item("http://x/1", text("OTAN", "OTAN un."))], status="running")
    store.conn.execute("UPDATE crawls SET pid = 2147483646 WHERE id = ?", (cid,))  # no such process
    store.conn.commit()
    got = flag_pending(store, [OTAN])
    assert len(got) == 1 and store.crawl(cid)["status"] == "killed"


# ---------------------------------------------------------------- backfill, sync_topics

def test_backfill_flags_current_versions_once(store):
    c1 = crawl(store, [
        item("http://x/1", text("Coton", "Récolte.")),
        item("http://x/2", text("OTAN", "L'OTAN et le Mali.")),
        item("http://x/3", text("OTAN", "L'OTAN et le Mali.")),  # same text, other URL
        item("http://x/4", text("Vieux", "Ancienne version sur l'OTAN.")),
    ])
    c2 = crawl(store, [
        item("http://x/1", text("Coton", "Récolte.", "Et l'OTAN ?")),  # now matches
        item("http://x/4", text("Vieux", "Nouvelle version, sans le mot.")),  # no longer
    ])
    got = backfill(store, OTAN)
    by_url = {store.conn.execute("SELECT url FROM articles WHERE id = ?", (f["article_id"],)).fetchone()[0]: f
              for f in got}
    assert set(by_url) == {"http://x/1", "http://x/2"}
    assert by_url["http://x/1"]["crawl_id"] == c2 and by_url["http://x/2"]["crawl_id"] == c1
    assert all(f["kind"] == "new" and f["in_change"] == 1 for f in got)
    assert backfill(store, OTAN) == []
    # flagging the crawls afterwards adds only what backfill leaves out: the old version
    # of /4, which matched when crawl 1 stored it
    late = flag_pending(store, [OTAN])
    assert [(f["article_id"], f["crawl_id"]) for f in late] == [(store.article("http://x/4")["id"], c1)]


def test_sync_topics(store):
    sync_topics(store, [OTAN, SECU])
    before = {r["name"]: r for r in rows(store.path, "select * from topics")}
    assert {n: r["query"] for n, r in before.items()} == {"otan": "OTAN OR NATO", "secu": "securite"}
    time.sleep(0.01)
    sync_topics(store, [Topic("otan", "OTAN"), MALI_RU])
    after = {r["name"]: r for r in rows(store.path, "select * from topics")}
    assert set(after) == {"otan", "mali-russie"}
    assert after["otan"]["query"] == "OTAN"
    assert after["otan"]["added_at"] == before["otan"]["added_at"]
    assert after["otan"]["updated_at"] > before["otan"]["updated_at"]
    sync_topics(store, [])
    assert rows(store.path, "select * from topics") == []


# ---------------------------------------------------------------- speed

def test_flagging_5000_new_articles_with_5_topics_is_fast(store):
    words = ["Mali", "OTAN", "sécurité", "coton", "Wagner", "électricité", "Bamako", "pluie"]
    items = []
    for i in range(5000):
        paras = [f"Paragraphe {j} de l'article {i} sur {words[(i + j) % len(words)]} et la "
                 f"vie quotidienne, avec assez de mots pour ressembler à un vrai texte de presse."
                 for j in range(8)]
        items.append(item(f"http://x/{i}", text(f"Article {i}", *paras)))
    cid = crawl(store, items)
    topics = [OTAN, SECU, MALI_RU, Topic("wagner", "Wagner NOT Russie"), Topic("elec", '"électricité" OR courant')]
    got = flag_crawl(store, cid, topics)  # its speed: bench/million.py
    assert len(got) > 5000  # most articles match at least one topic
    assert len({(f["topic"], f["content_hash"]) for f in got}) == len(got)


# ---------------------------------------------------------------- a real crawl of the replica

def test_flags_on_a_real_crawl_and_recrawl(make_site, make_replica, tmp_path):
    site = make_site(n_articles=20, variants=True)
    srv = make_replica(site.out_dir)
    db = tmp_path / "crawl.db"
    run_crawl(db, srv.base_url)
    arts = site.articles
    ref_ids = set(site.reference.values())
    # an article that matches "Mali" (not a reference variant) and one that does not mention "zinzolin"
    on_mali = [int(i) for i, a in arts.items() if "Mali" in topics_of(a["text"]) and int(i) not in ref_ids]
    assert on_mali, "the replica has no article on Mali: the test would prove nothing"
    b = on_mali[0]
    a = next(int(i) for i in sorted(arts) if int(i) not in ref_ids and int(i) != b)
    flanc = Topic("flanc", '"flanc sud"')  # the seed text, carried by the 7 reference variants
    mali = Topic("mali", "Mali")
    zinz = Topic("zinzolin", "zinzolin")
    topics = [flanc, mali, zinz]

    with Store(db) as store:
        (c1,) = [c["id"] for c in rows(db, "select id from crawls")]
        got = flag_crawl(store, c1, topics)
        ref_hash = store.article(srv.base_url + arts[min(ref_ids)]["path"])["content_hash"]
        assert len(rows(db, "select url from articles where content_hash = ?", (ref_hash,))) == 7
        ref_flags = [f for f in got if f["topic"] == "flanc" and f["content_hash"] == ref_hash]
        assert len(ref_flags) == 1  # 7 URLs, one text, one flag
        expect_flanc = {a2["text"] for a2 in arts.values() if flanc.matches(a2["text"])}
        assert len([f for f in got if f["topic"] == "flanc"]) == len(expect_flanc)
        expect_mali = {a2["text"] for a2 in arts.values() if "Mali" in topics_of(a2["text"])}
        assert len([f for f in got if f["topic"] == "mali"]) == len(expect_mali)
        assert all(f["kind"] == "new" and f["in_change"] == 1 for f in got)
        assert not [f for f in got if f["topic"] == "zinzolin"]
        # the report shows the reference text once, with its six other URLs
        report = build_report(store, got)
        (ref_item,) = [i for i in report["topics"]["flanc"] if i["content_hash"] == ref_hash]
        assert len(ref_item["also_at"]) == 6
        assert ref_item["title"] == "L′OTAN pourait-elle intervenir militairement au Mali ?"
        assert ref_item["terms"] == ['"flanc sud"'] and ref_item["published"].startswith("2022-06-30")

    edit_article(site.out_dir, a, body=body_of(arts[a]["text"])
                 + ["Le comité a choisi la couleur zinzolin pour les affiches."])
    edit_article(site.out_dir, b, body=body_of(arts[b]["text"])
                 + ["Correction : la réunion a lieu à 10 heures."])
    run_crawl(db, srv.base_url, args={"revisit": "all"})

    with Store(db) as store:
        c2 = max(c["id"] for c in rows(db, "select id from crawls"))
        assert store.crawl(c2)["updated"] == 2
        got = flag_pending(store, topics)  # crawl 2 was never flagged: caught up
        by = {(f["topic"], f["article_id"]): f for f in got}
        id_a = store.article(srv.base_url + arts[a]["path"])["id"]
        id_b = store.article(srv.base_url + arts[b]["path"])["id"]
        fz = by[("zinzolin", id_a)]
        assert (fz["kind"], fz["in_change"], fz["crawl_id"]) == ("updated", 1, c2)
        fm = by[("mali", id_b)]
        assert (fm["kind"], fm["in_change"], fm["crawl_id"]) == ("updated", 0, c2)
        assert not [f for f in got if f["topic"] == "flanc"]
        assert flag_pending(store, topics) == [] and flag_crawl(store, c2, topics) == []


def body_of(txt: str) -> list[str]:
    """The body paragraphs of a text in the article format."""
    from veille.core.textformat import read

    return read(txt).paragraphs
