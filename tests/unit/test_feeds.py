"""Feed and sitemap reading, including hostile XML."""

import pytest

from scrapers.feeds import FeedError, feed_date, parse_feed

RSS = b"""<?xml version="1.0" encoding="iso-8859-1"?>
<rss version="2.0"><channel><title>aBamako</title>
<item><title>Premier</title><link>http://news.abamako.com/h/290001.html</link>
<pubDate>Thu, 30 Jun 2022 10:00:00 +0000</pubDate><guid>http://news.abamako.com/h/290001.html</guid></item>
<item><title>Sans lien</title><guid isPermaLink="true">http://news.abamako.com/h/290002.html</guid></item>
<item><title>Caf\xe9</title><link>
   /h/290003.html
</link></item>
</channel></rss>"""


def test_rss_items_in_order():
    entries = parse_feed(RSS)
    assert [e.url for e in entries] == [
        "http://news.abamako.com/h/290001.html",
        "http://news.abamako.com/h/290002.html",
        "/h/290003.html",
    ]
    assert entries[2].title == "Café"
    assert feed_date(entries[0].published) == "2022-06-30T10:00:00+00:00"
    assert feed_date("not a date") == ""


def test_atom_and_sitemap():
    atom = b"""<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>A</title>
    <link rel="alternate" href="https://x.org/a"/><updated>2024-01-01T00:00:00Z</updated></entry></feed>"""
    assert [e.url for e in parse_feed(atom)] == ["https://x.org/a"]
    sm = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://x.org/b</loc>
    <lastmod>2024-02-02</lastmod></url></urlset>"""
    (e,) = parse_feed(sm)
    assert (e.url, e.updated) == ("https://x.org/b", "2024-02-02")


def test_billion_laughs_is_refused_without_expanding():
    bomb = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
    <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
    <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
    <rss><channel><item><title>&lol3;</title><link>http://a/h/1.html</link></item></channel></rss>"""
    with pytest.raises(FeedError) as err:
        parse_feed(bomb)
    assert err.value.reason == "hostile-feed"


def test_external_entity_is_never_read():
    xxe = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
    <rss><channel><item><title>&xxe;</title><link>http://a/h/1.html</link></item></channel></rss>"""
    with pytest.raises(FeedError):
        parse_feed(xxe)


def test_undeclared_entities_and_deep_nesting_do_not_hurt():
    deep = b"<rss><channel>" + b"<x>" * 5000 + b"</x>" * 5000 + b"<item><link>http://a/1</link></item></channel></rss>"
    entries = parse_feed(deep)
    assert len(entries) <= 1


@pytest.mark.parametrize(
    "body,reason",
    [
        (b"", "empty-feed"),
        (b"   \n", "empty-feed"),
        (b"<!DOCTYPE html><html><body>feed moved</body></html>", "not-a-feed"),
        (b"<root><a/></root>", "not-a-feed"),
        (b"\x00\x01\x02 not xml at all", "bad-xml"),
    ],
)
def test_what_is_not_a_feed(body, reason):
    with pytest.raises(FeedError) as err:
        parse_feed(body)
    assert err.value.reason == reason


def test_truncated_feed_gives_what_it_can():
    entries = parse_feed(b"<rss><channel><item><link>http://a/h/1.html</link></item><item><link>http://a/h/2")
    assert entries[0].url == "http://a/h/1.html"
