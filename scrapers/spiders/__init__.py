"""veille's spiders. `scrapy list` shows them; :func:`spider_names` tells their names
without importing them (the config checks its sources' ``spider`` with it)."""

__all__ = ["spider_names"]


def spider_names() -> list[str]:
    """The names `scrapy list` shows, sorted: the aBamako family (one spider per row of
    :data:`scrapers.parsers.abamako.FAMILY`), the configurable ``news`` spider and one per
    built-in source of ``scrapers/sources.toml`` (``tests/unit/test_daily.py`` checks they
    agree with Scrapy's spider loader)."""
    from scrapers.parsers.abamako import FAMILY
    from scrapers.sources import builtin_names

    return sorted({*(row.name for row in FAMILY), "news", *builtin_names()})
