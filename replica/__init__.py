"""Replica of the aBamako site, generated and served on 127.0.0.1 for tests and benchmarks.

- :mod:`replica.site`: ``generate_site``, ``edit_article``, ``edit_articles``,
  ``add_articles``, ``load_manifest`` (the static site and its ``manifest.json``).
- :mod:`replica.server`: ``serve`` (a server in a child process, with ETag /
  Last-Modified / 304, a fault map and a hit log).
- CLI: ``python -m replica generate OUT [--articles N] [--page-kb K]``,
  ``python -m replica serve DIR [--port P]``.
"""

from replica.server import ReplicaServer, serve
from replica.site import (
    REFERENCE_VARIANTS,
    Manifest,
    add_articles,
    edit_article,
    edit_articles,
    generate_site,
    load_manifest,
    reference_parts,
)

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
