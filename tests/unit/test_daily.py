"""Unit tests of issue 12's pieces: relative --since, terms in context, the spider names the
config checks, the crawl command's overrides, log rotation, the migration that marks old
backfill flags, the digest's due time, and the crontab line and systemd unit of the docs."""

from __future__ import annotations

import configparser
import datetime as dt
import random
import re
import shlex
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from veille.core import clock
from veille.core.errors import BadArgument, ConfigError
from veille.topics import QueryError, explain_error, parse_query
from veille.topics import highlight
from veille.topics.highlight import snippet, term_spans

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seeds" / "000_4c2eddb1c88bd00e.txt"
AT = clock.parse_iso("2026-12-03T10:00:00Z")


# --------------------------------------------------------------------------- --since


@pytest.mark.parametrize("text, want", [
    ("24h", "2026-12-02T10:00:00.000Z"),
    ("7d", "2026-11-26T10:00:00.000Z"),
    ("1d12h", "2026-12-01T22:00:00.000Z"),
    ("90m", "2026-12-03T08:30:00.000Z"),
    ("2w", "2026-11-19T10:00:00.000Z"),
    ("2026-01-31", "2026-01-31T00:00:00.000Z"),
    ("2026-01-31T08:00:00+02:00", "2026-01-31T06:00:00.000Z"),
])
def test_since_takes_durations_and_dates(text, want):
    assert clock.iso(clock.parse_since(text, AT)) == want


def test_since_yesterday_and_today_are_local_midnights():
    y = clock.parse_since("yesterday", AT).astimezone()
    t = clock.parse_since("today", AT).astimezone()
    assert (y.hour, y.minute, t.hour, t.minute) == (0, 0, 0, 0)
    assert t.date() == AT.astimezone().date() and (t - y).days in (1,) or (t - y) in (
        dt.timedelta(hours=23), dt.timedelta(hours=25))


@pytest.mark.parametrize("text", ["soon", "24x", "", "1h1h", "2026-13-01", "-3d"])
def test_bad_since_is_one_message(text):
    with pytest.raises(BadArgument, match="bad since .*: give an ISO date"):
        clock.parse_since(text, AT)


# --------------------------------------------------------------------------- terms in context


def test_term_spans_are_accent_and_case_insensitive_on_the_original_text():
    text = "La sécurité au Sahel. SECURITE routière; sécuritaire. L′OTAN et la Russie."
    spans = term_spans(text, ["securite", "secur*", '"la russie"', "otan"])
    got = [text[a:b] for a, b in spans]
    assert got == ["sécurité", "SECURITE", "sécuritaire", "OTAN", "la Russie"]


def test_snippet_skips_the_title_line_and_marks_terms():
    text = SEED.read_text(encoding="utf-8")
    pieces = snippet(text, ["OTAN", "Russie"])
    joined = "".join(p for p, _ in pieces)
    assert not joined.lstrip("… ").startswith("date") and " date 2022-06" not in joined
    assert [p for p, mark in pieces if mark] == ["OTAN", "Russie"]
    assert len(joined) < 320 and joined.endswith("…")
    only_title = snippet(text, ["pourait"])  # in line 1 and the headline only
    assert not "".join(p for p, _ in only_title).startswith(" date")
    assert snippet("", ["x"]) == []


def _snippet_of_whole_text(text, terms, width=260):
    """What :func:`snippet` must give: its window and marks from the spans of the whole text."""
    lo = highlight.body_start(text)
    spans = term_spans(text, terms, lo)
    head_end = text.find("\n", lo)
    first = ([s for s in spans if head_end < 0 or s[0] > head_end] or spans or [None])[0]
    left = lo if first is None else highlight._cut_left(text, max(lo, first[0] - width // 3), lo)
    return highlight._pieces(text, lo, left, highlight._cut_right(text, left + width), spans)


def _synthetic_texts():
    rng = random.Random(14)
    words = ("la sécurité SECURITE au Sahel l′OTAN et Russie mise à jour le de Wagner "
             "société économie Bamako n° 3 coopération cœur… Straße").split()
    for n in (5, 60, 120, 400, 2_000):
        body = "\n\n".join(" ".join(rng.choice(words) for _ in range(rng.randint(5, 40))) + "."
                           for _ in range(max(1, n // 20)))
        yield f"2026-11 Le Mali et la Russie - site.com\n\nSécurité : l′OTAN à Bamako\n\n{body}"
    seed = SEED.read_text(encoding="utf-8")
    yield seed
    yield seed.split("\n", 1)[0] + "\n\n" + "Wagner " * 3 + "x" * 900 + " mise à\n\njour OTAN"


@pytest.mark.parametrize("terms", [["OTAN"], ["securite"], ["secur*"], ["s*"], ['"mise à jour"'],
                                   ['"la russie"', "wagner"], ['"à jour OTAN"'], ["mali"],
                                   ["pourait"], ["absent"], ['"le de"', "bamako"]])
def test_snippet_is_the_one_of_the_whole_text(terms):
    for text in _synthetic_texts():
        assert snippet(text, terms) == _snippet_of_whole_text(text, terms), (terms, text[:80])


def test_snippet_reads_the_words_near_its_term_only(monkeypatch):
    """Issue 14: a search page makes 200 snippets, the briefing 500; splitting every word of
    each text in Python was ~4 ms a row. Only the chunk of the first occurrence and the
    window are split into words, however long the text."""
    split = []
    words = highlight._words
    monkeypatch.setattr(highlight, "_words", lambda t: split.append(len(t)) or words(t))
    text = "2026-11 Titre\n\nTitre\n\nLa sécurité au Sahel.\n\n" + "Un mot de plus. " * 20_000
    pieces = snippet(text, ["securite"])
    assert [p for p, mark in pieces if mark] == ["sécurité"]
    assert sum(split) < 2 * highlight.CHUNK


def test_explain_error_is_the_cli_message():
    with pytest.raises(QueryError) as e:
        parse_query("(mali AND")
    msg = explain_error(e.value, "(mali AND")
    assert msg.startswith("bad query: ") and msg.endswith("^") and "\n    (mali AND\n" in msg


# --------------------------------------------------------------------------- web helpers


def test_readable_url():
    from veille.web.briefing import readable_url

    assert readable_url("https://www.maliweb.net/politique/x-123.html") == "maliweb.net › politique/x-123.html"
    assert readable_url("http://news.abamako.com/h/290001.html") == "news.abamako.com › h/290001.html"
    assert readable_url("http://127.0.0.1:8765/h/1.html") == "127.0.0.1:8765 › h/1.html"
    assert readable_url("https://lefaso.net/spip.php?article1" + "x" * 100).endswith("…")


def test_search_functions():
    from veille.web.search import NOTHING, fts_match, query_problem, snippet_markers

    assert fts_match("(mali AND") == NOTHING and fts_match("") == NOTHING
    assert query_problem("(mali AND").startswith("bad query: ")
    assert query_problem("NOT mali").startswith("bad query:") and query_problem("mali") == ""
    s = snippet_markers(SEED.read_text(encoding="utf-8"), "otan NOT wagner")
    assert "\ue000OTAN\ue001" in s and not s.startswith(" date")


# --------------------------------------------------------------------------- config, crawls


def test_spider_names_agree_with_scrapy():
    from scrapy.settings import Settings
    from scrapy.spiderloader import SpiderLoader

    from scrapers import settings as project
    from scrapers.spiders import spider_names

    loader = SpiderLoader.from_settings(Settings({"SPIDER_MODULES": project.SPIDER_MODULES}))
    assert spider_names() == sorted(loader.list())


def test_misspelled_spider_is_an_error_where_it_is_written():
    from veille.config import parse_config

    text = '[[sources]]\nname = "abamako"\nspider = "abamkao"\nevery = "1h"\n'
    with pytest.raises(ConfigError) as e:
        parse_config(text, "veille.toml")
    assert e.value.line == 3 and "no spider named 'abamkao'; did you mean 'abamako'" in str(e.value)
    with pytest.raises(ConfigError, match="no spider named 'nope'"):
        parse_config('[[sources]]\nname = "nope"\nevery = "1h"\n', "veille.toml")


def test_notify_digest_config():
    from veille.config import parse_config

    cfg = parse_config('[notify]\nurls = ["json://x"]\nmode = "digest"\n', "f.toml")
    assert cfg.notify_mode == "digest" and cfg.digest_at == dt.time(8, 0)
    cfg = parse_config('[notify]\nurls = ["json://x"]\nmode = "digest"\ndigest_at = "18:30"\n', "f.toml")
    assert cfg.digest_at == dt.time(18, 30)
    with pytest.raises(ConfigError, match="f.toml:3: .*'mode' must be"):
        parse_config('[notify]\nurls = ["json://x"]\nmode = "daily"\n', "f.toml")
    with pytest.raises(ConfigError, match="f.toml:3: .*'digest_at' must be a time of day"):
        parse_config('[notify]\nurls = ["json://x"]\ndigest_at = "8h"\n', "f.toml")


def test_crawl_command_overrides_and_retry():
    from veille.core.sources import SourceConfig
    from veille.schedule.processes import crawl_command

    src = SourceConfig("abamako", "abamako", dt.timedelta(hours=1), None, {"revisit": "due", "max_pages": "2"}, {}, None)
    cmd = crawl_command(src, None, {"revisit": "all", "retry": "all"})
    args = [cmd[i + 1] for i, a in enumerate(cmd) if a == "-a"]
    assert args == ["revisit=all", "max_pages=2", "retry=all", "source=abamako"]


def test_crawl_logs_are_rotated(tmp_path):
    from veille.schedule.processes import open_log

    db = tmp_path / "veille.db"
    for i in range(5):
        with open_log(db, "abamako", f"2026-12-0{i + 1}T10:00:00.000Z", keep=3) as f:
            f.write(b"log %d" % i)
    logs = sorted((tmp_path / "logs" / "abamako").glob("*.log"))
    assert [p.name for p in logs] == ["20261203T100000000Z.log", "20261204T100000000Z.log",
                                      "20261205T100000000Z.log"]


def test_digest_due_is_the_last_time_of_day_passed():
    from veille.schedule.report import digest_due

    now = dt.datetime(2026, 12, 3, 9, 0).astimezone()
    assert digest_due(now, dt.time(8, 0)) == now.replace(hour=8).astimezone(dt.timezone.utc)
    assert digest_due(now, dt.time(10, 0)).astimezone().date() == (now - dt.timedelta(days=1)).date()


def test_wait_all_names_the_source_and_the_pid(caplog):
    import subprocess
    import sys

    from veille.schedule.processes import wait_all

    p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"], start_new_session=True)
    ticks = []
    with caplog.at_level("WARNING", logger="veille.scheduler"):
        why = wait_all([p], 0.5, lambda: False, label="abamako", tick=lambda: ticks.append(1), every=0.1)
    assert why == "timeout" and ticks
    assert f"abamako: crawl process (pid {p.pid}): timeout; SIGINT" in caplog.text
    assert not re.search(r"crawl \d+: ", caplog.text)


# --------------------------------------------------------------------------- migration


def test_old_store_gets_backfill_marked(tmp_path):
    """A store made before ``flags.backfill`` (schema 1): flags of a crawl's own flagging keep
    0; those written after their crawl was flagged (``veille topics backfill``) get 1."""
    from storage import Store
    from storage.schema import TABLES

    db = tmp_path / "old.db"
    con = sqlite3.connect(db)
    # the identity of a veille store (schema 1 had these), then the tables the test is about
    con.execute("CREATE TABLE contents (hash TEXT PRIMARY KEY, text TEXT)")
    con.execute("CREATE TABLE articles (id INTEGER PRIMARY KEY, url TEXT, content_hash TEXT)")
    con.execute("CREATE TABLE versions (id INTEGER PRIMARY KEY, article_id INTEGER, content_hash TEXT)")
    con.execute("CREATE TABLE crawls (id INTEGER PRIMARY KEY, source TEXT, status TEXT, flagged_at TEXT)")
    cols = [c for c in TABLES["flags"]["columns"] if c != "backfill"]
    con.execute(f"CREATE TABLE flags ({', '.join(cols)})")
    con.execute("INSERT INTO crawls VALUES (1, 'a', 'finished', '2026-12-01T10:00:00.000Z'),"
                " (2, 'a', 'finished', NULL)")
    rows = [(1, "t", 1, "h1", "new", 1, "2026-12-01T10:00:00.000Z"),   # the crawl's own flag
            (2, "u", 1, "h1", "new", 1, "2026-12-02T09:00:00.000Z"),   # backfilled later
            (3, "u", 2, "h2", "new", 2, "2026-12-02T09:00:00.000Z"),   # a crawl never flagged
            (4, "t", 3, "h3", "updated", 1, "2026-12-01T10:00:00.000Z")]
    con.executemany("INSERT INTO flags (id, topic, article_id, content_hash, kind, crawl_id, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    con.execute("PRAGMA user_version = 1")
    con.commit()
    con.close()
    Store(db).close()
    got = dict(sqlite_utils.Database(db).execute("SELECT id, backfill FROM flags").fetchall())
    assert got == {1: 0, 2: 1, 3: 1, 4: 0}
    assert sqlite_utils.Database(db).execute("PRAGMA user_version").fetchone()[0] >= 2


# --------------------------------------------------------------------------- the docs


def _block(lang: str) -> str:
    text = (ROOT / "docs" / "cron-and-daemon.md").read_text(encoding="utf-8")
    blocks = re.findall(rf"```{lang}\n(.*?)```", text, re.S)
    assert blocks, lang
    return blocks[0]


def _veille_args(command: str, sub: str) -> list[str]:
    words = shlex.split(command)
    i = next(i for i, w in enumerate(words) if w.endswith("veille") and words[i + 1] == sub)
    return words[i + 2:]


def test_docs_crontab_line_is_valid():
    from apscheduler.triggers.cron import CronTrigger

    from veille.schedule.cli import parser

    lines = [ln for ln in _block("crontab").splitlines() if ln.strip() and not ln.startswith("#")]
    assert len(lines) == 1
    fields = lines[0].split(None, 5)
    CronTrigger.from_crontab(" ".join(fields[:5]))  # raises on a bad schedule
    args = parser("run").parse_args(_veille_args(fields[5], "run"))
    assert args.quiet and args.config


def test_docs_systemd_unit_is_valid():
    from veille.schedule.cli import parser
    from veille.schedule.processes import KILL_GRACE, STOP_GRACE

    unit = configparser.ConfigParser(interpolation=None, strict=True)
    unit.optionxform = str
    unit.read_string(_block("ini"))
    assert set(unit.sections()) == {"Unit", "Service", "Install"}
    svc = unit["Service"]
    args = parser("watch").parse_args(_veille_args(svc["ExecStart"], "watch"))
    assert args.config
    assert svc["Restart"] in ("on-failure", "always")
    assert svc["KillSignal"] == "SIGTERM"
    assert svc["ExecReload"].endswith("kill -HUP $MAINPID")
    assert int(svc["TimeoutStopSec"]) > STOP_GRACE + KILL_GRACE
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_topic_queries_lists_topics_that_only_have_flags():
    """The topics of the briefing: the configured ones, and those only flags still name
    (found by skipping through the topic index, issue 14), NULL left out."""
    from storage import briefing

    conn = sqlite3.connect(":memory:")
    conn.executescript("CREATE TABLE topics (name TEXT PRIMARY KEY, query TEXT);"
                       "CREATE TABLE flags (id INTEGER PRIMARY KEY, topic TEXT);"
                       "CREATE INDEX idx_flags_topic ON flags (topic);")
    conn.executemany("INSERT INTO topics VALUES (?, ?)", [("mali", "Mali"), ("otan", "OTAN")])
    conn.executemany("INSERT INTO flags (topic) VALUES (?)",
                     [("otan",), ("zz-removed",), (None,), ("a-removed",), ("otan",), ("zz-removed",)])
    assert briefing.topic_queries(conn) == {"a-removed": None, "mali": "Mali", "otan": "OTAN",
                                            "zz-removed": None}
    assert list(briefing.topic_queries(conn)) == ["a-removed", "mali", "otan", "zz-removed"]
