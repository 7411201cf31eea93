"""The everyday command line (issue 12 §2-§3), as a user runs it: real `veille` and
`scrapy crawl` processes against a replica, what they print and what lands in the store.

Every error is one line and an exit status, never a traceback: an unwritable folder, a busy
port, a bad spider argument, a misspelled spider, output piped to `head`; help texts say
the right program; `veille flags` tells totals; `veille run --quiet` is silent when
nothing is new and its exit status says a source failed; `veille crawl` works from any
folder; a manual crawl ends with a one-line summary.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import FAST, ROOT, one, rows

from replica import edit_articles

VEILLE = [sys.executable, "-m", "veille.cli"]
SETPRIV = shutil.which("setpriv")


def run(*args, cwd: Path, env: dict | None = None, timeout: float = 180, **kw):
    e = {k: v for k, v in os.environ.items() if k != "VEILLE_DB"}
    return subprocess.run(list(args), cwd=cwd, env={**e, **(env or {})}, capture_output=True,
                          text=True, timeout=timeout, **kw)


def veille(cwd: Path, *args, **kw):
    return run(*VEILLE, *args, cwd=cwd, **kw)


def no_traceback(p) -> None:
    assert "Traceback" not in p.stderr and "Task exception" not in p.stderr, p.stderr[-3000:]


def as_user(cmd: list[str]) -> list[str]:
    """Run ``cmd`` without the power to ignore file permissions (tests run as root in CI)."""
    if os.geteuid() != 0:
        return cmd
    if SETPRIV is None:
        pytest.skip("running as root without setpriv: permissions cannot be tested")
    return [SETPRIV, "--bounding-set=-dac_override,-dac_read_search", *cmd]


def write_config(folder: Path, base_url: str, db: str = "data/veille.db", extra: str = "",
                 spider: str = "abamako") -> Path:
    settings = ", ".join(f"{k} = {json.dumps(v)}" for k, v in FAST.items())
    text = (f'[store]\npath = "{db}"\n\n[[sources]]\nname = "replica"\nspider = "{spider}"\nevery = "1h"\n'
            f'args = {{ base_url = "{base_url}" }}\nsettings = {{ {settings} }}\n\n'
            '[[topics]]\nname = "mali"\nquery = "Mali"\n\n[[topics]]\nname = "otan"\nquery = "OTAN OR NATO"\n'
            + extra)
    path = folder / "veille.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def crawled(tmp_path, replica):
    """A folder with a config and a store crawled and flagged by `veille run`."""
    write_config(tmp_path, replica.base_url)
    p = veille(tmp_path, "run")
    assert p.returncode == 0, p.stderr
    return tmp_path


# --------------------------------------------------------------------------- help texts


def test_help_texts_name_the_right_program(tmp_path):
    p = veille(tmp_path, "run", "--help")
    assert p.returncode == 0 and p.stdout.startswith("usage: veille run")
    assert "scheduler.py" not in p.stdout and "--once" not in p.stdout
    assert "--quiet" in p.stdout and "--revisit" in p.stdout and "exit status: 0 ok" in p.stdout
    p = veille(tmp_path, "watch", "--help")
    assert p.stdout.startswith("usage: veille watch") and "--once" not in p.stdout and "--all" not in p.stdout
    p = veille(tmp_path, "replica", "--help")
    assert p.returncode == 0 and "{generate,serve,edit,add}" in p.stdout and "rest" not in p.stdout
    for cmd, words in (("export", "Write the current text"), ("summary", "What the store holds"),
                       ("flags", "The latest flags"), ("crawl", "from any folder")):
        p = veille(tmp_path, cmd, "--help")
        assert p.returncode == 0 and words in " ".join(p.stdout.split()), cmd
    p = veille(tmp_path, "--version")
    assert p.returncode == 0 and p.stdout.startswith("veille 0.")


def test_commands_follow_store_path_and_say_it_once(tmp_path):
    (tmp_path / "veille.toml").write_text('[store]\npath = "elsewhere/x.db"\n', encoding="utf-8")
    where = str(tmp_path / "elsewhere" / "x.db")
    for cmd in (["summary"], ["export", "--out", "o"], ["serve"], ["flags"]):
        p = veille(tmp_path, *cmd)
        assert p.returncode == 1 and where in p.stderr, (cmd, p.stderr)
        assert p.stderr.count(" at ") == 1 and "no store at no database" not in p.stderr


# --------------------------------------------------------------------------- errors


def test_broken_pipe_is_silent(crawled):
    for cmd in ("flags", "export --out -  --format jsonl", "topics backfill otan"):
        p = subprocess.run(["bash", "-c", f"set -o pipefail; {sys.executable} -m veille.cli {cmd} | head -1"],
                           cwd=crawled, capture_output=True, text=True, timeout=120)
        assert p.stdout.count("\n") == 1, cmd
        no_traceback(p)
        assert "BrokenPipe" not in p.stderr and "Exception ignored" not in p.stderr, (cmd, p.stderr)
        assert p.returncode == 0, (cmd, p.stderr)


def test_unwritable_folders_are_one_line(crawled):
    data = crawled / "data"
    (crawled / "out").mkdir()
    (crawled / "conf").mkdir()
    shutil.copy(crawled / "veille.toml", crawled / "conf" / "veille.toml")
    before = one(data / "veille.db", "SELECT count(*) FROM versions")
    cases = [  # (the folder made read-only, the command, what the message says)
        (data, ["run", "--all"], "writable"),
        (crawled / "out", ["export", "--out", "out"], "Permission denied"),
        (crawled / "conf", ["topics", "add", "x", "Bamako", "--config", "conf/veille.toml"], "Permission denied"),
        (data, ["export", "--out", "out2"], ""),  # a reader: works, or says why in one line
        (data, ["topics", "backfill", "otan"], "writable"),
    ]
    for folder, args, words in cases:
        folder.chmod(0o555)
        try:
            p = run(*as_user([*VEILLE, *args]), cwd=crawled)
        finally:
            folder.chmod(0o755)
        no_traceback(p)
        if not words and p.returncode == 0:
            continue
        assert p.returncode == 1, (args, p.stderr)
        lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
        assert lines and lines[-1].startswith(f"veille {args[0]}: ") and words in p.stderr, (args, p.stderr)
    assert one(data / "veille.db", "SELECT count(*) FROM versions") == before


def _busy_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    return s, s.getsockname()[1]


def test_busy_ports_fail_before_announcing(crawled, replica_site):
    sock, port = _busy_port()
    try:
        p = veille(crawled, "serve", "--port", str(port), timeout=60)
        assert p.returncode == 1 and "already in use" in p.stderr and "http://" not in p.stdout
        no_traceback(p)
        p = veille(crawled, "replica", "serve", str(replica_site.out_dir), "--port", str(port), timeout=60)
        assert p.returncode == 1 and f"port {port} on 127.0.0.1 is already in use" in p.stderr
        no_traceback(p)
    finally:
        sock.close()


def test_bad_spider_arguments_are_one_line(tmp_path, replica):
    env = {"VEILLE_DB": str(tmp_path / "x.db")}
    for arg, words in (("ids=abc", "ids: 'abc' is not an id"), ("discover=fed", "discover: unknown way(s) ['fed']")):
        p = run(sys.executable, "-m", "scrapy", "crawl", "abamako", "-a", arg, "-a",
                f"base_url={replica.base_url}", cwd=ROOT, env=env)
        assert p.returncode == 2 and f"scrapy crawl abamako: {words}" in p.stderr, p.stderr[-2000:]
        no_traceback(p)
    p = run(sys.executable, "-m", "scrapy", "crawl", "abamkao", cwd=ROOT, env=env)
    assert p.returncode == 2 and "no spider named 'abamkao'; did you mean abamako" in p.stderr
    assert not (tmp_path / "x.db").exists()


def test_misspelled_spider_found_when_the_config_loads(tmp_path, replica):
    write_config(tmp_path, replica.base_url, spider="abamkao")
    for cmd in (["run"], ["watch"], ["flags"], ["crawl", "replica"]):
        p = veille(tmp_path, *cmd, timeout=60)
        assert p.returncode == 2, (cmd, p.stderr)
        assert "veille.toml:6: source 'replica': no spider named 'abamkao'; did you mean 'abamako'" in p.stderr
        no_traceback(p)
    assert not (tmp_path / "data").exists()


# --------------------------------------------------------------------------- flags


def test_flags_limit_totals_unknown_names_and_since(crawled):
    db = crawled / "data" / "veille.db"
    total = one(db, "SELECT count(*) FROM flags")
    mali = one(db, "SELECT count(*) FROM flags WHERE topic = 'mali'")
    assert total > 3
    p = veille(crawled, "flags", "--limit", "2")
    assert p.returncode == 0
    assert f"2 of {total} flags shown" in p.stdout
    assert f"## mali: {mali} new, 0 updated (" in p.stdout  # the total, then what is shown
    p = veille(crawled, "flags", "--limit", "0")
    assert "flags shown" not in p.stdout and p.stdout.count("- NEW ") + p.stdout.count("also at") >= 1
    data = json.loads(veille(crawled, "flags", "--limit", "2", "--json").stdout)
    assert (data["shown"], data["total"]) == (2, total) and data["totals"]["mali"]["new"] == mali
    p = veille(crawled, "flags", "--topic", "securite")
    assert p.returncode == 2 and "no topic named 'securite' (topics: mali, otan)" in p.stderr
    p = veille(crawled, "export", "--source", "nosuch", "--out", "o")
    assert p.returncode == 2 and "no source named 'nosuch'" in p.stderr and "(sources: replica)" in p.stderr
    assert not (crawled / "o").exists()
    for since in ("24h", "7d", "yesterday", "today"):
        p = veille(crawled, "flags", "--since", since, "--json", "--limit", "0")
        assert p.returncode == 0 and json.loads(p.stdout)["total"] == total, since
    assert json.loads(veille(crawled, "flags", "--since", "2999-01-01", "--json").stdout)["total"] == 0


def test_backfill_flags_are_not_news(crawled):
    cfg = crawled / "veille.toml"
    cfg.write_text(cfg.read_text() + '\n[[topics]]\nname = "bamako"\nquery = "Bamako"\n')
    p = veille(crawled, "topics", "backfill", "bamako")
    assert p.returncode == 0, p.stderr
    db = crawled / "data" / "veille.db"
    n = one(db, "SELECT count(*) FROM flags WHERE topic = 'bamako' AND backfill = 1")
    assert n > 0 and one(db, "SELECT count(*) FROM flags WHERE topic = 'bamako' AND backfill = 0") == 0
    p = veille(crawled, "flags", "--since", "24h")
    assert "## bamako" not in p.stdout and f"{n} flag(s) of `veille topics backfill` not shown" in p.stdout
    p = veille(crawled, "flags", "--since", "24h", "--backfill", "--limit", "0")
    assert "## bamako" in p.stdout
    p = veille(crawled, "run", "--all", "--quiet")  # nothing new: backfill flags are not news
    assert p.returncode == 0 and p.stdout == "", p.stdout


# --------------------------------------------------------------------------- run, crawl


def test_run_quiet_and_exit_statuses(tmp_path, make_site, make_replica):
    site = make_site(n_articles=20)
    srv = make_replica(site.out_dir)
    write_config(tmp_path, srv.base_url)
    p = veille(tmp_path, "run", "--quiet")
    assert p.returncode == 0 and "## mali:" in p.stdout  # news: printed
    # a quiet re-crawl (feed and listings answer 304): nothing printed, health not alarmed
    p = veille(tmp_path, "run", "--all", "--quiet")
    assert p.returncode == 0 and p.stdout == "" and p.stderr == "", (p.stdout, p.stderr)
    db = tmp_path / "data" / "veille.db"
    last = rows(db, "SELECT * FROM crawls ORDER BY id DESC LIMIT 1")[0]
    assert last["fetched"] == 0 and last["pages_not_modified"] > 0
    from storage import Store
    from veille.monitor.health import source_health

    with Store.open_readonly(db) as store:
        assert source_health(store, "replica")["issues"] == []
    # an edit, found with --revisit all: printed
    edit_articles(site.out_dir, [site.ids[2]])
    p = veille(tmp_path, "run", "--all", "--quiet", "--revisit", "all")
    assert p.returncode == 0 and "UPDATED" in p.stdout, p.stdout
    assert json.loads(rows(db, "SELECT args FROM crawls ORDER BY id DESC LIMIT 1")[0]["args"])["revisit"] == "all"
    # a source that fails: said, and exit 3
    srv.stop()
    p = veille(tmp_path, "run", "--all", "--quiet", timeout=240)
    assert p.returncode == 3, p.stderr
    assert "failures:" in p.stdout or "health:" in p.stdout
    no_traceback(p)


def test_crawl_log_files_and_progress(tmp_path, make_site, make_replica):
    site = make_site(n_articles=12)
    srv = make_replica(site.out_dir, faults={"/h/*": {"slow": 0.4}})
    write_config(tmp_path, srv.base_url)
    p = veille(tmp_path, "run", "--progress", "0.5", "--log-level", "INFO", timeout=240)
    assert p.returncode == 0, p.stderr
    assert "replica: crawl 1 running for " in p.stderr and " pages, " in p.stderr
    logs = list((tmp_path / "data" / "logs" / "replica").glob("*.log"))
    assert len(logs) == 1
    text = logs[0].read_text()
    assert "Spider closed (finished)" in text and "crawl 1 of replica finished" in text.splitlines()[-1]


def test_manual_scrapy_crawl_ends_with_a_summary(tmp_path, replica):
    db = tmp_path / "v.db"
    args = [sys.executable, "-m", "scrapy", "crawl", "abamako", "-a", f"base_url={replica.base_url}"]
    for k, v in FAST.items():
        args += ["-s", f"{k}={v}"]
    p = run(*args, cwd=ROOT, env={"VEILLE_DB": str(db)})
    assert p.returncode == 0, p.stderr[-3000:]
    last = [ln for ln in p.stderr.splitlines() if ln.strip()][-1]
    row = rows(db, "SELECT * FROM crawls")[0]
    assert f"[veille] INFO: crawl {row['id']} of abamako finished in " in last
    assert f"{row['fetched']} fetched, {row['new']} new, {row['updated']} updated" in last
    assert f"stored in {db}" in last


def test_veille_crawl_from_any_folder(tmp_path, replica):
    write_config(tmp_path, replica.base_url)
    p = veille(tmp_path, "crawl", "replica", "-a", "max_pages=1", "-s", "LOG_LEVEL=WARNING")
    assert p.returncode == 0, p.stderr[-3000:]
    db = tmp_path / "data" / "veille.db"  # the config's [store] path, from this folder
    [crawl] = rows(db, "SELECT * FROM crawls")
    assert crawl["source"] == "replica" and crawl["status"] == "finished" and crawl["new"] > 0
    assert json.loads(crawl["args"])["max_pages"] == 1
    p = veille(tmp_path, "crawl", "nosuch")
    assert p.returncode == 2 and "no source named 'nosuch' (sources: replica; spiders: abamako" in p.stderr
    p = veille(tmp_path, "crawl", "replica", "-a", "ids=abc")
    assert p.returncode == 2 and "ids: 'abc' is not an id" in p.stderr
    no_traceback(p)
