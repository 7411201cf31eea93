"""The ``veille`` command.

    veille run [--all] [--quiet] [--revisit all] ...   crawl what is due, flag, report (for cron)
    veille watch [--config PATH] ...                   the daemon (SIGHUP reloads the config)
    veille crawl SOURCE [-a NAME=VALUE]...             one crawl now, from any folder
    veille serve [--port P] [--config PATH] [--db PATH] ...   Datasette on the store, read-only
    veille flags [--topic T] [--since 24h] [--limit N] [--backfill] [--json]
    veille topics add NAME "QUERY" | list | remove NAME | backfill NAME   [--config PATH]
    veille export --out DIR [--format text|jsonl] [--source NAME] [--config PATH] [--db PATH]
    veille summary [--titles N] [--config PATH] [--db PATH]
    veille extract PAGE.html --url URL [--body-only]   the text a page gives, and the method
    veille reextract [--source S] [--since DATE] [--dry-run]   today's parsers on the archived pages
    veille ingest [--redis URL] [--drain] ...          store what distributed workers queued
    veille replica generate|serve|edit|add ...         replica sites (tests, the demo)
    veille --version

Topics live in the config file (``veille.toml`` in the current directory unless
``--config PATH``). Every command finds the store the same way
(:func:`storage.paths.resolve_db_path`, through :meth:`veille.config.Config.db_path`):
``--db``, else the config's ``[store] path`` (relative to the config file's folder), else
``$VEILLE_DB``, else ``data/veille.db``.

Only commands that write (``topics backfill``, ``run``/``watch``, ``ingest``, crawls)
create or migrate a store; ``summary``, ``export``, ``flags`` and ``serve`` open it
read-only (:meth:`storage.Store.open_readonly`): they never change it, and work on a
read-only filesystem.

Exit status: 0 ok, 1 failure (no store, a store or folder that cannot be written, a
damaged store...), 2 bad input (a query that does not parse, an unknown topic or source, a
bad date, a file that is not a veille store), and for
``veille run`` 3: the run was done but a source's crawl failed. Every error is one line
(:mod:`veille.cli.errors`: an unwritable folder, a full disk, output piped to ``head``),
never a traceback.
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
        if args.source is not None and args.source not in reports.source_names(store.conn):
            known = ", ".join(reports.source_names(store.conn)) or "none yet"
            return _fail(prog, f"no source named {args.source!r} in {store.path} (sources: {known})", 2)
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
    from veille.topics import explain_error

    return _fail(prog, explain_error(exc, query, f"query for topic {name!r}"), 2)


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
    _tell_daemon(args, path)
    print(f"to flag what is already stored: veille topics backfill {topic.name}")
    return 0


def _tell_daemon(args, path: Path) -> None:
    """Say whether a running daemon took the edited config (SIGHUP, then its status)."""
    from veille.config import ConfigError, load_config
    from veille.schedule.reload import config_signature, notify_daemon

    try:
        db = load_config(path).db_path(getattr(args, "db", None)).resolve()
    except ConfigError:
        return
    how, status = notify_daemon(db, path, config_signature(path))
    if how == "none":
        print("no daemon is running on this config: the next `veille run` or `veille watch` uses it")
    elif how == "took":
        print(f"the running daemon (pid {status['pid']}) took it")
    elif how == "refused":
        print(f"the running daemon (pid {status['pid']}) did not take it: {status.get('error')}")
    else:
        print(f"the running daemon (pid {status['pid']}) has not taken it yet (it reloads on SIGHUP"
              " or when the file changes)")


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
    _tell_daemon(args, path)
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
    """A ``--since`` (ISO date or date-time, naive = UTC; ``24h``, ``7d``; ``today``,
    ``yesterday``) as the store's UTC timestamp text (:func:`veille.core.clock.parse_since`)."""
    try:
        return clock.iso(clock.parse_since(text))
    except BadArgument as exc:
        raise BadArgument(str(exc).replace("bad since", "bad --since", 1)) from None


def cmd_flags(args) -> int:
    from veille.monitor.flags import count_flags, known_topics, list_flags
    from veille.report import build_report, render_json, render_text

    prog = "veille flags"
    since = None
    if args.since:
        try:
            since = parse_since(args.since)
        except BadArgument as exc:
            return _fail(prog, str(exc), 2)
    if args.limit is not None and args.limit < 0:
        return _fail(prog, "--limit must be 0 (no limit) or more", 2)
    store, code = _store_for(args, prog)
    if store is None:
        return code
    backfill = None if args.backfill else False
    try:
        if args.topic is not None and args.topic not in known_topics(store):
            known = ", ".join(known_topics(store)) or "none yet (veille topics add NAME \"QUERY\")"
            return _fail(prog, f"no topic named {args.topic!r} (topics: {known})", 2)
        limit = args.limit or None
        flags = list_flags(store, topic=args.topic, since=since, limit=limit, backfill=backfill)
        totals = count_flags(store, topic=args.topic, since=since, backfill=backfill)
        report = build_report(store, flags)
        hidden = 0 if args.backfill else sum(
            sum(c.values()) for c in count_flags(store, topic=args.topic, since=since, backfill=True).values())
    finally:
        store.close()
    total = sum(sum(c.values()) for c in totals.values())
    report["totals"] = {t: {"new": c.get("new", 0), "updated": c.get("updated", 0)} for t, c in totals.items()}
    report["shown"], report["total"] = len(flags), total
    print(render_json(report) if args.json else render_text(report))
    if not args.json:
        if len(flags) < total:
            print(f"\n{len(flags)} of {total} flags shown, the newest; --limit {total} (or 0) shows them all")
        if hidden:
            print(f"{hidden} flag(s) of `veille topics backfill` not shown; --backfill shows them")
    return 0


def cmd_reextract(args) -> int:
    """Today's parsers on the archived pages (:mod:`veille.cli.reextract`)."""
    from veille.cli.reextract import parse_since_day, run

    prog = "veille reextract"
    since, error = parse_since_day(args.since)
    if error:
        return _fail(prog, error, 2)
    cfg, code = _load_config(args, prog)
    if cfg is None:
        return code
    store, code = _open_store(args, cfg, prog, readonly=args.dry_run)
    if store is None:
        return code
    try:
        if args.source is not None and args.source not in store.sources():
            known = ", ".join(sorted(store.sources())) or "none yet"
            return _fail(prog, f"no source named {args.source!r} in the store (sources: {known})", 2)
        return run(store, args.source, since, args.dry_run, args.config)
    finally:
        store.close()


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
    return replica_main(args.rest, prog="veille replica")


DELEGATED = ("run", "watch", "serve", "extract", "ingest", "crawl", "replica")


def _delegate(argv: list[str]) -> int | None:
    """``run``, ``watch``, ``serve``, ``extract``, ``ingest``, ``crawl`` and ``replica`` hand
    their arguments (``--help`` included) to their own programs."""
    if not argv or argv[0] not in DELEGATED:
        return None
    command, rest = argv[0], list(argv[1:])
    if command == "replica":
        return cmd_replica(argparse.Namespace(rest=rest))
    if command == "crawl":
        from veille.cli.crawl import main as crawl_main

        return crawl_main(rest)
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

    return schedule_main(rest, mode=command)


def main(argv=None) -> int:
    """``veille ...``: every error a one-line message (:func:`veille.cli.errors.guarded`)."""
    from veille.cli.errors import guarded

    return guarded(_main, list(sys.argv[1:] if argv is None else argv))


def _main(argv: list[str]) -> int:
    delegated = _delegate(argv)
    if delegated is not None:
        return delegated
    parser = argparse.ArgumentParser(
        prog="veille", description="veille watches news sources and tells you what is new or "
        "changed on the topics you follow. `veille COMMAND --help` tells more.")
    parser.add_argument("--version", action="version", version=f"veille {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    # listed for --help; _delegate runs them
    sub.add_parser("run", help="crawl the sources that are due, flag, report, notify (for cron)")
    sub.add_parser("watch", help="the daemon: crawl each source on its schedule (SIGHUP reloads the config)")
    sub.add_parser("crawl", help="crawl one source now, from any folder (SOURCE [-a NAME=VALUE]...)")
    sub.add_parser("serve", help="open the store in Datasette, read-only: the briefing, the history, search")
    sub.add_parser("extract", help="the text a saved page gives, and the method (PAGE.html --url URL)")
    sub.add_parser("ingest", help="store what distributed workers queued in Redis (--drain: and exit)")
    sub.add_parser("replica", help="generate, serve, edit a replica site (for tests and the demo)")

    p = sub.add_parser("export", help="write every article in the text format (or as JSON lines)",
                       description="Write the current text of every article (of one source with "
                       "--source): one file per article named like the reference document "
                       "(NNN_<hash>.txt), or JSON lines (--format jsonl; --out - for stdout).")
    p.add_argument("--out", required=True, help="output folder (for jsonl, '-' writes to stdout)")
    p.add_argument("--format", choices=["text", "jsonl"], default="text")
    p.add_argument("--source", help="only this source")
    _config_arg(p)
    _db_arg(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("summary", help="what the store holds: counts, last crawls, titles",
                       description="What the store holds: articles, texts, versions, skipped "
                       "pages, the last crawls and their counts, the latest articles.")
    p.add_argument("--titles", type=int, default=5)
    _config_arg(p)
    _db_arg(p)
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser("topics", help="the tracked topics: add, list, remove, backfill")
    tsub = p.add_subparsers(dest="topics_command", required=True)
    t = tsub.add_parser("add", help="add a topic to the config file (created if missing)",
                        description="Add a topic to the config file (created if missing), comments "
                        "kept; a running daemon on that config is told (SIGHUP) and the command says "
                        "whether it took the topic.")
    t.add_argument("name")
    t.add_argument("query", help='words, "phrases", AND OR NOT, parentheses, prefix*')
    _config_arg(t)
    _db_arg(t)
    t.set_defaults(func=cmd_topics_add)
    t = tsub.add_parser("list", help="the topics of the config file")
    _config_arg(t)
    t.set_defaults(func=cmd_topics_list)
    t = tsub.add_parser("remove", help="remove a topic from the config file")
    t.add_argument("name")
    _config_arg(t)
    _db_arg(t)
    t.set_defaults(func=cmd_topics_remove)
    t = tsub.add_parser("backfill", help="flag what the store already holds for a topic")
    t.add_argument("name")
    t.add_argument("--json", action="store_true", help="print the report as JSON")
    _config_arg(t)
    _db_arg(t)
    t.set_defaults(func=cmd_topics_backfill)

    p = sub.add_parser("flags", help="the latest flags, as a report",
                       description="The latest flags (new and updated articles on your topics), "
                       "newest first, as a report: per topic the totals, then each article. The "
                       "flags of `veille topics backfill` are left out unless --backfill.")
    p.add_argument("--topic", help="only this topic")
    p.add_argument("--since", help=f"only flags raised since then: {clock.SINCE_HELP}")
    p.add_argument("--limit", type=int, default=100,
                   help="show at most this many flags, the newest (default 100; 0: all)")
    p.add_argument("--backfill", action="store_true",
                   help="include the flags of `veille topics backfill` (old articles)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    _config_arg(p)
    _db_arg(p)
    p.set_defaults(func=cmd_flags)

    p = sub.add_parser("reextract", help="today's parsers on the archived pages: extractor versions",
                       description="Read the archived page of every current text made by other "
                       "parsers than today's, and record the texts that change as versions whose "
                       "cause is 'extractor' (one transaction per batch; never flagged). Running it "
                       "again records nothing.")
    p.add_argument("--source", help="only this source")
    p.add_argument("--since", help="only pages fetched on or after this day (YYYY-MM-DD)")
    p.add_argument("--dry-run", action="store_true", help="say what would change, record nothing")
    _config_arg(p)
    _db_arg(p)
    p.set_defaults(func=cmd_reextract)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except Exception as exc:  # a page of the store found damaged while reading it
        if not is_damage(exc):
            raise
        return _fail(f"veille {args.command}", f"the store is damaged: {exc}")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("veille")
    except PackageNotFoundError:  # run from a checkout that is not installed
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
