"""What decides an aBamako article: its spec, drawn from (seed, id) and the site's edits.

``make_spec(params, id, override)`` gives the :class:`Spec` of one article: rubric,
publisher, headline, dateline, caption, paragraphs, and the markup choices its page is
rendered with (encoding and declared charset, body style, spans, caption markup, old table
markup, entities...). :class:`Params` are the site's generation parameters, kept in the
manifest; they also date the articles (``pub_datetime``).

Decisions:
- The seven reference variants (``REFERENCE_VARIANTS``) take consecutive ids, all dated
  30 June 2022: each renders the seed article (seeds/000_4c2eddb1c88bd00e.txt) in other
  markup, and its expected text is the seed file byte for byte.
- Dates increase with ids; articles before the reference block are dated before it,
  later ones after, ``step_minutes`` apart with a seeded jitter.
- An edit is an override of paragraphs or headline, never a new draw: the rest of the
  spec stays what the seed made it.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from replica.dates import french_date, year_month
from replica.pages.abamako import words
from veille.core.textformat import TextParts, read

__all__ = [
    "REFERENCE_VARIANTS",
    "RUBRICS",
    "REF_DAY",
    "SEED_FILE",
    "SITE_NAME",
    "Params",
    "Spec",
    "article_path",
    "make_spec",
    "reference_parts",
    "topics_of",
]

SITE_NAME = "abamako.com"
REFERENCE_VARIANTS = ("p", "br", "utf8", "whitespace", "split", "script", "oldmarkup")
REF_DAY = dt.datetime(2022, 6, 30)
REF_RUBRIC = "International"
SEED_FILE = Path(__file__).resolve().parents[3] / "seeds" / "000_4c2eddb1c88bd00e.txt"
RUBRICS = {
    "Politique": "politique",
    "Économie": "economie",
    "Société": "societe",
    "Sport": "sport",
    "International": "international",
}
TOPICS = (
    "OTAN", "Mali", "Russie", "Wagner", "sécurité", "CEDEAO", "Transition", "Barkhane",
    "MINUSMA", "terrorisme", "France", "Bamako", "électricité", "coton",
)

PUBLISHERS = ("aBamako.com", "aBamako.com", "Dw", "Le 22 Septembre", "arc en ciel", "L'Essor",
              "Le Républicain", "Mali Tribune", "Studio Tamani", "L'Indépendant", "RFI", "AFP")
PHOTOGRAPHERS = ("A.S", "DR", "Diallo", "Moussa Sissoko", "Koné", "Archives", "Sidiki Dembélé")


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
            date=year_month(self.published),
            title=self.title,
            headline=self.headline,
            dateline=self.dateline,
            caption=self.caption,
            paragraphs=self.paragraphs,
        )


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

    @classmethod
    def from_manifest(cls, m: dict) -> Params:
        return cls(**{k: m[k] for k in ("seed", "first_id", "n_articles", "page_kb", "variants",
                                        "base_url", "step_minutes", "ref_start", "ref_len")})

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
        headline = words.headline(rng, rubric)
        if rng.random() < 0.3:
            headline = headline.replace("'", "’")
        title_headline = headline
        if "’" in headline and rng.random() < 0.4:
            title_headline = headline.replace("’", "'")
        elif "'" in headline and rng.random() < 0.2:
            title_headline = headline.replace("'", "’")
        teaser = rng.random() < 0.08
        n_par = rng.randint(1, 2) if teaser else rng.randint(3, 15)
        paragraphs = [words.paragraph(rng, rubric) for _ in range(n_par)]
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
            dateline = f"Publié le {french_date(d, weekday=True, plain=r < 0.14)} | {publisher}"
        photo_roll = rng.random()
        photo = caption = credit = ""
        if photo_roll < 0.72:
            photo = f"/img_photos/{d:%Y/%m/%d}/{aid}_{rng.randint(1000, 9999)}.jpg"
            credit = f"© aBamako.com par {rng.choice(PHOTOGRAPHERS)}"
            if photo_roll < 0.66:
                caption = words.fill(rng.choice(words.CAPTIONS), rng, rubric).replace("'", "`")
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
            spec.two_sources = f"Publié le {french_date(d, weekday=True)} | {other}"
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

