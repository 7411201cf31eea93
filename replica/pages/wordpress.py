"""The WordPress families: the standard theme (studiotamani, journaldumali, lessor) and
tagDiv (maliweb).

Pages follow docs/sources.md: ``h1.entry-title``, ``span.posted-on`` /
``time.entry-date``, ``figure.post-thumbnail`` or the tagDiv featured image,
``div.entry-content`` / ``div.td-post-content`` (ads and share boxes inside), related
posts, comments and a comment form; listings ``h2.entry-title a`` / ``h3.entry-title a``
with ``a.next.page-numbers``; ``/feed/`` (the 10 newest); Yoast sitemaps
(``sitemap_index.xml``, ``post-sitemap.xml``, ``page-sitemap.xml``) and a Google News
sitemap (``news-sitemap.xml``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from replica.dates import french_date, iso_utc, rfc822
from replica.pages.sister import (
    COOKIE,
    RUBRICS,
    SCRIPTS,
    START,
    Article,
    Sister,
    body_html,
    comments_html,
    menu,
)
from replica.pages.toolkit import DOCTYPE_HTML5, attr, el, page_skeleton, rss, sitemap, sitemap_entry, slugify

__all__ = ["TagDiv", "WordPress"]

MENU_UL = '<ul class="menu"'
TD_MENU_UL = '<ul id="menu-main" class="sf-menu"'
TD_FOOTER = (f'<div class="td-footer-wrapper"><div class="td-footer-bottom-full"><div class="td-container">'
            f'<p>Maliweb.net, le premier site d’information sur le Mali. Actualités, analyses, débats.</p>'
            f'</div></div></div><div class="td-sub-footer-container"><div class="td-sub-footer-copy">'
            f'© Copyright {START.year} - Maliweb.net. Tous droits réservés</div></div>{SCRIPTS}')


class WordPress(Sister):
    """WordPress with a standard theme: ``/<id>-<slug>`` (``urls = "id"``) or
    ``/YYYY/MM/DD/<slug>/`` article URLs, ``/category/<slug>/[page/N/]`` listings, ``/feed/``,
    Yoast sitemaps and a Google News sitemap."""

    per_page = 4
    listing_title = "{label} Archives - {brand}"
    static = ("contact", "a-propos", "publicite", "politique-de-confidentialite")
    theme_class = ""  # added to the body's classes

    @property
    def article_url(self) -> str:  # the site's permalink setting
        return "/{a.id}-{a.slug}" if self.cfg.get("urls") == "id" else "/{a.published:%Y/%m/%d}/{a.slug}/"

    def file(self, path: str) -> str:
        return path.strip("/") + "/index.html"

    def page(self, title: str, body: str, a: Article | None = None, body_class: str = "") -> str:
        """A page: the head (article metadata when ``a`` is given), then ``body`` and the footer."""
        return page_skeleton(DOCTYPE_HTML5, self.head(title, a), body + self.footer(), html_attrs=' lang="fr-FR"',
                             body_attrs=f' class="{body_class}{self.theme_class}"' if body_class else "")

    def single_class(self, a: Article) -> str:
        """The body classes of an article page."""
        return f"post-template-default single single-post postid-{a.id}"

    def comments(self, a: Article, i: int) -> tuple[int, str]:
        """How many comments the ``i``-th newest article has, and their block."""
        n = 2 + i % 2
        return n, comments_html(a, n)

    def head(self, title: str, a: Article | None = None) -> str:
        meta = ""
        if a is not None:
            url = self.base + self.path(a)
            ld = json.dumps({"@context": "https://schema.org", "@graph": [
                {"@type": "NewsArticle", "headline": a.headline, "datePublished": iso_utc(a.published),
                 "author": {"@type": "Person", "name": a.author}, "articleSection": a.rubric[0]},
                {"@type": "WebSite", "name": self.brand, "url": self.base + "/"}]}, ensure_ascii=False)
            meta = (f'<link rel="canonical" href="{url}"><meta property="og:type" content="article">'
                    f'<meta property="og:title" content="{attr(a.headline)}"><meta property="og:url" content="{url}">'
                    f'<meta property="og:description" content="{attr(a.lead[:150])}">'
                    f'<meta property="og:site_name" content="{attr(self.brand)}">'
                    f'<meta property="article:published_time" content="{iso_utc(a.published)}">'
                    f'<meta property="article:section" content="{attr(a.rubric[0])}">'
                    f'<script type="application/ld+json">{ld}</script>')
        return (f'<meta charset="UTF-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
                f'<title>{attr(title)}</title>{meta}'
                f'<link rel="alternate" type="application/rss+xml" title="{attr(self.brand)} &raquo; Flux" href="{self.base}/feed/">'
                f'<link rel="stylesheet" href="/wp-content/themes/theme/style.css">')

    def header(self) -> str:
        return (f'{COOKIE}<header id="masthead" class="site-header"><div class="site-branding">'
                f'<p class="site-title"><a href="/" rel="home">{attr(self.brand)}</a></p>'
                f'<p class="site-description">L’information au quotidien, au plus près de vous</p></div>'
                f'<nav id="site-navigation" class="main-navigation">{menu("/category/")}</nav></header>')

    def sidebar(self) -> str:
        recent = "".join(f'<li><a href="{self.path(x)}">{attr(x.headline)}</a></li>' for x in self.arts[:5])
        return (f'<aside id="secondary" class="widget-area"><section class="widget widget_recent_entries">'
                f'<h2 class="widget-title">Articles récents</h2><ul>{recent}</ul></section>'
                f'<section class="widget widget_text"><h2 class="widget-title">Newsletter</h2><div class="textwidget">'
                f'<p>Inscrivez-vous à notre lettre d’information pour recevoir chaque matin l’essentiel de '
                f'l’actualité du Mali et du Sahel directement dans votre boîte de réception.</p></div></section></aside>')

    def footer(self) -> str:
        return (f'<footer id="colophon" class="site-footer"><div class="site-info">© {START.year} {attr(self.brand)}. '
                f'Tous droits réservés. Fièrement propulsé par WordPress</div>{menu("/category/")}</footer>'
                f'{SCRIPTS}')

    def article(self, a: Article, i: int) -> str:
        _, comments = self.comments(a, i)
        related = "".join(
            f'<div class="jp-relatedposts-post"><h4 class="jp-relatedposts-post-title"><a href="{self.path(x)}">'
            f'{attr(x.headline)}</a></h4><p class="jp-relatedposts-post-context">Dans « {attr(x.rubric[0])} »</p></div>'
            for x in self.arts[i + 1:i + 4])
        share = ('<div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block sd-social">'
                 '<h3 class="sd-title">Partager&nbsp;:</h3><div class="sd-content"><ul>'
                 '<li class="share-facebook"><a class="share-facebook sd-button" href="#">Facebook</a></li>'
                 '<li class="share-twitter"><a class="sd-button" href="#">X</a></li>'
                 '<li class="share-jetpack-whatsapp"><a class="sd-button" href="#">WhatsApp</a></li></ul></div></div></div>')
        figure = (f'<figure class="post-thumbnail"><img src="/wp-content/uploads/{a.published:%Y/%m}/{a.id}.jpg" alt="">'
                  f'<figcaption class="wp-caption-text">{attr(a.caption)}</figcaption></figure>' if a.caption else "")
        prev = self.arts[i + 1] if i + 1 < len(self.arts) else None
        nav = (f'<nav class="navigation post-navigation"><h2 class="screen-reader-text">Navigation de l’article</h2>'
               f'<div class="nav-links"><div class="nav-previous"><a href="{self.path(prev)}" rel="prev">'
               f'<span class="meta-nav">Article précédent</span> <span class="post-title">{attr(prev.headline)}</span></a></div></div></nav>'
               if prev else "")
        return self.page(
            f"{a.headline} – {self.brand}",
            f'{self.header()}'
            f'<div id="content" class="site-content"><div class="breadcrumbs"><a href="/">Accueil</a> » '
            f'<a href="/category/{a.rubric[1]}/">{attr(a.rubric[0])}</a> » {attr(a.headline)}</div>'
            f'<main id="main" class="site-main"><article id="post-{a.id}" class="post-{a.id} post type-post status-publish">'
            f'<header class="entry-header"><span class="cat-links"><a href="/category/{a.rubric[1]}/" rel="category tag">'
            f'{attr(a.rubric[0])}</a></span><h1 class="entry-title">{attr(a.headline)}</h1><div class="entry-meta">'
            f'<span class="posted-on">Publié le <time class="entry-date published" datetime="{iso_utc(a.published)}">'
            f'{french_date(a.published)}</time></span><span class="byline"> par <span class="author vcard">'
            f'<a class="url fn n" href="/author/{slugify(a.author)}/">{attr(a.author)}</a></span></span></div></header>'
            f'{figure}<div class="entry-content">\n{body_html(a)}\n{share}'
            f'<div id="jp-relatedposts" class="jp-relatedposts"><h3 class="jp-relatedposts-headline"><em>Similaire</em></h3>'
            f'<div class="jp-relatedposts-items">{related}</div></div></div>'
            f'<footer class="entry-footer"><span class="tags-links">Étiquettes : <a href="/tag/mali/" rel="tag">Mali</a>, '
            f'<a href="/tag/sahel/" rel="tag">Sahel</a></span></footer></article>{nav}'
            f'{comments}</main>{self.sidebar()}</div>', a, self.single_class(a))

    def listing(self, slug: str, label: str, arts: list[Article], page: int, pages: int) -> str:
        items = "".join(self.listing_item(a) for a in arts)
        nav = self.pagination(slug, page, pages) if pages > 1 else ""
        return self.page(self.listing_title.format(label=label, brand=self.brand), self.listing_body(label, items + nav),
                         body_class="archive category")

    def listing_item(self, a: Article) -> str:
        return (f'<article class="post type-post"><header class="entry-header"><h2 class="entry-title">'
                f'<a href="{self.path(a)}" rel="bookmark">{attr(a.headline)}</a></h2><div class="entry-meta">'
                f'<span class="posted-on"><time class="entry-date" datetime="{iso_utc(a.published)}">{french_date(a.published)}</time></span>'
                f'</div></header><div class="entry-summary"><p>{attr(a.lead[:140])}&hellip;</p></div></article>')

    def pagination(self, slug: str, page: int, pages: int) -> str:
        links = []
        if page > 1:
            prev = f"/category/{slug}/" if page == 2 else f"/category/{slug}/page/{page - 1}/"
            links.append(f'<a class="prev page-numbers" href="{prev}">&laquo; Précédent</a>')
        for k in range(1, pages + 1):
            href = f"/category/{slug}/" if k == 1 else f"/category/{slug}/page/{k}/"
            links.append(f'<span aria-current="page" class="page-numbers current">{k}</span>' if k == page
                         else f'<a class="page-numbers" href="{href}">{k}</a>')
        if page < pages:
            links.append(f'<a class="next page-numbers" href="/category/{slug}/page/{page + 1}/">Suivant &raquo;</a>')
        return f'<nav class="navigation pagination"><div class="nav-links">{"".join(links)}</div></nav>'

    def listing_body(self, label: str, content: str) -> str:
        return (f'{self.header()}<div id="content" class="site-content"><main id="main" class="site-main">'
                f'<header class="page-header"><h1 class="page-title">Catégorie : <span>{attr(label)}</span></h1>'
                f'</header>{content}</main>{self.sidebar()}</div>')

    def feed(self, arts: list[Article]) -> str:
        items = [[el("title", attr(a.headline)), el("link", f"{self.base}{self.path(a)}"),
                  el("comments", f"{self.base}{self.path(a)}#respond"),
                  el("dc:creator", f"<![CDATA[{a.author}]]>"), el("pubDate", rfc822(a.published)),
                  el("category", f"<![CDATA[{a.rubric[0]}]]>"), el("guid", f"{self.base}/?p={a.id}", ' isPermaLink="false"'),
                  el("description", f"<![CDATA[{a.lead[:200]} [&#8230;]]]>"),
                  el("wfw:commentRss", f"{self.base}{self.path(a)}feed/")] for a in arts]
        channel = [el("title", attr(self.brand)),
                   f'<atom:link href="{self.base}/feed/" rel="self" type="application/rss+xml" />',
                   el("link", self.base), el("description", "Actualités"), el("language", "fr-FR"),
                   el("generator", "https://wordpress.org/?v=6.5.3") + "\n"]
        return rss(channel, items, encoding="UTF-8", namespaces=(
            ' xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:wfw="http://wellformedweb.org/CommentAPI/"'
            ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom"'))

    def sections(self) -> Iterable[tuple[str, str, list[Article]]]:
        for label, slug in RUBRICS:
            yield slug, label, [a for a in self.arts if a.rubric[1] == slug]

    def listing_files(self, slug: str, n: int) -> list[str]:
        return [f"category/{slug}/index.html" if n == 1 else f"category/{slug}/page/{n}/index.html"]

    def files(self) -> Iterable[tuple[str, str]]:
        yield "feed/index.xml", self.feed(self.arts[:10])
        yield "index.html", self.listing("", "Accueil", self.arts[:8], 1, 1)
        for page in self.static:
            yield f"{page}/index.html", self.page(f"{page} - {self.brand}", f"{self.header()}"
                                                  f"<main><h1>{page}</h1><p>Page {page} du site.</p></main>")
        # Yoast sitemaps + a Google News sitemap
        yield "sitemap_index.xml", sitemap([
            sitemap_entry(f"{self.base}/post-sitemap.xml", iso_utc(self.arts[0].published), tag="sitemap"),
            sitemap_entry(f"{self.base}/page-sitemap.xml", tag="sitemap")], index=True)
        yield "post-sitemap.xml", sitemap(sitemap_entry(f"{self.base}{self.path(a)}", iso_utc(a.published))
                                          for a in self.arts)
        yield "page-sitemap.xml", sitemap([sitemap_entry(f"{self.base}/")]
                                          + [sitemap_entry(f"{self.base}/{p}/") for p in self.static[:3]])
        yield "news-sitemap.xml", sitemap(
            (sitemap_entry(f"{self.base}{self.path(a)}", extra=(
                f"<news:news><news:publication><news:name>{attr(self.brand)}</news:name>"
                f"<news:language>fr</news:language></news:publication><news:publication_date>{iso_utc(a.published)}"
                f"</news:publication_date><news:title>{attr(a.headline)}</news:title></news:news>"))
             for a in self.arts[:3]), namespaces=' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"')
        yield "robots.txt", (f"User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n\n"
                             f"Sitemap: {self.base}/sitemap_index.xml\n")

    def pages(self) -> list[str]:
        return [f"/{p}/" for p in self.static[:3]]


class TagDiv(WordPress):
    """WordPress with the tagDiv theme (maliweb): articles ``/<rubrique>/<slug>-<id>.html``,
    ``div.td-post-content`` holding the featured image, ads and share boxes. Listings live
    at ``/category/<slug>`` (no trailing slash) and article pages link the feed as
    ``/feed`` (WordPress answers both with and without the slash; so does the replica
    server)."""

    article_url = "/{a.rubric[1]}/{a.slug}-{a.id}.html"
    listing_title = "{label} Archives | {brand}"
    dateline_prefix = ""
    theme_class = " td-standard-pack"

    def file(self, path: str) -> str:
        return path.lstrip("/")

    def single_class(self, a: Article) -> str:
        return super().single_class(a) + " single-format-standard"

    def head(self, title: str, a: Article | None = None) -> str:
        head = super().head(title, a)
        return head.replace("/feed/", "/feed") if a is not None else head

    def header(self) -> str:
        return (f'{COOKIE}<div class="td-header-wrap td-header-style-1"><div class="td-header-top-menu-full">'
                f'<div class="td-header-top-menu"><div class="td_data_time">{french_date(START, weekday=True)}</div>'
                f'<div class="td-header-sp-top-widget"><a href="https://www.facebook.com/maliweb">Facebook</a> '
                f'<a href="https://twitter.com/maliweb">Twitter</a></div></div></div>'
                f'<div class="td-header-menu-wrap-full"><div id="td-header-menu" role="navigation">'
                f'{menu("/category/").replace(MENU_UL, TD_MENU_UL)}'
                f'</div></div></div>')

    def sidebar(self) -> str:
        items = "".join(
            f'<div class="td_module_6 td_module_wrap"><div class="item-details"><h3 class="entry-title td-module-title">'
            f'<a href="{self.path(x)}" rel="bookmark" title="{attr(x.headline)}">{attr(x.headline)}</a></h3>'
            f'<div class="td-module-meta-info"><span class="td-post-date"><time class="entry-date updated td-module-date" '
            f'datetime="{iso_utc(x.published)}">{french_date(x.published)}</time></span></div></div></div>'
            for x in self.arts[:4])
        return (f'<div class="td-pb-span4 td-main-sidebar"><div class="td-ss-main-sidebar"><aside class="td_block_template_1 widget">'
                f'<h4 class="block-title"><span>Les plus lus</span></h4>{items}</aside>'
                f'<aside class="widget"><div class="td-a-rec td-a-rec-id-sidebar"><script>var ad="sidebar";</script>'
                f'<span class="td-adspot-title">- Publicité -</span></div></aside></div></div>')

    def footer(self) -> str:
        return TD_FOOTER

    def listing_item(self, a: Article) -> str:
        return (f'<div class="td_module_10 td_module_wrap td-animation-stack"><div class="td-module-thumb">'
                f'<a href="{self.path(a)}" rel="bookmark" class="td-image-wrap" title="{attr(a.headline)}"><img class="entry-thumb" '
                f'src="/wp-content/uploads/{a.id}-218x150.jpg" alt=""></a></div><div class="item-details">'
                f'<h3 class="entry-title td-module-title"><a href="{self.path(a)}" rel="bookmark" title="{attr(a.headline)}">'
                f'{attr(a.headline)}</a></h3><div class="td-module-meta-info"><span class="td-post-author-name">'
                f'<a href="/author/{slugify(a.author)}">{attr(a.author)}</a> <span>-</span> </span><span class="td-post-date">'
                f'<time class="entry-date updated td-module-date" datetime="{iso_utc(a.published)}">{french_date(a.published)}</time></span></div>'
                f'<div class="td-excerpt">{attr(a.lead[:140])}</div></div></div>')

    def listing_body(self, label: str, content: str) -> str:
        return (f'<div id="td-outer-wrap">{self.header()}<div class="td-main-content-wrap"><div class="td-container">'
                f'<div class="td-pb-row"><div class="td-pb-span8 td-main-content"><div class="td-ss-main-content">'
                f'<h1 class="entry-title td-page-title"><span>{attr(label)}</span></h1>{content}</div></div>'
                f'{self.sidebar()}</div></div></div></div>')

    def pagination(self, slug: str, page: int, pages: int) -> str:
        links = [f'<span class="current">{page}</span>' if k == page else
                 f'<a href="/category/{slug}/page/{k}/" class="page" title="{k}">{k}</a>' for k in range(1, pages + 1)]
        if page < pages:
            links.append(f'<a href="/category/{slug}/page/{page + 1}/"><i class="td-icon-menu-right"></i></a>')
        return f'<div class="page-nav td-pb-padding-side">{"".join(links)}<span class="pages">Page {page} sur {pages}</span></div>'


    def article(self, a: Article, i: int) -> str:
        n_comments, comments = self.comments(a, i)
        share = ('<div class="td-post-sharing td-ps-bg td-ps-notext td-post-sharing-style1"><div class="td-post-sharing-visible">'
                 '<a class="td-social-sharing-button td-social-facebook" href="https://www.facebook.com/sharer.php?u=x">'
                 '<div class="td-social-but-text">Facebook</div></a><a class="td-social-sharing-button td-social-twitter" '
                 'href="https://twitter.com/intent/tweet?text=x"><div class="td-social-but-text">Twitter</div></a>'
                 '<a class="td-social-sharing-button td-social-whatsapp" href="https://api.whatsapp.com/send?text=x">'
                 '<div class="td-social-but-text">WhatsApp</div></a></div></div>')
        figure = (f'<div class="td-post-featured-image"><figure><a href="/wp-content/uploads/{a.published:%Y/%m}/{a.id}.jpg" '
                  f'data-caption="{attr(a.caption)}"><img class="entry-thumb" src="/wp-content/uploads/{a.published:%Y/%m}/{a.id}-696x392.jpg" '
                  f'alt="" title="{attr(a.headline)}"></a><figcaption class="wp-caption-text">{attr(a.caption)}</figcaption></figure></div>'
                  if a.caption else "")
        ad = ('<div class="td-a-rec td-a-rec-id-content_inline"><script>googletag.cmd.push(function(){});</script>'
              '<span class="td-adspot-title">- Publicité -</span></div>')
        related = "".join(
            f'<div class="td-related-span4"><div class="td_module_related_posts td-animation-stack td_mod_related_posts">'
            f'<div class="item-details"><h3 class="entry-title td-module-title"><a href="{self.path(x)}" rel="bookmark" '
            f'title="{attr(x.headline)}">{attr(x.headline)}</a></h3></div></div></div>'
            for x in self.arts[i + 1:i + 4])
        return self.page(
            f"{a.headline} | Maliweb.net",
            f'<div id="td-outer-wrap" class="td-theme-wrap">{self.header()}'
            f'<div class="td-main-content-wrap td-container-wrap"><div class="td-container td-post-template-default">'
            f'<div class="td-crumb-container"><div class="entry-crumbs"><span><a title="" class="entry-crumb" href="/">Accueil</a></span> '
            f'<i class="td-icon-right td-bread-sep"></i> <span><a class="entry-crumb" href="/category/{a.rubric[1]}">{attr(a.rubric[0])}</a></span></div></div>'
            f'<div class="td-pb-row"><div class="td-pb-span8 td-main-content" role="main"><div class="td-ss-main-content">'
            f'<article id="post-{a.id}" class="post-{a.id} post type-post status-publish format-standard has-post-thumbnail">'
            f'<div class="td-post-header"><ul class="td-category"><li class="entry-category"><a href="/category/{a.rubric[1]}">'
            f'{attr(a.rubric[0])}</a></li></ul><header class="td-post-title"><h1 class="entry-title">{attr(a.headline)}</h1>'
            f'<div class="td-module-meta-info"><div class="td-post-author-name"><div class="td-author-by">Par</div> '
            f'<a href="/author/{slugify(a.author)}">{attr(a.author)}</a><div class="td-author-line"> - </div></div>'
            f'<span class="td-post-date"><time class="entry-date updated td-module-date" datetime="{iso_utc(a.published)}">'
            f'{french_date(a.published)}</time></span><div class="td-post-views"><i class="td-icon-views"></i>'
            f'<span class="td-nr-views-{a.id}">{1000 + a.id % 5000}</span></div><div class="td-post-comments">'
            f'<a href="#comments"><i class="td-icon-comments"></i>{n_comments}</a></div></div></header></div>'
            f'<div class="td-post-sharing-top">{share}</div>'
            f'<div class="td-post-content tagdiv-type">{figure}\n{body_html(a, ad)}\n</div>'
            f'<footer><div class="td-post-source-tags"><ul class="td-tags td-post-small-box clearfix"><li><span>TAGS</span></li>'
            f'<li><a href="/tag/mali">Mali</a></li><li><a href="/tag/{a.rubric[1]}">{attr(a.rubric[0])}</a></li></ul></div>'
            f'<div class="td-post-sharing-bottom">{share}</div></footer></article>'
            f'<div class="td_block_wrap td_block_related_posts"><h4 class="td-related-title td-block-title">'
            f'<a class="td-related-left td-cur-simple-item" href="#">ARTICLES CONNEXES</a><a class="td-related-right" href="#">'
            f'PLUS DE L’AUTEUR</a></h4><div class="td_block_inner"><div class="td-related-row">{related}</div></div></div>'
            f'{comments}</div></div>{self.sidebar()}</div></div></div></div>', a, self.single_class(a))
