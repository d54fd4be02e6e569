"""Local refinement: move boundary LSOAs between neighbouring neighbourhoods until populations balance.

Bisection leaves each neighbourhood within a couple of per cent of its share, but errors add up down the
recursion and bottlenecks force looser cuts. Refinement repeatedly takes the neighbourhood furthest from its
aimed population (``piece.targets``) and moves one LSOA across its boundary (out of it when too big, into it when too small). Among
the moves that lower the sum of squared deviations, it picks the one that costs least in shape (cut edges
added) and practice splits (a practice's LSOAs spread over one more neighbourhood). Because every accepted move
lowers the sum of squares, the loop ends; a move is only made when the donor stays connected, so contiguity
holds throughout.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

#: Refinement stops once every neighbourhood is within this relative deviation of its aimed population.
GOAL = 0.01
#: Cost of spreading one practice over one more neighbourhood, in cut edges.
PRACTICE_COST = 3.0


def refine(
    piece,
    labels: np.ndarray,
    *,
    compactness_weight: float = 1.0,
    goal: float = GOAL,
    budget=None,
    max_moves: int | None = None,
) -> np.ndarray:
    """Return ``labels`` improved by single-LSOA boundary moves that balance populations.

    Parameters
    ----------
    piece
        The connected :class:`geo.propose.units.Piece` the labels cover.
    labels
        A label ``0..k-1`` per node, each label a connected set (as from :func:`bisect_piece`).
    compactness_weight
        Cost of one more cut edge when choosing between balancing moves.
    goal
        Relative deviation from its aimed population (``piece.targets``) below which a neighbourhood is left alone.
    budget
        A :class:`geo.propose.units.Budget`; once it is over, stop and return the labels so far (the budget
        records the cut). ``None``: no limit.
    max_moves
        Cap on the number of moves (default: four per LSOA); with the goal, this fixes the amount of work.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.propose.units import split_units
    >>> a = grid_atlas(4, 1)
    >>> c = a.lsoas.geometry.centroid
    >>> [piece] = split_units(a.lsoas.lad_code, a.lsoas.lad_name, a.adjacency, a.lsoas.resident_population.to_numpy(),
    ...                       c.x.to_numpy(), c.y.to_numpy(), a.lsoas.area.to_numpy(), -np.ones(4, int), 3000)
    >>> refine(piece, np.array([0, 0, 0, 1])).tolist()
    [0, 0, 1, 1]
    """
    labels = labels.copy()
    k, n = piece.k, len(labels)
    if k <= 1 or n <= 1:
        return labels
    aim = np.maximum(piece.targets, 1e-9)  # population aimed at for each label
    indptr, indices = piece.adjacency.indptr, piece.adjacency.indices
    pop = piece.pop
    dev = np.bincount(labels, weights=pop, minlength=k) / aim - 1
    size = np.bincount(labels, minlength=k)
    practice = piece.practice
    spread = Counter(zip(practice[practice >= 0].tolist(), labels[practice >= 0].tolist()))
    stuck: set[int] = set()
    limit = max_moves if max_moves is not None else 4 * n
    moves = 0
    while moves < limit:
        worst = [int(p) for p in np.argsort(-np.abs(dev), kind="stable") if abs(dev[p]) > goal and p not in stuck]
        if not worst or (budget is not None and budget.over()):  # done, or cut short by the clock
            break
        w = worst[0]
        move = _best_move(w, labels, dev, size, pop, aim, indptr, indices, practice, spread, compactness_weight)
        if move is None:
            stuck.add(w)
            continue
        v, src, dst = move
        labels[v] = dst
        dev[src] -= pop[v] / aim[src]
        dev[dst] += pop[v] / aim[dst]
        size[src] -= 1
        size[dst] += 1
        if practice[v] >= 0:
            spread[(practice[v], src)] -= 1
            spread[(practice[v], dst)] += 1
        stuck.clear()
        moves += 1
    return labels


def _best_move(w, labels, dev, size, pop, aim, indptr, indices, practice, spread, weight):
    """Return the cheapest connectivity-keeping move ``(node, from, to)`` that helps neighbourhood ``w``, or None.

    Candidates are scored as arrays (gain in the sum of squares, cut edges added, practices spread), then tried
    cheapest first, ties broken by gain and then by node and labels, until one keeps its donor connected.
    """
    giving = dev[w] > 0
    members = np.flatnonzero(labels == w)
    u, nbr = _edges_from(members, indptr, indices)
    across = labels[nbr] != w
    if giving:  # push a member across to a neighbouring neighbourhood
        v, src, dst = u[across], np.full(int(across.sum()), w), labels[nbr[across]]
    else:  # pull in a neighbour of a member
        v, src, dst = nbr[across], labels[nbr[across]], np.full(int(across.sum()), w)
    if not len(v):
        return None
    _, first = np.unique(v * (len(dev) + 1) + src + dst, return_index=True)  # each (node, other label) once
    v, src, dst = v[first], src[first], dst[first]
    new_src, new_dst = dev[src] - pop[v] / aim[src], dev[dst] + pop[v] / aim[dst]
    gain = dev[src] ** 2 + dev[dst] ** 2 - new_src**2 - new_dst**2
    ok = (gain > 1e-12) & (size[src] > 1)
    v, src, dst, gain = v[ok], src[ok], dst[ok], gain[ok]
    if not len(v):
        return None
    _, around = _edges_from(v, indptr, indices)
    at = np.repeat(np.arange(len(v)), np.diff(indptr)[v])  # which candidate each of those edges belongs to
    cut = np.bincount(
        at, weights=(labels[around] == src[at]).astype(float) - (labels[around] == dst[at]), minlength=len(v)
    )
    split = np.array(
        [
            int(spread[(practice[a], d)] == 0) - int(spread[(practice[a], s)] == 1) if practice[a] >= 0 else 0
            for a, s, d in zip(v.tolist(), src.tolist(), dst.tolist())
        ]
    )
    cost = weight * cut + PRACTICE_COST * split
    for i in np.lexsort((dst, src, v, -gain, cost)):
        if _stays_connected(int(v[i]), int(src[i]), labels, indptr, indices):
            return int(v[i]), int(src[i]), int(dst[i])
    return None


def _edges_from(nodes, indptr, indices):
    """Return every edge ``(node, neighbour)`` leaving ``nodes``, as two arrays (CSR rows gathered at once)."""
    degree = indptr[nodes + 1] - indptr[nodes]
    owner = np.repeat(nodes, degree)
    offset = np.arange(int(degree.sum())) - np.repeat(np.cumsum(degree) - degree, degree)
    return owner, indices[np.repeat(indptr[nodes], degree) + offset]


def _stays_connected(v, part, labels, indptr, indices) -> bool:
    """Return whether ``part`` stays connected without node ``v`` (search from one neighbour until all are met)."""
    nbrs = [int(u) for u in indices[indptr[v] : indptr[v + 1]] if labels[u] == part]
    if len(nbrs) <= 1:
        return True
    targets = set(nbrs[1:])
    seen = {v, nbrs[0]}
    frontier = [nbrs[0]]
    while frontier and targets:
        u = frontier.pop()
        for t in indices[indptr[u] : indptr[u + 1]]:
            t = int(t)
            if t not in seen and labels[t] == part:
                seen.add(t)
                targets.discard(t)
                frontier.append(t)
    return not targets
