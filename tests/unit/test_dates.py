"""scrapers.parsers.dates: French datelines, numeric, ISO and RFC 2822 dates."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrapers.parsers.dates import (
    fold,
    parse_date,
    parse_french_date,
    parse_iso_date,
    parse_numeric_date,
    parse_rfc2822_date,
    publisher_from_dateline,
)

D = dt.date


@pytest.mark.parametrize("text,expected", [
    ("Publié le jeudi 30 juin 2022 | Dw", D(2022, 6, 30)),
    ("Publié le vendredi 17 septembre 2021 | aBamako.com", D(2021, 9, 17)),
    ("Publié le lundi 1er novembre 2021 | Le 22 Septembre", D(2021, 11, 1)),
    ("Publié le lundi 1 er novembre 2021", D(2021, 11, 1)),
    ("Publié le dimanche 1er août 2021 | Dw", D(2021, 8, 1)),
    ("Publié le dimanche 1er aout 2021 | Dw", D(2021, 8, 1)),
    ("Publié le jeudi 3 février 2022", D(2022, 2, 3)),
    ("Publie le jeudi 3 fevrier 2022", D(2022, 2, 3)),
    ("Publié le vendredi 17 décembre 2021", D(2021, 12, 17)),
    ("Publié le vendredi 17 decembre 2021", D(2021, 12, 17)),
    ("PUBLIÉ LE LUNDI 23 JANVIER 2023", D(2023, 1, 23)),
    ("le 12 Mai 2025", D(2025, 5, 12)),
    ("2 sept. 2020", D(2020, 9, 2)),
    ("14 févr. 2024", D(2024, 2, 14)),
    ("Publié le\xa030\xa0juin\u202f2022", D(2022, 6, 30)),
    ("Source - Rubrique - 30 juin 2022", D(2022, 6, 30)),
    ("Publié le 30/06/2022 | Dw", D(2022, 6, 30)),
    ("Publié le 03/02/2022", D(2022, 2, 3)),  # day first
    ("Publié le 3-2-2022", D(2022, 2, 3)),
    ("Publié le 30.06.2022", D(2022, 6, 30)),
    ("Publié le 30/06/22", D(2022, 6, 30)),
    ("Publié le 30 juin 2022, mis à jour le 01/07/2022", D(2022, 6, 30)),  # first written wins
    ("Publié le 01/07/2022, soit le 30 juin 2022 selon", D(2022, 7, 1)),
])
def test_parse_french_date(text, expected):
    assert parse_french_date(text) == expected


@pytest.mark.parametrize("text", [
    None, "", "Publié récemment", "Publié le 31 février 2022", "Publié le 32 juin 2022",
    "Publié le 30/13/2022", "le 30 juinet 2022", "2022", "12 mars", "Dw",
])
def test_no_date(text):
    assert parse_french_date(text) is None


def test_numeric_only():
    assert parse_numeric_date("le 30/06/2022") == D(2022, 6, 30)
    assert parse_numeric_date("le 30 juin 2022") is None
    assert parse_numeric_date("version 1.2.3") is None


@pytest.mark.parametrize("text,expected", [
    ("2022-06-30", D(2022, 6, 30)),
    ("2022-06-30T23:59:00+00:00", D(2022, 6, 30)),
    ("2022-06-30T23:30:00-05:00", D(2022, 6, 30)),  # the date as written, no TZ shift
    ("20220630", D(2022, 6, 30)),
    ("2022-02-30", None),
    ("garbage", None),
    (None, None),
])
def test_parse_iso_date(text, expected):
    assert parse_iso_date(text) == expected


def test_parse_rfc2822_date():
    assert parse_rfc2822_date("Thu, 30 Jun 2022 10:00:00 GMT") == D(2022, 6, 30)
    assert parse_rfc2822_date("30 Jun 2022 23:00:00 +0000") == D(2022, 6, 30)
    assert parse_rfc2822_date("not a date") is None
    assert parse_rfc2822_date("") is None


def test_parse_date_any_form():
    assert parse_date("2022-06-30T10:00:00Z") == D(2022, 6, 30)
    assert parse_date("Thu, 30 Jun 2022 10:00:00 GMT") == D(2022, 6, 30)
    assert parse_date("jeudi 30 juin 2022") == D(2022, 6, 30)
    assert parse_date("30/06/2022") == D(2022, 6, 30)
    assert parse_date("hier") is None


def test_fold():
    assert fold("Août Décembre FÉVRIER") == "aout decembre fevrier"
    assert fold("ascii") == "ascii"


def test_publisher_from_dateline():
    assert publisher_from_dateline("Publié le jeudi 30 juin 2022 | Dw") == "Dw"
    assert publisher_from_dateline("Publié le 30/06/2022 |  Le 22\xa0Septembre ") == "Le 22 Septembre"
    assert publisher_from_dateline("Publié le 30/06/2022") == ""
    assert publisher_from_dateline("") == ""


WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre"]


@given(st.dates(min_value=D(1990, 1, 1), max_value=D(2099, 12, 31)), st.booleans(), st.booleans())
@settings(max_examples=300, deadline=None)
def test_roundtrip_french_dateline(d, accents, numeric):
    if numeric:
        text = f"Publié le {d.day:02d}/{d.month:02d}/{d.year} | Dw"
    else:
        day = "1er" if d.day == 1 else str(d.day)
        month = MONTHS[d.month - 1]
        if not accents:
            month = fold(month)
        text = f"Publié le {WEEKDAYS[d.weekday()]} {day} {month} {d.year} | Dw"
    assert parse_french_date(text) == d


@given(st.text(max_size=100))
@settings(max_examples=300, deadline=None)
def test_never_raises(s):
    parse_french_date(s)
    parse_date(s)
    parse_iso_date(s)
    parse_rfc2822_date(s)
