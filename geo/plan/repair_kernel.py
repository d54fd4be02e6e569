"""The footprint repair of :mod:`geo.plan.footprint` in compiled code (numba).

A practice move re-derives the footprint, and the repair meets dozens of detached parts each time: in Python and
numpy that was most of a move (a connected-components pass per repair pass, a few dozen tiny numpy calls per
part). This is a line-by-line port that visits the parts in the same order and breaks every tie the same way:
parts are numbered by their first row (as ``scipy.sparse.csgraph.connected_components`` numbers them), part and
label weights and each part's patients by label are summed row by row in row order (as ``numpy.bincount`` sums
them), so the footprint is the one the Python repair drew, bit for bit.
"""

from __future__ import annotations

import numpy as np

from geo.compiled import njit
from geo.metrics.kernels import first_row_components


@njit
def _components(lab, adj_ptr, adj, weight, n_labels):
    """Parts of each label (numbered by first row), their weights and labels, each label's heaviest part."""
    n = len(lab)
    # the one labelling loop of the metrics (parts named by their first row), renumbered 0, 1, ... in that order
    first = first_row_components(lab, adj_ptr, adj)
    comp = np.empty(n, np.int64)
    k = 0
    for r in range(n):
        if first[r] == r:
            comp[r] = k
            k += 1
        else:
            comp[r] = comp[first[r]]
    part_weight = np.zeros(k)
    part_label = np.full(k, -1, np.int64)
    for r in range(n):
        part_weight[comp[r]] += weight[r]
        if part_label[comp[r]] < 0:
            part_label[comp[r]] = lab[r]
    main = np.full(max(n_labels, 1), -1, np.int64)
    for p in range(k):  # heaviest part of each label, ties to the part numbered first
        m = main[part_label[p]]
        if m < 0 or part_weight[p] > part_weight[m]:
            main[part_label[p]] = p
    return comp, k, part_weight, part_label, main


@njit
def repair(
    lab, adj_ptr, adj, weight, rank, row_lad, label_lad, indptr, indices, data, practice_label, keep, passes, share
):
    """Re-attach every detached part (see :func:`geo.plan.footprint.footprint_labels`); return the labels, a mask
    of the re-attached rows, a mask of the rows left detached and each row's part of its label as it ends, named by
    its first row (what :func:`geo.metrics.kernels.first_row_components` finds: the plan's ``components``). ``label_lad[c, v]``: label ``c`` has a practice sited
    in LA ``v`` (at least one LA column: an atlas with none has every row in LA 0)."""
    n = len(lab)
    n_labels = len(rank)
    n_lads = label_lad.shape[1]
    lab = lab.copy()
    repaired = np.zeros(n, np.bool_)
    edge_count = np.zeros(n_labels, np.int64)
    patients = np.zeros(n_labels)
    lad_count = np.zeros(n_lads, np.int64)
    seen = np.empty(n_labels, np.int64)
    comp, k, part_weight, part_label, main = _components(lab, adj_ptr, adj, weight, n_labels)
    for _ in range(passes):
        label_weight = np.zeros(n_labels)
        for r in range(n):
            label_weight[lab[r]] += weight[r]
        small = np.empty(k, np.int64)
        m = 0
        for p in range(k):
            if main[part_label[p]] != p and part_weight[p] <= share * label_weight[part_label[p]]:
                small[m] = p
                m += 1
        if m == 0:
            break
        small = small[:m]
        small = small[np.argsort(part_weight[small], kind="mergesort")]
        # rows grouped by part, in row order within each part
        starts = np.zeros(k + 1, np.int64)
        for r in range(n):
            starts[comp[r] + 1] += 1
        for p in range(k):
            starts[p + 1] += starts[p]
        fill = starts[:-1].copy()
        by_part = np.empty(n, np.int64)
        for r in range(n):
            by_part[fill[comp[r]]] = r
            fill[comp[r]] += 1
        changed = False
        for p in small:
            lo, hi = starts[p], starts[p + 1]
            outer = 0
            blocked = False
            for i in range(lo, hi):
                r = by_part[i]
                if keep[r]:
                    blocked = True
                for e in range(adj_ptr[r], adj_ptr[r + 1]):
                    if comp[adj[e]] != p:
                        outer += 1
            if outer == 0 or blocked:
                continue
            # the neighbour labels (now: earlier parts of this pass may have moved) and their shared edges
            distinct = 0
            for i in range(lo, hi):
                r = by_part[i]
                for e in range(adj_ptr[r], adj_ptr[r + 1]):
                    s = adj[e]
                    if comp[s] != p:
                        c = lab[s]
                        if edge_count[c] == 0:
                            seen[distinct] = c
                            distinct += 1
                        edge_count[c] += 1
            choice = seen[0]
            if distinct > 1:  # only one label around: it is the choice, whatever the rest would say
                # the part's commonest LA (ties: the first code)
                lad, best = 0, -1
                for i in range(lo, hi):
                    lad_count[row_lad[by_part[i]]] += 1
                for i in range(lo, hi):
                    v = row_lad[by_part[i]]
                    if lad_count[v] > best or (lad_count[v] == best and v < lad):
                        best, lad = lad_count[v], v
                for i in range(lo, hi):
                    lad_count[row_lad[by_part[i]]] = 0
                sited = 0
                for j in range(distinct):
                    if label_lad[seen[j], lad]:
                        sited += 1
                # the part's registered residents by label of their practice, summed entry by entry in row order
                # (not needed when exactly one label around has a practice sited in the LA: it is the choice)
                counted = sited != 1
                if counted:
                    for i in range(lo, hi):
                        r = by_part[i]
                        for e in range(indptr[r], indptr[r + 1]):
                            c = practice_label[indices[e]]
                            if c >= 0:
                                patients[c] += data[e]
                # a label with a practice sited in the LA first, then most patients, most shared edges, the name
                choice = -1
                for j in range(distinct):
                    c = seen[j]
                    if choice < 0:
                        choice = c
                        continue
                    sited_c = label_lad[c, lad]
                    sited_b = label_lad[choice, lad]
                    if sited_c != sited_b:
                        if sited_c:
                            choice = c
                        continue
                    if patients[c] != patients[choice]:
                        if patients[c] > patients[choice]:
                            choice = c
                        continue
                    if edge_count[c] != edge_count[choice]:
                        if edge_count[c] > edge_count[choice]:
                            choice = c
                        continue
                    if rank[c] < rank[choice]:
                        choice = c
                if counted:  # cleared label by label: a few dozen stores, not another pass over the entries
                    for c in range(n_labels):
                        patients[c] = 0.0
            for j in range(distinct):
                edge_count[seen[j]] = 0
            for i in range(lo, hi):
                lab[by_part[i]] = choice
                repaired[by_part[i]] = True
            changed = True
        if not changed:
            break
        comp, k, part_weight, part_label, main = _components(lab, adj_ptr, adj, weight, n_labels)
    detached = np.zeros(n, np.bool_)
    first = np.full(max(k, 1), -1, np.int64)
    parts = np.empty(n, np.int64)
    for r in range(n):
        detached[r] = main[lab[r]] != comp[r]
        if first[comp[r]] < 0:
            first[comp[r]] = r
        parts[r] = first[comp[r]]
    return lab, repaired, detached, parts


@njit
def homes(indptr, indices, data, practice_label, rank, rows):
    """Each of ``rows``: the label whose practices hold most of its registered residents, summed entry by entry in
    CSR order (ties: the first name; -1 when none of its residents is registered with the plan's practices)."""
    n_labels = len(rank)
    total = np.zeros(n_labels)
    out = np.full(len(rows), -1, np.int64)
    for i in range(len(rows)):
        r = rows[i]
        for e in range(indptr[r], indptr[r + 1]):
            c = practice_label[indices[e]]
            if c >= 0 and data[e] > 0:
                total[c] += data[e]
        best = -1
        for e in range(indptr[r], indptr[r + 1]):
            c = practice_label[indices[e]]
            if c >= 0 and data[e] > 0:
                if best < 0 or total[c] > total[best] or (total[c] == total[best] and rank[c] < rank[best]):
                    best = c
        if best >= 0 and total[best] > 0:
            out[i] = best
        for e in range(indptr[r], indptr[r + 1]):
            c = practice_label[indices[e]]
            if c >= 0:
                total[c] = 0.0
    return out


@njit
def follow_neighbours(home, adj_ptr, adj, rank):
    """Rows with no home take the label most of their labelled neighbours have (ties: the first name), all at
    once, round after round until every row has one; rows with no labelled neighbour at all take the first name
    among the labels used (or the first name when none is)."""
    lab = home.copy()
    n_labels = len(rank)
    count = np.zeros(n_labels, np.int64)
    while True:
        missing = 0
        for r in range(len(lab)):
            if lab[r] < 0:
                missing += 1
        if missing == 0:
            return lab
        voted = lab.copy()
        any_vote = False
        for r in range(len(lab)):
            if lab[r] >= 0:
                continue
            best = -1
            for e in range(adj_ptr[r], adj_ptr[r + 1]):
                c = lab[adj[e]]
                if c >= 0:
                    count[c] += 1
            for e in range(adj_ptr[r], adj_ptr[r + 1]):
                c = lab[adj[e]]
                if c >= 0 and (
                    best < 0 or count[c] > count[best] or (count[c] == count[best] and rank[c] < rank[best])
                ):
                    best = c
            for e in range(adj_ptr[r], adj_ptr[r + 1]):
                c = lab[adj[e]]
                if c >= 0:
                    count[c] = 0
            if best >= 0:
                voted[r] = best
                any_vote = True
        if not any_vote:
            # An area with no registrations at all, or an island of such rows: the first name (never real data).
            first = -1
            for r in range(len(lab)):
                c = lab[r]
                if c >= 0 and (first < 0 or rank[c] < rank[first]):
                    first = c
            if first < 0:
                first = np.argmin(rank)
            for r in range(len(lab)):
                if lab[r] < 0:
                    lab[r] = first
            return lab
        lab = voted


@njit
def derive(
    home, moved, practice_label, rank, adj_ptr, adj, weight, row_lad, n_lads, indptr, indices, data, by_ptr, by_row,
    site, listed, repairing, passes, share,
):  # fmt: skip
    """The whole footprint derivation of :func:`geo.plan.footprint.footprint_labels` in one call: the homes of the
    rows where the ``moved`` practice columns have patients (``by_ptr``, ``by_row``: the registrations by column)
    recounted into a copy of ``home`` (every row's when ``home`` is empty), the rows with none following
    their neighbours, the repair (when ``repairing``), each neighbourhood holding no row given its largest
    practice's site (``site``: each practice column's row, -1 outside; ``listed``: its list) and, when one was,
    the repair again with those sites kept.

    Returns the labels, the homes, a mask of the re-attached (or given) rows, a mask of the rows left detached, each
    row's part of its label named by its first row (the plan's ``components``, from the repair's own search) and
    -1, or the first label (by name) that holds no row and no practice sited in the area, when there is one.
    """
    n_labels = len(rank)
    n = len(adj_ptr) - 1
    if len(home) == 0:
        home = homes(indptr, indices, data, practice_label, rank, np.arange(n))
    else:
        home = home.copy()
        touched = np.zeros(n, np.bool_)
        for j in moved:
            for e in range(by_ptr[j], by_ptr[j + 1]):
                touched[by_row[e]] = True
        rows = np.flatnonzero(touched)
        if len(rows):
            home[rows] = homes(indptr, indices, data, practice_label, rank, rows)
    lab = follow_neighbours(home, adj_ptr, adj, rank)
    repaired = np.zeros(n, np.bool_)
    detached = np.zeros(n, np.bool_)
    label_lad = np.zeros((max(n_labels, 1), n_lads), np.bool_)
    for j in range(len(practice_label)):  # which LAs each label has a practice sited in
        if practice_label[j] >= 0 and site[j] >= 0:
            label_lad[practice_label[j], row_lad[site[j]]] = True
    keep = np.zeros(n, np.bool_)
    parts = np.empty(0, np.int64)
    if repairing:
        lab, repaired, detached, parts = repair(
            lab, adj_ptr, adj, weight, rank, row_lad, label_lad, indptr, indices, data, practice_label, keep,
            passes, share,
        )  # fmt: skip
    # labels with a practice and no row, in the order of their names, each given its largest practice's site
    used = np.zeros(n_labels, np.bool_)
    for j in range(len(practice_label)):
        if practice_label[j] >= 0:
            used[practice_label[j]] = True
    for r in range(n):
        used[lab[r]] = False
    empty = np.flatnonzero(used)
    sited = 0
    if len(empty):
        lab = lab.copy()
        for k in empty[np.argsort(rank[empty])]:
            row, most = -1, 0.0
            for j in range(len(practice_label)):  # the first practice with the largest list (as argmax)
                if practice_label[j] == k and site[j] >= 0 and (row < 0 or listed[j] > most):
                    row, most = site[j], listed[j]
            if row < 0:
                return lab, home, repaired, detached, parts, k
            lab[row] = k
            keep[row] = True
            sited += 1
    if sited and repairing:  # a site given to an empty neighbourhood may part another's
        lab, again, detached, parts = repair(
            lab, adj_ptr, adj, weight, rank, row_lad, label_lad, indptr, indices, data, practice_label, keep,
            passes, share,
        )  # fmt: skip
        repaired |= again
    repaired |= keep
    if not repairing:
        parts = first_row_components(lab, adj_ptr, adj)
    return lab, home, repaired, detached, parts, -1
