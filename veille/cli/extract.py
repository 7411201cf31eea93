"""``veille extract PAGE.html --url URL``: the text a saved page gives, and how.

For users debugging a new source: run the parser veille would run on a page saved from
the browser (or ``curl -o``) and see the article in the text format on stdout, exactly
the bytes veille would store (no trailing newline), and the method on stderr::

    veille extract page.html --url https://www.maliweb.net/x-3061842.html
    veille extract page.html --url URL --body-only     # body paragraphs, a blank line apart
    veille extract page.html --url URL --json          # parts, method, date source, ...
    curl -s URL | veille extract - --url URL

``--parser auto`` (default) takes the parser the registry gives
(:mod:`scrapers.parsers.registry`): the aBamako parser for aBamako-family URLs or markup
(``FullArticleTexte``), the generic parser otherwise. Exit status: 0 with a text, 1 when
the page cannot be read or gives no article (the reason on stderr), 2 for bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys

from scrapers.parsers.base import site_for
from scrapers.parsers.registry import NAMED, parser_for
from veille.core.errors import FormatError, NotAnArticle

__all__ = ["main", "choose_parser", "extract"]


def choose_parser(name: str, url: str, body: bytes):
    """The parser object for ``--parser`` ``name``: ``auto`` asks the registry
    (:func:`scrapers.parsers.registry.parser_for`), any other is a parser's name."""
    if name == "auto":
        return parser_for(url, body)
    return NAMED[name]()


def extract(body: bytes, url: str, *, parser: str = "auto", content_type: str | None = "text/html",
            site: str | None = None, body_only: bool = False, fallback_date=None):
    """(article, parser object) for a page, as ``veille extract`` computes it.

    Raises NotAnArticle like the parser does. ``body_only``: only the paragraphs are
    wanted (what ``--body-only`` prints), so a page without a date still gives them
    (``published`` is then None). Benchmarks call this, so they measure the command's
    own path. ``fallback_date``: the month of line 1 for a page without a date.
    """
    p = choose_parser(parser, url, body)
    kw = {"require_date": False} if body_only else {}
    if fallback_date is not None:
        kw["fallback_date"] = fallback_date
    return p.parse(body, url, content_type, site=site, **kw), p


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    with open(path, "rb") as f:
        return f.read()


def _err(msg: str) -> None:
    sys.stderr.write(f"veille extract: {msg}\n")
    sys.stderr.flush()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        prog="veille extract",
        description="Print the article text a saved page gives (text format) and the method used.",
    )
    ap.add_argument("page", help="the saved HTML page, or - for stdin")
    ap.add_argument("--url", required=True, help="the URL the page was fetched from")
    ap.add_argument("--site", help="the site name for line 1 (default: from the URL's host)")
    ap.add_argument("--parser", choices=("auto", *NAMED), default="auto",
                    help="which parser (default auto: aBamako for its family, else generic)")
    ap.add_argument("--content-type", default="text/html",
                    help="the Content-Type the server sent (charset, if any, is used)")
    out = ap.add_mutually_exclusive_group()
    out.add_argument("--body-only", action="store_true",
                     help="only the body paragraphs, one blank line between them")
    out.add_argument("--json", action="store_true", help="the parts and the method as JSON")
    args = ap.parse_args(argv)

    try:
        body = _read(args.page)
    except OSError as exc:
        _err(f"cannot read {args.page}: {exc.strerror or exc}")
        return 1
    try:
        art, parser = extract(body, args.url, parser=args.parser, content_type=args.content_type,
                              site=args.site, body_only=args.body_only)
    except NotAnArticle as exc:
        _err(f"not an article: {exc.reason}" + (f": {exc.detail}" if exc.detail else ""))
        return 1
    text = ""
    if not args.body_only:
        try:
            text = art.text()
        except FormatError as exc:
            _err(f"no text: {exc}")
            return 1

    method = art.method or type(parser).__name__
    if args.json:
        data = {
            "url": art.url, "site": site_for(args.url, args.site), "parser": type(parser).__name__,
            "method": method, "date": art.month, "published": art.published.isoformat() if art.published else "",
            "title": art.title, "headline": art.headline, "dateline": art.dateline,
            "caption": art.caption, "paragraphs": art.paragraphs, "publisher": art.publisher,
            "rubric": art.rubric, "canonical_url": art.canonical_url, "charset": art.charset,
            "extra": {k: v for k, v in art.extra.items() if isinstance(v, (str, int, float, bool, list))},
            "text": text,
        }
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    else:
        payload = "\n\n".join(art.paragraphs) if args.body_only else text
        sys.stdout.flush()
        sys.stdout.buffer.write(payload.encode("utf-8"))
        sys.stdout.buffer.flush()
    date_src = art.extra.get("date_source", "")
    sys.stderr.write(f"method: {method}" + (f"; date from {date_src}" if date_src else "") + "\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
