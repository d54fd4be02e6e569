"""Independent recounts from the raw files with plain pandas (no project code), shared by the real-data tests."""

from functools import lru_cache
from pathlib import Path

import pandas as pd


@lru_cache(maxsize=2)
def lists_2026(raw: Path) -> pd.Series:
    """Each practice's list in the July 2026 file: its ALL/ALL row."""
    frame = pd.read_csv(
        raw / "gp-reg-pat-prac-quin-age_2026-07.csv", dtype={"ORG_CODE": str, "ONS_CODE": str, "POSTCODE": str}
    )
    total = frame[(frame.ORG_TYPE == "GP") & (frame.SEX == "ALL") & (frame.AGE_GROUP_5 == "ALL")]
    return total.set_index("ORG_CODE").NUMBER_OF_PATIENTS.astype(float)


@lru_cache(maxsize=2)
def registrations_2023(raw: Path) -> pd.DataFrame:
    return pd.read_csv(
        raw / "gp-reg-pat-prac-lsoa-all_2023-07.csv",
        usecols=["PRACTICE_CODE", "PRACTICE_NAME", "LSOA_CODE", "NUMBER_OF_PATIENTS"],
    )


@lru_cache(maxsize=2)
def scaled_registrations(raw: Path) -> pd.DataFrame:
    """July 2023 registrations by LSOA 2011, each practice's rows scaled to its July 2026 list; practices not in the
    2026 file left out (they are reported as closed)."""
    reg = registrations_2023(raw)
    lists = lists_2026(raw)
    factor = lists / reg.groupby("PRACTICE_CODE").NUMBER_OF_PATIENTS.sum().reindex(lists.index)
    kept = reg[reg.PRACTICE_CODE.isin(lists.index)].copy()
    kept["patients"] = kept.NUMBER_OF_PATIENTS * kept.PRACTICE_CODE.map(factor)
    return kept


def to_lsoa21(raw: Path, by_lsoa11: pd.Series) -> pd.Series:
    """Counts on LSOA 2011 shared to LSOA 2021 by Census 2021 population (split LSOAs), summed (merged ones)."""
    census = pd.read_csv(raw / "census2021_lsoa21_usual_residents_age6.csv").set_index("lsoa21_code")
    lookup = pd.read_csv(raw / "lsoa11_lsoa21_lad22_lookup.csv", dtype=str)
    lookup = lookup[lookup.LSOA11CD.str.startswith("E")][["LSOA11CD", "LSOA21CD"]].drop_duplicates()
    lookup["pop"] = lookup.LSOA21CD.map(census.usual_residents_total).fillna(0)
    lookup["share"] = lookup["pop"] / lookup.groupby("LSOA11CD")["pop"].transform("sum")
    lookup["value"] = lookup.LSOA11CD.map(by_lsoa11).fillna(0) * lookup.share
    return lookup.groupby("LSOA21CD").value.sum()


def icb_practices(raw: Path, icb: str) -> pd.DataFrame:
    """The ICB's practices in the October 2025 NHS England map."""
    pm = pd.read_csv(raw / "gp-reg-pat-prac-map_2025-10.csv", dtype=str)
    return pm[pm.ICB_CODE == icb].set_index("PRACTICE_CODE")
