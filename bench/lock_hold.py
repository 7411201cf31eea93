"""The longest a crawl holds the store's write lock, now and at another revision (issue 10, point 1).

    .venv/bin/python bench/lock_hold.py [--before c10de79] [--paragraphs 400,3000]
                                        [--articles 40] [--no-before]

A replica of ``--articles`` aBamako pages (``replica.generate_site``) is crawled once; one
article, which had P1 paragraphs, is then rewritten into P2 others (400 into 3,000, a
330 KB page: the reproduction of the issue) and the site crawled again with
``-a revisit=all``. During that second crawl a probe process takes the write lock over and
over (``BEGIN IMMEDIATE; COMMIT``, busy timeout 10 minutes) and records how long each
attempt waited: the longest wait is the longest time the crawl held the lock (to within a
probe's own round trip). Every write of veille is one transaction, so this is the longest
any other writer (another source's crawl, the scheduler's flagging) would have waited.

The same is done with the code of ``--before`` (``git archive`` of that revision into a
temporary folder, run with this environment's Python and packages). Prints a table: the
longest wait, the number of probes, the crawl's wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from replica import edit_article, generate_site, serve  # noqa: E402

SETTINGS = {"AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_DELAY": "0", "CONCURRENT_REQUESTS": "16",
            "CONCURRENT_REQUESTS_PER_DOMAIN": "16", "LOG_LEVEL": "INFO"}
WORDS = ("le la les des une un du de et à en pour par sur dans avec sécurité armée Bamako "
         "gouvernement élection président ministre réunion société économie accord région "
         "coopération défense population santé école marché coton pluie route hôpital").split()

PROBE = textwrap.dedent("""
    import json, sqlite3, sys, time
    db, stop = sys.argv[1], sys.argv[2]
    import os
    conn = sqlite3.connect(db, timeout=600, isolation_level=None)
    waits = []
    while not os.path.exists(stop):
        t0 = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        waits.append(time.perf_counter() - t0)
        conn.execute("COMMIT")
        time.sleep(0.01)
    print(json.dumps({"max": max(waits) if waits else 0.0, "n": len(waits)}))
""")


def paragraphs(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 20))).capitalize()
            + f" ({seed}-{k})." for k in range(n)]


def crawl(code: Path, db: Path, base_url: str, log: Path, *args: str) -> float:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "abamako", "-a", f"base_url={base_url}"]
    for a in args:
        cmd += ["-a", a]
    for k, v in SETTINGS.items():
        cmd += ["-s", f"{k}={v}"]
    env = {**os.environ, "VEILLE_DB": str(db), "PYTHONPATH": str(code)}
    t0 = time.monotonic()
    with open(log, "wb") as f:
        subprocess.run(cmd, cwd=code, env=env, stdout=f, stderr=subprocess.STDOUT, check=True,
                       timeout=3600)
    return time.monotonic() - t0


def measure(code: Path, workdir: Path, n_articles: int, p1: int, p2: int) -> dict:
    site = generate_site(workdir / "site", n_articles=n_articles)
    long_id = site.ids[n_articles // 2]
    db = workdir / "store.db"
    with serve(site.out_dir) as srv:
        edit_article(site.out_dir, long_id, body=paragraphs(p1, 1))
        crawl(code, db, srv.base_url, workdir / "crawl1.log")
        edit_article(site.out_dir, long_id, body=paragraphs(p2, 2))
        stop = workdir / "stop"
        probe = subprocess.Popen([sys.executable, "-c", PROBE, str(db), str(stop)],
                                 stdout=subprocess.PIPE, text=True)
        try:
            wall = crawl(code, db, srv.base_url, workdir / "crawl2.log", "revisit=all")
        finally:
            stop.touch()
            out, _ = probe.communicate(timeout=900)
    con = sqlite3.connect(db)
    try:
        updated = con.execute("SELECT updated FROM crawls ORDER BY id DESC LIMIT 1").fetchone()[0]
    finally:
        con.close()
    return {**json.loads(out), "crawl_s": wall, "updated": updated}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before", default="c10de79")
    ap.add_argument("--no-before", action="store_true")
    ap.add_argument("--paragraphs", default="400,3000", help="P1,P2: the article's paragraphs before and after")
    ap.add_argument("--articles", type=int, default=40)
    args = ap.parse_args(argv)
    p1, p2 = (int(x) for x in args.paragraphs.split(","))
    codes = [("now", ROOT)]
    tmp = Path(tempfile.mkdtemp(prefix="lock_hold-"))
    try:
        if not args.no_before:
            old = tmp / "code"
            old.mkdir()
            archive = subprocess.run(["git", "archive", args.before], cwd=ROOT, capture_output=True,
                                     check=True).stdout
            subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
            codes.append((args.before, old))
        rows = []
        for label, code in codes:
            r = measure(code, tmp / label, args.articles, p1, p2)
            rows.append({"code": label, **r})
            print(f"{label}: longest wait for the write lock {r['max']:.3f} s over {r['n']} probes,"
                  f" crawl {r['crawl_s']:.1f} s, {r['updated']} update(s) stored", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("\n| code | longest write-lock hold during the crawl | probes | crawl wall time |")
    print("|---|---|---|---|")
    for r in rows:
        print(f"| {r['code']} | {r['max']:.3f} s | {r['n']} | {r['crawl_s']:.1f} s |")
    print(f"(an article of {p1} paragraphs rewritten into {p2}, {args.articles} articles re-crawled"
          f" with revisit=all)")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "lock_hold.json").write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
