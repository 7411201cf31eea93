"""``python -m veille.cli.extract PAGE --url URL``: the text a saved page gives, and the method."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from veille.cli import extract

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "tests" / "pages"
SEED = (ROOT / "seeds" / "000_4c2eddb1c88bd00e.txt").read_bytes()
REF_PAGE = PAGES / "abamako_reference_cp1252.html"
REF_URL = "http://news.abamako.com/h/271234.html"
LEFASO = PAGES / "generic" / "lefaso_spip.html"
LEFASO_URL = "https://lefaso.net/spip.php?article128765"


def run(*args, stdin: bytes | None = None):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "veille.cli.extract", *map(str, args)], cwd=ROOT,
                          input=stdin, capture_output=True, env=env, timeout=60)


def test_reference_page_gives_the_seed_byte_for_byte():
    r = run(REF_PAGE, "--url", REF_URL)
    assert r.returncode == 0, r.stderr
    assert r.stdout == SEED
    assert b"method: abamako" in r.stderr


def test_stdin_and_forced_parser():
    r = run("-", "--url", REF_URL, "--parser", "abamako", stdin=REF_PAGE.read_bytes())
    assert r.returncode == 0 and r.stdout == SEED


def test_auto_picks_abamako_by_markup_on_another_host():
    r = run(REF_PAGE, "--url", "http://127.0.0.1:8000/h/271234.html", "--site", "abamako.com")
    assert r.returncode == 0 and r.stdout == SEED


def test_generic_page_and_method():
    r = run(LEFASO, "--url", LEFASO_URL)
    assert r.returncode == 0, r.stderr
    text = r.stdout.decode("utf-8")
    assert text.startswith(" date 2024-03 Burkina : Les producteurs de mangues de la Comoé "
                           "attendent une saison favorable - lefaso.net\n\n")
    assert "\n\nUn verger de manguiers à Tengréla\n\n" in text
    assert not text.endswith("\n")
    assert r.stderr.decode().startswith("method: og+trafilatura")


def test_body_only():
    r = run(LEFASO, "--url", LEFASO_URL, "--body-only")
    assert r.returncode == 0
    expected = (PAGES / "generic" / "lefaso_spip.expected.txt").read_text("utf-8").strip()
    assert r.stdout.decode("utf-8") == expected
    r = run(REF_PAGE, "--url", REF_URL, "--body-only")
    from veille.core.textformat import read
    assert r.stdout.decode("utf-8") == "\n\n".join(read(SEED.decode("utf-8")).paragraphs)


def test_json():
    r = run(LEFASO, "--url", LEFASO_URL, "--json")
    assert r.returncode == 0
    d = json.loads(r.stdout)
    assert d["method"] == "og+trafilatura" and d["parser"] == "GenericParser"
    assert d["date"] == "2024-03" and d["dateline"].startswith("Publié le lundi 4 mars 2024")
    assert d["caption"] == "Un verger de manguiers à Tengréla"
    assert d["extra"]["body_method"] == "trafilatura"
    assert d["text"].endswith(d["paragraphs"][-1])


def test_generic_parser_forced_on_abamako_page():
    r = run(REF_PAGE, "--url", REF_URL, "--parser", "generic")
    assert r.returncode == 0, r.stderr
    assert b"method: abamako" not in r.stderr


def test_missing_file_is_a_clear_error():
    r = run("/nonexistent/page.html", "--url", "http://x.ml/a")
    assert r.returncode == 1
    assert r.stdout == b""
    assert b"veille extract: cannot read /nonexistent/page.html" in r.stderr


def test_not_an_article_gives_the_reason():
    r = run(PAGES / "generic" / "hostile_cookie_wall.html", "--url", "https://www.example.ml/")
    assert r.returncode == 1 and r.stdout == b""
    assert b"not an article: no-article:" in r.stderr and b"cookie" in r.stderr
    r = run("-", "--url", "https://www.example.ml/", stdin=b"%PDF-1.4 binary")
    assert r.returncode == 1 and b"not an article: not-html" in r.stderr


def test_usage_error():
    r = run(LEFASO)  # no --url
    assert r.returncode == 2


def test_main_in_process(capsys):
    assert extract.main([str(LEFASO), "--url", LEFASO_URL, "--body-only"]) == 0
    out = capsys.readouterr()
    assert "method: og+trafilatura" in out.err
    assert extract.main(["/nonexistent", "--url", "http://x"]) == 1


@pytest.mark.parametrize("url,expected", [
    ("http://news.abamako.com/h/1.html", "AbamakoParser"),
    ("https://news.abidjan.net/h/1.html", "AbamakoParser"),
    ("https://www.maliweb.net/x.html", "GenericParser"),
])
def test_choose_parser(url, expected):
    assert type(extract.choose_parser("auto", url, b"<html></html>")).__name__ == expected
