"""A cached atlas reads back identical; a damaged cache is rebuilt, never trusted."""

import numpy as np
import pandas as pd
from geopandas.testing import assert_geodataframe_equal

from geo.atlas import cache as atlas_cache
from geo.testing import grid_atlas


def test_roundtrip_is_identical(tmp_path):
    atlas = grid_atlas(5, 4, lad_width=2)
    atlas_cache.save(atlas, tmp_path / "atlas-x")
    back = atlas_cache.load(tmp_path / "atlas-x")
    assert_geodataframe_equal(back.lsoas, atlas.lsoas, check_like=True)
    assert_geodataframe_equal(back.practices, atlas.practices, check_like=True)
    pd.testing.assert_frame_equal(back.registrations, atlas.registrations)
    assert (back.adjacency != atlas.adjacency).nnz == 0
    assert back.area == atlas.area and back.sources == atlas.sources
    pd.testing.assert_frame_equal(back.qof, atlas.qof)
    pd.testing.assert_frame_equal(back.practice_ages, atlas.practice_ages)


def test_qof_and_practice_ages_roundtrip(tmp_path):
    from geo.atlas.model import normalise_dtypes

    atlas = grid_atlas(3, 3)
    code = atlas.practices.index[0]
    atlas.qof = normalise_dtypes(
        pd.DataFrame(
            {
                "practice_code": [code] * 2,
                "register": ["AF", "AST"],
                "patients": [20, 60],
                "list_type": ["TOTAL", "06OV"],
                "list_size": [1000, 950],
            }
        )
    )
    atlas.practice_ages = normalise_dtypes(
        pd.DataFrame(
            {"practice_code": [code] * 2, "sex": ["FEMALE", "MALE"], "age_band": ["0_4", "95+"], "patients": [40, 3]}
        )
    )
    atlas_cache.save(atlas, tmp_path / "atlas-q")
    back = atlas_cache.load(tmp_path / "atlas-q")
    pd.testing.assert_frame_equal(back.qof, atlas.qof)
    pd.testing.assert_frame_equal(back.practice_ages, atlas.practice_ages)


def test_key_changes_when_the_code_changes(monkeypatch, tmp_path):
    data = tmp_path / "imd.csv"
    data.write_text("a,b\n1,2\n")
    key = atlas_cache.cache_key({"imd2025": data}, {"area": "QK1"}, tmp_path / "memo")
    monkeypatch.setattr(atlas_cache, "code_version", lambda: "another build rule")
    assert atlas_cache.cache_key({"imd2025": data}, {"area": "QK1"}, tmp_path / "memo") != key


def test_damaged_cache_reads_as_missing(tmp_path):
    atlas_cache.save(grid_atlas(2, 2), tmp_path / "atlas-y")
    (tmp_path / "atlas-y" / "lsoas.parquet").write_bytes(b"not parquet")
    assert atlas_cache.load(tmp_path / "atlas-y") is None


def test_key_changes_when_a_file_changes(tmp_path):
    data = tmp_path / "imd.csv"
    data.write_text("a,b\n1,2\n")
    key1 = atlas_cache.cache_key({"imd2025": data}, {"area": "QK1"}, tmp_path / "memo")
    assert key1 == atlas_cache.cache_key({"imd2025": data}, {"area": "QK1"}, tmp_path / "memo")
    data.write_text("a,b\n1,3\n")
    import os

    os.utime(data, ns=(1, 2))  # a different modification time, as any edit makes
    assert atlas_cache.cache_key({"imd2025": data}, {"area": "QK1"}, tmp_path / "memo") != key1
    assert atlas_cache.cache_key({"imd2025": data}, {"area": "QPM"}, tmp_path / "memo") != key1
    assert np.all([len(key1) == 24])
