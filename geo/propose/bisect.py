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
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

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


def bisect_piece(piece, rng: np.random.Generator, *, compactness_weight: float = 1.0, trees: int = TREES,
                 budget=None) -> np.ndarray:
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
    n = len(piece.rows)
    labels = np.zeros(n, dtype=int)
    if piece.k <= 1 or n <= 1:
        return labels
    up = sparse.triu(piece.adjacency, k=1).tocoo()
    same = (piece.practice[up.row] == piece.practice[up.col]) & (piece.practice[up.row] >= 0)
    # Edge ids live in the matrix data (offset by one: zeros are not stored) so sub-matrices keep them.
    ids = sparse.csr_matrix((np.arange(1, len(up.row) + 1), (up.row, up.col)), shape=(n, n))
    ids = (ids + ids.T).tocsr()
    surcharge = np.where(same, 0.0, PRACTICE_SURCHARGE if (piece.practice >= 0).any() else 0.0)
    # Columns summed over subtrees: population, node count, area, area-weighted x, y, and second moments
    # (each cell's own moment a^2 / 2pi approximates a small disc, so a single LSOA scores about 1).
    x, y = piece.x - piece.x.mean(), piece.y - piece.y.mean()
    a = piece.area
    values = np.column_stack([piece.pop, np.ones(n), a, a * x, a * y, a * (x * x + y * y) + a * a / (2 * np.pi)])
    targets, practice = piece.targets, piece.practice
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
        inside, k_inside = _best_split(ids[nodes][:, nodes].tocsr(), values[nodes], surcharge, practice[nodes], k,
                                       k1, targets[first : first + k], rng, compactness_weight, n_trees)
        mask = np.zeros(len(nodes), bool)
        mask[inside] = True
        stack.append((nodes[~mask], k - k_inside, first + k_inside))
        stack.append((nodes[mask], k_inside, first))
    return labels


def _best_split(sub, values, surcharge, practice, k, k1, targets, rng, weight, n_trees):
    """Draw ``n_trees`` random spanning trees of ``sub`` and return (subtree nodes, their k) of the best cut.

    ``targets`` are the populations aimed at for the ``k`` labels of this part, in label order; the subtree takes
    the first ``k`` of them it is given, the rest of the part the others.
    """
    n = sub.shape[0]
    xy = values[:, 3:5] / np.maximum(values[:, 2:3], 1e-9)
    up = sparse.triu(sub, k=1).tocoo()
    edge = up.data - 1
    best_key, best = (np.inf, np.inf), None
    drawn, max_trees = 0, 4 * n_trees
    # Keep drawing (up to four times the asked number) while no tree has a cut inside the balance gate.
    while drawn < n_trees or (best_key[0] > 0 and drawn < max_trees):
        drawn += 1
        w = rng.random(len(edge)) + surcharge[edge] + 1e-9
        blob = float(np.exp(rng.uniform(*np.log(BLOB_SIZES))))
        if weight > 0 and n > 2 * blob:
            w += BLOB_SURCHARGE * _blob_boundary(xy, up.row, up.col, int(n / blob), rng)
        tree = csgraph.minimum_spanning_tree(sparse.csr_matrix((w, (up.row, up.col)), shape=(n, n)))
        order, parent = csgraph.depth_first_order(tree, int(rng.integers(n)), directed=False)
        if len(order) < n:  # not connected: cannot happen for a Piece, but never loop on it
            break
        sums = _subtree_sums(order, parent, values)
        key, v, k_in = _score_cuts(order, parent, sums, values.sum(axis=0), practice, k, k1, targets, weight)
        if key < best_key:
            pos = np.empty(n, dtype=int)
            pos[order] = np.arange(n)
            size = int(round(sums[pos[v], 1]))
            best_key, best = key, (order[pos[v] : pos[v] + size], k_in)
    if best is None:  # disconnected sub-graph: peel off one node so the caller still terminates
        return np.array([0]), 1
    return best


def _blob_boundary(xy, a, b, blobs, rng) -> np.ndarray:
    """Return whether each edge ``(a, b)`` crosses between about ``blobs`` random square cells of the nodes."""
    # A randomly rotated and shifted square grid: far cheaper than Voronoi cells and as good for this purpose.
    theta = rng.uniform(0, np.pi / 2)
    turned = xy @ np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    turned -= turned.min(axis=0)
    cell = np.sqrt(max(np.prod(np.maximum(turned.max(axis=0), 1.0)), 1.0) / blobs)
    cells = np.floor(turned / cell + rng.random(2)).astype(np.int64)
    blob = cells[:, 0] * (cells[:, 1].max() + 1) + cells[:, 1]
    return blob[a] != blob[b]


def _subtree_sums(order: np.ndarray, parent: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Return, in preorder, the sum of ``values`` over each node's subtree.

    In preorder each subtree is the run of ``size`` nodes starting at its root, so once the sizes are known
    (one pass from the leaves up) every column's subtree sums are differences of one cumulative sum.
    """
    n = len(order)
    pos = np.empty(n, dtype=int)
    pos[order] = np.arange(n)
    up = pos[parent[order[1:]]].tolist()
    size = [1] * n
    for i in range(n - 1, 0, -1):  # children come after their parent in preorder
        size[up[i - 1]] += size[i]
    start = np.arange(n)
    total = np.vstack([np.zeros((1, values.shape[1])), np.cumsum(values[order], axis=0)])
    return total[start + np.asarray(size)] - total[start]


def _score_cuts(order, parent, sums, total, practice, k, k1, targets, weight):
    """Score cutting each tree edge (node, parent); return ((gate miss, score), node, k of its subtree).

    A subtree given ``k_in`` neighbourhoods becomes the first ``k_in`` labels of the part, so it aims at the sum
    of the first ``k_in`` of ``targets`` and the rest of the part at the sum of the others.
    """
    inner = sums[1:]  # the root has no edge above it
    outer = total - inner
    nodes = order[1:]
    k2 = k - k1
    errors = []
    for k_in in (k1, k2):
        aim_in = max(float(np.sum(targets[:k_in])), 1e-9)
        aim_out = max(float(np.sum(targets[k_in:])), 1e-9)
        e_in = np.abs(inner[:, 0] / aim_in - 1)
        e_out = np.abs(outer[:, 0] / aim_out - 1)
        err = np.maximum(e_in, e_out)
        # Each side needs at least as many LSOAs as neighbourhoods.
        err[(inner[:, 1] < k_in - 0.5) | (outer[:, 1] < k - k_in - 0.5)] = np.inf
        errors.append(err)
    flip = errors[1] < errors[0]
    err = np.where(flip, errors[1], errors[0])
    shape = _inertia(inner) + _inertia(outer)
    # With practice edges cheapest, each practice's LSOAs form one subtree: cutting inside it splits the practice.
    cut_same = ((practice[nodes] == practice[parent[nodes]]) & (practice[nodes] >= 0)).astype(float)
    score = weight * shape + PRACTICE_PENALTY * cut_same + 0.25 * err / BALANCE_GATE
    miss = np.maximum(err - BALANCE_GATE, 0)
    # Inside the gate only the score counts; outside it, the smallest miss wins.
    key = np.where(miss > 0, np.inf, score)
    i = int(np.argmin(key)) if np.isfinite(key).any() else int(np.argmin(miss))
    k_in = k2 if flip[i] else k1
    return (float(miss[i]), float(score[i])), int(nodes[i]), k_in


def _inertia(s: np.ndarray) -> np.ndarray:
    """Normalised moment of inertia 2*pi*I/A^2 of each row of subtree sums (1 for a disc, larger if stretched)."""
    area = np.maximum(s[:, 2], 1e-9)
    moment = s[:, 5] - (s[:, 3] ** 2 + s[:, 4] ** 2) / area
    return 2 * np.pi * np.maximum(moment, 0) / area**2
