"""The ``veille`` command.

    veille export --out DIR [--format text|jsonl] [--source NAME] [--config PATH] [--db PATH]
    veille summary [--titles N] [--config PATH] [--db PATH]
    veille replica generate OUT [--articles N] [--page-kb K]
    veille replica serve DIR [--port P]
    veille topics add NAME "QUERY" | list | remove NAME | backfill NAME   [--config PATH]
    veille flags [--topic T] [--since ISO] [--limit N] [--json] [--config PATH] [--db PATH]
    veille run [--all] [--json] [--config PATH] ...    = python scheduler.py --once (for cron)
    veille watch [--config PATH] ...                   = python scheduler.py (the daemon)
    veille serve [--port P] [--config PATH] [--db PATH] ...   Datasette on the store, read-only
    veille extract PAGE.html --url URL [--body-only]   the text a page gives, and the method
    veille ingest [--redis URL] [--drain] ...          store what distributed workers queued

Topics live in the config file (``veille.toml`` in the current directory unless
``--config PATH``). Every command finds the store the same way
(:func:`storage.paths.resolve_db_path`, through :meth:`veille.config.Config.db_path`):
``--db``, else the config's ``[store] path`` (relative to the config file's folder), else
``$VEILLE_DB``, else ``data/veille.db``.
Exit status: 0 ok, 1 failure (no store, unknown topic, a damaged store...), 2 bad input (a
query that does not parse, a bad name, a bad date, a file that is not a veille store).

Only commands that write (``topics backfill``, ``run``/``watch``, ``ingest``, crawls)
create or migrate a store; ``summary``, ``export``, ``flags`` and ``serve`` open it
read-only (:meth:`storage.Store.open_readonly`): they never change it, and work on a
read-only filesystem.

Crawls themselves run as ``scrapy crawl <spider>`` from the project root.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from storage import Store, reports
from storage.db import is_damage
from storage.export import export
from veille.core import clock
from veille.core.errors import BadArgument, ExportError, NoStore, NotAStore, StoreError


# --------------------------------------------------------------------------- config, store

def _db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", help="the SQLite store (default: the config's [store] path, "
                                "else $VEILLE_DB, else data/veille.db)")


def _config_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", metavar="PATH",
                   help="the config file (default: veille.toml in the current directory)")


def _fail(prog: str, msg: str, code: int = 1) -> int:
    print(f"{prog}: {msg}", file=sys.stderr)
    return code


def _load_config(args, prog: str):
    """(config, None) or (None, exit code) after printing the error."""
    from veille.config import ConfigError, load_config

    try:
        return load_config(args.config), None
    except ConfigError as exc:
        return None, _fail(prog, str(exc), 2)


def _open_store(args, cfg, prog: str, readonly: bool = True):
    """(store, None) or (None, exit code) after printing the error: the store of ``cfg``
    (``--db`` first), which must exist; read-only unless the command writes."""
    path = cfg.db_path(args.db)
    try:
        return (Store.open_readonly(path) if readonly else Store(path, create=False)), None
    except NoStore as exc:
        return None, _fail(prog, f"{exc} (crawl something first, or give --db)")
    except NotAStore as exc:
        return None, _fail(prog, str(exc), 2)
    except StoreError as exc:  # damaged, newer or not yet migrated, unreadable here
        return None, _fail(prog, str(exc))
    except Exception as exc:
        if not is_damage(exc):
            raise
        return None, _fail(prog, f"the store {path} is damaged: {exc}")


def _store_for(args, prog: str):
    """:func:`_open_store` (read-only) with the config of ``--config`` (default veille.toml)."""
    cfg, code = _load_config(args, prog)
    if cfg is None:
        return None, code
    return _open_store(args, cfg, prog)


# --------------------------------------------------------------------------- export, summary

def cmd_export(args) -> int:
    prog = "veille export"
    store, code = _store_for(args, prog)
    if store is None:
        return code
    try:
        n = export(store, args.out, fmt=args.format, source=args.source)
    except ExportError as exc:  # a path that leads outside --out, a bad format
        return _fail(prog, str(exc), 2)
    finally:
        store.close()
    where = "stdout" if args.out == "-" else args.out
    print(f"exported {n} article(s) to {where}", file=sys.stderr)
    return 0


def cmd_summary(args) -> int:
    store, code = _store_for(args, "veille summary")
    if store is None:
        return code
    try:
        print(summary(store, titles=args.titles))
    finally:
        store.close()
    return 0


def summary(store, titles: int = 5) -> str:
    """What landed in the store: counts, the last crawls, a few titles."""
    conn = store.conn
    counts = reports.store_counts(conn)
    lines = [
        f"store: {store.path}",
        f"articles: {counts['articles']}"
        f" (of which duplicates of another URL: {counts['duplicates']})",
        f"distinct texts: {counts['contents']}, versions: {counts['versions']}",
        f"skipped or failed pages: {counts['skips']}",
        "",
        "last crawls:",
    ]
    for row in reports.last_crawls(conn, 5):
        lines.append(
            "  #{} {} {} {}: fetched {} new {} updated {} unchanged {} duplicate {} skipped {} failed {}".format(*row)
        )
    skips = reports.skips_by_reason(conn)
    if skips:
        lines.append("")
        lines.append("skips by reason: " + ", ".join(f"{r} {n}" for r, n in skips))
    if titles:
        lines.append("")
        lines.append("latest articles:")
        for published, title, url in reports.latest_articles(conn, titles):
            lines.append(f"  {published}  {title}\n              {url}")
    lines += ["", f"open it in Datasette:  veille serve --db {store.path}"]
    return "\n".join(lines)


# --------------------------------------------------------------------------- topics, flags

def _query_error(prog: str, name: str, query: str, exc) -> int:
    msg = f"bad query for topic {name!r}: {exc}"
    col = getattr(exc, "column", None)
    if col:
        msg += f"\n    {query}\n    {' ' * (col - 1)}^"
    return _fail(prog, msg, 2)


def cmd_topics_add(args) -> int:
    from veille.config import DEFAULT_CONFIG, ConfigError, add_topic
    from veille.topics import QueryError, Topic, TopicError

    prog = "veille topics add"
    try:
        topic = Topic(args.name, args.query)
    except TopicError as exc:
        return _fail(prog, f"bad topic name: {exc}", 2)
    except QueryError as exc:
        return _query_error(prog, args.name, args.query, exc)
    for w in topic.compiled.warnings:
        print(f"{prog}: warning: {w}", file=sys.stderr)
    path = Path(args.config) if args.config else DEFAULT_CONFIG
    try:
        add_topic(path, topic)
    except ConfigError as exc:
        return _fail(prog, str(exc))
    print(f"added topic {topic.name!r}: {topic.query}  (in {path})")
    print(f"to flag what is already stored: veille topics backfill {topic.name}")
    return 0


def cmd_topics_list(args) -> int:
    cfg, code = _load_config(args, "veille topics list")
    if cfg is None:
        return code
    if not cfg.topics:
        where = cfg.path or (args.config or "veille.toml (none here)")
        print(f"no topics in {where}; add one with: veille topics add NAME \"QUERY\"", file=sys.stderr)
        return 0
    width = max(len(t.name) for t in cfg.topics)
    for t in cfg.topics:
        print(f"{t.name.ljust(width)}  {t.query}")
    return 0


def cmd_topics_remove(args) -> int:
    from veille.config import DEFAULT_CONFIG, ConfigError, remove_topic

    path = Path(args.config) if args.config else DEFAULT_CONFIG
    try:
        remove_topic(path, args.name)
    except ConfigError as exc:
        return _fail("veille topics remove", str(exc))
    print(f"removed topic {args.name!r} from {path} (its flags stay in the store)")
    return 0


def cmd_topics_backfill(args) -> int:
    from veille.monitor.flags import backfill, sync_topics
    from veille.report import build_report, render_json, render_text

    prog = "veille topics backfill"
    cfg, code = _load_config(args, prog)
    if cfg is None:
        return code
    topic = cfg.topic(args.name)
    if topic is None:
        known = ", ".join(t.name for t in cfg.topics) or "none"
        return _fail(prog, f"no topic named {args.name!r} in {cfg.path or args.config or 'veille.toml'}"
                           f" (topics: {known})")
    store, code = _open_store(args, cfg, prog, readonly=False)
    if store is None:
        return code
    try:
        sync_topics(store, cfg.topics)
        flags = backfill(store, topic)
        report = build_report(store, flags, crawls=[])
    finally:
        store.close()
    print(f"backfill {topic.name!r}: {len(flags)} article(s) flagged", file=sys.stderr)
    print(render_json(report) if args.json else render_text(report))
    return 0


def parse_since(text: str) -> str:
    """An ISO date or date-time (naive = UTC) as the store's UTC timestamp text."""
    d = clock.parse_iso(text.strip())
    if d is None:
        raise BadArgument(f"bad --since {text!r}: give an ISO date or date-time, "
                         "e.g. 2026-01-31 or 2026-01-31T08:00:00Z")
    return clock.iso(d)


def cmd_flags(args) -> int:
    from veille.monitor.flags import list_flags
    from veille.report import build_report, render_json, render_text

    prog = "veille flags"
    since = None
    if args.since:
        try:
            since = parse_since(args.since)
        except BadArgument as exc:
            return _fail(prog, str(exc), 2)
    store, code = _store_for(args, prog)
    if store is None:
        return code
    try:
        flags = list_flags(store, topic=args.topic, since=since, limit=args.limit)
        report = build_report(store, flags)
    finally:
        store.close()
    print(render_json(report) if args.json else render_text(report))
    return 0


def cmd_replica(args) -> int:
    """``veille replica ...``: the replica is a test bench that lives in the repository (it
    is not in the wheel): found when veille runs from a checkout (editable install)."""
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "replica" / "__init__.py").is_file() and str(checkout) not in sys.path:
        sys.path.append(str(checkout))
    try:
        from replica.__main__ import main as replica_main
    except ImportError:
        return _fail("veille replica", "the replica comes with veille's repository, not with the "
                     "installed package: run it from a checkout (pip install -e .)", 2)
    return replica_main(args.rest)


def _delegate(argv: list[str]) -> int | None:
    """``run``, ``watch``, ``serve``, ``extract`` and ``ingest`` hand their arguments to their
    own programs."""
    if not argv or argv[0] not in ("run", "watch", "serve", "extract", "ingest"):
        return None
    command, rest = argv[0], list(argv[1:])
    if command == "ingest":
        from veille.schedule.ingest import main as ingest_main

        return ingest_main(rest)
    if command == "extract":
        from veille.cli.extract import main as extract_main

        return extract_main(rest)
    if command == "serve":
        from veille.web.serve import main as serve_main

        return serve_main(rest)
    from veille.schedule.cli import main as schedule_main

    if command == "run":
        rest = ["--once", *rest]
    return schedule_main(rest)


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    delegated = _delegate(argv)
    if delegated is not None:
        return delegated
    parser = argparse.ArgumentParser(prog="veille", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    # listed for --help; _delegate runs them
    sub.add_parser("run", help="crawl the sources that are due, flag, report (scheduler.py --once)")
    sub.add_parser("watch", help="the scheduler daemon (scheduler.py)")
    sub.add_parser("serve", help="open the store in Datasette, read-only")
    sub.add_parser("extract", help="the text a saved page gives, and the method (PAGE.html --url URL)")
    sub.add_parser("ingest", help="store what distributed workers queued in Redis (--drain: and exit)")

    p = sub.add_parser("export", help="write every article in the text format (or as JSON lines)")
    p.add_argument("--out", required=True, help="output folder (for jsonl, '-' writes to stdout)")
    p.add_argument("--format", choices=["text", "jsonl"], default="text")
    p.add_argument("--source", help="only this source")
    _config_arg(p)
    _db_arg(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("summary", help="what the store holds: counts, last crawls, titles")
    p.add_argument("--titles", type=int, default=5)
    _config_arg(p)
    _db_arg(p)
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser("replica", help="generate or serve a replica site (for tests and the demo)")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_replica)

    p = sub.add_parser("topics", help="the tracked topics: add, list, remove, backfill")
    tsub = p.add_subparsers(dest="topics_command", required=True)
    t = tsub.add_parser("add", help="add a topic to the config file (created if missing)")
    t.add_argument("name")
    t.add_argument("query", help='words, "phrases", AND OR NOT, parentheses, prefix*')
    _config_arg(t)
    t.set_defaults(func=cmd_topics_add)
    t = tsub.add_parser("list", help="the topics of the config file")
    _config_arg(t)
    t.set_defaults(func=cmd_topics_list)
    t = tsub.add_parser("remove", help="remove a topic from the config file")
    t.add_argument("name")
    _config_arg(t)
    t.set_defaults(func=cmd_topics_remove)
    t = tsub.add_parser("backfill", help="flag what the store already holds for a topic")
    t.add_argument("name")
    t.add_argument("--json", action="store_true", help="print the report as JSON")
    _config_arg(t)
    _db_arg(t)
    t.set_defaults(func=cmd_topics_backfill)

    p = sub.add_parser("flags", help="the latest flags, as a report")
    p.add_argument("--topic", help="only this topic")
    p.add_argument("--since", help="only flags created at or after this ISO date/time (UTC if naive)")
    p.add_argument("--limit", type=int, default=100, help="at most this many flags (default 100)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    _config_arg(p)
    _db_arg(p)
    p.set_defaults(func=cmd_flags)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except Exception as exc:  # a page of the store found damaged while reading it
        if not is_damage(exc):
            raise
        return _fail(f"veille {args.command}", f"the store is damaged: {exc}")


if __name__ == "__main__":
    sys.exit(main())
