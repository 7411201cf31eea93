"""A crawl that died is always flagged, wherever it ran (issue 9, point 4).

Real schedulers and crawls, killed:

- a scheduler and its crawl SIGKILLed on a machine whose host name then changes (another
  UTS namespace with its own host name, as a container restarted): the next run reaps the
  crawl once its lease has expired, and flags what it stored;
- a dead crawl whose pid now belongs to another process does not block its source;
- a crawl orphaned by a SIGKILLed ``--once`` stops at its source's timeout by itself;
- a source skipped because another process has been crawling it for longer than its
  timeout is a failure of the run (report, exit status), not a quiet 0.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import one, processes_with_db, rows, start_crawl, wait_until
from test_scheduler import SCHEDULER, crawls, env, once, write_config

from veille.topics import TextIndex, Topic

SLOW_ARTICLES = {"/h/*": {"slow": 0.3}}
SMALL_STEPS = {"CONCURRENT_REQUESTS": 2, "CONCURRENT_REQUESTS_PER_DOMAIN": 2, "VEILLE_BATCH_SIZE": 2,
               "VEILLE_FLUSH_SECONDS": 0.2, "DOWNLOAD_TIMEOUT": 10}


def can_change_hostname() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-u", "hostname", "veille-probe"], capture_output=True).returncode == 0


def kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def gone(pid: int) -> bool:
    """The process is gone (not even a zombie)."""
    return not Path(f"/proc/{pid}").exists()


def kill_leftovers(db) -> None:
    for pid in processes_with_db(db):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_crawl_killed_on_a_host_that_changed_name_is_reaped_by_its_lease_and_flagged(make_site, make_replica,
                                                                                     tmp_path):
    site = make_site(n_articles=24, variants=False)
    srv = make_replica(site.out_dir, faults=SLOW_ARTICLES)
    cfg = write_config(tmp_path, [{"name": "replica", "spider": "abamako", "every": "1h",
                                   "base_url": srv.base_url,
                                   "settings": {**SMALL_STEPS, "VEILLE_LEASE_SECONDS": 3}}])
    db = tmp_path / "veille.db"
    cmd = [sys.executable, str(SCHEDULER), "--once", "--config", str(cfg)]
    renamed = can_change_hostname()
    if renamed:  # the first run happens on a machine named veille-old
        cmd = ["unshare", "-u", "sh", "-c", 'hostname veille-old && exec "$@"', "sh", *cmd]
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        wait_until(lambda: one(db, "select count(*) from articles") >= 6, 60, "stored articles", proc)
        [crawl] = crawls(db)
        proc.kill()
        kill_group(crawl["pid"])
        proc.wait()
        wait_until(lambda: gone(crawl["pid"]), 15, "the crawl to be gone")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        kill_leftovers(db)
    if not renamed:  # no UTS namespace here: the machine's name changed all the same
        con = sqlite3.connect(db)
        con.execute("update crawls set host = 'veille-old'")
        con.commit()
        con.close()
    [crawl] = crawls(db)
    assert (crawl["status"], crawl["host"]) == ("running", "veille-old")
    stored = one(db, "select count(*) from articles")
    assert 0 < stored < 24

    srv.set_faults({})
    if "lease_until" in rows(db, "select * from crawls")[0]:  # (code without leases: nothing to wait for)
        wait_until(lambda: rows(db, "select 1 from crawls where lease_until < strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"),
                   30, "the dead crawl's lease to expire")
    p = once(cfg)  # here, under this machine's own name
    assert p.returncode == 0, p.stderr
    statuses = [c["status"] for c in crawls(db)]
    assert statuses == ["killed", "finished"], statuses
    # everything the killed crawl stored was flagged
    otan = Topic("otan", "OTAN OR NATO")
    texts = rows(db, "select distinct c.hash, c.text from versions v join contents c on c.hash = v.content_hash"
                     " where v.crawl_id = ?", [crawl["id"]])
    matching = {t["hash"] for t in texts if otan.compiled.match_index(TextIndex(t["text"]))}
    flagged = {r["content_hash"] for r in rows(db, "select content_hash from flags where topic = 'otan'")}
    assert matching, "no text of the killed crawl mentions the topic: a bigger site is needed"
    assert matching <= flagged
    assert one(db, "select count(*) from crawls where flagged_at is null") == 0


def test_a_dead_crawl_whose_pid_was_reused_does_not_block_its_source(make_site, make_replica, tmp_path):
    site = make_site(n_articles=20, variants=False)
    srv = make_replica(site.out_dir, faults=SLOW_ARTICLES)
    cfg = write_config(tmp_path, [{"name": "replica", "spider": "abamako", "every": "1h",
                                   "base_url": srv.base_url, "settings": SMALL_STEPS}])
    db, log = tmp_path / "veille.db", tmp_path / "crawl.log"
    crawl = start_crawl(db, srv.base_url, log, args={"source": "replica"},
                        settings={k: str(v) for k, v in SMALL_STEPS.items()})
    sleeper = None
    try:
        wait_until(lambda: one(db, "select count(*) from articles") >= 2, 60, "stored articles", crawl, log)
        crawl.kill()
        crawl.wait()
        # its pid now belongs to another, living process
        sleeper = subprocess.Popen(["sleep", "600"])
        con = sqlite3.connect(db)
        con.execute("update crawls set pid = ?", [sleeper.pid])
        con.commit()
        con.close()
        srv.set_faults({})
        p = once(cfg)
    finally:
        if sleeper is not None:
            sleeper.kill()
            sleeper.wait()
        if crawl.poll() is None:
            crawl.kill()
    assert p.returncode == 0, p.stderr
    assert [c["status"] for c in crawls(db)] == ["killed", "finished"], p.stderr
    assert one(db, "select count(*) from articles") == 20


def test_a_crawl_orphaned_by_a_killed_once_stops_at_its_timeout(make_site, make_replica, tmp_path):
    site = make_site(n_articles=60, variants=False)
    srv = make_replica(site.out_dir, faults={"/h/*": {"slow": 2}})  # ~2 min at one page at a time
    cfg = write_config(tmp_path, [{"name": "replica", "spider": "abamako", "every": "1h",
                                   "base_url": srv.base_url, "timeout": "6s",
                                   "settings": {"CONCURRENT_REQUESTS": 1, "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
                                                "DOWNLOAD_TIMEOUT": 10}}])
    db = tmp_path / "veille.db"
    proc = subprocess.Popen([sys.executable, str(SCHEDULER), "--once", "--config", str(cfg)], cwd=tmp_path,
                            env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        [crawl] = wait_until(lambda: [c for c in crawls(db) if c["status"] == "running"], 30, "a crawl", proc)
        proc.kill()  # the scheduler dies; its crawl (own process group) goes on alone
        proc.wait()
        wait_until(lambda: rows(db, "select 1 from crawls where status <> 'running'"), 60,
                   "the orphan to stop at its timeout")
        wait_until(lambda: gone(crawl["pid"]), 30, "the orphan to exit")
    finally:
        if proc.poll() is None:
            proc.kill()
        kill_leftovers(db)
    [crawl] = crawls(db)
    assert crawl["status"] == "failed"
    assert "timeout" in crawl["finish_reason"]
    assert one(db, "select count(*) from articles") < 60
    # what it had found and not fetched is pending
    assert one(db, "select count(*) from articles") + one(db, "select count(*) from pending") == 60


@pytest.mark.parametrize("timeout,fails", [("2s", True), ("1h", False)])
def test_a_source_skipped_past_its_timeout_is_a_failure(make_site, make_replica, tmp_path, timeout, fails):
    site = make_site(n_articles=20, variants=False)
    srv = make_replica(site.out_dir, faults={"/h/*": {"slow": 60}})
    cfg = write_config(tmp_path, [{"name": "replica", "spider": "abamako", "every": "1h", "timeout": timeout,
                                   "base_url": srv.base_url}])
    db, log = tmp_path / "veille.db", tmp_path / "crawl.log"
    # a crawl started by hand, alive, that will not end soon
    crawl = start_crawl(db, srv.base_url, log, args={"source": "replica"}, settings={"DOWNLOAD_TIMEOUT": "120"})
    try:
        [row] = wait_until(lambda: rows(db, "select * from crawls where status = 'running'"), 60, "its row",
                           crawl, log)
        wait_until(lambda: rows(db, "select 1 from crawls where started_at <"
                                    " strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-3 seconds')"), 30, "3 seconds")
        p = once(cfg, "--all")
    finally:
        crawl.kill()
        crawl.wait()
    assert len(crawls(db)) == 1  # skipped: never two crawls of a source
    if fails:
        assert p.returncode == 3, p.stderr  # the run was done, a source failed (issue 12's status)
        assert "failures:" in p.stdout and "replica" in p.stdout
        assert "another process has been crawling it" in p.stdout, p.stdout
    else:
        assert p.returncode == 0, p.stderr
        assert "failures:" not in p.stdout
