"""What changed between two versions of an article text, in near-linear time.

A text (in the format of :mod:`veille.core.textformat`) is compared as a list of *units*: the
page title, the headline block (headline and dateline, as the text writes it), the caption
and each body paragraph. A text that does not parse is split on blank lines instead.

- ``added`` / ``removed``: units of one version that the other does not have (as a multiset:
  a paragraph that only moved is neither). A modified paragraph is in both: its new side in
  ``added``, its old side in ``removed``.
- ``changed_text``: the added units joined by blank lines, i.e. the new paragraphs and the
  new side of modified ones, for checking whether a topic matches the change itself.
- ``unified``: a unified diff of the unit lists, one unit per line, ``context`` unchanged
  units around each hunk (3, as ``diff -u``; the store keeps 0: :func:`change`).
- ``html``: every unit of the new version in ``<p>``; a modified paragraph (paired with
  its old version when their word-level similarity is above 0.5) shows word-level
  ``<del>``/``<ins>``; a new unit is ``<p class="added"><ins>...</ins></p>``, a removed one
  ``<p class="removed"><del>...</del></p>`` at its old place. Text is escaped with
  ``html.escape``. Identical texts give an empty ``html`` (and ``unified``).

If the month of the text changed (line 1 ``date YYYY-MM``), the title unit carries it, as
``"<title> (date YYYY-MM)"``, so that the change shows; otherwise the date is left out.

Decisions (issue 10: a 3000-paragraph update must not cost minutes):

- Units are aligned on their hashes: common head and tail trimmed, then units that occur
  once on each side anchor the alignment (the longest increasing run of them, "patience"
  diff, O(n log n)); only small gaps between anchors (:data:`SMALL` unit pairs at most) go
  to ``difflib.SequenceMatcher``, and a gap too big for it with no anchor is one
  replacement. Every step is bounded, whatever the input.
- A small gap whose two sides have one run in common once the units only one side has
  are set aside at its ends (a paragraph added, removed or changed, a new headline, a
  line added at the end: the edits newsrooms make) is aligned without difflib, with the
  opcodes difflib would give (:func:`_one_run`; tests/unit/test_diff.py compares the two
  on every edit shape and on random lists): 92% of the gaps of bench/million.py's edits.
- A caller that has read the texts already passes their parts (``parts=``): the store
  reads each text once per batch (issue 14). With both, :func:`change` on bench/million.py's
  edits costs ~100 us instead of ~165 us (same process, best of 7); what is left is mostly
  :func:`veille.core.textformat.is_clean` on the units of both sides.
- Word-level pairing of modified paragraphs is bounded too: a new paragraph is compared
  with the next :data:`PAIR_WINDOW` old ones of its replaced run, runs longer than
  :data:`PAIR_RUN` units and paragraphs longer than :data:`PAIR_WORDS` words are not
  paired (shown removed and added).
- Past :data:`MAX_UNITS` units or :data:`MAX_CHARS` characters on a side (a hard cap per
  article), the diff is coarse: the common head and tail, and the middle as one
  replacement (``coarse`` is True). ``added``/``removed`` stay exact (a multiset
  difference is linear).
"""

from __future__ import annotations

import bisect
import difflib
import html as _html
import json
import re
from collections import Counter
from dataclasses import dataclass, field

from veille.core import textformat

__all__ = ["TextDiff", "read_parts", "diff_texts", "change", "units", "opcodes", "changes_html", "too_big",
           "MAX_UNITS", "MAX_CHARS"]

PAIR_RATIO = 0.5
SMALL = 2_500  # unit pairs a gap may have for difflib (quadratic in the worst case)
PAIR_WINDOW = 8  # old paragraphs a new one is compared with, in a replaced run
PAIR_RUN = 200  # replaced runs longer than this are not paired word by word
PAIR_WORDS = 600  # paragraphs longer than this (in words) are not compared word by word
MAX_UNITS = 20_000  # units on a side beyond which the diff is coarse
MAX_CHARS = 4_000_000  # characters on a side beyond which the diff is coarse
FAST = True  # a gap with one run in common is aligned without difflib (:func:`_one_run`)


def read_parts(text: str) -> textformat.TextParts | None:
    """What :func:`veille.core.textformat.read` makes of ``text``, None for a text it
    refuses (the diff then splits it on blank lines): the ``parts`` a caller passes."""
    try:
        return textformat.read(text)
    except textformat.FormatError:
        return None


def _units_of(parts: textformat.TextParts, with_date: bool) -> list[str]:
    title = f"{parts.title} (date {parts.date})" if with_date else parts.title
    head = " ".join(x for x in (parts.headline, parts.dateline) if x)
    out = [title, head, parts.caption, *parts.paragraphs]
    if textformat.is_clean(out):  # a text write() made: no unit to clean
        return [u for u in out if u]
    return [u for u in (textformat.clean(x) for x in out) if u]


def _fallback(text: str) -> list[str]:
    return [u for u in (textformat.clean(b) for b in re.split(r"\n\s*\n", text)) if u]


def units(text: str, *, with_date: bool = False) -> list[str]:
    """The units of ``text``: title, headline block, caption, paragraphs (or its blank-line
    separated blocks, white space collapsed, if it is not in the article format)."""
    p = read_parts(text)
    if p is None:
        return _fallback(text)
    return _units_of(p, with_date)


def _pair_units(old: str, new: str, parts: tuple | None = None) -> tuple[list[str], list[str]]:
    p_old, p_new = parts if parts is not None else (read_parts(old), read_parts(new))
    if p_old is not None and p_new is not None:
        dated = p_old.date != p_new.date
        return _units_of(p_old, dated), _units_of(p_new, dated)
    return units(old), units(new)


# --------------------------------------------------------------------------- alignment

def _lis(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest run of ``pairs`` (sorted by their first item) increasing in the second."""
    tails: list[int] = []  # smallest second item ending a run of each length
    tail_at: list[int] = []
    back: list[int] = [-1] * len(pairs)
    for k, (_, j) in enumerate(pairs):
        pos = bisect.bisect_left(tails, j)
        if pos == len(tails):
            tails.append(j)
            tail_at.append(k)
        else:
            tails[pos] = j
            tail_at[pos] = k
        back[k] = tail_at[pos - 1] if pos else -1
    out = []
    k = tail_at[-1] if tail_at else -1
    while k >= 0:
        out.append(pairs[k])
        k = back[k]
    out.reverse()
    return out


def _one_run(a: list, b: list, i: int, i2: int, j: int, j2: int) -> list[tuple] | None:
    """The opcodes ``difflib.SequenceMatcher`` gives for ``a[i:i2]`` and ``b[j:j2]`` when they
    have one run in common, found without it; None otherwise.

    The common shapes of an edit (a paragraph added, removed or changed, a headline or
    title changed, a line added at the end) leave, once the items of either side that the
    other does not have are set aside at both ends, one side a run of the other. Items
    found on one side only are in no matching block, so setting them aside changes none
    of the blocks ``SequenceMatcher`` may choose; the longest one is then the whole shorter
    side, and of equal ones it takes the first (earliest in ``a``, then in ``b``) as
    :meth:`difflib.SequenceMatcher.find_longest_match` does. Nothing else matches around it."""
    in_a, in_b = set(a[i:i2]), set(b[j:j2])
    x1, x2, y1, y2 = i, i2, j, j2
    while x1 < x2 and a[x1] not in in_b:
        x1 += 1
    while x2 > x1 and a[x2 - 1] not in in_b:
        x2 -= 1
    while y1 < y2 and b[y1] not in in_a:
        y1 += 1
    while y2 > y1 and b[y2 - 1] not in in_a:
        y2 -= 1
    n, m = x2 - x1, y2 - y1
    if not n or not m:
        return None
    if n <= m:  # a's middle in b's
        run = a[x1:x2]
        at = next((k for k in range(y1, y2 - n + 1) if b[k] == run[0] and b[k:k + n] == run), None)
        if at is None:
            return None
        bi, bj = x1, at
    else:  # b's middle in a's
        run = b[y1:y2]
        at = next((k for k in range(x1, x2 - m + 1) if a[k] == run[0] and a[k:k + m] == run), None)
        if at is None:
            return None
        bi, bj, n = at, y1, m
    return [("x", i, bi, j, bj), ("equal", bi, bi + n, bj, bj + n), ("x", bi + n, i2, bj + n, j2)]


def opcodes(a: list, b: list, *, coarse: bool = False) -> list[tuple[str, int, int, int, int]]:
    """``difflib``-style opcodes (``equal``, ``replace``, ``delete``, ``insert``) aligning
    the hashable items of ``a`` and ``b``, in near-linear time (see the module docstring);
    ``coarse``: only the common head and tail are aligned."""
    ops: list[tuple[str, int, int, int, int]] = []

    def emit(tag: str, i1: int, i2: int, j1: int, j2: int) -> None:
        if i1 == i2 and j1 == j2:
            return
        if tag != "equal":
            tag = "replace" if i1 < i2 and j1 < j2 else ("delete" if i1 < i2 else "insert")
        if ops and ops[-1][0] == tag and ops[-1][2] == i1 and ops[-1][4] == j1:
            ops[-1] = (tag, ops[-1][1], i2, ops[-1][3], j2)
        elif ops and tag != "equal" and ops[-1][0] != "equal" and ops[-1][2] == i1 and ops[-1][4] == j1:
            ops[-1] = ("replace", ops[-1][1], i2, ops[-1][3], j2)  # delete then insert
        else:
            ops.append((tag, i1, i2, j1, j2))

    stack = [(0, len(a), 0, len(b))]
    while stack:
        item = stack.pop()
        if item[0] == "equal":
            emit(*item)
            continue
        alo, ahi, blo, bhi = item
        # the common head and tail
        i, j = alo, blo
        while i < ahi and j < bhi and a[i] == b[j]:
            i += 1
            j += 1
        i2, j2 = ahi, bhi
        while i2 > i and j2 > j and a[i2 - 1] == b[j2 - 1]:
            i2 -= 1
            j2 -= 1
        tail = ("equal", i2, ahi, j2, bhi)
        emit("equal", alo, i, blo, j)
        if i == i2 or j == j2 or coarse:
            emit("x", i, i2, j, j2)
            emit(*tail)
            continue
        if (i2 - i) * (j2 - j) <= SMALL:
            run = _one_run(a, b, i, i2, j, j2) if FAST else None
            if run is not None:
                for op in run:
                    emit(*op)
                emit(*tail)
                continue
            for tag, x1, x2, y1, y2 in difflib.SequenceMatcher(
                    None, a[i:i2], b[j:j2], autojunk=False).get_opcodes():
                emit(tag, i + x1, i + x2, j + y1, j + y2)
            emit(*tail)
            continue
        # anchors: items once in each side's middle, kept in an increasing run
        ca, cb = Counter(a[i:i2]), Counter(b[j:j2])
        where_b = {b[y]: y for y in range(j, j2) if cb[b[y]] == 1 and ca.get(b[y]) == 1}
        anchors = _lis([(x, where_b[a[x]]) for x in range(i, i2) if a[x] in where_b])
        if not anchors:
            emit("x", i, i2, j, j2)
            emit(*tail)
            continue
        todo = [tail]
        prev_i, prev_j = i2, j2
        for x, y in reversed(anchors):
            todo.append((x + 1, prev_i, y + 1, prev_j))
            todo.append(("equal", x, x + 1, y, y + 1))
            prev_i, prev_j = x, y
        todo.append((i, prev_i, j, prev_j))
        stack.extend(todo)  # popped in text order
    return ops


# --------------------------------------------------------------------------- word level

def _words_ratio(a: list[str], b: list[str]) -> float:
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if sm.real_quick_ratio() <= PAIR_RATIO or sm.quick_ratio() <= PAIR_RATIO:
        return 0.0
    return sm.ratio()


def _esc(words: list[str]) -> str:
    return _html.escape(" ".join(words))


def _word_diff_html(old: str, new: str) -> str:
    a, b = old.split(), new.split()
    out: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append(_esc(a[i1:i2]))
        elif tag == "delete":
            out.append(f"<del>{_esc(a[i1:i2])}</del>")
        elif tag == "insert":
            out.append(f"<ins>{_esc(b[j1:j2])}</ins>")
        else:
            out.append(f"<del>{_esc(a[i1:i2])}</del><ins>{_esc(b[j1:j2])}</ins>")
    return " ".join(out)


def _pairs(old: list[str], new: list[str]) -> list[tuple[int | None, int | None]]:
    """Pair the paragraphs of a replaced run, keeping order: each new one with the most
    similar of the next :data:`PAIR_WINDOW` old ones after the last pair, if their word
    similarity is above PAIR_RATIO; the others stand alone (added or removed)."""
    out: list[tuple[int | None, int | None]] = []
    if len(old) > PAIR_RUN or len(new) > PAIR_RUN:
        return [(k, None) for k in range(len(old))] + [(None, j) for j in range(len(new))]
    words_old = [o.split() for o in old]
    i = 0
    for j, n in enumerate(new):
        wn = n.split()
        best, best_k = PAIR_RATIO, None
        if len(wn) <= PAIR_WORDS:
            for k in range(i, min(len(old), i + PAIR_WINDOW)):
                if len(words_old[k]) > PAIR_WORDS:
                    continue
                r = _words_ratio(words_old[k], wn)
                if r > best:
                    best, best_k = r, k
        if best_k is None:
            out.append((None, j))
            continue
        out.extend((k, None) for k in range(i, best_k))
        out.append((best_k, j))
        i = best_k + 1
    out.extend((k, None) for k in range(i, len(old)))
    return out


# --------------------------------------------------------------------------- the diff

@dataclass
class TextDiff:
    old_units: list[str]
    new_units: list[str]
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unified: str = ""
    html: str = ""
    coarse: bool = False  # past the hard cap: head and tail aligned, the middle replaced

    @property
    def is_empty(self) -> bool:
        """True when both versions have the same units in the same order."""
        return self.old_units == self.new_units

    @property
    def changed_text(self) -> str:
        """The new side of the change: added units and new versions of modified ones."""
        return "\n\n".join(self.added)

    def to_json(self) -> str:
        return json.dumps(
            {"added": self.added, "removed": self.removed, "unified": self.unified}, ensure_ascii=False
        )


def _only_in(a: list, b: list, positions: bool = False) -> list:
    """Items of ``a`` not in ``b``, counting repeats, in ``a``'s order (their positions in
    ``a`` with ``positions``)."""
    left = Counter(b)
    out = []
    for k, x in enumerate(a):
        if left[x] > 0:
            left[x] -= 1
        else:
            out.append(k if positions else x)
    return out


def _range(start: int, length: int) -> str:
    """A hunk range as ``diff -u`` writes it (``difflib._format_range_unified``)."""
    beginning = start + 1
    if length == 1:
        return f"{beginning}"
    if not length:
        beginning -= 1
    return f"{beginning},{length}"


def _unified(a: list[str], b: list[str], ops, context: int) -> str:
    if not ops or all(op[0] == "equal" for op in ops):
        return ""
    groups, group = [], []
    codes = list(ops)
    if codes[0][0] == "equal":
        t, i1, i2, j1, j2 = codes[0]
        codes[0] = t, max(i1, i2 - context), i2, max(j1, j2 - context), j2
    if codes[-1][0] == "equal":
        t, i1, i2, j1, j2 = codes[-1]
        codes[-1] = t, i1, min(i2, i1 + context), j1, min(j2, j1 + context)
    for tag, i1, i2, j1, j2 in codes:
        if tag == "equal" and i2 - i1 > 2 * context:
            group.append((tag, i1, min(i2, i1 + context), j1, min(j2, j1 + context)))
            groups.append(group)
            group = []
            i1, j1 = max(i1, i2 - context), max(j1, j2 - context)
        group.append((tag, i1, i2, j1, j2))
    if group and not (len(group) == 1 and group[0][0] == "equal"):
        groups.append(group)
    lines = ["--- old", "+++ new"]
    for g in groups:
        g = [op for op in g if op[1] < op[2] or op[3] < op[4]]
        if not g:
            continue
        first, last = g[0], g[-1]
        lines.append(f"@@ -{_range(first[1], last[2] - first[1])} +{_range(first[3], last[4] - first[3])} @@")
        for tag, i1, i2, j1, j2 in g:
            if tag == "equal":
                lines.extend(" " + u for u in a[i1:i2])
                continue
            lines.extend("-" + u for u in a[i1:i2])
            lines.extend("+" + u for u in b[j1:j2])
    return "\n".join(line.rstrip() for line in lines)


def _html_of(a: list[str], b: list[str], ops, coarse: bool) -> str:
    paras: list[str] = []
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            paras.extend(f"<p>{_html.escape(u)}</p>" for u in b[j1:j2])
            continue
        pairs = ([(k, None) for k in range(i2 - i1)] + [(None, k) for k in range(j2 - j1)]
                 if coarse else _pairs(a[i1:i2], b[j1:j2]))
        for i, j in pairs:
            if i is not None and j is not None:
                paras.append(f'<p class="changed">{_word_diff_html(a[i1 + i], b[j1 + j])}</p>')
            elif i is not None:
                paras.append(f'<p class="removed"><del>{_html.escape(a[i1 + i])}</del></p>')
            else:
                assert j is not None
                paras.append(f'<p class="added"><ins>{_html.escape(b[j1 + j])}</ins></p>')
    return "\n".join(paras)


def too_big(text: str | None) -> bool:
    """Past the hard cap: compared coarsely."""
    return text is not None and len(text) > MAX_CHARS


def diff_texts(old: str, new: str, *, context: int = 3, html: bool = True,
               parts: tuple[textformat.TextParts | None, textformat.TextParts | None] | None = None
               ) -> TextDiff:
    """Compare two versions of an article text (see the module docstring). ``context``:
    unchanged units around each hunk of ``unified``; ``html=False`` skips the HTML.
    ``parts``: what :func:`veille.core.textformat.read` made of ``old`` and ``new``
    (None for a text it refused), when the caller has them: not read again."""
    a, b = _pair_units(old, new, parts)
    d = TextDiff(a, b)
    if a == b:
        return d
    ids: dict[str, int] = {}
    ha = [ids.setdefault(u, len(ids)) for u in a]
    hb = [ids.setdefault(u, len(ids)) for u in b]
    d.added = [b[k] for k in _only_in(hb, ha, True)]
    d.removed = [a[k] for k in _only_in(ha, hb, True)]
    d.coarse = (len(a) > MAX_UNITS or len(b) > MAX_UNITS or len(old) > MAX_CHARS
                or len(new) > MAX_CHARS)
    ops = opcodes(ha, hb, coarse=d.coarse)
    d.unified = _unified(a, b, ops, context)
    if html:
        d.html = _html_of(a, b, ops, d.coarse)
    return d


def change(old: str, new: str, *, parts: tuple | None = None
           ) -> tuple[list[str], list[str], str, bool]:
    """What the store keeps of a new version: ``(added, removed, unified diff without
    context, coarse)``, without the HTML (``parts``: as for :func:`diff_texts`)."""
    d = diff_texts(old, new, context=0, html=False, parts=parts)
    return d.added, d.removed, d.unified, d.coarse


_HUNK = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
GAP = '<p class="gap">…</p>'


def changes_html(unified: str) -> str:
    """The changed units of a stored unified diff (``versions.diff``, with or without
    context lines) as HTML: what ``diff_texts(...).html`` shows for them (word-level
    changes in modified paragraphs, added and removed ones), an unchanged run between or
    before them as a ``…`` gap. Linear in the diff's size: no text is read or aligned."""
    out: list[str] = []
    removed: list[str] = []
    added: list[str] = []
    gap = False  # unchanged units come before the next change
    last_end = 0  # where the previous hunk ended in the new version

    def flush() -> None:
        nonlocal gap
        if removed or added:
            if gap:
                out.append(GAP)
                gap = False
            out.append(_html_of(removed, added, [("replace", 0, len(removed), 0, len(added))],
                                False))
            removed.clear()
            added.clear()

    lines = unified.split("\n")
    if lines[:2] == ["--- old", "+++ new"]:
        lines = lines[2:]
    for line in lines:
        m = _HUNK.match(line) if line.startswith("@@") else None
        if m:
            flush()
            start, length = int(m.group(3)), int(m.group(4) or 1)
            if length == 0:  # an insertion-less hunk names the unit before it
                start += 1
            gap = gap or start > last_end + 1
            last_end = start + length - 1
        elif line.startswith("-"):
            if added:
                flush()
            removed.append(line[1:])
        elif line.startswith("+"):
            added.append(line[1:])
        else:  # a context line: unchanged
            flush()
            gap = True
    flush()
    return "\n".join(p for p in out if p)
