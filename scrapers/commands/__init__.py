"""veille's Scrapy commands (``COMMANDS_MODULE``): ``crawl`` with one-line errors."""
