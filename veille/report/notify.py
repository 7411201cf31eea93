"""Notifications: send a run's report to the channels the user configured.

Channels are apprise URLs (``[notify] urls = [...]`` in the config): e-mail
(``mailto://``), Slack, Telegram (``tgram://``), Matrix, ntfy, plain webhooks
(``json://``, ``form://``, ``xml://``)... See https://github.com/caronc/apprise/wiki.
apprise is an optional dependency: ``pip install 'veille[notify]'``.

Decisions:

- One notification per run and channel, and only when the report has flags, failures or
  a source whose pending articles grew (:func:`veille.report.has_news`); otherwise
  nothing is sent and ``[]`` is returned.
- The body is :func:`veille.report.render_text`, sent as plain text (no markdown to HTML
  conversion, so webhooks receive the text as written); the notification type is
  ``warning`` when a crawl failed or pending articles grew, else ``info``.
- Each URL is sent on its own, so each gets its own result ``(url, ok, error)``. A bad
  URL, a channel that fails, or apprise missing never raise: they are logged (URLs with
  their secrets masked) and reported as ``ok=False`` with the reason.
"""

from __future__ import annotations

import logging

from veille.report import growing_pending, has_news, render_text

__all__ = ["notify", "default_title", "INSTALL_HINT"]

log = logging.getLogger(__name__)

INSTALL_HINT = "notifications need apprise: pip install 'veille[notify]'"


def default_title(report: dict) -> str:
    topics = {k: v for k, v in report.get("topics", {}).items() if v}
    new = sum(1 for items in topics.values() for i in items if i["kind"] == "new")
    updated = sum(1 for items in topics.values() for i in items if i["kind"] != "new")
    parts = []
    if topics:
        parts.append(f"{new} new, {updated} updated on {', '.join(topics)}")
    n_fail = len(report.get("failures") or [])
    if n_fail:
        parts.append(f"{n_fail} crawl{'s' if n_fail > 1 else ''} failed")
    growing = growing_pending(report)
    if growing:
        parts.append(f"pending articles growing at {', '.join(growing)}")
    return "veille: " + ("; ".join(parts) or "nothing new")


def _masked(apobj, url: str) -> str:
    try:
        return apobj[0].url(privacy=True)
    except Exception:
        return url.split("://", 1)[0] + "://..."


def notify(urls: list[str], report: dict, *, title: str | None = None) -> list[tuple[str, bool, str]]:
    """Send ``report`` to each apprise URL in ``urls``; return ``(url, ok, error)`` per URL
    (``error`` is "" when ok). Sends nothing (returns ``[]``) when the report has neither
    flags nor failures, or there are no URLs. Never raises for a channel's failure; without
    apprise installed every URL gets ``ok=False`` and :data:`INSTALL_HINT`."""
    urls = [u for u in (urls or []) if u]
    if not urls or not has_news(report):
        return []
    try:
        import apprise
    except ImportError:
        log.error(INSTALL_HINT)
        return [(u, False, INSTALL_HINT) for u in urls]

    body = render_text(report)
    title = title if title is not None else default_title(report)
    ntype = (apprise.NotifyType.WARNING if report.get("failures") or growing_pending(report)
             else apprise.NotifyType.INFO)
    results: list[tuple[str, bool, str]] = []
    for url in urls:
        apobj = apprise.Apprise()
        try:
            added = apobj.add(url)
        except Exception as exc:  # pragma: no cover - apprise validates without raising
            added, err = False, str(exc)
        if not added:
            scheme = url.split("://", 1)[0] if "://" in url else url[:20]
            err = f"not a valid apprise URL (scheme {scheme!r}); see https://github.com/caronc/apprise/wiki"
            log.error("notify: %s", err)
            results.append((url, False, err))
            continue
        shown = _masked(apobj, url)
        try:
            with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
                ok = bool(apobj.notify(body=body, title=title, notify_type=ntype,
                                       body_format=apprise.NotifyFormat.TEXT))
            messages = " ".join(line.strip() for line in captured.getvalue().splitlines() if line.strip())
        except Exception as exc:  # a plugin bug must not cost the run
            ok, messages = False, f"{type(exc).__name__}: {exc}"
        if ok:
            log.info("notify: sent to %s", shown)
            results.append((url, True, ""))
        else:
            err = messages or "the channel refused or could not be reached"
            log.warning("notify: %s failed: %s", shown, err)
            results.append((url, False, err))
    return results
