"""The store's schema, created and migrated with sqlite-utils.

One source of truth: :data:`TABLES` lists every table's columns in order. ``ensure_schema``
creates what is missing (tables, columns, indexes, full-text search, triggers) and is
idempotent: run it on every read-write open. Readers never run it (they must not change
a store): :func:`check_readable` refuses, with a message, a store newer than this code, one
an older veille made that no writer has completed yet (:func:`missing_parts`), or one whose
upgrade is under way. ``PRAGMA user_version`` holds :data:`SCHEMA_VERSION`;
a change that needs more than "add a column" bumps it and adds a step to
:data:`MIGRATIONS` (in the schema's transaction) and, for long work, to :data:`AFTER`
(after it, in short transactions of its own: other writers get the lock in between; the
version is written once they are done, so a process killed midway resumes them).

The steps of each version are in :mod:`storage.migrations`.

Size: over 500 lines because :data:`TABLES` (half the file) is the one list of every
column with what it holds, next to the code that creates and completes it from that list;
the migration steps, a job of their own, are in :mod:`storage.migrations`.

Tables (see the docstring of :mod:`storage.store` for what fills them):

- ``contents``: each distinct text once, keyed by its SHA-256 (``hash``).
- ``articles``: one row per URL, pointing at its current text (``content_hash``).
- ``versions``: append-only history: article X had text H from ``fetched_at``, crawl C;
  why (``cause``: a fetch, or a newer extractor on the same page), the extractor, and the
  page in the archive (``warc_file``, ``warc_offset``: :mod:`storage.archive`).
- ``crawls``: one row per run, with counts, and the lease that says it is alive.
- ``skips``: URLs skipped or failed, with a short reason code.
- ``pending``: article URLs a crawl discovered and did not store (yet): retried with a
  backoff until stored or given up (:mod:`storage.pending`).
- ``contents_fts`` (over ``contents.text``, holding its folded text) and ``articles_fts``
  (over ``articles.title, headline``): FTS5, tokenizer ``unicode61 remove_diacritics 2``
  (accent- and case-insensitive), written a batch at a time by :mod:`storage.articles`
  (:mod:`storage.fts`), not by triggers (but a delete trigger on ``articles``).
- ``same_story_groups``: the groups of the ``same_story`` query (several URLs with the same
  text, or with the same headline and different texts), kept by :mod:`storage.groups`.
"""

from __future__ import annotations


import sqlite_utils
from sqlite_utils.db import COLUMN_TYPE_MAPPING

from veille.core.errors import SchemaError

from . import fts
from .db import transaction
from .migrations import AFTER, MIGRATIONS

__all__ = ["SCHEMA_VERSION", "ARCHIVE_VERSION", "TABLES", "INDEXES", "SQL_INDEXES", "FTS", "FTS_TOKENIZE",
           "ensure_schema", "rebuild_fts", "missing_parts", "check_readable"]

# Version 5 (issue 15): the archive of fetched pages and the extractor of each version:
# versions.cause, extractor, warc_file, warc_offset, added in place; nothing to convert
# (an older version's cause is 'fetch', its extractor and record unknown), so no step in
# storage.migrations. Earlier steps: see there.
ARCHIVE_VERSION = 5
SCHEMA_VERSION = ARCHIVE_VERSION

FTS_TOKENIZE = "unicode61 remove_diacritics 2"

# table -> (columns in order {name: type}, primary key, foreign keys, not-null defaults)
# Types are Python types as sqlite-utils takes them: str TEXT, int INTEGER.
TABLES: dict[str, dict] = {
    "contents": {
        # length: in characters (len of the str), not bytes
        "columns": {"hash": str, "text": str, "length": int, "first_seen": str},
        "pk": "hash",
        "fks": [],
        "defaults": {},
    },
    "crawls": {
        "columns": {
            "id": int,
            "source": str,
            "spider": str,
            "args": str,  # JSON
            "started_at": str,
            "finished_at": str,
            "status": str,  # running | finished | failed | killed | ...
            "finish_reason": str,
            "pid": int,
            "host": str,
            "fetched": int,
            "new": int,
            "updated": int,
            "unchanged": int,
            "duplicate": int,
            "skipped": int,
            "failed": int,
            "not_modified": int,  # of `unchanged`: answered 304 to a conditional request
            "flagged_at": str,  # when its new articles and versions were matched to topics
            # how its discovery went (source health: a quiet re-crawl is not "no articles")
            "links_found": int,  # article links its feeds, listings, sitemaps, id walks gave
            "pages_not_modified": int,  # feeds and listings that answered 304
            # storage.pending: pending articles it asked for again, stored, gave up on; and
            # how many of its source's articles were pending when it ended
            "retried": int,
            "recovered": int,
            "given_up": int,
            "pending": int,
            "gaps": int,  # ids of an id walk that answered 404 (no article there)
            # liveness (storage.crawls): the crawl refreshes heartbeat_at and lease_until;
            # past lease_until it is dead, whatever the host. `process` identifies the
            # process beyond its pid (boot, pid namespace, start time) for a quicker verdict.
            "heartbeat_at": str,
            "lease_until": str,
            "process": str,
        },
        "pk": "id",
        "fks": [],
        "defaults": {
            "fetched": 0,
            "new": 0,
            "updated": 0,
            "unchanged": 0,
            "duplicate": 0,
            "skipped": 0,
            "failed": 0,
            "not_modified": 0,
            "retried": 0,
            "recovered": 0,
            "given_up": 0,
            "gaps": 0,
            "links_found": 0,
            "pages_not_modified": 0,
        },
    },
    "articles": {
        "columns": {
            "id": int,
            "url": str,
            "source": str,
            "site": str,
            "title": str,
            "headline": str,
            "published": str,  # ISO date
            "rubric": str,
            "publisher": str,
            "canonical_url": str,
            "method": str,
            "first_seen": str,  # ISO UTC
            "last_seen": str,  # ISO UTC
            "content_hash": str,
            "duplicate_of": int,
            "etag": str,
            "last_modified": str,
            "next_check_at": str,
            "check_interval": int,  # seconds; revisit policy comes later
            "versions_count": int,
            "story_id": int,  # the story of its current text (veille.monitor.stories)
            # where line 1's month comes from: 'page' (a date the page gives) or
            # 'first_seen' (an undated page: the month veille first saw it)
            "date_source": str,
        },
        "pk": "id",
        "fks": [("content_hash", "contents", "hash"), ("duplicate_of", "articles", "id"),
                ("story_id", "stories", "id")],
        "defaults": {"versions_count": 0},
    },
    "versions": {
        "columns": {
            "id": int,
            "article_id": int,
            "content_hash": str,
            "fetched_at": str,
            "crawl_id": int,
            "previous_hash": str,
            # what changed against the previous version (NULL for the first):
            "added": str,  # JSON list of the paragraphs (and title/headline/caption) added
            "removed": str,  # JSON list of those removed
            "diff": str,  # a readable unified diff, one paragraph per line
            # why this version (issue 15): 'fetch' (a crawl fetched this text) or
            # 'extractor' (the same page read by a newer extractor: never flagged)
            "cause": str,
            # what made the text: the parser's method and the parsers' version
            # ("generic:og+trafilatura@p1a2b3c4d5e6/traf2.0.0"; NULL: unknown, older store)
            "extractor": str,
            # the page it was read from, in the archive (storage.archive): the file under
            # the store's folder and the offset of its response record (NULL: none)
            "warc_file": str,
            "warc_offset": int,
        },
        "pk": "id",
        "fks": [
            ("article_id", "articles", "id"),
            ("content_hash", "contents", "hash"),
            ("crawl_id", "crawls", "id"),
            ("previous_hash", "contents", "hash"),
        ],
        "defaults": {"cause": "fetch"},
    },
    "skips": {
        "columns": {
            "id": int,
            "crawl_id": int,
            "url": str,
            "kind": str,  # skipped | failed
            "reason": str,  # short code: no-article, http-404, timeout, ...
            "detail": str,
            "http_status": int,
            "at": str,
        },
        "pk": "id",
        "fks": [("crawl_id", "crawls", "id")],
        "defaults": {},
    },
    # article URLs a crawl discovered and did not store (storage.pending): retried by the
    # next crawls of the source with a backoff, until stored (the row goes) or given up
    "pending": {
        "columns": {
            "url": str,
            "source": str,
            "discovered_at": str,
            "discovered_by": str,  # feed | listing | sitemap | ids
            "attempts": int,  # fetches that failed
            "last_reason": str,  # the last failure's reason code (http-500, timeout, ...)
            "last_status": int,  # its HTTP status, if any
            "next_try_at": str,  # a crawl asks for it again from then on
            "given_up_at": str,  # not asked for again (a 404/410 seen twice, too many attempts)
            "gone": int,  # 404/410 answers seen
            "crawl_id": int,  # the crawl that discovered it
            "last_crawl_id": int,  # the last crawl that asked for it
        },
        "pk": "url",
        "fks": [],
        "defaults": {"attempts": 0, "gone": 0},
    },
    # feeds and listing pages: their validators, for conditional polling
    "pages": {
        "columns": {
            "url": str,
            "source": str,
            "kind": str,  # feed | listing | sitemap
            "etag": str,
            "last_modified": str,
            "last_status": int,
            "last_fetched": str,
            "last_changed": str,
        },
        "pk": "url",
        "fks": [],
        "defaults": {},
    },
    # the tracked topics (the config file is the source of truth; mirrored here for Datasette)
    "topics": {
        "columns": {"name": str, "query": str, "added_at": str, "updated_at": str},
        "pk": "name",
        "fks": [],
        "defaults": {},
    },
    # one row per (topic, text): a new article or a new version that matches a topic
    "flags": {
        "columns": {
            "id": int,
            "topic": str,
            "article_id": int,
            "content_hash": str,
            "kind": str,  # new | updated
            "crawl_id": int,
            "created_at": str,
            "terms": str,  # JSON list of the matched terms
            "in_change": int,  # 1 if the changed text itself matches (always 1 for new)
            "story_id": int,  # the story of the text (veille.monitor.stories)
            # the first flag of this topic for the same story from another article: this
            # one is recorded but reported under it, not alerted again (NULL: an alert)
            "duplicate_of_flag": int,
            # 1: raised by `veille topics backfill` (old articles flagged for a new topic),
            # kept out of "new today", the briefing and notifications by default
            "backfill": int,
        },
        "pk": "id",
        "fks": [
            ("article_id", "articles", "id"),
            ("content_hash", "contents", "hash"),
            ("crawl_id", "crawls", "id"),
            ("story_id", "stories", "id"),
            ("duplicate_of_flag", "flags", "id"),
        ],
        "defaults": {"backfill": 0},
    },
    # the same story at several URLs or sources (veille.monitor.stories): one row per story
    "stories": {
        "columns": {
            "id": int,
            "first_article_id": int,  # the first article that carried it
            "first_hash": str,  # its first text
            "first_seen": str,  # when its first text was stored (UTC)
            "last_seen": str,  # when its latest text was stored (UTC)
            "headline": str,  # the headline of the first article
            "articles_count": int,  # articles whose current text is in this story
            "sources_count": int,  # distinct sources among them
            "texts_count": int,  # distinct texts linked to it
        },
        "pk": "id",
        # no FK on first_article_id: articles.story_id points here (a cycle sqlite-utils
        # cannot create)
        "fks": [("first_hash", "contents", "hash")],
        "defaults": {"articles_count": 0, "sources_count": 0, "texts_count": 0},
    },
    # one row per distinct text: its story, how it was linked, its body hash and MinHash
    "story_texts": {
        "columns": {
            "hash": str,  # contents.hash
            "story_id": int,
            "how": str,  # first | exact (same body) | near (MinHash) | version (same URL)
            "similarity": float,  # estimated Jaccard with matched_hash (1.0 for exact)
            "matched_hash": str,  # the text it was linked to (NULL for first)
            "body_hash": str,  # SHA-256 of the body paragraphs (textformat.body_hash)
            "words": int,  # words in the body
            "minhash": bytes,  # MinHash signature (uint16 x 128) of the body's word 5-shingles
            "first_seen": str,  # contents.first_seen
            "linked_at": str,
        },
        "pk": "hash",
        "fks": [("hash", "contents", "hash"), ("story_id", "stories", "id"),
                ("matched_hash", "contents", "hash")],
        "defaults": {},
    },
    # the daily digests sent ([notify] mode = "digest"): one row per digest
    "digests": {
        "columns": {
            "id": int,
            "due_at": str,  # the time of day it was due (UTC), one digest per due time
            "sent_at": str,  # when it was sent (UTC)
            "since": str,  # the flags created from this time (UTC)...
            "until": str,  # ...to this one
            "flags": int,  # how many flags it told
            "failed_crawls": int,  # how many crawls failed in that period
            "status": str,  # sent | failed | empty (nothing to tell: nothing sent)
            "detail": str,  # why it failed
        },
        "pk": "id",
        "fks": [],
        "defaults": {"flags": 0, "failed_crawls": 0},
    },
    # per crawl, how many article pages each extraction method produced (source health:
    # a site parser suddenly falling back to generic extraction is a layout change)
    "crawl_methods": {
        "columns": {"id": int, "crawl_id": int, "method": str, "pages": int},
        "pk": "id",
        "fks": [("crawl_id", "crawls", "id")],
        "defaults": {"pages": 0},
    },
    # the groups the ``same_story`` query lists, kept up to date with every batch
    # (storage.groups): only groups of 2 URLs or more have a row
    "same_story_groups": {
        "columns": {
            "id": int,
            "how": str,  # same text | same headline
            "key": str,  # the content hash, or the headline lowercased and trimmed
            "urls": int,  # articles in the group
            "sources": int,  # distinct sources among them
            "texts": int,  # distinct texts among them
            "first_seen": str,  # when the first of them was seen (UTC)
            "first_id": int,  # the first article (smallest id)
        },
        "pk": "id",
        "fks": [],
        "defaults": {},
    },
}

# (table, columns, unique). Each index costs on every insert (~0.01 ms/item each measured
# with FTS on): only those queries need. The revisit policy should add one on
# articles.next_check_at when it starts querying it.
INDEXES: list[tuple[str, list[str], bool]] = [
    ("articles", ["url"], True),
    ("articles", ["content_hash"], False),
    ("articles", ["source", "published"], False),
    ("articles", ["duplicate_of"], False),
    ("versions", ["article_id"], False),
    ("versions", ["content_hash"], False),
    ("versions", ["crawl_id", "fetched_at"], False),  # a crawl's versions, its last one
    ("skips", ["crawl_id"], False),
    ("skips", ["url"], False),
    ("crawls", ["source", "status"], False),
    ("articles", ["source", "next_check_at"], False),
    ("flags", ["topic", "content_hash"], True),
    ("flags", ["crawl_id"], False),
    ("flags", ["article_id"], False),
    # the newest-first pages Datasette serves (canned queries new_today/new_this_week,
    # updated_articles, latest_flags): without these each one sorts the whole table
    # (bench/million.py).
    ("articles", ["first_seen"], False),
    ("versions", ["fetched_at"], False),
    ("flags", ["created_at"], False),
    # stories (veille.monitor.stories) and source health (veille.monitor.health)
    ("articles", ["story_id"], False),
    ("flags", ["topic", "story_id"], False),
    ("story_texts", ["body_hash"], False),
    ("story_texts", ["story_id"], False),
    ("story_texts", ["first_seen"], False),
    ("crawl_methods", ["crawl_id", "method"], True),
    ("digests", ["due_at"], True),
    ("pending", ["source", "next_try_at"], False),
    # issue 14: what the canned queries look up (bench/million.py prints their plans)
    ("flags", ["content_hash"], False),  # the topics of a version
    ("flags", ["topic", "created_at"], False),  # a topic's latest flags, counts per window
    ("crawls", ["source"], False),  # (source, id): a source's last crawls
    ("crawls", ["started_at"], False),  # the crawls of the last days
    ("articles", ["source", "first_seen"], False),  # a source's last new article
    ("same_story_groups", ["how", "key"], True),
]

# Indexes sqlite-utils cannot declare (expressions, partial, descending): name -> SQL.
SQL_INDEXES: dict[str, str] = {
    # the same-headline groups of same_story (the key storage.groups computes)
    "idx_articles_headline_key": "CREATE INDEX IF NOT EXISTS [idx_articles_headline_key]"
                                 " ON [articles] (lower(trim(coalesce([headline], [title]))))",
    # the stories query: stories of several articles, newest first
    "idx_stories_shared": "CREATE INDEX IF NOT EXISTS [idx_stories_shared] ON [stories]"
                          " ([last_seen] DESC, [id] DESC) WHERE [articles_count] > 1",
    # the same_story query: its groups in the order it lists them
    "idx_same_story_groups_listed": "CREATE INDEX IF NOT EXISTS [idx_same_story_groups_listed]"
                                    " ON [same_story_groups] ([sources] DESC, [urls] DESC,"
                                    " [first_seen] DESC)",
}

# Indexes of earlier versions that a later one replaced.
DROPPED_INDEXES = ["idx_versions_crawl_id"]

# table -> columns indexed by FTS5
FTS: dict[str, list[str]] = {
    "contents": ["text"],
    "articles": ["title", "headline"],
}

# articles_fts (title, headline) is written by storage.articles, a batch at a time
# (storage.fts.index_titles), not by sqlite-utils' insert and update triggers: a row
# inserted through a trigger costs ~0.1-0.3 ms (FTS5 flushes its pending terms at the
# statement's savepoint, one tiny segment per row), ~0.01 ms in one executemany. Only the
# delete trigger is kept (veille never deletes an article; another tool might).
_ARTICLES_AD = """
CREATE TRIGGER [articles_ad] AFTER DELETE ON [articles] BEGIN
  INSERT INTO [articles_fts] ([articles_fts], rowid, [title], [headline])
    VALUES('delete', old.rowid, old.[title], old.[headline]);
END
"""




def _index_name(table: str, columns: list[str]) -> str:
    return "idx_{}_{}".format(table, "_".join(columns))


def _creation_order() -> list[tuple[str, dict]]:
    """:data:`TABLES` ordered so that a table comes after the tables its foreign keys
    point to (sqlite-utils checks they exist); the order of :data:`TABLES` otherwise."""
    done: list[str] = []
    pending = list(TABLES)
    while pending:
        for name in pending:
            if all(other == name or other in done for _, other, _ in TABLES[name]["fks"]):
                break
        else:
            raise SchemaError(f"foreign-key cycle among {pending}")
        done.append(name)
        pending.remove(name)
    return [(name, TABLES[name]) for name in done]


def _add_column(conn, table: str, col: str, typ, fk: tuple[str, str] | None, default) -> None:
    """``ALTER TABLE ... ADD COLUMN``, foreign key included.

    Not sqlite-utils' ``add_column(fk=...)``: that rebuilds the whole table (``transform``),
    which on a big store holds the write lock for minutes and trips over the foreign keys
    that point at the table. SQLite adds a column with a REFERENCES clause in place as long
    as its default is NULL."""
    sql = f"ALTER TABLE [{table}] ADD COLUMN [{col}] {COLUMN_TYPE_MAPPING[typ]}"
    if fk is not None:
        sql += f" REFERENCES [{fk[0]}]([{fk[1]}])"
    if default is not None:
        sql += f" NOT NULL DEFAULT {default!r}"
    conn.execute(sql)


def _newer(version: int) -> SchemaError:
    return SchemaError(f"database schema version {version} is newer than this code ({SCHEMA_VERSION})")


def missing_parts(db: sqlite_utils.Database) -> list[str]:
    """The tables (``name``) and columns (``table.column``) of :data:`TABLES` the store
    lacks, in order: what ``ensure_schema`` would add."""
    out: list[str] = []
    for name, spec in TABLES.items():
        have = {r[1] for r in db.conn.execute(f"PRAGMA table_info([{name}])")}
        out += [name] if not have else [f"{name}.{c}" for c in spec["columns"] if c not in have]
    return out


def check_readable(db: sqlite_utils.Database, where: str) -> None:
    """For a reader, which must not migrate: :class:`SchemaError` when the store (at
    ``where``, for the message) is newer than this code, or lacks tables or columns this
    code reads (made by an older veille; the next writer adds them), or whose upgrade by a
    writer is not finished (a step of :data:`AFTER` to do: the version is written last)."""
    version = db.conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise _newer(version)
    missing = missing_parts(db)
    if missing:
        shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        raise SchemaError(f"the store {where} was made by an older veille (no {shown}) and is "
                          "read-only here; the next command that writes to it (a crawl, veille "
                          "run, veille topics backfill) brings it up to date")
    if 0 < version < SCHEMA_VERSION and any(v in AFTER for v in range(version + 1, SCHEMA_VERSION + 1)):
        # the tables are there but a writer is still filling them (or was killed midway)
        raise SchemaError(f"the store {where} is being brought up to date by a writer (schema "
                          f"version {version} to {SCHEMA_VERSION}: the full-text index is indexed "
                          "again) and is read-only here; try again when it is done (a writer "
                          "interrupted midway resumes it)")


def ensure_schema(db: sqlite_utils.Database) -> bool:
    """Create or complete the schema; return True if anything was changed.

    Idempotent and safe to run concurrently from several processes: everything happens in
    one :func:`storage.db.transaction` (WAL must be set by the caller, outside it).
    """
    conn = db.conn
    changed = False
    with transaction(conn):
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise _newer(version)
        existing = set(db.table_names())
        for name, spec in _creation_order():
            table = db[name]
            if name not in existing:
                table.create(
                    spec["columns"],
                    pk=spec["pk"],
                    foreign_keys=spec["fks"],
                    defaults=spec["defaults"],
                    not_null=set(spec["defaults"]) | {spec["pk"]},
                )
                changed = True
            else:
                have = {c.name for c in table.columns}
                fk_of = {col: (other, other_col) for col, other, other_col in spec["fks"]}
                for col, typ in spec["columns"].items():
                    if col not in have:
                        _add_column(conn, name, col, typ, fk_of.get(col), spec["defaults"].get(col))
                        changed = True
        for name, cols, unique in INDEXES:
            iname = _index_name(name, cols)
            if iname not in {i.name for i in db[name].indexes}:
                db[name].create_index(cols, index_name=iname, unique=unique, if_not_exists=True)
                changed = True
        have_idx = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        for iname, sql in SQL_INDEXES.items():
            if iname not in have_idx:
                conn.execute(sql)
                changed = True
        for iname in DROPPED_INDEXES:
            if iname in have_idx:
                conn.execute(f"DROP INDEX [{iname}]")
                changed = True
        fts_created = False
        for name, cols in FTS.items():
            if f"{name}_fts" not in existing:
                # filled by storage.fts (the folded text, titles a batch at a time), not triggers
                db[name].enable_fts(cols, create_triggers=False, tokenize=FTS_TOKENIZE)
                fts_created = fts_created or name == "contents"
                changed = True
        triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"
                                               " AND tbl_name = 'articles'")}
        for name in ("articles_ai", "articles_au"):  # schema 1's: storage.articles writes them
            if name in triggers:
                conn.execute(f"DROP TRIGGER [{name}]")
                changed = True
        if "articles_ad" not in triggers:
            conn.execute(_ARTICLES_AD)
            changed = True
        after = []
        for v in range(version + 1, SCHEMA_VERSION + 1):
            step = MIGRATIONS.get(v)
            if step is not None and version > 0:  # a fresh database needs no migration
                step(db)
            if v in AFTER and version > 0:
                after.append(AFTER[v])
        if version != SCHEMA_VERSION and not after:
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            changed = True
    if fts_created and version > 0 and not after:
        fts.catch_up(conn)
    if after:
        for step in after:
            step(db)
        with transaction(conn):
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        changed = True
    return changed


def rebuild_fts(db: sqlite_utils.Database) -> None:
    """Rebuild both FTS indexes from their tables (``contents_fts`` with the folded texts:
    :func:`storage.fts.reindex`, in transactions of 1,000 texts).

    ``contents`` is keyed by its hash, so its rowid is implicit; a ``VACUUM`` of a table
    without an INTEGER PRIMARY KEY may renumber rowids (only in practice when rows were
    deleted, which the store never does). Run this after any VACUUM to be safe.
    """
    fts.reindex(db.conn)
    with transaction(db.conn):
        db.execute("INSERT INTO [articles_fts]([articles_fts]) VALUES('rebuild')")

