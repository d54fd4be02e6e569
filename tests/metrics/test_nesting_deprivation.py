"""Local-authority nesting, constrained neighbourhoods and deprivation mix on small grids.

``grid_atlas(4, 2, lad_width=2)`` has two local authorities of 6,000 people each::

    G0004 G0005 | G0006 G0007
    G0000 G0001 | G0002 G0003
"""

from __future__ import annotations

import pytest

from api.serialize import plan_metrics

from geo.metrics.nesting import band_fits
from geo.plan import Plan
from geo.testing import grid_atlas
from geo.testing.small_count_area import SMALL_PRACTICES, small_count_atlas


@pytest.fixture(scope="module")
def two_lads():
    return grid_atlas(4, 2, lad_width=2)


def halves(atlas, cut: int, **kwargs) -> Plan:
    """West = the first ``cut`` columns."""
    column = {c: int(c[1:]) % 4 for c in atlas.codes}
    return Plan(atlas, {c: "West" if column[c] < cut else "East" for c in atlas.codes}, **kwargs)


def test_nested_plan_has_no_crossings(two_lads):
    p = halves(two_lads, 2, target=6000)
    assert p["lad_codes"] == {"East": ["E07009001"], "West": ["E07009000"]}
    assert p.summary()["la_crossings"] == 0


def test_crossing_plan_counts_and_names_authorities(two_lads):
    p = halves(two_lads, 3, target=6000)
    assert p["local_authorities"] == {"East": 1, "West": 2}
    assert p.summary()["la_crossings"] == 1
    assert p.neighbourhood_table().set_index("name").loc["West", "lad_codes"] == ["E07009000", "E07009001"]


@pytest.mark.parametrize(
    "target, constrained", [(6000, []), (8000, ["East", "West"]), (3000, []), (4500, ["East", "West"])]
)
def test_constrained_when_no_whole_number_of_neighbourhoods_fits_the_lad(two_lads, target, constrained):
    # Each LAD holds 6,000: one neighbourhood of 6,000 or two of 3,000 fit; 8,000 is too big; 4,500 +-10% fits neither.
    assert halves(two_lads, 2, target=target).summary()["constrained"] == constrained


def test_constrained_neighbourhoods_are_not_population_violations(two_lads):
    p = halves(two_lads, 2, target=8000)
    assert [v.constraint for v in p.validate()] == []


@pytest.mark.parametrize(
    "population, fits", [(41_000, False), (45_000, True), (60_000, False), (103_000, True), (183_000, True)]
)
def test_band_fits(population, fits):
    assert band_fits(population, 50_000, 0.10) is fits


def test_core20_and_imd_are_population_weighted():
    atlas = grid_atlas(3, 1, population=[1000, 3000, 6000])
    lsoas = atlas.lsoas
    p = Plan(atlas, dict.fromkeys(atlas.codes, "All"))
    weights = lsoas.resident_population
    expected_core20 = 100 * weights[lsoas.imd_quintile == 1].sum() / weights.sum()
    assert p["core20_pct"]["All"] == pytest.approx(expected_core20)
    assert p["mean_imd_score"]["All"] == pytest.approx((lsoas.imd_score * weights).sum() / weights.sum())


def test_local_decile_mix_counts_lsoas(two_lads):
    p = halves(two_lads, 2, target=6000)
    mix = p["local_decile_mix"]
    assert sum(mix["West"]) == 4 and sum(mix["East"]) == 4 and len(mix["West"]) == 10
    counts = two_lads.lsoas.local_decile.value_counts().reindex(range(1, 11), fill_value=0).tolist()
    assert [a + b for a, b in zip(mix["West"], mix["East"])] == counts


def test_list_plan_counts_the_authorities_of_its_practices_sites():
    # A list plan spans the LAs its practices are sited in; recounted here from each practice's site LSOA, after
    # moves that put practices of both LAs together and apart again (the counted path names no LA).
    atlas = grid_atlas(4, 4, lad_width=2, practice_every=2)  # sites alternate between the two LAs
    lad_of = atlas.lsoas["lad_code"].to_dict()
    site = atlas.practices["lsoa_code"].to_dict()
    plan = Plan.from_practices(atlas, dict(zip(atlas.practices.index, "ABABABAB")), target=12_000)
    seen = set()
    for moves in ({"Z00001": "A"}, {"Z00000": "C"}, {"Z00001": "B", "Z00004": "B"}, {"Z00004": "A", "Z00007": "A"}):
        plan = plan.move_practices(moves)
        expected = {}
        for code, name in plan.practice_assignment.items():
            expected.setdefault(name, set()).add(lad_of[site[code]])
        counts = {name: len(lads) for name, lads in expected.items()}
        assert plan["local_authorities"] == {name: counts.get(name, 0) for name in plan.neighbourhoods}
        assert plan["local_authorities"] == {name: len(codes) for name, codes in plan["lad_codes"].items()}
        seen.update(counts.values())
    assert seen == {1, 2}  # both a crossing and a nested neighbourhood were counted


def _constrained_verdicts(size: int) -> list[bool]:
    """An attacker's "constrained" verdicts on a neighbourhood of every practice of Y00001's local authority but
    the small ones, with Y00001's list of ``size``: the authority's list total is the neighbourhood's published
    exact list plus it; the band's one-neighbourhood edge goes at 1 to 7 people above that."""
    atlas = small_count_atlas({"Y00001": size})
    lad_of = atlas.lsoas["lad_code"].astype(str)
    home = lad_of[atlas.practices.lsoa_code["Y00001"]]
    groups = {
        c: f"solo {c}" if c in SMALL_PRACTICES else "LA" if lad_of[atlas.practices.lsoa_code[c]] == home else "Other"
        for c in atlas.practices.index
    }
    plan = Plan.from_practices(atlas, groups, target=10_000)
    exact = next(r["list_population"] for r in plan_metrics(plan)["neighbourhoods"] if r["name"] == "LA")
    return [plan.with_params(target=(exact + k + 0.5) / 1.1, tolerance=0.1)["constrained"]["LA"] for k in range(1, 8)]


def test_the_constrained_verdict_gives_back_no_small_list():
    """Judged on the authority's exact total, "constrained by its local authority" flipped where the small list
    was; judged on the published total (a margin of the practices' lists) it is the same whatever its count."""
    assert _constrained_verdicts(1) == _constrained_verdicts(5) == _constrained_verdicts(7)
