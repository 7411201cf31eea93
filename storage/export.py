"""Export the store's articles: one text file per article, or JSON lines.

    export(store_or_path, out_dir, fmt="text", source=None) -> int   # articles written

``fmt="text"``: one file per article (its current version; duplicates too, each under its
own number), named ``NNN_<first 16 hex of the content hash>.txt`` like the reference
document in ``seeds/``. NNN is the article's running number in id order, from 0,
zero-padded to 3 digits, or to as many as the largest number needs when there are more
than 1000 (every name of one export has the same width, so names sort in order). The
bytes are the stored text exactly (UTF-8, no trailing newline).

``fmt="jsonl"``: one JSON object per article, in id order, to ``out_dir/articles.jsonl``
(or to stdout when ``out_dir`` is ``"-"``), with ``id, url, source, site, title, headline,
published, rubric, publisher, canonical_url, method, first_seen, last_seen, content_hash,
duplicate_of, versions_count, text``.

``source`` restricts to one source. Files already in ``out_dir`` with the same names are
replaced; other files are left alone. Nothing is written outside ``out_dir``: a name that
is a symbolic link leading outside is refused before anything is written, and every file
is written to a temporary file in ``out_dir`` then renamed over its name, so a hard link
(or any link) already there is replaced, never written through, and an interrupted
export leaves no half-written file under an export's name.

Command line: ``python -m storage.export OUT_DIR [--format text|jsonl] [--source S] [--db PATH]``.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sqlite3
import sys
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

from veille.core.errors import ExportError, NotAStore, StoreError

from .db import connect_readonly
from .paths import resolve_db_path

__all__ = ["export", "JSONL_FIELDS", "file_name"]

JSONL_FIELDS = (
    "id", "url", "source", "site", "title", "headline", "published", "rubric", "publisher",
    "canonical_url", "method", "first_seen", "last_seen", "content_hash", "duplicate_of",
    "versions_count", "text",
)

_QUERY = (
    "SELECT a.id, a.url, a.source, a.site, a.title, a.headline, a.published, a.rubric,"
    " a.publisher, a.canonical_url, a.method, a.first_seen, a.last_seen, a.content_hash,"
    " a.duplicate_of, a.versions_count, c.text"
    " FROM articles a JOIN contents c ON c.hash = a.content_hash"
    " {where} ORDER BY a.id"
)


def file_name(number: int, content_hash: str, width: int = 3) -> str:
    """``NNN_<16 hex>.txt``: ``number`` zero-padded to ``width`` digits."""
    return f"{number:0{width}d}_{content_hash[:16]}.txt"


def _connect(store_or_path) -> tuple[sqlite3.Connection, bool]:
    """(connection, whether we opened it). A path is opened read-only
    (:func:`storage.db.connect_readonly`): no schema change, no file created."""
    conn = getattr(store_or_path, "conn", None)
    if isinstance(conn, sqlite3.Connection):
        return conn, False
    return connect_readonly(resolve_db_path(store_or_path)), True


def _inside(base: Path, target: Path) -> bool:
    try:
        target.resolve().relative_to(base)
    except ValueError:
        return False
    return True


def export(store_or_path, out_dir, fmt: str = "text", source: str | None = None) -> int:
    """Export the articles (of ``source``, or all) to ``out_dir``; return how many.

    ``store_or_path``: a :class:`storage.Store`, a path to the database, or None for the
    default path (:func:`storage.paths.resolve_db_path`). See the module docstring for the
    formats. Refusals are :class:`~veille.core.errors.ExportError` (a ValueError); a
    missing store :class:`~veille.core.errors.NoStore` (a FileNotFoundError).
    """
    if fmt not in ("text", "jsonl"):
        raise ExportError(f"fmt must be 'text' or 'jsonl', got {fmt!r}")
    to_stdout = str(out_dir) == "-"
    if to_stdout and fmt != "jsonl":
        raise ExportError("only jsonl can go to stdout")
    conn, opened = _connect(store_or_path)
    # One read transaction: the count and the rows come from the same snapshot even while a
    # crawl writes (WAL).
    began = not conn.in_transaction
    if began:
        conn.execute("BEGIN")
    try:
        where, params = ("WHERE a.source = ?", (source,)) if source is not None else ("", ())
        sql = _QUERY.format(where=where)
        if to_stdout:
            return _write_jsonl(conn.execute(sql, params), sys.stdout)
        base = Path(out_dir)
        base.mkdir(parents=True, exist_ok=True)
        base = base.resolve()
        if fmt == "jsonl":
            target = base / "articles.jsonl"
            if not _inside(base, target):
                raise ExportError(f"refusing to write outside {base}: articles.jsonl is a link "
                                 f"to {target.resolve()}")
            return _replace(target, lambda f: _write_jsonl(conn.execute(sql, params), f), text=True)
        count_sql = "SELECT count(*) FROM articles a " + where
        total = conn.execute(count_sql, params).fetchone()[0]
        width = max(3, len(str(total - 1)))
        # Every name is checked before anything is written: a refusal leaves the folder as
        # it was, not half exported.
        names = [file_name(n, h, width) for n, (h,) in enumerate(conn.execute(
            "SELECT a.content_hash FROM articles a " + where + " ORDER BY a.id", params))]
        for name in names:
            target = base / name
            if os.sep in name or (os.altsep and os.altsep in name) or not _inside(base, target):
                raise ExportError(f"refusing to write outside {base}: {name} is a link to "
                                 f"{target.resolve()}")
        n = 0
        for row, name in zip(conn.execute(sql, params), names):
            data = row[16].encode("utf-8")
            _replace(base / name, lambda f: f.write(data))  # noqa: B023 - called at once
            n += 1
        return n
    finally:
        if began and conn.in_transaction:
            conn.execute("ROLLBACK")
        if opened:
            conn.close()


def _replace(target: Path, write: Callable, text: bool = False):
    """Write ``target`` as a new file and return what ``write`` returns: ``write(f)`` fills
    a temporary file created next to it (``O_EXCL | O_NOFOLLOW``: a file nobody else has;
    UTF-8 text with ``\\n`` line ends if ``text``, else bytes), which is then renamed over
    ``target``. Whatever ``target`` was (a hard link, a symbolic link) is replaced, never
    written through. An error leaves ``target`` as it was and no temporary file."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    mode = {"mode": "w", "encoding": "utf-8", "newline": "\n"} if text else {"mode": "wb"}
    try:
        with os.fdopen(os.open(tmp, flags, 0o666), **mode) as f:  # 0o666 less the umask
            result = write(f)
        os.replace(tmp, target)
        return result
    except BaseException as exc:
        with suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from exc
        raise


def _write_jsonl(rows, f) -> int:
    n = 0
    for row in rows:
        f.write(json.dumps(dict(zip(JSONL_FIELDS, row)), ensure_ascii=False))
        f.write("\n")
        n += 1
    f.flush()
    return n


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m storage.export", description=__doc__.split("\n")[0])
    p.add_argument("out_dir", help="output folder, or - for jsonl on stdout")
    p.add_argument("--format", "-f", dest="fmt", choices=("text", "jsonl"), default="text")
    p.add_argument("--source", "-s")
    p.add_argument("--db", help="database path (default: $VEILLE_DB or data/veille.db)")
    a = p.parse_args(argv)
    try:
        n = export(a.db, a.out_dir, a.fmt, a.source)
    except StoreError as exc:  # no store, not a veille store, a refused path
        print(f"python -m storage.export: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, (NotAStore, ExportError)) else 1
    if a.out_dir != "-":
        print(f"{n} articles exported to {a.out_dir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
