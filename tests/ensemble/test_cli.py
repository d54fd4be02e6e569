"""``nhp ensemble`` on a synthetic grid standing in for the study area: runs written and summarised, a plan
placed with its percentiles printed and its histograms drawn, bad options refused in one line."""

from __future__ import annotations

import pandas as pd
import pytest

import cli._common
from cli import main
from geo.ensemble.io import read_runs
from tests.ensemble.conftest import block_start, checker_grid

ATLAS = checker_grid()
CHAIN = ["ensemble", "--area", "GRID", "--target", "12000", "--tolerance", "0.1", "--nest", "lad", "--seed", "4"]


@pytest.fixture(autouse=True)
def grid_area(monkeypatch):
    monkeypatch.setattr(cli._common, "atlas_from_args", lambda args: ATLAS)


@pytest.fixture
def start_file(tmp_path):
    path = tmp_path / "blocks.csv"
    block_start(ATLAS).rename("neighbourhood").rename_axis("lsoa_code").to_csv(path)
    return path


@pytest.fixture
def runs_file(tmp_path, start_file):
    path = tmp_path / "runs.parquet"
    assert main([*CHAIN, "--start", str(start_file), "--steps", "300", "--out", str(path)]) == 0
    return path


def test_chain_writes_runs_and_prints_the_spread(start_file, tmp_path, capsys):
    runs_file = tmp_path / "runs.parquet"
    assert main([*CHAIN, "--start", str(start_file), "--steps", "300", "--out", str(runs_file)]) == 0
    out = capsys.readouterr().out
    runs, metadata = read_runs(runs_file)
    assert len(runs) == 300 and metadata["start"] == "blocks" and metadata["nest"] == "lad"
    assert "cut_edges" in out and f"wrote {runs_file}" in out
    assert (runs.max_abs_deviation_pct <= 10 + 1e-9).all()


def test_same_command_same_bytes(runs_file, start_file, tmp_path):
    again = tmp_path / "again.parquet"
    assert main([*CHAIN, "--start", str(start_file), "--steps", "300", "--out", str(again)]) == 0
    assert again.read_bytes() == runs_file.read_bytes()


@pytest.mark.parametrize("suffix", [".html", ".png"])
def test_placement_prints_percentiles_and_draws(runs_file, tmp_path, capsys, suffix):
    # Columns in two halves: two neighbourhoods per authority of 4 x 3 cells (18,000 people: 50 % over).
    halves = tmp_path / "halves.csv"
    cols = pd.Series(range(len(ATLAS.codes)), index=ATLAS.codes) % 8
    rows = pd.Series(range(len(ATLAS.codes)), index=ATLAS.codes) // 8
    ((cols // 4).astype(str) + (rows // 3).astype(str)).rename("neighbourhood").rename_axis("lsoa_code").to_csv(halves)
    capsys.readouterr()
    out_file = tmp_path / f"placement{suffix}"
    assert (
        main(["ensemble", "--area", "GRID", "--plan", str(halves), "--runs", str(runs_file), "--out", str(out_file)])
        == 0
    )
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith("max_abs_deviation_pct"))
    assert line.split()[1:3] == ["50.00", "100.0"]  # 50 % off: worse than every plan of the ensemble
    assert out_file.stat().st_size > 1000
    if suffix == ".html":
        assert out_file.read_text().count("<svg") == 6


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--steps", "10", "--out", "runs.csv"], "cannot write ensemble runs as '.csv' (expected .parquet)"),
        (["--out", "runs.parquet"], "--steps"),
        (["--steps", "0", "--out", "runs.parquet"], "steps"),
        (["--build-from", "practices", "--steps", "5", "--out", "runs.parquet"], "LSOAs"),
        (["--plan", "plan.csv"], "--runs"),
    ],
)
def test_bad_options_are_one_line(argv, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main([*CHAIN, *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
