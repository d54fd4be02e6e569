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

from geo.compiled import njit

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
    labels = np.array(labels, dtype=np.int64)
    k, n = piece.k, len(labels)
    if k <= 1 or n <= 1:
        return labels
    aim = np.maximum(np.asarray(piece.targets, dtype=float), 1e-9)  # population aimed at for each label
    adjacency = piece.adjacency
    pop = np.asarray(piece.pop, dtype=float)
    dev = np.bincount(labels, weights=pop, minlength=k) / aim - 1
    size = np.bincount(labels, minlength=k).astype(np.int64)
    practice = np.asarray(piece.practice)
    # Practices numbered 0.. within the piece; spread[p, label] counts practice p's nodes with that label.
    ids, local = np.unique(practice[practice >= 0], return_inverse=True)
    practice_local = np.full(n, -1, dtype=np.int64)
    practice_local[practice >= 0] = local
    spread = np.zeros((len(ids), k), dtype=np.int64)
    np.add.at(spread, (practice_local[practice >= 0], labels[practice >= 0]), 1)
    state = np.zeros(2, dtype=np.int64)  # moves made, iterations left before the budget is asked again
    stuck = np.zeros(k, dtype=np.bool_)
    limit = max_moves if max_moves is not None else 4 * n
    while _refine_steps(
        labels,
        dev,
        size,
        spread,
        stuck,
        state,
        pop,
        aim,
        np.asarray(adjacency.indptr, dtype=np.int64),
        np.asarray(adjacency.indices, dtype=np.int64),
        practice_local,
        float(compactness_weight),
        float(goal),
        int(limit),
        PRACTICE_COST,
    ):
        if budget is not None and budget.over():  # cut short by the clock (asked before work still to do)
            break
        state[1] = CHECK_EVERY
    return labels


#: Refinement iterations between two looks at the clock (the budget); a count, so a run the budget does not cut
#: makes every move an unlimited run makes.
CHECK_EVERY = 64


def refine_python(
    piece,
    labels: np.ndarray,
    *,
    compactness_weight: float = 1.0,
    goal: float = GOAL,
    budget=None,
    max_moves: int | None = None,
) -> np.ndarray:
    """:func:`refine` in Python (the reference the compiled :func:`_refine_steps` is tested against)."""
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


# ---------------------------------------------------------------------------------------------------------------
# Compiled: the same moves in the same order (tests/propose/test_refine.py checks it on random pieces).


@njit
def _refine_steps(
    labels, dev, size, spread, stuck, state, pop, aim, indptr, indices, practice, weight, goal, limit, practice_cost
):
    """Make :func:`refine`'s moves until done (False) or until the budget is to be asked (True: before the move
    ``state[1]`` iterations ran out on; the caller sets ``state[1]`` and calls again)."""
    k = len(dev)
    while state[0] < limit:
        w, worst = -1, -1.0
        for p in range(k):
            a = abs(dev[p])
            if a > goal and not stuck[p] and a > worst:
                w, worst = p, a
        if w < 0:
            return False
        if state[1] <= 0:
            return True
        state[1] -= 1
        v, src, dst = _best_move_compiled(
            w, labels, dev, size, pop, aim, indptr, indices, practice, spread, weight, practice_cost
        )
        if v < 0:
            stuck[w] = True
            continue
        labels[v] = dst
        dev[src] -= pop[v] / aim[src]
        dev[dst] += pop[v] / aim[dst]
        size[src] -= 1
        size[dst] += 1
        if practice[v] >= 0:
            spread[practice[v], src] -= 1
            spread[practice[v], dst] += 1
        stuck[:] = False
        state[0] += 1
    return False


@njit
def _best_move_compiled(w, labels, dev, size, pop, aim, indptr, indices, practice, spread, weight, practice_cost):
    """:func:`_best_move`: ``(node, from, to)``, or ``(-1, -1, -1)``."""
    k = len(dev)
    giving = dev[w] > 0
    count = 0
    for u in range(len(labels)):
        if labels[u] == w:
            count += indptr[u + 1] - indptr[u]
    cand_v = np.empty(count, dtype=np.int64)
    cand_src = np.empty(count, dtype=np.int64)
    cand_dst = np.empty(count, dtype=np.int64)
    m = 0
    for u in range(len(labels)):
        if labels[u] != w:
            continue
        for j in range(indptr[u], indptr[u + 1]):
            t = indices[j]
            if labels[t] == w:
                continue
            if giving:
                cand_v[m], cand_src[m], cand_dst[m] = u, w, labels[t]
            else:
                cand_v[m], cand_src[m], cand_dst[m] = t, labels[t], w
            m += 1
    if m == 0:
        return -1, -1, -1
    # Each (node, other label) once, in the order of numpy.unique's keys.
    keys = cand_v[:m] * (k + 1) + cand_src[:m] + cand_dst[:m]
    by_key = np.argsort(keys, kind="mergesort")
    v = np.empty(m, dtype=np.int64)
    src = np.empty(m, dtype=np.int64)
    dst = np.empty(m, dtype=np.int64)
    gain = np.empty(m)
    c = 0
    for j in range(m):
        i = by_key[j]
        if j > 0 and keys[i] == keys[by_key[j - 1]]:
            continue
        a, s, d = cand_v[i], cand_src[i], cand_dst[i]
        new_src, new_dst = dev[s] - pop[a] / aim[s], dev[d] + pop[a] / aim[d]
        g = dev[s] ** 2 + dev[d] ** 2 - new_src**2 - new_dst**2
        if g > 1e-12 and size[s] > 1:
            v[c], src[c], dst[c], gain[c] = a, s, d, g
            c += 1
    if c == 0:
        return -1, -1, -1
    cost = np.empty(c)
    for i in range(c):
        cut = 0.0
        for j in range(indptr[v[i]], indptr[v[i] + 1]):
            lab = labels[indices[j]]
            cut += (1.0 if lab == src[i] else 0.0) - (1.0 if lab == dst[i] else 0.0)
        split = 0
        p = practice[v[i]]
        if p >= 0:
            split = (1 if spread[p, dst[i]] == 0 else 0) - (1 if spread[p, src[i]] == 1 else 0)
        cost[i] = weight * cut + practice_cost * split
    # Cheapest first, then the largest gain, then by node and labels (numpy.lexsort's order), until one keeps
    # its donor connected.
    tried = np.zeros(c, dtype=np.bool_)
    for _ in range(c):
        b = -1
        for i in range(c):
            if tried[i]:
                continue
            if b < 0 or _before(cost, gain, v, src, dst, i, b):
                b = i
        tried[b] = True
        if _stays_connected_compiled(v[b], src[b], labels, indptr, indices):
            return v[b], src[b], dst[b]
    return -1, -1, -1


@njit
def _before(cost, gain, v, src, dst, i, j):
    """Whether candidate ``i`` sorts before ``j``: by cost, then -gain, node, from, to."""
    if cost[i] != cost[j]:
        return cost[i] < cost[j]
    if -gain[i] != -gain[j]:
        return -gain[i] < -gain[j]
    if v[i] != v[j]:
        return v[i] < v[j]
    if src[i] != src[j]:
        return src[i] < src[j]
    return dst[i] < dst[j]


@njit
def _stays_connected_compiled(v, part, labels, indptr, indices):
    """:func:`_stays_connected`."""
    first, others = -1, 0
    for j in range(indptr[v], indptr[v + 1]):
        if labels[indices[j]] == part:
            if first < 0:
                first = indices[j]
            else:
                others += 1
    if others == 0:
        return True
    n = len(labels)
    seen = np.zeros(n, dtype=np.bool_)
    target = np.zeros(n, dtype=np.bool_)
    after = False
    for j in range(indptr[v], indptr[v + 1]):
        u = indices[j]
        if labels[u] == part:
            if after:
                target[u] = True  # every one after the first (a repeat of the first too: it is never found)
            after = True
    left = 0
    for u in range(n):
        if target[u]:
            left += 1
    seen[v] = True
    seen[first] = True
    stack = np.empty(n, dtype=np.int64)
    stack[0] = first
    top = 1
    while top > 0 and left > 0:
        top -= 1
        u = stack[top]
        for j in range(indptr[u], indptr[u + 1]):
            t = indices[j]
            if not seen[t] and labels[t] == part:
                seen[t] = True
                if target[t]:
                    target[t] = False
                    left -= 1
                stack[top] = t
                top += 1
    return left == 0
