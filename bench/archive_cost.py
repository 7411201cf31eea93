"""What the archive of fetched pages costs (issue 15): bytes per version, crawl rate on vs off.

    .venv/bin/python bench/archive_cost.py [--articles 1000] [--page-kb 75] [--runs 2]

1. Generates an aBamako replica of ``--articles`` pages of ~``--page-kb`` KB
   (``replica.generate_site``) in a temporary folder and serves it on 127.0.0.1.
2. Runs the real ``scrapy crawl abamako -a ids=FIRST-LAST`` into a fresh store with
   ``VEILLE_ARCHIVE=on`` and ``off``, alternating the order, ``--runs`` times each (no
   throttling, 32 concurrent requests).
3. Reads Scrapy's stats from the log: pages/s = ``response_received_count /
   elapsed_time_seconds``; the crawl process's CPU per page (``RUSAGE_CHILDREN``: steadier
   than the rate on a shared machine); and for the archive: its bytes on disk (``archive/``), per
   version, against the bytes of HTML served and of the text stored.

Prints a table and writes ``bench/out/archive_cost.json``. Target (the issue): the crawl
rate with the archive within 10 % of the rate without it.
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

SETTINGS = {"AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_DELAY": "0", "CONCURRENT_REQUESTS": "32",
            "CONCURRENT_REQUESTS_PER_DOMAIN": "32", "ROBOTSTXT_OBEY": "False", "LOG_LEVEL": "INFO"}
FIRST = 270000


def crawl(base_url: str, ids: str, db: Path, archive: str) -> dict:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "abamako", "-a", f"base_url={base_url}",
           "-a", f"ids={ids}"]
    for k, v in {**SETTINGS, "VEILLE_ARCHIVE": archive}.items():
        cmd += ["-s", f"{k}={v}"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(cmd, cwd=ROOT, env={**os.environ, "VEILLE_DB": str(db)},
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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=1000)
    ap.add_argument("--page-kb", type=float, default=75)
    ap.add_argument("--runs", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="archive-bench-") as tmp:
        tmp = Path(tmp)
        man = generate_site(tmp / "site", n_articles=args.articles, first_id=FIRST, page_kb=args.page_kb,
                            variants=False)
        html_bytes = sum(p.stat().st_size for p in (tmp / "site").rglob("*.htm*") if "/h/" in str(p))
        ids = f"{FIRST}-{FIRST + args.articles - 1}"
        rates: dict[str, list[float]] = {"on": [], "off": []}
        cpu: dict[str, list[float]] = {"on": [], "off": []}
        sizes = {}
        with serve(man.out_dir) as srv:
            for run in range(args.runs):
                for mode in (("on", "off") if run % 2 == 0 else ("off", "on")):
                    db = tmp / f"{mode}-{run}" / "veille.db"
                    db.parent.mkdir()
                    stats = crawl(srv.base_url, ids, db, mode)
                    rate = stats["response_received_count"] / stats["elapsed_time_seconds"]
                    rates[mode].append(rate)
                    cpu[mode].append(1000 * stats["cpu_s"] / stats["response_received_count"])
                    sizes[mode] = measure(db)
                    print(f"run {run} archive {mode:3}: {rate:7.1f} pages/s "
                          f"({stats['response_received_count']} responses, {stats['elapsed_time_seconds']:.1f} s,"
                          f" {cpu[mode][-1]:.2f} ms CPU per page)",
                          flush=True)
    on, off = statistics.median(rates["on"]), statistics.median(rates["off"])
    s = sizes["on"]
    per_version = s["archive_bytes"] / max(1, s["archived"])
    out = {"articles": args.articles, "page_kb": args.page_kb, "runs": args.runs,
           "pages_per_s": {"on": rates["on"], "off": rates["off"]},
           "median_on": on, "median_off": off, "ratio": on / off,
           "cpu_ms_per_page": cpu,
           "archive_bytes": s["archive_bytes"], "archived_versions": s["archived"],
           "archive_bytes_per_version": per_version, "html_bytes": html_bytes,
           "text_bytes": s["text_bytes"]}
    print(f"\ncrawl rate, median of {args.runs}: archive on {on:.1f} pages/s, off {off:.1f} pages/s"
          f" -> {100 * (on / off - 1):+.1f} %  (target: within -10 %)")
    con, coff = statistics.median(cpu["on"]), statistics.median(cpu["off"])
    print(f"CPU of the crawl process per page, median: on {con:.2f} ms, off {coff:.2f} ms"
          f" -> {100 * (con / coff - 1):+.1f} %")
    print(f"archive: {s['archive_bytes'] / 1e6:.2f} MB for {s['archived']} versions ="
          f" {per_version / 1024:.1f} KB per version (HTML served {html_bytes / max(1, s['archived']) / 1024:.1f} KB"
          f" per page, text stored {s['text_bytes'] / max(1, s['versions']) / 1024:.1f} KB per version)")
    (ROOT / "bench" / "out").mkdir(exist_ok=True)
    (ROOT / "bench" / "out" / "archive_cost.json").write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
