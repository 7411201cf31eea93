"""Read-only commands never change a database (issue 10 §4).

- ``veille summary``, ``flags``, ``export`` and ``serve`` open the store read-only: on a
  veille store they leave its file byte for byte as it was, migrate nothing, and work on
  a read-only filesystem (a real read-only bind mount in a mount namespace: ``unshare -m``;
  tests run as root here, where permission bits would not stop a write).
- Given another application's SQLite file (with an ``articles`` table), an HTML file or
  an empty file, every command, readers and writers alike, refuses it with one line and
  exit 2 and leaves it byte-identical (no table, column, trigger, WAL switch or side file).
- A store made by an older veille (a column missing) is not migrated by a reader: it says
  so; the next writer migrates it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from helpers import ROOT, one, stop_process, wait_for_http

READERS = {
    "summary": ["summary"],
    "flags": ["flags"],
    "export": ["export", "--out", "{out}"],
    "export jsonl": ["export", "--out", "{out}", "--format", "jsonl"],
}


def veille(cwd: Path, *args: str, wrap: list[str] | None = None, timeout: float = 60):
    env = {k: v for k, v in os.environ.items() if k != "VEILLE_DB"}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [*(wrap or []), sys.executable, "-m", "veille.cli", *args]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def digest(folder: Path) -> dict[str, str]:
    """Every file of ``folder`` (recursively) with the SHA-256 of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def make_store(path: Path) -> Path:
    """A veille store with a crawl, four articles and a flag, closed (no -wal left)."""
    from storage import Store
    from veille.core.textformat import TextParts, write
    from veille.monitor.flags import flag_crawl
    from veille.topics import Topic

    path.parent.mkdir(parents=True, exist_ok=True)
    with Store(path) as store:
        cid = store.start_crawl("abamako")
        store.save_batch(cid, [
            {"url": f"http://x/{i}", "source": "abamako", "title": title,
             "text": write(TextParts("2026-01", title, "Chapeau.", "", "",
                                     [f"Paragraphe {i} sur {title}."]))}
            for i, title in enumerate(["L'OTAN à Madrid", "Sécurité au Sahel", "Coton", "Pluies"])])
        store.finish_crawl(cid)
        flag_crawl(store, cid, [Topic("otan", "OTAN OR NATO")])
    return path


@pytest.fixture
def store(tmp_path):
    return make_store(tmp_path / "data" / "veille.db")


def foreign_db(path: Path) -> Path:
    """Another application's database: an ``articles`` table of its own, rollback journal."""
    con = sqlite3.connect(path)
    con.execute("create table articles (id integer primary key, url text, title text, body text)")
    con.executemany("insert into articles (url, title, body) values (?, ?, ?)",
                    [(f"https://blog.example/{i}", f"Post {i}", "x" * 200) for i in range(20)])
    con.execute("create table comments (id integer primary key, article_id int, text text)")
    con.commit()
    con.close()
    return path


def html_file(path: Path) -> Path:
    path.write_text("<!DOCTYPE html><html><body><h1>Not a store</h1></body></html>\n")
    return path


def empty_file(path: Path) -> Path:
    path.write_bytes(b"")
    return path


FOREIGN = {"sqlite-with-articles": foreign_db, "html": html_file, "empty-file": empty_file}


def unchanged(store: Path, before: dict[str, str]) -> None:
    """The store's file is byte-identical; beside it, at most the empty ``-wal`` and the
    ``-shm`` index any SQLite reader of a WAL database makes (no transaction in them)."""
    after = digest(store.parent)
    assert after.pop(store.name) == before[store.name]
    for side in ("-wal", "-shm"):
        name = store.name + side
        if name in after and name not in before:
            after.pop(name)
            assert side == "-shm" or Path(f"{store}-wal").stat().st_size == 0
    assert after == {k: v for k, v in before.items() if k != store.name}


def _expand(args: list[str], out: Path) -> list[str]:
    return [a.replace("{out}", str(out)) for a in args]


# --------------------------------------------------------------------- another database

@pytest.mark.parametrize("kind", list(FOREIGN))
@pytest.mark.parametrize("reader", list(READERS))
def test_readers_refuse_what_is_not_a_veille_store(tmp_path, kind, reader):
    folder = tmp_path / "theirs"
    folder.mkdir()
    db = FOREIGN[kind](folder / "other.db")
    before = digest(folder)
    r = veille(tmp_path, *_expand(READERS[reader], tmp_path / "out"), "--db", str(db))
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    line = one_line(r.stderr)
    assert "is not a veille store" in line and str(db) in line, line
    assert digest(folder) == before  # byte-identical, and no -wal, -shm or -journal
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize("kind", list(FOREIGN))
def test_serve_refuses_what_is_not_a_veille_store(tmp_path, kind):
    pytest.importorskip("datasette")
    folder = tmp_path / "theirs"
    folder.mkdir()
    db = FOREIGN[kind](folder / "other.db")
    before = digest(folder)
    env = {k: v for k, v in os.environ.items() if k != "VEILLE_DB"}
    r = subprocess.run([sys.executable, "-m", "veille.web.serve", "--db", str(db), "--port", "9"],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "is not a veille store" in one_line(r.stderr)
    assert digest(folder) == before


@pytest.mark.parametrize("writer", ["backfill", "run"])
def test_writers_refuse_another_applications_database_too(tmp_path, writer):
    """A command that writes creates a store in an empty or missing file, never in
    another application's database."""
    folder = tmp_path / "theirs"
    folder.mkdir()
    db = foreign_db(folder / "other.db")
    before = digest(folder)
    (tmp_path / "veille.toml").write_text(
        '[[topics]]\nname = "otan"\nquery = "OTAN"\n\n[[sources]]\nname = "s"\nspider = "abamako"\n'
        'every = "1h"\nargs = { base_url = "http://127.0.0.1:9" }\n', encoding="utf-8")
    args = ["topics", "backfill", "otan"] if writer == "backfill" else ["run", "--all"]
    r = veille(tmp_path, *args, "--db", str(db))
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "is not a veille store" in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert digest(folder) == before


def test_a_crawl_refuses_another_applications_database(tmp_path):
    folder = tmp_path / "theirs"
    folder.mkdir()
    db = foreign_db(folder / "other.db")
    before = digest(folder)
    env = {**os.environ, "VEILLE_DB": str(db)}
    r = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "abamako", "-a",
                        "base_url=http://127.0.0.1:9", "-s", "LOG_LEVEL=INFO"],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode != 0
    assert "is not a veille store" in r.stderr
    assert digest(folder) == before


# --------------------------------------------------------------------- a veille store

@pytest.mark.parametrize("reader", list(READERS))
def test_readers_leave_a_store_byte_identical(tmp_path, store, reader):
    before = hashlib.sha256(store.read_bytes()).hexdigest()
    r = veille(tmp_path, *_expand(READERS[reader], tmp_path / "out"), "--db", str(store))
    assert r.returncode == 0, r.stderr
    assert hashlib.sha256(store.read_bytes()).hexdigest() == before


def _drop_column(db: Path, table: str, column: str) -> None:
    con = sqlite3.connect(db)
    con.execute(f"alter table {table} drop column {column}")
    con.commit()
    con.close()


def test_readers_do_not_migrate_an_older_store_the_next_writer_does(tmp_path, store):
    """A store from an older veille (emulated: a column of today's schema dropped) is not
    changed by readers; they say what to do. The next command that writes migrates it."""
    _drop_column(store, "crawls", "flagged_at")
    before = digest(store.parent)
    for reader in ("summary", "flags", "export"):
        r = veille(tmp_path, *_expand(READERS[reader], tmp_path / "out"), "--db", str(store))
        assert r.returncode == 1, (reader, r.stderr)
        line = one_line(r.stderr)
        assert "older veille" in line and "crawls.flagged_at" in line, line
    unchanged(store, before)
    (tmp_path / "veille.toml").write_text('[[topics]]\nname = "otan"\nquery = "OTAN"\n', encoding="utf-8")
    r = veille(tmp_path, "topics", "backfill", "otan", "--db", str(store))
    assert r.returncode == 0, r.stderr
    assert "flagged_at" in [c[1] for c in sqlite3.connect(store).execute("pragma table_info(crawls)")]
    r = veille(tmp_path, "summary", "--db", str(store))
    assert r.returncode == 0 and "articles: 4" in r.stdout, r.stderr


# --------------------------------------------------------------------- read-only filesystem

_RO = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"'


def readonly(folder: Path) -> list[str]:
    """A command prefix that runs the command in a mount namespace of its own where
    ``folder`` is a read-only bind mount (the rest of the machine sees no change)."""
    return ["unshare", "-m", "sh", "-c", _RO, "sh", str(folder)]


@pytest.fixture(scope="module")
def ro_mounts(tmp_path_factory):
    """Skip unless this machine lets a test make a read-only mount (root and unshare)."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare (util-linux) is not installed")
    probe = tmp_path_factory.mktemp("ro_probe")
    r = subprocess.run([*readonly(probe), "sh", "-c", f"! touch {probe}/x 2>/dev/null"],
                       capture_output=True, text=True, timeout=30)
    if r.returncode != 0 or (probe / "x").exists():
        pytest.skip(f"cannot make a read-only bind mount here (needs root): {r.stderr.strip()}")
    return readonly


@pytest.mark.parametrize("reader", list(READERS))
def test_readers_work_on_a_read_only_filesystem(tmp_path, store, ro_mounts, reader):
    before = digest(store.parent)
    out = tmp_path / "out"  # written outside the read-only folder
    r = veille(tmp_path, *_expand(READERS[reader], out), "--db", str(store), wrap=ro_mounts(store.parent))
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    if reader == "summary":
        assert "articles: 4" in r.stdout
    elif reader == "flags":
        assert "OTAN à Madrid" in r.stdout
    elif reader == "export":
        assert len(list(out.iterdir())) == 4
    else:
        assert len((out / "articles.jsonl").read_text(encoding="utf-8").splitlines()) == 4
    assert digest(store.parent) == before


def test_a_reader_on_a_read_only_mount_sees_what_a_crawl_is_writing(tmp_path, store, ro_mounts):
    """Where a writer is at work (its -wal and -shm exist), the read-only reader uses
    ``mode=ro`` and sees the committed rows still in the WAL: ``immutable`` would not."""
    code = ("import sqlite3, sys, time\n"
            "c = sqlite3.connect(sys.argv[1]); c.execute('pragma wal_autocheckpoint=0')\n"
            "c.execute(\"update articles set title = 'Titre du WAL' where url = 'http://x/3'\")\n"
            "c.commit(); print('ready', flush=True); sys.stdin.read()\n")
    writer = subprocess.Popen([sys.executable, "-c", code, str(store)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "ready"
        assert Path(f"{store}-wal").stat().st_size > 0
        r = veille(tmp_path, "export", "--out", str(tmp_path / "out"), "--format", "jsonl",
                   "--db", str(store), wrap=ro_mounts(store.parent))
        assert r.returncode == 0, r.stderr
        titles = {json.loads(line)["title"] for line in (tmp_path / "out" / "articles.jsonl").open()}
        assert "Titre du WAL" in titles
    finally:
        writer.stdin.close()
        writer.wait(30)


def test_a_wal_that_cannot_be_read_on_a_read_only_mount_is_said(tmp_path, ro_mounts):
    """A -wal left by a killed crawl (changes not yet in the file) without its -shm, on a
    read-only mount: SQLite cannot read it there and ``immutable`` would ignore it, so the
    reader refuses with a message instead of showing stale data."""
    db = make_store(tmp_path / "data" / "veille.db")
    code = ("import os, sqlite3, sys\n"
            "c = sqlite3.connect(sys.argv[1]); c.execute('pragma wal_autocheckpoint=0')\n"
            "c.execute(\"update articles set title = 'x' where url = 'http://x/1'\"); c.commit()\n"
            "os._exit(0)\n")  # no close: the -wal keeps the change
    subprocess.run([sys.executable, "-c", code, str(db)], check=True, timeout=30)
    os.unlink(f"{db}-shm")
    assert Path(f"{db}-wal").stat().st_size > 0
    before = digest(db.parent)
    r = veille(tmp_path, "summary", "--db", str(db), wrap=ro_mounts(db.parent))
    assert r.returncode == 1, (r.stdout, r.stderr)
    line = one_line(r.stderr)
    assert "-wal" in line and "read-only" in line, line
    assert digest(db.parent) == before


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_works_on_a_read_only_filesystem(tmp_path, store, ro_mounts):
    pytest.importorskip("datasette")
    before = digest(store.parent)
    port = _free_port()
    log = open(tmp_path / "serve.log", "wb")
    env = {k: v for k, v in os.environ.items() if k != "VEILLE_DB"}
    proc = subprocess.Popen([*ro_mounts(store.parent), sys.executable, "-m", "veille.web.serve",
                             "--db", str(store), "--port", str(port)],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/veille"
    try:
        wait_for_http(base + ".json", proc, tmp_path / "serve.log")
        with urllib.request.urlopen(base + "/latest_flags.json?_shape=objects", timeout=10) as r:
            rows = json.loads(r.read())["rows"]
        assert [row["topic"] for row in rows] == ["otan"]
        with urllib.request.urlopen(base + "/articles.json?_shape=objects", timeout=10) as r:
            assert len(json.loads(r.read())["rows"]) == 4
    finally:
        stop_process(proc)
        log.close()
    assert digest(store.parent) == before
    assert one(store, "select count(*) from articles") == 4
