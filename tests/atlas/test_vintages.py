"""One table says which files go with each LSOA vintage; the build reads it instead of branching on the year."""

import pytest

from geo.atlas.vintages import VINTAGES, imd_geography, vintage_for
from geo.errors import DataError
from geo.sources import READERS


def test_every_dataset_a_vintage_names_has_a_reader():
    for v in VINTAGES.values():
        for key in (v.boundaries, v.population, v.icb_lookup, v.lad_lookup, f"imd{v.imd}"):
            assert key in READERS, (v.year, key)


def test_native_imd_editions_and_their_geography():
    assert {v.year: v.imd for v in VINTAGES.values()} == {2011: 2019, 2021: 2025}
    assert imd_geography(2025) == 2021 and imd_geography(2019) == 2011
    assert vintage_for(2021).other == 2011 and vintage_for(2011).other == 2021


def test_vintages_are_frozen_and_unknown_ones_refused():
    with pytest.raises(AttributeError):
        VINTAGES[2021].population = "x"
    with pytest.raises(DataError):
        vintage_for(2001)
    with pytest.raises(DataError):
        imd_geography(2015)
