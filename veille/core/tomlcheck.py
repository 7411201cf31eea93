"""TOML input with ``file:line`` errors: reading, syntax errors, where a key is, typed checks.

Generic plumbing shared by the config file (:mod:`veille.config`) and the source entries
(:mod:`veille.core.sources`, also read by ``scrapers`` from ``scrapers/sources.toml``).

Decisions:

- Every problem is a :class:`~veille.core.errors.ConfigError` whose message is
  ``"<file>:<line>: <problem>"``. tomllib reports lines for syntax errors only, so
  :class:`Locator` scans the raw text for table headers (``[[sources]]``, ``[notify]``...)
  and ``key =`` lines (string- and bracket-aware, so a ``=`` inside a string or a
  multi-line array is not a key) and an error about a value points at its key's line, or
  at its table's header when the key is missing.
- The locator lives in the core (not in ``veille.config``) because source entries are
  validated here too, with their lines, and the core imports nothing above it.
- A missing default file is no error (the caller gets None); a missing file given
  explicitly is one.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import tomllib
from pathlib import Path
from typing import Any

from veille.core.errors import ConfigError

__all__ = ["Locator", "Checker", "toml_type", "did_you_mean", "parse_toml", "read_text", "read_toml_file"]

_BARE = r"[A-Za-z0-9_-]+"
_KEY_PART = rf"(?:{_BARE}|\"(?:[^\"\\]|\\.)*\"|'[^']*')"
_KEY = re.compile(rf"\s*({_KEY_PART}(?:\s*\.\s*{_KEY_PART})*)\s*=")
_HEADER = re.compile(rf"\s*(\[\[?)\s*({_KEY_PART}(?:\s*\.\s*{_KEY_PART})*)\s*(\]\]?)")


def _key_path(text: str) -> tuple[str, ...]:
    parts = re.findall(_KEY_PART, text)
    return tuple(p[1:-1] if p[:1] in "\"'" else p for p in parts)


class Locator:
    """Lines of table headers and keys in raw TOML text (1-based).

    ``tables[(name, index)]`` is the header line of the index-th ``[[name]]`` (index None
    for a plain ``[name]``); ``keys[(table, key)]`` the line of ``key =`` in that table,
    ``table`` being ``()`` for the root or ``(name, index)``; ``headers`` every header
    line, in order.
    """

    def __init__(self, text: str):
        self.tables: dict[tuple[str, int | None], int] = {}
        self.keys: dict[tuple[tuple, str], int] = {}
        self.headers: list[int] = []
        counts: dict[str, int] = {}
        current: tuple = ()
        depth = 0  # [ and { nesting of a value spanning lines
        in_multi: str | None = None  # '"""' or "'''" when inside a multi-line string
        for lineno, line in enumerate(text.splitlines(), start=1):
            starts_clean = depth == 0 and in_multi is None
            if starts_clean:
                h = _HEADER.match(line)
                k = None if h else _KEY.match(line)
                if h and h.group(1) == "[[" and h.group(3) == "]]":
                    name = ".".join(_key_path(h.group(2)))
                    path = _key_path(h.group(2))
                    if len(path) > 1 and path[0] in counts:  # [[sources.listings]]
                        self.keys.setdefault(((path[0], counts[path[0]] - 1), path[1]), lineno)
                    idx = counts.get(name, 0)
                    counts[name] = idx + 1
                    current = (name, idx)
                    self.tables[current] = lineno
                    self.headers.append(lineno)
                    continue
                if h and h.group(1) == "[" and h.group(3) == "]":
                    name = ".".join(_key_path(h.group(2)))
                    # [sources.args] after [[sources]] belongs to the last [[sources]]
                    path = _key_path(h.group(2))
                    self.tables.setdefault((name, None), lineno)
                    self.headers.append(lineno)
                    if len(path) > 1 and path[0] in counts:
                        current = (path[0], counts[path[0]] - 1)
                        self.keys.setdefault((current, path[1]), lineno)
                    elif len(path) > 1:
                        current = (path[0], None)
                        self.keys.setdefault((current, path[1]), lineno)
                        self.tables.setdefault(current, lineno)
                    else:
                        current = (name, None)
                    continue
                if k:
                    key = _key_path(k.group(1))[0]
                    self.keys.setdefault((current, key), lineno)
                    rest = line[k.end():]
                else:
                    rest = line
            else:
                rest = line
            depth, in_multi = self._scan(rest, depth, in_multi)

    @staticmethod
    def _scan(s: str, depth: int, in_multi: str | None) -> tuple[int, str | None]:
        """Track bracket depth and multi-line strings over one line's remaining text."""
        i, n = 0, len(s)
        while i < n:
            if in_multi:
                j = s.find(in_multi, i)
                if j < 0:
                    return depth, in_multi
                if in_multi == '"""':  # skip escaped quotes
                    bs = 0
                    while j - 1 - bs >= i and s[j - 1 - bs] == "\\":
                        bs += 1
                    if bs % 2:
                        i = j + 1
                        continue
                i, in_multi = j + 3, None
                continue
            c = s[i]
            if c == "#":
                break
            if s.startswith('"""', i) or s.startswith("'''", i):
                in_multi = s[i : i + 3]
                i += 3
                continue
            if c == '"':
                i += 1
                while i < n and s[i] != '"':
                    i += 2 if s[i] == "\\" else 1
                i += 1
                continue
            if c == "'":
                j = s.find("'", i + 1)
                i = n if j < 0 else j + 1
                continue
            if c in "[{":
                depth += 1
            elif c in "]}":
                depth = max(0, depth - 1)
            i += 1
        return depth, in_multi

    def line(self, table: tuple, key: str | None = None, root_key: str | None = None) -> int | None:
        """The line of ``key`` in ``table``, else the table's header, else the root key."""
        if key is not None and (table, key) in self.keys:
            return self.keys[(table, key)]
        if key is not None and not table:  # a root key written as a table header
            for t in ((key, None), (key, 0)):
                if t in self.tables:
                    return self.tables[t]
        if table and table in self.tables:
            return self.tables[table]
        if table and (table[0], None) in self.tables:
            return self.tables[(table[0], None)]
        if table and ((), table[0]) in self.keys:  # sources = [ {...}, ... ] inline
            return self.keys[((), table[0])]
        if root_key and ((), root_key) in self.keys:
            return self.keys[((), root_key)]
        return None


_TYPE_NAMES = {str: "a string", int: "an integer", float: "a float", bool: "a boolean",
               list: "an array", dict: "a table"}


def toml_type(v: Any) -> str:
    for t, name in _TYPE_NAMES.items():
        if type(v) is t:
            return name
    return "a date/time" if isinstance(v, (dt.date, dt.time)) else type(v).__name__


def did_you_mean(key: str, allowed: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"({hint}known keys: {', '.join(allowed)})"


class Checker:
    """Typed reads of parsed TOML data that raise ConfigError at the right line."""

    def __init__(self, file: str, loc: Locator):
        self.file = file
        self.loc = loc

    def err(self, line: int | None, problem: str) -> ConfigError:
        return ConfigError(self.file, line, problem)

    def keys(self, data: dict, allowed: tuple[str, ...], table: tuple, where: str) -> None:
        for k in data:
            if k not in allowed:
                raise self.err(self.loc.line(table, k), f"unknown key {k!r} in {where} {did_you_mean(k, allowed)}")

    def string(self, data: dict, key: str, table: tuple, where: str, required: bool) -> str | None:
        if key not in data:
            if required:
                raise self.err(self.loc.line(table), f"{where} has no {key!r}")
            return None
        v = data[key]
        if not isinstance(v, str):
            raise self.err(self.loc.line(table, key), f"{where}: {key!r} must be a string, not {toml_type(v)}")
        return v

    def table(self, data: dict, key: str, table: tuple, where: str) -> dict:
        v = data.get(key, {})
        if not isinstance(v, dict):
            raise self.err(self.loc.line(table, key), f"{where}: {key!r} must be a table, not {toml_type(v)}")
        return v

    def array_of_tables(self, data: dict, key: str) -> list[dict]:
        v = data.get(key, [])
        if not isinstance(v, list) or not all(isinstance(x, dict) for x in v):
            line = self.loc.line((key, None)) or self.loc.line((), key)
            raise self.err(line, f"{key!r} must be an array of tables: write each one under a [[{key}]] header")
        return v


def parse_toml(text: str, file: str | Path = "<config>") -> tuple[dict, Checker]:
    """``text`` parsed, and a :class:`Checker` that knows its lines; a syntax error is a
    ConfigError with the line tomllib gives (the last line for an error at the end)."""
    file = str(file)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        msg = str(e)
        m = re.search(r"\s*\(at line (\d+), column (\d+)\)\s*$", msg)
        if m:
            raise ConfigError(file, int(m.group(1)),
                              f"TOML syntax error: {msg[: m.start()]} (column {m.group(2)})") from None
        end = len(text.splitlines()) or 1
        raise ConfigError(file, end, f"TOML syntax error: {re.sub(r' [(]at end of document[)]', '', msg)}"
                          " at the end of the file") from None
    return data, Checker(file, Locator(text))


def read_text(path: Path) -> str:
    """The file's text; not UTF-8 is a ConfigError at the line of the first bad byte."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise ConfigError(path, line, "not UTF-8 text") from None


def read_toml_file(path: str | Path | None, default: Path) -> tuple[Path, str | None]:
    """``(path, text)`` of a TOML file. ``None`` means ``default``, whose absence is no
    error (text None); an explicit path must be a file."""
    explicit = path is not None
    p = Path(path) if path is not None else default
    if not p.exists():
        if explicit:
            raise ConfigError(p, None, "no such file")
        return p, None
    if not p.is_file():
        raise ConfigError(p, None, "not a file")
    return p, read_text(p)
