"""Extraction quality and speed: the site parsers, veille's generic path, trafilatura alone.

    .venv/bin/python bench/extract_quality.py [--abamako 40] [--per-site 15] [--repeat 3]

Page sets (each page with a hand-checked or generated expected body):

- ``handmade``: ``tests/pages/generic/*.html`` with ``*.expected.txt`` (hand-written pages of
  varied CMS markup, see tests/test_generic_quality.py);
- ``abamako``: a replica aBamako site (``replica.site.generate_site``), expected text
  from its manifest;
- ``<source>``: the replicas of the other configured sources (``replica.sites``,
  when that module exists), expected text from their manifests.

Methods: ``abamako`` (the aBamako site parser, on its replica pages), ``rules`` (the
``scrapers/sources.toml`` selectors through ``SiteRulesParser``, on the replicas of
sources that have selectors), ``generic`` (veille's ``GenericParser``, every page),
``trafilatura`` (``trafilatura.extract(html, url=url)`` with default settings, every page).

Quality: token precision, recall and F1 of the body (lowercase ``\\w+`` tokens, counted
with multiplicity), micro-averaged over the pages of a set; a page a parser refuses
(``NotAnArticle``) counts as an empty body. ``exact``: pages whose paragraphs are exactly
the expected ones. Speed: ms per page, best of ``--repeat`` passes, one thread.
Writes ``bench/out/extract_quality.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scrapers.parsers.abamako import AbamakoParser  # noqa: E402
from veille.core.errors import NotAnArticle  # noqa: E402
from scrapers.parsers.generic import GenericParser  # noqa: E402
from veille.core.textformat import clean, read  # noqa: E402

TOKEN = re.compile(r"\w+")
HANDMADE = ROOT / "tests" / "pages" / "generic"


def tokens(text: str) -> Counter:
    return Counter(TOKEN.findall(text.lower()))


class Page:
    __slots__ = ("name", "url", "body", "expected", "site")

    def __init__(self, name, url, body, expected, site=None):
        self.name, self.url, self.body, self.expected, self.site = name, url, body, expected, site


def handmade_pages() -> list[Page]:
    cases = json.loads((HANDMADE / "cases.json").read_text("utf-8"))
    out = []
    for name, c in cases.items():
        exp = [clean(p) for p in (HANDMADE / f"{name}.expected.txt").read_text("utf-8").split("\n\n") if p.strip()]
        out.append(Page(name, c["url"], (HANDMADE / f"{name}.html").read_bytes(), exp))
    return out


def abamako_pages(tmp: Path, n: int) -> list[Page]:
    from replica.site import generate_site

    man = generate_site(tmp / "abamako", n_articles=n)
    out = []
    for aid, a in man.articles.items():
        url = man.base_url + a["path"]
        body = man.file_for(a["path"]).read_bytes()
        out.append(Page(f"abamako/{aid}", url, body, read(a["text"]).paragraphs, "abamako.com"))
    return out


def source_pages(tmp: Path, n: int) -> dict[str, list[Page]]:
    try:
        from replica import sites
    except ImportError:
        return {}
    out = {}
    for name in sites.SITES:
        man = sites.generate(name, tmp / name, n=n)
        pages = []
        for a in man.articles:
            f = Path(man.out_dir) / a["path"].lstrip("/")
            if f.is_dir() or not f.exists():
                f = _find_file(Path(man.out_dir), a["path"])
            if f is None:
                continue
            pages.append(Page(f"{name}/{a['id']}", man.base_url + a["path"], f.read_bytes(),
                              read(a["text"]).paragraphs, man.site))
        out[name] = pages
    return out


def _find_file(root: Path, path: str) -> Path | None:
    rel = path.lstrip("/")
    for cand in (root / rel, root / rel / "index.html", root / (rel.rstrip("/") + ".html")):
        if cand.is_file():
            return cand
    return None


def rules_parsers() -> dict:
    """source name -> SiteRulesParser for built-in sources with selectors."""
    try:
        from scrapers.parsers.rules import SiteRulesParser
        from scrapers.sources import builtin_config
    except ImportError:
        return {}
    out = {}
    for s in builtin_config().sources:
        if getattr(s, "selectors", None) and any(getattr(s.selectors, k, None) for k in ("body", "headline")):
            out[s.name] = SiteRulesParser(s.selectors)
    return out


def _veille(parser):
    def run(p: Page) -> list[str]:
        try:
            return parser.parse(p.body, p.url, "text/html", site=p.site).paragraphs
        except NotAnArticle:
            return []
    return run


def _trafilatura(p: Page) -> list[str]:
    import trafilatura

    text = trafilatura.extract(p.body, url=p.url) or ""
    return [line for line in text.split("\n") if line.strip()]


def measure(fn, pages: list[Page], repeat: int) -> dict:
    tp = got_n = exp_n = exact = 0
    best = float("inf")
    results = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        res = [fn(p) for p in pages]
        best = min(best, time.perf_counter() - t0)
        results = results or res
    for p, paras in zip(pages, results):
        g, e = tokens("\n".join(paras)), tokens("\n".join(p.expected))
        tp += sum((g & e).values())
        got_n += sum(g.values())
        exp_n += sum(e.values())
        exact += [clean(x) for x in paras if clean(x)] == p.expected
    prec = tp / got_n if got_n else 0.0
    rec = tp / exp_n if exp_n else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"pages": len(pages), "precision": round(prec, 4), "recall": round(rec, 4), "f1": round(f1, 4),
            "exact": exact, "ms_per_page": round(1000 * best / max(1, len(pages)), 2)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--abamako", type=int, default=40, help="aBamako replica articles (>= 7)")
    ap.add_argument("--per-site", type=int, default=15, help="articles per source replica")
    ap.add_argument("--repeat", type=int, default=3, help="passes timed; the best counts")
    ap.add_argument("--out", default=str(ROOT / "bench" / "out" / "extract_quality.json"))
    args = ap.parse_args(argv)

    generic = _veille(GenericParser())
    abamako = _veille(AbamakoParser())
    rules = rules_parsers()
    # warm up imports (trafilatura, htmldate) outside the timings
    warm = handmade_pages()[0]
    generic(warm), _trafilatura(warm)

    with tempfile.TemporaryDirectory() as tmpd:
        tmp = Path(tmpd)
        sets = {"handmade": handmade_pages(), "abamako": abamako_pages(tmp, args.abamako)}
        sets.update(source_pages(tmp, args.per_site))

        rows = []
        for set_name, pages in sets.items():
            if not pages:
                continue
            methods = []
            if set_name == "abamako":
                methods.append(("abamako site parser", abamako))
            if set_name in rules:
                methods.append(("site rules (sources.toml)", _veille(rules[set_name])))
            methods += [("veille generic", generic), ("trafilatura.extract default", _trafilatura)]
            for mname, fn in methods:
                r = measure(fn, pages, args.repeat)
                rows.append({"set": set_name, "method": mname, **r})

    # totals per method over every page it ran on (micro: recomputed from rows' weights)
    print("command: " + " ".join([os.path.relpath(sys.executable, ROOT), "bench/extract_quality.py", *(argv or sys.argv[1:])]))
    head = f"{'page set':<14} {'method':<28} {'pages':>5} {'P':>7} {'R':>7} {'F1':>7} {'exact':>6} {'ms/page':>8}"
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['set']:<14} {r['method']:<28} {r['pages']:>5} {r['precision']:>7.4f} {r['recall']:>7.4f} "
              f"{r['f1']:>7.4f} {r['exact']:>6} {r['ms_per_page']:>8.2f}")
    summary = _summary(rows)
    print("-" * len(head))
    for m, s in summary.items():
        print(f"{'all sets':<14} {m:<28} {s['pages']:>5} {'':>7} {'':>7} {s['f1_mean_of_sets']:>7.4f} "
              f"{s['exact']:>6} {s['ms_per_page']:>8.2f}   (F1: mean over sets)")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"rows": rows, "summary": summary}, indent=1, ensure_ascii=False))
    print(f"wrote {os.path.relpath(args.out, ROOT)}")
    return 0


def _summary(rows):
    out = {}
    for r in rows:
        s = out.setdefault(r["method"], {"pages": 0, "exact": 0, "_ms": 0.0, "_f1": []})
        s["pages"] += r["pages"]
        s["exact"] += r["exact"]
        s["_ms"] += r["ms_per_page"] * r["pages"]
        s["_f1"].append(r["f1"])
    for s in out.values():
        s["ms_per_page"] = round(s.pop("_ms") / max(1, s["pages"]), 2)
        f1s = s.pop("_f1")
        s["f1_mean_of_sets"] = round(sum(f1s) / len(f1s), 4)
    return out


if __name__ == "__main__":
    sys.exit(main())
