"""Which extractor made a text: the parser's method and the parsers' version.

    extractor_of("generic:og+trafilatura")  # "generic:og+trafilatura@p3f9a1c02d4e7/traf2.0.0"
    version_of(extractor)                   # "p3f9a1c02d4e7/traf2.0.0"
    parsers_version()                       # the version of the code running now

Every version row records its ``extractor`` (:mod:`storage.extractions`); a text whose
parsers' version is not today's may differ from what today's parsers make of the same
page, and a crawl compares like with like before calling a change an update
(:mod:`scrapers.reextract`).

Decisions:

- The version is computed, not written by hand: a hash of the source files of this
  package and trafilatura's version (it does most of the generic extraction). Any change
  of the parsers, or of trafilatura, is a new version; nobody has to remember to bump it.
  A change that alters no text (a comment) costs only a re-extraction of the previous page
  when a page's text changes, never a false alert.
- The method is kept with it (``generic:og+trafilatura``, ``abamako``, ``rules``): the
  history says which path of the parsers made each text; only the version part decides
  whether two texts were made by the same code (the method follows the page).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import metadata
from pathlib import Path

__all__ = ["parsers_version", "extractor_of", "version_of"]


@lru_cache(maxsize=1)
def _computed() -> str:
    h = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    try:
        traf = metadata.version("trafilatura")
    except metadata.PackageNotFoundError:  # pragma: no cover - a dependency
        traf = "none"
    return f"p{h.hexdigest()[:12]}/traf{traf}"


def parsers_version() -> str:
    """The parsers' version running now (see the module doc)."""
    return _computed()


def extractor_of(method: str | None) -> str:
    """What the ``extractor`` column says of a text the parsers running now made by
    ``method``."""
    return f"{method or '?'}@{parsers_version()}"


def version_of(extractor: str | None) -> str | None:
    """The parsers' version part of an ``extractor`` value (None: unknown)."""
    if not extractor or "@" not in extractor:
        return None
    return extractor.rsplit("@", 1)[1]
