"""A plan as a value: every LSOA of an atlas assigned to a neighbourhood, with cached, incrementally updated metrics.

``Plan(atlas, assignment)`` checks the assignment against the atlas; ``plan.move({lsoa: neighbourhood})`` returns a
child plan whose tallies are patched from the parent's (old - outflow + inflow) rather than recounted;
``plan["metric"]`` computes a registered metric (:mod:`geo.metrics`) the first time it is asked for. The tables a
person reads (:meth:`Plan.neighbourhood_table`, :meth:`Plan.summary`, :meth:`Plan.validate`) are built from those
metrics in :mod:`geo.plan.report` and :mod:`geo.plan.constraints`.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from geo.atlas.model import Atlas
from geo.errors import PlanError
from geo.metrics import REGISTRY
from geo.atlas.arrays import BASES, AtlasArrays, atlas_arrays

if TYPE_CHECKING:
    from geo.plan.constraints import Violation


def natural_key(label: str) -> tuple:
    """Sort key that puts "N2" before "N10"."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", label))


class Plan:
    """Every LSOA of an atlas assigned to a named neighbourhood.

    Parameters
    ----------
    atlas
        The study area's atlas.
    assignment
        ``lsoa_code -> neighbourhood`` for every LSOA of the atlas (a mapping or a Series indexed by code).
    target, tolerance
        Target population of a neighbourhood and the allowed relative deviation from it.
    population
        Which population counts: ``"resident"`` (ONS/Census) or ``"registered"`` (GP registrations).
    practice_split_threshold
        Share of a practice's patients living outside its neighbourhood above which the practice counts as split.
    name
        A label for the plan in tables and exports.
    parent, moved
        The plan this one was edited from and the moves that made it; tallies are then patched from the parent.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> atlas = grid_atlas(3, 3)  # 1,500 residents per cell
    >>> plan = Plan(atlas, {c: ("W" if c in {"G0000", "G0003", "G0006"} else "E") for c in atlas.codes}, target=6750)
    >>> plan.neighbourhoods, plan["population"]
    (['E', 'W'], {'E': 9000.0, 'W': 4500.0})
    >>> plan.move({"G0001": "W"})["population"]
    {'E': 7500.0, 'W': 6000.0}
    """

    def __init__(
        self,
        atlas: Atlas,
        assignment: Mapping[str, str] | pd.Series,
        *,
        target: int = 50_000,
        tolerance: float = 0.10,
        population: str = "resident",
        practice_split_threshold: float = 0.10,
        name: str = "plan",
        parent: Plan | None = None,
        moved: Mapping[str, str] | None = None,
    ) -> None:
        _check_parameters(target, tolerance, population, practice_split_threshold)
        if len(atlas.lsoas) == 0:
            raise PlanError("the study area has no LSOAs", expected="an area with at least one LSOA")
        self.atlas = atlas
        self.target = int(target) if float(target).is_integer() else float(target)
        self.tolerance = float(tolerance)
        self.population = population
        self.practice_split_threshold = float(practice_split_threshold)
        self.name = str(name)
        self.moved: dict[str, str] = dict(moved or {})
        self._arrays: AtlasArrays = atlas_arrays(atlas)
        from geo.plan.constraints import coverage_error

        error = coverage_error(atlas, assignment)
        if error is not None:
            raise error
        values = pd.Series(assignment).reindex(self._arrays.codes).astype(str).str.strip().to_numpy()
        if parent is not None and parent.atlas is atlas:
            labels = list(parent._labels)
            known = {label: k for k, label in enumerate(labels)}
            for label in dict.fromkeys(values):
                if label not in known:
                    known[label] = len(labels)
                    labels.append(label)
            lab = np.fromiter((known[v] for v in values), dtype=np.int64, count=len(values))
            self._init_state(labels, lab, parent)
        else:
            labels = sorted(set(values), key=natural_key)
            lab = pd.Index(labels).get_indexer(values).astype(np.int64)
            self._init_state(labels, lab, None)

    def _init_state(self, labels: list[str], lab: np.ndarray, parent: Plan | None) -> None:
        self._labels = labels
        self._lab = lab
        self._cache: dict[str, Any] = {}
        self._parent_ref = weakref.ref(parent) if parent is not None else None
        if parent is None:
            self._flow = (np.empty(0, int), np.empty(0, int), np.empty(0, int))
            self._changed: frozenset[int] = frozenset(range(len(labels)))
        else:
            pos = np.flatnonzero(parent._lab != lab[: len(parent._lab)])
            self._flow = (pos, parent._lab[pos], lab[pos])
            self._changed = frozenset(self._flow[1].tolist()) | frozenset(self._flow[2].tolist())

    @classmethod
    def from_frame(cls, atlas: Atlas, frame: pd.DataFrame, **kwargs) -> Plan:
        """Build a plan from a table with ``lsoa_code`` and ``neighbourhood`` columns (header variants accepted).

        Examples
        --------
        >>> from geo.testing import grid_atlas
        >>> atlas = grid_atlas(2, 1)
        >>> Plan.from_frame(atlas, pd.DataFrame({"LSOA21CD": ["G0000", "G0001"], "name": ["A", "A"]})).neighbourhoods
        ['A']
        """
        from geo.plan.io import assignment_from_frame

        return cls(atlas, assignment_from_frame(frame, atlas, source="table"), **kwargs)

    @classmethod
    def from_file(cls, path, atlas: Atlas, *, name_column: str | None = None, **kwargs) -> Plan:
        """Read a plan from a CSV lookup or a polygon file (see :func:`geo.plan.io.read_plan`)."""
        from geo.plan.io import read_plan

        kwargs.setdefault("name", getattr(path, "stem", str(path)))
        return cls(atlas, read_plan(path, atlas, name_column=name_column), **kwargs)

    # --- the assignment -------------------------------------------------------------------------------------

    @property
    def parent(self) -> Plan | None:
        """The plan this one was moved from, while it is still in memory (children do not keep ancestors alive)."""
        return self._parent_ref() if self._parent_ref is not None else None

    @cached_property
    def assignment(self) -> pd.Series:
        """``lsoa_code -> neighbourhood`` in atlas order."""
        labels = np.array(self._labels, dtype=object)
        return pd.Series(labels[self._lab], index=self.atlas.lsoas.index.copy(), name="neighbourhood")

    @cached_property
    def live(self) -> np.ndarray:
        """Label indices of the neighbourhoods that hold at least one LSOA, in natural name order."""
        present = np.flatnonzero(np.bincount(self._lab, minlength=len(self._labels)))
        return np.array(sorted(present, key=lambda k: natural_key(self._labels[k])), dtype=int)

    @property
    def neighbourhoods(self) -> list[str]:
        """Names of the neighbourhoods, in natural order ("N2" before "N10")."""
        return [self._labels[k] for k in self.live]

    def members(self, label: int) -> np.ndarray:
        """Row positions of the LSOAs in neighbourhood ``label`` (an index into the plan's labels)."""
        return np.flatnonzero(self._lab == label)

    def lsoas_of(self, neighbourhood: str) -> list[str]:
        """LSOA codes of one neighbourhood."""
        return self._arrays.codes[self._lab == self._labels.index(neighbourhood)].tolist()

    @property
    def population_column(self) -> str:
        """The LSOA column that is counted: ``resident_population`` or ``registered_population``."""
        return f"{self.population}_population"

    def move(self, moves: Mapping[str, str]) -> Plan:
        """Return a child plan with the given LSOAs moved to the given neighbourhoods.

        A label that is not yet a neighbourhood creates one; a neighbourhood left without LSOAs disappears.

        Examples
        --------
        >>> from geo.testing import grid_atlas
        >>> plan = Plan(grid_atlas(2, 1), {"G0000": "A", "G0001": "A"})
        >>> plan.move({"G0001": "B"}).neighbourhoods
        ['A', 'B']
        """
        position = self._arrays.position
        unknown = [code for code in moves if code not in position]
        if unknown:
            raise PlanError(
                f"cannot move {len(unknown)} LSOA(s) that are not in the study area: {', '.join(map(str, unknown[:10]))}",
                column="lsoa_code",
                expected=f"LSOA codes of {self.atlas.area.label}",
            )
        labels = list(self._labels)
        known = {label: k for k, label in enumerate(labels)}
        lab = self._lab.copy()
        for code, target in moves.items():
            label = str(target).strip() if target is not None else ""
            if not label or label == "nan":
                raise PlanError(f"LSOA {code} is moved to an empty neighbourhood name", column="neighbourhood", expected="a non-empty name")
            if label not in known:
                known[label] = len(labels)
                labels.append(label)
            lab[position[code]] = known[label]
        child = Plan.__new__(Plan)
        for attr in ("atlas", "target", "tolerance", "population", "practice_split_threshold", "name", "_arrays"):
            setattr(child, attr, getattr(self, attr))
        child.moved = {code: str(t).strip() for code, t in moves.items()}
        child._init_state(labels, lab, self)
        return child

    # --- metrics ---------------------------------------------------------------------------------------------

    def __getitem__(self, metric: str) -> Any:
        """Return a named metric (see ``geo.metrics.REGISTRY``), computing it once and caching it."""
        try:
            return self._cache[metric]
        except KeyError:
            pass
        if metric not in REGISTRY:
            raise KeyError(f"unknown metric {metric!r}; known metrics: {', '.join(sorted(REGISTRY))}")
        entry = REGISTRY[metric]
        if entry.update is None:
            value = self._cache[metric] = entry.compute(self)
            return value
        # Walk up to the nearest ancestor still in memory that has the value (or to the root), then patch
        # down the line; a loop rather than recursion, since a chain of edits can be thousands of plans long.
        line = [self]
        while metric not in line[-1]._cache and line[-1].parent is not None:
            line.append(line[-1].parent)
        top = line.pop()
        if metric not in top._cache:
            top._cache[metric] = entry.compute(top)
        value = top._cache[metric]
        for plan in reversed(line):
            value = plan._cache[metric] = entry.update(plan, value)
        return value

    def neighbourhood_table(self) -> pd.DataFrame:
        """Return one row per neighbourhood (see :func:`geo.plan.report.neighbourhood_table`)."""
        from geo.plan.report import neighbourhood_table

        return neighbourhood_table(self)

    def summary(self) -> dict:
        """Return the plan-level metrics (see :func:`geo.plan.report.summary`)."""
        from geo.plan.report import summary

        return summary(self)

    def validate(self) -> list[Violation]:
        """Return every failed constraint with its offending neighbourhoods and LSOAs (empty when valid)."""
        from geo.plan.constraints import validate

        return validate(self)

    def to_dict(self) -> dict:
        """Return the plan, its neighbourhoods, violations and sources as JSON-ready values."""
        from geo.plan.report import plan_dict

        return plan_dict(self)

    def __getstate__(self) -> dict:
        # A weak reference cannot be pickled; a plan sent to another process stands alone and recounts.
        return {**self.__dict__, "_parent_ref": None}

    def __repr__(self) -> str:
        return f"Plan({self.name!r}, {len(self.live)} neighbourhoods, {len(self._lab)} LSOAs, target={self.target})"


def _check_parameters(target, tolerance, population, threshold) -> None:
    if not isinstance(target, (int, float, np.integer, np.floating)) or not np.isfinite(target) or target <= 0:
        raise PlanError(f"target population {target!r} is not positive", column="target", expected="a positive number of people, e.g. 50000")
    if not isinstance(tolerance, (int, float, np.integer, np.floating)) or not 0 <= tolerance < 1:
        raise PlanError(f"tolerance {tolerance!r} is out of range", column="tolerance", expected="a share from 0 up to 1, e.g. 0.1")
    if population not in BASES:
        raise PlanError(f"population basis {population!r} is unknown", column="population", expected="'resident' or 'registered'")
    if not isinstance(threshold, (int, float, np.integer, np.floating)) or not 0 <= threshold < 1:
        raise PlanError(f"practice split threshold {threshold!r} is out of range", column="practice_split_threshold", expected="a share from 0 up to 1")
