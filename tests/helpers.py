"""Run the real `scrapy crawl` against a replica, as a user would, and read the store; start
and stop the processes tests need (a throwaway redis-server), wait for a server to answer."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

try:  # the distributed extra: pip install 'veille[distributed]'
    import redis
    import scrapy_redis  # noqa: F401
except ImportError:  # pragma: no cover
    redis = None

ROOT = Path(__file__).resolve().parent.parent

# Replicas run on 127.0.0.1: no need to be polite to ourselves, and faults should be
# retried and given up on quickly.
FAST = {
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "CONCURRENT_REQUESTS": "32",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "32",
    "DOWNLOAD_TIMEOUT": "3",
    "RETRY_TIMES": "1",
    "LOG_LEVEL": "INFO",
}


def run_crawl(db: Path, base_url: str, *, spider: str = "abamako", args: dict | None = None,
              settings: dict | None = None, timeout: float = 180, check: bool = True):
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider, "-a", f"base_url={base_url}"]
    for k, v in (args or {}).items():
        cmd += ["-a", f"{k}={v}"]
    for k, v in {**FAST, **(settings or {})}.items():
        cmd += ["-s", f"{k}={v}"]
    env = {**os.environ, "VEILLE_DB": str(db)}
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"scrapy crawl failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    return proc


def rebase_store_urls(db: Path, bases: dict[str, str]) -> None:
    """Make a store crawled from replicas on 127.0.0.1 look like the real sites': every URL
    of a source's articles, pages and skips moves to ``bases[source]`` (e.g.
    ``{"abamako": "https://news.abamako.com"}``), path and query kept. For screenshots."""
    from urllib.parse import urlsplit

    def moved(url, base):
        if not url:
            return url
        parts = urlsplit(url)
        return base.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")

    con = sqlite3.connect(db)
    try:
        for source, base in bases.items():
            for table, cols, where in (("articles", ("url", "canonical_url"), "source = ?"),
                                       ("pages", ("url",), "source = ?"),
                                       ("skips", ("url",), "crawl_id IN (SELECT id FROM crawls WHERE source = ?)")):
                key = "id" if table != "pages" else "url"
                for r in con.execute(f"SELECT {key}, {', '.join(cols)} FROM {table} WHERE {where}", (source,)).fetchall():
                    sets = ", ".join(f"{c} = ?" for c in cols)
                    con.execute(f"UPDATE {table} SET {sets} WHERE {key} = ?", (*[moved(v, base) for v in r[1:]], r[0]))
        con.commit()
    finally:
        con.close()


def rows(db: Path, sql: str, params=()):
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute(sql, params)]
    finally:
        con.close()


def one(db: Path, sql: str, params=()):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, params).fetchone()[0]
    finally:
        con.close()


# the marks of a test module that needs a redis-server (`pytestmark = NEEDS_REDIS`)
NEEDS_REDIS = [
    pytest.mark.skipif(shutil.which("redis-server") is None,
                       reason="redis-server not installed (apt-get install redis-server; .ci/run does)"),
    pytest.mark.skipif(redis is None, reason="pip install 'veille[distributed]' (scrapy-redis, redis)"),
]


def stop_process(proc: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM, then SIGKILL if it is still running ``timeout`` seconds later; reaped."""
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def redis_server(folder: Path):
    """A throwaway redis-server on a free port of 127.0.0.1 (no persistence); yields its URL."""
    binary = shutil.which("redis-server")
    for _ in range(3):  # the free port may be taken between bind and redis-server
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        proc = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(folder), "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=port)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        if proc.poll() is None:
            break
        client.close()
    else:
        raise RuntimeError("redis-server did not start")
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
        stop_process(proc)


def wait_for_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    """Until ``url`` answers (a server ``proc`` started, e.g. ``veille serve``); fails with
    its ``log`` if it exits first, or after ``timeout`` seconds."""
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            assert proc.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, f"{url} did not answer"
            time.sleep(0.2)


def processes_with_db(db: Path) -> list[int]:
    """Pids of live processes started with VEILLE_DB=db (the crawls of one test)."""
    needle = f"VEILLE_DB={db}".encode() + b"\0"
    found = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if needle in (p / "environ").read_bytes() + b"\0":
                    found.append(int(p.name))
            except OSError:
                pass
    return found
