"""Deprivation mix of each neighbourhood, read from the tallies: Core20 share, mean IMD score, local deciles.

Core20 is the NHS England term for the 20% most deprived areas nationally, i.e. national IMD quintile 1. Shares and
means are weighted by the plan's counted population (resident or registered), so they describe the same people the
population target counts: ``core20_pct`` is the share of the *footprint's* people (for a list plan, the registered
residents of its place footprint). ``core20_pct_list`` is another figure by definition, the share of the
neighbourhood's *practices' patients* (those living in the area) who live in Core20 LSOAs; outputs show both, each
labelled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from geo.metrics import metric

if TYPE_CHECKING:
    from geo.plan import Plan


def _basis(plan: "Plan") -> str:
    # A list-based plan's mix is that of the registered residents of its place footprint.
    return "registered" if plan.population == "list" else plan.population


def _weighted(plan: "Plan", numerator: str) -> dict[str, float]:
    arrays = plan.arrays
    table = plan["tallies"][plan.live]
    top = table[:, arrays.column(f"{numerator}_{_basis(plan)}")]
    bottom = table[:, arrays.column(plan.population_column)]
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(bottom > 0, top / np.where(bottom > 0, bottom, 1), np.nan)
    return dict(zip(plan.neighbourhoods, ratio.tolist()))


@metric("core20_pct", "percentage of the counted population living in national IMD quintile 1 (Core20)")
def _core20_pct(plan: "Plan") -> dict[str, float]:
    return {name: 100.0 * share for name, share in _weighted(plan, "core20").items()}


@metric("mean_imd_score", "population-weighted mean IMD score of each neighbourhood")
def _mean_imd(plan: "Plan") -> dict[str, float]:
    return _weighted(plan, "imd_x")


@metric("local_decile_mix", "number of LSOAs in each local deprivation decile (1 most deprived .. 10)")
def _local_decile_mix(plan: "Plan") -> dict[str, list[int]]:
    arrays = plan.arrays
    first = arrays.column("local_decile_1")
    counts = np.rint(plan["tallies"][plan.live][:, first : first + 10]).astype(int)
    return {name: row.tolist() for name, row in zip(plan.neighbourhoods, counts)}


@metric("core20_population", "counted population living in Core20 LSOAs, per neighbourhood")
def _core20_population(plan: "Plan") -> dict[str, float]:
    column = plan.arrays.column(f"core20_{_basis(plan)}")
    values = plan["tallies"][plan.live, column]
    return dict(zip(plan.neighbourhoods, values.tolist()))


@metric("imd_quintile_pct", "percentage of the counted population in each national IMD quintile (1 most deprived .. 5)")
def _imd_quintile_pct(plan: "Plan") -> dict[str, list[float]]:
    shares = [_weighted(plan, f"imd_q{q}") for q in range(1, 6)]
    return {name: [100.0 * s[name] for s in shares] for name in plan.neighbourhoods}


@metric("urban_pct", "percentage of the counted population living in urban LSOAs (2021 rural-urban classification)")
def _urban_pct(plan: "Plan") -> dict[str, float]:
    return {name: 100.0 * share for name, share in _weighted(plan, "urban").items()}


def _list_core20(plan: "Plan") -> tuple[np.ndarray, np.ndarray]:
    """Patients of each label's practices who live in the area, and those of them living in Core20 LSOAs."""
    arrays = plan.arrays
    core20 = (plan.atlas.lsoas["imd_quintile"].reindex(arrays.codes).to_numpy() == 1).astype(float)
    in_core20 = np.asarray(arrays.registrations.T @ core20).ravel()  # per practice column
    label = plan["practice_label"]
    ok = label >= 0
    n = len(plan.labels)
    return (
        np.bincount(label[ok], weights=arrays.practice_area_patients[ok], minlength=n),
        np.bincount(label[ok], weights=in_core20[ok], minlength=n),
    )


@metric("core20_list_patients", "patients of each neighbourhood's practices living in the area, and in Core20 LSOAs")
def _core20_list_patients(plan: "Plan") -> dict[str, tuple[float, float]]:
    patients, core20 = _list_core20(plan)
    return {name: (float(patients[k]), float(core20[k])) for name, k in zip(plan.neighbourhoods, plan.live)}


@metric(
    "core20_pct_list",
    "percentage of the neighbourhood's practices' patients (those living in the area) who "
    "live in Core20 LSOAs: the list's mix, beside core20_pct, the footprint's",
)
def _core20_pct_list(plan: "Plan") -> dict[str, float]:
    return {
        name: (100.0 * core20 / patients if patients > 0 else float("nan"))
        for name, (patients, core20) in plan["core20_list_patients"].items()
    }
