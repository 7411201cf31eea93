"""The scheduler end to end: `python scheduler.py` (daemon and --once) as real processes,
crawling replicas served on 127.0.0.1, and what lands in SQLite and on stdout."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import ROOT, one, rows, processes_with_db

SCHEDULER = ROOT / "scheduler.py"
FAST = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "DOWNLOAD_TIMEOUT": 3,
    "RETRY_TIMES": 1,
    "LOG_LEVEL": "WARNING",
}
TOPICS = {"otan": "OTAN OR NATO", "electricite": "électricité"}


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(x)}" for k, x in v.items()) + " }"
    return json.dumps(str(v))


def write_config(tmp_path: Path, sources: list[dict], db: Path | None = None) -> Path:
    """A config with these sources (name, spider, base_url or args, every/cron, settings,
    timeout), the TOPICS, and ``[store] path`` = ``db`` (default tmp_path/veille.db)."""
    db = db or tmp_path / "veille.db"
    out = [f"[store]\npath = {toml_value(str(db))}\n"]
    for s in sources:
        s = dict(s)
        args = s.pop("args", {})
        if "base_url" in s:
            args = {"base_url": s.pop("base_url"), **args}
        settings = {**FAST, **s.pop("settings", {})}
        lines = ["[[sources]]"] + [f"{k} = {toml_value(v)}" for k, v in s.items()]
        lines += [f"args = {toml_value(args)}", f"settings = {toml_value(settings)}"]
        out.append("\n".join(lines) + "\n")
    for name, query in TOPICS.items():
        out.append(f"[[topics]]\nname = {toml_value(name)}\nquery = {toml_value(query)}\n")
    path = tmp_path / "veille.toml"
    path.write_text("\n".join(out), encoding="utf-8")
    return path


def env() -> dict:
    e = {k: v for k, v in os.environ.items() if k != "VEILLE_DB"}
    e["PYTHONUNBUFFERED"] = "1"
    return e


def once(config: Path, *extra: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCHEDULER), "--once", "--config", str(config), *extra],
                          cwd=config.parent, env=env(), capture_output=True, text=True, timeout=timeout)


def start_daemon(config: Path, tmp_path: Path) -> tuple[subprocess.Popen, Path, Path]:
    out, err = tmp_path / "daemon.out", tmp_path / "daemon.err"
    proc = subprocess.Popen([sys.executable, str(SCHEDULER), "--config", str(config)], cwd=tmp_path,
                            env=env(), stdout=out.open("wb"), stderr=err.open("wb"))
    return proc, out, err


def crawls(db: Path) -> list[dict]:
    return rows(db, "select * from crawls order by id") if db.exists() else []


def wait_for(cond, timeout: float, what: str, proc: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            v = cond()
        except Exception:  # the database may be mid-creation
            v = None
        if v:
            return v
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the scheduler exited ({proc.returncode}) while waiting for {what}")
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def consistent(db: Path) -> None:
    assert one(db, "pragma integrity_check") == "ok"
    assert rows(db, "pragma foreign_key_check") == []


def flagged_titles(db: Path, topic: str) -> list[str]:
    """The headlines and titles of the articles flagged on ``topic``."""
    return [t for r in rows(db, "select a.headline, a.title from flags f join articles a"
                                " on a.id = f.article_id where f.topic = ?", [topic])
            for t in (r["headline"], r["title"]) if t]


@pytest.fixture
def site(make_site):
    return make_site(n_articles=20)


# -------------------------------------------------------------------------- --once

def test_once_crawls_flags_reports_then_nothing_is_due(site, make_replica, tmp_path):
    srv = make_replica(site.out_dir)
    cfg = write_config(tmp_path, [{"name": "replica", "spider": "abamako", "every": "1h",
                                   "base_url": srv.base_url}])
    db = tmp_path / "veille.db"
    p = once(cfg, "--all")
    assert p.returncode == 0, p.stderr
    [crawl] = crawls(db)
    assert (crawl["source"], crawl["status"]) == ("replica", "finished")
    assert crawl["new"] + crawl["duplicate"] == len(site.articles)
    titles = flagged_titles(db, "otan")
    assert titles and flagged_titles(db, "electricite")
    assert "otan" in p.stdout and "electricite" in p.stdout
    assert any(t in p.stdout for t in titles), p.stdout

    # again at once: not due, nothing crawled; --json is one JSON document
    p = once(cfg, "--json")
    assert p.returncode == 0, p.stderr
    assert len(crawls(db)) == 1
    assert isinstance(json.loads(p.stdout), dict)

    # --all crawls even so; nothing changed on the site, so nothing new is flagged
    n_flags = one(db, "select count(*) from flags")
    p = once(cfg, "--all", "--json")
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    assert [c["status"] for c in crawls(db)] == ["finished", "finished"]
    assert one(db, "select count(*) from flags") == n_flags
    assert str(crawls(db)[-1]["id"]) in json.dumps(report) or "replica" in json.dumps(report)


def test_overlapping_once_exits_politely(site, make_replica, tmp_path):
    srv = make_replica(site.out_dir)
    cfg = write_config(tmp_path, [{"name": "replica", "spider": "abamako", "every": "1h",
                                   "base_url": srv.base_url}])
    fd = os.open(tmp_path / ".veille-once.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        p = once(cfg, "--all")
    finally:
        os.close(fd)
    assert p.returncode == 0
    assert "another run is in progress; exiting" in p.stderr
    assert crawls(tmp_path / "veille.db") == []


def test_crash_is_recorded_failed_and_others_still_crawl(site, make_replica, tmp_path):
    srv = make_replica(site.out_dir)
    cfg = write_config(tmp_path, [
        # a spider argument the spider refuses: the crawl exits 2 before it starts (a
        # misspelled spider is refused when the config loads, issue 12)
        {"name": "broken", "spider": "abamako", "every": "1h", "base_url": srv.base_url,
         "args": {"ids": "abc"}},
        {"name": "replica", "spider": "abamako", "every": "1h", "base_url": srv.base_url},
    ])
    db = tmp_path / "veille.db"
    p = once(cfg)
    assert p.returncode == 3, p.stderr  # ran, but a source failed
    by_source = {c["source"]: c for c in crawls(db)}
    assert by_source["broken"]["status"] == "failed"
    assert by_source["broken"]["finish_reason"].startswith("crashed before starting (exit code 2")
    assert "ids: 'abc' is not an id" in p.stderr  # the crawl's last output is logged
    assert by_source["replica"]["status"] == "finished"
    assert "broken" in p.stdout and flagged_titles(db, "otan")
    # retried at its next due time only: an immediate --once crawls nothing
    p = once(cfg)
    assert p.returncode == 0 and len(crawls(db)) == 2


def test_crawl_killed_midway_is_recorded_failed(site, make_replica, tmp_path):
    srv = make_replica(site.out_dir, faults={"/h/*": {"slow": 30}})
    cfg = write_config(tmp_path, [{"name": "replica", "spider": "abamako", "every": "1h",
                                   "base_url": srv.base_url, "settings": {"DOWNLOAD_TIMEOUT": 60}}])
    db = tmp_path / "veille.db"
    proc = subprocess.Popen([sys.executable, str(SCHEDULER), "--once", "--config", str(cfg)],
                            env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        crawl = wait_for(lambda: [c for c in crawls(db) if c["status"] == "running"], 30, "a crawl", proc)[0]
        os.kill(crawl["pid"], signal.SIGKILL)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 3, err
    [crawl] = crawls(db)
    assert (crawl["status"], crawl["finish_reason"]) == ("failed", "killed by SIGKILL")
    assert "replica" in out


def test_hanging_crawl_times_out(site, make_replica, tmp_path):
    srv = make_replica(site.out_dir, faults={"/*": {"slow": 120}})
    cfg = write_config(tmp_path, [{"name": "replica", "spider": "abamako", "every": "1h",
                                   "base_url": srv.base_url, "timeout": "3s",
                                   "settings": {"DOWNLOAD_TIMEOUT": 120}}])
    db = tmp_path / "veille.db"
    t0 = time.monotonic()
    p = once(cfg, "--all", timeout=60)
    elapsed = time.monotonic() - t0
    assert p.returncode == 3, p.stderr
    [crawl] = crawls(db)
    assert (crawl["status"], crawl["finish_reason"]) == ("failed", "timeout")
    assert 3 <= elapsed < 3 + 10 + 5 + 10  # timeout + the stop graces + start-up
    assert processes_with_db(db) == []
    consistent(db)


# -------------------------------------------------------------------------- daemon

def test_daemon_crawls_on_schedule_never_overlaps_and_stops_on_sigterm(site, make_replica, tmp_path):
    srv = make_replica(site.out_dir)
    cfg = write_config(tmp_path, [{"name": "replica", "spider": "abamako", "every": "3s",
                                   "base_url": srv.base_url,
                                   "settings": {"CONCURRENT_REQUESTS_PER_DOMAIN": 2}}])
    db = tmp_path / "veille.db"
    proc, out, err = start_daemon(cfg, tmp_path)
    try:
        wait_for(lambda: sum(c["status"] == "finished" for c in crawls(db)) >= 2, 45, "two crawls", proc)
        srv.set_faults({"/rubriques/*": {"slow": 1}, "/h/*": {"slow": 1}})  # next ones: slower
        wait_for(lambda: any(c["status"] == "running" for c in crawls(db)), 10, "a third crawl", proc)
        time.sleep(0.5)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=30)
        stop_time = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert rc == 0, err.read_text()
    assert stop_time < 8, err.read_text()
    assert processes_with_db(db) == []
    cs = crawls(db)
    assert all(c["status"] in ("finished", "interrupted") for c in cs), cs
    assert cs[-1]["status"] == "interrupted"  # the crawl running at SIGTERM closed cleanly
    spans = sorted((c["started_at"], c["finished_at"]) for c in cs)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), spans
    assert "otan" in out.read_text()
    consistent(db)


def test_daemon_restart_does_not_recrawl_a_recent_source(site, make_replica, tmp_path):
    srv = make_replica(site.out_dir)
    cfg = write_config(tmp_path, [{"name": "replica", "spider": "abamako", "every": "1h",
                                   "base_url": srv.base_url}])
    db = tmp_path / "veille.db"
    assert once(cfg, "--all").returncode == 0
    proc, out, err = start_daemon(cfg, tmp_path)
    try:
        wait_for(lambda: "first crawl at" in err.read_text(), 20, "the daemon's start", proc)
        time.sleep(3)  # a crawl started now would have its row within ~1 s
        assert len(crawls(db)) == 1
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_sigkill_of_daemon_midcrawl_then_once_completes(site, make_replica, tmp_path):
    srv = make_replica(site.out_dir, faults={"/h/*": {"slow": 0.4}})
    cfg = write_config(tmp_path, [{"name": "replica", "spider": "abamako", "every": "1h",
                                   "base_url": srv.base_url,
                                   "settings": {"CONCURRENT_REQUESTS": 2, "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
                                                "VEILLE_BATCH_SIZE": 2, "DOWNLOAD_TIMEOUT": 10}}])
    db = tmp_path / "veille.db"
    proc, out, err = start_daemon(cfg, tmp_path)
    try:
        wait_for(lambda: one(db, "select count(*) from articles") >= 2, 40, "stored articles", proc)
        [crawl] = crawls(db)
        assert crawl["status"] == "running"
        proc.kill()
        os.killpg(crawl["pid"], signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # gone, not a zombie: an orphan's zombie counts as alive until init reaps it (~1 s here)
    wait_for(lambda: not Path(f"/proc/{crawl['pid']}").exists(), 15, "the crawl to be reaped")
    consistent(db)
    assert one(db, "select count(*) from articles") < len(site.articles)

    srv.set_faults({})
    p = once(cfg)  # not --all: a killed crawl does not count as a run
    assert p.returncode == 0, p.stderr
    assert [c["status"] for c in crawls(db)] == ["killed", "finished"]
    assert one(db, "select count(*) from articles") == len(site.articles)
    consistent(db)
    assert flagged_titles(db, "otan")
    assert one(db, "select count(*) from crawls where flagged_at is null and status = 'finished'") == 0


# -------------------------------------------------------------------------- in process

def _scheduler():
    sys.path.insert(0, str(ROOT))
    import scheduler

    return scheduler


def test_due_and_first_run_times():
    from veille.config import SourceConfig

    sch = _scheduler()
    utc = dt.timezone.utc
    every = SourceConfig("a", "abamako", every=dt.timedelta(minutes=30))
    last = dt.datetime(2026, 1, 5, 10, 0, 30, tzinfo=utc)
    assert sch.is_due(every, None, last)
    assert not sch.is_due(every, last, last + dt.timedelta(minutes=20))
    assert sch.is_due(every, last, last + dt.timedelta(minutes=29, seconds=30))  # tolerance
    assert sch.first_run(every, None, last) == last
    assert sch.first_run(every, last, last + dt.timedelta(minutes=5)) == last + dt.timedelta(minutes=30)
    assert sch.first_run(every, last, last + dt.timedelta(hours=5)) == last + dt.timedelta(hours=5)
    cron = SourceConfig("b", "abamako", cron="* * * * *")  # whole minutes, in any time zone
    assert not sch.is_due(cron, last, last + dt.timedelta(seconds=20))
    assert sch.is_due(cron, last, last + dt.timedelta(seconds=35))
    assert sch.first_run(cron, last, last + dt.timedelta(seconds=20)) == last + dt.timedelta(seconds=30)
    assert sch.first_run(cron, last, last + dt.timedelta(minutes=7)) == last + dt.timedelta(minutes=7)


# -------------------------------------------------------------------------- usage

def test_bad_config_and_usage_exit_2(tmp_path, capsys):
    scheduler = _scheduler()

    bad = tmp_path / "bad.toml"
    bad.write_text('[[sources]]\nname = "x"\nevery = "soon"\n', encoding="utf-8")
    assert scheduler.main(["--once", "--config", str(bad)]) == 2
    assert f"{bad}:3:" in capsys.readouterr().err

    cfg = write_config(tmp_path, [{"name": "replica", "spider": "abamako", "every": "1h",
                                   "base_url": "http://127.0.0.1:9"}])
    assert scheduler.main(["--once", "--config", str(cfg), "--source", "nope"]) == 2
    assert "no source named nope" in capsys.readouterr().err
    assert scheduler.main(["--all", "--config", str(cfg)]) == 2
    assert scheduler.main(["--once", "--config", str(tmp_path / "missing.toml")]) == 2
    assert not (tmp_path / "veille.db").exists()
