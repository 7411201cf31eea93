"""SiteRulesParser, the news-source keys of the config, source resolution, NewsSpider's URLs."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lxml import etree
from scrapy.utils.test import get_crawler

from scrapers.parsers.htmltools import paragraphs
from scrapers.parsers.rules import SiteRulesParser
from scrapers.sources import builtin_config, resolve_source
from scrapers.spiders.news import NewsSpider
from veille.config import ConfigError, Selectors, parse_config
from replica.sites import generate


def _file(out_dir, path):
    f = Path(out_dir) / path.lstrip("/")
    return f / "index.html" if f.is_dir() else f


@pytest.mark.parametrize("name", ["maliweb", "malijet", "lefaso"])
def test_builtin_rules_give_the_manifest_text(tmp_path, name):
    man = generate(name, tmp_path, n=6)
    parser = SiteRulesParser(builtin_config().source(name).selectors)
    for a in man.articles:
        art = parser.parse(_file(tmp_path, a["path"]).read_bytes(), man.base_url + a["path"], "text/html",
                           site=man.site)
        assert art.method == "rules"
        assert art.text() == a["text"]
        assert art.published.isoformat() == a["published"]


def test_windows_1252_page_declared_latin1(tmp_path):
    man = generate("malijet", tmp_path, n=4)
    a = man.articles[3]  # its headline has ’ (0x92 in windows-1252) and &
    body = _file(tmp_path, a["path"]).read_bytes()
    assert b"\x92" in body and b"charset=iso-8859-1" in body
    art = SiteRulesParser(builtin_config().source("malijet").selectors).parse(body, man.base_url + a["path"])
    assert "’" in art.headline and "&" in art.headline and art.text() == a["text"]


PAGE = """<html><head><title>T</title>
<meta property="og:title" content="Le titre og">
<meta property="article:published_time" content="2024-03-02T10:00:00+00:00"></head><body>
<nav><p>Accueil Politique Société</p></nav>
<h1 class="t">Le titre</h1><div class="meta">Mis à jour le 2 mars 2024</div>
<div class="body"><figure class="img"><img src="x.jpg"><figcaption>La légende</figcaption></figure>
<p>Premier paragraphe avec <b>du gras</b> et <a href="/x">un lien</a>.</p>
<div class="share">Partager sur Facebook</div> texte après le bloc retiré
<p>&nbsp;</p><p>Ligne un<br>suite<br><br>Ligne deux</p>
<script>var x = "pas du texte";</script>
<ul><li>Point un</li><li>Point deux</li></ul></div>
<div class="comments"><p>Un commentaire</p></div></body></html>""".encode()

RULES = dict(headline="h1.t", date="div.meta", body="div.body", caption="figure.img figcaption",
             drop=["figure.img", "div.share"])


def test_rules_read_blocks_breaks_and_drops():
    art = SiteRulesParser(RULES).parse(PAGE, "https://www.exemple.ml/a/1", "text/html; charset=utf-8")
    assert art.method == "rules"
    assert art.title == "Le titre - exemple.ml"
    assert (art.headline, art.dateline, art.caption) == ("Le titre", "Mis à jour le 2 mars 2024", "La légende")
    assert art.published.isoformat() == "2024-03-02"
    assert art.paragraphs == [
        "Premier paragraphe avec du gras et un lien.",
        "texte après le bloc retiré",  # the dropped element's tail stays
        "Ligne un suite", "Ligne deux",  # <br> is a space, <br><br> a new paragraph
        "Point un", "Point deux",
    ]


def test_dates_from_attributes_then_text_then_meta():
    page = PAGE.replace(b'<div class="meta">Mis \xc3\xa0 jour le 2 mars 2024</div>',
                        b'<time class="meta" datetime="2023-12-31T23:00:00Z">hier</time>')
    assert SiteRulesParser(dict(RULES, date=".meta")).parse(page, "https://x.ml/1").published.isoformat() == "2023-12-31"
    no_date = dict(RULES, date=None)
    art = SiteRulesParser(no_date).parse(PAGE, "https://x.ml/1")
    assert art.dateline == "" and art.published.isoformat() == "2024-03-02"  # article:published_time


def test_rules_that_find_nothing_fall_back_to_generic():
    bad = dict(RULES, body="div.nope")
    page = PAGE.replace(b"Premier paragraphe", b"Premier paragraphe " + b"assez long pour un article. " * 10)
    art = SiteRulesParser(bad).parse(page, "https://x.ml/1", "text/html")
    assert art.method.startswith("generic:")
    assert art.extra["rules_missing"] == "body"
    art = SiteRulesParser(None).parse(page, "https://x.ml/1", "text/html")
    assert art.method.startswith("generic:") and art.extra["rules_missing"] == "no rules"


def test_paragraphs_of_a_container():
    el = etree.fromstring("<div>Intro <i>libre</i><p>Un</p>entre<h2>Inter</h2><p> </p></div>")
    assert paragraphs(el) == ["Intro libre", "Un", "entre", "Inter"]


# -- the config ------------------------------------------------------------------------
NEWS = '''\
[[sources]]
name = "site"
spider = "news"
every = "1h"
base_url = "https://www.site.ml/"
feeds = ["/feed/"]
{extra}
'''


def test_news_keys_parse():
    cfg = parse_config(NEWS.format(extra='''\
sitemaps = "https://www.site.ml/sitemap.xml"
listings = [{ url = "/cat/", links = "h2 a", pages = "/cat/page/{page}/", max_pages = 2 }]
article_pattern = '^/\\d+'
selectors = { headline = "h1", drop = ".share" }'''), "v.toml")
    s = cfg.source("site")
    assert s.base_url == "https://www.site.ml" and s.feeds == ["/feed/"]
    assert s.sitemaps == ["https://www.site.ml/sitemap.xml"]
    assert s.listings[0].pages == "/cat/page/{page}/" and s.listings[0].max_pages == 2
    assert s.selectors == Selectors(headline="h1", drop=[".share"]) and s.is_news


def test_listings_as_array_of_tables_point_at_their_header():
    text = NEWS.format(extra="") + '\n[[sources.listings]]\nurl = "/cat/"\n'
    with pytest.raises(ConfigError) as e:
        parse_config(text, "v.toml")
    assert e.value.line == 9 and "has no 'links'" in e.value.problem


@pytest.mark.parametrize("extra, line, words", [
    ('selectors = { body = "div..x" }', 7, "bad CSS selector"),
    ("article_pattern = '(unclosed'", 7, "bad 'article_pattern'"),
    ('listings = [{ url = "/c/", links = "a", next = "a.n", pages = "/c/{page}" }]', 7, "not both"),
    ('listings = [{ url = "/c/", links = "a", pages = "/c/2" }]', 7, "must hold {page}"),
    ('listings = [{ url = "/c/", links = "a", max_pages = 0 }]', 7, "'max_pages' must be an integer >= 1"),
    ('listings = [{ url = "/c/", link = "a" }]', 7, "did you mean 'links'"),
    ('sitemaps = ["ftp://x/y"]', 7, "neither an http(s) URL"),
    ('selectors = { bodyy = "div" }', 7, "did you mean 'body'"),
    ('site = "not a domain"', 7, "'site' must be a domain"),
])
def test_news_key_errors_name_the_line(extra, line, words):
    with pytest.raises(ConfigError) as e:
        parse_config(NEWS.format(extra=extra), "v.toml")
    assert e.value.line == line and words in e.value.problem, str(e.value)


def test_a_path_needs_a_base_url():
    with pytest.raises(ConfigError) as e:
        parse_config('[[sources]]\nname = "a"\nevery = "1h"\nfeeds = ["/feed"]\n', "v.toml")
    assert e.value.line == 4 and "needs a 'base_url'" in e.value.problem


def test_resolution_merges_config_over_builtin(tmp_path):
    cfg = tmp_path / "v.toml"
    cfg.write_text('[[sources]]\nname = "maliweb"\nevery = "2h"\nselectors = { body = "div.autre" }\n'
                   '[[sources]]\nname = "mw2"\nspider = "maliweb"\nevery = "2h"\n')
    s = resolve_source("maliweb", cfg)
    assert s.feeds == ["/feed"] and s.base_url == "https://www.maliweb.net"  # from the built-in entry
    assert s.selectors.body == "div.autre" and s.selectors.headline is None  # selectors: all or nothing
    assert resolve_source("mw2", cfg).site == "maliweb.net"
    with pytest.raises(ValueError, match="unknown source"):
        resolve_source("nope", cfg)


# -- the spider's URLs -----------------------------------------------------------------
def make(**kwargs):
    return NewsSpider.from_crawler(get_crawler(NewsSpider), **kwargs)


def test_article_links_follow_the_pattern_and_are_rebased(tmp_path):
    empty = tmp_path / "e.toml"
    empty.write_text("")
    sp = make(source="maliweb", config=str(empty), base_url="http://127.0.0.1:8765")
    assert sp.site == "maliweb.net" and sp.source == "maliweb"
    real = "https://www.maliweb.net/politique/un-titre-42.html"
    assert sp.article_link(real + "#comments") == "http://127.0.0.1:8765/politique/un-titre-42.html"
    assert sp.article_link(real + "?utm_source=fb&utm_medium=x") == "http://127.0.0.1:8765/politique/un-titre-42.html"
    assert sp.article_link(real + "?p=1") is None  # the pattern ends at .html
    assert sp.article_link("https://www.maliweb.net/category/politique") is None
    assert sp.article_link("https://evil.example/politique/un-titre-42.html") is None
    assert sp.article_link("http://127.0.0.1:8766/politique/un-titre-42.html") is None
    real_site = make(source="maliweb", config=str(empty))
    assert real_site.is_on_site("https://maliweb.net/x") and not real_site.is_on_site("https://maliweb.net.evil/x")


def test_start_requests_come_from_the_config(tmp_path):
    empty = tmp_path / "e.toml"
    empty.write_text("")
    sp = make(source="lefaso", config=str(empty), base_url="http://127.0.0.1:8765")
    sp.load_known = lambda: None

    async def urls():
        return [r.url async for r in sp.start()]

    assert asyncio.run(urls()) == ["http://127.0.0.1:8765/spip.php?page=backend",
                                   "http://127.0.0.1:8765/spip.php?rubrique2"]
    with pytest.raises(ValueError, match="discover"):
        make(source="lefaso", config=str(empty), discover="ids")


def test_rules_body_that_is_a_menu_falls_back_to_generic():
    # a redesign: the body selector now catches the list of other articles
    menu = "".join(f"<li><a href='/a{i}'>Un autre article de la rubrique numéro {i}</a></li>" for i in range(12))
    page = PAGE.replace(b'<ul><li>Point un</li><li>Point deux</li></ul>',
                        f"<ul class='more'>{menu}</ul>".encode())
    page = page.replace(b"Premier paragraphe", b"Premier paragraphe " + b"assez long pour un article. " * 10)
    art = SiteRulesParser(dict(RULES, body="ul.more")).parse(page, "https://x.ml/1", "text/html")
    assert art.method.startswith("generic:")
    assert art.extra["rules_missing"].startswith("body (mostly link lines")
