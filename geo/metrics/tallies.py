"""Population tallies by neighbourhood, patched from the parent plan by the LSOAs that moved.

``plan["tallies"]`` is a matrix with one row per neighbourhood label and one column per tallied quantity (see
:class:`geo.atlas.arrays.AtlasArrays`): resident and registered population, age bands, Core20 population,
population-weighted IMD score, LSOA counts by local decile and by local authority, and area. A child plan starts
from its parent's matrix and subtracts each moved LSOA's row from its old neighbourhood and adds it to its new one,
so a move costs a few vector operations whatever the size of the area. Everything else here reads that matrix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

from geo.contract import AGE_BANDS
from geo.metrics import metric
from geo.metrics.edit import one_row_edit
from geo.metrics.kernels import patch_table_rows

if TYPE_CHECKING:
    from geo.plan import Plan


def label_onehot(plan: "Plan") -> sparse.csr_matrix:
    """Return the labels x LSOAs indicator matrix of a plan (for full recounts)."""
    n = len(plan.label_index)
    return sparse.csr_matrix((np.ones(n), (plan.label_index, np.arange(n))), shape=(len(plan.labels), n))


def recount(plan: "Plan") -> np.ndarray:
    """Return the tallies matrix of a plan counted from scratch (the reference the incremental update must equal).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> plan = Plan(grid_atlas(2, 1), {"G0000": "A", "G0001": "B"})
    >>> recount(plan)[:, plan.arrays.column("resident_population")].tolist()
    [1500.0, 1500.0]
    """
    return np.asarray(label_onehot(plan) @ plan.arrays.values)


@metric("tallies", "matrix of per-neighbourhood sums of every tallied LSOA quantity (rows: plan labels)")
def _tallies(plan: "Plan") -> np.ndarray:
    return recount(plan)


@_tallies.updater
def _tallies_update(plan: "Plan", previous: np.ndarray) -> np.ndarray:
    edit = one_row_edit(plan)  # one LSOA moved: patched with the others (geo.metrics.edit)
    if edit is not None:
        return edit["tallies"]
    return patch_rows(plan, previous, plan.arrays.values)


def patch_rows(plan: "Plan", previous: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Return the parent's per-label sums ``previous`` of the LSOA rows ``values`` patched by the plan's moves
    (each moved row taken from its old label and added to its new one)."""
    pos, old, new = plan.flow
    grown = len(plan.labels) - previous.shape[0]
    table = np.vstack([previous, np.zeros((grown, previous.shape[1]))]) if grown > 0 else previous.copy()
    if len(pos) == 1:  # the usual edit: plain row arithmetic, cheaper than ufunc.at
        row = values[pos[0]]
        table[old[0]] -= row
        table[new[0]] += row
        return table
    # A practice move's dozens of rows in one compiled loop: np.subtract.at then np.add.at's arithmetic, in order.
    patch_table_rows(table, np.asarray(values, np.float64), pos, old, new)
    return table


def column_by_neighbourhood(plan: "Plan", column: str) -> dict[str, float]:
    """Return one tallied column as ``{neighbourhood: value}`` for the plan's neighbourhoods.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> column_by_neighbourhood(Plan(grid_atlas(2, 1), {"G0000": "A", "G0001": "A"}), "lsoas")
    {'A': 2.0}
    """
    values = plan["tallies"][plan.live, plan.arrays.column(column)]
    return dict(zip(plan.neighbourhoods, values.tolist()))


@metric("resident_population", "usual residents per neighbourhood")
def _resident(plan: "Plan") -> dict[str, float]:
    return column_by_neighbourhood(plan, "resident_population")


@metric("registered_population", "GP-registered patients resident in each neighbourhood")
def _registered(plan: "Plan") -> dict[str, float]:
    return column_by_neighbourhood(plan, "registered_population")


@metric("population", "the counted population (resident, registered or list, as the plan says) per neighbourhood")
def _population(plan: "Plan") -> dict[str, float]:
    if plan.population == "list":
        return plan["list_population"]
    return column_by_neighbourhood(plan, plan.population_column)


@metric("lsoas", "number of LSOAs per neighbourhood")
def _lsoas(plan: "Plan") -> dict[str, int]:
    return {k: int(round(v)) for k, v in column_by_neighbourhood(plan, "lsoas").items()}


@metric("deviation", "counted population minus its ideal (the target, or its place's in a counted plan)")
def _deviation(plan: "Plan") -> dict[str, float]:
    ideal = plan["ideal"]  # the one rule: geo.metrics.balance
    return {k: v - ideal[k] for k, v in plan["population"].items()}


@metric("deviation_pct", "deviation as a percentage of its ideal (the target, or its place's), per neighbourhood")
def _deviation_pct(plan: "Plan") -> dict[str, float]:
    ideal = plan["ideal"]  # from the population, as the deviation is: 100 * (population - ideal) / ideal
    return {k: 100.0 * (v - ideal[k]) / ideal[k] for k, v in plan["population"].items()}


@metric("age_bands", "residents per age band per neighbourhood")
def _age_bands(plan: "Plan") -> dict[str, dict[str, float]]:
    table = plan["tallies"][plan.live]
    columns = [plan.arrays.column(band) for band in AGE_BANDS]
    return {name: dict(zip(AGE_BANDS, row[columns].tolist())) for name, row in zip(plan.neighbourhoods, table)}
