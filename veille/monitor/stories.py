"""The same story in several places: texts linked into stories.

Every distinct text (``contents`` row) gets one ``story_texts`` row saying which story it
belongs to and how it was linked; ``stories`` has one row per story, ``articles.story_id``
the story of each article's current text::

    linked = link_stories(store, crawl_id)   # the texts a crawl stored (flag_crawl does it)
    linked = link_stories(store)             # every text not linked yet (an old store)

How a new text is linked, first rule that applies:

1. ``exact``: its body (the paragraphs alone: no title line, headline, dateline or
   caption) has the same SHA-256 (:func:`veille.core.textformat.body_hash`) as a text already
   linked: the same story under another title, at another site. Any age.
2. ``near``: the MinHash of its body's word 5-shingles (words as topics see them,
   :func:`veille.core.normalize.fold`: accent- and case-insensitive) is close to one of a
   recent text: estimated Jaccard >= :data:`THRESHOLD` (0.8) among the candidates of an
   LSH index (:mod:`veille.monitor.minhash`). A changed headline plus an added paragraph stays
   well above it; two articles of one site on one subject stay well below it. Bodies
   under :data:`MIN_WORDS` words are only linked exactly (a one-line lead says too little).
3. ``version``: a new version of an article (same URL) stays in the story of the text it
   replaces.
4. ``first``: a new story.

``similarity`` is the estimated Jaccard with ``matched_hash`` (1.0 for ``exact``).

The MinHash signature of each text of the window is stored (``story_texts.minhash``,
128 × uint16), so the LSH index is rebuilt from the database in a new process: the texts
first seen in the last :data:`WINDOW_DAYS` days, :data:`WINDOW_TEXTS` at most (memory stays
bounded: ~0.5 KB a text). A text that leaves the window loses its stored signature (bytes
per version, issue 14); the rule that needs one later (``version``'s similarity: an
article updated after its text left the window) takes it from memory when this process
dropped it from the index (the last :data:`RETIRED` of them are kept), and otherwise
computes it from the text. In bench/million.py (texts over 60 days, a window of 30) that
was half the updates, ~10% of the time of flagging; the similarity is the same either way. In a long-running process the index is kept between calls (per database file),
caught up with the rows other processes linked, and trimmed to the same window. Texts of
the window whose signature is missing or of the previous scheme (a store made before
issue 14: 128 × uint32) get theirs computed when the index is loaded.

Speed (issue 14): per batch, not per text. The bodies of the texts to link are folded and
hashed together (:func:`veille.monitor.minhash.signatures`, numpy over the whole batch),
before the write lock; in the one transaction (:func:`storage.db.transaction`), what the
rules need is read with one query per kind for the whole batch (texts already linked,
stories of the same bodies, texts replaced at the same URL, first carriers), the rules
run in memory in text order (a text may be linked to one stored just before it in the
same batch), and the rows go in with ``executemany``.

Where things live: this module holds the signatures, the LSH index and the rules above;
the SQL (``story_texts``, ``stories``, ``articles.story_id``) is :mod:`storage.stories`.

Idempotent: texts that already have a ``story_texts`` row are left alone.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import deque
from dataclasses import dataclass

import numpy as np

from storage import stories as rows
from storage.db import transaction
from veille.core import clock, textformat
from veille.core.clock import utcnow
from veille.core.errors import TransactionError
from veille.core.normalize import fold

from . import minhash
from .minhash import MIN_WORDS, NUM_PERM, SHINGLE, from_blob, similarity, to_blob

__all__ = ["link_stories", "signature", "similarity", "story_of", "THRESHOLD", "NUM_PERM",
           "SHINGLE", "MIN_WORDS", "WINDOW_DAYS", "WINDOW_TEXTS", "reset_cache"]

log = logging.getLogger(__name__)

THRESHOLD = 0.8
WINDOW_DAYS = 30
WINDOW_TEXTS = 50_000
_BATCH = 500  # texts hashed together (memory: ~40 bytes per byte of text)
RETIRED = 20_000  # signatures kept in memory after they leave the window (~0.4 KB each)


# --------------------------------------------------------------------------- signatures

def signature(words: list[str]) -> np.ndarray | None:
    """The MinHash signature (``NUM_PERM`` uint16) of the word 5-shingles of ``words``
    (None under :data:`MIN_WORDS` words)."""
    sigs, _ = minhash.signatures([fold(" ".join(words))])
    return sigs[0]


@dataclass
class _Text:
    hash: str
    body_hash: str | None
    words: int
    sig: np.ndarray | None
    first_seen: str | None
    headline: str = ""


def _bodies(texts: list[str]) -> list[tuple[list[str], str]]:
    out = []
    for text in texts:
        try:
            parts = textformat.read(text)
            out.append((parts.paragraphs, parts.headline or parts.title))
        except ValueError:
            out.append(([], ""))
    return out


def _analyse(found: list[tuple[str, str, str | None]]) -> list[_Text]:
    """``(hash, text, first_seen)`` -> their body hash, word count and signature, a batch
    at a time."""
    out: list[_Text] = []
    for k in range(0, len(found), _BATCH):
        chunk = found[k:k + _BATCH]
        bodies = _bodies([text for _, text, _ in chunk])
        sigs, words = minhash.signatures(
            [fold(textformat.PARAGRAPH_SEP.join(paras)) for paras, _ in bodies])
        for (h, _, first_seen), (paras, headline), sig, n in zip(chunk, bodies, sigs, words):
            if not n:  # no body: never linked to another text
                out.append(_Text(h, None, 0, None, first_seen, headline))
            else:
                out.append(_Text(h, textformat.body_hash(paras), n, sig, first_seen, headline))
    return out


def _signatures_of(texts: dict[str, str]) -> dict[str, np.ndarray]:
    """Signatures of stored texts (by hash), for texts whose stored one is missing or old."""
    found = [(h, t, None) for h, t in texts.items()]
    return {t.hash: t.sig for t in _analyse(found) if t.sig is not None}


# --------------------------------------------------------------------------- the LSH index

class _Index:
    """The LSH over the recent signatures of one database, kept up to date."""

    def __init__(self):
        self.lsh = minhash.LSH()
        self.sigs: dict[str, np.ndarray] = {}
        self.order: deque[tuple[str, str]] = deque()  # (first_seen, hash), oldest first
        self.high = 0  # highest story_texts rowid loaded
        self.loaded = False
        # signatures trimmed out of the window, the newest RETIRED: the "version" rule
        # compares a new version with the text it replaced, often one that just left
        self.retired: dict[str, np.ndarray] = {}

    def add_many(self, items: list[tuple[str, np.ndarray, str | None]]) -> None:
        items = [it for it in items if it[0] not in self.sigs]
        for (h, sig, first_seen), bands in zip(items, self.lsh.band_keys([it[1] for it in items])):
            self.add(h, sig, first_seen, bands)

    def add(self, h: str, sig: np.ndarray, first_seen: str | None, bands: tuple[int, ...]) -> None:
        if h in self.sigs:
            return
        self.lsh.add(h, bands)
        self.sigs[h] = sig
        self.order.append((first_seen or "", h))

    def trim(self, cutoff: str, max_texts: int) -> None:
        while self.order and (len(self.order) > max_texts or self.order[0][0] < cutoff):
            _, h = self.order.popleft()
            sig = self.sigs.pop(h, None)
            if sig is not None:
                self.lsh.remove(h)
                self.retired[h] = sig
                if len(self.retired) > RETIRED:
                    del self.retired[next(iter(self.retired))]

    def known(self, h: str) -> np.ndarray | None:
        """The signature this index holds or retired for a text, or None."""
        sig = self.sigs.get(h)
        return sig if sig is not None else self.retired.get(h)

    def sync(self, conn, cutoff: str, max_texts: int) -> None:
        """Load what the database has and this index has not (all of the window the
        first time; later only rows added since, by this or another process)."""
        if not self.loaded:
            found = rows.recent_signatures(conn, cutoff, max_texts)
            self.high = rows.last_rowid(conn)
            self.loaded = True
        else:
            found = rows.signatures_after(conn, self.high)
            if found:
                self.high = max(self.high, found[-1][0])
        self.add_many([(h, sig, first_seen) for _rowid, h, blob, first_seen in found
                       if (sig := from_blob(blob)) is not None])
        self.trim(cutoff, max_texts)

    def best(self, sig: np.ndarray, bands: tuple[int, ...], exclude: str | None = None
             ) -> tuple[str, float] | None:
        """The most similar indexed text at or above the threshold, or None."""
        best = None
        for h in self.lsh.query(bands):
            if h == exclude:
                continue
            s = similarity(sig, self.sigs[h])
            if s >= THRESHOLD and (best is None or s > best[1] or (s == best[1] and h < best[0])):
                best = (h, s)
        return best


_cache: dict[str, _Index] = {}
_cache_lock = threading.Lock()


def reset_cache() -> None:
    """Forget the in-memory LSH indexes (the next call rebuilds from the database)."""
    with _cache_lock:
        _cache.clear()


def _key(store) -> str:
    return str(getattr(store, "path", id(store)))


def _sign_window(conn, cutoff: str, max_texts: int) -> int:
    """Compute the signatures the window lacks (none yet, or of the previous scheme), in
    transactions of their own; return how many."""
    todo = rows.unsigned_recent(conn, cutoff, max_texts, minhash.SIG_BYTES, MIN_WORDS)
    for k in range(0, len(todo), _BATCH):
        sigs = _signatures_of(rows.texts_of(conn, todo[k:k + _BATCH]))
        with transaction(conn):
            rows.set_signatures(conn, [(to_blob(sig), h) for h, sig in sigs.items()])
    if todo:
        log.info("stories: %d signature(s) of the window computed", len(todo))
    return len(todo)


# --------------------------------------------------------------------------- linking

def _cutoff(window_days: float) -> str:
    return clock.iso(clock.now() - dt.timedelta(days=window_days))


def link_stories(store, crawl_id: int | None = None, *, window_days: float = WINDOW_DAYS,
                 max_texts: int = WINDOW_TEXTS) -> dict[str, tuple[int, str]]:
    """Link the texts stored by crawl ``crawl_id`` (None: every text not linked yet) to
    stories; update ``articles.story_id`` and the ``stories`` counts of the stories
    touched. Returns ``{content_hash: (story_id, how)}`` of the texts linked now.

    Must not be called inside a transaction on ``store.conn``."""
    conn = store.conn
    if conn.in_transaction:
        raise TransactionError("link_stories: the store's connection is already in a transaction")
    # 1. read and hash outside the write lock
    analysed = _analyse([(h, text, first_seen)
                         for h, text, first_seen, _ in rows.texts_to_link(conn, crawl_id)])
    cutoff = _cutoff(window_days)
    key = _key(store)
    with _cache_lock:
        index = _cache.get(key)
        if index is None:
            index = _cache[key] = _Index()
        try:
            if not index.loaded:
                _sign_window(conn, cutoff, max_texts)
            with transaction(conn):
                index.sync(conn, cutoff, max_texts)
                rows.drop_old_signatures(conn, cutoff)
                linked = _assign(conn, analysed, index, crawl_id)
                index.high = max(index.high, rows.last_rowid(conn))
        except BaseException:
            _cache.pop(key, None)  # the index may hold texts that were rolled back
            raise
    if linked:
        log.info("stories: %d text(s) linked", len(linked))
    return linked


def _assign(conn, texts: list[_Text], index: _Index, crawl_id: int | None) -> dict[str, tuple[int, str]]:
    now = utcnow()
    done = rows.linked_among(conn, [t.hash for t in texts])  # linked meanwhile by another process
    texts = [t for t in texts if t.hash not in done]
    hashes = [t.hash for t in texts]
    by_body = rows.stories_of_bodies(conn, {t.body_hash for t in texts if t.body_hash})
    previous = rows.previous_hashes(conn, hashes)
    prev_links = rows.links_of(conn, {p for ps in previous.values() for p in ps})
    carriers = rows.first_carriers(conn, hashes)
    # the signatures the "version" rule may compare with: stored ones, or (outside the
    # window, or of the previous scheme) computed from the texts, all at once
    prev_sigs = {p: sig for p, (_, blob) in prev_links.items() if (sig := from_blob(blob)) is not None}
    missing = {p for t in texts if t.sig is not None for p in previous.get(t.hash, ())
               if p in prev_links and p not in prev_sigs}
    for p in list(missing):
        sig = index.known(p)
        if sig is not None:
            prev_sigs[p] = sig
            missing.discard(p)
    if missing:
        prev_sigs.update(_signatures_of(rows.texts_of(conn, missing)))
    bands = index.lsh.band_keys([t.sig for t in texts if t.sig is not None])
    band_of = dict(zip([t.hash for t in texts if t.sig is not None], bands))
    next_id = rows.next_story_id(conn)
    story_of_hash: dict[str, int] = {}  # linked in this batch
    sig_of_hash: dict[str, np.ndarray | None] = {}
    new_stories: list[tuple] = []
    new_rows: list[tuple] = []
    linked: dict[str, tuple[int, str]] = {}
    touched: set[int] = set()
    for t in texts:
        story = how = matched = None
        sim = None
        if t.body_hash is not None and t.body_hash in by_body:
            story, matched = by_body[t.body_hash]
            how, sim = "exact", 1.0
        if story is None and t.sig is not None:
            b = index.best(t.sig, band_of[t.hash])
            if b is not None:
                found = story_of_hash.get(b[0])
                if found is None:
                    found = rows.story_of(conn, b[0])
                if found is not None:
                    story, matched, how, sim = found, b[0], "near", round(b[1], 4)
        if story is None:
            # a new version of an article: the story of the text it replaced
            for prev in previous.get(t.hash, ()):
                found = story_of_hash.get(prev)
                if found is None and prev in prev_links:
                    found = prev_links[prev][0]
                if found is not None:
                    story, matched, how = found, prev, "version"
                    if t.sig is not None:
                        other = sig_of_hash[prev] if prev in sig_of_hash else prev_sigs.get(prev)
                        if other is not None:
                            sim = round(similarity(t.sig, other), 4)
                    break
        if story is None:
            first = carriers.get(t.hash)
            story = next_id
            next_id += 1
            new_stories.append((story, first[0] if first else None, t.hash, t.first_seen,
                                (first[1] if first else None) or t.headline or None))
            how = "first"
        new_rows.append((t.hash, story, how, sim, matched, t.body_hash, t.words,
                         to_blob(t.sig) if t.sig is not None else None, t.first_seen, now))
        story_of_hash[t.hash] = story
        sig_of_hash[t.hash] = t.sig
        if t.body_hash is not None:
            by_body.setdefault(t.body_hash, (story, t.hash))
        if t.sig is not None:
            index.add(t.hash, t.sig, t.first_seen, band_of[t.hash])
        linked[t.hash] = (story, how)
        touched.add(story)
    rows.insert_stories(conn, new_stories)
    rows.insert_story_texts(conn, new_rows)
    # articles: the story of their current text (those of this crawl, or all)
    if crawl_id is None:
        rows.relink_all(conn)
        if linked:
            touched = rows.story_ids(conn)
    else:
        touched |= rows.relink_crawl(conn, crawl_id)
    rows.recount(conn, touched)
    return linked


def story_of(store, content_hash: str) -> int | None:
    """The story id of a text, or None when it is not linked."""
    return rows.story_of(store.conn, content_hash)
