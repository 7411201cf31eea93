"""The aBamako site's index files: home, listings, dossiers, documents, feed, sitemap, robots.

``write_indexes(out, manifest_data)`` (re)writes them from the manifest's article entries
after articles are generated, edited or added; only files whose bytes change are written.

- ``/``: the 30 newest items (``div.LiNews``) and links to each listing section;
- ``/rubriques/<section>.asp?page=N``: ``depeches`` (every article) and one section per
  rubric, newest first, ``PER_PAGE`` to a page, with a ``div.pagination`` (numbered links,
  ``Précédent`` / ``Suivant``); page 1 also without the query;
- ``/dossiers/``, ``/documents/`` (three small PDFs);
- ``/rss/rss.xml`` and ``/rss``: RSS 2.0, the 50 newest articles;
- ``/sitemap.xml`` (every article with ``<lastmod>``), ``/robots.txt``, an empty
  ``faults.json`` if there is none.

Decisions:
- Each index page draws its padding from a generator seeded by its own path, so one
  page's padding never shifts another's.
- The sitemap is a guess (the real site is not known to have one); the feed's
  ``lastBuildDate`` is the newest article's publication time, not the generation time, so
  an unchanged site gives unchanged bytes.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from replica.dates import iso_utc, rfc822
from replica.pages.abamako.frame import FOOTER, HEADER, MENU, NETBAR, frame
from replica.pages.abamako.spec import REF_DAY, RUBRICS, Params
from replica.pages.toolkit import Family, el, esc, rss, sitemap, sitemap_entry, write_file

__all__ = ["FEED_ITEMS", "HOME_ITEMS", "LISTING_SECTIONS", "PER_PAGE", "write_indexes"]

PER_PAGE = 20
FEED_ITEMS = 50
HOME_ITEMS = 30
LISTING_SECTIONS = {"depeches": "Dépêches", **{slug: name for name, slug in RUBRICS.items()}}
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _listing_item(a: dict) -> str:
    return (
        f'<div class="LiNews">\n<a href="{a["path"]}" class="FontTextTitle">{esc(a["headline"])}</a>\n'
        f'<div class="FontTextSousTitle">{esc(a["publisher"])} - {esc(a["rubric"])} - '
        f'{esc(a["date_short"])}</div>\n'
        f'<div class="FontTextResume">{esc(a["summary"])}</div>\n</div>\n'
    )


def _page_url(section: str, n: int) -> str:
    return f"/rubriques/{section}.asp" if n == 1 else f"/rubriques/{section}.asp?page={n}"


def _pagination(section: str, n: int, last: int) -> str:
    out = ['<div class="pagination">']
    if n > 1:
        out.append(f'<a href="{_page_url(section, n - 1)}" class="prev">Précédent</a> ')
    shown = sorted({1, last, *range(max(1, n - 4), min(last, n + 4) + 1)})
    prev = 0
    for k in shown:
        if k - prev > 1:
            out.append("<span>...</span> ")
        out.append(f'<span class="current">{k}</span> ' if k == n
                   else f'<a href="{_page_url(section, k)}">{k}</a> ')
        prev = k
    if n < last:
        out.append(f'<a href="{_page_url(section, n + 1)}" class="next">Suivant</a>')
    out.append("</div>\n")
    return "".join(out)


def _summary(a: dict) -> str:
    s = a["lead"]
    return s if len(s) < 180 else s[:177].rsplit(" ", 1)[0] + "..."


class Indexes(Family):
    """The index pages of one aBamako site, from its article entries (newest first)."""

    per_page = PER_PAGE

    def __init__(self, p: Params, arts: list[dict]):
        self.p, self.arts = p, arts

    def rng(self, path: str) -> random.Random:
        """The generator of the page at ``path`` (its padding)."""
        return random.Random(f"index:{self.p.seed}:{path}")

    def page(self, title: str, main: str, path: str, head_extra: str = "") -> bytes:
        head = ('<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1" />\n'
                f"<title>{esc(title)}</title>\n"
                f'<link rel="alternate" type="application/rss+xml" title="aBamako.com" '
                f'href="{self.p.base_url}/rss/rss.xml" />\n{head_extra}')
        body = NETBAR + HEADER + MENU + '<div id="main"><div id="colLeft">\n' + main + "</div></div>\n" + FOOTER
        return frame(head, body, self.rng(path), self.p.page_kb, "cp1252")

    def home(self) -> bytes:
        main = ('<div class="une"><div class="titre_bloc">À la une</div>\n'
                + "".join(_listing_item(a) for a in self.arts[:HOME_ITEMS]) + "</div>\n")
        main += '<div class="rubriques">' + "".join(
            f'<a href="{_page_url(s, 1)}">{esc(n)}</a> ' for s, n in LISTING_SECTIONS.items()) + "</div>\n"
        main += '<div class="rss"><a href="/rss"><img src="/images/rss.gif" alt="RSS" /> Flux RSS</a></div>\n'
        return self.page("aBamako.com - Toute l'actualité du Mali", main, "/",
                         '<meta name="description" content="Actualité du Mali" />\n')

    # the listing sections (Family)
    def sections(self):
        for section, name in LISTING_SECTIONS.items():
            items = self.arts if section == "depeches" else [a for a in self.arts if RUBRICS[a["rubric"]] == section]
            yield section, name, items

    def listing_files(self, slug: str, n: int) -> list[str]:
        files = [f"rubriques/{slug}.asp?page={n}"]
        return files + [f"rubriques/{slug}.asp"] if n == 1 else files

    def listing(self, slug: str, label: str, items: list, n: int, last: int) -> bytes:
        main = (f'<h1 class="FontRubriqueTitle">{esc(label)}</h1>\n<div class="listing">\n'
                + "".join(_listing_item(a) for a in items) + "</div>\n" + _pagination(slug, n, last))
        return self.page(f"{label} - page {n} - abamako.com", main, _page_url(slug, n))

    def dossiers(self) -> bytes:
        secu = [a for a in self.arts if "sécurité" in a["topics"] or "Wagner" in a["topics"]][:20]
        main = ('<h1 class="FontRubriqueTitle">Dossiers</h1>\n<div class="dossier"><h2>Sécurité au Sahel</h2>\n'
                + "".join(_listing_item(a) for a in secu) + "</div>\n")
        return self.page("Dossiers - abamako.com", main, "/dossiers/")

    def documents(self) -> bytes:
        docs = "".join(f'<li><a href="/documents/doc_{k}.pdf">Communiqué du gouvernement n° {k}</a></li>\n'
                       for k in range(1, 4))
        return self.page("Documents - abamako.com",
                         f'<h1 class="FontRubriqueTitle">Documents</h1>\n<ul>\n{docs}</ul>\n', "/documents/")

    def feed(self) -> bytes:
        base = self.p.base_url
        newest = self.arts[:FEED_ITEMS]
        items = [[el("title", esc(a["headline"])), el("link", f"{base}{a['path']}"),
                  el("description", esc(a["summary"])), el("category", esc(a["rubric"])),
                  el("pubDate", rfc822(dt.datetime.fromisoformat(a["published"]))),
                  el("guid", f"{base}{a['path']}", ' isPermaLink="true"')] for a in newest]
        last_build = dt.datetime.fromisoformat(newest[0]["published"]) if newest else REF_DAY
        channel = [el("title", "aBamako.com - Actualité du Mali"), el("link", f"{base}/"),
                   f'<atom:link href="{base}/rss/rss.xml" rel="self" type="application/rss+xml" />',
                   el("description", "Toute l'actualité du Mali"), el("language", "fr"),
                   el("lastBuildDate", rfc822(last_build))]
        return rss(channel, items, namespaces=' xmlns:atom="http://www.w3.org/2005/Atom"', nl="\n").encode("utf-8")

    def sitemap(self) -> bytes:
        return sitemap([sitemap_entry(f"{self.p.base_url}{a['path']}", iso_utc(dt.datetime.fromisoformat(a["modified"])))
                        for a in reversed(self.arts)], nl="\n").encode("utf-8")

    def robots(self) -> bytes:
        return (f"User-agent: *\nDisallow: /admin/\nDisallow: /recherche/\n\n"
                f"Sitemap: {self.p.base_url}/sitemap.xml\n").encode("ascii")


def write_indexes(out: Path, m: dict) -> None:
    """Home, listings, feed, sitemap, robots, dossiers, documents (only changed files);
    records the listing, feed and sitemap URLs in the manifest data ``m``."""
    arts = sorted(m["articles"].values(), key=lambda a: a["id"], reverse=True)
    for a in arts:
        a.setdefault("summary", _summary(a))
    idx = Indexes(Params.from_manifest(m), arts)

    def put(rel: str, data: bytes) -> None:
        write_file(out / rel, data)

    put("index.html", idx.home())
    listings = ["/"] + [_page_url(s, n) for s, n in idx.write_listings(put)]
    # stale pages from a larger site are not expected (sites only grow)
    put("dossiers/index.html", idx.dossiers())
    put("documents/index.html", idx.documents())
    for k in range(1, 4):
        put(f"documents/doc_{k}.pdf", PDF)
    listings += ["/dossiers/", "/documents/"]
    feed = idx.feed()
    put("rss/rss.xml", feed)
    put("rss/index.xml", feed)
    put("sitemap.xml", idx.sitemap())
    put("robots.txt", idx.robots())
    if not (out / "faults.json").exists():
        put("faults.json", b"{}\n")
    m["listings"] = listings
    m["feeds"] = ["/rss/rss.xml", "/rss"]
    m["sitemaps"] = ["/sitemap.xml"]
    m["other"] = ["/robots.txt", "/documents/doc_1.pdf"]
    for a in arts:
        a.pop("summary", None)
