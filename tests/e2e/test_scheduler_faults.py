"""The run survives what is outside the crawl (issue 10 §5, §6): a notification endpoint
that never finishes answering, and a store whose file is damaged.

- A ``json://`` endpoint on 127.0.0.1 that drips one byte every 2 s: ``scheduler.py
  --once`` gives up at ``[notify] timeout``, logs and reports the late notification, and
  never holds the run's lock meanwhile: a second ``--once`` started while the first is
  stuck on the notification runs (no "another run is in progress"). The notifying process
  does not outlive the run.
- A store whose pages are overwritten with garbage (a real store, made by a real crawl):
  ``--once`` prints one clear line (no traceback), exits 1, and the notification says the
  store is damaged.
"""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from helpers import ROOT, one, rows, stop_process
from test_scheduler import env, once  # the scheduler as cron runs it

pytest.importorskip("apprise")

SCHEDULER = ROOT / "scheduler.py"
SETTINGS = ('{ AUTOTHROTTLE_ENABLED = false, DOWNLOAD_DELAY = 0, DOWNLOAD_TIMEOUT = 3, '
            'RETRY_TIMES = 1, LOG_LEVEL = "WARNING" }')


def config(tmp_path: Path, base_url: str, notify: list[str], timeout: str | None = None) -> Path:
    notify_table = "[notify]\nurls = " + json.dumps(notify) + "\n"
    if timeout:
        notify_table += f'timeout = "{timeout}"\n'
    text = (f'[store]\npath = "veille.db"\n\n'
            f'[[sources]]\nname = "replica"\nspider = "abamako"\nevery = "1h"\n'
            f'args = {{ base_url = "{base_url}" }}\nsettings = {SETTINGS}\n\n'
            f'[[topics]]\nname = "otan"\nquery = "OTAN OR NATO"\n\n'
            f'[[topics]]\nname = "tout"\nquery = "le OR la OR les"\n\n{notify_table}')
    path = tmp_path / "veille.toml"
    path.write_text(text, encoding="utf-8")
    return path


class Receiver:
    """A webhook receiver on 127.0.0.1 that records what apprise's json:// posts."""

    def __init__(self):
        got = self.got = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                n = int(self.headers.get("Content-Length") or 0)
                got.append(json.loads(self.rfile.read(n).decode("utf-8")))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"json://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class Drip:
    """An HTTP endpoint that reads the request, then sends its answer one byte every
    ``every`` seconds, forever: no read timeout ever fires on the client."""

    def __init__(self, every: float = 2.0):
        self.every = every
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"json://127.0.0.1:{self.sock.getsockname()[1]}/hook"
        self.connected = threading.Event()
        self.gone = threading.Event()  # the client closed the connection
        self.stopping = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn):
        conn.settimeout(60)
        try:
            conn.recv(65536)
            self.connected.set()
            for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 100000:
                if self.stopping:
                    return
                conn.sendall(bytes([byte]))
                time.sleep(self.every)
        except OSError:
            self.gone.set()
        finally:
            conn.close()

    def stop(self):
        self.stopping = True
        self.sock.close()


# -------------------------------------------------------------------------- §5 notifications

def test_a_dripping_endpoint_does_not_hold_the_run(make_site, make_replica, tmp_path):
    site = make_site(n_articles=8)
    srv = make_replica(site.out_dir)
    drip = Drip(every=2.0)
    cfg = config(tmp_path, srv.base_url, [drip.url], timeout="20s")
    try:
        first = subprocess.Popen([sys.executable, str(SCHEDULER), "--once", "--all", "--config", str(cfg)],
                                 cwd=tmp_path, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)
        try:
            assert drip.connected.wait(240), "the notification never reached the endpoint"
            assert first.poll() is None  # the first run is waiting on the notification
            # cron's next run, while the first one is stuck on its notification
            second = once(cfg)
            assert "another run is in progress" not in second.stderr, second.stderr
            assert second.returncode == 0, second.stderr
            # and it ran while the first was still notifying (the deadline is 20 s)
            assert first.poll() is None, "the first run ended before the second could overlap it"
            out, err = first.communicate(timeout=240)
        finally:
            if first.poll() is None:
                stop_process(first)
        assert first.returncode == 0, err
        assert "Traceback" not in err
        # logged, and counted in the report
        assert "notification" in err and "no answer within 20 s" in err, err
        assert "notifications: 1 of 1 failed" in out, out
        # the process that was sending is gone with the run: the endpoint saw it close
        assert drip.gone.wait(30), "the notifying process outlived the run"
        db = tmp_path / "veille.db"
        assert [c["status"] for c in rows(db, "select status from crawls")] == ["finished"]
        assert one(db, "select count(*) from flags") > 0
    finally:
        drip.stop()


def test_the_json_report_counts_failed_notifications(make_site, make_replica, tmp_path):
    site = make_site(n_articles=8)
    srv = make_replica(site.out_dir)
    receiver = Receiver()
    with socket.socket() as s:  # a port nobody listens on: refused at once
        s.bind(("127.0.0.1", 0))
        dead = f"json://127.0.0.1:{s.getsockname()[1]}/hook"
    cfg = config(tmp_path, srv.base_url, [receiver.url, dead])
    try:
        p = once(cfg, "--all", "--json")
    finally:
        receiver.stop()
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    notes = report["notifications"]
    assert [n["ok"] for n in notes] == [True, False], notes
    assert notes[1]["error"] and "127.0.0.1" in notes[1]["channel"]
    assert len(receiver.got) == 1 and "## tout" in receiver.got[0]["message"]


# -------------------------------------------------------------------------- §6 damaged store

def _corrupt(db: Path, tables: list[str]) -> list[int]:
    """Overwrite the root page of each table (and of its indexes) with garbage; return
    the pages."""
    con = sqlite3.connect(db)
    page_size = con.execute("pragma page_size").fetchone()[0]
    pages = [r[0] for r in con.execute(
        f"select rootpage from sqlite_master where tbl_name in ({','.join('?' * len(tables))})"
        " and rootpage > 1", tables)]
    con.close()
    with open(db, "r+b") as f:
        for page in pages:
            f.seek((page - 1) * page_size)
            f.write(bytes((i * 37 + 11) % 256 for i in range(page_size)))
    return pages


@pytest.mark.parametrize("where", [
    ["crawls"],  # what the run reads first
    ["contents", "articles", "versions"],  # what the crawl and the flagging read
])
def test_a_damaged_store_is_said_and_notified(make_site, make_replica, tmp_path, where):
    site = make_site(n_articles=8)
    srv = make_replica(site.out_dir)
    receiver = Receiver()
    cfg = config(tmp_path, srv.base_url, [receiver.url])
    db = tmp_path / "veille.db"
    try:
        p = once(cfg, "--all")
        assert p.returncode == 0, p.stderr
        assert not Path(f"{db}-wal").exists()  # everything is in the file
        receiver.got.clear()
        _corrupt(db, where)
        p = once(cfg, "--all")
    finally:
        receiver.stop()
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert "Traceback" not in p.stderr, p.stderr
    damaged = [line for line in p.stderr.splitlines() if "damaged" in line]
    assert damaged and str(db) in damaged[0], p.stderr
    assert len(receiver.got) == 1, receiver.got
    note = receiver.got[0]
    assert "damaged" in note["title"] and "damaged" in note["message"], note
    assert "damaged" in p.stdout
