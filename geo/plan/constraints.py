"""Plan constraints as small functions, each returning the violations it finds with the neighbourhoods and LSOAs at fault.

``validate(plan)`` runs every constraint in :data:`CONSTRAINTS` (contiguity, population within tolerance unless the
neighbourhood is constrained by its local authority, local-authority nesting). Complete coverage of the area (no
unknown, duplicate, missing or unnamed LSOAs) is checked when a plan is built, by :func:`coverage_error`, since no
metric means anything without it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geo.errors import PlanError
from geo.metrics.balance import deviation_from
from geo.plan.report import published_populations

if TYPE_CHECKING:
    from geo.atlas.model import Atlas
    from geo.plan import Plan


@dataclass(frozen=True)
class Violation:
    """One failed constraint: which, in words, and the neighbourhoods and LSOAs at fault."""

    constraint: str
    message: str
    neighbourhoods: list[str] = field(default_factory=list)
    lsoas: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """Return the violation as plain values."""
        return asdict(self)


def contiguity(plan: "Plan") -> list[Violation]:
    """Report each neighbourhood in more than one part, with the LSOAs cut off from its largest part.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> plan = Plan(grid_atlas(3, 1), {"G0000": "A", "G0001": "B", "G0002": "A"})  # A B A
    >>> [(v.neighbourhoods, v.lsoas) for v in contiguity(plan)]
    [(['A'], ['G0002'])]
    """
    detached = plan["detached_lsoas"]
    return [
        Violation(
            "contiguity",
            f"{name} is in {plan['parts'][name]} separate parts; {len(codes)} LSOA(s) are cut off from its largest part",
            [name],
            codes,
        )
        for name, codes in detached.items()
    ]


def population_balance(plan: "Plan") -> list[Violation]:
    """Report each neighbourhood whose counted population is outside its ideal ± tolerance (the target, or its
    place's ideal in a plan made with a number of neighbourhoods per place), unless constrained.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> plan = Plan(grid_atlas(3, 1), {"G0000": "A", "G0001": "A", "G0002": "B"}, target=2250, tolerance=0.1)
    >>> [v.neighbourhoods for v in population_balance(plan)]
    [['A'], ['B']]
    """
    violations = []
    allowed = 100 * plan.tolerance
    # The verdict and its message leave the process: both are of the population as published (a margin of its
    # parts), never the exact count. An exact verdict, with the band's edge set a few people above a published
    # total, would say whether a practice's small list added to it was above or below the edge.
    figures = published_populations(plan)
    published = dict(zip(plan.neighbourhoods, figures["population"].tolist()))
    ideal = plan["ideal"]  # the target, or its place's ideal in a counted plan (geo.metrics.balance)
    counted = deviation_from(plan) != "the target"
    for name, pct in zip(plan.neighbourhoods, figures["deviation_pct"].tolist()):
        # A suppressed population (NaN) is judged outside whatever its exact count.
        if abs(pct) <= allowed + 1e-9 or plan["constrained"][name]:
            continue
        direction = "above" if pct > 0 else "below"
        shown, aim = published[name], ideal[name]
        people = (
            f"{shown:,.0f} {plan.population} people, {abs(100 * (shown - aim) / aim):.1f}%"
            if np.isfinite(shown)
            else f"too few {plan.population} people to publish,"
        )
        what = f"its place's ideal of {aim:,.0f}" if counted else f"the target of {plan.target:,}"
        violations.append(
            Violation("population", f"{name} has {people} {direction} {what} (allowed ±{allowed:g}%)", [name], [])
        )
    return violations


def la_nesting(plan: "Plan") -> list[Violation]:
    """Report each neighbourhood that spans local authorities, with its LSOAs outside its main authority.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> atlas = grid_atlas(3, 1, lad_width=2)  # LADs: [G0000 G0001] [G0002]
    >>> [(v.neighbourhoods, v.lsoas) for v in la_nesting(Plan(atlas, dict.fromkeys(atlas.codes, "A")))]
    [(['A'], ['G0002'])]
    """
    violations = []
    lad_of = plan.atlas.lsoas["lad_code"].astype(str)
    for name, lads in plan["lad_codes"].items():
        if len(lads) <= 1:
            continue
        main = plan["main_lad"][name]
        outside = [code for code in plan.lsoas_of(name) if lad_of[code] != main]
        violations.append(
            Violation("la_nesting", f"{name} spans {len(lads)} local authorities ({', '.join(lads)})", [name], outside)
        )
    return violations


CONSTRAINTS: dict[str, Callable[["Plan"], list[Violation]]] = {
    "contiguity": contiguity,
    "population": population_balance,
    "la_nesting": la_nesting,
}


def validate(plan: "Plan", constraints: list[str] | None = None) -> list[Violation]:
    """Run the named constraints (default: all) and return every violation found.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> validate(Plan(grid_atlas(2, 1), {"G0000": "A", "G0001": "A"}, target=3000))
    []
    """
    unknown = set(constraints or []) - CONSTRAINTS.keys()
    if unknown:
        raise PlanError(f"unknown constraint(s) {sorted(unknown)}", expected=f"one of {sorted(CONSTRAINTS)}")
    return [v for key in (constraints or CONSTRAINTS) for v in CONSTRAINTS[key](plan)]


def coverage_error(
    atlas: "Atlas", assignment: Mapping[str, str] | pd.Series, *, file: str | None = None
) -> PlanError | None:
    """Return the error that stops ``assignment`` from being a plan of ``atlas``, or ``None`` when it covers it exactly.

    Checks, in order: an empty plan, duplicate LSOAs, LSOAs not in the area, blank neighbourhood names, and LSOAs of
    the area that the plan leaves out.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> print(coverage_error(grid_atlas(2, 1), {"G0000": "A"}))
    1 LSOA(s) of the area are missing from the plan: G0001 (expected every LSOA of Grid ICB (synthetic test data) assigned to a neighbourhood)
    """
    series = assignment if isinstance(assignment, pd.Series) else pd.Series(dict(assignment), dtype=object)
    if len(series) == 0:
        return PlanError("the plan assigns no LSOAs", file=file, expected="one row per LSOA of the area")
    # The usual case (a plan derived from the atlas: a proposal, a footprint, a rename) has the atlas's own index:
    # then only the names need checking (isin over Arrow strings costs 0.5 s for England).
    same = series.index is atlas.lsoas.index or series.index.equals(atlas.lsoas.index)
    codes = series.index if same else series.index.astype(str)
    duplicated = [] if same else codes[codes.duplicated()].unique()
    if len(duplicated):
        return PlanError(
            f"LSOA(s) assigned more than once: {_few(duplicated)}",
            file=file,
            column="lsoa_code",
            expected="each LSOA once",
        )
    unknown = [] if same else codes[~codes.isin(atlas.lsoas.index)]
    if len(unknown):
        return PlanError(
            f"{len(unknown)} LSOA(s) are not in the study area: {_few(unknown)}",
            file=file,
            column="lsoa_code",
            expected=f"LSOA {atlas.vintage} codes of {atlas.area.label}",
        )
    labels = series.astype(str).str.strip()
    blank = codes[series.isna().to_numpy() | labels.isin(["", "nan", "None"]).to_numpy()]
    if len(blank):
        return PlanError(
            f"{len(blank)} LSOA(s) have no neighbourhood name: {_few(blank)}",
            file=file,
            column="neighbourhood",
            expected="a non-empty name",
        )
    missing = [] if same else atlas.lsoas.index[~atlas.lsoas.index.isin(codes)]
    if len(missing):
        return PlanError(
            f"{len(missing)} LSOA(s) of the area are missing from the plan: {_few(missing)}",
            file=file,
            expected=f"every LSOA of {atlas.area.label} assigned to a neighbourhood",
        )
    return None


def _few(codes, limit: int = 10) -> str:
    codes = list(map(str, codes))
    return ", ".join(codes[:limit]) + (f" and {len(codes) - limit} more" if len(codes) > limit else "")
