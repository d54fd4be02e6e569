"""England's access figures: none for a synthetic atlas, computed once and read back from the cache folder until a
file of the data folder changes, and summarised by the same rule as a neighbourhood's."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from geo.access import england
from geo.access.layer import access_by_area, access_by_neighbourhood, access_layer
from geo.plan import Plan
from geo.testing import grid_atlas

RUC = "lsoa21_code,ruc21_code,classification,ruc\nE01000001,UN1,Urban: Nearer to a major town or city,Urban\n"


def test_a_synthetic_atlas_or_a_folder_without_files_has_no_england(tmp_path):
    atlas = grid_atlas(3, 2)
    assert england.england_access(atlas, "/nonexistent") is None
    assert england.england_access(atlas, tmp_path) is None  # an empty folder: nothing to build England from


@pytest.fixture
def counted(monkeypatch):
    """England's computation replaced by a counter (the real one needs the national files: tests/profiles)."""
    calls = []

    def compute(folder, vintage=2021):
        calls.append((folder, vintage))
        return england.EnglandAccess(
            {"practice_km_mean": 1.25, "beyond_practice_km_pct": 17.0, "hospital_minutes_mean": np.nan},
            {"lsoas": 3, "left_out": ["E01000003 (Somewhere)"]},
        )

    monkeypatch.setattr(england, "_built_from", lambda atlas, catalogue: True)
    monkeypatch.setattr(england, "compute", compute)
    england._figures.cache_clear()
    yield calls
    england._figures.cache_clear()


def test_england_is_computed_once_then_read_from_the_cache_until_a_file_changes(tmp_path, counted):
    folder, cache = tmp_path / "raw", tmp_path / "cache"
    folder.mkdir()
    (folder / "ruc.csv").write_text(RUC)
    atlas = grid_atlas(2, 1)

    first = england.england_access(atlas, folder, cache_dir=cache)
    assert len(counted) == 1
    stored = list((cache / "access").glob("england-*.json"))
    assert len(stored) == 1
    assert json.loads(stored[0].read_text())["figures"]["hospital_minutes_mean"] is None  # NaN kept as null

    england._figures.cache_clear()  # a new process: read back from the file, not computed
    again = england.england_access(atlas, folder, cache_dir=cache)
    assert len(counted) == 1
    pd.testing.assert_series_equal(again.row(), first.row())
    assert again.notes == first.notes

    (folder / "ruc.csv").write_text(RUC + "E01000002,UN1,Urban: Nearer to a major town or city,Urban\n")
    england.england_access(atlas, folder, cache_dir=cache)  # a changed file: a new key, computed again
    assert len(counted) == 2
    assert len(list((cache / "access").glob("england-*.json"))) == 2


def test_a_damaged_cache_file_is_computed_again(tmp_path, counted):
    folder, cache = tmp_path / "raw", tmp_path / "cache"
    folder.mkdir()
    (folder / "ruc.csv").write_text(RUC)
    atlas = grid_atlas(2, 1)
    england.england_access(atlas, folder, cache_dir=cache)
    stored = next((cache / "access").glob("england-*.json"))
    stored.write_text("{not json")
    england._figures.cache_clear()
    assert england.england_access(atlas, folder, cache_dir=cache).figures["practice_km_mean"] == 1.25
    assert len(counted) == 2


def test_one_area_summary_is_the_one_neighbourhood_summary():
    atlas = grid_atlas(5, 2, practice_every=4, seed=2)
    layer = access_layer(atlas, "/nonexistent")
    whole = access_by_neighbourhood(Plan(atlas, pd.Series("All", index=atlas.codes)), layer)
    people = atlas.lsoas.resident_population.to_numpy(dtype=float)
    alone = access_by_area(layer, people, pd.Series(england.ENGLAND, index=layer.index), [england.ENGLAND])
    pd.testing.assert_series_equal(alone.loc[england.ENGLAND], whole.loc["All"], check_names=False)
