"""MinHash signatures of texts, many at once, and the LSH index that finds near copies.

    sigs, words = signatures([folded_body, ...])   # uint16 x NUM_PERM each (None: too short)
    index = LSH(); index.add(key, sig); index.query(sig) -> candidate keys
    similarity(a, b)                               # estimated Jaccard similarity

A signature summarizes the set of word ``SHINGLE``-grams of a body (words as
:func:`veille.core.normalize.tokens` sees them: the input is already folded); the share of
equal positions of two signatures estimates the Jaccard similarity of the two sets.

Decisions (issue 14: linking a text cost ~1 ms, most of ingest):

- **One permutation hashing with optimal densification** (Li, Owen & Zhang 2012;
  Shrivastava 2017) instead of ``NUM_PERM`` affine permutations (``datasketch.MinHash``,
  the previous scheme): each shingle is hashed once; the top 7 bits of its 64-bit hash
  choose one of the 128 bins, the smallest remainder in a bin is kept, and an empty bin
  takes the value of the first non-empty bin in a fixed pseudo-random order of its own.
  The estimator is the same (equal positions / 128) with the same accuracy, for a cost
  linear in the words instead of 128 × the shingles.
- **Vectorized over a batch**: the folded bodies of a batch are concatenated into one byte
  array; word boundaries, word hashes (a polynomial hash from prefix sums, exact modulo
  2^64), shingle hashes and the per-bin minima (``np.minimum.at``) are numpy operations
  over the whole batch. No Python loop runs per word or per shingle. The byte-level
  arrays (8 bytes a byte of text) are the cost: the prefix sums are made in place.
- **16 bits per position** (b-bit MinHash: the low bits of each minimum): two different minima collide with probability
  2^-16, a bias far below the estimator's own variance (1/128); a signature is 256 bytes
  instead of 512. Signatures of the previous scheme (512 bytes) are recognised by their
  size and never compared with these (:func:`from_blob` returns None).
- **LSH**: ``BANDS`` bands of ``ROWS`` positions, one dict per band from the band's key to
  the texts; band keys are computed for a whole batch with numpy. 16 × 8 finds a pair at
  the threshold (similarity 0.8) with probability 0.95 and at 0.85 with 0.99; the 9 × 13
  ``datasketch.MinHashLSH`` chose for 0.8 and 128 permutations found it with 0.40 and
  0.71 (it weighs false positives as much as misses; here a candidate costs one
  comparison of two signatures).
"""

from __future__ import annotations

import numpy as np

__all__ = ["signatures", "similarity", "from_blob", "to_blob", "LSH", "NUM_PERM", "SHINGLE",
           "MIN_WORDS", "BANDS", "ROWS", "SIG_BYTES"]

NUM_PERM = 128
SHINGLE = 5
MIN_WORDS = 20  # bodies with fewer words get no signature (a one-line lead says too little)
BANDS, ROWS = 16, 8
SIG_DTYPE = np.dtype("<u2")
SIG_BYTES = NUM_PERM * SIG_DTYPE.itemsize

_U64 = np.uint64
_P = _U64(0x100000001B3)  # odd: invertible modulo 2^64
_P_INV = _U64(pow(0x100000001B3, -1, 1 << 64))
_MULT = [_U64(m) for m in (0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB,
                           0xD6E8FEB86659FD93, 0xA0761D6478BD642F)]
_BIN_SHIFT = _U64(64 - 7)
_REM_MASK = _U64((1 << 57) - 1)
_EMPTY = np.uint64(1 << 57)  # above every remainder


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64's finalizer: every output bit depends on every input bit."""
    h = h ^ (h >> _U64(30))
    h = h * _U64(0xBF58476D1CE4E5B9)
    h = h ^ (h >> _U64(27))
    h = h * _U64(0x94D049BB133111EB)
    return h ^ (h >> _U64(31))


_powers = np.ones(1, dtype=_U64)
_inv_powers = np.ones(1, dtype=_U64)


def _pow_tables(n: int) -> tuple[np.ndarray, np.ndarray]:
    """P^i and P^-i modulo 2^64 for i < n (grown as needed, kept)."""
    global _powers, _inv_powers
    if len(_powers) < n:
        size = max(n, 2 * len(_powers), 1 << 16)
        with np.errstate(over="ignore"):
            _powers = np.cumprod(np.concatenate(([_U64(1)], np.full(size - 1, _P, dtype=_U64))),
                                 dtype=_U64)
            _inv_powers = np.cumprod(np.concatenate(([_U64(1)], np.full(size - 1, _P_INV, dtype=_U64))),
                                     dtype=_U64)
    return _powers[:n], _inv_powers[:n]


def _densify_order() -> np.ndarray:
    """For each bin, the other bins in a fixed pseudo-random order (the same in every
    process and numpy version: a 64-bit LCG)."""
    order = np.empty((NUM_PERM, NUM_PERM - 1), dtype=np.int64)
    state = 0x2545F4914F6CDD1D
    for b in range(NUM_PERM):
        rest = [x for x in range(NUM_PERM) if x != b]
        for i in range(len(rest) - 1, 0, -1):  # Fisher-Yates
            state = (state * 6364136223846793005 + 1442695040888963407) & ((1 << 64) - 1)
            j = (state >> 33) % (i + 1)
            rest[i], rest[j] = rest[j], rest[i]
        order[b] = rest
    return order


_DENSIFY = _densify_order()


def signatures(bodies: list[str]) -> tuple[list[np.ndarray | None], list[int]]:
    """The signatures (``NUM_PERM`` uint16, or None under ``MIN_WORDS`` words) and word
    counts of folded bodies (:func:`veille.core.normalize.fold`)."""
    n = len(bodies)
    if not n:
        return [], []
    enc = [b.encode("utf-8") for b in bodies]
    raw = b" ".join(enc)
    starts = np.zeros(n, dtype=np.int64)  # byte offset of each body in raw
    np.cumsum([len(e) + 1 for e in enc[:-1]], out=starts[1:])
    data = np.frombuffer(raw, dtype=np.uint8)
    # word characters of a folded text: ASCII letters and digits, and every non-ASCII byte
    word = (data >= 0x80) | ((data >= 0x61) & (data <= 0x7A)) | ((data >= 0x30) & (data <= 0x39))
    edges = np.diff(np.concatenate(([False], word, [False])).astype(np.int8))
    w_start = np.flatnonzero(edges == 1)
    w_end = np.flatnonzero(edges == -1)
    text_of_word = np.searchsorted(starts, w_start, side="right") - 1
    words = np.bincount(text_of_word, minlength=n).tolist() if len(w_start) else [0] * n
    sigs: list[np.ndarray | None] = [None] * n
    if len(w_start) < SHINGLE:
        return sigs, words
    pw, ipw = _pow_tables(len(data) + 1)
    with np.errstate(over="ignore"):
        prefix = np.empty(len(data) + 1, dtype=_U64)  # in place: these arrays are 8x the text
        prefix[0] = 0
        np.multiply(data, pw[: len(data)], out=prefix[1:], dtype=_U64)
        np.cumsum(prefix[1:], out=prefix[1:])
        wh = _mix((prefix[w_end] - prefix[w_start]) * ipw[w_start] ^ (w_end - w_start).astype(_U64))
        m = len(wh) - SHINGLE + 1
        acc = np.zeros(m, dtype=_U64)
        for k in range(SHINGLE):
            acc = (acc ^ wh[k:k + m]) * _MULT[k]
        sh = _mix(acc)
    owner = text_of_word[:m]
    keep = owner == text_of_word[SHINGLE - 1:]  # shingles inside one body
    long_enough = np.asarray(words) >= MIN_WORDS
    keep &= long_enough[owner]
    sh, owner = sh[keep], owner[keep]
    if not len(sh):
        return sigs, words
    slots = np.full(n * NUM_PERM, _EMPTY, dtype=_U64)
    np.minimum.at(slots, owner * NUM_PERM + (sh >> _BIN_SHIFT).astype(np.int64), sh & _REM_MASK)
    slots = slots.reshape(n, NUM_PERM)
    for t in np.flatnonzero(long_enough):
        row = slots[t]
        empty = np.flatnonzero(row == _EMPTY)
        if len(empty) == NUM_PERM:
            continue
        for b in empty:  # optimal densification: the first non-empty bin in b's order
            for other in _DENSIFY[b]:
                if row[other] != _EMPTY:
                    row[b] = row[other]
                    break
        sigs[t] = (row & _U64(0xFFFF)).astype(SIG_DTYPE)  # the low 16 bits of each minimum
    return sigs, words


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.count_nonzero(a == b)) / len(a)


def to_blob(sig: np.ndarray) -> bytes:
    return sig.astype(SIG_DTYPE).tobytes()


def from_blob(blob: bytes | None) -> np.ndarray | None:
    """A stored signature, or None (none stored, or one of the previous scheme)."""
    if blob is None or len(blob) != SIG_BYTES:
        return None
    return np.frombuffer(blob, dtype=SIG_DTYPE)


def _band_keys(sigs: np.ndarray) -> np.ndarray:
    """(n, BANDS) band keys of (n, NUM_PERM) signatures."""
    with np.errstate(over="ignore"):
        v = sigs[:, : BANDS * ROWS].astype(_U64).reshape(len(sigs), BANDS, ROWS)
        acc = np.zeros((len(sigs), BANDS), dtype=_U64)
        for r in range(ROWS):
            acc = (acc ^ v[:, :, r]) * _MULT[r % len(_MULT)]
        return _mix(acc)


class LSH:
    """Banded LSH over signatures: :meth:`query` returns the keys sharing a band."""

    def __init__(self):
        self.tables: list[dict[int, list[str]]] = [{} for _ in range(BANDS)]
        self.keys: dict[str, tuple[int, ...]] = {}

    def __len__(self) -> int:
        return len(self.keys)

    def band_keys(self, sigs: list[np.ndarray]) -> list[tuple[int, ...]]:
        if not sigs:
            return []
        return [tuple(r) for r in _band_keys(np.stack(sigs)).tolist()]

    def add(self, key: str, bands: tuple[int, ...]) -> None:
        if key in self.keys:
            return
        self.keys[key] = bands
        for table, b in zip(self.tables, bands):
            table.setdefault(b, []).append(key)

    def remove(self, key: str) -> None:
        bands = self.keys.pop(key, None)
        if bands is None:
            return
        for table, b in zip(self.tables, bands):
            found = table.get(b)
            if found is not None:
                found.remove(key)
                if not found:
                    del table[b]

    def query(self, bands: tuple[int, ...]) -> set[str]:
        out: set[str] = set()
        for table, b in zip(self.tables, bands):
            found = table.get(b)
            if found:
                out.update(found)
        return out
