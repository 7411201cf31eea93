"""The HTML toolkit: flows, paragraphs, removal, the furniture vocabulary."""

from __future__ import annotations

import pytest
from lxml import etree

from scrapers.parsers.htmltools import (
    BR,
    BREAK,
    class_words_re,
    ensure_html,
    flow,
    inline_text,
    is_credit_line,
    norm,
    paragraphs,
    parse_document,
    read_also_re,
    remove,
    split_paragraphs,
    text_of,
)
from veille.core.errors import NotAnArticle


def el(html: str):
    return parse_document(html).find("body")[0]


@pytest.mark.parametrize("tokens,single,expected", [
    (["a", BR, "b"], False, ["a b"]),
    (["a", BR, "b"], True, ["a", "b"]),
    (["a", BR, " \n", BR, "b"], False, ["a", "b"]),
    (["a", BR, BR, BR, "b"], False, ["a", "b"]),
    (["a", BREAK, "b", BREAK, " ", BREAK], False, ["a", "b"]),
    (["a ", BR, BREAK, BR, " b"], False, ["a", "b"]),
    ([BR, BR, "  a\xa0 ", BR], False, ["a"]),
])
def test_split_paragraphs(tokens, single, expected):
    assert split_paragraphs(tokens, single_br_breaks=single) == expected


def test_flow_marks_blocks_and_brs_and_skips_non_text():
    e = etree.fromstring("<div>a<br/>b<p>c</p><script>x</script>d<!-- c -->e</div>")
    assert flow(e) == [BREAK, "a", BR, "b", BREAK, "c", BREAK, "d", "e", BREAK]


def test_paragraphs():
    e = el("<div>Intro <i>libre</i><p>Un</p>entre<a><div>Deux</div><div>Trois</div></a>"
           "<span>x<br><br>y</span><form>Inscrivez-vous</form></div>tail")
    assert paragraphs(e) == ["Intro libre", "Un", "entre", "Deux", "Trois", "x", "y"]


def test_texts():
    e = el("<h1>Le <b>titre</b><br>du jour<script>var x;</script></h1>")
    assert text_of(e) == "Le titredu jourvar x;"  # every text node, as they are
    assert inline_text(e) == "Le titre du jour"
    assert norm("« Le Mali, aujourd'hui »") == "le mali aujourd hui"
    assert norm(None) == ""


def test_remove_keeps_the_tail():
    root = el("<div>a<span>x</span>b<i>y</i>c</div>")
    remove(root[0])
    assert etree.tostring(root, encoding="unicode") == "<div>ab<i>y</i>c</div>"
    remove(root[0])
    assert etree.tostring(root, encoding="unicode") == "<div>abc</div>"


def test_vocabulary():
    assert is_credit_line("© aBamako.com par Dw") and is_credit_line("Photo : AFP")
    assert not is_credit_line("La photo de famille")
    ra = read_also_re()
    assert ra.match("  À lire aussi : le reste") and not ra.match("Lire la suite")
    assert read_also_re(r"lire\s+la\s+suite").match("Lire la suite")
    junk = class_words_re({"share", "ad"})
    assert junk.search("td-social share-buttons") and junk.search("x ad_top")
    assert not junk.search("shared header") and not junk.search("adverb")


@pytest.mark.parametrize("body,ctype,reason", [
    (b"", "text/html", "empty"),
    (b"%PDF-1.4 \x00\x01", None, "not-html"),
    (b"<?xml version='1.0'?><rss></rss>", "text/xml", "not-html"),
    (b"<html></html>", "image/png", "not-html"),
])
def test_ensure_html_refuses(body, ctype, reason):
    with pytest.raises(NotAnArticle) as exc:
        ensure_html(body, ctype)
    assert exc.value.reason == reason
