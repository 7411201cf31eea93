"""The daemon takes config changes without a restart, and says which config it runs.

    status = DaemonStatus(db)              # .veille-daemon.json next to the store
    status.write(config_path, signature)   # the daemon, at start and after each reload
    running = status.read_live()           # topics add: is a daemon running, on which file?
    watcher = ConfigWatcher(path)          # the daemon: SIGHUP, or the file changed?

Decisions:

- The daemon reloads its config on SIGHUP and when the file changes (its size, mtime and
  inode, looked at every :data:`POLL_SECONDS`); a config that does not load is logged
  and the running one kept, the error written in the status file.
- What a reload changes: topics (the next flagging uses them; the ``topics`` table is
  synced at once), ``[notify]``, and the sources: a new source gets its job (first run as
  at start), a removed one loses it, one whose schedule or crawl changed is rescheduled.
  ``[store]`` and ``[distributed]`` need a restart (logged).
- The status file (JSON, written atomically next to the store, removed when the daemon
  stops) holds the daemon's pid and host, the config file it runs (resolved) and the
  SHA-256 of the text it last loaded, and the last reload's error. ``veille topics add``
  reads it, sends SIGHUP to a live daemon of the same config file and waits for the
  signature of the new text to say whether the daemon took the topic.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
import socket
import tempfile
import time
from pathlib import Path

from storage.crawls import pid_alive
from veille.core.clock import utcnow

__all__ = ["DaemonStatus", "ConfigWatcher", "config_signature", "POLL_SECONDS", "STATUS_NAME",
           "notify_daemon"]

log = logging.getLogger("veille.scheduler")

POLL_SECONDS = 2.0
STATUS_NAME = ".veille-daemon.json"


def config_signature(path: Path | None) -> str | None:
    """SHA-256 of the config file's bytes (None: no file)."""
    if path is None:
        return None
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


class DaemonStatus:
    """The status file of the daemon that works on the store ``db``."""

    def __init__(self, db: Path):
        self.path = Path(db).parent / STATUS_NAME

    def write(self, config: Path | None, signature: str | None, error: str | None = None,
              started_at: str | None = None) -> None:
        data = {"pid": os.getpid(), "host": socket.gethostname(),
                "config": str(Path(config).resolve()) if config else None,
                "signature": signature, "loaded_at": utcnow(), "error": error,
                "started_at": started_at or utcnow()}
        fd, tmp = tempfile.mkstemp(prefix=".veille-daemon.", dir=self.path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f)
        os.replace(tmp, self.path)

    def read(self) -> dict | None:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def read_live(self) -> dict | None:
        """The status of a daemon still running on this machine, else None."""
        data = self.read()
        if not data or data.get("host") != socket.gethostname():
            return None
        pid = data.get("pid")
        return data if isinstance(pid, int) and pid_alive(pid) else None

    def remove(self) -> None:
        data = self.read()
        if data and data.get("pid") == os.getpid():
            try:
                self.path.unlink()
            except OSError:
                pass


class ConfigWatcher:
    """Tells the daemon when to reload: after SIGHUP, or when the file changed."""

    def __init__(self, path: Path | None, poll: float = POLL_SECONDS):
        self.path = Path(path) if path else None
        self.poll = poll
        self.requested = False
        self.stamp = self._stamp()
        self.next_look = time.monotonic() + poll

    def _stamp(self):
        if self.path is None:
            return None
        try:
            st = self.path.stat()
        except OSError:
            return None
        return (st.st_size, st.st_mtime_ns, st.st_ino)

    def install(self) -> object:
        """Handle SIGHUP (return the previous handler)."""
        def on_hup(signum, frame):
            self.requested = True

        return signal.signal(signal.SIGHUP, on_hup)

    def due(self) -> str | None:
        """Why to reload now ("SIGHUP", "file changed"), or None."""
        if self.requested:
            self.requested = False
            self.stamp = self._stamp()
            return "SIGHUP"
        now = time.monotonic()
        if now < self.next_look:
            return None
        self.next_look = now + self.poll
        stamp = self._stamp()
        if stamp != self.stamp:
            self.stamp = stamp
            return "file changed"
        return None


def notify_daemon(db: Path, config: Path, signature: str | None, wait: float = 10.0) -> tuple[str, dict | None]:
    """After a config edit: tell the daemon running on ``db`` with ``config`` (SIGHUP) and
    wait up to ``wait`` seconds for it to load ``signature``. Returns ("none", None) when no
    daemon runs this config, ("took", status), ("refused", status: its ``error`` says
    why) or ("late", status) when it did not answer in time."""
    status = DaemonStatus(db)
    data = status.read_live()
    if data is None or data.get("config") != str(Path(config).resolve()):
        return "none", None
    try:
        os.kill(data["pid"], signal.SIGHUP)
    except OSError:
        return "none", None
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        now = status.read() or {}
        if now.get("signature") == signature and now.get("pid") == data["pid"]:
            return "took", now
        if now.get("error") and now.get("loaded_at") != data.get("loaded_at"):
            return "refused", now
        time.sleep(0.1)
    return "late", status.read() or data
