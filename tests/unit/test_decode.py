"""scrapers.parsers.decode: charsets as browsers read them, never an exception."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrapers.parsers.decode import (
    bom_charset,
    choose_charset,
    declared_charset,
    decode_bytes,
    decode_html,
    fix_c1_refs,
    http_charset,
    is_html_content_type,
    meta_charset,
    normalize_charset,
    sniff_kind,
)


@pytest.mark.parametrize("ct,label", [
    ("text/html; charset=ISO-8859-1", "ISO-8859-1"),
    ('text/html;charset="utf-8"', "utf-8"),
    ("text/html; Charset = windows-1252 ; foo=bar", "windows-1252"),
    ("text/html", None),
    (None, None),
    (b"text/html; charset=utf-8", "utf-8"),
])
def test_http_charset(ct, label):
    assert http_charset(ct) == label


@pytest.mark.parametrize("label,codec", [
    ("iso-8859-1", "cp1252"), ("ISO_8859-1", "cp1252"), ("latin1", "cp1252"), ("latin-1", "cp1252"),
    ("us-ascii", "cp1252"), ("ascii", "cp1252"), ("windows-1252", "cp1252"), ("cp1252", "cp1252"),
    ("UTF-8", "utf-8"), ("utf8", "utf-8"), ("iso-8859-15", "iso8859-15"),
    ("no-such-charset", None), ("", None), (None, None), ("base64", None), ("rot13", None),
])
def test_normalize_charset(label, codec):
    assert normalize_charset(label) == codec


def test_meta_cannot_declare_utf16():
    assert normalize_charset("utf-16", from_meta=True) == "utf-8"
    assert normalize_charset("utf-16le") == "utf-16-le"


@pytest.mark.parametrize("html,label", [
    (b'<meta charset="utf-8">', "utf-8"),
    (b"<META CHARSET=ISO-8859-1>", "iso-8859-1"),
    (b'<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1" />', "iso-8859-1"),
    (b"<meta content='text/html;charset=windows-1252' http-equiv='content-type'>", "windows-1252"),
    (b'<script src="a.js" charset="utf-8"></script><meta charset="iso-8859-1">', "iso-8859-1"),
    (b'<!-- <meta charset="utf-8"> --><meta charset="iso-8859-1">', "iso-8859-1"),
    (b"<p>charset=utf-8</p>", None),
    (b"<title>x</title>", None),
])
def test_meta_charset(html, label):
    assert meta_charset(b"<html><head>" + html + b"</head>") == label


def test_meta_charset_only_in_the_first_bytes():
    page = b"<html><head><script>" + b"x" * 20000 + b"</script><meta charset=utf-8>"
    assert meta_charset(page) is None


def test_precedence_bom_http_meta():
    page = b'<meta charset="utf-8">'
    assert declared_charset(b"\xef\xbb\xbf" + page, "text/html; charset=iso-8859-1") == ("utf-8", "bom")
    assert declared_charset(page, "text/html; charset=iso-8859-1") == ("cp1252", "http")
    assert declared_charset(page, "text/html; charset=bogus") == ("utf-8", "meta")
    assert declared_charset(b"<p>", "text/html") == (None, "none")
    assert bom_charset(b"\xff\xfe<") == ("utf-16-le", 2)
    assert bom_charset(b"\xfe\xff\x00<") == ("utf-16-be", 2)


def test_latin1_declaration_reads_windows_1252_bytes():
    data = "l’électricité — « œuvre » …".encode("cp1252")
    assert choose_charset(data, "cp1252") == "cp1252"
    assert decode_bytes(data, "cp1252") == "l’électricité — « œuvre » …"
    d = decode_html(b"<meta charset=iso-8859-1><p>" + data)
    assert d.charset == "windows-1252"
    assert "l’électricité — « œuvre » …" in d.text


def test_wrong_declarations_fall_back():
    cp = "Publié le jeudi 30 juin 2022".encode("cp1252")
    u8 = "Publié le jeudi 30 juin 2022".encode("utf-8")
    assert choose_charset(cp, "utf-8") == "cp1252"  # says utf-8, bytes are cp1252
    assert choose_charset(u8, "cp1252") == "utf-8"  # says latin-1, bytes are utf-8
    assert choose_charset(u8, None) == "utf-8"
    assert choose_charset(cp, None) == "cp1252"
    assert choose_charset(b"ascii only", None) == "utf-8"
    assert choose_charset(cp, "shift_jis") in ("cp1252", "shift_jis")
    assert decode_html(cp, "text/html; charset=utf-8").text == "Publié le jeudi 30 juin 2022"


def test_cp1252_undefined_bytes_do_not_raise():
    assert decode_bytes(b"a\x81b\x8d\x8f\x90\x9dc", "cp1252") == "a\x81b\x8d\x8f\x90\x9dc"
    assert decode_bytes(b"\xff\xfe", "utf-8") == "\ufffd\ufffd"
    assert decode_bytes(b"abc", "no-such-codec") == "abc"


def test_boms_are_removed():
    assert decode_html(b"\xef\xbb\xbf<p>\xc3\xa9</p>").text == "<p>é</p>"
    assert decode_html("\ufeff<p>é</p>".encode("utf-16-le")).text == "<p>é</p>"
    assert decode_html("\ufeff<p>é</p>".encode("utf-16-be")).text == "<p>é</p>"


@pytest.mark.parametrize("src,out", [
    ("&#8242;", "&#8242;"),  # valid references are left to the HTML parser
    ("&#146;", "’"), ("&#x92;", "’"), ("&#X92;", "’"), ("&#0146;", "’"), ("&#150;", "–"),
    ("&#128;", "€"), ("&#156;", "œ"), ("&#129;", "\x81"), ("&#146", "’"),
    ("&#0;", "\ufffd"), ("&#xD800;", "\ufffd"), ("&#1114112;", "\ufffd"),
    ("a &amp; b", "a &amp; b"), ("no refs", "no refs"),
])
def test_fix_c1_refs(src, out):
    assert fix_c1_refs(src) == out


@given(st.text(max_size=200))
@settings(max_examples=200, deadline=None)
def test_fix_c1_refs_is_idempotent(s):
    once = fix_c1_refs(s)
    assert fix_c1_refs(once) == once


@given(st.binary(max_size=300), st.sampled_from(["utf-8", "cp1252", "iso8859-15", "utf-16-le", "gbk", "no-such"]))
@settings(max_examples=300, deadline=None)
def test_decoding_never_raises(data, codec):
    assert isinstance(decode_bytes(data, codec), str)
    assert isinstance(decode_html(data, f"text/html; charset={codec}").text, str)
    assert choose_charset(data, codec if codec != "no-such" else None)


@pytest.mark.parametrize("ct,verdict", [
    ("text/html", True), ("text/html; charset=utf-8", True), ("application/xhtml+xml", True),
    ("application/pdf", False), ("image/jpeg", False), ("application/rss+xml", False),
    ("text/plain", None), ("application/octet-stream", None), (None, None), ("", None),
])
def test_is_html_content_type(ct, verdict):
    assert is_html_content_type(ct) is verdict


@pytest.mark.parametrize("data,kind", [
    (b"<!DOCTYPE html><html>", "html"),
    (b"\n\n  <html><head>", "html"),
    (b"\xef\xbb\xbf<html>", "html"),
    ("\ufeff<html>".encode("utf-16-le"), "html"),
    (b"%PDF-1.7", "binary"),
    (b"\x89PNG\r\n", "binary"),
    (b"abc\x00def", "binary"),
    (b'<?xml version="1.0"?><rss>', "xml"),
    (b'<?xml version="1.0"?><!DOCTYPE html><html xmlns="http://www.w3.org/1999/xhtml">', "html"),
    (b"<urlset xmlns=...>", "xml"),
    (b"hello world", "text"),
    (b"", "empty"),
])
def test_sniff_kind(data, kind):
    assert sniff_kind(data) == kind


def test_utf8_with_a_few_broken_sequences_stays_utf8():
    # a server cut a string mid-character once in a UTF-8 page: browsers show U+FFFD
    # there and read the rest as UTF-8; windows-1252 would garble every accent
    good = ("Kolejne organizacje sprzeciwiają się atakom na Fundację; zażółć gęślą jaźń. " * 4).encode()
    page = good + "papieros".encode() + b"\xc3" + b"... " + good
    assert choose_charset(page, "utf-8") == "utf-8"
    text = decode_html(page, "text/html; charset=utf-8").text
    assert "sprzeciwiają" in text and "\ufffd" in text
    # cp1252 text declared UTF-8 is still read as cp1252
    cp = ("Publié le jeudi 30 juin 2022, à Ségou. " * 5).encode("cp1252")
    assert choose_charset(cp, "utf-8") == "cp1252"
