"""The full-text indexes: ``contents_fts`` holds :func:`veille.core.normalize.fold` of each
text, so that search finds what topic matching finds (issue 10, point 3); ``articles_fts``
the titles and headlines (:func:`index_titles`).

    index(conn, [(rowid, text), ...])     # in the caller's transaction: new contents rows
    index_folded(conn, [(rowid, folded)])  # the same, folded beforehand (outside the lock)
    catch_up(conn)                         # index the rows missing (own transactions)
    reindex(conn)                          # everything again (own transactions)

Decisions:

- ``contents_fts`` is an FTS5 table with external content (``content='contents'``,
  tokenizer ``unicode61 remove_diacritics 2``) whose rows are inserted by veille, not by
  triggers: the inserted text is the folded text, which SQLite cannot compute (no Python
  tokenizer in the standard library). Snippets (``snippet()``, ``highlight()``) read
  ``contents.text`` and show the text as stored: the folded text has the same words at
  the same positions, since :func:`~veille.core.normalize.fold` never splits or joins the
  words ``unicode61`` sees, except around the invisible characters the text format now
  drops (a stored text that still has one inside a word shows its snippet a word off).
- A text is never updated or deleted (``contents`` is append-only), so nothing but an
  insert ever touches the index; :func:`reindex` rebuilds it. FTS5's own
  ``'rebuild'`` and ``'integrity-check'`` with a rank of 1 would compare it with
  ``contents.text`` as stored, not folded: do not use them on ``contents_fts``
  (``'integrity-check'`` without a rank checks the index itself).
- Folding is the costly part (~0.1 ms per 4 KB text): :mod:`storage.articles` folds the
  new texts of a batch before its transaction and inserts them in one ``executemany``.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Iterable

from veille.core.normalize import fold

from .db import transaction

__all__ = ["index", "index_folded", "index_titles", "catch_up", "reindex", "missing_count",
           "TABLE", "CHUNK"]

log = logging.getLogger(__name__)

TABLE = "contents_fts"
CHUNK = 1000  # texts per transaction when (re)indexing a store: ~0.1-0.3 s of lock each

_SQL_INSERT = "INSERT INTO contents_fts (rowid, text) VALUES (?, ?)"
_SQL_MISSING = (
    "SELECT c.rowid, c.text FROM contents c WHERE c.rowid > ?"
    " AND NOT EXISTS (SELECT 1 FROM contents_fts_docsize d WHERE d.id = c.rowid)"
    " ORDER BY c.rowid LIMIT ?"
)


def index_folded(conn: sqlite3.Connection, rows: Iterable[tuple[int, str]]) -> None:
    """Add ``(contents rowid, folded text)`` rows to the index (in the caller's transaction)."""
    conn.executemany(_SQL_INSERT, rows)


def index_titles(conn: sqlite3.Connection, changes: dict[int, tuple[tuple | None, tuple]]) -> None:
    """``articles_fts``: ``{article id: ((title, headline) indexed before or None, (title,
    headline) now)}``, in the caller's transaction (external content: the old values must
    be the indexed ones to take them out)."""
    conn.executemany("INSERT INTO articles_fts (articles_fts, rowid, title, headline)"
                     " VALUES ('delete', ?, ?, ?)",
                     [(aid, *old) for aid, (old, new) in changes.items()
                      if old is not None and old != new])
    conn.executemany("INSERT INTO articles_fts (rowid, title, headline) VALUES (?, ?, ?)",
                     [(aid, *new) for aid, (old, new) in changes.items() if old != new])


def index(conn: sqlite3.Connection, rows: Iterable[tuple[int, str]]) -> None:
    """Add ``(contents rowid, text)`` rows to the index, folding them (caller's transaction)."""
    index_folded(conn, ((rowid, fold(text)) for rowid, text in rows))


def missing_count(conn: sqlite3.Connection) -> int:
    """How many texts the index lacks."""
    return conn.execute("SELECT count(*) FROM contents c WHERE NOT EXISTS"
                        " (SELECT 1 FROM contents_fts_docsize d WHERE d.id = c.rowid)").fetchone()[0]


def catch_up(conn: sqlite3.Connection, *, chunk: int = CHUNK,
             progress: Callable[[int], None] | None = None) -> int:
    """Index every text the index lacks, ``chunk`` texts per transaction (other writers
    get the lock between chunks; a process killed midway leaves whole chunks, and the
    next call goes on). Returns how many were indexed."""
    done = last = 0
    started = time.monotonic()
    while True:
        with transaction(conn):
            rows = conn.execute(_SQL_MISSING, (last, chunk)).fetchall()
            if not rows:
                break
            index(conn, rows)
        last = rows[-1][0]
        done += len(rows)
        if progress is not None:
            progress(done)
        elif time.monotonic() - started > 5:
            log.info("full-text index: %d texts indexed", done)
    return done


def reindex(conn: sqlite3.Connection, *, chunk: int = CHUNK,
            progress: Callable[[int], None] | None = None) -> int:
    """Empty the index and index every text again (see :func:`catch_up`)."""
    with transaction(conn):
        conn.execute("INSERT INTO contents_fts (contents_fts) VALUES ('delete-all')")
    return catch_up(conn, chunk=chunk, progress=progress)
