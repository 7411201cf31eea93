"""Loading and validating the configuration file (``veille.toml``).

Format::

    [store]                          # optional
    path = "data/veille.db"

    [[sources]]                      # see veille.core.sources for every key of a source
    name = "abamako"
    every = "30m"

    [[topics]]
    name = "otan"
    query = "OTAN OR NATO"           # see veille.topics

    [notify]                         # optional
    urls = ["json://127.0.0.1:9999/hook"]           # apprise URLs
    mode = "digest"                  # "run" (default): a message per run with news;
    digest_at = "08:00"              # "digest": one a day at this local time (default 08:00)
    timeout = "30s"                  # optional: the most one notification may take

    [distributed]                    # optional: the scheduler crawls through Redis
    redis = "redis://127.0.0.1:6379/0"              # optional: default $VEILLE_REDIS_URL
    workers = 2                      # local `scrapy crawl` workers per crawl (default 1)
    ingest = "inline"                # or "daemon": a `veille ingest` process stores the items

Decisions:

- Every problem is a :class:`ConfigError` whose message is ``"<file>:<line>: <problem>"``;
  the lines come from :class:`veille.core.tomlcheck.Locator` (generic TOML plumbing, in
  the core because source entries are validated there too).
- ``[[sources]]`` are validated by :func:`veille.core.sources.check_sources` (the same code
  reads ``scrapers/sources.toml``); topics, ``[notify]``, ``[store]`` and
  ``[distributed]`` here. A source's ``spider`` must be one of the project's spiders
  (:func:`scrapers.spiders.spider_names`): a misspelled one is an error when the config
  loads, naming the close matches, not a crash of its first crawl.
- Names (sources and topics) follow :func:`veille.core.sources.validate_name`.
- A missing default file (``veille.toml`` in the current directory) is an empty config; a
  missing file given explicitly is an error.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import sys
from pathlib import Path

from veille.core.errors import ConfigError, QueryError, TopicError
from veille.core.sources import CONFIG_SECTIONS, DEFAULT_CONFIG, check_duration, check_sources, validate_name
from veille.core.tomlcheck import Checker, parse_toml, read_toml_file, toml_type
from veille.topics import Topic

from .model import DEFAULT_DIGEST_AT, INGEST_MODES, MAX_WORKERS, NOTIFY_TIMEOUT, Config, DistributedConfig, redis_url_problem

__all__ = ["load_config", "load_config_for", "parse_config"]

TOPIC_KEYS = ("name", "query")
NOTIFY_KEYS = ("urls", "mode", "digest_at", "timeout")
NOTIFY_MODES = ("run", "digest")
STORE_KEYS = ("path",)
DISTRIBUTED_KEYS = ("redis", "workers", "ingest")


def parse_config(text: str, file: str | Path = "<config>") -> Config:
    """Parse and validate config text; ``file`` is only used in messages."""
    data, chk = parse_toml(text, file)
    loc = chk.loc
    chk.keys(data, CONFIG_SECTIONS, (), "the file")
    sources = check_sources(chk, data)

    topics: list[Topic] = []
    seen: dict[str, int | None] = {}
    for i, raw in enumerate(chk.array_of_tables(data, "topics")):
        table = ("topics", i)
        where = f"[[topics]] #{i + 1}"
        chk.keys(raw, TOPIC_KEYS, table, where)
        name = chk.string(raw, "name", table, where, True)
        query = chk.string(raw, "query", table, where, True)
        assert name is not None and query is not None
        try:
            validate_name(name)
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
    notify_timeout = (check_duration(chk, notify, "timeout", ("notify", None), "[notify]").total_seconds()
                      if "timeout" in notify else NOTIFY_TIMEOUT)

    mode = chk.string(notify, "mode", ("notify", None), "[notify]", False) or "run"
    if mode not in NOTIFY_MODES:
        raise chk.err(loc.line(("notify", None), "mode"),
                      f"[notify]: 'mode' must be \"run\" (one message per run) or \"digest\" (one a day), not {mode!r}")
    digest_at = chk.string(notify, "digest_at", ("notify", None), "[notify]", False)
    when = None
    if digest_at is not None:
        m = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", digest_at.strip())
        if not m:
            raise chk.err(loc.line(("notify", None), "digest_at"),
                          f"[notify]: 'digest_at' must be a time of day like \"08:00\", not {digest_at!r}")
        when = dt.time(int(m.group(1)), int(m.group(2)))
    elif mode == "digest":
        when = DEFAULT_DIGEST_AT

    store = chk.table(data, "store", (), "the file")
    chk.keys(store, STORE_KEYS, ("store", None), "[store]")
    store_path = chk.string(store, "path", ("store", None), "[store]", False)
    if store_path is not None and not store_path.strip():
        raise chk.err(loc.line(("store", None), "path"), "[store]: 'path' is empty")

    distributed = _distributed(chk, data) if "distributed" in data else None
    _check_spiders(chk, sources)
    return Config(sources, topics, list(urls), store_path, None, distributed, mode, when, notify_timeout)


def _check_spiders(chk: Checker, sources) -> None:
    """A spider name the project does not have is an error where it is written (not a crash
    of its first crawl)."""
    if not sources:
        return
    from scrapers.spiders import spider_names

    known = spider_names()
    for i, src in enumerate(sources):
        if src.spider not in known:
            close = difflib.get_close_matches(src.spider, known, n=3)
            hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            line = chk.loc.line(("sources", i), "spider") or chk.loc.line(("sources", i), "name")
            raise chk.err(line, f"source {src.name!r}: no spider named {src.spider!r}{hint}"
                                f" (spiders: {', '.join(known)})")


def _distributed(chk: Checker, data: dict) -> DistributedConfig:
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
                          + (repr(n) if isinstance(n, int) and not isinstance(n, bool) else toml_type(n)))
        out.workers = n
    mode = chk.string(raw, "ingest", table, where, False)
    if mode is not None:
        if mode not in INGEST_MODES:
            raise chk.err(loc.line(table, "ingest"),
                          f"{where}: 'ingest' must be \"inline\" or \"daemon\", not {mode!r}")
        out.ingest = mode
    return out


def load_config(path: str | Path | None = None) -> Config:
    """Load and validate a config file. ``None`` means ``veille.toml`` in the current
    directory, and an empty :class:`Config` if there is none; an explicit path must exist."""
    p, text = read_toml_file(path, DEFAULT_CONFIG)
    if text is None:
        return Config()
    cfg = parse_config(text, p)
    cfg.path = p
    return cfg


def load_config_for(prog: str, path: str | Path | None = None) -> Config | None:
    """:func:`load_config` for a command: a bad config is ``<prog>: <file>:<line>: <problem>``
    on stderr and None (the command exits 2)."""
    try:
        return load_config(path)
    except ConfigError as e:
        print(f"{prog}: {e}", file=sys.stderr)
        return None
