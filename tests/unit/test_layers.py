"""The layering of docs/architecture.md, checked on the source: protocol and
storage import only records (and themselves), records imports nothing from
s3box, handler modules do not import each other, and no module is over 450
lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "s3box"

ALLOWED = {
    "protocol": ("s3box.protocol", "s3box.records"),
    "storage": ("s3box.storage", "s3box.records"),
}


def _modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    """Every s3box module path imported by `path` (runtime and TYPE_CHECKING alike)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name == "s3box" or name.startswith("s3box.")}


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_a_layer_imports_only_what_it_may(layer: str) -> None:
    allowed = ALLOWED[layer]
    wrong = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in _modules(layer)
        for name in _imports(path)
        if not name.startswith(allowed)
    }
    assert wrong == set()


def test_records_import_nothing_from_s3box() -> None:
    assert _imports(ROOT / "records.py") == set()


def test_handler_modules_do_not_import_each_other() -> None:
    wrong = {
        f"{path.name}: {name}"
        for path in _modules("server/handlers")
        for name in _imports(path)
        if name.startswith("s3box.server.handlers")
    }
    assert wrong == set()


def test_no_module_is_over_450_lines() -> None:
    sizes = {str(p.relative_to(ROOT)): len(p.read_text().splitlines()) for p in ROOT.rglob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 450} == {}
