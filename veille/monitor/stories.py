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
   :func:`veille.topics.tokens`: accent- and case-insensitive) is close to one of a recent
   text: estimated Jaccard >= :data:`THRESHOLD` (0.8) among the candidates of a
   ``datasketch.MinHashLSH`` index. A changed headline plus an added paragraph stays
   well above it; two articles of one site on one subject stay well below it. Bodies
   under :data:`MIN_WORDS` words are only linked exactly (a one-line lead says too little).
3. ``version``: a new version of an article (same URL) stays in the story of the text it
   replaces.
4. ``first``: a new story.

``similarity`` is the estimated Jaccard with ``matched_hash`` (1.0 for ``exact``).

The MinHash signature of each text is stored (``story_texts.minhash``, 128 × uint32), so
the LSH index is rebuilt from the database in a new process: the texts first seen in the
last :data:`WINDOW_DAYS` days, :data:`WINDOW_TEXTS` at most (memory stays bounded: ~1 KB a
text). In a long-running process the index is kept between calls (per database file),
caught up with the rows other processes linked, and trimmed to the same window.

Speed: tokens are hashed with CRC-32 (cached per word) and the 5-shingle hashes combined
with numpy, so a text costs ~0.3 ms; the assignment runs in one transaction
(:func:`storage.db.transaction`), the tokenizing and hashing before it, outside the write
lock.

Where things live: this module holds the signatures, the LSH index and the rules above;
the SQL (``story_texts``, ``stories``, ``articles.story_id``) is :mod:`storage.stories`.

Idempotent: texts that already have a ``story_texts`` row are left alone.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import zlib
from collections import deque
from dataclasses import dataclass

import numpy as np

from storage import stories as rows
from storage.db import transaction
from veille.core import clock, textformat
from veille.core.clock import utcnow
from veille.core.errors import TransactionError
from veille.topics import tokens

__all__ = ["link_stories", "signature", "similarity", "story_of", "THRESHOLD", "NUM_PERM",
           "SHINGLE", "MIN_WORDS", "WINDOW_DAYS", "WINDOW_TEXTS", "reset_cache"]

log = logging.getLogger(__name__)

THRESHOLD = 0.8
NUM_PERM = 128
SHINGLE = 5
MIN_WORDS = 20
WINDOW_DAYS = 30
WINDOW_TEXTS = 50_000
SEED = 1
SCHEME = "affine32"  # datasketch's permutation scheme: fixed, signatures are stored
_DTYPE = np.dtype("<u4")
_MASK = np.uint64(0xFFFFFFFF)


# --------------------------------------------------------------------------- signatures

_word_hash: dict[str, int] = {}


def _hash_words(words: list[str]) -> np.ndarray:
    cache = _word_hash
    try:
        return np.array([cache[w] for w in words], dtype=np.uint64)
    except KeyError:
        if len(cache) > 500_000:
            cache.clear()
        for w in words:
            if w not in cache:
                cache[w] = zlib.crc32(w.encode("utf-8"))
        return np.array([cache[w] for w in words], dtype=np.uint64)


_MULT = [np.uint64(m) for m in (0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F, 0x165667B1)]


def _shingle_hashes(words: list[str]) -> list[int]:
    """32-bit hashes of the word ``SHINGLE``-grams (one gram of all the words when fewer)."""
    wh = _hash_words(words)
    n = len(wh) - SHINGLE + 1
    if n <= 0:
        acc = np.zeros(1, dtype=np.uint64)
        for i, h in enumerate(wh):
            acc = (acc * _MULT[i % SHINGLE] + h) & _MASK
        return acc.tolist()
    acc = np.zeros(n, dtype=np.uint64)
    for k in range(SHINGLE):
        acc = ((acc ^ wh[k:k + n]) * _MULT[k]) & _MASK
    return np.unique(acc).tolist()


def _minhash():
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=int, scheme=SCHEME)


_template = None


def _lean(hashvalues: np.ndarray):
    from datasketch import LeanMinHash

    return LeanMinHash(seed=SEED, hashvalues=hashvalues, scheme=SCHEME)


def signature(words: list[str]) -> np.ndarray:
    """The MinHash signature (``NUM_PERM`` uint32) of the word 5-shingles of ``words``."""
    global _template
    if _template is None:
        _template = _minhash()
    m = _template.copy()
    m.update_batch(_shingle_hashes(words))
    return np.asarray(m.hashvalues).astype(_DTYPE)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.count_nonzero(a == b)) / len(a)


def _from_blob(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=_DTYPE)


@dataclass
class _Text:
    hash: str
    body_hash: str | None
    words: int
    sig: np.ndarray | None
    first_seen: str | None
    headline: str = ""


def _analyse(h: str, text: str, first_seen: str | None) -> _Text:
    try:
        parts = textformat.read(text)
        paragraphs, headline = parts.paragraphs, parts.headline or parts.title
    except ValueError:
        paragraphs, headline = [], ""
    words = tokens(" ".join(paragraphs))
    if not words:  # no body: never linked to another text
        return _Text(h, None, 0, None, first_seen, headline)
    sig = signature(words) if len(words) >= MIN_WORDS else None
    return _Text(h, textformat.body_hash(paragraphs), len(words), sig, first_seen, headline)


# --------------------------------------------------------------------------- the LSH index

class _Index:
    """A MinHashLSH over the recent signatures of one database, kept up to date."""

    def __init__(self):
        from datasketch import MinHashLSH

        self.lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
        self.sigs: dict[str, np.ndarray] = {}
        self.order: deque[tuple[str, str]] = deque()  # (first_seen, hash), oldest first
        self.high = 0  # highest story_texts rowid loaded
        self.loaded = False

    def add(self, h: str, sig: np.ndarray, first_seen: str | None) -> None:
        if h in self.sigs:
            return
        self.lsh.insert(h, _lean(sig.astype(np.uint64)), check_duplication=False)
        self.sigs[h] = sig
        self.order.append((first_seen or "", h))

    def trim(self, cutoff: str, max_texts: int) -> None:
        while self.order and (len(self.order) > max_texts or self.order[0][0] < cutoff):
            _, h = self.order.popleft()
            if self.sigs.pop(h, None) is not None:
                self.lsh.remove(h)

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
        for _rowid, h, blob, first_seen in found:
            self.add(h, _from_blob(blob), first_seen)
        self.trim(cutoff, max_texts)

    def best(self, sig: np.ndarray, exclude: str | None = None) -> tuple[str, float] | None:
        """The most similar indexed text at or above the threshold, or None."""
        best = None
        for h in self.lsh.query(_lean(sig.astype(np.uint64))):
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
    analysed = [_analyse(h, text, first_seen)
                for h, text, first_seen, _ in rows.texts_to_link(conn, crawl_id)]
    cutoff = _cutoff(window_days)
    key = _key(store)
    with _cache_lock:
        index = _cache.get(key)
        if index is None:
            index = _cache[key] = _Index()
        try:
            with transaction(conn):
                index.sync(conn, cutoff, max_texts)
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
    linked: dict[str, tuple[int, str]] = {}
    touched: set[int] = set()
    for t in texts:
        if rows.is_linked(conn, t.hash):
            continue  # linked meanwhile by another process
        story = how = matched = None
        sim = None
        if t.body_hash is not None:
            r = rows.story_of_body(conn, t.body_hash)
            if r is not None:
                story, matched, how, sim = r[0], r[1], "exact", 1.0
        if story is None and t.sig is not None:
            b = index.best(t.sig)
            if b is not None:
                found = rows.story_of(conn, b[0])
                if found is not None:
                    story, matched, how, sim = found, b[0], "near", round(b[1], 4)
        if story is None:
            # a new version of an article: the story of the text it replaced
            r = rows.story_of_previous(conn, t.hash)
            if r is not None:
                story, matched, how = r[0], r[1], "version"
                if t.sig is not None:
                    blob = rows.minhash_of(conn, r[1])
                    if blob:
                        sim = round(similarity(t.sig, _from_blob(blob)), 4)
        if story is None:
            first = rows.first_carrier(conn, t.hash)
            story = rows.insert_story(conn, first[0] if first else None, t.hash, t.first_seen,
                                      (first[1] if first else None) or t.headline or None)
            how = "first"
        rows.insert_story_text(conn, (t.hash, story, how, sim, matched, t.body_hash, t.words,
                                      t.sig.tobytes() if t.sig is not None else None,
                                      t.first_seen, now))
        if t.sig is not None:
            index.add(t.hash, t.sig, t.first_seen)
        linked[t.hash] = (story, how)
        touched.add(story)
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
