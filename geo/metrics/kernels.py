"""Compiled (numba) patches of metrics a practice move touches in many rows at once.

A practice move relabels a dozen LSOAs and the metric updaters replay them row by row; in Python each row costs
a few numpy calls on tiny arrays. These loops do the same arithmetic in the same order (each table cell is
changed by the same subtractions and additions, one row after another), so the results are bit for bit those of
the Python they replace. Imported lazily: the API starts without compiling them.
"""

from __future__ import annotations

import numpy as np

from geo.compiled import njit


@njit
def first_row_components(lab, adj_ptr, adj):
    """The connected part of its label each row is in, named by the part's first row (searched from the rows in
    ascending order, so each search starts at its part's first row)."""
    n = len(lab)
    comp = np.full(n, -1, np.int64)
    stack = np.empty(n, np.int64)
    for start in range(n):
        if comp[start] >= 0:
            continue
        comp[start] = start
        stack[0] = start
        top = 1
        while top:
            top -= 1
            r = stack[top]
            for e in range(adj_ptr[r], adj_ptr[r + 1]):
                s = adj[e]
                if comp[s] < 0 and lab[s] == lab[r]:
                    comp[s] = start
                    stack[top] = s
                    top += 1
    return comp


@njit
def patch_tallies(table, indptr, indices, data, pos, old, new):
    """Move each row ``pos[i]``'s registrations (CSR) from label ``old[i]`` to ``new[i]`` in ``table`` (labels x
    practices), in place, one row after another."""
    for i in range(len(pos)):
        r, a, b = pos[i], old[i], new[i]
        for e in range(indptr[r], indptr[r + 1]):
            table[a, indices[e]] -= data[e]
            table[b, indices[e]] += data[e]


@njit
def patch_table_rows(table, values, pos, old, new):
    """Take each row ``values[pos[i]]`` from row ``old[i]`` of ``table`` (labels x columns), all in order, then add
    each to row ``new[i]``, in place: ``np.subtract.at`` then ``np.add.at``'s arithmetic in their order."""
    for i in range(len(pos)):
        r, a = pos[i], old[i]
        for c in range(table.shape[1]):
            table[a, c] -= values[r, c]
    for i in range(len(pos)):
        r, b = pos[i], new[i]
        for c in range(table.shape[1]):
            table[b, c] += values[r, c]


@njit
def at_home_list_patients(label, home, table):
    """The area patients of each practice with a neighbourhood (its ``label``, else its ``home``; -1: none) who
    live in it (``table[k, j]``), in ascending practice order: the cells ``table[k[registered], registered]``."""
    count = 0
    for j in range(len(label)):
        if label[j] >= 0 or home[j] >= 0:
            count += 1
    out = np.empty(count)
    m = 0
    for j in range(len(label)):
        k = label[j] if label[j] >= 0 else home[j]
        if k >= 0:
            out[m] = table[k, j]
            m += 1
    return out


@njit
def site_lad_counts(label, site, site_lad, n_labels, n_lads):
    """How many distinct local authorities (``site_lad`` of each practice column) each label has a practice sited
    in (``label >= 0`` and ``site >= 0``)."""
    spans = np.zeros((n_labels, n_lads), np.bool_)
    counts = np.zeros(n_labels, np.int64)
    for j in range(len(label)):
        k = label[j]
        if k >= 0 and site[j] >= 0 and not spans[k, site_lad[j]]:
            spans[k, site_lad[j]] = True
            counts[k] += 1
    return counts


@njit
def move_row_components(component, lab, adj_ptr, adj, i, a, b):
    """Patch ``component`` (each row's connected part within its label, named by the part's first row) in place
    for row ``i`` having moved from label ``a`` to ``b`` (``lab``: the labels with ``i`` already in ``b``).

    Only the part ``i`` left and the parts it joins change. The rows left behind are named again by a search from
    each of them in ascending order (whether or not the part came apart); the parts ``i`` joins merge under their
    first row. Every part ends named by its first row, so the result is a recount's, exactly.
    """
    n = len(lab)
    root = component[i]
    left = 0  # rows of i's old part left behind, marked -1 until searched
    for r in range(n):
        if component[r] == root and r != i:
            component[r] = -1
            left += 1
    if left:
        stack = np.empty(left, np.int64)
        for start in range(n):
            if component[start] != -1:
                continue
            component[start] = start
            stack[0] = start
            top = 1
            while top:
                top -= 1
                r = stack[top]
                for e in range(adj_ptr[r], adj_ptr[r + 1]):
                    s = adj[e]
                    if component[s] == -1 and lab[s] == a:
                        component[s] = start
                        stack[top] = s
                        top += 1
    first = i
    joined = 0
    for e in range(adj_ptr[i], adj_ptr[i + 1]):
        s = adj[e]
        if lab[s] == b and s != i:
            joined += 1
            if component[s] < first:
                first = component[s]
    component[i] = first
    if joined:
        roots = np.zeros(n, np.bool_)
        for e in range(adj_ptr[i], adj_ptr[i + 1]):
            s = adj[e]
            if lab[s] == b and s != i:
                roots[component[s]] = True
        roots[first] = False
        for r in range(n):
            if roots[component[r]]:
                component[r] = first


@njit
def patch_perimeters(perimeter, lab, indptr, neighbour, lengths, outer, pos, old, new):
    """Add to ``perimeter`` (by label, in place) the change of each moved row ``pos[k]`` from label ``old[k]`` to
    ``new[k]``, replayed one row after another from the parent's labels (``lab``: the child's): the arithmetic,
    in the same order, of the Python loop it replaces (a delta per label, then added to the perimeters)."""
    delta = np.zeros(len(perimeter))
    current = lab.copy()
    for k in range(len(pos)):
        current[pos[k]] = old[k]
    for k in range(len(pos)):
        i, a, b = pos[k], old[k], new[k]
        delta[a] -= outer[i]
        delta[b] += outer[i]
        for e in range(indptr[i], indptr[i + 1]):
            c = current[neighbour[e]]
            length = lengths[e]
            not_a = 1 if c != a else 0
            not_b = 1 if c != b else 0
            change = length * (not_b - not_a)
            delta[a] -= length * not_a
            delta[b] += length * not_b
            delta[c] += change
        current[i] = b
    for k in range(len(perimeter)):
        perimeter[k] = perimeter[k] + delta[k]


@njit
def patch_practice_homes(home, table, indptr, indices, pos):
    """Set ``home`` (in place) for each practice with patients in the rows ``pos`` (CSR ``indptr``/``indices``):
    the first label holding most of its patients in ``table`` (labels x practices), -1 when that is at most 1e-9
    (float dust of patched tallies), as ``argmax`` and ``max`` over the column give it."""
    for k in range(len(pos)):
        r = pos[k]
        for e in range(indptr[r], indptr[r + 1]):
            j = indices[e]
            best = table[0, j]
            arg = 0
            for c in range(1, table.shape[0]):
                if table[c, j] > best:
                    best = table[c, j]
                    arg = c
            home[j] = arg if best > 1e-9 else -1


@njit
def patch_home_patients(patients, home, table, indptr, indices, pos):
    """Set ``patients`` (in place) for each practice with patients in the rows ``pos``: its patients living in its
    home label (0 with no home)."""
    for k in range(len(pos)):
        r = pos[k]
        for e in range(indptr[r], indptr[r + 1]):
            j = indices[e]
            patients[j] = table[home[j], j] if home[j] >= 0 else 0.0


@njit
def patch_split_mask(
    mask,
    home,
    home_patients,
    area_patients,
    in_area,
    site,
    lab,
    threshold,
    small,
    indptr,
    indices,
    sited_ptr,
    sited,
    pos,
):
    """Set ``mask`` (in place) for each practice with patients in the rows ``pos`` or sited in one of them: split
    when it has a home and either more than ``threshold`` of its area patients live outside it or its site is in
    another label (see :func:`geo.metrics.practices._split`, whose arithmetic this is)."""
    for k in range(len(pos)):
        r = pos[k]
        for e in range(indptr[r], indptr[r + 1]):
            j = indices[e]
            mask[j] = _split_one(j, home, home_patients, area_patients, in_area, site, lab, threshold, small)
        for e in range(sited_ptr[r], sited_ptr[r + 1]):
            j = sited[e]
            mask[j] = _split_one(j, home, home_patients, area_patients, in_area, site, lab, threshold, small)


@njit
def _split_one(j, home, home_patients, area_patients, in_area, site, lab, threshold, small):
    h = home[j]
    return (
        in_area[j]
        and h >= 0
        and (_away_over(home_patients[j], area_patients[j], threshold, small) or lab[site[j]] != h)
    )


@njit
def _away_over(at_home, total, threshold, small):
    """Whether the share of ``total`` patients living away from home is over ``threshold``, judged on the share as
    published (:func:`geo.disclosure.publish_share`: a whole percent, none when the patients at home, away or in
    all are 1 to ``small``): an exact verdict, with the threshold set between two counts, gives the count away
    back (and two footprints' counts a registration cell)."""
    away = total - at_home
    for v in (at_home, away, total):
        if 0 < v < small + 0.5:
            return False
    if total <= 0:
        return False
    return np.round(100.0 * away / total) > 100.0 * threshold + 1e-9


@njit
def sum_by_label(label, weights, n):
    """``np.bincount(label[ok], weights[ok], minlength=n)`` over the entries with ``label >= 0``, summed in the
    same order (ascending entries), so bit for bit the same."""
    out = np.zeros(n)
    for j in range(len(label)):
        if label[j] >= 0:
            out[label[j]] += weights[j]
    return out


@njit
def own_list_patients(label, table):
    """For each practice with a label, its patients living in that label's footprint (``table[label[j], j]``);
    0 for the others."""
    out = np.zeros(len(label))
    for j in range(len(label)):
        if label[j] >= 0:
            out[j] = table[label[j], j]
    return out


@njit
def sorted_home_shares(label, own, listed):
    """The finite shares ``own[j] / listed[j]`` of the practices with a label and a list, sorted ascending."""
    shares = np.empty(len(label))
    m = 0
    for j in range(len(label)):
        if label[j] >= 0 and listed[j] > 0:
            share = own[j] / listed[j]
            if np.isfinite(share):
                shares[m] = share
                m += 1
    return np.sort(shares[:m])


@njit
def patch_cut(cut, lab, edges, indptr, edge, pos):
    """Set ``cut`` (in place) for every edge of the rows ``pos``: whether its two ends have different labels."""
    for k in range(len(pos)):
        i = pos[k]
        for e in range(indptr[i], indptr[i + 1]):
            d = edge[e]
            cut[d] = lab[edges[d, 0]] != lab[edges[d, 1]]


@njit
def parts_by_label(component, lab, n):
    """Number of connected parts of each label: the rows that name their part (``component[r] == r``), counted
    by label."""
    counts = np.zeros(n, np.int64)
    for r in range(len(lab)):
        if component[r] == r:
            counts[lab[r]] += 1
    return counts


@njit
def polsby_popper_scores(area, perimeter):
    """4πA/P² of each label (0 where the perimeter is 0): numpy's arithmetic (``x ** 2`` is ``x * x``)."""
    four_pi = 4 * np.pi
    out = np.empty(len(perimeter))
    for k in range(len(perimeter)):
        p = perimeter[k]
        out[k] = four_pi * area[k] / (p * p) if p > 0 else 0.0
    return out


@njit
def _patch_row(table, values, i, a, b):
    """A copy of ``table`` (labels x columns) with row ``i`` of ``values`` taken from label ``a``, added to ``b``."""
    out = table.copy()
    for c in range(table.shape[1]):
        out[a, c] -= values[i, c]
    for c in range(table.shape[1]):
        out[b, c] += values[i, c]
    return out


@njit
def patch_one_row(
    pos,
    old,
    new,
    lab,
    tallies,
    values,
    sums,
    sum_parts,
    cut,
    edges,
    indptr,
    neighbour,
    edge,
    components,
    perimeter,
    lengths,
    outer,
    practice_tallies,
    reg_indptr,
    reg_indices,
    reg_data,
    home,
    home_patients,
    split,
    area_patients,
    in_area,
    site,
    threshold,
    small,
    sited_ptr,
    sited,
):
    """Every array a one-row edit patches, from the parent's, in one compiled call (see
    :mod:`geo.metrics.edit`): the same kernels and arithmetic as the metrics' own updaters, in their order."""
    i, a, b = pos[0], old[0], new[0]
    tallies = _patch_row(tallies, values, i, a, b)
    sums = _patch_row(sums, sum_parts, i, a, b)
    cut = cut.copy()
    patch_cut(cut, lab, edges, indptr, edge, pos)
    components = components.copy()
    move_row_components(components, lab, indptr, neighbour, i, a, b)
    perimeter = perimeter.copy()
    patch_perimeters(perimeter, lab, indptr, neighbour, lengths, outer, pos, old, new)
    practice_tallies = practice_tallies.copy()
    patch_tallies(practice_tallies, reg_indptr, reg_indices, reg_data, pos, old, new)
    home = home.copy()
    patch_practice_homes(home, practice_tallies, reg_indptr, reg_indices, pos)
    home_patients = home_patients.copy()
    patch_home_patients(home_patients, home, practice_tallies, reg_indptr, reg_indices, pos)
    split = split.copy()
    patch_split_mask(
        split,
        home,
        home_patients,
        area_patients,
        in_area,
        site,
        lab,
        threshold,
        small,
        reg_indptr,
        reg_indices,
        sited_ptr,
        sited,
        pos,
    )
    return tallies, sums, cut, components, perimeter, practice_tallies, home, home_patients, split


@njit
def lad_spans(tallies, live, first, count):
    """For each live label (rows of ``tallies``), the number of local authority districts holding more than half
    an LSOA of it (columns ``first .. first + count`` count its LSOAs per district) and the district holding most
    (the first of equals, as ``argmax``): rows the live labels, columns the count and the district."""
    out = np.zeros((len(live), 2), np.int64)
    for row in range(len(live)):
        k = live[row]
        best = tallies[k, first]
        for j in range(count):
            value = tallies[k, first + j]
            if value > 0.5:
                out[row, 0] += 1
            if value > best:
                best = value
                out[row, 1] = j
    return out
