"""Generic extraction on real pages: ``veille extract`` against trafilatura alone.

    .venv/bin/python bench/extract_real.py --corpus PATH [--split dev|holdout|all]
    VEILLE_EXTRACT_CORPUS=PATH .venv/bin/python bench/extract_real.py

``PATH`` is a folder in the layout of trafilatura's evaluation data: ``evaldata.json``
(``{url: {file, with: [...], without: [...], title?, date?}}``) and ``html/<file>``
(the saved page, gzip or not). Pages of this corpus were made by nobody here.

Methods, each on every page:

- ``veille``: the body ``veille extract --body-only`` prints, computed in-process through
  :func:`veille.extract.extract` (parser ``auto``, the page's URL, ``text/html``); a page
  the parser refuses counts as an empty body. Headline and month come from the same call
  (line 1's headline, the month of line 1); an undated page is given the run's date as its
  ``fallback_date`` when the parser takes one, so its month counts as wrong.
- ``trafilatura``: ``trafilatura.extract(page, url=url)`` with default settings.

Scores, trafilatura's own way: a ``with`` snippet found in the text is a true positive,
one missing a false negative; a ``without`` snippet found is a false positive, one absent
a true negative (white space collapsed on both sides). ``P``/``R``/``F1``: over all the
snippets of the pages (micro). ``F1/page``: the mean of per-page F1 (a page with no true
positive scores 0). ``<0.5``: pages with a per-page F1 below 0.5. ``worse``: pages where
veille's per-page accuracy (share of snippets right, with and without) is at least 0.2
below trafilatura's; ``better`` the reverse. ``head``: veille's headline equals the
corpus title (case, white space, HTML entities, quotes and dashes, Unicode composition normalised), over the
pages that have a title; ``month``: the month of line 1 equals the corpus date's, over
the pages that have a date. ``ms``: median milliseconds per page, one thread.
``--trafilatura-metadata`` fills the same two columns for trafilatura's own title and
date (``bare_extraction(with_metadata=True)``, an extra pass, not timed).

Language: the page's ``<html lang>``, else ``Content-Language``, else ``og:locale``, else
``unknown``. Split: ``dev`` holds the pages whose URL's SHA-1 falls in the first 60 of 100
buckets, ``holdout`` the others; develop on dev, report holdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import hashlib
import html
import inspect
import json
import os
import re
import statistics
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from veille.core.errors import NotAnArticle  # noqa: E402
from veille.cli import extract as veille_extract  # noqa: E402

ENV = "VEILLE_EXTRACT_CORPUS"
DEV_SHARE = 60  # of 100 hash buckets
WORSE = 0.2


def split_of(url: str) -> str:
    bucket = int(hashlib.sha1(url.encode("utf-8")).hexdigest()[:8], 16) % 100
    return "dev" if bucket < DEV_SHARE else "holdout"


_WS = re.compile(r"\s+")


def squash(text: str) -> str:
    return _WS.sub(" ", text or "").strip()


_QUOTES = str.maketrans({c: "'" for c in "‘’‚‛′`´\"“”„‟″«»‹›"} | {c: "-" for c in "‐‑‒–—―−"})


def norm_title(text: str) -> str:
    t = re.sub("[\u00ad\u200b\u2060\ufeff]", "", html.unescape(html.unescape(text or ""))).translate(_QUOTES)
    t = unicodedata.normalize("NFC", t)  # the same letters, composed or not
    return squash(t).casefold().strip(" .:")


_LANG_ATTR = re.compile(rb"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})", re.I)
_CONTENT_LANG = re.compile(rb"<meta\b[^>]*http-equiv\s*=\s*[\"']?content-language[\"']?[^>]*>", re.I)
_OG_LOCALE = re.compile(rb"<meta\b[^>]*property\s*=\s*[\"']og:locale[\"'][^>]*>", re.I)
_CONTENT = re.compile(rb"content\s*=\s*[\"']?([A-Za-z]{2,3})", re.I)


def language(body: bytes) -> str:
    head = body[:200_000]
    m = _LANG_ATTR.search(head)
    if m:
        return m.group(1).decode().lower()
    for rx in (_CONTENT_LANG, _OG_LOCALE):
        tag = rx.search(head)
        if tag:
            m = _CONTENT.search(tag.group(0))
            if m:
                return m.group(1).decode().lower()
    return "unknown"


def snippet_counts(text: str, item: dict) -> tuple[int, int, int, int]:
    """(tp, fn, fp, tn) of one page's text against its snippets."""
    t = squash(text)
    tp = fn = fp = tn = 0
    for s in item.get("with") or []:
        if squash(s) in t:
            tp += 1
        else:
            fn += 1
    for s in item.get("without") or []:
        if squash(s) in t:
            fp += 1
        else:
            tn += 1
    return tp, fn, fp, tn


def prf(tp, fn, fp, tn=0):
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def page_scores(counts) -> tuple[float, float]:
    """(F1, accuracy) of one page."""
    tp, fn, fp, tn = counts
    n = tp + fn + fp + tn
    return prf(*counts)[2], ((tp + tn) / n if n else 1.0)


def load_corpus(folder: Path) -> list[dict]:
    data = json.loads((folder / "evaldata.json").read_text("utf-8"))
    pages = []
    for url, item in data.items():
        f = folder / "html" / item["file"]
        if not f.exists():
            continue
        raw = f.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        pages.append({"url": url, "item": item, "body": raw, "lang": language(raw),
                      "split": split_of(url)})
    return pages


def _accepts_fallback_date() -> bool:
    return "fallback_date" in inspect.signature(veille_extract.extract).parameters


def run_veille(page: dict, today: dt.date, fallback: bool) -> dict:
    kw = {"fallback_date": today} if fallback else {}
    t0 = time.perf_counter()
    body_text, method, headline, month = "", "refused", "", ""
    try:
        art, _ = veille_extract.extract(page["body"], page["url"], body_only=True, **kw)
        body_text = "\n\n".join(art.paragraphs)
        method = art.method
        headline = art.headline
        month = art.month
    except NotAnArticle as exc:
        method = f"refused:{exc.reason}"
    ms = 1000 * (time.perf_counter() - t0)
    return {"text": body_text, "method": method, "headline": headline, "month": month, "ms": ms}


def run_trafilatura(page: dict, metadata: bool = False) -> dict:
    import trafilatura

    t0 = time.perf_counter()
    text = trafilatura.extract(page["body"], url=page["url"]) or ""
    out = {"text": text, "ms": 1000 * (time.perf_counter() - t0)}
    if metadata:  # trafilatura's own title and date, untimed, for comparison
        try:
            doc = trafilatura.bare_extraction(page["body"], url=page["url"], with_metadata=True)
        except Exception:
            doc = None
        out["headline"] = (getattr(doc, "title", "") or "") if doc is not None else ""
        out["month"] = ((getattr(doc, "date", "") or "")[:7]) if doc is not None else ""
    return out


def aggregate(rows: list[dict]) -> dict:
    out = {"pages": len(rows)}
    for who in ("veille", "trafilatura"):
        tot = [0, 0, 0, 0]
        f1s, below = [], 0
        for r in rows:
            c = r[who]["counts"]
            tot = [a + b for a, b in zip(tot, c)]
            f1s.append(r[who]["f1"])
            below += r[who]["f1"] < 0.5
        p, rc, f = prf(*tot)
        out[who] = {"P": p, "R": rc, "F1": f, "F1_page": statistics.mean(f1s) if f1s else 0.0,
                    "below": below, "ms": statistics.median(r[who]["ms"] for r in rows) if rows else 0.0}
    out["worse"] = sum(r["veille"]["acc"] <= r["trafilatura"]["acc"] - WORSE + 1e-9 for r in rows)
    out["better"] = sum(r["trafilatura"]["acc"] <= r["veille"]["acc"] - WORSE + 1e-9 for r in rows)
    titled = [r for r in rows if r["title"]]
    dated = [r for r in rows if r["date"]]
    out["head"] = (sum(r["head_ok"] for r in titled) / len(titled)) if titled else None
    out["n_head"] = len(titled)
    out["month"] = (sum(r["month_ok"] for r in dated) / len(dated)) if dated else None
    out["n_month"] = len(dated)
    if rows and "headline" in rows[0]["trafilatura"]:
        out["t_head"] = (sum(norm_title(r["trafilatura"]["headline"]) == norm_title(r["title"])
                             for r in titled) / len(titled)) if titled else None
        out["t_month"] = (sum(r["trafilatura"]["month"] == r["date"][:7] for r in dated) / len(dated)) \
            if dated else None
    return out


def fmt_row(label: str, a: dict) -> list[str]:
    v, t = a["veille"], a["trafilatura"]
    pct = lambda x: "  -  " if x is None else f"{100 * x:5.1f}"  # noqa: E731
    return [
        f"{label:<16} {a['pages']:>5}  veille      {v['P']:.3f} {v['R']:.3f} {v['F1']:.3f} {v['F1_page']:.3f} "
        f"{v['below']:>4} {a['worse']:>5} {a['better']:>6} {pct(a['head'])} {pct(a['month'])} {v['ms']:7.1f}",
        f"{'':<16} {'':>5}  trafilatura {t['P']:.3f} {t['R']:.3f} {t['F1']:.3f} {t['F1_page']:.3f} "
        f"{t['below']:>4} {'':>5} {'':>6} {pct(a['t_head']) if 't_head' in a else '':>5} "
        f"{pct(a['t_month']) if 't_month' in a else '':>5} {t['ms']:7.1f}",
    ]


HEADER = (f"{'set':<16} {'pages':>5}  {'method':<11} {'P':>5} {'R':>5} {'F1':>5} {'F1/pg':>5} "
          f"{'<0.5':>4} {'worse':>5} {'better':>6} {'head%':>5} {'mon%':>5} {'ms':>7}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=os.environ.get(ENV),
                    help=f"the corpus folder (evaldata.json, html/); default: ${ENV}")
    ap.add_argument("--split", choices=("dev", "holdout", "all"), default="all",
                    help="which pages (fixed split by hash of the URL, 60/40); default all")
    ap.add_argument("--limit", type=int, default=0, help="only the first N pages of the split")
    ap.add_argument("--worst", type=int, default=0,
                    help="list the N pages where veille falls furthest below trafilatura")
    ap.add_argument("--out", help="write per-page results (JSON) here")
    ap.add_argument("--trafilatura-metadata", action="store_true",
                    help="also score trafilatura's own title and date (an extra, untimed pass)")
    args = ap.parse_args(argv)

    if not args.corpus:
        ap.error(f"no corpus: give --corpus PATH or set {ENV} (a folder with evaldata.json and html/)")
    folder = Path(args.corpus)
    if not (folder / "evaldata.json").is_file() or not (folder / "html").is_dir():
        ap.error(f"{folder} is not a corpus folder: evaldata.json and html/ are missing")

    pages = [p for p in load_corpus(folder) if args.split == "all" or p["split"] == args.split]
    pages.sort(key=lambda p: p["item"]["file"])
    if args.limit:
        pages = pages[: args.limit]
    if not pages:
        ap.error("no pages")

    fallback = _accepts_fallback_date()
    today = dt.date.today()
    import trafilatura  # noqa: F401 - warm the imports outside the timings

    run_veille(pages[0], today, fallback), run_trafilatura(pages[0])
    rows = []
    for page in pages:
        item = page["item"]
        v = run_veille(page, today, fallback)
        t = run_trafilatura(page, args.trafilatura_metadata)
        for res in (v, t):
            res["counts"] = snippet_counts(res["text"], item)
            res["f1"], res["acc"] = page_scores(res["counts"])
        title, date = item.get("title") or "", item.get("date") or ""
        rows.append({
            "url": page["url"], "file": item["file"], "lang": page["lang"], "split": page["split"],
            "title": title, "date": date, "veille": v, "trafilatura": t,
            "head_ok": bool(title) and norm_title(v["headline"]) == norm_title(title),
            "month_ok": bool(date) and v["month"] == date[:7],
        })

    print("command: " + " ".join(["bench/extract_real.py", *(argv if argv is not None else sys.argv[1:])]))
    print(f"corpus: {folder.name}, split {args.split}: {len(rows)} pages")
    print(HEADER)
    print("-" * len(HEADER))
    langs = sorted({r["lang"] for r in rows}, key=lambda x: (-sum(r["lang"] == x for r in rows), x))
    small = [x for x in langs if sum(r["lang"] == x for r in rows) < 5]
    for lang in langs:
        if lang in small:
            continue
        for line in fmt_row(f"lang {lang}", aggregate([r for r in rows if r["lang"] == lang])):
            print(line)
    if small:
        for line in fmt_row("lang other(<5)", aggregate([r for r in rows if r["lang"] in small])):
            print(line)
    print("-" * len(HEADER))
    if args.split == "all":
        for s in ("dev", "holdout"):
            for line in fmt_row(s, aggregate([r for r in rows if r["split"] == s])):
                print(line)
    for line in fmt_row(f"ALL ({args.split})", aggregate(rows)):
        print(line)
    methods: dict[str, int] = {}
    for r in rows:
        m = r["veille"]["method"]
        methods[m] = methods.get(m, 0) + 1
    print("veille methods: " + ", ".join(f"{k} {v}" for k, v in sorted(methods.items(), key=lambda kv: -kv[1])))

    if args.worst:
        print(f"\nworst {args.worst} pages (veille accuracy - trafilatura accuracy):")
        for r in sorted(rows, key=lambda r: r["veille"]["acc"] - r["trafilatura"]["acc"])[: args.worst]:
            print(f"  {r['file']} {r['lang']:<7} {r['veille']['acc']:.2f} vs {r['trafilatura']['acc']:.2f} "
                  f"{r['veille']['method']:<28} {r['url'][:90]}")
    if args.out:
        slim = [{k: v for k, v in r.items()} for r in rows]
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(slim, ensure_ascii=False, indent=0))
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
