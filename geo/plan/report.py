"""The tables a planner reads from a plan: one row per neighbourhood, plan-level summary and the JSON document.

Everything here is assembled from registered metrics, so the table, the summary, ``nhp score`` and exports agree.
Only whole-neighbourhood populations appear (tens of thousands of people); per-practice patient counts never do.

This is where a plan's populations leave the process, so they are published here (:func:`published_populations`)
by :mod:`geo.disclosure`'s margin rule: residents and registered residents with the footprint's LSOAs as parts,
list populations with the neighbourhood's practices as parts (exact unless a part is 1..7, then that part counts
as 4 and the total is rounded to 10). The counted population and its deviation are the published figure minus
the target, so neither gives back an exact list; the metrics themselves stay exact.
"""

from __future__ import annotations

import math
import weakref
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from geo.disclosure import publish_share, publish_sums
from geo.jsonable import jsonable
from geo.plan.params import BASIS_WORDS
from geo.disclosure import is_disclosive
from geo.metrics import REGISTRY
from geo.metrics.balance import deviation_from
from geo.metrics.margins import PUBLISHED_COLUMNS, margin_parts, published_totals
from geo.disclosure import MARGIN_BASE
from geo.disclosure import _threshold

if TYPE_CHECKING:
    from geo.plan import Plan

TABLE_COLUMNS = [
    "name",
    "resident_population",
    "registered_population",
    "list_population",
    "population",
    "deviation",
    "deviation_pct",
    "lsoas",
    "practices",
    "practice_codes",
    "pcns",
    "pcn_codes",
    "local_authorities",
    "lad_codes",
    "parts",
    "polsby_popper",
    "cut_edges",
    "alignment_pct",
    "patients_from_outside",
    "core20_pct",
    "core20_pct_list",
    "mean_imd_score",
    "local_decile_mix",
    "constrained",
]


def neighbourhood_table(plan: "Plan") -> pd.DataFrame:
    """Return one row per neighbourhood with its populations, deviation, nesting, shape and deprivation mix.

    ``practices`` and ``pcns`` are counts; ``practice_codes`` and ``pcn_codes`` list them. ``deviation_pct`` and
    ``core20_pct`` (of the footprint's counted people) are percentages; ``core20_pct_list`` is the whole-percent
    Core20 share of the neighbourhood's practices' patients (a different figure by definition); ``local_decile_mix`` counts LSOAs in local deciles 1 (most deprived) to 10.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> plan = Plan(grid_atlas(2, 1), {"G0000": "A", "G0001": "B"}, target=1500)
    >>> neighbourhood_table(plan)[["name", "population", "deviation_pct", "parts"]].to_dict("records")
    [{'name': 'A', 'population': 1500.0, 'deviation_pct': 0.0, 'parts': 1}, {'name': 'B', 'population': 1500.0, 'deviation_pct': 0.0, 'parts': 1}]
    """
    return pd.DataFrame(neighbourhood_columns(plan), columns=TABLE_COLUMNS)


def neighbourhood_records(plan: "Plan") -> list[dict]:
    """:func:`neighbourhood_table` as a list of plain dicts, one per neighbourhood (no DataFrame: what the API
    sends after every edit).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> plan = Plan(grid_atlas(2, 1), {"G0000": "A", "G0001": "B"}, target=1500)
    >>> [(r["name"], r["population"], r["parts"]) for r in neighbourhood_records(plan)]
    [('A', 1500.0, 1), ('B', 1500.0, 1)]
    """
    columns = neighbourhood_columns(plan)
    return [dict(zip(TABLE_COLUMNS, row)) for row in zip(*(columns[c] for c in TABLE_COLUMNS))]


def neighbourhood_columns(plan: "Plan") -> dict[str, list]:
    """The columns of :func:`neighbourhood_table`, each a list in neighbourhood order."""
    columns: dict[str, Any] = {"name": plan.neighbourhoods}
    published = published_populations(plan)
    for metric in (
        "resident_population",
        "registered_population",
        "list_population",
        "population",
        "deviation",
        "deviation_pct",
    ):
        columns[metric] = published[metric].tolist()
    columns["lsoas"] = list(plan["lsoas"].values())
    # Shares go through publish_share (whole percent, none when a part or complement is small) and the outside
    # count is rounded to 10, so no figure here, nor its change between two versions, is a count of 1 to 7.
    registered = plan["registered_population"]
    columns["alignment_pct"] = [publish_share(own, registered[name]) for name, own in plan["own_patients"].items()]
    columns["patients_from_outside"] = [_rounded_count(v) for v in plan["patients_from_outside"].values()]
    columns["practices"] = [len(codes) for codes in plan["practices"].values()]
    columns["practice_codes"] = list(plan["practices"].values())
    columns["pcns"] = [len(codes) for codes in plan["pcns"].values()]
    columns["pcn_codes"] = list(plan["pcns"].values())
    # The list's Core20 share is of its practices' patients, a share of a count: published like alignment.
    columns["core20_pct_list"] = [
        publish_share(core20, patients) for patients, core20 in plan["core20_list_patients"].values()
    ]
    columns["local_authorities"] = list(plan["local_authorities"].values())
    columns["lad_codes"] = list(plan["lad_codes"].values())
    for metric in (
        "parts",
        "polsby_popper",
        "cut_edges",
        "core20_pct",
        "mean_imd_score",
        "local_decile_mix",
        "constrained",
    ):
        columns[metric] = list(plan[metric].values())
    return columns


def summary(plan: "Plan") -> dict:
    """Return the plan-level metrics.

    Deviations are from each neighbourhood's ideal (``deviation_from`` says which: the target, or in a plan made
    with a number of neighbourhoods per place each place's ideal, its total over its count). Every ``*_pct`` is a
    percentage from 0 to 100: ``within_5_pct`` and ``within_10_pct`` of neighbourhoods
    (``within_tolerance`` is the same share as a fraction from 0 to 1, which the page reads); deviations,
    ``registration_leakage_pct`` and ``alignment_pct`` are percentages (the last two as whole percents through
    :func:`geo.disclosure.publish_share`); ``practice_home_share`` gives the 10th and 25th percentiles and median
    (whole percents; no minimum, which would describe one practice) of the share of each practice's
    list living in its own neighbourhood, in %, over the shares that may be published (none with a small list,
    count at home or count away: a quantile is one practice's share or between two); ``list_population`` is the
    practices' lists.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> plan = Plan(grid_atlas(2, 1), {"G0000": "A", "G0001": "B"}, target=1500)
    >>> s = summary(plan)
    >>> s["neighbourhoods"], s["max_abs_deviation_pct"], s["within_5_pct"], s["contiguous"], s["cut_edges"]
    (2, 0.0, 100.0, True, 1)
    """
    published = published_populations(plan)
    # Plain floats: a summary follows every edit, and numpy's per-call cost on a few dozen values is most of it.
    shown = [abs(v) for v in published["deviation_pct"].tolist()]
    deviations = [v for v in shown if math.isfinite(v)] or [math.nan]
    shares = plan["practice_home_share_quantiles"]
    registered = plan["registered_population"]
    return {
        "name": plan.name,
        "built_from": plan.built_from,
        "neighbourhoods": len(plan.live),
        "lsoas": len(plan.label_index),
        "target": plan.target,
        "tolerance": plan.tolerance,
        "population_basis": plan.population,
        "plan_population_basis": made_on(plan),
        "population_basis_note": basis_note(plan),
        "population": published["area_population"],
        # Measured from the target, or in a counted plan from each place's ideal (its total / its count).
        "deviation_from": deviation_from(plan),
        "max_abs_deviation_pct": max(deviations),  # a suppressed population has no deviation to show
        "mean_abs_deviation_pct": sum(deviations) / len(deviations),
        # Shares of neighbourhoods (not of people) from the published deviations, as validate() judges them:
        # every neighbourhood counts, a suppressed one as outside. The exact ones, with the band's edge set a few
        # people above a published total, would say whether a small list was above or below it.
        "within_5_pct": 100.0 * _share_within(shown, 5),
        "within_10_pct": 100.0 * _share_within(shown, 10),
        "within_tolerance": _share_within(shown, 100 * plan.tolerance),
        "constrained": [name for name, flag in plan["constrained"].items() if flag],
        "contiguous": bool(plan["contiguous"]),
        "non_contiguous": [name for name, parts in plan["parts"].items() if parts > 1],
        "la_crossings": int(plan["la_crossings"]),
        "practice_splits": len(plan["practice_splits"]),
        "split_practices": list(plan["practice_splits"]),
        "practice_split_threshold": plan.practice_split_threshold,
        "registration_leakage_pct": _published_pct(plan["registration_leakage_pct"], plan.arrays.practice_area_total),
        "list_population": published["area_list_population"],
        "alignment_pct": publish_share(sum(plan["own_patients"].values()), sum(registered.values())),
        "practice_home_share": {
            k: (float(round(100.0 * v)) if math.isfinite(v) else None) for k, v in shares.items() if k != "min"
        },
        "mean_polsby_popper": float(plan["mean_polsby_popper"]),
        "cut_edges": int(plan["cut_edge_total"]),
    }


def _share_within(deviations: list[float], limit: float) -> float:
    """Share of the (absolute, %) deviations within ``limit`` percent (NaN, a suppressed one, is outside)."""
    bound = limit + 1e-9
    return len([v for v in deviations if v <= bound]) / len(deviations)


def made_on(plan: "Plan") -> str:
    """The population basis the plan was made on (its file's, or the one it was first built with)."""
    return plan.provenance.population_basis or plan.population


def basis_note(plan: "Plan") -> str:
    """Empty when the plan is judged on the basis it was made on; else the sentence every output prints.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> atlas = grid_atlas(4, 4)
    >>> plan = Plan.from_practices(atlas, dict(zip(atlas.practices.index, "AABB")), target=12_000)
    >>> basis_note(plan), basis_note(plan.with_params(population="resident"))
    ('', 'judged on residents at your request; the plan was made on lists')
    """
    made = made_on(plan)
    if made == plan.population:
        return ""
    return f"judged on {BASIS_WORDS[plan.population]} at your request; the plan was made on {BASIS_WORDS[made]}"


def published_populations(plan: "Plan") -> dict:
    """Return the plan's populations as they may leave the process, by :mod:`geo.disclosure`'s margin rule.

    Per neighbourhood (arrays in :attr:`Plan.neighbourhoods` order): ``resident_population`` and
    ``registered_population`` (parts: the footprint's LSOAs), ``list_population`` (parts: the neighbourhood's
    practices, the same whatever its footprint), ``population`` (the basis's one), ``deviation`` and
    ``deviation_pct`` (the published population against its ideal, ``plan["ideal"]``, so they never give back an
    exact total that is rounded);
    ``*_rounded_to`` say which are rounded. ``area_population`` and ``area_list_population`` are the whole
    plan's totals, margins of the same parts. NaN is suppressed.

    Examples
    --------
    >>> from geo.testing.small_count_area import small_count_atlas
    >>> from geo.plan import Plan
    >>> atlas = small_count_atlas()  # practice Y00001 has a list of 5
    >>> plan = Plan.from_practices(atlas, {c: "Tiny" if c == "Y00001" else "Rest" for c in atlas.practices.index})
    >>> got = published_populations(plan)
    >>> got["list_population"].tolist(), got["list_population_rounded_to"].tolist()  # Rest: Y00002 (3), Y00003 (7)
    ([35390.0, nan], [10, 10])
    """

    threshold = _threshold(None)
    made = plan.kept("published_populations", dict)  # {threshold: figures}, made once per plan
    if threshold not in made:
        made[threshold] = _published(plan, threshold)
    return made[threshold]


def _published(plan: "Plan", threshold: int) -> dict:

    live = plan.live
    sums = plan["margin_sums"]
    if sums.threshold != threshold:  # the settings changed since the plan was counted
        sums = REGISTRY["margin_sums"].compute(plan)
    parts = margin_parts(plan.arrays, threshold)
    practice_labels = np.asarray(plan["practice_label"], dtype=np.int64)
    area = _area_lists(parts, practice_labels >= 0)
    # Every published figure in one compiled pass of the rule: a column per LSOA column, one for the lists, one
    # for the whole area's lists (the LSOA columns' area totals no edit changes: see _area_totals).
    total, rounded = published_totals(
        np.asarray(sums), live, practice_labels, parts["practices"], area, threshold, MARGIN_BASE
    )
    total.flags.writeable = rounded.flags.writeable = False  # and so every column of them
    out: dict[str, Any] = {}
    for k, column in enumerate((*PUBLISHED_COLUMNS, "list_population")):
        out[column], out[f"{column}_rounded_to"] = total[:, k], rounded[:, k]
    out["area_list_population"] = float(total[0, -1])
    out["area_" + plan.population_column] = _area_totals(plan.arrays, threshold)[plan.population_column]
    basis = "list_population" if plan.population == "list" else plan.population_column
    out["population"], out["population_rounded_to"] = out[basis], out[f"{basis}_rounded_to"]
    out["area_population"] = out["area_" + basis]
    ideal = plan["ideal"]  # the target, or each place's ideal in a counted plan (geo.metrics.balance)
    aims = np.fromiter((ideal[name] for name in plan.neighbourhoods), dtype=float, count=len(plan.neighbourhoods))
    out["deviation"] = deviation = out["population"] - aims
    out["deviation_pct"] = percent = 100.0 * deviation / aims
    deviation.flags.writeable = percent.flags.writeable = False  # shared by every reader: nobody may change them
    return out


def _area_lists(parts: dict, listed: np.ndarray) -> np.ndarray:
    """The whole area's list parts (shown, imputed, hidden) of the ``listed`` practices, summed by numpy once
    per set of listed practices (an edit seldom changes it; a few sets are kept with the parts)."""
    key = listed.tobytes()
    kept = parts.setdefault("area_by_listed", {})
    area = kept.get(key)
    if area is None:
        if len(kept) >= 16:
            kept.clear()
        area = kept[key] = parts["practices"][:, listed].sum(axis=1)
    return area


_AREA: dict[tuple[int, int], dict[str, float]] = {}


def _area_totals(arrays, threshold: int) -> dict[str, float]:
    """The published area totals of the LSOA columns (the same for every plan of the atlas)."""
    key = (id(arrays), threshold)
    if key not in _AREA:
        _AREA[key] = {
            column: float(
                publish_sums(
                    arrays.values[:, arrays.column(column)], np.zeros(len(arrays.codes), np.int64), 1, threshold
                )[0][0]
            )
            for column in ("resident_population", "registered_population")
        }
        weakref.finalize(arrays, _AREA.pop, key, None)
    return _AREA[key]


def sources(plan: "Plan") -> dict:
    """Return the provenance of the atlas behind the plan: each dataset's label and vintage, and one caption."""
    return {
        "datasets": {
            key: {"dataset": s.dataset, "label": s.label, "vintage": s.vintage} for key, s in plan.atlas.sources.items()
        },
        "note": plan.atlas.source_note(),
        "area": plan.atlas.area.label,
        "lsoa_vintage": plan.atlas.vintage,
        "imd_edition": plan.atlas.imd_edition,
    }


def plan_dict(plan: "Plan") -> dict:
    """Return ``{"plan", "params", "provenance", "neighbourhoods", "violations", "sources"}`` as JSON-ready values.

    Examples
    --------
    >>> import json
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> doc = plan_dict(Plan(grid_atlas(2, 1), {"G0000": "A", "G0001": "A"}, target=3000))
    >>> doc["neighbourhoods"][0]["lsoas"], doc["violations"], len(json.dumps(doc)) > 0
    (2, [], True)
    """
    records = neighbourhood_table(plan).to_dict("records")
    return jsonable(
        {
            "plan": summary(plan),
            "params": plan.params.to_dict(),
            "provenance": plan.provenance.to_dict(),
            "neighbourhoods": records,
            "violations": [v.to_dict() for v in plan.validate()],
            "sources": sources(plan),
        }
    )


def _rounded_count(value: float, base: int = 10) -> float | None:
    """A patient count as published: rounded to ``base`` and suppressed (``None``) when it would show as 1 to the
    threshold, so neither it nor its change between two versions of a plan reveals a small count."""

    return None if is_disclosive(value) else float(base * round(value / base))


def _published_pct(pct: float, whole: float) -> float | None:
    """A percentage of ``whole`` people as :func:`geo.disclosure.publish_share` publishes it."""
    return publish_share(pct / 100.0 * whole, whole) if math.isfinite(pct) else None
