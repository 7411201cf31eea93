"""What spiders hand to the pipelines: an article, or a page that gave none."""

import scrapy


class ArticleItem(scrapy.Item):
    """One fetched article page, normalized into the text format."""

    url = scrapy.Field()  # the URL fetched (after on-site redirects)
    source = scrapy.Field()  # the configured source ("abamako")
    site = scrapy.Field()  # the site name in line 1 ("abamako.com")
    title = scrapy.Field()  # the page title (line 1)
    headline = scrapy.Field()
    published = scrapy.Field()  # ISO date "YYYY-MM-DD"
    rubric = scrapy.Field()
    publisher = scrapy.Field()
    canonical_url = scrapy.Field()
    method = scrapy.Field()  # which extraction produced the text
    text = scrapy.Field()  # the article in the text format
    content_hash = scrapy.Field()  # SHA-256 hex of the UTF-8 text
    fetched_at = scrapy.Field()
    etag = scrapy.Field()
    last_modified = scrapy.Field()


class SkipItem(scrapy.Item):
    """A page that gave no article: skipped (by rule) or failed (by fault)."""

    url = scrapy.Field()
    kind = scrapy.Field()  # "skipped" or "failed"
    reason = scrapy.Field()  # short code: "no-article", "http-404", "timeout", ...
    detail = scrapy.Field()
    http_status = scrapy.Field()


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
