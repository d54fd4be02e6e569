"""The compiled inner loop of the ReCom chain: pick a pair, draw a random spanning tree, cut it, update the scores.

Everything here is plain arrays and a :class:`numpy.random.Generator` (numba draws from the very generator it is
handed, so a chain run in chunks draws the same numbers as one run in one go). :func:`chain_steps` runs a number of
steps on the state arrays in place and writes one row of scores per step; :mod:`geo.ensemble.chain_state` builds
the state and :mod:`geo.ensemble.chain` reads the rows.

The proposal is GerryChain's default ``recom`` (version 1.0): a uniformly random pair of adjacent districts
(``pair_selection="district_pairs"``), a minimum spanning tree of their merged subgraph under independent uniform
edge weights (Kruskal; or, with ``uniform``, a uniformly random spanning tree by Wilson's algorithm, as
GerryChain's ``uniform_spanning_tree``), every tree edge whose two sides are both within ``target * (1 ± tolerance)`` (inclusive),
one of those drawn uniformly, and a new tree for the same pair when a tree has none. Unlike GerryChain, a pair is
drawn only among pairs whose joint population can be two districts within the band (GerryChain would otherwise
spin on an impossible pair), and a pair that yields no balanced cut in ``max_trees`` trees leaves the plan as it
is for that step (``moved = 0``) instead of raising; and the whole run has a budget of spanning-tree work (nodes
plus edges of every tree drawn), so no start plan, however crafted, makes it run without end.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Score columns written per step, in this order.
SCORES = ("max_abs_deviation_pct", "core20_spread", "wards_split", "alignment_pct", "cut_edges", "la_crossings")
# Step columns written per step besides the scores.
INFO = ("pair_a", "pair_b", "trees", "moved")


def _jit(func):
    """Compile with numba, caching the machine code on disk where the package folder (or numba's user cache)
    is writable; a read-only install compiles per process instead of failing."""
    try:
        return njit(cache=True, nogil=True)(func)
    except RuntimeError:  # numba: "cannot cache function ...: no locator available"
        return njit(nogil=True)(func)


@_jit
def _find(parent, x):
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


@_jit
def _wilson(rng, size, lptr, ladj, visit, tree, work):
    """Draw a uniformly random spanning tree of the local graph ``(lptr, ladj)`` by Wilson's algorithm (loop-erased
    random walks into the tree grown from node 0); write its edges to ``tree`` and return how many. Each walk step
    costs one unit of ``work[0]``; the walk stops when it runs out."""
    for i in range(size):
        visit[i] = -2  # -2: not in the tree; otherwise the next node on the way to the root (-1 for the root)
    visit[0] = -1
    step = np.empty(size, np.int64)
    t = 0
    for i in range(1, size):
        u = i
        while visit[u] == -2:
            degree = lptr[u + 1] - lptr[u]
            if degree == 0 or work[0] < 0:
                return t
            step[u] = ladj[lptr[u] + rng.integers(0, degree)]
            work[0] -= 1
            u = step[u]
        u = i
        while visit[u] == -2:
            visit[u] = step[u]
            tree[t, 0] = u
            tree[t, 1] = step[u]
            t += 1
            u = step[u]
    return t


@_jit
def _move(
    u,
    old,
    new,
    label,
    indptr,
    nbr,
    chain_indptr,
    chain_nbr,
    pop,
    core,
    ward,
    lad,
    reg_indptr,
    reg_cols,
    reg_vals,
    dpop,
    dcore,
    dadj,
    wc,
    wk,
    lc,
    dl,
    pt,
    touched,
    counters,
):
    """Move node ``u`` from district ``old`` to ``new``, patching every tally (cut edges, district adjacency,
    ward and LAD spans, practice tallies); ``counters`` holds [cut edges, wards split, LA crossings]."""
    for p in range(indptr[u], indptr[u + 1]):
        other = label[nbr[p]]
        counters[0] += (other != new) - (other != old)
    for p in range(chain_indptr[u], chain_indptr[u + 1]):
        other = label[chain_nbr[p]]
        if other != old:
            dadj[old, other] -= 1
            dadj[other, old] -= 1
        if other != new:
            dadj[new, other] += 1
            dadj[other, new] += 1
    label[u] = new
    dpop[old] -= pop[u]
    dpop[new] += pop[u]
    dcore[old] -= core[u]
    dcore[new] += core[u]
    w = ward[u]
    if w >= 0:
        wc[w, old] -= 1
        if wc[w, old] == 0:
            wk[w] -= 1
            if wk[w] == 1:
                counters[1] -= 1
        if wc[w, new] == 0:
            wk[w] += 1
            if wk[w] == 2:
                counters[1] += 1
        wc[w, new] += 1
    a = lad[u]
    lc[a, old] -= 1
    if lc[a, old] == 0:
        dl[old] -= 1
        if dl[old] == 1:
            counters[2] -= 1
    if lc[a, new] == 0:
        dl[new] += 1
        if dl[new] == 2:
            counters[2] += 1
    lc[a, new] += 1
    for p in range(reg_indptr[u], reg_indptr[u + 1]):
        j = reg_cols[p]
        pt[old, j] -= reg_vals[p]
        pt[new, j] += reg_vals[p]
        touched[j] = True


@_jit
def chain_steps(
    rng,
    steps,
    target,
    tolerance,
    max_trees,
    uniform,
    work,
    indptr,
    nbr,
    chain_indptr,
    chain_nbr,
    pop,
    core,
    ward,
    lad,
    reg_indptr,
    reg_cols,
    reg_vals,
    practice_ok,
    registered_total,
    label,
    dpop,
    dcore,
    dadj,
    wc,
    wk,
    lc,
    dl,
    pt,
    pmax,
    counters,
    scores,
    info,
):
    """Run ``steps`` ReCom steps in place; row ``s`` of ``scores`` (see :data:`SCORES`) and ``info``
    (see :data:`INFO`) describe the plan after step ``s``. ``work[0]`` is the budget of spanning-tree work left
    (nodes plus edges of every tree drawn); the loop stops when it runs out and returns the steps completed."""
    n = label.shape[0]
    k = dpop.shape[0]
    slack = tolerance * target
    local = -np.ones(n, np.int64)
    nodes = np.empty(n, np.int64)
    touched = np.zeros(pt.shape[1], np.bool_)
    pairs = np.empty((k * (k - 1) // 2, 2), np.int64)
    for s in range(steps):
        # 1. A uniformly random adjacent pair whose joint population fits two districts of the band.
        m = 0
        for a in range(k):
            for b in range(a + 1, k):
                total = dpop[a] + dpop[b]
                if dadj[a, b] > 0 and total >= 2 * (target - slack) and total <= 2 * (target + slack):
                    pairs[m, 0] = a
                    pairs[m, 1] = b
                    m += 1
        if m == 0:
            a, b, trees, moved = -1, -1, 0, 0
        else:
            pick = rng.integers(0, m)
            a, b = pairs[pick, 0], pairs[pick, 1]
            # 2. The merged subgraph, in local numbering (node order: ascending row).
            size = 0
            for u in range(n):
                if label[u] == a or label[u] == b:
                    local[u] = size
                    nodes[size] = u
                    size += 1
            count = 0
            for i in range(size):
                u = nodes[i]
                for p in range(chain_indptr[u], chain_indptr[u + 1]):
                    if local[chain_nbr[p]] > i:
                        count += 1
            ends = np.empty((count, 2), np.int64)
            count = 0
            for i in range(size):
                u = nodes[i]
                for p in range(chain_indptr[u], chain_indptr[u + 1]):
                    j = local[chain_nbr[p]]
                    if j > i:
                        ends[count, 0] = i
                        ends[count, 1] = j
                        count += 1
            total = dpop[a] + dpop[b]
            lptr = np.zeros(size + 1, np.int64)
            ladj = np.empty(2 * count, np.int64)
            if uniform:  # the merged subgraph's own adjacency, for random walks
                for e in range(count):
                    lptr[ends[e, 0] + 1] += 1
                    lptr[ends[e, 1] + 1] += 1
                for i in range(size):
                    lptr[i + 1] += lptr[i]
                fill = lptr[:size].copy()
                for e in range(count):
                    ladj[fill[ends[e, 0]]] = ends[e, 1]
                    fill[ends[e, 0]] += 1
                    ladj[fill[ends[e, 1]]] = ends[e, 0]
                    fill[ends[e, 1]] += 1
            weight = np.empty(count)
            parent = np.empty(size, np.int64)
            degree = np.empty(size + 1, np.int64)
            tree = np.empty((size - 1, 2), np.int64)
            adj = np.empty(2 * (size - 1), np.int64)
            up = np.empty(size, np.int64)
            order = np.empty(size, np.int64)
            sub = np.empty(size)
            cuts = np.empty(size, np.int64)
            side = np.zeros(size, np.bool_)
            chosen = -1
            trees = 0
            while trees < max_trees and chosen < 0:
                trees += 1
                work[0] -= size + count
                if work[0] < 0:
                    for i in range(size):
                        local[nodes[i]] = -1
                    return s
                if uniform:
                    t = _wilson(rng, size, lptr, ladj, parent, tree, work)
                    if work[0] < 0:
                        for i in range(size):
                            local[nodes[i]] = -1
                        return s
                else:
                    # 3. Kruskal's minimum spanning tree under independent uniform weights.
                    for e in range(count):
                        weight[e] = rng.random()
                    for i in range(size):
                        parent[i] = i
                    t = 0
                    for e in np.argsort(weight):
                        x, y = _find(parent, ends[e, 0]), _find(parent, ends[e, 1])
                        if x != y:
                            parent[x] = y
                            tree[t, 0] = ends[e, 0]
                            tree[t, 1] = ends[e, 1]
                            t += 1
                            if t == size - 1:
                                break
                if t < size - 1:  # the merged pair is not connected (cannot happen from a contiguous plan)
                    break
                # 4. Subtree populations below each node, rooted at local node 0.
                degree[:] = 0
                for e in range(t):
                    degree[tree[e, 0] + 1] += 1
                    degree[tree[e, 1] + 1] += 1
                for i in range(size):
                    degree[i + 1] += degree[i]
                fill = degree[:size].copy()
                for e in range(t):
                    adj[fill[tree[e, 0]]] = tree[e, 1]
                    fill[tree[e, 0]] += 1
                    adj[fill[tree[e, 1]]] = tree[e, 0]
                    fill[tree[e, 1]] += 1
                up[0] = -1
                order[0] = 0
                head, tail = 0, 1
                while head < tail:
                    x = order[head]
                    head += 1
                    for p in range(degree[x], degree[x + 1]):
                        y = adj[p]
                        if y != up[x]:
                            up[y] = x
                            order[tail] = y
                            tail += 1
                for i in range(size):
                    sub[i] = pop[nodes[i]]
                for h in range(size - 1, 0, -1):
                    sub[up[order[h]]] += sub[order[h]]
                # 5. Every balanced cut (both sides within the band, inclusive), one drawn uniformly.
                found = 0
                for i in range(1, size):
                    below = sub[i]
                    if abs(below - target) <= slack and abs(total - below - target) <= slack:
                        cuts[found] = i
                        found += 1
                if found > 0:
                    chosen = cuts[rng.integers(0, found)]
            moved = 0
            if chosen >= 0:
                moved = 1
                # The subtree below the cut becomes district b, the rest district a (BFS order: parents first).
                side[:] = False
                side[chosen] = True
                for h in range(1, size):
                    x = order[h]
                    if up[x] >= 0 and side[up[x]]:
                        side[x] = True
                touched[:] = False
                for i in range(size):
                    u = nodes[i]
                    new = b if side[i] else a
                    if label[u] != new:
                        _move(
                            u,
                            label[u],
                            new,
                            label,
                            indptr,
                            nbr,
                            chain_indptr,
                            chain_nbr,
                            pop,
                            core,
                            ward,
                            lad,
                            reg_indptr,
                            reg_cols,
                            reg_vals,
                            dpop,
                            dcore,
                            dadj,
                            wc,
                            wk,
                            lc,
                            dl,
                            pt,
                            touched,
                            counters,
                        )
                for j in range(pt.shape[1]):
                    if touched[j]:
                        best = 0.0
                        for d in range(k):
                            if pt[d, j] > best:
                                best = pt[d, j]
                        pmax[j] = best
            for i in range(size):
                local[nodes[i]] = -1
        # 6. The scores of the plan after this step.
        worst = 0.0
        mean = 0.0
        for d in range(k):
            dev = abs(dpop[d] - target)
            if dev > worst:
                worst = dev
            mean += dcore[d] / dpop[d]
        mean /= k
        var = 0.0
        for d in range(k):
            diff = dcore[d] / dpop[d] - mean
            var += diff * diff
        own = 0.0
        for j in range(pmax.shape[0]):
            if practice_ok[j] and pmax[j] > 1e-9:
                own += pmax[j]
        scores[s, 0] = 100.0 * worst / target
        scores[s, 1] = 100.0 * np.sqrt(var / k)
        scores[s, 2] = counters[1]
        scores[s, 3] = 100.0 * own / registered_total if registered_total > 0 else np.nan
        scores[s, 4] = counters[0]
        scores[s, 5] = counters[2]
        info[s, 0] = a
        info[s, 1] = b
        info[s, 2] = trees
        info[s, 3] = moved
    return steps
