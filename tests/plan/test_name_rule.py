"""One name rule for every way a neighbourhood gets a name: building a plan, moving LSOAs, moving practices.

Each entry point refuses the same names (the rule is :func:`geo.names.check_name`), so a version saved by one
route can always be read back by every other (a move to "None" used to be saved, then read as a missing value).
"""

from __future__ import annotations

import pytest

from geo.errors import PlanError
from geo.names import MAX_NAME
from geo.plan import Plan
from geo.testing import grid_atlas

BAD = [
    "None",
    "NaN",
    "nan",
    "NA",
    "null",
    "#N/A",
    "=1+1",
    "+44",
    "@SUM(A1)",
    "a;=b",
    "x" * (MAX_NAME + 1),
    " ",
    "\x1b[31m",
]
GOOD = ["Charnwood North", "N/A Road", "x" * MAX_NAME, "Nan Tow", "1"]


@pytest.fixture(scope="module")
def atlas():
    return grid_atlas(6, 6, lad_width=3)


def halves(atlas) -> dict[str, str]:
    x = atlas.practices.geometry.x
    return {code: ("W" if x[code] < x.median() else "E") for code in atlas.practices.index}


@pytest.mark.parametrize("name", BAD)
def test_every_constructor_refuses_the_same_bad_names(atlas, name):
    codes = list(atlas.lsoas.index)
    with pytest.raises(PlanError):
        Plan(atlas, {code: (name if k == 0 else "A") for k, code in enumerate(codes)})
    with pytest.raises(PlanError):
        Plan(atlas, {code: "A" for code in codes}).move({codes[0]: name})
    practices = halves(atlas)
    with pytest.raises(PlanError):
        Plan.from_practices(atlas, practices, target=20_000).move_practices({next(iter(practices)): name})
    with pytest.raises(PlanError):
        Plan.from_practices(atlas, {**practices, next(iter(practices)): name}, target=20_000)


@pytest.mark.parametrize("name", GOOD)
def test_every_constructor_takes_the_same_good_names(atlas, name):
    codes = list(atlas.lsoas.index)
    assert name.strip() in Plan(atlas, {code: (name if k == 0 else "A") for k, code in enumerate(codes)}).labels
    assert name.strip() in Plan(atlas, {code: "A" for code in codes}).move({codes[0]: name}).labels
    practices = halves(atlas)
    moved = Plan.from_practices(atlas, practices, target=20_000).move_practices({next(iter(practices)): name})
    assert name.strip() in moved.labels
