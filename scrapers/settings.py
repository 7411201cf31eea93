"""Scrapy settings of veille.

Defaults are polite for the real sites: robots.txt obeyed, AutoThrottle on, few
requests per site at once, a User-Agent naming the project with a contact URL, and a
size limit per response. Tests, the demo and the benchmark crawl replicas on 127.0.0.1
and relax the throttling with ``-s`` options. Every component is a plain Scrapy
component, replaceable here.
"""

BOT_NAME = "veille"
SPIDER_MODULES = ["scrapers.spiders"]
NEWSPIDER_MODULE = "scrapers.spiders"

# --- veille's own settings -------------------------------------------------------
# Where the store lives (the environment variable VEILLE_DB wins over the default
# data/veille.db; this setting, given with -s, wins over both).
VEILLE_DB = None
# Shown in the User-Agent so that site owners can reach whoever runs the crawler.
VEILLE_CONTACT_URL = "https://github.com/veille-project/veille"
# Items are written in transactions of this many, or every few seconds.
VEILLE_BATCH_SIZE = 250
VEILLE_FLUSH_SECONDS = 2.0

# --- politeness --------------------------------------------------------------------
ROBOTSTXT_OBEY = True
# The User-Agent names the project and VEILLE_CONTACT_URL (VeilleUserAgentMiddleware
# recomposes it when only VEILLE_CONTACT_URL is changed); robots.txt rules are read for
# the product token "veille".
USER_AGENT = None
ROBOTSTXT_USER_AGENT = "veille"
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.25
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
COOKIES_ENABLED = False

# --- bounds on what a page may cost ---------------------------------------------------
DOWNLOAD_MAXSIZE = 5 * 1024 * 1024  # an article page is ~75 KB; 5 MB is no article
DOWNLOAD_WARNSIZE = 1024 * 1024
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 2
REDIRECT_MAX_TIMES = 5
DEPTH_LIMIT = 0

# --- components -----------------------------------------------------------------------
DOWNLOADER_MIDDLEWARES = {
    # Compares host *and port*, and records what it drops.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "scrapers.middlewares.SiteOffsiteMiddleware": 50,
    # Sees 3xx responses before RedirectMiddleware (600) and drops off-site redirects.
    "scrapers.middlewares.OffsiteRedirectMiddleware": 610,
    # Scrapy's, with a body its Content-Encoding cannot decode recorded as bad-encoding.
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "scrapers.middlewares.VeilleHttpCompressionMiddleware": 590,
    "scrapy.downloadermiddlewares.useragent.UserAgentMiddleware": None,
    "scrapers.middlewares.VeilleUserAgentMiddleware": 500,
}
ITEM_PIPELINES = {
    "scrapers.pipelines.StorePipeline": 800,
}
# Distributed crawling: with VEILLE_REDIS_URL set (-s or environment) the frontier and the
# duplicate filter move to Redis and items go to `veille ingest` (scrapers/distributed/).
ADDONS = {"scrapers.distributed.addon.DistributedAddon": 0}

# --- speed and quiet ------------------------------------------------------------------
# Scrapy re-reads each generator callback's source to warn about `return value`:
# ~0.4 ms per response (bench/crawl_breakdown.py).
WARN_ON_GENERATOR_RETURN_VALUE = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"

# --- veille's end of crawl and command line ------------------------------------------------
# The last line of a crawl's log: what landed in the store (scrapers/summary.py).
EXTENSIONS = {"scrapers.summary.CrawlSummary": 900}
# `scrapy crawl` refuses a bad -a value or an unknown spider in one line (exit 2) instead
# of an asyncio traceback (scrapers/commands/crawl.py).
COMMANDS_MODULE = "scrapers.commands"
