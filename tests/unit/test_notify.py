"""Notifications through apprise, to a webhook receiver on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

pytest.importorskip("apprise")
# apprise imports the deprecated imghdr module on Python 3.11-3.12
pytestmark = pytest.mark.filterwarnings("ignore:'imghdr' is deprecated:DeprecationWarning")

from veille.report.notify import INSTALL_HINT, notify  # noqa: E402

REPORT = {
    "generated_at": "2026-01-05T08:00:00.000Z",
    "crawls": [{"id": 7, "source": "abamako", "status": "finished", "fetched": 12, "new": 1,
                "updated": 1, "unchanged": 10, "failed": 0, "finished_at": "2026-01-05T07:59:00.000Z"}],
    "topics": {"otan": [
        {"kind": "new", "in_change": True, "title": "Sommet de l'OTAN à Madrid",
         "published": "2026-01-04", "url": "http://x/3", "source": "abamako", "terms": ["OTAN"],
         "article_id": 3, "content_hash": "ab" * 32, "flag_id": 1, "also_at": []},
        {"kind": "updated", "in_change": False, "title": "Le Mali et l'Alliance",
         "published": "2026-01-02", "url": "http://x/1", "source": "abamako", "terms": ["OTAN"],
         "article_id": 1, "content_hash": "cd" * 32, "flag_id": 2, "also_at": []},
    ]},
    "failures": [],
}
EMPTY = {**REPORT, "topics": {}, "failures": []}
FAILED_ONLY = {**EMPTY, "failures": [{"id": 8, "source": "other", "status": "failed", "reason": "timeout"}]}


class Receiver:
    """A tiny webhook receiver: records every request (path, headers, body)."""

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


@pytest.fixture
def receiver():
    r = Receiver()
    try:
        yield r
    finally:
        r.close()


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    return port


def test_json_webhook_receives_the_report(receiver):
    url = f"json://127.0.0.1:{receiver.port}/hook"
    assert notify([url], REPORT) == [(url, True, "")]
    assert len(receiver.received) == 1
    got = receiver.received[0]
    assert got["path"] == "/hook"
    payload = json.loads(got["body"])
    assert "otan" in payload["message"]
    assert "Sommet de l'OTAN à Madrid" in payload["message"] and "http://x/3" in payload["message"]
    assert "(change does not mention the topic)" in payload["message"]
    assert payload["title"] == "veille: 1 new, 1 updated on otan"


def test_form_webhook_and_custom_title(receiver):
    url = f"form://127.0.0.1:{receiver.port}/form"
    assert notify([url], REPORT, title="Veille du matin") == [(url, True, "")]
    fields = urllib.parse.parse_qs(receiver.received[0]["body"])
    assert fields["title"] == ["Veille du matin"]
    assert "Le Mali et l'Alliance" in fields["message"][0]


def test_a_failing_channel_does_not_stop_the_others(receiver):
    dead = f"json://127.0.0.1:{closed_port()}/hook"
    bad = "nosuchscheme://whatever"
    good = f"json://127.0.0.1:{receiver.port}/hook"
    results = notify([dead, bad, good], REPORT)
    assert [(u, ok) for u, ok, _ in results] == [(dead, False), (bad, False), (good, True)]
    assert "connection" in results[0][2].lower()
    assert "not a valid apprise URL" in results[1][2]
    assert len(receiver.received) == 1


def test_a_channel_answering_an_error_is_reported():
    r = Receiver(status=500)
    try:
        url = f"json://127.0.0.1:{r.port}/hook"
        [(u, ok, err)] = notify([url], REPORT)
        assert (u, ok) == (url, False) and err
        assert len(r.received) == 1
    finally:
        r.close()


def test_nothing_is_sent_without_news(receiver):
    url = f"json://127.0.0.1:{receiver.port}/hook"
    assert notify([url], EMPTY) == []
    assert notify([], REPORT) == []
    assert receiver.received == []


def test_failures_alone_are_sent(receiver):
    url = f"json://127.0.0.1:{receiver.port}/hook"
    assert notify([url], FAILED_ONLY) == [(url, True, "")]
    payload = json.loads(receiver.received[0]["body"])
    assert "timeout" in payload["message"] and payload["type"] == "warning"
    assert payload["title"] == "veille: 1 crawl failed"


def test_without_apprise_the_error_says_how_to_install(monkeypatch, receiver):
    monkeypatch.setitem(sys.modules, "apprise", None)  # import apprise -> ImportError
    url = f"json://127.0.0.1:{receiver.port}/hook"
    assert notify([url], REPORT) == [(url, False, INSTALL_HINT)]
    assert "pip install 'veille[notify]'" in INSTALL_HINT
    assert receiver.received == []


def test_an_endpoint_that_drips_is_cut_off_at_the_deadline(receiver):
    """A server that answers one byte every 2 s (no read timeout ever fires): the send is
    cut off at the deadline, the others still arrive, and the sending process is gone
    (the server sees the connection closed)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    gone = threading.Event()

    def drip():
        conn, _ = listener.accept()
        conn.recv(65536)
        try:
            for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"x" * 1000:
                conn.sendall(bytes([byte]))
                if gone.wait(2):
                    return
        except OSError:
            gone.set()
        finally:
            conn.close()

    threading.Thread(target=drip, daemon=True).start()
    slow = f"json://127.0.0.1:{listener.getsockname()[1]}/hook"
    good = f"json://127.0.0.1:{receiver.port}/hook"
    try:
        results = notify([slow, good], REPORT, deadline=8)
    finally:
        listener.close()
    assert results[0] == (slow, False, "no answer within 8 s (cut off)")
    assert results[1] == (good, True, "")
    assert len(receiver.received) == 1
    assert gone.wait(20), "the sending process still holds the connection"
