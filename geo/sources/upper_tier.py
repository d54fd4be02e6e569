"""Built-in lower-tier -> upper-tier local authority table (England, 2024), for when no ONS LTLA->UTLA file is given.

Unitary authorities (E06), metropolitan districts (E08), London boroughs (E09) and Welsh unitaries (W06) are their
own upper tier. Each two-tier district (E07) belongs to one of the 21 county councils (E10) that remain after the
April 2023 reorganisations (Cumbria, North Yorkshire and Somerset became unitary). The district -> county pairs
were transcribed from a "Local Authority District to County (December 2024)" table committed in a public
repository, and St Albans (E07000240) and East Hertfordshire (E07000242), which that table omitted, were added
to Hertfordshire. A test checks every E07 district in the ONS LSOA->ward->LAD (2024) lookup has a county here.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

# County code -> (name, last three digits of each E07 district code).
COUNTIES: dict[str, tuple[str, tuple[int, ...]]] = {
    "E10000003": ("Cambridgeshire", (8, 9, 10, 11, 12)),
    "E10000007": ("Derbyshire", tuple(range(32, 40))),
    "E10000008": ("Devon", tuple(range(40, 48))),
    "E10000011": ("East Sussex", tuple(range(61, 66))),
    "E10000012": ("Essex", tuple(range(66, 78))),
    "E10000013": ("Gloucestershire", tuple(range(78, 84))),
    "E10000014": ("Hampshire", tuple(range(84, 95))),
    "E10000015": ("Hertfordshire", (95, 96, 98, 99, 102, 103, 240, 241, 242, 243)),
    "E10000016": ("Kent", tuple(range(105, 117))),
    "E10000017": ("Lancashire", tuple(range(117, 129))),
    "E10000018": ("Leicestershire", tuple(range(129, 136))),
    "E10000019": ("Lincolnshire", tuple(range(136, 143))),
    "E10000020": ("Norfolk", tuple(range(143, 150))),
    "E10000024": ("Nottinghamshire", tuple(range(170, 177))),
    "E10000025": ("Oxfordshire", tuple(range(177, 182))),
    "E10000028": ("Staffordshire", tuple(range(192, 200))),
    "E10000029": ("Suffolk", (200, 202, 203, 244, 245)),
    "E10000030": ("Surrey", tuple(range(207, 218))),
    "E10000031": ("Warwickshire", tuple(range(218, 223))),
    "E10000032": ("West Sussex", tuple(range(223, 230))),
    "E10000034": ("Worcestershire", tuple(range(234, 240))),
}

DISTRICT_TO_COUNTY: dict[str, str] = {
    f"E07{n:06d}": county for county, (_, districts) in COUNTIES.items() for n in districts
}
UNITARY_PREFIXES = ("E06", "E08", "E09", "W06")


def upper_tier_for(lad_codes: Iterable[str], lad_names: Iterable[str] | None = None) -> pd.DataFrame:
    """Return ``lad_code, utla_code, utla_name`` for each LAD code (2024 geography).

    Parameters
    ----------
    lad_codes
        Lower-tier (district, unitary, metropolitan, London borough) codes.
    lad_names
        Their names, in the same order; a unitary's upper-tier name is its own name, so without names it is
        left missing (``None``) for unitaries.

    Returns
    -------
    DataFrame
        One row per input code, in input order. Codes that are neither unitary nor a known two-tier district
        (e.g. districts abolished in 2023) get missing ``utla_code`` and ``utla_name``.

    Examples
    --------
    >>> upper_tier_for(["E07000129", "E06000016"], ["Blaby", "Leicester"]).values.tolist()
    [['E07000129', 'E10000018', 'Leicestershire'], ['E06000016', 'E06000016', 'Leicester']]
    """
    codes = pd.Series(list(lad_codes), dtype="object")
    names = pd.Series(list(lad_names), dtype="object") if lad_names is not None else pd.Series([None] * len(codes))
    county = codes.map(DISTRICT_TO_COUNTY)
    unitary = codes.str.startswith(UNITARY_PREFIXES)
    utla_code = county.where(~unitary, codes)
    county_name = county.map(lambda c: COUNTIES[c][0] if isinstance(c, str) else None)
    utla_name = county_name.where(~unitary, names)
    return pd.DataFrame({"lad_code": codes, "utla_code": utla_code, "utla_name": utla_name})
