"""AbamakoParser: the reference article rebuilt as aBamako markup, many ways.

Every "reference" variant must give ``art.text()`` byte-identical to the seed file.
Pages are built here from the seed's parts (``veille.core.textformat.read``) or read from
``tests/pages/``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from scrapers.parsers.abamako import AbamakoParser
from veille.core.errors import NotAnArticle
from veille.core.textformat import read

ROOT = Path(__file__).resolve().parents[2]
SEED_BYTES = (ROOT / "seeds" / "000_4c2eddb1c88bd00e.txt").read_bytes()
SEED = SEED_BYTES.decode("utf-8")
P = read(SEED)
PAGES = Path(__file__).resolve().parents[1] / "pages"
URL = "http://news.abamako.com/h/271234.html"

parser = AbamakoParser()

DEFAULT_PHOTO = (
    '<div align="center"><img class="imgArt" src="/img_photos/2022/otan.jpg" alt="" /><br />'
    "© aBamako.com par Dw<br />{caption}</div>"
)


def body_html(paragraphs, sep="br"):
    if sep == "br":
        return "<br /><br />\n".join(paragraphs)
    if sep == "p":
        return "\n".join(f"<p>{p}</p>" for p in paragraphs)
    if sep == "br-single":
        return "<br />\n".join(paragraphs)
    raise ValueError(sep)


def build(
    *,
    sep="br",
    spans=None,
    title=None,
    headline=None,
    dateline=None,
    photo=DEFAULT_PHOTO,
    caption=None,
    charset_meta="utf-8",
    encoding="utf-8",
    head_extra="",
    before_article="",
    after_body="",
    sources_html=None,
    paragraphs=None,
    headline_tag="h1",
) -> bytes:
    """An aBamako-like page for the seed article (or variations of it)."""
    title = P.title if title is None else title
    headline = P.headline if headline is None else headline
    dateline = P.dateline if dateline is None else dateline
    caption = P.caption if caption is None else caption
    paragraphs = P.paragraphs if paragraphs is None else paragraphs
    if spans is None:
        spans = [f'<span class="FullArticleTexte">\n{body_html(paragraphs, sep)}\n</span>']
    if sources_html is None:
        sources_html = f'<div class="FontArticleSource">{dateline}</div>'
    meta = ""
    if charset_meta:
        meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset_meta}" />'
    title_html = f"<title>{title}</title>" if title is not False else ""
    photo_html = photo.format(caption=caption) if photo else ""
    page = (
        "<!DOCTYPE html>\n<html><head>\n"
        f"{meta}\n{title_html}\n"
        '<link rel="canonical" href="http://news.abamako.com/h/271234.html" />\n'
        "<style>.FontArticleMainTitle{font-weight:bold}</style>\n"
        "<script>var x = 1;</script>\n"
        f"{head_extra}</head>\n<body>\n"
        '<div class="menu"><a href="/rubriques/politique.asp">Politique</a> <a href="/">Accueil</a></div>\n'
        f"{before_article}"
        '<table><tr><td>\n'
        f'<{headline_tag} class="FontArticleMainTitle">{headline}</{headline_tag}>\n'
        f"{sources_html}\n"
        f"{photo_html}\n"
        + "\n".join(spans)
        + f"\n{after_body}</td><td><div class=\"sidebar\"><a href=\"/h/1.html\">Autre article</a></div></td></tr></table>\n"
        '<div id="footer">© aBamako.com</div></body></html>'
    )
    if encoding.lower() in ("cp1252", "windows-1252", "iso-8859-1"):
        page = page.replace("\u2032", "&#8242;")
        return page.encode("cp1252")
    return page.encode(encoding)


def parse(data, content_type="text/html", url=URL, site=None):
    return parser.parse(data, url, content_type, site=site)


def assert_seed(art):
    text = art.text()
    assert text.encode("utf-8") == SEED_BYTES, text
    return text


# --- the reference article, many markups ------------------------------------------------


def test_reference_fixture_page_cp1252():
    data = (PAGES / "abamako_reference_cp1252.html").read_bytes()
    art = parse(data, "text/html")
    assert_seed(art)
    assert art.method == "abamako"
    assert art.extra["path"] == "slice"  # the fast path handled the real-looking page
    assert art.charset == "windows-1252"
    assert art.published == dt.date(2022, 6, 30)
    assert art.publisher == "Dw"
    assert art.rubric == "Politique"
    assert art.canonical_url == "http://news.abamako.com/h/271234.html"
    assert hashlib.sha256(art.text().encode()).hexdigest() == hashlib.sha256(SEED_BYTES).hexdigest()


@pytest.mark.parametrize("sep", ["br", "p"])
@pytest.mark.parametrize("encoding,charset_meta", [
    ("utf-8", "utf-8"),
    ("cp1252", "iso-8859-1"),
])
def test_reference_paragraph_markup_and_encoding(sep, encoding, charset_meta):
    art = parse(build(sep=sep, encoding=encoding, charset_meta=charset_meta))
    assert_seed(art)
    assert art.method == "abamako"
    assert art.extra["path"] == "slice"
    assert art.charset == ("utf-8" if encoding == "utf-8" else "windows-1252")


def test_reference_cp1252_declared_only_in_http_header():
    art = parse(build(encoding="cp1252", charset_meta=None), "text/html; charset=ISO-8859-1")
    assert_seed(art)
    assert art.charset == "windows-1252"


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])
def test_reference_no_charset_declared(encoding):
    art = parse(build(encoding=encoding, charset_meta=None), "text/html")
    assert_seed(art)
    assert art.charset == ("utf-8" if encoding == "utf-8" else "windows-1252")


def test_reference_utf8_bytes_declared_latin1():
    art = parse(build(encoding="utf-8", charset_meta="iso-8859-1"))
    assert_seed(art)
    assert art.charset == "utf-8"


def test_reference_cp1252_bytes_declared_utf8():
    art = parse(build(encoding="cp1252", charset_meta="utf-8"), "text/html; charset=utf-8")
    assert_seed(art)
    assert art.charset == "windows-1252"


def test_reference_unknown_charset_label():
    art = parse(build(encoding="cp1252", charset_meta="x-no-such-charset"))
    assert_seed(art)


def test_reference_utf8_bom_and_utf16():
    assert_seed(parse(b"\xef\xbb\xbf" + build(encoding="utf-8", charset_meta="iso-8859-1")))
    page = build(encoding="utf-8", charset_meta=None).decode("utf-8")
    art = parse(b"\xff\xfe" + page.encode("utf-16-le"))
    assert_seed(art)
    assert art.charset == "utf-16le"


def test_reference_whitespace_comments_case_quotes_classes():
    paragraphs = [f"  \n\t{p.replace(' ', '  ', 3)}\u00a0 \n" for p in P.paragraphs]
    body = "<!-- para -->\r\n<BR><br/>\r\n".join(paragraphs)
    span = f"<SPAN  CLASS='texte FullArticleTexte x1'\n >\r\n{body}\r\n</SPAN>"
    page = build(
        spans=[span],
        headline_tag="H1",
        headline=f"\n   {P.headline.replace(' ', chr(160), 2)}  <!-- FontArticleMainTitle -->\n",
        sources_html="<DIV class=FontArticleSource>\n  Publié   le jeudi\n30 juin 2022 |\tDw <!-- x --></DIV>",
        before_article='<!-- <span class="FullArticleTexte">old</span> --><!-- FontArticleMainTitle -->',
        after_body='<!-- <span class="FullArticleTexte">never</span> -->',
        photo='<DIV ALIGN=center><IMG CLASS="imgArt" SRC="/img_photos/a.jpg"><BR>\n  © aBamako.com par Dw <BR>\n  {caption}\n</DIV>',
    )
    art = parse(page)
    assert_seed(art)
    assert art.extra["path"] == "slice"


def test_reference_body_split_over_spans_with_ad_between():
    a, b = P.paragraphs[:5], P.paragraphs[5:]
    spans = [
        f'<span class="FullArticleTexte">{body_html(a)}<br /><br /></span>',
        '<div class="pub"><script>ad()</script>Publicité</div>',
        f'<span class="FullArticleTexte">{body_html(b, "p")}</span>',
    ]
    art = parse(build(spans=spans))
    assert_seed(art)


def test_reference_three_spans():
    parts = [P.paragraphs[:3], P.paragraphs[3:9], P.paragraphs[9:]]
    spans = [f'<span class="FullArticleTexte">{body_html(x)}</span>' for x in parts]
    assert_seed(parse(build(spans=spans)))


def test_reference_script_iframe_and_share_widget_inside_body():
    pars = list(P.paragraphs)
    body = (
        body_html(pars[:4])
        + "<br /><br /><script>document.write('<p>pub</p>');</script>"
        + '<div class="sharethis-inline-share-buttons"><a>Partager sur Facebook</a></div>'
        + "<style>.x{}</style><iframe src='https://www.youtube.com/embed/x'>no iframes</iframe>"
        + '<ins class="adsbygoogle"></ins><noscript>Activez JavaScript</noscript>'
        + body_html(pars[4:])
        + '<div class="fb-like" data-href="x">J\'aime</div><p>&nbsp;</p><p></p><br><br>'
    )
    art = parse(build(spans=[f'<span class="FullArticleTexte">{body}</span>']))
    assert_seed(art)


@pytest.mark.parametrize("photo", [
    # caption in a div after the credit span
    '<div align="center"><img class="imgArt" src="/img_photos/a.jpg"><br><span>© aBamako.com par Dw</span><div class="legende">{caption}</div></div>',
    # caption in a span
    '<div align="center"><img class="imgArt" src="/img_photos/a.jpg"><br>© aBamako.com par Dw<br><span class="FontLegende">{caption}</span></div>',
    # caption in a p, credit in a p
    '<div><img src="/img_photos/2022/a.jpg" class="imgArt"></div><p class="credit">© aBamako.com par Dw</p><p>{caption}</p>',
    # caption in an em
    '<center><img class="imgArt" src="/img_photos/a.jpg"></center><em>© aBamako.com par Dw</em><br /><em>{caption}</em>',
    # bare text node after <br>, no container at all
    '<img class="imgArt" src="/img_photos/a.jpg" /><br />© aBamako.com par Dw<br />{caption}<br /><br />',
    # img known by its src only, caption in a table cell
    '<table><tr><td><img src="http://news.abamako.com/img_photos/a.jpg" width="400"></td></tr><tr><td>© aBamako.com par Dw</td></tr><tr><td><i>{caption}</i></td></tr></table>',
])
def test_reference_caption_containers(photo):
    assert_seed(parse(build(photo=photo)))


def test_reference_photo_block_inside_the_body_span():
    photo = (
        '<div align="center"><img class="imgArt" src="/img_photos/a.jpg"><br>'
        f"© aBamako.com par Dw<br>{P.caption}</div>"
    )
    span = f'<span class="FullArticleTexte">{photo}\n{body_html(P.paragraphs)}</span>'
    assert_seed(parse(build(photo="", spans=[span])))


def test_reference_older_span_headline():
    assert_seed(parse(build(headline_tag="span")))


# --- variations on the known markup ---------------------------------------------------


def test_title_and_h1_keep_their_own_apostrophes():
    title = "Fourniture de l’électricité à Bamako : Retour à la case départ ? - abamako.com"
    headline = "Fourniture de l'électricité à Bamako : Retour à la case départ ?"
    art = parse(build(title=title, headline=headline, dateline="Publié le lundi 12 mai 2025 | aBamako.com"))
    assert art.title == title
    assert art.headline == headline
    assert art.text().startswith(f" date 2025-05 {title}\n\n{headline} Publié le lundi 12 mai 2025 | aBamako.com\n\n")


def test_cp1252_bytes_and_c1_numeric_references():
    # 0x92 is ’ in windows-1252 though the page says iso-8859-1; &#146; means ’ too (HTML5)
    headline = "Fourniture de l\x92électricité : l&#146;EDM et l&#x92;Etat"
    page = build(headline=headline, encoding="utf-8", charset_meta="iso-8859-1")
    page = page.replace("l\x92".encode("utf-8"), b"l\x92").replace("\u00e9".encode(), b"\xe9")
    page = page.replace("\u00e8".encode(), b"\xe8").replace("\u00e0".encode(), b"\xe0")
    page = page.replace("\u00ea".encode(), b"\xea").replace("\u00f4".encode(), b"\xf4")
    page = page.replace("\u00f9".encode(), b"\xf9").replace("\u2032".encode(), b"&#8242;")
    art = parse(page)
    assert art.headline == "Fourniture de l’électricité : l’EDM et l’Etat"
    assert art.charset == "windows-1252"
    assert art.paragraphs == P.paragraphs


def test_two_source_divs_the_dated_one_wins():
    sources = (
        '<div class="FontArticleSource">Source : Dw</div>\n'
        f'<div class="FontArticleSource">{P.dateline}</div>'
    )
    assert_seed(parse(build(sources_html=sources)))
    sources_rev = (
        f'<div class="FontArticleSource">{P.dateline}</div>\n'
        '<div class="FontArticleSource">aBamako.com</div>'
    )
    assert_seed(parse(build(sources_html=sources_rev)))


def test_dated_source_div_outside_the_slice_uses_full_parse():
    sources = '<div class="FontArticleSource">Dw</div>'
    page = build(sources_html=sources, after_body=f'</td></tr><tr><td><div class="FontArticleSource">{P.dateline}</div>')
    art = parse(page)
    assert art.extra["path"] == "full"
    assert_seed(art)


def test_numeric_dateline():
    art = parse(build(dateline="Publié le 30/06/2022 | Le 22 Septembre"))
    assert art.published == dt.date(2022, 6, 30)
    assert art.dateline == "Publié le 30/06/2022 | Le 22 Septembre"
    assert art.publisher == "Le 22 Septembre"
    assert art.month == "2022-06"


@pytest.mark.parametrize("dateline,expected", [
    ("Publié le lundi 3 fevrier 2020 | arc en ciel", dt.date(2020, 2, 3)),
    ("Publié le dimanche 1er aout 2021 | aBamako.com", dt.date(2021, 8, 1)),
    ("Publie le vendredi 17 decembre 2021 | Dw", dt.date(2021, 12, 17)),
    ("Publié le vendredi 17 Décembre 2021 | Dw", dt.date(2021, 12, 17)),
])
def test_unaccented_and_odd_months(dateline, expected):
    art = parse(build(dateline=dateline))
    assert art.published == expected
    assert art.dateline == dateline
    assert art.text().startswith(f" date {expected:%Y-%m} ")


def test_no_photo_no_caption():
    art = parse(build(photo=""))
    assert art.caption == ""
    text = art.text()
    assert text.split("\n\n")[2] == P.paragraphs[0]
    assert "Rasmussen" not in text


def test_credit_line_alone_gives_no_caption():
    art = parse(build(photo='<div><img class="imgArt" src="/img_photos/a.jpg"><br>© aBamako.com par Dw</div>'))
    assert art.caption == ""
    assert "©" not in art.text()


def test_caption_with_backticks_kept_as_written():
    cap = "Le président de la Transition, le colonel Assimi Goïta, à l`ouverture des travaux"
    art = parse(build(caption=cap))
    assert art.caption == cap
    assert f"\n\n{cap}\n\n" in art.text()


def test_teaser_body():
    teaser = "Le Mali a quitté le G5 Sahel, a annoncé dimanche le gouvernement de transition... suite de l'article sur RFI"
    art = parse(build(paragraphs=[teaser], photo=""))
    assert art.paragraphs == [teaser]
    assert art.text().endswith(teaser)


def test_single_br_only_separates_paragraphs():
    art = parse(build(sep="br-single"))
    assert_seed(art)


def test_single_br_inside_structured_body_is_a_space():
    body = f"{P.paragraphs[0]}<br /><br />Bamako, le 30 juin<br />Par Dw<br /><br />{P.paragraphs[1]}"
    art = parse(build(spans=[f'<span class="FullArticleTexte">{body}</span>']))
    assert art.paragraphs == [P.paragraphs[0], "Bamako, le 30 juin Par Dw", P.paragraphs[1]]


def test_inline_markup_and_entities_in_body():
    body = "<p>L'<b>OTAN</b> s&#8217;inquiète&nbsp;: <a href='/x'>voir</a> &amp; <i>lire</i>.</p><p>&nbsp;</p><p>Fin.</p>"
    art = parse(build(spans=[f'<span class="FullArticleTexte">{body}</span>']))
    assert art.paragraphs == ["L'OTAN s’inquiète : voir & lire.", "Fin."]


def test_credit_line_inside_body_dropped():
    body = "© aBamako.com par Dw<br /><br />" + body_html(P.paragraphs)
    assert_seed(parse(build(spans=[f'<span class="FullArticleTexte">{body}</span>'])))


def test_headline_class_reused_in_a_box_before_the_article():
    box = '<div class="most-read"><span class="FontArticleMainTitle">Le plus lu : autre chose</span></div>\n'
    art = parse(build(before_article=box))
    assert_seed(art)


def test_missing_title_uses_headline_and_site():
    art = parse(build(title=False), url="http://news.abidjan.net/h/1.html")
    assert art.title == f"{P.headline} - abidjan.net"
    art = parse(build(title=False), url="http://127.0.0.1:8080/h/1.html", site="abamako.com")
    assert art.title == f"{P.headline} - abamako.com"
    assert_seed(art)


def test_canonical_fallbacks():
    page = build().replace(b'<link rel="canonical" href="http://news.abamako.com/h/271234.html" />', b"")
    assert parse(page, url="http://127.0.0.1/h/9.html").canonical_url == "http://127.0.0.1/h/9.html"
    og = b'<meta property="og:url" content="/h/271234.html" />'
    page2 = page.replace(b"</head>", og + b"</head>")
    assert parse(page2).canonical_url == "http://news.abamako.com/h/271234.html"


def test_rubric_is_metadata_only():
    art = parse(build(before_article='<div class="FontArticleRubrique">Économie</div>'))
    assert art.rubric == "Économie"
    assert "Économie" not in art.text()


def test_rubric_from_breadcrumb():
    crumb = '<div class="breadcrumb"><a href="/">Accueil</a> &raquo; <a href="/rubriques/sport.asp">Sport</a></div>'
    art = parse(build(before_article=crumb))
    assert art.rubric == "Sport"
    assert_seed(art)


def test_parser_is_reusable_and_stateless():
    p = AbamakoParser()
    a = p.parse(build(encoding="cp1252", charset_meta="iso-8859-1"), URL)
    b = p.parse(build(caption="Autre légende"), URL)
    c = p.parse(build(encoding="cp1252", charset_meta="iso-8859-1"), URL)
    assert a.text() == c.text() == SEED
    assert b.caption == "Autre légende"


# --- broken pages -------------------------------------------------------------------------


def test_truncated_page_mid_body():
    page = build()
    cut = page.index(P.paragraphs[6][:40].encode())
    art = parse(page[:cut + len(P.paragraphs[6][:20].encode())])
    assert art.paragraphs[:6] == P.paragraphs[:6]
    assert art.paragraphs[6] == P.paragraphs[6][:20].strip()
    assert len(art.paragraphs) == 7


def test_truncated_page_mid_tag():
    page = build()
    cut = page.index(b"<br />", page.index(P.paragraphs[3][:30].encode()))
    art = parse(page[:cut + 3])
    assert art.paragraphs == P.paragraphs[:4]


def test_unclosed_body_span_does_not_swallow_the_sidebar():
    span = f'<span class="FullArticleTexte">{body_html(P.paragraphs, "p")}'
    art = parse(build(spans=[span]))
    assert_seed(art)


def test_unclosed_paragraphs_and_stray_end_tags():
    body = "".join(f"<p>{p}" for p in P.paragraphs) + "</div></font></b>"
    art = parse(build(spans=[f'<span class="FullArticleTexte"><font face=arial>{body}</span>']))
    assert_seed(art)


def test_empty_body_span_is_no_body():
    with pytest.raises(NotAnArticle) as e:
        parse(build(spans=['<span class="FullArticleTexte"> <br /><br />&nbsp;</span>']))
    assert e.value.reason == "no-body"


def test_no_date_anywhere():
    with pytest.raises(NotAnArticle) as e:
        parse(build(dateline="Publié récemment | Dw"))
    assert e.value.reason == "no-date"


def test_date_from_meta_when_dateline_has_none():
    head = '<meta property="article:published_time" content="2022-06-30T10:00:00+00:00" />'
    art = parse(build(dateline="Dw", head_extra=head))
    assert art.published == dt.date(2022, 6, 30)
    assert art.extra["date_source"] == "meta"


def test_missing_headline_uses_og_title():
    head = f'<meta property="og:title" content="{P.headline}" />'
    art = parse(build(headline="", head_extra=head))
    assert art.method == "abamako+og"
    assert_seed(art)


@pytest.mark.parametrize("data", [b"", b"   \n\t  "])
def test_empty_body(data):
    with pytest.raises(NotAnArticle) as e:
        parse(data)
    assert e.value.reason == "empty"


@pytest.mark.parametrize("data,ctype", [
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "text/html"),  # lying content type
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", None),
    (b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>', "application/rss+xml"),
    (b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>', None),
    (b'{"id": 1}', "application/json"),
    (b"just some words, no markup", "text/plain"),
])
def test_not_html(data, ctype):
    with pytest.raises(NotAnArticle) as e:
        parse(data, ctype)
    assert e.value.reason == "not-html"


def test_html_served_as_octet_stream_is_parsed():
    assert_seed(parse(build(), "application/octet-stream"))
    assert_seed(parse(build(), None))


# --- fallbacks ----------------------------------------------------------------------------


def test_page_with_only_og_tags():
    art = parse((PAGES / "og_only.html").read_bytes(), "text/html", url="http://news.abamako.com/h/271233.html")
    assert art.method == "og"
    assert art.title == "Mali : la Transition fixe le calendrier électoral - abamako.com"
    assert art.headline == "Mali : la Transition fixe le calendrier électoral"
    assert art.paragraphs == [
        "Le gouvernement de Transition a rendu public mercredi le chronogramme des élections, "
        "avec un référendum prévu en mars 2023."
    ]
    assert art.published == dt.date(2022, 6, 29)
    assert art.canonical_url == "http://news.abamako.com/h/271233.html"


def test_page_without_abamako_markup_falls_back_to_generic():
    paras = P.paragraphs[:4]
    page = (
        "<html><head><meta charset='utf-8'>"
        f"<title>{P.title}</title><meta property='og:title' content=\"{P.headline}\">"
        "</head><body><div class='menu'><a href='/'>Accueil</a></div><div class='article'>"
        f"<h2>{P.headline}</h2><div class='date'>{P.dateline}</div>"
        + "".join(f"<p>{p}</p>" for p in paras)
        + "</div><div class='footer'>© aBamako.com</div></body></html>"
    ).encode("utf-8")
    art = parse(page)
    assert art.method in ("og+trafilatura", "og+simple")
    assert art.title == P.title
    assert art.headline == P.headline
    assert art.dateline == P.dateline
    assert art.published == dt.date(2022, 6, 30)
    assert art.paragraphs == paras


def test_html_without_any_article():
    page = b"<html><head><title>Accueil - abamako.com</title></head><body><div class='menu'></div></body></html>"
    with pytest.raises(NotAnArticle) as e:
        parse(page)
    assert e.value.reason == "no-article"


# --- hostile input --------------------------------------------------------------------------


@pytest.mark.timeout(20)
def test_deeply_nested_tags_in_body():
    deep = "<div><span><b>" * 30000 + "profond" + "</b></span></div>" * 30000
    span = f'<span class="FullArticleTexte">{body_html(P.paragraphs[:2])}<br /><br />{deep}</span>'
    art = parse(build(spans=[span]))
    assert art.paragraphs[:2] == P.paragraphs[:2]


@pytest.mark.timeout(20)
def test_deeply_nested_tags_without_markup():
    page = ("<html><body>" + "<div>" * 100000 + "x" + "</div>" * 100000 + "</body></html>").encode()
    with pytest.raises(NotAnArticle):
        parse(page)


@pytest.mark.timeout(20)
def test_huge_attribute_and_many_fake_markers():
    huge = '<div data-x="' + "A" * 5_000_000 + '">x</div>'
    fakes = "<!-- FullArticleTexte FontArticleMainTitle -->" * 5000
    art = parse(build(before_article=huge + fakes, after_body=fakes))
    assert_seed(art)


@pytest.mark.timeout(20)
def test_huge_class_attribute_on_the_markers():
    cls = "x " * 100_000
    span = f'<span class="{cls}FullArticleTexte">{body_html(P.paragraphs)}</span>'
    assert_seed(parse(build(spans=[span])))


@pytest.mark.timeout(20)
def test_garbage_bytes_do_not_crash():
    import random

    rnd = random.Random(7)
    page = build()
    for _ in range(200):
        b = bytearray(page)
        for _ in range(rnd.randint(1, 40)):
            i = rnd.randrange(len(b))
            b[i] = rnd.choice(b"<>\"'/=&;# \x00\xff\x92abc")
        try:
            art = parse(bytes(b))
            art.text()
        except NotAnArticle:
            pass
