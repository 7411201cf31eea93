"""The archive of fetched pages: WARC files next to the store.

    policy = ArchivePolicy.parse(os.environ.get("VEILLE_ARCHIVE"))   # on, off, or N days
    archive = Archive(store_dir, policy)
    where = archive.append("abamako", Page(url, 200, headers, body, request_headers, fetched_at))
    archive.sync()                                    # before the versions pointing there commit
    page = read_page(store_dir, *where)               # the response as it was served

Files: ``archive/<source>/<YYYY-MM-DD>.warc.gz`` under the store's folder, one per source
and (UTC) day of the fetch, in the field's standard format (WARC 1.1, one gzip member
per record, so that pywb, replayweb.page and ``warcio index`` read them; warcio reads them
back here).
Each fetch is a ``request`` record then its ``response`` record (``WARC-Concurrent-To``
links them); a file starts with a ``warcinfo`` record. :meth:`Archive.append` returns
``(file, offset)``: the file relative to the store's folder, and the offset of the
response record: what ``versions.warc_file`` and ``versions.warc_offset`` hold.

Decisions:

- **The body is stored as veille read it**: decoded from its ``Content-Encoding`` (Scrapy
  decompresses before the spider sees it), so the record's HTTP headers drop
  ``Content-Encoding`` and ``Transfer-Encoding`` and give the real ``Content-Length``. A
  replay shows the page, and re-extraction (:mod:`scrapers.reextract`) reads the very bytes
  the parser read.
- **Appending never corrupts what is there.** The two records of a fetch are built in
  memory, then written with one ``write`` at the end of the file under an exclusive
  ``flock`` (two crawls of one source, a crawl and ``veille ingest``, may append to the
  same day's file). A process killed mid-write leaves a torn gzip member at the end; the
  next appender (under the lock) finds where the last complete member ends and truncates
  the file there before writing. It scans only what others appended since its own last
  write (the whole file the first time it opens it): one decompression, no parse.
- **The records are written here, not by warcio's writer** (:func:`build_records`): the
  WARC header fields warcio wrote (``WARC-Type``, ``-Record-ID``, ``-Date``,
  ``-Target-URI``, ``-Concurrent-To``, ``-Payload-Digest`` and ``-Block-Digest`` in sha1
  base32, ``Content-Type: application/http; msgtype=...``, ``Content-Length``), the same
  bytes but the record ids (tests/unit/test_archive.py checks them against warcio's writer
  and parser, digests recomputed, and runs ``warcio check`` and ``warcio index``). The body
  goes to sha1 and to the compressor as it is, never copied; warcio's writer copied it
  through ``BytesIO`` streams several times. HTTP headers are written in the bytes they came
  as (latin-1, as Scrapy gives them; UTF-8 only for a text latin-1 cannot hold), a CR or LF
  inside a value becoming a space.
- **Records are gzipped with ISA-L** (``isal``, level 2: :data:`GZIP_LEVEL`), zlib's format
  at five times its speed: 0.18 ms and 16.9 KB for a 78 KB page, where zlib took 0.8 ms at
  level 3 for 16.8 KB (and warcio's level 9, 2.1 ms). Without the ``isal`` wheel, zlib at
  level 3. Any gzip reader reads either. These two cut :meth:`Archive.append` from
  1.1-1.25 ms to 0.38 ms of the crawl's CPU a page (76 KB pages); what is left is C: sha1
  over the body twice (payload and block digests) and one ISA-L pass. On
  bench/archive_cost.py (aBamako, 1000 pages, 7 paired runs, with ``--base`` on the
  previous code) the crawl rate went from -23 % to -8 % (-17 % to -1 %) on a quiet
  machine, from -24 % to -16 % on a busy one. The generic extractor's case (12 KB pages,
  22 ms a page) is within the noise with either code: -2 % to -6 %.
- The records of a page are built (digests, gzip) before the file is locked; the
  ``warcinfo`` record is added when the file is new, in the batch's flush. Threads were
  tried three times, on 2 busy cores: warcio's records built in a thread as items arrive
  (+25 % CPU against +14 %: the GIL, a lookup per item); these records built in one thread
  as items arrive, though ISA-L and sha1 release the GIL (crawl CPU +20 % against +17 %
  built in the flush, same runs: the thread waits for the GIL after each C call while the
  crawl runs Python, and falls behind); built by two threads during the flush (the flush's
  archive time 0.49 s per 1000 pages against 0.57 s: 0.1 ms a page, less than the noise of
  the rate). None paid for a thread: the work stays in the batch, in the crawl's thread.
- :meth:`Archive.sync` fsyncs the files written since the last sync; the pipeline calls it
  before the transaction whose versions point at the records, so a version never points
  at bytes a power cut took away.
- A retention in days (``VEILLE_ARCHIVE=30``) deletes the day files older than that when a
  crawl opens the archive (:meth:`Archive.prune`); the versions keep their pointer, and
  :func:`read_page` says the record is gone.
- Failing to archive (a full disk, a folder that cannot be written) never costs a version:
  the caller records the version without a record and logs the error.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import logging
import os
import re
import uuid
import zlib
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator

from veille.core.clock import parse_iso, utcnow
from veille.core.errors import ArchiveError

__all__ = ["ENV_VAR", "FOLDER", "ArchivePolicy", "Page", "Archive", "read_page", "complete_end",
           "day_file", "build_records"]

log = logging.getLogger(__name__)

ENV_VAR = "VEILLE_ARCHIVE"
FOLDER = "archive"
# headers that describe the bytes on the wire, not the body as stored
_WIRE_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}
_OFF = {"off", "no", "false", "0", "none"}
_ON = {"", "on", "yes", "true", "1"}
_SCAN_CHUNK = 1 << 16
try:  # ISA-L's deflate (the ``isal`` package): 5 times zlib's speed for the same size
    from isal.isal_zlib import compressobj as _compressobj

    GZIP_LEVEL = 2  # ISA-L's levels are 0-3: 2 is 0.18 ms and 16.9 KB for a 78 KB page
except ImportError:  # a platform without its wheel: zlib, level 3 (0.8 ms and 16.8 KB)
    from zlib import compressobj as _compressobj

    GZIP_LEVEL = 3


@dataclass(frozen=True)
class ArchivePolicy:
    """Whether pages are archived, and for how many days (None: kept for ever)."""

    enabled: bool = True
    retention_days: int | None = None

    @classmethod
    def from_setting(cls, value=None) -> "ArchivePolicy":
        """The policy of a setting given (``-s VEILLE_ARCHIVE=...``), else of the
        environment variable, else on."""
        return cls.parse(value if value not in (None, "") else os.environ.get(ENV_VAR))

    @classmethod
    def parse(cls, value) -> "ArchivePolicy":
        """``VEILLE_ARCHIVE``: unset, ``on`` (the default: kept for ever), ``off``, or a
        retention in days (``30``, ``30d``). Anything else is an :class:`ArchiveError`."""
        if value is None:
            return cls()
        text = str(value).strip().lower()
        if text in _ON:
            return cls()
        if text in _OFF:
            return cls(enabled=False)
        m = re.fullmatch(r"(\d+)\s*d?", text)
        if m is None or int(m.group(1)) <= 0:
            raise ArchiveError(f"{ENV_VAR}={value!r}: use on, off, or a retention in days (e.g. 30)")
        return cls(retention_days=int(m.group(1)))


@dataclass
class Page:
    """One fetch as the archive keeps it: the request's and the response's headers, the
    body as the parser read it."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    fetched_at: str = ""  # ISO UTC (veille.core.clock); default now
    method: str = "GET"

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)


def _source_folder(source: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", source or "unknown").lstrip(".") or "unknown"


def day_file(source: str, fetched_at: str) -> str:
    """The archive file of a fetch, relative to the store's folder."""
    when = parse_iso(fetched_at) or dt.datetime.now(dt.timezone.utc)
    return f"{FOLDER}/{_source_folder(source)}/{when.date().isoformat()}.warc.gz"


def complete_end(f, start: int, size: int) -> int:
    """The offset where the last complete gzip member between ``start`` (a member's start)
    and ``size`` ends: ``size`` when the file is whole, less when its tail is torn."""
    f.seek(start)
    buf = f.read(size - start)
    pos = 0
    while pos < len(buf):
        d = zlib.decompressobj(31)
        i = pos
        try:
            while not d.eof and i < len(buf):
                chunk = buf[i:i + _SCAN_CHUNK]
                d.decompress(chunk)
                i += len(chunk)
        except zlib.error:
            break
        if not d.eof:
            break
        pos = i - len(d.unused_data)
    return start + pos


def _warc_date(fetched_at: str) -> str:
    when = parse_iso(fetched_at) or dt.datetime.now(dt.timezone.utc)
    return when.astimezone(dt.timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


_NO_CRLF = str.maketrans("\r\n", "  ")  # a header line never ends inside a value
_END = b"\r\n\r\n"  # after each record's block
_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"  # RFC 4648 (base64.b32encode is Python code, 5 times slower)


def _digest(*parts: bytes) -> str:
    """``sha1:<base32>``, the WARC digest of the concatenated ``parts``."""
    h = hashlib.sha1()
    for part in parts:
        h.update(part)
    n = int.from_bytes(h.digest(), "big")  # 160 bits: 32 base32 digits, no padding
    return "sha1:" + "".join([_B32[(n >> shift) & 31] for shift in range(155, -1, -5)])


_EMPTY_DIGEST = _digest()  # a request's payload: none


def _http_head(start_line: str, headers) -> bytes:
    """An HTTP message's start line and headers, the blank line included, in the bytes they
    came as (Scrapy's, decoded as latin-1); UTF-8 for a text latin-1 cannot hold."""
    text = _lines([start_line, *(f"{k}: {v}" for k, v in headers)]) + "\r\n"
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def _lines(lines: list[str]) -> str:
    """``lines``, each ended by CRLF; a CR or LF inside one (a header value) becomes a space."""
    if "\r" in (whole := "".join(lines)) or "\n" in whole:
        lines = [line.translate(_NO_CRLF) for line in lines]
    return "\r\n".join(lines) + "\r\n"


def _member(fields: list[tuple[str, str]], *block: bytes) -> bytes:
    """One record (its WARC header ``fields``, ``Content-Length`` added, then ``block``)
    as one gzip member at :data:`GZIP_LEVEL`; the block's parts go to the compressor as they
    are, never joined."""
    length = sum(map(len, block))
    head = _lines(["WARC/1.1", *(f"{k}: {v}" for k, v in fields), f"Content-Length: {length}"])
    c = _compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)
    out = [c.compress(f"{head}\r\n".encode("utf-8"))]
    out += [c.compress(part) for part in block]
    out += [c.compress(_END), c.flush()]
    return b"".join(out)


def _record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def _warcinfo(filename: str) -> bytes:
    """The first record of a file, gzipped."""
    block = (b"software: veille\r\nformat: WARC File Format 1.1\r\n"
             b"description: pages fetched by veille, bodies decoded\r\n")
    return _member([("WARC-Type", "warcinfo"), ("WARC-Record-ID", _record_id()), ("WARC-Filename", filename),
                    ("WARC-Date", _warc_date(utcnow())), ("WARC-Block-Digest", _digest(block)),
                    ("Content-Type", "application/warc-fields")], block)


def build_records(page: Page) -> tuple[bytes, int]:
    """The gzip members of a fetch (its request, its response) and the offset of the
    response among them."""
    if not page.fetched_at:
        page.fetched_at = utcnow()
    date = _warc_date(page.fetched_at)
    body = page.body
    headers = [(k, v) for k, v in page.headers if k.lower() not in _WIRE_HEADERS]
    headers.append(("Content-Length", str(len(body))))
    try:
        reason = HTTPStatus(page.status).phrase
    except ValueError:
        reason = "Unknown"
    http = _http_head(f"HTTP/1.1 {page.status} {reason}", headers)
    resp_id = _record_id()
    parts = urlsplit(page.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    req_headers = list(page.request_headers)
    if not any(k.lower() == "host" for k, _ in req_headers):
        req_headers.insert(0, ("Host", parts.netloc))
    req_http = _http_head(f"{page.method} {target} HTTP/1.1", req_headers)
    req = _member([("WARC-Type", "request"), ("WARC-Record-ID", _record_id()), ("WARC-Date", date),
                   ("WARC-Target-URI", page.url), ("WARC-Concurrent-To", resp_id),
                   ("WARC-Payload-Digest", _EMPTY_DIGEST), ("WARC-Block-Digest", _digest(req_http)),
                   ("Content-Type", "application/http; msgtype=request")], req_http)
    resp = _member([("WARC-Type", "response"), ("WARC-Record-ID", resp_id), ("WARC-Date", date),
                    ("WARC-Target-URI", page.url), ("WARC-Payload-Digest", _digest(body)),
                    ("WARC-Block-Digest", _digest(http, body)),
                    ("Content-Type", "application/http; msgtype=response")], http, body)
    return req + resp, len(req)


class Archive:
    """Appends fetches to the day files of the store's folder ``store_dir`` (see the
    module doc). One per process; :meth:`close` it."""

    def __init__(self, store_dir, policy: ArchivePolicy | None = None):
        self.dir = Path(store_dir)
        self.policy = policy or ArchivePolicy()
        self._fds: dict[str, int] = {}
        self._ends: dict[str, int] = {}  # where this process's last write ended
        self._unsynced: set[str] = set()
        self.bytes_written = 0

    @property
    def enabled(self) -> bool:
        return self.policy.enabled

    def append(self, source: str, page: Page) -> tuple[str, int]:
        """Write the fetch's records; return ``(file, offset of the response record)``."""
        data, at = build_records(page)
        rel = day_file(source, page.fetched_at)
        fd = self._fds.get(rel)
        if fd is None:
            path = self.dir / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = self._fds[rel] = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            size = os.fstat(fd).st_size
            end = self._ends.get(rel)
            if end != size:  # first write here, or others wrote since: find the last whole member
                with os.fdopen(os.dup(fd), "rb") as f:
                    end = complete_end(f, end if end is not None and end <= size else 0, size)
                if end < size:
                    log.warning("archive %s: a torn record at its end (%d bytes) cut off", rel, size - end)
                    os.ftruncate(fd, end)
            if end == 0:
                info = _warcinfo(os.path.basename(rel))
                data, at = info + data, at + len(info)
            os.lseek(fd, end, os.SEEK_SET)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            self._ends[rel] = end + len(data)
            self._unsynced.add(rel)
            self.bytes_written += len(data)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
        return rel, end + at

    def sync(self) -> None:
        """fsync the files written since the last sync."""
        for rel in self._unsynced:
            os.fsync(self._fds[rel])
        self._unsynced.clear()

    def prune(self, today: dt.date | None = None) -> list[Path]:
        """Delete the day files older than the retention (none without one); return them."""
        days = self.policy.retention_days
        if not days:
            return []
        today = today or dt.datetime.now(dt.timezone.utc).date()
        oldest = today - dt.timedelta(days=days)
        gone = []
        for path in sorted((self.dir / FOLDER).glob("*/*.warc.gz")):
            try:
                day = dt.date.fromisoformat(path.name[:-len(".warc.gz")])
            except ValueError:
                continue
            if day < oldest:
                path.unlink(missing_ok=True)
                gone.append(path)
        return gone

    def close(self) -> None:
        try:
            self.sync()
        except OSError as exc:  # a full disk: the records are written, maybe not on the disk
            log.error("archive: could not be synced: %s", exc)
        finally:
            for fd in self._fds.values():
                os.close(fd)
            self._fds.clear()


def read_page(store_dir, warc_file: str, offset: int) -> Page:
    """The response record at ``offset`` of ``warc_file`` (relative to the store's
    folder), as a :class:`Page`; :class:`ArchiveError` when it is gone or unreadable."""
    path = Path(store_dir) / warc_file
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            rec = next(iter(ArchiveIterator(f)), None)
            if rec is None or rec.rec_type != "response":
                raise ArchiveError(f"{warc_file} at {offset}: no response record there")
            body = rec.content_stream().read()
            http = rec.http_headers
            return Page(url=rec.rec_headers.get_header("WARC-Target-URI"),
                        status=int(http.get_statuscode() or 0), headers=list(http.headers),
                        body=body, fetched_at=rec.rec_headers.get_header("WARC-Date") or "")
    except FileNotFoundError:
        raise ArchiveError(f"{warc_file}: no such archive file (past its retention?)") from None
    except (OSError, EOFError, zlib.error, ValueError) as exc:
        if isinstance(exc, ArchiveError):
            raise
        raise ArchiveError(f"{warc_file} at {offset}: {exc}") from exc
