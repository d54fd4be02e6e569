"""The place footprint of a practice assignment: where the patients of each neighbourhood's practices live.

Each LSOA joins the neighbourhood whose practices hold most of its registered residents (counted from the same
registrations-by-LSOA file as the lists, so list and place figures reconcile). An LSOA none of whose residents is
registered with the plan's practices takes the label most of its neighbours have. Every detached part of a
footprint (LSOAs across a boundary where a practice is popular, or beyond a large practice's area) is re-attached
to a neighbouring neighbourhood, so footprints are one piece: the neighbour one of whose practices' sites is in the
part's local authority, if any (no false LA crossing), and among those the one whose practices hold most of the
part's registered residents (alignment stays highest; then the most shared boundary, then the name). A part with
no neighbour (an island) stays, and is reported with its people. A neighbourhood whose practices are the largest
in no LSOA gets the site of its largest practice.

Everything works on label indices with ties broken by the labels' *names*, so a footprint derived again after a
practice move (only the LSOAs where the moved practices have patients are recounted: :func:`footprint_labels`)
is the footprint derived from scratch, whatever order the labels were created in. The counting, the neighbour
votes and the repair are compiled (:mod:`geo.plan.repair_kernel`): the repair is redone over the whole area after
every move, because which neighbour a detached part joins anywhere depends on the moved practices (their
patients there, the LAs their neighbourhoods have sites in) and on the parts repaired before it.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geo.errors import PlanError
from geo.atlas.arrays import atlas_arrays
from geo.disclosure import is_disclosive
from geo.plan.repair_kernel import derive, homes

if TYPE_CHECKING:
    from geo.atlas.arrays import AtlasArrays
    from geo.atlas.model import Atlas

#: A detached part holding at most this share of its neighbourhood's registered residents is re-attached: every one.
REPAIR_SHARE = 1.0
#: Passes of the repair (a re-attached part can join two parts of its new label; a few passes settle it).
PASSES = 6


@dataclass
class Footprint:
    """The place footprint of a practice assignment: a label per LSOA, with what was repaired or left detached."""

    assignment: pd.Series
    unregistered: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    detached: list[str] = field(default_factory=list)
    #: Residents of the detached LSOAs (Census), so a planner sees how many people an unrepaired piece holds.
    detached_residents: float = 0.0

    def notes(self) -> list[str]:
        """What a planner should know about how the footprint was drawn, in words."""
        return _notes(
            (len(self.unregistered), self.unregistered[:3]),
            (len(self.repaired), self.repaired[:3]),
            (len(self.detached), self.detached[:3]),
            self.detached_residents,
        )


def _notes(unregistered, repaired, detached, detached_residents: float) -> list[str]:
    """:meth:`Footprint.notes` from ``(count, first three codes)`` of each kind of LSOA: what the words name."""
    out = []
    if unregistered[0]:
        out.append(
            f"{unregistered[0]} LSOA(s) have no residents registered with the plan's practices and "
            f"follow their neighbours (e.g. {', '.join(unregistered[1])})"
        )
    if repaired[0]:
        out.append(
            f"{repaired[0]} LSOA(s) were re-attached: small detached parts joined to the "
            "neighbourhood around them, or a practice's site given to a neighbourhood that held no "
            f"LSOA (e.g. {', '.join(repaired[1])})"
        )
    if detached[0]:
        people = "a small number of" if is_disclosive(detached_residents) else f"{detached_residents:,.0f}"
        out.append(
            f"{detached[0]} LSOA(s), {people} residents, remain in detached parts too large to "
            f"repair cheaply (e.g. {', '.join(detached[1])})"
        )
    return out


def _residents(arrays: "AtlasArrays", rows: np.ndarray) -> float:
    """Residents of the given LSOA rows."""
    if len(rows) == 0:
        return 0.0
    return float(arrays.values[np.asarray(rows, dtype=np.int64), arrays.column("resident_population")].sum())


@dataclass
class LabelledFootprint:
    """A footprint in label indices: ``label`` per LSOA row, ``home`` (the label before neighbours and repairs,
    -1 where nobody is registered with the plan's practices) kept so a move recounts only the rows it touches."""

    label: np.ndarray
    home: np.ndarray
    repaired: np.ndarray
    detached: np.ndarray
    #: How many labels the footprint was derived with (ties follow their names: the same list, the same ranks).
    label_count: int = 0
    #: Their ranks by name (:func:`label_ranks`), kept so a move that makes no new label does not sort again.
    rank: np.ndarray | None = None
    #: Each row's part of its label, named by its first row: the plan's ``components`` (found by the repair).
    components: np.ndarray | None = None

    def notes(self, arrays: "AtlasArrays") -> list[str]:
        """:meth:`Footprint.notes` without building the named footprint (the practice-move path): only the
        counts and the first three codes of each kind, which is all the words name."""
        codes = arrays.codes
        unregistered = np.flatnonzero(self.home < 0)
        return _notes(
            *(
                (len(rows), [str(code) for code in codes[rows[:3]].tolist()])
                for rows in (unregistered, self.repaired, self.detached)
            ),
            _residents(arrays, self.detached),
        )

    def footprint(self, arrays: "AtlasArrays", labels: list[str], index: pd.Index) -> Footprint:
        """The same footprint with names and LSOA codes."""
        codes = np.asarray(arrays.codes, dtype=object)
        return Footprint(
            pd.Series(np.asarray(labels, dtype=object)[self.label], index=index.copy(), name="neighbourhood"),
            codes[self.home < 0].tolist(),
            codes[self.repaired].tolist(),
            codes[self.detached].tolist(),
            _residents(arrays, self.detached),
        )


def label_ranks(labels: list[str]) -> np.ndarray:
    """Rank of each label by name (ties between neighbourhoods go to the name that sorts first).

    >>> label_ranks(["b", "a", "c"]).tolist()
    [1, 0, 2]
    """
    rank = np.empty(len(labels), np.int64)
    rank[sorted(range(len(labels)), key=labels.__getitem__)] = np.arange(len(labels))
    return rank


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

    arrays = atlas_arrays(atlas)
    labels = sorted(set(practices.astype(str)))
    practice_label = pd.Index(labels).get_indexer(practices.reindex(arrays.practice_codes).astype(object))
    made = footprint_labels(arrays, practice_label, labels, repair=repair)
    return made.footprint(arrays, labels, atlas.lsoas.index)


def footprint_labels(
    arrays: "AtlasArrays",
    practice_label: np.ndarray,
    labels: list[str],
    *,
    home: np.ndarray | None = None,
    moved: np.ndarray | None = None,
    repair: bool = True,
    rank: np.ndarray | None = None,
) -> LabelledFootprint:
    """Derive the footprint of ``practice_label`` (label index per practice column, -1: not in the plan).

    With ``home`` (the previous footprint's homes) and ``moved`` (the practice columns whose label changed), only
    the homes of the rows where a moved practice has patients are recounted, the only rows whose counts by
    neighbourhood changed. The rest is derived again whatever changed (one compiled call,
    :func:`geo.plan.repair_kernel.derive`): the repair of a part anywhere depends on the moved practices (through
    their patients there and the LAs their neighbourhoods have sites in), so no earlier footprint is reused even
    when no home changed. ``rank``: the labels' ranks (:func:`label_ranks`) when the caller holds them.

    The repair, pass by pass: every part of a label but its heaviest is re-attached, lightest first (ties: the
    part whose first row comes first), each to a label across its boundary as the labels stand then: one with a
    practice sited in the part's LA, then most of its patients, most shared edges, the first name. The passes
    stop when no part is left or none could move. Sites given to empty neighbourhoods are never moved.
    """
    rank = label_ranks(labels) if rank is None else rank
    prepared = _prepared(arrays)
    label, home, repaired, detached, parts, missing = derive(
        _NO_ROWS if home is None else home,
        _NO_ROWS if moved is None else np.asarray(moved, np.int64),
        np.asarray(practice_label, np.int64),
        rank,
        prepared.adj_ptr,
        prepared.adj,
        prepared.weight,
        prepared.row_lad,
        prepared.n_lads,
        *prepared.csr,
        *prepared.by_practice,
        prepared.site,
        prepared.listed,
        repair and len(arrays.edges) > 0,
        PASSES,
        REPAIR_SHARE,
    )
    if missing >= 0:
        raise PlanError(
            f"neighbourhood {labels[missing]} has no practice sited in the area",
            column="practice_code",
            expected="every neighbourhood to hold at least one practice sited in the area",
        )
    return LabelledFootprint(label, home, np.flatnonzero(repaired), np.flatnonzero(detached), len(rank), rank, parts)


def home_labels(arrays: "AtlasArrays", practice_label: np.ndarray, labels: list[str]) -> np.ndarray:
    """Each LSOA row's home: the label whose practices hold most of its registered residents (-1: none), counted
    entry by entry in CSR order (compiled, :func:`geo.plan.repair_kernel.homes`)."""
    return homes(
        *_prepared(arrays).csr,
        np.asarray(practice_label, np.int64),
        label_ranks(labels),
        np.arange(len(arrays.codes), dtype=np.int64),
    )


_NO_ROWS = np.empty(0, np.int64)  # no homes given: every row's counted


@dataclass(frozen=True)
class _Prepared:
    """What a footprint derivation reads of an atlas, in the compiled code's types, made once per atlas."""

    adj_ptr: np.ndarray
    adj: np.ndarray
    row_lad: np.ndarray
    #: LA columns (at least one: an atlas with none has every row in LA 0).
    n_lads: int
    #: ``registrations`` as int64 / float64 CSR arrays (indptr, indices, data).
    csr: tuple[np.ndarray, np.ndarray, np.ndarray]
    #: ``registrations`` by column as int64 CSC arrays (indptr, row indices): where each practice has patients.
    by_practice: tuple[np.ndarray, np.ndarray]
    #: The repair's weight of each row: its registered residents, and a little more (an empty LSOA still weighs).
    weight: np.ndarray
    #: Each practice column's site row (-1: outside the area) and list size.
    site: np.ndarray
    listed: np.ndarray


_PREPARED: dict[int, _Prepared] = {}


def _prepared(arrays: "AtlasArrays") -> _Prepared:
    """Each row's neighbours (CSR, both directions of every edge), its LA (column of ``lad_codes``; 0 when the
    atlas has none) and the registrations, once per atlas: the part of a derivation that never changes."""
    key = id(arrays)
    if key not in _PREPARED:
        indptr, neighbour, _ = arrays.neighbours
        onehot = np.asarray(arrays.values[:, arrays.lad_slice()]) if arrays.lad_codes else np.zeros((0, 0))
        row_lad = onehot.argmax(axis=1) if onehot.shape[1] else np.zeros(len(arrays.codes), np.int64)
        r, by = arrays.registrations, arrays.registrations_by_practice
        _PREPARED[key] = _Prepared(
            indptr.astype(np.int64),
            neighbour.astype(np.int64),
            row_lad.astype(np.int64),
            int(row_lad.max(initial=0)) + 1,
            (r.indptr.astype(np.int64), r.indices.astype(np.int64), r.data.astype(np.float64)),
            (by.indptr.astype(np.int64), by.indices.astype(np.int64)),
            np.asarray(arrays.registered_by_row, np.float64) + 1e-6,
            np.asarray(arrays.practice_site, np.int64),
            np.asarray(arrays.practice_list, np.float64),
        )
        weakref.finalize(arrays, _PREPARED.pop, key, None)
    return _PREPARED[key]
