"""GenericParser: og:/JSON-LD metadata plus a generic extractor, method recorded."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from scrapers.parsers import generic
from scrapers.parsers.generic import GenericParser
from scrapers.parsers.htmltools import is_credit_line, parse_document
from scrapers.parsers.metadata import find_dateline, page_meta
from veille.core.errors import NotAnArticle

PAGES = Path(__file__).resolve().parents[1] / "pages"
GENERIC = (PAGES / "generic_news.html").read_bytes()
OG_ONLY = (PAGES / "og_only.html").read_bytes()
MW_URL = "https://www.maliweb.net/securite/bamako-renforce-la-surveillance-3001234.html"
PARAS = [
    "Les autorités de la Transition ont annoncé lundi l'installation de nouveaux postes de contrôle "
    "sur les principaux axes routiers menant à Bamako, afin de mieux surveiller les entrées et "
    "sorties de la capitale.",
    "Selon le ministère de la Sécurité, ces dispositifs seront opérationnels dès la semaine prochaine "
    "et mobiliseront plusieurs centaines d'agents des forces de défense et de sécurité.",
    "Les transporteurs redoutent toutefois des retards importants et demandent une concertation avant "
    "la mise en place définitive des contrôles sur la route de Ségou.",
]
HEADLINE = "Sécurité : Bamako renforce la surveillance des axes routiers"


def test_generic_news_page():
    art = GenericParser().parse(GENERIC, MW_URL, "text/html; charset=utf-8")
    assert art.method == "og+trafilatura"
    assert art.headline == HEADLINE
    assert art.title == f"{HEADLINE} - maliweb.net"  # other sources: <headline> - <site>
    assert art.paragraphs == PARAS
    assert art.published == dt.date(2023, 1, 23)
    assert art.extra["date_source"] == "jsonld"
    assert art.canonical_url == MW_URL
    assert art.rubric == "Sécurité"
    assert art.charset == "utf-8"
    assert art.text().startswith(f" date 2023-01 {HEADLINE} - maliweb.net\n\n{HEADLINE}\n\n{PARAS[0]}")


def test_page_title_option_and_site_argument():
    art = GenericParser(page_title=True).parse(GENERIC, MW_URL, "text/html")
    assert art.title == "Sécurité : Bamako renforce la surveillance des axes routiers | Maliweb.net"
    art = GenericParser().parse(GENERIC, "http://127.0.0.1:8000/x.html", "text/html", site="maliweb.net")
    assert art.title.endswith(" - maliweb.net")


def test_og_only_page():
    art = GenericParser().parse(OG_ONLY, "http://news.abamako.com/h/271233.html", "text/html")
    assert art.method == "og"
    assert art.paragraphs[0].startswith("Le gouvernement de Transition a rendu public")
    assert art.published == dt.date(2022, 6, 29)
    assert art.extra["date_source"] == "meta"


def test_without_og_title_headline_from_h1():
    page = GENERIC.replace(b'<meta property="og:title"', b'<meta property="og:xtitle"')
    page = page.replace(b'"headline"', b'"xheadline"')
    art = GenericParser().parse(page, MW_URL, "text/html")
    assert art.method == "trafilatura"
    assert art.headline == HEADLINE


@pytest.mark.parametrize("shown", ["[&gt; {}", "&gt;&gt; {}", "• {}", "{} &lt;&lt;"])
def test_decoration_around_the_headline_is_not_the_headline(shown):
    # "[> Jens Weber": signs set apart by a space, without a letter, digit or quote
    h1 = '<h1 class="entry-title">' + shown.format(HEADLINE) + "</h1>"
    page = GENERIC.replace(f'<h1 class="entry-title">{HEADLINE}</h1>'.encode(), h1.encode())
    assert h1.encode() in page
    assert GenericParser().parse(page, MW_URL, "text/html").headline == HEADLINE


def test_no_date_raises():
    page = GENERIC.replace(b"datePublished", b"dateX").replace(b"2023-01-23", b"")
    page = page.replace(b"23 janvier 2023", b"")
    with pytest.raises(NotAnArticle) as e:
        GenericParser().parse(page, "https://www.maliweb.net/x.html", "text/html")
    assert e.value.reason == "no-date"


def test_dateline_found_when_asked():
    page = GENERIC.replace(
        b"<time", b"<div class='meta'>Publi\xc3\xa9 le lundi 23 janvier 2023 | Maliweb</div><time"
    )
    art = GenericParser(find_dateline=True).parse(page, MW_URL, "text/html")
    assert art.dateline == "Publié le lundi 23 janvier 2023 | Maliweb"
    assert art.publisher == "Maliweb"
    assert art.extra["date_source"] == "dateline"
    assert art.dateline not in art.paragraphs


def test_nothing_usable_is_no_article():
    page = b"<html><head><title>Accueil</title></head><body><nav><a href='/'>Accueil</a></nav></body></html>"
    with pytest.raises(NotAnArticle) as e:
        GenericParser().parse(page, "https://www.maliweb.net/", "text/html")
    assert e.value.reason == "no-article"


@pytest.mark.parametrize("data,ctype,reason", [
    (b"", "text/html", "empty"),
    (b"%PDF-1.4", "application/pdf", "not-html"),
    (b"GIF89a\x01\x00", None, "not-html"),
])
def test_rejects(data, ctype, reason):
    with pytest.raises(NotAnArticle) as e:
        GenericParser().parse(data, "https://x.ml/a", ctype)
    assert e.value.reason == reason


def test_without_trafilatura_the_simple_extractor_stands_in(monkeypatch):
    monkeypatch.setattr(generic, "_TRAFILATURA", False)
    art = GenericParser().parse(GENERIC, MW_URL, "text/html")
    assert art.method == "og+simple"
    assert art.paragraphs == PARAS


def test_page_meta_and_jsonld():
    pm = page_meta(parse_document(GENERIC.decode("utf-8")))
    assert pm.title.endswith("| Maliweb.net")
    assert pm.meta["og:title"] == HEADLINE
    assert pm.jsonld["datePublished"].startswith("2023-01-23")
    assert pm.jsonld["headline"] == HEADLINE
    assert pm.canonical == MW_URL


def test_broken_jsonld_is_ignored():
    page = GENERIC.replace(b'"@context"', b'"@context" ,,, {')
    art = GenericParser().parse(page, MW_URL, "text/html")
    assert art.published == dt.date(2023, 1, 23)  # from <time>, htmldate or meta
    assert art.extra["date_source"] in ("htmldate", "meta", "time")


def test_find_dateline_and_credit_lines():
    root = parse_document("<div><span>Publié le jeudi 30 juin 2022 | <a>Dw</a></span><p>Publié le texte</p></div>")
    assert find_dateline(root) == "Publié le jeudi 30 juin 2022 | Dw"
    assert is_credit_line("© aBamako.com par Dw")
    assert is_credit_line("  (c) AFP")
    assert is_credit_line("Crédit photo : X")
    assert not is_credit_line("Le Mali et la CEDEAO")


@pytest.mark.timeout(30)
def test_hostile_nesting_in_generic_path():
    page = ("<html><body><p>" + "<div>" * 50000 + "texte" + "</div>" * 50000 + "</p></body></html>").encode()
    try:
        GenericParser().parse(page, "https://x.ml/a", "text/html")
    except NotAnArticle:
        pass
