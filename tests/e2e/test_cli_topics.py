"""`veille topics add|list|remove|backfill` and `veille flags`, as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from storage import Store
from veille.monitor.flags import flag_crawl
from veille.core.textformat import TextParts, write
from veille.topics import Topic

ROOT = Path(__file__).resolve().parents[2]

CONFIG = """\
# my watch list
[store]
path = "data/w.db"   # relative to this file

[[topics]]
name = "otan"
query = "OTAN OR NATO"  # the alliance
# end of topics
"""


def veille(cwd: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    e = {k: v for k, v in os.environ.items() if k != "VEILLE_DB"}
    e["PYTHONPATH"] = str(ROOT) + os.pathsep + e.get("PYTHONPATH", "")
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "veille.cli", *args], cwd=cwd, env=e,
                          capture_output=True, text=True, timeout=60)


def text(title: str, *paragraphs: str) -> str:
    return write(TextParts(date="2026-01", title=title, headline=title, paragraphs=list(paragraphs)))


@pytest.fixture
def work(tmp_path):
    (tmp_path / "veille.toml").write_text(CONFIG, encoding="utf-8")
    return tmp_path


def test_add_list_remove_keep_comments(work):
    r = veille(work, "topics", "add", "mali-russie", 'Mali AND (Russie OR "groupe Wagner")')
    assert r.returncode == 0, r.stderr
    cfg = (work / "veille.toml").read_text(encoding="utf-8")
    assert cfg.startswith(CONFIG)  # everything before, comments included, byte for byte
    assert "name = 'mali-russie'" in cfg

    r = veille(work, "topics", "list")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["otan         OTAN OR NATO",
                                     'mali-russie  Mali AND (Russie OR "groupe Wagner")']

    r = veille(work, "topics", "add", "otan", "OTAN")
    assert r.returncode == 1 and "already exists" in r.stderr

    r = veille(work, "topics", "remove", "mali-russie")
    assert r.returncode == 0, r.stderr
    assert (work / "veille.toml").read_text(encoding="utf-8") == CONFIG
    r = veille(work, "topics", "remove", "otan")
    assert r.returncode == 0, r.stderr
    left = (work / "veille.toml").read_text(encoding="utf-8")
    assert "# my watch list" in left and "# end of topics" in left and "otan" not in left
    r = veille(work, "topics", "remove", "otan")
    assert r.returncode == 1 and "no topic named 'otan'" in r.stderr


def test_config_option_and_file_created(tmp_path):
    path = tmp_path / "elsewhere" / "watch.toml"
    path.parent.mkdir()
    r = veille(tmp_path, "topics", "add", "secu", "sécurité", "--config", str(path))
    assert r.returncode == 0, r.stderr
    assert path.read_text(encoding="utf-8") == "[[topics]]\nname = 'secu'\nquery = 'sécurité'\n"
    assert not (tmp_path / "veille.toml").exists()
    r = veille(tmp_path, "topics", "list", "--config", str(path))
    assert r.stdout.split() == ["secu", "sécurité"]
    r = veille(tmp_path, "topics", "list")  # no veille.toml here: no topics, not an error
    assert r.returncode == 0 and r.stdout == "" and "no topics" in r.stderr
    r = veille(tmp_path, "topics", "list", "--config", str(tmp_path / "missing.toml"))
    assert r.returncode == 2 and "no such file" in r.stderr


@pytest.mark.parametrize("query, problem", [
    ("Mali AND (Russie", "unbalanced parenthesis: the '(' at column 10 is never closed"),
    ("Mali AND", "dangling operator AND at column 6"),
    ('"flanc sud', "unterminated quote"),
    ("", "empty query"),
    ("sé*cu", "'*' at column 3 is only allowed at the end of a word"),
])
def test_bad_query_exits_2_naming_the_problem(work, query, problem):
    r = veille(work, "topics", "add", "t", query)
    assert r.returncode == 2
    assert problem in r.stderr and "bad query for topic 't'" in r.stderr
    assert (work / "veille.toml").read_text(encoding="utf-8") == CONFIG  # unchanged


@pytest.mark.parametrize("query", ["(" * 300 + "Mali" + ")" * 300, "NOT " * 1200 + "Mali"])
def test_deeply_nested_query_exits_2_without_traceback(work, query):
    r = veille(work, "topics", "add", "t", query)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and "RecursionError" not in r.stderr
    assert "bad query for topic 't'" in r.stderr and "nested too deeply" in r.stderr
    assert (work / "veille.toml").read_text(encoding="utf-8") == CONFIG  # unchanged
    # the same query written in the config by hand: every command refuses the config
    (work / "deep.toml").write_text(f'[[topics]]\nname = "t"\nquery = "{query}"\n', encoding="utf-8")
    for args in (["topics", "list"], ["flags"], ["run"]):
        r = veille(work, *args, "--config", "deep.toml")
        assert r.returncode == 2, (args, r.returncode, r.stderr)
        assert "Traceback" not in r.stderr and "nested too deeply" in r.stderr, (args, r.stderr)
        assert "deep.toml:3" in r.stderr


def test_bad_name_exits_2(work):
    r = veille(work, "topics", "add", "two words", "Mali")
    assert r.returncode == 2 and "bad topic name" in r.stderr


def test_lowercase_operator_warns(work):
    r = veille(work, "topics", "add", "t", "Mali or Niger")
    assert r.returncode == 0 and "warning" in r.stderr and "'or' at column 6" in r.stderr


@pytest.fixture
def stored(work):
    """A store at the config's [store] path, with a crawl already flagged for 'otan'."""
    (work / "data").mkdir()
    store = Store(work / "data" / "w.db")
    cid = store.start_crawl("abamako")
    store.save_batch(cid, [
        {"url": "http://x/1", "text": text("L'OTAN à Madrid", "Le sommet de l'OTAN."),
         "title": "L'OTAN à Madrid", "published": "2026-01-03", "source": "abamako"},
        {"url": "http://x/2", "text": text("Sécurité au Sahel", "La sécurité se dégrade."),
         "title": "Sécurité au Sahel", "published": "2026-01-04", "source": "abamako"},
        {"url": "http://x/3", "text": text("Sécurité au Sahel", "La sécurité se dégrade."),
         "title": "Sécurité au Sahel", "published": "2026-01-04", "source": "abamako"},
        {"url": "http://x/4", "text": text("Coton", "La récolte."),
         "title": "Coton", "published": "2026-01-01", "source": "abamako"},
    ])
    store.finish_crawl(cid)
    flag_crawl(store, cid, [Topic("otan", "OTAN OR NATO")])
    store.close()
    return work


def test_backfill_a_topic_added_later(stored):
    db = stored / "data" / "w.db"
    assert veille(stored, "topics", "add", "secu", "securite").returncode == 0
    r = veille(stored, "topics", "backfill", "secu")
    assert r.returncode == 0, r.stderr
    assert "1 article(s) flagged" in r.stderr  # two URLs, one text
    assert "## secu: 1 new, 0 updated" in r.stdout and "Sécurité au Sahel" in r.stdout
    assert "http://x/2" in r.stdout and "also at: http://x/3" in r.stdout
    with Store(db) as store:
        topics = dict(store.conn.execute("select name, query from topics"))
        assert topics == {"otan": "OTAN OR NATO", "secu": "securite"}
        assert store.conn.execute("select count(*) from flags where topic = 'secu'").fetchone()[0] == 1
    r = veille(stored, "topics", "backfill", "secu", "--json")
    assert r.returncode == 0 and "0 article(s) flagged" in r.stderr
    assert json.loads(r.stdout)["topics"] == {}
    r = veille(stored, "topics", "backfill", "nope")
    assert r.returncode == 1 and "no topic named 'nope'" in r.stderr


def test_backfill_without_a_store(work):
    r = veille(work, "topics", "backfill", "otan", "--db", str(work / "none.db"))
    assert r.returncode == 1 and "no database" in r.stderr


def test_flags_command(stored):
    r = veille(stored, "flags")
    assert r.returncode == 0, r.stderr
    assert "## otan: 1 new, 0 updated" in r.stdout and "L'OTAN à Madrid" in r.stdout
    r = veille(stored, "flags", "--json", "--topic", "otan")
    data = json.loads(r.stdout)
    assert [i["url"] for i in data["topics"]["otan"]] == ["http://x/1"]
    assert data["crawls"][0]["source"] == "abamako"
    r = veille(stored, "flags", "--topic", "secu")  # no such topic: said, not "nothing new" (issue 12)
    assert r.returncode == 2 and "no topic named 'secu' (topics: otan)" in r.stderr
    r = veille(stored, "flags", "--since", "2999-01-01", "--json")
    assert json.loads(r.stdout)["topics"] == {}
    r = veille(stored, "flags", "--since", "2000-01-01T00:00:00+02:00", "--json")
    assert list(json.loads(r.stdout)["topics"]) == ["otan"]
    r = veille(stored, "flags", "--since", "yesterday")  # a relative --since works (issue 12)
    assert r.returncode == 0, r.stderr
    r = veille(stored, "flags", "--since", "soon")
    assert r.returncode == 2 and "bad --since 'soon'" in r.stderr
    # --db wins over the config's [store] path
    r = veille(stored, "flags", "--db", str(stored / "none.db"))
    assert r.returncode == 1


def test_existing_commands_still_work(stored):
    r = veille(stored, "summary", "--db", str(stored / "data" / "w.db"))
    assert r.returncode == 0 and "articles: 4" in r.stdout


def test_summary_export_serve_follow_the_configs_store(stored, tmp_path):
    # no --db: the config's [store] path (data/w.db), as for `veille flags`
    r = veille(stored, "summary")
    assert r.returncode == 0, r.stderr
    assert "articles: 4" in r.stdout
    assert r.stdout.splitlines()[0].endswith(str(Path("data") / "w.db"))
    r = veille(stored, "export", "--out", "-", "--format", "jsonl")
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.splitlines()) == 4
    r = veille(stored, "export", "--out", str(tmp_path / "o"), "--config", str(stored / "nope.toml"))
    assert r.returncode == 2 and "no such file" in r.stderr
    r = veille(stored, "summary", "--db", str(stored / "none.db"))
    assert r.returncode == 1
    assert r.stderr.count("no database at") == 1 and "no store at" not in r.stderr
    r = veille(stored, "serve", "--config", str(stored / "nope.toml"))
    assert r.returncode == 2 and "no such file" in r.stderr


def test_serve_looks_for_the_configs_store(work):
    r = veille(work, "serve")  # [store] path = data/w.db, not created yet
    assert r.returncode == 1
    assert "no store at" in r.stderr and str(Path("data") / "w.db") in r.stderr
