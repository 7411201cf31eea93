"""The generic parser on real pages nobody here made (tests/pages/real, see its README).

Each page exercises one mechanism: furniture removal that keeps an article container
whatever its class says, every link of the candidate chain (trafilatura, its recall mode,
readability, JSON-LD ``articleBody``, the simple extractor, og:description), the checks
on CJK text, the headline (entities, site-name suffix, kicker), the date, the charset.
Snippets come from the trafilatura project's evaluation data: ``with`` must be in the
body, ``without`` must not.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from pathlib import Path

import pytest
from lxml import etree

from scrapers.parsers import generic
from scrapers.parsers.generic import GenericParser, body_problem
from scrapers.parsers.htmltools import parse_document
from scrapers.parsers.headline import choose_headline
from scrapers.parsers.metadata import page_meta
from scrapers.parsers.pagemarks import MarkedPage
from veille.cli import extract as veille_extract
from veille.core.errors import NotAnArticle

REAL = Path(__file__).resolve().parents[1] / "pages" / "real"
CASES = json.loads((REAL / "cases.json").read_text("utf-8"))


def page(name: str) -> bytes:
    return gzip.decompress((REAL / f"{name}.html.gz").read_bytes())


def parse(name: str, **kw):
    return GenericParser().parse(page(name), CASES[name]["url"], "text/html", **kw)


def flat(paragraphs) -> str:
    return " ".join(" ".join(paragraphs).split())


def found(name: str, art) -> tuple[list[bool], list[bool]]:
    text = flat(art.paragraphs)
    c = CASES[name]
    return [" ".join(s.split()) in text for s in c["with"]], [" ".join(s.split()) in text for s in c["without"]]


def test_the_pages_are_there():
    assert len(CASES) >= 10
    assert (REAL / "LICENSE-trafilatura").exists() and (REAL / "README.md").exists()
    for name in CASES:
        assert (REAL / f"{name}.html.gz").exists(), name


# --- furniture removal never takes the article away ------------------------------------

@pytest.mark.parametrize("name", ["0224_zugreiseblog-de", "0184_newrepublic-com"])
def test_article_container_named_like_furniture_is_kept(name):
    # the article sits in div.entry.themeform.share / div.sidebar-and-content-body: a
    # class word alone cut it before, and the body was a standfirst or a sticky bar
    art = parse(name)
    with_, without = found(name, art)
    assert all(with_), (with_, art.paragraphs[:3])
    assert not any(without)
    assert sum(len(p) for p in art.paragraphs) > 2000


def test_lines_only_in_furniture_leave_trafilatura_output():
    # trafilatura reads the whole page; a line written only inside a share bar, a
    # related-posts box ... is dropped after, not before
    art = parse("0224_zugreiseblog-de")
    assert art.extra["body_method"] == "trafilatura"
    assert not any("Teilen" == p or p.startswith("Ähnliche Beiträge") for p in art.paragraphs)


# --- every link of the candidate chain, on a real page ----------------------------------

def test_readability_runs_on_a_real_page():
    # trafilatura 2.x's readability Document wants an lxml.html tree; given a string it
    # raised AttributeError every time
    name = "0416_careelite-de"
    extra: dict = {}
    gp = GenericParser()
    root = parse_document(page(name).decode("utf-8", "replace"))
    p = MarkedPage(root, None)
    paras = gp._readability(p, extra)
    assert "readability_error" not in extra
    assert sum(len(x) for x in paras) > 2000


def test_readability_is_chosen_when_trafilatura_finds_nothing():
    name = "0416_careelite-de"
    art = parse(name)
    assert art.method.endswith("readability") and art.extra["body_method"] == "readability"
    assert art.extra["tried"][:2] == ["trafilatura", "trafilatura+recall"]
    assert all(found(name, art)[0])


def test_recall_mode_when_balanced_finds_a_tagline():
    name = "0793_onlinemarketing-de"
    art = parse(name)
    assert art.method == "og+trafilatura+recall"
    with_, without = found(name, art)
    assert all(with_) and not any(without)


def test_jsonld_article_body_longer_than_the_extracted_text():
    name = "0701_ad-magazin-de"
    art = parse(name)
    assert art.method == "og+jsonld"
    assert all(found(name, art)[0])
    assert not any("<" in p and ">" in p for p in art.paragraphs)


def test_jsonld_article_body_alone():
    # a page that renders its body with JavaScript: only JSON-LD holds the text
    name = "0701_ad-magazin-de"
    root = parse_document(page(name).decode("utf-8", "replace"))
    head = etree.tostring(root.find("head"), encoding="unicode", method="html")
    stripped = f"<html>{head}<body><div id='app'></div></body></html>".encode()
    art = GenericParser().parse(stripped, CASES[name]["url"], "text/html")
    assert "jsonld" in art.extra["tried"]
    assert all(found(name, art)[0])
    assert sum(len(p) for p in art.paragraphs) > 10_000


def test_simple_extractor_without_trafilatura(monkeypatch):
    monkeypatch.setattr(generic, "_TRAFILATURA", False)
    name = "0184_newrepublic-com"
    art = parse(name)
    assert art.method == "og+simple"
    assert sum(len(p) for p in art.paragraphs) > 2000
    assert not any(found(name, art)[1])


def test_og_description_is_the_last_resort():
    # a link post: every extractor's text is mostly the page's links
    name = "0019_nurmeinstandpunkt-wordpress-com"
    art = parse(name)
    assert art.method == "og"
    assert "link lines" in art.extra["too_little_text"]
    assert len(art.paragraphs) == 1


# --- checks, undated pages, charsets, invisible characters -------------------------------

def test_short_japanese_article_is_not_a_menu():
    # a short Japanese article set one clause a line (as some sites do): lines of 10-30
    # characters with no Latin full stop, which the old check took for a menu. A CJK
    # character weighs about what a word does.
    import trafilatura

    text = trafilatura.extract(page("0341_www3-nhk-or-jp")) or ""
    lines = [x.strip() for x in re.split(r"(?<=[。、])", text) if x.strip()]
    assert len(lines) >= 8 and sum(len(x) < 40 for x in lines) > 0.7 * len(lines)
    assert body_problem(lines) == ""


def test_undated_page_gives_its_body_and_takes_a_fallback_month():
    name = "0341_www3-nhk-or-jp"
    with pytest.raises(NotAnArticle) as e:
        _undated(name)  # the full text still needs a date (or a fallback month)
    assert e.value.reason == "no-date"
    art = _undated(name, require_date=False)
    assert art.published is None and all(found(name, art)[0])
    art = _undated(name, fallback_date=dt.date(2024, 5, 2))
    assert art.month == "2024-05" and art.extra["date_source"] == "first_seen"
    assert art.text().startswith(" date 2024-05 ")


def _undated(name, **kw):
    # the page with every date it shows taken out (htmldate finds one in its text)
    body = re.sub(rb"20\d\d", b"", page(name))
    return GenericParser().parse(body, CASES[name]["url"], "text/html", **kw)


def test_body_only_does_not_need_a_date(tmp_path, capsys):
    name = "0341_www3-nhk-or-jp"
    f = tmp_path / "p.html"
    f.write_bytes(re.sub(rb"20\d\d", b"", page(name)))
    assert veille_extract.main([str(f), "--url", CASES[name]["url"], "--body-only"]) == 0
    out = capsys.readouterr().out
    assert CASES[name]["with"][0] in out


def test_utf8_page_with_one_broken_sequence_is_read_as_utf8():
    name = "0398_radiomaryja-pl"
    art = parse(name)
    assert art.charset == "utf-8"
    assert "ataków" in art.headline and "Ã" not in flat(art.paragraphs)
    assert all(found(name, art)[0])


def test_soft_hyphens_leave_the_text():
    name = "0549_weinkenner-de"
    art = parse(name)
    assert "\u00ad" not in flat(art.paragraphs)
    assert all(found(name, art)[0])


# --- headline -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["0361_flawlessfood-co-uk", "0764_finanzmarktwelt-de"])
def test_headline_entities_are_decoded(name):
    art = parse(name)
    assert art.headline == CASES[name]["title"]
    assert "&#" not in art.title


def test_site_name_suffix_is_cut():
    # <title>Der Steinkauz ist der Vogel des Jahres 2021 | Schweizer Jäger Online</title>,
    # no og:site_name: the suffix holds the host's name
    name = "0461_schweizerjaeger-ch"
    root = parse_document(page(name).decode("utf-8", "replace"))
    headline, _, _ = choose_headline(root, page_meta(root), "schweizerjaeger.ch")
    assert headline == CASES[name]["title"]
    art = parse(name, fallback_date=dt.date(2024, 1, 1))
    assert art.title == f"{CASES[name]['title']} - schweizerjaeger.ch"


def test_kicker_is_not_part_of_the_headline():
    name = "0261_mdr-de"
    art = parse(name)
    assert art.headline == CASES[name]["title"]  # <span class="dachzeile"> left out


# --- date -----------------------------------------------------------------------------------

def test_jsonld_date_published_beats_an_ambiguous_visible_date():
    # "11/08/23 5:19pm" under the headline is 8 November (US order), JSON-LD says so
    name = "0830_observer-com"
    art = parse(name)
    assert art.month == CASES[name]["date"][:7] == "2023-11"
    assert art.extra["date_source"] == "jsonld"
