"""Malformed UEC extracts for ``geo.uec.read_uec_extract`` in strict mode: one DataError naming the file, the row and
the column, with what was expected; in lenient mode the same rows are rejected and counted, never imported.


"""

from __future__ import annotations

import pytest

from geo.errors import DataError
from geo.testing import grid_atlas
from geo.uec import read_uec_extract

ANY = object()
ATLAS = grid_atlas(3, 3)
AGG = "lsoa_code,month,attendances\nG0000,2025-01,40\n"
PATIENT = "lsoa_code,arrival_date,age\nG0000,2025-01-03,40\n"

CASES = [
    # (id, file name, text, row, column, words)
    ("no LSOA column", "u.csv", "code,month,attendances\nG0000,2025-01,5\n", ANY, "lsoa_code", "no LSOA code column"),
    ("no period column", "u.csv", "lsoa_code,attendances\nG0000,5\n", ANY, "month", "no period column"),
    ("neither count nor date", "u.csv", "lsoa_code,month\nG0000,2025-01\n", ANY, "attendances", "neither"),
    (
        "LSOA 2011 codes, no lookup",
        "u.csv",
        "lsoa_code,month,attendances\nE01000001,2025-01,5\nE01000002,2025-01,5\n",
        ANY,
        "lsoa_code",
        "bridging needs",
    ),
    ("code from outside the area", "u.csv", AGG + "E01000002,2025-01,5\n", 2, "lsoa_code", "unknown LSOA"),
    ("missing LSOA code", "u.csv", AGG + ",2025-01,5\n", 2, "lsoa_code", "missing LSOA code"),
    ("non-numeric count", "u.csv", AGG + "G0001,2025-01,many\n", 2, "attendances", "not a number"),
    ("NaN count", "u.csv", AGG + "G0001,2025-01,nan\n", 2, "attendances", "not a number"),
    ("negative count", "u.csv", AGG + "G0001,2025-01,-2\n", 2, "attendances", "negative count"),
    ("fractional count", "u.csv", AGG + "G0001,2025-01,2.5\n", 2, "attendances", "not a whole number"),
    ("blank count", "u.csv", AGG + "G0001,2025-01,\n", 2, "attendances", "missing count"),
    ("Excel serial-number month", "u.csv", AGG + "G0001,45658,5\n", 2, "month", "bad date"),
    ("Excel reformatted month 01/01/2025", "u.csv", AGG + "G0001,01/01/2025,5\n", 2, "month", "bad date"),
    ("month 13", "u.csv", AGG + "G0001,2025-13,5\n", 2, "month", "bad date"),
    ("truncated last row", "u.csv", AGG + "G0001,2025", 2, "month", "bad date"),
    (
        "end before start",
        "u.csv",
        "lsoa_code,period_start,period_end,attendances\nG0000,2025-02-01,2025-01-01,5\n",
        1,
        "period_end",
        "bad date",
    ),
    (
        "unknown age band",
        "u.csv",
        "lsoa_code,month,age_band,attendances\nG0000,2025-01,ancient,5\n",
        1,
        "age_band",
        "unknown age band",
    ),
    ("patient-level: 30 February", "u.csv", PATIENT + "G0001,2025-02-30,40\n", 2, "arrival_date", "bad date"),
    ("patient-level: age 999", "u.csv", PATIENT + "G0001,2025-02-03,999\n", 2, "age", "bad age"),
    ("patient-level: age -1", "u.csv", PATIENT + "G0001,2025-02-03,-1\n", 2, "age", "bad age"),
    ("empty file", "u.csv", "", ANY, ANY, "cannot read"),
    ("UTF-16", "u16.csv", "utf-16", ANY, ANY, "cannot read"),
    ("random binary", "u.csv", "binary", ANY, ANY, "cannot read"),
]


def _write(tmp_path, name, content):
    path = tmp_path / name
    if content == "utf-16":
        path.write_bytes(AGG.encode("utf-16"))
    elif content == "binary":
        path.write_bytes(bytes(range(256)) * 20)
    else:
        path.write_text(content)
    return path


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_malformed_extract_is_one_data_error(tmp_path, case):
    _, name, content, row, column, words = case
    path = _write(tmp_path, name, content)
    with pytest.raises(DataError) as info:
        read_uec_extract(path, ATLAS, strict=True)
    error = info.value
    assert words.lower() in error.message.lower(), str(error)
    assert error.file and error.file.endswith(name)
    assert error.expected, "say what was expected"
    if row is not ANY:
        assert error.row == row, str(error)
    if column is not ANY:
        assert error.column == column, str(error)


@pytest.mark.parametrize("case", [c for c in CASES if c[3] is not ANY], ids=[c[0] for c in CASES if c[3] is not ANY])
def test_lenient_mode_rejects_the_bad_row_and_keeps_the_good_one(tmp_path, case):
    _, name, content, row, column, words = case
    path = _write(tmp_path, name, content)
    if len(content.strip().splitlines()) == 2:  # the bad row is the only row: nothing usable is an error
        with pytest.raises(DataError, match="no usable rows"):
            read_uec_extract(path, ATLAS, strict=False)
        return
    layer = read_uec_extract(path, ATLAS, strict=False)
    assert sum(layer.rejections.values()) >= 1, layer.rejections
    if "G0000" in content.splitlines()[1]:
        assert layer.attendances["G0001"] == 0, "the bad row must not be imported"


def test_the_uec_corpus_is_large_enough():
    assert len(CASES) >= 20


BUGS = [
    ("1e308 attendances", AGG + "G0001,2025-01,1e308\n"),
    ("10**30 attendances", AGG + f"G0001,2025-01,{10**30}\n"),
    ("inf attendances", AGG + "G0001,2025-01,inf\n"),
]


@pytest.mark.parametrize("content", [b[1] for b in BUGS], ids=[b[0] for b in BUGS])
def test_absurd_counts_are_refused(tmp_path, content):
    with pytest.raises(DataError) as info:
        read_uec_extract(_write(tmp_path, "u.csv", content), ATLAS, strict=True)
    assert info.value.row == 2 and info.value.column == "attendances"


def test_corrupt_xlsx_is_a_data_error(tmp_path):
    path = tmp_path / "u.xlsx"
    path.write_bytes(b"PK\x03\x04garbage")
    with pytest.raises(DataError):
        read_uec_extract(path, ATLAS, strict=True)


def test_far_future_date_is_a_bad_row(tmp_path):
    with pytest.raises(DataError) as info:
        read_uec_extract(_write(tmp_path, "u.csv", PATIENT + "G0001,2999-02-03,40\n"), ATLAS, strict=True)
    assert info.value.row == 2 and info.value.column == "arrival_date"


def test_header_only_extract_is_refused(tmp_path):
    with pytest.raises(DataError, match="no data rows|no rows"):
        read_uec_extract(_write(tmp_path, "u.csv", "lsoa_code,month,attendances\n"), ATLAS, strict=True)
