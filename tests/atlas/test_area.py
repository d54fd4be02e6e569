"""Study areas resolve from the codes planners type."""

import pandas as pd
import pytest

from geo.atlas.area import resolve_area
from geo.errors import AreaError

GEOGRAPHY = pd.DataFrame(
    {
        "lsoa_code": ["E01000003", "E01000001", "E01000002", "E01000004"],
        "lad_code": ["E07000129", "E06000016", "E06000016", "E06000061"],
        "lad_name": ["Blaby", "Leicester", "Leicester", "North Northamptonshire"],
        "utla_code": ["E10000018", "E06000016", "E06000016", "E06000061"],
        "utla_name": ["Leicestershire", "Leicester", "Leicester", "North Northamptonshire"],
        "sub_icb_code": ["E38000201", "E38000097", "E38000097", "E38000242"],
        "sub_icb_code_nhs": ["04V", "04C", "04C", "78H"],
        "sub_icb_name": ["West Leics", "Leicester City", "Leicester City", "Northants"],
        "icb_code": ["E54000015", "E54000015", "E54000015", "E54000059"],
        "icb_code_nhs": ["QK1", "QK1", "QK1", "QPM"],
        "icb_name": ["NHS LLR ICB", "NHS LLR ICB", "NHS LLR ICB", "NHS Northamptonshire ICB"],
    }
)


@pytest.mark.parametrize("spec", ["QK1", "qk1", "E54000015"])
def test_icb_by_nhs_or_ons_code(spec):
    area, codes = resolve_area(spec, GEOGRAPHY)
    assert area.kind == "icb" and area.name == "NHS LLR ICB"
    assert list(codes) == ["E01000001", "E01000002", "E01000003"]


def test_sub_icb_and_local_authorities():
    assert list(resolve_area("04C", GEOGRAPHY)[1]) == ["E01000001", "E01000002"]
    area, codes = resolve_area("E06000016,E06000061", GEOGRAPHY)
    assert area.kind == "lad" and len(codes) == 3
    assert list(resolve_area("E10000018", GEOGRAPHY)[1]) == ["E01000003"]


def test_lsoa_file_with_header(tmp_path):
    path = tmp_path / "my_lsoas.csv"
    path.write_text("lsoa_code\nE01000002\nE01000004\n")
    area, codes = resolve_area(str(path), GEOGRAPHY)
    assert area.kind == "lsoas" and list(codes) == ["E01000002", "E01000004"]


def test_unknown_lsoa_in_file_names_file_and_row(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("E01000002\nE01999999\n")
    with pytest.raises(AreaError) as error:
        resolve_area(str(path), GEOGRAPHY)
    assert "bad.txt" in str(error.value) and "row 2" in str(error.value) and "E01999999" in str(error.value)


@pytest.mark.parametrize("spec", ["", "QXX", "E06999999"])
def test_unknown_or_empty_area_is_a_clear_error(spec):
    with pytest.raises(AreaError) as error:
        resolve_area(spec, GEOGRAPHY)
    assert "expected" in str(error.value)


def test_a_long_list_of_codes_is_not_taken_for_a_file_name():
    """36 East Midlands LA codes (over 300 characters) used to crash with 'File name too long'."""
    codes = ["E06000016", "E06000061"] + [f"E0700{n:04d}" for n in range(1, 35)]
    spec = ",".join(codes)
    assert len(spec) > 255
    with pytest.raises(AreaError) as error:  # most codes are not in this small geography: a clear error, no OSError
        resolve_area(spec, GEOGRAPHY)
    assert "E07000001" in str(error.value)
    area, lsoas = resolve_area(",".join(["E06000016", "E06000061"] * 20), GEOGRAPHY)
    assert area.kind == "lad" and list(lsoas) == ["E01000001", "E01000002", "E01000004"]


def test_area_codes_are_case_insensitive_and_share_a_cache_key(tmp_path):
    from geo.atlas.area import cache_spec

    for variants in (["QK1", "qk1", "Qk1", " qK1 "], ["E06000016,E06000061", "e06000016, E06000061"]):
        resolved = {tuple(resolve_area(v, GEOGRAPHY)[1]) for v in variants}
        assert len(resolved) == 1 and len({cache_spec(v) for v in variants}) == 1
    assert list(resolve_area(["e01000002"], GEOGRAPHY)[1]) == ["E01000002"]
    path = tmp_path / "mine.txt"
    path.write_text("E01000002\n")
    first = cache_spec(str(path))
    path.write_text("E01000004\n")
    assert cache_spec(str(path)) != first  # a file of codes is keyed by what it holds


def test_a_missing_code_file_is_named():
    with pytest.raises(AreaError, match="file of LSOA codes not found"):
        resolve_area("no_such_file.csv", GEOGRAPHY)
