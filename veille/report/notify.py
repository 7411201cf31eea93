"""Notifications: send a run's report to the channels the user configured.

Channels are apprise URLs (``[notify] urls = [...]`` in the config): e-mail
(``mailto://``), Slack, Telegram (``tgram://``), Matrix, ntfy, plain webhooks
(``json://``, ``form://``, ``xml://``)... See https://github.com/caronc/apprise/wiki.
apprise is an optional dependency: ``pip install 'veille[notify]'``.

Decisions:

- One notification per run and channel, and only when the report has flags or failures
  (:func:`veille.report.has_news`); otherwise nothing is sent and ``[]`` is returned.
- The body is :func:`veille.report.render_text`, sent as plain text (no markdown to HTML
  conversion, so webhooks receive the text as written); the notification type is
  ``warning`` when a crawl failed or the store is damaged, else ``info``.
- Each URL is sent on its own, so each gets its own result ``(url, ok, error)``. A bad
  URL, a channel that fails, or apprise missing never raise: they are logged (URLs with
  their secrets masked, :func:`masked`) and reported as ``ok=False`` with the reason.
- **A total deadline per notification** (``deadline``, ``[notify] timeout``, default 30 s):
  apprise's own timeouts bound each socket read, not the whole exchange, so an endpoint
  that answers one byte at a time holds a send forever. Each URL is therefore sent by a
  child process (``python -c`` :data:`SENDER`: it imports apprise and nothing of veille,
  so it starts in a fraction of a second; the message on its stdin, the result on its
  stdout), all at once; a child still running at the deadline is killed and its result
  is "no answer within N s". The child also arms ``SIGALRM`` for a little past the
  deadline, so it cannot outlive a run killed meanwhile. Threads could not be stopped; a
  process can.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time

from veille.report import has_news, render_text

__all__ = ["notify", "default_title", "masked", "INSTALL_HINT", "DEADLINE", "SENDER"]

log = logging.getLogger(__name__)

INSTALL_HINT = "notifications need apprise: pip install 'veille[notify]'"
DEADLINE = 30.0  # seconds: the default of [notify] timeout

# The child process that sends one message (JSON on stdin: url, title, body, type,
# deadline) and prints {"ok", "error"}: apprise's result and the warnings it logged.
SENDER = """
import json, logging, signal, sys
message = json.loads(sys.stdin.buffer.read())
signal.alarm(int(message["deadline"]) + 5)  # never outlives its run for long
import apprise
apobj = apprise.Apprise()
apobj.add(message["url"])
ntype = apprise.NotifyType.WARNING if message["type"] == "warning" else apprise.NotifyType.INFO
try:
    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
        ok = bool(apobj.notify(body=message["body"], title=message["title"], notify_type=ntype,
                               body_format=apprise.NotifyFormat.TEXT))
    error = " ".join(line.strip() for line in captured.getvalue().splitlines() if line.strip())
except Exception as exc:  # a plugin bug must not cost the run
    ok, error = False, f"{type(exc).__name__}: {exc}"
json.dump({"ok": ok, "error": "" if ok else error}, sys.stdout)
"""


def default_title(report: dict) -> str:
    topics = {k: v for k, v in report.get("topics", {}).items() if v}
    new = sum(1 for items in topics.values() for i in items if i["kind"] == "new")
    updated = sum(1 for items in topics.values() for i in items if i["kind"] != "new")
    parts = []
    if report.get("store_damaged"):
        parts.append("the store is damaged")
    if topics:
        parts.append(f"{new} new, {updated} updated on {', '.join(topics)}")
    n_fail = len(report.get("failures") or [])
    if n_fail:
        parts.append(f"{n_fail} crawl{'s' if n_fail > 1 else ''} failed")
    return "veille: " + ("; ".join(parts) or "nothing new")


def _masked(apobj, url: str) -> str:
    try:
        return apobj[0].url(privacy=True)
    except Exception:
        return url.split("://", 1)[0] + "://..."


def masked(url: str) -> str:
    """``url`` with its secrets (passwords, tokens) masked, as apprise shows it; the scheme
    alone when apprise is missing or does not know the URL."""
    try:
        import apprise

        apobj = apprise.Apprise()
        if apobj.add(url):
            return _masked(apobj, url)
    except Exception:  # apprise missing, or a plugin that fails on the URL
        pass
    return url.split("://", 1)[0] + "://..."


def notify(urls: list[str], report: dict, *, title: str | None = None,
           body: str | None = None, deadline: float = DEADLINE) -> list[tuple[str, bool, str]]:
    """Send ``report`` to each apprise URL in ``urls``; return ``(url, ok, error)`` per URL
    (``error`` is "" when ok). Sends nothing (returns ``[]``) when the report has neither
    flags nor failures, or there are no URLs. Every URL is sent at once and given
    ``deadline`` seconds in all; one still sending then is cut off (``ok=False``, "no
    answer within N s"). Never raises for a channel's failure; without apprise installed
    every URL gets ``ok=False`` and :data:`INSTALL_HINT`. ``body`` (with ``title``): send that
    text instead of the report's (the daily digest), whatever the report says."""
    urls = [u for u in (urls or []) if u]
    if not urls or (body is None and not has_news(report)):
        return []
    try:
        import apprise
    except ImportError:
        log.error(INSTALL_HINT)
        return [(u, False, INSTALL_HINT) for u in urls]

    message = {
        "body": body if body is not None else render_text(report),
        "title": title if title is not None else default_title(report),
        "type": "warning" if report.get("failures") or report.get("store_damaged") else "info",
        "deadline": deadline,
    }
    results: dict[int, tuple[str, bool, str]] = {}
    sending: list[tuple[int, str, str, subprocess.Popen]] = []
    for n, url in enumerate(urls):
        apobj = apprise.Apprise()
        try:
            added = apobj.add(url)
        except Exception:  # pragma: no cover - apprise validates without raising
            added = False
        if not added:
            scheme = url.split("://", 1)[0] if "://" in url else url[:20]
            err = f"not a valid apprise URL (scheme {scheme!r}); see https://github.com/caronc/apprise/wiki"
            log.error("notify: %s", err)
            results[n] = (url, False, err)
            continue
        proc = _start(url, message)
        if isinstance(proc, str):
            results[n] = (url, False, proc)
        else:
            sending.append((n, url, _masked(apobj, url), proc))
    end = time.monotonic() + deadline
    for n, url, shown, proc in sending:
        ok, err = _finish(proc, end, deadline)
        if ok:
            log.info("notify: sent to %s", shown)
        else:
            log.warning("notify: %s failed: %s", shown, err)
        results[n] = (url, ok, err)
    return [results[n] for n in range(len(urls))]


def _start(url: str, message: dict) -> subprocess.Popen | str:
    """A child process sending ``message`` to ``url``, or why it could not start."""
    try:
        proc = subprocess.Popen([sys.executable, "-c", SENDER], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        proc.stdin.write(json.dumps({**message, "url": url}).encode("utf-8"))
        proc.stdin.close()
    except OSError as exc:
        return f"could not start the sending process: {exc}"
    return proc


def _finish(proc: subprocess.Popen, end: float, deadline: float) -> tuple[bool, str]:
    """Wait for a child until ``end`` (monotonic); kill it past that."""
    try:
        proc.wait(timeout=max(0.0, end - time.monotonic()))
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        proc.stdout.close()
        return False, f"no answer within {deadline:g} s (cut off)"
    out = proc.stdout.read()
    proc.stdout.close()
    try:
        result = json.loads(out)
        return bool(result["ok"]), "" if result["ok"] else (result.get("error") or
                                                           "the channel refused or could not be reached")
    except (ValueError, KeyError, TypeError):
        return False, f"the sending process failed (exit code {proc.returncode})"
