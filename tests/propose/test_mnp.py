"""Multi-Neighbourhood Provider areas: whole neighbourhoods, contiguous groups, nested in the chosen unit."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from geo.errors import PlanError
from geo.propose import ProposalParams, group_mnp, propose
from tests.propose.propose_checks import pieces, populations


@pytest.fixture(scope="module")
def hoods(grid):
    return propose(grid, ProposalParams(target=12_000, seed=2)).assignment  # 18 neighbourhoods, 6 per authority


def test_mnp_areas_group_whole_neighbourhoods_into_contiguous_balanced_areas(grid, hoods):
    mnp = group_mnp(grid, hoods, target=36_000, nest="utla")
    assert set(mnp.index) == set(hoods.unique())  # every neighbourhood in exactly one MNP area, never split
    assert mnp.nunique() == 6 and mnp.str.startswith("E10009999-M").all()
    by_lsoa = hoods.map(mnp)
    assert (pieces(grid, by_lsoa) == 1).all()
    assert (populations(grid, by_lsoa) / 36_000 - 1).abs().max() <= 0.10
    assert mnp.attrs["unmet"] == []


def test_mnp_areas_nest_in_their_unit(grid, hoods):
    # Put the two eastern authorities in a second county: no MNP area may straddle the county boundary.
    lsoas = grid.lsoas.copy()
    lsoas.loc[lsoas.lad_code != "E07009000", ["utla_code", "utla_name"]] = ["E10000002", "East County"]
    atlas = dataclasses.replace(grid, lsoas=lsoas)
    mnp = group_mnp(atlas, hoods, target=36_000, nest="utla")
    county = lsoas.utla_code.groupby(hoods.map(mnp).to_numpy()).nunique()
    assert (county == 1).all()
    assert sorted(mnp.str.split("-").str[0].unique()) == ["E10000002", "E10009999"]
    assert mnp.is_unique is False and mnp.equals(group_mnp(atlas, hoods, target=36_000, nest="utla"))


def test_mnp_refuses_bad_input(grid, hoods):
    with pytest.raises(PlanError, match="nesting level"):
        group_mnp(grid, hoods, nest="ward")
    with pytest.raises(PlanError, match="target population"):
        group_mnp(grid, hoods, target=0)
    with pytest.raises(PlanError, match="have no neighbourhood"):
        group_mnp(grid, hoods.iloc[1:])
    with pytest.raises(PlanError, match="not in the area"):
        group_mnp(grid, pd.concat([hoods, pd.Series({"E01999999": "X"})]))
