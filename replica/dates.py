"""Dates as the replica writes them: French dates, RFC 822 dates, ISO 8601 in UTC.

Every site family and the server format their dates here, once.

Decisions:
- Generated dates are naive datetimes meaning UTC (the sites are dated in UTC; the
  manifests keep ``isoformat()`` of them); a naive datetime given to a formatter here is
  taken as UTC.
- RFC 822 dates go through :func:`email.utils.format_datetime` (English day and month
  names whatever the locale): ``+0000`` in feeds (``<pubDate>``), ``GMT`` in HTTP headers
  (``Date``, ``Last-Modified``; RFC 9110's IMF-fixdate), seconds truncated.
- French dates: ``9 mai 2024``, with the weekday ``jeudi 9 mai 2024``; ``plain`` writes the
  month without accents (``fevrier``, ``aout``), as some aBamako datelines do.
"""

from __future__ import annotations

import datetime as dt
import email.utils

__all__ = [
    "MONTHS",
    "MONTHS_PLAIN",
    "WEEKDAYS",
    "french_date",
    "from_timestamp",
    "iso_utc",
    "parse_rfc822",
    "rfc822",
    "utc_timestamp",
    "year_month",
]

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")
MONTHS_PLAIN = ("janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout",
                "septembre", "octobre", "novembre", "decembre")


def french_date(d: dt.date, *, weekday: bool = False, plain: bool = False) -> str:
    """``9 mai 2024``; ``jeudi 9 mai 2024`` with ``weekday``; months without accents
    with ``plain``."""
    months = MONTHS_PLAIN if plain else MONTHS
    s = f"{d.day} {months[d.month - 1]} {d.year}"
    return f"{WEEKDAYS[d.weekday()]} {s}" if weekday else s


def rfc822(when: dt.datetime | float, *, gmt: bool = False) -> str:
    """``Thu, 09 May 2024 10:15:00 +0000`` (``... GMT`` with ``gmt``, for HTTP headers)
    of a datetime (naive: UTC) or of seconds since the epoch."""
    if not isinstance(when, dt.datetime):
        when = dt.datetime.fromtimestamp(when, dt.timezone.utc)
    elif when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return email.utils.format_datetime(when, usegmt=gmt)


def parse_rfc822(text: str) -> float:
    """Seconds since the epoch of an RFC 822 / HTTP date; raises TypeError, ValueError,
    IndexError or OverflowError on a malformed one."""
    return email.utils.parsedate_to_datetime(text).timestamp()


def year_month(d: dt.date) -> str:
    """``2024-05``: the date line of the text format (its first field)."""
    return f"{d:%Y-%m}"


def iso_utc(d: dt.datetime) -> str:
    """``2024-05-09T10:15:00+00:00`` (seconds, no fraction)."""
    return d.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def utc_timestamp(d: dt.datetime) -> float:
    """Seconds since the epoch of a naive UTC datetime."""
    return d.replace(tzinfo=dt.timezone.utc).timestamp()


def from_timestamp(t: float) -> dt.datetime:
    """The naive UTC datetime of seconds since the epoch."""
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).replace(tzinfo=None)
