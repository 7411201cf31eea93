"""An article without a machine-readable date is an article (issue 9, point 3).

- ``veille extract`` prints its text, line 1 taking the month veille first saw the page
  (for a page read from a file: today), and says so on stderr; ``--body-only`` never
  needs a date;
- a crawl stores it: ``articles.date_source`` is ``first_seen`` (``page`` for dated
  pages), line 1 has the month of the article's ``first_seen``, and a later version of a
  known article keeps that month.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from helpers import one, rows, run_crawl

ROOT = Path(__file__).resolve().parents[2]
UNDATED = ROOT / "tests" / "pages" / "undated_article.html"
UNDATED_URL = "https://www.lerepublicainmali.com/societe/koulikoro-maraichers-forages/"


def extract(*args):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "veille.cli.extract", *map(str, args)], cwd=ROOT,
                          capture_output=True, env=env, timeout=60)


def test_extract_prints_an_undated_article_with_the_month_of_today():
    r = extract(UNDATED, "--url", UNDATED_URL)
    assert r.returncode == 0, r.stderr
    text = r.stdout.decode("utf-8")
    month = dt.date.today().strftime("%Y-%m")
    assert text.startswith(f" date {month} Koulikoro : les maraîchers réclament des forages"), text[:200]
    assert "la réalisation de six forages avant le retour de la saison sèche" in text
    assert b"date from first_seen" in r.stderr


def test_extract_body_only_needs_no_date():
    r = extract(UNDATED, "--url", UNDATED_URL, "--body-only")
    assert r.returncode == 0, r.stderr
    body = r.stdout.decode("utf-8")
    assert body.startswith("Réunis en assemblée à la maison des jeunes de Koulikoro")
    assert " date " not in body


def undated_page(site, aid: int, body_edit: str = "") -> bytes:
    """Article ``aid``'s page with its date taken out of the dateline (and a paragraph
    changed when ``body_edit`` is given)."""
    raw = (Path(site.out_dir) / "h" / f"{aid}.html").read_bytes()
    try:  # the replica serves some articles in UTF-8, others in windows-1252
        encoding, page = "utf-8", raw.decode("utf-8")
    except UnicodeDecodeError:
        encoding, page = "cp1252", raw.decode("cp1252")
    start = page.index('<div class="FontArticleSource">')
    end = page.index("</div>", start)
    page = page[:start] + '<div class="FontArticleSource">AFP' + page[end:]
    if body_edit:
        at = page.index(">", page.index("FullArticleTexte")) + 1
        page = page[:at] + f"<p>{body_edit}</p>" + page[at:]
    return page.encode(encoding)


def fault_body(page: bytes) -> dict:
    return {"body_b64": base64.b64encode(page).decode("ascii"), "content_type": "text/html"}


def test_crawl_stores_an_undated_article_dated_by_its_first_seen(make_site, make_replica, tmp_path):
    site = make_site(n_articles=20, variants=False)
    aid = site.ids[-4]
    path = f"/h/{aid}.html"
    srv = make_replica(site.out_dir, faults={path: fault_body(undated_page(site, aid))})
    db = tmp_path / "veille.db"
    run_crawl(db, srv.base_url)
    assert one(db, "select count(*) from articles") == 20
    assert one(db, "select count(*) from skips where reason = 'no-date'") == 0
    [a] = rows(db, "select a.*, c.text from articles a join contents c on c.hash = a.content_hash"
                   " where a.url = ?", [srv.url(path)])
    assert a["date_source"] == "first_seen"
    assert a["published"] is None  # the page gives none
    assert a["text"].startswith(f" date {a['first_seen'][:7]} ")
    assert {r["date_source"] for r in rows(db, "select date_source from articles where url <> ?",
                                           [srv.url(path)])} == {"page"}

    # veille first saw it in March 2021; its page changes: the new version keeps that month
    con = sqlite3.connect(db)
    con.execute("update articles set first_seen = '2021-03-14T08:00:00.000Z' where url = ?", [srv.url(path)])
    con.commit()
    con.close()
    srv.set_faults({path: fault_body(undated_page(site, aid, "Mise à jour : la mission technique est arrivée."))})
    run_crawl(db, srv.base_url, args={"revisit": "all"})
    [a] = rows(db, "select a.*, c.text from articles a join contents c on c.hash = a.content_hash"
                   " where a.url = ?", [srv.url(path)])
    assert a["versions_count"] == 2
    assert "Mise à jour : la mission technique est arrivée." in a["text"]
    assert a["text"].startswith(" date 2021-03 "), a["text"][:80]
    assert a["date_source"] == "first_seen"
