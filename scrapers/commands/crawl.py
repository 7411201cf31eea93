"""``scrapy crawl``, with a user's mistake told in one line (exit 2), not a traceback.

Scrapy's own ``crawl`` creates the spider inside the reactor: a spider argument the spider
refuses (``-a ids=abc``, ``-a discover=fed``) surfaces as an asyncio "Task exception was
never retrieved" traceback, and an unknown spider name as a ``KeyError`` one. This command
(the same, through ``COMMANDS_MODULE``) checks both before the reactor starts:

    $ scrapy crawl abamako -a ids=abc
    scrapy crawl abamako: ids: 'abc' is not an id or a range like 290000-290500

Decisions:

- The arguments are checked by building the spider once with them (its ``__init__`` is
  where veille's spiders validate, raising
  :class:`~veille.core.errors.SpiderArgumentError`; it does no I/O but read a config file
  given with ``-a config=``), then Scrapy's own ``crawl`` runs as before.
- ``VEILLE_ARCHIVE`` (setting or environment) is checked there too: a value that is
  neither on, off nor a number of days would otherwise fail in the pipeline.
- An unknown spider names the close matches and the project's spiders.
"""

from __future__ import annotations

import difflib
import sys

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from storage.archive import ArchivePolicy
from veille.core.errors import VeilleError

__all__ = ["Command", "spider_problem"]


def spider_problem(names: list[str], name: str) -> str:
    """The message for an unknown spider ``name`` among ``names``."""
    close = difflib.get_close_matches(name, names, n=3)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    return f"no spider named {name!r}{hint} (spiders: {', '.join(sorted(names))})"


class Command(ScrapyCrawl):
    def run(self, args, opts) -> None:
        if len(args) != 1:
            raise UsageError(None if not args else
                             "running 'scrapy crawl' with more than one spider is not supported")
        name = args[0]
        assert self.crawler_process
        loader = self.crawler_process.spider_loader
        if name not in loader.list():
            print(f"scrapy crawl: {spider_problem(loader.list(), name)}", file=sys.stderr)
            self.exitcode = 2
            return
        try:
            loader.load(name)(**opts.spargs)
            ArchivePolicy.from_setting(self.settings.get("VEILLE_ARCHIVE"))  # on, off or days
        except (VeilleError, TypeError) as exc:  # TypeError: an argument it does not take
            print(f"scrapy crawl {name}: {exc}", file=sys.stderr)
            self.exitcode = 2
            return
        super().run(args, opts)
