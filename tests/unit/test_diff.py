"""Diffs between two versions of an article text."""

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from veille.core.diff import diff_texts, units
from veille.core.textformat import TextParts, read, write
from veille.topics import parse_query

SEED = Path(__file__).resolve().parents[2] / "seeds" / "000_4c2eddb1c88bd00e.txt"


def seed() -> str:
    return SEED.read_bytes().decode("utf-8")


def edited(fn) -> str:
    p = read(seed())
    fn(p)
    return write(p)


def art(*paragraphs, headline="Titre", caption="", date="2024-01") -> str:
    return write(TextParts(date, "Titre - site", headline, "Publié le lundi 1 janvier 2024 | X", caption,
                           list(paragraphs)))


def test_identical_texts_give_an_empty_diff():
    d = diff_texts(seed(), seed())
    assert d.is_empty
    assert (d.added, d.removed, d.unified, d.html, d.changed_text) == ([], [], "", "", "")
    assert json.loads(d.to_json()) == {"added": [], "removed": [], "unified": ""}


def test_units_of_the_reference():
    u = units(seed())
    p = read(seed())
    assert u[0] == p.title
    assert u[1] == f"{p.headline} {p.dateline}"
    assert u[2] == p.caption
    assert u[3:] == p.paragraphs and len(u) == 15


def test_added_paragraph():
    new = edited(lambda p: p.paragraphs.insert(3, "Le groupe Wagner est arrivé à Tombouctou."))
    d = diff_texts(seed(), new)
    assert not d.is_empty
    assert d.added == ["Le groupe Wagner est arrivé à Tombouctou."]
    assert d.removed == []
    assert '<p class="added"><ins>Le groupe Wagner est arrivé à Tombouctou.</ins></p>' in d.html
    assert "\n+Le groupe Wagner est arrivé à Tombouctou.\n" in d.unified
    assert d.changed_text == "Le groupe Wagner est arrivé à Tombouctou."


def test_removed_paragraph():
    old_paras = read(seed()).paragraphs
    new = edited(lambda p: p.paragraphs.pop(4))
    d = diff_texts(seed(), new)
    assert d.added == [] and d.removed == [old_paras[4]]
    assert d.changed_text == ""
    assert "\n-" + old_paras[4] + "\n" in d.unified + "\n"
    assert d.html.count("<del>") == 1 and '<p class="removed"><del>' in d.html


def test_typo_fix_inside_a_paragraph_is_word_level():
    old_paras = read(seed()).paragraphs
    assert "adoté" in old_paras[1]
    new = edited(lambda p: p.paragraphs.__setitem__(1, p.paragraphs[1].replace("adoté", "adopté")))
    d = diff_texts(seed(), new)
    assert d.removed == [old_paras[1]]
    assert d.added == [old_paras[1].replace("adoté", "adopté")]
    assert "<del>adoté</del><ins>adopté</ins>" in d.html
    changed = [line for line in d.html.splitlines() if "<ins>" in line]
    assert len(changed) == 1 and changed[0].startswith('<p class="changed">Dans le nouveau concept')
    assert changed[0].count("<ins>") == 1 and changed[0].count("<del>") == 1
    assert "\n-Dans le nouveau concept stratégique adoté" in d.unified
    assert "\n+Dans le nouveau concept stratégique adopté" in d.unified


def test_headline_change():
    new = edited(lambda p: setattr(p, "headline", "L′OTAN n'interviendra pas au Mali"))
    d = diff_texts(seed(), new)
    assert d.added == ["L′OTAN n'interviendra pas au Mali Publié le jeudi 30 juin 2022 | Dw"]
    assert d.removed == ["L′OTAN pourait-elle intervenir militairement au Mali ? Publié le jeudi 30 juin 2022 | Dw"]
    line = next(x for x in d.html.splitlines() if "<ins>" in x)
    assert line.startswith('<p class="changed">L′OTAN <del>')
    assert "Publié le jeudi 30 juin 2022 | Dw</p>" in line


def test_title_caption_and_date_changes_are_units():
    d = diff_texts(art("a b c", caption="Photo: X"), art("a b c", caption="Photo: Y"))
    assert d.added == ["Photo: Y"] and d.removed == ["Photo: X"]
    d = diff_texts(art("a b c", date="2024-01"), art("a b c", date="2024-02"))
    assert d.added == ["Titre - site (date 2024-02)"] and d.removed == ["Titre - site (date 2024-01)"]
    assert not d.is_empty


def test_html_escapes_text():
    old = art("Un paragraphe tranquille sur la politique au Mali.")
    new = art("Un paragraphe tranquille sur la <script>alert('x')</script> politique au Mali.",
              "<b>Nouveau</b> & \"important\"")
    d = diff_texts(old, new)
    assert "<script>" not in d.html and "<b>" not in d.html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in d.html
    assert '<ins>&lt;b&gt;Nouveau&lt;/b&gt; &amp; &quot;important&quot;</ins>' in d.html
    # the only tags are ours
    import re
    assert set(re.findall(r"</?(\w+)", d.html)) <= {"p", "ins", "del"}


def test_changed_text_is_the_new_side_only():
    old = art("Le Mali et la Russie.", "La France se retire du Sahel et du Niger cette année.", "Fin.")
    new = art("Le Mali et la Russie.", "La France se retire du Sahel et du Tchad cette année.",
              "Wagner arrive.", "Fin.")
    d = diff_texts(old, new)
    assert d.changed_text == "La France se retire du Sahel et du Tchad cette année.\n\nWagner arrive."
    assert "Niger" not in d.changed_text and "Russie" not in d.changed_text
    assert parse_query("Tchad").matches(d.changed_text)
    assert not parse_query("Niger OR Russie").matches(d.changed_text)
    assert "<del>Niger</del><ins>Tchad</ins>" in d.html


def test_dissimilar_replacement_is_not_paired():
    old = art("Premier paragraphe.", "Le président a parlé hier soir à la télévision.")
    new = art("Premier paragraphe.", "Les pluies ont inondé trois quartiers de Bamako.")
    d = diff_texts(old, new)
    assert "changed" not in d.html
    assert '<p class="removed"><del>Le président' in d.html and '<p class="added"><ins>Les pluies' in d.html


def test_moved_paragraph_is_neither_added_nor_removed():
    d = diff_texts(art("a a a.", "b b b.", "c c c."), art("a a a.", "c c c.", "b b b."))
    assert d.added == [] and d.removed == [] and not d.is_empty
    assert d.unified  # the order changed


def test_unified_has_no_trailing_spaces_and_one_paragraph_per_line():
    new = edited(lambda p: (p.paragraphs.insert(0, "Nouveau."), p.paragraphs.pop()))
    d = diff_texts(seed(), new)
    lines = d.unified.splitlines()
    assert lines[:2] == ["--- old", "+++ new"]
    assert all(line == line.rstrip() for line in lines)
    assert "+Nouveau." in lines
    assert not d.unified.endswith("\n")


def test_to_json():
    d = diff_texts(art("x y z"), art("x y z", "Nouvel élément"))
    j = json.loads(d.to_json())
    assert j == {"added": ["Nouvel élément"], "removed": [], "unified": d.unified}
    assert "élément" in d.to_json()  # not \\u-escaped


def test_texts_not_in_the_format_fall_back_to_blank_line_blocks():
    d = diff_texts("one para\n\nsecond  para", "one para\n\n\n\nsecond para\n\nthird")
    assert d.added == ["third"] and d.removed == []
    assert diff_texts("a\n\nb", " a \n\n\n b ").is_empty


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.sampled_from(["a b c", "d e f", "a b x", "g h", "<i> & j"]), max_size=6),
    st.lists(st.sampled_from(["a b c", "d e f", "a b x", "g h", "<i> & j"]), max_size=6),
)
def test_property_added_removed_are_the_multiset_difference(p, q):
    from collections import Counter

    d = diff_texts(art(*p), art(*q))
    assert Counter(d.added) == Counter(q) - Counter(p)
    assert Counter(d.removed) == Counter(p) - Counter(q)
    assert d.is_empty == (p == q)
    assert "<i>" not in d.html


# --------------------------------------------------------------------------- fast paths

def _edit_shapes(seed_: int, n: int = 400):
    """(old, new) texts: the edits newsrooms make (a paragraph added, removed, changed,
    moved or repeated, the headline or title changed, a line added at the end, several at
    once), on paragraphs drawn from a small vocabulary so that repeats happen."""
    import random

    rng = random.Random(seed_)
    vocab = [f"Paragraphe {k} sur le sujet." for k in range(12)]
    for _ in range(n):
        paras = [rng.choice(vocab) for _ in range(rng.randint(0, 9))]
        old = list(paras)
        headline = "Titre"
        for _ in range(rng.randint(1, 3)):
            kind = rng.choice(("add", "remove", "change", "move", "repeat", "headline", "end",
                               "replace_all"))
            if kind == "add":
                paras.insert(rng.randint(0, len(paras)), rng.choice(vocab + ["Nouveau."]))
            elif kind == "remove" and paras:
                del paras[rng.randrange(len(paras))]
            elif kind == "change" and paras:
                k = rng.randrange(len(paras))
                paras[k] += " Une phrase de plus."
            elif kind == "move" and len(paras) > 1:
                paras.insert(rng.randrange(len(paras)), paras.pop(rng.randrange(len(paras))))
            elif kind == "repeat" and paras:
                paras.insert(rng.randint(0, len(paras)), rng.choice(paras))
            elif kind == "headline":
                headline += " modifié"
            elif kind == "end":
                paras.append(f"Mise à jour {rng.randint(0, 3)}.")
            elif kind == "replace_all":
                paras = [rng.choice(vocab) for _ in range(rng.randint(0, 9))]
        yield art(*old), art(*paras, headline=headline)


def test_the_fast_alignment_gives_what_difflib_gives(monkeypatch):
    """A gap with one run in common is aligned without difflib: same opcodes, same diff,
    on every edit shape and on random lists with repeats."""
    import random

    from veille.core import diff

    def both(fn):
        monkeypatch.setattr(diff, "FAST", False)
        slow = fn()
        monkeypatch.setattr(diff, "FAST", True)
        return slow, fn()

    shortcuts = 0
    real = diff._one_run

    def counted(*args):
        nonlocal shortcuts
        out = real(*args)
        shortcuts += out is not None
        return out

    monkeypatch.setattr(diff, "_one_run", counted)
    for old, new in _edit_shapes(1):
        slow, fast = both(lambda: diff_texts(old, new))
        assert (fast.added, fast.removed, fast.unified, fast.html) == \
            (slow.added, slow.removed, slow.unified, slow.html)
    rng = random.Random(2)
    for _ in range(3000):
        a = [rng.randrange(6) for _ in range(rng.randint(0, 12))]
        b = [rng.randrange(6) for _ in range(rng.randint(0, 12))]
        if rng.random() < 0.5:  # b: a with a few items added or removed at the ends or inside
            b = list(a)
            for _ in range(rng.randint(1, 3)):
                k = rng.randint(0, len(b))
                b[k:k + rng.randint(0, 2)] = [rng.randrange(9) for _ in range(rng.randint(0, 2))]
        slow, fast = both(lambda: diff.opcodes(a, b))
        assert fast == slow, (a, b)
    assert shortcuts > 300  # the fast path did run


def test_parts_read_by_the_caller_give_the_same_change():
    from veille.core.diff import change

    for old, new in list(_edit_shapes(3, 100)) + [("pas au format\n\nx", art("a")),
                                                 (art("a"), "plus au format")]:
        def parts(t):
            try:
                return read(t)
            except ValueError:
                return None
        assert change(old, new, parts=(parts(old), parts(new))) == change(old, new)
