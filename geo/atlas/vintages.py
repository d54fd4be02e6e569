"""One table of LSOA vintages: which boundaries, population, IMD edition and lookups go together.

A 2021 atlas uses LSOA 2021 boundaries, Census 2021 usual residents and IoD2025 (published on LSOA 2021); a 2011
atlas uses LSOA 2011 boundaries, ONS mid-2020 estimates and IoD2019. Local authorities come from the official ONS
lookup of the vintage (LAD 2022 in both), brought to 2024 codes by :mod:`geo.atlas.lookups`. The build reads
this table instead of branching on the year, so adding a vintage is adding a row.
"""

from __future__ import annotations

from dataclasses import dataclass

from geo.errors import DataError


@dataclass(frozen=True)
class Vintage:
    """The datasets (catalogue keys) that make an atlas on one LSOA geography.

    Parameters
    ----------
    year
        2011 or 2021.
    label
        Shown in sources and captions ("LSOA 2021").
    boundaries, population
        Boundary and resident-population dataset keys.
    imd
        The IMD edition published on this geography (the default edition).
    icb_lookup
        LSOA -> sub-ICB -> ICB lookup key.
    lad_lookup
        Official LSOA -> LAD lookup key, and ``lad_lookup_lsoa`` the column holding this vintage's LSOA code.
    lookup_column
        This vintage's code column in the LSOA 2011 <-> 2021 lookup (``lsoa21_code`` or ``lsoa11_code``).
    """

    year: int
    label: str
    boundaries: str
    population: str
    imd: int
    icb_lookup: str
    lad_lookup: str
    lad_lookup_lsoa: str
    lookup_column: str

    @property
    def other(self) -> int:
        """The other vintage's year (2011 <-> 2021)."""
        return 2011 if self.year == 2021 else 2021


VINTAGES: dict[int, Vintage] = {
    2021: Vintage(
        2021,
        "LSOA 2021",
        "lsoa21_boundaries",
        "population_census2021",
        2025,
        "lsoa21_icb_lookup",
        "lsoa11_lsoa21_lookup",
        "lsoa21_code",
        "lsoa21_code",
    ),
    2011: Vintage(
        2011,
        "LSOA 2011",
        "lsoa11_boundaries",
        "population_mid2020",
        2019,
        "lsoa11_icb_lookup",
        "lsoa11_icb_lookup",
        "lsoa_code",
        "lsoa11_code",
    ),
}
#: IMD edition -> the LSOA vintage it was published on.
IMD_GEOGRAPHY = {v.imd: v.year for v in VINTAGES.values()}


def vintage_for(year: int | str) -> Vintage:
    """Return the row of ``year``; DataError for any other.

    Examples
    --------
    >>> vintage_for(2021).population, vintage_for("2011").imd
    ('population_census2021', 2019)
    >>> try:
    ...     vintage_for(2001)
    ... except DataError as e:
    ...     print(e.message)
    unknown geography vintage 2001
    """
    try:
        return VINTAGES[int(year)]
    except (KeyError, ValueError):
        expected = " or ".join(map(str, sorted(VINTAGES)))
        raise DataError(f"unknown geography vintage {year}", expected=expected) from None


def imd_geography(edition: int) -> int:
    """The LSOA vintage an IMD edition was published on; DataError for an unknown edition.

    Examples
    --------
    >>> imd_geography(2025), imd_geography(2019)
    (2021, 2011)
    """
    if edition not in IMD_GEOGRAPHY:
        raise DataError(f"unknown IMD edition {edition}", expected=" or ".join(map(str, sorted(IMD_GEOGRAPHY))))
    return IMD_GEOGRAPHY[edition]
