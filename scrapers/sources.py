"""News sources: the built-in definitions and how a crawl finds its source's entry.

``scrapers/sources.toml`` ships with the project (same format as the ``[[sources]]`` of
``veille.toml``). :func:`resolve_source` gives the entry a ``news`` crawl uses:

1. the config file: ``config`` (``-a config=PATH``), else ``$VEILLE_CONFIG``, else
   ``veille.toml`` in the current directory (a missing default file is no error);
2. its ``[[sources]]`` entry of that name, merged over the built-in entry of the same name
   (or of the entry's ``spider``, e.g. ``spider = "maliweb"``): keys the config sets win,
   the others come from the built-in entry;
3. no config entry: the built-in entry alone.

Decisions:

- The files are read through the core (:func:`veille.core.sources.load_sources`), never
  through ``veille.config``: a crawl needs only the ``[[sources]]`` of the config file
  (the scheduler and the CLI validate the whole file before they start one).
- The built-in file holds ``[[sources]]`` only; :func:`builtin_names` is how the rest of
  veille learns which spider names are built-in news sources.
"""

from __future__ import annotations

import copy
import functools
import os
from pathlib import Path

from veille.core.errors import ConfigError, UnknownSource
from veille.core.sources import SourceConfig, SourceFile, load_sources

__all__ = ["BUILTIN_SOURCES", "builtin_config", "builtin_names", "resolve_source", "merge_sources"]

BUILTIN_SOURCES = Path(__file__).with_name("sources.toml")


@functools.lru_cache(maxsize=1)
def builtin_config() -> SourceFile:
    return load_sources(BUILTIN_SOURCES, sections=("sources",))


def builtin_names() -> list[str]:
    return [s.name for s in builtin_config().sources]


def merge_sources(base: SourceConfig | None, over: SourceConfig | None) -> SourceConfig:
    """``over``'s news keys where it sets them, ``base``'s elsewhere."""
    if base is None:
        return copy.deepcopy(over)
    if over is None:
        return copy.deepcopy(base)
    out = copy.deepcopy(base)
    out.name, out.spider = over.name, over.spider
    out.every, out.cron, out.timeout = over.every, over.cron, over.timeout
    out.args, out.settings = dict(over.args), dict(over.settings)
    for key in ("site", "base_url", "article_pattern"):
        if getattr(over, key):
            setattr(out, key, getattr(over, key))
    if over.discovery:  # where the articles are: all or nothing
        out.feeds, out.sitemaps, out.listings = list(over.feeds), list(over.sitemaps), list(over.listings)
    if over.selectors:
        out.selectors = copy.deepcopy(over.selectors)
    return out


def resolve_source(name: str, config: str | os.PathLike | None = None,
                   builtin: str | None = None) -> SourceConfig:
    """The source ``name`` as a crawl should see it (see the module doc).

    ``builtin`` names the built-in entry to fall back on when it differs from ``name``
    (a spider generated for a built-in source, crawled under another source name).
    Raises ConfigError for a bad config file, UnknownSource (a ValueError) for an unknown
    source."""
    cfg = load_sources(config or os.environ.get("VEILLE_CONFIG") or None)
    entry = cfg.source(name)
    builtins = builtin_config()
    base = None
    for candidate in (name, entry.spider if entry else None, builtin):
        if candidate and builtins.source(candidate) is not None:
            base = builtins.source(candidate)
            break
    if entry is None and base is None:
        where = f"{cfg.path}" if cfg.path else "no config file"
        raise UnknownSource(f"unknown source {name!r}: not in {where} nor among the built-in sources "
                            f"({', '.join(builtin_names())})")
    src = merge_sources(base, entry)
    if not src.discovery:
        raise ConfigError(cfg.path or "<config>", None,
                          f"source {name!r}: no feeds, sitemaps nor listings to crawl")
    if not src.base_url:
        # every URL is absolute: the first one says where the site is
        from urllib.parse import urlsplit

        first = (src.feeds + src.sitemaps + [lst.url for lst in src.listings])[0]
        parts = urlsplit(first)
        src.base_url = f"{parts.scheme}://{parts.netloc}"
    return src
