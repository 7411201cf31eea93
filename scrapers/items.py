"""What spiders hand to the pipelines: an article, or a page that gave none, and the
article links they found."""

import scrapy


class ArticleItem(scrapy.Item):
    """One fetched article page, normalized into the text format."""

    url = scrapy.Field()  # the URL fetched (after on-site redirects)
    found_as = scrapy.Field()  # the URL asked for, when it redirected (it leaves `pending` too)
    source = scrapy.Field()  # the configured source ("abamako")
    site = scrapy.Field()  # the site name in line 1 ("abamako.com")
    title = scrapy.Field()  # the page title (line 1)
    headline = scrapy.Field()
    published = scrapy.Field()  # ISO date "YYYY-MM-DD"
    rubric = scrapy.Field()
    publisher = scrapy.Field()
    canonical_url = scrapy.Field()
    method = scrapy.Field()  # which extraction produced the text
    date_source = scrapy.Field()  # line 1's month: "page" (its own date) or "first_seen"
    text = scrapy.Field()  # the article in the text format
    content_hash = scrapy.Field()  # SHA-256 hex of the UTF-8 text
    fetched_at = scrapy.Field()
    etag = scrapy.Field()
    last_modified = scrapy.Field()
    extractor = scrapy.Field()  # the method and the parsers' version (scrapers.parsers.version)
    # the page as fetched (storage.archive.Page), for the archive; not stored in SQLite,
    # absent when the archive is off (VEILLE_ARCHIVE=off)
    page = scrapy.Field()


class SkipItem(scrapy.Item):
    """A page that gave no article: skipped (by rule) or failed (by fault)."""

    url = scrapy.Field()
    kind = scrapy.Field()  # "skipped" or "failed"
    reason = scrapy.Field()  # short code: "no-article", "http-404", "timeout", ...
    detail = scrapy.Field()
    http_status = scrapy.Field()
    # for an article the crawl found (not a known one re-checked, not a feed): how it was
    # found (feed, listing, sitemap, ids) and what the failure means for it in `pending`:
    # "retry", "gone" (404/410) or "done" (not an article); None otherwise
    discovered_by = scrapy.Field()
    pending = scrapy.Field()


class DiscoveredItem(scrapy.Item):
    """Article links a feed, listing or sitemap showed that the store does not know: they
    are ``pending`` until stored (written ahead of their fetch)."""

    urls = scrapy.Field()  # list of URLs
    kind = scrapy.Field()  # "feed", "listing" or "sitemap"


class GapItem(scrapy.Item):
    """An id of an id walk that answered 404 or 410: no article there (counted, not a
    failure)."""

    url = scrapy.Field()


class NotModifiedItem(scrapy.Item):
    """A known article that answered 304 to a conditional request: unchanged, not parsed."""

    url = scrapy.Field()
    etag = scrapy.Field()
    last_modified = scrapy.Field()
    fetched_at = scrapy.Field()


class PageItem(scrapy.Item):
    """A feed or listing page fetched (200) or found unchanged (304), with its validators."""

    url = scrapy.Field()
    kind = scrapy.Field()  # "feed" or "listing"
    status = scrapy.Field()
    etag = scrapy.Field()
    last_modified = scrapy.Field()
    fetched_at = scrapy.Field()
