"""The house shows the data flow: the domain core ``geo/`` never imports the service (``api/``) or the command
line (``cli/``), and test support stays out of production modules."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def test_geo_never_imports_api_or_cli():
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in _imports(path) if m.split(".")[0] in {"api", "cli"})
        for path in _modules("geo")
    }
    assert not {k: v for k, v in offenders.items() if v}


def test_production_modules_never_import_test_support():
    offenders = {}
    for folder in ("geo", "api", "cli"):
        for path in _modules(folder):
            if "testing" in path.relative_to(ROOT).parts:
                continue
            bad = sorted(m for m in _imports(path) if m.startswith(("geo.testing", "tests", "pytest", "hypothesis")))
            if bad:
                offenders[str(path.relative_to(ROOT))] = bad
    assert not offenders


def test_the_layer_folders_exist():
    # sources -> atlas -> plan -> metrics / propose -> hotspots / profiles -> maps / export -> api / cli
    for folder in (
        "geo/sources",
        "geo/atlas",
        "geo/plan",
        "geo/metrics",
        "geo/propose",
        "geo/hotspots",
        "geo/maps",
        "geo/testing",
        "api",
        "cli",
    ):
        assert (ROOT / folder / "__init__.py").is_file(), folder
    assert (ROOT / "geo/export.py").is_file() and (ROOT / "geo/profiles/__init__.py").is_file()
