"""Page generation for the replica sites.

- :mod:`~replica.pages.toolkit`: what every family builds with (escaping, the page
  skeleton, pagination and the ``Family`` listing base, feed and sitemap writers, file
  writing);
- :mod:`~replica.pages.manifest`: a generated site's ``manifest.json``;
- :mod:`~replica.pages.abamako`: the aBamako CMS (the main replica);
- :mod:`~replica.pages.sister`: the base of the other Sahel sources' families, and one
  module per family: :mod:`~replica.pages.wordpress` (standard theme and tagDiv),
  :mod:`~replica.pages.malijet`, :mod:`~replica.pages.spip`.

Dates (French, RFC 822, ISO 8601) are :mod:`replica.dates`.
"""
