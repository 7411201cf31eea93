"""SQLite alone: the least a store of versions can cost, for ``bench/million.py`` to compare with.

The same items as veille's ingest, written with plain ``sqlite3`` and nothing else: the
SHA-256 of each text, dedup by hash (``contents``, FTS5 over the text kept by a trigger,
tokenizer ``unicode61 remove_diacritics 2``), an ``articles`` upsert by URL and a
``versions`` row; one ``BEGIN IMMEDIATE`` transaction per batch, WAL and
``synchronous=NORMAL`` as veille's connections. No validation, diff, revisit policy,
topic or story. ``million.py`` feeds it each crawl right after veille's ingest of the same
crawl, so both see the same load on the machine.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from pathlib import Path

SCHEMA = """
CREATE TABLE contents (hash TEXT PRIMARY KEY, text TEXT, length INTEGER, first_seen TEXT);
CREATE TABLE articles (id INTEGER PRIMARY KEY, url TEXT UNIQUE, source TEXT, title TEXT,
    headline TEXT, published TEXT, content_hash TEXT, first_seen TEXT, last_seen TEXT);
CREATE TABLE versions (id INTEGER PRIMARY KEY, article_id INTEGER, content_hash TEXT,
    fetched_at TEXT, previous_hash TEXT);
CREATE INDEX idx_versions_article_id ON versions(article_id);
CREATE VIRTUAL TABLE contents_fts USING fts5(text, content='contents',
    tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER contents_ai AFTER INSERT ON contents BEGIN
  INSERT INTO contents_fts (rowid, text) VALUES (new.rowid, new.text);
END;
"""

_UPSERT = (
    "INSERT INTO articles (url, source, title, headline, published, content_hash, first_seen,"
    " last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET"
    " title=excluded.title, headline=excluded.headline, content_hash=excluded.content_hash,"
    " last_seen=excluded.last_seen RETURNING id"
)


class SqliteAlone:
    """A minimal store of versions; :meth:`save` one batch, :attr:`seconds` the time spent."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        for suffix in ("", "-wal", "-shm"):
            Path(str(self.path) + suffix).unlink(missing_ok=True)
        self.conn = sqlite3.connect(str(self.path), isolation_level=None)
        for pragma in ("journal_mode=wal", "synchronous=NORMAL", "wal_autocheckpoint=4000"):
            self.conn.execute(f"PRAGMA {pragma}")
        self.conn.executescript(SCHEMA)
        self.seconds = 0.0
        self.versions = 0

    def save(self, items: list[dict]) -> None:
        t0 = time.perf_counter()
        ex = self.conn.execute
        ex("BEGIN IMMEDIATE")
        for it in items:
            text = it["text"]
            h = hashlib.sha256(text.encode("utf-8")).hexdigest()
            if ex("SELECT 1 FROM contents WHERE hash = ?", (h,)).fetchone() is None:
                ex("INSERT INTO contents VALUES (?, ?, ?, ?)", (h, text, len(text), it["fetched_at"]))
            old = ex("SELECT content_hash FROM articles WHERE url = ?", (it["url"],)).fetchone()
            if old is not None and old[0] == h:
                ex("UPDATE articles SET last_seen = ? WHERE url = ?", (it["fetched_at"], it["url"]))
                continue
            aid = ex(_UPSERT, (it["url"], it["source"], it["title"], it["headline"],
                               it["published"], h, it["fetched_at"], it["fetched_at"])).fetchone()[0]
            ex("INSERT INTO versions (article_id, content_hash, fetched_at, previous_hash)"
               " VALUES (?, ?, ?, ?)", (aid, h, it["fetched_at"], old[0] if old else None))
            self.versions += 1
        ex("COMMIT")
        self.seconds += time.perf_counter() - t0

    def rate(self) -> float:
        return self.versions / self.seconds if self.seconds else 0.0

    def size(self) -> dict:
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        text = self.conn.execute("select sum(length(cast(text as blob))) from contents").fetchone()[0] or 0
        n = self.conn.execute("select count(*) from versions").fetchone()[0]
        file_bytes = sum(os.path.getsize(str(self.path) + s) for s in ("", "-wal")
                         if os.path.exists(str(self.path) + s))
        return {"file_bytes": file_bytes, "versions": n, "text_bytes": text,
                "bytes_per_version": round(file_bytes / max(1, n)),
                "text_per_version": round(text / max(1, n))}

    def close(self, delete: bool = True) -> None:
        self.conn.close()
        if delete:
            for suffix in ("", "-wal", "-shm"):
                Path(str(self.path) + suffix).unlink(missing_ok=True)
