"""The same seed gives a byte-identical proposal whatever the load, the process count or the clock.

The amount of search is fixed by counts (trees, attempts, refinement moves); the time budget can only cut a
search short, and then the plan says so. These tests load both cores with busy processes, force one worker, and
replace the clock with one that runs absurdly fast, and check that a plan that was not cut never changes.
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
import types

import numpy as np
import pytest

from geo.propose import ProposalParams, propose
from geo.propose import engine, units
from geo.testing import grid_atlas

#: Generous: the tests never rely on finishing faster than this, only on not being cut short.
BUDGET = 300.0


def _spin(stop) -> None:
    """Burn CPU until told to stop (one busy process of the load)."""
    x = 0
    while not stop.is_set():
        for _ in range(10_000):
            x = (x * 31 + 7) % 1_000_003


def _propose(atlas, params):
    """Return (sha256 of the assignment as CSV, whether the time budget cut the search short)."""
    plan = propose(atlas, params)
    csv = plan.assignment.sort_index().to_csv().encode()
    return hashlib.sha256(csv).hexdigest(), bool(plan.provenance.stopped_early)


@pytest.fixture(scope="module")
def big():
    """A 40 x 40 grid (1,600 LSOAs) in five authorities, uneven populations, practices to keep whole."""
    pop = np.random.default_rng(11).integers(1000, 2000, 1600)
    return grid_atlas(40, 40, lad_width=8, population=pop)


def test_same_seed_same_plan_quiet_loaded_and_on_one_worker(big, monkeypatch):
    monkeypatch.setattr(engine, "PARALLEL_MIN_LSOAS", 500)  # use the process pool on this input
    params = ProposalParams(target=30_000, seed=1, time_budget=BUDGET)
    quiet = _propose(big, params)
    ctx = mp.get_context("fork")
    stop = ctx.Event()
    load = [ctx.Process(target=_spin, args=(stop,), daemon=True) for _ in range(2 * (os.cpu_count() or 1))]
    try:
        for proc in load:
            proc.start()
        loaded = _propose(big, params)
    finally:
        stop.set()
        for proc in load:
            proc.join(5)
            if proc.is_alive():
                proc.terminate()
                proc.join(5)
    monkeypatch.setattr(engine, "PARALLEL_MIN_LSOAS", 10**9)  # one worker: everything in this process
    serial = _propose(big, params)
    assert quiet == loaded == serial
    assert quiet[1] is False  # nothing was cut short, so this is the full counted search
    other = _propose(big, ProposalParams(target=30_000, seed=2, time_budget=BUDGET))
    assert other[0] != quiet[0]  # the hash does tell plans apart


class _FastClock:
    """A ``time`` stand-in whose clock jumps a second every time it is read: a machine under extreme load."""

    def __init__(self):
        self.now = 0.0

    def monotonic(self) -> float:
        self.now += 1.0
        return self.now


@pytest.mark.parametrize("deadline", [0, 5, 10, 15, 20, 10**7])
def test_a_search_cut_by_the_clock_says_so_and_one_not_cut_is_unchanged(deadline, monkeypatch):
    pop = np.random.default_rng(5).integers(1000, 2000, 400)
    atlas = grid_atlas(20, 20, lad_width=10, population=pop)
    params = ProposalParams(target=30_000, seed=4, time_budget=BUDGET)
    full, unmet_full, _, cut_full, _ = engine.tree_bisection(atlas, params, float("inf"))
    assert cut_full is False and not any("time budget" in line for line in unmet_full)
    monkeypatch.setattr(units, "time", types.SimpleNamespace(monotonic=_FastClock().monotonic))
    got, unmet, _, cut, _ = engine.tree_bisection(atlas, params, float(deadline))
    assert got.notna().all() and got.index.equals(full.index)
    if cut:
        assert any("time budget" in line for line in unmet)
    else:
        assert got.equals(full) and not any("time budget" in line for line in unmet)
    if deadline == 0:
        assert cut  # a budget spent before the start must be reported
    if deadline == 10**7:
        assert not cut  # far more clock reads than this search makes
