"""Recursive bisection of a connected piece along random minimum spanning trees.

The idea is GerryChain's ``recursive_seed_part``: draw a random spanning tree, cut one edge so that the two
subtrees hold populations in the ratio ``k1 : k2``, and recurse. Any cut of a spanning tree leaves two connected
parts, so contiguity holds by construction. We differ in how the tree and the cut are chosen:

* **Every candidate cut of a tree is scored at once.** In depth-first preorder each subtree is a contiguous run
  of nodes, so one cumulative sum gives the population, area and second moments of every subtree. Among cuts
  within a tight balance band we take the one whose two sides have the smallest normalised moment of inertia
  (a disc scores 1), which favours round shapes; several trees are drawn per split and the best cut is kept.
* **Practices stay whole.** Edges between LSOAs that share a plurality practice are made cheaper than any other
  edge (a "region surcharge" on the rest), so each practice's LSOAs form one subtree, and cutting inside one is
  penalised. A practice is then split only when the population balance demands it.
* **It never fails.** When no tree offers a cut inside the band, the most balanced cut seen is used; the
  refinement step and the unmet report deal with the rest.
* **Trees are drawn in batches.** The trees of a split are drawn together, and :func:`bisect_steps` yields its
  requests so that many pieces share one batch (:mod:`geo.propose.trees`); a batch never changes a result.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from scipy import sparse

from geo.compiled import njit
from geo.propose.trees import run

#: Relative balance a cut must reach to be judged on shape; looser cuts are only a fallback.
BALANCE_GATE = 0.02
#: Weight added to edges that do not join two LSOAs of the same practice (random weights lie in [0, 1)).
PRACTICE_SURCHARGE = 1.0
#: Penalty, in units of the compactness score, for a cut through a practice's LSOAs.
PRACTICE_PENALTY = 2.0
#: Each tree keeps together random Voronoi blobs of a size drawn from this range (nodes), below practices in
#: priority: a tree of compact blobs has compact subtrees, where a purely random tree has ragged ones.
BLOB_SIZES = (4, 30)
BLOB_SURCHARGE = 0.5
#: Spanning trees drawn per split: a count, never a time, so the cut found depends only on the seed.
TREES = 8


def bisect_piece(
    piece, rng: np.random.Generator, *, compactness_weight: float = 1.0, trees: int = TREES, budget=None
) -> np.ndarray:
    """Return a label ``0..k-1`` for every node of ``piece``, each label a connected set.

    Parameters
    ----------
    piece
        A connected :class:`geo.propose.units.Piece`.
    rng
        Source of randomness (the result is fixed by its seed).
    compactness_weight
        Weight of the shape score when choosing among balanced cuts.
    trees
        Spanning trees drawn per split; more gives better cuts at proportional cost.
    budget
        A :class:`geo.propose.units.Budget`; once it is over, only one tree is drawn per split (and the budget
        records that the search was cut short). ``None``: no limit.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.propose.units import split_units
    >>> a = grid_atlas(6, 6)
    >>> c = a.lsoas.geometry.centroid
    >>> [piece] = split_units(a.lsoas.lad_code, a.lsoas.lad_name, a.adjacency, a.lsoas.resident_population.to_numpy(),
    ...                       c.x.to_numpy(), c.y.to_numpy(), a.lsoas.area.to_numpy(), -np.ones(36, int), 13_500)
    >>> labels = bisect_piece(piece, np.random.default_rng(1))
    >>> np.bincount(labels).tolist()
    [9, 9, 9, 9]
    """
    return run([bisect_steps(piece, rng, compactness_weight=compactness_weight, trees=trees, budget=budget)])[0]


def warm() -> None:
    """Compile (or load from numba's cache) the compiled parts of a split now, so that processes forked after
    this share them instead of each compiling or loading its own."""
    n = 6
    path = sparse.diags([np.ones(n - 1), np.ones(n - 1)], [-1, 1], format="csr").astype(bool)
    piece = SimpleNamespace(
        rows=np.arange(n),
        adjacency=path,
        practice=-np.ones(n, int),
        x=np.arange(n, dtype=float),
        y=np.zeros(n),
        area=np.ones(n),
        pop=np.ones(n),
        k=2,
        targets=np.full(2, n / 2),
    )
    bisect_piece(piece, np.random.default_rng(0), trees=2)


def bisect_steps(piece, rng: np.random.Generator, *, compactness_weight: float = 1.0, trees: int = TREES, budget=None):
    """:func:`bisect_piece` as a generator for :func:`geo.propose.trees.run`: it yields its spanning-tree requests
    (so many pieces can share one batch) and returns the labels."""
    n = len(piece.rows)
    labels = np.zeros(n, dtype=int)
    if piece.k <= 1 or n <= 1:
        return labels
    # The piece's edges once, as arrays: each split keeps the edges inside its part (no sparse slicing per split).
    up = sparse.triu(piece.adjacency, k=1).tocoo()
    rows, cols = up.row.astype(np.int64), up.col.astype(np.int64)
    practice = piece.practice
    same = (practice[rows] == practice[cols]) & (practice[rows] >= 0)
    surcharge = np.where(same, 0.0, PRACTICE_SURCHARGE if (practice >= 0).any() else 0.0)
    # Columns summed over subtrees: population, node count, area, area-weighted x, y, and second moments
    # (each cell's own moment a^2 / 2pi approximates a small disc, so a single LSOA scores about 1).
    x, y = piece.x - piece.x.mean(), piece.y - piece.y.mean()
    a = piece.area
    values = np.column_stack([piece.pop, np.ones(n), a, a * x, a * y, a * (x * x + y * y) + a * a / (2 * np.pi)])
    targets = piece.targets
    local = np.full(n, -1, dtype=np.int64)
    stack = [(np.arange(n), piece.k, 0)]
    while stack:
        nodes, k, first = stack.pop()
        if k == 1 or len(nodes) == 1:
            labels[nodes] = first
            continue
        if len(nodes) <= k:  # fewer LSOAs than neighbourhoods: one each, the rest stay empty
            labels[nodes] = first + np.arange(len(nodes))
            continue
        k1 = k // 2
        n_trees = 1 if budget is not None and budget.over() else trees
        local[:] = -1
        local[nodes] = np.arange(len(nodes))
        keep = (local[rows] >= 0) & (local[cols] >= 0)
        edges = (local[rows[keep]], local[cols[keep]], surcharge[keep])
        inside, k_inside = yield from _best_split(
            edges, values[nodes], practice[nodes], k, k1, targets[first : first + k], rng, compactness_weight, n_trees
        )
        mask = np.zeros(len(nodes), bool)
        mask[inside] = True
        stack.append((nodes[~mask], k - k_inside, first + k_inside))
        stack.append((nodes[mask], k_inside, first))
    return labels


def _best_split(edges, values, practice, k, k1, targets, rng, weight, n_trees):
    """Draw ``n_trees`` random spanning trees of the part and return (subtree nodes, their k) of the best cut (a
    generator: it yields each batch of trees it needs, see :func:`geo.propose.trees.run`).

    ``edges`` are the part's edges ``(rows, cols, surcharge)``, each listed once, in its own node numbers.
    ``targets`` are the populations aimed at for the ``k`` labels of this part, in label order; the subtree takes
    the first ``k`` of them it is given, the rest of the part the others. The trees are drawn as one batch
    (:func:`geo.propose.trees.random_forest`); while no cut is inside the balance gate, another batch is drawn, up
    to four times the asked number.
    """
    rows, cols, surcharge = edges
    n = len(values)
    xy = values[:, 3:5] / np.maximum(values[:, 2:3], 1e-9)
    total = values.sum(axis=0)
    best_key, best = (np.inf, np.inf), None
    drawn, max_trees = 0, 4 * n_trees
    # What every cut is scored against: the part's aims for each number of neighbourhoods its subtree may take.
    aims = np.array(
        [[max(float(np.sum(targets[:k_in])), 1e-9), max(float(np.sum(targets[k_in:])), 1e-9)] for k_in in (k1, k - k1)]
    )
    while drawn < n_trees or (best_key[0] > 0 and drawn < max_trees):
        batch = min(n_trees, max_trees - drawn)
        drawn += batch
        w = rng.random((batch, len(rows))) + surcharge + 1e-9
        blob = np.exp(rng.uniform(*np.log(BLOB_SIZES), size=batch))
        # The blobs' random grids (drawn here in the order _blob_boundary draws them; their edges compiled).
        theta = rng.uniform(0, np.pi / 2, size=batch)[:, None]
        shift = rng.random((batch, 2))
        if weight > 0:
            _add_blob_surcharge(
                w,
                xy,
                rows,
                cols,
                np.maximum(n / blob, 1).astype(np.int64),
                np.cos(theta)[:, 0],
                np.sin(theta)[:, 0],
                shift,
                n > 2 * blob,
                BLOB_SURCHARGE,
            )
        forest = yield (n, rows, cols, w, rng.integers(n, size=batch))
        if forest is None:  # not connected: cannot happen for a Piece, but never loop on it
            break
        miss, score, node, k_in = _score_compiled(
            forest.n,
            forest.trees,
            forest.order,
            forest.parent,
            forest.size,
            values,
            total,
            practice,
            k,
            k1,
            aims,
            weight,
        )
        key = (miss, score)
        if key < best_key:
            best_key, best = key, (forest.subtree(node), k_in)
    if best is None:  # disconnected sub-graph or no cut with enough nodes each side: peel off one node
        return np.array([0]), 1
    return best


def _blob_boundary(xy, a, b, blobs, rng) -> np.ndarray:
    """Return, per tree, whether each edge ``(a, b)`` crosses between about ``blobs[t]`` random square cells.

    A randomly rotated and shifted square grid per tree: far cheaper than Voronoi cells and as good here.
    """
    theta = rng.uniform(0, np.pi / 2, size=len(blobs))[:, None]
    shift = rng.random((len(blobs), 2))
    cos, sin = np.cos(theta), np.sin(theta)
    u = xy[:, 0] * cos + xy[:, 1] * sin
    v = xy[:, 1] * cos - xy[:, 0] * sin
    u -= u.min(axis=1, keepdims=True)
    v -= v.min(axis=1, keepdims=True)
    extent = np.maximum(u.max(axis=1), 1.0) * np.maximum(v.max(axis=1), 1.0)
    cell = np.sqrt(np.maximum(extent, 1.0) / blobs)[:, None]
    cu = np.floor(u / cell + shift[:, :1]).astype(np.int64)
    cv = np.floor(v / cell + shift[:, 1:]).astype(np.int64)
    blob = cu * (cv.max(axis=1, keepdims=True) + 1) + cv
    return blob[:, a] != blob[:, b]


def _score_cuts(forest, values, total, practice, k, k1, targets, weight):
    """Score cutting every tree edge (node, parent) of ``forest``; return ((gate miss, score), node, k of its subtree).

    In preorder each subtree is the run of ``size`` nodes from its root, so per-tree cumulative sums give every
    subtree's population, count, area and moments at once. A subtree given ``k_in`` neighbourhoods becomes the
    first ``k_in`` labels of the part, so it aims at the sum of the first ``k_in`` of ``targets`` and the rest
    of the part at the sum of the others. The best cut over all the trees is returned, by global node id.
    """
    n, order = forest.n, forest.order
    local = order % n
    runs = np.zeros((forest.trees, n + 1, values.shape[1]))
    runs[:, 1:] = np.cumsum(values[local].reshape(forest.trees, n, -1), axis=1)
    runs = runs.reshape(-1, values.shape[1])
    parent = forest.parent[order]
    at = np.flatnonzero(parent >= 0)  # preorder positions of every node but the roots: one per tree edge
    start = at + at // n  # the same position in ``runs``, which has one more row per tree
    end = start + forest.size[order[at]]
    pop_in, count_in = runs[end, 0] - runs[start, 0], runs[end, 1] - runs[start, 1]
    pop_out, count_out = total[0] - pop_in, total[1] - count_in
    errors = {}
    for k_in in dict.fromkeys((k1, k - k1)):
        aim_in = max(float(np.sum(targets[:k_in])), 1e-9)
        aim_out = max(float(np.sum(targets[k_in:])), 1e-9)
        err = np.maximum(np.abs(pop_in / aim_in - 1), np.abs(pop_out / aim_out - 1))
        # Each side needs at least as many LSOAs as neighbourhoods.
        err[(count_in < k_in - 0.5) | (count_out < k - k_in - 0.5)] = np.inf
        errors[k_in] = err
    flip = errors[k - k1] < errors[k1]
    err = np.where(flip, errors[k - k1], errors[k1])
    miss = np.maximum(err - BALANCE_GATE, 0)
    # Inside the gate only the score counts; outside it, the smallest miss wins. So shapes are needed only for
    # the cuts inside the gate (or the one cut that misses least).
    gated = np.flatnonzero(miss == 0)
    chosen = gated if len(gated) else np.array([int(np.argmin(miss))])
    inner = runs[end[chosen]] - runs[start[chosen]]
    shape = _inertia(inner) + _inertia(total - inner)
    nodes, above = local[at[chosen]], parent[at[chosen]] % n
    # With practice edges cheapest, each practice's LSOAs form one subtree: cutting inside it splits the practice.
    cut_same = ((practice[nodes] == practice[above]) & (practice[nodes] >= 0)).astype(float)
    score = weight * shape + PRACTICE_PENALTY * cut_same + 0.25 * err[chosen] / BALANCE_GATE
    j = int(np.argmin(score))
    i = int(chosen[j])
    k_in = k - k1 if flip[i] else k1
    return (float(miss[i]), float(score[j])), int(order[at[i]]), k_in


def _inertia(s: np.ndarray) -> np.ndarray:
    """Normalised moment of inertia 2*pi*I/A^2 of each row of subtree sums (1 for a disc, larger if stretched)."""
    area = np.maximum(s[:, 2], 1e-9)
    moment = s[:, 5] - (s[:, 3] ** 2 + s[:, 4] ** 2) / area
    return 2 * np.pi * np.maximum(moment, 0) / area**2


@njit
def _add_blob_surcharge(w, xy, a, b, blobs, cos, sin, shift, big, surcharge):
    """Add ``surcharge`` to each tree's weight of every edge ``(a, b)`` crossing between cells of its random grid
    (:func:`_blob_boundary` with the angles' cosines and sines given), for the trees whose ``big`` is set; the
    same arithmetic as numpy's, element by element."""
    trees, n = len(blobs), len(xy)
    u = np.empty(n)
    v = np.empty(n)
    cu = np.empty(n, dtype=np.int64)
    cv = np.empty(n, dtype=np.int64)
    for t in range(trees):
        for i in range(n):
            u[i] = xy[i, 0] * cos[t] + xy[i, 1] * sin[t]
            v[i] = xy[i, 1] * cos[t] - xy[i, 0] * sin[t]
        u -= u.min()
        v -= v.min()
        extent = max(u.max(), 1.0) * max(v.max(), 1.0)
        cell = np.sqrt(max(extent, 1.0) / blobs[t])
        for i in range(n):
            cu[i] = np.int64(np.floor(u[i] / cell + shift[t, 0]))
            cv[i] = np.int64(np.floor(v[i] / cell + shift[t, 1]))
        if not big[t]:
            continue
        across = cv.max() + 1
        for e in range(len(a)):
            if cu[a[e]] * across + cv[a[e]] != cu[b[e]] * across + cv[b[e]]:
                w[t, e] += surcharge
    return w


@njit
def _inertia_one(area, x, y, moment):
    """:func:`_inertia` of one row of subtree sums (the same operations in the same order)."""
    area = max(area, 1e-9)
    moment = moment - (x * x + y * y) / area
    return 2 * np.pi * max(moment, 0.0) / (area * area)


@njit
def _score_compiled(n, trees, order, parent, size, values, total, practice, k, k1, aims, weight):
    """:func:`_score_cuts` compiled, over the forest's arrays (``aims``: the subtree's and the rest's aims when
    the subtree takes ``k1``, then ``k - k1``): (gate miss, score, global node, k of its subtree)."""
    cols = values.shape[1]
    runs = np.zeros((trees * (n + 1), cols))
    for t in range(trees):
        base = t * (n + 1)
        for j in range(n):
            v = order[t * n + j] % n
            for c in range(cols):
                runs[base + j + 1, c] = runs[base + j, c] + values[v, c]
    k2 = k - k1
    edges = trees * n - trees
    err = np.empty(edges)
    flip = np.zeros(edges, dtype=np.bool_)
    start = np.empty(edges, dtype=np.int64)
    end = np.empty(edges, dtype=np.int64)
    at = np.empty(edges, dtype=np.int64)
    e = 0
    for p in range(trees * n):
        if parent[order[p]] < 0:
            continue
        s = p + p // n
        f = s + size[order[p]]
        pop_in, count_in = runs[f, 0] - runs[s, 0], runs[f, 1] - runs[s, 1]
        pop_out, count_out = total[0] - pop_in, total[1] - count_in
        one = max(abs(pop_in / aims[0, 0] - 1), abs(pop_out / aims[0, 1] - 1))
        if count_in < k1 - 0.5 or count_out < k - k1 - 0.5:
            one = np.inf
        two = one
        if k2 != k1:
            two = max(abs(pop_in / aims[1, 0] - 1), abs(pop_out / aims[1, 1] - 1))
            if count_in < k2 - 0.5 or count_out < k - k2 - 0.5:
                two = np.inf
        flip[e] = two < one
        err[e] = two if flip[e] else one
        start[e], end[e], at[e] = s, f, p
        e += 1
    gated = 0
    least, first = np.inf, 0
    for i in range(edges):
        miss = max(err[i] - BALANCE_GATE, 0)
        if miss == 0:
            gated += 1
        if miss < least:
            least, first = miss, i
    best_score, best = np.inf, -1
    for i in range(edges):
        if gated:
            if max(err[i] - BALANCE_GATE, 0) != 0:
                continue
        elif i != first:
            continue
        s, f = start[i], end[i]
        inner = runs[f] - runs[s]
        shape = _inertia_one(inner[2], inner[3], inner[4], inner[5]) + _inertia_one(
            total[2] - inner[2], total[3] - inner[3], total[4] - inner[4], total[5] - inner[5]
        )
        node, above = order[at[i]] % n, parent[order[at[i]]] % n
        cut_same = 1.0 if practice[node] == practice[above] and practice[node] >= 0 else 0.0
        score = weight * shape + PRACTICE_PENALTY * cut_same + 0.25 * err[i] / BALANCE_GATE
        if score < best_score or best < 0:
            best_score, best = score, i
    miss = max(err[best] - BALANCE_GATE, 0)
    return miss, best_score, order[at[best]], k2 if flip[best] else k1
