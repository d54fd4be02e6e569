"""Group whole neighbourhoods into Multi-Neighbourhood Provider (MNP) areas of about 250,000 people.

An MNP area is the tier above a neighbourhood: several whole neighbourhoods, contiguous, nested in an
upper-tier local authority or ICB. We reuse the neighbourhood machinery on the *neighbourhood graph*: each
neighbourhood becomes one node (population, area-weighted centroid, area), two neighbourhoods are adjacent when
any of their LSOAs are, and the same spanning-tree bisection and refinement divide each nesting unit.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from scipy import sparse

from geo.errors import PlanError
from geo.propose.engine import label_pieces, solve_pieces
from geo.propose.model import NEST_COLUMNS, ProposalParams
from geo.propose.units import split_units


def group_mnp(
    atlas,
    assignment: pd.Series,
    target: int = 250_000,
    nest: str = "utla",
    seed: int = 1,
    *,
    tolerance: float = 0.10,
    population: str = "resident",
    time_budget: float = 20.0,
) -> pd.Series:
    """Return the MNP area of each neighbourhood: whole neighbourhoods in contiguous groups, nested in ``nest``.

    Parameters
    ----------
    atlas
        The atlas the assignment covers.
    assignment
        Neighbourhood label of every LSOA, index ``lsoa_code`` (e.g. ``propose(...).assignment``).
    target
        Target population of one MNP area.
    nest
        ``"utla"``, ``"icb"``, ``"lad"`` or ``"none"``; a neighbourhood belongs to the unit holding most of its
        people.
    seed
        Random seed.
    tolerance, population, time_budget
        As in :class:`geo.propose.ProposalParams`.

    Returns
    -------
    pandas.Series
        Index: neighbourhood label; values: MNP labels like ``"E10000018-M01"``. ``.attrs["unmet"]`` lists what
        could not be met, in words.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.propose import ProposalParams, propose
    >>> atlas = grid_atlas(8, 4)
    >>> hoods = propose(atlas, ProposalParams(target=6_000)).assignment
    >>> mnp = group_mnp(atlas, hoods, target=24_000)
    >>> len(mnp), sorted(mnp.value_counts().tolist())
    (8, [4, 4])
    """
    params = ProposalParams(
        target=target,
        tolerance=tolerance,
        population=population,
        nest=nest,
        seed=seed,
        practices="ignore",
        time_budget=time_budget,
    )
    labels = _aligned(atlas, assignment)
    hoods, node = pd.factorize(labels, sort=True)
    n, m = len(labels), len(node)
    member = sparse.csr_matrix((np.ones(n), (np.arange(n), hoods)), shape=(n, m))
    graph = (member.T @ sparse.csr_matrix(atlas.adjacency, dtype=float) @ member).tocsr()
    graph.setdiag(0)
    graph.eliminate_zeros()
    lsoas = atlas.lsoas
    pop_lsoa = pd.to_numeric(lsoas[params.population_column], errors="coerce").fillna(0).to_numpy(float)
    area_lsoa = lsoas.geometry.area.to_numpy()
    centroids = lsoas.geometry.centroid
    pop = np.bincount(hoods, weights=pop_lsoa, minlength=m)
    area = np.bincount(hoods, weights=area_lsoa, minlength=m)
    x = np.bincount(hoods, weights=area_lsoa * centroids.x.to_numpy(), minlength=m) / np.maximum(area, 1e-9)
    y = np.bincount(hoods, weights=area_lsoa * centroids.y.to_numpy(), minlength=m) / np.maximum(area, 1e-9)
    units, names = _hood_units(atlas, hoods, node, pop_lsoa, nest)
    pieces = split_units(units, names, graph.astype(bool), pop, x, y, area, -np.ones(m, int), target)
    # One shared deadline that can only cut searches short, never size them: the same seed gives the same areas.
    solved, stopped = solve_pieces(pieces, seed, 1.0, time.monotonic() + time_budget)
    mnp, unmet, _ = label_pieces(pd.Index(node, name="neighbourhood"), pieces, solved, params, "M")
    if stopped:
        unmet.append(f"stopped at the time budget of {time_budget:g} s; the areas are the best found by then")
    mnp.name = "mnp"
    mnp.attrs["unmet"] = unmet
    return mnp


def _aligned(atlas, assignment: pd.Series) -> np.ndarray:
    """Return the labels in atlas order, refusing assignments that miss or add LSOAs."""
    if not isinstance(assignment, pd.Series) or assignment.empty:
        raise PlanError("the assignment is empty", expected="a neighbourhood label for every LSOA of the area")
    missing = atlas.codes.difference(assignment.index)
    if len(missing):
        raise PlanError(f"{len(missing)} LSOAs have no neighbourhood, e.g. {missing[0]}", column="lsoa_code")
    extra = assignment.index.difference(atlas.codes)
    if len(extra):
        raise PlanError(f"{len(extra)} LSOAs are not in the area, e.g. {extra[0]}", column="lsoa_code")
    labels = assignment[~assignment.index.duplicated()].reindex(atlas.codes)
    if labels.isna().any():
        raise PlanError("some LSOAs have a blank neighbourhood label", column="neighbourhood")
    return labels.astype(str).to_numpy()


def _hood_units(atlas, hoods, node, pop, nest):
    """Return the nesting unit code and name of each neighbourhood: the unit holding most of its people."""
    if nest == "none":
        code = atlas.area.codes[0] if len(atlas.area.codes) == 1 else "AREA"
        return pd.Series([code] * len(node)), pd.Series([atlas.area.label] * len(node))
    code_col, name_col = NEST_COLUMNS[nest]
    frame = pd.DataFrame(
        {
            "hood": hoods,
            "unit": atlas.lsoas[code_col].astype(str).to_numpy(),
            "name": atlas.lsoas[name_col].astype(str).to_numpy(),
            "pop": pop + 1e-9,
        }
    )
    top = frame.groupby(["hood", "unit", "name"], sort=True).pop.sum().reset_index()
    top = top.sort_values(["hood", "pop"], ascending=[True, False], kind="stable").drop_duplicates("hood")
    return top.unit.reset_index(drop=True), top.name.reset_index(drop=True)
