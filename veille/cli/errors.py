"""Every error a one-line message and an exit status, never a traceback.

    sys.exit(guarded(main, argv))              # the `veille` command
    sys.exit(guarded(main, argv, "scheduler.py"))

The commands catch the errors they expect (a bad config, a query that does not parse, an
unknown topic) and say what to do; :func:`guarded` is the net under all of them, for what
the machine does to a command:

- output piped to a reader that stopped (``veille flags | head``): no message, exit 0 (the
  reader had what it wanted); stdout is pointed at /dev/null so that nothing complains
  at exit;
- a folder or file that cannot be written or read (permissions, a read-only or full
  disk): ``<prog>: cannot write <file>: Permission denied (is its folder writable by this
  user?)``, exit 1;
- SQLite refusing the store (read-only, unable to open, locked, corrupt): the same, exit 1;
- any other error veille raises on purpose (:class:`~veille.core.errors.VeilleError`): its
  message, exit 2 (bad input), or 1 for a store error;
- Ctrl-C: exit 130, no traceback.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import sys
from collections.abc import Callable

from veille.core.errors import StoreError, VeilleError

__all__ = ["guarded", "os_error_message"]

_HINTS = {
    errno.EACCES: "is it writable by this user?",
    errno.EPERM: "is it writable by this user?",
    errno.EROFS: "the file system is read-only",
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
}


def os_error_message(exc: OSError) -> str:
    """``cannot write data/x.db: Permission denied (is it writable by this user?)``."""
    what = exc.filename or ""
    reason = exc.strerror or str(exc)
    hint = _HINTS.get(exc.errno)
    text = f"{what}: {reason}" if what else reason
    return f"cannot use {text}" + (f" ({hint})" if hint else "")


def _quiet_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def guarded(main: Callable[[list[str]], int], argv: list[str], prog: str | None = None) -> int:
    """``main(argv)``, with the errors of the module docstring turned into messages."""
    if prog is None:
        first = next((a for a in argv if not a.startswith("-")), "")
        prog = f"veille {first}".strip()
    try:
        code = main(argv)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        _quiet_stdout()
        return 0
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        if exc.errno == errno.EPIPE:
            _quiet_stdout()
            return 0
        print(f"{prog}: {os_error_message(exc)}", file=sys.stderr)
        return 1
    except sqlite3.Error as exc:
        text = str(exc)
        hint = ""
        if "readonly" in text or "unable to open" in text:
            hint = " (is the store's folder writable by this user?)"
        elif "locked" in text or "busy" in text:
            hint = " (another process holds it; try again)"
        print(f"{prog}: the store: {text}{hint}", file=sys.stderr)
        return 1
    except VeilleError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 1 if isinstance(exc, StoreError) else 2
