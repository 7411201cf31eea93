"""The Malijet family: its own CMS, pages in windows-1252 declared ``iso-8859-1``.

``/rss`` (the 10 newest, ISO-8859-1), one listing ``/actualite/a_la_une_du_mali.html``
paginated with ``?page=N`` (``a.next_page``), articles
``/actualite/<rubrique>/<id>-<slug>.html`` with ``h1.page_title``, ``span.story_date``,
``span.image_caption``, ``p.article_abstract`` (the lead) and ``div#article_body p`` (an
ad and a bold intertitle inside the body).
"""

from __future__ import annotations

from collections.abc import Iterable

from replica.dates import french_date, rfc822
from replica.pages.sister import AUTHORS, COMMENTS, COOKIE, RUBRICS, SCRIPTS, START, Article, Sister
from replica.pages.toolkit import DOCTYPE_XHTML, attr, el, encode, page_skeleton, rss

__all__ = ["Malijet"]


class Malijet(Sister):
    """Malijet's CMS: one paginated listing, a lead paragraph apart from the body, pages
    in windows-1252 (the feed in ISO-8859-1)."""

    article_url = "/actualite/{a.rubric[1]}/{a.id}-{a.slug}.html"
    dateline_weekday, dateline_time = True, "%H:%M"
    per_page = 5
    listing_path = "/actualite/a_la_une_du_mali.html"

    def meta(self, a: Article) -> str:
        """An article page's metadata in the head."""
        return (f'<meta property="og:title" content="{attr(a.headline)}"><meta property="og:description" '
                f'content="{attr(a.lead[:150])}"><link rel="canonical" href="{self.base}{self.path(a)}">')

    def page(self, title: str, content: str, a: Article | None = None) -> bytes:
        meta = self.meta(a) if a is not None else ""
        cells = "".join(f'<td><a href="/actualite/{s}.html">{attr(lbl)}</a></td>' for lbl, s in RUBRICS)
        head = (f'<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1" />'
                f'<title>{attr(title)}</title>{meta}<link rel="alternate" type="application/rss+xml" href="{self.base}/rss" />')
        body = (f'{COOKIE}<div id="header"><a href="/"><img src="/images/logo_malijet.gif" alt="Malijet" /></a>'
                f'<div class="date_du_jour">{french_date(START, weekday=True)}</div></div>'
                f'<table id="menu"><tr><td><a href="/">Accueil</a></td>{cells}<td><a href="/videos.html">Vidéos</a></td></tr></table>'
                f'<div id="page_content"><div id="col_left">{content}</div>'
                f'<div id="col_right"><div class="bloc_pub"><script>var pub=1;</script><img src="/pub/orange.gif" alt="pub" /></div>'
                f'<div class="bloc_plus_lus"><h3>Les plus lus</h3><ul>'
                + "".join(f'<li><a href="{self.path(x)}">{attr(x.headline)}</a></li>' for x in self.arts[:5])
                + f'</ul></div></div></div><div id="footer"><p>Copyright © 2006-{START.year} Malijet.com - Tous droits réservés. '
                f'Reproduction interdite sans autorisation.</p></div>{SCRIPTS}')
        return encode(page_skeleton(DOCTYPE_XHTML, head, body), "cp1252")

    def article(self, a: Article, i: int) -> bytes:
        img = (f'<div class="article_image"><img src="/photos/{a.id}.jpg" alt="" /><br />'
               f'<span class="image_caption">{attr(a.caption)}</span></div>' if a.caption else "")
        body = "\n".join(f"<p>{attr(p)}</p>" if k != 0 or not a.subhead else
                         f"<p>{attr(p)}</p>\n<div class=\"inread\"><script>inread();</script></div>\n<p><strong>{attr(a.subhead)}</strong></p>"
                         for k, p in enumerate(a.paragraphs))
        comments = "".join(f'<div class="comment"><span class="comment_author">{attr(AUTHORS[k])}</span>'
                           f'<div class="comment_text">{attr(COMMENTS[k])}</div></div>' for k in range(2))
        content = (f'<div class="breadcrumb"><a href="/">Accueil</a> &gt; <a href="/actualite/{a.rubric[1]}.html">{attr(a.rubric[0])}</a></div>'
                   f'<h1 class="page_title">{attr(a.headline)}</h1><div class="story_info"><span class="story_author">'
                   f'Par {attr(a.author)}</span> - <span class="story_date">{attr(self.dateline(a))}</span></div>'
                   f'{img}<p class="article_abstract">{attr(a.lead)}</p>'
                   f'<div class="addthis_toolbox"><a class="addthis_button_facebook">Partager</a> '
                   f'<a class="addthis_button_twitter">Tweeter</a> <a href="javascript:window.print()">Imprimer</a></div>'
                   f'<div id="article_body">{body}</div>'
                   f'<div class="article_source">Source : {attr(a.author)}</div>'
                   f'<div class="related"><h3>Dans la même rubrique</h3><ul>'
                   + "".join(f'<li><a href="{self.path(x)}">{attr(x.headline)}</a></li>' for x in self.arts[i + 1:i + 4])
                   + f'</ul></div><div id="comments"><h3>Réactions</h3>{comments}</div>')
        return self.page(f"{a.headline} - Malijet", content, a)

    def sections(self) -> Iterable[tuple[str, str, list[Article]]]:
        yield "a_la_une", "A la une", self.arts

    def listing_files(self, slug: str, n: int) -> list[str]:
        return [self.listing_path.lstrip("/") + ("" if n == 1 else f"?page={n}")]

    def listing(self, slug: str, label: str, arts: list[Article], page: int, pages: int) -> bytes:
        items = "".join(f'<div class="news_item"><h4><a href="{self.path(a)}">{attr(a.headline)}</a></h4>'
                        f'<span class="date">{french_date(a.published)}</span><p>{attr(a.lead[:120])}…</p></div>' for a in arts)
        nav = '<div class="pagination">'
        if page > 1:
            prev = self.listing_path + ("" if page == 2 else f"?page={page - 1}")
            nav += f'<a class="prev_page" href="{prev}">« Précédent</a> '
        if page < pages:
            nav += f'<a class="next_page" href="{self.listing_path}?page={page + 1}">Suivant »</a>'
        nav += "</div>"
        return self.page("A la une du Mali - Malijet", f'<h1>{label}</h1><div class="news_list">{items}</div>{nav}')

    def files(self) -> Iterable[tuple[str, str | bytes]]:
        yield "index.html", self.listing("a_la_une", "A la une", self.arts[:self.per_page], 1, 1)
        items = [[el("title", attr(a.headline)), el("link", f"{self.base}{self.path(a)}"),
                  el("description", attr(a.lead[:200])), el("pubDate", rfc822(a.published)),
                  el("guid", f"{self.base}{self.path(a)}")] for a in self.arts[:10]]
        channel = [el("title", "Malijet"), el("link", self.base), el("description", "Malijet")]
        yield "rss/index.xml", encode(rss(channel, items, encoding="iso-8859-1"), "latin-1")
        yield "robots.txt", "User-agent: *\nDisallow: /admin/\n"

    def pages(self) -> list[str]:
        return [self.listing_path]
