"""Source entries (``[[sources]]`` of ``veille.toml`` and ``scrapers/sources.toml``): the
models, their validation, durations and the name rule.

Format of an entry::

    [[sources]]
    name = "abamako"
    spider = "abamako"               # optional, defaults to the name
    every = "30m"                    # or: cron = "*/30 * * * *"  (exactly one of the two)
    args = { base_url = "http://127.0.0.1:8765" }   # optional spider arguments (-a)
    settings = { AUTOTHROTTLE_ENABLED = false }     # optional Scrapy settings
    timeout = "20m"                  # optional: a longer crawl is killed, recorded as failed

    [[sources]]                      # a source crawled by the configurable spider "news"
    name = "monsite"
    spider = "news"
    every = "1h"
    base_url = "https://www.monsite.ml"             # the site (paths below are relative to it)
    site = "monsite.ml"              # optional: line 1's site name (default: base_url's host
                                     # less www./news.); also the domain the crawl stays on
    feeds = ["/feed/"]               # RSS/Atom feeds
    sitemaps = ["/sitemap_index.xml"]               # sitemaps, sitemap indexes, Google News sitemaps
    listings = [                     # listing pages: links = CSS selector of article links;
      { url = "/category/politique/", links = "h3.entry-title a", pages = "/category/politique/page/{page}/", max_pages = 3 },
      { url = "/actualites/", links = "article h2 a", next = "a.next" },
    ]
    article_pattern = '^/\\d{4}/\\d{2}/'             # optional regex (searched in path?query): what is an article
    selectors = { headline = "h1.entry-title", date = "time.entry-date", body = "div.entry-content",
                  caption = "figcaption", drop = [".sharedaddy", ".jp-relatedposts"] }

Decisions:

- This is the core (it imports nothing of veille above it): ``scrapers`` reads the built-in
  ``scrapers/sources.toml`` and a user's ``[[sources]]`` through here, ``veille.config``
  validates the ``[[sources]]`` of the whole config file through here too. Errors carry
  the entry's line (:mod:`veille.core.tomlcheck`).
- Spider ``args`` values are strings as on ``scrapy crawl -a``; integers and floats are
  accepted and converted with ``str``; booleans, arrays and tables are refused.
- Durations: :func:`parse_duration` takes ``[Nd][Nh][Nm][Ns]`` (at least one, in that
  order, spaces allowed between parts: ``"1h 30m"``); ``every`` and ``timeout`` must be > 0.
- Names (sources and topics) follow :func:`validate_name`: 1-64 letters, digits,
  ``_ - .``, starting with a letter or digit (they are typed on command lines).
- News sources (spider ``news``, see ``scrapers/spiders/news.py``): ``feeds``, ``sitemaps``
  and listing ``url``/``pages`` are absolute http(s) URLs or paths starting with ``/``
  (paths need ``base_url``); ``listings`` is an array of tables (inline, or
  ``[[sources.listings]]`` after the source's keys) with ``url`` and ``links`` required,
  ``next`` (CSS) or ``pages`` (a pattern with ``{page}``, page 2 onwards; or ``url`` itself
  holds ``{page}``) and ``max_pages`` >= 1; CSS selectors and ``article_pattern`` are
  compiled here so that a bad one is an error with its line; ``selectors.drop`` is a string
  or an array of strings. These keys are data for the spider: they are not passed as ``-a``.
- :attr:`SourceConfig.is_news` tells what the entry itself says (spider ``news``, or news
  keys). Whether a spider name is one of the built-in sources is the knowledge of
  ``scrapers.sources`` (:func:`scrapers.sources.builtin_names`); the scheduler asks it.
- :func:`load_sources` reads only the ``[[sources]]`` of a file (the other sections of
  ``veille.toml`` are the application's: their names are checked, not their content), so
  that a crawl needs nothing above the core.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from veille.core.errors import DurationError, TopicError
from veille.core.tomlcheck import Checker, did_you_mean, parse_toml, read_toml_file, toml_type

__all__ = [
    "DEFAULT_CONFIG",
    "CONFIG_SECTIONS",
    "SOURCE_KEYS",
    "ListingConfig",
    "Selectors",
    "SourceConfig",
    "SourceFile",
    "parse_duration",
    "check_duration",
    "validate_name",
    "check_sources",
    "parse_sources",
    "load_sources",
]

DEFAULT_CONFIG = Path("veille.toml")  # the config file, in the current directory
CONFIG_SECTIONS = ("sources", "topics", "notify", "store", "distributed")  # its root keys

SOURCE_KEYS = ("name", "spider", "every", "cron", "args", "settings", "timeout",
               "site", "base_url", "feeds", "sitemaps", "listings", "article_pattern", "selectors")
NEWS_KEYS = SOURCE_KEYS[7:]
LISTING_KEYS = ("url", "links", "next", "pages", "max_pages")
SELECTOR_KEYS = ("headline", "date", "body", "caption", "drop")


@dataclass
class ListingConfig:
    """A listing page of a news source and how to read it."""

    url: str  # absolute, or a path on base_url; may hold {page}
    links: str  # CSS selector of the article links (a elements, or elements holding them)
    next: str | None = None  # CSS selector of the "next page" link
    pages: str | None = None  # URL pattern with {page} for pages 2, 3, ...
    max_pages: int | None = None  # None: the spider's max_pages


@dataclass
class Selectors:
    """Per-site CSS selectors for :class:`scrapers.parsers.rules.SiteRulesParser`."""

    headline: str | None = None
    date: str | None = None
    body: str | None = None
    caption: str | None = None
    drop: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any((self.headline, self.date, self.body, self.caption, self.drop))


@dataclass
class SourceConfig:
    name: str
    spider: str
    every: dt.timedelta | None = None
    cron: str | None = None
    args: dict[str, str] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    timeout: dt.timedelta | None = None
    # what the configurable news spider needs (all optional)
    site: str | None = None
    base_url: str | None = None
    feeds: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    listings: list[ListingConfig] = field(default_factory=list)
    article_pattern: str | None = None
    selectors: Selectors = field(default_factory=Selectors)

    @property
    def discovery(self) -> bool:
        """Does the entry say where its articles are (feeds, sitemaps or listings)?"""
        return bool(self.feeds or self.sitemaps or self.listings)

    @property
    def is_news(self) -> bool:
        """Does the entry itself make this a source of the configurable ``news`` spider
        (spider ``news``, or any news key)? Its crawl needs ``-a config=<this file>``. A
        built-in source's spider name (``maliweb``) counts too, but that is
        :func:`scrapers.sources.builtin_names`' knowledge (see the module doc)."""
        return bool(self.spider == "news" or self.discovery or self.base_url or self.selectors)


@dataclass
class SourceFile:
    """The ``[[sources]]`` of one file (``path`` None: no file)."""

    path: Path | None
    sources: list[SourceConfig]

    def source(self, name: str) -> SourceConfig | None:
        return next((s for s in self.sources if s.name == name), None)


# --------------------------------------------------------------------------- durations

_DURATION = re.compile(
    r"\s*(?:(?P<d>\d+)\s*d)?\s*(?:(?P<h>\d+)\s*h)?\s*(?:(?P<m>\d+)\s*m)?\s*(?:(?P<s>\d+)\s*s)?\s*"
)


def parse_duration(text: str) -> dt.timedelta:
    """``"30m"``, ``"2h"``, ``"1h30m"``, ``"45s"``, ``"1d"`` → timedelta. Raises DurationError (a ValueError)."""
    if not isinstance(text, str):
        raise DurationError(f"a duration must be a string like \"30m\", not {toml_type(text)}")
    m = _DURATION.fullmatch(text)
    if not text.strip() or not m or not any(m.groupdict().values()):
        raise DurationError(
            f"bad duration {text!r}: use a number and a unit d, h, m or s, e.g. \"30m\", \"1h30m\""
        )
    g = {k: int(v or 0) for k, v in m.groupdict().items()}
    return dt.timedelta(days=g["d"], hours=g["h"], minutes=g["m"], seconds=g["s"])


# --------------------------------------------------------------------------- names

_NAME = re.compile(r"[^\W_][\w.\-]{0,63}")


def validate_name(name: object) -> str:
    """A topic (or source) name: 1-64 letters, digits, ``_ - .``, starting with a letter or
    digit; no spaces (names are typed on command lines and shown in tables)."""
    if not isinstance(name, str):
        raise TopicError(f"a name must be a string, not {type(name).__name__}")
    if not name:
        raise TopicError("empty name")
    if not _NAME.fullmatch(name):
        raise TopicError(
            f"bad name {name!r}: use 1-64 letters, digits, '_', '-' or '.', starting with a letter or digit"
        )
    return name


# --------------------------------------------------------------------------- entries

def check_sources(chk: Checker, data: dict) -> list[SourceConfig]:
    """The validated ``[[sources]]`` of parsed ``data`` (names unique)."""
    first_line: dict[str, int | None] = {}
    return [_source(chk, raw, ("sources", i), f"[[sources]] #{i + 1}", first_line)
            for i, raw in enumerate(chk.array_of_tables(data, "sources"))]


def _source(chk: Checker, raw: dict, table: tuple, where: str, first_line: dict) -> SourceConfig:
    loc = chk.loc
    chk.keys(raw, SOURCE_KEYS, table, where)
    name = chk.string(raw, "name", table, where, True)
    assert name is not None
    try:
        validate_name(name)
    except TopicError as e:
        raise chk.err(loc.line(table, "name"), f"{where}: {e}") from None
    where = f"source {name!r}"
    if name in first_line:
        raise chk.err(loc.line(table, "name"), f"duplicate source name {name!r} (first at line {first_line[name]})")
    first_line[name] = loc.line(table, "name")
    spider = chk.string(raw, "spider", table, where, False) or name
    if not spider.strip():
        raise chk.err(loc.line(table, "spider"), f"{where}: 'spider' is empty")

    every = cron = None
    if "every" in raw and "cron" in raw:
        raise chk.err(loc.line(table, "cron"), f"{where}: give either 'every' or 'cron', not both")
    if "every" not in raw and "cron" not in raw:
        raise chk.err(loc.line(table), f"{where}: needs a schedule: 'every = \"30m\"' or 'cron = \"*/30 * * * *\"'")
    if "every" in raw:
        every = check_duration(chk, raw, "every", table, where)
    else:
        cron = chk.string(raw, "cron", table, where, True)
        assert cron is not None
        try:
            from apscheduler.triggers.cron import CronTrigger

            CronTrigger.from_crontab(cron, timezone="UTC")
        except ValueError as e:
            raise chk.err(loc.line(table, "cron"), f"{where}: bad cron expression {cron!r}: {e}") from None
    timeout = check_duration(chk, raw, "timeout", table, where) if "timeout" in raw else None

    args: dict[str, str] = {}
    for k, v in chk.table(raw, "args", table, where).items():
        if isinstance(v, bool) or not isinstance(v, (str, int, float)):
            raise chk.err(loc.line(table, "args"),
                          f"{where}: args.{k} must be a string or a number, not {toml_type(v)}")
        args[k] = v if isinstance(v, str) else str(v)
    settings = dict(chk.table(raw, "settings", table, where))
    src = SourceConfig(name, spider, every, cron, args, settings, timeout)
    _news_keys(chk, raw, table, where, src)
    return src


def _css(chk: Checker, value: Any, line: int | None, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise chk.err(line, f"{what} must be a non-empty string (a CSS selector), not {toml_type(value)}")
    try:
        from cssselect import GenericTranslator, SelectorError

        GenericTranslator().css_to_xpath(value)
    except ImportError:  # pragma: no cover - lxml/cssselect come with Scrapy
        pass
    except SelectorError as e:
        raise chk.err(line, f"{what}: bad CSS selector {value!r}: {e}") from None
    return value


def _url_or_path(chk: Checker, value: Any, line: int | None, what: str, base_url: str | None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise chk.err(line, f"{what} must be a URL or a path starting with '/', not {toml_type(value)}")
    value = value.strip()
    if value.startswith("/"):
        if not base_url:
            raise chk.err(line, f"{what}: the path {value!r} needs a 'base_url' in the source")
        return value
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise chk.err(line, f"{what}: {value!r} is neither an http(s) URL nor a path starting with '/'")
    return value


def _news_keys(chk: Checker, raw: dict, table: tuple, where: str, src: SourceConfig) -> None:
    """site, base_url, feeds, sitemaps, listings, article_pattern, selectors."""
    loc = chk.loc
    from urllib.parse import urlsplit

    base_url = chk.string(raw, "base_url", table, where, False)
    if base_url is not None:
        parts = urlsplit(base_url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
            raise chk.err(loc.line(table, "base_url"),
                          f"{where}: 'base_url' must be an http(s) URL without credentials, got {base_url!r}")
        src.base_url = base_url.strip().rstrip("/")
    site = chk.string(raw, "site", table, where, False)
    if site is not None:
        if not re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+",
                            site.strip()):
            raise chk.err(loc.line(table, "site"), f"{where}: 'site' must be a domain like 'maliweb.net', got {site!r}")
        src.site = site.strip().lower()

    for key in ("feeds", "sitemaps"):
        if key not in raw:
            continue
        v = raw[key]
        line = loc.line(table, key)
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, list):
            raise chk.err(line, f"{where}: {key!r} must be an array of URLs or paths, not {toml_type(v)}")
        setattr(src, key, [_url_or_path(chk, u, line, f"{where}: {key}", src.base_url) for u in v])

    if "listings" in raw:
        v = raw["listings"]
        line = loc.line(table, "listings")
        if isinstance(v, dict):
            v = [v]
        if not isinstance(v, list) or not all(isinstance(x, dict) for x in v):
            raise chk.err(line, f"{where}: 'listings' must be an array of tables like "
                                "{ url = \"/actualites/\", links = \"h2 a\" }")
        for i, item in enumerate(v):
            what = f"{where}: listings[{i + 1}]"
            for k in item:
                if k not in LISTING_KEYS:
                    raise chk.err(line, f"unknown key {k!r} in {what} {did_you_mean(k, LISTING_KEYS)}")
            if "url" not in item:
                raise chk.err(line, f"{what} has no 'url'")
            if "links" not in item:
                raise chk.err(line, f"{what} has no 'links' (the CSS selector of its article links)")
            url = _url_or_path(chk, item["url"], line, f"{what}: url", src.base_url)
            links = _css(chk, item["links"], line, f"{what}: 'links'")
            nxt = _css(chk, item["next"], line, f"{what}: 'next'") if "next" in item else None
            pages = None
            if "pages" in item:
                pages = _url_or_path(chk, item["pages"], line, f"{what}: pages", src.base_url)
                if "{page}" not in pages:
                    raise chk.err(line, f"{what}: 'pages' must hold {{page}}, e.g. \"/category/x/page/{{page}}/\"")
            if nxt and (pages or "{page}" in url):
                raise chk.err(line, f"{what}: give either 'next' or a {{page}} pattern, not both")
            max_pages = item.get("max_pages")
            if max_pages is not None and (isinstance(max_pages, bool) or not isinstance(max_pages, int)
                                          or max_pages < 1):
                raise chk.err(line, f"{what}: 'max_pages' must be an integer >= 1, not {max_pages!r}")
            try:
                if pages:
                    pages.format(page=2)
                url.format(page=1) if "{page}" in url else None
            except (KeyError, IndexError, ValueError) as e:
                raise chk.err(line, f"{what}: bad {{page}} pattern: {e}") from None
            src.listings.append(ListingConfig(url, links, nxt, pages, max_pages))

    pattern = chk.string(raw, "article_pattern", table, where, False)
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as e:
            raise chk.err(loc.line(table, "article_pattern"), f"{where}: bad 'article_pattern' {pattern!r}: {e}") from None
        src.article_pattern = pattern

    if "selectors" in raw:
        sel = chk.table(raw, "selectors", table, where)
        line = loc.line(table, "selectors")
        for k in sel:
            if k not in SELECTOR_KEYS:
                raise chk.err(line, f"unknown key {k!r} in {where}: selectors {did_you_mean(k, SELECTOR_KEYS)}")
        out = Selectors()
        for k in ("headline", "date", "body", "caption"):
            if k in sel:
                setattr(out, k, _css(chk, sel[k], line, f"{where}: selectors.{k}"))
        drop = sel.get("drop", [])
        if isinstance(drop, str):
            drop = [drop]
        if not isinstance(drop, list):
            raise chk.err(line, f"{where}: selectors.drop must be a CSS selector or an array of them")
        out.drop = [_css(chk, d, line, f"{where}: selectors.drop") for d in drop]
        src.selectors = out


def check_duration(chk: Checker, raw: dict, key: str, table: tuple, where: str) -> dt.timedelta:
    """``raw[key]`` as a duration longer than zero, else the checker's error naming the line."""
    line = chk.loc.line(table, key)
    try:
        d = parse_duration(raw[key])
    except ValueError as e:
        raise chk.err(line, f"{where}: {key!r}: {e}") from None
    if d <= dt.timedelta(0):
        raise chk.err(line, f"{where}: {key!r} must be longer than zero")
    return d


# --------------------------------------------------------------------------- files

def parse_sources(text: str, file: str | Path = "<config>", sections: tuple[str, ...] = CONFIG_SECTIONS
                  ) -> list[SourceConfig]:
    """The ``[[sources]]`` of TOML ``text``; a root key not in ``sections`` is an error."""
    data, chk = parse_toml(text, file)
    chk.keys(data, sections, (), "the file")
    return check_sources(chk, data)


def load_sources(path: str | Path | None = None, sections: tuple[str, ...] = CONFIG_SECTIONS) -> SourceFile:
    """The ``[[sources]]`` of a file. ``None`` means ``veille.toml`` in the current
    directory, and no sources if there is none; an explicit path must exist."""
    p, text = read_toml_file(path, DEFAULT_CONFIG)
    if text is None:
        return SourceFile(None, [])
    return SourceFile(p, parse_sources(text, p, sections))
