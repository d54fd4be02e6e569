"""Registrations and the practices layer of an atlas: who is registered where, and where the practices are.

Registered population is "patients registered at any GP practice in England who live in the LSOA", from NHS
Digital's registrations by LSOA of residence (LSOA 2011 codes), bridged to the atlas vintage. The practices layer
holds the active practices of the study area: by the NHS England practice-to-ICB map for ICB and sub-ICB areas,
and by the practice site for local-authority and LSOA areas.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.atlas.model import (
    PRACTICE_AGE_COLUMNS,
    QOF_COLUMNS,
    BridgeReport,
    StudyArea,
    empty_practice_ages,
    empty_qof,
)
from geo.atlas.bridging import bridge_counts, code_isin, code_map, crosswalk


def registrations_for_area(
    registrations: pd.DataFrame,
    codes: pd.Index,
    vintage: int,
    lookup: pd.DataFrame | None,
    population21: pd.Series | None,
) -> tuple[pd.DataFrame, BridgeReport]:
    """Return the registrations of the area's residents as ``practice_code, lsoa_code, patients`` on the atlas
    vintage, and how they were placed.

    Registrations are published on LSOA 2011; for a 2021 atlas they go through the ONS lookup, a split LSOA being
    shared among all its successors by Census 2021 population (so the share of a successor outside the area
    stays outside). The report counts the patients placed in the area directly, through a split, or through a
    merge; :func:`add_unplaced` adds those of the area's practices with no usable LSOA.
    """
    frame = registrations[["practice_code", "lsoa_code", "patients"]]
    if vintage == 2011:
        placed = frame[code_isin(frame.lsoa_code, codes)].astype({"patients": float}).reset_index(drop=True)
        total = float(placed.patients.sum())
        return placed, BridgeReport(patients_total=total, patients_direct=total)
    if lookup is None:
        raise ValueError("a 2021 atlas needs the LSOA 2011 to 2021 lookup to place registrations")
    english = lookup[lookup.lsoa11_code.str.startswith("E")]
    predecessors = english.lsoa11_code[code_isin(english.lsoa21_code, codes)].unique()
    weights = crosswalk(english[code_isin(english.lsoa11_code, predecessors)], source=2011, target=2021,
                        target_population=population21)
    weights = weights[code_isin(weights.to_code, codes)]
    rows = frame[code_isin(frame.lsoa_code, predecessors)]
    bridged, report = bridge_counts(rows, code_column="lsoa_code", value_columns=["patients"], weights=weights)
    bridged = _sum_pairs(bridged)
    report.patients_total = report.patients_direct + report.patients_split + report.patients_merged
    return bridged, report


def _sum_pairs(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows.groupby(["practice_code", "lsoa_code"], as_index=False, sort=False).patients.sum()``, grouping
    on integer codes of the two columns (the same pairs, in order of first appearance, and the same sums)."""
    practice, practices = pd.factorize(rows.practice_code)
    lsoa, lsoas = pd.factorize(rows.lsoa_code)
    keep = (practice >= 0) & (lsoa >= 0)  # as groupby, pairs with a missing code are left out
    pair, pairs = pd.factorize(practice[keep].astype(np.int64) * max(len(lsoas), 1) + lsoa[keep])
    sums = pd.Series(rows.patients.to_numpy()[keep]).groupby(pair).sum().to_numpy()
    return pd.DataFrame({"practice_code": practices.take(pairs // max(len(lsoas), 1)).array,
                         "lsoa_code": lsoas.take(pairs % max(len(lsoas), 1)).array, "patients": sums})


def add_unplaced(report: BridgeReport, registrations: pd.DataFrame, practice_codes: pd.Index) -> BridgeReport:
    """Count the patients of the area's practices whose LSOA is unknown (``NO2011``) or in Wales."""
    mine = registrations[code_isin(registrations.practice_code, practice_codes)]
    codes = mine.lsoa_code.astype(str)
    report.patients_unplaced_no2011 = float(mine.patients[code_isin(codes, ["NO2011", "NO2021"])].sum())
    report.patients_unplaced_wales = float(mine.patients[codes.str.startswith("W")].sum())
    report.patients_total += report.patients_unplaced_no2011 + report.patients_unplaced_wales
    return report


def plurality(registrations: pd.DataFrame, codes: pd.Index) -> pd.DataFrame:
    """Return ``registered_population, plurality_practice, plurality_share`` per LSOA code in ``codes``.

    The plurality practice holds most of the LSOA's registered residents (ties: the lowest practice code).

    Examples
    --------
    >>> regs = pd.DataFrame({"practice_code": ["P2", "P1", "P3"], "lsoa_code": ["L1", "L1", "L2"],
    ...                      "patients": [30.0, 30.0, 5.0]})
    >>> plurality(regs, pd.Index(["L1", "L2", "L3"])).to_dict("list")
    {'registered_population': [60.0, 5.0, 0.0], 'plurality_practice': ['P1', 'P3', nan], 'plurality_share': [0.5, 1.0, nan]}
    """
    # Codes as sorted integers: grouping ~900k rows by integers is many times faster than sorting them by
    # strings (as sort_values did), and picks the same row: most patients, then the lowest practice code.
    missing = registrations.lsoa_code.isna()
    regs = registrations[~missing] if missing.any() else registrations  # as groupby: rows with no LSOA left out
    lsoa, lsoas = pd.factorize(regs.lsoa_code, sort=True)
    practice, practices = pd.factorize(regs.practice_code, sort=True, use_na_sentinel=False)  # missing last
    patients = regs.patients.to_numpy()
    totals = pd.Series(patients).groupby(lsoa).sum().set_axis(lsoas)
    if np.isnan(patients).any():  # missing counts sort last: only a full sort places them as sort_values would
        order = np.lexsort((practice, -patients, lsoa))
        first = order[np.r_[True, lsoa[order][1:] != lsoa[order][:-1]]] if len(order) else order
        top_practice, top_patients = practice[first], patients[first]
    else:  # the most patients, then the lowest practice code among the rows holding that many
        most = pd.Series(patients).groupby(lsoa).max().to_numpy()
        holds = patients == most[lsoa]
        top_practice = pd.Series(practice[holds]).groupby(lsoa[holds]).min().to_numpy()
        top_patients = most
    top_practice = pd.Series(practices.take(top_practice), index=lsoas)
    top_patients = pd.Series(top_patients, index=lsoas)
    out = pd.DataFrame(index=codes)
    out["registered_population"] = totals.reindex(codes).fillna(0.0).round(1)
    out["plurality_practice"] = top_practice.reindex(codes)
    share = (top_patients / totals).reindex(codes)
    out["plurality_share"] = share.round(4)
    return out


def practices_layer(
    area: StudyArea,
    lsoas: gpd.GeoDataFrame,
    practice_map: pd.DataFrame,
    locations: gpd.GeoDataFrame,
    list_sizes: pd.Series,
    area_registrations: pd.DataFrame,
) -> gpd.GeoDataFrame:
    """Return the active GP practices of the study area as points (EPSG:27700).

    Parameters
    ----------
    area
        The study area; ICB and sub-ICB areas take practices by the practice map, others by site.
    lsoas
        The atlas LSOA layer (for the site LSOA of each practice).
    practice_map
        NHS England practice to PCN, sub-ICB and ICB map.
    locations
        Practice points indexed by ``practice_code`` (geometry in EPSG:27700).
    list_sizes
        Registered patients of each practice (all LSOAs, including unknown ones).
    area_registrations
        Registrations of the area's residents (``practice_code, lsoa_code, patients``).
    """
    pm = practice_map.drop_duplicates("practice_code").set_index("practice_code")
    points = gpd.GeoDataFrame(pm, geometry=locations.geometry.reindex(pm.index), crs="EPSG:27700")
    points = points[~points.geometry.isna()]
    site = gpd.sjoin(points[["geometry"]], lsoas[["geometry"]], how="left", predicate="within")
    site = site[~site.index.duplicated()]["lsoa_code" if "lsoa_code" in site else "index_right"]
    points["lsoa_code"] = site.reindex(points.index)
    points["in_area"] = points.lsoa_code.notna()

    codes = {c.upper() for c in area.codes}
    if area.kind == "icb":
        keep = points.icb_code_nhs.str.upper().isin(codes) | points.icb_code.str.upper().isin(codes)
    elif area.kind == "sub_icb":
        keep = points.sub_icb_code_nhs.str.upper().isin(codes) | points.sub_icb_code.str.upper().isin(codes)
    elif area.kind == "england":
        keep = pd.Series(True, index=points.index)
    else:
        keep = points.in_area
    chosen = points[keep].copy()
    in_area = area_registrations.groupby("practice_code").patients.sum()
    chosen["list_size"] = list_sizes.reindex(chosen.index).fillna(0).astype(int)
    chosen["patients_in_area"] = in_area.reindex(chosen.index).fillna(0.0).round(1)
    columns = ["practice_name", "postcode", "pcn_code", "pcn_name", "sub_icb_code", "icb_code_nhs", "list_size",
               "patients_in_area", "lsoa_code", "in_area", "geometry"]
    chosen.index.name = "practice_code"
    return chosen[columns].sort_index()


def practice_profiles(
    practices: gpd.GeoDataFrame, qof: pd.DataFrame | None, ages: pd.DataFrame | None
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.DataFrame]:
    """Return the practices with ``list_size_2026_07``, and the QOF registers and age bands of those practices.

    Either table may be ``None`` (the folder lacks it): its atlas table is then empty and the list size missing.

    Examples
    --------
    >>> pr = gpd.GeoDataFrame({"practice_name": ["A", "B"]}, index=pd.Index(["Y1", "Y2"], name="practice_code"),
    ...                       geometry=gpd.points_from_xy([0, 1], [0, 1]), crs="EPSG:27700")
    >>> ages = pd.DataFrame({"practice_code": ["Y1", "Y1", "Y9"], "sex": ["FEMALE", "MALE", "MALE"],
    ...                      "age_band": ["0_4", "0_4", "0_4"], "patients": [40, 30, 20]})
    >>> out, qof, bands = practice_profiles(pr, None, ages)
    >>> out.list_size_2026_07.tolist(), len(qof), len(bands)
    ([70, <NA>], 0, 2)
    """
    codes = practices.index
    out = practices.copy()
    if ages is not None:
        bands = ages[ages.practice_code.isin(codes)][PRACTICE_AGE_COLUMNS].reset_index(drop=True)
        out["list_size_2026_07"] = bands.groupby("practice_code").patients.sum().reindex(codes).astype("Int64")
    else:
        bands = empty_practice_ages()
        out["list_size_2026_07"] = pd.array([pd.NA] * len(codes), dtype="Int64")
    registers = empty_qof() if qof is None else qof[qof.practice_code.isin(codes)][QOF_COLUMNS].reset_index(drop=True)
    geometry = out.pop("geometry")
    out["geometry"] = geometry  # geometry stays the last column
    return gpd.GeoDataFrame(out, geometry="geometry", crs=practices.crs), registers, bands


def practice_locations(
    practice_map: pd.DataFrame, geocodes: gpd.GeoDataFrame | None, postcodes: pd.DataFrame | None
) -> gpd.GeoDataFrame:
    """Place each practice: by the Code-Point centroid of its current postcode, else by the geocoded lookup.

    The practice map (Oct 2025) is newer than the geocoded lookup (Jan 2024): when a practice has moved, its
    current postcode is the better guide, so the postcode centroid wins when both exist.
    """
    pm = practice_map.drop_duplicates("practice_code").set_index("practice_code")
    x = pd.Series(np.nan, index=pm.index)
    y = pd.Series(np.nan, index=pm.index)
    if geocodes is not None and len(geocodes):
        g = geocodes.drop_duplicates("practice_code").set_index("practice_code").geometry.reindex(pm.index)
        ok = ~g.isna()
        x[ok], y[ok] = g[ok].x, g[ok].y
    if postcodes is not None and len(postcodes):
        pc = postcodes.drop_duplicates("postcode").set_index("postcode")
        key = pm.postcode.astype(str).str.upper().str.replace(r"\s+", " ", regex=True).str.strip()
        e, n = (pd.Series(code_map(key, pc[axis]), index=key.index) for axis in ("easting", "northing"))
        ok = e.notna() & n.notna()
        x[ok], y[ok] = e[ok].astype(float), n[ok].astype(float)
    return gpd.GeoDataFrame(index=pm.index, geometry=gpd.points_from_xy(x, y), crs="EPSG:27700")
