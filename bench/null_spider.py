"""Spiders for bench/crawl_speed.py: aBamako's spider with its article callback replaced.

Loaded by Scrapy through ``-s SPIDER_MODULES=scrapers.spiders,bench.null_spider`` (the
benchmark passes the same ``-s`` options to every run, so the only difference between two
runs is the spider, i.e. its article callback). Discovery, errbacks, settings,
middlewares and ITEM_PIPELINES (the store is opened and a crawl row written) are the same.

- ``abamako_null``: the callback does nothing: the limit of Scrapy on this machine.
- ``abamako_bs4``: BeautifulSoup(lxml) over the whole page, text extracted, no item:
  for scale (what a naive pipeline costs).
"""

from __future__ import annotations

from scrapers.spiders.abamako import AbamakoSpider


class NullAbamakoSpider(AbamakoSpider):
    name = "abamako_null"

    def parse_article(self, response):
        return ()


class Bs4AbamakoSpider(AbamakoSpider):
    name = "abamako_bs4"

    def parse_article(self, response):
        from bs4 import BeautifulSoup

        soup = BeautifulSoup(response.body, "lxml")
        node = soup.find(class_="FullArticleTexte")
        if node is not None:
            node.get_text(" ", strip=True)
        return ()
