"""Editing the topics of the configuration file (``veille topics add|remove``) with tomlkit.

Decisions:

- :func:`add_topic` appends a ``[[topics]]`` block, rendered by tomlkit, at the end of the
  file after one blank line (a block in the middle of the file, next to the other topics,
  would move the user's text around). Strings are literal ``'...'`` when possible (queries
  often hold double quotes), else basic strings with escapes.
- :func:`remove_topic` deletes that ``[[topics]]`` table: its header, the comments above
  its first key and its keys. The section from its header to the next header is parsed
  with tomlkit, which tells the table's keys (a multi-line string, a value spanning lines)
  from the blank lines and comments after its last key; those are the user's and stay.
  One blank line right before the header goes too (the separator :func:`add_topic`
  writes), so that add then remove gives the file back byte for byte.
- Why not the whole file through tomlkit: tomlkit merges the elements of an array of
  tables that other tables separate (``[[topics]]``, ``[notify]``, ``[[topics]]``: what
  :func:`add_topic` makes of a file ending with ``[notify]``) and renders them together,
  which moves the user's text. One section at a time, it renders what it read. The
  sections are cut at the header lines of :class:`veille.core.tomlcheck.Locator`.
- Every edit is re-validated (:func:`veille.config.load.parse_config`) before it replaces
  the file, atomically and with the file's mode; a removal that would change anything but
  that topic is refused ("edit the file by hand").
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT, Comment, Item, Whitespace

from veille.core.errors import ConfigError, VeilleError
from veille.core.tomlcheck import Locator, read_text
from veille.topics import Topic

from .load import load_config, parse_config
from .model import Config

__all__ = ["add_topic", "remove_topic", "save_topics", "topic_block", "toml_string"]


def toml_string(s: str) -> str:
    """A TOML string literal for ``s``: a literal '...' string when possible (queries often
    contain double quotes), else a basic string with escapes."""
    return _string(s).as_string()


def _string(s: str) -> Item:
    literal = "'" not in s and not any(ord(c) < 0x20 or ord(c) == 0x7F for c in s)
    return tomlkit.string(s, literal=literal)


def topic_block(topic: Topic) -> str:
    """The ``[[topics]]`` block :func:`add_topic` appends (no leading/trailing blank line)."""
    table = tomlkit.table()
    table.add("name", _string(topic.name))
    table.add("query", _string(topic.query))
    doc = tomlkit.document()
    doc.append("topics", AoT([table]))
    return doc.as_string()


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or Path("."))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def add_topic(path: str | Path, topic: Topic) -> Config:
    """Append a ``[[topics]]`` block for ``topic`` to the file (created if missing), leaving
    the rest untouched. Raises ConfigError if the file is invalid or the name is taken.
    Returns the new config."""
    p = Path(path)
    text = read_text(p) if p.exists() else ""
    cfg = parse_config(text, p)
    if cfg.topic(topic.name) is not None:
        line = Locator(text).line(("topics", [t.name for t in cfg.topics].index(topic.name)), "name")
        raise ConfigError(p, line, f"topic {topic.name!r} already exists")
    if text:  # one blank line between what is there and the new block
        new = text + ("" if text.endswith("\n") else "\n") + "\n" + topic_block(topic)
    else:
        new = topic_block(topic)
    new_cfg = parse_config(new, p)  # e.g. fails if the file has an inline `topics = [...]`
    _write_atomic(p, new)
    new_cfg.path = p
    return new_cfg


def remove_topic(path: str | Path, name: str) -> Config:
    """Delete the ``[[topics]]`` block named ``name`` (see the module doc). Raises
    ConfigError if there is no such topic or it is not a ``[[topics]]`` block."""
    p = Path(path)
    if not p.exists():
        raise ConfigError(p, None, "no such file")
    text = read_text(p)
    cfg = parse_config(text, p)
    names = [t.name for t in cfg.topics]
    if name not in names:
        raise ConfigError(p, None, f"no topic named {name!r}")
    i = names.index(name)
    loc = Locator(text)
    if ("topics", i) not in loc.tables:
        raise ConfigError(p, loc.line(("topics", i), "name"),
                          f"topic {name!r} is not in a [[topics]] block; edit the file by hand")
    start = loc.tables[("topics", i)]
    try:
        new = _without_block(text, loc, start)
    except (TOMLKitError, _Unsupported):
        raise ConfigError(p, start, f"could not remove topic {name!r} cleanly; edit the file by hand") from None
    new_cfg = parse_config(new, p)
    expected = [t for t in cfg.topics if t.name != name]
    if [(t.name, t.query) for t in new_cfg.topics] != [(t.name, t.query) for t in expected] or \
            new_cfg.sources != cfg.sources or new_cfg.notify_urls != cfg.notify_urls:
        raise ConfigError(p, start, f"could not remove topic {name!r} cleanly; edit the file by hand")
    _write_atomic(p, new)
    new_cfg.path = p
    return new_cfg


def save_topics(path: str | Path, topics: list[Topic]) -> Config:
    """Make the file's topics be ``topics``: remove those gone or changed, append those new
    or changed (changed ones move to the end). Other content is kept."""
    p = Path(path)
    current = {t.name: t.query for t in load_config(p).topics} if p.exists() else {}
    wanted = {t.name: t for t in topics}
    cfg = None
    for name, query in current.items():
        if name not in wanted or wanted[name].query != query:
            cfg = remove_topic(p, name)
    for t in topics:
        if current.get(t.name) != t.query:
            cfg = add_topic(p, t)
    return cfg if cfg is not None else load_config(p) if p.exists() else Config()


# --------------------------------------------------------------------------- the block

def _without_block(text: str, loc: Locator, start: int) -> str:
    """``text`` without the ``[[topics]]`` table whose header is on line ``start``."""
    lines = text.splitlines(keepends=True)
    stop = next((h for h in loc.headers if h > start), len(lines) + 1)
    section = "".join(lines[start - 1: stop - 1])  # the header to the next one
    doc = tomlkit.parse(section)
    table = doc.item("topics")[0]
    body = table.value.body
    last_key = max(j for j, (k, _) in enumerate(body) if k is not None)
    kept = "".join(item.as_string() for _, item in body[last_key + 1:])
    if not section.endswith(kept) or not all(isinstance(item, (Whitespace, Comment))
                                             for _, item in body[last_key + 1:]):
        raise _Unsupported(section)
    before = lines[: start - 1]
    if before and not before[-1].strip():  # the separator add_topic wrote
        before.pop()
    return "".join(before) + kept + "".join(lines[stop - 1:])


class _Unsupported(VeilleError):
    """A layout this module does not know how to edit (the user edits by hand)."""
