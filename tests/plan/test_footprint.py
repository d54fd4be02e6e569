"""The place footprint of whole practices: re-derived after a practice move, it is the footprint drawn from scratch.

A move recounts only the LSOAs where the moved practices have patients and patches the tallies; whatever sequence
of moves (including new and emptied neighbourhoods, in any order of creation), the child's footprint, its notes and
every metric equal those of a plan built afresh from the same practice assignment.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.metrics import plan_metrics
from geo.plan import Plan
from geo.plan.footprint import derive_footprint, label_ranks
from geo.testing import grid_atlas

ATLAS = grid_atlas(5, 4, lad_width=3, practice_every=2, seed=4)
PRACTICES = list(ATLAS.practices.index)
START = {code: "NSEW"[i % 4] for i, code in enumerate(PRACTICES)}

moves = st.lists(
    st.dictionaries(
        st.sampled_from(PRACTICES), st.sampled_from(["N", "S", "E", "W", "Zed", "alpha"]), min_size=1, max_size=3
    ),
    min_size=1,
    max_size=10,
)


def _same(x, y, metric):
    if isinstance(x, dict):
        assert x.keys() == y.keys(), metric
        for key in x:
            _same(x[key], y[key], metric)
    elif isinstance(x, (float, np.floating)):
        assert x == pytest.approx(y, rel=1e-9, abs=1e-6) or (np.isnan(x) and np.isnan(y)), metric
    elif isinstance(x, pd.DataFrame):
        pd.testing.assert_frame_equal(x, y, obj=metric)
    else:
        assert x == y, metric


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(moves)
def test_a_moved_practice_plan_equals_one_built_afresh(sequence):
    plan = Plan.from_practices(ATLAS, START, target=9000)
    chain = [plan]
    plan.summary()
    for step in sequence:
        plan = plan.move_practices(step)
        chain.append(plan)  # parents stay alive, so every child is patched rather than recounted
        plan.summary()
    _equals_afresh(plan, Plan.from_practices(ATLAS, plan.practice_assignment.to_dict(), target=9000))


def _equals_afresh(plan, fresh):
    """Every metric, the footprint, its notes and the summary of ``plan`` are those of ``fresh``, built from the
    same practice assignment from scratch."""
    assert plan.assignment.equals(fresh.assignment)
    assert plan.provenance.footprint == fresh.provenance.footprint
    assert plan.neighbourhoods == fresh.neighbourhoods
    for metric in plan_metrics():
        mine, theirs = plan[metric], fresh[metric]
        if isinstance(mine, np.ndarray):
            continue  # internal arrays by label position: the two plans number their labels differently
        if isinstance(mine, dict) and mine and all(isinstance(k, (int, np.integer)) for k in mine):
            mine = {plan.labels[k]: v for k, v in mine.items()}
            theirs = {fresh.labels[k]: v for k, v in theirs.items()}
        if metric == "shapes":
            assert mine.keys() == theirs.keys() and all(mine[k].equals(theirs[k]) for k in mine)
            continue
        _same(mine, theirs, metric)
    _same(plan.summary(), {**fresh.summary(), "name": plan.summary()["name"]}, "summary")


def test_every_child_of_hundreds_of_seeded_practice_moves_equals_a_recount():
    # Each child of a long chain (the fast path: label indices, patched tallies, the compiled repair) against a
    # plan built afresh from the same practices, every metric; and its list view against the moves replayed on a
    # plain dict, with the root's index, name and dtype (a moved plan builds its Series only when read).
    rng = np.random.default_rng(26)
    atlas = grid_atlas(8, 6, lad_width=3, practice_every=2, seed=3)
    codes = list(atlas.practices.index)
    plan = Plan.from_practices(atlas, {c: "ABCDE"[rng.integers(5)] for c in codes}, target=9000)
    root = plan.practice_assignment
    expected = root.to_dict()
    chain = [plan]
    plan.summary()
    for step in range(240):
        names = sorted(set(expected.values())) + (["New"] if step % 40 == 0 else [])
        code, label = codes[rng.integers(len(codes))], names[rng.integers(len(names))]
        plan = plan.move_practices({code: label})
        expected[code] = label
        chain.append(plan)  # parents stay alive: every child is patched from its parent
        plan.summary()
        got = plan.practice_assignment
        pd.testing.assert_series_equal(
            got, pd.Series(expected, dtype=root.dtype, name=root.name).rename_axis(root.index.name)
        )
        assert got.index is root.index or got.index.equals(root.index)
        _equals_afresh(plan, Plan.from_practices(atlas, expected, target=9000))


def _equals_scratch(plan):
    """The plan's footprint (labels, notes) is the one derived from scratch from its practice assignment."""
    fresh = derive_footprint(plan.atlas, plan.practice_assignment)
    assert plan.assignment.equals(fresh.assignment)
    assert list(plan.provenance.footprint) == fresh.notes()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.integers(1, 25))
def test_after_every_move_in_a_random_sequence_the_footprint_is_the_one_from_scratch(seed, steps):
    # Single moves chained as an ensemble would chain them (to neighbourhoods that exist, as well as new ones),
    # each child checked, not only the last: a shortcut wrong for one move would be hidden by a later recount.
    rng = np.random.default_rng(seed)
    atlas = grid_atlas(7, 6, lad_width=3, practice_every=2, seed=int(seed % 5))
    codes = list(atlas.practices.index)
    plan = Plan.from_practices(atlas, {c: "ABCD"[rng.integers(4)] for c in codes}, target=9000)
    chain = [plan]
    for _ in range(steps):
        names = sorted(set(plan.practice_assignment)) + ["E"]
        plan = plan.move_practices({codes[rng.integers(len(codes))]: names[rng.integers(len(names))]})
        chain.append(plan)
        _equals_scratch(plan)


def test_ties_go_to_the_name_that_sorts_first_whatever_the_order_labels_were_made():
    # Two practices with identical patients in every LSOA: each LSOA is a tie between their neighbourhoods.
    atlas = grid_atlas(3, 1, practice_every=3)
    only = atlas.practices.index[0]
    twin = atlas.practices.loc[[only]].rename(index={only: "Z99999"})
    registrations = pd.concat([atlas.registrations, atlas.registrations.assign(practice_code="Z99999")])
    from dataclasses import replace

    atlas = replace(atlas, practices=pd.concat([atlas.practices, twin]), registrations=registrations)
    expected = None
    for first, second in (("b", "a"), ("a", "b")):
        footprint = derive_footprint(atlas, pd.Series({only: first, "Z99999": second}))
        # Every tie goes to "a"; "b", left with no LSOA, is given its practice's site (and the note says so).
        assert footprint.assignment.value_counts().to_dict() == {"a": 2, "b": 1}
        assert footprint.repaired == footprint.assignment.index[footprint.assignment == "b"].tolist()
        expected = footprint.assignment if expected is None else expected
        assert footprint.assignment.equals(expected)
    plan = Plan.from_practices(atlas, {only: "b", "Z99999": "c"}, target=4500)
    # "a" is new to the plan's labels (created last), yet wins every tie as the first name.
    assert plan.move_practices({"Z99999": "a"}).assignment.equals(expected)
    assert label_ranks(["c", "a", "b"]).tolist() == [2, 0, 1]


@pytest.mark.realdata
def test_practice_moves_on_real_registrations_equal_a_fresh_derivation(data_dir):
    from geo.atlas import load_atlas

    atlas = load_atlas("QK1", data_dir=data_dir)
    pcns = atlas.practices.loc[atlas.practices["in_area"].fillna(False).astype(bool), "pcn_code"].fillna("none")
    plan = Plan.from_practices(atlas, pcns.to_dict())
    plan.summary()
    rng = np.random.default_rng(7)
    codes, labels = list(plan.practice_assignment.index), sorted(set(pcns))
    chain = [plan]
    for _ in range(40):
        plan = plan.move_practices({codes[rng.integers(len(codes))]: labels[rng.integers(len(labels))]})
        chain.append(plan)
        plan.summary()
        _equals_scratch(plan)
    fresh = Plan.from_practices(atlas, plan.practice_assignment.to_dict())
    assert plan.assignment.equals(fresh.assignment)
    _same(plan.summary(), fresh.summary(), "summary")


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_footprints_of_list_plans_are_one_piece(seed):
    # Practices dealt to neighbourhoods at random: their plurality footprints come in pieces, and every piece with a
    # neighbour is re-attached, so each neighbourhood's footprint is one connected piece of the grid.
    from scipy.sparse import csgraph

    from geo.atlas.arrays import atlas_arrays

    atlas = grid_atlas(8, 8, lad_width=4, practice_every=2, seed=seed)
    rng = np.random.default_rng(seed)
    practices = pd.Series(rng.choice(["A", "B", "C", "D"], len(atlas.practices)), index=atlas.practices.index)
    fp = derive_footprint(atlas, practices)
    edges = atlas_arrays(atlas).edges
    for label in fp.assignment.unique():
        rows = np.flatnonzero(fp.assignment.to_numpy() == label)
        inside = np.isin(edges[:, 0], rows) & np.isin(edges[:, 1], rows)
        graph = np.zeros((len(atlas.lsoas), len(atlas.lsoas)), bool)
        graph[edges[inside, 0], edges[inside, 1]] = True
        count, part = csgraph.connected_components(graph[np.ix_(rows, rows)], directed=False)
        assert count == 1, (label, count)
    assert not fp.detached
    plan = Plan.from_practices(atlas, practices.to_dict(), target=9000)
    assert not any(plan["detached_lsoas"].values())


def test_la_crossings_of_a_list_plan_follow_its_practices_sites():
    plan = Plan.from_practices(ATLAS, START, target=9000)
    arrays = plan.arrays
    onehot = np.asarray(arrays.values[:, arrays.lad_slice()])
    expected = {}
    for code, label in START.items():
        j = list(arrays.practice_codes).index(code)
        if arrays.practice_site[j] >= 0:
            expected.setdefault(label, set()).add(arrays.lad_codes[int(onehot[arrays.practice_site[j]].argmax())])
    spans = {name: set(codes) for name, codes in plan["lad_codes"].items()}
    assert sorted(map(sorted, spans.values())) == sorted(map(sorted, expected.values()))
    assert plan["la_crossings"] == sum(len(v) > 1 for v in expected.values())


def test_an_unrepaired_piece_is_listed_with_its_people():
    from geo.plan.footprint import Footprint

    notes = Footprint(None, [], [], ["E01000001", "E01000002"], 3012.0).notes()
    assert notes == [
        "2 LSOA(s), 3,012 residents, remain in detached parts too large to repair cheaply (e.g. E01000001, E01000002)"
    ]
    assert "a small number of residents" in Footprint(None, [], [], ["E01000001"], 5.0).notes()[0]
