"""The plan value is closed: declared slots only, read-only public attributes, children made by public
constructors, and no module outside ``geo/plan`` touches a plan's private state (checked on the source)."""

from __future__ import annotations

import ast
import pickle
from pathlib import Path

import pytest

from geo.plan import Plan
from geo.plan.plan import _STATE
from geo.testing import grid_atlas

ROOT = Path(__file__).resolve().parents[2]
PRIVATE = {slot for slot in _STATE if slot.startswith("_")}
#: Names only geo/plan may use: the constructors' hand-over and the state setters.
INTERNAL = {"_Labelled", "_adopt", "_init_state", "_STATE"}


@pytest.fixture(scope="module")
def plan():
    atlas = grid_atlas(4, 4)
    return Plan(atlas, dict(zip(atlas.codes, "AAAABBBBCCCCDDDD")), target=6000)


def test_a_plan_has_no_instance_dict_and_refuses_undeclared_attributes(plan):
    assert not hasattr(plan, "__dict__")
    with pytest.raises(AttributeError):
        plan.moved_practices_extra = {}  # the kind of attribute lists.py used to add
    with pytest.raises(AttributeError):
        plan._footprint = None  # nor a private one that is not declared


@pytest.mark.parametrize("attribute", ["atlas", "name", "moved", "moved_practices", "params", "assignment", "live"])
def test_public_attributes_are_read_only(plan, attribute):
    with pytest.raises(AttributeError):
        setattr(plan, attribute, getattr(plan, attribute))


def test_moves_are_read_only_views(plan):
    child = plan.move({"G0000": "B"})
    assert dict(child.moved) == {"G0000": "B"}
    with pytest.raises(TypeError):
        child.moved["G0001"] = "C"


def test_children_come_from_public_constructors_and_keep_their_state(plan):
    child = plan.move({"G0000": "B"}).named("v2")
    assert child.name == "v2" and child.parent is plan and plan.name == "plan"
    assert child["population"]["B"] == plan["population"]["B"] + 1500
    renamed = child.rename({"B": "East"})
    assert "East" in renamed.neighbourhoods and "B" in child.neighbourhoods
    again = pickle.loads(pickle.dumps(child))  # sent to a worker: stands alone, same figures
    assert again.parent is None and again["population"] == child["population"]
    listed = Plan.from_practices(plan.atlas, dict(zip(plan.atlas.practices.index, "AABB")), target=12_000)
    moved = listed.move_practices({"Z00002": "A"})
    assert dict(moved.moved_practices) == {"Z00002": "A"} and moved.kept("footprint") is not None


def _offences(path: Path, root: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for target in targets:
            for part in ast.walk(target):
                owner = getattr(part, "value", None)
                is_self = isinstance(owner, ast.Name) and owner.id in {"self", "cls"}
                if isinstance(part, ast.Attribute) and part.attr in PRIVATE and not is_self:
                    found.append(f"{path.relative_to(root)}:{node.lineno} writes .{part.attr}")
        if isinstance(node, (ast.Name, ast.Attribute)) and getattr(node, "id", getattr(node, "attr", "")) in INTERNAL:
            found.append(
                f"{path.relative_to(root)}:{node.lineno} uses {getattr(node, 'id', getattr(node, 'attr', ''))}"
            )
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in {"setattr", "delattr"}:
            name = node.args[1] if len(node.args) > 1 else None
            if isinstance(name, ast.Constant) and name.value in PRIVATE:
                found.append(f"{path.relative_to(root)}:{node.lineno} {node.func.id} {name.value}")
    return found


def test_no_module_outside_geo_plan_writes_a_plans_private_state():
    paths = [p for folder in ("geo", "api", "cli") for p in sorted((ROOT / folder).rglob("*.py"))]
    outside = [p for p in paths if "plan" != p.relative_to(ROOT).parts[1] or p.relative_to(ROOT).parts[0] != "geo"]
    assert len(outside) > 100  # the scan covers the tree
    # (a plan has no __dict__ at all, so reaching into one fails at run time already)
    assert [o for path in outside for o in _offences(path)] == []


def test_the_source_check_finds_each_kind_of_offence(tmp_path):
    bad = tmp_path / "probe.py"
    bad.write_text(
        "def f(plan):\n    plan._cache = {}\n    plan._kept['footprint'] += 1\n"
        "    setattr(plan, '_lab', None)\n    self._lab = 1\n    return _Labelled\n"
    )
    assert [o.split(" ", 1)[1] for o in _offences(bad, tmp_path)] == [
        "writes ._cache",
        "writes ._kept",
        "setattr _lab",
        "uses _Labelled",
    ]
