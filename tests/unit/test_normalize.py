"""A site cannot hide a word from a topic (issue 10, point 3): one normalization for the
text format, topic matching and full-text search.

Reproduced on the previous main: ``sécu\\u00adrité`` (soft hyphen) and ``O\\u200bTAN``
(zero-width space; also U+200C, U+200D, U+2060, U+FEFF) did not match ``sécurité`` /
``OTAN``; ``manoeuvre`` did not match ``manœuvres`` (nor ``coeur`` ``cœur``, ``soeur``
``sœur``), ``Diyarbakir`` did not match ``Diyarbakır``; the store's full-text index did
not find what the topics matched.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storage import Store
from veille.core.normalize import INVISIBLE, fold, fold_aligned, tokens
from veille.core.textformat import TextParts, clean, content_hash, write
from veille.topics import parse_query
from veille.web.plugin import fts_query

HIDDEN = [  # (text as a site writes it, the topic query that must match it)
    ("La sécu\u00adrité au Sahel", "sécurité"),
    ("L'O\u200bTAN se réunit", "OTAN"),
    ("L'O\u200cTAN se réunit", "OTAN"),
    ("L'O\u200dTAN se réunit", "OTAN"),
    ("L'O\u2060TAN se réunit", "OTAN"),
    ("L'O\ufeffTAN se réunit", "OTAN"),
    ("Des manœuvres militaires", "manoeuvres"),
    ("Des manoeuvres militaires", "manœuvres"),
    ("Au cœur de Bamako", "coeur"),
    ("Sa sœur témoigne", "soeur"),
    ("Une Œuvre majeure", "oeuvre"),
    ("Attentat à Diyarbakır", "Diyarbakir"),
    ("Attentat à DİYARBAKIR", "diyarbakir"),
    ("Ex æquo", "aequo"),
    ("sécu\u00adrité et dé\u200bfense", '"sécurité et défense"'),
]


@pytest.mark.parametrize("text,query", HIDDEN)
def test_a_hidden_word_matches_its_topic(text, query):
    assert parse_query(query).matches(text), (text, query)


def test_fold_and_tokens():
    assert tokens("sécu\u00adrité O\u200bTAN manœuvres Diyarbakır") == [
        "securite", "otan", "manoeuvres", "diyarbakir"]
    assert tokens("L′OTAN, l'OTAN et l’OTAN") == ["l", "otan", "l", "otan", "et", "l", "otan"]
    # in a folded text every non-ASCII character is a letter or a digit
    folded = fold("« Sécurité » — l’œil… ½ x² Ελληνικά\u200e日本")
    assert all(c.isascii() or c.isalnum() for c in folded), folded
    assert folded.split() == [w for w in folded.split()]  # no invisible left
    assert tokens(folded) == tokens("« Sécurité » — l’œil… ½ x² Ελληνικά\u200e日本")


def _aligned_tokens_are_the_tokens(text):
    aligned = fold_aligned(text)
    if aligned is None:
        return
    assert len(aligned) == len(text)
    words = list(re.finditer(r"\w+", aligned))
    assert [m.group() for m in words] == tokens(text)
    assert all(tokens(text[m.start():m.end()]) == [m.group()] for m in words)  # same offsets


def test_fold_aligned_keeps_the_offsets_of_the_tokens():
    news = "« Sécurité » — l’OTAN… à Bamako, 2 000 € ; n° 3 : l'été_2026 ″ x"
    assert fold_aligned(news) is not None  # news text takes the fast path of the snippets
    _aligned_tokens_are_the_tokens(news)
    for c in [chr(i) for i in range(0x3000)] + ["…", "″", "’"]:
        _aligned_tokens_are_the_tokens(c)
        _aligned_tokens_are_the_tokens(f"ab{c}cd {c}")
    for text in ("manœuvre", "Straße", "ex æquo", "sécu\u00adrité", "Diyarbakır"):
        assert fold_aligned(text) is None or fold_aligned(text) == fold(text), text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x3000), max_size=40))
def test_fold_aligned_gives_the_tokens_of_any_text(text):
    _aligned_tokens_are_the_tokens(text)


def test_the_text_format_drops_invisible_characters():
    t = write(TextParts("2024-05", "La sécu\u00adrité - x.test", "L'O\u200bTAN\ufeff", "",
                        "", ["Un para\u2060graphe.", "Au cœur du su\u200djet."]))
    assert not any(c in t for c in INVISIBLE)
    assert "La sécurité" in t and "L'OTAN" in t and "Un paragraphe." in t
    assert "cœur" in t  # ligatures are letters: kept in the text, folded when compared
    assert clean("a\u00ad\u200bb  c") == "ab c"


def _save(store, texts):
    crawl = store.start_crawl("hidden")
    items = [{"url": f"https://hidden.test/{i}.html", "source": "hidden",
              "text": write(TextParts("2024-05", f"Titre {i} - hidden.test", f"Titre {i}", "", "",
                                      [body]))}
             for i, body in enumerate(texts)]
    store.save_batch(crawl, items)
    return [content_hash(it["text"]) for it in items]


def _search(store, q):
    return {r[0] for r in store.conn.execute(
        "SELECT c.hash FROM contents c WHERE c.rowid IN (SELECT rowid FROM contents_fts"
        " WHERE contents_fts MATCH ?)", (fts_query(q),))}


def test_search_finds_what_the_topics_match(tmp_path):
    """The store's full-text index (what the ``search`` query and Datasette use) agrees
    with topic matching on every hidden word: stored texts that kept their invisible
    characters (older stores) included."""
    with Store(tmp_path / "s.db") as store:
        hashes = _save(store, [t for t, _ in HIDDEN])
        # a text stored before the writer dropped invisible characters
        old = ("https://hidden.test/old.html",
               " date 2024-05 Vieux - hidden.test\n\nVieux\n\nLa sécu\u00adrité et l'O\u200bTAN.")
        crawl = store.start_crawl("hidden")
        store.save_batch(crawl, [{"url": old[0], "source": "hidden", "text": old[1]}])
        for text, query in HIDDEN:
            q = parse_query(query)
            want = {h for h, (t, _) in zip(hashes, HIDDEN) if q.matches(t)}
            got = _search(store, query) & set(hashes)
            assert got == want, (query, text)
        assert content_hash(old[1]) in _search(store, "sécurité")
        assert content_hash(old[1]) in _search(store, "OTAN")


_CHARS = st.sampled_from(list("aeéèœŒæıİIoOtTnNsS -'’") + list(INVISIBLE) + ["\u200e"])
_WORDS = ["otan", "OTAN", "sécurité", "securite", "manœuvre", "manoeuvre", "diyarbakır",
          "DİYARBAKIR", "Diyarbakir", "cœur", "coeur", "ÆQUO", "aequo"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.one_of(st.sampled_from(_WORDS), st.text(_CHARS, max_size=6)),
                         min_size=1, max_size=8).map(" ".join), min_size=1, max_size=6),
       st.sampled_from(_WORDS + ['"otan securite"', "manoeuvre*", "coeur OR diyarbakir"]))
def test_property_search_agrees_with_topic_matching(tmp_path_factory, bodies, query):
    bodies = [b if b.strip() else "vide" for b in bodies]
    with Store(tmp_path_factory.mktemp("p") / "p.db") as store:
        crawl = store.start_crawl("p")
        items = []
        for i, body in enumerate(bodies):
            # the text as stored (not through write(): a store may hold older texts)
            text = f" date 2024-05 T{i} - p.test\n\nT{i}\n\n{' '.join(body.split())}"
            items.append({"url": f"https://p.test/{i}", "source": "p", "text": text})
        store.save_batch(crawl, items)
        q = parse_query(query)
        want = {content_hash(it["text"]) for it in items if q.matches(it["text"])}
        assert _search(store, query) == want
