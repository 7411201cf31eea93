"""bench/extract_real.py: its corpus comes from the command line, its table is printed."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "tests" / "pages" / "real"
BENCH = ROOT / "bench" / "extract_real.py"


def run(*args, env=None):
    return subprocess.run([sys.executable, str(BENCH), *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env=env)


def test_missing_corpus_is_said_clearly(tmp_path):
    env = {k: v for k, v in __import__("os").environ.items() if k != "VEILLE_EXTRACT_CORPUS"}
    r = run(env=env)
    assert r.returncode == 2 and "--corpus PATH" in r.stderr and "VEILLE_EXTRACT_CORPUS" in r.stderr
    r = run("--corpus", tmp_path / "nope", env=env)
    assert r.returncode == 2 and "evaldata.json" in r.stderr


def test_table_on_a_small_corpus(tmp_path):
    cases = json.loads((REAL / "cases.json").read_text("utf-8"))
    (tmp_path / "html").mkdir()
    data = {}
    for name in ("0224_zugreiseblog-de", "0341_www3-nhk-or-jp", "0830_observer-com"):
        c = cases[name]
        shutil.copy(REAL / f"{name}.html.gz", tmp_path / "html" / f"{name}.html.gz")
        data[c["url"]] = {"file": f"{name}.html.gz", "with": c["with"], "without": c["without"],
                          "title": c["title"], "date": c["date"]}
    (tmp_path / "evaldata.json").write_text(json.dumps(data), "utf-8")
    r = run("--corpus", tmp_path, "--out", tmp_path / "rows.json")
    assert r.returncode == 0, r.stderr
    assert "ALL (all)" in r.stdout and "trafilatura" in r.stdout and "head%" in r.stdout
    rows = json.loads((tmp_path / "rows.json").read_text("utf-8"))
    assert len(rows) == 3 and {r["lang"] for r in rows} >= {"ja"}
    assert all(r["veille"]["f1"] == 1.0 for r in rows)
