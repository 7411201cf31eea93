"""Generator of a replica aBamako site: static files in the CMS's markup.

The real news.abamako.com cannot be reached from the project's machines, so tests,
benchmarks and demos run against a replica that this module writes into a folder and
``replica.server`` serves on 127.0.0.1. What the markup follows is in
``shared/docs/sources.md`` (known parts kept, guessed parts varied).

Layout of a generated folder (URL path -> file)::

    /                                   index.html       home: newest items (.LiNews), feed link
    /h/<id>.html                        h/<id>.html      article pages, ids consecutive
    /rubriques/depeches.asp             rubriques/depeches.asp             listing, page 1
    /rubriques/depeches.asp?page=N      rubriques/depeches.asp?page=N      listing, page N (N >= 1)
    /rubriques/<rubric>.asp[?page=N]    same scheme per rubric (politique, economie, societe,
                                        sport, international)
    /dossiers/, /documents/             index.html pages (a dossier list; a few PDF documents)
    /rss/rss.xml, /rss                  RSS 2.0, the 50 newest articles (rss/rss.xml, rss/index.xml)
    /sitemap.xml                        all articles with <lastmod> (a guess: not known on the real site)
    /robots.txt                         allows everything but /admin/ and /recherche/
    manifest.json, faults.json          for tests; manifest.json is served as 404 by the server

Pagination is the ASP query string ``?page=N``; the files are named with the query in the
name (as ``wget --mirror`` stores them) and the replica server looks up ``path?query`` first.
Listing items are newest first, ``PER_PAGE`` to a page, with a ``div.pagination`` holding
numbered links and a ``Suivant`` link.

Absolute URLs (feed links and guids, canonical and og:url, the sitemap) are written with
``base_url`` (default ``http://news.abamako.com``, recorded in the manifest); the replica
server rewrites that prefix to its own ``http://127.0.0.1:PORT`` in every text file it
serves, so the folder can be served on any port. On-page links are relative.

Every article page's bytes depend only on (seed, id, its edits): adding articles rewrites
the listings, the feed and the sitemap but no existing article page. Files are written
only when their bytes change; an article's file mtime is its publication time until it is
edited, after which it is the edit time (always at least one second later than before, so
Last-Modified changes too).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import random
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from veille.core.textformat import TextParts, content_hash, read, write

__all__ = [
    "DEFAULT_BASE_URL",
    "REFERENCE_VARIANTS",
    "RUBRICS",
    "PER_PAGE",
    "Manifest",
    "generate_site",
    "load_manifest",
    "edit_article",
    "edit_articles",
    "add_articles",
    "article_path",
    "reference_parts",
]

FORMAT = 1
DEFAULT_BASE_URL = "http://news.abamako.com"
SITE_NAME = "abamako.com"
PER_PAGE = 20
FEED_ITEMS = 50
HOME_ITEMS = 30
REFERENCE_VARIANTS = ("p", "br", "utf8", "whitespace", "split", "script", "oldmarkup")
REF_DAY = dt.datetime(2022, 6, 30)
REF_RUBRIC = "International"
SEED_FILE = Path(__file__).resolve().parents[1] / "seeds" / "000_4c2eddb1c88bd00e.txt"
RUBRICS = {
    "Politique": "politique",
    "Économie": "economie",
    "Société": "societe",
    "Sport": "sport",
    "International": "international",
}
LISTING_SECTIONS = {"depeches": "Dépêches", **{slug: name for name, slug in RUBRICS.items()}}
TOPICS = (
    "OTAN", "Mali", "Russie", "Wagner", "sécurité", "CEDEAO", "Transition", "Barkhane",
    "MINUSMA", "terrorisme", "France", "Bamako", "électricité", "coton",
)

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")
MONTHS_PLAIN = ("janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout",
                "septembre", "octobre", "novembre", "decembre")
NETWORK = (("abidjan.net", "http://www.abidjan.net"), ("aBamako", "http://www.abamako.com"),
           ("aOuaga", "http://www.aouaga.com"), ("aCotonou", "http://www.acotonou.com"),
           ("aLome", "http://www.alome.com"), ("aNiamey", "http://www.aniamey.com"),
           ("aDakar", "http://www.adakar.com"), ("aLibreville", "http://www.alibreville.com"),
           ("aBangui", "http://www.abangui.com"))
PUBLISHERS = ("aBamako.com", "aBamako.com", "Dw", "Le 22 Septembre", "arc en ciel", "L'Essor",
              "Le Républicain", "Mali Tribune", "Studio Tamani", "L'Indépendant", "RFI", "AFP")
PHOTOGRAPHERS = ("A.S", "DR", "Diallo", "Moussa Sissoko", "Koné", "Archives", "Sidiki Dembélé")

# ---------------------------------------------------------------------------- synthetic text

SUBJECTS = {
    "Politique": [
        "Le président de la Transition, le colonel Assimi Goïta,", "Le Premier ministre",
        "Le Conseil national de Transition (CNT)", "Le gouvernement de Transition",
        "Le ministre de l'Administration territoriale", "La classe politique malienne",
        "Les partis regroupés au sein du Cadre d'échange", "Le Haut conseil islamique",
        "La Cour constitutionnelle", "Les autorités de la Transition",
    ],
    "Économie": [
        "Le ministre de l'Économie et des Finances", "La BCEAO", "Énergie du Mali (EDM-SA)",
        "Les commerçants du marché Dabanani", "La CMDT", "Les opérateurs miniers",
        "Le Trésor public", "Le Conseil national du patronat du Mali (CNPM)",
        "Les transporteurs routiers", "La Chambre de commerce et d'industrie du Mali",
    ],
    "Société": [
        "Les habitants de Kalaban Coro", "Les enseignants grévistes", "Le maire de la commune IV",
        "Les associations de femmes", "La Protection civile", "Les élèves du lycée Askia Mohamed",
        "Les familles des victimes", "Les chefs de quartier", "Les agents de santé",
        "Les jeunes de Sébénikoro",
    ],
    "Sport": [
        "Les Aigles du Mali", "Le Djoliba AC", "Le Stade malien", "La FEMAFOOT",
        "Le sélectionneur national", "Les Aigles Dames", "L'AS Real de Bamako",
        "Le ministre de la Jeunesse et des Sports", "Les supporters", "L'équipe de basket",
    ],
    "International": [
        "L'OTAN", "La Russie", "La France", "La CEDEAO", "L'Union africaine", "Les Nations unies",
        "Le groupe Wagner", "L'Algérie", "Les États-Unis", "Le Niger voisin", "Le Burkina Faso",
        "L'Union européenne",
    ],
}
VERBS = (
    "a annoncé", "a dénoncé", "a salué", "s'inquiète de", "a appelé à examiner", "a réaffirmé",
    "a examiné", "a lancé", "entend renforcer", "réclame des mesures sur", "a condamné",
    "a longuement évoqué", "suit de près", "met en garde contre", "a présenté",
)
OBJECTS = {
    "Politique": [
        "le chronogramme de la Transition", "la nouvelle loi électorale",
        "le projet de nouvelle Constitution", "la refondation de l'État",
        "le dialogue avec les groupes armés signataires", "la sécurité des populations du centre",
        "la lutte contre la corruption", "l'organisation du référendum",
        "le retour de l'administration à Kidal", "la relecture de la charte de la Transition",
    ],
    "Économie": [
        "le budget rectificatif", "la hausse des prix des denrées de première nécessité",
        "les délestages d'électricité", "la campagne cotonnière", "la production d'or",
        "l'impact des sanctions sur l'économie malienne", "le prix du carburant à la pompe",
        "la dette intérieure", "le financement des petites entreprises",
        "les recettes douanières",
    ],
    "Société": [
        "l'accès à l'eau potable", "la rentrée scolaire", "les inondations dans le district de Bamako",
        "l'insécurité routière", "la cherté de la vie", "la santé maternelle",
        "la salubrité des marchés", "le sort des déplacés internes", "la grève des enseignants",
        "la sécurité dans les quartiers périphériques",
    ],
    "Sport": [
        "la qualification pour la CAN", "le championnat national de Ligue 1",
        "la préparation du match contre la Guinée", "la Coupe du Mali",
        "l'état des infrastructures sportives", "la rénovation du stade du 26 Mars",
        "le mercato estival", "les primes des joueurs", "la formation des jeunes talents",
        "la sécurité autour des stades",
    ],
    "International": [
        "la présence de Wagner au Mali", "la coopération militaire avec la Russie",
        "la situation sécuritaire au Sahel", "le retrait de la force Barkhane",
        "les sanctions de la CEDEAO", "le mandat de la MINUSMA",
        "l'influence grandissante de la Russie en Afrique de l'Ouest",
        "le rôle de l'OTAN sur son flanc sud", "la lutte contre le terrorisme au Sahel",
        "les relations entre Bamako et Paris",
    ],
}
PLACES = ("Bamako", "Kayes", "Ségou", "Mopti", "Tombouctou", "Gao", "Kidal", "Sikasso",
          "Koulikoro", "Ménaka", "San", "Bandiagara", "Koutiala", "Nioro du Sahel")
CIRCUMSTANCES = (
    "lors d'une conférence de presse tenue ce jeudi à {place}",
    "au cours d'une rencontre à Koulouba", "selon un communiqué rendu public mardi",
    "dans une déclaration lue à la télévision nationale (ORTM)",
    "en présence de nombreux responsables", "à l'issue du Conseil des ministres",
    "devant la presse à {place}", "lors d'une cérémonie organisée à {place}",
    "dans une interview accordée à notre rédaction", "au terme d'une réunion de deux jours",
)
OPENERS = ("Selon nos informations,", "Pour rappel,", "Il faut noter que", "Par ailleurs,",
           "De son côté,", "Dans la foulée,", "Au même moment,", "D'après plusieurs sources,",
           "Toutefois,", "En outre,")
FREE = (
    "La situation reste tendue dans plusieurs localités de la région de {place}.",
    "Les populations attendent des actes concrets de la part des autorités.",
    "Plusieurs observateurs estiment que le dossier de {topic} sera déterminant dans les mois à venir.",
    "La question de la sécurité demeure une préoccupation majeure pour les habitants de {place}.",
    "Le Mali traverse depuis 2012 une crise multidimensionnelle.",
    "Les discussions doivent se poursuivre la semaine prochaine à {place}.",
    "Aucun bilan officiel n'a été communiqué pour l'instant.",
    "Les partenaires techniques et financiers ont promis de maintenir leur appui.",
    "Une délégation s'est rendue sur place pour constater les dégâts.",
    "Le montant de l'enveloppe s'élève à 2,5 milliards de francs CFA.",
    "La rencontre s'est déroulée dans une ambiance conviviale.",
    "Il s'agit, selon lui, d'une « étape décisive » pour le pays.",
    "« Nous ne reculerons pas », a martelé un responsable sous le couvert de l'anonymat.",
    "Les chiffres avancés font état d'une hausse de 12 % par rapport à l'année dernière.",
    "En bambara, on dit « An ka ɲɔgɔn dɛmɛ » : entraidons-nous.",
    "Le prix du kilogramme est passé de 350 à 500 FCFA en quelques semaines.",
)
HEADLINES = (
    "{place} : {obj} au cœur des débats",
    "{subj} {verb} {obj}",
    "{topic_cap} : {subj_l} {verb} {obj}",
    "{obj_cap} : les précisions de {who}",
    "{obj_cap} : quelles conséquences pour le Mali ?",
    "Mali : {obj}",
    "{subj} face à {obj}",
    "{place} : ce qu'il faut retenir de {obj_l}",
)
WHO = ("Choguel Kokalla Maïga", "Abdoulaye Diop", "Alousséni Sanou", "Bassolé Ilias",
       "Fatoumata Coulibaly", "Mamadou Koné", "Oumar Traoré")
CAPTIONS = (
    "Le Premier ministre lors de la cérémonie", "Des soldats des FAMa à {place}",
    "Photo d'archives", "Le marché de {place}", "Une vue de la salle", "{who}",
    "Les participants à l'atelier de {place}", "Les Aigles du Mali à l'entraînement",
    "Le ministre de l'Économie et des Finances", "Une rue de {place} sous l'eau",
)


_CONTRACT = ((re.compile(r"\bà les\b"), "aux"), (re.compile(r"\bà le\b"), "au"),
             (re.compile(r"\bde les\b"), "des"), (re.compile(r"\bde le\b"), "du"),
             (re.compile(r"\bÀ les\b"), "Aux"))


def _fr(s: str) -> str:
    """French contractions the templates produce ("à les" -> "aux")."""
    for rx, rep in _CONTRACT:
        s = rx.sub(rep, s)
    return s


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _low(s: str) -> str:
    # "Le Djoliba AC" -> "le Djoliba AC", but keep "L'OTAN" and acronyms
    if s[:2] in ("L'", "L’"):
        return s if s[2:3].isupper() else "l" + s[1:]
    if s.split(" ")[0].isupper():
        return s
    return s[:1].lower() + s[1:]


@dataclass
class Spec:
    """Everything that decides one article page; a pure function of (seed, id, edits)."""

    id: int
    published: dt.datetime
    rubric: str
    publisher: str
    headline: str  # as the h1 writes it
    title_headline: str  # as the <title> writes it (apostrophe may differ)
    dateline: str
    caption: str
    credit: str
    paragraphs: list[str]
    teaser: bool = False
    variant: str | None = None
    encoding: str = "cp1252"  # "cp1252" or "utf-8": the bytes
    declared: str = "iso-8859-1"  # the meta charset
    body_style: str = "br"  # br | p | div
    n_spans: int = 1
    caption_style: str = "div"
    photo: str = ""  # img src, "" = no photo
    photo_centered: bool = False
    old_markup: bool = False
    two_sources: str = ""  # text of a second FontArticleSource div, "" = none
    named_entities: bool = False
    nbsp_punct: bool = False
    wrap_lines: bool = True
    teaser_link: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def title(self) -> str:
        return f"{self.title_headline} - {SITE_NAME}"

    def parts(self) -> TextParts:
        return TextParts(
            date=self.published.strftime("%Y-%m"),
            title=self.title,
            headline=self.headline,
            dateline=self.dateline,
            caption=self.caption,
            paragraphs=self.paragraphs,
        )


def french_date(d: dt.date, plain: bool = False) -> str:
    months = MONTHS_PLAIN if plain else MONTHS
    return f"{WEEKDAYS[d.weekday()]} {d.day} {months[d.month - 1]} {d.year}"


def short_date(d: dt.date) -> str:
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def _fill(t: str, rng: random.Random, rubric: str) -> str:
    return t.format(
        place=rng.choice(PLACES),
        topic=rng.choice(OBJECTS[rubric]),
        who=rng.choice(WHO),
    )


def _sentence(rng: random.Random, rubric: str) -> str:
    k = rng.random()
    if k < 0.45:
        subj = rng.choice(SUBJECTS[rubric])
        s = f"{subj} {rng.choice(VERBS)} {rng.choice(OBJECTS[rubric])}"
        if rng.random() < 0.6:
            s += ", " + _fill(rng.choice(CIRCUMSTANCES), rng, rubric)
        return s + "."
    if k < 0.7:
        op = rng.choice(OPENERS)
        subj = _low(rng.choice(SUBJECTS[rubric]))
        if op == "Il faut noter que":
            subj = _low(subj)
        return f"{op} {subj} {rng.choice(VERBS)} {rng.choice(OBJECTS[rubric])}."
    return _fill(rng.choice(FREE), rng, rubric)


def _paragraph(rng: random.Random, rubric: str) -> str:
    return _fr(" ".join(_sentence(rng, rubric) for _ in range(rng.randint(2, 5))))


def _headline(rng: random.Random, rubric: str) -> str:
    obj = rng.choice(OBJECTS[rubric])
    subj = rng.choice(SUBJECTS[rubric]).rstrip(",")
    if subj.endswith(")") is False and "," in subj:
        subj = subj.split(",")[0]
    topic = rng.choice(("Mali", "Sécurité", "Transition", "Sahel", "Bamako", rubric))
    h = rng.choice(HEADLINES).format(
        place=rng.choice(PLACES), obj=obj, obj_cap=_cap(obj), obj_l=obj, subj=subj,
        subj_l=_low(subj), verb=rng.choice(VERBS), topic_cap=topic, who=rng.choice(WHO),
    )
    return _cap(_fr(h))


# ---------------------------------------------------------------------------- dates


@dataclass
class Params:
    seed: int
    first_id: int
    n_articles: int
    page_kb: float | None
    variants: bool
    base_url: str
    step_minutes: float
    ref_start: int
    ref_len: int

    def pub_datetime(self, aid: int) -> dt.datetime:
        rng = random.Random(f"date:{self.seed}:{aid}")
        step = dt.timedelta(minutes=self.step_minutes)
        jitter = dt.timedelta(minutes=rng.random() * self.step_minutes / 2)
        if self.ref_start <= aid < self.ref_start + self.ref_len:
            return REF_DAY.replace(hour=8) + (aid - self.ref_start) * dt.timedelta(minutes=90)
        if aid < self.ref_start:
            return REF_DAY.replace(hour=6) - (self.ref_start - aid) * step + jitter
        return REF_DAY.replace(hour=19) + (aid - self.ref_start - self.ref_len) * step + jitter

    def variant_of(self, aid: int) -> str | None:
        if self.ref_start <= aid < self.ref_start + self.ref_len:
            return REFERENCE_VARIANTS[aid - self.ref_start]
        return None


def article_path(aid: int) -> str:
    return f"/h/{aid}.html"


_REF_CACHE: dict[str, TextParts] = {}


def reference_parts() -> TextParts:
    """The reference article's parts, read from the seed file in the text format."""
    if "ref" not in _REF_CACHE:
        _REF_CACHE["ref"] = read(SEED_FILE.read_bytes().decode("utf-8"))
    return _REF_CACHE["ref"]


def make_spec(p: Params, aid: int, override: dict | None = None) -> Spec:
    """The spec of article ``aid``: random choices seeded by (seed, id), then edits."""
    rng = random.Random(f"article:{p.seed}:{aid}")
    published = p.pub_datetime(aid)
    variant = p.variant_of(aid)
    if variant:
        ref = reference_parts()
        spec = Spec(
            id=aid, published=published, rubric=REF_RUBRIC, publisher="Dw",
            headline=ref.headline, title_headline=ref.title.removesuffix(f" - {SITE_NAME}"),
            dateline=ref.dateline, caption=ref.caption, credit="© aBamako.com par DR",
            paragraphs=list(ref.paragraphs), variant=variant,
            photo=f"/img_photos/2022/06/30/otan_rasmussen_{aid}.jpg", photo_centered=True,
        )
        spec.encoding = "utf-8" if variant == "utf8" else "cp1252"
        spec.declared = "utf-8" if variant == "utf8" else "iso-8859-1"
        spec.body_style = "br" if variant in ("br", "whitespace", "oldmarkup") else "p"
        spec.old_markup = variant == "oldmarkup"
        spec.caption_style = "em" if variant == "oldmarkup" else "div"
        spec.n_spans = 2 if variant == "split" else 1
        spec.wrap_lines = variant != "p"
    else:
        rubric = rng.choice(list(RUBRICS))
        publisher = rng.choice(PUBLISHERS)
        headline = _headline(rng, rubric)
        if rng.random() < 0.3:
            headline = headline.replace("'", "’")
        title_headline = headline
        if "’" in headline and rng.random() < 0.4:
            title_headline = headline.replace("’", "'")
        elif "'" in headline and rng.random() < 0.2:
            title_headline = headline.replace("'", "’")
        teaser = rng.random() < 0.08
        n_par = rng.randint(1, 2) if teaser else rng.randint(3, 15)
        paragraphs = [_paragraph(rng, rubric) for _ in range(n_par)]
        teaser_link = False
        if teaser:
            if rng.random() < 0.5:
                paragraphs[-1] = paragraphs[-1].rstrip(".") + "..."
            else:
                paragraphs.append("suite de l'article sur RFI")
                teaser_link = True
        d = published.date()
        r = rng.random()
        if r < 0.06:
            dateline = f"Publié le {d:%d/%m/%Y} | {publisher}"
        else:
            dateline = f"Publié le {french_date(d, plain=r < 0.14)} | {publisher}"
        photo_roll = rng.random()
        photo = caption = credit = ""
        if photo_roll < 0.72:
            photo = f"/img_photos/{d:%Y/%m/%d}/{aid}_{rng.randint(1000, 9999)}.jpg"
            credit = f"© aBamako.com par {rng.choice(PHOTOGRAPHERS)}"
            if photo_roll < 0.66:
                caption = _fill(rng.choice(CAPTIONS), rng, rubric).replace("'", "`")
        year = d.year
        enc_roll = rng.random()
        utf8_share = 0.25 if year < 2023 else 0.5
        if enc_roll < utf8_share:
            encoding, declared = "utf-8", "utf-8"
        elif enc_roll < utf8_share + 0.07:
            encoding, declared = "cp1252", "windows-1252"
        else:
            encoding, declared = "cp1252", "iso-8859-1"
        spec = Spec(
            id=aid, published=published, rubric=rubric, publisher=publisher, headline=headline,
            title_headline=title_headline, dateline=dateline, caption=caption, credit=credit,
            paragraphs=paragraphs, teaser=teaser, encoding=encoding, declared=declared,
            body_style=rng.choices(("br", "p", "div"), (50, 40, 10))[0],
            n_spans=rng.choices((1, 2, 3), (80, 15, 5))[0],
            caption_style=rng.choice(("div", "span", "p", "em", "bare", "divlegende")),
            photo=photo, photo_centered=rng.random() < 0.5,
            old_markup=d.year < 2022 and rng.random() < 0.3,
            two_sources="",
            named_entities=encoding == "cp1252" and rng.random() < 0.12,
            nbsp_punct=rng.random() < 0.3, wrap_lines=rng.random() < 0.7,
            teaser_link=teaser_link,
        )
        if rng.random() < 0.05:
            other = rng.choice(("aBamako.com", publisher, "Le 22 Septembre"))
            spec.two_sources = f"Publié le {french_date(d)} | {other}"
    if override:
        if "paragraphs" in override:
            spec.paragraphs = list(override["paragraphs"])
        if "headline" in override:
            spec.headline = spec.title_headline = override["headline"]
    return spec


def topics_of(text: str) -> list[str]:
    low = text.lower()
    found = []
    for t in TOPICS:
        if re.search(r"(?<!\w)" + re.escape(t.lower()) + r"(?!\w)", low):
            found.append(t)
    return found


# ---------------------------------------------------------------------------- markup helpers


def esc(s: str) -> str:
    return html.escape(s, quote=False)


def attr(s: str) -> str:
    return html.escape(s, quote=True)


_NAMED = (("é", "&eacute;"), ("è", "&egrave;"), ("à", "&agrave;"), ("ê", "&ecirc;"),
          ("’", "&rsquo;"), ("ç", "&ccedil;"), ("«", "&laquo;"), ("»", "&raquo;"))


def _para_html(text: str, spec: Spec, rng: random.Random) -> str:
    h = esc(text)
    if spec.named_entities:
        for ch, ent in _NAMED:
            h = h.replace(ch, ent)
    if spec.nbsp_punct:
        h = re.sub(r" ([?!:;»])", r"&nbsp;\1", h)
    if not spec.variant and rng.random() < 0.25:
        for place in PLACES:
            if f" {place} " in h:
                tag = rng.choice(("strong", "b", "a"))
                inner = (f'<a href="/dossiers/">{place}</a>' if tag == "a"
                         else f"<{tag}>{place}</{tag}>")
                h = h.replace(f" {place} ", f" {inner} ", 1)
                break
    if spec.wrap_lines and len(h) > 90:
        # raw newlines inside the paragraph, as the CMS leaves them (spaces only)
        out, col = [], 0
        for word in h.split(" "):
            if col > 70 + rng.randint(0, 40):
                out.append("\n")
                col = 0
            elif out:
                out.append(" ")
            out.append(word)
            col += len(word) + 1
        h = "".join(out)
    return h


def _split_spans(paras: list[str], n: int) -> list[list[str]]:
    n = max(1, min(n, len(paras)))
    size = -(-len(paras) // n)
    return [paras[i:i + size] for i in range(0, len(paras), size)]


SHARE_WIDGET = (
    '<div class="share-buttons"><span class="share-label">Partager :</span> '
    '<a class="share-fb" href="https://www.facebook.com/sharer/sharer.php?u={u}">Facebook</a> '
    '<a class="share-tw" href="https://twitter.com/intent/tweet?url={u}">Twitter</a> '
    '<a class="share-wa" href="https://wa.me/?text={u}">WhatsApp</a> '
    '<a class="share-mail" href="mailto:?subject=aBamako&amp;body={u}">E-mail</a></div>'
)


def _body_html(spec: Spec, rng: random.Random, page_url: str) -> str:
    paras = [_para_html(p, spec, rng) for p in spec.paragraphs]
    if spec.teaser_link and paras:
        paras[-1] = (f'<a href="https://www.rfi.fr/fr/afrique/{spec.id}-mali" target="_blank">'
                     f"{paras[-1]}</a>")
    v = spec.variant
    spans_html = []
    for group in _split_spans(paras, spec.n_spans):
        if v == "whitespace":
            seps = ["\n\t<br />  \n<br />\n", "<br /><br />&nbsp;<br /><br />\n\t\t",
                    "\n<!-- paragraphe -->\n<br />\n\n<br />&nbsp; &nbsp;",
                    "<br /> <br />\n<p>&nbsp;</p>\n", "\t<br /><br />\t<!-- pub:inread -->\n"]
            inner = "\n\n  &nbsp;\n"
            for i, ph in enumerate(group):
                inner += "  " + ph.replace(" ", "  ", 3) + "\t"
                if i < len(group) - 1:
                    inner += seps[i % len(seps)]
            inner += "\n<br /><br />&nbsp;\n"
        elif spec.body_style == "br":
            inner = "\n" + "<br /><br />\n".join(group) + "\n"
        elif spec.body_style == "p":
            inner = "\n" + "".join(f"<p>{ph}</p>\n" for ph in group)
        else:
            inner = "\n" + "".join(f"<div>{ph}</div>\n" for ph in group)
        if v == "script":
            # a script and a share widget inside the body span, between paragraphs
            parts = inner.split("</p>\n")
            k = min(4, len(parts) - 1)
            parts[k] = ('<script type="text/javascript">\n  var _abArt = {id: %d, rub: "%s"};\n'
                        '  if (window._abStats) { _abStats.push(["view", _abArt.id]); }\n'
                        "</script>\n" % (spec.id, spec.rubric)) + parts[k]
            inner = "</p>\n".join(parts) + SHARE_WIDGET.format(u=page_url) + "\n"
        spans_html.append(f'<span class="FullArticleTexte">{inner}</span>')
    if len(spans_html) == 1:
        return spans_html[0]
    between = ('\n<div class="pub_inread" id="inread_{i}"><script type="text/javascript">'
               'googletag.cmd.push(function(){{googletag.display("inread_{i}");}});</script></div>\n')
    if spec.body_style == "br" or v == "whitespace":
        between = "\n<br /><br />" + between
    out = spans_html[0]
    for i, s in enumerate(spans_html[1:], 1):
        out += between.format(i=i) + s
    return out


def _caption_html(spec: Spec) -> str:
    """Photo, credit line and caption, in the page's reading order."""
    if not spec.photo:
        return ""
    img = f'<img class="imgArt" src="{spec.photo}" alt="{attr(spec.caption or spec.headline)}" border="0" />'
    if spec.photo_centered:
        img = f'<div align="center" class="photoArt">{img}</div>'
    cap = esc(spec.caption)
    credit = esc(spec.credit)
    style = spec.caption_style
    if not cap:
        return f'{img}\n<div class="FontArticleCredit">{credit}</div>\n'
    if style == "div":
        return f'{img}\n<div class="FontArticleCredit">{credit}</div>\n<div class="FontArticleLegend">{cap}</div>\n'
    if style == "divlegende":
        return f'{img}\n<div class="credit">{credit}</div><div class="legende">{cap}</div>\n'
    if style == "span":
        return f'{img}<br />\n<span class="FontCredit">{credit}</span><br />\n<span class="FontLegende">{cap}</span><br />\n'
    if style == "p":
        return f'{img}\n<p class="photo-credit">{credit}</p>\n<p class="caption">{cap}</p>\n'
    if style == "em":
        return f'{img}<br />\n<font size="1" class="FontCredit">{credit}</font><br />\n<em>{cap}</em><br />\n'
    # bare text after a <br> in the credit's element
    return f'{img}\n<div class="FontArticleCredit">{credit}<br />\n{cap}</div>\n'


# ---------------------------------------------------------------------------- page frame

_POOL: dict[str, list[str]] = {}


def _pad_pool() -> dict[str, list[str]]:
    """Fragments of boilerplate (CSS, ad and tracking scripts, menus) used to pad pages."""
    if _POOL:
        return _POOL
    rng = random.Random("pad-pool")
    head, tail = [], []
    for k in range(40):
        rules = []
        for j in range(35):
            rules.append(
                f".blk{k}_{j} .it{rng.randint(1, 99)}{{margin:{rng.randint(0, 20)}px "
                f"{rng.randint(0, 20)}px;padding:{rng.randint(0, 9)}px;color:#{rng.randint(0, 0xFFFFFF):06x};"
                f"font:{rng.choice(('11px', '12px', '13px', '14px'))} Arial,Helvetica,sans-serif}}")
        head.append('<style type="text/css">\n' + "\n".join(rules) + "\n</style>\n")
        slots = []
        for j in range(14):
            slots.append(
                f"  googletag.defineSlot('/21{rng.randint(100000, 999999)}/abamako_{k}_{j}', "
                f"[[300, 250], [300, 600], [728, 90]], 'div-gpt-ad-{rng.randint(10**12, 10**13)}-{j}')"
                ".addService(googletag.pubads());")
        head.append('<script type="text/javascript">\nvar googletag = googletag || {};\n'
                    "googletag.cmd = googletag.cmd || [];\ngoogletag.cmd.push(function() {\n"
                    + "\n".join(slots) + "\n  googletag.pubads().enableSingleRequest();\n"
                    "  googletag.enableServices();\n});\n</script>\n")
        cfg = {"site": "abamako", "zone": k, "keys": [f"{rng.getrandbits(64):016x}" for _ in range(25)],
               "segments": [rng.randint(1, 10**6) for _ in range(40)],
               "consent": {"purposes": list(range(1, 11)), "vendors": [rng.randint(1, 999) for _ in range(40)]}}
        tail.append('<script type="text/javascript">window.__AB_CFG__ = '
                    + json.dumps(cfg) + ";</script>\n")
        items = "".join(
            f'<li><a href="{rng.choice(NETWORK)[1]}/rubriques/{rng.choice(list(RUBRICS.values()))}.asp">'
            f"{rng.choice(list(RUBRICS))} {rng.choice(PLACES)}</a></li>" for _ in range(30))
        tail.append(f'<div class="megamenu" style="display:none"><ul class="mm{k}">{items}</ul></div>\n')
    _POOL["head"], _POOL["tail"] = head, tail
    return _POOL


def _padding(rng: random.Random, need: int) -> tuple[str, str]:
    pool = _pad_pool()
    head, tail = [], []
    got = 0
    while got < need:
        if rng.random() < 0.5:
            frag = rng.choice(pool["head"])
            head.append(frag)
        else:
            frag = rng.choice(pool["tail"])
            tail.append(frag)
        got += len(frag)
    return "".join(head), "".join(tail)


NETBAR = '<div id="network"><ul>' + "".join(
    f'<li><a href="{u}" target="_blank">{esc(n)}</a></li>' for n, u in NETWORK) + "</ul></div>\n"
MENU = (
    '<div id="menu"><ul class="menu">\n<li><a href="/">Accueil</a></li>\n'
    '<li><a href="/rubriques/depeches.asp">Dépêches</a></li>\n'
    + "".join(f'<li><a href="/rubriques/{slug}.asp">{esc(name)}</a></li>\n' for name, slug in RUBRICS.items())
    + '<li><a href="/dossiers/">Dossiers</a></li>\n<li><a href="/documents/">Documents</a></li>\n'
    '<li><a href="/rss">RSS</a></li>\n</ul></div>\n'
)
HEADER = (
    '<div id="header"><a href="/" class="logo"><img src="/images/logo_abamako.png" alt="aBamako.com" /></a>\n'
    '<form action="/recherche/" method="get" class="search"><input type="text" name="q" value="" />'
    '<input type="submit" value="Rechercher" /></form>\n'
    '<div class="date_jour" id="date_jour"></div></div>\n'
)
FOOTER = (
    '<div id="footer"><div class="footer_links"><a href="/">Accueil</a> | <a href="/rss">Flux RSS</a> | '
    '<a href="/dossiers/">Dossiers</a> | <a href="/documents/">Documents</a></div>\n'
    '<div class="copyright">© 2006-2025 aBamako.com - Tous droits réservés. Reproduction interdite sans '
    "l'autorisation de l'éditeur. Le portail du Mali.</div>\n"
    '<div class="network_footer">' + " - ".join(f'<a href="{u}">{esc(n)}</a>' for n, u in NETWORK)
    + "</div></div>\n"
)
ANALYTICS = (
    '<script type="text/javascript">\n(function(i,s,o,g,r,a,m){i["GoogleAnalyticsObject"]=r;'
    "i[r]=i[r]||function(){(i[r].q=i[r].q||[]).push(arguments)},i[r].l=1*new Date();a=s.createElement(o),"
    "m=s.getElementsByTagName(o)[0];a.async=1;a.src=g;m.parentNode.insertBefore(a,m)})"
    '(window,document,"script","//www.google-analytics.com/analytics.js","ga");\n'
    'ga("create", "UA-1234567-8", "auto");\nga("send", "pageview");\n</script>\n'
)


def _meta_charset(declared: str, rng: random.Random) -> str:
    if declared == "utf-8" and rng.random() < 0.5:
        return '<meta charset="utf-8" />\n'
    return f'<meta http-equiv="Content-Type" content="text/html; charset={declared}" />\n'


def _encode(page: str, encoding: str) -> bytes:
    return page.encode(encoding, errors="xmlcharrefreplace")


def _sidebar(rng: random.Random, aid: int, first_id: int, label_rev: int = 0) -> str:
    """'Les plus lus' and 'Dernières dépêches': links to earlier articles only, so an
    article page never depends on the articles added after it."""
    earlier = list(range(max(first_id, aid - 40), aid))
    parts = ['<div id="colRight">\n<div class="pub" id="pub_right1"><iframe src="about:blank" '
             'width="300" height="250" frameborder="0" scrolling="no"></iframe></div>\n']
    for label in ("Les plus lus", "Dernières dépêches"):
        parts.append(f'<div class="bloc_side"><div class="titre_bloc">{label}</div><ul>\n')
        for _ in range(min(6, len(earlier))):
            other = rng.choice(earlier)
            r2 = random.Random(f"sidebar:{other}:{label_rev}")
            parts.append(f'<li><a href="/h/{other}.html">{esc(_headline(r2, rng.choice(list(RUBRICS))))}</a>'
                         f'<span class="vues">{r2.randint(50, 9000)} lectures</span></li>\n')
        parts.append("</ul></div>\n")
    parts.append('<div class="newsletter"><form action="/newsletter/inscription.asp" method="post">'
                 'Recevez l\'actualité du Mali <input type="text" name="email" />'
                 '<input type="submit" value="OK" /></form></div>\n</div>\n')
    return "".join(parts)


def _comments(rng: random.Random, n: int) -> str:
    names = ("Moussa", "Awa", "Bakary", "Oumou", "Ibrahim", "Kadiatou", "Sékou", "un patriote")
    out = [f'<div id="comments"><div class="titre_bloc">Commentaires ({n})</div>\n']
    for _ in range(n):
        out.append(f'<div class="comment"><div class="comment_author">{rng.choice(names)}</div>'
                   f'<div class="comment_text">{esc(_sentence(rng, rng.choice(list(RUBRICS))))}</div></div>\n')
    out.append('<form action="/commentaires/poster.asp" method="post" class="comment_form">'
               '<textarea name="texte"></textarea><input type="submit" value="Envoyer" /></form></div>\n')
    return "".join(out)


def render_article(p: Params, spec: Spec, boiler_rev: int = 0) -> bytes:
    rng = random.Random(f"page:{p.seed}:{spec.id}")
    brng = random.Random(f"boiler:{p.seed}:{spec.id}:{boiler_rev}")
    url = f"{p.base_url}/h/{spec.id}.html"
    lead = spec.paragraphs[0] if spec.paragraphs else ""
    desc = lead if len(lead) < 200 else lead[:197].rsplit(" ", 1)[0] + "..."
    slug = RUBRICS[spec.rubric]
    head = [
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="fr" lang="fr">\n<head>\n',
        _meta_charset(spec.declared, rng),
        f"<title>{esc(spec.title)}</title>\n",
        f'<meta name="description" content="{attr(desc)}" />\n',
        '<meta name="keywords" content="Mali, Bamako, actualité, ' + attr(spec.rubric) + '" />\n',
        f'<meta property="og:title" content="{attr(spec.headline)}" />\n',
        f'<meta property="og:description" content="{attr(desc)}" />\n',
        f'<meta property="og:url" content="{url}" />\n',
        '<meta property="og:type" content="article" />\n<meta property="og:site_name" content="aBamako.com" />\n',
    ]
    if spec.photo:
        head.append(f'<meta property="og:image" content="{p.base_url}{spec.photo}" />\n')
    head += [
        f'<link rel="canonical" href="{url}" />\n',
        f'<link rel="alternate" type="application/rss+xml" title="aBamako.com" href="{p.base_url}/rss/rss.xml" />\n',
        '<link rel="stylesheet" type="text/css" href="/css/style.css" />\n',
        '<script type="text/javascript" src="/js/jquery.min.js"></script>\n',
    ]
    # --- the article block, in the known reading order
    art = []
    if spec.old_markup:
        art.append('<table width="100%" cellpadding="0" cellspacing="0" border="0"><tr><td class="article">\n')
    else:
        art.append('<div class="article" id="article">\n')
    art.append(f'<div class="breadcrumb"><a href="/">Accueil</a> &raquo; '
               f'<a href="/rubriques/{slug}.asp">{esc(spec.rubric)}</a></div>\n')
    views = brng.randint(40, 25000)
    art.append(f'<div class="compteur">Vu {views} fois</div>\n')
    if rng.random() < 0.85 or spec.variant:
        art.append(f'<div class="FontArticleRubrique"><a href="/rubriques/{slug}.asp">{esc(spec.rubric)}</a></div>\n')
    hl = esc(spec.headline)
    if spec.variant == "whitespace":
        hl = f"\n\t\t{hl.replace(' ', '  ', 2)}  \n\t"
    if spec.old_markup:
        art.append(f'<span class="FontArticleMainTitle">{hl}</span><br />\n')
    else:
        art.append(f'<h1 class="FontArticleMainTitle">{hl}</h1>\n')
    dl = esc(spec.dateline)
    if rng.random() < 0.4 or spec.variant == "whitespace":
        dl = dl.replace(" | ", "&nbsp;|&nbsp;")
    art.append(f'<div class="FontArticleSource">{dl}</div>\n')
    if spec.two_sources:
        art.append(f'<div class="FontArticleSource">{esc(spec.two_sources)}</div>\n')
    if rng.random() < 0.3 and not spec.variant:
        art.append('<script type="text/javascript">googletag.cmd.push(function(){googletag.display("ad_art");});</script>\n')
    art.append(_caption_html(spec))
    art.append(_body_html(spec, rng, url))
    art.append("\n")
    art.append(SHARE_WIDGET.format(u=url) + "\n")
    topics = topics_of(" ".join([spec.headline, *spec.paragraphs]))
    if topics:
        art.append('<div class="tags">Mots-clés : ' + ", ".join(
            f'<a href="/dossiers/">{esc(t)}</a>' for t in topics[:6]) + "</div>\n")
    earlier = list(range(max(p.first_id, spec.id - 25), spec.id))
    if earlier:
        art.append('<div class="alire"><div class="titre_bloc">À lire aussi</div><ul>\n')
        for other in rng.sample(earlier, min(5, len(earlier))):
            r2 = random.Random(f"sidebar:{other}:0")
            art.append(f'<li><a href="/h/{other}.html">{esc(_headline(r2, rng.choice(list(RUBRICS))))}</a></li>\n')
        art.append("</ul></div>\n")
    art.append(_comments(brng, brng.randint(0, 6)))
    art.append("</td></tr></table>\n" if spec.old_markup else "</div>\n")
    # --- the frame
    body = [
        "<body>\n", NETBAR, HEADER, MENU,
        '<div class="pub" id="pub_top"><a href="http://pub.abamako.com/clic.asp?id=88" rel="nofollow">'
        '<img src="/pub/banniere_728x90.gif" width="728" height="90" alt="Publicité" /></a></div>\n',
        '<div id="main"><div id="colLeft">\n', *art, "</div>\n",
        _sidebar(brng, spec.id, p.first_id, boiler_rev), "</div>\n", FOOTER,
    ]
    tail = [ANALYTICS]
    page = "".join(head) + "</head>\n" + "".join(body)
    if p.page_kb:
        target = int(p.page_kb * 1024 * (0.9 + 0.2 * rng.random()))
        ph, pt = _padding(rng, target - len(page) - 400)
        page = "".join(head) + ph + "</head>\n" + "".join(body) + pt
    page += "".join(tail) + "</body>\n</html>\n"
    return _encode(page, spec.encoding)


# ---------------------------------------------------------------------------- listings, feed


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


def _simple_page(p: Params, title: str, main: str, rng: random.Random, head_extra: str = "") -> bytes:
    page = (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="fr" lang="fr">\n<head>\n'
        '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1" />\n'
        f"<title>{esc(title)}</title>\n"
        f'<link rel="alternate" type="application/rss+xml" title="aBamako.com" href="{p.base_url}/rss/rss.xml" />\n'
        f"{head_extra}"
    )
    body = "</head>\n<body>\n" + NETBAR + HEADER + MENU + '<div id="main"><div id="colLeft">\n' + main + "</div></div>\n" + FOOTER
    if p.page_kb:
        target = int(p.page_kb * 1024 * (0.9 + 0.2 * rng.random()))
        ph, pt = _padding(rng, target - len(page) - len(body) - 400)
        page += ph
        body += pt
    return _encode(page + body + ANALYTICS + "</body>\n</html>\n", "cp1252")


def _rfc822(t: dt.datetime) -> str:
    return t.strftime("%a, %d %b %Y %H:%M:%S +0000")


def _summary(a: dict) -> str:
    s = a["lead"]
    return s if len(s) < 180 else s[:177].rsplit(" ", 1)[0] + "..."


# ---------------------------------------------------------------------------- manifest, files


@dataclass
class Manifest:
    """What a generated site holds; ``manifest.json`` in the site folder.

    ``articles`` maps id -> dict with: id, path, title, headline, dateline, caption,
    publisher, rubric, published (ISO), date (YYYY-MM-DD), month, encoding (bytes:
    "cp1252" | "utf-8"), declared_charset, variant (reference variant or None), teaser,
    paragraphs (count), text (the expected article in the text format), sha256 (of
    text), topics, rev (content edits), boiler_rev (boilerplate edits), modified (ISO).
    """

    out_dir: Path
    data: dict

    @property
    def articles(self) -> dict[int, dict]:
        return {int(k): v for k, v in self.data["articles"].items()}

    @property
    def ids(self) -> list[int]:
        return sorted(int(k) for k in self.data["articles"])

    def article(self, aid: int) -> dict:
        return self.data["articles"][str(aid)]

    @property
    def reference(self) -> dict[str, int]:
        """Reference variant name -> article id."""
        return dict(self.data["reference"])

    @property
    def listings(self) -> list[str]:
        return list(self.data["listings"])

    @property
    def feeds(self) -> list[str]:
        return list(self.data["feeds"])

    @property
    def base_url(self) -> str:
        return self.data["base_url"]

    def file_for(self, url_path: str) -> Path:
        """The file served for a URL path (``/rss`` -> ``rss/index.xml``)."""
        f = self.out_dir / _file_rel(url_path)
        if f.is_dir():
            for index in ("index.html", "index.xml"):
                if (f / index).exists():
                    return f / index
        elif f.name == "index.html" and not f.exists() and (f.parent / "index.xml").exists():
            return f.parent / "index.xml"
        return f

    def save(self) -> None:
        _write(self.out_dir / "manifest.json",
               json.dumps(self.data, ensure_ascii=False, indent=1).encode("utf-8"))


def _file_rel(url_path: str) -> str:
    path, _, query = url_path.partition("?")
    rel = path.lstrip("/")
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    return rel + (f"?{query}" if query else "")


def _write(path: Path, data: bytes, mtime: float | None = None) -> bool:
    """Write ``data`` if it differs from the file; True when written.

    A rewritten file's mtime is ``mtime`` if given, else now but at least one second after
    the old mtime, so Last-Modified always moves when the bytes change."""
    old_mtime = None
    try:
        st = path.stat()
        if st.st_size == len(data) and path.read_bytes() == data:
            return False
        old_mtime = st.st_mtime
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
    if mtime is None:
        mtime = time.time()
        if old_mtime is not None and int(mtime) <= int(old_mtime):
            mtime = int(old_mtime) + 1
    os.utime(tmp, (mtime, mtime))
    os.replace(tmp, path)
    return True


def _params(m: dict) -> Params:
    return Params(**{k: m[k] for k in ("seed", "first_id", "n_articles", "page_kb", "variants",
                                       "base_url", "step_minutes", "ref_start", "ref_len")})


def _utc_ts(t: dt.datetime) -> float:
    return t.replace(tzinfo=dt.timezone.utc).timestamp()


def _article_entry(spec: Spec, page: bytes, rev: int, boiler_rev: int, modified: dt.datetime) -> dict:
    text = write(spec.parts())
    return {
        "id": spec.id, "path": article_path(spec.id), "title": spec.title,
        "headline": spec.headline, "dateline": spec.dateline, "caption": spec.caption,
        "publisher": spec.publisher, "rubric": spec.rubric,
        "published": spec.published.isoformat(), "date": spec.published.date().isoformat(),
        "month": spec.published.strftime("%Y-%m"), "date_short": short_date(spec.published.date()),
        "encoding": spec.encoding, "declared_charset": spec.declared, "variant": spec.variant,
        "teaser": spec.teaser, "paragraphs": len(spec.paragraphs),
        "lead": spec.paragraphs[0] if spec.paragraphs else "", "text": text,
        "sha256": content_hash(text), "topics": topics_of(text), "rev": rev,
        "boiler_rev": boiler_rev, "modified": modified.isoformat(), "bytes": len(page),
    }


def _write_article(out: Path, p: Params, aid: int, entry_old: dict | None, *, override=None,
                   rev=0, boiler_rev=0, edited=False) -> dict:
    spec = make_spec(p, aid, override)
    page = render_article(p, spec, boiler_rev)
    if edited:
        changed = _write(out / "h" / f"{aid}.html", page)
        mtime = (out / "h" / f"{aid}.html").stat().st_mtime
        modified = dt.datetime.fromtimestamp(mtime, dt.timezone.utc).replace(tzinfo=None)
        if not changed and entry_old:
            modified = dt.datetime.fromisoformat(entry_old["modified"])
    else:
        modified = spec.published
        _write(out / "h" / f"{aid}.html", page, mtime=_utc_ts(spec.published))
    entry = _article_entry(spec, page, rev, boiler_rev, modified)
    if override:
        entry["override"] = override
    return entry


def _write_indexes(out: Path, m: dict) -> None:
    """Home, listings, feed, sitemap, robots, dossiers, documents (only changed files)."""
    p = _params(m)
    arts = sorted(m["articles"].values(), key=lambda a: a["id"], reverse=True)
    for a in arts:
        a.setdefault("summary", _summary(a))
    listings: list[str] = ["/"]

    def prng(path: str) -> random.Random:  # per page, so one page's padding never shifts another's
        return random.Random(f"index:{p.seed}:{path}")
    # home
    top = arts[:HOME_ITEMS]
    main = '<div class="une"><div class="titre_bloc">À la une</div>\n' + "".join(_listing_item(a) for a in top) + "</div>\n"
    main += '<div class="rubriques">' + "".join(
        f'<a href="{_page_url(s, 1)}">{esc(n)}</a> ' for s, n in LISTING_SECTIONS.items()) + "</div>\n"
    main += '<div class="rss"><a href="/rss"><img src="/images/rss.gif" alt="RSS" /> Flux RSS</a></div>\n'
    _write(out / "index.html", _simple_page(p, "aBamako.com - Toute l'actualité du Mali", main, prng("/"),
                                            '<meta name="description" content="Actualité du Mali" />\n'))
    # sections, paginated
    for section, name in LISTING_SECTIONS.items():
        items = arts if section == "depeches" else [a for a in arts if RUBRICS[a["rubric"]] == section]
        last = max(1, -(-len(items) // PER_PAGE))
        for n in range(1, last + 1):
            chunk = items[(n - 1) * PER_PAGE:n * PER_PAGE]
            main = (f'<h1 class="FontRubriqueTitle">{esc(name)}</h1>\n<div class="listing">\n'
                    + "".join(_listing_item(a) for a in chunk) + "</div>\n" + _pagination(section, n, last))
            page = _simple_page(p, f"{name} - page {n} - abamako.com", main, prng(_page_url(section, n)))
            _write(out / "rubriques" / f"{section}.asp?page={n}", page)
            if n == 1:
                _write(out / "rubriques" / f"{section}.asp", page)
                listings.append(_page_url(section, 1))
            else:
                listings.append(_page_url(section, n))
        # stale pages from a larger site are not expected (sites only grow)
    # dossiers and documents
    secu = [a for a in arts if "sécurité" in a["topics"] or "Wagner" in a["topics"]][:20]
    main = ('<h1 class="FontRubriqueTitle">Dossiers</h1>\n<div class="dossier"><h2>Sécurité au Sahel</h2>\n'
            + "".join(_listing_item(a) for a in secu) + "</div>\n")
    _write(out / "dossiers" / "index.html", _simple_page(p, "Dossiers - abamako.com", main, prng("/dossiers/")))
    docs = "".join(f'<li><a href="/documents/doc_{k}.pdf">Communiqué du gouvernement n° {k}</a></li>\n' for k in range(1, 4))
    _write(out / "documents" / "index.html", _simple_page(
        p, "Documents - abamako.com", f'<h1 class="FontRubriqueTitle">Documents</h1>\n<ul>\n{docs}</ul>\n', prng("/documents/")))
    for k in range(1, 4):
        _write(out / "documents" / f"doc_{k}.pdf",
               b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    listings += ["/dossiers/", "/documents/"]
    # feed
    newest = arts[:FEED_ITEMS]
    items = []
    for a in newest:
        link = f"{p.base_url}{a['path']}"
        items.append(
            f"<item>\n<title>{esc(a['headline'])}</title>\n<link>{link}</link>\n"
            f"<description>{esc(a['summary'])}</description>\n<category>{esc(a['rubric'])}</category>\n"
            f"<pubDate>{_rfc822(dt.datetime.fromisoformat(a['published']))}</pubDate>\n"
            f'<guid isPermaLink="true">{link}</guid>\n</item>\n')
    last_build = dt.datetime.fromisoformat(newest[0]["published"]) if newest else REF_DAY
    feed = (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">\n'
        f"<channel>\n<title>aBamako.com - Actualité du Mali</title>\n<link>{p.base_url}/</link>\n"
        f'<atom:link href="{p.base_url}/rss/rss.xml" rel="self" type="application/rss+xml" />\n'
        "<description>Toute l'actualité du Mali</description>\n<language>fr</language>\n"
        f"<lastBuildDate>{_rfc822(last_build)}</lastBuildDate>\n" + "".join(items) + "</channel>\n</rss>\n"
    ).encode("utf-8")
    _write(out / "rss" / "rss.xml", feed)
    _write(out / "rss" / "index.xml", feed)
    # sitemap (a guess: the real site is not known to have one)
    urls = "".join(
        f"<url><loc>{p.base_url}{a['path']}</loc><lastmod>{a['modified'][:19]}+00:00</lastmod></url>\n"
        for a in reversed(arts))
    _write(out / "sitemap.xml", ('<?xml version="1.0" encoding="UTF-8"?>\n'
                                 '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                                 + urls + "</urlset>\n").encode("utf-8"))
    _write(out / "robots.txt", (f"User-agent: *\nDisallow: /admin/\nDisallow: /recherche/\n\n"
                                f"Sitemap: {p.base_url}/sitemap.xml\n").encode("ascii"))
    if not (out / "faults.json").exists():
        _write(out / "faults.json", b"{}\n")
    m["listings"] = listings
    m["feeds"] = ["/rss/rss.xml", "/rss"]
    m["sitemaps"] = ["/sitemap.xml"]
    m["other"] = ["/robots.txt", "/documents/doc_1.pdf"]
    for a in arts:
        a.pop("summary", None)


# ---------------------------------------------------------------------------- public API


def generate_site(out_dir, *, n_articles: int = 60, first_id: int = 270000, seed: int = 0,
                  page_kb: float | None = None, variants: bool = True,
                  base_url: str = DEFAULT_BASE_URL) -> Manifest:
    """Write a replica aBamako site into ``out_dir`` and return its manifest.

    Ids run from ``first_id`` to ``first_id + n_articles - 1``; with ``variants`` the
    seven reference variants (``REFERENCE_VARIANTS``) take consecutive ids, all dated 30
    June 2022, and publication dates increase with ids. ``page_kb`` pads every HTML page
    with boilerplate to about that size (±10%). ``base_url`` is the prefix of absolute
    URLs, rewritten by the replica server to its own.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if variants and n_articles < len(REFERENCE_VARIANTS):
        raise ValueError(f"variants need n_articles >= {len(REFERENCE_VARIANTS)}")
    ref_len = len(REFERENCE_VARIANTS) if variants else 0
    offset = min(20, (n_articles - ref_len) // 2)
    step = max(10.0, min(3 * 24 * 60.0, 540 * 24 * 60.0 / max(1, n_articles)))
    m = {
        "format": FORMAT, "generator": "replica", "site_name": SITE_NAME,
        "seed": seed, "first_id": first_id, "n_articles": n_articles, "page_kb": page_kb,
        "variants": variants, "base_url": base_url.rstrip("/"), "step_minutes": step,
        "ref_start": first_id + offset, "ref_len": ref_len, "per_page": PER_PAGE,
        "pagination": "/rubriques/<section>.asp?page=N (page 1 also without ?page)",
        "articles": {}, "reference": {},
    }
    p = _params(m)
    for aid in range(first_id, first_id + n_articles):
        entry = _write_article(out, p, aid, None)
        m["articles"][str(aid)] = entry
        if entry["variant"]:
            m["reference"][entry["variant"]] = aid
            ref_text = SEED_FILE.read_bytes().decode("utf-8")
            assert entry["text"] == ref_text, "reference variant does not give the seed text"
    _write_indexes(out, m)
    man = Manifest(out, m)
    man.save()
    return man


def load_manifest(out_dir) -> Manifest:
    out = Path(out_dir)
    return Manifest(out, json.loads((out / "manifest.json").read_bytes()))


def edit_article(out_dir, aid: int, *, body: list[str] | str | None = None,
                 headline: str | None = None, boilerplate_only: bool = False) -> dict:
    """Change article ``aid`` on disk and in the manifest; returns its new entry.

    - ``boilerplate_only``: only the page's boilerplate changes (view counter, sidebar,
      comments); headline, dateline, caption and body bytes stay the same, so the
      expected text (and its sha256) does not change but the page's bytes and ETag do.
    - ``body``: new paragraphs (a list, or a string split on blank lines).
    - ``headline``: a new headline (title follows).
    - neither: a content edit: an update paragraph is appended to the body.
    Listings, feed and sitemap are refreshed (only files whose bytes change are written).
    """
    return edit_articles(out_dir, [aid], body=body, headline=headline,
                         boilerplate_only=boilerplate_only)[0]


def edit_articles(out_dir, ids, *, body: list[str] | str | None = None,
                  headline: str | None = None, boilerplate_only: bool = False) -> list[dict]:
    """``edit_article`` for several ids, refreshing the indexes and manifest once."""
    out = Path(out_dir)
    man = load_manifest(out)
    m = man.data
    p = _params(m)
    entries = []
    for aid in ids:
        old = m["articles"][str(aid)]
        override = dict(old.get("override") or {})
        rev, boiler_rev = old["rev"], old["boiler_rev"]
        if boilerplate_only:
            if body is not None or headline is not None:
                raise ValueError("boilerplate_only excludes body and headline")
            boiler_rev += 1
        else:
            rev += 1
            if body is not None:
                override["paragraphs"] = ([x for x in re.split(r"\n\s*\n", body) if x.strip()]
                                          if isinstance(body, str) else list(body))
            if headline is not None:
                override["headline"] = headline
            if body is None and headline is None:
                cur = override.get("paragraphs") or make_spec(p, aid).paragraphs
                rng = random.Random(f"edit:{p.seed}:{aid}:{rev}")
                override["paragraphs"] = list(cur) + [
                    f"Mise à jour ({rev}) : {_fr(_sentence(rng, old['rubric']))}"]
        entry = _write_article(out, p, aid, old, override=override or None, rev=rev,
                               boiler_rev=boiler_rev, edited=True)
        m["articles"][str(aid)] = entry
        entries.append(entry)
    _write_indexes(out, m)
    man.save()
    return entries


def add_articles(out_dir, n: int) -> list[int]:
    """Add ``n`` new articles after the highest id (dates keep increasing); refresh the
    home page, listings, feed and sitemap. Returns the new ids."""
    out = Path(out_dir)
    man = load_manifest(out)
    m = man.data
    p = _params(m)
    start = max(man.ids) + 1
    new = list(range(start, start + n))
    for aid in new:
        m["articles"][str(aid)] = _write_article(out, p, aid, None)
    _write_indexes(out, m)
    man.save()
    return new
