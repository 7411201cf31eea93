"""CLI: ``python -m replica generate|serve|edit|add ...``."""

from __future__ import annotations

import argparse
import errno
import sys
import time


def main(argv: list[str] | None = None, prog: str = "python -m replica") -> int:
    ap = argparse.ArgumentParser(prog=prog, description=(
        "Replica sites for tests and the demo: generate one, serve it on 127.0.0.1 (ETag, "
        "Last-Modified, 304s, a fault map), edit or add articles between two crawls."))
    sub = ap.add_subparsers(dest="cmd", required=True)

    g = sub.add_parser("generate", help="write a replica aBamako site into OUT")
    g.add_argument("out")
    g.add_argument("--articles", type=int, default=60)
    g.add_argument("--first-id", type=int, default=270000)
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--page-kb", type=float, default=None, help="pad pages to about K KB (e.g. 75)")
    g.add_argument("--no-variants", action="store_true", help="leave out the reference variants")
    g.add_argument("--base-url", default=None, help="prefix of absolute URLs (default http://news.abamako.com)")

    s = sub.add_parser("serve", help="serve DIR on 127.0.0.1; prints the base URL, runs until SIGTERM/SIGINT")
    s.add_argument("dir")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=0)
    s.add_argument("--faults", action="append", default=[], help="extra fault map file(s), JSON")
    s.add_argument("--hit-log", default=None, help="append one JSON line per request to this file")
    s.add_argument("--gzip", action="store_true")
    s.add_argument("--no-rewrite", action="store_true", help="do not rewrite the site's base URL")
    s.add_argument("--watch-stdin", action="store_true", help="exit when stdin reaches EOF")

    e = sub.add_parser("edit", help="edit articles of a generated site")
    e.add_argument("dir")
    e.add_argument("ids", type=int, nargs="+")
    e.add_argument("--boilerplate-only", action="store_true")

    a = sub.add_parser("add", help="add N articles to a generated site")
    a.add_argument("dir")
    a.add_argument("n", type=int)

    args = ap.parse_args(argv)
    if args.cmd == "generate":
        from replica.site import DEFAULT_BASE_URL, generate_site

        t = time.perf_counter()
        m = generate_site(args.out, n_articles=args.articles, first_id=args.first_id, seed=args.seed,
                          page_kb=args.page_kb, variants=not args.no_variants,
                          base_url=args.base_url or DEFAULT_BASE_URL)
        print(f"{len(m.ids)} articles, {len(m.listings)} listing pages in {args.out} "
              f"({time.perf_counter() - t:.1f}s); reference variants: {m.reference}", file=sys.stderr)
        return 0
    if args.cmd == "serve":
        from replica.httpd import run_server

        try:
            run_server(args.dir, host=args.host, port=args.port, fault_files=args.faults,
                       hit_log=args.hit_log, gzip=args.gzip, rewrite_base=not args.no_rewrite,
                       watch_stdin=args.watch_stdin)
        except OSError as exc:  # a busy port, an address that is not this machine's
            if exc.errno == errno.EADDRINUSE:
                print(f"{prog} serve: port {args.port} on {args.host} is already in use"
                      " (another server? give --port, or --port 0 for a free one)", file=sys.stderr)
            else:
                print(f"{prog} serve: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
                      file=sys.stderr)
            return 1
        return 0
    if args.cmd == "edit":
        from replica.edits import edit_articles

        for entry in edit_articles(args.dir, args.ids, boilerplate_only=args.boilerplate_only):
            print(entry["id"], entry["sha256"])
        return 0
    if args.cmd == "add":
        from replica.edits import add_articles

        print(*add_articles(args.dir, args.n))
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
