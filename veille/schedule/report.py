"""After the crawls: flag what they stored, build the report, print it, notify.

Decisions:

- Every run flags with the config's topics (``sync_topics``, then ``flag_pending``: also
  what a killed run left unflagged) and reports the crawls it ran (their rows read fresh).
- With ``[distributed]``, a ``veille ingest`` given the topics may flag a run before the
  scheduler does; the report still shows those flags (:func:`flags_of`).
- The report goes to stdout: text, or JSON with ``--json`` (one line per report in the
  daemon). :func:`veille.report.notify.notify` sends only when the report has flags or
  failures; the same failure (apprise missing, a dead channel) is logged once per
  process, not at every run (:class:`Notifier`).
"""

from __future__ import annotations

import json
import logging

from storage import Store
from veille.config import Config
from veille.monitor.flags import flag_pending, list_flags, sync_topics
from veille.report import build_report, render_json, render_text
from veille.report.notify import notify

__all__ = ["flag_and_build", "render", "flags_of", "Notifier"]

log = logging.getLogger("veille.scheduler")


def flag_and_build(store: Store, config: Config, crawls: list[dict], always: bool = True) -> dict | None:
    """Flag what is pending and build the report of ``crawls``; None when ``always`` is
    False and there is nothing to tell (no crawl, no flag)."""
    sync_topics(store, config.topics)
    flags = flag_pending(store, config.topics)
    if config.distributed is not None and crawls:  # `veille ingest` may flag too
        flags += flags_of(store, [c["id"] for c in crawls if c.get("id") is not None], {f["id"] for f in flags})
    if not always and not flags and not crawls:
        return None
    # fresh rows; a skip that failed (no row) as it is
    return build_report(store, flags, crawls=[c["id"] if c.get("id") is not None else c for c in crawls])


def render(report: dict, as_json: bool, json_lines: bool) -> str:
    if not as_json:
        return render_text(report)
    text = render_json(report)
    return json.dumps(json.loads(text), ensure_ascii=False) if json_lines else text


def flags_of(store: Store, crawl_ids: list[int], have: set[int]) -> list[dict]:
    """The flags of the versions these crawls stored, but those in ``have`` (ids): with
    ``ingest = "daemon"`` a ``veille ingest`` given the topics flags the runs it closes
    before the scheduler does, and the report must still show them."""
    return [f for f in reversed(list_flags(store, crawl_ids=crawl_ids)) if f["id"] not in have]


class Notifier:
    """Sends reports to the ``[notify] urls``; logs each distinct failure once."""

    def __init__(self, urls: list[str]):
        self.urls = urls
        self.warned: set[tuple[str, str]] = set()

    def notify(self, report: dict) -> None:
        try:
            results = notify(self.urls, report)
        except ImportError as e:
            results = [(url, False, f"{e} (pip install apprise)") for url in self.urls]
        for url, ok, error in results:
            if not ok and (url, error) not in self.warned:
                log.warning("notification to %s failed: %s", url, error)
                self.warned.add((url, error))
