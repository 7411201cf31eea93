"""The configuration file (``veille.toml``): sources to crawl, topics to track, where to notify.

Format::

    [store]                          # optional
    path = "data/veille.db"

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

    [[topics]]
    name = "otan"
    query = "OTAN OR NATO"           # see veille.topics

    [notify]                         # optional
    urls = ["json://127.0.0.1:9999/hook"]           # apprise URLs

    [distributed]                    # optional: the scheduler crawls through Redis
    redis = "redis://127.0.0.1:6379/0"              # optional: default $VEILLE_REDIS_URL
    workers = 2                      # local `scrapy crawl` workers per crawl (default 1)
    ingest = "inline"                # or "daemon": a `veille ingest` process stores the items

Decisions:

- Every problem is a :class:`ConfigError` whose message is ``"<file>:<line>: <problem>"``.
  tomllib reports lines for syntax errors only, so :class:`_Locator` scans the raw text for
  table headers (``[[sources]]``, ``[notify]``...) and ``key =`` lines (string- and
  bracket-aware, so a ``=`` inside a string or a multi-line array is not a key) and an error
  about a value points at its key's line, or at its table's header when the key is missing.
- Spider ``args`` values are strings as on ``scrapy crawl -a``; integers and floats are
  accepted and converted with ``str``; booleans, arrays and tables are refused.
- Durations: ``parse_duration`` takes ``[Nd][Nh][Nm][Ns]`` (at least one, in that order,
  spaces allowed between parts: ``"1h 30m"``); ``every`` and ``timeout`` must be > 0.
- Names (sources and topics) follow :func:`veille.topics.validate_topic_name`.
- ``store.path`` is returned as written (relative paths are the caller's business).
- News sources (spider ``news``, see ``scrapers/spiders/news.py``): ``feeds``, ``sitemaps``
  and listing ``url``/``pages`` are absolute http(s) URLs or paths starting with ``/``
  (paths need ``base_url``); ``listings`` is an array of tables (inline, or
  ``[[sources.listings]]`` after the source's keys) with ``url`` and ``links`` required,
  ``next`` (CSS) or ``pages`` (a pattern with ``{page}``, page 2 onwards; or ``url`` itself
  holds ``{page}``) and ``max_pages`` >= 1; CSS selectors and ``article_pattern`` are
  compiled here so that a bad one is an error with its line; ``selectors.drop`` is a string
  or an array of strings. These keys are data for the spider: they are not passed as ``-a``.
  Built-in definitions of the same shape ship in ``scrapers/sources.toml``.
- ``[distributed]`` (see ``scheduler.py`` and ``scrapers/distributed.py``): ``redis`` is a
  ``redis://``, ``rediss://`` or ``unix://`` URL; without it the scheduler takes
  ``$VEILLE_REDIS_URL`` when it runs (:meth:`DistributedConfig.redis_url`; the config stays
  valid without it, as other commands do not need it). ``workers`` is an integer 1-64,
  ``ingest`` ``"inline"`` (default) or ``"daemon"``.
- A missing default file (``veille.toml`` in the current directory) is an empty config; a
  missing file given explicitly is an error.

Editing (for ``veille topics add|remove``): :func:`add_topic` appends a ``[[topics]]`` block
at the end of the file; :func:`remove_topic` deletes exactly the lines of that block (the
header to its last key line, plus one separating blank line). Comments and everything else
stay byte for byte; the result is re-validated before it replaces the file (atomically).
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from veille.core.errors import ConfigError, QueryError, TopicError
from veille.topics import Topic, validate_topic_name

__all__ = [
    "Config",
    "SourceConfig",
    "DistributedConfig",
    "ListingConfig",
    "Selectors",
    "ConfigError",
    "DEFAULT_CONFIG",
    "load_config",
    "parse_config",
    "parse_duration",
    "add_topic",
    "remove_topic",
    "save_topics",
    "topic_block",
]

DEFAULT_CONFIG = Path("veille.toml")

ROOT_KEYS = ("sources", "topics", "notify", "store", "distributed")
SOURCE_KEYS = ("name", "spider", "every", "cron", "args", "settings", "timeout",
               "site", "base_url", "feeds", "sitemaps", "listings", "article_pattern", "selectors")
NEWS_KEYS = SOURCE_KEYS[7:]
LISTING_KEYS = ("url", "links", "next", "pages", "max_pages")
SELECTOR_KEYS = ("headline", "date", "body", "caption", "drop")
TOPIC_KEYS = ("name", "query")
NOTIFY_KEYS = ("urls",)
STORE_KEYS = ("path",)
DISTRIBUTED_KEYS = ("redis", "workers", "ingest")
INGEST_MODES = ("inline", "daemon")
MAX_WORKERS = 64
REDIS_SCHEMES = ("redis", "rediss", "unix")


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
        """Is this a source of the configurable ``news`` spider (or one of its built-in
        sources)? Its crawl needs ``-a config=<this file>``."""
        if self.spider == "news" or self.discovery or self.base_url or self.selectors:
            return True
        try:
            from scrapers.sources import builtin_names
        except ImportError:  # pragma: no cover - scrapers not importable
            return False
        return self.spider in builtin_names()


@dataclass
class DistributedConfig:
    """``[distributed]``: the scheduler runs each crawl as ``workers`` Redis workers."""

    redis: str | None = None  # as written; None: $VEILLE_REDIS_URL when the scheduler runs
    workers: int = 1
    ingest: str = "inline"  # or "daemon"
    line: int | None = None  # the line of the [distributed] header, for messages

    def redis_url(self, environ: dict | None = None) -> str | None:
        """``redis``, else ``$VEILLE_REDIS_URL`` (stripped), else None."""
        env = os.environ if environ is None else environ
        return self.redis or (env.get("VEILLE_REDIS_URL") or "").strip() or None


def redis_url_problem(url: str) -> str | None:
    """Why ``url`` is not a Redis URL, or None."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as e:
        return f"bad Redis URL {url!r}: {e}"
    if parts.scheme not in REDIS_SCHEMES:
        return f"{url!r} is not a Redis URL (redis://host:6379/0, rediss://..., unix:///path)"
    if parts.scheme != "unix" and not parts.hostname:
        return f"the Redis URL {url!r} has no host"
    if parts.scheme == "unix" and not parts.path:
        return f"the Redis URL {url!r} has no socket path"
    return None


@dataclass
class Config:
    sources: list[SourceConfig] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)
    notify_urls: list[str] = field(default_factory=list)
    store_path: str | None = None
    path: Path | None = None
    distributed: DistributedConfig | None = None  # None: no [distributed] table

    def source(self, name: str) -> SourceConfig | None:
        return next((s for s in self.sources if s.name == name), None)

    def topic(self, name: str) -> Topic | None:
        return next((t for t in self.topics if t.name == name), None)

    def db_path(self, arg: str | os.PathLike | None = None) -> Path:
        """The store this config works on: ``arg`` (a ``--db`` option), else the config's
        ``[store] path`` (relative to the config file's folder), else ``$VEILLE_DB``, else
        ``data/veille.db``. Every command that reads a config resolves the store here."""
        from storage.paths import resolve_db_path

        return resolve_db_path(arg, self.store_path, self.path.resolve().parent if self.path else None)


# --------------------------------------------------------------------------- durations

_DURATION = re.compile(
    r"\s*(?:(?P<d>\d+)\s*d)?\s*(?:(?P<h>\d+)\s*h)?\s*(?:(?P<m>\d+)\s*m)?\s*(?:(?P<s>\d+)\s*s)?\s*"
)


def parse_duration(text: str) -> dt.timedelta:
    """``"30m"``, ``"2h"``, ``"1h30m"``, ``"45s"``, ``"1d"`` → timedelta. Raises ValueError."""
    if not isinstance(text, str):
        raise ValueError(f"a duration must be a string like \"30m\", not {_toml_type(text)}")
    m = _DURATION.fullmatch(text)
    if not text.strip() or not m or not any(m.groupdict().values()):
        raise ValueError(
            f"bad duration {text!r}: use a number and a unit d, h, m or s, e.g. \"30m\", \"1h30m\""
        )
    g = {k: int(v or 0) for k, v in m.groupdict().items()}
    return dt.timedelta(days=g["d"], hours=g["h"], minutes=g["m"], seconds=g["s"])


# --------------------------------------------------------------------------- line locator

_BARE = r"[A-Za-z0-9_-]+"
_KEY_PART = rf"(?:{_BARE}|\"(?:[^\"\\]|\\.)*\"|'[^']*')"
_KEY = re.compile(rf"\s*({_KEY_PART}(?:\s*\.\s*{_KEY_PART})*)\s*=")
_HEADER = re.compile(rf"\s*(\[\[?)\s*({_KEY_PART}(?:\s*\.\s*{_KEY_PART})*)\s*(\]\]?)")


def _key_path(text: str) -> tuple[str, ...]:
    parts = re.findall(_KEY_PART, text)
    return tuple(p[1:-1] if p[:1] in "\"'" else p for p in parts)


class _Locator:
    """Lines of table headers and keys in raw TOML text (1-based).

    ``tables[(name, index)]`` is the header line of the index-th ``[[name]]`` (index None
    for a plain ``[name]``); ``keys[(table, key)]`` the line of ``key =`` in that table,
    ``table`` being ``()`` for the root or ``(name, index)``. ``ends[(name, index)]`` the last
    line holding a key of that table (for removing a block).
    """

    def __init__(self, text: str):
        self.tables: dict[tuple[str, int | None], int] = {}
        self.keys: dict[tuple[tuple, str], int] = {}
        self.ends: dict[tuple[str, int | None], int] = {}
        self.headers: list[int] = []  # every header line, in order
        counts: dict[str, int] = {}
        current: tuple = ()
        depth = 0  # [ and { nesting of a value spanning lines
        in_multi: str | None = None  # '"""' or "'''" when inside a multi-line string
        for lineno, line in enumerate(text.splitlines(), start=1):
            starts_clean = depth == 0 and in_multi is None
            if starts_clean:
                h = _HEADER.match(line)
                k = None if h else _KEY.match(line)
                if h and h.group(1) == "[[" and h.group(3) == "]]":
                    name = ".".join(_key_path(h.group(2)))
                    path = _key_path(h.group(2))
                    if len(path) > 1 and path[0] in counts:  # [[sources.listings]]
                        self.keys.setdefault(((path[0], counts[path[0]] - 1), path[1]), lineno)
                    idx = counts.get(name, 0)
                    counts[name] = idx + 1
                    current = (name, idx)
                    self.tables[current] = lineno
                    self.headers.append(lineno)
                    self.ends[current] = lineno
                    continue
                if h and h.group(1) == "[" and h.group(3) == "]":
                    name = ".".join(_key_path(h.group(2)))
                    # [sources.args] after [[sources]] belongs to the last [[sources]]
                    path = _key_path(h.group(2))
                    self.tables.setdefault((name, None), lineno)
                    self.headers.append(lineno)
                    if len(path) > 1 and path[0] in counts:
                        current = (path[0], counts[path[0]] - 1)
                        self.keys.setdefault((current, path[1]), lineno)
                    elif len(path) > 1:
                        current = (path[0], None)
                        self.keys.setdefault((current, path[1]), lineno)
                        self.tables.setdefault(current, lineno)
                    else:
                        current = (name, None)
                    continue
                if k:
                    key = _key_path(k.group(1))[0]
                    self.keys.setdefault((current, key), lineno)
                    if current:
                        self.ends[current] = lineno
                    rest = line[k.end():]
                else:
                    rest = line
            else:
                rest = line
            depth, in_multi = self._scan(rest, depth, in_multi)
            if current and (not starts_clean) and current in self.ends:
                self.ends[current] = lineno  # continuation of a value of this table

    @staticmethod
    def _scan(s: str, depth: int, in_multi: str | None) -> tuple[int, str | None]:
        """Track bracket depth and multi-line strings over one line's remaining text."""
        i, n = 0, len(s)
        while i < n:
            if in_multi:
                j = s.find(in_multi, i)
                if j < 0:
                    return depth, in_multi
                if in_multi == '"""':  # skip escaped quotes
                    bs = 0
                    while j - 1 - bs >= i and s[j - 1 - bs] == "\\":
                        bs += 1
                    if bs % 2:
                        i = j + 1
                        continue
                i, in_multi = j + 3, None
                continue
            c = s[i]
            if c == "#":
                break
            if s.startswith('"""', i) or s.startswith("'''", i):
                in_multi = s[i : i + 3]
                i += 3
                continue
            if c == '"':
                i += 1
                while i < n and s[i] != '"':
                    i += 2 if s[i] == "\\" else 1
                i += 1
                continue
            if c == "'":
                j = s.find("'", i + 1)
                i = n if j < 0 else j + 1
                continue
            if c in "[{":
                depth += 1
            elif c in "]}":
                depth = max(0, depth - 1)
            i += 1
        return depth, in_multi

    def line(self, table: tuple, key: str | None = None, root_key: str | None = None) -> int | None:
        """The line of ``key`` in ``table``, else the table's header, else the root key."""
        if key is not None and (table, key) in self.keys:
            return self.keys[(table, key)]
        if key is not None and not table:  # a root key written as a table header
            for t in ((key, None), (key, 0)):
                if t in self.tables:
                    return self.tables[t]
        if table and table in self.tables:
            return self.tables[table]
        if table and (table[0], None) in self.tables:
            return self.tables[(table[0], None)]
        if table and ((), table[0]) in self.keys:  # sources = [ {...}, ... ] inline
            return self.keys[((), table[0])]
        if root_key and ((), root_key) in self.keys:
            return self.keys[((), root_key)]
        return None


# --------------------------------------------------------------------------- loading

_TYPE_NAMES = {str: "a string", int: "an integer", float: "a float", bool: "a boolean",
               list: "an array", dict: "a table"}


def _toml_type(v: Any) -> str:
    for t, name in _TYPE_NAMES.items():
        if type(v) is t:
            return name
    return "a date/time" if isinstance(v, (dt.date, dt.time)) else type(v).__name__


def _did_you_mean(key: str, allowed: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"({hint}known keys: {', '.join(allowed)})"


class _Checker:
    def __init__(self, file: str, loc: _Locator):
        self.file = file
        self.loc = loc

    def err(self, line: int | None, problem: str) -> ConfigError:
        return ConfigError(self.file, line, problem)

    def keys(self, data: dict, allowed: tuple[str, ...], table: tuple, where: str) -> None:
        for k in data:
            if k not in allowed:
                raise self.err(self.loc.line(table, k), f"unknown key {k!r} in {where} {_did_you_mean(k, allowed)}")

    def string(self, data: dict, key: str, table: tuple, where: str, required: bool) -> str | None:
        if key not in data:
            if required:
                raise self.err(self.loc.line(table), f"{where} has no {key!r}")
            return None
        v = data[key]
        if not isinstance(v, str):
            raise self.err(self.loc.line(table, key), f"{where}: {key!r} must be a string, not {_toml_type(v)}")
        return v

    def table(self, data: dict, key: str, table: tuple, where: str) -> dict:
        v = data.get(key, {})
        if not isinstance(v, dict):
            raise self.err(self.loc.line(table, key), f"{where}: {key!r} must be a table, not {_toml_type(v)}")
        return v


def _array_of_tables(chk: _Checker, data: dict, key: str) -> list[dict]:
    v = data.get(key, [])
    if not isinstance(v, list) or not all(isinstance(x, dict) for x in v):
        line = chk.loc.line((key, None)) or chk.loc.line((), key)
        raise chk.err(line, f"{key!r} must be an array of tables: write each one under a [[{key}]] header")
    return v


def parse_config(text: str, file: str | Path = "<config>") -> Config:
    """Parse and validate config text; ``file`` is only used in messages."""
    file = str(file)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        msg = str(e)
        m = re.search(r"\s*\(at line (\d+), column (\d+)\)\s*$", msg)
        if m:
            raise ConfigError(file, int(m.group(1)),
                              f"TOML syntax error: {msg[: m.start()]} (column {m.group(2)})") from None
        end = len(text.splitlines()) or 1
        raise ConfigError(file, end, f"TOML syntax error: {re.sub(r' [(]at end of document[)]', '', msg)}"
                          " at the end of the file") from None
    loc = _Locator(text)
    chk = _Checker(file, loc)
    chk.keys(data, ROOT_KEYS, (), "the file")

    sources: list[SourceConfig] = []
    first_line: dict[str, int | None] = {}
    for i, raw in enumerate(_array_of_tables(chk, data, "sources")):
        sources.append(_source(chk, raw, ("sources", i), f"[[sources]] #{i + 1}", first_line))

    topics: list[Topic] = []
    seen: dict[str, int | None] = {}
    for i, raw in enumerate(_array_of_tables(chk, data, "topics")):
        table = ("topics", i)
        where = f"[[topics]] #{i + 1}"
        chk.keys(raw, TOPIC_KEYS, table, where)
        name = chk.string(raw, "name", table, where, True)
        query = chk.string(raw, "query", table, where, True)
        assert name is not None and query is not None
        try:
            validate_topic_name(name)
        except TopicError as e:
            raise chk.err(loc.line(table, "name"), f"{where}: {e}") from None
        if name in seen:
            raise chk.err(loc.line(table, "name"),
                          f"duplicate topic name {name!r} (first at line {seen[name]})")
        seen[name] = loc.line(table, "name")
        try:
            topics.append(Topic(name, query))
        except QueryError as e:
            raise chk.err(loc.line(table, "query"), f"topic {name!r}: bad query {query!r}: {e}") from None

    notify = chk.table(data, "notify", (), "the file")
    chk.keys(notify, NOTIFY_KEYS, ("notify", None), "[notify]")
    urls = notify.get("urls", [])
    if not isinstance(urls, list) or not all(isinstance(u, str) and u.strip() for u in urls):
        raise chk.err(loc.line(("notify", None), "urls"), "[notify]: 'urls' must be an array of non-empty strings")

    store = chk.table(data, "store", (), "the file")
    chk.keys(store, STORE_KEYS, ("store", None), "[store]")
    store_path = chk.string(store, "path", ("store", None), "[store]", False)
    if store_path is not None and not store_path.strip():
        raise chk.err(loc.line(("store", None), "path"), "[store]: 'path' is empty")

    distributed = _distributed(chk, data) if "distributed" in data else None
    return Config(sources, topics, list(urls), store_path, None, distributed)


def _distributed(chk: _Checker, data: dict) -> DistributedConfig:
    loc, table, where = chk.loc, ("distributed", None), "[distributed]"
    raw = chk.table(data, "distributed", (), "the file")
    chk.keys(raw, DISTRIBUTED_KEYS, table, where)
    out = DistributedConfig(line=loc.line(table) or loc.line((), "distributed"))
    url = chk.string(raw, "redis", table, where, False)
    if url is not None:
        url = url.strip()
        problem = redis_url_problem(url) if url else "'redis' is empty"
        if problem:
            raise chk.err(loc.line(table, "redis"), f"{where}: {problem}")
        out.redis = url
    if "workers" in raw:
        n = raw["workers"]
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_WORKERS:
            raise chk.err(loc.line(table, "workers"),
                          f"{where}: 'workers' must be an integer from 1 to {MAX_WORKERS}, not "
                          + (repr(n) if isinstance(n, int) and not isinstance(n, bool) else _toml_type(n)))
        out.workers = n
    mode = chk.string(raw, "ingest", table, where, False)
    if mode is not None:
        if mode not in INGEST_MODES:
            raise chk.err(loc.line(table, "ingest"),
                          f"{where}: 'ingest' must be \"inline\" or \"daemon\", not {mode!r}")
        out.ingest = mode
    return out


def _source(chk: _Checker, raw: dict, table: tuple, where: str, first_line: dict) -> SourceConfig:
    loc = chk.loc
    chk.keys(raw, SOURCE_KEYS, table, where)
    name = chk.string(raw, "name", table, where, True)
    assert name is not None
    try:
        validate_topic_name(name)
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
        every = _duration(chk, raw, "every", table, where)
    else:
        cron = chk.string(raw, "cron", table, where, True)
        assert cron is not None
        try:
            from apscheduler.triggers.cron import CronTrigger

            CronTrigger.from_crontab(cron, timezone="UTC")
        except ValueError as e:
            raise chk.err(loc.line(table, "cron"), f"{where}: bad cron expression {cron!r}: {e}") from None
    timeout = _duration(chk, raw, "timeout", table, where) if "timeout" in raw else None

    args: dict[str, str] = {}
    for k, v in chk.table(raw, "args", table, where).items():
        if isinstance(v, bool) or not isinstance(v, (str, int, float)):
            raise chk.err(loc.line(table, "args"),
                          f"{where}: args.{k} must be a string or a number, not {_toml_type(v)}")
        args[k] = v if isinstance(v, str) else str(v)
    settings = dict(chk.table(raw, "settings", table, where))
    src = SourceConfig(name, spider, every, cron, args, settings, timeout)
    _news_keys(chk, raw, table, where, src)
    return src


def _css(chk: _Checker, value: Any, line: int | None, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise chk.err(line, f"{what} must be a non-empty string (a CSS selector), not {_toml_type(value)}")
    try:
        from cssselect import GenericTranslator, SelectorError

        GenericTranslator().css_to_xpath(value)
    except ImportError:  # pragma: no cover - lxml/cssselect come with Scrapy
        pass
    except SelectorError as e:
        raise chk.err(line, f"{what}: bad CSS selector {value!r}: {e}") from None
    return value


def _url_or_path(chk: _Checker, value: Any, line: int | None, what: str, base_url: str | None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise chk.err(line, f"{what} must be a URL or a path starting with '/', not {_toml_type(value)}")
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


def _news_keys(chk: _Checker, raw: dict, table: tuple, where: str, src: SourceConfig) -> None:
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
            raise chk.err(line, f"{where}: {key!r} must be an array of URLs or paths, not {_toml_type(v)}")
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
                    raise chk.err(line, f"unknown key {k!r} in {what} {_did_you_mean(k, LISTING_KEYS)}")
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
                raise chk.err(line, f"unknown key {k!r} in {where}: selectors {_did_you_mean(k, SELECTOR_KEYS)}")
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


def _duration(chk: _Checker, raw: dict, key: str, table: tuple, where: str) -> dt.timedelta:
    line = chk.loc.line(table, key)
    try:
        d = parse_duration(raw[key])
    except ValueError as e:
        raise chk.err(line, f"{where}: {key!r}: {e}") from None
    if d <= dt.timedelta(0):
        raise chk.err(line, f"{where}: {key!r} must be longer than zero")
    return d


def _read(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise ConfigError(path, line, "not UTF-8 text") from None


def load_config(path: str | Path | None = None) -> Config:
    """Load and validate a config file. ``None`` means ``veille.toml`` in the current
    directory, and an empty :class:`Config` if there is none; an explicit path must exist."""
    explicit = path is not None
    p = Path(path) if path is not None else DEFAULT_CONFIG
    if not p.exists():
        if explicit:
            raise ConfigError(p, None, "no such file")
        return Config()
    if not p.is_file():
        raise ConfigError(p, None, "not a file")
    cfg = parse_config(_read(p), p)
    cfg.path = p
    return cfg


# --------------------------------------------------------------------------- editing topics

def _toml_string(s: str) -> str:
    """A TOML string literal for ``s``: a literal '...' string when possible (queries often
    contain double quotes), else a basic string with escapes."""
    if "'" not in s and not any(ord(c) < 0x20 or ord(c) == 0x7F for c in s):
        return f"'{s}'"
    out = []
    for c in s:
        if c in '"\\':
            out.append("\\" + c)
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append({"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(c, f"\\u{ord(c):04X}"))
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def topic_block(topic: Topic) -> str:
    """The ``[[topics]]`` block :func:`add_topic` appends (no leading/trailing blank line)."""
    return f"[[topics]]\nname = {_toml_string(topic.name)}\nquery = {_toml_string(topic.query)}\n"


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or Path("."))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def add_topic(path: str | Path, topic: Topic) -> Config:
    """Append a ``[[topics]]`` block for ``topic`` to the file (created if missing), leaving
    the rest untouched. Raises ConfigError if the file is invalid or the name is taken.
    Returns the new config."""
    p = Path(path)
    text = _read(p) if p.exists() else ""
    cfg = parse_config(text, p)
    if cfg.topic(topic.name) is not None:
        line = _Locator(text).line(("topics", [t.name for t in cfg.topics].index(topic.name)), "name")
        raise ConfigError(p, line, f"topic {topic.name!r} already exists")
    if text:  # one blank line between what is there and the new block
        new = text + ("" if text.endswith("\n") else "\n") + "\n" + topic_block(topic)
    else:
        new = topic_block(topic)
    new_cfg = parse_config(new, p)  # e.g. fails if the file has an inline `topics = [...]`
    _write_atomic(p, new)
    new_cfg.path = p
    return new_cfg


def remove_topic(path: str | Path, name: str) -> Config:
    """Delete the ``[[topics]]`` block named ``name``: its header line through its last key
    line, and one blank line that separated it from what precedes it (so that add then remove
    gives the file back byte for byte). Comments after the block's last key are kept.
    Raises ConfigError if there is no such topic or it is not a ``[[topics]]`` block."""
    p = Path(path)
    if not p.exists():
        raise ConfigError(p, None, "no such file")
    text = _read(p)
    cfg = parse_config(text, p)
    names = [t.name for t in cfg.topics]
    if name not in names:
        raise ConfigError(p, None, f"no topic named {name!r}")
    i = names.index(name)
    loc = _Locator(text)
    if ("topics", i) not in loc.tables:
        raise ConfigError(p, loc.line(("topics", i), "name"),
                          f"topic {name!r} is not in a [[topics]] block; edit the file by hand")
    start, end = loc.tables[("topics", i)], loc.ends[("topics", i)]
    lines = text.splitlines(keepends=True)
    # drop one blank line before the header (the separator add_topic wrote), if any
    if start >= 2 and not lines[start - 2].strip():
        start -= 1
    new = "".join(lines[: start - 1] + lines[end:])
    new_cfg = parse_config(new, p)
    expected = [t for t in cfg.topics if t.name != name]
    if [(t.name, t.query) for t in new_cfg.topics] != [(t.name, t.query) for t in expected] or \
            new_cfg.sources != cfg.sources or new_cfg.notify_urls != cfg.notify_urls:
        raise ConfigError(p, start, f"could not remove topic {name!r} cleanly; edit the file by hand")
    _write_atomic(p, new)
    new_cfg.path = p
    return new_cfg


def save_topics(path: str | Path, topics: list[Topic]) -> Config:
    """Make the file's topics be ``topics``: remove those gone or changed, append those new
    or changed (changed ones move to the end). Other content is kept."""
    p = Path(path)
    current = {t.name: t.query for t in load_config(p).topics} if p.exists() else {}
    wanted = {t.name: t for t in topics}
    cfg = None
    for name, query in current.items():
        if name not in wanted or wanted[name].query != query:
            cfg = remove_topic(p, name)
    for t in topics:
        if current.get(t.name) != t.query:
            cfg = add_topic(p, t)
    return cfg if cfg is not None else load_config(p) if p.exists() else Config()
