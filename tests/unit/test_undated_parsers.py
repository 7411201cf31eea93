"""A page without a date is an article (issue 9, point 3): every parser takes
``fallback_date`` (line 1's month, ``extra["date_source"] = "first_seen"``) and
``require_date=False`` (the body alone, undated); without either, ``no-date`` as before."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from scrapers.parsers.abamako import AbamakoParser
from scrapers.parsers.generic import GenericParser
from scrapers.parsers.rules import SiteRulesParser
from veille.config import Selectors
from veille.core.errors import NotAnArticle

PAGES = Path(__file__).resolve().parents[1] / "pages"
UNDATED = (PAGES / "undated_article.html").read_bytes()
URL = "https://www.lerepublicainmali.com/societe/koulikoro-maraichers-forages/"
FIRST_SEEN = dt.date(2021, 3, 14)


def undated_abamako() -> bytes:
    page = (PAGES / "abamako_reference_cp1252.html").read_bytes().decode("cp1252")
    start = page.index('<div class="FontArticleSource">')
    end = page.index("</div>", start)
    return (page[:start] + '<div class="FontArticleSource">Dw' + page[end:]).encode("cp1252")


PARSERS = [
    ("generic", GenericParser(), UNDATED, URL),
    ("abamako", AbamakoParser(), undated_abamako(), "http://news.abamako.com/h/271234.html"),
    ("rules", SiteRulesParser(Selectors(headline="h1.entry-title", date="time.published",
                                        body="div.entry-content")), UNDATED, URL),
]


@pytest.mark.parametrize("name,parser,body,url", PARSERS, ids=[p[0] for p in PARSERS])
def test_undated_page(name, parser, body, url):
    with pytest.raises(NotAnArticle) as exc:
        parser.parse(body, url, "text/html")
    assert exc.value.reason == "no-date"

    art = parser.parse(body, url, "text/html", fallback_date=FIRST_SEEN)
    assert art.extra["date_source"] == "first_seen"
    assert art.text().startswith(" date 2021-03 ")
    assert art.paragraphs

    bare = parser.parse(body, url, "text/html", require_date=False)
    assert bare.published is None and bare.paragraphs == art.paragraphs


def test_a_dated_page_keeps_its_own_date():
    page = (PAGES / "abamako_reference_cp1252.html").read_bytes()
    art = AbamakoParser().parse(page, "http://news.abamako.com/h/271234.html", "text/html",
                                fallback_date=FIRST_SEEN)
    assert art.month == "2022-06" and art.extra["date_source"] != "first_seen"
