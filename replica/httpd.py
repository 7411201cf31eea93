"""The replica's HTTP server: static files, validators, faults, a hit log.

A small HTTP/1.1 server on asyncio streams (keep-alive, GET and HEAD), run in its own
process by :func:`replica.server.serve` (``python -m replica serve DIR``: :func:`run_server`).
Why not Twisted's ``twisted.web.static.File``: it sends Last-Modified and answers
If-Modified-Since, but sends no ETag, and the faults (:mod:`replica.faults`: truncated
bodies, resets, wrong lengths) need control of the raw connection anyway.

What it serves
- ``/x`` -> ``DIR/x``; a folder -> its ``index.html`` (or ``index.xml``), without a
  redirect; ``/p?q`` -> the file literally named ``p?q`` if there is one (listing
  pages ``depeches.asp?page=2``), else ``p`` unless the query asks for a ``page=``
  (then 404). ``manifest.json``, ``faults.json`` and ``*.tmp`` are never served.
- Content-Type by extension: ``.html``/``.asp`` ``text/html`` (no charset: pages
  declare theirs in a meta), ``rss/*.xml`` ``application/rss+xml``, ``.xml``
  ``application/xml``, ``.txt`` ``text/plain; charset=utf-8``, ``.pdf``, images...
- Every response from a file carries ``ETag`` (a hash of the file's bytes on disk, so it
  does not depend on the port) and ``Last-Modified`` (the file's mtime). A GET/HEAD with
  ``If-None-Match`` matching (weak comparison, ``*`` too) gets ``304``; without
  If-None-Match, ``If-Modified-Since`` >= mtime gets ``304``.
- Absolute URLs: the generator writes them with the site's ``base_url`` (manifest); the
  server replaces that prefix by its own ``http://127.0.0.1:PORT`` in text files.
- Files are cached in memory and re-read when their (mtime, size, inode) change, so
  edits to the folder are served at once.
- ``gzip=True``: text bodies over 1 KB are gzipped for clients that accept it, with a
  weak ETag (as nginx does) and ``Vary: Accept-Encoding``.
- Faults: the map of :mod:`replica.faults` (the site's ``faults.json`` and extra files).

Hit log: one JSON line per answered request, written before the response is sent:
``{"t": epoch, "m": "GET", "path": "/h/1.html", "status": 200, "bytes": body bytes
sent, "wire": header + body bytes, "cond": had If-None-Match/If-Modified-Since,
"fault": [...] or absent}``. Status 0 for reset/close. :class:`replica.server.ReplicaServer`
reads it.
"""

from __future__ import annotations

import asyncio
import base64
import gzip as gzip_mod
import hashlib
import json
import os
import signal
import socket
import stat as stat_mod
import struct
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

from replica.dates import parse_rfc822, rfc822
from replica.faults import HUGE_CHUNK, Faults, cached_gzip_bomb, gzip_bomb

__all__ = ["HttpServer", "run_server"]

HIDDEN = {"manifest.json", "faults.json"}
REASONS = {
    200: "OK", 206: "Partial Content", 301: "Moved Permanently", 302: "Found", 303: "See Other",
    304: "Not Modified", 307: "Temporary Redirect", 308: "Permanent Redirect",
    400: "Bad Request", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
    410: "Gone", 429: "Too Many Requests", 431: "Request Header Fields Too Large",
    500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
    504: "Gateway Timeout",
}
TYPES = {
    ".html": "text/html", ".htm": "text/html", ".asp": "text/html",
    ".xml": "application/xml", ".txt": "text/plain; charset=utf-8", ".css": "text/css",
    ".js": "application/javascript", ".json": "application/json", ".pdf": "application/pdf",
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
}
TEXTISH = ("text/", "application/xml", "application/rss+xml", "application/javascript",
           "application/json")

def _content_type(rel: str) -> str:
    base = rel.split("?", 1)[0]
    ext = os.path.splitext(base)[1].lower()
    if ext == ".xml" and (base.startswith("rss/") or os.path.basename(base) == "rss.xml"):
        return "application/rss+xml"
    return TYPES.get(ext, "application/octet-stream")


class Entry:
    __slots__ = ("key", "body", "etag", "mtime", "last_modified", "ctype", "_gz")

    def __init__(self, key, body, etag, mtime, ctype):
        self.key, self.body, self.etag, self.mtime, self.ctype = key, body, etag, mtime, ctype
        self.last_modified = rfc822(mtime, gmt=True)
        self._gz = None

    @property
    def textish(self) -> bool:
        return self.ctype.startswith(TEXTISH)

    def gz(self) -> bytes:
        if self._gz is None:
            self._gz = gzip_mod.compress(self.body, 6, mtime=0)
        return self._gz


class FileCache:
    def __init__(self, root: Path, rewrite: tuple[bytes, bytes] | None):
        self.root = str(Path(root).resolve())
        self.rewrite = rewrite
        self.entries: dict[str, Entry] = {}

    def _load(self, rel: str) -> Entry | None:
        fs = os.path.join(self.root, rel)
        try:
            st = os.stat(fs)
        except (OSError, ValueError):
            return None
        if stat_mod.S_ISDIR(st.st_mode):
            for index in ("index.html", "index.xml"):
                e = self._load(os.path.join(rel, index) if rel else index)
                if e:
                    return e
            return None
        key = (st.st_mtime_ns, st.st_size, st.st_ino)
        e = self.entries.get(fs)
        if e is not None and e.key == key:
            return e
        try:
            with open(fs, "rb") as f:
                raw = f.read()
        except OSError:
            return None
        etag = '"' + hashlib.blake2b(raw, digest_size=10).hexdigest() + '"'
        ctype = _content_type(rel)
        body = raw
        if self.rewrite and ctype.startswith(TEXTISH):
            body = raw.replace(*self.rewrite)
        e = Entry(key, body, etag, int(st.st_mtime), ctype)
        self.entries[fs] = e
        return e

    def lookup(self, path: str, query: str) -> Entry | None:
        rel = unquote(path).lstrip("/")
        if "\x00" in rel or any(part in ("..", ".") for part in rel.split("/")):
            return None
        name = rel.rsplit("/", 1)[-1]
        if rel in HIDDEN or name.endswith(".tmp") or name.startswith("."):
            return None
        if query:
            e = self._load(f"{rel}?{query}") if rel and not rel.endswith("/") else None
            if e is None and query != unquote(query):
                e = self._load(f"{rel}?{unquote(query)}")
            if e is not None:
                return e
            if "page=" in query:
                return None
        if rel.endswith("/"):
            rel = rel.rstrip("/")
            fs = os.path.join(self.root, rel)
            if rel and not os.path.isdir(fs):
                return None
        return self._load(rel)



def _etag_match(header: str, etag: str) -> bool:
    strong = etag[2:] if etag.startswith("W/") else etag
    for tag in header.split(","):
        tag = tag.strip()
        if tag == "*":
            return True
        if tag.startswith("W/"):
            tag = tag[2:]
        if tag == strong:
            return True
    return False


def _error_page(status: int) -> bytes:
    reason = REASONS.get(status, "Error")
    return (f"<!DOCTYPE html>\n<html><head><title>{status} {reason}</title></head>"
            f"<body><h1>{status} {reason}</h1></body></html>\n").encode("ascii")



class HttpServer:
    """The server proper; runs in the current process's asyncio loop."""

    def __init__(self, root, *, host="127.0.0.1", port=0, fault_files=(), hit_log=None,
                 gzip=False, rewrite_base=True):
        self.root = Path(root)
        self.host, self.port = host, port
        self.gzip = gzip
        self.rewrite_base = rewrite_base
        self.base_from = None
        man = self.root / "manifest.json"
        if rewrite_base and man.exists():
            try:
                self.base_from = json.loads(man.read_bytes()).get("base_url")
            except ValueError:
                self.base_from = None
        self.faults = Faults([self.root / "faults.json", *map(Path, fault_files)])
        self.hit_log = open(hit_log, "a", buffering=1, encoding="utf-8") if hit_log else None
        self.cache: FileCache | None = None
        self.server = None
        self.base_url = ""
        self._date = ("", 0)

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._handle, self.host, self.port,
                                                 limit=65536, backlog=1024)
        self.port = self.server.sockets[0].getsockname()[1]
        self.base_url = f"http://{self.host}:{self.port}"
        rewrite = None
        if self.base_from and self.base_from != self.base_url:
            rewrite = (self.base_from.encode("ascii"), self.base_url.encode("ascii"))
        self.cache = FileCache(self.root, rewrite)
        return self.base_url

    async def close(self) -> None:
        if self.server:
            self.server.close()
            try:
                await asyncio.wait_for(self.server.wait_closed(), 2)
            except (asyncio.TimeoutError, Exception):
                pass
        if self.hit_log:
            self.hit_log.close()
            self.hit_log = None

    def _now(self) -> str:
        t = int(time.time())
        if self._date[1] != t:
            self._date = (rfc822(t, gmt=True), t)
        return self._date[0]

    def _log(self, method, target, status, nbytes, wire, cond, fault=None):
        if self.hit_log:
            rec = {"t": round(time.time(), 4), "m": method, "path": target, "status": status,
                   "bytes": nbytes, "wire": wire, "cond": cond}
            if fault:
                rec["fault"] = fault
            self.hit_log.write(json.dumps(rec) + "\n")

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except asyncio.LimitOverrunError:
                    writer.write(b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
                                 b"Content-Length: 0\r\nConnection: close\r\n\r\n")
                    break
                except (asyncio.IncompleteReadError, ConnectionError):
                    break
                keep = await self._request(head, reader, writer)
                if not keep:
                    break
        except (ConnectionError, asyncio.CancelledError):
            pass
        except Exception as e:  # never let one request kill the server
            print(f"replica: error: {e!r}", file=sys.stderr)
        finally:
            try:
                writer.close()
            except Exception:
                pass

    async def _request(self, head: bytes, reader, writer) -> bool:
        lines = head.decode("latin-1").split("\r\n")
        try:
            method, target, version = lines[0].split(" ", 2)
        except ValueError:
            writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return False
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if not line:
                continue
            name, _, value = line.partition(":")
            name = name.strip().lower()
            value = value.strip()
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        length = headers.get("content-length")
        if length:
            try:
                await reader.readexactly(int(length))
            except (ValueError, asyncio.IncompleteReadError):
                return False
        conn = headers.get("connection", "").lower()
        keep = ("close" not in conn) if version == "HTTP/1.1" else ("keep-alive" in conn)
        if target.startswith(("http://", "https://")):
            u = urlsplit(target)
            path, query = u.path or "/", u.query
        else:
            path, _, query = target.partition("?")
        cond = "if-none-match" in headers or "if-modified-since" in headers
        if method not in ("GET", "HEAD"):
            body = _error_page(405)
            return await self._send(writer, method, target, 405, body, "text/html", keep, cond,
                                    extra={"Allow": "GET, HEAD"})
        hit = self.faults.match(path, query)
        if hit is None:
            return await self._serve_file(writer, method, target, path, query, headers, keep, cond)
        _, spec = hit
        fault = sorted(k for k in spec if k != "times")
        if spec.get("reset"):
            self._log(method, target, 0, 0, 0, cond, fault)
            sock = writer.get_extra_info("socket")
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
            writer.transport.abort()
            return False
        if spec.get("close"):
            self._log(method, target, 0, 0, 0, cond, fault)
            return False
        if spec.get("slow"):
            await asyncio.sleep(float(spec["slow"]))
        extra = dict(spec.get("headers") or {})
        if spec.get("redirect"):
            status = int(spec.get("status", 302))
            extra["Location"] = spec["redirect"]
            body = (f'<html><body><a href="{spec["redirect"]}">moved</a></body></html>\n').encode()
            return await self._send(writer, method, target, status, body,
                                    spec.get("content_type", "text/html"), keep, cond, extra, fault,
                                    spec.get("truncate"))
        if spec.get("huge"):
            return await self._send_huge(writer, method, target, spec, keep, cond, extra, fault)
        delta = spec.get("wrong_length")
        delta = int(delta) if delta is not None else None
        if spec.get("gzip_bomb"):
            size = int(float(spec["gzip_bomb"]) * 1024 * 1024)
            # a 1 GB bomb takes seconds to make: not in the loop, other requests go on
            body = cached_gzip_bomb(size) or await asyncio.get_running_loop().run_in_executor(
                None, gzip_bomb, size)
            extra["Content-Encoding"] = "gzip"
            return await self._send(writer, method, target, int(spec.get("status", 200)), body,
                                    spec.get("content_type", "text/html"), keep, cond, extra, fault,
                                    spec.get("truncate"), delta)
        if "body" in spec or "body_b64" in spec:
            body = (base64.b64decode(spec["body_b64"]) if "body_b64" in spec
                    else str(spec["body"]).encode("utf-8"))
            return await self._send(writer, method, target, int(spec.get("status", 200)), body,
                                    spec.get("content_type", "text/html"), keep, cond, extra, fault,
                                    spec.get("truncate"), delta)
        status = int(spec.get("status", 200))
        if status != 200:
            return await self._send(writer, method, target, status, _error_page(status),
                                    spec.get("content_type", "text/html"), keep, cond, extra, fault,
                                    spec.get("truncate"), delta)
        return await self._serve_file(writer, method, target, path, query, headers, keep, cond,
                                      ctype=spec.get("content_type"), extra=extra, fault=fault,
                                      truncate=spec.get("truncate"), length_delta=delta)

    async def _serve_file(self, writer, method, target, path, query, headers, keep, cond, *,
                          ctype=None, extra=None, fault=None, truncate=None,
                          length_delta=None) -> bool:
        e = self.cache.lookup(path, query)
        if e is None:
            return await self._send(writer, method, target, 404, _error_page(404), "text/html",
                                    keep, cond, extra, fault)
        body, etag = e.body, e.etag
        extra = dict(extra or {})
        if self.gzip and e.textish and len(body) > 1024 and "gzip" in headers.get("accept-encoding", ""):
            body = e.gz()
            etag = "W/" + etag
            extra["Content-Encoding"] = "gzip"
        if self.gzip and e.textish:
            extra["Vary"] = "Accept-Encoding"
        extra["Last-Modified"] = e.last_modified
        extra["ETag"] = etag
        inm = headers.get("if-none-match")
        ims = headers.get("if-modified-since")
        not_modified = False
        if inm is not None:
            not_modified = _etag_match(inm, etag)
        elif ims:
            try:
                not_modified = e.mtime <= parse_rfc822(ims)
            except (TypeError, ValueError, IndexError, OverflowError):
                pass
        if not_modified and truncate is None and length_delta is None:
            extra.pop("Content-Encoding", None)
            return await self._send(writer, method, target, 304, b"", None, keep, cond, extra, fault)
        return await self._send(writer, method, target, 200, body, ctype or e.ctype, keep, cond,
                                 extra, fault, truncate, length_delta)

    async def _send(self, writer, method, target, status, body, ctype, keep, cond, extra=None,
                    fault=None, truncate=None, length_delta=None) -> bool:
        h = [f"HTTP/1.1 {status} {REASONS.get(status, 'Unknown')}\r\n"
             f"Date: {self._now()}\r\nServer: veille-replica\r\n"]
        if ctype:
            h.append(f"Content-Type: {ctype}\r\n")
        if status != 304:
            h.append(f"Content-Length: {max(0, len(body) + (length_delta or 0))}\r\n")
        if extra:
            for k, v in extra.items():
                h.append(f"{k}: {v}\r\n")
        if truncate is not None or length_delta is not None:
            keep = False
        h.append("Connection: keep-alive\r\n\r\n" if keep else "Connection: close\r\n\r\n")
        head = "".join(h).encode("latin-1")
        if method == "HEAD" or status == 304:
            body = b""
        elif truncate is not None:
            t = float(truncate)
            n = int(len(body) * t) if t < 1 else int(t)
            body = body[:max(0, min(n, len(body) - 1))]
        self._log(method, target, status, len(body), len(head) + len(body), cond, fault)
        writer.write(head + body if len(body) < 16384 else head)
        if len(body) >= 16384:
            writer.write(body)
        await writer.drain()
        return keep

    async def _send_huge(self, writer, method, target, spec, keep, cond, extra, fault) -> bool:
        size = int(float(spec["huge"]) * 1024 * 1024)
        ctype = spec.get("content_type", "text/html")
        head = (f"HTTP/1.1 {int(spec.get('status', 200))} OK\r\nDate: {self._now()}\r\n"
                f"Server: veille-replica\r\nContent-Type: {ctype}\r\nContent-Length: {size}\r\n"
                + "".join(f"{k}: {v}\r\n" for k, v in extra.items())
                + "Connection: close\r\n\r\n").encode("latin-1")
        send = 0 if method == "HEAD" else size
        self._log(method, target, int(spec.get("status", 200)), send, len(head) + send, cond, fault)
        writer.write(head)
        left = send
        while left > 0:
            chunk = HUGE_CHUNK[:left]
            writer.write(chunk)
            left -= len(chunk)
            await writer.drain()
        return False


def run_server(root, *, host="127.0.0.1", port=0, fault_files=(), hit_log=None, gzip=False,
               rewrite_base=True, watch_stdin=False, announce=sys.stdout) -> None:
    """Serve ``root`` until SIGTERM/SIGINT (or stdin EOF with ``watch_stdin``); prints the
    base URL as the first line on ``announce``."""

    async def main():
        srv = HttpServer(root, host=host, port=port, fault_files=fault_files, hit_log=hit_log,
                         gzip=gzip, rewrite_base=rewrite_base)
        base = await srv.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        if watch_stdin:
            fd = sys.stdin.fileno()

            def on_stdin():
                try:
                    data = os.read(fd, 4096)
                except OSError:
                    data = b""
                if not data:
                    loop.remove_reader(fd)
                    stop.set()

            loop.add_reader(fd, on_stdin)
        print(base, file=announce, flush=True)
        await stop.wait()
        await srv.close()

    asyncio.run(main())
