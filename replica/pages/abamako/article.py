"""An aBamako article page, and writing it with its manifest entry.

``render_article(params, spec, boiler_rev)`` gives the bytes of one article page in the
CMS's markup, in the reading order sources.md describes (breadcrumb, view counter, rubric,
headline, dateline, photo with credit and caption, body spans, share widget, tags, "À lire
aussi", comments), inside the site's frame (:mod:`replica.pages.abamako.frame`).
``write_article`` writes it into a site folder and returns its manifest entry, whose
``text`` is what a parser must extract from the page (the text format).

Decisions:
- Two generators per page: ``page:<seed>:<id>`` draws the markup of the article itself,
  ``boiler:<seed>:<id>:<boiler_rev>`` the boilerplate around it (view counter, sidebar,
  comments), so a boilerplate-only edit changes the page's bytes but not its text.
- Sidebars and "À lire aussi" link to earlier articles only: a page never changes when
  articles are added after it.
- An unedited article's file mtime is its publication time; an edited one's is the edit
  time (``write_file``: at least one second after the previous mtime).
"""

from __future__ import annotations

import datetime as dt
import random
import re
from pathlib import Path

from replica.dates import french_date, from_timestamp, utc_timestamp, year_month
from replica.pages.abamako.frame import FOOTER, HEADER, MENU, NETBAR, frame, meta_charset
from replica.pages.abamako.spec import RUBRICS, Params, Spec, article_path, make_spec, topics_of
from replica.pages.abamako.words import PLACES, headline, sentence
from replica.pages.toolkit import attr, esc, write_file
from veille.core.textformat import content_hash, write

__all__ = ["article_entry", "render_article", "write_article"]


_NAMED = (("é", "&eacute;"), ("è", "&egrave;"), ("à", "&agrave;"), ("ê", "&ecirc;"),
          ("’", "&rsquo;"), ("ç", "&ccedil;"), ("«", "&laquo;"), ("»", "&raquo;"))


def _para_html(text: str, spec: Spec, rng: random.Random) -> str:
    h = esc(text)
    if spec.named_entities:
        for ch, ent in _NAMED:
            h = h.replace(ch, ent)
    if spec.nbsp_punct:
        h = re.sub(r" ([?!:;»])", r"&nbsp;\1", h)
    if not spec.variant and rng.random() < 0.25:
        for place in PLACES:
            if f" {place} " in h:
                tag = rng.choice(("strong", "b", "a"))
                inner = (f'<a href="/dossiers/">{place}</a>' if tag == "a"
                         else f"<{tag}>{place}</{tag}>")
                h = h.replace(f" {place} ", f" {inner} ", 1)
                break
    if spec.wrap_lines and len(h) > 90:
        # raw newlines inside the paragraph, as the CMS leaves them (spaces only)
        out, col = [], 0
        for word in h.split(" "):
            if col > 70 + rng.randint(0, 40):
                out.append("\n")
                col = 0
            elif out:
                out.append(" ")
            out.append(word)
            col += len(word) + 1
        h = "".join(out)
    return h


def _split_spans(paras: list[str], n: int) -> list[list[str]]:
    n = max(1, min(n, len(paras)))
    size = -(-len(paras) // n)
    return [paras[i:i + size] for i in range(0, len(paras), size)]


SHARE_WIDGET = (
    '<div class="share-buttons"><span class="share-label">Partager :</span> '
    '<a class="share-fb" href="https://www.facebook.com/sharer/sharer.php?u={u}">Facebook</a> '
    '<a class="share-tw" href="https://twitter.com/intent/tweet?url={u}">Twitter</a> '
    '<a class="share-wa" href="https://wa.me/?text={u}">WhatsApp</a> '
    '<a class="share-mail" href="mailto:?subject=aBamako&amp;body={u}">E-mail</a></div>'
)


def _body_html(spec: Spec, rng: random.Random, page_url: str) -> str:
    paras = [_para_html(p, spec, rng) for p in spec.paragraphs]
    if spec.teaser_link and paras:
        paras[-1] = (f'<a href="https://www.rfi.fr/fr/afrique/{spec.id}-mali" target="_blank">'
                     f"{paras[-1]}</a>")
    v = spec.variant
    spans_html = []
    for group in _split_spans(paras, spec.n_spans):
        if v == "whitespace":
            seps = ["\n\t<br />  \n<br />\n", "<br /><br />&nbsp;<br /><br />\n\t\t",
                    "\n<!-- paragraphe -->\n<br />\n\n<br />&nbsp; &nbsp;",
                    "<br /> <br />\n<p>&nbsp;</p>\n", "\t<br /><br />\t<!-- pub:inread -->\n"]
            inner = "\n\n  &nbsp;\n"
            for i, ph in enumerate(group):
                inner += "  " + ph.replace(" ", "  ", 3) + "\t"
                if i < len(group) - 1:
                    inner += seps[i % len(seps)]
            inner += "\n<br /><br />&nbsp;\n"
        elif spec.body_style == "br":
            inner = "\n" + "<br /><br />\n".join(group) + "\n"
        elif spec.body_style == "p":
            inner = "\n" + "".join(f"<p>{ph}</p>\n" for ph in group)
        else:
            inner = "\n" + "".join(f"<div>{ph}</div>\n" for ph in group)
        if v == "script":
            # a script and a share widget inside the body span, between paragraphs
            parts = inner.split("</p>\n")
            k = min(4, len(parts) - 1)
            parts[k] = ('<script type="text/javascript">\n  var _abArt = {id: %d, rub: "%s"};\n'
                        '  if (window._abStats) { _abStats.push(["view", _abArt.id]); }\n'
                        "</script>\n" % (spec.id, spec.rubric)) + parts[k]
            inner = "</p>\n".join(parts) + SHARE_WIDGET.format(u=page_url) + "\n"
        spans_html.append(f'<span class="FullArticleTexte">{inner}</span>')
    if len(spans_html) == 1:
        return spans_html[0]
    between = ('\n<div class="pub_inread" id="inread_{i}"><script type="text/javascript">'
               'googletag.cmd.push(function(){{googletag.display("inread_{i}");}});</script></div>\n')
    if spec.body_style == "br" or v == "whitespace":
        between = "\n<br /><br />" + between
    out = spans_html[0]
    for i, s in enumerate(spans_html[1:], 1):
        out += between.format(i=i) + s
    return out


def _caption_html(spec: Spec) -> str:
    """Photo, credit line and caption, in the page's reading order."""
    if not spec.photo:
        return ""
    img = f'<img class="imgArt" src="{spec.photo}" alt="{attr(spec.caption or spec.headline)}" border="0" />'
    if spec.photo_centered:
        img = f'<div align="center" class="photoArt">{img}</div>'
    cap = esc(spec.caption)
    credit = esc(spec.credit)
    style = spec.caption_style
    if not cap:
        return f'{img}\n<div class="FontArticleCredit">{credit}</div>\n'
    if style == "div":
        return f'{img}\n<div class="FontArticleCredit">{credit}</div>\n<div class="FontArticleLegend">{cap}</div>\n'
    if style == "divlegende":
        return f'{img}\n<div class="credit">{credit}</div><div class="legende">{cap}</div>\n'
    if style == "span":
        return f'{img}<br />\n<span class="FontCredit">{credit}</span><br />\n<span class="FontLegende">{cap}</span><br />\n'
    if style == "p":
        return f'{img}\n<p class="photo-credit">{credit}</p>\n<p class="caption">{cap}</p>\n'
    if style == "em":
        return f'{img}<br />\n<font size="1" class="FontCredit">{credit}</font><br />\n<em>{cap}</em><br />\n'
    # bare text after a <br> in the credit's element
    return f'{img}\n<div class="FontArticleCredit">{credit}<br />\n{cap}</div>\n'



def _sidebar(rng: random.Random, aid: int, first_id: int, label_rev: int = 0) -> str:
    """'Les plus lus' and 'Dernières dépêches': links to earlier articles only, so an
    article page never depends on the articles added after it."""
    earlier = list(range(max(first_id, aid - 40), aid))
    parts = ['<div id="colRight">\n<div class="pub" id="pub_right1"><iframe src="about:blank" '
             'width="300" height="250" frameborder="0" scrolling="no"></iframe></div>\n']
    for label in ("Les plus lus", "Dernières dépêches"):
        parts.append(f'<div class="bloc_side"><div class="titre_bloc">{label}</div><ul>\n')
        for _ in range(min(6, len(earlier))):
            other = rng.choice(earlier)
            r2 = random.Random(f"sidebar:{other}:{label_rev}")
            parts.append(f'<li><a href="/h/{other}.html">{esc(headline(r2, rng.choice(list(RUBRICS))))}</a>'
                         f'<span class="vues">{r2.randint(50, 9000)} lectures</span></li>\n')
        parts.append("</ul></div>\n")
    parts.append('<div class="newsletter"><form action="/newsletter/inscription.asp" method="post">'
                 'Recevez l\'actualité du Mali <input type="text" name="email" />'
                 '<input type="submit" value="OK" /></form></div>\n</div>\n')
    return "".join(parts)


def _comments(rng: random.Random, n: int) -> str:
    names = ("Moussa", "Awa", "Bakary", "Oumou", "Ibrahim", "Kadiatou", "Sékou", "un patriote")
    out = [f'<div id="comments"><div class="titre_bloc">Commentaires ({n})</div>\n']
    for _ in range(n):
        out.append(f'<div class="comment"><div class="comment_author">{rng.choice(names)}</div>'
                   f'<div class="comment_text">{esc(sentence(rng, rng.choice(list(RUBRICS))))}</div></div>\n')
    out.append('<form action="/commentaires/poster.asp" method="post" class="comment_form">'
               '<textarea name="texte"></textarea><input type="submit" value="Envoyer" /></form></div>\n')
    return "".join(out)



def render_article(p: Params, spec: Spec, boiler_rev: int = 0) -> bytes:
    rng = random.Random(f"page:{p.seed}:{spec.id}")
    brng = random.Random(f"boiler:{p.seed}:{spec.id}:{boiler_rev}")
    url = f"{p.base_url}/h/{spec.id}.html"
    lead = spec.paragraphs[0] if spec.paragraphs else ""
    desc = lead if len(lead) < 200 else lead[:197].rsplit(" ", 1)[0] + "..."
    slug = RUBRICS[spec.rubric]
    head = [
        meta_charset(spec.declared, rng),
        f"<title>{esc(spec.title)}</title>\n",
        f'<meta name="description" content="{attr(desc)}" />\n',
        '<meta name="keywords" content="Mali, Bamako, actualité, ' + attr(spec.rubric) + '" />\n',
        f'<meta property="og:title" content="{attr(spec.headline)}" />\n',
        f'<meta property="og:description" content="{attr(desc)}" />\n',
        f'<meta property="og:url" content="{url}" />\n',
        '<meta property="og:type" content="article" />\n<meta property="og:site_name" content="aBamako.com" />\n',
    ]
    if spec.photo:
        head.append(f'<meta property="og:image" content="{p.base_url}{spec.photo}" />\n')
    head += [
        f'<link rel="canonical" href="{url}" />\n',
        f'<link rel="alternate" type="application/rss+xml" title="aBamako.com" href="{p.base_url}/rss/rss.xml" />\n',
        '<link rel="stylesheet" type="text/css" href="/css/style.css" />\n',
        '<script type="text/javascript" src="/js/jquery.min.js"></script>\n',
    ]
    # --- the article block, in the known reading order
    art = []
    if spec.old_markup:
        art.append('<table width="100%" cellpadding="0" cellspacing="0" border="0"><tr><td class="article">\n')
    else:
        art.append('<div class="article" id="article">\n')
    art.append(f'<div class="breadcrumb"><a href="/">Accueil</a> &raquo; '
               f'<a href="/rubriques/{slug}.asp">{esc(spec.rubric)}</a></div>\n')
    views = brng.randint(40, 25000)
    art.append(f'<div class="compteur">Vu {views} fois</div>\n')
    if rng.random() < 0.85 or spec.variant:
        art.append(f'<div class="FontArticleRubrique"><a href="/rubriques/{slug}.asp">{esc(spec.rubric)}</a></div>\n')
    hl = esc(spec.headline)
    if spec.variant == "whitespace":
        hl = f"\n\t\t{hl.replace(' ', '  ', 2)}  \n\t"
    if spec.old_markup:
        art.append(f'<span class="FontArticleMainTitle">{hl}</span><br />\n')
    else:
        art.append(f'<h1 class="FontArticleMainTitle">{hl}</h1>\n')
    dl = esc(spec.dateline)
    if rng.random() < 0.4 or spec.variant == "whitespace":
        dl = dl.replace(" | ", "&nbsp;|&nbsp;")
    art.append(f'<div class="FontArticleSource">{dl}</div>\n')
    if spec.two_sources:
        art.append(f'<div class="FontArticleSource">{esc(spec.two_sources)}</div>\n')
    if rng.random() < 0.3 and not spec.variant:
        art.append('<script type="text/javascript">googletag.cmd.push(function(){googletag.display("ad_art");});</script>\n')
    art.append(_caption_html(spec))
    art.append(_body_html(spec, rng, url))
    art.append("\n")
    art.append(SHARE_WIDGET.format(u=url) + "\n")
    topics = topics_of(" ".join([spec.headline, *spec.paragraphs]))
    if topics:
        art.append('<div class="tags">Mots-clés : ' + ", ".join(
            f'<a href="/dossiers/">{esc(t)}</a>' for t in topics[:6]) + "</div>\n")
    earlier = list(range(max(p.first_id, spec.id - 25), spec.id))
    if earlier:
        art.append('<div class="alire"><div class="titre_bloc">À lire aussi</div><ul>\n')
        for other in rng.sample(earlier, min(5, len(earlier))):
            r2 = random.Random(f"sidebar:{other}:0")
            art.append(f'<li><a href="/h/{other}.html">{esc(headline(r2, rng.choice(list(RUBRICS))))}</a></li>\n')
        art.append("</ul></div>\n")
    art.append(_comments(brng, brng.randint(0, 6)))
    art.append("</td></tr></table>\n" if spec.old_markup else "</div>\n")
    # --- the frame
    body = [
        NETBAR, HEADER, MENU,
        '<div class="pub" id="pub_top"><a href="http://pub.abamako.com/clic.asp?id=88" rel="nofollow">'
        '<img src="/pub/banniere_728x90.gif" width="728" height="90" alt="Publicité" /></a></div>\n',
        '<div id="main"><div id="colLeft">\n', *art, "</div>\n",
        _sidebar(brng, spec.id, p.first_id, boiler_rev), "</div>\n", FOOTER,
    ]
    return frame("".join(head), "".join(body), rng, p.page_kb, spec.encoding)



def article_entry(spec: Spec, page: bytes, rev: int, boiler_rev: int, modified: dt.datetime) -> dict:
    text = write(spec.parts())
    return {
        "id": spec.id, "path": article_path(spec.id), "title": spec.title,
        "headline": spec.headline, "dateline": spec.dateline, "caption": spec.caption,
        "publisher": spec.publisher, "rubric": spec.rubric,
        "published": spec.published.isoformat(), "date": spec.published.date().isoformat(),
        "month": year_month(spec.published), "date_short": french_date(spec.published.date()),
        "encoding": spec.encoding, "declared_charset": spec.declared, "variant": spec.variant,
        "teaser": spec.teaser, "paragraphs": len(spec.paragraphs),
        "lead": spec.paragraphs[0] if spec.paragraphs else "", "text": text,
        "sha256": content_hash(text), "topics": topics_of(text), "rev": rev,
        "boiler_rev": boiler_rev, "modified": modified.isoformat(), "bytes": len(page),
    }


def write_article(out: Path, p: Params, aid: int, entry_old: dict | None, *, override=None,
                   rev=0, boiler_rev=0, edited=False) -> dict:
    spec = make_spec(p, aid, override)
    page = render_article(p, spec, boiler_rev)
    if edited:
        changed = write_file(out / "h" / f"{aid}.html", page)
        mtime = (out / "h" / f"{aid}.html").stat().st_mtime
        modified = from_timestamp(mtime)
        if not changed and entry_old:
            modified = dt.datetime.fromisoformat(entry_old["modified"])
    else:
        modified = spec.published
        write_file(out / "h" / f"{aid}.html", page, mtime=utc_timestamp(spec.published))
    entry = article_entry(spec, page, rev, boiler_rev, modified)
    if override:
        entry["override"] = override
    return entry

