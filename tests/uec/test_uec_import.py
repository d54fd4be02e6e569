"""Importing local UEC extracts: header variants, both shapes, bad rows in strict and lenient modes."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.errors import DataError
from geo.testing import grid_atlas
from geo.uec import read_uec_extract, synthetic_extract, write_extract


@pytest.fixture(scope="module")
def atlas():
    return grid_atlas(4, 4)


def _write(tmp_path, text, name="uec.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("header", ["lsoa_code,month,attendances", "LSOA21CD,Period,Count", "lsoa,year_month,n"])
def test_header_variants(atlas, tmp_path, header):
    layer = read_uec_extract(
        _write(tmp_path, f"{header}\nG0000,2025-01,40\nG0000,2025-02,10\nG0005,2025-02,3\n"), atlas
    )
    assert layer.attendances["G0000"] == 50 and layer.attendances["G0005"] == 3
    assert layer.attendances.sum() == 53 and len(layer.attendances) == 16
    assert (layer.period_start, layer.period_end, layer.months) == ("2025-01-01", "2025-02-28", 2)
    assert layer.kind == "extract" and not layer.modelled


def test_date_range_periods_and_departments(atlas, tmp_path):
    text = (
        "lsoa_code,period_start,period_end,department_type,attendances\n"
        "G0001,2024-04-01,2025-03-31,Type 1,100\nG0001,2024-04-01,2025-03-31,UTC,30\n"
    )
    layer = read_uec_extract(_write(tmp_path, text), atlas)
    assert layer.months == 12 and layer.attendances["G0001"] == 130
    assert layer.by_department.loc["G0001"].to_dict() == {"1": 100.0, "UTC": 30.0}


def test_xlsx_aggregated_with_age_bands(atlas, tmp_path):
    extract = synthetic_extract(atlas, seed=4)
    layer = read_uec_extract(write_extract(extract, tmp_path / "uec.xlsx"), atlas)
    assert layer.attendances.sum() == extract.attendances.sum()
    assert layer.by_age.sum(axis=1).tolist() == layer.attendances.tolist()
    assert layer.rejections == {}


def test_patient_level_is_aggregated_and_leaves_no_rows(atlas, tmp_path):
    extract = synthetic_extract(atlas, seed=2, patient_level=True, months=3)
    assert {"arrival_date", "age"} <= set(extract.columns) and "attendances" not in extract
    layer = read_uec_extract(write_extract(extract, tmp_path / "patients.csv"), atlas)
    assert layer.attendances.sum() == len(extract)
    assert (
        layer.attendances.to_dict()
        == extract.lsoa_code.value_counts().reindex(atlas.codes, fill_value=0).astype(float).to_dict()
    )
    assert layer.by_age.to_numpy().sum() == len(extract)
    # nothing row-level survives: only per-LSOA aggregates, no dates or ages of individual attendances
    for value in vars(layer).values():
        if isinstance(value, (pd.DataFrame, pd.Series)):
            assert len(value) == len(atlas.lsoas)
            assert not {"arrival_date", "age"} & set(getattr(value, "columns", []))
    assert any("aggregated on import" in note for note in layer.notes)
    assert layer.months == 3


BAD_ROWS = [
    ("unknown LSOA", "X9999,2025-01,5", "lsoa_code"),
    ("bad date", "G0001,2025-13,5", "month"),
    ("bad date", "G0001,January,5", "month"),
    ("negative count", "G0001,2025-01,-2", "attendances"),
    ("not a number", "G0001,2025-01,many", "attendances"),
    ("missing count", "G0001,2025-01,", "attendances"),
    ("missing LSOA code", ",2025-01,5", "lsoa_code"),
    ("not a whole number", "G0001,2025-01,2.5", "attendances"),
]


@pytest.mark.parametrize("reason, row, column", BAD_ROWS)
def test_bad_rows_strict_names_file_row_and_column(atlas, tmp_path, reason, row, column):
    path = _write(tmp_path, f"lsoa_code,month,attendances\nG0000,2025-01,40\n{row}\n", "bad.csv")
    with pytest.raises(DataError) as error:
        read_uec_extract(path, atlas, strict=True)
    assert error.value.file == "bad.csv" and error.value.row == 2 and error.value.column == column
    assert reason in str(error.value)


@pytest.mark.parametrize("reason, row, column", BAD_ROWS)
def test_bad_rows_lenient_are_counted_by_reason(atlas, tmp_path, reason, row, column):
    path = _write(tmp_path, f"lsoa_code,month,attendances\nG0000,2025-01,40\n{row}\nG0002,2025-01,9\n")
    layer = read_uec_extract(path, atlas)
    assert layer.rejections == {reason: 1}
    assert layer.attendances.sum() == 49
    assert "1 rejected" in layer.rejection_report()


def test_patient_level_bad_date_and_age(atlas, tmp_path):
    text = "lsoa_code,arrival_date,age\nG0000,2025-01-03,40\nG0000,31/02/2025,40\nG0001,2025-01-05,-4\n"
    layer = read_uec_extract(_write(tmp_path, text), atlas)
    assert layer.rejections == {"bad date": 1, "bad age": 1} and layer.attendances.sum() == 1
    with pytest.raises(DataError, match="bad date"):
        read_uec_extract(_write(tmp_path, text), atlas, strict=True)


def test_missing_columns_are_errors_in_both_modes(atlas, tmp_path):
    with pytest.raises(DataError, match="no LSOA code column"):
        read_uec_extract(_write(tmp_path, "area,month,attendances\nG0000,2025-01,4\n"), atlas)
    with pytest.raises(DataError, match="no period column"):
        read_uec_extract(_write(tmp_path, "lsoa_code,attendances\nG0000,4\n"), atlas)
    with pytest.raises(DataError, match="neither an attendance count"):
        read_uec_extract(_write(tmp_path, "lsoa_code,month\nG0000,2025-01\n"), atlas)


def test_other_vintage_needs_the_lookup_then_is_bridged(tmp_path):
    atlas = grid_atlas(2, 1)  # LSOA 2021 codes G0000, G0001
    text = "lsoa11cd,month,attendances\nOLD1,2025-01,100\nOLD2,2025-01,30\n"
    with pytest.raises(DataError, match="bridging needs"):
        read_uec_extract(_write(tmp_path, text), atlas)
    lookup = pd.DataFrame(
        {"lsoa11_code": ["OLD1", "OLD1", "OLD2"], "lsoa21_code": ["G0000", "G0001", "G0001"], "change": ["S", "S", "M"]}
    )
    layer = read_uec_extract(_write(tmp_path, text), atlas, lookup=lookup)
    # OLD1 splits by population (1,500 each), OLD2 merges into G0001
    assert layer.attendances.to_dict() == {"G0000": 50.0, "G0001": 80.0}
    assert layer.vintage == 2011 and any("bridged" in n for n in layer.notes)
