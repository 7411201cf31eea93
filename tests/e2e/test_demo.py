"""`make demo` runs the whole loop and checks its own claims (exit status 0)."""

import subprocess
import sys

from helpers import ROOT


def test_demo_runs_the_loop_end_to_end():
    proc = subprocess.run([sys.executable, "-m", "replica.demo"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    out = proc.stdout
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "byte-identical to seeds/000_4c2eddb1c88bd00e.txt: yes" in out
    assert "## otan:" in out and "UPDATED" in out and "NEW" in out
    assert "changes only in its boilerplate" in out and ": 1 version(s), 0 flag(s) in the second run" in out
