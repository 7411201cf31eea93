"""Re-crawl cost: conditional requests and the revisit policy against a plain re-fetch.

    .venv/bin/python bench/recrawl.py [--articles 5000] [--page-kb 75]

1. Takes the crawl benchmark's replica (``bench/out/site-N-K``, generated if needed) and
   copies it (the edits below must not touch the cached one); serves it on 127.0.0.1.
2. Full crawl (``scrapy crawl abamako -a ids=FIRST-LAST``) into a store; copies the store.
3. Edits the site: 20 articles (10 among the newest, 10 among the older ones), two of them
   only in their boilerplate (view counter, sidebar, comments), and adds 10 articles.
4. Re-crawls, each from its own copy of the store after step 2:
   - ``plain re-fetch``: the same crawl into a fresh store: every page fetched in full;
   - ``revisit=all``: ``scrapy crawl abamako -a revisit=all`` (feed + listings + every
     known article, conditionally);
   - ``default policy``: ``scrapy crawl abamako``, as the scheduler would run it 30 minutes
     after the full crawl (the store's clock is moved back 30 minutes): feeds and listings
     polled conditionally, known articles only when due.
5. Prints, per re-crawl, the requests the server answered, 200s, 304s, bytes on the wire,
   wall time, and whether each real edit, each new article and each boilerplate-only edit
   was taken for what it is. Writes ``bench/out/recrawl.json``.

Target (the issue): with ``revisit=all``, all 18 real edits and 10 new articles found, the
2 boilerplate-only edits not taken for updates, response bytes <= 2% of a full re-fetch.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from crawl_speed import site_for  # noqa: E402

from veille.core.clock import iso, parse_iso  # noqa: E402
from replica import add_articles, edit_articles, load_manifest, serve  # noqa: E402

SETTINGS = {
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "CONCURRENT_REQUESTS": "64",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "64",
    "LOG_LEVEL": "WARNING",
}


def crawl(db: Path, base_url: str, args: dict) -> float:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "abamako", "-a", f"base_url={base_url}"]
    for k, v in args.items():
        cmd += ["-a", f"{k}={v}"]
    for k, v in SETTINGS.items():
        cmd += ["-s", f"{k}={v}"]
    t = time.monotonic()
    subprocess.run(cmd, cwd=ROOT, env={**os.environ, "VEILLE_DB": str(db)}, check=True)
    return time.monotonic() - t


def copy_db(src: Path, dst: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(dst) + suffix).unlink(missing_ok=True)
    con = sqlite3.connect(src)
    out = sqlite3.connect(dst)
    con.backup(out)
    out.close()
    con.close()


def move_clock(db: Path, minutes: float) -> None:
    """Make the store look ``minutes`` older: as if the next crawl ran that much later."""
    con = sqlite3.connect(db)
    rows = con.execute("SELECT id, next_check_at FROM articles WHERE next_check_at IS NOT NULL").fetchall()
    with con:
        con.executemany(
            "UPDATE articles SET next_check_at = ? WHERE id = ?",
            [(iso(parse_iso(at) - dt.timedelta(minutes=minutes)), i) for i, at in rows])
    con.close()


def outcome(db: Path, base_url: str, real: list[int], boiler: list[int], new: list[int]) -> dict:
    con = sqlite3.connect(db)
    crawl_id = con.execute("SELECT max(id) FROM crawls").fetchone()[0]

    def updated(i):
        return con.execute(
            "SELECT count(*) FROM versions v JOIN articles a ON a.id = v.article_id"
            " WHERE a.url = ? AND v.crawl_id = ? AND v.previous_hash IS NOT NULL",
            (f"{base_url}/h/{i}.html", crawl_id)).fetchone()[0] > 0

    def stored(i):
        return con.execute("SELECT count(*) FROM articles WHERE url = ?",
                           (f"{base_url}/h/{i}.html",)).fetchone()[0] > 0

    row = dict(zip([d[0] for d in con.execute("SELECT * FROM crawls WHERE id = ?", (crawl_id,)).description],
                   con.execute("SELECT * FROM crawls WHERE id = ?", (crawl_id,)).fetchone()))
    res = {
        "real_edits_found": sum(updated(i) for i in real),
        "boilerplate_taken_for_updates": sum(updated(i) for i in boiler),
        "new_found": sum(stored(i) for i in new),
        "crawl": {k: row[k] for k in ("fetched", "new", "updated", "unchanged", "not_modified", "skipped", "failed")},
    }
    con.close()
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=5000)
    ap.add_argument("--page-kb", type=float, default=75)
    a = ap.parse_args(argv)

    work = OUT / "recrawl"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    cached = site_for(a.articles, a.page_kb)
    site_dir = work / "site"
    t = time.monotonic()
    shutil.copytree(cached, site_dir)
    print(f"copied the replica ({a.articles} pages) in {time.monotonic() - t:.1f} s")
    m = load_manifest(site_dir)
    ids = sorted(int(i) for i in m.articles)
    id_range = f"{ids[0]}-{ids[-1]}"
    variants = set(m.reference.values())
    plain_ids = [i for i in ids if i not in variants]
    recent, old = plain_ids[-10:], plain_ids[100:1100:100]
    boiler = [recent[0], old[0]]
    real = [i for i in recent + old if i not in boiler]

    results = {}
    with serve(site_dir) as srv:
        base = srv.base_url
        full_db = work / "full.db"
        secs = crawl(full_db, base, {"ids": id_range})
        print(f"full crawl: {a.articles} pages in {secs:.1f} s")

        edit_articles(site_dir, real)
        edit_articles(site_dir, boiler, boilerplate_only=True)
        new = add_articles(site_dir, 10)
        print(f"edited {len(real)} articles, {len(boiler)} in their boilerplate only; added {len(new)}")

        runs = {
            "plain re-fetch": (None, {"ids": f"{ids[0]}-{new[-1]}"}),
            "revisit=all": ("copy", {"revisit": "all"}),
            "default policy, 30 min later": ("copy+30", {}),
        }
        for name, (prep, args) in runs.items():
            db = work / f"{name.split()[0].replace('=', '-')}.db"
            if prep:
                copy_db(full_db, db)
                if prep.endswith("+30"):
                    move_clock(db, 30)
            mark = srv.mark()
            secs = crawl(db, base, args)
            s = srv.stats(mark)
            results[name] = {
                "requests": s["requests"], "200": s.get("200", 0), "304": s.get("304", 0),
                "bytes": s["wire"], "seconds": round(secs, 2),
                **outcome(db, base, real, boiler, new),
            }

    full = results["plain re-fetch"]["bytes"]
    print()
    print(f"{'re-crawl':32} {'requests':>8} {'200':>6} {'304':>6} {'bytes':>13} {'% of plain':>10}"
          f" {'s':>6}  real edits  boilerplate  new")
    for name, r in results.items():
        if name == "plain re-fetch":  # a fresh store: everything is new, nothing "updated"
            found = f"{'-':>7}     {'-':>8}    {r['new_found']}/{len(new)}"
        else:
            found = (f"{r['real_edits_found']:>3}/{len(real):<3}     {r['boilerplate_taken_for_updates']}/{len(boiler)} upd."
                     f"   {r['new_found']}/{len(new)}")
        print(f"{name:32} {r['requests']:>8} {r['200']:>6} {r['304']:>6} {r['bytes']:>13,}"
              f" {100 * r['bytes'] / full:>9.2f}% {r['seconds']:>6.1f}  {found}")
    ra = results["revisit=all"]
    ok = (ra["real_edits_found"] == len(real) and ra["new_found"] == len(new)
          and ra["boilerplate_taken_for_updates"] == 0 and ra["bytes"] <= 0.02 * full)
    print(f"\ntarget (revisit=all: {len(real)} edits + {len(new)} new found, boilerplate not updates,"
          f" bytes <= 2% of a plain re-fetch): {'met' if ok else 'NOT met'}")
    print("command: .venv/bin/python bench/recrawl.py " + " ".join(argv or sys.argv[1:]))
    (OUT / "recrawl.json").write_text(json.dumps(
        {"articles": a.articles, "page_kb": a.page_kb, "real_edits": real, "boilerplate_edits": boiler,
         "new": new, "results": results, "target_met": ok}, indent=2))
    shutil.rmtree(site_dir, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
