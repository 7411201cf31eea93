"""Diff time against paragraphs: veille.core.diff now and as it was (issue 10, point 1).

    .venv/bin/python bench/diff_speed.py [--paragraphs 100,250,500,1000,2000,3000,5000,10000]
                                         [--before REV] [--before-limit 120]

Three cases for each size P, with the words of ``bench/million.py`` (one French sentence of
~110 characters a paragraph, as in the reproduction: 3000 paragraphs, a 325 KB page):

- ``edit``: P paragraphs, 2% of them changed by a sentence and one added (a usual update);
- ``rewrite``: P paragraphs replaced by P others (every pair compared word by word before);
- ``grow``: an article of 10 paragraphs becoming one of P (the reproduction: 3000
  paragraphs, a 325 KB page).

Times (median of 3, 1 for anything over 2 s): ``store`` is what ``save_batch`` computes for a
version (now :func:`veille.core.diff.change`: added/removed and a diff without context);
``page`` is what Datasette's ``veille_diff_html`` computes (:func:`diff_texts` with HTML).
``before`` is ``diff_texts`` of the module at ``--before`` (default: the commit the issue was
filed on, c10de79), which the store and the page both called; it runs in a subprocess killed
after ``--before-limit`` seconds per case ("> N s").
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.million import sentence  # noqa: E402
from veille.core.diff import change, diff_texts  # noqa: E402
from veille.core.textformat import TextParts, write  # noqa: E402

BEFORE = "c10de79"


def text(paras: list[str]) -> str:
    return write(TextParts("2024-05", "Titre - x.test", "Titre", "Publié le lundi 6 mai 2024", "", paras))


def cases(p: int, seed: int = 1) -> dict[str, tuple[str, str]]:
    rng = random.Random(seed * 1000 + p)
    base = [sentence(rng) for _ in range(p)]
    edited = list(base)
    for k in rng.sample(range(p), max(1, p // 50)):
        edited[k] = edited[k] + " Une phrase ajoutée après coup."
    edited.insert(rng.randrange(p), sentence(rng))
    other = [sentence(rng) for _ in range(p)]
    return {"edit": (text(base), text(edited)), "rewrite": (text(base), text(other)),
            "grow": (text(base[:10]), text(base[:10] + other[: max(0, p - 10)]))}


def timed(fn, *args) -> float:
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        fn(*args)
        runs.append(time.perf_counter() - t0)
        if runs[-1] > 2:
            break
    return statistics.median(runs)


_CHILD = textwrap.dedent("""
    import json, sys, time, types
    src = sys.stdin.read()
    mod = types.ModuleType("old_diff")
    sys.modules["old_diff"] = mod
    sys.path.insert(0, {root!r})
    exec(compile(src, "old_diff.py", "exec"), mod.__dict__)
    sys.argv = [""]
    from bench.diff_speed import cases
    old, new = cases({p})[{case!r}]
    t0 = time.perf_counter()
    mod.diff_texts(old, new)
    print(json.dumps(time.perf_counter() - t0))
""")


def before(src: str, p: int, case: str, limit: float) -> float | None:
    try:
        out = subprocess.run([sys.executable, "-c", _CHILD.format(root=str(ROOT), p=p, case=case)],
                             input=src, capture_output=True, text=True, timeout=limit, check=True)
    except subprocess.TimeoutExpired:
        return None
    return json.loads(out.stdout)


def fmt(s: float | None, limit: float) -> str:
    if s is None:
        return f"> {limit:.0f} s"
    return f"{s * 1000:.1f} ms" if s < 1 else f"{s:.2f} s"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--paragraphs", default="100,250,500,1000,2000,3000,5000,10000")
    ap.add_argument("--before", default=BEFORE, help="git revision of the diff to compare with")
    ap.add_argument("--before-limit", type=float, default=120.0)
    ap.add_argument("--no-before", action="store_true")
    args = ap.parse_args(argv)
    sizes = [int(x) for x in args.paragraphs.split(",")]
    src = None
    if not args.no_before:
        src = subprocess.run(["git", "show", f"{args.before}:veille/core/diff.py"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout
    print(f"| paragraphs | case | text KB | store (now) | page (now) | before ({args.before}) |")
    print("|---|---|---|---|---|---|")
    out = []
    skip: set[str] = set()
    for p in sizes:
        for case, (old, new) in cases(p).items():
            s = timed(change, old, new)
            h = timed(diff_texts, old, new)
            b = None
            if src is not None and case not in skip:
                b = before(src, p, case, args.before_limit)
                if b is None:
                    skip.add(case)  # bigger ones would take longer still
            row = {"paragraphs": p, "case": case, "kb": round(len(new.encode()) / 1024),
                   "store_s": s, "page_s": h, "before_s": b}
            out.append(row)
            shown = "—" if src is None else (fmt(b, args.before_limit) if case not in skip or b
                                             else f"> {args.before_limit:.0f} s")
            print(f"| {p:,} | {case} | {row['kb']} | {fmt(s, 0)} | {fmt(h, 0)} | {shown} |", flush=True)
    dest = ROOT / "bench" / "out" / "diff_speed.json"
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
