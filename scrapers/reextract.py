"""Today's parsers on pages already archived: no false alert when the extractor changes.

    counts = before_save(store, archive, crawl_id, source, site, parser, items)  # the pipeline
    counts = reextract(store, source=None, since=None, dry_run=False)           # veille reextract

Every version records its ``extractor`` (the parser's method and the parsers' version:
:mod:`scrapers.parsers.version`) and its page in the archive (:mod:`storage.archive`).

Decisions:

- **Like with like** (:func:`before_save`, run by the pipeline on each batch before it is
  saved): when a fetched page's text differs from the stored one and the stored text was
  made by other parsers than today's, the stored text's archived page is read again by
  today's parser. If that gives another text, it is recorded first as an ``extractor``
  version (never flagged), and the fetched text is compared with it: only a difference
  that remains is an update (flagged as usual, its diff showing the edit alone); none
  left, and the fetch is ``unchanged``. Without an archived page (the archive off, or a
  store older than it) there is nothing to compare with: the fetch is saved as before.
- The archive gets a page only when its text is new for the article (a new article, an
  update): a 304, or a page whose text is unchanged (after the comparison above), adds no
  record. The files are fsynced before the batch's transaction, so no version points at
  bytes a power cut lost. A page that cannot be archived (full disk) is logged and counted
  (``veille/archive/failed``); its version is saved without a record.
- :func:`reextract` (``veille reextract``) reads, article by article, the archived page of
  each current text made by other parsers than today's, and records the texts that change
  as ``extractor`` versions, one transaction per batch (:func:`storage.extractions.record`:
  a text that moved on meanwhile is left alone), never a flag. Running it again finds
  every text current: it writes nothing.
- The parser of a page is the one its source's crawls use: the aBamako CMS's for its
  spiders, the source's configured rules or coded parser (:func:`source_parser`) for the
  others, else the registry's choice for the page (:func:`parser_for`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from scrapers.parsers.abamako import FAMILY, AbamakoParser
from scrapers.parsers.registry import parser_for, source_parser
from scrapers.parsers.version import extractor_of, parsers_version, version_of
from scrapers.sources import resolve_source
from storage import extractions
from storage.archive import Archive, Page, read_page
from storage.extractions import Change, Current
from veille.core.clock import parse_iso
from veille.core.errors import ArchiveError, ConfigError, FormatError, NotAnArticle, UnknownSource
from veille.core.textformat import content_hash

__all__ = ["before_save", "reextract", "read_again", "parser_of_source", "Counts"]

log = logging.getLogger(__name__)

BATCH = 200  # articles per transaction of `veille reextract`


@dataclass
class Counts:
    """What a re-extraction did."""

    checked: int = 0  # archived pages read again
    current: int = 0  # texts already made by today's parsers: not read
    same: int = 0  # pages whose text today's parsers leave as it is
    changed: int = 0  # pages whose text they change
    recorded: int = 0  # extractor versions written
    unreadable: int = 0  # pages gone (retention), damaged, or no article any more
    archived: int = 0  # (the pipeline) pages archived
    archive_failed: int = 0
    errors: list[str] = field(default_factory=list)


def read_again(parser, page: Page, site: str | None, first_seen: str | None):
    """``(text, parsed article)`` of an archived page by ``parser`` (or the registry's
    choice when None); raises NotAnArticle / FormatError as a crawl's parse would."""
    if parser is None:
        parser = parser_for(page.url, page.body)
    when = parse_iso(first_seen)
    art = parser.parse(page.body, page.url, page.header("Content-Type") or "", site=site,
                       fallback_date=when.date() if when else dt.datetime.now(dt.timezone.utc).date())
    return art.text(), art


def _change(cur: Current, parser, store_dir) -> tuple[Change | None, str | None]:
    """The change today's parser makes to ``cur``'s text (None: none), or an error."""
    try:
        page = read_page(store_dir, cur.warc_file, cur.warc_offset)
        text, art = read_again(parser, page, cur.site, cur.first_seen)
    except (ArchiveError, NotAnArticle, FormatError) as exc:
        return None, f"{cur.url}: {exc}"
    h = content_hash(text)
    if h == cur.content_hash:
        return None, None
    return Change(cur.article_id, cur.content_hash, text, h, extractor_of(art.method),
                  cur.warc_file, cur.warc_offset, title=art.title, headline=art.headline,
                  method=art.method), None


def before_save(store, archive: Archive | None, crawl_id: int, source: str, site: str | None,
                parser, items: list[dict]) -> Counts:
    """Before a batch of fetched articles is saved: compare like with like, and archive the
    pages whose text is new for their article (see the module doc). Sets ``warc_file`` and
    ``warc_offset`` on the items archived."""
    counts = Counts()
    state = extractions.current(store.conn, [it["url"] for it in items])
    today = parsers_version()
    changes = []
    for it in items:
        cur = state.get(it["url"])
        if (cur is None or cur.content_hash == it.get("content_hash") or not cur.warc_file
                or version_of(cur.extractor) == today):
            continue
        counts.checked += 1
        change, error = _change(cur, parser, store.path.parent)
        if error:
            counts.unreadable += 1
            log.warning("veille: crawl %s: the previous page of %s", crawl_id, error)
        elif change is None:
            counts.same += 1
        else:
            counts.changed += 1
            changes.append(change)
            cur.content_hash = change.content_hash
    if changes:
        counts.recorded = extractions.record(store.conn, changes, crawl_id)
    if archive is None or not archive.enabled:
        return counts
    for it in items:
        page, cur = it.get("page"), state.get(it["url"])
        if page is None or it.get("warc_file") or (cur is not None and cur.content_hash == it.get("content_hash")):
            continue
        try:
            it["warc_file"], it["warc_offset"] = archive.append(source, page)
            counts.archived += 1
        except OSError as exc:
            counts.archive_failed += 1
            log.error("veille: crawl %s: %s not archived: %s", crawl_id, it["url"], exc)
    if counts.archived:
        try:
            archive.sync()
        except OSError as exc:  # the records are written, maybe not yet on the disk
            log.error("veille: crawl %s: the archive could not be synced: %s", crawl_id, exc)
    return counts


def parser_of_source(store, source: str, config=None):
    """The parser the crawls of ``source`` use, or None (the registry's choice per page)."""
    spider = extractions.last_spider(store.conn, source)
    if spider in {row.name for row in FAMILY}:
        return AbamakoParser()
    try:
        cfg = resolve_source(source, config)
    except (UnknownSource, ConfigError):
        return None
    return source_parser(urlsplit(cfg.base_url).hostname or "", cfg.selectors)


def _archive_day(warc_file: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(warc_file.rsplit("/", 1)[-1][:10])
    except ValueError:
        return None


def reextract(store, *, source: str | None = None, since: dt.date | None = None,
              dry_run: bool = False, config=None, batch: int = BATCH,
              progress: Callable[[Counts], None] | None = None) -> Counts:
    """Read again the archived page of every current text made by other parsers than
    today's (of ``source``; fetched on or after ``since``), record the texts that change as
    ``extractor`` versions (one transaction per ``batch``; none with ``dry_run``)."""
    counts = Counts()
    today = parsers_version()
    parsers: dict[str, object] = {}
    after = 0
    while True:
        rows = extractions.archived(store.conn, source, after, batch)
        if not rows:
            return counts
        after = rows[-1].article_id
        changes = []
        for cur in rows:
            if since is not None and (_archive_day(cur.warc_file) or dt.date.min) < since:
                continue
            if version_of(cur.extractor) == today:
                counts.current += 1
                continue
            if cur.source not in parsers:
                parsers[cur.source] = parser_of_source(store, cur.source, config)
            counts.checked += 1
            change, error = _change(cur, parsers[cur.source], store.path.parent)
            if error:
                counts.unreadable += 1
                counts.errors.append(error)
            elif change is None:
                counts.same += 1
            else:
                counts.changed += 1
                changes.append(change)
        if changes and not dry_run:
            counts.recorded += extractions.record(store.conn, changes)
        if progress is not None:
            progress(counts)
