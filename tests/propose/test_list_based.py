"""List-based proposals: whole practices or PCNs, every practice labelled once, groups connected, repeatable."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csgraph

from geo.propose import ProposalParams
from geo.propose.list_based import list_based
from geo.propose.pcns import pcn_plan_assignment
from geo.propose.practice_graph import practice_units
from geo.testing import grid_atlas


@pytest.mark.parametrize("build_from", ["practices", "pcns"])
def test_every_practice_once_and_groups_connected(build_from):
    atlas = grid_atlas(8, 8, lad_width=4, practice_every=3)
    params = ProposalParams(target=24_000, build_from=build_from)
    assignment, unmet, constrained, stopped, report = list_based(atlas, params)
    units = practice_units(atlas)
    assert sorted(assignment.index) == sorted(atlas.practices.index[atlas.practices.in_area])
    position = {c: i for i, c in enumerate(units.codes)}
    for label, group in assignment.groupby(assignment):
        rows = [position[c] for c in group.index]
        if build_from == "practices":  # (a PCN's own practices need not touch: PCN groups connect as PCNs)
            assert csgraph.connected_components(units.adjacency[rows][:, rows], directed=False)[0] == 1, label
            assert set(units.nest["lad"][0][rows]) == {label.split("-P")[0]}  # nested in the sites' authority
    if build_from == "pcns":  # every PCN whole
        assert assignment.groupby(atlas.practices.pcn_code.reindex(assignment.index)).nunique().eq(1).all()
    assert not stopped and {r["status"] for r in report} <= {"optimal", "single"}
    # The reported deviations recount from the registrations.
    lists = atlas.registrations.groupby("practice_code").patients.sum()
    worst = (lists.groupby(assignment).sum() / 24_000 - 1).abs().max()
    assert max(r["max_deviation"] for r in report) == pytest.approx(worst, abs=1e-4)
    assert list_based(atlas, params)[0].equals(assignment)  # deterministic


def test_pcn_baseline_labels_whole_pcns():
    atlas = grid_atlas(8, 8, practice_every=3)
    labels = pcn_plan_assignment(atlas)
    assert labels.groupby(atlas.practices.pcn_code.reindex(labels.index)).nunique().eq(1).all()


@pytest.mark.realdata
def test_charnwood_proven_optimal(data_dir):
    from geo.atlas import load_atlas

    atlas = load_atlas("E07000130", data_dir=data_dir)
    assignment, unmet, constrained, stopped, report = list_based(atlas, ProposalParams(target=50_000,
                                                                                        build_from="practices"))
    [unit] = [r for r in report if r["unit"] == "E07000130"]
    assert unit["status"].startswith("optimal") and unit["k"] >= 1
    # The solver balances whole lists: patients in the area's LSOAs plus those the list holds beyond them.
    reg = atlas.registrations[atlas.registrations.practice_code.isin(assignment.index)
                              & atlas.registrations.lsoa_code.isin(atlas.codes)]
    inside = reg.groupby("practice_code").patients.sum().reindex(assignment.index).fillna(0)
    whole = np.maximum(inside, atlas.practices.list_size.reindex(assignment.index).fillna(0))
    pops = whole.groupby(assignment).sum()
    assert (pops / 50_000 - 1).abs().max() == pytest.approx(unit["max_deviation"], abs=1e-4)
