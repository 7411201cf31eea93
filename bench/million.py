"""A million versions: build a store through the real ingest path and time what users run.

    .venv/bin/python bench/million.py [--versions 1000000] [--per-article 4] [--crawl-size 10000]
                                      [--batch 250] [--text-kb 3] [--db PATH] [--keep]
                                      [--no-flags] [--repeat 5] [--json PATH]
                                      [--checkpoints 100000,300000]

What it does:

1. Builds a fresh store (default ``bench/out/million.db``) with ``--versions`` versions:
   ``versions / per-article`` articles, each with ``per-article`` distinct texts (the first,
   then edits: a paragraph added, a sentence changed, a paragraph removed...). Texts are
   ~``--text-kb`` KB in the article format, written with :func:`veille.core.textformat.write`,
   French words with accents and, in a fraction of them, the words of the topics.
   Versions arrive in crawls of ``--crawl-size`` items: each crawl creates new articles and
   updates older ones (an article's k-th edit comes ``k * spread`` articles after it was
   created, ``--spread`` 2000: within hours), ``fetched_at`` spread evenly over the last 60
   days in arrival order, like a long-running store (~4,000 new articles a day at 1M).
   Every crawl goes through ``Store.start_crawl`` / ``Store.save_batch`` (batches of
   ``--batch``, the pipeline's default 250) / ``Store.finish_crawl``, then
   ``veille.monitor.flags.flag_crawl`` with three topics (``--no-flags``: not flagged), exactly what
   a crawl and the scheduler do. Progress is printed after every crawl.
2. Prints the ingest rate (versions/s, save_batch alone and with flagging), the database
   size (bytes per article, per version, and per table/index from ``dbstat``).
3. Times full-text search (``contents_fts`` MATCH through the canned ``search`` query, and a
   plain ``MATCH ... ORDER BY rank LIMIT 20``) and every canned query of
   ``veille/web/metadata.yml`` with representative parameters, through Datasette's
   own connection (plugin SQL functions included): first run (cold) and the median of
   ``--repeat`` runs. For each, ``EXPLAIN QUERY PLAN`` lines that scan a whole big table
   without an index are printed, so a missing index shows.

4. Does 3. (and the briefing pages of ``bench/briefing_speed.py``) also at ``--checkpoints``
   during the build (default: 100k and 300k of 1M; a quarter and a half of a smaller
   ``--versions``), after the crawl that reaches each, and prints each query's median at
   every size in one table at the end, so a page whose cost grows with the store shows
   (issue 14). The time spent there is left out of the ingest rates.

Results also go to ``--json`` (default ``bench/out/million.json``). The database is deleted
at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from storage import Store  # noqa: E402
from veille.core.textformat import TextParts, write  # noqa: E402

from bench.sqlite_alone import SqliteAlone  # noqa: E402

WORDS = ("le la les des une un du de et à en pour par sur dans avec sécurité armée Bamako "
         "gouvernement élection président ministre réunion société économie été déjà où "
         "français Sahel transition négociations accord région développement l'Alliance "
         "intérêt décembre coopération défense population santé école jeunes marché "
         "agriculture crédit banque prix pétrole coton récolte pluie université syndicat "
         "grève député assemblée constitution référendum frontière douane commerce "
         "investissement énergie électricité eau route pont hôpital médecin vaccin football "
         "équipe championnat culture musique festival cinéma religion imam église").split()
# words of the topics: rarer, so that a few percent of the texts match
TOPIC_WORDS = ("Mali", "Russie", "Wagner", "OTAN", "NATO", "CEDEAO", "Niger", "Burkina")
TOPICS = (("otan", "OTAN OR NATO"), ("mali-russie", "Mali AND (Russie OR Wagner)"),
          ("cedeao", "CEDEAO"))
RUBRICS = ("Politique", "Économie", "Société", "Sport", "International", "Culture")
MONTHS = ("janvier février mars avril mai juin juillet août septembre octobre novembre "
          "décembre").split()
DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 22))]
    if rng.random() < 0.004:  # ~5% of the texts name a topic's word somewhere
        words[rng.randrange(len(words))] = rng.choice(TOPIC_WORDS)
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(2, 5)))


class Article:
    """The synthetic article ``i``: its first text and its edits, all deterministic."""

    def __init__(self, i: int, born: dt.datetime, text_bytes: int):
        self.i = i
        rng = random.Random(i * 7919 + 1)
        self.rng = rng
        self.published = born.date()
        self.rubric = rng.choice(RUBRICS)
        self.headline = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 10))).capitalize()
        if rng.random() < 0.03:
            self.headline += " " + rng.choice(TOPIC_WORDS)
        self.title = f"{self.headline} - abamako.com"
        d = self.published
        self.dateline = (f"Publié le {DAYS[d.weekday()]} {d.day} {MONTHS[d.month - 1]} {d.year}"
                         f" | {rng.choice(('AFP', 'L’Essor', 'Maliweb', 'aBamako'))}")
        self.caption = paragraph(rng)[:160] if rng.random() < 0.5 else ""
        paras, n = [], 0
        while n < text_bytes:
            p = paragraph(rng)
            paras.append(p)
            n += len(p) + 4
        self.paras = paras
        self.url = f"https://news.abamako.com/h/{1_000_000 + i}.html"

    def edit(self, v: int) -> None:
        """The v-th edit (v >= 1): what newsrooms do to a published article."""
        rng = self.rng
        kind = rng.choice(("add", "add", "change", "remove", "headline"))
        if kind == "add" or len(self.paras) < 3:
            self.paras.insert(rng.randint(1, len(self.paras)), paragraph(rng))
        elif kind == "change":
            k = rng.randrange(len(self.paras))
            self.paras[k] = self.paras[k] + " " + sentence(rng)
        elif kind == "remove":
            del self.paras[rng.randrange(1, len(self.paras))]
        else:
            self.headline = self.headline + " " + rng.choice(WORDS)
            self.title = f"{self.headline} - abamako.com"
        # the edit mark makes every version distinct, whatever the edit did
        self.paras.append(f"Mise à jour n° {v} : {sentence(rng)}")

    def text(self) -> str:
        return write(TextParts(self.published.strftime("%Y-%m"), self.title, self.headline,
                               self.dateline, self.caption, self.paras))

    def item(self, fetched_at: str) -> dict:
        return {"url": self.url, "source": "abamako", "site": "abamako.com", "title": self.title,
                "headline": self.headline, "published": self.published.isoformat(),
                "rubric": self.rubric, "publisher": "aBamako", "canonical_url": self.url,
                "method": "abamako", "text": self.text(), "fetched_at": fetched_at,
                "etag": f'"{self.i:x}-{len(self.paras)}"', "last_modified": None}


def events(n_articles: int, per_article: int, spread: int):
    """(article, version) in arrival order: article i's version v comes at step i + v*spread."""
    for t in range(n_articles + (per_article - 1) * spread):
        for v in range(per_article):
            i = t - v * spread
            if 0 <= i < n_articles:
                yield i, v


def iso(t: dt.datetime) -> str:
    return t.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def fmt_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{n:.0f} B"
        n /= 1024
    return str(n)


# ------------------------------------------------------------------------------ build

def build(args) -> dict:
    from veille.monitor.flags import flag_crawl, sync_topics
    from veille.topics import Topic

    db = Path(args.db)
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    db.parent.mkdir(parents=True, exist_ok=True)
    store = Store(db)
    alone = None if args.no_baseline else SqliteAlone(str(db) + ".alone")
    topics = [Topic(n, q) for n, q in TOPICS]
    sync_topics(store, topics)
    n_articles = args.versions // args.per_article
    total = n_articles * args.per_article
    spread = max(1, min(args.spread, n_articles // 2 or 1))
    now = dt.datetime.now(dt.timezone.utc)
    start = now - dt.timedelta(days=60)
    span = (now - start) - dt.timedelta(minutes=5)

    def when(k: int) -> dt.datetime:  # the k-th version arrives at this time
        return start + span * (k / max(1, total - 1))

    live: dict[int, Article] = {}
    done = 0
    outcomes: dict[str, int] = {}
    t_save = t_flag = t_gen = 0.0
    n_flags = 0
    t0 = time.perf_counter()
    it = iter(events(n_articles, args.per_article, spread))
    print(f"building {total:,} versions: {n_articles:,} articles x {args.per_article}, "
          f"crawls of {args.crawl_size:,}, batches of {args.batch}, ~{args.text_kb} KB texts "
          f"-> {db}", flush=True)
    crawl_no = 0
    exhausted = False
    pending = sorted(c for c in args.checkpoint_list if c < total)
    at_checkpoints: dict[int, dict] = {}
    t_checkpoints = 0.0
    while not exhausted:
        g0 = time.perf_counter()
        items = []
        for _ in range(args.crawl_size):
            try:
                i, v = next(it)
            except StopIteration:
                exhausted = True
                break
            k = done + len(items)
            if v == 0:
                live[i] = Article(i, when(k), args.text_kb * 1024)
            else:
                live[i].edit(v)
            items.append(live[i].item(iso(when(k))))
            if v == args.per_article - 1:
                del live[i]
        t_gen += time.perf_counter() - g0
        if not items:
            break
        crawl_no += 1
        s0 = time.perf_counter()
        crawl_id = store.start_crawl("abamako", spider="abamako", args={"bench": crawl_no})
        for k in range(0, len(items), args.batch):
            for o in store.save_batch(crawl_id, items[k:k + args.batch]):
                outcomes[o] = outcomes.get(o, 0) + 1
        store.finish_crawl(crawl_id, "finished", "finished")
        t_save += time.perf_counter() - s0
        if not args.no_flags:
            f0 = time.perf_counter()
            n_flags += len(flag_crawl(store, crawl_id, topics))
            t_flag += time.perf_counter() - f0
        if alone is not None:  # the same crawl, right after: the same load on the machine
            for k in range(0, len(items), args.batch):
                alone.save(items[k:k + args.batch])
        done += len(items)
        if pending and done >= pending[0]:  # the pages at this size (not ingest time)
            while pending and done >= pending[0]:
                pending.pop(0)
            c0 = time.perf_counter()
            print(f"\nquery latency at {done:,} versions (median of {args.repeat}):", flush=True)
            at_checkpoints[done] = time_queries(db, args.repeat, args.time_limit)
            print(flush=True)
            t_checkpoints += time.perf_counter() - c0
        el = time.perf_counter() - t0 - t_checkpoints
        rate = done / el
        print(f"  crawl {crawl_no:4d}: {done:>10,} / {total:,} versions  {rate:7.0f}/s overall"
              f"  save {done / t_save:7.0f}/s  with flags {done / (t_save + t_flag):7.0f}/s"
              + (f"  SQLite alone {alone.rate():7.0f}/s" if alone is not None else "")
              + f"  flags {n_flags:,}  ETA {(total - done) / rate / 60:5.1f} min",
              flush=True)
    elapsed = time.perf_counter() - t0 - t_checkpoints
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    baseline = {}
    if alone is not None:
        baseline = {"rate": round(alone.rate(), 1), **alone.size()}
        alone.close(delete=not args.keep)
    return {"versions": done, "articles": n_articles, "crawls": crawl_no, "outcomes": outcomes,
            "flags": n_flags, "elapsed_s": round(elapsed, 1), "save_s": round(t_save, 1),
            "flag_s": round(t_flag, 1), "generate_s": round(t_gen, 1),
            "rate_overall": round(done / elapsed, 1), "rate_save": round(done / t_save, 1),
            "rate_save_and_flag": round(done / (t_save + t_flag), 1),
            "sqlite_alone": baseline, "checkpoints": at_checkpoints}


# ------------------------------------------------------------------------------ size

def sizes(db: Path) -> dict:
    import sqlite3

    con = sqlite3.connect(db)
    try:
        n_articles = con.execute("select count(*) from articles").fetchone()[0]
        n_versions = con.execute("select count(*) from versions").fetchone()[0]
        n_contents = con.execute("select count(*) from contents").fetchone()[0]
        text_bytes = con.execute("select sum(length(cast(text as blob))) from contents").fetchone()[0] or 0
        try:
            per_obj = con.execute("select name, sum(pgsize) from dbstat group by name"
                                  " order by 2 desc").fetchall()
        except sqlite3.OperationalError:
            per_obj = []
    finally:
        con.close()
    file_bytes = sum(os.path.getsize(str(db) + s) for s in ("", "-wal") if os.path.exists(str(db) + s))
    return {"file_bytes": file_bytes, "articles": n_articles, "versions": n_versions,
            "contents": n_contents, "text_bytes": text_bytes,
            "bytes_per_article": round(file_bytes / max(1, n_articles)),
            "bytes_per_version": round(file_bytes / max(1, n_versions)),
            "objects": dict(per_obj)}


# ------------------------------------------------------------------------------ queries

def query_params(db: Path) -> dict[str, list[dict]]:
    """Representative parameters for each canned query (several cases each)."""
    import sqlite3

    con = sqlite3.connect(db)
    try:
        mid = con.execute("select id from articles order by id limit 1 offset"
                          " (select count(*)/2 from articles)").fetchone()
        last = con.execute("select max(id) from articles").fetchone()
        mid_id, last_id = str(mid[0] if mid else 1), str(last[0] if last and last[0] else 1)
    finally:
        con.close()
    return {
        "latest_flags": [
            {"topic": "", "kind": "", "source": "", "days": ""},
            {"topic": "otan", "kind": "", "source": "", "days": ""},
            {"topic": "mali-russie", "kind": "updated", "source": "", "days": "7"},
        ],
        "topics_overview": [{}],
        "new_today": [{"source": "", "topic": ""}, {"source": "", "topic": "otan"}],
        "new_this_week": [{"source": "", "topic": ""}, {"source": "abamako", "topic": "cedeao"}],
        "updated_articles": [{"source": "", "topic": "", "days": ""},
                             {"source": "", "topic": "otan", "days": "7"}],
        "article_history": [{"id": mid_id}, {"id": last_id}],
        "same_story": [{"id": "", "q": ""}, {"id": mid_id, "q": ""}, {"id": "", "q": "banque"}],
        "crawl_health": [{"stale_days": ""}],
        "search": [{"q": "sécurité"}, {"q": "Wagner"}, {"q": '"mise à jour"'},
                   {"q": "Mali AND (Russie OR Wagner)"}, {"q": "cinema*"}],
    }


def time_queries(db: Path, repeat: int, time_limit_s: float) -> dict:
    from veille.web import DB_NAME, load_metadata, make_datasette

    meta = load_metadata()
    canned = meta["databases"][DB_NAME].get("queries", {})
    ds = make_datasette(db, settings={"sql_time_limit_ms": int(time_limit_s * 1000)})
    params = query_params(db)
    extra = {
        # what the FTS costs by itself, and the table pages' own full-text search
        "fts: contents MATCH, top 20 by rank": (
            "select rowid from contents_fts where contents_fts match :q order by rank limit 20",
            [{"q": "sécurité"}, {"q": "Wagner"}, {"q": "mali AND wagner"}]),
        "fts: articles title/headline MATCH": (
            "select a.id, a.headline from articles_fts f join articles a on a.id = f.rowid"
            " where articles_fts match :q order by rank limit 50",
            [{"q": "otan"}, {"q": "gouvernement"}]),
        "article by url": ("select * from articles where url = :u",
                           [{"u": "https://news.abamako.com/h/1000007.html"}]),
    }
    jobs = [(name, q["sql"] if isinstance(q, dict) else q, params.get(name, [{}]))
            for name, q in canned.items()]
    jobs += [(name, sql, ps) for name, (sql, ps) in extra.items()]
    out = {}

    async def run():
        await ds.invoke_startup()
        database = ds.get_database(DB_NAME)
        for name, sql, cases in jobs:
            try:
                plan = await database.execute("explain query plan " + sql, _fill(sql, cases[0]),
                                              custom_time_limit=int(time_limit_s * 1000))
            except Exception as exc:  # noqa: BLE001 - reported, the other queries still run
                out[name] = {"error": f"{type(exc).__name__}: {exc}"[:200]}
                print(f"  {name:<70} ERROR {out[name]['error']}", flush=True)
                continue
            scans = sorted({r["detail"] for r in plan.rows
                            if r["detail"].startswith("SCAN ") and " USING " not in r["detail"]
                            and not r["detail"].startswith(("SCAN CONSTANT", "SCAN h", "SCAN s",
                                                            "SCAN k", "SCAN l", "SCAN w", "SCAN p"))})
            indexes = sorted({r["detail"].split(" USING ", 1)[1] for r in plan.rows
                              if " USING " in r["detail"]})
            for case in cases:
                times, rows, err = [], None, None
                for _ in range(repeat):
                    t0 = time.perf_counter()
                    try:
                        res = await database.execute(sql, _fill(sql, case),
                                                     custom_time_limit=int(time_limit_s * 1000))
                        rows = len(res.rows)
                    except Exception as exc:  # a time-out is a result too
                        err = f"{type(exc).__name__}: {exc}"[:200]
                        times.append(time.perf_counter() - t0)
                        break
                    times.append(time.perf_counter() - t0)
                label = name + (" " + json.dumps({k: v for k, v in case.items() if v},
                                                 ensure_ascii=False) if any(case.values()) else "")
                out[label] = {"first_ms": round(times[0] * 1000, 1),
                              "median_ms": round(statistics.median(times) * 1000, 1),
                              "rows": rows, "error": err, "full_scans": scans,
                              "indexes": indexes}
                print(f"  {label[:70]:<70} first {times[0] * 1000:8.1f} ms  median "
                      f"{statistics.median(times) * 1000:8.1f} ms  rows {rows}"
                      + (f"  ERROR {err}" if err else ""), flush=True)
            if scans:
                print(f"      full scans: {'; '.join(scans)}", flush=True)

        from bench.briefing_speed import PAGES

        for page in PAGES:  # the briefing and its feed: pages, not SQL
            times, status = [], None
            for _ in range(repeat):
                t0 = time.perf_counter()
                r = await ds.client.get(page)
                times.append(time.perf_counter() - t0)
                status = r.status_code
            out[page] = {"first_ms": round(times[0] * 1000, 1),
                         "median_ms": round(statistics.median(times) * 1000, 1),
                         "rows": None, "error": None if status == 200 else f"HTTP {status}",
                         "full_scans": [], "indexes": []}
            print(f"  {page[:70]:<70} first {times[0] * 1000:8.1f} ms  median "
                  f"{statistics.median(times) * 1000:8.1f} ms  HTTP {status}", flush=True)

    asyncio.run(run())
    return out


def growth(at_sizes: dict[int, dict]) -> None:
    """Each query's median at every size measured, one line each (issue 14: which page's
    cost grows with the store)."""
    sizes = sorted(at_sizes)
    labels = [k for k in at_sizes[sizes[-1]]]
    print("\nmedian ms by store size (versions): " + "  ".join(f"{n:>9,}" for n in sizes))
    for label in labels:
        cells = []
        for n in sizes:
            q = at_sizes[n].get(label) or {}
            cells.append(f"{q['median_ms']:9.1f}" if q.get("median_ms") is not None else f"{'-':>9}")
        print(f"  {label[:70]:<70} " + "  ".join(cells))


def _fill(sql: str, case: dict) -> dict:
    import re

    names = set(re.findall(r"(?<!:):([a-zA-Z_]\w*)", sql))
    return {n: case.get(n, "") for n in names}


# ------------------------------------------------------------------------------ main

def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--versions", type=int, default=1_000_000)
    p.add_argument("--per-article", type=int, default=4)
    p.add_argument("--crawl-size", type=int, default=10_000)
    p.add_argument("--spread", type=int, default=2_000,
                   help="an article's next version comes this many articles later")
    p.add_argument("--batch", type=int, default=250)
    p.add_argument("--text-kb", type=int, default=3)
    p.add_argument("--db", default=str(ROOT / "bench" / "out" / "million.db"))
    p.add_argument("--json", default=str(ROOT / "bench" / "out" / "million.json"))
    p.add_argument("--keep", action="store_true", help="keep the database")
    p.add_argument("--no-flags", action="store_true", help="do not flag topics after each crawl")
    p.add_argument("--no-baseline", action="store_true",
                   help="do not build the SQLite-alone store beside (bench/sqlite_alone.py)")
    p.add_argument("--repeat", type=int, default=5, help="runs of each query (median reported)")
    p.add_argument("--time-limit", type=float, default=60.0, help="seconds per query at most")
    p.add_argument("--queries-only", action="store_true",
                   help="do not build: time the queries on the existing --db (kept with --keep)")
    p.add_argument("--checkpoints", default=None,
                   help="also time the queries when the build reaches these numbers of versions,"
                        " comma-separated (default: 100000,300000 for 1M; else a quarter and a half)")
    args = p.parse_args(argv)
    if args.versions < args.per_article:
        p.error("--versions must be at least --per-article")
    if args.checkpoints is None:
        args.checkpoints = ("100000,300000" if args.versions >= 1_000_000 else
                            f"{args.versions // 4},{args.versions // 2}")
    try:
        args.checkpoint_list = [int(x) for x in args.checkpoints.split(",") if x.strip()]
    except ValueError:
        p.error("--checkpoints: numbers of versions, comma-separated")

    result = {"args": vars(args)}
    if args.queries_only:
        args.keep = True
        # no Store() here: a schema upgrade of a 1M-version store is not what is timed (and
        # may take long); queries on tables the store lacks are reported as errors
        b = {}
        try:
            b = json.loads(Path(args.json).read_text(encoding="utf-8")).get("build", {})
        except (OSError, ValueError):
            pass
        result["build"] = b
    else:
        result["build"] = b = build(args)
        Store(args.db).close()
    if b:
        print(f"\ningest: {b['versions']:,} versions ({b['articles']:,} articles, {b['crawls']} crawls)"
          f" in {b['elapsed_s']:.0f} s: {b['rate_overall']:,.0f} versions/s overall;"
          f" save_batch alone {b['rate_save']:,.0f}/s, with flagging {b['rate_save_and_flag']:,.0f}/s;"
          f" outcomes {b['outcomes']}, {b['flags']:,} flags", flush=True)
        a = b.get("sqlite_alone") or {}
        if a.get("rate"):
            print(f"SQLite alone (same items, same run): {a['rate']:,.0f} versions/s;"
                  f" save_batch at {b['rate_save'] / a['rate']:.2f} of it, with flags and stories"
                  f" at {b['rate_save_and_flag'] / a['rate']:.2f}; {fmt_bytes(a['bytes_per_version'])}"
                  f" per version ({a['bytes_per_version'] / max(1, a['text_per_version']):.2f}x"
                  f" the text)", flush=True)
    db = Path(args.db)
    result["size"] = s = sizes(db)
    print(f"size: {fmt_bytes(s['file_bytes'])} for {s['articles']:,} articles / {s['versions']:,}"
          f" versions: {fmt_bytes(s['bytes_per_article'])} per article,"
          f" {fmt_bytes(s['bytes_per_version'])} per version (texts alone:"
          f" {fmt_bytes(s['text_bytes'] / max(1, s['versions']))} per version:"
          f" {s['bytes_per_version'] / max(1, s['text_bytes'] / max(1, s['versions'])):.2f}x the text)")
    for name, n in list(s["objects"].items())[:12]:
        print(f"    {name:<40} {fmt_bytes(n):>10}")
    print("\nquery latency (through Datasette's connection; first run, then median of"
          f" {args.repeat}):", flush=True)
    result["queries"] = time_queries(db, args.repeat, args.time_limit)
    at_sizes = {int(k): v for k, v in (b.get("checkpoints") or {}).items()}
    at_sizes[s["versions"]] = result["queries"]
    if len(at_sizes) > 1:
        growth(at_sizes)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    print(f"\nresults in {args.json}")
    if not args.keep:
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
