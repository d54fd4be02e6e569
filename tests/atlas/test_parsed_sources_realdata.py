"""An atlas built from the parsed-source cache, reading only the area's boundary rows, equals the one built by
parsing every raw file whole (Leicester, E06000016, and Leicester, Leicestershire and Rutland, QK1)."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal

from geo.atlas import load_atlas
from geo.settings import get_settings
from geo.sources import catalogue as catalogue_module

pytestmark = pytest.mark.realdata


def assert_same_atlas(new, old) -> None:
    assert_geodataframe_equal(new.lsoas, old.lsoas)
    assert_geodataframe_equal(new.practices, old.practices)
    for layer in ("lsoas", "practices"):  # every figure to the last bit, not within a tolerance
        plain = [getattr(atlas, layer).drop(columns="geometry") for atlas in (new, old)]
        pd.testing.assert_frame_equal(*plain, check_exact=True, obj=layer)
    for table in ("registrations", "qof", "practice_ages", "closed_registrations"):
        pd.testing.assert_frame_equal(getattr(new, table), getattr(old, table), check_exact=True, obj=table)
    assert (new.adjacency != old.adjacency).nnz == 0 and new.bridges == old.bridges
    assert new.sources == old.sources and new.bridge_report == old.bridge_report and new.area == old.area


@pytest.mark.parametrize("area", ["E06000016", "QK1"])
def test_parsed_sources_give_the_atlas_of_the_raw_files(area, data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("NHP_CACHE_DIR", str(tmp_path))
    get_settings.cache_clear()
    raw = load_atlas(area, data_dir=data_dir, cache=False)  # every raw file parsed whole, nothing kept
    assert not (tmp_path / "sources").exists()
    load_atlas(area, data_dir=data_dir)  # first run: parses and keeps the validated frames
    assert len(list((tmp_path / "sources").glob("*.parquet"))) >= 10
    for built in tmp_path.glob("atlas-*"):
        shutil.rmtree(built)

    rows_read = {}
    read_rows = catalogue_module.read_rows

    def counting(dataset, path, column, values, cache_dir):
        frame = read_rows(dataset, path, column, values, cache_dir)
        rows_read[dataset] = rows_read.get(dataset, 0) + (0 if frame is None else len(frame))
        return frame

    monkeypatch.setattr(catalogue_module, "read_rows", counting)
    parsed = load_atlas(area, data_dir=data_dir)  # a fresh build of the area from the parsed sources
    assert_same_atlas(parsed, raw)
    # Only the area's boundaries (and those of districts a moved practice lies in) were read, not England's.
    assert len(raw.lsoas) <= rows_read["lsoa21_boundaries"] < 5_000
