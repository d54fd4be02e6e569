"""Natural communities in proposals: whole electoral wards, and nesting in a user's own geography.

``respect="wards"`` (or ``"custom"``: a user geography put on the atlas by :func:`respect_in`) gives the bisection (:mod:`geo.propose.bisect`) each LSOA's ward as its group, the mechanism
that keeps practices whole: edges inside a ward are cheap and a cut through one is penalised, and refinement
counts spreading a ward over one more neighbourhood as a cost. Balance still wins where it must, so
:func:`keep_wards_whole` then joins each ward still split into one of its neighbourhoods (its main one first) when
every neighbourhood concerned stays inside the tolerance and contiguous, and reports every ward still split. :func:`nest_in` puts a user geography (proposed unitaries, say) on a copy of the atlas for ``nest="custom"``.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from scipy.sparse import csgraph

from geo.errors import PlanError
from geo.propose.model import NEST_COLUMNS

#: Passes over the split wards; a move can make another possible, and three passes settle every case we have seen.
PASSES = 3


def group_index(atlas, params) -> np.ndarray:
    """Return the group of each LSOA the bisection keeps together (-1: none), as ``params.respect`` asks.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.propose.model import ProposalParams
    >>> group_index(grid_atlas(2, 1), ProposalParams(respect="none")).tolist()
    [-1, -1]
    """
    lsoas = atlas.lsoas
    if params.respect in ("wards", "custom"):
        code, _, _ = respected_columns(lsoas, params)
        return pd.factorize(lsoas[code])[0]
    if params.respect == "practices" and params.practices == "whole" and "plurality_practice" in lsoas.columns:
        return pd.factorize(lsoas["plurality_practice"])[0]  # missing practice -> -1
    return -np.ones(len(lsoas), dtype=int)


def respected_columns(lsoas, params) -> tuple[str, str, str]:
    """The code and name columns of the units ``params.respect`` keeps whole, and what one is called."""
    if params.respect == "custom":
        if "respect_code" not in lsoas.columns:
            raise PlanError(
                "respect 'custom' needs a user geography on the atlas",
                column="respect",
                expected="geo.propose.wards.respect_in(atlas, geography), or respect 'wards'",
            )
        return "respect_code", "respect_name", "unit"
    if "ward_code" not in lsoas.columns or lsoas["ward_code"].isna().all():
        raise PlanError(
            "this atlas has no electoral wards to keep whole (they come with LSOA 2021 atlases)",
            column="respect",
            expected="'practices' or 'none', or an LSOA 2021 atlas",
        )
    return "ward_code", "ward_name", "ward"


def split_notes(atlas, assignment: pd.Series, params) -> list[str]:
    """Return one note per unit ``params.respect`` keeps whole that ``assignment`` still splits, with its shares.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.propose.model import ProposalParams
    >>> atlas = grid_atlas(3, 1)
    >>> atlas.lsoas["ward_code"], atlas.lsoas["ward_name"] = ["W1", "W1", "W2"], ["A", "A", "B"]
    >>> split_notes(atlas, pd.Series(["N1", "N2", "N2"], index=atlas.codes), ProposalParams(respect="wards"))
    ['ward A (W1) is split between N1 and N2 (50 % / 50 %)']
    """
    lsoas = atlas.lsoas
    code, name, word = respected_columns(lsoas, params)
    labels = assignment.reindex(lsoas.index).to_numpy(dtype=object)
    units = lsoas[code].astype("object").to_numpy()
    names = dict(zip(lsoas[code].astype(str), lsoas.get(name, lsoas[code]).astype(str)))
    pop = pd.to_numeric(lsoas[params.population_column], errors="coerce").fillna(0).clip(lower=0).to_numpy(float)
    notes = []
    for unit in _split_wards(units, labels):
        rows = np.flatnonzero(units == unit)
        parts = pd.Series(pop[rows]).groupby(labels[rows]).sum().sort_values(ascending=False, kind="stable")
        shares = " / ".join(f"{100 * p / max(parts.sum(), 1e-9):.0f} %" for p in parts)
        notes.append(
            f"{word} {names.get(str(unit), unit)} ({unit}) is split between "
            f"{' and '.join(map(str, parts.index))} ({shares})"
        )
    return notes


def keep_wards_whole(atlas, assignment: pd.Series, params) -> tuple[pd.Series, list[str]]:
    """Make split wards whole where balance allows (into their main neighbourhood, else another); report the rest.

    A ward is joined into one of its neighbourhoods only when every neighbourhood concerned stays inside
    ``params.band`` and contiguous, none is left empty, and the ward's LSOAs share the target's nesting unit. Returns the new
    assignment and one note per ward still split.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.propose.model import ProposalParams
    >>> atlas = grid_atlas(4, 1)
    >>> atlas.lsoas["ward_code"], atlas.lsoas["ward_name"] = ["W1", "W1", "W2", "W2"], ["A", "A", "B", "B"]
    >>> plan = pd.Series(["N1", "N1", "N1", "N2"], index=atlas.codes)
    >>> fixed, notes = keep_wards_whole(atlas, plan, ProposalParams(target=3000, tolerance=0.5))
    >>> fixed.tolist(), notes
    (['N1', 'N1', 'N2', 'N2'], [])
    >>> keep_wards_whole(atlas, plan, ProposalParams(target=3000, tolerance=0.5))[0].tolist() == fixed.tolist()
    True
    >>> atlas.lsoas["ward_code"], atlas.lsoas["ward_name"] = ["W1", "W2", "W2", "W3"], ["A", "B", "B", "C"]
    >>> balanced = pd.Series(["N1", "N1", "N2", "N2"], index=atlas.codes)
    >>> keep_wards_whole(atlas, balanced, ProposalParams(target=3000, tolerance=0.1))[1]  # doctest: +ELLIPSIS
    ['ward B (W2) is split between N1 and N2 (50 % / 50 %): keeping it whole would put a neighbourhood outside...']
    """
    lsoas = atlas.lsoas
    labels = assignment.reindex(lsoas.index).to_numpy(dtype=object).copy()
    code, _, _ = respected_columns(lsoas, params)  # wards, or the units of a user geography (respect "custom")
    wards = lsoas[code].astype("object").to_numpy()
    pop = pd.to_numeric(lsoas[params.population_column], errors="coerce").fillna(0).clip(lower=0).to_numpy(float)
    nest = _nest_units(lsoas, params)
    low, high = params.band
    adjacency = atlas.adjacency.tocsr()
    for _ in range(PASSES):
        moved = False
        for ward in _split_wards(wards, labels):
            rows = np.flatnonzero(wards == ward)
            parts = pd.Series(pop[rows]).groupby(labels[rows]).sum().sort_values(ascending=False, kind="stable")
            for target in parts.index:  # the main neighbourhood first, then the others
                part = rows[labels[rows] != target]
                if _can_move(part, target, labels, pop, nest, adjacency, low, high):
                    labels[part] = target
                    moved = True
                    break
        if not moved:
            break
    fixed = pd.Series(labels, index=lsoas.index, name=assignment.name)
    notes = [
        f"{n}: keeping it whole would put a neighbourhood outside the tolerance or break its contiguity"
        for n in split_notes(atlas, fixed, params)
    ]
    return fixed, notes


def _split_wards(wards: np.ndarray, labels: np.ndarray) -> list:
    frame = pd.DataFrame({"w": wards, "n": labels}).dropna()
    counts = frame.groupby("w").n.nunique()
    return sorted(counts.index[counts > 1])


def _nest_units(lsoas, params) -> np.ndarray:
    if params.nest == "none" or NEST_COLUMNS[params.nest][0] not in lsoas.columns:
        return np.zeros(len(lsoas), dtype=int)
    return pd.factorize(lsoas[NEST_COLUMNS[params.nest][0]])[0]


def _can_move(part, target, labels, pop, nest, adjacency, low, high) -> bool:
    """Whether the LSOAs ``part`` can all join ``target`` with every neighbourhood left balanced and contiguous."""
    into = labels == target
    if (nest[part] != nest[np.flatnonzero(into)[0]]).any():
        return False
    after = into.copy()
    after[part] = True
    if not (low <= pop[after].sum() <= high and _connected(adjacency, after)):
        return False
    for source in np.unique(labels[part]):
        left = (labels == source) & ~after
        if not left.any() or not low <= pop[left].sum() <= high or not _connected(adjacency, left):
            return False
    return True


def _connected(adjacency, mask: np.ndarray) -> bool:
    rows = np.flatnonzero(mask)
    return csgraph.connected_components(adjacency[rows][:, rows], directed=False)[0] == 1


def respect_in(atlas, geography):
    """Return a copy of ``atlas`` whose ``respect_code, respect_name`` columns hold ``geography``'s units, for
    ``ProposalParams(respect="custom")``: kept whole as wards are (adult social care localities, police
    neighbourhoods, community mental health team areas).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan.geography import geography
    >>> atlas = grid_atlas(4, 1, lad_width=2)
    >>> respect_in(atlas, geography(atlas, "las")).lsoas.respect_code.tolist()
    ['E07009000', 'E07009000', 'E07009001', 'E07009001']
    """
    lsoas = atlas.lsoas.copy()
    units = geography.units.reindex(lsoas.index)
    lsoas["respect_code"] = units.astype(str).to_numpy()
    lsoas["respect_name"] = [geography.names.get(u, u) for u in lsoas["respect_code"]]
    return replace(atlas, lsoas=lsoas)


def nest_in(atlas, geography):
    """Return a copy of ``atlas`` whose ``nest_code, nest_name`` columns hold ``geography``'s units, for
    ``ProposalParams(nest="custom")``.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan.geography import geography
    >>> atlas = grid_atlas(4, 1, lad_width=2)
    >>> nest_in(atlas, geography(atlas, "las")).lsoas.nest_name.tolist()
    ['Grid District 0', 'Grid District 0', 'Grid District 1', 'Grid District 1']
    """
    lsoas = atlas.lsoas.copy()
    units = geography.units.reindex(lsoas.index)
    lsoas["nest_code"] = units.astype(str).to_numpy()
    lsoas["nest_name"] = [geography.names.get(u, u) for u in lsoas["nest_code"]]
    return replace(atlas, lsoas=lsoas)
