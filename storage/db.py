"""Connections and transactions: how every part of veille opens the store and writes to it.

    conn = connect(path)                 # read-write: created if missing, WAL, pragmas
    conn = connect_readonly(path)        # an existing store, read-only
    with transaction(conn):              # BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error)
        conn.execute(...)

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
- Read-only connections are ``file:...?mode=ro`` URIs: no file, folder, schema or row is
  ever created, and what a crawl writing the store at the same time has committed (its
  WAL) is visible. A missing file is :class:`~veille.core.errors.NoStore`.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from veille.core.errors import NoStore, TransactionError

__all__ = ["connect", "connect_readonly", "transaction", "MEMORY"]

MEMORY = ":memory:"
CACHE_KB = 65536  # the page cache of a read-write connection


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
        conn.execute("PRAGMA journal_mode=wal")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
    conn.execute("PRAGMA wal_autocheckpoint=4000")
    conn.execute("PRAGMA journal_size_limit=67108864")
    conn.execute(f"PRAGMA cache_size=-{CACHE_KB}")
    return conn


def connect_readonly(path: str | os.PathLike, *, timeout: float = 30.0) -> sqlite3.Connection:
    """A read-only connection to the existing store at ``path``; it sees what writers
    have committed, WAL included. :class:`~veille.core.errors.NoStore` when there is no
    file (none is created)."""
    path = Path(path)
    if not path.is_file():
        raise NoStore(f"no database at {path}")
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=timeout)


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
