"""The list view of a plan: which whole GP practices each neighbourhood serves, and the place footprint it implies.

A list-based neighbourhood is a set of whole practices; its population is the sum of their registered lists. Its
*place footprint* is derived from where their patients live: each LSOA joins the neighbourhood whose practices
hold most of its registered residents (counted from the same registrations-by-LSOA file as the lists, so list
and place figures reconcile). An LSOA none of whose residents is registered with the plan's practices takes the
label most of its neighbours have. Detached parts of a footprint (a few LSOAs across a boundary where a practice
is popular) are reported, and re-attached to the neighbour sharing most boundary with them when they hold at most
:data:`REPAIR_SHARE` of the neighbourhood's registered residents: a cheap repair that keeps footprints contiguous.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geo.errors import PlanError
from geo.names import check_name
from geo.plan.footprint import (  # noqa: F401 (re-exported)
    REPAIR_SHARE,
    Footprint,
    derive_footprint,
    footprint_labels,
    home_labels,
    label_ranks,
)
from geo.plan.params import Provenance
from geo.plan.user_units import check_moves_in_units

if TYPE_CHECKING:
    from geo.atlas.model import Atlas
    from geo.plan import Plan


def check_practice_assignment(
    atlas: "Atlas",
    practices: Mapping[str, str] | pd.Series,
    *,
    source: str = "plan",
    rows: Mapping[str, int] | None = None,
) -> pd.Series:
    """Return ``practice_code -> neighbourhood`` for every in-area practice, or raise one clear PlanError.

    Refused: codes that are not practices of the area (unknown, closed or outside it), a practice given twice
    or in two neighbourhoods, practices of the area missing from the plan, empty names. An open practice with no
    patients in the registrations file is not required and is left out if given (the plan lists it).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> atlas = grid_atlas(4, 4)
    >>> check_practice_assignment(atlas, {"Z00000": "A"})
    Traceback (most recent call last):
    ...
    geo.errors.PlanError: plan, column 'practice_code': 3 practice(s) of the area are missing from the plan: Z00001, Z00002, Z00003 (expected every practice sited in Grid ICB (synthetic test data), each in one neighbourhood)
    """
    rows = rows or {}
    area = atlas.practices.index[atlas.practices["in_area"].fillna(False).astype(bool)]
    given = pd.Series(practices, dtype=object) if not isinstance(practices, pd.Series) else practices.astype(object)
    given.index = given.index.astype(str).str.strip()
    expected = f"every practice sited in {atlas.area.label}, each in one neighbourhood"
    duplicated = given.index[given.index.duplicated()]
    if len(duplicated):
        code = duplicated[0]
        raise PlanError(
            f"practice {code} appears more than once",
            file=source,
            row=rows.get(code),
            column="practice_code",
            expected=expected,
        )
    unknown = given.index.difference(area)
    if len(unknown):
        code = unknown[0]
        known = code in atlas.practices.index
        why = "is sited outside the study area" if known else "is not an open practice of the study area"
        raise PlanError(
            f"practice {code} {why}" + (f" ({len(unknown)} such codes)" if len(unknown) > 1 else ""),
            file=source,
            row=rows.get(code),
            column="practice_code",
            expected=expected,
        )
    # An open practice with no patient in the registrations file (opened since, or merged into another) has no
    # list to count and cannot anchor a neighbourhood: it is not required, and left out if given.
    patients = atlas.registrations.groupby("practice_code").patients.sum().reindex(area).fillna(0)
    lists = atlas.practices.list_size.reindex(area).fillna(0)
    required = area[(patients > 0) | (lists > 0)]
    missing = required.difference(given.index)
    if len(missing):
        raise PlanError(
            f"{len(missing)} practice(s) of the area are missing from the plan: {', '.join(missing[:10])}",
            file=source,
            column="practice_code",
            expected=expected,
        )
    labels = given.astype(str).str.strip()
    empty = labels.index[(labels == "") | given.isna() | (labels.str.lower() == "nan")]
    if len(empty):
        raise PlanError(
            f"practice {empty[0]} has no neighbourhood name",
            file=source,
            row=rows.get(empty[0]),
            column="neighbourhood",
            expected="a neighbourhood name for every practice",
        )
    return labels.reindex(required).rename("neighbourhood").rename_axis("practice_code")


def plan_from_practices(
    atlas: "Atlas",
    practices: Mapping[str, str] | pd.Series,
    params=None,
    *,
    provenance=None,
    name: str = "plan",
    source: str = "plan",
    rows: Mapping[str, int] | None = None,
    **overrides,
) -> "Plan":
    """Build a list-based :class:`geo.plan.Plan`: ``practice_code -> neighbourhood`` for every practice sited in the
    area. Its population basis is ``"list"`` unless ``params`` name another explicitly (see
    :attr:`geo.plan.params.PlanParams.population_given`); its place footprint is derived from
    where the practices' patients live (:func:`derive_footprint`), and how it was drawn (repairs, practices left
    out) goes into ``provenance.footprint``."""
    from geo.plan import Plan  # lazy: circular: geo.plan.plan imports geo.plan.lists at import time

    checked = check_practice_assignment(atlas, practices, source=source, rows=rows)
    footprint = derive_footprint(atlas, checked)
    made = provenance if provenance is not None else Provenance("manual")
    left_out = sorted(set(map(str, dict(practices))) - set(checked.index))
    notes = footprint.notes() + (
        [
            f"{len(left_out)} practice(s) with no registered patients in the registrations "
            f"file were left out: {', '.join(left_out[:10])}"
        ]
        if left_out
        else []
    )
    if notes:
        made = replace(made, footprint=tuple(notes))
    return Plan(atlas, footprint.assignment, params, provenance=made, name=name, practices=checked, **overrides)


def move_practices(plan: "Plan", moves: Mapping[str, str]) -> "Plan":
    """Return a child of a list-based ``plan`` with the given practices moved.

    The footprint is derived again, recounting only the LSOAs where the moved practices have patients (the same
    footprint as from scratch: :mod:`geo.plan.footprint`), and the child's LSOA tallies are patched from the
    parent's by the LSOAs whose label changed (issue 11: a practice move plus every metric within 5 ms on LLR).
    """
    from geo.plan.plan import Plan, _Labelled  # lazy: circular: geo.plan.plan imports geo.plan.lists at import time

    if plan.built_from != "practices":
        raise PlanError(
            "this plan is built from LSOAs: move LSOAs, not practices",
            column="practice_code",
            expected="a list-based plan (built from practices or PCNs)",
        )
    view = plan.practice_view()
    unknown = [code for code in moves if code not in view.index]
    if unknown:
        raise PlanError(
            f"cannot move {len(unknown)} practice(s) that are not in the plan: {', '.join(map(str, unknown[:10]))}",
            column="practice_code",
            expected=f"practice codes of {plan.atlas.area.label}",
        )
    check_moves_in_units(plan, moves, practices=True)  # a re-nested plan's units stay as they are measured
    arrays = plan.arrays
    home = _footprint_home(plan)
    labels = plan.labels
    known = {label: k for k, label in enumerate(labels)}
    practice_label = plan["practice_label"].copy()
    column = arrays.practice_column
    moved: dict[str, str] = {}
    for code, target in moves.items():
        label = "" if target is None else str(target).strip()
        if label not in known:  # a new name: the one rule
            label = check_name(target, what=f"neighbourhood name for practice {code}", column="neighbourhood")
            if labels is plan.labels:
                labels = list(labels)
            known[label] = len(labels)
            labels.append(label)
        practice_label[column[code]] = known[label]
        moved[code] = label
    columns = np.fromiter((column[code] for code in moved), np.int64, count=len(moved))
    # the labels' ranks by name, sorted again only when the move made a new label
    rank = plan.kept("footprint_rank", lambda: label_ranks(plan.labels)) if labels is plan.labels else None
    made = footprint_labels(arrays, practice_label, labels, home=home, moved=columns, rank=rank)
    # The child's list view stays label indices until read: no pandas (Arrow strings) on the move path.
    notes = made.notes(arrays)
    worked_out = _Labelled(
        labels,
        made.label,
        moved_practices=moved,
        # the components are those the repair searched for (the one labelling loop: no second search)
        metrics={"practice_label": practice_label, "components": made.components},
        state={"footprint_home": made.home, "footprint": made, "footprint_rank": made.rank},
    )
    return Plan(
        plan.atlas,
        worked_out,
        plan.params,
        provenance=replace(plan.provenance, footprint=tuple(notes)),
        name=plan.name,
        parent=plan,
        moved={},
        practices=view.moved(labels, practice_label),
    )


class PracticeView:
    """A list view (``practice_code -> neighbourhood``) held as label indices: a moved plan's, built into its
    Series only when read, so a practice move touches no pandas (Arrow strings cost a tenth of a millisecond).

    ``index`` is the root plan's practice codes, in its order, ``columns`` each one's practice column of the atlas
    arrays; ``labels`` and ``practice_label`` (label index per practice column) are the moved plan's, ``None``
    for the root's own view (its Series is the one the plan was built with).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> atlas = grid_atlas(4, 4)
    >>> plan = Plan.from_practices(atlas, dict(zip(atlas.practices.index, "AABB")), target=12_000)
    >>> view = plan.move_practices({"Z00001": "B"}).practice_view()
    >>> view.series().to_dict()
    {'Z00000': 'A', 'Z00001': 'B', 'Z00002': 'B', 'Z00003': 'B'}
    """

    __slots__ = ("index", "columns", "name", "dtype", "labels", "practice_label")

    def __init__(self, index, columns, name, dtype, labels=None, practice_label=None) -> None:
        self.index, self.columns, self.name, self.dtype = index, columns, name, dtype
        self.labels, self.practice_label = labels, practice_label

    @classmethod
    def of(cls, practices: pd.Series, arrays) -> "PracticeView":
        """The view of a root plan's list view (``arrays``: its :class:`geo.atlas.arrays.AtlasArrays`)."""
        column = arrays.practice_column
        columns = np.fromiter((column[code] for code in practices.index), np.int64, count=len(practices))
        return cls(practices.index, columns, practices.name, practices.dtype)

    def moved(self, labels: list[str], practice_label: np.ndarray) -> "PracticeView":
        """The same practices under other labels (a moved plan's)."""
        return PracticeView(self.index, self.columns, self.name, self.dtype, labels, practice_label)

    def series(self) -> pd.Series:
        """The list view as a Series, as the root's was (its index, name and dtype)."""
        values = np.asarray(self.labels, dtype=object)[self.practice_label[self.columns]]
        return pd.Series(values, index=self.index, name=self.name, dtype=self.dtype)


def _footprint_home(plan: "Plan") -> np.ndarray:
    """Each LSOA row's home label (see :mod:`geo.plan.footprint`) in the plan's own label indices, counted once."""
    return plan.kept("footprint_home", lambda: home_labels(plan.arrays, plan["practice_label"], plan.labels))
