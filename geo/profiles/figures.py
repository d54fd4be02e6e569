"""The HWB data-pack figures beyond the plan's own metrics: Core20PLUS ethnicity, long-term conditions (QOF) and the
registered population by age and sex, for each neighbourhood and its comparators (its local authority, the whole
study area, England).

How each area is counted:

- **Ethnicity** (Census 2021 TS021): the residents of the area's LSOAs in each group, shown as a whole percent of
  all usual residents (:func:`geo.disclosure.publish_share`).
- **QOF registers and registered ages** come per practice. A list-based neighbourhood (``plan.practice_assignment``
  is set) and the study area are whole practices: exact. An LSOA-built neighbourhood and a local authority get
  each practice's register (and age bands) in proportion to the share of its patients who live there (July 2023
  registrations by LSOA, the plan's own ``practice_tallies`` for neighbourhoods): an **estimate**, and labelled so.
- **England** comes from the national files (:mod:`geo.profiles.england`); omitted, and said so, without them.

Counts pass :mod:`geo.disclosure` with **practices as the parts** (:func:`geo.disclosure.publish_weighted`): every
area's register, list and age-sex cell is the (weighted) sum of its practices' counts, exact when no practice's
count is 1..threshold, else with each such count taken as 4 and the total rounded to 10 (suppressed when the
shown parts are all 0). A published figure so depends only on each practice's own count and the area's
practices, never on a small count: subtracting one version of a plan from another, one plan from another, a
neighbourhood from its comparator, gives back only the 4s. The registered total of an area is a margin of the
same practice-by-cell parts. Prevalences and shares are computed from the published figures and use
:func:`~geo.disclosure.publish_share`'s rule (gone when the register, the rest of the list or the list is a small
count) but keep one decimal: a whole percent would read 1% for most registers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geo.atlas.model import ETHNICITY_COLUMNS
from geo.disclosure import publish_share, publish_weighted
from geo.columns import ETHNIC_GROUPS, QOF_REGISTERS

ICB = "Study area"
ENGLAND = "England"


@dataclass
class Figures:
    """The extra figures, published (disclosure-controlled), one row per area and figure.

    ``areas``: area -> kind (``neighbourhood``, ``local authority``, ``study area``, ``England``);
    ``comparator``: neighbourhood -> its local authority's area name; ``ethnicity``: area x group (%);
    ``conditions``: area, register, condition, patients, list_size, prevalence_pct, estimate;
    ``ages``: area, sex, age_band, patients, pct, estimate; ``notes``: what was estimated or omitted.
    """

    areas: dict[str, str] = field(default_factory=dict)
    comparator: dict[str, str] = field(default_factory=dict)
    ethnicity: pd.DataFrame = field(default_factory=pd.DataFrame)
    conditions: pd.DataFrame = field(default_factory=pd.DataFrame)
    ages: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: list[str] = field(default_factory=list)


def extra_figures(plan, england, threshold: int | None = None) -> Figures:
    """Return the Core20PLUS, long-term condition and registered-age figures of ``plan`` and its comparators.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> from geo.profiles.england import England
    >>> atlas = grid_atlas(4, 4)
    >>> figures = extra_figures(Plan(atlas, dict(zip(atlas.codes, ["N"] * 8 + ["S"] * 8))), England())
    >>> figures.ethnicity.empty, figures.conditions.empty, len(figures.notes) > 0
    (True, True, True)
    """
    atlas = plan.atlas
    lsoas = atlas.lsoas
    hoods = list(plan.neighbourhoods)
    main_lad = plan["main_lad"]
    lad_names = lsoas.groupby("lad_code").lad_name.first()
    la_area = {code: f"{lad_names.get(code, code)} (local authority)" for code in sorted(set(main_lad.values()))}
    out = Figures()
    out.areas = {
        **{h: "neighbourhood" for h in hoods},
        **{a: "local authority" for a in la_area.values()},
        ICB: "study area",
        ENGLAND: "England",
    }
    out.comparator = {h: la_area[main_lad[h]] for h in hoods}

    # --- Ethnicity (LSOA counts) ---
    if "ethnicity_census2021" in atlas.sources and lsoas["ethnicity_total"].notna().any():
        # The neighbourhoods' counts are the plan's ``ethnicity`` metric; the comparators' sums of their LSOAs.
        keys = {**{a: lsoas.lad_code.eq(code) for code, a in la_area.items()}, ICB: pd.Series(True, lsoas.index)}
        comparators = pd.DataFrame({a: lsoas.loc[mask, ETHNICITY_COLUMNS].sum() for a, mask in keys.items()}).T
        counts = pd.concat([plan["ethnicity"], comparators])
        if not england.ethnicity.empty:
            counts.loc[ENGLAND] = england.ethnicity.reindex(ETHNICITY_COLUMNS)
        else:
            out.notes.append("England ethnicity is omitted: the national TS021 file is not in the data folder.")
        out.ethnicity = pd.DataFrame(
            {
                group: [publish_share(r[group], r["ethnicity_total"], threshold) for _, r in counts.iterrows()]
                for group in ETHNIC_GROUPS
            },
            index=counts.index,
        )
    else:
        out.notes.append("Ethnic groups are omitted: the data folder has no Census 2021 TS021 file.")

    # --- Practice-based figures: weights of each practice's list in each area ---
    weights, exact = _practice_weights(plan, hoods, la_area)
    if not atlas.qof.empty:
        out.conditions = _conditions(atlas.qof, weights, exact, england, threshold)
        if england.qof.empty:
            out.notes.append("England QOF prevalence is omitted: the national QOF file is not in the data folder.")
    else:
        out.notes.append("Long-term conditions are omitted: the data folder has no QOF prevalence file.")
    if not atlas.practice_ages.empty:
        out.ages = _ages(atlas.practice_ages, weights, exact, england, threshold)
        if england.ages.empty:
            out.notes.append("England's registered age profile is omitted: the national file is not in the folder.")
    else:
        out.notes.append("Registered patients by age and sex are omitted: the data folder has no practice age file.")
    if not all(exact[h] for h in hoods) and not (atlas.qof.empty and atlas.practice_ages.empty):
        out.notes.append(
            "Estimates: each practice's registers and age bands are shared among the neighbourhoods "
            "(and local authorities) where its patients live, by its July 2023 registrations by "
            "LSOA; only practices of the study area are counted."
        )
    return out


def _practice_weights(plan, hoods, la_area) -> tuple[pd.DataFrame, dict[str, bool]]:
    """Share of each area practice's list counted in each area (areas x practices) and whether it is exact."""
    atlas = plan.atlas
    codes = atlas.practices.index.astype(str)
    list_size = atlas.practices.list_size.astype(float).where(lambda s: s > 0)
    weights = pd.DataFrame(0.0, index=[*hoods, *la_area.values(), ICB], columns=codes)
    listed = plan.practice_assignment
    # The neighbourhoods' rows are the plan's own ``practice_shares`` metric (never recounted here).
    weights.loc[hoods] = plan["practice_shares"].reindex(index=hoods, columns=codes, fill_value=0.0).to_numpy()
    reg = atlas.registrations.assign(lad=atlas.registrations.lsoa_code.map(atlas.lsoas.lad_code))
    by_lad = reg.groupby(["lad", "practice_code"]).patients.sum().unstack(fill_value=0.0)
    for code, area in la_area.items():
        if code in by_lad.index:
            weights.loc[area] = by_lad.loc[code].reindex(codes, fill_value=0.0).div(list_size).fillna(0.0).to_numpy()
    weights.loc[ICB] = atlas.practices.in_area.fillna(False).astype(float).to_numpy()
    exact = {h: listed is not None for h in hoods} | {a: False for a in la_area.values()} | {ICB: True}
    return weights, exact


def _conditions(qof, weights, exact, england, threshold) -> pd.DataFrame:
    registers = qof.pivot_table(index="practice_code", columns="register", values="patients", aggfunc="sum")
    lists = qof.pivot_table(index="practice_code", columns="register", values="list_size", aggfunc="sum")
    # Practices are the parts of every area's register and denominator (see the module docstring).
    patients = publish_weighted(registers.fillna(0.0), weights, threshold)[0]
    denominators = publish_weighted(lists.reindex(registers.index).fillna(0.0), weights, threshold)[0]
    if not england.qof.empty:
        patients.loc[ENGLAND] = england.qof.patients.reindex(patients.columns)
        denominators.loc[ENGLAND] = england.qof.list_size.reindex(patients.columns)
    rows = []
    for area in patients.index:
        for register in patients.columns:
            count, base = patients.loc[area, register], float(denominators.loc[area, register])
            shown = not pd.isna(count) and not pd.isna(base) and publish_share(count, base, threshold) is not None
            rows.append(
                {
                    "area": area,
                    "register": register,
                    "condition": QOF_REGISTERS.get(register, register),
                    "patients": float(np.round(count)) if shown else np.nan,
                    "list_size": float(np.round(base)) if shown else np.nan,
                    "prevalence_pct": round(100 * count / base, 1) if shown else np.nan,
                    "estimate": not exact.get(area, True),
                    # no QOF rows for any of its practices (Isles of Scilly L82017): not published, not suppressed
                    "published": bool(base > 0),
                }
            )
    return pd.DataFrame(rows)


def _band_order(bands) -> list[str]:
    return sorted(set(bands), key=lambda b: int(b.rstrip("+").split("_")[0]))


def _ages(ages, weights, exact, england, threshold) -> pd.DataFrame:
    table = ages.pivot_table(index="practice_code", columns=["sex", "age_band"], values="patients", aggfunc="sum")
    cells = pd.DataFrame(
        table.fillna(0.0).to_numpy(), index=table.index, columns=[f"{s}|{b}" for s, b in table.columns]
    )
    shown = publish_weighted(cells, weights, threshold)[0]
    # Each area's registered total is a margin of the same practice-by-cell parts, so neither it nor any
    # difference of it with the cells or with another area's total depends on a small cell.
    parts = cells.stack()
    spread = weights.reindex(columns=parts.index.get_level_values(0), fill_value=0.0)
    spread.columns = pd.RangeIndex(len(parts))
    total = publish_weighted(pd.DataFrame({"total": parts.to_numpy()}), spread, threshold)[0]["total"]
    totals = total.to_dict()
    if not england.ages.empty:
        shown.loc[ENGLAND] = [england.ages.get(tuple(c.split("|")), np.nan) for c in cells.columns]
        totals[ENGLAND] = float(shown.loc[ENGLAND].sum())
    rows = []
    for area in shown.index:
        total = totals[area]
        for column, value in shown.loc[area].items():
            sex, band = column.split("|")
            known = not pd.isna(value) and bool(total) and not pd.isna(total)
            rows.append(
                {
                    "area": area,
                    "sex": sex,
                    "age_band": band,
                    "patients": float(np.round(value)) if not pd.isna(value) else np.nan,
                    "pct": round(100 * value / total, 2) if known else np.nan,
                    "registered_total": total,
                    "estimate": not exact.get(area, True),
                }
            )
    frame = pd.DataFrame(rows)
    frame["_order"] = frame.age_band.map({b: i for i, b in enumerate(_band_order(frame.age_band))})
    return frame.sort_values(["area", "sex", "_order"], kind="stable").drop(columns="_order").reset_index(drop=True)
