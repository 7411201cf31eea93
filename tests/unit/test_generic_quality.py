"""The generic path on hand-written article pages of varied CMS markup (tests/pages/generic).

Each ``NAME.html`` has ``NAME.expected.txt`` (the body paragraphs, hand-checked, one blank
line between them) and an entry in ``cases.json`` (URL, headline, month, and the dateline
and caption when the page shows them). The pages carry the furniture real pages carry:
cookie banners, menus, share bars, related posts, comments, newsletter and author boxes,
"Lire aussi" inserts, captions and credits.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from scrapers.parsers.generic import GenericParser, body_problem, is_boilerplate_line
from veille.core.errors import NotAnArticle
from veille.core.textformat import read

PAGES = Path(__file__).resolve().parents[1] / "pages" / "generic"
CASES = json.loads((PAGES / "cases.json").read_text("utf-8"))
TOKEN = re.compile(r"\w+")


def tokens(text: str) -> Counter:
    return Counter(TOKEN.findall(text.lower()))


def f1(got: str, expected: str) -> float:
    g, e = tokens(got), tokens(expected)
    tp = sum((g & e).values())
    if not tp:
        return 0.0
    p, r = tp / sum(g.values()), tp / sum(e.values())
    return 2 * p * r / (p + r)


def expected_paragraphs(name: str) -> list[str]:
    text = (PAGES / f"{name}.expected.txt").read_text("utf-8")
    return [" ".join(p.split()) for p in text.strip().split("\n\n") if p.strip()]


FURNITURE = re.compile(
    r"cookie|tous droits réservés|abonnez-vous|accepter|partager|lire aussi|articles similaires|"
    r"commentaire|newsletter|politique de confidentialité|mentions légales|crédit photo|©",
    re.I,
)


@pytest.fixture(scope="module")
def parsed():
    gp = GenericParser()
    return {name: gp.parse((PAGES / f"{name}.html").read_bytes(), c["url"], "text/html")
            for name, c in CASES.items()}


def test_there_are_enough_pages():
    assert 12 <= len(CASES) <= 20
    for name in CASES:
        assert (PAGES / f"{name}.html").exists() and (PAGES / f"{name}.expected.txt").exists()


@pytest.mark.parametrize("name", sorted(CASES))
def test_body_f1(parsed, name):
    art = parsed[name]
    exp = expected_paragraphs(name)
    score = f1("\n".join(art.paragraphs), "\n".join(exp))
    assert score >= 0.95, (name, score, art.method, art.paragraphs)


@pytest.mark.parametrize("name", sorted(CASES))
def test_headline_date_and_line_one(parsed, name):
    c, art = CASES[name], parsed[name]
    assert art.headline == c["headline"]
    assert art.month == c["month"]
    assert art.title == f"{c['headline']} - {c['site']}"
    assert art.dateline == c.get("dateline", "")
    assert art.caption == c.get("caption", "")
    assert art.method.endswith(("trafilatura", "trafilatura+recall", "readability", "simple"))
    assert art.extra["body_method"] in art.extra["tried"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_no_furniture_in_body(parsed, name):
    art = parsed[name]
    for p in art.paragraphs:
        assert not FURNITURE.search(p), (name, p)
        assert p != art.headline and p != art.caption and (not art.dateline or p != art.dateline)


@pytest.mark.parametrize("name", sorted(CASES))
def test_text_format_round_trip(parsed, name):
    text = parsed[name].text()
    from veille.core.textformat import write
    assert write(read(text)) == text
    assert text.startswith(f" date {CASES[name]['month']} ")


def test_paragraphs_kept_as_written(parsed):
    # typography is the page's: no quote or apostrophe "fixes", NBSP becomes a space
    lessor = parsed["lessor_classic_wp"].paragraphs
    assert "«La situation n’est pas alarmante" in lessor[1]
    assert parsed["old_table_latin1"].paragraphs[0].startswith("Les enseignants contractuels des collectivités")
    assert parsed["old_table_latin1"].charset in ("iso-8859-1", "windows-1252", "cp1252", "latin-1")
    assert parsed["maliweb_tagdiv"].paragraphs[1].endswith("représentants des producteurs.")
    assert "« Les engrais" in parsed["maliweb_tagdiv"].paragraphs[1]


def test_lead_kept_apart_comes_first(parsed):
    for name in ("lefaso_spip", "malijet_custom", "rfi_modern"):
        assert parsed[name].paragraphs[0] == expected_paragraphs(name)[0]


def test_list_items_are_paragraphs(parsed):
    paras = parsed["interview_list"].paragraphs
    assert "l’installation rapide des commissions foncières dans toutes les communes ;" in paras


# --- hostile and degenerate pages ---------------------------------------------------

@pytest.mark.parametrize("page,detail", [
    ("hostile_cookie_wall.html", "cookie"),
    ("hostile_menu_only.html", "link lines"),
])
def test_hostile_pages_are_not_articles(page, detail):
    with pytest.raises(NotAnArticle) as e:
        GenericParser().parse((PAGES / page).read_bytes(), "https://www.example.ml/", "text/html")
    assert e.value.reason == "no-article"
    assert detail in e.value.detail


@pytest.mark.parametrize("body,reason", [
    (b"", "empty"),
    (b"   \n ", "empty"),
    (b"<html><head><title>x</title></head><body></body></html>", "no-article"),
    (b"<html><body><p>Accepter les cookies</p><button>OK</button></body></html>", "no-article"),
])
def test_degenerate_pages(body, reason):
    with pytest.raises(NotAnArticle) as e:
        GenericParser().parse(body, "https://www.example.ml/a", "text/html")
    assert e.value.reason == reason


def test_listing_page_with_links_is_not_an_article():
    items = "".join(
        f"<li><a href='/a{i}'>Titre numéro {i} d'un article de la rubrique économie du jour</a></li>"
        for i in range(30))
    page = (f"<html><head><title>Économie</title><meta property='og:title' content='Économie'>"
            f"</head><body><h1>Économie</h1><ul class='list'>{items}</ul></body></html>").encode()
    with pytest.raises(NotAnArticle) as e:
        GenericParser().parse(page, "https://www.example.ml/economie", "text/html")
    assert e.value.reason == "no-article"


def test_body_checks():
    assert body_problem(["Trop court."]).startswith("too little text")
    cookie = ("Nous utilisons des cookies et des partenaires traitent vos données personnelles ; "
              "cliquez sur Accepter ou Refuser, ou personnaliser vos choix. ") * 3
    assert "cookie" in body_problem([cookie])
    links = [f"Un titre d'article assez long numéro {i}" for i in range(12)]
    assert "link" in body_problem(links, set(links))
    assert body_problem(expected_paragraphs("maliweb_tagdiv")) == ""


@pytest.mark.parametrize("line", [
    "Lire aussi : Coton : les producteurs réclament le paiement des arriérés",
    "À lire aussi Niger: les humanitaires sous pression",
    "© AFP - Boureima Hama",
    "Photo : Lefaso.net",
    "Crédit photo : Présidence du Faso",
    "Suivez la chaîne WhatsApp de Burkina 24 pour ne rien manquer de l’actualité",
    "Partager",
    "1 458 vues",
    "Imprimer | Envoyer à un ami",
    "© Copyright 2024 - Maliweb.net - Tous droits réservés",
])
def test_boilerplate_lines(line):
    assert is_boilerplate_line(line)


@pytest.mark.parametrize("line", [
    "Le gouvernement a suivi les recommandations des partenaires techniques.",
    "Amadou KEITA",
    "Des sanctions prévues",
    "La photo de famille a clos la cérémonie : © n'apparaît pas au début.",
])
def test_not_boilerplate(line):
    assert not is_boilerplate_line(line)


def test_method_recorded_when_first_extractor_fails(monkeypatch):
    """trafilatura's result failing the checks sends the page to the second extractors."""
    from scrapers.parsers import generic

    real = generic.GenericParser._traf

    def bad_first(tr, tree, url, extra, *, mode=""):
        paras = real(tr, tree, url, extra, mode=mode)
        if not mode and paras is not None:
            paras = ["Accepter les cookies", "Tous droits réservés"]
        return paras

    monkeypatch.setattr(generic.GenericParser, "_traf", staticmethod(bad_first))
    art = GenericParser().parse((PAGES / "lessor_classic_wp.html").read_bytes(),
                                CASES["lessor_classic_wp"]["url"], "text/html")
    assert art.extra["tried"][0] == "trafilatura"
    assert art.extra["body_method"] in ("trafilatura+recall", "readability", "simple")
    assert art.method == "og+" + art.extra["body_method"]
    assert f1("\n".join(art.paragraphs), "\n".join(expected_paragraphs("lessor_classic_wp"))) >= 0.95
