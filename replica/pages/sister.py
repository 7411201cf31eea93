"""The sister sites' common base: their articles, their furniture and the ``Sister`` family.

The other Sahel sources (``replica.sites``) share one synthetic newsroom: articles drawn
from ``<name>:<seed>`` (``make_articles``), the body markup (inline links, an intertitle,
a markup-only paragraph), and the furniture generic extraction has to see through: a
cookie banner, menus, comments with long texts and a comment form, scripts. Each CMS
family (:mod:`~replica.pages.wordpress`, :mod:`~replica.pages.malijet`,
:mod:`~replica.pages.spip`) is a :class:`Sister` subclass that says where pages live and
what they look like; :meth:`Sister.write` writes a whole site.

Decisions:
- Articles are dated back from ``START`` (9 May 2024), about 29 hours apart, newest
  first; the expected text's date line is the one the page shows (``dateline``).
- The vocabulary lists keep their order: the seeded draws, hence every page and every
  expected text, depend on it.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from dataclasses import dataclass

from replica.dates import MONTHS, french_date, year_month
from replica.pages.toolkit import Family, Put, attr, slugify
from veille.core.textformat import TextParts

__all__ = [
    "AUTHORS", "COMMENTS", "COOKIE", "RUBRICS", "SCRIPTS", "START", "Article", "Sister",
    "body_html", "body_paragraphs", "comments_html", "make_articles", "menu",
]

START = dt.datetime(2024, 5, 9, 10, 15)

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



def make_articles(name: str, n: int, seed: int, base_id: int = 1000) -> list[Article]:
    """``n`` articles of site ``name``, newest first (ids ``base_id + n`` down to
    ``base_id + 1``), drawn from ``<name>:<seed>``."""
    rnd = random.Random(f"{name}:{seed}")
    arts = []
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
            id=base_id + n - i, slug=slugify(headline), headline=headline, rubric=rubric,
            published=published, author=rnd.choice(AUTHORS),
            caption=(f"{place} : une vue de la ville en {MONTHS[published.month - 1]} {published.year} (photo d’archives)"
                     if i % 3 != 1 else ""),
            lead=lead, paragraphs=paragraphs,
            subhead=("Des mesures attendues" if i % 4 == 0 else ""),
        ))
    return arts


def body_paragraphs(a: Article) -> list[str]:
    """The body as the text format has it (lead first, the intertitle where it sits)."""
    out = [a.lead] + a.paragraphs[:1]
    if a.subhead:
        out.append(a.subhead)
    return out + a.paragraphs[1:]


def body_html(a: Article, inline_junk: str = "") -> str:
    """Paragraphs with inline markup; ``inline_junk`` goes after the second paragraph."""
    ps = [a.lead] + a.paragraphs
    out = []
    for k, p in enumerate(ps):
        words = p.split(" ")
        if len(words) > 6 and k % 2 == 0:  # some inline markup, a link, a NBSP
            words[2] = f"<strong>{attr(words[2])}</strong>"
            words[5] = f'<a href="/tag/{slugify(words[5]) or "x"}">{attr(words[5])}</a>'
            rest = " ".join(w if w.startswith("<") else attr(w) for w in words)
        else:
            rest = attr(p).replace(" :", "\u00a0:")
        out.append(f"<p>{rest}</p>")
        if k == 1 and a.subhead:
            out.append(f"<h2>{attr(a.subhead)}</h2>")
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


def menu(rubric_base: str) -> str:
    items = "".join(f'<li class="menu-item"><a href="{rubric_base}{slug}/">{attr(label)}</a></li>'
                    for label, slug in RUBRICS)
    return (f'<ul class="menu"><li class="menu-item"><a href="/">Accueil</a></li>{items}'
            '<li class="menu-item"><a href="/contact/">Contact</a></li>'
            '<li class="menu-item"><a href="/publicite/">Publicité</a></li></ul>')


def comments_html(a: Article, n: int) -> str:
    items = "".join(
        f'<li class="comment"><article class="comment-body"><footer class="comment-meta">'
        f'<div class="comment-author vcard"><b class="fn">{attr(AUTHORS[(k + 2) % 5])}</b> <span class="says">dit :</span></div>'
        f'<div class="comment-metadata"><time>{french_date(a.published)} à 1{k} h 0{k} min</time></div></footer>'
        f'<div class="comment-content"><p>{attr(COMMENTS[(a.id + k) % 3])}</p></div>'
        f'<div class="reply"><a class="comment-reply-link" href="#respond">Répondre</a></div></article></li>'
        for k in range(n))
    return (f'<div id="comments" class="comments-area"><h2 class="comments-title">{n} réflexions sur « {attr(a.headline)} »</h2>'
            f'<ol class="comment-list">{items}</ol><div id="respond" class="comment-respond">'
            '<h3 id="reply-title" class="comment-reply-title">Laisser un commentaire</h3><form action="/wp-comments-post.php" method="post">'
            '<p class="comment-notes">Votre adresse e-mail ne sera pas publiée. Les champs obligatoires sont indiqués avec *</p>'
            '<p class="comment-form-comment"><label for="comment">Commentaire</label><textarea name="comment"></textarea></p>'
            '<p class="form-submit"><input type="submit" value="Laisser un commentaire"></p></form></div></div>')


class Sister(Family):
    """A sister site's CMS family. A subclass gives ``article_url`` (an article's URL
    path, formatted with ``a``, the article), how its date line reads, ``article`` (a
    page), the listing hooks of :class:`Family` (``sections``, ``listing_files``,
    ``listing``), ``files`` (home, feed, sitemaps, robots...) and ``pages`` (non-article
    pages that look close to articles)."""

    article_url = "/{a.id}-{a.slug}"
    # the date line: "<prefix><French date>[ à <time>]"
    dateline_prefix = "Publié le "
    dateline_weekday = False
    dateline_time = ""  # strftime format of the time, "" = no time

    def __init__(self, name: str, cfg: dict, arts: list[Article]):
        self.name, self.cfg, self.arts = name, cfg, arts
        self.base, self.site, self.brand = cfg["base_url"], cfg["site"], cfg["brand"]

    def path(self, a: Article) -> str:
        return self.article_url.format(a=a)

    def file(self, path: str) -> str:
        """The file an article's URL path is written to."""
        return path.lstrip("/")

    def dateline(self, a: Article) -> str:
        d = f"{self.dateline_prefix}{french_date(a.published, weekday=self.dateline_weekday)}"
        return f"{d} à {a.published.strftime(self.dateline_time)}" if self.dateline_time else d

    def paragraphs(self, a: Article) -> list[str]:
        """The paragraphs of the expected text."""
        return body_paragraphs(a)

    def expected(self, a: Article) -> TextParts:
        """What a parser must extract from the article's page."""
        return TextParts(date=year_month(a.published), title=f"{a.headline} - {self.site}", headline=a.headline,
                         dateline=self.dateline(a), caption=a.caption, paragraphs=self.paragraphs(a))

    def article(self, a: Article, i: int) -> str | bytes:
        """The page of article ``a``, the ``i``-th newest."""
        raise NotImplementedError

    def files(self) -> Iterable[tuple[str, str | bytes]]:
        """``(file name, content)`` of the site's other files."""
        raise NotImplementedError

    def pages(self) -> list[str]:
        raise NotImplementedError

    def write(self, put: Put) -> None:
        """Write the site: article pages, listings, then the other files."""
        for i, a in enumerate(self.arts):
            put(self.file(self.path(a)), self.article(a, i))
        self.write_listings(put)
        for name, data in self.files():
            put(name, data)
