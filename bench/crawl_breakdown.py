"""Where veille's per-page CPU goes in a crawl, step by step, in-process, one thread.

    .venv/bin/python bench/crawl_breakdown.py [--site bench/out/site-5000-75] [--n 2000]

Reads pages of a replica made by bench/crawl_speed.py from disk, wraps them in Scrapy
HtmlResponses, and times what ``AbamakoSpider.parse_article`` and ``StorePipeline`` do
for each: the parser, ``art.text()``, ``looks_truncated``, the SHA-256, building the
ArticleItem, the pipeline's dict copy, and ``Store.save_batch`` (batches of
VEILLE_BATCH_SIZE into a fresh database). Scrapy's own cost of handling an item
(signals, item_scraped, the scraper's queue) is not here: it is the rest of the
difference between bench/crawl_speed.py's veille and null rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scrapy.http import HtmlResponse  # noqa: E402

from scrapers.items import ArticleItem  # noqa: E402
from scrapers.parsers.base import looks_truncated  # noqa: E402
from scrapers.pipelines import ARTICLE_FIELDS  # noqa: E402
from scrapers.settings import VEILLE_BATCH_SIZE  # noqa: E402
from scrapers.spiders.abamako import AbamakoSpider  # noqa: E402
from scrapers.spiders.base import header_value  # noqa: E402
from storage import Store  # noqa: E402
from replica import load_manifest  # noqa: E402
from veille.core.textformat import content_hash  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--site", default=str(ROOT / "bench" / "out" / "site-5000-75"))
    ap.add_argument("--n", type=int, default=2000)
    args = ap.parse_args()
    man = load_manifest(args.site)
    ids = man.ids[: args.n]
    responses = []
    for aid in ids:
        path = man.article(aid)["path"]
        body = (Path(args.site) / path.lstrip("/")).read_bytes()
        responses.append(HtmlResponse(f"http://127.0.0.1:8000{path}", body=body,
                                      headers={"Content-Type": "text/html", "ETag": '"abc"',
                                               "Last-Modified": "Sun, 01 May 2022 22:37:16 GMT"}))
    spider = AbamakoSpider(base_url="http://127.0.0.1:8000")
    parser = spider.parser
    n = len(responses)
    t = {}

    def step(name, fn, items):
        t0 = time.perf_counter()
        out = [fn(x) for x in items]
        t[name] = (time.perf_counter() - t0) * 1000 / n
        return out

    ct = step("content-type header", lambda r: r.headers.get(b"Content-Type", b"").decode("latin-1"), responses)
    arts = step("parser.parse", lambda rc: parser.parse(rc[0].body, rc[0].url, rc[1], site=spider.site),
                list(zip(responses, ct)))
    texts = step("art.text()", lambda a: a.text(), arts)
    step("looks_truncated", lambda r: looks_truncated(r.body), responses)
    hashes = step("content_hash (sha256)", content_hash, texts)
    now = step("fetched_at (datetime)", lambda _: dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), responses)

    def make_item(i):
        r, art = responses[i], arts[i]
        return ArticleItem(url=r.url, source=spider.source, site=spider.site, title=art.title,
                           headline=art.headline,
                           published=art.published.isoformat() if art.published else None,
                           rubric=art.rubric, publisher=art.publisher, canonical_url=art.canonical_url,
                           method=art.method, text=texts[i], content_hash=hashes[i], fetched_at=now[i],
                           etag=header_value(r.headers, b"ETag"), last_modified=header_value(r.headers, b"Last-Modified"))

    items = step("ArticleItem + headers", make_item, range(n))
    dicts = step("pipeline dict copy", lambda it: {k: it.get(k) for k in ARTICLE_FIELDS}, items)

    with tempfile.TemporaryDirectory() as d:
        store = Store(os.path.join(d, "b.db"))
        crawl = store.start_crawl("abamako", spider="abamako")
        t0 = time.perf_counter()
        for i in range(0, n, VEILLE_BATCH_SIZE):
            store.save_batch(crawl, dicts[i:i + VEILLE_BATCH_SIZE], skip_invalid=True)
        t[f"store.save_batch (new, batches of {VEILLE_BATCH_SIZE})"] = (time.perf_counter() - t0) * 1000 / n
        store.close()

    paths = {}
    for a in arts:
        key = a.extra.get("path") if getattr(a, "extra", None) else None
        paths[key] = paths.get(key, 0) + 1
    print(f"{n} pages of {args.site} (mean {sum(len(r.body) for r in responses) / n / 1000:.1f} KB); "
          f"parser paths: {paths}")
    for k, v in t.items():
        print(f"  {k:<42} {v:7.3f} ms/page")
    print(f"  {'total':<42} {sum(t.values()):7.3f} ms/page")


if __name__ == "__main__":
    main()
