"""Readers for GP practice data: registrations by LSOA, the practice->PCN->ICB map, ODS epraccur, geocodes.

Registrations keep every row as published, including ``NO2011`` (LSOA unknown) and Welsh ``W01`` rows: the
atlas counts them as unplaced, so dropping them here would hide patients. The registrations file is the largest
input (868k rows), so it is read with the pyarrow CSV engine and only the columns we use.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.errors import DataError
from geo.sources.io import read_table
from geo.sources.layouts import Layout, finish, register, resolve
from geo.sources.validate import check_codes, check_lsoa_codes, check_unique, parse_numbers

REGISTRATION_COLUMNS = ["practice_code", "practice_name", "lsoa_code", "patients"]
MAP_COLUMNS = [
    "practice_code",
    "practice_name",
    "postcode",
    "pcn_code",
    "pcn_name",
    "sub_icb_code",
    "sub_icb_code_nhs",
    "sub_icb_name",
    "icb_code",
    "icb_code_nhs",
    "icb_name",
    "region_code",
    "region_name",
]
EPRACCUR_COLUMNS = [
    "practice_code",
    "practice_name",
    "national_grouping",
    "health_geography",
    "address",
    "postcode",
    "open_date",
    "close_date",
    "status",
    "org_sub_type",
    "commissioner",
    "prescribing_setting",
]
GEOCODE_COLUMNS = [
    "practice_code",
    "practice_name",
    "postcode",
    "latitude",
    "longitude",
    "lsoa11_code",
    "lsoa21_code",
    "pcn_code",
    "pcn_name",
    "icb_code_nhs",
    "geometry",
]
#: ODS prescribing setting codes (epraccur field 26): only 4 is a GP practice; the rest are other services that
#: can hold a registered list (walk-in centres, out of hours, community and public health services, PCN hubs...).
PRESCRIBING_SETTINGS = {
    0: "other",
    1: "walk-in centre",
    2: "out of hours",
    3: "walk-in centre and out of hours",
    4: "GP practice",
    8: "public health service",
    9: "community health service",
    10: "hospital service",
    11: "optometry service",
    12: "urgent and emergency care",
    13: "hospice",
    14: "care home or nursing home",
    15: "border force",
    16: "young offender institution",
    17: "secure training centre",
    18: "secure children's home",
    19: "immigration removal centre",
    20: "court",
    21: "police custody",
    22: "sexual assault referral centre",
    24: "other justice estate",
    25: "prison",
    26: "primary care network",
}
GP_PRACTICE_SETTING = 4
# Positions of the standard 27-field ODS layout (no header row).
EPRACCUR_FIELDS = {
    "practice_code": 0,
    "practice_name": 1,
    "national_grouping": 2,
    "health_geography": 3,
    "postcode": 9,
    "open_date": 10,
    "close_date": 11,
    "status": 12,
    "org_sub_type": 13,
    "commissioner": 14,
    "prescribing_setting": 25,
}


def _epraccur_shape(row: list[str]) -> bool:
    return (
        len(row) == 27
        and bool(re.fullmatch(r"[A-Z0-9]{3,8}", row[0]))
        and row[12] in {"A", "C", "D", "P"}
        and bool(re.fullmatch(r"\d{8}", row[10]))
    )


register(
    Layout(
        "gp_registrations",
        "NHS Digital gp-reg-pat-prac-lsoa-all",
        {
            "extract_date": "extract_date",
            "practice_code": "practice_code",
            "practice_name": "practice_name",
            "lsoa_code": r"lsoa_code|lsoa_code_20\d\d",
            "patients": "number_of_patients",
        },
        optional={"sex": "sex"},
    ),
    title="NHS Digital, Patients Registered at a GP Practice (by LSOA)",
)
register(
    Layout(
        "practice_map",
        "NHS Digital gp-reg-pat-prac-map",
        {
            "extract_date": "extract_date",
            "practice_code": "practice_code",
            "practice_name": "practice_name",
            "postcode": "practice_postcode",
            "pcn_code": "pcn_code",
            "pcn_name": "pcn_name",
            "sub_icb_code": r"ons_(sub_icb_location|ccg)_code",
            "sub_icb_code_nhs": r"(sub_icb_location|ccg)_code",
            "sub_icb_name": r"(sub_icb_location|ccg)_name",
            "icb_code": "ons_icb_code",
            "icb_code_nhs": "icb_code",
            "icb_name": "icb_name",
            "region_code": "ons_comm_region_code",
            "region_name": "comm_region_name",
        },
    ),
    title="NHS Digital, GP practice to PCN, sub-ICB and ICB mapping",
)
register(
    Layout(
        "epraccur",
        "ODS epraccur (27 fields, no header)",
        {k: str(v) for k, v in EPRACCUR_FIELDS.items()},
        shape=_epraccur_shape,
    ),
    title="ODS GP practices (epraccur)",
)
register(
    Layout(
        "practice_geocodes",
        "Practice/PCN geocoded lookup (ONSPD)",
        {
            "practice_code": "prac_code",
            "practice_name": "prac_name",
            "postcode": "prac_postcode",
            "latitude": "prac_lat",
            "longitude": "prac_lng",
            "lsoa11_code": "prac_lsoa11",
            "lsoa21_code": "prac_lsoa21",
            "pcn_code": "pcn_code",
            "pcn_name": "pcn_name",
            "icb_code_nhs": "icb_code",
        },
        vintage="2024-01",
    ),
    title="GP practice to PCN lookup with ONSPD geocodes (South West AHSN)",
)


def _month(extract_date: str) -> str:
    """'01Jul2023' or '2023-07-01' -> '2023-07'.

    Examples
    --------
    >>> _month("01Jul2023"), _month("2026-07-01"), _month("01/07/2026")
    ('2023-07', '2026-07', '2026-07')
    """
    text = str(extract_date).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return text[:7]  # ISO: day-first parsing would read 2026-07-01 as 7 January
    try:
        return pd.to_datetime(extract_date, format="mixed", dayfirst=True).strftime("%Y-%m")
    except (ValueError, TypeError):
        return str(extract_date)


def read_gp_registrations(path: str | Path) -> pd.DataFrame:
    """Read patients registered at each practice by LSOA of residence.

    Returns ``practice_code, practice_name, lsoa_code, patients`` (int64); ``attrs["extract_date"]``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "r.csv"
    >>> _ = p.write_text("PUBLICATION,EXTRACT_DATE,PRACTICE_CODE,PRACTICE_NAME,LSOA_CODE,SEX,NUMBER_OF_PATIENTS\\n"
    ...                  "GP_PRAC_PAT_LIST,01Jul2023,A81001,THE DENSHAM SURGERY,NO2011,ALL,9\\n")
    >>> reg = read_gp_registrations(p)
    >>> reg.patients.tolist(), reg.attrs["vintage"]
    ([9], '2023-07')
    """
    s, lay, cols = resolve(path, "gp_registrations")
    df = read_table(s, list(cols.values()))
    if "sex" in cols:
        # The male/female zip holds one file per sex; persons are the ALL rows.
        sex = df[cols["sex"]].astype("str").str.upper()
        if (sex != "ALL").any() and (sex == "ALL").any():
            df = df[(sex == "ALL").to_numpy()].reset_index(drop=True)
    lsoa = df[cols["lsoa_code"]]
    check_lsoa_codes(lsoa, file=s.path, column=cols["lsoa_code"], allow=("NO2011", "NO2021"))
    patients = parse_numbers(df[cols["patients"]], file=s.path, column=cols["patients"], count=True)
    out = pd.DataFrame(
        {
            "practice_code": df[cols["practice_code"]],
            "practice_name": df[cols["practice_name"]],
            "lsoa_code": lsoa,
            "patients": patients.astype("int64"),
        }
    )
    extract = str(df[cols["extract_date"]].iloc[0])
    return finish(out, s, lay, cols, REGISTRATION_COLUMNS, vintage=_month(extract), extract_date=extract)


def read_practice_map(path: str | Path) -> pd.DataFrame:
    """Read the practice -> PCN -> sub-ICB -> ICB -> region map (one row per practice).

    Examples
    --------
    >>> m = read_practice_map("gp-reg-pat-prac-map_2025-10.csv")  # doctest: +SKIP
    >>> m[m.icb_code_nhs == "QK1"].pcn_code.nunique()  # doctest: +SKIP
    27
    """
    s, lay, cols = resolve(path, "practice_map")
    df = read_table(s, list(cols.values()))
    check_unique(df[cols["practice_code"]], file=s.path, column=cols["practice_code"], what="practice")
    check_codes(df[cols["icb_code"]], r"E54\d{6}", "an ONS ICB code", file=s.path, column=cols["icb_code"])
    out = df.rename(columns={v: k for k, v in cols.items()})
    extract = str(out["extract_date"].iloc[0])
    return finish(out, s, lay, cols, MAP_COLUMNS, vintage=_month(extract), extract_date=extract)


def read_epraccur(path: str | Path) -> pd.DataFrame:
    """Read ODS epraccur (no header row; the 27-field layout) with address lines joined.

    Examples
    --------
    >>> e = read_epraccur("ods_epraccur.csv")  # doctest: +SKIP
    >>> e[(e.status == "A") & (e.prescribing_setting == 4)].shape[0] > 6000  # doctest: +SKIP
    True
    """
    s, lay, cols = resolve(path, "epraccur")
    s.headerless, s.first_row = True, s.columns
    s.columns = [str(i) for i in range(len(s.first_row))]
    df = read_table(s, [str(i) for i in range(27)])
    out = pd.DataFrame({name: df[str(i)] for name, i in EPRACCUR_FIELDS.items()})
    check_unique(out.practice_code, file=s.path, column="0 (organisation code)", what="organisation")
    lines = [df[str(i)] for i in range(4, 9)]
    # Blank address lines are common; joining with na_rep="" and squeezing the separators drops them.
    joined = lines[0].str.cat(lines[1:], sep="|", na_rep="")
    out["address"] = joined.str.replace(r"\|+", ", ", regex=True).str.strip(", ")
    setting = parse_numbers(out.prescribing_setting, file=s.path, column="25 (prescribing setting)", allow_blank=True)
    out["prescribing_setting"] = setting.astype("Int64")
    check_codes(out.status, r"[ACDP]", "a status", file=s.path, column="12 (status)")
    latest = pd.to_numeric(df["10"], errors="coerce").max()
    return finish(out, s, lay, cols, EPRACCUR_COLUMNS, vintage=f"opened up to {int(latest)}")


def read_practice_geocodes(path: str | Path) -> gpd.GeoDataFrame:
    """Read the geocoded practice lookup as points (EPSG:27700) with LSOA 2011 and 2021 of each site.

    Examples
    --------
    >>> g = read_practice_geocodes("practice_pcn_geocoded_lookup_2024-01.csv")  # doctest: +SKIP
    >>> g.crs.to_epsg()  # doctest: +SKIP
    27700
    """
    s, lay, cols = resolve(path, "practice_geocodes")
    df = read_table(s, list(cols.values()))
    check_unique(df[cols["practice_code"]], file=s.path, column=cols["practice_code"], what="practice")
    out = df.rename(columns={v: k for k, v in cols.items()})
    out["latitude"] = parse_numbers(out.latitude, file=s.path, column=cols["latitude"])
    out["longitude"] = parse_numbers(out.longitude, file=s.path, column=cols["longitude"])
    for name, low, high in (("latitude", 49.0, 61.5), ("longitude", -9.5, 3.5)):
        outside = ~out[name].between(low, high)
        if outside.any():
            i = int(outside.to_numpy().nonzero()[0][0])
            raise DataError(
                f"{out[name].iloc[i]:g} is not a {name} in Great Britain",
                file=s.path,
                row=i + 1,
                column=cols[name],
                expected=f"degrees between {low:g} and {high:g} (WGS84)",
            )
    for name in ("lsoa11_code", "lsoa21_code"):
        known = out[name].notna()
        check_lsoa_codes(out[name].where(known, "E01000000"), file=s.path, column=cols[name])
    points = gpd.points_from_xy(out.longitude, out.latitude, crs="EPSG:4326").to_crs(27700)
    gdf = gpd.GeoDataFrame(out, geometry=points, crs=27700)
    result = finish(gdf, s, lay, cols, GEOCODE_COLUMNS)
    return gpd.GeoDataFrame(result, geometry="geometry", crs=27700)
