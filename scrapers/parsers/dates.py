"""Publication dates as the Sahel news sites write them.

- French datelines: ``Publié le jeudi 30 juin 2022 | Dw``, ``1er août 2021``,
  ``3 fevrier 2020`` (accents or not, any case), abbreviations ``janv.``, ``févr.``,
  ``sept.`` ...; the weekday is ignored (sites get it wrong).
- Numeric ``dd/mm/yyyy`` (also ``dd-mm-yyyy``, ``dd.mm.yyyy``, two-digit years), day first.
- ISO 8601 (``2022-06-30``, ``2022-06-30T10:00:00+00:00``) from ``article:published_time``
  and JSON-LD, and RFC 2822 (``Thu, 30 Jun 2022 10:00:00 GMT``) from RSS.

All functions return ``datetime.date`` or None; none raises on bad input. The date is the
calendar date as written (no time-zone conversion): the month in the text format is the
month the page shows.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from email.utils import parsedate_tz

__all__ = [
    "MONTHS",
    "fold",
    "parse_french_date",
    "parse_numeric_date",
    "parse_iso_date",
    "parse_rfc2822_date",
    "parse_date",
    "publisher_from_dateline",
]

MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1,
    "fevrier": 2, "fevr": 2, "fev": 2, "fevrie": 2,
    "mars": 3, "mar": 3,
    "avril": 4, "avr": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7, "juil": 7,
    "aout": 8, "aou": 8,
    "septembre": 9, "sept": 9, "sep": 9,
    "octobre": 10, "oct": 10,
    "novembre": 11, "nov": 11,
    "decembre": 12, "dec": 12,
}

_MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))
# "30 juin 2022", "1er août 2021", "1 er aout 2021", "2 sept. 2020", "30 JUIN 2022"
_FR = re.compile(
    r"(?<![0-9])([0-3]?[0-9])\s*(?:er|e|°|º)?\s+(" + _MONTH_ALT + r")\.?,?\s+([12][0-9]{3})(?![0-9])"
)
# "juin 30, 2022" is not French; not handled on purpose.
_NUM = re.compile(r"(?<![0-9/.-])([0-3]?[0-9])\s?([/.-])\s?([01]?[0-9])\2([12][0-9]{3}|[0-9]{2})(?![0-9])")
_ISO = re.compile(r"(?<![0-9])([12][0-9]{3})-([01]?[0-9])-([0-3]?[0-9])(?![0-9])")
_ISO_COMPACT = re.compile(r"^\s*([12][0-9]{3})([01][0-9])([0-3][0-9])(?:T|\s|$)")


_ACCENTS = str.maketrans("àâäáãåçéèêëíìîïñóòôöõúùûüýÿÀÂÄÁÃÅÇÉÈÊËÍÌÎÏÑÓÒÔÖÕÚÙÛÜÝ",
                         "aaaaaaceeeeiiiinooooouuuuyyAAAAAACEEEEIIIINOOOOOUUUUY")


def fold(text: str) -> str:
    """Lowercase, accents stripped, NBSP and friends as spaces: ``Août`` → ``aout``."""
    if text.isascii():
        return text.lower()
    text = text.translate(_ACCENTS)
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    out = "".join(c for c in decomposed if not unicodedata.combining(c))
    return out.lower()


def _mkdate(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def _year2(y: str) -> int:
    n = int(y)
    if len(y) == 2:
        n += 2000 if n < 70 else 1900
    return n


def _french_candidates(text: str):
    for m in _FR.finditer(fold(text)):
        d = _mkdate(int(m.group(3)), MONTHS[m.group(2)], int(m.group(1)))
        if d:
            yield m.start(), d


def _numeric_candidates(text: str):
    for m in _NUM.finditer(text):
        d = _mkdate(_year2(m.group(4)), int(m.group(3)), int(m.group(1)))
        if d:
            yield m.start(), d


def parse_french_date(text: str | None) -> dt.date | None:
    """The first date written in French words or as ``dd/mm/yyyy`` in ``text``.

    When both forms occur, the one written first wins.
    """
    if not text:
        return None
    best = None
    for pos, d in _french_candidates(text):
        best = (pos, d)
        break
    for pos, d in _numeric_candidates(text):
        if best is None or pos < best[0]:
            best = (pos, d)
        break
    return best[1] if best else None


def parse_numeric_date(text: str | None) -> dt.date | None:
    """The first ``dd/mm/yyyy`` (or ``-`` / ``.`` separated) date in ``text``."""
    if not text:
        return None
    for _, d in _numeric_candidates(text):
        return d
    return None


def parse_iso_date(text: str | None) -> dt.date | None:
    """The date of an ISO 8601 string (``2022-06-30``, ``2022-06-30T10:00:00Z``, ``20220630``)."""
    if not text:
        return None
    m = _ISO.search(text)
    if m:
        return _mkdate(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _ISO_COMPACT.match(text)
    if m:
        return _mkdate(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    return None


def parse_rfc2822_date(text: str | None) -> dt.date | None:
    """The date of an RFC 2822 string (RSS ``pubDate``), as written (no TZ shift)."""
    if not text:
        return None
    try:
        t = parsedate_tz(text.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if not t:
        return None
    return _mkdate(t[0], t[1], t[2])


def parse_date(text: str | None) -> dt.date | None:
    """Any of the above, tried in the order ISO, RFC 2822, French/numeric."""
    if not text:
        return None
    s = text.strip()
    if _ISO.match(s) or _ISO_COMPACT.match(s):
        return parse_iso_date(s)
    if re.match(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s", s + " "):
        d = parse_rfc2822_date(s)
        if d:
            return d
    return parse_french_date(s) or parse_iso_date(s)


def publisher_from_dateline(dateline: str | None) -> str:
    """The original publisher a dateline names after ``|``: ``... 2022 | Dw`` → ``Dw``."""
    if not dateline or "|" not in dateline:
        return ""
    return " ".join(dateline.split("|", 1)[1].split())
