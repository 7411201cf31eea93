"""A real headless Chromium on a real `veille serve`: the briefing, an article's history,
the Atom feed, the flags page, a diff, the dashboard.

Starts ``python -m veille.web.serve --db <store> --port <free>`` on a store filled by real
crawls (``test_datasette.build_store``), opens each page in Chromium (``--dump-dom`` to
check what is shown once scripts have run, ``--screenshot`` to keep a picture), and stops
the server. The store's URLs are then moved from the replicas' 127.0.0.1 to the real sites'
hosts (``helpers.rebase_store_urls``: ``https://news.abamako.com/h/…``), so that the
screenshots (the README's) look like a real morning. Screenshots go to
``test-output/screenshots/`` at the project root (or ``$VEILLE_SCREENSHOTS``:
``VEILLE_SCREENSHOTS=docs/screenshots`` refreshes the README's). Skipped, with the reason,
when no Chromium is installed (``.ci/run`` installs Debian's ``chromium``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from helpers import ROOT, one, rebase_store_urls, stop_process
from test_datasette import NEW_BODY, build_store

REAL_HOSTS = {"abamako": "https://news.abamako.com", "acotonou": "https://news.acotonou.com"}

CHROMIUM = next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome"))
                 if p), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary (apt-get install chromium)")

SHOTS = Path(os.environ.get("VEILLE_SCREENSHOTS") or ROOT / "test-output" / "screenshots")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    store = build_store(tmp_path_factory.mktemp("browser_store"))
    rebase_store_urls(store["db"], REAL_HOSTS)
    port = free_port()
    log = tmp_path_factory.mktemp("serve_log") / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "veille.web.serve", "--db", str(store["db"]),
                                 "--port", str(port)], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/-/versions.json", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"veille serve did not start:\n{log.read_text()}")
            time.sleep(0.1)
        yield {**store, "base": base, "proc": proc}
    finally:
        stop_process(proc)


def browse(url: str, shot: Path, tmp_path: Path, height: int = 900) -> str:
    """Open ``url`` in headless Chromium; save a screenshot; return the DOM after scripts ran."""
    shot.parent.mkdir(parents=True, exist_ok=True)
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--no-first-run", "--hide-scrollbars", f"--user-data-dir={tmp_path / 'chromium'}",
           f"--window-size=1280,{height}", "--virtual-time-budget=8000",
           f"--screenshot={shot}", "--dump-dom", url]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert shot.is_file() and shot.stat().st_size > 10_000, f"no screenshot for {url}"
    return proc.stdout


def test_flags_diff_and_dashboard_in_chromium(server, tmp_path):
    base, db = server["base"], server["db"]

    dom = browse(f"{base}/veille/latest_flags", SHOTS / "flags.png", tmp_path)
    assert "Latest flags" in dom
    n = one(db, "SELECT count(*) FROM flags")
    assert f"returning {n} rows" in dom
    for topic in ("mali", "securite", "cedeao", "otan"):
        assert f">{topic}<" in dom
    aid = one(db, "SELECT article_id FROM flags ORDER BY created_at DESC, id DESC LIMIT 1")
    assert f'href="/veille/article_history?id={aid}"' in dom

    aid = server["edited_body"]
    dom = browse(f"{base}/veille/article_history?id={aid}", SHOTS / "diff.png", tmp_path, 800)
    assert "Version 2: what changed" in dom and "Version 1: first seen" in dom
    assert f'<p class="added"><ins>{NEW_BODY[0]}</ins></p>' in dom
    assert '<p class="removed"><del>' in dom
    assert "<summary>the whole text of version 2</summary>" in dom  # on demand
    assert "Run SQL" not in dom and 'href="/-/veille.css"' in dom

    vid = one(db, "SELECT id FROM versions WHERE article_id = ? AND diff IS NOT NULL", (aid,))
    dom = browse(f"{base}/veille/versions/{vid}", SHOTS / "version-diff.png", tmp_path)
    assert f'<ins class="vd-add">+{NEW_BODY[0]}</ins>' in dom

    dom = browse(f"{base}/-/dashboards/veille", SHOTS / "dashboard.png", tmp_path, 1700)
    assert "Articles by publication day, by source" in dom and "Flags by the day they were raised" in dom
    # the charts were drawn by vega-embed (one canvas each), the metrics filled in
    assert dom.count('class="marks"') == 5
    articles = one(db, "SELECT count(*) FROM articles")
    assert f">{articles}<" in dom
    print(f"\nscreenshots: {SHOTS}")


def test_briefing_and_its_feed_in_chromium(server, tmp_path):
    import feedparser

    base, db = server["base"], server["db"]
    dom = browse(f"{base}/veille/briefing?since=7d", SHOTS / "briefing.png", tmp_path, 1500)
    assert "What is new on your topics" in dom and "Run SQL" not in dom
    for topic in ("mali", "securite", "cedeao", "otan"):
        assert f'<section class="vb-topic" id="topic-{topic}">' in dom
    assert dom.count('<article class="vb-item') == one(
        db, "SELECT count(*) FROM flags WHERE backfill = 0 AND duplicate_of_flag IS NULL")
    assert "news.abamako.com › h/" in dom and "<mark>" in dom
    assert "the change mentions it" in dom and f"<ins>{NEW_BODY[0]}</ins>" in dom
    # the feed the page links to, read as a feed reader would
    assert 'type="application/atom+xml"' in dom
    with urllib.request.urlopen(f"{base}/veille/briefing.atom?topic=mali", timeout=30) as r:
        feed = feedparser.parse(r.read())
    assert not feed.bozo and feed.feed.title == "veille: mali"
    assert feed.entries and all(e.link.startswith(("https://news.abamako.com/", "https://news.acotonou.com/"))
                                for e in feed.entries)
    assert len(feed.entries) == one(db, "SELECT count(*) FROM flags WHERE topic = 'mali' AND backfill = 0"
                                        " AND duplicate_of_flag IS NULL")
