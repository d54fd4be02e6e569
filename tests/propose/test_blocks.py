"""Proposals built from MSOAs, wards or a user's units: every block whole, the plan an ordinary LSOA plan."""

from __future__ import annotations

import argparse
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from cli.propose import with_user_geographies
from geo.errors import DataError, PlanError
from geo.propose import ProposalParams, propose
from geo.propose.blocks import Blocks, msoa_blocks, neighbourhood_blocks, ward_blocks, with_blocks
from geo.testing import grid_atlas


def blocks_split(plan, units: pd.Series) -> set:
    counts = pd.DataFrame({"b": units, "n": plan.assignment.reindex(units.index)}).groupby("b").n.nunique()
    return set(counts.index[counts > 1])


def square_blocks(atlas, nx: int, size: int = 2) -> pd.Series:
    i = np.arange(len(atlas.lsoas))
    return pd.Series([f"B{x}-{y}" for x, y in zip(i % nx // size, i // nx // size)], index=atlas.codes)


@pytest.fixture(scope="module")
def grid():
    pop = np.random.default_rng(7).integers(1000, 2000, 144)
    return grid_atlas(12, 12, lad_width=4, population=pop)


def test_user_blocks_stay_whole_and_the_plan_says_what_they_were(grid):
    units = square_blocks(grid, 12)
    atlas = with_blocks(grid, Blocks("custom", units, {u: f"unit {u}" for u in units}, "units.csv"))
    plan = propose(atlas, ProposalParams(build_from="custom", target=36_000, seed=2))
    assert blocks_split(plan, units) == set()
    assert plan.summary()["contiguous"] and plan.summary()["la_crossings"] == 0
    low, high = plan.params.band
    assert all(low <= p <= high for p in plan["population"].values())
    assert plan.provenance.params["blocks"] == {
        "type": "custom",
        "title": "units of a user geography",
        "source": "units.csv",
        "count": 36,
    }
    named = neighbourhood_blocks(plan, Blocks("custom", units, {u: f"unit {u}" for u in units}, "units.csv"))
    assert sorted(b for blocks in named.values() for b, _ in blocks) == sorted(units.unique())


def test_a_block_across_a_nesting_unit_is_cut_along_it_and_reported(grid):
    units = square_blocks(grid, 12, size=3)  # 3-wide blocks across 4-wide authorities
    atlas = with_blocks(grid, Blocks("custom", units, {}, "units.csv"))
    plan = propose(atlas, ProposalParams(build_from="custom", target=36_000, seed=1))
    assert plan.summary()["la_crossings"] == 0
    cut = {u for u in units.unique() if grid.lsoas.lad_code[units == u].nunique() > 1}
    assert cut and all(any(f"({u}) crosses the nesting units" in n for n in plan.unmet) for u in cut)
    # within each authority, each block's part is whole
    keys = units + "@" + grid.lsoas.lad_code
    assert blocks_split(plan, keys) == set()


def test_ward_blocks_and_msoa_names(grid):
    atlas = grid_atlas(4, 2)
    atlas.lsoas["ward_code"] = ["W1", "W1", "W2", "W2"] * 2
    atlas.lsoas["ward_name"] = ["A", "A", "B", "B"] * 2
    plan = propose(atlas, ProposalParams(build_from="wards", target=6000, seed=1))
    assert blocks_split(plan, atlas.lsoas.ward_code) == set() and len(plan.neighbourhoods) == 2
    assert ward_blocks(atlas.lsoas).describe()["count"] == 2
    lsoas = pd.DataFrame({"lsoa_name": ["Leicester 014A", "Leicester 014B", "Melton 002A"]}, index=["a", "b", "c"])
    msoas = pd.DataFrame({"code": ["E02000014", "E02000002"], "name": ["Leicester 014", "Melton 002"]})
    assert msoa_blocks(lsoas, msoas).units.tolist() == ["E02000014", "E02000014", "E02000002"]
    with pytest.raises(DataError, match="no MSOA is named 'Melton 002'.*LSOA c"):
        msoa_blocks(lsoas, msoas.iloc[:1])
    with pytest.raises(DataError, match="more than one MSOA"):
        msoa_blocks(lsoas, pd.concat([msoas, msoas.iloc[:1].assign(code="E02999999")]))
    with pytest.raises(DataError, match="LSOA a is named 'Leicester'"):
        msoa_blocks(lsoas.assign(lsoa_name=["Leicester", "x 001A", "y 001B"]), msoas)


def test_custom_blocks_need_a_geography_and_a_file_is_checked(grid, tmp_path):
    with pytest.raises(PlanError, match="needs a user geography"):
        propose(grid, ProposalParams(build_from="custom"))
    path = tmp_path / "units.csv"
    pd.DataFrame({"lsoa_code": grid.codes[:-1], "unit": "U"}).to_csv(path, index=False)
    args = argparse.Namespace(build_from=str(path), respect="practices", data_dir=None)
    with pytest.raises(DataError, match="does not cover"):
        with_user_geographies(grid, args)
    units = square_blocks(grid, 12)
    pd.DataFrame({"lsoa_code": grid.codes, "unit": units.to_numpy()}).to_csv(path, index=False)
    atlas = with_user_geographies(grid, args)
    assert (atlas.lsoas.block_code == units).all()


@pytest.mark.realdata
def test_leicester_from_msoas_into_four(data_dir, tmp_path):
    from cli import main

    out = tmp_path / "leicester.csv"
    assert (
        main(
            [
                "propose",
                "--area",
                "E06000016",
                "--data-dir",
                str(data_dir),
                "--build-from",
                "msoas",
                "--neighbourhoods",
                "4",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    from geo.atlas import load_atlas
    from geo.plan import Plan

    atlas = load_atlas("E06000016", data_dir=data_dir)
    plan = Plan.from_file(out, atlas)
    assert len(plan.neighbourhoods) == 4 and plan.summary()["contiguous"]
    # Recount each LSOA's MSOA from the raw file, independently: its name without the final letter is the MSOA's
    # name. Every MSOA is whole.
    raw = json.loads((data_dir / "msoa21_boundaries_bsc_england.geojson").read_text())
    by_name = {f["properties"]["msoa21_name"]: f["properties"]["msoa21_code"] for f in raw["features"]}
    msoa = atlas.lsoas.lsoa_name.str[:-1].map(by_name)
    assert msoa.notna().all() and msoa.nunique() == 38
    assert blocks_split(plan, msoa) == set()
    # The geometry agrees: the LSOAs of each MSOA cover most of its (generalised) polygon, and all of them together
    # are placed within about 12 % of the area (super-generalised files of both do not quite agree). (A test per LSOA would not: a super-generalised MSOA can
    # swallow a small neighbouring LSOA whole, e.g. Leicester 018B inside Leicester 017.)
    polygons = gpd.read_file(data_dir / "msoa21_boundaries_bsc_england.geojson").to_crs(atlas.lsoas.crs)
    polygons = polygons.set_index("msoa21_code").loc[msoa.unique()]
    covered = (
        gpd.GeoSeries(atlas.lsoas.geometry.to_numpy(), crs=atlas.lsoas.crs)
        .groupby(msoa.to_numpy())
        .agg(lambda g: g.union_all())
    )
    differ = 0.0
    for code, shape in covered.items():
        mine = polygons.geometry[code]
        assert shape.intersection(mine).area > 0.5 * mine.area, code
        differ += shape.symmetric_difference(mine).area
    assert differ < 0.25 * polygons.geometry.area.sum()  # each misplaced m² counts twice in a symmetric difference


def test_a_block_in_two_parts_is_reported():
    atlas = grid_atlas(4, 1)
    units = pd.Series(["A", "B", "B", "A"], index=atlas.codes)  # A's two LSOAs do not touch
    plan = propose(
        with_blocks(atlas, Blocks("custom", units, {}, "u.csv")),
        ProposalParams(build_from="custom", target=3000, seed=1),
    )
    assert blocks_split(plan, units) == set()
    assert any("unit A (A) is in 2 parts" in note for note in plan.unmet)


def test_respect_a_user_geography_and_align_with_several(grid, tmp_path):
    from geo.plan.coterminosity import align_all, side_by_side

    units = square_blocks(grid, 12, size=2)
    path = tmp_path / "localities.csv"
    pd.DataFrame({"lsoa_code": grid.codes, "unit": units.to_numpy()}).to_csv(path, index=False)
    args = argparse.Namespace(build_from="lsoas", respect=str(path), data_dir=None)
    atlas = with_user_geographies(grid, args)
    params = ProposalParams(target=36_000, tolerance=0.15, seed=1)
    plain = propose(grid, params.replace(respect="none"))
    kept = propose(atlas, params.replace(respect="custom"))
    assert len(blocks_split(kept, units)) <= len(blocks_split(plain, units))
    assert {u for u in blocks_split(kept, units) if any(f"({u}) is split" in n for n in kept.unmet)} == blocks_split(
        kept, units
    )  # every unit still split is reported
    other = tmp_path / "police.csv"
    pd.DataFrame({"lsoa_code": grid.codes, "unit": square_blocks(grid, 12, size=3).to_numpy()}).to_csv(
        other, index=False
    )
    side = align_all(kept, f"{path},{other},las")
    assert [c.geography.key for c in side] == ["localities.csv", "police.csv", "las"]
    assert side[2].index == pytest.approx(1.0)  # nested in authorities: every neighbourhood within its own
    table = side_by_side(side).splitlines()
    assert table[1].split() == ["localities.csv", "police.csv", "las"]
    assert table[2].split() == ["index", *(f"{c.index:.3f}" for c in side)]
    assert table[4].split() == ["units", "split", *(str(len(c.split)) for c in side)]
    for n in kept.neighbourhoods:
        row = next(line for line in table if line.startswith(f"agree {n} "))
        assert row.split()[-3:] == [f"{c.neighbourhoods.set_index('neighbourhood').agree_pct[n]:.0f}%" for c in side]


def test_made_of_names_msoas_by_code_and_name_or_by_their_lsoas_stem(grid):
    from geo.propose.blocks import made_of

    atlas = grid_atlas(4, 2)
    stems = ["Alpha 001", "Alpha 001", "Alpha 002", "Alpha 002"] * 2
    atlas.lsoas["lsoa_name"] = [f"{s}{'AB'[i // 4]}" for i, s in enumerate(stems)]
    msoas = pd.DataFrame({"code": ["E02000001", "E02000002"], "name": ["Alpha 001", "Alpha 002"]})
    carried = with_blocks(atlas, msoa_blocks(atlas.lsoas, msoas))
    plan = propose(carried, ProposalParams(build_from="msoas", target=6000, seed=1))
    named = made_of(plan)
    assert sorted(named.values()) == ["1 MSOA: E02000001 Alpha 001", "1 MSOA: E02000002 Alpha 002"]
    # The same plan on an atlas without the MSOA file: named by its LSOAs' stem, without a code.
    from unittest import mock

    from geo.plan import Plan

    bare = Plan(atlas, plan.assignment, plan.params, provenance=plan.provenance)
    with mock.patch("geo.propose.blocks.read_msoas", side_effect=DataError("no data folder")):
        assert sorted(made_of(bare).values()) == ["1 MSOA: Alpha 001", "1 MSOA: Alpha 002"]
