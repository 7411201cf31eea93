"""What a generated site holds: its ``manifest.json``, read and written.

Two shapes, one file name and one encoding (JSON, UTF-8, ``indent=1``):

- :class:`Manifest`, the aBamako replica's (``replica.site``): a dict kept as loaded, with
  articles by id, their expected texts, revisions and dates, listings and feeds, and
  :meth:`Manifest.file_for` (the file served for a URL path);
- :class:`SiteManifest`, a sister site's (``replica.sites``): name, base URL, site, CMS
  kind, the articles (path, id, expected text and its hash, date) and the non-article
  pages that look close to articles.

Decisions:
- The server never serves ``manifest.json`` (it is for tests, benchmarks and edits); it
  reads only ``base_url`` from it, to rewrite absolute URLs to its own address.
- The aBamako manifest stays a plain dict: edits change it in place and save it whole.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from replica.pages.toolkit import write_file

__all__ = ["MANIFEST", "Manifest", "SiteManifest", "load_manifest", "load_site_manifest", "save"]

MANIFEST = "manifest.json"


def save(out_dir: Path, data: dict) -> None:
    """Write ``data`` as ``out_dir/manifest.json`` (only if its bytes change)."""
    write_file(Path(out_dir) / MANIFEST, json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))


def _read(out_dir) -> dict:
    return json.loads((Path(out_dir) / MANIFEST).read_bytes())


@dataclass
class Manifest:
    """What a generated aBamako site holds; ``manifest.json`` in the site folder.

    ``articles`` maps id -> dict with: id, path, title, headline, dateline, caption,
    publisher, rubric, published (ISO), date (YYYY-MM-DD), month, encoding (bytes:
    "cp1252" | "utf-8"), declared_charset, variant (reference variant or None), teaser,
    paragraphs (count), text (the expected article in the text format), sha256 (of
    text), topics, rev (content edits), boiler_rev (boilerplate edits), modified (ISO).
    """

    out_dir: Path
    data: dict

    @property
    def articles(self) -> dict[int, dict]:
        return {int(k): v for k, v in self.data["articles"].items()}

    @property
    def ids(self) -> list[int]:
        return sorted(int(k) for k in self.data["articles"])

    def article(self, aid: int) -> dict:
        return self.data["articles"][str(aid)]

    @property
    def reference(self) -> dict[str, int]:
        """Reference variant name -> article id."""
        return dict(self.data["reference"])

    @property
    def listings(self) -> list[str]:
        return list(self.data["listings"])

    @property
    def feeds(self) -> list[str]:
        return list(self.data["feeds"])

    @property
    def base_url(self) -> str:
        return self.data["base_url"]

    def file_for(self, url_path: str) -> Path:
        """The file served for a URL path (``/rss`` -> ``rss/index.xml``)."""
        f = self.out_dir / _file_rel(url_path)
        if f.is_dir():
            for index in ("index.html", "index.xml"):
                if (f / index).exists():
                    return f / index
        elif f.name == "index.html" and not f.exists() and (f.parent / "index.xml").exists():
            return f.parent / "index.xml"
        return f

    def save(self) -> None:
        save(self.out_dir, self.data)


def _file_rel(url_path: str) -> str:
    path, _, query = url_path.partition("?")
    rel = path.lstrip("/")
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    return rel + (f"?{query}" if query else "")


def load_manifest(out_dir) -> Manifest:
    """The manifest of the aBamako site generated in ``out_dir``."""
    return Manifest(Path(out_dir), _read(out_dir))


@dataclass
class SiteManifest:
    """What a generated sister site holds (``replica.sites.generate``)."""

    name: str
    base_url: str
    site: str
    kind: str
    articles: list[dict] = field(default_factory=list)  # path, id, text, hash, published
    pages: list[str] = field(default_factory=list)  # paths of non-article pages that look close
    out_dir: str = ""

    def texts(self) -> dict[str, str]:
        return {a["path"]: a["text"] for a in self.articles}

    def save(self) -> None:
        data = asdict(self)
        data.pop("out_dir")
        save(Path(self.out_dir), data)


def load_site_manifest(out_dir) -> SiteManifest:
    """The manifest of the sister site generated in ``out_dir``."""
    data = _read(out_dir)
    return SiteManifest(**{k: data[k] for k in ("name", "base_url", "site", "kind", "articles", "pages")},
                        out_dir=str(out_dir))
