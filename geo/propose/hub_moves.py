"""Access as a criterion when proposing: boundary moves that bring people nearer their neighbourhood's hub.

With an access weight (:class:`geo.propose.ProposalParams` ``access_weight``), each piece's plan from bisection
and refinement (the plan of weight 0, unchanged) is improved by single-node boundary moves. A neighbourhood's
**hub** is its best practice site: the practice site inside its footprint that minimises its residents' summed
straight-line distance (a 1-median over those sites, found exactly by enumeration), as
:func:`geo.access.hubs.hub_distances` measures it: from each LSOA's point as the access layer and siting place it
(:func:`geo.access.layer.demand_points`: postcode-weighted where Code-Point Open covers its district whole, else its
centroid). Rounds alternate: hubs fixed, move boundary nodes to the
neighbour whose hub is nearer their people; then choose the hubs again.

A move ``v: a -> b`` must bring ``v``'s residents nearer (``gain``, people-km, above 0), keep ``a`` connected,
keep both neighbourhoods inside the plan's band (target ± tolerance; if one is outside it already, no further
out), and not
move the node holding ``a``'s hub. Among those, the best score wins::

    access_weight * gain / unit - compactness_weight * (cut edges added) - PRACTICE_COST * (practices spread)
        - (change in the two neighbourhoods' squared relative deviations) / tolerance**2

where ``unit`` is the piece's people-km to their hubs at the start per node (one typical node's journey).
Only moves with a positive score are made. Each move lowers the people-km to the fixed hubs and no hub's node
moves, so choosing the hubs again can only lower it further: the plan's population-weighted distance to its
best hubs never rises above the weight-0 plan's. Neighbourhoods with no practice site inside neither give nor
take. The work is fixed by counts (rounds, moves per round), so the result depends only on the seed.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from geo.propose.refine import PRACTICE_COST, _edges_from, _stays_connected
from geo.access.siting import _candidate_lsoas
from geo.access.layer import demand_points, practice_sites

#: Rounds of (choose hubs, move nodes); a round without a move ends the search sooner.
ROUNDS = 8


def hub_sites(lsoa_xy: np.ndarray, residents: np.ndarray, lsoa_node: np.ndarray, labels: np.ndarray, sites):
    """Return each label's hub (a site position, -1 with no site inside) for node ``labels``.

    ``sites`` is ``(xy, node)``: each practice site's point and the node it lies in. Ties go to the first site.

    Examples
    --------
    >>> xy = np.array([[0.0, 0.0], [1000.0, 0.0], [2000.0, 0.0]])
    >>> sites = (np.array([[0.0, 0.0], [2000.0, 0.0]]), np.array([0, 2]))
    >>> hub_sites(xy, np.array([1.0, 5.0, 9.0]), np.arange(3), np.array([0, 0, 0]), sites).tolist()
    [1]
    """
    site_xy, site_node = sites
    k = int(labels.max()) + 1 if len(labels) else 0
    hub = np.full(k, -1)
    lsoa_label = labels[lsoa_node]
    for lab in range(k):
        inside = np.flatnonzero(labels[site_node] == lab)
        if not len(inside):
            continue
        m = lsoa_label == lab
        cost = residents[m] @ _km(lsoa_xy[m], site_xy[inside])
        hub[lab] = inside[int(np.argmin(cost))]
    return hub


def _km(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.hypot(a[:, None, 0] - b[None, :, 0], a[:, None, 1] - b[None, :, 1]) / 1000.0


def people_km(lsoa_xy, residents, lsoa_node, labels, sites) -> float:
    """Residents' summed straight-line distance (km) to their neighbourhood's hub (0 for those with none).

    Examples
    --------
    >>> xy = np.array([[0.0, 0.0], [1000.0, 0.0], [2000.0, 0.0]])
    >>> sites = (np.array([[0.0, 0.0], [2000.0, 0.0]]), np.array([0, 2]))
    >>> people_km(xy, np.ones(3), np.arange(3), np.array([0, 0, 1]), sites)
    1.0
    """
    hub = hub_sites(lsoa_xy, residents, lsoa_node, labels, sites)
    lab = labels[lsoa_node]
    known = hub[lab] >= 0
    d = np.hypot(*(lsoa_xy[known] - sites[0][hub[lab[known]]]).T) / 1000.0
    return float(residents[known] @ d)


def improve_piece(
    piece,
    labels: np.ndarray,
    lsoa_xy: np.ndarray,
    residents: np.ndarray,
    lsoa_node: np.ndarray,
    sites,
    *,
    access_weight: float,
    compactness_weight: float,
    tolerance: float,
    rounds: int = ROUNDS,
) -> np.ndarray:
    """Return ``labels`` (``0..k-1`` per node of ``piece``) moved so people are nearer their hub (module docstring).

    Parameters
    ----------
    piece
        The :class:`geo.propose.units.Piece` the labels belong to.
    lsoa_xy, residents, lsoa_node
        Point (metres), residents and piece node of every LSOA of the piece (a node may hold several LSOAs).
    sites
        ``(xy, node)`` of the practice sites inside the piece.
    access_weight, compactness_weight, tolerance
        The proposal's weights and tolerance (see the module docstring).
    rounds
        Rounds of choosing hubs and moving nodes.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.propose.engine import atlas_pieces
    >>> from geo.propose.model import ProposalParams
    >>> piece = atlas_pieces(grid_atlas(6, 1), ProposalParams(target=4500, tolerance=0.5))[0]
    >>> xy = np.column_stack([piece.x, piece.y])
    >>> sites = (xy[[0, 5]], np.array([0, 5]))  # practices at both ends; the split leaves one end's people far
    >>> labels = np.array([0, 0, 0, 0, 1, 1])
    >>> improve_piece(piece, labels, xy, piece.pop, np.arange(6), sites, access_weight=5.0,
    ...               compactness_weight=1.0, tolerance=0.5).tolist()
    [0, 0, 0, 1, 1, 1]
    """
    labels = np.asarray(labels).copy()
    k, n = int(piece.k), len(labels)
    if k < 2 or access_weight <= 0 or not len(sites[1]):
        return labels
    target = piece.target if piece.target else float(np.mean(piece.targets))
    tol = piece.tolerance if piece.tolerance is not None else tolerance
    state = _State(piece, labels, k, (target * (1 - tol), target * (1 + tol)), max(tolerance, 1e-3))
    unit = max(people_km(lsoa_xy, residents, lsoa_node, labels, sites) / n, 1e-9)
    weights = (access_weight / unit, compactness_weight)
    for _ in range(rounds):
        hub = hub_sites(lsoa_xy, residents, lsoa_node, labels, sites)
        has_hub = hub >= 0
        fixed = np.zeros(n, bool)
        fixed[sites[1][hub[has_hub]]] = True
        # cost[v, l]: node v's residents' summed km to label l's hub (inf where l has none)
        cost = np.full((n, k), np.inf)
        for lab in np.flatnonzero(has_hub):
            d = np.hypot(*(lsoa_xy - sites[0][hub[lab]]).T) / 1000.0
            cost[:, lab] = np.bincount(lsoa_node, weights=residents * d, minlength=n)
        moves = 0
        while moves < 4 * n:
            move = state.best_move(cost, fixed, has_hub, weights)
            if move is None:
                break
            state.apply(*move)
            moves += 1
        if moves == 0:
            break
    return labels


def _outside(people, low, high):
    """People outside the band ``[low, high]`` (0 inside it)."""
    return np.maximum(np.maximum(low - people, people - high), 0)


class _State:
    """A piece's labels with their sizes, populations and practices' spread, kept up to date move by move."""

    def __init__(self, piece, labels, k, band, tolerance):
        self.piece, self.labels, self.band, self.tolerance = piece, labels, band, tolerance
        self.aim = np.maximum(np.asarray(piece.targets, dtype=float), 1e-9)
        self.size = np.bincount(labels, minlength=k)
        self.pop_of = np.bincount(labels, weights=piece.pop, minlength=k)
        practice = piece.practice
        self.spread = Counter(zip(practice[practice >= 0].tolist(), labels[practice >= 0].tolist()))
        self.indptr, self.indices = piece.adjacency.indptr, piece.adjacency.indices

    def apply(self, v, src, dst):
        self.labels[v] = dst
        self.size[src] -= 1
        self.size[dst] += 1
        self.pop_of[src] -= self.piece.pop[v]
        self.pop_of[dst] += self.piece.pop[v]
        if self.piece.practice[v] >= 0:
            self.spread[(self.piece.practice[v], src)] -= 1
            self.spread[(self.piece.practice[v], dst)] += 1

    def best_move(self, cost, fixed, has_hub, weights):
        """The best-scoring connectivity-keeping move ``(node, from, to)`` with a positive score, or None."""
        labels, indptr, indices, pop, aim = self.labels, self.indptr, self.indices, self.piece.pop, self.aim
        nodes = np.flatnonzero(~fixed & has_hub[labels] & (self.size[labels] > 1))
        u, nbr = _edges_from(nodes, indptr, indices)
        src, dst = labels[u], labels[nbr]
        ok = (src != dst) & has_hub[dst]
        u, src, dst = u[ok], src[ok], dst[ok]
        _, first = np.unique(u * (len(aim) + 1) + dst, return_index=True)  # each (node, other label) once
        u, src, dst = u[first], src[first], dst[first]
        gain = cost[u, src] - cost[u, dst]
        # Never out of the band, or further out (people outside [low, high]).
        p_src, p_dst, (low, high) = self.pop_of[src], self.pop_of[dst], self.band
        keeps = (_outside(p_src - pop[u], low, high) <= _outside(p_src, low, high)) & (
            _outside(p_dst + pop[u], low, high) <= _outside(p_dst, low, high)
        )
        ok = (gain > 1e-9) & keeps
        u, src, dst, gain = u[ok], src[ok], dst[ok], gain[ok]
        if not len(u):
            return None
        old_src, old_dst = self.pop_of[src] / aim[src] - 1, self.pop_of[dst] / aim[dst] - 1
        new_src, new_dst = old_src - pop[u] / aim[src], old_dst + pop[u] / aim[dst]
        balance = (new_src**2 + new_dst**2 - old_src**2 - old_dst**2) / self.tolerance**2
        _, around = _edges_from(u, indptr, indices)
        at = np.repeat(np.arange(len(u)), np.diff(indptr)[u])
        edge = (labels[around] == src[at]).astype(float) - (labels[around] == dst[at])
        cut = np.bincount(at, weights=edge, minlength=len(u))
        practice, spread = self.piece.practice, self.spread
        split = np.array(
            [
                int(spread[(practice[a], d)] == 0) - int(spread[(practice[a], s)] == 1) if practice[a] >= 0 else 0
                for a, s, d in zip(u.tolist(), src.tolist(), dst.tolist())
            ]
        )
        scale, compactness_weight = weights
        score = scale * gain - compactness_weight * cut - PRACTICE_COST * split - balance
        for i in np.lexsort((dst, u, -score)):
            if score[i] <= 0:
                break
            if _stays_connected(int(u[i]), int(src[i]), labels, indptr, indices):
                return int(u[i]), int(src[i]), int(dst[i])
        return None


def improve_pieces(atlas, params, pieces, solved, index=None, points=None) -> list[np.ndarray]:
    """Return every piece's labels improved by :func:`improve_piece` (the proposal's nodes: LSOAs, or the blocks
    ``index`` maps each LSOA to), with today's practice sites inside the area as the possible hubs and each LSOA's
    people at its demand point (``points``, default :func:`geo.access.layer.demand_points`).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.propose.engine import atlas_pieces
    >>> from geo.propose.model import ProposalParams
    >>> atlas = grid_atlas(6, 1, practice_every=5)
    >>> params = ProposalParams(target=4500, tolerance=0.5, access_weight=5.0)
    >>> where = demand_points(atlas, "/nonexistent")
    >>> [labels.tolist() for labels in improve_pieces(atlas, params, atlas_pieces(atlas, params), [np.array([0, 0, 0, 0, 1, 1])], points=where)]
    [[0, 0, 0, 1, 1, 1]]
    """

    points = demand_points(atlas) if points is None else points.reindex(atlas.lsoas.index)
    xy = points[["x", "y"]].to_numpy(dtype=float)
    residents = atlas.lsoas.resident_population.fillna(0).clip(lower=0).to_numpy(dtype=float)
    node_of = np.arange(len(xy)) if index is None else np.asarray(index)
    n_nodes = int(node_of.max()) + 1 if len(node_of) else 0
    sites = practice_sites(atlas)
    site_pos = atlas.lsoas.index.get_indexer(_candidate_lsoas(atlas, sites).to_numpy())
    sites_xy, site_node = sites[["x", "y"]].to_numpy()[site_pos >= 0], node_of[site_pos[site_pos >= 0]]
    piece_of, local_of = np.full(n_nodes, -1), np.full(n_nodes, -1)
    for i, piece in enumerate(pieces):
        piece_of[piece.rows], local_of[piece.rows] = i, np.arange(len(piece.rows))
    lsoas_of = _group(piece_of[node_of], len(pieces))
    sites_of = _group(piece_of[site_node], len(pieces))
    out = []
    for i, (piece, labels) in enumerate(zip(pieces, solved)):
        rows, s = lsoas_of[i], sites_of[i]
        here = (sites_xy[s], local_of[site_node[s]])
        out.append(
            improve_piece(
                piece,
                labels,
                xy[rows],
                residents[rows],
                local_of[node_of[rows]],
                here,
                access_weight=params.access_weight,
                compactness_weight=params.compactness_weight,
                tolerance=params.tolerance,
            )
        )
    return out


def _group(key: np.ndarray, n: int) -> list[np.ndarray]:
    """Positions of each value ``0..n-1`` in ``key`` (negative values left out), in order."""
    order = np.argsort(key, kind="stable")
    bounds = np.searchsorted(key[order], np.arange(n + 1))
    return [order[bounds[i] : bounds[i + 1]] for i in range(n)]
