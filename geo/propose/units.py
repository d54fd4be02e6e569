"""Cut a study area into the pieces a proposal solves one at a time: nesting units, made connected.

Nesting is by construction: each nesting unit (local authority, upper-tier authority, ICB or the whole area) is
solved on its own, so no neighbourhood can cross its boundary. A unit's own contiguity graph may still fall apart
(an exclave, or an estuary the atlas bridged through a neighbouring authority). Parts too small to make a
neighbourhood of their own are joined to the nearest part of the same unit by a *virtual* link, as a planner
would, and the join is reported; parts large enough are solved separately. Each :class:`Piece` is connected and
carries the number of neighbourhoods ``k`` it should hold. A :class:`Budget` is the wall-clock limit a piece is
solved under: it may only cut a search short, never size one, and it remembers whether it did.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree


@dataclass
class Piece:
    """A connected part of one nesting unit, with everything the solver needs as plain arrays.

    Attributes
    ----------
    unit, name
        Code and name of the nesting unit the piece belongs to.
    rows
        Positions of its nodes in the caller's node order (atlas rows for LSOAs).
    adjacency
        Symmetric boolean CSR matrix over ``rows``, including any virtual links that join exclaves.
    pop, x, y, area
        Population, centroid (metres) and area (square metres) of each node.
    practice
        Integer id of each node's plurality practice, ``-1`` for none (or when practices are ignored).
    k
        Number of neighbourhoods to make.
    notes
        Exclaves joined by virtual links, in words.
    targets
        Population aimed at for each of the ``k`` neighbourhoods, by label (summing to the piece's population);
        ``k`` equal shares unless given (see :func:`neighbourhood_targets`).
    target, tolerance
        The plan's target population and tolerance the targets were chosen for (None when not known).
    """

    unit: str
    name: str
    rows: np.ndarray
    adjacency: sparse.csr_matrix
    pop: np.ndarray
    x: np.ndarray
    y: np.ndarray
    area: np.ndarray
    practice: np.ndarray
    k: int
    notes: list[str] = field(default_factory=list)
    targets: np.ndarray | None = None
    target: float | None = None
    tolerance: float | None = None

    def __post_init__(self):
        if self.targets is None:
            self.targets = np.full(self.k, self.ideal)
        self.targets = np.asarray(self.targets, dtype=float)

    @property
    def ideal(self) -> float:
        """The population each of the piece's ``k`` neighbourhoods would have if perfectly balanced."""
        return float(self.pop.sum()) / self.k


class Budget:
    """A wall-clock deadline that can only cut a search short, and remembers whether it did.

    The amount of search is fixed by counts (trees, attempts, moves) so that the same seed gives the same
    answer on any machine under any load. A solver asks :meth:`over` only just before work it would otherwise
    do; the first ``True`` makes :attr:`hit` true for good, so a result reached without a cut is exactly the
    result of an unlimited search, and a cut one says so.

    Examples
    --------
    >>> Budget().over(), Budget().hit
    (False, False)
    >>> spent = Budget(time.monotonic() - 1)
    >>> spent.over(), spent.hit
    (True, True)
    """

    def __init__(self, deadline: float = float("inf")):
        self.deadline = deadline
        self.hit = False

    def over(self) -> bool:
        """Return whether the deadline has passed, recording the cut (call it only before work still to do)."""
        if not self.hit and time.monotonic() > self.deadline:
            self.hit = True
        return self.hit


def may_fork() -> bool:
    """Whether this is a process's main thread: only there are solver processes forked and the garbage collector
    paused (a fork from a threaded server's request thread could copy locks other threads hold).

    >>> may_fork()
    True
    """
    return threading.current_thread() is threading.main_thread()


def best_k(population: float, target: float, limit: int | None = None) -> int:
    """Return the number of neighbourhoods whose average population is closest to ``target`` (at least 1).

    Rounding ``population / target`` is not quite right: 72,000 people at a target of 50,000 rounds to one
    neighbourhood 44 % over target, while two are 28 % under; we pick the smaller relative deviation.

    Examples
    --------
    >>> best_k(72_000, 50_000), best_k(160_000, 50_000), best_k(1_000, 50_000), best_k(9e5, 5e4, limit=4)
    (2, 3, 1, 4)
    """
    ratio = population / target
    options = {max(1, int(np.floor(ratio))), max(1, int(np.ceil(ratio)))}
    k = min(sorted(options), key=lambda c: abs(ratio / c - 1))
    return max(1, min(k, limit)) if limit else k


#: Neighbourhoods aimed off the unit mean are aimed this far inside the ±5 % band, the rest this far inside the
#: tolerance: refinement stops within about 1 % of each aim, and one LSOA is about 3 % of a neighbourhood.
TARGET_MARGIN = 0.005
TOLERANCE_MARGIN = 0.01
#: Half-width of the band whose share of neighbourhoods the per-neighbourhood targets try to maximise.
CORE_BAND = 0.05


def neighbourhood_targets(population: float, k: int, target: float, tolerance: float | None) -> np.ndarray:
    """Return the population to aim at for each of ``k`` neighbourhoods sharing ``population``.

    Equal shares put every neighbourhood of an authority on the same side of the ±5 % band: seven of 52,651 are
    all 5.3 % over a target of 50,000. Instead, as many as possible are aimed just inside the band (4.5 % off, on
    the side of the mean) while the rest share what is left equally, provided that stays inside the tolerance
    (less a margin). When the mean is inside the band already, or no such split exists, shares are equal.
    The off-band shares come last.

    Examples
    --------
    >>> neighbourhood_targets(368_558, 7, 50_000, 0.10).round().tolist()
    [52250.0, 52250.0, 52250.0, 52250.0, 52250.0, 53654.0, 53654.0]
    >>> neighbourhood_targets(150_000, 3, 50_000, 0.10).tolist(), float(neighbourhood_targets(500_000, 5, 5e4, 0.1)[0])
    ([50000.0, 50000.0, 50000.0], 100000.0)
    """
    mean = population / k if k else 0.0
    equal = np.full(k, mean)
    edge_share = CORE_BAND - TARGET_MARGIN
    if tolerance is None or k < 2 or target <= 0 or abs(mean / target - 1) <= edge_share:
        return equal
    edge = target * (1 + np.sign(mean - target) * edge_share)
    limit = tolerance - TOLERANCE_MARGIN
    for j in range(k - 1, 0, -1):
        rest = (population - j * edge) / (k - j)
        if abs(rest / target - 1) <= limit:
            return np.r_[np.full(j, edge), np.full(k - j, rest)]
    return equal


def split_units(
    units: pd.Series,
    names: pd.Series,
    adjacency: sparse.csr_matrix,
    pop: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    area: np.ndarray,
    practice: np.ndarray,
    target: float,
    tolerance: float | None = None,
) -> list[Piece]:
    """Return the connected pieces of every nesting unit, each with its number of neighbourhoods.

    Parameters
    ----------
    units, names
        Nesting unit code and name of each node, in node order.
    adjacency
        Symmetric contiguity matrix in node order.
    pop, x, y, area, practice
        Node arrays as in :class:`Piece`.
    target
        Target population of one neighbourhood.
    tolerance
        Allowed relative deviation from ``target``; when given, each piece aims its neighbourhoods at the
        unequal :func:`neighbourhood_targets` that put most of them within ±5 % of ``target``, otherwise at
        equal shares.

    Examples
    --------
    >>> import pandas as pd
    >>> from geo.testing import grid_atlas
    >>> a = grid_atlas(4, 2, lad_width=2)
    >>> c = a.lsoas.geometry.centroid
    >>> pieces = split_units(a.lsoas.lad_code, a.lsoas.lad_name, a.adjacency, a.lsoas.resident_population.to_numpy(),
    ...                      c.x.to_numpy(), c.y.to_numpy(), a.lsoas.area.to_numpy(), -np.ones(8, int), 3000)
    >>> [(p.unit, len(p.rows), p.k) for p in pieces]
    [('E07009000', 4, 2), ('E07009001', 4, 2)]
    """
    adjacency = sparse.csr_matrix(adjacency, dtype=bool)
    adjacency.eliminate_zeros()  # a stored False is not a link, and a node is not its own neighbour
    adjacency = (sparse.triu(adjacency, 1) + sparse.tril(adjacency, -1)).tocsr()
    codes = units.astype(str).to_numpy()
    # Rows grouped by unit (units in code order, rows in node order): each unit's graph is then a diagonal block,
    # cut out by two plain slices instead of a fancy-indexed copy of the whole matrix per unit.
    order = np.argsort(codes, kind="stable")
    grouped = adjacency[order][:, order].tocsr()
    unit_codes, starts = np.unique(codes[order], return_index=True)
    pieces = []
    for code, a, b in zip(unit_codes, starts, np.r_[starts[1:], len(codes)]):
        rows = order[a:b]
        name = str(names.iloc[rows[0]]) if len(rows) else code
        sub = grouped[a:b, a:b]
        arrays = (pop[rows], x[rows], y[rows], area[rows], practice[rows])
        pieces += _connected_pieces(code, name, rows, sub, arrays, target, tolerance)
    return pieces


def _connected_pieces(code, name, rows, sub, arrays, target, tolerance=None) -> list[Piece]:
    """Join small disconnected parts of one unit to their nearest part; return each connected piece."""
    pop, x, y, area, practice = arrays
    n_parts, part = csgraph.connected_components(sub, directed=False)
    links, notes = [], []
    # Join the smallest part below half a neighbourhood to its nearest other part, one at a time, so a chain of
    # islands ends up linked in geographic order and large parts keep their own neighbourhoods.
    while n_parts > 1:
        part_pop = np.bincount(part, weights=pop, minlength=part.max() + 1)
        present = np.unique(part)
        small = present[part_pop[present] < target / 2]
        if not len(small):
            break
        c = small[np.argmin(part_pop[small])]
        inside, outside = np.flatnonzero(part == c), np.flatnonzero(part != c)
        dist, nearest = cKDTree(np.column_stack([x[outside], y[outside]])).query(
            np.column_stack([x[inside], y[inside]])
        )
        i = int(np.argmin(dist))
        a, b = inside[i], outside[nearest[i]]
        links.append((a, b))
        notes.append(
            f"{name} ({code}): {len(inside)} LSOA{'s' if len(inside) > 1 else ''} ({part_pop[c]:,.0f} people) not "
            f"touching the rest of the unit joined to the nearest neighbourhood across a {dist[i] / 1000:.1f} km gap"
        )
        part[part == c] = part[b]
        n_parts -= 1
    if links:
        a, b = np.array(links).T
        extra = sparse.csr_matrix((np.ones(2 * len(a), bool), (np.r_[a, b], np.r_[b, a])), shape=sub.shape)
        sub = (sub + extra).astype(bool).tocsr()
    pieces = []
    for c in np.unique(part):
        idx = np.flatnonzero(part == c)
        k = best_k(float(pop[idx].sum()), target, limit=len(idx)) if pop[idx].sum() > 0 else 1
        targets = neighbourhood_targets(float(pop[idx].sum()), k, target, tolerance)
        own = sub if len(idx) == len(rows) else sub[idx][:, idx]
        pieces.append(
            Piece(
                code,
                name,
                rows[idx],
                own.tocsr(),
                pop[idx],
                x[idx],
                y[idx],
                area[idx],
                practice[idx],
                k,
                targets=targets,
                target=target,
                tolerance=tolerance,
            )
        )
    pieces[0].notes = notes
    return pieces
