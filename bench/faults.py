"""Fault benchmark: nothing a crawl discovers is lost when a site and a machine misbehave.

    .venv/bin/python bench/faults.py [--articles 200] [--share 0.3] [--faulty 4] [--added 15] [--seed 1]
                                     [--kill-after 10]

1. Generates a replica of ``--articles`` aBamako pages (``bench/out/faults/site``) and serves
   it on 127.0.0.1; the store is ``bench/out/faults/veille.db`` (fresh).
2. Runs the cron-style default crawl, ``scrapy crawl abamako`` with no argument but the
   replica's address (feed and listings, no ``ids``; ``revisit`` and ``retry`` due), over
   and over, ``--added`` new articles appearing on the site before each crawl (so that the
   older ones scroll off the feed and the listings):
   - ``--faulty`` crawls while a share (``--share``) of the articles the site shows and
     the store does not have fail, each in one of many ways, and keep failing until the
     site heals: 500, 503, a timeout (an answer slower than ``DOWNLOAD_TIMEOUT``), a TCP
     reset, a closed connection, a body cut short under its Content-Length, a wrong
     Content-Length, a 404 that comes back; and, during the third crawl, another
     connection holds the store's write lock (``BEGIN IMMEDIATE``) longer than the crawl
     will wait, once the crawl has read its feed and listings; the second crawl is
     SIGKILLed (its process group) once it has asked for ``--kill-after`` articles; the
     fourth runs on a full disk (the store lives on a tmpfs, shrunk for that crawl to what
     the store uses plus the crawl's 4 MB reserve plus 64 KB; root only, else said and
     skipped);
   - then the site heals: crawls go on (each after the backoff of the pending articles
     has passed) until nothing is pending.
3. Time is compressed: the backoff of pending articles starts at 1 s instead of 5 min
   (``VEILLE_PENDING_BACKOFF=1``), and a write refused is given up after 2 tries half a
   second apart with a busy timeout of half a second.
4. Prints, per crawl: its status, the article URLs discovered so far (requested by a crawl,
   or written ahead as pending: the replica's hit log and the store), stored, pending,
   given up, what that crawl retried and recovered, and **lost**: discovered, neither
   stored nor pending nor given up. ``never found`` counts the articles the site showed
   in its feed or listings at the time of a crawl that no crawl discovered (the site moved
   on while a crawl could not read it). Writes ``bench/out/faults.json``; exit status 1 if
   anything was lost or is still pending at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from replica import add_articles, load_manifest, serve  # noqa: E402
from replica.pages.abamako.index import PER_PAGE  # noqa: E402
from replica.site import generate_site  # noqa: E402

MAX_PAGES = 5  # the spider's default: the listings show the 100 newest articles
SETTINGS = {
    "AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_DELAY": "0", "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16", "DOWNLOAD_TIMEOUT": "2", "RETRY_TIMES": "1",
    "LOG_LEVEL": "INFO", "VEILLE_PENDING_BACKOFF": "1", "VEILLE_DB_TIMEOUT": "0.5",
    "VEILLE_WRITE_RETRIES": "2", "VEILLE_WRITE_BACKOFF": "0.5", "VEILLE_BATCH_SIZE": "20",
    "VEILLE_FLUSH_SECONDS": "0.5",
}
FAULTS = {
    "500": {"status": 500},
    "503": {"status": 503},
    "timeout": {"slow": 4},
    "reset": {"reset": True},
    "closed": {"close": True},
    "truncated": {"truncate": 0.5},
    "wrong length": {"wrong_length": 2000},
    "404 once": {"status": 404},  # served in one crawl only (then the page is back)
}
ONCE = {"404 once"}


def query(db: Path, sql: str, params=()) -> list:
    if not db.exists():
        return []
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, params).fetchall()
    except sqlite3.OperationalError:  # no table yet
        return []
    finally:
        con.close()


class LockHolder(threading.Thread):
    """Holds the store's write lock from when the crawl has read its listings until it has
    given up writing (its log says so), as another program would."""

    def __init__(self, db: Path, srv, mark: int, log: Path, listing_paths: set[str]):
        super().__init__(daemon=True)
        self.db, self.srv, self.mark, self.log, self.listing_paths = db, srv, mark, log, listing_paths
        self.held_for = 0.0
        self.done = threading.Event()

    def run(self):
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not self.done.is_set():
            seen = {h["path"] for h in self.srv.hits(self.mark)}
            if self.listing_paths <= seen:
                break
            time.sleep(0.05)
        con = sqlite3.connect(self.db, timeout=60, isolation_level=None)
        con.execute("BEGIN IMMEDIATE")
        t = time.monotonic()
        while time.monotonic() - t < 120 and not self.done.is_set():
            if self.log.exists() and "giving up" in self.log.read_text(errors="replace"):
                break
            time.sleep(0.05)
        con.execute("ROLLBACK")
        con.close()
        self.held_for = time.monotonic() - t


class Killer(threading.Thread):
    """SIGKILLs the crawl's process group once it has asked for ``after`` article pages,
    as the OOM killer or a reboot would."""

    def __init__(self, srv, mark: int, after: int):
        super().__init__(daemon=True)
        self.srv, self.mark, self.after = srv, mark, after
        self.proc: subprocess.Popen | None = None
        self.killed_at = 0
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            n = sum(1 for h in self.srv.hits(self.mark) if h["path"].startswith("/h/"))
            if n >= self.after and self.proc is not None:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.killed_at = n
                return
            time.sleep(0.02)


class TmpfsStore:
    """The store's folder on a tmpfs (root only), to fill its disk for one crawl."""

    ROOMY = 512 << 20

    def __init__(self, path: Path):
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.mounted = os.geteuid() == 0 and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={self.ROOMY}", "tmpfs", str(path)],
            capture_output=True).returncode == 0

    def used(self) -> int:
        st = os.statvfs(self.path)
        return (st.f_blocks - st.f_bfree) * st.f_frsize

    def resize(self, size: int) -> None:
        subprocess.run(["mount", "-o", f"remount,size={size}", str(self.path)], check=True)

    def close(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.path)], check=False)
            self.mounted = False


def crawl(db: Path, base_url: str, log: Path, killer: Killer | None = None) -> int:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "abamako", "-a", f"base_url={base_url}"]
    for k, v in SETTINGS.items():
        cmd += ["-s", f"{k}={v}"]
    with open(log, "wb") as err:
        proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "VEILLE_DB": str(db)}, stderr=err,
                                stdout=subprocess.DEVNULL, start_new_session=True)
        if killer is not None:
            killer.proc = proc
            killer.start()
        try:
            return proc.wait(timeout=600)
        finally:
            if killer is not None:
                killer.done.set()
                killer.join()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=200)
    ap.add_argument("--share", type=float, default=0.3, help="share of the new articles that fail")
    ap.add_argument("--faulty", type=int, default=4, help="crawls before the site heals")
    ap.add_argument("--added", type=int, default=15, help="new articles before each crawl")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--kill-after", type=int, default=10, help="articles asked for before the 2nd crawl is killed")
    a = ap.parse_args(argv)
    rng = random.Random(a.seed)

    work = OUT / "faults"
    subprocess.run(["umount", "-l", str(work / "store")], capture_output=True)  # a run interrupted
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    disk = TmpfsStore(work / "store")
    try:
        return run(a, rng, work, disk)
    finally:
        disk.close()


def run(a, rng, work: Path, disk: TmpfsStore) -> int:
    site_dir, db = work / "site", work / "store" / "veille.db"
    if not disk.mounted:
        print("no tmpfs (not root, or mount refused): the full-disk crawl runs on a roomy disk")
    generate_site(site_dir, n_articles=a.articles, variants=False)
    faults: dict[str, dict] = {}
    kinds = list(FAULTS)
    visible_ever: set[str] = set()
    requested: set[str] = set()
    pending_ever: set[str] = set()
    rows = []
    print(f"{a.articles} articles; {a.share:.0%} of those the site shows fail while it is faulty;"
          f" {a.added} new articles before each crawl")
    header = (f"{'crawl':>5} {'phase':<8} {'status':<9} {'discovered':>10} {'stored':>6} {'pending':>7}"
              f" {'given up':>8} {'retried':>7} {'recovered':>9} {'lost':>4} {'never found':>11}  faults")
    print(header)
    with serve(site_dir) as srv:
        base = srv.base_url
        n = 0
        while True:
            n += 1
            faulty = n <= a.faulty
            if n > 1:
                add_articles(site_dir, a.added)
            ids = sorted(load_manifest(site_dir).ids)
            shown = {f"/h/{i}.html" for i in ids[-MAX_PAGES * PER_PAGE:]}
            visible_ever |= shown
            stored = {"/" + u.split("/", 3)[3] for (u,) in query(db, "SELECT url FROM articles")}
            if faulty:
                fresh = sorted(shown - stored - set(faults))
                for path in rng.sample(fresh, int(len(fresh) * a.share)):
                    kind = kinds[len(faults) % len(kinds)]
                    faults[path] = {**FAULTS[kind], "_kind": kind}
                srv.set_faults({p: {k: v for k, v in f.items() if k != "_kind"} for p, f in faults.items()
                                if not f["_kind"].endswith("(over)")})
            elif faults:
                faults = {}
                srv.set_faults({})
            else:  # healed: let the backoff of what is pending pass, as cron would
                due = query(db, "SELECT max(next_try_at) FROM pending WHERE given_up_at IS NULL")
                if due and due[0][0]:
                    left = time.mktime(time.strptime(due[0][0][:19], "%Y-%m-%dT%H:%M:%S")) - time.mktime(time.gmtime())
                    time.sleep(min(max(0.0, left + 0.5), 60))
            mark = srv.mark()
            log = work / f"crawl-{n}.log"
            lock = None
            if faulty and n == 3:
                listing = {"/", "/rss/rss.xml", "/rubriques/depeches.asp"} | {
                    f"/rubriques/depeches.asp?page={p}" for p in range(2, MAX_PAGES + 1)}
                lock = LockHolder(db, srv, mark, log, listing)
                lock.start()
            killer = Killer(srv, mark, a.kill_after) if faulty and n == 2 else None
            full = faulty and n == 4 and disk.mounted
            if full:
                disk.resize(disk.used() + (4 << 20) + (64 << 10))
            rc = crawl(db, base, log, killer)
            if lock is not None:
                lock.done.set()
                lock.join()
            if full:
                disk.resize(disk.ROOMY)
            # a fault that happens once is over (the replica's own `times` restarts with
            # every change of the fault map: the bench counts itself)
            served = {p for p, f in faults.items() if f["_kind"] in ONCE}
            for p in served:
                faults[p] = {"_kind": "404 once (over)"}
            requested |= {h["path"] for h in srv.hits(mark) if h["path"].startswith("/h/")}
            pending_ever |= {"/" + u.split("/", 3)[3] for (u,) in query(db, "SELECT url FROM pending")}
            stored = {"/" + u.split("/", 3)[3] for (u,) in query(db, "SELECT url FROM articles")}
            pending = {"/" + u.split("/", 3)[3] for (u,) in
                       query(db, "SELECT url FROM pending WHERE given_up_at IS NULL")}
            given_up = {"/" + u.split("/", 3)[3] for (u,) in
                        query(db, "SELECT url FROM pending WHERE given_up_at IS NOT NULL")}
            [(status, reason, retried, recovered)] = query(
                db, "SELECT status, finish_reason, retried, recovered FROM crawls ORDER BY id DESC LIMIT 1")
            if killer is not None and killer.killed_at:
                status = "SIGKILLed"  # its row stays running until the next crawl reaps it
            discovered = requested | pending_ever
            lost = discovered - stored - pending - given_up
            never = visible_ever - discovered
            kinds_now = {}
            for f in faults.values():
                kind = f["_kind"].replace(" (over)", "")
                kinds_now[kind] = kinds_now.get(kind, 0) + 1
            note = ", ".join(f"{k} {v}" for k, v in kinds_now.items())
            if lock is not None:
                note += f"; write lock held {lock.held_for:.1f} s"
            if killer is not None and killer.killed_at:
                note += f"; killed after {killer.killed_at} articles asked for"
            if full:
                note += "; disk full"
            row = {"crawl": n, "phase": "faulty" if faulty else "healed", "status": status, "reason": reason,
                   "rc": rc, "discovered": len(discovered), "stored": len(stored), "pending": len(pending),
                   "given_up": len(given_up), "retried": retried, "recovered": recovered, "lost": len(lost),
                   "never_found": len(never), "faults": kinds_now, "lost_urls": sorted(lost)}
            rows.append(row)
            print(f"{n:>5} {row['phase']:<8} {status:<9} {len(discovered):>10} {len(stored):>6} {len(pending):>7}"
                  f" {len(given_up):>8} {retried:>7} {recovered:>9} {len(lost):>4} {len(never):>11}  {note}",
                  flush=True)
            if not faulty and not pending:
                break
            if n > a.faulty + 12:
                print("still pending after 12 crawls of a healed site")
                break
    (OUT / "faults.json").write_text(json.dumps(rows, indent=1))
    last = rows[-1]
    ok = all(r["lost"] == 0 for r in rows) and last["pending"] == 0 and last["stored"] == last["discovered"]
    print(f"\n{'OK' if ok else 'FAIL'}: lost {sum(r['lost'] for r in rows)} over {len(rows)} crawls;"
          f" at the end {last['stored']} of {last['discovered']} discovered stored, {last['pending']} pending;"
          f" {last['never_found']} shown by the site and never discovered")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
