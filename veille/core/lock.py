"""Advisory file locks (``fcntl.flock``) shared by the scheduler's runs.

The scheduler keeps its lock files next to the store (``<db dir>/.veille-*.lock``):

- ``.veille-once.lock``: held for the whole of a ``scheduler.py --once`` run, so a second
  overlapping run (cron firing while the previous one still runs) exits politely.
- ``.veille-<source>.lock``: held around each crawl of that source, by the daemon and by
  ``--once`` alike, so two runs never crawl one source at the same time.
- ``.veille-flags.lock``: held (blocking) while topics are synced and crawls flagged.

Decisions:

- ``flock`` locks belong to the open file description: they vanish when every process
  holding a descriptor of it is gone, so a SIGKILLed run never leaves a stale lock, and a
  lock whose descriptor is passed to a child (``Popen(pass_fds=...)``) stays held while the
  child lives, even if the parent died first.
- The lock file is never deleted (deleting it would let two processes lock two different
  inodes under one name); it is empty and harmless.
- Descriptors are opened close-on-exec: a child inherits a lock only when told to.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

__all__ = ["FileLock"]


class FileLock:
    """An exclusive ``flock`` on ``path`` (created if missing, with its folder).

    ``acquire(blocking=False)`` returns True if the lock is now held, False if another
    process holds it. ``release()`` closes the descriptor (children given ``fd`` keep the
    lock until they exit). Usable as a context manager (blocking acquire).
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.fd: int | None = None

    @property
    def held(self) -> bool:
        return self.fd is not None

    def acquire(self, blocking: bool = False) -> bool:
        if self.fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        self.fd = fd
        return True

    def release(self) -> None:
        """Close our descriptor; the lock is released once no child holds a copy either."""
        if self.fd is not None:
            fd, self.fd = self.fd, None
            os.close(fd)

    def __enter__(self) -> "FileLock":
        self.acquire(blocking=True)
        return self

    def __exit__(self, *exc) -> None:
        self.release()
