"""The replica aBamako site: ``generate_site`` writes it, its public names for tests.

The real news.abamako.com cannot be reached from the project's machines, so tests,
benchmarks and demos run against a replica that this module writes into a folder and
``replica.server`` serves on 127.0.0.1 (pages: :mod:`replica.pages.abamako`; edits and
additions: :mod:`replica.edits`, re-exported here). What the markup follows is in
``docs/sources.md`` (known parts kept, guessed parts varied).

Layout of a generated folder (URL path -> file)::

    /                                   index.html       home: newest items (.LiNews), feed link
    /h/<id>.html                        h/<id>.html      article pages, ids consecutive
    /rubriques/depeches.asp             rubriques/depeches.asp             listing, page 1
    /rubriques/depeches.asp?page=N      rubriques/depeches.asp?page=N      listing, page N (N >= 1)
    /rubriques/<rubric>.asp[?page=N]    same scheme per rubric (politique, economie, societe,
                                        sport, international)
    /dossiers/, /documents/             index.html pages (a dossier list; a few PDF documents)
    /rss/rss.xml, /rss                  RSS 2.0, the 50 newest articles (rss/rss.xml, rss/index.xml)
    /sitemap.xml                        all articles with <lastmod> (a guess: not known on the real site)
    /robots.txt                         allows everything but /admin/ and /recherche/
    manifest.json, faults.json          for tests; manifest.json is served as 404 by the server

Pagination is the ASP query string ``?page=N``; the files are named with the query in the
name (as ``wget --mirror`` stores them) and the replica server looks up ``path?query`` first.
Listing items are newest first, ``PER_PAGE`` to a page, with a ``div.pagination`` holding
numbered links and a ``Suivant`` link.

Absolute URLs (feed links and guids, canonical and og:url, the sitemap) are written with
``base_url`` (default ``http://news.abamako.com``, recorded in the manifest); the replica
server rewrites that prefix to its own ``http://127.0.0.1:PORT`` in every text file it
serves, so the folder can be served on any port. On-page links are relative.

Every article page's bytes depend only on (seed, id, its edits): adding articles rewrites
the listings, the feed and the sitemap but no existing article page. Files are written
only when their bytes change; an article's file mtime is its publication time until it is
edited, after which it is the edit time (always at least one second later than before, so
Last-Modified changes too).
"""

from __future__ import annotations

from pathlib import Path

from replica.edits import add_articles, edit_article, edit_articles
from replica.errors import ReplicaArgumentError
from replica.pages.abamako.article import write_article
from replica.pages.abamako.index import PER_PAGE, write_indexes
from replica.pages.abamako.spec import (
    REFERENCE_VARIANTS,
    RUBRICS,
    SEED_FILE,
    SITE_NAME,
    Params,
    article_path,
    reference_parts,
    topics_of,
)
from replica.pages.manifest import Manifest, load_manifest

__all__ = [
    "DEFAULT_BASE_URL",
    "REFERENCE_VARIANTS",
    "RUBRICS",
    "PER_PAGE",
    "Manifest",
    "generate_site",
    "load_manifest",
    "edit_article",
    "edit_articles",
    "add_articles",
    "article_path",
    "reference_parts",
    "topics_of",
]

FORMAT = 1
DEFAULT_BASE_URL = "http://news.abamako.com"


def generate_site(out_dir, *, n_articles: int = 60, first_id: int = 270000, seed: int = 0,
                  page_kb: float | None = None, variants: bool = True,
                  base_url: str = DEFAULT_BASE_URL) -> Manifest:
    """Write a replica aBamako site into ``out_dir`` and return its manifest.

    Ids run from ``first_id`` to ``first_id + n_articles - 1``; with ``variants`` the
    seven reference variants (``REFERENCE_VARIANTS``) take consecutive ids, all dated 30
    June 2022, and publication dates increase with ids. ``page_kb`` pads every HTML page
    with boilerplate to about that size (±10%). ``base_url`` is the prefix of absolute
    URLs, rewritten by the replica server to its own.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if variants and n_articles < len(REFERENCE_VARIANTS):
        raise ReplicaArgumentError(f"variants need n_articles >= {len(REFERENCE_VARIANTS)}")
    ref_len = len(REFERENCE_VARIANTS) if variants else 0
    offset = min(20, (n_articles - ref_len) // 2)
    step = max(10.0, min(3 * 24 * 60.0, 540 * 24 * 60.0 / max(1, n_articles)))
    m = {
        "format": FORMAT, "generator": "replica", "site_name": SITE_NAME,
        "seed": seed, "first_id": first_id, "n_articles": n_articles, "page_kb": page_kb,
        "variants": variants, "base_url": base_url.rstrip("/"), "step_minutes": step,
        "ref_start": first_id + offset, "ref_len": ref_len, "per_page": PER_PAGE,
        "pagination": "/rubriques/<section>.asp?page=N (page 1 also without ?page)",
        "articles": {}, "reference": {},
    }
    p = Params.from_manifest(m)
    for aid in range(first_id, first_id + n_articles):
        entry = write_article(out, p, aid, None)
        m["articles"][str(aid)] = entry
        if entry["variant"]:
            m["reference"][entry["variant"]] = aid
            ref_text = SEED_FILE.read_bytes().decode("utf-8")
            assert entry["text"] == ref_text, "reference variant does not give the seed text"
    write_indexes(out, m)
    man = Manifest(out, m)
    man.save()
    return man
