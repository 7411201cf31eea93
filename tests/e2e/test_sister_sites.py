"""The aBamako CMS family: a sister site crawls with the same spider through a subclass."""

from __future__ import annotations

import pytest

from helpers import rows, run_crawl
from replica.server import serve
from replica.site import generate_site


@pytest.mark.parametrize("spider,site", [("acotonou", "acotonou.com"), ("abidjan", "abidjan.net")])
def test_sister_site_replica_crawls_into_the_text_format(tmp_path, spider, site):
    """A replica of the CMS under the sister site's name: its <title>s end in
    ' - <site>', as the network's pages do."""
    m = generate_site(tmp_path / "site", n_articles=15, variants=False)
    expected = {}
    for art in m.articles.values():
        page = m.out_dir / art["path"].lstrip("/")
        raw = page.read_bytes()
        assert b" - abamako.com</title>" in raw
        page.write_bytes(raw.replace(b" - abamako.com</title>", f" - {site}</title>".encode()))
        first, rest = art["text"].split("\n", 1)
        expected[art["path"]] = first.replace(" - abamako.com", f" - {site}") + "\n" + rest
    db = tmp_path / "v.db"
    with serve(m.out_dir) as srv:
        run_crawl(db, srv.base_url, spider=spider)
        stored = {r["url"]: r for r in rows(
            db, "select a.url, a.source, a.site, a.method, c.text from articles a"
                " join contents c on c.hash = a.content_hash")}
        assert len(stored) == len(expected)
        for path, text in expected.items():
            row = stored[srv.base_url + path]
            assert (row["source"], row["site"], row["method"]) == (spider, site, "abamako")
            assert row["text"] == text
