"""Replicas of the other Sahel news sources: small static sites in each CMS's markup.

This module is the table of sites (``SITES``: one entry a site, naming its CMS family) and
``generate``; the families are :mod:`replica.pages.wordpress`, :mod:`replica.pages.malijet`
and :mod:`replica.pages.spip`, on the base :mod:`replica.pages.sister`.

``generate(name, out_dir, n=15, seed=...)`` writes the site of one source into
``out_dir`` (served by :func:`replica.server.serve` like the aBamako replica) and
returns its :class:`SiteManifest`, also written to ``out_dir/manifest.json``: the real
site's ``base_url`` (the server rewrites it to its own address in every text file), and
for each article its path and its expected text in the text format
(``veille.core.textformat.write``): ``<headline> - <site>`` on line 1, the date line as the
page shows it, the photo caption, the body paragraphs.

Sites (``SITES``), following docs/sources.md ("Other Sahel sources"):

- ``maliweb``: WordPress with the tagDiv theme; ``/feed`` (RSS, the 10 newest),
  ``/category/<slug>[/page/N]`` listings (``h3.entry-title a``, 4 to a page), articles
  ``/<rubrique>/<slug>-<id>.html`` with ``h1.entry-title``, ``time.entry-date``,
  ``div.td-post-content`` (featured image and its caption, ads, share box inside);
- ``malijet``: its own CMS, windows-1252 pages declared ``iso-8859-1``; ``/rss``, listing
  ``/actualite/a_la_une_du_mali.html[?page=N]`` (``a.next_page``), articles
  ``/actualite/<rubrique>/<id>-<slug>.html`` with ``h1.page_title``, ``span.story_date``,
  ``span.image_caption``, ``p.article_abstract``, ``div#article_body p`` (and an ad
  paragraph inside the body);
- ``lefaso``: SPIP; ``/spip.php?page=backend``, ``/spip.php?rubrique2[&debut_articles=N]``,
  articles ``/spip.php?article<id>`` (``h1.entry-title``, ``p.info-publi``, ``div.chapo``,
  ``div.texte.entry-content`` holding a ``dl.spip_documents`` with the caption). The
  server types files by extension, so a ``faults.json`` gives ``spip.php`` URLs their
  Content-Type (``text/html``; RSS for the backend);
- ``studiotamani``, ``journaldumali``, ``lessor``: WordPress with a standard theme
  (``h1.entry-title``, ``span.posted-on``, ``figure.post-thumbnail``, ``div.entry-content``)
  and URLs ``/<id>-<slug>`` (Studio Tamani) or ``/YYYY/MM/DD/<slug>/``; ``/feed/``,
  ``/category/<slug>/[page/N/]`` (``h2.entry-title a``, ``a.next.page-numbers``),
  ``/sitemap_index.xml`` (Yoast: ``post-sitemap.xml``, ``page-sitemap.xml``) and a Google
  News sitemap ``/news-sitemap.xml``. ``lessor`` is not a built-in source (a test adds it
  from configuration alone).

Every page carries the furniture generic extraction has to see through: a cookie banner,
menus, breadcrumbs, share buttons, related posts, "most read" sidebars, comments with
long texts, a comment form, footers and scripts. Pages depend only on (name, seed, n).
"""

from __future__ import annotations

from pathlib import Path

from replica.errors import ReplicaArgumentError
from replica.pages.malijet import Malijet
from replica.pages.manifest import SiteManifest, load_site_manifest
from replica.pages.sister import make_articles
from replica.pages.spip import Spip
from replica.pages.wordpress import TagDiv, WordPress
from veille.core.textformat import content_hash, write

__all__ = ["SITES", "SiteManifest", "generate", "load_site_manifest"]

# one entry a site: its CMS family (``kind``), the real site's address, the site name of
# the expected texts' first line, the brand its pages show, ``id_base`` (articles are
# numbered id_base + 1 .. id_base + n, newest highest)
SITES = {
    "maliweb": dict(kind="tagdiv", base_url="https://www.maliweb.net", site="maliweb.net", brand="Maliweb.net",
                    id_base=3051200),
    "malijet": dict(kind="malijet", base_url="https://malijet.com", site="malijet.com", brand="Malijet",
                    id_base=291400),
    "lefaso": dict(kind="spip", base_url="https://lefaso.net", site="lefaso.net", brand="Lefaso.net",
                   id_base=130100),
    "studiotamani": dict(kind="wp", base_url="https://www.studiotamani.org", site="studiotamani.org",
                         brand="Studio Tamani", urls="id", id_base=80200),
    "journaldumali": dict(kind="wp", base_url="https://www.journaldumali.com", site="journaldumali.com",
                          brand="Journal du Mali", urls="date", id_base=41000),
    "lessor": dict(kind="wp", base_url="https://www.lessor.ml", site="lessor.ml", brand="L'Essor",
                   urls="date", id_base=52000),
}
KINDS = {"wp": WordPress, "tagdiv": TagDiv, "malijet": Malijet, "spip": Spip}


def generate(name: str, out_dir, n: int = 15, seed: int = 1) -> SiteManifest:
    """Write the replica of source ``name`` (a key of ``SITES``) into ``out_dir``."""
    if name not in SITES:
        raise ReplicaArgumentError(f"no replica for {name!r}; known: {', '.join(SITES)}")
    if not 1 <= n <= 200:
        raise ReplicaArgumentError("n: 1 to 200 articles")
    cfg = SITES[name]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    arts = make_articles(name, n, seed, cfg["id_base"])
    family = KINDS[cfg["kind"]](name, cfg, arts)

    def put(rel: str, data: str | bytes) -> None:
        p = out / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))

    family.write(put)
    man = SiteManifest(name=name, base_url=cfg["base_url"], site=cfg["site"], kind=cfg["kind"], out_dir=str(out))
    for a in arts:
        text = write(family.expected(a))
        man.articles.append({"path": family.path(a), "id": a.id, "published": a.published.date().isoformat(),
                             "headline": a.headline, "text": text, "hash": content_hash(text)})
    man.pages = family.pages()
    man.save()
    return man
