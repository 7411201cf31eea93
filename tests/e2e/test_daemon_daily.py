"""The daemon as it is used (issue 12 §2): it takes config changes without a restart (SIGHUP,
or the file saved), `veille topics add` says whether it took the topic, and the daily digest
sends one message a day instead of one per run.

Real processes: `veille watch`, `veille topics add`, `veille run`, a replica server, and an
HTTP endpoint that receives the notifications (apprise's ``json://``).
"""

from __future__ import annotations

import datetime as dt
import http.server
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from helpers import FAST, one, rows, stop_process

pytest.importorskip("apprise")

VEILLE = [sys.executable, "-m", "veille.cli"]


def env() -> dict:
    e = {k: v for k, v in os.environ.items() if k != "VEILLE_DB"}
    e["PYTHONUNBUFFERED"] = "1"
    return e


def source(name: str, base_url: str, spider: str = "abamako") -> str:
    settings = ", ".join(f"{k} = {json.dumps(v)}" for k, v in FAST.items())
    return (f'[[sources]]\nname = "{name}"\nspider = "{spider}"\nevery = "1h"\n'
            f'args = {{ base_url = "{base_url}" }}\nsettings = {{ {settings} }}\n')


def wait_for(what, timeout: float, label: str, proc=None, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            got = what()
        except sqlite3.OperationalError:  # the store exists, its schema is not committed yet
            got = None
        if got:
            return got
        if proc is not None and proc.poll() is not None:
            break
        time.sleep(0.2)
    raise AssertionError(f"no {label}" + (f"; log:\n{log.read_text()[-4000:]}" if log else ""))


def veille(cwd: Path, *args, timeout: float = 120):
    return subprocess.run([*VEILLE, *args], cwd=cwd, env=env(), capture_output=True, text=True,
                          timeout=timeout)


def test_daemon_reloads_its_config_and_topics_add_says_so(tmp_path, make_site, make_replica):
    a = make_replica(make_site(n_articles=10).out_dir)
    b = make_replica(make_site(n_articles=8, seed=3, first_id=400000).out_dir)
    cfg = tmp_path / "veille.toml"
    base = '[store]\npath = "data/veille.db"\n\n' + source("first", a.base_url) + \
        '\n[[topics]]\nname = "mali"\nquery = "Mali"\n'
    cfg.write_text(base, encoding="utf-8")
    db = tmp_path / "data" / "veille.db"
    p = veille(tmp_path, "topics", "add", "otan", "OTAN")
    assert p.returncode == 0 and "no daemon is running on this config" in p.stdout
    log = tmp_path / "watch.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([*VEILLE, "watch", "--log-level", "INFO"], cwd=tmp_path, env=env(),
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        status = tmp_path / "data" / ".veille-daemon.json"
        wait_for(lambda: db.exists() and rows(db, "SELECT * FROM crawls WHERE status = 'finished'"),
                 90, "first crawl", proc, log)
        wait_for(status.exists, 10, "status file", proc, log)
        assert json.loads(status.read_text())["pid"] == proc.pid
        # topics add: the daemon is told and takes it
        p = veille(tmp_path, "topics", "add", "bamako", "Bamako")
        assert p.returncode == 0, p.stderr
        assert f"the running daemon (pid {proc.pid}) took it" in p.stdout, (p.stdout, log.read_text()[-3000:])
        assert one(db, "SELECT count(*) FROM topics WHERE name = 'bamako'") == 1
        # the file saved with a new source: reloaded, the source crawled
        cfg.write_text(cfg.read_text() + "\n" + source("second", b.base_url), encoding="utf-8")
        wait_for(lambda: rows(db, "SELECT * FROM crawls WHERE source = 'second' AND status = 'finished'"),
                 90, "crawl of the new source", proc, log)
        assert "config reloaded (file changed)" in log.read_text()
        # a broken config is refused, the running one kept
        good = cfg.read_text()
        cfg.write_text(good + "\n[[topics]]\nname = \"bad\"\nquery = \"(Mali\"\n", encoding="utf-8")
        wait_for(lambda: "config not reloaded" in log.read_text(), 20, "refusal", proc, log)
        assert "bad query" in json.loads(status.read_text())["error"]
        assert proc.poll() is None
        cfg.write_text(good, encoding="utf-8")
        # SIGHUP
        os.kill(proc.pid, signal.SIGHUP)
        wait_for(lambda: "config reloaded (SIGHUP)" in log.read_text(), 20, "SIGHUP reload", proc, log)
        # a removed source loses its job
        cfg.write_text(good.split("\n[[sources]]\nname = \"second\"")[0], encoding="utf-8")
        wait_for(lambda: "removed ['second']" in log.read_text(), 20, "removal", proc, log)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0
        assert not status.exists()
    finally:
        if proc.poll() is None:
            stop_process(proc)
    assert "Traceback" not in log.read_text()


class Hook(http.server.BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        Hook.received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def hook():
    Hook.received = []
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield f"json://127.0.0.1:{srv.server_address[1]}/hook", Hook.received
    finally:
        srv.shutdown()


def test_digest_is_one_message_a_day(tmp_path, make_site, make_replica, hook):
    url, received = hook
    site = make_site(n_articles=12)
    srv = make_replica(site.out_dir)
    at = (dt.datetime.now() - dt.timedelta(minutes=1)).strftime("%H:%M")
    cfg = tmp_path / "veille.toml"
    cfg.write_text('[store]\npath = "data/veille.db"\n\n' + source("replica", srv.base_url)
                   + '\n[[topics]]\nname = "mali"\nquery = "Mali"\n'
                   + f'\n[notify]\nurls = ["{url}"]\nmode = "digest"\ndigest_at = "{at}"\n', encoding="utf-8")
    p = veille(tmp_path, "run")
    assert p.returncode == 0, p.stderr
    db = tmp_path / "data" / "veille.db"
    flags = one(db, "SELECT count(*) FROM flags WHERE duplicate_of_flag IS NULL")
    assert flags > 0
    assert len(received) == 1, received  # the digest, not a message per run
    msg = received[0]
    assert msg["title"].startswith(f"veille digest: {flags} new, 0 updated on mali")
    assert "## mali:" in msg["message"] and srv.base_url in msg["message"]
    [digest] = rows(db, "SELECT * FROM digests")
    assert (digest["status"], digest["flags"]) == ("sent", flags)
    # more runs the same day: no more messages
    for _ in range(2):
        p = veille(tmp_path, "run", "--all")
        assert p.returncode == 0, p.stderr
    assert len(received) == 1 and one(db, "SELECT count(*) FROM digests") == 1
