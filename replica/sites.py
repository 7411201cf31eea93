"""Replicas of the other Sahel news sources: small static sites in each CMS's markup.

``generate(name, out_dir, n=15, seed=...)`` writes the site of one source into
``out_dir`` (served by :func:`replica.server.serve` like the aBamako replica) and
returns its :class:`SiteManifest`, also written to ``out_dir/manifest.json``: the real
site's ``base_url`` (the server rewrites it to its own address in every text file), and
for each article its path and its expected text in the text format
(``veille.core.textformat.write``): ``<headline> - <site>`` on line 1, the date line as the
page shows it, the photo caption, the body paragraphs.

Sites (``SITES``), following ../shared/docs/sources.md ("Other Sahel sources"):

- ``maliweb``: WordPress with the tagDiv theme; ``/feed`` (RSS, the 10 newest),
  ``/category/<slug>[/page/N]`` listings (``h3.entry-title a``, 4 to a page), articles
  ``/<rubrique>/<slug>-<id>.html`` with ``h1.entry-title``, ``time.entry-date``,
  ``div.td-post-content`` (featured image and its caption, ads, share box inside);
- ``malijet``: its own CMS, windows-1252 pages declared ``iso-8859-1``; ``/rss``, listing
  ``/actualite/a_la_une_du_mali.html[?page=N]`` (``a.next_page``), articles
  ``/actualite/<rubrique>/<id>-<slug>.html`` with ``h1.page_title``, ``span.story_date``,
  ``span.image_caption``, ``p.article_abstract``, ``div#article_body p`` (and an ad
  paragraph inside the body);
- ``lefaso``: SPIP; ``/spip.php?page=backend``, ``/spip.php?rubrique2[&debut_articles=N]``,
  articles ``/spip.php?article<id>`` (``h1.entry-title``, ``p.info-publi``, ``div.chapo``,
  ``div.texte.entry-content`` holding a ``dl.spip_documents`` with the caption). The
  server types files by extension, so a ``faults.json`` gives ``spip.php`` URLs their
  Content-Type (``text/html``; RSS for the backend);
- ``studiotamani``, ``journaldumali``, ``lessor``: WordPress with a standard theme
  (``h1.entry-title``, ``span.posted-on``, ``figure.post-thumbnail``, ``div.entry-content``)
  and URLs ``/<id>-<slug>`` (Studio Tamani) or ``/YYYY/MM/DD/<slug>/``; ``/feed/``,
  ``/category/<slug>/[page/N/]`` (``h2.entry-title a``, ``a.next.page-numbers``),
  ``/sitemap_index.xml`` (Yoast: ``post-sitemap.xml``, ``page-sitemap.xml``) and a Google
  News sitemap ``/news-sitemap.xml``. ``lessor`` is not a built-in source (a test adds it
  from configuration alone).

Every page carries the furniture generic extraction has to see through: a cookie banner,
menus, breadcrumbs, share buttons, related posts, "most read" sidebars, comments with
long texts, a comment form, footers and scripts. Pages depend only on (name, seed, n).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path

from veille.core.textformat import TextParts, content_hash, write

__all__ = ["SITES", "SiteManifest", "generate", "load_site_manifest"]

MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre"]
WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
START = dt.datetime(2024, 5, 9, 10, 15)

SITES = {
    "maliweb": dict(kind="tagdiv", base_url="https://www.maliweb.net", site="maliweb.net", brand="Maliweb.net"),
    "malijet": dict(kind="malijet", base_url="https://malijet.com", site="malijet.com", brand="Malijet"),
    "lefaso": dict(kind="spip", base_url="https://lefaso.net", site="lefaso.net", brand="Lefaso.net"),
    "studiotamani": dict(kind="wp", base_url="https://www.studiotamani.org", site="studiotamani.org",
                         brand="Studio Tamani", urls="id"),
    "journaldumali": dict(kind="wp", base_url="https://www.journaldumali.com", site="journaldumali.com",
                          brand="Journal du Mali", urls="date"),
    "lessor": dict(kind="wp", base_url="https://www.lessor.ml", site="lessor.ml", brand="L'Essor",
                   urls="date"),
}

# -- words ------------------------------------------------------------------------------
PLACES = ["Bamako", "Kayes", "Mopti", "Ségou", "Sikasso", "Gao", "Tombouctou", "Kidal", "Ouagadougou",
          "Niamey", "Koulikoro", "Bobo-Dioulasso"]
ACTORS = ["le gouvernement de Transition", "le ministre de l’Économie", "l’Assemblée nationale",
          "la Cédéao", "les autorités régionales", "le Conseil national de Transition",
          "l’Union africaine", "les partenaires techniques et financiers", "la société civile",
          "l’OTAN", "les syndicats de l’enseignement", "la mairie du district"]
TOPICS = ["la sécurité alimentaire", "les délestages d’électricité", "la rentrée scolaire",
          "le prix des céréales", "la saison des pluies", "l’accès à l’eau potable",
          "la coopération avec la Russie", "la lutte contre le terrorisme", "les routes nationales",
          "la santé maternelle", "l’orpaillage artisanal", "le coton"]
VERBS = ["a annoncé", "a présenté", "a dénoncé", "a salué", "a examiné", "a adopté", "a rappelé"]
RUBRICS = [("Politique", "politique"), ("Société", "societe"), ("Économie", "economie")]
AUTHORS = ["Moussa Traoré", "Aminata Diarra", "Boubacar Sidibé", "Fatoumata Coulibaly", "Issa Konaté"]
SENTENCES = [
    "Selon {actor}, {topic} reste au cœur des préoccupations des populations de {place}.",
    "À {place}, {actor} {verb} mardi un plan d’action consacré à {topic}, « une priorité absolue ».",
    "Les chiffres publiés cette semaine montrent une hausse de {n} % par rapport à l’année dernière.",
    "« Nous ne pouvons plus attendre », a déclaré un responsable joint par téléphone à {place}.",
    "Plusieurs observateurs estiment que {topic} demandera des moyens supplémentaires dès {month}.",
    "La rencontre, tenue à huis clos, a réuni près de {n} participants venus de toutes les régions.",
    "Pour {actor}, il s’agit de « restaurer la confiance » entre l’État et les citoyens.",
    "Les habitants de {place} disent attendre des mesures concrètes, et vite.",
    "Un comité de suivi rendra ses conclusions d’ici la fin du mois de {month}.",
    "Ce dossier, ouvert depuis {n} mois, n’avait jusqu’ici connu aucune avancée notable.",
]
COMMENTS = [
    "Merci pour cet article très instructif. Il faut que les autorités prennent enfin leurs "
    "responsabilités au lieu de faire des promesses qui ne sont jamais tenues, nous en avons assez.",
    "Je ne suis pas d’accord avec cette analyse : la situation sur le terrain est bien plus grave "
    "que ce que disent les communiqués officiels. Allez voir par vous-mêmes dans nos villages.",
    "Que Dieu protège notre pays et guide nos dirigeants vers la paix et la prospérité pour tous.",
]


@dataclass
class Article:
    id: int
    slug: str
    headline: str
    rubric: tuple[str, str]
    published: dt.datetime
    author: str
    caption: str
    lead: str
    paragraphs: list[str]  # after the lead
    subhead: str = ""  # an intertitle among the paragraphs (a paragraph of the text too)


@dataclass
class SiteManifest:
    name: str
    base_url: str
    site: str
    kind: str
    articles: list[dict] = field(default_factory=list)  # path, id, text, hash, published
    pages: list[str] = field(default_factory=list)  # paths of non-article pages that look close
    out_dir: str = ""

    def texts(self) -> dict[str, str]:
        return {a["path"]: a["text"] for a in self.articles}


def load_site_manifest(out_dir) -> SiteManifest:
    data = json.loads((Path(out_dir) / "manifest.json").read_text(encoding="utf-8"))
    return SiteManifest(**{k: data[k] for k in ("name", "base_url", "site", "kind", "articles", "pages")},
                        out_dir=str(out_dir))


def _slugify(text: str) -> str:
    import unicodedata

    t = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    out = "".join(c if c.isalnum() else "-" for c in t)
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-")[:60].strip("-")


def _articles(name: str, n: int, seed: int) -> list[Article]:
    rnd = random.Random(f"{name}:{seed}")
    arts = []
    base_id = {"maliweb": 3051200, "malijet": 291400, "lefaso": 130100, "studiotamani": 80200,
               "journaldumali": 41000, "lessor": 52000}.get(name, 1000)
    for i in range(n):
        published = START - dt.timedelta(hours=29 * i + rnd.randint(0, 5))
        topic, place, actor = rnd.choice(TOPICS), rnd.choice(PLACES), rnd.choice(ACTORS)
        headline = rnd.choice([
            f"{place} : {actor[0].upper() + actor[1:]} face à {topic}",
            f"{topic[0].upper() + topic[1:]} : l’inquiétude grandit à {place}",
            f"« {place} ne doit pas être oubliée » : le cri d’alarme sur {topic}",
            f"Mali-Russie : {actor} {rnd.choice(VERBS)} un accord sur {topic}",
        ])
        if i == 3:
            headline += " (L’OTAN & la Cédéao)"  # an ampersand to escape, a typographic apostrophe

        def para(k):
            return " ".join(
                rnd.choice(SENTENCES).format(actor=rnd.choice(ACTORS), topic=rnd.choice(TOPICS),
                                             place=rnd.choice(PLACES), verb=rnd.choice(VERBS),
                                             n=rnd.randint(3, 90), month=rnd.choice(MONTHS))
                for _ in range(k))

        lead = para(2)
        paragraphs = [para(rnd.randint(2, 4)) for _ in range(rnd.randint(3, 6))]
        rubric = RUBRICS[i % 3] if i < 10 else RUBRICS[i % 2]  # economie only among the 10 newest
        arts.append(Article(
            id=base_id + n - i, slug=_slugify(headline), headline=headline, rubric=rubric,
            published=published, author=rnd.choice(AUTHORS),
            caption=(f"{place} : une vue de la ville en {MONTHS[published.month - 1]} {published.year} (photo d’archives)"
                     if i % 3 != 1 else ""),
            lead=lead, paragraphs=paragraphs,
            subhead=("Des mesures attendues" if i % 4 == 0 else ""),
        ))
    return arts


def e(text: str) -> str:
    return html.escape(text, quote=True)


def fr_date(d: dt.datetime, weekday: bool = False) -> str:
    s = f"{d.day} {MONTHS[d.month - 1]} {d.year}"
    return f"{WEEKDAYS[d.weekday()]} {s}" if weekday else s


def iso(d: dt.datetime) -> str:
    return d.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def rfc822(d: dt.datetime) -> str:
    import email.utils

    return email.utils.format_datetime(d.replace(tzinfo=dt.timezone.utc))


def _body_paragraphs(a: Article) -> list[str]:
    """The body as the text format has it (lead first, the intertitle where it sits)."""
    out = [a.lead] + a.paragraphs[:1]
    if a.subhead:
        out.append(a.subhead)
    return out + a.paragraphs[1:]


def _body_html(a: Article, inline_junk: str = "") -> str:
    """Paragraphs with inline markup; ``inline_junk`` goes after the second paragraph."""
    ps = [a.lead] + a.paragraphs
    out = []
    for k, p in enumerate(ps):
        words = p.split(" ")
        if len(words) > 6 and k % 2 == 0:  # some inline markup, a link, a NBSP
            words[2] = f"<strong>{e(words[2])}</strong>"
            words[5] = f'<a href="/tag/{_slugify(words[5]) or "x"}">{e(words[5])}</a>'
            rest = " ".join(w if w.startswith("<") else e(w) for w in words)
        else:
            rest = e(p).replace(" :", "\u00a0:")
        out.append(f"<p>{rest}</p>")
        if k == 1 and a.subhead:
            out.append(f"<h2>{e(a.subhead)}</h2>")
        if k == 1 and inline_junk:
            out.append(inline_junk)
    out.append("<p>&nbsp;</p>")  # markup-only paragraph: not a paragraph
    return "\n".join(out)


COOKIE = ('<div id="cookie-law-info-bar" class="cookie-banner" role="dialog"><span>Ce site utilise des cookies '
          'pour améliorer votre expérience de navigation, mesurer l’audience et vous proposer des contenus '
          'adaptés. En poursuivant votre navigation, vous acceptez leur utilisation.</span> '
          '<a role="button" class="cli_action_button">Accepter</a> <a role="button">Refuser</a> '
          '<a href="/politique-de-confidentialite/">En savoir plus</a></div>')
SCRIPTS = ('<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}'
           'gtag("js",new Date());gtag("config","G-XXXX");</script>'
           '<script src="/wp-includes/js/jquery/jquery.min.js"></script>')


def _menu(rubric_base: str) -> str:
    items = "".join(f'<li class="menu-item"><a href="{rubric_base}{slug}/">{e(label)}</a></li>'
                    for label, slug in RUBRICS)
    return (f'<ul class="menu"><li class="menu-item"><a href="/">Accueil</a></li>{items}'
            '<li class="menu-item"><a href="/contact/">Contact</a></li>'
            '<li class="menu-item"><a href="/publicite/">Publicité</a></li></ul>')


def _comments_html(a: Article, n: int) -> str:
    items = "".join(
        f'<li class="comment"><article class="comment-body"><footer class="comment-meta">'
        f'<div class="comment-author vcard"><b class="fn">{e(AUTHORS[(k + 2) % 5])}</b> <span class="says">dit :</span></div>'
        f'<div class="comment-metadata"><time>{fr_date(a.published)} à 1{k} h 0{k} min</time></div></footer>'
        f'<div class="comment-content"><p>{e(COMMENTS[(a.id + k) % 3])}</p></div>'
        f'<div class="reply"><a class="comment-reply-link" href="#respond">Répondre</a></div></article></li>'
        for k in range(n))
    return (f'<div id="comments" class="comments-area"><h2 class="comments-title">{n} réflexions sur « {e(a.headline)} »</h2>'
            f'<ol class="comment-list">{items}</ol><div id="respond" class="comment-respond">'
            '<h3 id="reply-title" class="comment-reply-title">Laisser un commentaire</h3><form action="/wp-comments-post.php" method="post">'
            '<p class="comment-notes">Votre adresse e-mail ne sera pas publiée. Les champs obligatoires sont indiqués avec *</p>'
            '<p class="comment-form-comment"><label for="comment">Commentaire</label><textarea name="comment"></textarea></p>'
            '<p class="form-submit"><input type="submit" value="Laisser un commentaire"></p></form></div></div>')


# -- WordPress, standard theme (studiotamani, journaldumali, lessor) ------------------------
class WordPress:
    per_page = 4

    def __init__(self, name, cfg, arts):
        self.name, self.cfg, self.arts = name, cfg, arts
        self.base = cfg["base_url"]
        self.site = cfg["site"]
        self.brand = cfg["brand"]

    def path(self, a: Article) -> str:
        if self.cfg.get("urls") == "id":
            return f"/{a.id}-{a.slug}"
        return f"/{a.published:%Y/%m/%d}/{a.slug}/"

    def file(self, path: str) -> str:
        return path.strip("/") + "/index.html"

    def dateline(self, a: Article) -> str:
        return f"Publié le {fr_date(a.published)}"

    def expected(self, a: Article) -> TextParts:
        return TextParts(date=f"{a.published:%Y-%m}", title=f"{a.headline} - {self.site}", headline=a.headline,
                         dateline=self.dateline(a), caption=a.caption, paragraphs=_body_paragraphs(a))

    def head(self, title: str, a: Article | None = None) -> str:
        meta = ""
        if a is not None:
            url = self.base + self.path(a)
            ld = json.dumps({"@context": "https://schema.org", "@graph": [
                {"@type": "NewsArticle", "headline": a.headline, "datePublished": iso(a.published),
                 "author": {"@type": "Person", "name": a.author}, "articleSection": a.rubric[0]},
                {"@type": "WebSite", "name": self.brand, "url": self.base + "/"}]}, ensure_ascii=False)
            meta = (f'<link rel="canonical" href="{url}"><meta property="og:type" content="article">'
                    f'<meta property="og:title" content="{e(a.headline)}"><meta property="og:url" content="{url}">'
                    f'<meta property="og:description" content="{e(a.lead[:150])}">'
                    f'<meta property="og:site_name" content="{e(self.brand)}">'
                    f'<meta property="article:published_time" content="{iso(a.published)}">'
                    f'<meta property="article:section" content="{e(a.rubric[0])}">'
                    f'<script type="application/ld+json">{ld}</script>')
        return (f'<!DOCTYPE html>\n<html lang="fr-FR"><head><meta charset="UTF-8">'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                f'<title>{e(title)}</title>{meta}'
                f'<link rel="alternate" type="application/rss+xml" title="{e(self.brand)} &raquo; Flux" href="{self.base}/feed/">'
                f'<link rel="stylesheet" href="/wp-content/themes/theme/style.css"></head>')

    def header(self) -> str:
        return (f'{COOKIE}<header id="masthead" class="site-header"><div class="site-branding">'
                f'<p class="site-title"><a href="/" rel="home">{e(self.brand)}</a></p>'
                f'<p class="site-description">L’information au quotidien, au plus près de vous</p></div>'
                f'<nav id="site-navigation" class="main-navigation">{_menu("/category/")}</nav></header>')

    def sidebar(self) -> str:
        recent = "".join(f'<li><a href="{self.path(x)}">{e(x.headline)}</a></li>' for x in self.arts[:5])
        return (f'<aside id="secondary" class="widget-area"><section class="widget widget_recent_entries">'
                f'<h2 class="widget-title">Articles récents</h2><ul>{recent}</ul></section>'
                f'<section class="widget widget_text"><h2 class="widget-title">Newsletter</h2><div class="textwidget">'
                f'<p>Inscrivez-vous à notre lettre d’information pour recevoir chaque matin l’essentiel de '
                f'l’actualité du Mali et du Sahel directement dans votre boîte de réception.</p></div></section></aside>')

    def footer(self) -> str:
        return (f'<footer id="colophon" class="site-footer"><div class="site-info">© {START.year} {e(self.brand)}. '
                f'Tous droits réservés. Fièrement propulsé par WordPress</div>{_menu("/category/")}</footer>'
                f'{SCRIPTS}</body></html>\n')

    def article(self, a: Article, i: int) -> str:
        related = "".join(
            f'<div class="jp-relatedposts-post"><h4 class="jp-relatedposts-post-title"><a href="{self.path(x)}">'
            f'{e(x.headline)}</a></h4><p class="jp-relatedposts-post-context">Dans « {e(x.rubric[0])} »</p></div>'
            for x in self.arts[i + 1:i + 4])
        share = ('<div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block sd-social">'
                 '<h3 class="sd-title">Partager&nbsp;:</h3><div class="sd-content"><ul>'
                 '<li class="share-facebook"><a class="share-facebook sd-button" href="#">Facebook</a></li>'
                 '<li class="share-twitter"><a class="sd-button" href="#">X</a></li>'
                 '<li class="share-jetpack-whatsapp"><a class="sd-button" href="#">WhatsApp</a></li></ul></div></div></div>')
        figure = (f'<figure class="post-thumbnail"><img src="/wp-content/uploads/{a.published:%Y/%m}/{a.id}.jpg" alt="">'
                  f'<figcaption class="wp-caption-text">{e(a.caption)}</figcaption></figure>' if a.caption else "")
        prev = self.arts[i + 1] if i + 1 < len(self.arts) else None
        nav = (f'<nav class="navigation post-navigation"><h2 class="screen-reader-text">Navigation de l’article</h2>'
               f'<div class="nav-links"><div class="nav-previous"><a href="{self.path(prev)}" rel="prev">'
               f'<span class="meta-nav">Article précédent</span> <span class="post-title">{e(prev.headline)}</span></a></div></div></nav>'
               if prev else "")
        return (self.head(f"{a.headline} – {self.brand}", a)
                + f'<body class="post-template-default single single-post postid-{a.id}">{self.header()}'
                f'<div id="content" class="site-content"><div class="breadcrumbs"><a href="/">Accueil</a> » '
                f'<a href="/category/{a.rubric[1]}/">{e(a.rubric[0])}</a> » {e(a.headline)}</div>'
                f'<main id="main" class="site-main"><article id="post-{a.id}" class="post-{a.id} post type-post status-publish">'
                f'<header class="entry-header"><span class="cat-links"><a href="/category/{a.rubric[1]}/" rel="category tag">'
                f'{e(a.rubric[0])}</a></span><h1 class="entry-title">{e(a.headline)}</h1><div class="entry-meta">'
                f'<span class="posted-on">Publié le <time class="entry-date published" datetime="{iso(a.published)}">'
                f'{fr_date(a.published)}</time></span><span class="byline"> par <span class="author vcard">'
                f'<a class="url fn n" href="/author/{_slugify(a.author)}/">{e(a.author)}</a></span></span></div></header>'
                f'{figure}<div class="entry-content">\n{_body_html(a)}\n{share}'
                f'<div id="jp-relatedposts" class="jp-relatedposts"><h3 class="jp-relatedposts-headline"><em>Similaire</em></h3>'
                f'<div class="jp-relatedposts-items">{related}</div></div></div>'
                f'<footer class="entry-footer"><span class="tags-links">Étiquettes : <a href="/tag/mali/" rel="tag">Mali</a>, '
                f'<a href="/tag/sahel/" rel="tag">Sahel</a></span></footer></article>{nav}'
                f'{_comments_html(a, 2 + i % 2)}</main>{self.sidebar()}</div>{self.footer()}')

    def listing(self, slug: str, label: str, arts: list[Article], page: int, pages: int) -> str:
        items = "".join(
            f'<article class="post type-post"><header class="entry-header"><h2 class="entry-title">'
            f'<a href="{self.path(a)}" rel="bookmark">{e(a.headline)}</a></h2><div class="entry-meta">'
            f'<span class="posted-on"><time class="entry-date" datetime="{iso(a.published)}">{fr_date(a.published)}</time></span>'
            f'</div></header><div class="entry-summary"><p>{e(a.lead[:140])}&hellip;</p></div></article>'
            for a in arts)
        nav = ""
        if pages > 1:
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
            nav = f'<nav class="navigation pagination"><div class="nav-links">{"".join(links)}</div></nav>'
        return (self.head(f"{label} Archives - {self.brand}") + f'<body class="archive category">{self.header()}'
                f'<div id="content" class="site-content"><main id="main" class="site-main"><header class="page-header">'
                f'<h1 class="page-title">Catégorie : <span>{e(label)}</span></h1></header>{items}{nav}</main>'
                f'{self.sidebar()}</div>{self.footer()}')

    def feed(self, arts: list[Article]) -> str:
        items = "".join(
            f"<item><title>{e(a.headline)}</title><link>{self.base}{self.path(a)}</link>"
            f"<comments>{self.base}{self.path(a)}#respond</comments>"
            f"<dc:creator><![CDATA[{a.author}]]></dc:creator><pubDate>{rfc822(a.published)}</pubDate>"
            f"<category><![CDATA[{a.rubric[0]}]]></category>"
            f'<guid isPermaLink="false">{self.base}/?p={a.id}</guid>'
            f"<description><![CDATA[{a.lead[:200]} [&#8230;]]]></description>"
            f"<wfw:commentRss>{self.base}{self.path(a)}feed/</wfw:commentRss></item>\n"
            for a in arts)
        return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
                'xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
                'xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
                f"<title>{e(self.brand)}</title><atom:link href=\"{self.base}/feed/\" rel=\"self\" type=\"application/rss+xml\" />"
                f"<link>{self.base}</link><description>Actualités</description><language>fr-FR</language>"
                f"<generator>https://wordpress.org/?v=6.5.3</generator>\n{items}</channel></rss>\n")

    def write(self, w) -> None:
        for i, a in enumerate(self.arts):
            w(self.file(self.path(a)), self.article(a, i))
        w("feed/index.xml", self.feed(self.arts[:10]))
        w("index.html", self.listing("", "Accueil", self.arts[:8], 1, 1))
        for label, slug in RUBRICS:
            arts = [a for a in self.arts if a.rubric[1] == slug]
            pages = max(1, -(-len(arts) // self.per_page))
            for p in range(1, pages + 1):
                f = f"category/{slug}/index.html" if p == 1 else f"category/{slug}/page/{p}/index.html"
                w(f, self.listing(slug, label, arts[(p - 1) * self.per_page:p * self.per_page], p, pages))
        for page in ("contact", "a-propos", "publicite", "politique-de-confidentialite"):
            w(f"{page}/index.html", self.head(f"{page} - {self.brand}") + f"<body>{self.header()}"
              f"<main><h1>{page}</h1><p>Page {page} du site.</p></main>{self.footer()}")
        # Yoast sitemaps + a Google News sitemap
        ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        w("sitemap_index.xml",
          f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex {ns}>'
          f"<sitemap><loc>{self.base}/post-sitemap.xml</loc><lastmod>{iso(self.arts[0].published)}</lastmod></sitemap>"
          f"<sitemap><loc>{self.base}/page-sitemap.xml</loc></sitemap></sitemapindex>\n")
        urls = "".join(f"<url><loc>{self.base}{self.path(a)}</loc><lastmod>{iso(a.published)}</lastmod></url>"
                       for a in self.arts)
        w("post-sitemap.xml", f'<?xml version="1.0" encoding="UTF-8"?><urlset {ns}>{urls}</urlset>\n')
        pages = "".join(f"<url><loc>{self.base}/{p}/</loc></url>" for p in ("contact", "a-propos", "publicite"))
        w("page-sitemap.xml", f'<?xml version="1.0" encoding="UTF-8"?><urlset {ns}><url><loc>{self.base}/</loc></url>{pages}</urlset>\n')
        news = "".join(
            f"<url><loc>{self.base}{self.path(a)}</loc><news:news><news:publication><news:name>{e(self.brand)}</news:name>"
            f"<news:language>fr</news:language></news:publication><news:publication_date>{iso(a.published)}"
            f"</news:publication_date><news:title>{e(a.headline)}</news:title></news:news></url>"
            for a in self.arts[:3])
        w("news-sitemap.xml", f'<?xml version="1.0" encoding="UTF-8"?><urlset {ns} '
          f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{news}</urlset>\n')
        w("robots.txt", f"User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n\nSitemap: {self.base}/sitemap_index.xml\n")

    def pages(self) -> list[str]:
        return ["/contact/", "/a-propos/", "/publicite/"]


MENU_UL = '<ul class="menu"'
TD_MENU_UL = '<ul id="menu-main" class="sf-menu"'


# -- WordPress + tagDiv (maliweb) ------------------------------------------------------------
class TagDiv(WordPress):
    def path(self, a: Article) -> str:
        return f"/{a.rubric[1]}/{a.slug}-{a.id}.html"

    def file(self, path: str) -> str:
        return path.lstrip("/")

    def dateline(self, a: Article) -> str:
        return fr_date(a.published)

    def header(self) -> str:
        return (f'{COOKIE}<div class="td-header-wrap td-header-style-1"><div class="td-header-top-menu-full">'
                f'<div class="td-header-top-menu"><div class="td_data_time">{fr_date(START, True)}</div>'
                f'<div class="td-header-sp-top-widget"><a href="https://www.facebook.com/maliweb">Facebook</a> '
                f'<a href="https://twitter.com/maliweb">Twitter</a></div></div></div>'
                f'<div class="td-header-menu-wrap-full"><div id="td-header-menu" role="navigation">'
                f'{_menu("/category/").replace(MENU_UL, TD_MENU_UL)}'
                f'</div></div></div>')

    def sidebar(self) -> str:
        items = "".join(
            f'<div class="td_module_6 td_module_wrap"><div class="item-details"><h3 class="entry-title td-module-title">'
            f'<a href="{self.path(x)}" rel="bookmark" title="{e(x.headline)}">{e(x.headline)}</a></h3>'
            f'<div class="td-module-meta-info"><span class="td-post-date"><time class="entry-date updated td-module-date" '
            f'datetime="{iso(x.published)}">{fr_date(x.published)}</time></span></div></div></div>'
            for x in self.arts[:4])
        return (f'<div class="td-pb-span4 td-main-sidebar"><div class="td-ss-main-sidebar"><aside class="td_block_template_1 widget">'
                f'<h4 class="block-title"><span>Les plus lus</span></h4>{items}</aside>'
                f'<aside class="widget"><div class="td-a-rec td-a-rec-id-sidebar"><script>var ad="sidebar";</script>'
                f'<span class="td-adspot-title">- Publicité -</span></div></aside></div></div>')

    def footer(self) -> str:
        return (f'<div class="td-footer-wrapper"><div class="td-footer-bottom-full"><div class="td-container">'
                f'<p>Maliweb.net, le premier site d’information sur le Mali. Actualités, analyses, débats.</p>'
                f'</div></div></div><div class="td-sub-footer-container"><div class="td-sub-footer-copy">'
                f'© Copyright {START.year} - Maliweb.net. Tous droits réservés</div></div>{SCRIPTS}</body></html>\n')

    def article(self, a: Article, i: int) -> str:
        share = ('<div class="td-post-sharing td-ps-bg td-ps-notext td-post-sharing-style1"><div class="td-post-sharing-visible">'
                 '<a class="td-social-sharing-button td-social-facebook" href="https://www.facebook.com/sharer.php?u=x">'
                 '<div class="td-social-but-text">Facebook</div></a><a class="td-social-sharing-button td-social-twitter" '
                 'href="https://twitter.com/intent/tweet?text=x"><div class="td-social-but-text">Twitter</div></a>'
                 '<a class="td-social-sharing-button td-social-whatsapp" href="https://api.whatsapp.com/send?text=x">'
                 '<div class="td-social-but-text">WhatsApp</div></a></div></div>')
        figure = (f'<div class="td-post-featured-image"><figure><a href="/wp-content/uploads/{a.published:%Y/%m}/{a.id}.jpg" '
                  f'data-caption="{e(a.caption)}"><img class="entry-thumb" src="/wp-content/uploads/{a.published:%Y/%m}/{a.id}-696x392.jpg" '
                  f'alt="" title="{e(a.headline)}"></a><figcaption class="wp-caption-text">{e(a.caption)}</figcaption></figure></div>'
                  if a.caption else "")
        ad = ('<div class="td-a-rec td-a-rec-id-content_inline"><script>googletag.cmd.push(function(){});</script>'
              '<span class="td-adspot-title">- Publicité -</span></div>')
        related = "".join(
            f'<div class="td-related-span4"><div class="td_module_related_posts td-animation-stack td_mod_related_posts">'
            f'<div class="item-details"><h3 class="entry-title td-module-title"><a href="{self.path(x)}" rel="bookmark" '
            f'title="{e(x.headline)}">{e(x.headline)}</a></h3></div></div></div>'
            for x in self.arts[i + 1:i + 4])
        return (self.head(f"{a.headline} | Maliweb.net", a).replace("/feed/", "/feed")
                + f'<body class="post-template-default single single-post postid-{a.id} single-format-standard td-standard-pack">'
                f'<div id="td-outer-wrap" class="td-theme-wrap">{self.header()}'
                f'<div class="td-main-content-wrap td-container-wrap"><div class="td-container td-post-template-default">'
                f'<div class="td-crumb-container"><div class="entry-crumbs"><span><a title="" class="entry-crumb" href="/">Accueil</a></span> '
                f'<i class="td-icon-right td-bread-sep"></i> <span><a class="entry-crumb" href="/category/{a.rubric[1]}">{e(a.rubric[0])}</a></span></div></div>'
                f'<div class="td-pb-row"><div class="td-pb-span8 td-main-content" role="main"><div class="td-ss-main-content">'
                f'<article id="post-{a.id}" class="post-{a.id} post type-post status-publish format-standard has-post-thumbnail">'
                f'<div class="td-post-header"><ul class="td-category"><li class="entry-category"><a href="/category/{a.rubric[1]}">'
                f'{e(a.rubric[0])}</a></li></ul><header class="td-post-title"><h1 class="entry-title">{e(a.headline)}</h1>'
                f'<div class="td-module-meta-info"><div class="td-post-author-name"><div class="td-author-by">Par</div> '
                f'<a href="/author/{_slugify(a.author)}">{e(a.author)}</a><div class="td-author-line"> - </div></div>'
                f'<span class="td-post-date"><time class="entry-date updated td-module-date" datetime="{iso(a.published)}">'
                f'{fr_date(a.published)}</time></span><div class="td-post-views"><i class="td-icon-views"></i>'
                f'<span class="td-nr-views-{a.id}">{1000 + a.id % 5000}</span></div><div class="td-post-comments">'
                f'<a href="#comments"><i class="td-icon-comments"></i>{2 + i % 2}</a></div></div></header></div>'
                f'<div class="td-post-sharing-top">{share}</div>'
                f'<div class="td-post-content tagdiv-type">{figure}\n{_body_html(a, ad)}\n</div>'
                f'<footer><div class="td-post-source-tags"><ul class="td-tags td-post-small-box clearfix"><li><span>TAGS</span></li>'
                f'<li><a href="/tag/mali">Mali</a></li><li><a href="/tag/{a.rubric[1]}">{e(a.rubric[0])}</a></li></ul></div>'
                f'<div class="td-post-sharing-bottom">{share}</div></footer></article>'
                f'<div class="td_block_wrap td_block_related_posts"><h4 class="td-related-title td-block-title">'
                f'<a class="td-related-left td-cur-simple-item" href="#">ARTICLES CONNEXES</a><a class="td-related-right" href="#">'
                f'PLUS DE L’AUTEUR</a></h4><div class="td_block_inner"><div class="td-related-row">{related}</div></div></div>'
                f'{_comments_html(a, 2 + i % 2)}</div></div>{self.sidebar()}</div></div></div></div>{self.footer()}')

    def listing(self, slug: str, label: str, arts: list[Article], page: int, pages: int) -> str:
        items = "".join(
            f'<div class="td_module_10 td_module_wrap td-animation-stack"><div class="td-module-thumb">'
            f'<a href="{self.path(a)}" rel="bookmark" class="td-image-wrap" title="{e(a.headline)}"><img class="entry-thumb" '
            f'src="/wp-content/uploads/{a.id}-218x150.jpg" alt=""></a></div><div class="item-details">'
            f'<h3 class="entry-title td-module-title"><a href="{self.path(a)}" rel="bookmark" title="{e(a.headline)}">'
            f'{e(a.headline)}</a></h3><div class="td-module-meta-info"><span class="td-post-author-name">'
            f'<a href="/author/{_slugify(a.author)}">{e(a.author)}</a> <span>-</span> </span><span class="td-post-date">'
            f'<time class="entry-date updated td-module-date" datetime="{iso(a.published)}">{fr_date(a.published)}</time></span></div>'
            f'<div class="td-excerpt">{e(a.lead[:140])}</div></div></div>'
            for a in arts)
        nav = ""
        if pages > 1:
            links = [f'<span class="current">{page}</span>' if k == page else
                     f'<a href="/category/{slug}/page/{k}/" class="page" title="{k}">{k}</a>' for k in range(1, pages + 1)]
            if page < pages:
                links.append(f'<a href="/category/{slug}/page/{page + 1}/"><i class="td-icon-menu-right"></i></a>')
            nav = f'<div class="page-nav td-pb-padding-side">{"".join(links)}<span class="pages">Page {page} sur {pages}</span></div>'
        return (self.head(f"{label} Archives | Maliweb.net") + f'<body class="archive category td-standard-pack">'
                f'<div id="td-outer-wrap">{self.header()}<div class="td-main-content-wrap"><div class="td-container">'
                f'<div class="td-pb-row"><div class="td-pb-span8 td-main-content"><div class="td-ss-main-content">'
                f'<h1 class="entry-title td-page-title"><span>{e(label)}</span></h1>{items}{nav}</div></div>'
                f'{self.sidebar()}</div></div></div></div>{self.footer()}')

    def write(self, w) -> None:
        super().write(w)
        # tagDiv: listings live at /category/<slug> (no trailing slash), the feed at /feed
        # (WordPress answers both with and without the slash; so does the replica server)


# -- malijet: its own CMS, windows-1252 -------------------------------------------------------
class Malijet:
    per_page = 5
    listing = "/actualite/a_la_une_du_mali.html"

    def __init__(self, name, cfg, arts):
        self.name, self.cfg, self.arts = name, cfg, arts
        self.base, self.site = cfg["base_url"], cfg["site"]

    def path(self, a: Article) -> str:
        return f"/actualite/{a.rubric[1]}/{a.id}-{a.slug}.html"

    def dateline(self, a: Article) -> str:
        return f"Publié le {fr_date(a.published, True)} à {a.published:%H:%M}"

    def expected(self, a: Article) -> TextParts:
        return TextParts(date=f"{a.published:%Y-%m}", title=f"{a.headline} - {self.site}", headline=a.headline,
                         dateline=self.dateline(a), caption=a.caption, paragraphs=_body_paragraphs(a))

    def page(self, title: str, content: str, a: Article | None = None) -> bytes:
        meta = ""
        if a is not None:
            meta = (f'<meta property="og:title" content="{e(a.headline)}"><meta property="og:description" '
                    f'content="{e(a.lead[:150])}"><link rel="canonical" href="{self.base}{self.path(a)}">')
        menu = "".join(f'<td><a href="/actualite/{s}.html">{e(lbl)}</a></td>' for lbl, s in RUBRICS)
        text = (f'<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
                f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1" />'
                f'<title>{e(title)}</title>{meta}<link rel="alternate" type="application/rss+xml" href="{self.base}/rss" /></head>'
                f'<body>{COOKIE}<div id="header"><a href="/"><img src="/images/logo_malijet.gif" alt="Malijet" /></a>'
                f'<div class="date_du_jour">{fr_date(START, True)}</div></div>'
                f'<table id="menu"><tr><td><a href="/">Accueil</a></td>{menu}<td><a href="/videos.html">Vidéos</a></td></tr></table>'
                f'<div id="page_content"><div id="col_left">{content}</div>'
                f'<div id="col_right"><div class="bloc_pub"><script>var pub=1;</script><img src="/pub/orange.gif" alt="pub" /></div>'
                f'<div class="bloc_plus_lus"><h3>Les plus lus</h3><ul>'
                + "".join(f'<li><a href="{self.path(x)}">{e(x.headline)}</a></li>' for x in self.arts[:5])
                + f'</ul></div></div></div><div id="footer"><p>Copyright © 2006-{START.year} Malijet.com - Tous droits réservés. '
                f'Reproduction interdite sans autorisation.</p></div>{SCRIPTS}</body></html>\n')
        return text.encode("cp1252", "xmlcharrefreplace")

    def article(self, a: Article, i: int) -> bytes:
        img = (f'<div class="article_image"><img src="/photos/{a.id}.jpg" alt="" /><br />'
               f'<span class="image_caption">{e(a.caption)}</span></div>' if a.caption else "")
        body = "\n".join(f"<p>{e(p)}</p>" if k != 0 or not a.subhead else
                         f"<p>{e(p)}</p>\n<div class=\"inread\"><script>inread();</script></div>\n<p><strong>{e(a.subhead)}</strong></p>"
                         for k, p in enumerate(a.paragraphs))
        comments = "".join(f'<div class="comment"><span class="comment_author">{e(AUTHORS[k])}</span>'
                           f'<div class="comment_text">{e(COMMENTS[k])}</div></div>' for k in range(2))
        content = (f'<div class="breadcrumb"><a href="/">Accueil</a> &gt; <a href="/actualite/{a.rubric[1]}.html">{e(a.rubric[0])}</a></div>'
                   f'<h1 class="page_title">{e(a.headline)}</h1><div class="story_info"><span class="story_author">'
                   f'Par {e(a.author)}</span> - <span class="story_date">{e(self.dateline(a))}</span></div>'
                   f'{img}<p class="article_abstract">{e(a.lead)}</p>'
                   f'<div class="addthis_toolbox"><a class="addthis_button_facebook">Partager</a> '
                   f'<a class="addthis_button_twitter">Tweeter</a> <a href="javascript:window.print()">Imprimer</a></div>'
                   f'<div id="article_body">{body}</div>'
                   f'<div class="article_source">Source : {e(a.author)}</div>'
                   f'<div class="related"><h3>Dans la même rubrique</h3><ul>'
                   + "".join(f'<li><a href="{self.path(x)}">{e(x.headline)}</a></li>' for x in self.arts[i + 1:i + 4])
                   + f'</ul></div><div id="comments"><h3>Réactions</h3>{comments}</div>')
        return self.page(f"{a.headline} - Malijet", content, a)

    def listing_page(self, page: int, pages: int) -> bytes:
        arts = self.arts[(page - 1) * self.per_page:page * self.per_page]
        items = "".join(f'<div class="news_item"><h4><a href="{self.path(a)}">{e(a.headline)}</a></h4>'
                        f'<span class="date">{fr_date(a.published)}</span><p>{e(a.lead[:120])}…</p></div>' for a in arts)
        nav = '<div class="pagination">'
        if page > 1:
            prev = self.listing + ("" if page == 2 else f"?page={page - 1}")
            nav += f'<a class="prev_page" href="{prev}">« Précédent</a> '
        if page < pages:
            nav += f'<a class="next_page" href="{self.listing}?page={page + 1}">Suivant »</a>'
        nav += "</div>"
        return self.page("A la une du Mali - Malijet", f'<h1>A la une</h1><div class="news_list">{items}</div>{nav}')

    def write(self, w) -> None:
        for i, a in enumerate(self.arts):
            w(self.path(a).lstrip("/"), self.article(a, i))
        pages = -(-len(self.arts) // self.per_page)
        for p in range(1, pages + 1):
            name = self.listing.lstrip("/") + ("" if p == 1 else f"?page={p}")
            w(name, self.listing_page(p, pages))
        w("index.html", self.listing_page(1, 1))
        items = "".join(f"<item><title>{e(a.headline)}</title><link>{self.base}{self.path(a)}</link>"
                        f"<description>{e(a.lead[:200])}</description><pubDate>{rfc822(a.published)}</pubDate>"
                        f"<guid>{self.base}{self.path(a)}</guid></item>\n" for a in self.arts[:10])
        w("rss/index.xml", ('<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel><title>Malijet</title>'
                            f"<link>{self.base}</link><description>Malijet</description>{items}</channel></rss>\n"
                            ).encode("latin-1", "xmlcharrefreplace"))
        w("robots.txt", "User-agent: *\nDisallow: /admin/\n")

    def pages(self) -> list[str]:
        return [self.listing]


# -- lefaso: SPIP ---------------------------------------------------------------------------
class Spip:
    per_page = 5
    rubrique = "/spip.php?rubrique2"

    def __init__(self, name, cfg, arts):
        self.name, self.cfg, self.arts = name, cfg, arts
        self.base, self.site = cfg["base_url"], cfg["site"]

    def path(self, a: Article) -> str:
        return f"/spip.php?article{a.id}"

    def dateline(self, a: Article) -> str:
        return f"Publié le {fr_date(a.published, True)} à {a.published:%Hh%M}min"

    def signature(self, a: Article) -> str:
        return f"{a.author} Lefaso.net"

    def expected(self, a: Article) -> TextParts:
        return TextParts(date=f"{a.published:%Y-%m}", title=f"{a.headline} - {self.site}", headline=a.headline,
                         dateline=self.dateline(a), caption=a.caption,
                         paragraphs=_body_paragraphs(a) + [self.signature(a)])

    def page(self, title: str, content: str, a: Article | None = None) -> str:
        meta = ""
        if a is not None:
            meta = (f'<meta property="og:title" content="{e(a.headline)}"><meta name="description" content="{e(a.lead[:150])}">'
                    f'<link rel="canonical" href="{self.base}{self.path(a)}">'
                    f'<meta property="article:published_time" content="{iso(a.published)}">')
        menu = "".join(f'<li><a href="spip.php?rubrique{k + 2}">{e(lbl)}</a></li>' for k, (lbl, _) in enumerate(RUBRICS))
        return (f'<!DOCTYPE html>\n<html dir="ltr" lang="fr"><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
                f'<title>{e(title)}</title>{meta}<link rel="alternate" type="application/rss+xml" title="Syndiquer tout le site" '
                f'href="spip.php?page=backend"></head><body class="page_article">{COOKIE}'
                f'<div class="page"><div class="header"><a href="{self.base}/" class="logo">Lefaso.net</a>'
                f'<ul class="menu-liste">{menu}</ul></div><div class="main"><div class="wrapper"><div class="content">{content}</div></div>'
                f'<div class="aside"><div class="menu"><h2>Les plus lus</h2><ul>'
                + "".join(f'<li><a href="spip.php?article{x.id}">{e(x.headline)}</a></li>' for x in self.arts[:5])
                + f'</ul></div></div></div><div class="footer"><p>Lefaso.net © 2003-{START.year} - Tous droits réservés</p>'
                f'<p><a href="spip.php?page=plan">Plan du site</a> | <a href="spip.php?page=backend">RSS</a></p></div></div>'
                f'{SCRIPTS}</body></html>\n')

    def article(self, a: Article, i: int) -> str:
        doc = (f'<dl class="spip_document_{a.id} spip_documents spip_documents_center"><dt><img src="IMG/jpg/{a.id}.jpg" alt=""></dt>'
               f'<dd class="spip_doc_descriptif">{e(a.caption)}</dd></dl>' if a.caption else "")
        body = "".join(f"<p>{e(p)}</p>" + (f'<h3 class="spip">{e(a.subhead)}</h3>' if k == 0 and a.subhead else "")
                       for k, p in enumerate(a.paragraphs))
        forum = "".join(f'<li class="forum-fil"><div class="forum-message"><div class="forum-chapo"><strong class="forum-titre">'
                        f'{e(AUTHORS[k + 1])}</strong></div><div class="forum-texte"><p>{e(COMMENTS[k])}</p></div></div></li>'
                        for k in range(2))
        content = (f'<p class="arbo"><a href="{self.base}/">Accueil</a> &gt; <a href="spip.php?rubrique2">{e(a.rubric[0])}</a></p>'
                   f'<div class="cartouche"><p class="surtitre">{e(a.rubric[0])}</p><h1 class="entry-title">{e(a.headline)}</h1>'
                   f'<p class="info-publi">{e(self.dateline(a))}</p></div>'
                   f'<div class="chapo"><p>{e(a.lead)}</p></div>'
                   f'<div class="texte entry-content">{doc}{body}<p>{e(a.author)}<br>Lefaso.net</p></div>'
                   f'<div class="partage"><a href="https://www.facebook.com/sharer.php">Partager sur Facebook</a> '
                   f'<a href="https://twitter.com/share">Tweeter</a></div>'
                   f'<div class="forum"><h2>Vos commentaires</h2><ul class="forum">{forum}</ul></div>')
        return self.page(f"{a.headline} - leFaso.net", content, a)

    def listing_page(self, page: int, pages: int) -> str:
        arts = self.arts[(page - 1) * self.per_page:page * self.per_page]
        items = "".join(f'<li class="item"><h3 class="h3"><a href="spip.php?article{a.id}">{e(a.headline)}</a></h3>'
                        f'<p class="info-publi">{fr_date(a.published)}</p></li>' for a in arts)
        links = []
        for k in range(1, pages + 1):
            href = "spip.php?rubrique2" + ("" if k == 1 else f"&amp;debut_articles={(k - 1) * self.per_page}")
            if k == page:
                links.append(f'<strong class="on">{k}</strong>')
            else:
                rel = ' rel="next"' if k == page + 1 else ""
                links.append(f'<a href="{href}#pagination_articles" class="lien_pagination"{rel}>{k}</a>')
        return self.page("Politique - leFaso.net", f'<h1>Politique</h1><ul class="liste-articles">{items}</ul>'
                         f'<p class="pagination">{" | ".join(links)}</p>')

    def write(self, w) -> None:
        for i, a in enumerate(self.arts):
            w(self.path(a).lstrip("/"), self.article(a, i))
        pages = -(-len(self.arts) // self.per_page)
        for p in range(1, pages + 1):
            q = "" if p == 1 else f"&debut_articles={(p - 1) * self.per_page}"
            w(f"spip.php?rubrique2{q}", self.listing_page(p, pages))
        items = "".join(f"<item xml:lang=\"fr\"><title>{e(a.headline)}</title><link>{self.base}{self.path(a)}</link>"
                        f"<guid isPermaLink=\"true\">{self.base}{self.path(a)}</guid><dc:date>{iso(a.published)}</dc:date>"
                        f"<dc:format>text/html</dc:format><dc:language>fr</dc:language><dc:creator>{e(a.author)}</dc:creator>"
                        f"<description>{e(a.lead[:200])}</description></item>\n" for a in self.arts[:10])
        w("spip.php?page=backend", '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
          'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel xml:lang="fr"><title>leFaso.net</title>'
          f"<link>{self.base}/</link><description>L'actualité du Burkina Faso</description>{items}</channel></rss>\n")
        w("index.html", self.listing_page(1, 1))
        w("robots.txt", "User-agent: *\nDisallow: /local/\nDisallow: /ecrire/\n")
        # the server types files by extension: give spip.php its Content-Type
        w("faults.json", json.dumps({
            "_": "not faults: Content-Types for spip.php URLs (the server types files by extension)",
            "/spip.php?page=backend": {"content_type": "application/rss+xml; charset=utf-8"},
            "/spip.php": {"content_type": "text/html; charset=utf-8"},
        }, indent=1))

    def pages(self) -> list[str]:
        return [self.rubrique]


KINDS = {"wp": WordPress, "tagdiv": TagDiv, "malijet": Malijet, "spip": Spip}


def generate(name: str, out_dir, n: int = 15, seed: int = 1) -> SiteManifest:
    """Write the replica of source ``name`` (a key of ``SITES``) into ``out_dir``."""
    if name not in SITES:
        raise ValueError(f"no replica for {name!r}; known: {', '.join(SITES)}")
    if not 1 <= n <= 200:
        raise ValueError("n: 1 to 200 articles")
    cfg = SITES[name]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    arts = _articles(name, n, seed)
    gen = KINDS[cfg["kind"]](name, cfg, arts)

    def w(rel: str, data) -> None:
        p = out / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))

    gen.write(w)
    man = SiteManifest(name=name, base_url=cfg["base_url"], site=cfg["site"], kind=cfg["kind"], out_dir=str(out))
    for a in arts:
        text = write(gen.expected(a))
        man.articles.append({"path": gen.path(a), "id": a.id, "published": a.published.date().isoformat(),
                             "headline": a.headline, "text": text, "hash": content_hash(text)})
    man.pages = gen.pages()
    data = asdict(man)
    data.pop("out_dir")
    (out / "manifest.json").write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return man
