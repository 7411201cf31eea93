"""Replica news sites, generated and served on 127.0.0.1 for tests, benchmarks and the demo.

A test bench, not part of the product: the wheel leaves it out and nothing that ships
imports it (``pyproject.toml``, import-linter); it may import veille's core.

- :mod:`replica.site`: the aBamako replica: ``generate_site``, ``load_manifest``, and
  :mod:`replica.edits`: ``edit_article``, ``edit_articles``, ``add_articles``;
- :mod:`replica.sites`: the other Sahel sources (WordPress, tagDiv, Malijet, SPIP):
  ``generate``;
- :mod:`replica.pages`: page generation (the toolkit every family builds with, the
  families); :mod:`replica.dates`: French, RFC 822 and ISO dates;
- :mod:`replica.server`: ``serve`` (a server in a child process, with ETag /
  Last-Modified / 304, a fault map and a hit log); the server itself is
  :mod:`replica.httpd`, its faults :mod:`replica.faults`;
- CLI (:mod:`replica.__main__`): ``python -m replica generate OUT [--articles N]
  [--page-kb K]``, ``python -m replica serve DIR [--port P]``, ``python -m replica edit
  DIR ID...``, ``python -m replica add DIR N`` (also ``veille replica ...``);
- :mod:`replica.demo`: ``make demo``; :mod:`replica.errors`: what the replica raises.
"""

from replica.edits import add_articles, edit_article, edit_articles
from replica.pages.manifest import Manifest, load_manifest
from replica.server import ReplicaServer, serve
from replica.site import REFERENCE_VARIANTS, generate_site, reference_parts

__all__ = [
    "REFERENCE_VARIANTS",
    "Manifest",
    "ReplicaServer",
    "add_articles",
    "edit_article",
    "edit_articles",
    "generate_site",
    "load_manifest",
    "reference_parts",
    "serve",
]
