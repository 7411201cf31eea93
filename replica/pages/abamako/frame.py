"""The frame of every aBamako page: network bar, header, menu, footer, scripts, padding.

``frame(head, body, rng, page_kb, encoding)`` wraps a page's head elements and body in the
CMS's XHTML skeleton, ends the body with the analytics script and, with ``page_kb``, pads
the page with boilerplate (CSS, ad slots, tracking configuration, hidden mega-menus) to
about that size, as the real pages weigh 60 to 90 KB for a few KB of text.

Decisions:
- Padding fragments come from one pool drawn once from a fixed seed; a page draws its own
  fragments from its own ``rng``, so one page's padding never shifts another's.
- The padding goes at the end of the head and of the body (where the real site's scripts
  sit), never inside the article block.
"""

from __future__ import annotations

import json
import random

from replica.pages.abamako.spec import RUBRICS
from replica.pages.abamako.words import PLACES
from replica.pages.toolkit import DOCTYPE_XHTML, encode, esc, page_skeleton

__all__ = ["ANALYTICS", "FOOTER", "HEADER", "MENU", "NETBAR", "NETWORK", "frame", "meta_charset"]

HTML_ATTRS = ' xmlns="http://www.w3.org/1999/xhtml" xml:lang="fr" lang="fr"'
PAGE_END = "</body>\n</html>\n"

NETWORK = (("abidjan.net", "http://www.abidjan.net"), ("aBamako", "http://www.abamako.com"),
           ("aOuaga", "http://www.aouaga.com"), ("aCotonou", "http://www.acotonou.com"),
           ("aLome", "http://www.alome.com"), ("aNiamey", "http://www.aniamey.com"),
           ("aDakar", "http://www.adakar.com"), ("aLibreville", "http://www.alibreville.com"),
           ("aBangui", "http://www.abangui.com"))

_POOL: dict[str, list[str]] = {}


def _pad_pool() -> dict[str, list[str]]:
    """Fragments of boilerplate (CSS, ad and tracking scripts, menus) used to pad pages."""
    if _POOL:
        return _POOL
    rng = random.Random("pad-pool")
    head, tail = [], []
    for k in range(40):
        rules = []
        for j in range(35):
            rules.append(
                f".blk{k}_{j} .it{rng.randint(1, 99)}{{margin:{rng.randint(0, 20)}px "
                f"{rng.randint(0, 20)}px;padding:{rng.randint(0, 9)}px;color:#{rng.randint(0, 0xFFFFFF):06x};"
                f"font:{rng.choice(('11px', '12px', '13px', '14px'))} Arial,Helvetica,sans-serif}}")
        head.append('<style type="text/css">\n' + "\n".join(rules) + "\n</style>\n")
        slots = []
        for j in range(14):
            slots.append(
                f"  googletag.defineSlot('/21{rng.randint(100000, 999999)}/abamako_{k}_{j}', "
                f"[[300, 250], [300, 600], [728, 90]], 'div-gpt-ad-{rng.randint(10**12, 10**13)}-{j}')"
                ".addService(googletag.pubads());")
        head.append('<script type="text/javascript">\nvar googletag = googletag || {};\n'
                    "googletag.cmd = googletag.cmd || [];\ngoogletag.cmd.push(function() {\n"
                    + "\n".join(slots) + "\n  googletag.pubads().enableSingleRequest();\n"
                    "  googletag.enableServices();\n});\n</script>\n")
        cfg = {"site": "abamako", "zone": k, "keys": [f"{rng.getrandbits(64):016x}" for _ in range(25)],
               "segments": [rng.randint(1, 10**6) for _ in range(40)],
               "consent": {"purposes": list(range(1, 11)), "vendors": [rng.randint(1, 999) for _ in range(40)]}}
        tail.append('<script type="text/javascript">window.__AB_CFG__ = '
                    + json.dumps(cfg) + ";</script>\n")
        items = "".join(
            f'<li><a href="{rng.choice(NETWORK)[1]}/rubriques/{rng.choice(list(RUBRICS.values()))}.asp">'
            f"{rng.choice(list(RUBRICS))} {rng.choice(PLACES)}</a></li>" for _ in range(30))
        tail.append(f'<div class="megamenu" style="display:none"><ul class="mm{k}">{items}</ul></div>\n')
    _POOL["head"], _POOL["tail"] = head, tail
    return _POOL


def _padding(rng: random.Random, need: int) -> tuple[str, str]:
    pool = _pad_pool()
    head, tail = [], []
    got = 0
    while got < need:
        if rng.random() < 0.5:
            frag = rng.choice(pool["head"])
            head.append(frag)
        else:
            frag = rng.choice(pool["tail"])
            tail.append(frag)
        got += len(frag)
    return "".join(head), "".join(tail)



NETBAR = '<div id="network"><ul>' + "".join(
    f'<li><a href="{u}" target="_blank">{esc(n)}</a></li>' for n, u in NETWORK) + "</ul></div>\n"
MENU = (
    '<div id="menu"><ul class="menu">\n<li><a href="/">Accueil</a></li>\n'
    '<li><a href="/rubriques/depeches.asp">Dépêches</a></li>\n'
    + "".join(f'<li><a href="/rubriques/{slug}.asp">{esc(name)}</a></li>\n' for name, slug in RUBRICS.items())
    + '<li><a href="/dossiers/">Dossiers</a></li>\n<li><a href="/documents/">Documents</a></li>\n'
    '<li><a href="/rss">RSS</a></li>\n</ul></div>\n'
)
HEADER = (
    '<div id="header"><a href="/" class="logo"><img src="/images/logo_abamako.png" alt="aBamako.com" /></a>\n'
    '<form action="/recherche/" method="get" class="search"><input type="text" name="q" value="" />'
    '<input type="submit" value="Rechercher" /></form>\n'
    '<div class="date_jour" id="date_jour"></div></div>\n'
)
FOOTER = (
    '<div id="footer"><div class="footer_links"><a href="/">Accueil</a> | <a href="/rss">Flux RSS</a> | '
    '<a href="/dossiers/">Dossiers</a> | <a href="/documents/">Documents</a></div>\n'
    '<div class="copyright">© 2006-2025 aBamako.com - Tous droits réservés. Reproduction interdite sans '
    "l'autorisation de l'éditeur. Le portail du Mali.</div>\n"
    '<div class="network_footer">' + " - ".join(f'<a href="{u}">{esc(n)}</a>' for n, u in NETWORK)
    + "</div></div>\n"
)
ANALYTICS = (
    '<script type="text/javascript">\n(function(i,s,o,g,r,a,m){i["GoogleAnalyticsObject"]=r;'
    "i[r]=i[r]||function(){(i[r].q=i[r].q||[]).push(arguments)},i[r].l=1*new Date();a=s.createElement(o),"
    "m=s.getElementsByTagName(o)[0];a.async=1;a.src=g;m.parentNode.insertBefore(a,m)})"
    '(window,document,"script","//www.google-analytics.com/analytics.js","ga");\n'
    'ga("create", "UA-1234567-8", "auto");\nga("send", "pageview");\n</script>\n'
)



def meta_charset(declared: str, rng: random.Random) -> str:
    if declared == "utf-8" and rng.random() < 0.5:
        return '<meta charset="utf-8" />\n'
    return f'<meta http-equiv="Content-Type" content="text/html; charset={declared}" />\n'



def frame(head: str, body: str, rng: random.Random, page_kb: float | None, encoding: str) -> bytes:
    """A whole page: ``head`` (the head's elements), ``body`` (up to the analytics script),
    padded to about ``page_kb`` KB (±10%, drawn from ``rng``) when given."""
    if page_kb:
        target = int(page_kb * 1024 * (0.9 + 0.2 * rng.random()))
        size = len(page_skeleton(DOCTYPE_XHTML, head, body, html_attrs=HTML_ATTRS, nl="\n")) - len(PAGE_END)
        ph, pt = _padding(rng, target - size - 400)
        head, body = head + ph, body + pt
    return encode(page_skeleton(DOCTYPE_XHTML, head, body + ANALYTICS, html_attrs=HTML_ATTRS, nl="\n"), encoding)
