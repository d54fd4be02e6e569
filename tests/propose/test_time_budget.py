"""A proposal cut short by its time budget says so in every output: provenance, files, API metrics, CLI summary."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from api.serialize import plan_metrics
from cli import main
from geo.plan.io import write_plan
from geo.propose import ProposalParams, propose
from geo.propose.model import DEFAULT_TIME_BUDGET
from geo.testing import grid_atlas

TINY = 1e-9  # over before the first search step is taken


@pytest.fixture(scope="module")
def atlas():
    return grid_atlas(8, 6, lad_width=4, population=np.random.default_rng(3).integers(1000, 2000, 48), practice_every=2)


@pytest.fixture(scope="module", params=["lsoas", "practices"])
def plans(request, atlas):
    """(cut, whole): the same proposal with a tiny budget and with the default one."""
    made = [
        propose(atlas, ProposalParams(target=12_000, build_from=request.param, seed=2, time_budget=budget))
        for budget in (TINY, DEFAULT_TIME_BUDGET)
    ]
    return made


def test_provenance_and_api_metrics_say_so(plans):
    cut, whole = plans
    assert cut.provenance.stopped_early and not whole.provenance.stopped_early
    assert any("time budget" in line for line in cut.unmet)
    assert plan_metrics(cut)["provenance"]["stopped_early"] is True  # what the page reads
    assert plan_metrics(whole)["provenance"]["stopped_early"] is False


@pytest.mark.parametrize("suffix,layer", [(".csv", None), (".geojson", "neighbourhoods"), (".gpkg", "lsoas")])
def test_every_file_says_so(plans, tmp_path, suffix, layer):
    cut, whole = plans
    for plan, expected in ((cut, True), (whole, False)):
        out = write_plan(plan, tmp_path / f"{expected}{suffix}", **({"layer": layer} if layer else {}))
        frame = pd.read_csv(out) if suffix == ".csv" else gpd.read_file(out)
        if suffix == ".csv" and not expected:
            assert "stopped_early" not in frame.columns  # a whole search's lookup stays two columns
        else:
            assert frame["stopped_early"].astype(bool).tolist() == [expected] * len(frame)


def test_cli_summary_and_file_say_so(atlas, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr("cli._common.atlas_from_args", lambda args: atlas)
    out = tmp_path / "plan.csv"
    assert main(["propose", "--area", "QZZ", "--target", "12000", "--time-budget", str(TINY), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "STOPPED EARLY: the time budget of 1e-09 s ended the search" in text
    assert pd.read_csv(out)["stopped_early"].all()
    assert main(["propose", "--area", "QZZ", "--target", "12000", "--out", str(out)]) == 0
    assert "STOPPED EARLY" not in capsys.readouterr().out and "stopped_early" not in pd.read_csv(out).columns


def test_the_default_budget_is_the_settings_one():
    from geo.settings import Settings

    assert Settings().proposal_time_budget == DEFAULT_TIME_BUDGET == ProposalParams().time_budget
