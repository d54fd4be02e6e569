"""Ensemble scores as published: no score of two plans gives back a count of 1 to 7 people by subtraction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from api.serialize import plan_metrics
from geo.disclosure import is_disclosive
from geo.ensemble import SCORES, run_ensemble
from geo.ensemble.placement import place
from geo.plan import Plan
from geo.testing.small_count_area import small_count_atlas


@pytest.fixture(scope="module")
def atlas():
    """The small-count area with one realistic small registration cell: 3 patients of practice Z00000 (west)
    living in G0023 (far east). Most practice-by-LSOA cells of the real extract are 1 to 7 people."""
    atlas = small_count_atlas()
    cell = pd.DataFrame([("Z00000", "G0023", 3.0)], columns=["practice_code", "lsoa_code", "patients"])
    atlas.registrations = pd.concat([atlas.registrations, cell], ignore_index=True)
    atlas.practices.loc["Z00000", "list_size"] += 3
    atlas.lsoas["registered_population"] = (
        atlas.registrations.groupby("lsoa_code").patients.sum().reindex(atlas.lsoas.index, fill_value=0).to_numpy()
    )
    return atlas


def test_two_placed_plans_give_back_no_registration_cell(atlas):
    # G0023 alone (no practice's home) or in the west (Z00000's home): the plans' aligned people differ by
    # exactly the cell of 3, which exact alignment scores times the published area total gave back.
    halves = {c: ("W" if int(c[1:]) % 6 < 3 else "E") for c in atlas.codes}
    alone = Plan(atlas, {**halves, "G0023": "X"}, target=10_000, population="registered", name="alone")
    west = Plan(atlas, {**halves, "G0023": "W"}, target=10_000, population="registered", name="west")
    exact = sum(west["own_patients"].values()) - sum(alone["own_patients"].values())
    assert exact == 3  # the attack works on the exact figures inside
    ensemble = run_ensemble(
        atlas, halves, steps=5, seed=1, target=18_000, tolerance=0.5, nest="none", population="registered"
    )
    total = plan_metrics(alone)["summary"]["population"]  # the area's registered residents, published exactly
    assert total == pytest.approx(atlas.lsoas.registered_population.sum())
    scores = {p.name: place(p, ensemble.runs, ensemble.metadata).scores["alignment_pct"] for p in (alone, west)}
    derived = (scores["west"] - scores["alone"]) * total / 100.0
    assert not is_disclosive(round(derived, 6)), f"the scores give back a cell of {derived:.4f} people"
    # and each score is what the plan's own summary publishes
    for plan in (alone, west):
        assert scores[plan.name] == plan_metrics(plan)["summary"]["alignment_pct"]


def test_recorded_alignment_scores_are_published_shares(atlas):
    halves = {c: ("W" if int(c[1:]) % 6 < 3 else "E") for c in atlas.codes}
    ensemble = run_ensemble(
        atlas, halves, steps=20, seed=3, target=18_000, tolerance=0.5, nest="none", population="registered"
    )
    recorded = ensemble.runs.alignment_pct.to_numpy()
    shown = recorded[np.isfinite(recorded)]
    assert len(shown) and np.array_equal(shown, np.round(shown))  # whole percents: 1% here is 354 people
    assert float(ensemble.start["alignment_pct"]).is_integer()
    assert set(SCORES) <= set(ensemble.runs.columns)
