"""Time Store.save_batch: ms per item for new, unchanged, updated and duplicate items.

    .venv/bin/python bench/store_speed.py [N] [BATCH]     (defaults 3000 items, batches of 300)

Texts are ~3 KB in the article format (French words with accents), so the FTS5 triggers do
real work. Prints figures; asserts nothing.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from storage import Store  # noqa: E402
from veille.core.textformat import TextParts, write  # noqa: E402

WORDS = ("le la les des une sécurité armée Mali OTAN Bamako gouvernement élection président "
         "ministre réunion société économie été déjà où français Sahel transition négociations "
         "accord région développement l'Alliance intérêt décembre coopération défense "
         "population santé école jeunes marché agriculture crédit banque prix pétrole").split()


def make_text(rng: random.Random, i: int, size: int = 3000) -> str:
    paras, n = [], 0
    while n < size:
        p = " ".join(rng.choice(WORDS) for _ in range(rng.randint(30, 70))) + "."
        paras.append(p)
        n += len(p) + 4
    headline = f"Article {i} : " + " ".join(rng.choice(WORDS) for _ in range(8))
    return write(TextParts("2024-05", f"{headline} - abamako.com", headline,
                           "Publié le jeudi 30 mai 2024 | Source", "", paras))


def items_for(texts, suffix=""):
    return [{"url": f"https://news.abamako.com/h/{i}{suffix}.html", "source": "abamako",
             "site": "abamako.com", "title": "t", "headline": "h", "published": "2024-05-30",
             "rubric": "Politique", "publisher": "Source", "canonical_url": None,
             "method": "abamako", "text": t, "etag": f'W/"{i}"', "last_modified": None}
            for i, t in enumerate(texts)]


def run(store, crawl, items, batch):
    t0 = time.perf_counter()
    outs = []
    for k in range(0, len(items), batch):
        outs += store.save_batch(crawl, items[k:k + batch])
    dt = time.perf_counter() - t0
    return dt * 1000 / len(items), outs


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    batch = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    rng = random.Random(1)
    texts = [make_text(rng, i) for i in range(n)]
    edited = [t + " Mise à jour." for t in texts]
    avg = sum(len(t.encode()) for t in texts) / n
    with tempfile.TemporaryDirectory() as d:
        store = Store(os.path.join(d, "bench.db"))
        crawl = store.start_crawl("abamako", "bench")
        print(f"{n} items, ~{avg:.0f} bytes each, batches of {batch}")
        for label, its in (("new", items_for(texts)),
                           ("unchanged", items_for(texts)),
                           ("updated", items_for(edited)),
                           ("duplicate", items_for(texts, "-copy"))):
            ms, outs = run(store, crawl, its, batch)
            assert set(outs) == {label}, set(outs)
            print(f"  save_batch {label:<10} {ms:.3f} ms/item")
        t0 = time.perf_counter()
        urls = [{"url": it["url"]} for it in items_for(texts)]
        for k in range(0, n, batch):
            store.touch_batch(crawl, urls[k:k + batch])
        print(f"  touch_batch           {(time.perf_counter() - t0) * 1000 / n:.3f} ms/item")
        t0 = time.perf_counter()
        for it in items_for(texts[:200], "-single"):
            store.save_batch(crawl, [it])
        print(f"  save_batch of 1 (new) {(time.perf_counter() - t0) * 1000 / 200:.3f} ms/item")
        store.finish_crawl(crawl)
        print("  db size", os.path.getsize(os.path.join(d, "bench.db")) // 1024, "KB")
        store.close()


if __name__ == "__main__":
    main()
