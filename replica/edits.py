"""Changing a generated aBamako site: edit articles, add articles (``python -m replica
edit|add``, ``veille replica edit|add``).

An edit changes an article's page on disk and its manifest entry, then refreshes the
index files (home, listings, feed, sitemap); only files whose bytes change are written.

Decisions:
- A content edit (``rev``) overrides the paragraphs or the headline; without either it
  appends an update paragraph drawn from ``edit:<seed>:<id>:<rev>``. A boilerplate edit
  (``boiler_rev``) changes only the view counter, sidebar and comments: the page's bytes
  and ETag change, its text and sha256 do not.
- An edited page's mtime is the edit time, at least one second after the previous one
  (``write_file``), so Last-Modified moves with every change; an edit that gives the
  same bytes keeps the entry's ``modified``.
- Added articles follow the highest id, dated after it; no existing article page
  changes (pages link to earlier articles only).
"""

from __future__ import annotations

import random
import re
from pathlib import Path

from replica.errors import ReplicaArgumentError
from replica.pages.abamako.article import write_article
from replica.pages.abamako.index import write_indexes
from replica.pages.abamako.spec import Params, make_spec
from replica.pages.abamako.words import contract, sentence
from replica.pages.manifest import Manifest, load_manifest

__all__ = ["add_articles", "edit_article", "edit_articles"]


def _open(out_dir) -> tuple[Path, Manifest, Params]:
    out = Path(out_dir)
    man = load_manifest(out)
    return out, man, Params.from_manifest(man.data)


def _refresh(out: Path, man: Manifest) -> None:
    """After articles changed: the index files, then the manifest."""
    write_indexes(out, man.data)
    man.save()


def edit_article(out_dir, aid: int, *, body: list[str] | str | None = None,
                 headline: str | None = None, boilerplate_only: bool = False) -> dict:
    """Change article ``aid`` on disk and in the manifest; returns its new entry.

    - ``boilerplate_only``: only the page's boilerplate changes (view counter, sidebar,
      comments); headline, dateline, caption and body bytes stay the same, so the
      expected text (and its sha256) does not change but the page's bytes and ETag do.
    - ``body``: new paragraphs (a list, or a string split on blank lines).
    - ``headline``: a new headline (title follows).
    - neither: a content edit: an update paragraph is appended to the body.
    Listings, feed and sitemap are refreshed (only files whose bytes change are written).
    """
    return edit_articles(out_dir, [aid], body=body, headline=headline,
                         boilerplate_only=boilerplate_only)[0]


def edit_articles(out_dir, ids, *, body: list[str] | str | None = None,
                  headline: str | None = None, boilerplate_only: bool = False) -> list[dict]:
    """``edit_article`` for several ids, refreshing the indexes and manifest once."""
    out, man, p = _open(out_dir)
    m = man.data
    entries = []
    for aid in ids:
        old = m["articles"][str(aid)]
        override = dict(old.get("override") or {})
        rev, boiler_rev = old["rev"], old["boiler_rev"]
        if boilerplate_only:
            if body is not None or headline is not None:
                raise ReplicaArgumentError("boilerplate_only excludes body and headline")
            boiler_rev += 1
        else:
            rev += 1
            if body is not None:
                override["paragraphs"] = ([x for x in re.split(r"\n\s*\n", body) if x.strip()]
                                          if isinstance(body, str) else list(body))
            if headline is not None:
                override["headline"] = headline
            if body is None and headline is None:
                cur = override.get("paragraphs") or make_spec(p, aid).paragraphs
                rng = random.Random(f"edit:{p.seed}:{aid}:{rev}")
                override["paragraphs"] = list(cur) + [
                    f"Mise à jour ({rev}) : {contract(sentence(rng, old['rubric']))}"]
        entry = write_article(out, p, aid, old, override=override or None, rev=rev,
                               boiler_rev=boiler_rev, edited=True)
        m["articles"][str(aid)] = entry
        entries.append(entry)
    _refresh(out, man)
    return entries


def add_articles(out_dir, n: int) -> list[int]:
    """Add ``n`` new articles after the highest id (dates keep increasing); refresh the
    home page, listings, feed and sitemap. Returns the new ids."""
    out, man, p = _open(out_dir)
    m = man.data
    start = max(man.ids) + 1
    new = list(range(start, start + n))
    for aid in new:
        m["articles"][str(aid)] = write_article(out, p, aid, None)
    _refresh(out, man)
    return new
