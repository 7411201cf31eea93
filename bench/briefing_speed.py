"""The briefing page and its Atom feed, timed on an existing store (issue 14: every page
under 100 ms at a million versions; ``bench/million.py`` times the canned queries).

    .venv/bin/python bench/briefing_speed.py --db bench/out/million.db [--repeat 5]
    VEILLE_ROOT=/tmp/main .venv/bin/python bench/briefing_speed.py --db ...   # other code

Each page is asked of veille's Datasette (``veille.web.make_datasette``, in process, as
``veille serve`` builds it) with ``since`` 24h, 7d and 60d, all topics and one topic;
prints the first and the median time and the response size. ``VEILLE_ROOT``: the folder
whose code to import (e.g. a ``git archive`` of another revision), this checkout by default.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(os.environ.get("VEILLE_ROOT") or Path(__file__).resolve().parent.parent)
sys.path.insert(0, str(ROOT))

PAGES = ["/veille/briefing?since=24h", "/veille/briefing?since=7d", "/veille/briefing?since=60d",
         "/veille/briefing?since=7d&topic=otan", "/veille/briefing.atom?since=7d"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    from veille.web import make_datasette

    ds = make_datasette(Path(args.db))

    async def run():
        await ds.invoke_startup()
        for page in PAGES:
            times, status, size = [], None, 0
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                r = await ds.client.get(page)
                times.append(time.perf_counter() - t0)
                status, size = r.status_code, len(r.content)
            print(f"  {page:<42} first {times[0] * 1000:8.1f} ms  median "
                  f"{statistics.median(times) * 1000:8.1f} ms  status {status}  {size:,} bytes",
                  flush=True)

    print(f"code: {ROOT}")
    asyncio.run(run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
