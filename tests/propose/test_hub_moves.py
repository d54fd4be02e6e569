"""Access as a criterion when proposing (``access_weight``): people end nearer their neighbourhood's best practice
site than in the same seed's plan without it, which the weight of 0 leaves exactly as it was."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.access.hubs import hub_summary
from geo.plan import Plan
from geo.propose import ProposalParams, propose
from geo.propose.engine import atlas_pieces
from geo.propose.hub_moves import hub_sites, improve_piece, people_km
from geo.testing import grid_atlas

from .propose_checks import pieces, populations


@pytest.fixture(scope="module")
def sited():
    """A 12 x 12 grid of three authorities with uneven populations and a practice in every fifth cell."""
    pop = np.random.default_rng(7).integers(1000, 2000, 144)
    return grid_atlas(12, 12, lad_width=4, population=pop, practice_every=5)


def _brute_hub_km(atlas, assignment: pd.Series) -> float:
    """Residents' mean km to their neighbourhood's best practice site inside it, by trying every site."""
    xy = np.column_stack([atlas.lsoas.geometry.centroid.x, atlas.lsoas.geometry.centroid.y])
    people = atlas.lsoas.resident_population.to_numpy(dtype=float)
    key = assignment.reindex(atlas.codes).to_numpy()
    site_xy = np.column_stack([atlas.practices.geometry.x, atlas.practices.geometry.y])
    site_cell = atlas.lsoas.sindex.query(atlas.practices.geometry, predicate="intersects")
    cell_of_site = pd.Series(site_cell[1], index=site_cell[0]).groupby(level=0).first()
    total = 0.0
    for name in np.unique(key):
        m = key == name
        inside = [s for s, cell in cell_of_site.items() if key[cell] == name]
        total += min(float(people[m] @ (np.hypot(*(xy[m] - site_xy[s]).T) / 1000)) for s in inside)
    return total / people.sum()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_weight_brings_people_nearer_their_hub_than_the_same_seeds_plan_without_it(sited, seed):
    without = propose(sited, ProposalParams(target=24_000, seed=seed))
    plan = propose(sited, ProposalParams(target=24_000, seed=seed, access_weight=5.0))
    assert _brute_hub_km(sited, plan.assignment) < _brute_hub_km(sited, without.assignment)
    # Still a plan: every neighbourhood in one piece, inside the band, inside its authority.
    assert (pieces(sited, plan.assignment) == 1).all()
    pops = populations(sited, plan.assignment)
    assert ((pops >= 24_000 * 0.9) & (pops <= 24_000 * 1.1)).all()
    lads = sited.lsoas.lad_code.groupby(plan.assignment.reindex(sited.codes).to_numpy()).nunique()
    assert (lads == 1).all()
    # The summary reports both plans, recounted.
    effect = plan.provenance.params["access"]
    assert effect["without"] == hub_summary(without)
    assert effect["with"] == hub_summary(plan)
    assert effect["with"]["hub_km"] == pytest.approx(_brute_hub_km(sited, plan.assignment), abs=1e-3)
    assert effect["without"]["max_abs_deviation_pct"] == pytest.approx(
        without.summary()["max_abs_deviation_pct"], abs=0.01
    )


def test_a_weight_of_zero_is_exactly_the_plan_without_the_option(sited):
    today = propose(sited, ProposalParams(target=24_000, seed=4))
    zero = propose(sited, ProposalParams(target=24_000, seed=4, access_weight=0.0))
    assert zero.assignment.equals(today.assignment)
    assert "access" not in zero.provenance.params and "access" not in today.provenance.params


def test_blocks_stay_whole_with_the_weight(sited):
    from geo.propose.blocks import Blocks, with_blocks

    i = np.arange(len(sited.lsoas))
    units = pd.Series([f"B{x}-{y}" for x, y in zip(i % 12 // 2, i // 12 // 2)], index=sited.codes)
    atlas = with_blocks(sited, Blocks("custom", units, {}, "units.csv"))
    plan = propose(atlas, ProposalParams(build_from="custom", target=36_000, seed=2, access_weight=10.0))
    split = pd.DataFrame({"b": units, "n": plan.assignment.reindex(units.index)}).groupby("b").n.nunique()
    assert (split == 1).all() and (pieces(atlas, plan.assignment) == 1).all()
    effect = plan.provenance.params["access"]
    assert effect["with"]["hub_km"] <= effect["without"]["hub_km"]


def test_list_based_builds_refuse_the_weight():
    with pytest.raises(ValueError, match="access weight"):
        ProposalParams(build_from="practices", access_weight=1.0)
    with pytest.raises(ValueError):
        ProposalParams(access_weight=-1.0)


def test_hub_sites_are_the_brute_force_one_medians():
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 10_000, (30, 2))
    people = rng.integers(0, 3000, 30).astype(float)
    labels = rng.integers(0, 3, 30)
    sites = (rng.uniform(0, 10_000, (9, 2)), rng.integers(0, 30, 9))
    hub = hub_sites(xy, people, np.arange(30), labels, sites)
    for lab in range(3):
        inside = [s for s in range(9) if labels[sites[1][s]] == lab]
        if not inside:
            assert hub[lab] == -1
            continue
        costs = [people[labels == lab] @ np.hypot(*(xy[labels == lab] - sites[0][s]).T) for s in inside]
        assert costs[inside.index(hub[lab])] == pytest.approx(min(costs))


def test_moves_never_raise_the_people_km_and_never_take_a_hub_away(sited):
    params = ProposalParams(target=24_000, seed=1)
    piece = atlas_pieces(sited, params)[0]
    xy = np.column_stack([piece.x, piece.y])
    cells = sited.lsoas.sindex.query(sited.practices.geometry, predicate="intersects")[1]
    local = pd.Series(np.arange(len(piece.rows)), index=piece.rows).reindex(cells).dropna().astype(int)
    sites = (xy[local.to_numpy()], local.to_numpy())
    rng = np.random.default_rng(5)
    for _ in range(3):  # from a balanced start: the solver's own labels for a random seed
        from geo.propose.engine import solve_piece

        start, _ = solve_piece(piece, int(rng.integers(100)), 1.0)
        before = people_km(xy, piece.pop, np.arange(len(xy)), start, sites)
        hubs = hub_sites(xy, piece.pop, np.arange(len(xy)), start, sites)
        moved = improve_piece(piece, start, xy, piece.pop, np.arange(len(xy)), sites, access_weight=20.0,
                              compactness_weight=1.0, tolerance=0.1)  # fmt: skip
        assert people_km(xy, piece.pop, np.arange(len(xy)), moved, sites) <= before + 1e-9
        assert (moved[sites[1][hubs[hubs >= 0]]] == start[sites[1][hubs[hubs >= 0]]]).all()


def test_the_api_schema_and_stored_result_carry_the_option(sited):
    from api.proposals import compute
    from api.schemas import ProposalCreate

    body = ProposalCreate(target=24_000, seed=2, access_weight=5.0)
    assert body.access_weight == 5.0
    result = compute(sited, {"target": 24_000, "seed": 2, "access_weight": 5.0})
    effect = result["provenance"]["params"]["access"]
    assert effect["with"]["hub_km"] < effect["without"]["hub_km"] and effect["hub_method"]


@pytest.mark.realdata
def test_leicester_people_end_nearer_their_hub(data_dir):
    from geo.atlas import load_atlas

    atlas = load_atlas("E06000016", data_dir=data_dir)
    without = propose(atlas, ProposalParams(target=25_000, seed=1))
    plan = propose(atlas, ProposalParams(target=25_000, seed=1, access_weight=3.0))
    effect = plan.provenance.params["access"]
    assert effect["with"]["hub_km"] < effect["without"]["hub_km"]
    assert effect["without"] == hub_summary(without)
    assert (pieces(atlas, plan.assignment) == 1).all()
    assert Plan(atlas, plan.assignment, plan.params).summary()["within_10_pct"] >= without.summary()["within_10_pct"]
