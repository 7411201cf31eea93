"""Datasette cannot be stalled by one request (issue 10, point 2).

Reproduced on the previous main: on a store where an article of 400 paragraphs became one
of 3,000 others, ``/veille/updated_articles`` ran for minutes despite
``sql_time_limit_ms`` (a Python SQL function, ``veille_diff_html``, cannot be interrupted);
three such requests took Datasette's three SQL threads and ``select 1`` from another client
waited for them. An anonymous arbitrary-SQL GET calling ``veille_diff_html`` on two
generated 1,500-paragraph texts did the same.

Here the real ``veille serve`` process gets those three requests at once, then ``select 1``
from another client: ``select 1`` answers (a client that waited for the heavy requests as on
the previous main would give up first), and each heavy request returns a result or an error.
Nothing is asserted on how fast. Then ``--no-sql``, and the default for an address that is
not this machine's.
"""

from __future__ import annotations

import json
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from helpers import ROOT, stop_process

from storage import Store
from veille.core.textformat import TextParts, write
from veille.web.serve import is_local, sql_allowed

pytestmark = pytest.mark.timeout(600)

WORDS = ("le la les des une un du de et à en pour par sur dans avec sécurité armée Bamako "
         "gouvernement élection président ministre réunion société économie accord région").split()

HUGE_SQL = """
with recursive n(i) as (select 1 union all select i + 1 from n where i < 1500)
select length(veille_diff_html(
  (select ' date 2024-01 A - x.test' || char(10, 10) || 'A' || char(10, 10)
          || group_concat('Paragraphe ' || i || ' sur la sécurité au Sahel, la défense et le reste.',
                          char(10, 10, 10, 10)) from n),
  (select ' date 2024-01 B - x.test' || char(10, 10) || 'B' || char(10, 10)
          || group_concat('Autre paragraphe ' || (i * 7) || ' sur la sécurité du pays et le reste.',
                          char(10, 10, 10, 10)) from n))) as n
"""


def paragraphs(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 20))).capitalize() + f" ({seed}-{k})."
            for k in range(n)]


def text(paras: list[str], headline: str = "Un long article") -> str:
    return write(TextParts("2024-05", f"{headline} - x.test", headline, "", "", paras))


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("bounded") / "store.db"
    with Store(path) as s:
        c = s.start_crawl("abamako")
        s.save_batch(c, [{"url": "https://x.test/long.html", "source": "abamako",
                          "text": text(paragraphs(400, 1))}]
                     + [{"url": f"https://x.test/{k}.html", "source": "abamako",
                         "text": text(paragraphs(5, 10 + k), f"Article {k}")} for k in range(20)])
        s.finish_crawl(c)
        c = s.start_crawl("abamako")
        s.save_batch(c, [{"url": "https://x.test/long.html", "source": "abamako",
                          "text": text(paragraphs(3000, 2))}])
        s.finish_crawl(c)
        long_id = s.article("https://x.test/long.html")["id"]
    return path, long_id


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Served:
    def __init__(self, db, *args):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "veille.web.serve", "--db", str(db), "--port", str(self.port), *args],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                self.get("/-/versions.json", timeout=5)
                break
            except OSError:
                assert self.proc.poll() is None, self.proc.stdout.read()
                assert time.monotonic() < deadline, "veille serve did not start"
                time.sleep(0.2)

    def get(self, path: str, timeout: float = 30) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.base + path, timeout=timeout) as r:
                return r.status, r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8", "replace")

    def stop(self):
        stop_process(self.proc)


def sql_path(sql: str) -> str:
    return "/veille.json?" + urllib.parse.urlencode({"sql": sql, "_shape": "array"})


def test_heavy_requests_do_not_stall_the_server(store):
    db, long_id = store
    served = Served(db)
    try:
        heavy = {"updated_articles": "/veille/updated_articles",
                 "article_history": f"/veille/article_history?id={long_id}",
                 "huge texts in SQL": sql_path(HUGE_SQL)}
        results: dict[str, tuple[int, str] | BaseException] = {}

        def fetch(name, path):
            try:
                results[name] = served.get(path, timeout=400)
            except BaseException as exc:  # reported below
                results[name] = exc

        threads = [threading.Thread(target=fetch, args=item) for item in heavy.items()]
        for t in threads:
            t.start()
        time.sleep(1.0)  # the three are running, one per SQL thread of Datasette
        status, body = served.get(sql_path("select 1 as one"), timeout=30)
        assert status == 200 and json.loads(body) == [{"one": 1}]
        for t in threads:
            t.join(timeout=450)
        for name, got in results.items():
            assert not isinstance(got, BaseException), (name, got)
            status, body = got
            # a result, or Datasette's error page (the time limit): never a hang
            assert status == 200 or (status in (400, 500) and "too long" in body.lower()), (name, status, body[:500])
        status, body = results["updated_articles"]
        assert status == 200 and "(2-" in body  # the long update's added paragraphs are shown
    finally:
        served.stop()


def test_no_sql_serves_the_canned_queries_only(store):
    db, _ = store
    served = Served(db, "--no-sql")
    try:
        status, _ = served.get(sql_path("select 1"))
        assert status == 403
        status, body = served.get("/veille/updated_articles.json?_shape=array")
        assert status == 200 and json.loads(body)
        status, body = served.get("/veille")
        assert status == 200 and "/-/dashboards/veille" not in body
    finally:
        served.stop()


def test_arbitrary_sql_is_on_locally_and_off_when_exposed():
    assert is_local("127.0.0.1") and is_local("localhost") and is_local("::1") and is_local("[::1]")
    assert not is_local("0.0.0.0") and not is_local("192.168.1.4") and not is_local("example.org")
    assert sql_allowed("127.0.0.1", None) and not sql_allowed("0.0.0.0", None)
    assert sql_allowed("0.0.0.0", True) and not sql_allowed("127.0.0.1", False)
