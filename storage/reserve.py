"""Room kept on the store's disk for a crawl's last write, when the disk fills up.

    reserve = DiskReserve(store.path, "abamako", 4 << 20)   # at the start of a crawl
    ...                                                      # the disk fills: writes refused
    reserve.release()                                        # room for the crawl's end
    store.fail_crawl(...)                                    # ended failed, its articles pending
    reserve.close()                                          # at the end, in any case

Decisions:

- A full disk refuses every write, the small one that records how a crawl ended and
  which articles it could not write included: without room kept aside, a crawl on a full
  disk could only stay ``running`` and lose that account. So a crawl allocates a file of
  ``size`` bytes next to the store when it starts (``posix_fallocate``: real blocks, not a
  sparse file) and deletes it when its last write needs the room.
- One file per source (``.veille-<source>.reserve``, next to the lock files): a crawl
  SIGKILLed leaves it, and the next crawl of the source takes it over rather than adding
  another. A reserve that cannot be made (the disk is already full, no such call) is
  logged and the crawl goes on without one.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from .db import MEMORY

__all__ = ["DiskReserve", "DEFAULT_RESERVE"]

log = logging.getLogger(__name__)

DEFAULT_RESERVE = 4 << 20  # bytes: pending rows and the crawl's end for thousands of URLs


class DiskReserve:
    """``size`` bytes allocated next to the store at ``store_path`` for the crawl of
    ``name`` (see the module doc). ``held`` says whether the room is there."""

    def __init__(self, store_path: str | os.PathLike, name: str, size: int = DEFAULT_RESERVE):
        self.path: Path | None = None
        if str(store_path) == MEMORY or size <= 0:
            return
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", name) or "crawl"
        path = Path(store_path).parent / f".veille-{safe}.reserve"
        try:
            fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, 0o600)
            try:
                os.posix_fallocate(fd, 0, size)
            finally:
                os.close(fd)
        except (OSError, AttributeError) as exc:
            log.warning("no room kept for the end of the crawl on %s (%s)", path.parent, exc)
            path.unlink(missing_ok=True)
            return
        self.path = path

    @property
    def held(self) -> bool:
        return self.path is not None

    def release(self) -> bool:
        """Give the room back to the store (delete the file); True if there was some."""
        if self.path is None:
            return False
        self.path.unlink(missing_ok=True)
        self.path = None
        return True

    close = release
