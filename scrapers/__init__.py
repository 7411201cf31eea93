"""The Scrapy project of veille: discover, fetch and parse articles."""
