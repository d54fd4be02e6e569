"""Random spanning trees of one graph, drawn many at a time, with every subtree's sums in one pass.

Tree bisection (:mod:`geo.propose.bisect`) draws several random spanning trees of the same part per split and
scores every cut of each. Each request (``T`` weightings of one graph) is answered by compiled code
(:func:`random_forests`): Kruskal's algorithm taking the edges in the order scipy's
:func:`~scipy.sparse.csgraph.minimum_spanning_tree` does, then the preorder scipy's
:func:`~scipy.sparse.csgraph.depth_first_order` gives, so the trees are exactly scipy's (:func:`scipy_forests`,
kept as the reference: ``T`` copies of the graph side by side plus a *super-root* joined to a chosen root of every
copy, one minimum spanning tree and one traversal for the batch). In preorder each tree is a contiguous run and
each subtree a contiguous run inside it. Drawn one by one through scipy, most of the time went on building sparse
matrices for a few dozen nodes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from geo.compiled import njit

#: Weight of the super-root's edges: below every real edge weight (those are at least 1e-9), above zero.
ROOT_WEIGHT = 1e-12
#: Edges (over all trees) drawn in one batch by :func:`run`: enough to spread scipy's per-call cost thin, few
#: enough that sorting the edge weights stays in cache. Batches never change a result, only the speed.
BATCH_EDGES = 40_000


@dataclass
class Forest:
    """``T`` rooted spanning trees of an ``n``-node graph; node ``i`` of tree ``t`` has the global id ``t * n + i``.

    Attributes
    ----------
    n, trees
        Nodes per tree and number of trees.
    order
        Global ids in preorder, tree after tree (``trees * n`` of them).
    parent
        Parent global id of each global id; ``-1`` for the roots.
    size
        Number of nodes in the subtree of each global id.
    """

    n: int
    trees: int
    order: np.ndarray
    parent: np.ndarray
    size: np.ndarray

    def position(self) -> np.ndarray:
        """Return the preorder position of every global id (the inverse of :attr:`order`)."""
        pos = np.empty(len(self.order), dtype=np.int64)
        pos[self.order] = np.arange(len(self.order))
        return pos

    def subtree(self, node: int) -> np.ndarray:
        """Return the local node numbers (``0..n-1``) of the subtree below global id ``node``, in preorder."""
        start = int(self.position()[node])
        return self.order[start : start + int(self.size[node])] % self.n


def random_forest(n: int, rows: np.ndarray, cols: np.ndarray, weights: np.ndarray, roots: np.ndarray) -> Forest | None:
    """Return the minimum spanning tree of each weighting of one graph, rooted at ``roots``, or None if disconnected.

    Parameters
    ----------
    n
        Number of nodes of the graph.
    rows, cols
        The graph's ``m`` undirected edges, each listed once.
    weights
        ``(T, m)`` positive edge weights, one row per tree (random weights give random spanning trees).
    roots
        ``T`` root nodes, one per tree.

    Examples
    --------
    A 2 x 2 grid (0-1 above 2-3) and two weightings: each tree drops the heaviest edge of the square.

    >>> rows, cols = np.array([0, 0, 1, 2]), np.array([1, 2, 3, 3])
    >>> f = random_forest(4, rows, cols, np.array([[1, 2, 3, 9], [9, 1, 2, 3.]]), np.array([0, 3]))
    >>> (f.order % 4).tolist(), f.parent.tolist(), f.size.tolist()
    ([0, 1, 3, 2, 3, 1, 2, 0], [-1, 0, 0, 1, 6, 7, 7, -1], [4, 2, 1, 1, 1, 1, 2, 4])
    >>> f.subtree(6).tolist()  # node 2 of the second tree (rooted at 3) holds itself and node 0
    [2, 0]
    >>> random_forest(3, np.array([0]), np.array([1]), np.ones((1, 1)), np.array([0])) is None
    True
    """
    return random_forests([(n, rows, cols, weights, roots)])[0]


def random_forests(requests: list[tuple]) -> list[Forest | None]:
    """Return :func:`random_forest` of each ``(n, rows, cols, weights, roots)`` in ``requests``.

    Each request is answered on its own by compiled code (:func:`_forest`): Kruskal's algorithm over the edges in
    the order scipy's :func:`~scipy.sparse.csgraph.minimum_spanning_tree` takes them (a stable sort of the
    weights in CSR order) and the depth-first preorder of :func:`~scipy.sparse.csgraph.depth_first_order`
    (undirected: a node's stored neighbours, then its transposed ones, each ascending), so each answer is exactly
    :func:`scipy_forests`' (``tests/propose/test_trees.py`` checks it) without a sparse matrix per request. A
    request with a repeated edge or a weight that is not positive and finite goes to scipy.

    Examples
    --------
    >>> path = (3, np.array([0, 1]), np.array([1, 2]), np.ones((2, 2)), np.array([0, 2]))
    >>> one, two = random_forests([path, path])
    >>> one.order.tolist() == two.order.tolist() == [0, 1, 2, 5, 4, 3], one.size.tolist()
    (True, [3, 2, 1, 1, 2, 3])
    """
    out = []
    for n, rows, cols, weights, roots in requests:
        rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
        roots = np.asarray(roots, dtype=np.int64).reshape(-1)
        weights = np.ascontiguousarray(weights, dtype=np.float64).reshape(len(roots), len(rows))
        r, c, w, plain = _csr_order(int(n), rows, cols, weights)
        if not plain:
            out.append(scipy_forests([(n, rows, cols, weights, roots)])[0])
            continue
        order, parent, size, spans = _forest(int(n), r, c, w, roots)
        out.append(Forest(int(n), len(roots), order, parent, size) if spans else None)
    return out


@njit
def _csr_order(n, rows, cols, weights):
    """The edges and their weights in the CSR order scipy stores them in (by row, then column), and whether
    every edge is listed once with positive finite weights (else scipy answers)."""
    m = len(rows)
    plain = True
    for e in range(m):
        if not (rows[e] >= 0 and rows[e] < n and cols[e] >= 0 and cols[e] < n):
            plain = False
    for x in weights.ravel():
        if not (np.isfinite(x) and x > 0):
            plain = False
    if not plain:
        return rows, cols, weights, False
    ordered = True
    for e in range(1, m):
        if rows[e] < rows[e - 1] or (rows[e] == rows[e - 1] and cols[e] <= cols[e - 1]):
            ordered = False
            break
    if ordered:
        return rows, cols, weights, True
    entries = np.argsort(rows * n + cols, kind="mergesort")
    r, c = rows[entries], cols[entries]
    for e in range(1, m):
        if r[e] == r[e - 1] and c[e] == c[e - 1]:
            return rows, cols, weights, False
    w = np.empty_like(weights)
    for t in range(weights.shape[0]):
        for e in range(m):
            w[t, e] = weights[t, entries[e]]
    return r, c, w, True


@njit
def _forest(n, r, c, w, roots):
    """Minimum spanning tree of each row of ``w`` over edges ``(r, c)`` (in CSR order), rooted at ``roots``:
    (preorder global ids, parent global ids, subtree sizes, whether every tree spans the graph)."""
    trees, m = w.shape
    total = trees * n
    order = np.empty(total, dtype=np.int64)
    parent = np.full(total, -1, dtype=np.int64)
    size = np.ones(total, dtype=np.int64)
    link = np.empty(n, dtype=np.int64)
    rank = np.zeros(n, dtype=np.int64)
    chosen = np.zeros(m, dtype=np.bool_)
    out_start = np.zeros(n + 1, dtype=np.int64)
    in_start = np.zeros(n + 1, dtype=np.int64)
    out_list = np.empty(max(n - 1, 1), dtype=np.int64)
    in_list = np.empty(max(n - 1, 1), dtype=np.int64)
    stack = np.empty(n, dtype=np.int64)
    cursor = np.empty(n, dtype=np.int64)
    seen = np.zeros(n, dtype=np.bool_)
    local_parent = np.empty(n, dtype=np.int64)
    for t in range(trees):
        # Kruskal: edges by weight, ties in CSR order (scipy's stable argsort), joined by union by rank.
        for v in range(n):
            link[v] = v
            rank[v] = 0
        chosen[:] = False
        joined = 0
        for e in np.argsort(w[t], kind="mergesort"):
            if joined == n - 1:
                break
            a, b = r[e], c[e]
            while link[a] != a:
                link[a] = link[link[a]]
                a = link[a]
            while link[b] != b:
                link[b] = link[link[b]]
                b = link[b]
            if a == b:
                continue
            if rank[a] < rank[b]:
                a, b = b, a
            link[b] = a
            if rank[a] == rank[b]:
                rank[a] += 1
            chosen[e] = True
            joined += 1
        if joined < n - 1:
            return order, parent, size, False
        # The tree's stored neighbours (row r: c, ascending) and transposed ones (row c: r, ascending).
        out_start[:] = 0
        in_start[:] = 0
        for e in range(m):
            if chosen[e]:
                out_start[r[e] + 1] += 1
                in_start[c[e] + 1] += 1
        for v in range(n):
            out_start[v + 1] += out_start[v]
            in_start[v + 1] += in_start[v]
        fill_out = out_start[:n].copy()
        fill_in = in_start[:n].copy()
        for e in range(m):
            if chosen[e]:
                out_list[fill_out[r[e]]] = c[e]
                fill_out[r[e]] += 1
                in_list[fill_in[c[e]]] = r[e]
                fill_in[c[e]] += 1
        # Depth-first preorder from the root: each node's first unvisited stored neighbour, then transposed one.
        base = t * n
        seen[:] = False
        root = roots[t]
        seen[root] = True
        local_parent[root] = -1
        stack[0] = root
        cursor[root] = 0
        depth = 0
        order[base] = base + root
        placed = 1
        while depth >= 0:
            p = stack[depth]
            nxt = -1
            j = cursor[p]
            degree_out = out_start[p + 1] - out_start[p]
            while j < degree_out + in_start[p + 1] - in_start[p]:
                q = out_list[out_start[p] + j] if j < degree_out else in_list[in_start[p] + j - degree_out]
                j += 1
                if not seen[q]:
                    nxt = q
                    break
            cursor[p] = j
            if nxt < 0:
                depth -= 1
                continue
            seen[nxt] = True
            local_parent[nxt] = p
            cursor[nxt] = 0
            depth += 1
            stack[depth] = nxt
            order[base + placed] = base + nxt
            placed += 1
        if placed < n:
            return order, parent, size, False
        for i in range(n - 1, 0, -1):
            v = order[base + i] - base
            up = local_parent[v]
            parent[base + v] = base + up
            size[base + up] += size[base + v]
    return order, parent, size, True


def scipy_forests(requests: list[tuple]) -> list[Forest | None]:
    """:func:`random_forests` by scipy, all requests in one batch: the reference the compiled trees are checked against.

    Every tree of every request is a separate block of one graph, so each result is exactly what the request
    would get on its own (each block's spanning tree and preorder depend only on that block).

    Examples
    --------
    >>> path = (3, np.array([0, 1]), np.array([1, 2]), np.ones((2, 2)), np.array([0, 2]))
    >>> one, two = scipy_forests([path, path])
    >>> one.order.tolist() == two.order.tolist() == [0, 1, 2, 5, 4, 3], one.size.tolist()
    (True, [3, 2, 1, 1, 2, 3])
    """
    counts = np.array([len(w) for _, _, _, w, _ in requests])
    nodes = np.repeat([n for n, *_ in requests], counts)  # nodes of each tree
    first = np.r_[0, np.cumsum(nodes)[:-1]]  # global id of each tree's node 0
    total = int(nodes.sum())
    top = total  # the super-root's id
    r, c, data, roots = [], [], [], []
    t = 0
    for (n, rows, cols, weights, root), count in zip(requests, counts):
        offset = first[t : t + count, None]
        r.append((rows[None, :] + offset).ravel())
        c.append((cols[None, :] + offset).ravel())
        data.append(np.asarray(weights, dtype=float).ravel())
        roots.append(np.asarray(root) + first[t : t + count])
        t += count
    roots = np.concatenate(roots)
    r = np.concatenate([*r, np.full(len(roots), top)])
    c = np.concatenate([*c, roots])
    data = np.concatenate([*data, np.full(len(roots), ROOT_WEIGHT)])
    graph = sparse.csr_matrix((data, (r, c)), shape=(total + 1, total + 1))
    tree = csgraph.minimum_spanning_tree(graph, overwrite=True)  # the graph is ours and used once
    order, pred = csgraph.depth_first_order(tree, top, directed=False, return_predecessors=True)
    if len(order) < total + 1:  # some graph is not connected: find which, one by one
        return [scipy_forests([q])[0] if len(requests) > 1 else None for q in requests]
    parent = pred[:total].astype(np.int64)
    parent[parent == top] = -1
    size = subtree_sizes(parent)
    pos = np.empty(total + 1, dtype=np.int64)
    pos[order] = np.arange(total + 1)
    # Each tree is one run of the preorder, but the runs may come in any order: put them in tree order.
    body = order[1:].astype(np.int64)
    body = body[np.repeat(pos[roots] - 1 - first, nodes) + np.arange(total)]
    forests, t = [], 0
    for (n, *_), count in zip(requests, counts):
        lo, hi = int(first[t]), int(first[t]) + n * int(count)
        up = parent[lo:hi]
        forests.append(Forest(n, int(count), body[lo:hi] - lo, np.where(up >= 0, up - lo, -1), size[lo:hi]))
        t += count
    return forests


def run(steps: list) -> list:
    """Run generators that yield :func:`random_forest` requests, answering all pending requests in one batch.

    Each generator yields ``(n, rows, cols, weights, roots)`` and is sent back its :class:`Forest`; what it returns
    is its result. As each answer is what the request would get alone, the results do not depend on which
    generators run together (so on how pieces are shared between processes).

    Examples
    --------
    >>> def count_nodes(n):
    ...     forest = yield (n, np.arange(n - 1), np.arange(1, n), np.ones((1, n - 1)), np.array([0]))
    ...     return int(forest.size.max())
    >>> run([count_nodes(3), count_nodes(5)])
    [3, 5]
    """
    results: list = [None] * len(steps)
    pending: dict[int, tuple] = {}

    def advance(i: int, answer) -> None:
        try:
            pending[i] = steps[i].send(answer)
        except StopIteration as done:
            results[i] = done.value

    for i in range(len(steps)):
        advance(i, None)
    while pending:
        ids, edges = [], 0
        for i in sorted(pending):  # a batch of about BATCH_EDGES edges: larger ones sort slower than they save
            if ids and edges + pending[i][3].size > BATCH_EDGES:
                break
            ids.append(i)
            edges += pending[i][3].size
        for i, forest in zip(ids, random_forests([pending.pop(i) for i in ids])):
            advance(i, forest)
    return results


def subtree_sizes(parent: np.ndarray) -> np.ndarray:
    """Return the number of nodes in each node's subtree, given each node's parent (``-1`` for a root).

    The subtree count is ``(I + A + A^2 + ...) 1`` where ``A`` adds a node's value to its parent's; that sum is
    the product of ``(I + A^(2^j))``, and ``A^(2^j)`` adds each value to the ancestor ``2^j`` levels up, which
    doubling the ancestor pointers gives. So ``log2(height)`` whole-array steps replace a loop over the nodes.

    Examples
    --------
    >>> subtree_sizes(np.array([-1, 0, 1, 1, 0, -1])).tolist()  # 0 -> 1 -> (2, 3), 0 -> 4; 5 alone
    [5, 3, 1, 1, 1, 1]
    """
    n = len(parent)
    none = n  # a sentinel above every root, which absorbs what goes past the top
    up = np.append(np.where(parent < 0, none, parent), none)
    size = np.ones(n + 1)
    size[none] = 0
    while True:
        size += np.bincount(up, weights=size, minlength=n + 1)
        size[none] = 0
        up = up[up]
        if (up[:n] == none).all():
            return size[:n].round().astype(np.int64)
