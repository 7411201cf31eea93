"""Run the real `scrapy crawl` against a replica, as a user would, and read the store; start
and stop the processes tests need (a throwaway redis-server), wait for a server to answer."""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


def crawl_command(base_url: str, spider: str = "abamako", args: dict | None = None,
                  settings: dict | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider, "-a", f"base_url={base_url}"]
    for k, v in (args or {}).items():
        cmd += ["-a", f"{k}={v}"]
    for k, v in {**FAST, **(settings or {})}.items():
        cmd += ["-s", f"{k}={v}"]
    return cmd


def run_crawl(db: Path, base_url: str, *, spider: str = "abamako", args: dict | None = None,
              settings: dict | None = None, timeout: float = 180, check: bool = True,
              preexec_fn=None):
    env = {**os.environ, "VEILLE_DB": str(db)}
    proc = subprocess.run(crawl_command(base_url, spider, args, settings), cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout, preexec_fn=preexec_fn)
    if check and proc.returncode != 0:
        raise AssertionError(f"scrapy crawl failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    return proc


def start_crawl(db: Path, base_url: str, log: Path, *, spider: str = "abamako", args: dict | None = None,
                settings: dict | None = None) -> subprocess.Popen:
    """`scrapy crawl` in the background, its output in ``log``."""
    env = {**os.environ, "VEILLE_DB": str(db)}
    return subprocess.Popen(crawl_command(base_url, spider, args, settings), cwd=ROOT, env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=open(log, "wb"), start_new_session=True)


def wait_until(cond, timeout: float, what: str, proc: subprocess.Popen | None = None, log: Path | None = None):
    """Poll ``cond()`` until it is true (its value is returned); fail after ``timeout``
    seconds, or when ``proc`` exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = cond()
        except Exception:  # a store being created, a file not there yet
            value = None
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log is not None else ""
            raise AssertionError(f"the process exited ({proc.returncode}) while waiting for {what}\n{tail}")
        time.sleep(0.05)
    tail = log.read_text(errors="replace")[-3000:] if log is not None else ""
    raise AssertionError(f"timed out waiting for {what}\n{tail}")


def rss_kb(pid: int) -> int:
    """The resident memory of a process, in KB (``VmRSS`` of /proc/PID/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


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


class Receiver:
    """A webhook receiver on 127.0.0.1 (what apprise's ``json://`` and ``form://`` post to):
    records every request (path, headers, body) and answers ``status``."""

    def __init__(self, status: int = 200):
        received = self.received = []
        code = status

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                n = int(self.headers.get("Content-Length") or 0)
                received.append({"path": self.path, "headers": dict(self.headers),
                                 "body": self.rfile.read(n).decode("utf-8")})
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


class SmallDisk:
    """A folder on a small file system, to make SQLite hit SQLITE_FULL for real.

    A tmpfs of ``size`` bytes mounted on ``path`` when this process may mount one (root, or
    CAP_SYS_ADMIN); otherwise the folder is an ordinary one and the processes given
    :meth:`preexec` (``Popen(preexec_fn=...)``) may not grow any file past ``size`` bytes
    (``RLIMIT_FSIZE``, SIGXFSZ ignored: the write fails with EFBIG, which SQLite reports
    as a full disk). :meth:`grow` gives room again; :meth:`close` unmounts."""

    def __init__(self, path: Path, size: int):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.size = size
        self.mounted = False
        if shutil.which("mount") and os.geteuid() == 0:
            done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(self.path)],
                                  capture_output=True)
            self.mounted = done.returncode == 0

    @property
    def kind(self) -> str:
        return "tmpfs" if self.mounted else "RLIMIT_FSIZE"

    def free(self) -> int:
        st = os.statvfs(self.path)
        return st.f_bavail * st.f_frsize

    def preexec(self):
        """For ``Popen(preexec_fn=...)``: nothing on a tmpfs, else the file size limit."""
        if self.mounted or self.size is None:
            return None
        limit = self.size

        def limit_files():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        return limit_files

    def resize(self, size: int) -> None:
        """The tmpfs made ``size`` bytes (rounded up to pages), or the file size limit."""
        if self.mounted:
            subprocess.run(["mount", "-o", f"remount,size={size}", str(self.path)], check=True)
        self.size = size

    def grow(self) -> None:
        """Room again: a 64 MB tmpfs, or no file size limit."""
        if self.mounted:
            self.resize(64 << 20)
        else:
            self.size = None

    def close(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.path)], check=False)
            self.mounted = False
