"""The aBamako family: a replica of news.abamako.com's CMS, generated from seeded specs.

- :mod:`~replica.pages.abamako.words`: the synthetic French the articles are written in;
- :mod:`~replica.pages.abamako.spec`: what decides an article (``make_spec``, ``Params``);
- :mod:`~replica.pages.abamako.frame`: the frame of every page (menus, footer, padding);
- :mod:`~replica.pages.abamako.article`: an article page and its manifest entry;
- :mod:`~replica.pages.abamako.index`: home, listings, feed, sitemap, robots.

The site as a whole (generate, edit, add) is :mod:`replica.site` and :mod:`replica.edits`.
"""
