"""The list view of every plan: practices' neighbourhoods, list populations, and how list and place align.

Whatever a plan is built from, each practice of the area belongs to one neighbourhood: in a list-based plan the
one it was put in, in an LSOA-built plan the one holding most of its patients (its *home*). From that:

- ``list_population``: the registered lists of each neighbourhood's practices (all their patients, wherever they
  live), beside the resident and registered populations of its place footprint;
- ``alignment``: the share of the footprint's registered residents who are registered with the neighbourhood's
  own practices (``alignment_pct`` is the same over the whole plan, so population-weighted);
- ``patients_from_outside``: list patients of the neighbourhood's practices who live outside its footprint;
- ``practice_home_share``: for each practice, the share of its list living in its neighbourhood's footprint;
  its distribution replaces the saturated "practice splits" count as the way to tell plans apart.

Per-practice figures are internal: outputs show neighbourhood totals (thousands of patients) or rounded shares.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geo.disclosure import shareable
from geo.metrics import metric
from geo.metrics.kernels import own_list_patients, sorted_home_shares, sum_by_label

if TYPE_CHECKING:
    from geo.plan import Plan


@metric("practice_label", "label index of each practice's neighbourhood: its list assignment, else its home (-1: none)")
def _practice_label(plan: "Plan") -> np.ndarray:
    arrays = plan.arrays
    assigned = plan.practice_assignment
    if assigned is None:
        return np.where(arrays.practice_in_area, plan["practice_home"], -1)
    # (A moved list-based plan is handed its practice labels by move_practices: this runs once per root plan.)
    wanted = assigned.reindex(arrays.practice_codes).to_numpy(dtype=object)
    return pd.Index(plan.labels).get_indexer(wanted).astype(np.int64)


def _by_label(plan: "Plan", values: np.ndarray) -> np.ndarray:
    return sum_by_label(plan["practice_label"], values, len(plan.labels))


@metric(
    "list_population", "registered lists of each neighbourhood's practices (all their patients, wherever they live)"
)
def _list_population(plan: "Plan") -> dict[str, float]:
    totals = _by_label(plan, plan.arrays.practice_list)
    return dict(zip(plan.neighbourhoods, totals[plan.live].tolist()))


def _own_patients(plan: "Plan") -> np.ndarray:
    """Patients living in each label's footprint who are registered with that label's own practices."""
    return sum_by_label(plan["practice_label"], _own_of_each(plan), len(plan.labels))


def _own_of_each(plan: "Plan") -> np.ndarray:
    """For each practice column, its area patients living in its neighbourhood's footprint (0 with none)."""
    if plan.built_from == "lsoas":  # an LSOA-built plan's practice belongs to its home
        return plan["practice_home_patients"]
    # made once per plan: a summary reads it twice (own_patients, the home-share quantiles)
    return plan.kept("own_of_each", lambda: own_list_patients(plan["practice_label"], plan["practice_tallies"]))


@metric("own_patients", "registered residents of each footprint who are registered with its own practices")
def _own(plan: "Plan") -> dict[str, float]:
    return dict(zip(plan.neighbourhoods, _own_patients(plan)[plan.live].tolist()))


@metric("alignment", "share of each footprint's registered residents registered with the neighbourhood's own practices")
def _alignment(plan: "Plan") -> dict[str, float]:
    registered = plan["registered_population"]
    return {
        name: (own / registered[name] if registered[name] > 0 else float("nan"))
        for name, own in plan["own_patients"].items()
    }


@metric(
    "alignment_pct", "percentage of the area's registered residents registered with their own neighbourhood's practices"
)
def _alignment_pct(plan: "Plan") -> float:
    total = sum(plan["registered_population"].values())
    return float(100.0 * sum(plan["own_patients"].values()) / total) if total > 0 else float("nan")


@metric("patients_from_outside", "list patients of each neighbourhood's practices who live outside its footprint")
def _from_outside(plan: "Plan") -> dict[str, float]:
    own = plan["own_patients"]
    return {name: max(lst - own[name], 0.0) for name, lst in plan["list_population"].items()}


@metric(
    "practice_home_share",
    "for each practice of the area, the share of its list living in its neighbourhood's footprint",
)
def _home_share(plan: "Plan") -> dict[str, float]:
    arrays = plan.arrays
    table = plan["practice_tallies"]
    label = plan["practice_label"]
    out = {}
    for j in np.flatnonzero(label >= 0):
        listed = arrays.practice_list[j]
        out[str(arrays.practice_codes[j])] = float(table[label[j], j] / listed) if listed > 0 else float("nan")
    return out


@metric(
    "practice_home_share_quantiles",
    "10th, 25th, 50th percentiles and minimum of the practices' home shares that may be published",
)
def _home_share_quantiles(plan: "Plan") -> dict[str, float]:
    # The shares of practice_home_share, straight from the arrays (no per-practice dictionary on the move path).
    # Only the quantiles leave the process (the summary), and each is one practice's share or between two: so
    # only shares publish_share would publish count (a share of a list of 5 with 3 at home would be 60 %).
    own, listed = _own_of_each(plan), plan.arrays.practice_list
    listed = np.where(shareable(own, listed), listed, 0.0)  # a list of 0 is left out
    shares = sorted_home_shares(plan["practice_label"], own, listed)
    if not len(shares):
        return {"min": float("nan"), "p10": float("nan"), "p25": float("nan"), "median": float("nan")}
    p10, p25, median = _quantiles(shares, (0.10, 0.25, 0.50))
    return {"min": float(shares[0]), "p10": p10, "p25": p25, "median": median}


def _quantiles(ordered: np.ndarray, qs: tuple[float, ...]) -> list[float]:
    """numpy's default ("linear") quantiles of an already sorted array, without np.quantile's per-call overhead.

    Examples
    --------
    >>> values = np.array([0.1, 0.4, 0.5, 0.9, 1.0])
    >>> _quantiles(values, (0.1, 0.25, 0.5)) == np.quantile(values, [0.1, 0.25, 0.5]).tolist()
    True
    """
    last = len(ordered) - 1
    out = []
    for q in qs:
        at = q * last
        below = int(at)
        above = min(below + 1, last)
        t = at - below
        low, high = float(ordered[below]), float(ordered[above])
        out.append(low + (high - low) * t if t < 0.5 else high - (high - low) * (1 - t))
    return out
