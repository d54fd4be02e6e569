"""A plan as a value: every LSOA of an atlas assigned to a neighbourhood, with cached, incrementally updated metrics.

``Plan(atlas, assignment)`` checks the assignment against the atlas; ``plan.move({lsoa: neighbourhood})`` returns a
child plan whose tallies are patched from the parent's (old - outflow + inflow) rather than recounted;
``plan["metric"]`` computes a registered metric (:mod:`geo.metrics`) the first time it is asked for. The tables a
person reads (:meth:`Plan.neighbourhood_table`, :meth:`Plan.summary`, :meth:`Plan.validate`) are built from those
metrics in :mod:`geo.plan.report` and :mod:`geo.plan.constraints`.
"""

from __future__ import annotations

import dataclasses
import re
import weakref
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from geo.atlas.arrays import AtlasArrays, atlas_arrays
from geo.atlas.model import Atlas
from geo.errors import PlanError
from geo.metrics import REGISTRY
from geo.names import check_name
from geo.plan.constraints import Violation, coverage_error, validate
from geo.plan.lists import PracticeView, move_practices, plan_from_practices
from geo.plan.lookup import assignment_from_frame
from geo.plan.naming import rename
from geo.plan.params import PlanParams, Provenance
from geo.plan.reader import load_plan
from geo.plan.report import neighbourhood_table, plan_dict, summary
from geo.plan.user_units import check_moves_in_units

#: Keyed metric values a plan keeps for objects named by identity (uploaded geographies, UEC layers).
KEPT_BY_IDENTITY = 8
#: What an empty slot of the metric cache reads as (a metric's value may be None).
_ABSENT = object()


def natural_key(label: str) -> tuple:
    """Sort key that puts "N2" before "N10"."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", label))


class Plan:
    """Every LSOA of an atlas assigned to a named neighbourhood, with the parameters it is measured against.

    A plan is a closed value: its state lives in declared slots (no ``__dict__``: writing an undeclared attribute
    raises), its public attributes are read-only, and a changed plan is a new one made by a public constructor
    (:meth:`move`, :meth:`move_practices`, :meth:`named`, :meth:`rename`, :meth:`with_params`,
    :meth:`from_practices`; re-nesting and ensembles call the constructor). Only the metric cache and the
    constructors' kept state grow after construction, and only through this class.

    Parameters
    ----------
    atlas
        The study area's atlas.
    assignment
        ``lsoa_code -> neighbourhood`` for every LSOA of the atlas (a mapping or a Series indexed by code).
    params
        The :class:`geo.plan.params.PlanParams` (target, tolerance, population basis, practice split threshold);
        default: from the settings.
    provenance
        How the plan was made (:class:`geo.plan.params.Provenance`); default: ``method="manual"``.
    name
        A label for the plan in tables and exports.
    parent, moved
        The plan this one was edited from and the moves that made it; tallies are then patched from the parent.
    practices
        The list view of a list-based plan: ``practice_code -> neighbourhood`` for every practice of the area (see
        :meth:`from_practices`, which also derives the place footprint). ``None`` for a plan built from LSOAs,
        whose practices belong to the neighbourhood holding most of their patients.
    **overrides
        ``target=``, ``tolerance=``, ``population=``, ``practice_split_threshold=`` on top of ``params``.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> atlas = grid_atlas(3, 3)  # 1,500 residents per cell
    >>> plan = Plan(atlas, {c: ("W" if c in {"G0000", "G0003", "G0006"} else "E") for c in atlas.codes}, target=6750)
    >>> plan.neighbourhoods, plan["population"]
    (['E', 'W'], {'E': 9000.0, 'W': 4500.0})
    >>> plan.move({"G0001": "W"})["population"]
    {'E': 7500.0, 'W': 6000.0}
    >>> plan.params.target, plan.move({"G0001": "W"}).params == plan.params
    (6750, True)
    >>> plan.colour = "red"
    Traceback (most recent call last):
    ...
    AttributeError: 'Plan' object has no attribute 'colour'
    """

    __slots__ = (
        "_atlas",
        "_params",
        "_provenance",
        "_name",
        "_moved",
        "_moved_practices",
        "_arrays",
        "_practices",
        "_labels",
        "_lab",
        "_cache",
        "_parent_ref",
        "_flow",
        "_changed",
        # explicit caches of values derived from the assignment (None until first asked for)
        "_assignment",
        "_live",
        "_names",
        "_known",
        # state a constructor of this package keeps with the plan (a list plan's footprint), see kept()
        "_kept",
        "__weakref__",  # children hold their parent weakly
    )

    def __init__(
        self,
        atlas: Atlas,
        assignment: Mapping[str, str] | pd.Series,
        params: PlanParams | None = None,
        *,
        provenance: Provenance | None = None,
        name: str = "plan",
        parent: Plan | None = None,
        moved: Mapping[str, str] | None = None,
        practices: Mapping[str, str] | pd.Series | None = None,
        **overrides: Any,
    ) -> None:
        self._moved_practices: dict[str, str] = {}
        if isinstance(assignment, _Labelled) and parent is not None and not overrides:
            # Fast path of move() and move_practices(): the parent's atlas, parameters, arrays and practice codes
            # are already checked (issues 11 and 16).
            self._atlas, self._params, self._arrays, self._practices = atlas, params, parent._arrays, practices
            self._provenance = provenance if provenance is not None else Provenance()
            self._name = str(name)
            self._moved = dict(moved or {})
            self._init_state(assignment.labels, assignment.index, parent, assignment.flow)
            self._adopt(assignment)
            return
        unknown = set(overrides) - set(PlanParams.model_fields)
        if unknown:
            raise TypeError(f"Plan() got unexpected keyword argument(s): {', '.join(sorted(unknown))}")
        if params is None:
            params = PlanParams.from_settings(**overrides)
        else:
            params = params.plan_params()
            if overrides:
                params = params.replace(**{k: v for k, v in overrides.items() if v is not None})
        provenance = provenance if provenance is not None else Provenance()
        # The population basis is part of the plan: the one it was made on (its file's, a list plan's lists)
        # unless the parameters name one explicitly; the provenance keeps the basis it was made on either way.
        own = provenance.population_basis or ("list" if practices is not None else None)
        if own is not None and not params.population_given:
            params = params.replace(population=own)
        if provenance.population_basis is None:
            provenance = dataclasses.replace(provenance, population_basis=own or params.population)
        if len(atlas.lsoas) == 0:
            raise PlanError("the study area has no LSOAs", expected="an area with at least one LSOA")
        if params.population == "list" and practices is None:
            raise PlanError(
                "population 'list' counts the lists of a plan built from whole practices",
                column="population",
                expected="'resident' or 'registered' for a plan of LSOAs",
            )
        self._atlas = atlas
        self._params = params
        self._provenance = provenance
        self._name = str(name)
        self._moved: dict[str, str] = dict(moved or {})
        self._arrays: AtlasArrays = atlas_arrays(atlas)
        self._practices = None if practices is None else pd.Series(practices, dtype=object).astype(str)
        if isinstance(assignment, _Labelled):  # from move(): codes are the atlas's by construction
            self._init_state(assignment.labels, assignment.index, parent)
            return

        error = coverage_error(atlas, assignment)
        if error is not None:
            raise error
        values = pd.Series(assignment).reindex(self._arrays.codes).astype(str).str.strip().to_numpy()
        for label in pd.unique(values):  # the one name rule, whoever builds the plan
            check_name(label, what="neighbourhood name", column="neighbourhood")
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

    def _adopt(self, made: _Labelled) -> None:
        """Take what a constructor of this package worked out for the child (practice moves, metric values,
        footprint state), so no code outside the class writes a plan's private state."""
        self._moved_practices = dict(made.moved_practices)
        self._cache.update(made.metrics)
        self._kept.update(made.state)

    def kept(self, key: str, make: Callable[[], Any] | None = None) -> Any:
        """State a constructor of this package keeps with the plan (a list plan's ``footprint`` and
        ``footprint_home``; a one-LSOA edit's patched arrays, :mod:`geo.metrics.edit`), made once by ``make()`` when
        absent; ``None`` when absent and no ``make``."""
        value = self._kept.get(key)
        if value is None and make is not None:
            value = self._kept[key] = make()
        return value

    @property
    def atlas(self) -> Atlas:
        """The study area's atlas."""
        return self._atlas

    @property
    def moved(self) -> Mapping[str, str]:
        """The LSOA moves that made this plan from its parent (read-only; empty for a root plan)."""
        return MappingProxyType(self._moved)

    @property
    def moved_practices(self) -> Mapping[str, str]:
        """The practice moves that made this list-based plan from its parent (read-only; empty otherwise)."""
        return MappingProxyType(self._moved_practices)

    @property
    def name(self) -> str:
        """A label for the plan in tables and exports (fixed at construction; see :meth:`named`)."""
        return self._name

    def named(self, name: str) -> Plan:
        """Return the same plan under another name (the metrics computed so far are shared, not recounted).

        Examples
        --------
        >>> from geo.testing import grid_atlas
        >>> plan = Plan(grid_atlas(2, 1), {"G0000": "A", "G0001": "A"}, name="draft")
        >>> plan.named("v2").name, plan.name, plan.named("v2")["population"] is plan["population"]
        ('v2', 'draft', True)
        >>> child = plan.move({"G0001": "B"})
        >>> child.named("v3").parent is plan  # an edit keeps its parent, so a move is still scored incrementally
        True
        """
        twin = object.__new__(type(self))
        for slot in _STATE:  # not copy.copy: __getstate__ drops the parent for pickling
            object.__setattr__(twin, slot, getattr(self, slot))
        twin._name = str(name)
        return twin

    def _init_state(
        self,
        labels: list[str],
        lab: np.ndarray,
        parent: Plan | None,
        flow: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    ) -> None:
        self._labels = labels
        self._lab = lab
        self._cache: dict[Any, Any] = {}
        self._kept: dict[str, Any] = {}
        self._assignment = self._live = self._names = self._known = None
        self._parent_ref = weakref.ref(parent) if parent is not None else None
        if parent is None:
            self._flow = (np.empty(0, int), np.empty(0, int), np.empty(0, int))
            self._changed: frozenset[int] = frozenset(range(len(labels)))
        else:
            if flow is None:  # else handed over by move(), which knows the rows it relabelled
                pos = np.flatnonzero(parent._lab != lab[: len(parent._lab)])
                flow = (pos, parent._lab[pos], lab[pos])
            self._flow = flow
            self._changed = frozenset(self._flow[1].tolist()) | frozenset(self._flow[2].tolist())
            # Keep the parent's sorted neighbourhoods when no neighbourhood appeared or emptied (the usual move):
            # sorting names by natural_key is otherwise a large part of an edit's cost (issue 16).
            live = parent._live
            if live is not None and parent._names is not None:
                counts = np.bincount(lab, minlength=len(labels))
                if np.count_nonzero(counts) == len(live) == np.count_nonzero(counts[live]):
                    self._live, self._names = live, parent._names

    # --- what the plan is measured against, and how it was made --------------------------------------------

    @property
    def params(self) -> PlanParams:
        """The parameters every metric of this plan reads (target, tolerance, population basis, threshold)."""
        return self._params

    @property
    def provenance(self) -> Provenance:
        """How the plan was made: method, seed, seconds, what it could not meet, whether it stopped early."""
        return self._provenance

    @property
    def target(self) -> int | float:
        """Target population of one neighbourhood."""
        return self._params.target

    @property
    def tolerance(self) -> float:
        """Allowed relative deviation from the target."""
        return self._params.tolerance

    @property
    def population(self) -> str:
        """Population basis: ``"resident"`` or ``"registered"``."""
        return self._params.population

    @property
    def practice_split_threshold(self) -> float:
        """Share of a practice's patients outside its home neighbourhood above which it counts as split."""
        return self._params.practice_split_threshold

    @property
    def unmet(self) -> list[str]:
        """What the proposal that made this plan could not meet (empty for an imported or edited plan)."""
        return list(self._provenance.unmet)

    @property
    def practice_assignment(self) -> pd.Series | None:
        """The list view of a list-based plan (``practice_code -> neighbourhood``); ``None`` for an LSOA-built one."""
        practices = self._practices
        if isinstance(practices, PracticeView):  # a moved plan's, built when first read
            practices = self._practices = practices.series()
        return practices

    def practice_view(self) -> PracticeView | None:
        """The list view as label indices (:class:`geo.plan.lists.PracticeView`), what a practice move reads;
        ``None`` for an LSOA-built plan."""
        practices = self._practices
        if practices is None or isinstance(practices, PracticeView) and practices.labels is not None:
            return practices
        return self.kept("practice_view", lambda: PracticeView.of(practices, self._arrays))

    @property
    def built_from(self) -> str:
        """``"practices"`` for a list-based plan (whole practices or PCNs), ``"lsoas"`` for a place-based one."""
        return "lsoas" if self._practices is None else "practices"

    def with_params(self, params: PlanParams | None = None, **overrides: Any) -> Plan:
        """Return the same assignment measured against other parameters (a new root plan: metrics recount).

        Examples
        --------
        >>> from geo.testing import grid_atlas
        >>> plan = Plan(grid_atlas(2, 1), {"G0000": "A", "G0001": "A"}, target=3000)
        >>> plan.with_params(target=6000)["deviation_pct"]
        {'A': -50.0}
        """
        base = params if params is not None else self._params
        return Plan(
            self.atlas,
            self.assignment,
            base,
            provenance=self._provenance,
            name=self.name,
            practices=self.practice_assignment,
            **overrides,
        )

    # --- the public state metrics read --------------------------------------------------------------------

    @property
    def arrays(self) -> AtlasArrays:
        """The atlas as aligned numpy arrays (:mod:`geo.atlas.arrays`), row order = atlas order."""
        return self._arrays

    @property
    def labels(self) -> list[str]:
        """Every label this plan's line of edits has used; :attr:`label_index` points into it."""
        return self._labels

    @property
    def label_index(self) -> np.ndarray:
        """For each LSOA row, the index of its neighbourhood in :attr:`labels` (do not modify)."""
        return self._lab

    @property
    def flow(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The rows that moved from the parent, with their old and new label indices (empty for a root plan)."""
        return self._flow

    @property
    def changed(self) -> frozenset[int]:
        """Label indices whose membership differs from the parent's (all of them for a root plan)."""
        return self._changed

    @classmethod
    def from_practices(
        cls, atlas: Atlas, practices: Mapping[str, str] | pd.Series, params: PlanParams | None = None, **kwargs: Any
    ) -> Plan:
        """Build a list-based plan from whole practices (see :func:`geo.plan.lists.plan_from_practices`).

        Examples
        --------
        >>> from geo.testing import grid_atlas
        >>> atlas = grid_atlas(4, 4)
        >>> plan = Plan.from_practices(atlas, dict(zip(atlas.practices.index, ["A", "A", "B", "B"])), target=12_000)
        >>> plan.built_from, plan.population, plan.practice_assignment.to_dict()
        ('practices', 'list', {'Z00000': 'A', 'Z00001': 'A', 'Z00002': 'B', 'Z00003': 'B'})
        """
        return plan_from_practices(atlas, practices, params, **kwargs)

    def move_practices(self, moves: Mapping[str, str]) -> Plan:
        """Return a child list-based plan with the given practices moved (see :func:`geo.plan.lists.move_practices`).

        Examples
        --------
        >>> from geo.testing import grid_atlas
        >>> atlas = grid_atlas(4, 4)
        >>> plan = Plan.from_practices(atlas, dict(zip(atlas.practices.index, ["A", "A", "B", "B"])), target=12_000)
        >>> child = plan.move_practices({"Z00002": "A"})
        >>> child.practice_assignment["Z00002"], child.parent is plan
        ('A', True)
        """
        return move_practices(self, moves)

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
        return cls(atlas, assignment_from_frame(frame, atlas, source="table"), **kwargs)

    @classmethod
    def from_file(cls, path, atlas: Atlas, *, name_column: str | None = None, **kwargs) -> Plan:
        """Read a plan file: a CSV lookup or polygons (place-based), or ``practice_code,neighbourhood``
        (list-based), recognised by its header (see :func:`geo.plan.reader.load_plan`)."""
        return load_plan(path, atlas, name_column=name_column, **kwargs)

    # --- the assignment -------------------------------------------------------------------------------------

    @property
    def parent(self) -> Plan | None:
        """The plan this one was moved from, while it is still in memory (children do not keep ancestors alive)."""
        return self._parent_ref() if self._parent_ref is not None else None

    @property
    def assignment(self) -> pd.Series:
        """``lsoa_code -> neighbourhood`` in atlas order (made once)."""
        if self._assignment is None:
            labels = np.array(self._labels, dtype=object)
            self._assignment = pd.Series(labels[self._lab], index=self.atlas.lsoas.index.copy(), name="neighbourhood")
        return self._assignment

    @property
    def live(self) -> np.ndarray:
        """Label indices of the neighbourhoods that hold at least one LSOA, in natural name order (made once)."""
        if self._live is None:
            present = np.flatnonzero(np.bincount(self._lab, minlength=len(self._labels)))
            self._live = np.array(sorted(present, key=lambda k: natural_key(self._labels[k])), dtype=int)
        return self._live

    @property
    def neighbourhoods(self) -> list[str]:
        """Names of the neighbourhoods, in natural order ("N2" before "N10")."""
        if self._names is None:
            # Kept (and shared with children whose neighbourhoods are the same): every metric keyed by name reads it.
            self._names = tuple(self._labels[k] for k in self.live.tolist())
        return list(self._names)

    def members(self, label: int) -> np.ndarray:
        """Row positions of the LSOAs in neighbourhood ``label`` (an index into the plan's labels)."""
        return np.flatnonzero(self._lab == label)

    def lsoas_of(self, neighbourhood: str) -> list[str]:
        """LSOA codes of one neighbourhood."""
        return self._arrays.codes[self._lab == self._labels.index(neighbourhood)].tolist()

    @property
    def population_column(self) -> str:
        """The LSOA column that is counted (``resident_population`` or ``registered_population``; for the
        ``"list"`` basis the registered column, which weights the footprint's mix)."""
        return self._params.population_column

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
        if self._practices is not None:
            raise PlanError(
                "this plan is built from whole practices: move practices, not LSOAs (its footprint "
                "follows its practices' patients)",
                column="lsoa_code",
                expected="a practice move (move_practices)",
            )
        position = self._arrays.position
        unknown = [code for code in moves if code not in position]
        if unknown:
            raise PlanError(
                f"cannot move {len(unknown)} LSOA(s) that are not in the study area: {', '.join(map(str, unknown[:10]))}",
                column="lsoa_code",
                expected=f"LSOA codes of {self.atlas.area.label}",
            )
        check_moves_in_units(self, moves)  # a re-nested plan's units stay as they are measured
        # The label list is shared with the child unless a move names a new neighbourhood (lists are never
        # modified in place: a new label copies first).
        labels = self._labels
        known = self._known
        if known is None:
            known = self._known = {label: k for k, label in enumerate(labels)}
        lab = self._lab.copy()
        moved = {}
        for code, target in moves.items():
            label = "" if target is None else str(target).strip()
            if label not in known:
                label = check_name(target, what=f"neighbourhood name for LSOA {code}", column="neighbourhood")
                if labels is self._labels:
                    labels, known = list(labels), dict(known)
                known[label] = len(labels)
                labels.append(label)
            lab[position[code]] = known[label]
            moved[code] = label
        # The rows that changed label, ascending (as a scan of the two label arrays would list them).
        rows = [row for row in sorted({position[code] for code in moved}) if lab[row] != self._lab[row]]
        pos = np.array(rows, dtype=np.int64)
        child = Plan(
            self.atlas,
            _Labelled(labels, lab, flow=(pos, self._lab[pos], lab[pos])),
            self._params,
            provenance=self._provenance,
            name=self.name,
            parent=self,
            moved=moved,
        )
        child._known = known  # the label -> index map of the labels it shares
        return child

    def rename(self, mapping: Mapping[str, str]) -> Plan:
        """Return this plan with neighbourhoods renamed ``{old: new}`` (see :func:`geo.plan.naming.rename`)."""
        return rename(self, mapping)

    # --- metrics ---------------------------------------------------------------------------------------------

    def __getitem__(self, metric: str) -> Any:
        """Return a named metric (see ``geo.metrics.REGISTRY``), computing it once and caching it."""
        cache = self._cache
        value = cache.get(metric, _ABSENT)  # a summary reads some forty metrics after every edit: no exceptions
        if value is not _ABSENT:
            return value
        entry = REGISTRY.get(metric)
        if entry is None:
            raise KeyError(f"unknown metric {metric!r}; known metrics: {', '.join(sorted(REGISTRY))}")
        if entry.keyed:
            raise KeyError(
                f"metric {metric!r} is a figure of the plan and another layer: use plan.metric({metric!r}, of)"
            )
        update = entry.update
        if update is None:
            value = cache[metric] = entry.compute(self)
            return value
        parent = self._parent_ref() if self._parent_ref is not None else None
        if parent is not None:
            held = parent._cache.get(metric, _ABSENT)
            if held is not _ABSENT:  # the usual edit: the parent has it, patch it
                value = cache[metric] = update(self, held)
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
            value = plan._cache[metric] = update(plan, value)
        return value

    def held(self, metric: str) -> Any:
        """The value of a metric this plan has already worked out, else ``None`` (never computes one).

        Examples
        --------
        >>> from geo.testing import grid_atlas
        >>> plan = Plan(grid_atlas(2, 1), {"G0000": "A", "G0001": "B"})
        >>> plan.held("lsoas"), plan.metric("lsoas"), plan.held("lsoas")
        (None, {'A': 1, 'B': 1}, {'A': 1, 'B': 1})
        """
        return self._cache.get(metric)

    def metric(self, name: str, of: Any = None) -> Any:
        """Return a metric; a keyed one (:mod:`geo.metrics`) is a figure of this plan and ``of`` (a geography, a
        UEC layer), computed once per plan and ``of`` and then read by every output.

        Examples
        --------
        >>> from geo.testing import grid_atlas
        >>> from geo.plan.geography import geography
        >>> plan = Plan(grid_atlas(2, 1), {"G0000": "A", "G0001": "B"})
        >>> las = geography(plan.atlas, "las")
        >>> plan.metric("coterminosity", las) is plan.metric("coterminosity", geography(plan.atlas, "las"))
        True
        >>> plan.metric("lsoas")
        {'A': 1, 'B': 1}
        """
        entry = REGISTRY.get(name)
        if entry is None or not entry.keyed:
            if of is not None:
                raise TypeError(f"metric {name!r} is a figure of the plan alone: use plan[{name!r}]")
            return self[name]
        token = entry.token(of) if entry.token is not None else None
        key = (name, "=", token) if token is not None else (name, "is", id(of))
        held = self._cache.get(key)
        if held is not None and (token is not None or held[0] is of):  # an id is only a key while ``of`` lives
            return held[1]
        value = entry.compute(self, of)
        by_identity = [k for k in self._cache if isinstance(k, tuple) and k[1] == "is"]
        for stale in by_identity[: max(0, len(by_identity) - KEPT_BY_IDENTITY + 1)]:
            del self._cache[stale]  # bounded: a plan holds the figures of its few latest layers
        self._cache[key] = (of, value)
        return value

    def neighbourhood_table(self) -> pd.DataFrame:
        """Return one row per neighbourhood (see :func:`geo.plan.report.neighbourhood_table`)."""
        return neighbourhood_table(self)

    def summary(self) -> dict:
        """Return the plan-level metrics (see :func:`geo.plan.report.summary`)."""
        return summary(self)

    def validate(self) -> list[Violation]:
        """Return every failed constraint with its offending neighbourhoods and LSOAs (empty when valid)."""
        return validate(self)

    def to_dict(self) -> dict:
        """Return the plan, its neighbourhoods, violations and sources as JSON-ready values."""
        return plan_dict(self)

    def __getstate__(self) -> dict:
        # A weak reference cannot be pickled; a plan sent to another process stands alone and recounts.
        # Keyed metric values hold the layer they were computed of (a UEC layer, a file's geography): not sent.
        cache = {k: v for k, v in self._cache.items() if not isinstance(k, tuple)}
        return {**{slot: getattr(self, slot) for slot in _STATE}, "_parent_ref": None, "_cache": cache}

    def __setstate__(self, state: dict) -> None:
        for slot in _STATE:
            object.__setattr__(self, slot, state[slot])

    def __repr__(self) -> str:
        return f"Plan({self.name!r}, {len(self.live)} neighbourhoods, {len(self._lab)} LSOAs, target={self.target})"


#: Every slot that holds a plan's state (``__weakref__`` is the interpreter's).
_STATE = tuple(slot for slot in Plan.__slots__ if slot != "__weakref__")


class _Labelled:
    """Labels and per-row label indices handed from :meth:`Plan.move` (or :func:`geo.plan.lists.move_practices`)
    to the constructor (no re-checking), with what that constructor already worked out for the child: the
    practices it moved, metric values, footprint state (``{"footprint": ..., "footprint_home": ...}``) and, from
    :meth:`Plan.move`, the flow (the rows it relabelled, with their old and new label indices)."""

    __slots__ = ("labels", "index", "moved_practices", "metrics", "state", "flow")

    def __init__(
        self,
        labels: list[str],
        index: np.ndarray,
        *,
        moved_practices: Mapping[str, str] | None = None,
        metrics: Mapping[str, Any] | None = None,
        state: Mapping[str, Any] | None = None,
        flow: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    ) -> None:
        self.labels, self.index, self.flow = labels, index, flow
        self.moved_practices, self.metrics, self.state = moved_practices or {}, metrics or {}, state or {}
