"""What the archive of fetched pages costs (issue 15): bytes per version, crawl rate on vs off.

    .venv/bin/python bench/archive_cost.py [--articles 1000] [--page-kb 75] [--runs 3]
        [--case both|abamako|generic] [--generic-articles 200] [--root CHECKOUT] [--base CHECKOUT]

Two cases, each crawled once untimed (a warm-up), then with ``VEILLE_ARCHIVE=on`` and ``off``, alternating the order,
``--runs`` times each (no throttling, 32 concurrent requests), into a fresh store:

- ``abamako``: an aBamako replica of ``--articles`` pages of ~``--page-kb`` KB
  (``replica.generate_site``), the real ``scrapy crawl abamako -a ids=FIRST-LAST``: the
  coded parser, cheap, so the archive's share of the work is at its largest;
- ``generic``: the Studio Tamani replica (``replica.sites.generate``, WordPress, at most
  200 articles), ``scrapy crawl news -a source=studiotamani`` with a configuration that
  adds its sitemap (the built-in source has no selectors: every page goes through the
  generic extractor).

Reads Scrapy's stats from the log: pages/s = ``response_received_count /
elapsed_time_seconds``, and the ratio on/off of each pair of runs made one after the other
(the machine's load changes between pairs more than within one: the median of those ratios
is the figure, not the ratio of medians); the crawl process's CPU per page (``RUSAGE_CHILDREN``: steadier
than the rate on a shared machine); and for the archive: its bytes on disk (``archive/``),
per version, against the bytes of HTML served and of the text stored.

``--root`` runs the crawls with another checkout's code (``git worktree`` or ``git
archive`` of another commit): the crawl runs with that folder as its working directory,
whose packages come first on ``sys.path``. ``--base CHECKOUT`` crawls with that code too,
in the same runs, interleaved (this on, this off, base on, base off, then the reverse):
a change and its base measured under the same load.

Prints a table per case and writes ``bench/out/archive_cost.json``. Target (the issue):
the crawl rate with the archive within 10 % of the rate without it.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from replica.server import serve  # noqa: E402
from replica.site import generate_site  # noqa: E402
from replica.sites import generate  # noqa: E402

SETTINGS = {"AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_DELAY": "0", "CONCURRENT_REQUESTS": "32",
            "CONCURRENT_REQUESTS_PER_DOMAIN": "32", "ROBOTSTXT_OBEY": "False", "LOG_LEVEL": "INFO"}
FIRST = 270000
GENERIC_SOURCE = "studiotamani"  # a built-in source without selectors: the generic extractor
GENERIC_CONFIG = f"""[[sources]]
name = "{GENERIC_SOURCE}"
spider = "news"
every = "1h"
base_url = "https://www.studiotamani.org"
site = "studiotamani.org"
sitemaps = ["/sitemap_index.xml"]
article_pattern = '^/\\d+-[^/]+/?$'
"""  # the built-in entry (scrapers/sources.toml) and its sitemap: every article, not the feed's 10


def crawl(code: Path, spider_args: list[str], db: Path, archive: str) -> dict:
    cmd = [sys.executable, "-m", "scrapy", "crawl", *spider_args]
    for k, v in {**SETTINGS, "VEILLE_ARCHIVE": archive}.items():
        cmd += ["-s", f"{k}={v}"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(cmd, cwd=code, env={**os.environ, "VEILLE_DB": str(db)},
                          capture_output=True, text=True, timeout=3600)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"crawl failed:\n{proc.stderr[-3000:]}")
    m = re.search(r"Dumping Scrapy stats:\n(\{.*?\})\n", proc.stderr, re.S)
    stats = ast.literal_eval(re.sub(r"datetime\.datetime\([^)]*\)", "None", m.group(1)))
    stats["cpu_s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return stats


def measure(db: Path) -> dict:
    con = sqlite3.connect(db)
    versions, archived = con.execute(
        "SELECT COUNT(*), COUNT(warc_file) FROM versions").fetchone()
    text_bytes = con.execute("SELECT coalesce(sum(length(CAST(text AS BLOB))), 0) FROM contents").fetchone()[0]
    con.close()
    files = list((db.parent / "archive").glob("*/*.warc.gz"))
    return {"versions": versions, "archived": archived, "text_bytes": text_bytes,
            "archive_bytes": sum(f.stat().st_size for f in files)}


def prepare(case: str, tmp: Path, args) -> tuple[Path, list[str], list[Path]]:
    """The replica's folder, the spider's arguments (but ``base_url``), its article pages."""
    if case == "abamako":
        man = generate_site(tmp / "site", n_articles=args.articles, first_id=FIRST, page_kb=args.page_kb,
                            variants=False)
        pages = [p for p in (tmp / "site").rglob("*.htm*") if "/h/" in str(p)]
        return Path(man.out_dir), ["abamako", "-a", f"ids={FIRST}-{FIRST + args.articles - 1}"], pages
    man = generate(GENERIC_SOURCE, tmp / "site", n=args.generic_articles)
    cfg = tmp / "veille.toml"
    cfg.write_text(GENERIC_CONFIG, encoding="utf-8")
    out = Path(man.out_dir)
    pages = [out / a["path"].strip("/") / "index.html" for a in man.articles]
    return out, ["news", "-a", f"source={GENERIC_SOURCE}", "-a", f"config={cfg}"], pages


def run_case(case: str, args, codes: dict[str, Path]) -> dict[str, dict]:
    """Crawls of ``case`` by each checkout of ``codes`` (label -> folder), archive on and off,
    interleaved: each run goes through every (checkout, on/off), in turn reversed."""
    order = [(label, mode) for label in codes for mode in ("on", "off")]
    with tempfile.TemporaryDirectory(prefix=f"archive-bench-{case}-") as tmp:
        tmp = Path(tmp)
        site, spider_args, pages = prepare(case, tmp, args)
        html_bytes = sum(p.stat().st_size for p in pages)
        rates = {k: [] for k in order}
        cpu = {k: [] for k in order}
        sizes = {}
        with serve(site) as srv:
            spider_args = [*spider_args, "-a", f"base_url={srv.base_url}"]
            for label, code in codes.items():  # untimed: compiles .pyc files, warms the disk cache
                crawl(code, spider_args, tmp / f"warm-{label}.db", "on")
            for run in range(args.runs):
                for label, mode in (order if run % 2 == 0 else order[::-1]):
                    db = tmp / f"{label}-{mode}-{run}" / "veille.db"
                    db.parent.mkdir()
                    stats = crawl(codes[label], spider_args, db, mode)
                    n = stats["response_received_count"]
                    rate = n / stats["elapsed_time_seconds"]
                    rates[label, mode].append(rate)
                    cpu[label, mode].append(1000 * stats["cpu_s"] / n)
                    sizes[label, mode] = measure(db)
                    print(f"{case} run {run} {label} archive {mode:3}: {rate:7.1f} pages/s "
                          f"({n} responses, {stats['elapsed_time_seconds']:.1f} s,"
                          f" {cpu[label, mode][-1]:.2f} ms CPU per page)", flush=True)
    out = {}
    for label in codes:
        s = sizes[label, "on"]
        on, off = rates[label, "on"], rates[label, "off"]
        out[label] = {
            "case": case, "code": str(codes[label]), "pages": len(pages),
            "pages_per_s": {"on": on, "off": off}, "median_on": statistics.median(on),
            "median_off": statistics.median(off), "run_ratios": [a / b for a, b in zip(on, off)],
            "cpu_ms_per_page": {"on": cpu[label, "on"], "off": cpu[label, "off"]},
            "archive_bytes": s["archive_bytes"], "archived_versions": s["archived"],
            "archive_bytes_per_version": s["archive_bytes"] / max(1, s["archived"]),
            "html_bytes_per_page": html_bytes / max(1, len(pages)),
            "text_bytes_per_version": s["text_bytes"] / max(1, s["versions"])}
        out[label]["ratio"] = statistics.median(out[label]["run_ratios"])
    return out


def report(r: dict, label: str, runs: int) -> None:
    tag = f"{r['case']}, {label}"
    ratios = r["run_ratios"]
    print(f"\n[{tag}] crawl rate on/off, median of {runs} paired runs: {100 * (r['ratio'] - 1):+.1f} %"
          f" (min {100 * (min(ratios) - 1):+.1f} %, max {100 * (max(ratios) - 1):+.1f} %; target: within -10 %);"
          f" median rates: on {r['median_on']:.1f} pages/s, off {r['median_off']:.1f} pages/s")
    con, coff = (statistics.median(r["cpu_ms_per_page"][m]) for m in ("on", "off"))
    print(f"[{tag}] CPU of the crawl process per page, median: on {con:.2f} ms, off {coff:.2f} ms"
          f" -> {100 * (con / coff - 1):+.1f} %")
    print(f"[{tag}] archive: {r['archive_bytes'] / 1e6:.2f} MB for {r['archived_versions']} versions ="
          f" {r['archive_bytes_per_version'] / 1024:.1f} KB per version (HTML served"
          f" {r['html_bytes_per_page'] / 1024:.1f} KB per page, text stored"
          f" {r['text_bytes_per_version'] / 1024:.1f} KB per version)", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=1000, help="aBamako pages")
    ap.add_argument("--page-kb", type=float, default=75)
    ap.add_argument("--generic-articles", type=int, default=200, help="Studio Tamani pages (at most 200)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--case", choices=("both", "abamako", "generic"), default="both")
    ap.add_argument("--root", type=Path, default=ROOT, help="the checkout whose code crawls (default: this one)")
    ap.add_argument("--base", type=Path, help="another checkout (the change's base) crawled in the same runs")
    args = ap.parse_args()
    codes = {"this": args.root.resolve()}
    if args.base:
        codes["base"] = args.base.resolve()
    cases = ("abamako", "generic") if args.case == "both" else (args.case,)
    results = {}
    for case in cases:
        results[case] = run_case(case, args, codes)
        for label, r in results[case].items():
            report(r, label, args.runs)
    out = {"runs": args.runs, "articles": args.articles, "page_kb": args.page_kb, "cases": results}
    (ROOT / "bench" / "out").mkdir(exist_ok=True)
    (ROOT / "bench" / "out" / "archive_cost.json").write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
