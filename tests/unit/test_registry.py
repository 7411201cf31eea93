"""The parser registry: coded parsers by host, the markup rule, configured sources."""

from __future__ import annotations

import pytest

from scrapers.parsers.abamako import FAMILY, HOSTS, AbamakoParser
from scrapers.parsers.generic import GenericParser
from scrapers.parsers.registry import NAMED, coded_parser, host_of, parser_for, source_parser
from scrapers.parsers.rules import SiteRulesParser


@pytest.mark.parametrize("host,expected", [
    ("news.abamako.com", AbamakoParser),
    ("abamako.com", AbamakoParser),
    ("NEWS.ABIDJAN.NET", AbamakoParser),
    ("news.abangui.com", AbamakoParser),
    ("notabamako.com", None),
    ("abamako.com.evil.org", None),
    ("www.maliweb.net", None),
    ("", None),
])
def test_coded_parser_by_host_suffix(host, expected):
    assert coded_parser(host) is expected


def test_every_family_site_is_registered():
    assert HOSTS == tuple(s.site for s in FAMILY)
    for s in FAMILY:
        assert coded_parser(host_of(s.base_url)) is AbamakoParser


def test_markup_is_the_second_rule():
    page = b"<html><span class='FontArticleMainTitle'>T</span><span class='FullArticleTexte'>x</span></html>"
    assert isinstance(parser_for("http://127.0.0.1:8765/h/1.html", page), AbamakoParser)
    assert isinstance(parser_for("http://127.0.0.1:8765/h/1.html", b"<html><p>x</p></html>"), GenericParser)
    assert isinstance(parser_for("not a url", b""), GenericParser)


def test_configured_source():
    rules = {"headline": "h1", "body": "div.article p"}
    assert isinstance(source_parser("www.maliweb.net", rules), SiteRulesParser)
    assert source_parser("www.maliweb.net", rules).has_rules
    # selectors win over the host; without them a coded host gets its parser
    assert isinstance(source_parser("news.acotonou.com", rules), SiteRulesParser)
    assert isinstance(source_parser("news.acotonou.com", None), AbamakoParser)
    # else the generic parser through the rules parser (method "generic:...")
    p = source_parser("www.studiotamani.org", None)
    assert isinstance(p, SiteRulesParser) and not p.has_rules


def test_named_parsers():
    assert list(NAMED) == ["abamako", "generic"]
    assert NAMED["abamako"] is AbamakoParser and NAMED["generic"] is GenericParser
