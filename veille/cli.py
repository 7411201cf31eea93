"""The ``veille`` command.

    veille export --out DIR [--format text|jsonl] [--source NAME] [--db PATH]
    veille summary [--db PATH] [--titles N]
    veille replica generate OUT [--articles N] [--page-kb K]
    veille replica serve DIR [--port P]

Crawls themselves run as ``scrapy crawl <spider>`` from the project root.
"""

from __future__ import annotations

import argparse
import sys


def _db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", help="the SQLite store (default: $VEILLE_DB or data/veille.db)")


def cmd_export(args) -> int:
    from storage import Store
    from storage.export import export

    try:
        store = Store(args.db, create=False)
    except FileNotFoundError as exc:
        print(f"veille export: no store at {exc}", file=sys.stderr)
        return 1
    try:
        n = export(store, args.out, fmt=args.format, source=args.source)
    finally:
        store.close()
    where = "stdout" if args.out == "-" else args.out
    print(f"exported {n} article(s) to {where}", file=sys.stderr)
    return 0


def cmd_summary(args) -> int:
    from storage import Store

    try:
        store = Store(args.db, create=False)
    except FileNotFoundError as exc:
        print(f"veille summary: no store at {exc}", file=sys.stderr)
        return 1
    try:
        print(summary(store, titles=args.titles))
    finally:
        store.close()
    return 0


def summary(store, titles: int = 5) -> str:
    """What landed in the store: counts, the last crawls, a few titles."""
    db = store.db
    one = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
    lines = [
        f"store: {store.path}",
        f"articles: {one('select count(*) from articles')}"
        f" (of which duplicates of another URL: {one('select count(*) from articles where duplicate_of is not null')})",
        f"distinct texts: {one('select count(*) from contents')}, versions: {one('select count(*) from versions')}",
        f"skipped or failed pages: {one('select count(*) from skips')}",
        "",
        "last crawls:",
    ]
    for row in db.execute(
        "select id, source, started_at, status, fetched, new, updated, unchanged, duplicate, skipped, failed"
        " from crawls order by id desc limit 5"
    ):
        lines.append(
            "  #{} {} {} {}: fetched {} new {} updated {} unchanged {} duplicate {} skipped {} failed {}".format(*row)
        )
    skips = db.execute("select reason, count(*) from skips group by reason order by 2 desc").fetchall()
    if skips:
        lines.append("")
        lines.append("skips by reason: " + ", ".join(f"{r} {n}" for r, n in skips))
    if titles:
        lines.append("")
        lines.append("latest articles:")
        for published, title, url in db.execute(
            "select published, title, url from articles order by published desc, id desc limit ?", [titles]
        ):
            lines.append(f"  {published}  {title}\n              {url}")
    lines += ["", f"open it in Datasette:  datasette {store.path}"]
    return "\n".join(lines)


def cmd_replica(args) -> int:
    from veille.replica.__main__ import main as replica_main

    return replica_main(args.rest)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="veille", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("export", help="write every article in the text format (or as JSON lines)")
    p.add_argument("--out", required=True, help="output folder (for jsonl, '-' writes to stdout)")
    p.add_argument("--format", choices=["text", "jsonl"], default="text")
    p.add_argument("--source", help="only this source")
    _db_arg(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("summary", help="what the store holds: counts, last crawls, titles")
    p.add_argument("--titles", type=int, default=5)
    _db_arg(p)
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser("replica", help="generate or serve a replica site (for tests and the demo)")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_replica)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
