"""A replica server in a child process, and its hit log: what tests and benchmarks use.

``serve(site_dir, faults=...)`` starts ``python -m replica serve DIR`` (the server of
:mod:`replica.httpd`) in a child process and returns a :class:`ReplicaServer`: its
``base_url``, ``set_faults`` (the fault map of :mod:`replica.faults`), the hit log
(``hits``, ``mark``, ``stats``) and ``stop``. What the server serves and logs is in
:mod:`replica.httpd`.

Decisions:
- The server runs in a child process, apart from the crawler under test: the two do not
  share an event loop or a GIL, and the server's CPU is the child's
  (``bench/crawl_speed.py`` reads it with ``getrusage(RUSAGE_CHILDREN)``).
- The child announces its base URL as the first line on stdout once it listens, and
  exits when its stdin pipe closes, so a test process that dies takes its servers with it.
- The hit log is a file the child appends to (one JSON line per request); after
  ``stop`` the final hits stay readable though the temporary folder is gone.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from replica.errors import ReplicaArgumentError, ReplicaServerError

__all__ = ["ReplicaServer", "read_hits", "serve", "summarize"]

REPO_ROOT = Path(__file__).resolve().parents[1]


def read_hits(path, since: int = 0) -> list[dict]:
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return []
    return [json.loads(x) for x in lines[since:] if x.strip()]


def summarize(hits: list[dict]) -> dict:
    by_status: dict[int, int] = {}
    for h in hits:
        by_status[h["status"]] = by_status.get(h["status"], 0) + 1
    return {
        "requests": len(hits),
        "by_status": by_status,
        "200": by_status.get(200, 0),
        "304": by_status.get(304, 0),
        "bytes": sum(h["bytes"] for h in hits),
        "wire": sum(h["wire"] for h in hits),
    }


class ReplicaServer:
    """A replica server running in a child process; see :func:`serve`."""

    def __init__(self, site_dir, *, host="127.0.0.1", port=0, faults=None, gzip=False,
                 rewrite_base=True, hit_log=None, start_timeout=20.0):
        self.site_dir = Path(site_dir)
        self._tmp = Path(tempfile.mkdtemp(prefix="veille-replica-"))
        self.hit_log = Path(hit_log) if hit_log else self._tmp / "hits.jsonl"
        self.hit_log.touch()
        self.faults_file = self._tmp / "faults.json"
        self.faults_file.write_text(json.dumps(faults or {}), encoding="utf-8")
        self.server_log = self._tmp / "server.log"
        self._final_hits: list[dict] | None = None
        cmd = [sys.executable, "-m", "replica", "serve", str(self.site_dir),
               "--host", host, "--port", str(port), "--hit-log", str(self.hit_log),
               "--faults", str(self.faults_file), "--watch-stdin"]
        if gzip:
            cmd.append("--gzip")
        if not rewrite_base:
            cmd.append("--no-rewrite")
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
        self._errf = open(self.server_log, "wb")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._errf, env=env, start_new_session=True)
        line = b""
        deadline = time.monotonic() + start_timeout
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            r, _, _ = select.select([self.proc.stdout], [], [], max(0.0, left))
            if not r:
                self.stop()
                raise ReplicaServerError("replica server did not start in time")
            chunk = os.read(self.proc.stdout.fileno(), 256)
            if not chunk:
                self.stop()
                raise ReplicaServerError("replica server exited: " + self.server_log.read_text(errors="replace")[-2000:])
            line += chunk
        self.base_url = line.decode().strip()
        self.port = int(self.base_url.rsplit(":", 1)[1])

    # -- use
    def url(self, path: str = "/") -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def set_faults(self, faults: dict | None) -> None:
        """Replace the faults passed at start (the site's faults.json still applies)."""
        tmp = self.faults_file.with_suffix(".new")
        tmp.write_text(json.dumps(faults or {}), encoding="utf-8")
        os.replace(tmp, self.faults_file)

    def hits(self, since: int = 0) -> list[dict]:
        if self._final_hits is not None:
            return self._final_hits[since:]
        return read_hits(self.hit_log, since)

    def mark(self) -> int:
        """The number of hits logged so far: pass it as ``since`` to count later ones."""
        return len(self.hits())

    def stats(self, since: int = 0) -> dict:
        """requests, by_status, 200, 304, bytes (bodies), wire (headers + bodies)."""
        return summarize(self.hits(since))

    @property
    def running(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout: float = 5.0) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                if f:
                    f.close()
            except OSError:
                pass
        self._errf.close()
        if self._final_hits is None:
            self._final_hits = read_hits(self.hit_log)
        shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def __del__(self):
        try:
            if self.proc.poll() is None:
                self.stop()
        except Exception:
            pass


def serve(site_dir, port: int = 0, faults: dict | None = None, *, host: str = "127.0.0.1",
          gzip: bool = False, rewrite_base: bool = True, hit_log=None,
          engine: str = "python") -> ReplicaServer:
    """Start a replica server for ``site_dir`` in a child process and return it.

    Use as a context manager (``with serve(d) as srv: ...``) or call ``srv.stop()``.
    ``faults`` is a fault map (see the module doc) merged over ``site_dir/faults.json``;
    change it later with ``srv.set_faults``. The child also exits when this process dies
    (it watches its stdin pipe).
    """
    if engine != "python":
        raise ReplicaArgumentError(f"engine {engine!r} not available (only 'python'; no nginx here)")
    return ReplicaServer(site_dir, host=host, port=port, faults=faults, gzip=gzip,
                         rewrite_base=rewrite_base, hit_log=hit_log)
