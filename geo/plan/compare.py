"""Comparing two plans of the same area: which LSOAs changed neighbourhood, and the metrics side by side.

Two plans often name the same neighbourhood differently ("N1" and "Loughborough"), so neighbourhoods are first
matched one-to-one by the population they share (an assignment problem, solved with scipy). An LSOA *moved* when
its neighbourhood in plan B is not the match of its neighbourhood in plan A. Each matched pair says what changed:
the LSOAs and people that left it and joined it (published like every total of LSOAs, as margins). Every ``_pct``
figure is a percentage from 0 to 100.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from geo.errors import PlanError
from geo.jsonable import jsonable
from geo.plan.report import basis_note
from geo.disclosure import publish_sums

if TYPE_CHECKING:
    from geo.plan import Plan

SUMMARY_METRICS = [
    "neighbourhoods",
    "max_abs_deviation_pct",
    "mean_abs_deviation_pct",
    "within_5_pct",
    "within_10_pct",
    "within_tolerance_pct",
    "contiguous",
    "la_crossings",
    "practice_splits",
    "registration_leakage_pct",
    "mean_polsby_popper",
    "cut_edges",
]


def match_neighbourhoods(a: "Plan", b: "Plan") -> dict[str, str | None]:
    """Match each neighbourhood of ``a`` to the neighbourhood of ``b`` sharing most of its population.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> atlas = grid_atlas(2, 1)
    >>> match_neighbourhoods(Plan(atlas, {"G0000": "A", "G0001": "B"}), Plan(atlas, {"G0000": "y", "G0001": "x"}))
    {'A': 'y', 'B': 'x'}
    """
    shared = overlap(a, b)
    # Weight by LSOA count as well, so neighbourhoods with no population still match sensibly.
    rows, cols = linear_sum_assignment(-(shared.to_numpy() + 1e-6 * overlap(a, b, weight=None).to_numpy()))
    matched: dict[str, str | None] = dict.fromkeys(a.neighbourhoods)
    for i, j in zip(rows, cols):
        matched[shared.index[i]] = shared.columns[j]
    return matched


def overlap(a: "Plan", b: "Plan", weight: str | None = "population") -> pd.DataFrame:
    """Return the counted population (or LSOA count when ``weight`` is None) shared by each pair of neighbourhoods."""
    values = a.atlas.lsoas[a.population_column] if weight else pd.Series(1.0, index=a.atlas.lsoas.index)
    frame = pd.DataFrame({"a": a.assignment, "b": b.assignment, "w": values.astype(float)})
    table = frame.pivot_table(index="a", columns="b", values="w", aggfunc="sum", fill_value=0.0)
    return table.reindex(index=a.neighbourhoods, columns=b.neighbourhoods, fill_value=0.0)


def compare_plans(a: "Plan", b: "Plan") -> dict:
    """Compare two plans of one atlas: LSOAs that moved, matched neighbourhoods and metric deltas.

    Returns
    -------
    dict
        ``plans`` (names), ``lsoas_moved`` (count), ``population_moved``, ``moved`` (one row per moved LSOA with its
        neighbourhood in each plan), ``matching`` (A name -> B name), ``metrics`` (``{metric: {a, b, delta}}``),
        ``neighbourhoods`` (matched pairs side by side, each with the LSOAs and people that left it, ``lsoas_out``
        and ``population_out``, and joined it, ``lsoas_in`` and ``population_in``, and whether it ``changed``) and
        ``neighbourhoods_changed`` (how many pairs changed their footprint or were added or dropped).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> atlas = grid_atlas(3, 1)
    >>> a = Plan(atlas, {"G0000": "A", "G0001": "A", "G0002": "B"}, target=2250, name="a")
    >>> diff = compare_plans(a, a.move({"G0001": "B"}))
    >>> diff["moved"], diff["metrics"]["max_abs_deviation_pct"]
    ([{'lsoa_code': 'G0001', 'a': 'A', 'b': 'B'}], {'a': 33.333333333333336, 'b': 33.333333333333336, 'delta': 0.0})
    >>> [(p["a"], p["lsoas_out"], p["lsoas_in"], p["population_in"]) for p in diff["neighbourhoods"]]
    [('A', 1, 0, 0.0), ('B', 0, 1, 1500.0)]
    """
    if not a.atlas.lsoas.index.equals(b.atlas.lsoas.index):
        raise PlanError(
            "the two plans cover different LSOAs", expected="two plans of the same study area and LSOA vintage"
        )
    if a.population != b.population or a.target != b.target:
        note = f"plan A counts {a.population} people against {a.target:,}; plan B {b.population} against {b.target:,}"
    else:
        note = ""
    overridden = [f"plan {key}: {basis_note(plan)}" for key, plan in (("A", a), ("B", b)) if basis_note(plan)]
    note = "; ".join([n for n in (note, *overridden) if n])
    matching = match_neighbourhoods(a, b)
    mapped = a.assignment.map(matching)
    moved_mask = (mapped != b.assignment).to_numpy()
    codes = a.atlas.lsoas.index[moved_mask]
    moved = [{"lsoa_code": c, "a": a.assignment[c], "b": b.assignment[c]} for c in codes]
    summary_a, summary_b = _summary(a), _summary(b)
    metrics = {key: _delta(summary_a[key], summary_b[key]) for key in SUMMARY_METRICS}
    table_a = a.neighbourhood_table().set_index("name")
    table_b = b.neighbourhood_table().set_index("name")
    pairs = []
    for name_a, name_b in list(matching.items()) + [(None, n) for n in b.neighbourhoods if n not in matching.values()]:
        row = {"a": name_a, "b": name_b}
        for column in ("population", "deviation_pct", "lsoas", "parts", "polsby_popper"):
            row[f"{column}_a"] = table_a.at[name_a, column] if name_a is not None else None
            row[f"{column}_b"] = table_b.at[name_b, column] if name_b is not None else None
        row.update(_flows(a, b, name_a, name_b))
        pairs.append(row)
    population = _published(a, moved_mask)
    return jsonable(
        {
            "plans": {"a": a.name, "b": b.name},
            "note": note,
            "lsoas_moved": len(codes),
            "population_moved": float(population),
            "moved": moved,
            "matching": matching,
            "metrics": metrics,
            "neighbourhoods": pairs,
            "neighbourhoods_changed": sum(p["changed"] for p in pairs),
        }
    )


def _summary(plan: "Plan") -> dict:
    """The plan's summary with the share within tolerance as a percentage, like every other ``_pct``."""
    summary = plan.summary()
    return {**summary, "within_tolerance_pct": 100.0 * summary["within_tolerance"]}


def _published(plan: "Plan", mask: np.ndarray) -> float:
    """The counted population of the LSOAs in ``mask`` as a published margin of its LSOAs (an LSOA of 1 to 7
    counts as 4 and the sum is rounded to 10), like every total of LSOAs."""

    values = plan.atlas.lsoas[plan.population_column].to_numpy(dtype=float)[mask]
    return float(publish_sums(values, np.zeros(len(values), np.int64), 1)[0][0]) if len(values) else 0.0


def _flows(a: "Plan", b: "Plan", name_a: str | None, name_b: str | None) -> dict:
    """What changed for one matched pair: LSOAs and people that left A's neighbourhood (``_out``) and joined B's
    (``_in``); ``changed`` when either is non-zero or the pair has no partner (added or dropped)."""
    in_a = (a.assignment == name_a).to_numpy() if name_a is not None else np.zeros(len(a.assignment), bool)
    in_b = (b.assignment == name_b).to_numpy() if name_b is not None else np.zeros(len(b.assignment), bool)
    out, joined = in_a & ~in_b, in_b & ~in_a
    return {
        "lsoas_out": int(out.sum()),
        "population_out": _published(a, out),
        "lsoas_in": int(joined.sum()),
        "population_in": _published(b, joined),
        "changed": bool(out.any() or joined.any() or name_a is None or name_b is None),
    }


def _delta(a, b) -> dict:
    """One metric of both plans as published, and B - A; a figure not published (``None``, NaN) has no delta.

    The two figures are the plans' published summaries (what each plan shows on its own), so their difference
    says nothing a reader of both could not work out; a suppressed figure is never stood in for by a number.

    Examples
    --------
    >>> _delta(1.5, 2.0), _delta(None, 2.0)["delta"], _delta(True, False)["delta"]
    ({'a': 1.5, 'b': 2.0, 'delta': 0.5}, None, 'True -> False')
    """
    if isinstance(a, (bool, np.bool_)) or isinstance(b, (bool, np.bool_)):
        return {"a": bool(a), "b": bool(b), "delta": None if a == b else f"{bool(a)} -> {bool(b)}"}
    shown = all(v is not None and np.isfinite(float(v)) for v in (a, b))
    return {"a": a, "b": b, "delta": b - a if shown else None}
