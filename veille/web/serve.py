"""``veille serve``: open the store in Datasette, read-only, with veille's configuration.

    veille serve [--config PATH] [--db PATH] [--host 127.0.0.1] [--port 8001]
    python -m veille.web.serve ...            (the same; ``make serve`` runs it)

The store is found like every command's (:meth:`veille.config.Config.db_path`): ``--db``,
else the ``[store] path`` of the config (``--config``, default ``veille.toml`` in the
current directory; a config that does not load is refused, exit 2), else ``$VEILLE_DB``,
else ``data/veille.db``. Whatever the file is called, it is served as the database
``veille`` (``http://127.0.0.1:8001/veille``), with the metadata, canned queries, plugin
and dashboard of :mod:`veille.web`. Read-only: every
connection is ``?mode=ro`` and no write is ever made; on a read-only filesystem with no
crawl at work, ``immutable`` (see :mod:`storage.db`). The file is checked first
(:meth:`storage.Store.open_readonly`): a missing file is refused (exit 1) instead of being
served empty, a file that is not a veille store (exit 2) before Datasette touches it, a
store newer than this code or not yet migrated by a writer (exit 1). Listens on 127.0.0.1
unless ``--host`` says otherwise; the port is bound before anything is announced, so a busy
port is one line and exit 1, never a "listening at" followed by a failure.

Arbitrary SQL (Datasette's SQL editor and ``?sql=``; the dashboard runs its charts that
way) is on when the address is this machine's (loopback: the default) and off otherwise:
whoever can reach the server can then only run the canned queries and browse the tables.
``--allow-sql`` turns it on for any address, ``--no-sql`` off for any address.

Decisions (issue 10, point 2): on or off, no request can hold the server: Datasette's time
limit (``sql_time_limit_ms``, 5 s) interrupts SQLite between two steps, and veille's SQL
functions, which it cannot interrupt, are bounded (:mod:`veille.web.plugin`). Off when
exposed because SQL also gives whoever sends it the whole store and SQLite's memory for
the time limit; on locally because the dashboard needs it and the only user is the one
who started the server.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import ipaddress
import socket
import sys

from storage import Store
from veille.config import load_config
from veille.core.errors import ConfigError, NoStore, NotAStore, StoreError

DEFAULT_PORT = 8001
DEFAULT_HOST = "127.0.0.1"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="veille serve",
        description="Open the store in Datasette (read-only), with veille's queries and dashboard.")
    p.add_argument("--config", metavar="PATH",
                   help="the config file (default: veille.toml in the current directory)")
    p.add_argument("--db", metavar="PATH",
                   help="the store (default: the config's [store] path, else $VEILLE_DB, "
                        "else data/veille.db)")
    p.add_argument("--host", default=DEFAULT_HOST,
                   help=f"address to listen on (default {DEFAULT_HOST}: this machine only)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help=f"port (default {DEFAULT_PORT})")
    sql = p.add_mutually_exclusive_group()
    sql.add_argument("--allow-sql", dest="sql", action="store_const", const=True,
                     help="allow arbitrary SQL (and the dashboard) whatever the address")
    sql.add_argument("--no-sql", dest="sql", action="store_const", const=False,
                     help="refuse arbitrary SQL (and the dashboard) whatever the address")
    return p


def is_local(host: str) -> bool:
    """Whether ``host`` is an address of this machine only (loopback)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def sql_allowed(host: str, choice: bool | None) -> bool:
    """Arbitrary SQL: ``--allow-sql``/``--no-sql`` if given, else on for a loopback address only."""
    return is_local(host) if choice is None else choice


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        path = load_config(args.config).db_path(args.db)
    except ConfigError as exc:
        print(f"veille serve: {exc}", file=sys.stderr)
        return 2
    try:
        with Store.open_readonly(path) as store:
            immutable = store.immutable
    except NoStore:
        print(f"veille serve: no store at {path} (crawl something first, e.g. `make demo`, "
              f"or give --db PATH / VEILLE_DB)", file=sys.stderr)
        return 1
    except NotAStore as exc:
        print(f"veille serve: {exc}", file=sys.stderr)
        return 2
    except StoreError as exc:
        print(f"veille serve: {exc}", file=sys.stderr)
        return 1
    try:
        import uvicorn

        from veille.web import DB_NAME, make_datasette
    except ImportError as exc:
        print(f"veille serve: Datasette is not installed ({exc}); "
              f"pip install -e '.[datasette]'", file=sys.stderr)
        return 1
    allow_sql = sql_allowed(args.host, args.sql)
    ds = make_datasette(path, allow_sql=allow_sql, immutable=immutable)

    async def check():
        await ds.invoke_startup()
        await ds.get_database(DB_NAME).execute("select count(*) from sqlite_master")

    try:
        asyncio.run(check())
    except Exception as exc:  # not SQLite, unreadable...
        print(f"veille serve: cannot open {path}: {exc}", file=sys.stderr)
        return 1
    try:  # listen first: a busy port is said before anything is announced
        sock = listen(args.host, args.port)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            print(f"veille serve: port {args.port} on {args.host} is already in use (another "
                  f"`veille serve`? give --port {args.port + 1})", file=sys.stderr)
        else:
            print(f"veille serve: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
                  file=sys.stderr)
        return 1
    host = f"[{args.host}]" if ":" in args.host else args.host
    port = sock.getsockname()[1]
    mode = "read-only, immutable: a read-only folder" if immutable else "read-only"
    print(f"veille serve: {path} ({mode}) at http://{host}:{port}/{DB_NAME}"
          f"  (the briefing: http://{host}:{port}/{DB_NAME}/briefing)"
          f"{'' if allow_sql else ' (arbitrary SQL off: --allow-sql to turn it on)'}", flush=True)
    config = uvicorn.Config(ds.app(), log_level="warning", lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])
    return 0


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (as uvicorn binds it: SO_REUSEADDR), or OSError."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


if __name__ == "__main__":
    sys.exit(main())
