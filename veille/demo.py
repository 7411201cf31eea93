"""`make demo`: the main job end to end on the bundled replica site.

1. generate the replica aBamako site (deterministic, into data/replica/);
2. serve it on 127.0.0.1 (port 8765, or a free one);
3. run `scrapy crawl abamako -a base_url=...` into the store (data/veille.db, or
   $VEILLE_DB), exactly as a user would;
4. crawl again (nothing changed: every article "unchanged", no new version);
5. export the texts and check the reference article against seeds/ byte for byte;
6. print what landed and how to open it in Datasette.
"""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

from storage import Store, default_db_path
from storage.export import export
from veille.cli import summary
from veille.replica import generate_site, load_manifest, serve
from veille.textformat import content_hash

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_4c2eddb1c88bd00e.txt"
LOCAL = {
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "LOG_LEVEL": "WARNING",
}


def free_port(preferred: int = 8765) -> int:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]


def site(path: Path, n_articles: int = 120):
    try:
        m = load_manifest(path)
        if m.n_articles == n_articles:
            return m
    except Exception:
        pass
    return generate_site(path, n_articles=n_articles)


def crawl(base_url: str, db: Path) -> None:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "abamako", "-a", f"base_url={base_url}",
           "-a", "max_pages=10"]
    for k, v in LOCAL.items():
        cmd += ["-s", f"{k}={v}"]
    shown = "scrapy crawl abamako -a base_url=" + base_url + " -a max_pages=10 " + " ".join(
        f"-s {k}={v}" for k, v in LOCAL.items())
    print(f"\n$ VEILLE_DB={db} {shown}", flush=True)
    t = time.monotonic()
    subprocess.run(cmd, cwd=ROOT, env={**os.environ, "VEILLE_DB": str(db)}, check=True)
    print(f"  ({time.monotonic() - t:.1f} s)")


def main() -> int:
    data = ROOT / "data"
    db = Path(os.environ.get("VEILLE_DB") or ROOT / default_db_path()).resolve()
    print("veille demo: crawl a replica of news.abamako.com into SQLite\n")
    m = site(data / "replica")
    print(f"replica: {len(m.articles)} articles in {m.out_dir} "
          f"(reference article in {len(m.reference)} markup variants: {', '.join(m.reference)})")
    with serve(m.out_dir, port=free_port()) as srv:
        print(f"serving it at {srv.base_url}")
        crawl(srv.base_url, db)
        crawl(srv.base_url, db)

    with Store(db) as store:
        print()
        print(summary(store, titles=5))
        out = data / "export"
        n = export(store, out)
    seed = SEED.read_bytes()
    name = f"_{content_hash(seed.decode('utf-8'))[:16]}.txt"
    copies = [p for p in out.iterdir() if p.name.endswith(name)]
    same = all(p.read_bytes() == seed for p in copies)
    print(f"\nexported {n} texts to {out}/ ({shlex.quote('veille export --out ' + str(out))})")
    print(f"reference article: {len(copies)} URLs carry it, stored once; "
          f"byte-identical to seeds/{SEED.name}: {'yes' if copies and same else 'NO'}")
    print(f"\nbrowse it:  make serve     (or: .venv/bin/datasette {db})")
    return 0 if copies and same else 1


if __name__ == "__main__":
    sys.exit(main())
