"""veille's spiders. `scrapy list` shows them."""
