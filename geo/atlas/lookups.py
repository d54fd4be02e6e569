"""The geography of a vintage: every English LSOA with its local authority (official lookup), ward, upper tier,
sub-ICB and ICB.

Local authority membership comes from the official ONS LSOA -> LAD lookup of the vintage, never from the ward
best-fit lookup: best fit assigns an LSOA by population-weighted centroid and so puts a few LSOAs in the wrong
district (E01027305, West Northamptonshire 048E, lands in Cherwell). Those lookups give LAD 2022 codes; the 2023
reorganisation formed Cumberland, Westmorland and Furness, North Yorkshire and Somerset from whole districts, so
each LAD 2022 is brought to the 2024 district holding most of its LSOAs in the ward lookup (LTLA 2024). Because the
mergers took whole districts, "most" is in fact "all", and the few best-fit strays cannot outvote a district.
"""

from __future__ import annotations

import pandas as pd

from geo.atlas.vintages import VINTAGES, Vintage
from geo.sources.upper_tier import upper_tier_for

WARD_COLUMNS = ["ward_code", "ward_name"]


def lad22_to_lad24(official: pd.DataFrame, wards: pd.DataFrame) -> pd.DataFrame:
    """Return ``lad22_code, lad_code, lad_name``: the 2024 district holding most LSOAs of each 2022 district.

    Parameters
    ----------
    official
        ``lsoa_code, lad_code`` (LAD 2022) from the official lookup, LSOA 2021 codes.
    wards
        ``lsoa_code, lad_code, lad_name`` (LTLA 2024) from the ward best-fit lookup.

    Examples
    --------
    >>> official = pd.DataFrame({"lsoa_code": ["A", "B", "C", "D", "E"],
    ...                          "lad_code": ["E07000163", "E07000164", "E07000164", "E06000062", "E06000062"]})
    >>> wards = pd.DataFrame({"lsoa_code": ["A", "B", "C", "D", "E"],
    ...                       "lad_code": ["E06000065"] * 3 + ["E07000177", "E06000062"],
    ...                       "lad_name": ["North Yorkshire"] * 3 + ["Cherwell", "West Northamptonshire"]})
    >>> lad22_to_lad24(official, wards).set_index("lad22_code").lad_code.to_dict()
    {'E06000062': 'E06000062', 'E07000163': 'E06000065', 'E07000164': 'E06000065'}
    """
    pairs = (
        official[["lsoa_code", "lad_code"]]
        .rename(columns={"lad_code": "lad22_code"})
        .merge(wards[["lsoa_code", "lad_code", "lad_name"]], on="lsoa_code")
    )
    counts = pairs.groupby(["lad22_code", "lad_code", "lad_name"]).size().rename("n").reset_index()
    best = counts.sort_values(["lad22_code", "n", "lad_code"], ascending=[True, False, True])
    return best.drop_duplicates("lad22_code")[["lad22_code", "lad_code", "lad_name"]].reset_index(drop=True)


def _official_lads(catalogue, v: Vintage) -> pd.DataFrame:
    """``lsoa_code, lad_code, lad_name`` (LAD 2022) of each LSOA of the vintage from its official lookup."""
    frame = catalogue.read(v.lad_lookup)
    if "lad_code" not in frame or frame.lad_code.isna().all():
        # An LSOA 2011 ICB lookup without its LAD columns: the 2011 -> 2021 lookup also gives LAD 2022.
        frame, column = catalogue.read("lsoa11_lsoa21_lookup"), v.lookup_column
    else:
        column = v.lad_lookup_lsoa
    lads = frame[[column, "lad_code", "lad_name"]].rename(columns={column: "lsoa_code"})
    return lads.drop_duplicates("lsoa_code")


def lsoa_geography(catalogue, v: Vintage) -> pd.DataFrame:
    """One row per English LSOA of vintage ``v``: ``lsoa_code, lsoa_name, lad_code, lad_name, ward_code,
    ward_name, utla_code, utla_name, sub_icb_code, sub_icb_code_nhs, sub_icb_name, icb_code, icb_code_nhs,
    icb_name`` (2024 local authority codes; wards on LSOA 2021 only, else missing)."""

    geo = catalogue.read(v.icb_lookup).copy()
    geo = geo.drop(columns=[c for c in ("lad_code", "lad_name") if c in geo])
    lads = _official_lads(catalogue, v)
    if catalogue.has("lsoa21_ward_lad_lookup"):
        wards = catalogue.read("lsoa21_ward_lad_lookup").drop_duplicates("lsoa_code")
        official21 = _official_lads(catalogue, VINTAGES[2021]) if v.year != 2021 else lads
        to24 = lad22_to_lad24(official21, wards)
        lads = lads.rename(columns={"lad_code": "lad22_code", "lad_name": "lad22_name"}).merge(
            to24, on="lad22_code", how="left"
        )
        # A 2022 district with no LSOA in the ward lookup keeps its own code and name.
        lads["lad_code"] = lads.lad_code.fillna(lads.lad22_code)
        lads["lad_name"] = lads.lad_name.fillna(lads.lad22_name)
        lads = lads[["lsoa_code", "lad_code", "lad_name"]]
        if v.year == 2021:
            lads = lads.merge(wards[["lsoa_code", *WARD_COLUMNS]], on="lsoa_code", how="left")
    geo = geo.merge(lads, on="lsoa_code", how="left")
    for column in WARD_COLUMNS:
        if column not in geo:
            geo[column] = pd.NA
    geo = geo[geo.lsoa_code.astype(str).str.startswith("E")].drop_duplicates("lsoa_code")
    upper = upper_tier_for(geo.lad_code.dropna().unique())
    if catalogue.has("lad_utla_lookup"):
        official = catalogue.read("lad_utla_lookup")[["lad_code", "utla_code", "utla_name"]]
        upper = pd.concat([official, upper]).drop_duplicates("lad_code")
    geo = geo.merge(upper[["lad_code", "utla_code", "utla_name"]], on="lad_code", how="left")
    own_tier = geo.utla_code.isna() | (geo.utla_code == geo.lad_code)  # unitary, metropolitan, London
    geo["utla_code"] = geo.utla_code.where(~own_tier, geo.lad_code)
    geo["utla_name"] = geo.utla_name.where(~own_tier | geo.utla_name.notna(), geo.lad_name)
    return geo.reset_index(drop=True)
