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
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import csgraph

from geo.errors import PlanError

if TYPE_CHECKING:
    from geo.atlas.model import Atlas
    from geo.plan import Plan

#: A detached part holding at most this share of its neighbourhood's registered residents is re-attached.
REPAIR_SHARE = 0.05


@dataclass
class Footprint:
    """The place footprint of a practice assignment: a label per LSOA, with what was repaired or left detached."""

    assignment: pd.Series
    unregistered: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    detached: list[str] = field(default_factory=list)

    def notes(self) -> list[str]:
        """What a planner should know about how the footprint was drawn, in words."""
        out = []
        if self.unregistered:
            out.append(f"{len(self.unregistered)} LSOA(s) have no residents registered with the plan's practices and "
                       f"follow their neighbours (e.g. {', '.join(self.unregistered[:3])})")
        if self.repaired:
            out.append(f"{len(self.repaired)} LSOA(s) were re-attached: small detached parts joined to the "
                       "neighbourhood around them, or a practice's site given to a neighbourhood that held no "
                       f"LSOA (e.g. {', '.join(self.repaired[:3])})")
        if self.detached:
            out.append(f"{len(self.detached)} LSOA(s) remain in detached parts too large to repair cheaply "
                       f"(e.g. {', '.join(self.detached[:3])})")
        return out


def check_practice_assignment(atlas: "Atlas", practices: Mapping[str, str] | pd.Series, *, source: str = "plan",
                              rows: Mapping[str, int] | None = None) -> pd.Series:
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
        raise PlanError(f"practice {code} appears more than once", file=source, row=rows.get(code),
                        column="practice_code", expected=expected)
    unknown = given.index.difference(area)
    if len(unknown):
        code = unknown[0]
        known = code in atlas.practices.index
        why = "is sited outside the study area" if known else "is not an open practice of the study area"
        raise PlanError(f"practice {code} {why}" + (f" ({len(unknown)} such codes)" if len(unknown) > 1 else ""),
                        file=source, row=rows.get(code), column="practice_code", expected=expected)
    # An open practice with no patient in the registrations file (opened since, or merged into another) has no
    # list to count and cannot anchor a neighbourhood: it is not required, and left out if given.
    patients = atlas.registrations.groupby("practice_code").patients.sum().reindex(area).fillna(0)
    lists = atlas.practices.list_size.reindex(area).fillna(0)
    required = area[(patients > 0) | (lists > 0)]
    missing = required.difference(given.index)
    if len(missing):
        raise PlanError(f"{len(missing)} practice(s) of the area are missing from the plan: "
                        f"{', '.join(missing[:10])}", file=source, column="practice_code", expected=expected)
    labels = given.astype(str).str.strip()
    empty = labels.index[(labels == "") | given.isna() | (labels.str.lower() == "nan")]
    if len(empty):
        raise PlanError(f"practice {empty[0]} has no neighbourhood name", file=source, row=rows.get(empty[0]),
                        column="neighbourhood", expected="a neighbourhood name for every practice")
    return labels.reindex(required).rename("neighbourhood").rename_axis("practice_code")


def derive_footprint(atlas: "Atlas", practices: pd.Series, *, repair: bool = True) -> Footprint:
    """Return the place footprint of a checked practice assignment (``practice_code -> neighbourhood``).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> atlas = grid_atlas(4, 4)
    >>> codes = atlas.practices.index
    >>> fp = derive_footprint(atlas, pd.Series(["A", "A", "B", "B"], index=codes))
    >>> sorted(fp.assignment.unique()), len(fp.assignment)
    (['A', 'B'], 16)
    """
    from geo.atlas.arrays import atlas_arrays

    arrays = atlas_arrays(atlas)
    labels = sorted(set(practices.astype(str)))
    label_of = pd.Index(labels).get_indexer(practices.reindex(arrays.practice_codes).astype(object))
    assigned = label_of >= 0
    cols = np.flatnonzero(assigned)
    onehot = sparse.csr_matrix((np.ones(len(cols)), (cols, label_of[cols])),
                               shape=(len(arrays.practice_codes), len(labels)))
    by_label = (arrays.registrations @ onehot).tocsr()  # patients of each LSOA by neighbourhood of their practice
    best = np.asarray(by_label.argmax(axis=1)).ravel()
    has = np.asarray(by_label.max(axis=1).todense()).ravel() > 0
    lab = np.where(has, best, -1)
    n = len(lab)
    edges = arrays.edges
    unregistered = [arrays.codes[i] for i in np.flatnonzero(~has)]
    # LSOAs with nobody registered to the plan's practices follow their neighbours (repeat until all are set).
    for _ in range(n):
        todo = np.flatnonzero(lab < 0)
        if not len(todo):
            break
        votes = np.zeros((n, len(labels)))
        for a, b in ((edges[:, 0], edges[:, 1]), (edges[:, 1], edges[:, 0])):
            ok = lab[b] >= 0
            np.add.at(votes, (a[ok], lab[b][ok]), 1)
        settled = todo[votes[todo].max(axis=1) > 0]
        if not len(settled):
            lab[todo] = 0  # an area with no registrations at all: one label (cannot happen with real data)
            break
        lab[settled] = votes[settled].argmax(axis=1)
    repaired, detached = [], []
    registered = np.asarray(arrays.registrations.sum(axis=1)).ravel()
    if repair and len(edges):
        lab, repaired, detached = _repair(lab, edges, registered, arrays.codes)
    # A neighbourhood whose practices are the largest in no LSOA still has a place: the site of its largest
    # practice (else its whole list would vanish from every output).
    held = np.bincount(lab, minlength=len(labels))
    for k in np.flatnonzero(held == 0):
        members = np.flatnonzero(label_of == k)
        sited = members[arrays.practice_site[members] >= 0]
        if not len(sited):
            raise PlanError(f"neighbourhood {labels[k]} has no practice sited in the area", column="practice_code",
                            expected="every neighbourhood to hold at least one practice sited in the area")
        row = arrays.practice_site[sited[np.argmax(arrays.practice_list[sited])]]
        lab[row] = k
        repaired.append(arrays.codes[row])
    assignment = pd.Series(np.array(labels, dtype=object)[lab], index=atlas.lsoas.index.copy(), name="neighbourhood")
    return Footprint(assignment, unregistered, repaired, detached)


def _repair(lab: np.ndarray, edges: np.ndarray, weight: np.ndarray, codes) -> tuple[np.ndarray, list, list]:
    """Re-attach small detached parts to the neighbour label sharing most edges; report the rest."""
    n = len(lab)
    lab = lab.copy()
    repaired: list[str] = []
    for _ in range(3):  # a re-attached part can join two parts of its new label; a few passes settle it
        same = lab[edges[:, 0]] == lab[edges[:, 1]]
        graph = sparse.csr_matrix((np.ones(int(same.sum())), (edges[same, 0], edges[same, 1])), shape=(n, n))
        k, component = csgraph.connected_components(graph, directed=False)
        part_weight = np.bincount(component, weights=weight + 1e-6, minlength=k)
        label_weight = np.bincount(lab, weights=weight + 1e-6)
        main = {}
        for part in range(k):
            label = lab[np.argmax(component == part)]
            if label not in main or part_weight[part] > part_weight[main[label]]:
                main[label] = part
        changed = False
        for part in np.argsort(part_weight):
            label = lab[np.argmax(component == part)]
            if main[label] == part or part_weight[part] > REPAIR_SHARE * label_weight[label]:
                continue
            rows = np.flatnonzero(component == part)
            inside = np.zeros(n, bool)
            inside[rows] = True
            border = inside[edges[:, 0]] ^ inside[edges[:, 1]]
            outer = np.where(inside[edges[border, 0]], edges[border, 1], edges[border, 0])
            if not len(outer):
                continue
            lab[rows] = np.bincount(lab[outer]).argmax()
            repaired += [codes[i] for i in rows]
            changed = True
        if not changed:
            break
    same = lab[edges[:, 0]] == lab[edges[:, 1]]
    graph = sparse.csr_matrix((np.ones(int(same.sum())), (edges[same, 0], edges[same, 1])), shape=(n, n))
    k, component = csgraph.connected_components(graph, directed=False)
    part_weight = np.bincount(component, weights=weight + 1e-6, minlength=k)
    detached = []
    for label in np.unique(lab):
        parts = np.unique(component[lab == label])
        if len(parts) > 1:
            keep = parts[np.argmax(part_weight[parts])]
            detached += [codes[i] for i in np.flatnonzero((lab == label) & (component != keep))]
    return lab, repaired, detached


def plan_from_practices(atlas: "Atlas", practices: Mapping[str, str] | pd.Series, params=None, *, provenance=None,
                        name: str = "plan", source: str = "plan", rows: Mapping[str, int] | None = None,
                        **overrides) -> "Plan":
    """Build a list-based :class:`geo.plan.Plan`: ``practice_code -> neighbourhood`` for every practice sited in the
    area. Its population basis is ``"list"`` unless ``params`` say otherwise; its place footprint is derived from
    where the practices' patients live (:func:`derive_footprint`), and how it was drawn (repairs, practices left
    out) goes into ``provenance.footprint``."""
    from geo.plan import Plan
    from geo.plan.params import Provenance

    checked = check_practice_assignment(atlas, practices, source=source, rows=rows)
    footprint = derive_footprint(atlas, checked)
    if params is None and "population" not in overrides:
        overrides["population"] = "list"
    made = provenance if provenance is not None else Provenance("manual")
    left_out = sorted(set(map(str, dict(practices))) - set(checked.index))
    notes = footprint.notes() + ([f"{len(left_out)} practice(s) with no registered patients in the registrations "
                                  f"file were left out: {', '.join(left_out[:10])}"] if left_out else [])
    if notes:
        made = replace(made, footprint=tuple(notes))
    return Plan(atlas, footprint.assignment, params, provenance=made, name=name, practices=checked, **overrides)


def move_practices(plan: "Plan", moves: Mapping[str, str]) -> "Plan":
    """Return a child of a list-based ``plan`` with the given practices moved: the footprint is derived again, and
    the child's LSOA tallies are patched from the parent's by the LSOAs whose label changed."""
    from geo.plan import Plan

    current = plan.practice_assignment
    if current is None:
        raise PlanError("this plan is built from LSOAs: move LSOAs, not practices", column="practice_code",
                        expected="a list-based plan (built from practices or PCNs)")
    unknown = [code for code in moves if code not in current.index]
    if unknown:
        raise PlanError(f"cannot move {len(unknown)} practice(s) that are not in the plan: "
                        f"{', '.join(map(str, unknown[:10]))}", column="practice_code",
                        expected=f"practice codes of {plan.atlas.area.label}")
    updated = current.copy()
    for code, label in moves.items():
        updated[code] = str(label).strip() if label is not None else ""
    checked = check_practice_assignment(plan.atlas, updated)
    footprint = derive_footprint(plan.atlas, checked)
    made = replace(plan.provenance, footprint=tuple(footprint.notes()))
    child = Plan(plan.atlas, footprint.assignment, plan.params, provenance=made, name=plan.name, parent=plan,
                 moved={}, practices=checked)
    child.moved_practices = {code: checked[code] for code in moves}
    return child
