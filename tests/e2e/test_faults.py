"""The fault suite: crawls through server faults, SIGKILLed at random moments, each
followed by a normal crawl, while Datasette reads the store.

Every round: some articles are edited on the replica, a crawl runs against a server that
answers a random share of the pages with 500s, connection resets and closes, slow
responses (past the download timeout), truncated bodies and wrong Content-Lengths, and
is SIGKILLed at a random moment (before it opened the store, mid-batch, or after it
ended); then a normal crawl runs without faults. After every round:

- ``PRAGMA integrity_check`` and ``foreign_key_check`` pass, every article has its
  versions and its text, the crawl counts match the rows they counted;
- no version is stored twice (no two consecutive versions of an article with the same
  text; every version's ``previous_hash`` is the text before it; ``versions_count`` is
  the number of versions) and none is lost (every text the site had at a normal crawl
  is a version of its article; every stored text is one the site really served);
- after the normal crawl every article is stored with the site's current text;
- a Datasette instance on the same file answers every read with 200 throughout.

The ingest process (``veille/ingest.py``) did not exist when this suite was written: only
crawls are killed here.
The quick variant (3 rounds) runs by default; the 20-round loop is marked ``slow``.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import threading
import time

import pytest

from helpers import FAST, ROOT, one, rows, run_crawl

FAULT_KINDS = ("status500", "reset", "close", "slow", "truncate", "longer", "shorter")


def fault_spec(kind: str, rng: random.Random) -> dict:
    return {
        "status500": {"status": 500},
        "reset": {"reset": True},
        "close": {"close": True},
        "slow": {"slow": 2.5},
        "truncate": {"truncate": rng.choice([0.1, 0.5, 0.9, 200])},
        "longer": {"wrong_length": rng.choice([1, 100, 10_000])},
        "shorter": {"wrong_length": -rng.choice([1, 100, 5_000])},
    }[kind]


def faults_for_round(rng: random.Random, paths: list[str], share: float = 0.3) -> dict:
    faults = {}
    for path in rng.sample(paths, max(1, int(len(paths) * share))):
        spec = fault_spec(rng.choice(FAULT_KINDS), rng)
        if rng.random() < 0.3:
            spec["times"] = 1  # a transient fault: the retry gets the page
        faults[path] = spec
    return faults


SETTINGS = {
    # small batches flushed often: a kill lands between, and inside, many transactions
    "VEILLE_BATCH_SIZE": "4",
    "VEILLE_FLUSH_SECONDS": "0.2",
    "CONCURRENT_REQUESTS": "8",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "DOWNLOAD_TIMEOUT": "1",
}


def start_crawl(db, base_url, ids, stderr=subprocess.DEVNULL):
    cmd = [sys.executable, "-m", "scrapy", "crawl", "abamako", "-a", f"base_url={base_url}",
           "-a", f"ids={ids}", "-a", "revisit=all"]
    for k, v in {**FAST, **SETTINGS}.items():
        cmd += ["-s", f"{k}={v}"]
    return subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "VEILLE_DB": str(db)},
                            stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True)


# ------------------------------------------------------------------ Datasette reader

class DatasetteReader(threading.Thread):
    """Reads the store through Datasette, over and over, until stopped; counts answers."""

    PATHS = (
        "/veille.json?sql=select+count(*)+from+versions",
        "/veille/articles.json?_size=50&_sort_desc=id",
        "/veille/versions.json?_size=20",
        "/veille/crawls.json",
        "/veille/contents.json?_search=mali&_size=5",
    )

    def __init__(self, db):
        super().__init__(daemon=True)
        self.db = db
        self.stop = threading.Event()
        self.ok = 0
        self.errors: list[str] = []

    def run(self):
        from veille.web import make_datasette

        ds = make_datasette(self.db)

        async def loop():
            await ds.invoke_startup()
            i = 0
            while not self.stop.is_set():
                path = self.PATHS[i % len(self.PATHS)]
                i += 1
                try:
                    r = await ds.client.get(path)
                    if r.status_code == 200:
                        self.ok += 1
                    else:
                        self.errors.append(f"{path}: {r.status_code} {r.text[:200]}")
                except Exception as exc:  # noqa: BLE001 - any failure to read counts
                    self.errors.append(f"{path}: {type(exc).__name__}: {exc}")
                await asyncio.sleep(0.01)

        asyncio.run(loop())


# ------------------------------------------------------------------ invariants

def check_store(db, history: dict[str, set[str]]):
    """What must hold after any round, killed or not."""
    assert one(db, "pragma integrity_check") == "ok"
    assert rows(db, "pragma foreign_key_check") == []
    assert one(db, "select count(*) from articles a left join contents c on c.hash = a.content_hash"
                   " where c.hash is null") == 0
    assert one(db, "select count(*) from articles a where not exists"
                   " (select 1 from versions v where v.article_id = a.id)") == 0
    for crawl in rows(db, "select * from crawls"):
        stored = one(db, "select count(*) from versions where crawl_id = ?", [crawl["id"]])
        assert crawl["new"] + crawl["updated"] + crawl["duplicate"] == stored, crawl
    versions = rows(db, "select v.article_id, v.content_hash, v.previous_hash, a.url,"
                        " a.content_hash as current, a.versions_count"
                        " from versions v join articles a on a.id = v.article_id order by v.id")
    chains: dict[int, list[dict]] = {}
    for v in versions:
        chains.setdefault(v["article_id"], []).append(v)
    for chain in chains.values():
        url = chain[0]["url"]
        assert chain[0]["previous_hash"] is None, url
        for prev, cur in zip(chain, chain[1:]):
            assert cur["content_hash"] != prev["content_hash"], f"{url}: a version stored twice"
            assert cur["previous_hash"] == prev["content_hash"], f"{url}: broken version chain"
        assert chain[-1]["content_hash"] == chain[0]["current"], url
        assert chain[0]["versions_count"] == len(chain), url
        for v in chain:  # only texts the site really served
            assert v["content_hash"] in history[url], f"{url}: a text the site never had"


def check_complete(db, site, base_url, seen_at_normal: dict[str, set[str]]):
    """After a normal crawl: every article stored, with its current text, and every text
    the site had at a normal crawl kept as a version."""
    from veille.core.textformat import content_hash

    current = {base_url + a["path"]: content_hash(a["text"]) for a in site.articles.values()}
    stored = {r["url"]: r["content_hash"] for r in rows(db, "select url, content_hash from articles")}
    assert stored == current
    kept: dict[str, set[str]] = {}
    for r in rows(db, "select a.url, v.content_hash from versions v join articles a on a.id = v.article_id"):
        kept.setdefault(r["url"], set()).add(r["content_hash"])
    for url, texts in seen_at_normal.items():
        assert texts <= kept[url], f"{url}: a version was lost"


# ------------------------------------------------------------------ the loop

def fault_rounds(tmp_path, make_site, make_replica, rounds: int, seed: int, n_articles: int = 60):
    from replica.site import edit_articles, load_manifest
    from veille.core.textformat import content_hash
    from storage import Store

    rng = random.Random(seed)
    site = make_site(n_articles=n_articles, variants=False)
    srv = make_replica(site.out_dir)
    db = tmp_path / "faults.db"
    Store(db).close()  # Datasette needs the file
    ids = sorted(int(i) for i in site.articles)
    id_range = f"{ids[0]}-{ids[-1]}"
    paths = [site.articles[i]["path"] for i in ids]

    def url(a):
        return srv.base_url + a["path"]

    history: dict[str, set[str]] = {}  # every text each article ever had on the site
    seen_at_normal: dict[str, set[str]] = {}

    def note_site():
        for a in load_manifest(site.out_dir).articles.values():
            history.setdefault(url(a), set()).add(content_hash(a["text"]))

    note_site()
    reader = DatasetteReader(db)
    reader.start()
    log = []
    try:
        for r in range(rounds):
            t_round = time.monotonic()
            # the site changes: a few articles get a new paragraph
            edited = rng.sample(ids, rng.randint(0, max(1, n_articles // 10)))
            if edited:
                edit_articles(site.out_dir, edited)
            note_site()
            site = load_manifest(site.out_dir)
            # a faulty crawl, killed at a random moment
            srv.set_faults(faults_for_round(rng, paths))
            errf = open(tmp_path / f"crawl-{r + 1}.log", "wb")
            proc = start_crawl(db, srv.base_url, id_range, stderr=errf)
            t0 = time.monotonic()
            if rng.random() < 0.2:  # any moment from the start, start-up included
                when = "from start"
                delay = rng.uniform(0.2, 2.5)
            else:  # once the crawl has opened the store: mid-crawl, mid-batch
                when = "into the crawl"
                while proc.poll() is None and time.monotonic() - t0 < 60 and not one(
                        db, "select count(*) from crawls where pid = ?", [proc.pid]):
                    time.sleep(0.02)
                delay = rng.uniform(0.0, 2.5)
            try:
                proc.wait(delay)
                ended = "ended by itself"
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                ended = "killed"
            delay_total = time.monotonic() - t0
            errf.close()
            if ended != "killed":
                tail = (tmp_path / f"crawl-{r + 1}.log").read_text(errors="replace").strip()
                ended += f" (exit {proc.returncode}: {tail.splitlines()[-1][-160:] if tail else ''})"
            check_store(db, history)
            stored_after_kill = one(db, "select count(*) from versions")
            # a normal crawl completes what the killed one left
            srv.set_faults({})
            run_crawl(db, srv.base_url, args={"ids": id_range, "revisit": "all"},
                      settings={"VEILLE_BATCH_SIZE": "4"})
            check_store(db, history)
            for a in site.articles.values():
                seen_at_normal.setdefault(url(a), set()).add(content_hash(a["text"]))
            check_complete(db, site, srv.base_url, seen_at_normal)
            log.append(f"round {r + 1}: {len(edited)} edited, crawl {ended} {delay:.1f} s {when}"
                       f" ({delay_total:.1f} s after its start)"
                       f" with {stored_after_kill} versions stored; normal crawl complete;"
                       f" {time.monotonic() - t_round:.1f} s")
            print(log[-1])
    finally:
        reader.stop.set()
        reader.join(30)
    statuses = [c["status"] for c in rows(db, "select status from crawls order by id")]
    assert "running" not in statuses[:-1] or statuses.count("running") == 0
    assert statuses[-1] == "finished"
    assert reader.errors == [], reader.errors[:5]
    assert reader.ok > rounds, f"Datasette answered only {reader.ok} reads"
    print(f"Datasette answered {reader.ok} reads, no error; crawl statuses: "
          + ", ".join(f"{s} x{statuses.count(s)}" for s in sorted(set(statuses))))
    return db, statuses, log


def test_faults_and_kills_quick(tmp_path, make_site, make_replica):
    db, statuses, log = fault_rounds(tmp_path, make_site, make_replica, rounds=3, seed=1,
                                     n_articles=40)
    assert len(log) == 3
    assert "killed" in statuses


@pytest.mark.slow
def test_faults_and_kills_20_rounds(tmp_path, make_site, make_replica):
    db, statuses, log = fault_rounds(tmp_path, make_site, make_replica, rounds=20, seed=20260101)
    assert len(log) == 20
    # the kills happened at various moments: most crawls were really killed
    assert statuses.count("killed") >= 10, statuses


# ------------------------------------------------------------------ each fault, one by one

# sizes that must be noticed (a Content-Length 1 byte short only drops the final newline)
ONE_BY_ONE = {"truncate": {"truncate": 0.5}, "longer": {"wrong_length": 100},
              "shorter": {"wrong_length": -5000}}


@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_each_fault_kind_is_recorded_and_stores_nothing(tmp_path, make_site, make_replica, kind):
    """One article served with the fault (every time, retries too): the crawl finishes,
    the page is recorded as failed or skipped with a reason, nothing is stored for it;
    the others are stored."""
    site = make_site(n_articles=4, variants=False)
    ids = sorted(int(i) for i in site.articles)
    bad = site.articles[ids[1]]["path"]
    spec = {**fault_spec(kind, random.Random(0)), **ONE_BY_ONE.get(kind, {})}
    srv = make_replica(site.out_dir, faults={bad: spec})
    db = tmp_path / "one.db"
    proc = run_crawl(db, srv.base_url, args={"ids": f"{ids[0]}-{ids[-1]}"},
                     settings={"DOWNLOAD_TIMEOUT": "1"}, timeout=120)
    assert proc.returncode == 0
    crawl = rows(db, "select * from crawls")[-1]
    assert crawl["status"] == "finished"
    skips = rows(db, "select kind, reason, detail from skips where url = ?", [srv.base_url + bad])
    stored = {r["url"] for r in rows(db, "select url from articles")}
    assert skips, f"{kind}: nothing recorded for the faulty page"
    print(f"\n{kind} {spec}: {skips[0]['kind']}/{skips[0]['reason']} {skips[0]['detail'][:80]}")
    assert not skips[0]["reason"].startswith("error-"), skips
    assert srv.base_url + bad not in stored
    assert stored == {srv.base_url + site.articles[i]["path"] for i in ids if site.articles[i]["path"] != bad}
    assert one(db, "pragma integrity_check") == "ok"


# ------------------------------------------------------------------ the million benchmark, small

def test_million_benchmark_runs_small(tmp_path):
    """bench/million.py end to end at 2,000 versions: builds through Store.save_batch and
    flag_crawl, and times every canned query without an error."""
    out = tmp_path / "million.json"
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "million.py"), "--versions", "2000",
                           "--crawl-size", "500", "--spread", "100", "--repeat", "1",
                           "--db", str(tmp_path / "m.db"), "--json", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = __import__("json").loads(out.read_text())
    assert result["build"]["versions"] == 2000
    assert result["build"]["outcomes"] == {"new": 500, "updated": 1500}
    assert result["size"]["versions"] == 2000 and result["size"]["articles"] == 500
    errors = {k: v["error"] for k, v in result["queries"].items() if v.get("error")}
    assert errors == {}
    assert any(k.startswith("search") for k in result["queries"])
    assert "/veille/briefing?since=7d" in result["queries"]  # the briefing pages too
    # the same queries at a quarter and a half of the store (issue 14: growth shows)
    at = result["build"]["checkpoints"]
    names = lambda qs: {k.split(" {")[0] for k in qs}  # noqa: E731 - ids change with the size
    assert sorted(at, key=int) == ["500", "1000"] and names(at["500"]) == names(result["queries"])
    assert "median ms by store size" in proc.stdout
    assert not (tmp_path / "m.db").exists()  # removed without --keep
