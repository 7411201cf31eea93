"""Fault injection for the replica server: the fault map, and the bodies faults need.

Faults: a JSON map ``{path: spec}`` read from ``DIR/faults.json`` and from any extra
fault files (later ones win), re-read when they change. Keys are a path with its query
(``/rubriques/depeches.asp?page=2``), a path (any query), or a glob (``/h/2700*.html``).
Keys starting with ``_`` are ignored. A spec combines:

    status: int             answer this status (error page body unless body is given)
    body: str | body_b64    raw body (str is UTF-8 encoded); status 200 unless given
    content_type: str       Content-Type header override (e.g. "application/pdf",
                            "text/html; charset=utf-8" on a cp1252 page)
    headers: {name: value}  extra headers
    redirect: url           Location (absolute or a site path); status 302 unless given
    slow: seconds           wait this long before answering (to trip client timeouts)
    truncate: float | int   send a fraction (< 1) or a number of bytes (>= 1) of the body
                            under the full Content-Length, then close the connection
    huge: MB                a text/html body of this many megabytes (streamed)
    gzip_bomb: MB           a small gzip body (~1/1000 of it) that inflates to this many
                            megabytes of zeros, sent with Content-Encoding: gzip whatever
                            the request accepts (text/html unless content_type says)
    wrong_length: N         Content-Length says N bytes more (N > 0) or fewer (N < 0) than
                            the body sent; the connection is then closed
    reset: true             drop the connection (TCP RST) without answering
    close: true             close the connection (FIN) without answering
    times: N                the fault applies to the first N matching requests only

:class:`Faults` says which spec applies to a request (``match``); the server
(:mod:`replica.httpd`) answers it.

Decisions:
- A bad fault file is reported on stderr and skipped, never fatal: a test that writes a
  fault file while the server reads it gets the previous map for one request at most.
- ``times`` counts per key and restarts when the map changes.
"""

from __future__ import annotations

import fnmatch
import json
import struct
import sys
import zlib
from pathlib import Path

__all__ = ["HUGE_CHUNK", "Faults", "cached_gzip_bomb", "gzip_bomb"]


class Faults:
    def __init__(self, files: list[Path]):
        self.files = [Path(f) for f in files]
        self.sig = None
        self.exact: dict[str, dict] = {}
        self.globs: list[tuple[str, dict]] = []
        self.counts: dict[str, int] = {}

    def _refresh(self) -> None:
        sig = []
        for f in self.files:
            try:
                st = f.stat()
                sig.append((st.st_mtime_ns, st.st_size, st.st_ino))
            except OSError:
                sig.append(None)
        sig = tuple(sig)
        if sig == self.sig:
            return
        merged: dict[str, dict] = {}
        for f, s in zip(self.files, sig):
            if s is None:
                continue
            try:
                data = json.loads(f.read_bytes() or b"{}")
            except (OSError, ValueError) as e:
                print(f"replica: bad faults file {f}: {e}", file=sys.stderr)
                continue
            for k, v in data.items():
                if not k.startswith("_") and isinstance(v, dict):
                    merged[k] = v
        self.sig = sig
        self.exact = {k: v for k, v in merged.items() if not any(c in k for c in "*[")}
        self.globs = [(k, v) for k, v in merged.items() if any(c in k for c in "*[")]
        self.counts = {}

    def match(self, path: str, query: str) -> tuple[str, dict] | None:
        self._refresh()
        if not self.exact and not self.globs:
            return None
        target = f"{path}?{query}" if query else path
        hit = None
        for k in (target, path):
            if k in self.exact:
                hit = (k, self.exact[k])
                break
        if hit is None:
            for k, v in self.globs:
                if fnmatch.fnmatchcase(target, k) or fnmatch.fnmatchcase(path, k):
                    hit = (k, v)
                    break
        if hit is None:
            return None
        k, spec = hit
        n = self.counts.get(k, 0) + 1
        self.counts[k] = n
        if spec.get("times") is not None and n > int(spec["times"]):
            return None
        return hit



_BOMBS: dict[int, bytes] = {}


def cached_gzip_bomb(size: int) -> bytes | None:
    """The bomb of ``size`` if it is made already (making one takes time)."""
    return _BOMBS.get(size)


def gzip_bomb(size: int) -> bytes:
    """A gzip member that inflates to ``size`` zero bytes (~size/1000 bytes; cached).

    Built without compressing ``size`` bytes: one 1 MB block of zeros deflated after a full
    flush always gives the same bytes, so the stream is that block repeated (1 GB: ~0.3 s)."""
    if size not in _BOMBS:
        mb = 1 << 20
        zeros = b"\0" * mb
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        first = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
        block = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
        n, rest = divmod(size, mb)
        parts = [first] if n else []
        parts += [block] * max(0, n - 1)
        if rest:
            parts.append(c.compress(zeros[:rest]))
        parts.append(c.flush(zlib.Z_FINISH))
        crc = 0
        for _ in range(n):
            crc = zlib.crc32(zeros, crc)
        crc = zlib.crc32(zeros[:rest], crc)
        _BOMBS[size] = (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + b"".join(parts)
                        + struct.pack("<II", crc, size & 0xFFFFFFFF))
    return _BOMBS[size]


HUGE_CHUNK = (b"<p>" + b"Lorem ipsum dolor sit amet, aBamako replica filler. " * 1200 + b"</p>\n")[:65536]
