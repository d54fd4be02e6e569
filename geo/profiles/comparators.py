"""The comparators beside every neighbourhood figure of the pack: each local authority, the study area and England.

A local authority and the study area are counted exactly as a neighbourhood is: each is a neighbourhood of a
comparator plan on the same atlas and population basis (one neighbourhood per local authority, one for the whole
area), so its Core20 share, IMD mix, urban share and published populations come from the same plan metrics and
the same :mod:`geo.disclosure` rules as the neighbourhoods beside it, never from a sum made here. The practice
figures (registered ages, QOF prevalence) and ethnicity come from :mod:`geo.profiles.figures`, which already
publishes them for every area including England; UEC rates from :func:`geo.hotspots.by_neighbourhood` with the
local authorities as groups.

:func:`key_figures` returns one row per area (neighbourhoods, local authorities, study area, England) and one
column per key figure of :data:`KEY_FIGURES`; a figure with no value for an area is NaN (England has no urban
share or UEC rate in the data folder; its Core20 share is a fifth of England's LSOAs by definition).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.atlas.model import AGE_BANDS
from geo.disclosure import publish_share
from geo.profiles.figures import ENGLAND, ICB
from geo.plan import Plan
from geo.hotspots import by_neighbourhood


@dataclass(frozen=True)
class KeyFigure:
    """One row of a neighbourhood's key-figure table: its label and whether it is an estimate or modelled."""

    key: str
    label: str
    kind: str = ""  # "", "estimate" (shared out by where patients live) or "modelled"


#: Registers shown among the key figures when the data folder has them (the rest are on the second page).
KEY_REGISTERS = ("HYP", "DM", "DEP", "COPD")
#: What England's Core20 share is, by definition (national IMD quintile 1 is a fifth of England's LSOAs).
ENGLAND_CORE20 = 20.0


def _share(part, whole, threshold) -> float:
    """A share to one decimal under :func:`geo.disclosure.publish_share`'s rule (NaN when it would reveal)."""
    if part is None or whole is None or pd.isna(part) or pd.isna(whole):
        return np.nan
    if publish_share(part, whole, threshold) is None:
        return np.nan
    return round(100.0 * float(part) / float(whole), 1)


def comparator_plans(plan) -> tuple:
    """Return ``(by_authority, whole_area, la_names)``: plans of one neighbourhood per local authority and one for
    the study area, on ``plan``'s atlas and population basis, and each authority's area name."""

    atlas = plan.atlas
    lsoas = atlas.lsoas
    names = lsoas.groupby("lad_code").lad_name.first()
    la = lsoas.lad_code.map(lambda code: f"{names.get(code, code)} (local authority)")
    basis = "registered" if plan.population == "list" else plan.population
    options = dict(population=basis, target=plan.params.target)
    by_la = Plan(atlas, la.astype(str), name="local authorities", **options)
    whole = Plan(atlas, pd.Series(ICB, index=lsoas.index), name="study area", **options)
    return by_la, whole, sorted(set(la))


def area_rows(plan, threshold: int | None = None) -> pd.DataFrame:
    """The plan-metric figures of each local authority and the study area, published as a neighbourhood's are.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> atlas = grid_atlas(4, 4)
    >>> rows = area_rows(Plan(atlas, dict(zip(atlas.codes, ["N"] * 8 + ["S"] * 8)), target=12_000))
    >>> float(rows.loc["Study area", "resident_population"])
    24000.0
    """
    frames = []
    for other in comparator_plans(plan)[:2]:
        table = other.neighbourhood_table().set_index("name")
        rows = pd.DataFrame(index=table.index)
        rows["resident_population"] = table["resident_population"].astype(float)
        rows["registered_population"] = table["registered_population"].astype(float)
        rows["core20_pct"] = table["core20_pct"].astype(float).round(1)
        rows["urban_pct"] = pd.Series(other["urban_pct"]).astype(float).round(1)
        for q in range(1, 6):
            rows[f"imd_q{q}_pct"] = pd.Series({k: v[q - 1] for k, v in other["imd_quintile_pct"].items()}).round(1)
        ages = pd.DataFrame.from_dict(other["age_bands"], orient="index")
        total = pd.Series(other["resident_population"])
        for band in AGE_BANDS:
            rows[f"{band}_pct"] = [_share(ages.at[k, band], total[k], threshold) for k in rows.index]
        frames.append(rows)
    return pd.concat(frames)


def key_figures(plan, summary: pd.DataFrame, figures, hotspots=None, threshold: int | None = None) -> pd.DataFrame:
    """Return the key figures (columns) of every neighbourhood and comparator area (rows), as published.

    ``summary`` is the profiles' published summary; ``figures`` the :class:`geo.profiles.figures.Figures`.
    """
    areas = pd.DataFrame(
        index=pd.Index([*summary.index, *[a for a, k in figures.areas.items() if k != "neighbourhood"]], name="area")
    )
    if ICB not in areas.index:
        areas.loc[ICB] = None
    if ENGLAND not in areas.index:
        areas.loc[ENGLAND] = None
    rows = area_rows(plan, threshold)
    for column in (
        "resident_population",
        "registered_population",
        "core20_pct",
        "urban_pct",
        *[f"imd_q{q}_pct" for q in range(1, 6)],
    ):
        areas[column] = (
            pd.concat([summary[column], rows[column]]).reindex(areas.index)
            if column in summary
            else rows[column].reindex(areas.index)
        )
    for band in AGE_BANDS:
        own = pd.Series({k: _share(r[band], r["resident_population"], threshold) for k, r in summary.iterrows()})
        areas[f"{band}_pct"] = pd.concat([own, rows[f"{band}_pct"]]).reindex(areas.index)
    areas.loc[ENGLAND, "core20_pct"] = ENGLAND_CORE20
    for q in range(1, 6):
        areas.loc[ENGLAND, f"imd_q{q}_pct"] = 20.0
    if not figures.ethnicity.empty:
        areas["not_white_pct"] = (100.0 - figures.ethnicity["ethnicity_white"]).reindex(areas.index)
    if not figures.ages.empty:
        areas["registered_65_plus_pct"] = _registered_65(figures.ages).reindex(areas.index)
    if not figures.conditions.empty:
        prevalence = figures.conditions.pivot(index="area", columns="register", values="prevalence_pct")
        for register in KEY_REGISTERS:
            if register in prevalence.columns:
                areas[f"prevalence_{register}"] = prevalence[register].reindex(areas.index)
    if hotspots is not None:
        areas["uec_rate"] = _uec_rates(plan, summary, hotspots, threshold).reindex(areas.index)
    return areas


def _registered_65(ages: pd.DataFrame) -> pd.Series:
    """Share of registered patients aged 65 and over: the published cells of 65+ over the published total
    (NaN when any of those cells is suppressed, so the share never leans on a hidden cell)."""
    old = ages[ages.age_band.map(lambda b: int(str(b).rstrip("+").split("_")[0]) >= 65)]
    grouped = old.groupby("area", sort=False)
    counted = grouped.patients.sum(min_count=1).where(~grouped.patients.apply(lambda s: s.isna().any()))
    total = ages.groupby("area", sort=False).registered_total.first()
    return (100.0 * counted / total.where(total > 0)).round(1)


def _uec_rates(plan, summary, hotspots, threshold) -> pd.Series:

    lsoas = plan.atlas.lsoas
    names = lsoas.groupby("lad_code").lad_name.first()
    la = lsoas.lad_code.map(lambda code: f"{names.get(code, code)} (local authority)")
    rates = [summary["rate_per_1000"]] if "rate_per_1000" in summary else []
    # Per 1,000 of the plan's basis (its footprint's column), as the neighbourhoods' rates are.
    people = lsoas[plan.population_column].astype(float)
    rates.append(by_neighbourhood(hotspots, la, threshold=threshold, population=people)["rate_per_1000"])
    area = pd.Series(ICB, index=lsoas.index)
    rates.append(by_neighbourhood(hotspots, area, threshold=threshold, population=people)["rate_per_1000"])
    return pd.concat(rates).round(1)
