"""Two workers sharing one frontier against one process, end to end into the store.

    .venv/bin/python bench/distributed_speed.py [--articles 5000] [--page-kb 75] [--runs 2]
                                                [--workers 2] [--keep] [-s NAME=VALUE ...]

The replica of ``bench/crawl_speed.py`` (``bench/out/site-N-K/``, generated once), served on
127.0.0.1 and warmed up; the same Scrapy settings as that benchmark (AutoThrottle off, 64
concurrent requests, the project's ``CONCURRENT_ITEMS`` and pipelines), the same
``-a ids=FIRST-LAST``. A throwaway ``redis-server`` on a free port (no persistence). Each
run, alternating the order:

- ``one process``: ``scrapy crawl abamako`` into a fresh store (the local pipeline writes
  it); timed from the start of the process to its exit, when everything is stored;
- ``N workers``: ``veille ingest`` (the single writer of a fresh store) started, then N
  ``scrapy crawl abamako`` workers with ``VEILLE_REDIS_URL`` and the same ``VEILLE_RUN_ID``
  (one shared frontier, scrapy-redis); timed from the start of the workers until the
  ingest has finished the run's ``crawls`` row (every item stored), the ingest being
  already running (it runs all the time in a real deployment).

Both stores are checked: one ``articles`` row per page, every text equal to the manifest's,
the crawl ``finished``. Target (issue 14): N = 2 workers at >= 1.5x one process on this
2-core machine. Prints a table and writes ``bench/out/distributed_speed.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from bench.crawl_speed import SETTINGS, check_store, site_for, warm_up  # noqa: E402
from replica import load_manifest, serve  # noqa: E402


def redis_server(folder: Path) -> tuple[subprocess.Popen, str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(folder)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port)
    for _ in range(200):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    client.close()
    return proc, f"redis://127.0.0.1:{port}/0"


def crawl_cmd(base_url: str, ids: str, extra: dict) -> list[str]:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "abamako", "-a", f"base_url={base_url}",
           "-a", f"ids={ids}"]
    for k, v in {**SETTINGS, **extra}.items():
        if k in ("EXTENSIONS", "SPIDER_MODULES"):
            continue  # the stats extension and the null spider are crawl_speed's
        cmd += ["-s", f"{k}={v}"]
    return cmd


def env_for(**extra) -> dict:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            **extra}


def one_process(base_url: str, ids: str, db: Path, log: Path) -> float:
    t0 = time.monotonic()
    with open(log, "wb") as f:
        subprocess.run(crawl_cmd(base_url, ids, {}), cwd=ROOT, env=env_for(VEILLE_DB=str(db)),
                       stdout=f, stderr=subprocess.STDOUT, check=True, timeout=3600)
    return time.monotonic() - t0


def crawl_row(db: Path, run: str):
    if not db.exists():
        return None
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute("SELECT status, fetched FROM crawls WHERE args LIKE ?",
                           (f'%"run": "{run}"%',)).fetchone()
    except sqlite3.OperationalError:
        return None
    finally:
        con.close()


def workers(base_url: str, ids: str, db: Path, redis_url: str, n: int, workdir: Path
            ) -> tuple[float, list[int]]:
    run = f"bench-{uuid.uuid4().hex[:8]}"
    ingest_log = open(workdir / f"ingest-{run}.log", "wb")
    ingest = subprocess.Popen([sys.executable, "-m", "veille.schedule.ingest", "--redis", redis_url,
                               "--db", str(db)], cwd=ROOT, env=env_for(), stdout=ingest_log,
                              stderr=subprocess.STDOUT)
    try:
        time.sleep(2.0)  # the ingest is up and waiting, as in a deployment
        extra = {"VEILLE_RUN_ID": run, "VEILLE_REDIS_IDLE_SECONDS": "1",
                 "VEILLE_REDIS_HEARTBEAT_TTL": "2"}
        env = env_for(VEILLE_REDIS_URL=redis_url, VEILLE_DB=str(workdir / "no-store.db"))
        t0 = time.monotonic()
        procs = []
        for k in range(n):
            log = open(workdir / f"worker-{run}-{k}.log", "wb")
            procs.append(subprocess.Popen(crawl_cmd(base_url, ids, extra), cwd=ROOT, env=env,
                                          stdout=log, stderr=subprocess.STDOUT))
        codes = [p.wait(timeout=3600) for p in procs]
        while True:
            row = crawl_row(db, run)
            if row is not None and row[0] != "running":
                break
            if ingest.poll() is not None:
                raise RuntimeError(f"the ingest exited ({ingest.returncode}); see {ingest_log.name}")
            time.sleep(0.05)
        return time.monotonic() - t0, codes
    finally:
        ingest.terminate()
        ingest.wait(timeout=60)
        ingest_log.close()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=5000)
    ap.add_argument("--page-kb", type=float, default=75)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE")
    args = ap.parse_args(argv)
    for kv in args.set:
        name, _, value = kv.partition("=")
        SETTINGS[name] = value
    site = site_for(args.articles, args.page_kb)
    manifest = load_manifest(site)
    ids = manifest.ids
    id_spec = f"{ids[0]}-{ids[-1]}"
    workdir = OUT / "runs" / ("dist-" + time.strftime("%Y%m%d-%H%M%S"))
    workdir.mkdir(parents=True)
    redis_proc, redis_url = redis_server(workdir)
    srv = serve(site)
    results = []
    try:
        warm_up(srv.base_url, [manifest.article(i)["path"] for i in ids] + ["/robots.txt"])
        for i in range(args.runs):
            order = ["one", "workers"] if i % 2 == 0 else ["workers", "one"]
            for kind in order:
                db = workdir / f"{kind}-{i}.db"
                if kind == "one":
                    s = one_process(srv.base_url, id_spec, db, workdir / f"one-{i}.log")
                    codes = [0]
                else:
                    s, codes = workers(srv.base_url, id_spec, db, redis_url, args.workers, workdir)
                check = check_store(db, manifest, ids)
                results.append({"kind": kind, "run": i, "seconds": s, "pages_per_s": len(ids) / s,
                                "exit_codes": codes, "check_ok": check["ok"], "check": check})
                print(f"run {i} {kind:<8}: {len(ids)} pages stored in {s:.1f} s = "
                      f"{len(ids) / s:.0f} pages/s end to end; check "
                      f"{'OK' if check['ok'] else 'FAILED ' + json.dumps(check)[:300]}", flush=True)
    finally:
        srv.stop()
        redis_proc.terminate()
        redis_proc.wait(timeout=30)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    one = statistics.fmean(r["pages_per_s"] for r in results if r["kind"] == "one")
    many = statistics.fmean(r["pages_per_s"] for r in results if r["kind"] == "workers")
    print(f"\n| run | pages/s end to end (mean of {args.runs}) | ratio |\n|---|---|---|")
    print(f"| one process (`scrapy crawl abamako`) | {one:.0f} | 1.00 |")
    print(f"| {args.workers} workers + `veille ingest` | {many:.0f} | **{many / one:.2f}** |")
    print(f"target: >= 1.5; {os.cpu_count()} CPUs; benchmark: .venv/bin/python bench/distributed_speed.py "
          + " ".join(argv if argv is not None else sys.argv[1:]))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "distributed_speed.json").write_text(json.dumps(
        {"args": vars(args), "one_pages_per_s": one, "workers_pages_per_s": many,
         "ratio": many / one, "runs": results}, indent=1, default=str))
    return 0 if all(r["check_ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
