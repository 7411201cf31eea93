"""Time the aBamako parser on a synthetic ~75 KB article page.

    .venv/bin/python bench/parse_speed.py [--n 2000]

Prints ms/page for:
- the known path (byte slice + lxml fragment), windows-1252 and UTF-8 pages;
- the known path plus ``art.text()`` and its SHA-256 (what the pipeline needs per page);
- the full-parse known path (the slice rejected: dateline outside the article region);
- the fallback path (no aBamako markup: og: tags + trafilatura);
- for scale: lxml parsing the whole page, and selectolax (lexbor).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from lxml import etree  # noqa: E402

from scrapers.parsers.abamako import AbamakoParser  # noqa: E402
from veille.core.textformat import read  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = os.path.join(ROOT, "seeds", "000_4c2eddb1c88bd00e.txt")


def synthetic_page(parts, *, known=True, encoding="cp1252", dateline_outside=False, size=75_000) -> bytes:
    """An aBamako-like page of about ``size`` bytes: scripts, menus, sidebars, ads."""
    script = "<script type='text/javascript'>" + "var googletag=googletag||{};googletag.cmd=googletag.cmd||[];" * 30 + "</script>\n"
    style = "<style>" + ".FontArticleMainTitle{font-size:18px} .menu a{color:#333;padding:2px} " * 20 + "</style>\n"
    menu = "<ul class='menu'>" + "".join(
        f"<li><a href='/rubriques/r{i}.asp' title='Rubrique {i}'>Rubrique é {i}</a></li>" for i in range(60)
    ) + "</ul>\n"
    side = "<div class='sidebar'>" + "".join(
        f"<div class='LiNews'><a href='/h/{270000 + i}.html'>Titre d&#8217;un autre article numéro {i}</a>"
        f"<div class='FontTextSousTitle'>aBamako.com - Politique - 30 juin 2022</div></div>\n"
        for i in range(80)
    ) + "</div>\n"
    if known:
        body = "<br /><br />\n".join(parts.paragraphs)
        src = f"<div class='FontArticleSource'>{parts.dateline}</div>"
        article = (
            "<table width='100%'><tr><td>\n"
            "<div class='FontArticleRubrique'>Politique</div>\n"
            f"<h1 class='FontArticleMainTitle'>{parts.headline}</h1>\n"
            + ("" if dateline_outside else src)
            + "<div align='center'><img class='imgArt' src='/img_photos/2022/x.jpg' alt=''><br />"
            f"© aBamako.com par Dw<br /><span class='legende'>{parts.caption}</span></div>\n"
            "<div class='share'><a href='#'>Facebook</a> <a href='#'>Twitter</a></div>\n"
            f"<span class='FullArticleTexte'>\n{body}\n</span>\n</td></tr></table>\n"
            + (src if dateline_outside else "")
        )
    else:
        article = "<article><h2>" + parts.headline + "</h2>" + "".join(
            f"<p>{p}</p>\n" for p in parts.paragraphs) + "</article>\n"
    head = (
        "<!DOCTYPE html PUBLIC '-//W3C//DTD XHTML 1.0 Transitional//EN'>\n<html><head>\n"
        f"<meta http-equiv='Content-Type' content='text/html; charset={'iso-8859-1' if encoding == 'cp1252' else 'utf-8'}' />\n"
        f"<title>{parts.title}</title>\n"
        f"<meta property='og:title' content=\"{parts.headline}\" />\n"
        f"<meta property='og:description' content=\"{parts.paragraphs[0]}\" />\n"
        "<meta property='article:published_time' content='2022-06-30T10:00:00+00:00' />\n"
        "<link rel='canonical' href='http://news.abamako.com/h/270000.html' />\n"
        + style + script * 4 + "</head>\n<body>\n"
    )
    top = head + menu + script + "<div id='content'>\n" + article
    filler = []
    html_len = len(top) + len(side) * 0
    i = 0
    while html_len < size:
        chunk = side if i == 0 else script + menu
        filler.append(chunk)
        html_len += len(chunk)
        i += 1
    page = top + "".join(filler) + "</div><div id='footer'>© aBamako.com</div></body></html>"
    page = page.replace("\u2032", "&#8242;") if encoding == "cp1252" else page
    return page.encode(encoding, "xmlcharrefreplace")


def timeit(fn, n) -> float:
    fn()
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    args = ap.parse_args()
    parts = read(open(SEED, encoding="utf-8").read())
    seed = open(SEED, encoding="utf-8").read()
    parser = AbamakoParser()
    url = "http://news.abamako.com/h/270000.html"

    pages = {
        "known, windows-1252": synthetic_page(parts),
        "known, utf-8": synthetic_page(parts, encoding="utf-8"),
    }
    for label, page in pages.items():
        art = parser.parse(page, url, "text/html")
        assert art.text() == seed and art.extra["path"] == "slice", (label, art.extra)
        ms = timeit(lambda: parser.parse(page, url, "text/html"), args.n)
        print(f"{label:42s} {len(page) / 1000:5.1f} KB  {ms:6.3f} ms/page  ({art.method}, {art.extra['path']})")

    page = pages["known, windows-1252"]

    def full_pipeline_bit():
        a = parser.parse(page, url, "text/html")
        hashlib.sha256(a.text().encode("utf-8")).hexdigest()

    print(f"{'known + text() + sha256':42s} {len(page) / 1000:5.1f} KB  {timeit(full_pipeline_bit, args.n):6.3f} ms/page")

    page = synthetic_page(parts, dateline_outside=True)
    art = parser.parse(page, url, "text/html")
    assert art.text() == seed and art.extra["path"] == "full", art.extra
    print(f"{'known markup, full-parse path':42s} {len(page) / 1000:5.1f} KB  "
          f"{timeit(lambda: parser.parse(page, url, 'text/html'), max(50, args.n // 10)):6.3f} ms/page  ({art.method})")

    page = synthetic_page(parts, known=False)
    art = parser.parse(page, url, "text/html")
    print(f"{'fallback (no aBamako markup)':42s} {len(page) / 1000:5.1f} KB  "
          f"{timeit(lambda: parser.parse(page, url, 'text/html'), max(20, args.n // 50)):6.3f} ms/page  ({art.method})")

    page = pages["known, windows-1252"]
    hp = etree.HTMLParser()
    print(f"{'(scale) lxml parse of the whole page':42s} {len(page) / 1000:5.1f} KB  "
          f"{timeit(lambda: etree.fromstring(page, hp), max(100, args.n // 5)):6.3f} ms/page")
    try:
        from selectolax.lexbor import LexborHTMLParser

        print(f"{'(scale) selectolax parse + select':42s} {len(page) / 1000:5.1f} KB  "
              f"{timeit(lambda: LexborHTMLParser(page).css_first('span.FullArticleTexte'), max(100, args.n // 5)):6.3f} ms/page")
    except Exception as exc:  # pragma: no cover
        print("selectolax unavailable:", exc)


if __name__ == "__main__":
    main()
