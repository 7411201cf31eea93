"""Connections and transactions: how every part of veille opens the store and writes to it.

    conn = connect(path)                 # read-write: created if missing, WAL, pragmas
    conn = connect_readonly(path)        # an existing store, read-only
    conn, immutable = open_readonly(path)  # the same, and whether it had to be immutable
    with transaction(conn):              # BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error)
        conn.execute(...)
    is_damage(exc)                       # SQLite says the file is damaged
    damage_said(lines)                   # ... in a process's output (a crawl's)

Decisions:

- Every write of veille is one :func:`transaction` (the store's methods, the schema, flags,
  stories, topics): a process killed at any moment leaves whole transactions or nothing.
  ``BEGIN IMMEDIATE`` takes the write lock at once, so the reads made to plan the writes
  stay true until ``COMMIT`` even when another process writes to the same file.
- No nesting: SQLite has no nested ``BEGIN``, and a caller that writes inside another's
  transaction would commit it half done. :func:`transaction` on a connection already in
  a transaction raises :class:`~veille.core.errors.TransactionError` and touches nothing.
- Read-write connections use WAL with ``synchronous=NORMAL``: a killed process loses
  nothing committed; a power cut may lose the last transactions but never corrupts the
  file. The WAL is checkpointed every ~16 MB instead of 4 MB (fewer, larger copies: ~10%
  faster batches) and truncated back to 64 MB at most after a checkpoint. Writers keep a
  64 MB page cache (SQLite's default is 2 MB): the indexes of a store of a million versions
  are hundreds of MB, and each batch touches pages all over them (``bench/million.py``).
- A new store has pages of :data:`PAGE_SIZE` (32 KB), not SQLite's 4 KB (issue 14, bytes
  per version): a text of 2-4 KB, the common size, took a 4 KB page of its own (two do not
  fit) or a leaf cell plus a whole overflow page, ~1 KB lost per text; 32 KB pages hold
  about seven. Measured with ``bench/million.py --versions 40000`` (two runs each): 8.6 KB
  a version with 4 KB pages (2.11x the text), 7.9 KB with 32 KB (1.92x), ``contents``
  5.1 -> 4.6 KB and ``versions`` 1.5 -> 1.2 KB a version; ingest with flags and stories
  at 0.34-0.37 of SQLite alone before, 0.41 after (not slower: larger pages split less).
  A store made before keeps its page size (changing it takes a ``VACUUM`` of the whole
  file); the WAL is checkpointed at the same size in bytes whatever the page size.
- Read-only connections are ``file:...?mode=ro`` URIs: no file, folder, schema or row is
  ever created, and what a crawl writing the store at the same time has committed (its
  WAL) is visible. A missing file is :class:`~veille.core.errors.NoStore`.
- ``immutable=1`` only where ``mode=ro`` cannot open the store: a read-only filesystem or
  a folder the reader may not write, with no crawl at work (SQLite needs to create the
  ``-shm`` index to read a WAL store; when a writer is at work its ``-shm`` exists and
  ``mode=ro`` works, WAL included). Immutable ignores the WAL, so when a ``-wal`` file
  with content is there (changes a killed crawl left, not yet in the file) the reader is
  refused with a message rather than shown stale rows. Never immutable by default: a store
  being crawled changes under a reader that takes no lock.
- Both kinds of opening check that the file is a veille store before anything else
  (:func:`check_store`, through SQLite: a file that is not SQLite is ``SQLITE_NOTADB`` at
  the first read), then the tables every store has had since the first version
  (:data:`IDENTITY`). Never with a Python ``open()`` of the file: closing any descriptor
  of it drops the POSIX locks every SQLite connection of the process holds on it, and
  another process would then take the WAL for abandoned (seen: "disk I/O error", writes
  invisible to other processes). Another application's database (even with an
  ``articles`` table), an HTML page or, for a reader, an empty file is
  :class:`~veille.core.errors.NotAStore` and stays byte-identical: the check runs before
  the writer's ``journal_mode=wal`` and schema, and a read takes no write.
- A file SQLite calls damaged (``SQLITE_CORRUPT``, ``SQLITE_NOTADB`` past the header) is
  :class:`~veille.core.errors.StoreDamaged` at opening; later, callers ask
  :func:`is_damage` about the ``sqlite3.DatabaseError`` they got.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from veille.core.errors import NoStore, NotAStore, StoreDamaged, StoreError, TransactionError

__all__ = ["connect", "connect_readonly", "open_readonly", "check_store", "is_damage",
           "damage_said", "transaction", "MEMORY", "IDENTITY"]

MEMORY = ":memory:"
CACHE_KB = 65536  # the page cache of a read-write connection
PAGE_SIZE = 32768  # of a new store (an existing one keeps its own)
WAL_CHECKPOINT_BYTES = 16 * 1024 * 1024  # the WAL is copied into the file past this size

# The tables and columns every veille store has had since its first version (a subset of
# storage.schema.TABLES; tests/unit/test_store.py checks it): what tells a veille store
# from another application's SQLite file, which may well have an `articles` table.
IDENTITY: dict[str, tuple[str, ...]] = {
    "contents": ("hash", "text"),
    "articles": ("url", "content_hash"),
    "versions": ("article_id", "content_hash"),
    "crawls": ("source", "status"),
}

_DAMAGE = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
# SQLite's own words for them (sqlite3_errstr), as another process prints them
_DAMAGE_WORDS = ("database disk image is malformed", "file is not a database")
# what a read-only connection gets when it would have to create the -shm index
_NEEDS_A_WRITE = (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY)


def _code(exc: BaseException) -> int:
    return (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF


def is_damage(exc: BaseException) -> bool:
    """True when ``exc`` is SQLite saying the file is damaged (``database disk image is
    malformed``, ``file is not a database``), or :class:`StoreDamaged`."""
    return isinstance(exc, StoreDamaged) or (isinstance(exc, sqlite3.DatabaseError)
                                             and _code(exc) in _DAMAGE)


def damage_said(lines: list[str]) -> str | None:
    """The message of the last line of ``lines`` (a process's output, e.g. a crawl's) in
    which SQLite says the store is damaged, or None."""
    for line in reversed(lines):
        if any(w in line for w in _DAMAGE_WORDS):
            return line.strip().rsplit("Error: ", 1)[-1]
    return None


def check_store(conn: sqlite3.Connection, path: str | os.PathLike, *, empty_ok: bool = False) -> None:
    """Raise :class:`~veille.core.errors.NotAStore` unless ``conn``'s database is a veille
    store (an empty database too when ``empty_ok``: a writer creates the store in it),
    :class:`~veille.core.errors.StoreDamaged` when SQLite cannot read its schema. Reads
    only the schema; writes nothing."""
    try:
        tables = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables and empty_ok:
            return
        missing = []
        for table, columns in IDENTITY.items():
            have = {r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")}
            missing += [table] if not have else [f"{table}.{c}" for c in columns if c not in have]
    except sqlite3.DatabaseError as exc:
        if _code(exc) == sqlite3.SQLITE_NOTADB:
            raise NotAStore(f"{path} is not a veille store: not a SQLite database ({exc})") from exc
        if is_damage(exc):
            raise StoreDamaged(f"the store {path} is damaged: {exc}") from exc
        raise
    if not tables:
        raise NotAStore(f"{path} is not a veille store: an empty database")
    if missing:
        shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
        raise NotAStore(f"{path} is not a veille store: another SQLite database (tables {shown};"
                        f" no {missing[0]})")


def connect(path: str | os.PathLike, *, create: bool = True, timeout: float = 30.0
            ) -> sqlite3.Connection:
    """A read-write connection to the store at ``path`` (``":memory:"`` for a throwaway
    one): the folder and the file are created if missing (``create=False``:
    :class:`~veille.core.errors.NoStore` instead), WAL and the pragmas set."""
    path = Path(path)
    memory = str(path) == MEMORY
    if not memory:
        if not create and not path.is_file():
            raise NoStore(f"no database at {path}")
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=timeout)
    if not memory:
        try:
            check_store(conn, path, empty_ok=True)  # before WAL: another database stays as it is
        except BaseException:
            conn.close()
            raise
    # only a file with nothing in it yet takes it (before WAL, which writes the header)
    conn.execute(f"PRAGMA page_size={PAGE_SIZE}")
    if not memory:
        conn.execute("PRAGMA journal_mode=wal")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.execute(f"PRAGMA wal_autocheckpoint={max(100, WAL_CHECKPOINT_BYTES // page)}")
    conn.execute("PRAGMA journal_size_limit=67108864")
    conn.execute(f"PRAGMA cache_size=-{CACHE_KB}")
    return conn


def connect_readonly(path: str | os.PathLike, *, timeout: float = 30.0) -> sqlite3.Connection:
    """A read-only connection to the existing store at ``path`` (see :func:`open_readonly`)."""
    return open_readonly(path, timeout=timeout)[0]


def open_readonly(path: str | os.PathLike, *, timeout: float = 30.0
                  ) -> tuple[sqlite3.Connection, bool]:
    """A read-only connection to the existing veille store at ``path``, and whether it is
    ``immutable`` (see the module docstring: only where ``mode=ro`` cannot open it). It
    sees what writers have committed, WAL included. :class:`~veille.core.errors.NoStore`
    when there is no file (none is created), :class:`~veille.core.errors.NotAStore`
    for a file that is not a veille store, :class:`~veille.core.errors.StoreError` when a
    WAL cannot be read here."""
    path = Path(path)
    if not path.is_file():
        raise NoStore(f"no database at {path}")
    uri = f"{path.resolve().as_uri()}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=timeout)
    try:
        check_store(conn, path)
        return conn, False
    except sqlite3.OperationalError as exc:
        conn.close()
        if _code(exc) not in _NEEDS_A_WRITE:
            raise
        cause = exc
    except BaseException:
        conn.close()
        raise
    # mode=ro could not create the -shm index: nothing can write here either
    wal = path.with_name(path.name + "-wal")
    if wal.is_file() and wal.stat().st_size > 0:
        raise StoreError(f"cannot read {path} here: its folder is read-only, and {wal.name} holds "
                         f"changes not yet in the file, which SQLite can only read where it may "
                         f"write its -shm index; open it once where the folder is writable") from cause
    conn = sqlite3.connect(f"{uri}&immutable=1", uri=True, timeout=timeout)
    try:
        check_store(conn, path)
    except sqlite3.OperationalError as exc:
        conn.close()
        raise StoreError(f"cannot open {path}: {exc}") from exc
    except BaseException:
        conn.close()
        raise
    return conn, True


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``with transaction(conn):`` one ``BEGIN IMMEDIATE`` ... ``COMMIT``; any exception
    (KeyboardInterrupt included) rolls everything back and is raised again.
    :class:`~veille.core.errors.TransactionError` if ``conn`` is already in a transaction."""
    if conn.in_transaction:
        raise TransactionError("the store's connection is already in a transaction")
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
