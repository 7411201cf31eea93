"""The toolkit every replica site family builds its pages with.

- markup: ``esc`` / ``attr`` (HTML escaping), ``el`` (one element), ``page_skeleton`` (the
  doctype, head and body every page has), ``encode`` (a page's bytes in its charset);
- ``slugify``, ``paginate`` (a listing cut into numbered pages);
- ``rss`` and ``sitemap`` / ``sitemap_entry``: the feed and sitemap writers;
- ``Family``: the base of a CMS family's listing pages (sections cut into pages, each page
  written under one or more file names);
- ``write_file``: write a file only when its bytes change, with the replica's mtime rules.

Dates are formatted by :mod:`replica.dates`; manifests are :mod:`replica.pages.manifest`.

Decisions:
- Pages are built as strings and encoded at the end with ``xmlcharrefreplace``: a
  character the page's charset lacks becomes a numeric reference, as CMSs write them.
- The writers take the separator between elements (``nl``): the aBamako CMS puts each
  element on its line, WordPress, SPIP and Malijet write theirs on one line. The bytes of
  every family stay what they were when each wrote its own.
"""

from __future__ import annotations

import html
import os
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

__all__ = [
    "DOCTYPE_HTML5",
    "DOCTYPE_XHTML",
    "Family",
    "Put",
    "attr",
    "el",
    "encode",
    "esc",
    "page_skeleton",
    "paginate",
    "rss",
    "sitemap",
    "sitemap_entry",
    "slugify",
    "write_file",
]

DOCTYPE_XHTML = ('<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
                 '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">')
DOCTYPE_HTML5 = "<!DOCTYPE html>"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


# -- markup ---------------------------------------------------------------------------------

def esc(s: str) -> str:
    """Text content: ``&``, ``<``, ``>`` escaped (quotes kept)."""
    return html.escape(s, quote=False)


def attr(s: str) -> str:
    """An attribute value (quotes escaped too)."""
    return html.escape(s, quote=True)


def el(tag: str, content: str, attrs: str = "") -> str:
    """``<tag attrs>content</tag>``; ``content`` is markup (escape text first)."""
    return f"<{tag}{attrs}>{content}</{tag}>"


def page_skeleton(doctype: str, head: str, body: str, *, html_attrs: str = "",
                  body_attrs: str = "", nl: str = "") -> str:
    """A whole page: doctype, ``<html>``, ``<head>`` holding ``head``, ``<body>`` holding
    ``body``; ``nl`` goes after each of these tags (``"\\n"`` or nothing)."""
    return (f"{doctype}\n<html{html_attrs}>{nl}<head>{nl}{head}</head>{nl}"
            f"<body{body_attrs}>{nl}{body}</body>{nl}</html>\n")


def encode(page: str, encoding: str) -> bytes:
    return page.encode(encoding, errors="xmlcharrefreplace")


def slugify(text: str) -> str:
    """``"Mali : l’été"`` -> ``"mali-lete"`` (ASCII, at most 60 characters)."""
    t = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    out = "".join(c if c.isalnum() else "-" for c in t)
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-")[:60].strip("-")


def paginate(items: Sequence, per_page: int) -> list[tuple[int, int, list]]:
    """``(n, last, items of page n)`` for n = 1..last; an empty listing has one empty page."""
    last = max(1, -(-len(items) // per_page))
    return [(n, last, list(items[(n - 1) * per_page:n * per_page])) for n in range(1, last + 1)]


# -- feeds and sitemaps ---------------------------------------------------------------------

def rss(channel: Iterable[str], items: Iterable[Iterable[str]], *, encoding: str = "utf-8",
        namespaces: str = "", channel_attrs: str = "", item_attrs: str = "", nl: str = "") -> str:
    """An RSS 2.0 document: ``channel`` (its elements, as markup) then one ``<item>`` per
    element list of ``items``; ``nl`` after each tag and element, each item on its line."""
    head = (f'<?xml version="1.0" encoding="{encoding}"?>{nl}<rss version="2.0"{namespaces}>{nl}'
            f"<channel{channel_attrs}>{nl}")
    body = "".join(f"{x}{nl}" for x in channel) + "".join(
        f"<item{item_attrs}>{nl}" + "".join(f"{x}{nl}" for x in item) + "</item>\n" for item in items)
    return f"{head}{body}</channel>{nl}</rss>\n"


def sitemap_entry(loc: str, lastmod: str | None = None, extra: str = "", *, tag: str = "url") -> str:
    """``<url><loc>…</loc><lastmod>…</lastmod>…</url>`` (``tag="sitemap"`` in an index)."""
    return f"<{tag}><loc>{loc}</loc>" + (f"<lastmod>{lastmod}</lastmod>" if lastmod else "") + f"{extra}</{tag}>"


def sitemap(entries: Iterable[str], *, index: bool = False, namespaces: str = "", nl: str = "") -> str:
    """A sitemap (``<urlset>``) or a sitemap index (``<sitemapindex>``) of ``entries``."""
    root = "sitemapindex" if index else "urlset"
    return (f'<?xml version="1.0" encoding="UTF-8"?>{nl}<{root} xmlns="{SITEMAP_NS}"{namespaces}>{nl}'
            + "".join(f"{x}{nl}" for x in entries) + f"</{root}>\n")


# -- a family's listings ----------------------------------------------------------------------

Put = Callable[[str, "str | bytes"], object]


class Family:
    """The base of a CMS family: its listing sections, each cut into pages of ``per_page``
    items. A subclass says what the sections are, where a page is written and what it
    looks like; :meth:`write_listings` writes them all."""

    per_page = 10

    def sections(self) -> Iterable[tuple[str, str, Sequence]]:
        """``(slug, label, items)`` of each listing section, items newest first."""
        raise NotImplementedError

    def listing_files(self, slug: str, n: int) -> list[str]:
        """The file name(s) page ``n`` of section ``slug`` is written under."""
        raise NotImplementedError

    def listing(self, slug: str, label: str, items: list, n: int, last: int) -> str | bytes:
        """Page ``n`` of ``last`` of a section, holding ``items``."""
        raise NotImplementedError

    def write_listings(self, put: Put) -> list[tuple[str, int]]:
        """Write every page of every section with ``put(name, page)``; returns the
        ``(slug, n)`` of the pages written, in order."""
        written = []
        for slug, label, items in self.sections():
            for n, last, chunk in paginate(items, self.per_page):
                page = self.listing(slug, label, chunk, n, last)
                for name in self.listing_files(slug, n):
                    put(name, page)
                written.append((slug, n))
        return written


# -- files ----------------------------------------------------------------------------------

def write_file(path: Path, data: bytes, mtime: float | None = None) -> bool:
    """Write ``data`` if it differs from the file; True when written.

    A rewritten file's mtime is ``mtime`` if given, else now but at least one second after
    the old mtime, so Last-Modified always moves when the bytes change. The file is
    replaced atomically (a ``.tmp`` sibling, which the server never serves)."""
    old_mtime = None
    try:
        st = path.stat()
        if st.st_size == len(data) and path.read_bytes() == data:
            return False
        old_mtime = st.st_mtime
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
    if mtime is None:
        mtime = time.time()
        if old_mtime is not None and int(mtime) <= int(old_mtime):
            mtime = int(old_mtime) + 1
    os.utime(tmp, (mtime, mtime))
    os.replace(tmp, path)
    return True
