"""`make demo`: the whole loop on the bundled replica site.

1. generate the replica aBamako site (deterministic, into data/replica/) and serve it on
   127.0.0.1;
2. write a config (data/demo/veille.toml): the replica as source, three topics;
3. run the scheduler once (`python scheduler.py --once --all`): the first crawl, and every
   article on a topic flagged "new";
4. change the site: articles edited (one gains a paragraph on a topic, one changes
   elsewhere in an article on a topic, one only in its boilerplate: counters, sidebar,
   comments), and new articles added;
5. run the scheduler once more: conditional re-crawl, and its report of what is new or
   updated on each topic; the boilerplate-only edit is flagged nowhere;
6. export the texts and check the reference article against seeds/ byte for byte.

The demo's store is data/demo/veille.db (made anew each time); browse it with
`veille serve --db data/demo/veille.db`.
"""

from __future__ import annotations

import json
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from storage import Store
from storage.export import export
from veille.cli.main import summary
from replica import add_articles, edit_articles, generate_site, serve
from veille.core.textformat import content_hash, read
from veille.topics import parse_query

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_4c2eddb1c88bd00e.txt"
DATA = ROOT / "data"
TOPICS = {
    "otan": "OTAN OR NATO",
    "securite": "sécurité OR terrorisme OR jihadistes",
    "mali-russie": "Mali AND (Russie OR Wagner)",
}
CONFIG = """# written by `make demo`: the replica of news.abamako.com as a source, three topics
[store]
path = "veille.db"

[[sources]]
name = "abamako"
spider = "abamako"
every = "30m"
timeout = "10m"
# the demo checks every known article on each run (the default policy would re-check old
# articles only when they are due)
args = {{ base_url = "{base_url}", revisit = "all", max_pages = "10" }}
settings = {{ AUTOTHROTTLE_ENABLED = false, DOWNLOAD_DELAY = 0, CONCURRENT_REQUESTS_PER_DOMAIN = 16, LOG_LEVEL = "WARNING" }}
{topics}
"""


def free_port(preferred: int = 8765) -> int:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]


def step(title: str) -> None:
    print(f"\n=== {title}", flush=True)


def scheduler_once(config: Path, *, brief: bool = False) -> int:
    """Run the scheduler once; ``brief``: count the report's flags instead of printing it."""
    cmd = [sys.executable, "scheduler.py", "--once", "--all", "--config", str(config)]
    if brief:
        cmd.append("--json")
    print(f"$ python {' '.join(cmd[1:]).replace(str(config), str(config.relative_to(ROOT)))}", flush=True)
    t = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE if brief else None, text=True)
    if brief and proc.stdout.strip():
        report = json.loads(proc.stdout)
        for topic, items in report.get("topics", {}).items():
            print(f"  {topic}: {len(items)} article(s) flagged new")
        for c in report.get("crawls", []):
            print(f"  crawl #{c['id']} {c['source']} {c['status']}: fetched {c['fetched']}, new {c['new']}")
    print(f"  (exit {proc.returncode}, {time.monotonic() - t:.1f} s)", flush=True)
    return proc.returncode


def flags_table(db: Path, crawl_id: int) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(
            "SELECT f.topic, f.kind, f.in_change, a.headline, a.url FROM flags f"
            " JOIN articles a ON a.id = f.article_id WHERE f.crawl_id = ? ORDER BY f.topic, f.kind, a.id",
            (crawl_id,)).fetchall()
    finally:
        con.close()


def main() -> int:
    demo = DATA / "demo"
    shutil.rmtree(demo, ignore_errors=True)
    demo.mkdir(parents=True)
    db = demo / "veille.db"
    config = demo / "veille.toml"
    print("veille demo: watch a replica of news.abamako.com, flag what is new or changed on three topics")

    step("1. the replica site")
    site = generate_site(DATA / "replica", n_articles=120)
    print(f"{len(site.articles)} articles in {site.out_dir.relative_to(ROOT)}; the reference article in "
          f"{len(site.reference)} markup variants ({', '.join(site.reference)})")
    with serve(site.out_dir, port=free_port()) as srv:
        print(f"served at {srv.base_url}")
        topics = "".join(f'\n[[topics]]\nname = "{n}"\nquery = \'{q}\'\n' for n, q in TOPICS.items())
        config.write_text(CONFIG.format(base_url=srv.base_url, topics=topics), encoding="utf-8")
        step(f"2. the config: {config.relative_to(ROOT)}")
        print(config.read_text(encoding="utf-8").strip())

        step("3. first run: crawl everything, flag every article on a topic")
        rc1 = scheduler_once(config, brief=True)

        step("4. the site changes")
        texts = {int(i): read(a["text"]) for i, a in site.articles.items()}
        ids = sorted(i for i in texts if i not in set(site.reference.values()))
        on_topic = next(i for i in reversed(ids)
                        if "mali" in texts[i].headline.lower() and "otan" not in a_text(texts[i]))
        elsewhere = next(i for i in reversed(ids) if i != on_topic and "Mali" in a_text(texts[i])
                         and "Russie" in a_text(texts[i]))
        queries = [parse_query(q) for q in TOPICS.values()]
        boiler = next(i for i in reversed(ids) if i not in (on_topic, elsewhere)
                      and any(q.matches(a_text(texts[i])) for q in queries))
        otan_line = ("Selon une source diplomatique, l'OTAN suit de près l'évolution de la situation "
                     "sécuritaire dans la région.")
        edit_articles(site.out_dir, [on_topic], body=texts[on_topic].paragraphs + [otan_line])
        edit_articles(site.out_dir, [elsewhere],
                      body=texts[elsewhere].paragraphs[:-1] + ["Le bilan a été revu : la rencontre a réuni 300 participants."])
        edit_articles(site.out_dir, [boiler], boilerplate_only=True)
        new_ids = add_articles(site.out_dir, 4)
        print(f"- /h/{on_topic}.html gains a paragraph on the OTAN: {otan_line!r}")
        print(f"- /h/{elsewhere}.html (on Mali and Russia) changes its last paragraph, not on any topic")
        print(f"- /h/{boiler}.html, on a topic, changes only in its boilerplate (view counter, sidebar, comments)")
        print(f"- {len(new_ids)} new articles: " + ", ".join(f"/h/{i}.html" for i in new_ids))

        step("5. second run: conditional re-crawl, flags, report")
        rc2 = scheduler_once(config)

    con = sqlite3.connect(db)
    crawl_id = con.execute("SELECT max(id) FROM crawls").fetchone()[0]
    boiler_flags = con.execute(
        "SELECT count(*) FROM flags f JOIN articles a ON a.id = f.article_id WHERE a.url LIKE ? AND f.crawl_id = ?",
        (f"%/h/{boiler}.html", crawl_id)).fetchone()[0]
    boiler_versions = con.execute(
        "SELECT count(*) FROM versions v JOIN articles a ON a.id = v.article_id WHERE a.url LIKE ?",
        (f"%/h/{boiler}.html",)).fetchone()[0]
    con.close()
    print("\nflags of the second run (topic, kind, in_change, headline):")
    for topic, kind, in_change, headline, url in flags_table(db, crawl_id):
        print(f"  {topic:12} {kind:8} {in_change}  {headline[:70]}")
    print(f"boilerplate-only edit (/h/{boiler}.html): {boiler_versions} version(s), "
          f"{boiler_flags} flag(s) in the second run")

    step("6. the store")
    with Store(db) as store:
        print(summary(store, titles=3))
        out = demo / "export"
        n = export(store, out)
    seed = SEED.read_bytes()
    name = f"_{content_hash(seed.decode('utf-8'))[:16]}.txt"
    copies = [p for p in out.iterdir() if p.name.endswith(name)]
    same = bool(copies) and all(p.read_bytes() == seed for p in copies)
    print(f"\nexported {n} texts to {out.relative_to(ROOT)}/; the reference article ({len(copies)} URLs, "
          f"stored once) is byte-identical to seeds/{SEED.name}: {'yes' if same else 'NO'}")
    print(f"\nbrowse it:  veille serve --db {db.relative_to(ROOT)}   (Datasette, read-only)")
    ok = rc1 == 0 and rc2 == 0 and same and boiler_flags == 0 and boiler_versions == 1
    return 0 if ok else 1


def a_text(parts) -> str:
    return " ".join([parts.headline, *parts.paragraphs])


if __name__ == "__main__":
    sys.exit(main())
