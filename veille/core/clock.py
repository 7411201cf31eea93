"""Time as veille stores it: aware UTC datetimes, written ``2026-11-27T17:13:05.123Z``.

Decisions:

- One format for every timestamp in the store, the reports and the Redis messages: ISO 8601
  in UTC with milliseconds and a ``Z`` (:func:`iso`). It sorts as text, so SQL compares
  timestamps as strings.
- :func:`parse_iso` reads what :func:`iso` writes and any ISO 8601 datetime; a naive one is
  taken as UTC; what does not parse gives None (stored values are data, not code).
"""

from __future__ import annotations

import datetime as dt

__all__ = ["now", "utcnow", "iso", "parse_iso"]


def now() -> dt.datetime:
    """Now, an aware UTC datetime."""
    return dt.datetime.now(dt.timezone.utc)


def iso(when: dt.datetime) -> str:
    """``when`` as the store writes timestamps: ISO 8601 UTC, milliseconds, ``Z``."""
    return when.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def utcnow() -> str:
    """Now, as :func:`iso` writes it: ``2026-11-27T17:13:05.123Z``."""
    return iso(now())


def parse_iso(value: str | None) -> dt.datetime | None:
    """An aware UTC datetime from an ISO 8601 string (``Z`` or an offset; naive is UTC), or
    None for an empty or unreadable value."""
    if not value:
        return None
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return when.astimezone(dt.timezone.utc)
