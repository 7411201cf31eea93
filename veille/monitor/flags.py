"""Flags: new articles and new versions that match a tracked topic.

After each crawl, :func:`flag_crawl` matches every version the crawl stored (the
``versions`` rows with its ``crawl_id``) against the topics and writes one ``flags`` row
per (topic, text)::

    sync_topics(store, cfg.topics)                 # mirror the config's topics (Datasette)
    rows = flag_crawl(store, crawl_id, cfg.topics) # the flags inserted, as dicts
    rows = flag_pending(store, cfg.topics)         # every finished crawl not flagged yet
    rows = backfill(store, topic)                  # what is already stored, for a new topic

Decisions:

- The **full current text** of the version (``contents.text``, title line included) is
  matched; ``terms`` is the JSON list of :attr:`veille.topics.Match.terms`.
- ``kind`` is ``new`` when the version has no ``previous_hash`` (a new URL, including a
  new URL carrying a text already stored elsewhere), else ``updated``.
- ``in_change``: 1 for ``new``; for ``updated``, 1 when the topic's query matches the
  changed text alone (the added units: ``versions.added``, or
  :func:`veille.core.diff.diff_texts` when it is NULL). It is the query as a whole that must
  match: with ``Mali AND Russie``, a change adding only "Russie" to an article that
  already said "Mali" is ``in_change`` 0.
- One text flags a topic once: the UNIQUE index on ``flags(topic, content_hash)`` and
  ``INSERT OR IGNORE``. The same text at several URLs gives one flag (the first version
  in ``versions.id`` order); a text already flagged for the topic (by an earlier crawl,
  or an article going back to an older text) gives no new flag.
- Only rows actually inserted are returned, as stored (``terms`` is the JSON string),
  with their ``id``. Flagging twice inserts nothing the second time.
- :func:`flag_crawl` reads, matches and writes in ONE transaction
  (:func:`storage.db.transaction`) and sets ``crawls.flagged_at`` in it. A crawl flagged while still running is flagged
  again by :func:`flag_pending` once it has ended (``flagged_at < finished_at``).
- Flags are history: removing a topic or changing its query does not delete its flags.
- **The same story elsewhere** (:mod:`veille.monitor.stories`): ``story_id`` is the story of the
  flagged text. A flag that repeats one already raised for the topic from another
  article (another URL or source) is still recorded, with ``duplicate_of_flag`` = the
  first flag (the root, never a copy): for a ``new`` flag, any earlier flag of the topic
  on the same story; for an ``updated`` flag, one on the same text elsewhere (same body,
  or the text it was linked to exactly or nearly), so that one site's update copied by
  its sister sites is one alert while a real update of a story is another. The report
  lists copies under their first flag ("also at") and notifications count only the
  first (:mod:`veille.report`).

Where things live: this module holds the matching and the rules above; the SQL (the
``flags`` and ``topics`` rows, what is matched) is :mod:`storage.flags`, the story of a
text :mod:`storage.stories`.

Speed (issue 14): the topics are matched per crawl, not per text. The store's full-text
index holds the folded texts (:mod:`storage.fts`, the normalization topics use), so each
topic's query without its negated parts (:meth:`veille.topics.Query.fts5_prefilter`)
finds, in one FTS5 query over the crawl's texts, every text it could match; only those
(a few percent) are read and matched exactly (:class:`veille.topics.TextIndex`), once per
distinct text. A topic with no prefilter (``NOT a``) is matched on every text of the
crawl. The changed text of an update is only indexed when some topic matched the full
text. :func:`backfill` finds its candidates the same way in the whole store.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence

from storage import crawls as crawl_rows
from storage import flags as rows
from storage import stories as story_rows
from storage.db import transaction
from storage.flags import FLAG_COLUMNS
from veille.core.clock import utcnow
from veille.core.diff import diff_texts
from veille.core.errors import TopicError
from veille.monitor.stories import link_stories
from veille.topics import Match, TextIndex, Topic

__all__ = ["sync_topics", "flag_crawl", "flag_pending", "backfill", "list_flags", "count_flags",
           "known_topics", "FLAG_COLUMNS"]

log = logging.getLogger(__name__)


def _check_topics(topics: Iterable[Topic]) -> list[Topic]:
    out = list(topics)
    names = [t.name for t in out]
    for t in out:
        if not isinstance(t, Topic):
            raise TypeError(f"expected veille.topics.Topic, got {type(t).__name__}")
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise TopicError(f"duplicate topic names: {', '.join(sorted(dup))}")
    return out


# --------------------------------------------------------------------------- topics table

def sync_topics(store, topics: Sequence[Topic]) -> None:
    """Make the ``topics`` table mirror ``topics`` (the config is the source of truth):
    insert the new ones, update the query (and ``updated_at``) of those changed, delete
    those gone. ``added_at`` of a topic kept is kept. One transaction."""
    topics = _check_topics(topics)
    rows.sync_topics(store.conn, {t.name: t.query for t in topics}, utcnow())


# --------------------------------------------------------------------------- matching

def _match_all(idx: TextIndex, topics: list[Topic]) -> dict[str, Match]:
    out = {}
    for t in topics:
        m = t.compiled.match_index(idx)
        if m is not None:
            out[t.name] = m
    return out


def _changed_text(store, added: str | None, previous_hash: str, text: str) -> str:
    if added is not None:
        try:
            units = json.loads(added)
            if isinstance(units, list):
                return "\n\n".join(str(u) for u in units)
        except ValueError:
            log.warning("versions.added is not JSON; recomputing the diff")
    return diff_texts(store.text(previous_hash) or "", text).changed_text


def _first_flag(conn, topic: str, article_id: int, h: str, kind: str, story) -> int | None:
    """The flag this one repeats: for a new article, the first flag of the topic for the
    same story from another article; for an update, the first one of the same text
    elsewhere (same body, or the text it was linked to exactly or nearly). None: an alert."""
    if story is None or story[0] is None:
        return None
    story_id, body_hash, how, matched = story
    if kind == "new":
        return rows.first_flag_of_story(conn, topic, story_id, article_id)
    near = matched if how in ("exact", "near") else None
    return rows.first_flag_of_text(conn, topic, story_id, article_id, body_hash, near, h)


def _insert(conn, candidates: list[tuple], backfill: bool = False) -> list[dict]:
    """INSERT OR IGNORE each candidate row (FLAG_COLUMNS without id, story_id and
    duplicate_of_flag); return those inserted. ``story_id`` is the story of the text
    (:mod:`veille.monitor.stories`), ``duplicate_of_flag`` the flag it repeats (:func:`_first_flag`),
    looked up row by row so that copies within one batch point at the first one."""
    inserted = []
    stories: dict[str, tuple | None] = {}
    for values in candidates:
        topic, article_id, h, kind = values[:4]
        if h not in stories:
            stories[h] = story_rows.link_of(conn, h)
        story = stories[h]
        if rows.flagged(conn, topic, h):
            continue  # this text already flagged the topic
        first = _first_flag(conn, topic, article_id, h, kind, story)
        row = (*values, story[0] if story else None, first, int(backfill))
        flag_id = rows.insert_flag(conn, row)
        if flag_id is not None:
            inserted.append(dict(zip(FLAG_COLUMNS, (flag_id, *row))))
    return inserted


def _texts_to_match(conn, topics: list[Topic], rowids: list[int] | None) -> dict[int, str]:
    """The texts (among ``rowids``; None: all) that some topic could match, by rowid: the
    full-text index's candidates of each topic's prefilter (every text for a topic without
    one)."""
    wanted: set[int] = set()
    for t in topics:
        expr = t.compiled.fts5_prefilter()
        if expr is None:
            if rowids is None:
                return rows.texts_by_rowid(conn, [r[3] for r in rows.current_texts(conn)])
            wanted = set(rowids)
            break
        wanted |= rows.fts_candidates(conn, expr, rowids)
    return rows.texts_by_rowid(conn, wanted)


def _crawl_candidates(store, crawl_id: int, topics: list[Topic], now: str) -> list[tuple]:
    by_hash: dict[str, dict[str, Match]] = {}  # each distinct text tokenized once
    by_name = {t.name: t for t in topics}
    candidates = []
    versions = rows.crawl_versions(store.conn, crawl_id)
    texts = _texts_to_match(store.conn, topics, [v[6] for v in versions])
    for _vid, article_id, h, previous_hash, added, v_crawl, rowid in versions:
        text = texts.get(rowid)
        if text is None:  # no topic can match it
            continue
        matches = by_hash.get(h)
        if matches is None:
            matches = by_hash[h] = _match_all(TextIndex(text), topics)
        if not matches:
            continue
        if previous_hash is None:
            kind, in_change = "new", dict.fromkeys(matches, 1)
        else:
            kind = "updated"
            change_idx = TextIndex(_changed_text(store, added, previous_hash, text))
            in_change = {name: int(by_name[name].compiled.matches_index(change_idx))
                         for name in matches}
        for name, m in matches.items():
            candidates.append((name, article_id, h, kind, v_crawl, now,
                               json.dumps(m.terms, ensure_ascii=False), in_change[name]))
    return candidates


def flag_crawl(store, crawl_id: int, topics: Sequence[Topic], *, stories: bool = True) -> list[dict]:
    """Flag the versions stored by crawl ``crawl_id`` that match a topic; set the crawl's
    ``flagged_at``. Returns the flag rows inserted (dicts with ``id``; ``terms`` as the
    stored JSON string). Idempotent. Raises :class:`~veille.core.errors.NoSuchCrawl` (a
    KeyError) for an unknown crawl.

    First (``stories=True``) the crawl's texts are linked to stories
    (:func:`veille.monitor.stories.link_stories`, its own transaction): each flag gets the
    ``story_id`` of its text, and ``duplicate_of_flag`` when it repeats a flag of the same
    topic from another article (see the module docstring)."""
    topics = _check_topics(topics)
    crawl_rows.check(store.conn, crawl_id)
    if stories:
        link_stories(store, crawl_id)
    with transaction(store.conn) as conn:
        crawl_rows.check(conn, crawl_id)
        now = utcnow()
        inserted = _insert(conn, _crawl_candidates(store, crawl_id, topics, now)) if topics else []
        rows.mark_flagged(conn, crawl_id, now)
    if inserted:
        log.info("crawl %s: %d flag(s)", crawl_id, len(inserted))
    return inserted


def flag_pending(store, topics: Sequence[Topic], *, reap: bool = True) -> list[dict]:
    """:func:`flag_crawl` every crawl that has ended (any status but ``running``) and was
    never flagged, or was flagged before it ended; oldest first. With ``reap`` (default),
    crawls left ``running`` by a dead process on this host are first marked ``killed``
    (:meth:`storage.Store.reap_dead_crawls`), so what they stored is flagged too.
    Returns all the flag rows inserted."""
    topics = _check_topics(topics)
    if reap:
        store.reap_dead_crawls()
    out: list[dict] = []
    for cid in rows.pending_crawls(store.conn):
        out.extend(flag_crawl(store, cid, topics))
    return out


def backfill(store, topic: Topic) -> list[dict]:
    """Flag, for ``topic``, the current version of every stored article that matches:
    kind ``new``, ``in_change`` 1, ``crawl_id`` = the crawl that stored that version.
    Articles carrying the same text give one flag (the first article, in id order);
    texts already flagged for the topic are skipped. The flags are marked ``backfill``
    (old news for a new topic: kept out of "new today", the briefing, the feeds and
    notifications unless asked for). The reading and matching happen
    outside the write transaction (a big store must not hold the write lock); the inserts
    are one transaction. Only the texts the full-text index finds for the topic's
    prefilter are read and matched."""
    (topic,) = _check_topics([topic])
    done = rows.flagged_hashes(store.conn, topic.name)
    seen: set[str] = set()
    now = utcnow()
    candidates = []
    texts = _texts_to_match(store.conn, [topic], None)
    for article_id, h, crawl_id, rowid in rows.current_texts(store.conn):
        if h in seen or h in done:
            continue
        seen.add(h)
        text = texts.get(rowid)
        if text is None:
            continue
        m = topic.compiled.match_index(TextIndex(text))
        if m is not None:
            candidates.append((topic.name, article_id, h, "new", crawl_id, now,
                               json.dumps(m.terms, ensure_ascii=False), 1))
    with transaction(store.conn) as conn:
        return _insert(conn, candidates, backfill=True)


# --------------------------------------------------------------------------- reading

def list_flags(store, *, topic: str | None = None, since: str | None = None,
               crawl_ids: Iterable[int] | None = None, limit: int | None = None,
               backfill: bool | None = None) -> list[dict]:
    """Flag rows, newest first: of ``topic``, created at or after ``since`` (ISO; compared
    as text, so give UTC, e.g. ``2026-01-31`` or ``2026-01-31T12:00:00Z``), of those crawls;
    ``backfill`` False leaves out those of :func:`backfill`, True keeps only them."""
    return rows.list_flags(store.conn, topic=topic, since=since, crawl_ids=crawl_ids, limit=limit,
                           backfill=backfill)


def count_flags(store, *, topic: str | None = None, since: str | None = None,
                backfill: bool | None = None) -> dict[str, dict[str, int]]:
    """How many flags :func:`list_flags` would give without a limit: topic -> {kind: n,
    ``"repeats"``: n}."""
    return rows.count_flags(store.conn, topic=topic, since=since, backfill=backfill)


def known_topics(store) -> list[str]:
    """The topics the store knows (mirrored from the config, or with flags)."""
    return rows.topic_names(store.conn)
