"""Registrations and the practices layer of an atlas: who is registered where, and where the practices are.

Registered population is "patients registered at any GP practice in England who live in the LSOA", from NHS
Digital's registrations by LSOA of residence (LSOA 2011 codes), scaled to today's lists (:mod:`geo.atlas.lists`) and
bridged to the atlas vintage. The practices layer holds the practices of the study area: by the NHS England
practice-to-ICB map for ICB and sub-ICB areas (wherever their sites fall), and by the site LSOA of their postcode
(:mod:`geo.atlas.sites`) for local-authority and LSOA areas. Each has a ``status``: in the area's plans, or out and
why (non-geographic, closed, no registered patients, sited outside the area).

Non-geographic units are recognised from the ODS and NHS England data, not from their names: an ODS prescribing
setting other than 4 (GP practice), or no PCN in the NHS England map together with no local list (special
allocation schemes, asylum and homeless services registered across a whole ICB: see :data:`LOCAL_SHARE`).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.atlas.model import PRACTICE_AGE_COLUMNS, QOF_COLUMNS, BridgeReport, StudyArea, empty_practice_ages, empty_qof
from geo.atlas.bridging import bridge_pair_sums, code_isin, crosswalk
from geo.disclosure import shareable
from geo.sources.practices import GP_PRACTICE_SETTING, PRESCRIBING_SETTINGS


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
    weights = crosswalk(
        english[code_isin(english.lsoa11_code, predecessors)], source=2011, target=2021, target_population=population21
    )
    weights = weights[code_isin(weights.to_code, codes)]
    rows = frame[code_isin(frame.lsoa_code, predecessors)]
    bridged, report = bridge_pair_sums(
        rows, key_column="practice_code", code_column="lsoa_code", value_column="patients", weights=weights
    )
    report.patients_total = report.patients_direct + report.patients_split + report.patients_merged
    return bridged, report


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


#: A practice in no PCN is a local list when at least this share of its patients live in LSOAs where it holds at
#: least :data:`LOCAL_HOLD` of the registered residents. Every PCN-unallocated ordinary practice in England holds
#: 50 % or more of its patients so (July 2023); special allocation schemes and asylum services hold none.
LOCAL_SHARE = 0.25
LOCAL_HOLD = 0.05
#: A practice sited outside a local-authority (or LSOA) area is listed, as outside, when this share of its list
#: lives in the area.
OUTSIDE_SHARE = 0.25

#: Why a practice is in or out of the area's plans (``status``); ``status_reason`` gives the detail.
STATUSES = {
    "in_plan": "in the area's plans",
    "non_geographic": "not a neighbourhood practice (special allocation, asylum, homeless or other service)",
    "closed": "not in the latest registered-patients file (closed or merged)",
    "no_patients": "no registered patients",
    "outside_area": "sited outside the study area",
}


def practices_layer(
    area: StudyArea,
    lsoas: gpd.GeoDataFrame,
    practice_map: pd.DataFrame,
    sites: gpd.GeoDataFrame,
    lists,
    area_registrations: pd.DataFrame,
    registrations: pd.DataFrame | None = None,
    epraccur: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Return the GP practices of the study area as points (EPSG:27700), each with its status.

    Parameters
    ----------
    area
        The study area; ICB and sub-ICB areas take practices by the practice map, wherever their sites are;
        local-authority and LSOA areas take those sited in the area (by their postcode's LSOA), and list those sited
        outside with :data:`OUTSIDE_SHARE` of their list living in the area as ``outside_area``.
    lsoas
        The atlas LSOA layer.
    practice_map
        NHS England practice to PCN, sub-ICB and ICB map.
    sites
        :func:`geo.atlas.sites.practice_sites`: point, ``lsoa_code``, ``lad_code``, ``site_source`` per practice.
    lists
        :class:`geo.atlas.lists.TodaysLists`: today's list of each practice and the registrations-by-LSOA lists.
    area_registrations
        Registrations of the area's residents (``practice_code, lsoa_code, patients``), on today's lists.
    registrations
        The registrations-by-LSOA file as read, for the local-list test of practices in no PCN.
    epraccur
        ODS epraccur (``practice_code, prescribing_setting``), or ``None``.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns of :data:`geo.atlas.model.PRACTICE_COLUMNS` but ``list_size_2026_07``: ``status`` is one of
        :data:`STATUSES`, ``in_area`` is ``status == "in_plan"``.
    """
    pm = practice_map.drop_duplicates("practice_code").set_index("practice_code")
    site = sites.reindex(pm.index)
    points = gpd.GeoDataFrame(pm, geometry=site.geometry, crs="EPSG:27700")
    for column in ("lsoa_code", "lad_code", "site_source"):
        points[column] = site[column]
    points["site_in_area"] = code_isin(points.lsoa_code, lsoas.index)
    in_area = area_registrations.groupby("practice_code").patients.sum()
    points["patients_in_area"] = in_area.reindex(points.index).fillna(0.0).round(1)
    points["list_size"] = lists.lists.reindex(points.index).fillna(0.0).round().astype(int)
    points["list_size_by_lsoa"] = lists.lists_2023.reindex(points.index).fillna(0.0).round().astype(int)

    codes = {c.upper() for c in area.codes}
    outside = pd.Series(False, index=points.index)
    if area.kind == "icb":
        keep = points.icb_code_nhs.str.upper().isin(codes) | points.icb_code.str.upper().isin(codes)
    elif area.kind == "sub_icb":
        keep = points.sub_icb_code_nhs.str.upper().isin(codes) | points.sub_icb_code.str.upper().isin(codes)
    elif area.kind == "england":
        keep = pd.Series(True, index=points.index)
    else:
        share = points.patients_in_area / points.list_size.where(points.list_size > 0)
        outside = ~points.site_in_area & (share >= OUTSIDE_SHARE).fillna(False)
        keep = points.site_in_area | outside
    chosen = points[keep.to_numpy()].copy()
    status, reason = _status(chosen, lists, registrations, epraccur, outside.reindex(chosen.index))
    chosen["status"], chosen["status_reason"] = status, reason
    chosen["in_area"] = status == "in_plan"
    chosen.index.name = "practice_code"
    columns = [
        "practice_name",
        "postcode",
        "pcn_code",
        "pcn_name",
        "sub_icb_code",
        "icb_code_nhs",
        "list_size",
        "list_size_by_lsoa",
        "patients_in_area",
        "lsoa_code",
        "lad_code",
        "site_source",
        "site_in_area",
        "status",
        "status_reason",
        "in_area",
        "geometry",
    ]
    return chosen[columns].sort_index()


def _status(practices: pd.DataFrame, lists, registrations, epraccur, outside) -> tuple[pd.Series, pd.Series]:
    """``status`` and ``status_reason`` of each practice (first rule that applies: non-geographic, closed, no
    patients, outside the area, in the plan)."""

    index = practices.index
    status = pd.Series("in_plan", index=index, dtype=object)
    reason = pd.Series("", index=index, dtype=object)

    def mark(mask, name, why) -> None:
        mask = pd.Series(mask, index=index).fillna(False).astype(bool) & (status == "in_plan")
        status[mask] = name
        reason[mask] = why[mask] if isinstance(why, pd.Series) else why

    outside_list = lists.lists.reindex(index)
    if outside.any():
        lives = (100 * practices.patients_in_area / practices.list_size.where(practices.list_size > 0)).round()
        # Beside the public list a share gives back the few living elsewhere (a list of 300 at 99 %: 2 to 4), so
        # only a share publish_share would publish is said.
        shown = practices.patients_in_area.notna() & shareable(
            practices.patients_in_area.fillna(0), practices.list_size.fillna(0)
        )
        why_out = (
            "sited in "
            + practices.lad_code.astype(str)
            + " (by its postcode); "
            + (lives.astype(str).str.replace(r"\.0$", "", regex=True) + "% of its list lives in the area").where(
                shown, "the share of its list living in the area is not shown (a small number)"
            )
        )
    setting = (
        epraccur.drop_duplicates("practice_code").set_index("practice_code").prescribing_setting.reindex(index)
        if epraccur is not None
        else pd.Series(pd.NA, index=index)
    )
    other = setting.notna() & (setting != GP_PRACTICE_SETTING)
    # Built as text whatever the column's dtype: mapping an empty Int64 column keeps Int64, and text + Int64 raises.
    label = pd.Series(
        [PRESCRIBING_SETTINGS.get(int(v), "unknown") if pd.notna(v) else "" for v in setting], index=index, dtype=object
    )
    mark(
        other,
        "non_geographic",
        "ODS prescribing setting " + setting.astype(str) + " (" + label + "), not a GP practice",
    )
    pcn = practices.pcn_code.astype("string").str.strip()
    no_pcn = (pcn.isna() | pcn.isin(["", "U"])).fillna(True)
    local = _local_share(index[no_pcn.to_numpy()], registrations)
    share = local.reindex(index)
    few = no_pcn & ((share < LOCAL_SHARE) | share.isna())
    why = pd.Series("in no PCN, and no registrations by home LSOA to show a local list", index=index, dtype=object)
    known = share.notna()
    why[known] = (
        "in no PCN, and only "
        + (100 * share[known]).round().astype(int).astype(str)
        + f"% of its patients live where it holds {LOCAL_HOLD:.0%} of the registered residents "
        f"(a local list: {LOCAL_SHARE:.0%} or more)"
    )
    mark(few, "non_geographic", why)
    if lists.scaled:
        mark(
            outside_list.isna(),
            "closed",
            f"in the practice map but not in the {lists.vintage} registered-patients file",
        )
    mark(outside_list.fillna(0) <= 0, "no_patients", "no registered patients")
    if outside.any():
        mark(outside, "outside_area", why_out)
    return status, reason


def _local_share(codes: pd.Index, registrations: pd.DataFrame | None) -> pd.Series:
    """Share of each practice's patients (English LSOAs) living in LSOAs where it holds :data:`LOCAL_HOLD` or more of
    the registered residents; missing for a practice with no rows.

    Examples
    --------
    >>> regs = pd.DataFrame({"practice_code": ["A", "B", "B", "C"], "lsoa_code": ["E01", "E01", "E02", "E02"],
    ...                      "patients": [1, 999, 500, 500]})
    >>> _local_share(pd.Index(["A", "B", "Z"]), regs).round(3).to_dict()
    {'A': 0.0, 'B': 1.0}
    """
    if registrations is None or not len(codes):
        return pd.Series(dtype=float)
    mine = registrations[code_isin(registrations.practice_code, codes)]
    mine = mine[mine.lsoa_code.astype(str).str.startswith("E")]
    if mine.empty:
        return pd.Series(dtype=float)
    around = registrations[code_isin(registrations.lsoa_code, mine.lsoa_code.unique())]
    totals = around.groupby("lsoa_code").patients.sum()
    held = mine.patients.to_numpy(float) / mine.lsoa_code.map(totals).to_numpy(float)
    local = (
        pd.Series(np.where(held >= LOCAL_HOLD, mine.patients.to_numpy(float), 0.0))
        .groupby(mine.practice_code.to_numpy())
        .sum()
    )
    return local / mine.groupby("practice_code").patients.sum().astype(float)


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
        bands = ages[code_isin(ages.practice_code, codes)][PRACTICE_AGE_COLUMNS].reset_index(drop=True)
        out["list_size_2026_07"] = bands.groupby("practice_code").patients.sum().reindex(codes).astype("Int64")
    else:
        bands = empty_practice_ages()
        out["list_size_2026_07"] = pd.array([pd.NA] * len(codes), dtype="Int64")
    registers = (
        empty_qof() if qof is None else qof[code_isin(qof.practice_code, codes)][QOF_COLUMNS].reset_index(drop=True)
    )
    geometry = out.pop("geometry")
    out["geometry"] = geometry  # geometry stays the last column
    return gpd.GeoDataFrame(out, geometry="geometry", crs=practices.crs), registers, bands
