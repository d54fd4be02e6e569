"""Codes and names of the synthetic Demoshire region: every code sits in a range no real area uses.

ONS codes use the ``9999`` / ``99``-prefixed ranges (``E01990001`` LSOA 2021, ``E01980001`` LSOA 2011 only,
``E05999001`` wards, ``E38999901`` sub-ICB, ``E54999999`` ICB), NHS codes use ``Q99`` / ``99X`` / ``Y99001`` /
``U99001`` and postcodes the non-existent area ``ZZ``. Every name says "Demo" or "synthetic", so a demo map can
never be mistaken for a real place.
"""

from __future__ import annotations

from dataclasses import dataclass

#: NHS code of the synthetic ICB; ``nhp ... --demo`` plans this area unless told otherwise.
DEMO_AREA = "Q99"

ICB_CODE = "E54999999"
ICB_CODE_NHS = "Q99"
ICB_NAME = "NHS Demoshire ICB (synthetic demo data)"
SUB_ICB_CODE = "E38999901"
SUB_ICB_CODE_NHS = "99X"
SUB_ICB_NAME = "NHS Demoshire ICB (synthetic demo data) - 99X"
# A commissioning region of its own: borrowing a real one (e.g. Y60 Midlands) would add Demoshire to it.
REGION_CODE = "E40999999"
REGION_CODE_NHS = "Y98"
REGION_NAME = "Demo Region (synthetic)"
COUNTY_CODE = "E10999901"
COUNTY_NAME = "Demoshire (synthetic)"
COUNTRY_CODE = "E92000001"  # England: the region is placed inside England's grid on purpose.
NHS_REGIONAL_HA_CODE = "E19999999"
NHS_HA_CODE = "E18999999"
POSTCODE_AREA = "ZZ"
FIRST_LSOA21 = 1990001
FIRST_LSOA11_ONLY = 1980001
FIRST_WARD = 5999001
WALES_LSOA11 = "W01999001"


@dataclass(frozen=True)
class District:
    """One local authority district of Demoshire.

    Parameters
    ----------
    key
        Short key used inside the generator (``city``, ``towns``, ``rural``).
    code, name
        ONS code and published name of the district.
    stem
        The stem of its LSOA names ("Demo City" gives "Demo City 001A").
    postcode_district
        Its postcode district ("ZZ1").
    utla_code, utla_name
        The upper tier: the district itself for a unitary, the county otherwise.
    """

    key: str
    code: str
    name: str
    stem: str
    postcode_district: str
    utla_code: str
    utla_name: str

    @property
    def unitary(self) -> bool:
        """Whether the district is a unitary authority (its own upper tier)."""
        return self.utla_code == self.code


DISTRICTS = (
    District("city", "E06999901", "Demo City (synthetic)", "Demo City", "ZZ1", "E06999901", "Demo City (synthetic)"),
    District("towns", "E07999901", "Demo Towns (synthetic)", "Demo Towns", "ZZ2", COUNTY_CODE, COUNTY_NAME),
    District("rural", "E07999902", "Demo Rural (synthetic)", "Demo Rural", "ZZ3", COUNTY_CODE, COUNTY_NAME),
)
DISTRICT_BY_KEY = {d.key: d for d in DISTRICTS}


def lsoa_name(stem: str, msoa_number: int, index: int) -> str:
    """Return an ONS-style LSOA name: the district stem, a 3-digit MSOA number and a letter.

    Examples
    --------
    >>> lsoa_name("Demo City", 3, 1)
    'Demo City 003B'
    """
    return f"{stem} {msoa_number:03d}{chr(ord('A') + index)}"


def postcode(district: District, sector: int, unit: int) -> str:
    """Return a postcode in the fake ``ZZ`` area, 7 characters like ``ZZ1 1AA``.

    Units run AA, AB, ... (skipping the letters Royal Mail never uses in the unit: C I K M O V).

    Examples
    --------
    >>> postcode(DISTRICT_BY_KEY["towns"], 4, 0), postcode(DISTRICT_BY_KEY["towns"], 4, 20)
    ('ZZ2 4AA', 'ZZ2 4BA')
    """
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return f"{district.postcode_district} {sector}{letters[unit // len(letters)]}{letters[unit % len(letters)]}"


def telephone(index: int) -> str:
    """Return a telephone number from Ofcom's range reserved for drama (01632 960000-960999): never a real line.

    Examples
    --------
    >>> telephone(7)
    '01632 960007'
    """
    return f"01632 960{index:03d}"
