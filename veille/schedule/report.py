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
- ``[notify] mode = "digest"``: no message per run; once a day, at the first run (or the
  daemon's digest job) at or after ``digest_at`` (local time), one message with, per
  topic, the counts and links of what was flagged since the previous digest
  (:mod:`veille.report.digest`); a ``digests`` row per due time makes it once a day
  whatever the number of runs or processes.
- Notifications are sent with the config's ``[notify] timeout`` per notification, after
  the flags are written and every lock is released (:meth:`veille.schedule.runner.Runner.tell`);
  their outcome goes in the report (``notifications``) printed after them, so a late or
  failed one is counted there as well as logged.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

from storage import Store, digests
from veille.config import Config
from veille.config.model import DEFAULT_DIGEST_AT
from veille.core import clock
from veille.monitor.flags import flag_pending, list_flags, sync_topics
from veille.report import build_report, has_news, render_json, render_text
from veille.report.digest import build_digest, digest_title, render_digest
from veille.report.notify import masked, notify

__all__ = ["flag_and_build", "render", "flags_of", "Notifier", "worth_telling", "digest_due"]

log = logging.getLogger("veille.scheduler")


def flag_and_build(store: Store, config: Config, crawls: list[dict], always: bool = True) -> dict | None:
    """Flag what is pending and build the report of ``crawls``; None when ``always`` is
    False and there is nothing to tell (no crawl, no flag)."""
    sync_topics(store, config.topics)
    flags = flag_pending(store, config.topics)
    if config.distributed is not None and crawls:  # `veille ingest` may flag too
        flags += flags_of(store, [c["id"] for c in crawls], {f["id"] for f in flags})
    if not always and not flags and not crawls:
        return None
    return build_report(store, flags, crawls=[c["id"] for c in crawls])  # fresh rows


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


def worth_telling(report: dict) -> bool:
    """What ``veille run --quiet`` prints: a report with flags, failures, an unwell source
    or a damaged store."""
    return has_news(report) or bool(report.get("health")) or bool(report.get("store_damaged"))


def digest_due(now: dt.datetime, at: dt.time) -> dt.datetime:
    """The last time of day ``at`` (local time) at or before ``now``, as aware UTC."""
    local = now.astimezone()
    due = local.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    if due > local:
        due = (due - dt.timedelta(days=1)).replace(hour=at.hour, minute=at.minute)
    return due.astimezone(dt.timezone.utc)


class Notifier:
    """Sends reports to the ``[notify] urls``, each within ``deadline`` seconds; logs each
    distinct failure once."""

    def __init__(self, urls: list[str], deadline: float):
        self.urls = urls
        self.deadline = deadline
        self.warned: set[tuple[str, str]] = set()

    def notify(self, report: dict, **kwargs) -> list[dict]:
        """Send ``report`` (``kwargs``: ``title``, ``body`` of :func:`veille.report.notify.notify`);
        return ``[{"channel", "ok", "error"}]`` (channels masked), the report's ``notifications``."""
        try:
            results = notify(self.urls, report, deadline=self.deadline, **kwargs)
        except ImportError as e:
            results = [(url, False, f"{e} (pip install apprise)") for url in self.urls]
        out = []
        for url, ok, error in results:
            channel = masked(url)
            if not ok and (url, error) not in self.warned:
                log.warning("notification to %s failed: %s", channel, error)
                self.warned.add((url, error))
            out.append({"channel": channel, "ok": ok, "error": error})
        return out

    def digest(self, store: Store, config: Config, now: dt.datetime | None = None) -> dict | None:
        """``[notify] mode = "digest"``: send the day's digest if its time (``digest_at``,
        local) has come and it was not sent yet; return its row, or None. It tells what was
        flagged since the previous digest (the first one: the 24 hours before it was due)."""
        now = now or clock.now()
        due = digest_due(now, config.digest_at or DEFAULT_DIGEST_AT)
        due_at = clock.iso(due)
        if digests.digest_for(store.conn, due_at) is not None:
            return None
        prev = digests.last_digest(store.conn)
        since = prev["until"] if prev else clock.iso(due - dt.timedelta(days=1))
        until = clock.iso(now)
        digest = build_digest(store, since, until)
        row = {"due_at": due_at, "sent_at": until, "since": since, "until": until,
               "flags": digest["flags"], "failed_crawls": digest["failed_crawls"],
               "status": "empty", "detail": ""}
        if digest["flags"] or digest["failed_crawls"]:
            self.urls = config.notify_urls
            results = self.notify({}, title=digest_title(digest), body=render_digest(digest))
            bad = [f"{r['channel'].split('://', 1)[0]}: {r['error']}" for r in results if not r["ok"]]
            row["status"] = "failed" if bad and len(bad) == len(results) else "sent"
            row["detail"] = "; ".join(bad)
        digests.record_digest(store.conn, **row)
        log.info("digest due %s: %s (%d flags)", due.astimezone().isoformat(timespec="minutes"),
                 row["status"], row["flags"])
        return row
