"""A failed write is never a silent loss (issue 9, point 2).

Real faults, real processes: another connection holds SQLite's write lock (``BEGIN
IMMEDIATE``) longer than the crawl's busy timeout, and the store sits on a disk that fills
up (a small tmpfs when the test may mount one, else a file size limit on the crawl). Then:

- a batch that cannot be written is kept and tried again with a backoff: a lock held a
  moment costs nothing;
- a batch that still cannot be written ends the crawl ``failed`` with the reason, its
  articles go to ``pending``, no feed or listing validator is saved, and what was stored
  before is intact; the scheduler reports the failure and notifies it; the next crawl
  stores everything.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest
from helpers import one, rows, run_crawl, SmallDisk, start_crawl, wait_until
from test_scheduler import SCHEDULER, env, once, write_config

# a busy timeout of half a second, two retries half a second apart: a crawl gives up
# writing a few seconds after the lock was taken
QUICK_GIVE_UP = {"VEILLE_DB_TIMEOUT": "0.5", "VEILLE_WRITE_RETRIES": "2", "VEILLE_WRITE_BACKOFF": "0.5",
                 "VEILLE_BATCH_SIZE": "10", "VEILLE_FLUSH_SECONDS": "0.5"}
# the feed and listings answer after a second: the test takes the lock before any article
SLOW_PAGES = {"/rss/rss.xml": {"slow": 1}, "/": {"slow": 1}, "/rubriques/*": {"slow": 1}}


class HeldLock:
    """Another connection holding the store's write lock (BEGIN IMMEDIATE ... ROLLBACK)."""

    def __init__(self, db):
        self.conn = sqlite3.connect(db, timeout=60, isolation_level=None)
        self.conn.execute("BEGIN IMMEDIATE")

    def release(self):
        if self.conn is not None:
            self.conn.execute("ROLLBACK")
            self.conn.close()
            self.conn = None


def running_crawl(db) -> bool:
    return bool(rows(db, "select id from crawls where status = 'running'"))


def article_paths(db) -> set[str]:
    return {r["url"].split("/", 3)[3] for r in rows(db, "select url from articles")}


def consistent(db) -> None:
    assert one(db, "pragma integrity_check") == "ok"
    assert rows(db, "pragma foreign_key_check") == []
    # no version stored twice
    assert one(db, "select count(*) from (select article_id, content_hash from versions"
                   " group by 1, 2 having count(*) > 1)") == 0


def test_a_lock_held_a_moment_is_waited_out(make_site, make_replica, tmp_path):
    site = make_site(n_articles=40, variants=False)
    srv = make_replica(site.out_dir, faults=SLOW_PAGES)
    db, log = tmp_path / "veille.db", tmp_path / "crawl.log"
    proc = start_crawl(db, srv.base_url, log, settings={**QUICK_GIVE_UP, "VEILLE_WRITE_RETRIES": "8"})
    lock = None
    try:
        wait_until(lambda: running_crawl(db), 60, "the crawl's row", proc, log)
        lock = HeldLock(db)
        wait_until(lambda: "could not write" in log.read_text(), 60, "a write refused", proc, log)
        lock.release()  # the next try gets through
        assert proc.wait(120) == 0, log.read_text()[-3000:]
    finally:
        if lock is not None:
            lock.release()
        if proc.poll() is None:
            proc.kill()
    [c] = rows(db, "select * from crawls")
    assert (c["status"], c["finish_reason"]) == ("finished", "finished")
    assert one(db, "select count(*) from articles") == 40
    assert one(db, "select count(*) from pending") == 0
    consistent(db)


def test_a_lock_held_too_long_fails_the_crawl_reported_notified_then_recovered(make_site, make_replica,
                                                                               tmp_path, receiver):
    site = make_site(n_articles=40, variants=False)
    srv = make_replica(site.out_dir, faults=SLOW_PAGES)
    db, log = tmp_path / "veille.db", tmp_path / "crawl.log"
    cfg = write_config(tmp_path, [{"name": "replica", "spider": "abamako", "every": "1h",
                                   "base_url": srv.base_url,
                                   "settings": {**QUICK_GIVE_UP, "LOG_FILE": str(log), "LOG_LEVEL": "INFO"}}],
                       notify=[f"json://127.0.0.1:{receiver.port}/hook"])
    proc = subprocess.Popen([sys.executable, str(SCHEDULER), "--once", "--config", str(cfg)], cwd=tmp_path,
                            env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lock = None
    try:
        wait_until(lambda: running_crawl(db), 60, "the crawl's row", proc)
        lock = HeldLock(db)
        wait_until(lambda: "giving up" in log.read_text(), 90, "the crawl to give up writing", proc, log)
        lock.release()  # the crawl can now record how it ended
        out, err = proc.communicate(timeout=120)
    finally:
        if lock is not None:
            lock.release()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 3, err  # the run was done, a source failed (issue 12)
    [c] = rows(db, "select * from crawls")
    assert c["status"] == "failed", c
    assert c["finish_reason"].startswith("write failed") and "database is locked" in c["finish_reason"]
    stored = article_paths(db)
    assert len(stored) < 40
    # every article it found and did not store is pending; no validator was saved
    pending = {r["url"].split("/", 3)[3] for r in rows(db, "select url from pending")}
    assert pending == {f"h/{aid}.html" for aid in site.ids} - stored
    assert one(db, "select count(*) from pages") == 0
    consistent(db)
    # reported and notified
    assert "failures:" in out and "write failed" in out and "database is locked" in out
    [note] = receiver.received
    body = json.loads(note["body"])
    assert "crawl failed" in body["title"] and "database is locked" in body["message"]

    p = once(cfg, "--all")  # the lock is gone: everything is stored
    assert p.returncode == 0, p.stderr
    assert one(db, "select count(*) from articles") == 40
    assert one(db, "select count(*) from pending") == 0
    last = rows(db, "select * from crawls order by id desc limit 1")[0]
    assert (last["status"], last["recovered"]) == ("finished", 40 - len(stored))
    consistent(db)


@pytest.fixture
def small_disk(tmp_path):
    disk = SmallDisk(tmp_path / "disk", 16 << 20)
    try:
        yield disk
    finally:
        disk.close()


def store_bytes(db) -> int:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))


def test_a_full_disk_fails_the_crawl_harms_nothing_and_the_next_crawl_recovers(make_site, make_replica,
                                                                               small_disk):
    site = make_site(n_articles=300, variants=False)
    srv = make_replica(site.out_dir)
    db = small_disk.path / "veille.db"
    # a crawl keeps 256 KB aside for its last write (VEILLE_DISK_RESERVE)
    settings = {**QUICK_GIVE_UP, "VEILLE_DB_TIMEOUT": "5", "VEILLE_DISK_RESERVE": str(256 << 10)}
    first = f"{site.ids[0]}-{site.ids[19]}"  # 20 old articles already stored
    run_crawl(db, srv.base_url, args={"ids": first}, settings=settings, preexec_fn=small_disk.preexec())
    before = {r["url"]: (r["content_hash"], r["versions_count"])
              for r in rows(db, "select url, content_hash, versions_count from articles")}
    assert len(before) == 20
    before_paths = [u.split("/", 3)[3] for u in before]

    # room for a part of the articles the feed and listings show (about 16 KB each, their
    # versions, indexes and full-text index included; more while in the WAL)
    small_disk.resize(store_bytes(db) + (256 << 10) + 1_500_000)
    proc = run_crawl(db, srv.base_url, settings=settings, preexec_fn=small_disk.preexec(), check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    c = rows(db, "select * from crawls order by id desc limit 1")[0]
    assert c["status"] == "failed", (small_disk.kind, c)
    assert c["finish_reason"].startswith("write failed") and "full" in c["finish_reason"], c
    stored = article_paths(db)
    pending = {r["url"].split("/", 3)[3] for r in rows(db, "select url from pending")}
    discovered = pending | (stored - set(before_paths))
    assert len(discovered) >= 100 and discovered <= {f"h/{aid}.html" for aid in site.ids}
    assert 20 < len(stored) < 20 + len(discovered)  # it stored some, then the disk was full
    assert not pending & stored
    assert one(db, "select count(*) from pages") == 0
    after = {r["url"]: (r["content_hash"], r["versions_count"])
             for r in rows(db, "select url, content_hash, versions_count from articles")}
    assert {u: after[u] for u in before} == before  # what was stored is intact
    consistent(db)

    small_disk.grow()
    run_crawl(db, srv.base_url, settings=settings, preexec_fn=small_disk.preexec())
    assert article_paths(db) >= discovered
    assert one(db, "select count(*) from pending") == 0
    last = rows(db, "select * from crawls order by id desc limit 1")[0]
    assert (last["status"], last["recovered"]) == ("finished", len(discovered - stored))
    consistent(db)
