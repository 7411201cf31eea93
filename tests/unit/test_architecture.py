"""The layout's promises (docs/architecture.md), checked on the source files.

The layer contract itself is checked by ``lint-imports`` (``make test`` runs it; its
contracts are in ``pyproject.toml``). Here: no private name crosses a module boundary, and
no module grows past ~500 lines without saying why in its docstring.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("veille", "storage", "scrapers", "replica")
MAX_LINES = 550  # "about 500"


def _modules():
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            yield path
    yield ROOT / "scheduler.py"


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _absolute(path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = _module_name(path).split(".")
    if path.name != "__init__.py":
        base.pop()
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def test_no_private_name_is_imported_from_another_module():
    found = []
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                source = _absolute(path, node)
                if source.split(".")[0] not in PACKAGES + ("scheduler",):
                    continue
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {alias.name} from {source}")
    assert not found, "private names imported across modules:\n" + "\n".join(found)


@pytest.mark.parametrize("path", list(_modules()), ids=lambda p: str(p.relative_to(ROOT)))
def test_a_long_module_says_why(path):
    lines = path.read_text(encoding="utf-8").count("\n")
    if lines <= MAX_LINES:
        return
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    assert "Size:" in doc, (f"{path.relative_to(ROOT)} has {lines} lines: split it by job, or say "
                            f"why it is one module in a 'Size:' paragraph of its docstring")


def test_test_files_have_names_of_their_own():
    """pytest imports test modules by their base name (rootdir-relative packages are not
    used here): two ``test_x.py`` in different folders stop the whole suite at collection,
    which a run of one folder does not show."""
    seen: dict[str, Path] = {}
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        assert path.name not in seen, f"{path.relative_to(ROOT)} and {seen[path.name].relative_to(ROOT)}"
        seen[path.name] = path
