"""Pages per second of `scrapy crawl abamako` against the same crawl with a do-nothing callback.

    .venv/bin/python bench/crawl_speed.py [--articles 5000] [--page-kb 75] [--runs 1]
                                          [--null-items 1,4,100] [--bs4] [--gzip] [--keep]
                                          [-s NAME=VALUE ...]

1. Generates a replica of ``--articles`` aBamako article pages of ~``--page-kb`` KB each
   (scripts, menus, sidebars, ads, comments: ``replica.generate_site``), cached in
   ``bench/out/site-N-K/`` and reused while its manifest matches.
2. Serves it on 127.0.0.1 (``replica.serve``, a separate process) and reads every
   page once so that the server's memory cache is warm.
3. Runs, as subprocesses from the project root, with the *same* ``-s`` options
   (AutoThrottle off, no delay, 64 concurrent requests, the project's ITEM_PIPELINES and
   CONCURRENT_ITEMS, a stats extension) and the same ``-a ids=FIRST-LAST``:

   - ``null``: spider ``abamako_null`` (``bench/null_spider.py``): aBamako's spider whose
     article callback does nothing -- the limit of Scrapy itself on this machine; once per
     ``CONCURRENT_ITEMS`` of ``--null-items`` (``null@4``...): the best of them is the best
     null rate this Scrapy reaches (issue 14: veille at >= 0.6 of it, with its own settings);
   - ``veille``: the real ``scrapy crawl abamako`` into a fresh database;
   - ``bs4`` (with ``--bs4``): BeautifulSoup(lxml) over each whole page, for scale.

   ``--runs R`` repeats the set R times, alternating the order.
4. Reads Scrapy's own stats (``bench/bench_stats.py`` writes them to JSON on
   spider_closed): pages/s = ``response_received_count / elapsed_time_seconds``; CPU of
   the crawl process (spider_opened -> spider_closed, and the whole process from
   ``getrusage(RUSAGE_CHILDREN)``) -> ms of CPU per page; the replica server's CPU too,
   to show it is not the limit.
5. Checks the veille run: one article row per page, nothing failed or skipped, every
   stored text equal to the manifest's expected text.

Prints a table and writes ``bench/out/crawl_speed.json``. Target (issue 14): veille, with
the project's settings (``CONCURRENT_ITEMS`` included), at >= 0.6 of the best null rate
measured in the same run. Exit status 1 if the correctness check fails.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import resource
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from replica import generate_site, load_manifest, serve  # noqa: E402

SPIDERS = {"null": "abamako_null", "veille": "abamako", "bs4": "abamako_bs4"}

# The same on every run; only the spider name differs.
SETTINGS = {
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "CONCURRENT_REQUESTS": "64",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "64",
    "LOG_LEVEL": "INFO",
    "SPIDER_MODULES": "scrapers.spiders,bench.null_spider",
    "EXTENSIONS": json.dumps({"bench.bench_stats.StatsDump": 1000}),
}


# -- the replica ---------------------------------------------------------------------------
def site_for(n: int, page_kb: float, *, log=print) -> Path:
    site = OUT / f"site-{n}-{page_kb:g}"
    man_path = site / "manifest.json"
    if man_path.exists():
        try:
            m = json.loads(man_path.read_bytes())
            if (m.get("n_articles") == n and m.get("page_kb") == page_kb and m.get("variants")
                    and len(m.get("articles", {})) == n
                    and all((site / a["path"].lstrip("/")).exists() for a in m["articles"].values())):
                log(f"replica: reusing {site.relative_to(ROOT)}")
                return site
        except (ValueError, KeyError, TypeError):
            pass
        log(f"replica: {site.relative_to(ROOT)} does not match, regenerating")
    tmp = site.with_name(site.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    t = time.monotonic()
    generate_site(tmp, n_articles=n, page_kb=page_kb, variants=True)
    shutil.rmtree(site, ignore_errors=True)
    os.replace(tmp, site)
    log(f"replica: generated {n} articles of ~{page_kb:g} KB in {time.monotonic() - t:.1f} s "
        f"-> {site.relative_to(ROOT)}")
    return site


def warm_up(base_url: str, paths: list[str], threads: int = 4) -> tuple[int, int]:
    """GET every path once (keep-alive), so the server has the files in memory."""
    host, port = base_url.split("//", 1)[1].rsplit(":", 1)
    done = [0, 0]
    lock = threading.Lock()

    def worker(chunk):
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        n = b = 0
        for p in chunk:
            conn.request("GET", p)
            r = conn.getresponse()
            body = r.read()
            if r.status != 200:
                raise RuntimeError(f"warm-up: {p} -> {r.status}")
            n += 1
            b += len(body)
        conn.close()
        with lock:
            done[0] += n
            done[1] += b

    ts = [threading.Thread(target=worker, args=(paths[i::threads],)) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return done[0], done[1]


def proc_cpu(pid: int) -> float:
    """utime + stime of a process, in seconds (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


# -- one crawl -----------------------------------------------------------------------------
def crawl_cmd(spider: str, base_url: str, ids: str, stats_file: Path,
              extra: dict | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider,
           "-a", f"base_url={base_url}", "-a", f"ids={ids}"]
    for k, v in {**SETTINGS, **(extra or {}), "BENCH_STATS_FILE": str(stats_file)}.items():
        cmd += ["-s", f"{k}={v}"]
    return cmd


def kind_spider(kind: str) -> tuple[str, dict]:
    """``null@4`` -> the null spider with CONCURRENT_ITEMS=4."""
    base, _, items = kind.partition("@")
    return SPIDERS[base], ({"CONCURRENT_ITEMS": items} if items else {})


def run_crawl(kind: str, i: int, base_url: str, ids: str, workdir: Path, server_pid: int,
              timeout: float) -> dict:
    db = workdir / f"{kind.replace('@', '_')}-{i}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    stats_file = workdir / f"{kind.replace('@', '_')}-{i}.stats.json"
    stats_file.unlink(missing_ok=True)
    log_file = workdir / f"{kind.replace('@', '_')}-{i}.log"
    spider, extra = kind_spider(kind)
    cmd = crawl_cmd(spider, base_url, ids, stats_file, extra)
    env = {**os.environ, "VEILLE_DB": str(db),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    srv0 = proc_cpu(server_pid)
    t0 = time.monotonic()
    with open(log_file, "wb") as logf:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=logf, stderr=subprocess.STDOUT,
                              timeout=timeout)
    wall = time.monotonic() - t0
    srv1 = proc_cpu(server_pid)
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0 or not stats_file.exists():
        tail = log_file.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{kind} crawl failed (exit {proc.returncode}); see {log_file}\n{tail}")
    st = json.loads(stats_file.read_text())
    responses = st.get("response_received_count", 0)
    elapsed = st.get("elapsed_time_seconds") or st["bench/wall_seconds"]
    crawl_cpu = st["bench/cpu_user_seconds"] + st["bench/cpu_system_seconds"]
    proc_cpu_s = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    return {
        "kind": kind, "run": i, "spider": spider, "db": str(db), "log": str(log_file),
        "cmd": cmd, "responses": responses,
        "status_200": st.get("downloader/response_status_count/200", 0),
        "items": st.get("item_scraped_count", 0),
        "errors": st.get("log_count/ERROR", 0),
        "finish_reason": st.get("finish_reason"),
        "elapsed_s": elapsed,
        "pages_per_s": responses / elapsed if elapsed else 0.0,
        "crawl_cpu_s": crawl_cpu,
        "crawl_cpu_user_s": st["bench/cpu_user_seconds"],
        "crawl_cpu_sys_s": st["bench/cpu_system_seconds"],
        "crawl_cpu_ms_per_page": 1000 * crawl_cpu / responses if responses else None,
        "crawl_cpu_util": crawl_cpu / st["bench/wall_seconds"] if st["bench/wall_seconds"] else None,
        "process_cpu_s": proc_cpu_s,
        "process_cpu_ms_per_page": 1000 * proc_cpu_s / responses if responses else None,
        "process_wall_s": wall,
        "server_cpu_s": srv1 - srv0,
        "server_cpu_util": (srv1 - srv0) / wall if wall else None,
        "veille_stats": {k: v for k, v in st.items() if k.startswith("veille/")},
    }


# -- the check -----------------------------------------------------------------------------
def check_store(db: Path, manifest, ids: list[int]) -> dict:
    """The veille run stored one article per page, each with the manifest's text."""
    con = sqlite3.connect(db)
    try:
        rows = con.execute(
            "SELECT a.url, c.text FROM articles a LEFT JOIN contents c ON c.hash = a.content_hash"
        ).fetchall()
        crawl = con.execute("SELECT status, fetched, new, duplicate, skipped, failed FROM crawls"
                            " ORDER BY id DESC LIMIT 1").fetchone()
        skips = con.execute("SELECT kind, reason, COUNT(*) FROM skips GROUP BY kind, reason").fetchall()
    finally:
        con.close()
    expected = manifest.articles
    wanted = set(ids)
    by_id: dict[int, str | None] = {}
    for url, text in rows:
        m = re.search(r"/h/(\d+)\.html", url)
        if m:
            by_id[int(m.group(1))] = text
    missing = sorted(wanted - set(by_id))
    wrong = sorted(aid for aid, text in by_id.items()
                   if aid in wanted and text != expected[aid]["text"])
    ok = (len(rows) == len(wanted) and not missing and not wrong and not skips
          and crawl is not None and crawl[0] == "finished" and crawl[5] == 0 and crawl[4] == 0)
    return {
        "ok": ok, "articles": len(rows), "pages": len(wanted), "missing": missing[:20],
        "n_missing": len(missing), "wrong_text": wrong[:20], "n_wrong_text": len(wrong),
        "texts_compared": len(by_id), "skips": [list(s) for s in skips],
        "crawl": dict(zip(("status", "fetched", "new", "duplicate", "skipped", "failed"), crawl or ())),
    }


# -- report --------------------------------------------------------------------------------
def mean(xs):
    xs = [x for x in xs if x is not None]
    return statistics.fmean(xs) if xs else None


def summarize(results: list[dict]) -> dict:
    out = {}
    for kind in dict.fromkeys(r["kind"] for r in results):
        rs = [r for r in results if r["kind"] == kind]
        if not rs:
            continue
        out[kind] = {
            "runs": len(rs),
            "pages_per_s": mean(r["pages_per_s"] for r in rs),
            "pages_per_s_each": [round(r["pages_per_s"], 1) for r in rs],
            "crawl_cpu_ms_per_page": mean(r["crawl_cpu_ms_per_page"] for r in rs),
            "process_cpu_ms_per_page": mean(r["process_cpu_ms_per_page"] for r in rs),
            "crawl_cpu_util": mean(r["crawl_cpu_util"] for r in rs),
            "server_cpu_util": mean(r["server_cpu_util"] for r in rs),
            "elapsed_s": mean(r["elapsed_s"] for r in rs),
        }
    return out


def best_null(summary: dict) -> str:
    return max((k for k in summary if k.startswith("null")), key=lambda k: summary[k]["pages_per_s"])


def print_table(summary: dict, pages: int, responses: int) -> None:
    null = summary[best_null(summary)]
    print()
    print(f"pages: {pages} article pages ({responses} responses per run incl. robots.txt)")
    print(f"{'run':<8} {'pages/s':>9} {'ratio':>6} {'CPU ms/page':>12} {'(process)':>10} "
          f"{'crawl CPU':>10} {'server CPU':>11}  each run (pages/s)")
    for kind, s in summary.items():
        ratio = s["pages_per_s"] / null["pages_per_s"]
        print(f"{kind:<8} {s['pages_per_s']:9.1f} {ratio:6.2f} {s['crawl_cpu_ms_per_page']:12.3f} "
              f"{s['process_cpu_ms_per_page']:10.3f} {s['crawl_cpu_util']:9.0%} "
              f"{s['server_cpu_util']:10.0%}  {s['pages_per_s_each']}")
    if "veille" in summary:
        d = summary["veille"]["crawl_cpu_ms_per_page"] - null["crawl_cpu_ms_per_page"]
        print(f"\nratio to the best null run ({best_null(summary)}): "
              f"{summary['veille']['pages_per_s'] / null['pages_per_s']:.2f} (target >= 0.60);"
              f" veille's own cost: {d:.3f} ms CPU per page (veille "
              f"{summary['veille']['crawl_cpu_ms_per_page']:.3f} - null {null['crawl_cpu_ms_per_page']:.3f})")
    print("CPU ms/page: the crawl process between spider_opened and spider_closed; "
          "(process): the whole subprocess incl. start-up.")
    print("crawl CPU: CPU time / wall time of the crawl process (1 core = 100%); "
          "server CPU: the replica server's, over the run.")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=5000)
    ap.add_argument("--page-kb", type=float, default=75)
    ap.add_argument("--runs", type=int, default=1, help="repeat the set of crawls, alternating order")
    ap.add_argument("--null-items", default="1,4,100",
                    help="CONCURRENT_ITEMS of the null runs (the best is the reference); '' for"
                         " one null run with the project's settings")
    ap.add_argument("--bs4", action="store_true", help="also run a BeautifulSoup whole-page callback")
    ap.add_argument("--gzip", action="store_true", help="the server gzips pages (as nginx would)")
    ap.add_argument("--keep", action="store_true", help="keep databases, logs and stats in bench/out/runs/")
    ap.add_argument("--timeout", type=float, default=1800, help="per crawl, seconds")
    ap.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                    help="an extra Scrapy setting for every run (e.g. -s CONCURRENT_ITEMS=4)")
    args = ap.parse_args(argv)
    for kv in args.set:
        name, sep, value = kv.partition("=")
        if not sep or not name:
            ap.error(f"--set {kv!r}: expected NAME=VALUE")
        SETTINGS[name] = value

    OUT.mkdir(parents=True, exist_ok=True)
    site = site_for(args.articles, args.page_kb)
    manifest = load_manifest(site)
    ids = manifest.ids
    id_spec = f"{ids[0]}-{ids[-1]}"
    assert len(ids) == ids[-1] - ids[0] + 1, "ids are not contiguous"
    sizes = [a["bytes"] for a in manifest.articles.values() if "bytes" in a]
    workdir = OUT / "runs" / time.strftime("%Y%m%d-%H%M%S")
    workdir.mkdir(parents=True)

    nulls = [f"null@{n.strip()}" for n in args.null_items.split(",") if n.strip()] or ["null"]
    kinds = [*nulls, "veille"] + (["bs4"] if args.bs4 else [])
    results: list[dict] = []
    checks: list[dict] = []
    srv = serve(site, gzip=args.gzip)
    try:
        t = time.monotonic()
        n, b = warm_up(srv.base_url, [manifest.article(i)["path"] for i in ids] + ["/robots.txt"])
        print(f"server: {srv.base_url} (pid {srv.proc.pid}); warm-up GET of {n} pages, "
              f"{b / 1e6:.0f} MB in {time.monotonic() - t:.1f} s ({n / (time.monotonic() - t):.0f} pages/s "
              f"from 4 Python threads)")
        for i in range(args.runs):
            order = kinds if i % 2 == 0 else list(reversed(kinds))
            for kind in order:
                r = run_crawl(kind, i, srv.base_url, id_spec, workdir, srv.proc.pid, args.timeout)
                results.append(r)
                line = (f"run {i} {kind:<6}: {r['responses']} responses in {r['elapsed_s']:.2f} s = "
                        f"{r['pages_per_s']:.1f} pages/s, CPU {r['crawl_cpu_ms_per_page']:.3f} ms/page, "
                        f"server CPU {r['server_cpu_util']:.0%}")
                if kind == "veille":
                    c = check_store(Path(r["db"]), manifest, ids)
                    c["run"] = i
                    checks.append(c)
                    line += (f"; check: {c['articles']} articles / {c['pages']} pages, "
                             f"{c['n_wrong_text']} wrong texts, {c['n_missing']} missing, "
                             f"crawl {c['crawl']} -> {'OK' if c['ok'] else 'FAILED'}")
                print(line, flush=True)
                if not args.keep:
                    for suffix in ("", "-wal", "-shm"):
                        Path(r["db"] + suffix).unlink(missing_ok=True)
    finally:
        srv.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
            try:
                workdir.parent.rmdir()
            except OSError:
                pass

    summary = summarize(results)
    responses = results[0]["responses"]
    print_table(summary, len(ids), responses)
    example = next(r for r in results if r["kind"] == "veille")
    shown = [c if not c.startswith("BENCH_STATS_FILE=") else "BENCH_STATS_FILE=<stats.json>"
             for c in example["cmd"]]
    shown[0] = os.path.relpath(shown[0], ROOT) if shown[0].startswith(str(ROOT)) else shown[0]
    cmd_line = " ".join(shlex.quote(c) for c in shown)
    bench_cmd = " ".join(shlex.quote(a) for a in
                         [shown[0], "bench/crawl_speed.py", *(argv if argv is not None else sys.argv[1:])])
    print(f"\nbenchmark: {bench_cmd}")
    print(f"veille run: VEILLE_DB=<fresh.db> PYTHONPATH=. {cmd_line}")
    print("null run:   the same with spider abamako_null (bench/null_spider.py)")
    ok = all(c["ok"] for c in checks)
    print(f"correctness: {'OK' if ok else 'FAILED'} ({len(checks)} veille run(s) checked, all texts compared)")

    report = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "site": {"dir": str(site.relative_to(ROOT)), "articles": len(ids), "ids": id_spec,
                 "page_kb": args.page_kb,
                 "page_bytes_mean": round(statistics.fmean(sizes)) if sizes else None,
                 "page_bytes_min": min(sizes) if sizes else None,
                 "page_bytes_max": max(sizes) if sizes else None,
                 "gzip": args.gzip},
        "command": bench_cmd,
        "veille_crawl_command": "VEILLE_DB=<fresh.db> PYTHONPATH=. " + cmd_line,
        "settings": SETTINGS,
        "args": vars(args),
        "summary": summary,
        "best_null": best_null(summary),
        "ratio_veille_to_null": (summary["veille"]["pages_per_s"]
                                 / summary[best_null(summary)]["pages_per_s"]),
        "veille_cost_cpu_ms_per_page": (summary["veille"]["crawl_cpu_ms_per_page"]
                                         - summary[best_null(summary)]["crawl_cpu_ms_per_page"]),
        "checks": checks,
        "runs": [{k: v for k, v in r.items() if k not in ("db", "log")} for r in results],
    }
    (OUT / "crawl_speed.json").write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
    print(f"figures written to {(OUT / 'crawl_speed.json').relative_to(ROOT)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
