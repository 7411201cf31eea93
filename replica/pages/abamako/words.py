"""The aBamako replica's synthetic French: subjects, verbs, objects, places, headlines.

Sentences, paragraphs and headlines are drawn from these lists by a seeded
``random.Random``, so a page's text is a pure function of its seed. What they read like
follows the real site's wire copy (Malian politics, economy, society, sport, the Sahel).

Decisions:
- The lists are tuples or lists as they were first written: a seeded choice depends only
  on their order, and every generated site depends on these choices (tests compare exact
  texts). Append, never reorder.
- ``contract`` fixes the contractions the templates produce ("à les" -> "aux").
"""

from __future__ import annotations

import random
import re

__all__ = [
    "CAPTIONS", "PLACES", "WHO", "contract", "fill", "headline", "paragraph", "sentence",
]

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


def contract(s: str) -> str:
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


def fill(t: str, rng: random.Random, rubric: str) -> str:
    """Template ``t`` with a place, a topic of ``rubric`` and a person drawn from ``rng``."""
    return t.format(
        place=rng.choice(PLACES),
        topic=rng.choice(OBJECTS[rubric]),
        who=rng.choice(WHO),
    )


def sentence(rng: random.Random, rubric: str) -> str:
    """One sentence on ``rubric``: subject, verb, object (and a circumstance), an opener,
    or a free sentence."""
    k = rng.random()
    if k < 0.45:
        subj = rng.choice(SUBJECTS[rubric])
        s = f"{subj} {rng.choice(VERBS)} {rng.choice(OBJECTS[rubric])}"
        if rng.random() < 0.6:
            s += ", " + fill(rng.choice(CIRCUMSTANCES), rng, rubric)
        return s + "."
    if k < 0.7:
        op = rng.choice(OPENERS)
        subj = _low(rng.choice(SUBJECTS[rubric]))
        if op == "Il faut noter que":
            subj = _low(subj)
        return f"{op} {subj} {rng.choice(VERBS)} {rng.choice(OBJECTS[rubric])}."
    return fill(rng.choice(FREE), rng, rubric)


def paragraph(rng: random.Random, rubric: str) -> str:
    """Two to five sentences on ``rubric``."""
    return contract(" ".join(sentence(rng, rubric) for _ in range(rng.randint(2, 5))))


def headline(rng: random.Random, rubric: str) -> str:
    """A headline on ``rubric``, capitalised."""
    obj = rng.choice(OBJECTS[rubric])
    subj = rng.choice(SUBJECTS[rubric]).rstrip(",")
    if subj.endswith(")") is False and "," in subj:
        subj = subj.split(",")[0]
    topic = rng.choice(("Mali", "Sécurité", "Transition", "Sahel", "Bamako", rubric))
    h = rng.choice(HEADLINES).format(
        place=rng.choice(PLACES), obj=obj, obj_cap=_cap(obj), obj_l=obj, subj=subj,
        subj_l=_low(subj), verb=rng.choice(VERBS), topic_cap=topic, who=rng.choice(WHO),
    )
    return _cap(contract(h))

