"""Datasets read in background threads (Catalogue.prefetch) come back as the direct reads, errors included."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.errors import DataError
from geo.sources import discover

REG_HEADER = "PUBLICATION,EXTRACT_DATE,PRACTICE_CODE,PRACTICE_NAME,LSOA_CODE,SEX,NUMBER_OF_PATIENTS\n"
REG_ROW = "GP_PRAC_PAT_LIST,01Jul2023,A81001,THE DENSHAM SURGERY,{},ALL,{}\n"
CENSUS = (
    "lsoa21_code,lsoa21_name,usual_residents_total,Aged 15 years and under,Aged 16 to 24 years,"
    "Aged 25 to 34 years,Aged 35 to 49 years,Aged 50 to 64 years,Aged 65 years and over\n"
    "E01000001,City of London 001A,600,100,100,100,100,100,100\n"
)


def test_prefetched_bad_file_raises_its_error_naming_file_row_and_column(tmp_path):
    (tmp_path / "reg.csv").write_text(REG_HEADER + REG_ROW.format("E01000001", 3) + REG_ROW.format("E0100000X", 1))
    (tmp_path / "pop.csv").write_text(CENSUS)
    catalogue = discover(tmp_path)
    catalogue.prefetch(["gp_registrations", "population_census2021", "imd2025"])  # the folder has no IMD
    assert catalogue.read("population_census2021").population.tolist() == [600]
    with pytest.raises(DataError) as error:
        catalogue.read("gp_registrations")
    assert (error.value.row, error.value.column) == (2, "LSOA_CODE")
    assert str(error.value.file).endswith("reg.csv")
    with pytest.raises(DataError, match="imd2025"):
        catalogue.read("imd2025")  # a missing dataset raises, naming it, as a direct read does


def test_cancelled_prefetch_still_reads_on_demand(tmp_path):
    (tmp_path / "pop.csv").write_text(CENSUS)
    catalogue = discover(tmp_path)
    catalogue.prefetch(["population_census2021"])
    catalogue.cancel_prefetch()
    assert catalogue.read("population_census2021").lsoa_code.tolist() == ["E01000001"]


@pytest.mark.realdata
def test_prefetched_frames_are_the_direct_reads(data_dir):
    keys = ["lsoa21_boundaries", "lsoa21_icb_lookup", "population_census2021", "imd2025", "practice_map"]
    direct, fetched = discover(data_dir), discover(data_dir)
    fetched.prefetch(reversed(keys))
    for key in keys:
        got, want = fetched.read(key), direct.read(key)
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        assert got.attrs == want.attrs
