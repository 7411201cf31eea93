"""What goes through Redis, encoded: requests (the frontier's serializer) and the messages
workers send to ``veille ingest``. No Scrapy here.

Decisions:

- Requests are serialized as JSON (bytes tagged as base64, dicts with non-string keys as
  pairs), not pickled: nothing read from Redis can run code in a worker. This module is
  the scheduler's ``SCHEDULER_SERIALIZER`` (scrapy-redis calls its :func:`dumps` and
  :func:`loads` on ``Request.to_dict`` dicts).
- A message to the ingest is one compact JSON object: ``type`` (``start``, ``article``,
  ``not_modified``, ``skip``, ``page``, ``discovered``, ``gap``, ``end``), ``run``,
  ``worker``, ``source``, ``spider`` and the type's fields (``item`` for items).
- An article's page (``item["page"]``, for the archive: :mod:`storage.archive`) travels
  with it, its body zlib-compressed then base64 (:func:`page_message`): the ingest writes
  the archive (:func:`page_of_message`).
"""

from __future__ import annotations

import base64
import zlib
import json

from storage.archive import Page

__all__ = ["dumps", "loads", "encode_message", "page_message", "page_of_message"]


def _enc(o):
    if isinstance(o, (bytes, bytearray)):
        return {"__b__": base64.b64encode(bytes(o)).decode("ascii")}
    if isinstance(o, dict):
        if all(isinstance(k, str) for k in o) and "__b__" not in o and "__d__" not in o:
            return {k: _enc(v) for k, v in o.items()}
        return {"__d__": [[_enc(k), _enc(v)] for k, v in o.items()]}
    if isinstance(o, (list, tuple)):
        return [_enc(x) for x in o]
    return o


def _dec(d: dict):
    if len(d) == 1:
        if "__b__" in d:
            return base64.b64decode(d["__b__"])
        if "__d__" in d:
            return {(tuple(k) if isinstance(k, list) else k): v for k, v in d["__d__"]}
    return d


def dumps(obj) -> bytes:
    """A request dict (``Request.to_dict``) as JSON bytes; bytes values become base64."""
    return json.dumps(_enc(obj), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def loads(data):
    return json.loads(data, object_hook=_dec)


def encode_message(kind: str, run: str, worker: str, source: str | None, spider: str | None, **body) -> str:
    """A message for ``veille ingest`` (see the module doc)."""
    msg = {"type": kind, "run": run, "worker": worker, "source": source, "spider": spider, **body}
    return json.dumps(msg, ensure_ascii=False, separators=(",", ":"))


def page_message(page: Page) -> dict:
    """An archived page as JSON: the body zlib-compressed, base64."""
    return {"url": page.url, "status": page.status, "headers": page.headers,
            "body": base64.b64encode(zlib.compress(page.body, 6)).decode("ascii"),
            "request_headers": page.request_headers, "fetched_at": page.fetched_at,
            "method": page.method}


def page_of_message(d: dict) -> Page:
    """The :class:`Page` of :func:`page_message`."""
    return Page(url=d["url"], status=int(d["status"]), headers=[tuple(h) for h in d.get("headers") or ()],
                body=zlib.decompress(base64.b64decode(d["body"])),
                request_headers=[tuple(h) for h in d.get("request_headers") or ()],
                fetched_at=d.get("fetched_at") or "", method=d.get("method") or "GET")
