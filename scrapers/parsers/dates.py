"""Publication dates as the Sahel news sites write them.

- French datelines: ``Publié le jeudi 30 juin 2022 | Dw``, ``1er août 2021``,
  ``3 fevrier 2020`` (accents or not, any case), abbreviations ``janv.``, ``févr.``,
  ``sept.`` ...; the weekday is ignored (sites get it wrong).
- Numeric ``dd/mm/yyyy`` (also ``dd-mm-yyyy``, ``dd.mm.yyyy``, two-digit years), day first.
- ISO 8601 (``2022-06-30``, ``2022-06-30T10:00:00+00:00``) from ``article:published_time``
  and JSON-LD, and RFC 2822 (``Thu, 30 Jun 2022 10:00:00 GMT``) from RSS.
- Dates as other languages write them, for any news page (:func:`parse_text_date`):
  ``1. Februar 2022``, ``June 13, 2019``, ``Feb 18 2009``, ``14 de enero de 2020``,
  ``14 gennaio 2020``, ``5 stycznia 2021``, ``4. 2. 2022``, ``2021/09/19``; month names
  of English, German, French, Spanish, Italian, Portuguese, Dutch, Polish, the Nordic
  languages, Czech and Finnish (:data:`MONTH_NAMES`).

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
    "parse_text_date",
    "find_text_date",
    "MONTH_NAMES",
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


# Month names and abbreviations, folded (lowercase, no accents), one line a month:
# English, German (Jänner, Feber: Austria), Spanish, Italian, Portuguese, Dutch, the Nordic
# languages, Polish, Czech and Finnish as dates write them (genitive, partitive). The
# French ones are MONTHS.
_MONTH_WORDS = (
    "january jan januar janner jaen enero ene gennaio gen janeiro januari januar "
    "stycznia styczen ledna tammikuuta",
    "february feb februar feber febrero febbraio fevereiro fev februari "
    "lutego luty unora helmikuuta",
    "march mar marz maerz mrz marzo marco maart mrt mars marts marca marzec brezna maaliskuuta",
    "april apr abril abr aprile kwietnia kwiecien dubna huhtikuuta",
    "may mai mayo maggio mag maio mei maj maja kvetna toukokuuta",
    "june jun juni junio giugno giu junho czerwca czerwiec cervna kesakuuta",
    "july jul juli julio luglio lug julho lipca lipiec cervence heinakuuta",
    "august aug agosto ago augustus augusti sierpnia sierpien srpna elokuuta",
    "september sep sept septiembre setiembre settembre set setembro wrzesnia wrzesien zari syyskuuta",
    "october oct oktober okt octubre ottobre ott outubro out pazdziernika pazdziernik rijna lokakuuta",
    "november nov noviembre novembre novembro listopada listopad listopadu marraskuuta",
    "december dec dezember dez diciembre dic dicembre dezembro desember grudnia grudzien "
    "prosince joulukuuta",
)


def _month_table() -> dict[str, int]:
    table = dict(MONTHS)
    for n, words in enumerate(_MONTH_WORDS, 1):
        for name in words.split():
            if table.setdefault(name, n) != n:  # pragma: no cover - a mistake in the table
                raise AssertionError(f"month name {name!r} means two months")
    return table


MONTH_NAMES: dict[str, int] = _month_table()

_NAME_ALT = "|".join(sorted(MONTH_NAMES, key=len, reverse=True))
_YEAR = r"((?:19|20)[0-9]{2})(?![0-9])"
# "1. Februar 2022", "13 June 2019", "14 de enero de 2020", "20 Feb, 2020", "5th of May 2021"
_DAY_MONTH = re.compile(
    r"(?<![0-9])([0-3]?[0-9])(?:\.|st|nd|rd|th|er|e|°|º)?\s*(?:of\s+|de\s+|d'\s*)?(" + _NAME_ALT
    + r")(?![a-z])\.?,?\s*(?:de\s+|del\s+|,\s*)?" + _YEAR
)
# "June 13, 2019", "Feb 18 2009", "Juli 9, 2016", "Mar 12, 2020"
_MONTH_DAY = re.compile(
    r"(?<![a-z])(" + _NAME_ALT + r")\.?\s+([0-3]?[0-9])(?:st|nd|rd|th)?(?![0-9]),?\s+" + _YEAR
)
# "4. 2. 2022", "04.02.2022", "4/2/2022": day first (see parse_french_date)
_NUM_SPACED = re.compile(r"(?<![0-9/.-])([0-3]?[0-9])\.\s([01]?[0-9])\.\s?((?:19|20)[0-9]{2})(?![0-9])")
# "2021/09/19", "2021.09.19"
_YMD = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})([/.])([01]?[0-9])\2([0-3]?[0-9])(?![0-9])")


def _text_candidates(text: str):
    """(start, end, date) of the first date of each form in ``text``."""
    folded = fold(text)
    if len(folded) != len(text):  # a decomposed character: positions in the folded text
        text = folded
    forms = (
        (_DAY_MONTH, folded, lambda m: (int(m.group(3)), MONTH_NAMES[m.group(2)], int(m.group(1)))),
        (_MONTH_DAY, folded, lambda m: (int(m.group(3)), MONTH_NAMES[m.group(1)], int(m.group(2)))),
        (_NUM_SPACED, text, lambda m: (int(m.group(3)), int(m.group(2)), int(m.group(1)))),
        (_YMD, text, lambda m: (int(m.group(1)), int(m.group(3)), int(m.group(4)))),
        (_ISO, text, lambda m: (int(m.group(1)), int(m.group(2)), int(m.group(3)))),
        (_NUM, text, lambda m: (_year2(m.group(4)), int(m.group(3)), int(m.group(1)))),
    )
    for rx, where, ymd in forms:
        for m in rx.finditer(where):
            d = _mkdate(*ymd(m))
            if d:
                yield m.start(), m.end(), d
                break


def find_text_date(text: str | None) -> tuple[dt.date, int, int] | None:
    """(date, start, end) of the first date written in ``text`` in any of the forms of
    the module doc (month names of many languages, numeric day first, year first); None
    without one. A year alone, a day and month without a year, or a two-digit year with
    a month name are not dates here."""
    if not text:
        return None
    best = None
    for start, end, d in _text_candidates(text):
        if best is None or start < best[1]:
            best = (d, start, end)
    return best


def parse_text_date(text: str | None) -> dt.date | None:
    """The date of :func:`find_text_date`, or None."""
    found = find_text_date(text)
    return found[0] if found else None


def publisher_from_dateline(dateline: str | None) -> str:
    """The original publisher a dateline names after ``|``: ``... 2022 | Dw`` → ``Dw``."""
    if not dateline or "|" not in dateline:
        return ""
    return " ".join(dateline.split("|", 1)[1].split())
