"""What changed between two versions of an article text.

A text (in the format of :mod:`veille.core.textformat`) is compared as a list of *units*: the
page title, the headline block (headline and dateline, as the text writes it), the caption
and each body paragraph. A text that does not parse is split on blank lines instead.

- ``added`` / ``removed``: units of one version that the other does not have (as a multiset:
  a paragraph that only moved is neither). A modified paragraph is in both: its new side in
  ``added``, its old side in ``removed``.
- ``changed_text``: the added units joined by blank lines, i.e. the new paragraphs and the
  new side of modified ones, for checking whether a topic matches the change itself.
- ``unified``: ``difflib.unified_diff`` of the unit lists, one unit per line.
- ``html``: every unit of the new version in ``<p>``; a modified paragraph (paired with
  its old version when their word-level similarity is above 0.5) shows word-level
  ``<del>``/``<ins>``; a new unit is ``<p class="added"><ins>...</ins></p>``, a removed one
  ``<p class="removed"><del>...</del></p>`` at its old place. Text is escaped with
  ``html.escape``. Identical texts give an empty ``html`` (and ``unified``).

If the month of the text changed (line 1 ``date YYYY-MM``), the title unit carries it, as
``"<title> (date YYYY-MM)"``, so that the change shows; otherwise the date is left out.
"""

from __future__ import annotations

import difflib
import html as _html
import json
import re
from collections import Counter
from dataclasses import dataclass, field

from veille.core import textformat

__all__ = ["TextDiff", "diff_texts", "units"]

PAIR_RATIO = 0.5


def _parts(text: str) -> textformat.TextParts | None:
    try:
        return textformat.read(text)
    except textformat.FormatError:
        return None


def _units_of(parts: textformat.TextParts, with_date: bool) -> list[str]:
    title = f"{parts.title} (date {parts.date})" if with_date else parts.title
    head = " ".join(x for x in (parts.headline, parts.dateline) if x)
    out = [title, head, parts.caption, *parts.paragraphs]
    return [u for u in (textformat.clean(x) for x in out) if u]


def _fallback(text: str) -> list[str]:
    return [u for u in (textformat.clean(b) for b in re.split(r"\n\s*\n", text)) if u]


def units(text: str, *, with_date: bool = False) -> list[str]:
    """The units of ``text``: title, headline block, caption, paragraphs (or its blank-line
    separated blocks, white space collapsed, if it is not in the article format)."""
    p = _parts(text)
    return _units_of(p, with_date) if p is not None else _fallback(text)


def _pair_units(old: str, new: str) -> tuple[list[str], list[str]]:
    p_old, p_new = _parts(old), _parts(new)
    if p_old is not None and p_new is not None:
        dated = p_old.date != p_new.date
        return _units_of(p_old, dated), _units_of(p_new, dated)
    return units(old), units(new)


def _words_ratio(a: list[str], b: list[str]) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


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
    similar old one after the last pair, if their word similarity is above PAIR_RATIO;
    the others stand alone (added or removed)."""
    out: list[tuple[int | None, int | None]] = []
    words_old = [o.split() for o in old]
    i = 0
    for j, n in enumerate(new):
        wn = n.split()
        best, best_k = PAIR_RATIO, None
        for k in range(i, len(old)):
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


@dataclass
class TextDiff:
    old_units: list[str]
    new_units: list[str]
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unified: str = ""
    html: str = ""

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


def _only_in(a: list[str], b: list[str]) -> list[str]:
    """Items of ``a`` not in ``b``, counting repeats, in ``a``'s order."""
    left = Counter(b)
    out = []
    for x in a:
        if left[x] > 0:
            left[x] -= 1
        else:
            out.append(x)
    return out


def diff_texts(old: str, new: str) -> TextDiff:
    """Compare two versions of an article text (see the module docstring)."""
    a, b = _pair_units(old, new)
    d = TextDiff(a, b)
    if a == b:
        return d
    d.added = _only_in(b, a)
    d.removed = _only_in(a, b)
    d.unified = "\n".join(
        line.rstrip()
        for line in difflib.unified_diff(a, b, fromfile="old", tofile="new", lineterm="")
    )
    paras: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            paras.extend(f"<p>{_html.escape(u)}</p>" for u in b[j1:j2])
        elif tag == "delete":
            paras.extend(f'<p class="removed"><del>{_html.escape(u)}</del></p>' for u in a[i1:i2])
        elif tag == "insert":
            paras.extend(f'<p class="added"><ins>{_html.escape(u)}</ins></p>' for u in b[j1:j2])
        else:
            for i, j in _pairs(a[i1:i2], b[j1:j2]):
                if i is not None and j is not None:
                    paras.append(f'<p class="changed">{_word_diff_html(a[i1 + i], b[j1 + j])}</p>')
                elif i is not None:
                    paras.append(f'<p class="removed"><del>{_html.escape(a[i1 + i])}</del></p>')
                else:
                    assert j is not None
                    paras.append(f'<p class="added"><ins>{_html.escape(b[j1 + j])}</ins></p>')
    d.html = "\n".join(paras)
    return d
