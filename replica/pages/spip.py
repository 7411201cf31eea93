"""The SPIP family (lefaso).

``/spip.php?page=backend`` (RSS with Dublin Core dates), the listing
``/spip.php?rubrique2[&debut_articles=N]``, articles ``/spip.php?article<id>`` with
``h1.entry-title``, ``p.info-publi``, ``div.chapo`` (the lead) and ``div.texte.entry-content``
holding a ``dl.spip_documents`` with the caption, ending with the author's signature.

Decisions:
- The server types files by extension and ``spip.php`` has none that says HTML, so the
  site's ``faults.json`` gives ``spip.php`` URLs their Content-Type (no fault in it).
- The signature (``<author> Lefaso.net``) is the last paragraph of the expected text, as
  the page shows it in the body.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from replica.dates import french_date, iso_utc
from replica.pages.sister import AUTHORS, COMMENTS, COOKIE, RUBRICS, SCRIPTS, START, Article, Sister, body_paragraphs
from replica.pages.toolkit import DOCTYPE_HTML5, attr, el, page_skeleton, rss

__all__ = ["Spip"]


class Spip(Sister):
    """SPIP with lefaso's templates: one rubric listed (``rubrique2``), five to a page."""

    rubrique = "/spip.php?rubrique2"
    per_page = 5
    article_url = "/spip.php?article{a.id}"
    dateline_weekday, dateline_time = True, "%Hh%Mmin"

    def signature(self, a: Article) -> str:
        return f"{a.author} Lefaso.net"

    def paragraphs(self, a: Article) -> list[str]:
        return body_paragraphs(a) + [self.signature(a)]

    def meta(self, a: Article) -> str:
        """An article page's metadata in the head."""
        return (f'<meta property="og:title" content="{attr(a.headline)}"><meta name="description" content="{attr(a.lead[:150])}">'
                f'<link rel="canonical" href="{self.base}{self.path(a)}">'
                f'<meta property="article:published_time" content="{iso_utc(a.published)}">')

    def page(self, title: str, content: str, a: Article | None = None) -> str:
        meta = self.meta(a) if a is not None else ""
        items = "".join(f'<li><a href="spip.php?rubrique{k + 2}">{attr(lbl)}</a></li>' for k, (lbl, _) in enumerate(RUBRICS))
        head = (f'<meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
                f'<title>{attr(title)}</title>{meta}<link rel="alternate" type="application/rss+xml" title="Syndiquer tout le site" '
                f'href="spip.php?page=backend">')
        body = (f'{COOKIE}<div class="page"><div class="header"><a href="{self.base}/" class="logo">Lefaso.net</a>'
                f'<ul class="menu-liste">{items}</ul></div><div class="main"><div class="wrapper"><div class="content">{content}</div></div>'
                f'<div class="aside"><div class="menu"><h2>Les plus lus</h2><ul>'
                + "".join(f'<li><a href="spip.php?article{x.id}">{attr(x.headline)}</a></li>' for x in self.arts[:5])
                + f'</ul></div></div></div><div class="footer"><p>Lefaso.net © 2003-{START.year} - Tous droits réservés</p>'
                f'<p><a href="spip.php?page=plan">Plan du site</a> | <a href="spip.php?page=backend">RSS</a></p></div></div>'
                f'{SCRIPTS}')
        return page_skeleton(DOCTYPE_HTML5, head, body, html_attrs=' dir="ltr" lang="fr"', body_attrs=' class="page_article"')

    def article(self, a: Article, i: int) -> str:
        doc = (f'<dl class="spip_document_{a.id} spip_documents spip_documents_center"><dt><img src="IMG/jpg/{a.id}.jpg" alt=""></dt>'
               f'<dd class="spip_doc_descriptif">{attr(a.caption)}</dd></dl>' if a.caption else "")
        body = "".join(f"<p>{attr(p)}</p>" + (f'<h3 class="spip">{attr(a.subhead)}</h3>' if k == 0 and a.subhead else "")
                       for k, p in enumerate(a.paragraphs))
        forum = "".join(f'<li class="forum-fil"><div class="forum-message"><div class="forum-chapo"><strong class="forum-titre">'
                        f'{attr(AUTHORS[k + 1])}</strong></div><div class="forum-texte"><p>{attr(COMMENTS[k])}</p></div></div></li>'
                        for k in range(2))
        content = (f'<p class="arbo"><a href="{self.base}/">Accueil</a> &gt; <a href="spip.php?rubrique2">{attr(a.rubric[0])}</a></p>'
                   f'<div class="cartouche"><p class="surtitre">{attr(a.rubric[0])}</p><h1 class="entry-title">{attr(a.headline)}</h1>'
                   f'<p class="info-publi">{attr(self.dateline(a))}</p></div>'
                   f'<div class="chapo"><p>{attr(a.lead)}</p></div>'
                   f'<div class="texte entry-content">{doc}{body}<p>{attr(a.author)}<br>Lefaso.net</p></div>'
                   f'<div class="partage"><a href="https://www.facebook.com/sharer.php">Partager sur Facebook</a> '
                   f'<a href="https://twitter.com/share">Tweeter</a></div>'
                   f'<div class="forum"><h2>Vos commentaires</h2><ul class="forum">{forum}</ul></div>')
        return self.page(f"{a.headline} - leFaso.net", content, a)

    def sections(self) -> Iterable[tuple[str, str, list[Article]]]:
        yield "rubrique2", "Politique", self.arts

    def listing_files(self, slug: str, n: int) -> list[str]:
        return [f"spip.php?{slug}" + ("" if n == 1 else f"&debut_articles={(n - 1) * self.per_page}")]

    def listing(self, slug: str, label: str, arts: list[Article], page: int, pages: int) -> str:
        items = "".join(f'<li class="item"><h3 class="h3"><a href="spip.php?article{a.id}">{attr(a.headline)}</a></h3>'
                        f'<p class="info-publi">{french_date(a.published)}</p></li>' for a in arts)
        links = []
        for k in range(1, pages + 1):
            href = f"spip.php?{slug}" + ("" if k == 1 else f"&amp;debut_articles={(k - 1) * self.per_page}")
            if k == page:
                links.append(f'<strong class="on">{k}</strong>')
            else:
                rel = ' rel="next"' if k == page + 1 else ""
                links.append(f'<a href="{href}#pagination_articles" class="lien_pagination"{rel}>{k}</a>')
        return self.page(f"{label} - leFaso.net", f'<h1>{label}</h1><ul class="liste-articles">{items}</ul>'
                         f'<p class="pagination">{" | ".join(links)}</p>')

    def files(self) -> Iterable[tuple[str, str]]:
        items = [[el("title", attr(a.headline)), el("link", f"{self.base}{self.path(a)}"),
                  el("guid", f"{self.base}{self.path(a)}", ' isPermaLink="true"'), el("dc:date", iso_utc(a.published)),
                  el("dc:format", "text/html"), el("dc:language", "fr"), el("dc:creator", attr(a.author)),
                  el("description", attr(a.lead[:200]))] for a in self.arts[:10]]
        channel = [el("title", "leFaso.net"), el("link", f"{self.base}/"),
                   el("description", "L'actualité du Burkina Faso")]
        yield "spip.php?page=backend", rss(channel, items, namespaces=' xmlns:dc="http://purl.org/dc/elements/1.1/"',
                                           channel_attrs=' xml:lang="fr"', item_attrs=' xml:lang="fr"')
        yield "index.html", self.listing("rubrique2", "Politique", self.arts[:self.per_page], 1, 1)
        yield "robots.txt", "User-agent: *\nDisallow: /local/\nDisallow: /ecrire/\n"
        # the server types files by extension: give spip.php its Content-Type
        yield "faults.json", json.dumps({
            "_": "not faults: Content-Types for spip.php URLs (the server types files by extension)",
            "/spip.php?page=backend": {"content_type": "application/rss+xml; charset=utf-8"},
            "/spip.php": {"content_type": "text/html; charset=utf-8"},
        }, indent=1)

    def pages(self) -> list[str]:
        return [self.rubrique]
