"""The house shows the data flow: the domain core ``geo/`` never imports the service (``api/``) or the command
line (``cli/``), test support stays out of production modules, and no two packages import each other (directly or
round a loop), read from the AST of every import, at module top or inside a function."""

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


def _unit(module: str) -> str | None:
    """The package an import belongs to: ``geo.<name>`` (a subpackage or a top-level module of geo), ``api``,
    ``cli``; ``None`` for third-party modules."""
    parts = module.split(".")
    if parts[0] == "geo":
        return ".".join(parts[:2])
    return parts[0] if parts[0] in {"api", "cli"} else None


def _type_only(tree: ast.AST) -> set[int]:
    """Nodes under ``if TYPE_CHECKING:``: annotations only, never run, so they make no import cycle."""
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip |= {id(inner) for part in node.body for inner in ast.walk(part)}
    return skip


def _runtime_imports(path: Path) -> list[tuple[str, int]]:
    """``(module, line)`` of every import that runs (relative ones resolved; ``from geo import x`` is ``geo.x``)."""
    relative = path.relative_to(ROOT).with_suffix("").parts
    package = list(relative[:-1])
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skip = _type_only(tree)
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[: len(package) - node.level + 1] + [node.module or ""]).strip(".")
            module = base if node.level else node.module
            if module == "geo":
                found += [(f"geo.{alias.name}", node.lineno) for alias in node.names]
            else:
                found.append((module, node.lineno))
    return found


def package_graph() -> dict[tuple[str, str], list[str]]:
    """``(importer, imported) -> ["file:line", ...]`` between distinct packages of geo, api and cli."""
    edges: dict[tuple[str, str], list[str]] = {}
    for folder in ("geo", "api", "cli"):
        for path in _modules(folder):
            parts = path.relative_to(ROOT).with_suffix("").parts
            source = _unit(".".join(p for p in parts if p != "__init__"))
            for module, line in _runtime_imports(path):
                target = _unit(module)
                if target and target != source:
                    edges.setdefault((source, target), []).append(f"{path.relative_to(ROOT)}:{line}")
    return edges


def cycles(edges) -> list[list[str]]:
    """The strongly connected components of more than one package (Tarjan), each sorted."""
    graph: dict[str, set[str]] = {}
    for source, target in edges:
        graph.setdefault(source, set()).add(target)
        graph.setdefault(target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


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


def test_the_cycle_finder_finds_a_loop_of_three_and_ignores_a_chain():
    edges = {("a", "b"): [], ("b", "c"): [], ("c", "a"): [], ("c", "d"): []}
    assert cycles(edges) == [["a", "b", "c"]]
    assert cycles({("a", "b"): [], ("b", "c"): []}) == []


def test_the_graph_sees_imports_inside_functions_and_relative_ones():
    edges = package_graph()
    # geo.atlas reads the official files through geo.sources; the API and the command line sit on top.
    assert ("geo.atlas", "geo.sources") in edges and ("cli", "geo.atlas") in edges
    assert ("geo.metrics", "geo.plan") not in edges  # metrics name Plan for type checkers only


def test_no_cycles_between_packages():
    edges = package_graph()
    loops = cycles(edges)
    detail = {
        " <-> ".join(loop): {f"{a} -> {b}": where for (a, b), where in edges.items() if a in loop and b in loop}
        for loop in loops
    }
    assert not loops, detail


def lazy_reasons(path: Path) -> list[tuple[int, str | None]]:
    """``(line, reason)`` of each import inside a function (type-checking ones aside): the text after ``# lazy:``
    on the import's lines or on the comment line just above it, or ``None`` when it gives none."""
    lines = path.read_text(encoding="utf-8").splitlines()
    tree = ast.parse("\n".join(lines), filename=str(path))
    skip = _type_only(tree)
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)) and in_function and id(child) not in skip:
                above = lines[child.lineno - 2].strip() if child.lineno > 1 else ""
                span = lines[child.lineno - 1 : child.end_lineno] + ([above] if above.startswith("# lazy:") else [])
                reason = next((line.split("# lazy:", 1)[1].strip() for line in span if "# lazy:" in line), None)
                found.append((child.lineno, reason))
            visit(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)))

    visit(tree, False)
    return found


def function_level_imports(path: Path) -> list[tuple[int, bool]]:
    """``(line, has a "# lazy: <reason>" comment)`` of each import inside a function (type-checking ones aside)."""
    return [(line, reason is not None) for line, reason in lazy_reasons(path)]


def module_name(path: Path) -> str:
    """``geo/plan/__init__.py`` -> ``geo.plan``; ``api/jobs.py`` -> ``api.jobs``."""
    return ".".join(p for p in path.relative_to(ROOT).with_suffix("").parts if p != "__init__")


def top_imports(path: Path) -> set[str]:
    """Modules ``path`` imports when it is imported: statements at module top (also inside a top-level ``if`` or
    ``try``, never under ``TYPE_CHECKING``); ``from a import b`` counts as both ``a`` and ``a.b``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skip = _type_only(tree)
    package = module_name(path).split(".")[: -1 if path.name != "__init__.py" else None]
    found: set[str] = set()
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[: len(package) - node.level + 1] + [node.module or ""]).strip(".")
            module = base if node.level else node.module
            found |= {module} | {f"{module}.{alias.name}" for alias in node.names}
        elif isinstance(node, (ast.If, ast.Try)):
            stack += [*node.body, *node.orelse, *getattr(node, "finalbody", [])]
            stack += [inner for handler in getattr(node, "handlers", []) for inner in handler.body]
    return found


def test_imports_inside_functions_say_why_they_are_late():
    # Imports belong at module top, where they show the graph; a late one is kept only for a reason written beside
    # it (a heavy library, the start-up of `nhp --help`, an init-order cycle), as "# lazy: <reason>".
    unexplained = [
        f"{path.relative_to(ROOT)}:{line}"
        for folder in ("geo", "api", "cli")
        for path in _modules(folder)
        for line, explained in function_level_imports(path)
        if not explained
    ]
    assert not unexplained, unexplained


def test_the_lazy_import_check_reads_functions_not_module_top(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os\n\n\ndef f():\n    import csv  # lazy: a reason\n    import json\n    return json, csv, os\n"
    )
    assert function_level_imports(sample) == [(5, True), (6, False)]


#: The reason a same-package late import once carried before anyone checked it (issue 22).
UNCHECKED = "init order unchecked"


def test_no_late_import_is_left_unchecked():
    # Each late import inside a package was either moved to module top or its cycle was found and named.
    unchecked = [
        f"{path.relative_to(ROOT)}:{line}"
        for folder in ("geo", "api", "cli")
        for path in _modules(folder)
        for line, reason in lazy_reasons(path)
        if reason and UNCHECKED in reason
    ]
    assert not unchecked, unchecked


def test_a_circular_reason_names_an_import_that_runs_at_import_time():
    # "# lazy: circular: A imports B at import time" is kept only while it is true: B is the module the late import
    # sits in, and A imports B at its module top (so importing it at B's top would find A half-initialised).
    modules = {module_name(path): path for folder in ("geo", "api", "cli") for path in _modules(folder)}
    wrong = []
    for name, path in modules.items():
        for line, reason in lazy_reasons(path):
            if not reason or not reason.startswith("circular:"):
                continue
            words = reason.removeprefix("circular:").split(";")[0].split()
            claim = f"{path.relative_to(ROOT)}:{line}: {reason}"
            if len(words) != 6 or words[1] != "imports" or words[3:] != ["at", "import", "time"]:
                wrong.append(f"{claim} (say 'circular: A imports B at import time')")
            elif words[2] != name:
                wrong.append(f"{claim} (B is {name}, the module of the late import)")
            elif words[0] not in modules or name not in top_imports(modules[words[0]]):
                wrong.append(f"{claim} ({words[0]} does not import {name} at module top)")
    assert not wrong, wrong


def test_the_lazy_reasons_are_read_beside_and_above_the_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def f():\n    import csv  # lazy: beside\n    # lazy: above; more\n    import json\n    import os\n"
    )
    assert lazy_reasons(sample) == [(2, "beside"), (4, "above; more"), (5, None)]
