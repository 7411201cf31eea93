"""veille's Datasette plugin: changes shown as changes, links between the views.

Registered through the ``datasette`` entry point (``pyproject.toml``): every Datasette in an
environment where veille is installed loads it, ``veille serve`` included.

- SQL functions (``prepare_connection``), used by the canned queries in ``metadata.yml``:

  - ``veille_diff_html(old_text, new_text[, full])``: :func:`veille.core.diff.diff_texts` as
    HTML (``<ins>``/``<del>``, word-level inside a modified paragraph). By default only the
    changed paragraphs, an unchanged run between them shown as ``…``; with ``full`` = 1
    every paragraph of the new version.
  - ``veille_changes_html(diff)``: the same changed paragraphs from a version's stored
    ``diff`` (:func:`veille.core.diff.changes_html`): no text is read or compared, so a
    page of 200 updates costs what reading them costs. NULL for a NULL diff.
  - ``veille_text_html(text)``: a whole text as escaped ``<p>`` paragraphs.
  - ``veille_fts(q)``: a search box string made into an FTS5 MATCH expression, with the
    topic query syntax (:mod:`veille.topics`: words, "phrases", AND/OR/NOT, prefix*),
    its words folded as the index is (:func:`veille.core.normalize.fold`: a word that
    matches a topic is found); a query that does not parse matches nothing and the search
    page shows the parser's message (:mod:`veille.web.search`), so a search never errors.
  - ``veille_snippet(text, q)``: the search's snippet around the query's terms, never the
    text format's line 1 (:func:`veille.web.search.snippet_markers`).

  Every one runs in bounded time (issue 10: one request must not stall Datasette, whose
  time limit cannot interrupt a Python function): the diff is near-linear with a hard cap
  (:mod:`veille.core.diff`), inputs longer than :data:`MAX_INPUT` characters are not
  compared (a note says so), a search string longer than
  :data:`veille.web.search.MAX_QUERY` characters is refused, a snippet looks at the first
  :data:`veille.web.search.MAX_SNIPPET_TEXT` characters of a text.

- ``render_cell``:

  - ``diff`` column (``versions`` table, its row pages, any query): the unified diff, one
    paragraph per line, added lines green, removed lines red, long context lines cut.
  - ``diff_html`` column: the HTML of ``veille_diff_html``/``veille_text_html``, passed
    through an allow-list (``p`` with a class, ``ins``, ``del``; everything else escaped),
    so a hand-written ``select '<script>' as diff_html`` shows as text.
  - ``history`` column (canned queries): an article id, shown as a link to the
    ``article_history`` query; ``flags.article_id`` (the table): the article's title
    linking to its row, and a "history" link.
  - ``snippet`` column (``search``): FTS5 snippet markers (U+E000/U+E001) as ``<mark>``.
  - ``where_published`` column (``same_story``): ``source url`` lines as links.
  - ``health`` column (``crawl_health``): coloured by state.
  - UTC timestamps in query results (``2026-11-27T17:13:05.123Z``): shown as
    ``2026-11-27 17:13`` (the full value in the tooltip).

- ``extra_css_urls`` + ``register_routes``: ``/-/veille.css`` (green/red, layout of the
  cells); the briefing ``/veille/briefing`` (:mod:`veille.web.briefing`) and its Atom
  feeds ``/veille/briefing.atom`` (:mod:`veille.web.atom`). ``prepare_jinja2_environment``:
  veille's templates (``templates/``: the briefing page, the article history) before
  Datasette's. ``menu_links``: the briefing and the main queries in Datasette's menu (and
  the dashboard when arbitrary SQL is allowed: it runs its charts that way).
- ``register_facet_classes``: a ``month`` facet (``_facet_month=published``, or
  ``{month: published}`` in metadata) grouping ISO dates by ``YYYY-MM``; choosing a month
  filters with ``column__startswith=YYYY-MM``.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import markupsafe
from datasette import hookimpl
from datasette.facets import Facet
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args
from datasette.utils.asgi import Response

CSS_PATH = Path(__file__).resolve().parent / "static" / "veille.css"
TEMPLATES = Path(__file__).resolve().parent / "templates"
SNIPPET_OPEN, SNIPPET_CLOSE = "\ue000", "\ue001"
CONTEXT_CHARS = 160  # unchanged lines of a unified diff are cut to this many characters
MAX_INPUT = 2_000_000  # characters an SQL function takes at most (both texts together)
MAX_LINES = 2_000  # lines of a unified diff shown in a cell

# ----------------------------------------------------------------------------- SQL functions


def _too_long(*values) -> markupsafe.Markup | None:
    n = sum(len(v) for v in values if isinstance(v, (str, bytes)))
    if n <= MAX_INPUT:
        return None
    return markupsafe.Markup('<p class="gap">… {:,} characters: too long to show here …</p>').format(n)


def diff_html(old, new, full=0) -> str | None:
    if new is None:
        return None
    from veille.core.diff import diff_texts

    if (note := _too_long(old, new)) is not None:
        return str(note)
    html_out = diff_texts(str(old or ""), str(new)).html
    if full or not html_out:
        return html_out
    paras = html_out.split("\n")
    keep = [i for i, p in enumerate(paras) if not p.startswith("<p>")]
    out: list[str] = []
    last = -1
    for i in keep:
        if i > last + 1:
            out.append('<p class="gap">…</p>')
        out.append(paras[i])
        last = i
    if last < len(paras) - 1:
        out.append('<p class="gap">…</p>')
    return "\n".join(out)


def changes_html(diff) -> str | None:
    if diff is None:
        return None
    from veille.core.diff import changes_html as html_of

    if (note := _too_long(diff)) is not None:
        return str(note)
    return html_of(str(diff))


def text_html(text) -> str | None:
    if text is None:
        return None
    from veille.core.diff import units

    if (note := _too_long(text)) is not None:
        return str(note)
    return "\n".join(f"<p>{html.escape(u)}</p>" for u in units(str(text)))


def fts_query(q) -> str:
    """The FTS5 MATCH expression of a search box string (:func:`veille.web.search.fts_match`)."""
    from veille.web.search import fts_match

    return fts_match(q)


@hookimpl
def prepare_connection(conn):
    conn.create_function("veille_diff_html", 2, diff_html, deterministic=True)
    conn.create_function("veille_diff_html", 3, diff_html, deterministic=True)
    conn.create_function("veille_changes_html", 1, changes_html, deterministic=True)
    conn.create_function("veille_text_html", 1, text_html, deterministic=True)
    conn.create_function("veille_fts", 1, fts_query, deterministic=True)
    from veille.web.search import snippet_markers

    conn.create_function("veille_snippet", 2, snippet_markers, deterministic=True)


@hookimpl
def extra_template_vars():
    from veille.web.search import query_problem

    return {"veille_query_problem": query_problem}  # templates/query-veille-search.html


# ----------------------------------------------------------------------------- cells

_ALLOWED_TAG = re.compile(r'(<p(?: class="(?:added|removed|changed|gap)")?>|</p>|<ins>|</ins>|<del>|</del>)')


def sanitize_diff_html(value: str) -> markupsafe.Markup:
    """Keep only the tags veille's diff HTML uses; escape everything else."""
    out = []
    for i, part in enumerate(_ALLOWED_TAG.split(value)):
        out.append(part if i % 2 else str(markupsafe.escape(html.unescape(part))))
    return markupsafe.Markup('<div class="veille-changes">{}</div>'.format("".join(out)))


def _cut(line: str) -> str:
    return line if len(line) <= CONTEXT_CHARS else line[:CONTEXT_CHARS - 1] + "…"


def render_unified(diff: str) -> markupsafe.Markup:
    lines = []
    all_lines = diff.split("\n", MAX_LINES)
    more = len(all_lines) > MAX_LINES
    for line in all_lines[:MAX_LINES]:
        esc = markupsafe.escape
        if line.startswith(("+++", "---")):
            lines.append(f'<span class="vd-file">{esc(line)}</span>')
        elif line.startswith("@@"):
            lines.append(f'<span class="vd-hunk">{esc(line)}</span>')
        elif line.startswith("+"):
            lines.append(f'<ins class="vd-add">{esc(line)}</ins>')
        elif line.startswith("-"):
            lines.append(f'<del class="vd-del">{esc(line)}</del>')
        else:
            lines.append(f'<span class="vd-ctx">{esc(_cut(line))}</span>')
    if more:
        lines.append('<span class="vd-hunk">… (more lines: see the versions row\'s JSON)</span>')
    return markupsafe.Markup('<pre class="veille-diff">{}</pre>'.format("\n".join(lines)))


def history_url(datasette, database: str, article_id) -> str:
    return "{}?id={}".format(datasette.urls.query(database, "article_history"),
                             markupsafe.escape(str(article_id)))


def _history_link(datasette, database, article_id, label="history") -> markupsafe.Markup:
    return markupsafe.Markup('<a class="veille-history" href="{}">{}</a>').format(
        markupsafe.Markup(history_url(datasette, database, article_id)), label)


_ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?Z$")


def _is_id(value) -> bool:
    return isinstance(value, int) or (isinstance(value, str) and value.isdigit())


def _snippet(value: str) -> markupsafe.Markup:
    s = str(markupsafe.escape(value))
    return markupsafe.Markup(s.replace(SNIPPET_OPEN, "<mark>").replace(SNIPPET_CLOSE, "</mark>"))


def _where_published(value: str) -> markupsafe.Markup:
    items = []
    for line in value.split("\n"):
        source, _, url = line.partition(" ")
        if url.startswith(("http://", "https://")):
            items.append(markupsafe.Markup('<li><b>{}</b> <a href="{}">{}</a></li>').format(source, url, url))
        else:
            items.append(markupsafe.Markup("<li>{}</li>").format(line))
    return markupsafe.Markup('<ul class="veille-where">{}</ul>').format(markupsafe.Markup("".join(items)))


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if value is None:
        return None
    if column == "diff" and isinstance(value, str) and value.startswith(("--- ", "+++ ", "@@")):
        return render_unified(value)
    if column in ("diff_html", "full_html") and isinstance(value, str):
        return sanitize_diff_html(value)
    if table is None:  # canned and arbitrary queries
        if isinstance(value, str) and _ISO_TIME.match(value):
            return markupsafe.Markup('<time datetime="{}" title="{}">{} {}</time>').format(
                value, value, value[:10], value[11:16])
        if column == "history" and _is_id(value):
            return _history_link(datasette, database, value)
        if column == "snippet" and isinstance(value, str):
            return _snippet(value)
        if column == "where_published" and isinstance(value, str):
            return _where_published(value)
        if column == "health" and isinstance(value, str):
            return markupsafe.Markup('<span class="veille-health veille-health-{}">{}</span>').format(
                re.sub(r"[^a-z]", "", value.lower()), value)
    if table == "flags" and column == "article_id":
        if isinstance(value, dict):  # expanded foreign key: {"value": id, "label": title}
            aid, label = value.get("value"), value.get("label") or value.get("value")
        else:
            aid, label = value, value
        row_url = datasette.urls.row(database, "articles", str(aid))
        return markupsafe.Markup('<a href="{}">{}</a> · {}').format(
            markupsafe.Markup(row_url), label, _history_link(datasette, database, aid))
    return None


# ----------------------------------------------------------------------------- page furniture


@hookimpl
def extra_css_urls(datasette):
    return [datasette.urls.path("/-/veille.css")]


async def _css(request, datasette):
    return Response(CSS_PATH.read_text(encoding="utf-8"), content_type="text/css; charset=utf-8",
                    headers={"Cache-Control": "max-age=300"})


@hookimpl
def register_routes():
    from veille.web import DB_NAME, atom, briefing

    return [(r"^/-/veille\.css$", _css),
            (rf"^/{DB_NAME}/briefing$", briefing.page),  # the morning briefing (veille/web/briefing.py)
            (rf"^/{DB_NAME}/briefing\.atom$", atom.feed)]  # its Atom feeds (veille/web/atom.py)


@hookimpl
def prepare_jinja2_environment(env):
    """veille's templates (``veille/web/templates``: the briefing, the article history)
    before Datasette's own."""
    from jinja2 import ChoiceLoader, FileSystemLoader

    env.loader = ChoiceLoader([FileSystemLoader(str(TEMPLATES)), env.loader])


@hookimpl
def menu_links(datasette, actor):
    from veille.web import DB_NAME

    if DB_NAME not in datasette.databases:
        return []
    q = lambda name: datasette.urls.query(DB_NAME, name)  # noqa: E731
    links = [
        {"href": datasette.urls.path(f"/{DB_NAME}/briefing"), "label": "Briefing"},
        {"href": q("latest_flags"), "label": "Latest flags"},
        {"href": q("new_today"), "label": "New today"},
        {"href": q("updated_articles"), "label": "Updated articles"},
        {"href": q("search"), "label": "Search"},
        {"href": q("crawl_health"), "label": "Crawl health"},
    ]

    async def inner():
        # the dashboard runs its charts as arbitrary SQL: no link when SQL is off
        if await datasette.permission_allowed(actor, "execute-sql", resource=DB_NAME, default=True):
            links.append({"href": datasette.urls.path("/-/dashboards/veille"), "label": "Dashboard"})
        return links

    return inner


# ----------------------------------------------------------------------------- month facet


class MonthFacet(Facet):
    """Group an ISO date/time column by month (``YYYY-MM``)."""

    type = "month"

    async def suggest(self):
        return []  # offered through metadata only

    async def facet_results(self):
        facet_results, timed_out = [], []
        args = dict(self.get_querystring_pairs())
        facet_size = self.get_facet_size()
        for source_and_config in self.get_configs():
            config = source_and_config["config"]
            source = source_and_config["source"]
            column = config.get("column") or config["simple"]
            col = escape_sqlite(column)
            sql = f"""
                select substr({col}, 1, 7) as value, count(*) as count from ({self.sql})
                where {col} glob '[0-9][0-9][0-9][0-9]-[0-9][0-9]*'
                group by value order by value desc limit {facet_size + 1}
            """
            try:
                rows = await self.ds.execute(
                    self.database, sql, self.params, truncate=False,
                    custom_time_limit=self.ds.setting("facet_time_limit_ms"))
            except Exception:  # QueryInterrupted and friends: the facet is left out
                timed_out.append(column)
                continue
            key = f"{column}__startswith"
            values = []
            for r in rows.rows[:facet_size]:
                selected = args.get(key) == r["value"]
                toggle = (path_with_removed_args(self.request, {key: r["value"]}) if selected
                          else path_with_added_args(self.request, {key: r["value"]}))
                values.append({"value": r["value"], "label": r["value"], "count": r["count"],
                               "toggle_url": self.ds.absolute_url(self.request, toggle),
                               "selected": selected})
            facet_results.append({
                "name": column,
                "type": self.type,
                "results": values,
                "hideable": source != "metadata",
                "toggle_url": path_with_removed_args(self.request, {"_facet_month": column}),
                "truncated": len(rows.rows) > facet_size,
            })
        return facet_results, timed_out


@hookimpl
def register_facet_classes():
    return [MonthFacet]
