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
import re

__all__ = ["now", "utcnow", "iso", "parse_iso", "parse_since", "SINCE_HELP"]

_RELATIVE = re.compile(r"(?:(\d+)w)?((?:\d+[dhms])*)")
SINCE_HELP = ("an ISO date or date-time (UTC if naive), a duration back from now (24h, 7d, 1d12h, 90m)"
              ", today or yesterday (local midnight)")


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


def parse_since(text: str, at: dt.datetime | None = None) -> dt.datetime:
    """The moment a ``--since`` (or the briefing's ``since``) names, as an aware UTC
    datetime: an ISO date or date-time (naive = UTC), a duration back from ``at`` (default
    now: ``24h``, ``7d``, ``1d12h``, ``90m``, ``2w``), ``today`` or ``yesterday`` (midnight,
    local time). Raises :class:`~veille.core.errors.BadArgument`."""
    from veille.core.errors import BadArgument, DurationError
    from veille.core.sources import parse_duration

    at = at or now()
    s = (text or "").strip().lower()
    if s in ("today", "yesterday"):
        local = at.astimezone()
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        if s == "yesterday":
            midnight = (midnight - dt.timedelta(days=1)).replace(hour=0)
        return midnight.astimezone(dt.timezone.utc)
    m = _RELATIVE.fullmatch(s)
    if s and m:
        weeks, rest = m.group(1), m.group(2)
        try:
            back = dt.timedelta(weeks=int(weeks or 0)) + (parse_duration(rest) if rest else dt.timedelta())
        except DurationError:
            raise BadArgument(f"bad since {text!r}: give {SINCE_HELP}") from None
        return at - back
    when = parse_iso(text.strip()) if text else None
    if when is None:
        raise BadArgument(f"bad since {text!r}: give {SINCE_HELP}")
    return when
