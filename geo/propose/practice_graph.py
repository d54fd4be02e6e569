"""The building blocks of a list-based proposal: whole GP practices (or whole PCNs) as nodes of a graph.

A node is one of the study area's practices (``atlas.practices.in_area``), or one PCN (the union of its practices).
Its population is its registered list counted from ``atlas.registrations``, the same registrations-by-LSOA file
the place footprint is attributed from, so list and place figures reconcile; patients living outside the atlas's
LSOAs are reported beside it (``outside``). Its nesting unit is the local authority (LAD, UTLA, ICB) of its site.

Two nodes are neighbours when their place footprints touch (share or border an LSOA). A practice's footprint is

* the LSOAs where it holds the most registered residents among the area's practices (its plurality LSOAs),
* its site LSOA, and
* the LSOA holding the most of its own patients.

The last two keep in the graph the practices that are the largest of no LSOA (24 of LLR's 128): a small
practice in a city is next to the practices around its surgery and where its patients concentrate.
``overlap`` weighs each edge by the patients the two practices share LSOAs with (``sum_l p_il p_jl / reg_l``):
parting two practices whose patients live mixed together splits the residents of those LSOAs between
neighbourhoods, which lowers the plan's alignment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

from geo.compiled import njit
from geo.disclosure import margin_parts
from geo.errors import DataError
from geo.propose.model import NEST_COLUMNS

LEVELS = ("lad", "utla", "icb")


@dataclass
class Units:
    """Practices or PCNs as graph nodes, in code order.

    Attributes
    ----------
    kind
        ``"practices"`` or ``"pcns"``.
    codes, names
        Node codes and names.
    members
        Practice codes of each node (one for a practice).
    lists
        The node's whole registered list: its patients in the atlas's LSOAs (``atlas.registrations``) plus
        ``outside``; the population the solver balances, as the plan's ``list_population`` counts it.
    outside
        Patients on the node's lists (``list_size``) living outside the atlas's LSOAs or at no known LSOA.
    nest
        Per level (``"lad"``, ``"utla"``, ``"icb"``): ``(codes, names)`` arrays of each node's site authority.
    x, y, area
        Site (list-weighted for a PCN) in metres, and footprint area in square metres.
    adjacency, overlap
        Symmetric boolean CSR graph of touching footprints, and the shared-residence weight of each edge.
    footprint
        Boolean CSR matrix LSOA x node: the LSOAs of each node's footprint.
    notes
        Anything the graph had to assume (a site outside the atlas), in words.
    """

    kind: str
    codes: np.ndarray
    names: np.ndarray
    members: list[list[str]]
    lists: np.ndarray
    outside: np.ndarray
    nest: dict[str, tuple[np.ndarray, np.ndarray]]
    x: np.ndarray
    y: np.ndarray
    area: np.ndarray
    adjacency: sparse.csr_matrix
    overlap: sparse.csr_matrix
    footprint: sparse.csr_matrix
    notes: list[str] = field(default_factory=list)
    #: Patients each pair of nodes shares LSOAs with (``sum_l p_il p_jl / reg_l``), every pair, not only edges.
    shared: sparse.csr_matrix | None = None
    #: Atlas row of each practice's site LSOA (practices only; None for groups of practices).
    site: np.ndarray | None = None
    #: Each node's sums of its practices' lists by the margin rule (rows: shown, imputed, hidden;
    #: :func:`geo.disclosure.margin_parts`): a total of nodes that leaves the process is published from them
    #: (:func:`geo.disclosure.margin_totals`), never from ``lists``, which would give a practice's small list back.
    parts: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.codes)

    def frame(self) -> pd.DataFrame:
        """Return one row per node: list, outside, site authorities and degree (for reports and checks)."""
        out = pd.DataFrame(
            {
                "name": self.names,
                "list": self.lists,
                "outside": self.outside,
                "neighbours": np.asarray(self.adjacency.sum(axis=1)).ravel(),
            },
            index=pd.Index(self.codes, name="code"),
        )
        for level, (codes, _) in self.nest.items():
            out[f"{level}_code"] = codes
        return out


def practice_units(atlas) -> Units:
    """Return the area's practices (``in_area``) as graph nodes.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> units = practice_units(grid_atlas(4, 4))
    >>> units.codes.tolist(), units.lists.tolist()
    (['Z00000', 'Z00001', 'Z00002', 'Z00003'], [5250.0, 6967.0, 6388.0, 4633.0])
    >>> units.adjacency.toarray().astype(int).tolist()  # a row of surgeries along the grid
    [[0, 1, 0, 0], [1, 0, 1, 0], [0, 1, 0, 1], [0, 0, 1, 0]]
    """
    practices = atlas.practices
    inside = practices[practices["in_area"].fillna(False).astype(bool)].sort_index()
    if inside.index.has_duplicates:
        raise DataError("the atlas lists a practice twice", column="practice_code", expected="one row per practice")
    codes = inside.index.astype(str).to_numpy()
    n_lsoa, n = len(atlas.lsoas), len(codes)
    position = pd.Series(np.arange(n), index=codes)
    reg = atlas.registrations
    # The registrations of the area's practices living in its LSOAs (each looked up once: -1 for neither).
    rows = atlas.codes.get_indexer(reg["lsoa_code"])
    cols = position.index.get_indexer(reg["practice_code"])
    keep = (rows >= 0) & (cols >= 0)
    rows, cols = rows[keep], cols[keep]
    patients = pd.to_numeric(reg["patients"], errors="coerce").to_numpy(float)[keep]
    patients = np.clip(np.nan_to_num(patients, nan=0.0), 0, None)
    registered = sparse.csr_matrix((patients, (rows, cols)), shape=(n_lsoa, n))
    lists = np.asarray(registered.sum(axis=0)).ravel()
    list_size = pd.to_numeric(inside["list_size"], errors="coerce").fillna(0).to_numpy(float)
    outside = np.maximum(list_size - lists, 0)

    notes: list[str] = []
    site = atlas.codes.get_indexer(inside["lsoa_code"].astype(str))
    top_own = argmax_lines(registered, axis=0)  # the LSOA holding most of each practice's patients
    for i in np.flatnonzero(site < 0):
        notes.append(
            f"practice {codes[i]}: site LSOA {inside['lsoa_code'].iloc[i]} is not in the atlas; its "
            "authority and site are taken from the LSOA holding most of its patients"
        )
        site[i] = top_own[i]
    dense_any = np.asarray((registered > 0).sum(axis=1)).ravel() > 0
    plurality = argmax_lines(registered, axis=1)  # ties: the first practice in code order
    lsoa_rows = np.r_[np.flatnonzero(dense_any), site, top_own[lists > 0]]
    node_cols = np.r_[plurality[dense_any], np.arange(n), np.flatnonzero(lists > 0)]
    footprint = sparse.csr_matrix((np.ones(len(lsoa_rows), bool), (lsoa_rows, node_cols)), shape=(n_lsoa, n))

    nest = {}
    for level in LEVELS:
        code_col, name_col = NEST_COLUMNS[level]
        nest[level] = (
            atlas.lsoas[code_col].astype(str).to_numpy()[site],
            atlas.lsoas[name_col].astype(str).to_numpy()[site],
        )
    geometry = inside.geometry
    x = np.where(geometry.is_empty | geometry.isna(), np.nan, geometry.x)
    y = np.where(geometry.is_empty | geometry.isna(), np.nan, geometry.y)
    centroids = atlas.lsoas.geometry.centroid
    missing = ~np.isfinite(x) | ~np.isfinite(y)
    x[missing], y[missing] = centroids.x.to_numpy()[site[missing]], centroids.y.to_numpy()[site[missing]]
    # Balance on the whole registered list (patients in the area's LSOAs plus those living elsewhere or at no
    # known LSOA), exactly as the plan's list_population counts it (geo.atlas.arrays.practice_list).
    whole_list = lists + outside
    units = Units(
        "practices",
        codes,
        inside["practice_name"].astype(str).to_numpy(),
        [[c] for c in codes],
        whole_list,
        outside,
        nest,
        x,
        y,
        np.zeros(n),
        sparse.csr_matrix((n, n), dtype=bool),
        sparse.csr_matrix((n, n)),
        footprint,
        notes,
        site=site,
        parts=np.vstack(margin_parts(whole_list)),
    )
    _link(units, atlas, registered)
    return units


def argmax_lines(matrix, axis: int) -> np.ndarray:
    """``matrix.argmax(axis=axis)`` of a sparse matrix (scipy's answer, ties and zeros included) in one compiled
    pass instead of a Python loop over its columns or rows.

    >>> m = sparse.csr_matrix(np.array([[0, 2, 2], [0, 0, 0], [-1, 0, 0], [3, 1, 0]], dtype=float))
    >>> argmax_lines(m, 1).tolist(), np.asarray(m.argmax(axis=1)).ravel().tolist()
    ([1, 0, 1, 0], [1, 0, 1, 0])
    >>> argmax_lines(m, 0).tolist(), np.asarray(m.argmax(axis=0)).ravel().tolist()
    ([3, 0, 0], [3, 0, 0])
    """
    lines = matrix.tocsc() if axis == 0 else matrix.tocsr()
    lines.sum_duplicates()
    return _argmax_lines(lines.indptr, lines.indices, np.asarray(lines.data, dtype=float), lines.shape[1 - axis])


@njit
def _argmax_lines(indptr, indices, data, line_size):
    """scipy's ``_argminmax_axis`` for argmax over compressed lines (sorted indices, no duplicates)."""
    out = np.zeros(len(indptr) - 1, dtype=np.int64)
    for i in range(len(indptr) - 1):
        p, q = indptr[i], indptr[i + 1]
        if q == p:
            continue
        best = p
        for j in range(p + 1, q):
            if data[j] > data[best]:
                best = j
        value = data[best]
        if value > 0 or q - p == line_size:
            out[i] = indices[best]
            continue
        missing = -1  # the first position not stored (an implicit zero)
        for j in range(p, q):
            if indices[j] != j - p:
                missing = j - p
                break
        if missing < 0:
            missing = q - p if q - p < line_size else -1
        out[i] = min(best - p, missing) if value == 0 else missing
    return out


def pcn_units(atlas, practices: Units | None = None) -> Units:
    """Return the area's PCNs as graph nodes: each the union of its in-area practices.

    A PCN's nesting unit is the authority holding most of its practices' lists (ties: the first in code order);
    a PCN whose practices are sited in several authorities is kept whole and noted. A practice in no PCN (no code,
    or NHS England's ``U`` "Unallocated") is a node of its own, coded by the practice.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> units = pcn_units(grid_atlas(4, 4))
    >>> units.codes.tolist(), [len(m) for m in units.members], units.lists.tolist()
    (['U00000', 'U00001'], [3, 1], [18605.0, 4633.0])
    """
    p = practices if practices is not None else practice_units(atlas)
    pcn, pcn_name = practice_pcns(atlas, p)
    codes, which = np.unique(pcn, return_inverse=True)
    names = pd.Series(pcn_name).groupby(which).first().to_numpy()
    return grouped_units(atlas, p, which, codes, names, "pcns", "PCN")


def practice_pcns(atlas, p: Units) -> tuple[np.ndarray, np.ndarray]:
    """Each practice's PCN code and name; a practice in no PCN (no code, or ``U``) is coded by itself."""
    pcn = atlas.practices["pcn_code"].reindex(p.codes).astype("string").str.strip()
    pcn_name = atlas.practices["pcn_name"].reindex(p.codes).astype("string")
    alone = (pcn.isna() | pcn.isin(["", "U"])).to_numpy()
    pcn = np.where(alone, p.codes, pcn.fillna("").astype(str).to_numpy())
    pcn_name = np.where(alone, [f"{n} (no PCN)" for n in p.names], pcn_name.fillna("").astype(str).to_numpy())
    return pcn, pcn_name


def grouped_units(atlas, p: Units, which: np.ndarray, codes, names, kind: str, word: str) -> Units:
    """Return graph nodes that are groups of the practices ``p``: practice ``i`` is in node ``which[i]``.

    A node's list, outside patients and footprint are its practices' summed; its site is their list-weighted
    mean; its nesting unit per level is the authority holding most of its practices' lists (ties: the first in
    code order), and a node sited in several local authorities is kept whole and noted (``word`` names a node
    in the note: "PCN", "ward group"). PCNs (:func:`pcn_units`) and practices grouped by the unit their site is
    in (:mod:`geo.propose.list_groups`) are both made here.
    """
    which = np.asarray(which, dtype=int)
    codes, names = np.asarray(codes).astype(str), np.asarray(names).astype(str)
    m = len(codes)
    member = sparse.csr_matrix((np.ones(len(p)), (np.arange(len(p)), which)), shape=(len(p), m))
    lists = member.T @ p.lists
    weight = np.maximum(p.lists, 1e-9)
    x = (member.T @ (p.x * weight)) / (member.T @ weight)
    y = (member.T @ (p.y * weight)) / (member.T @ weight)
    notes = list(p.notes)
    nest = {}
    for level in LEVELS:
        site_codes, site_names = p.nest[level]
        frame = pd.DataFrame({"node": which, "unit": site_codes, "name": site_names, "list": p.lists})
        by = frame.groupby(["node", "unit", "name"], sort=True)["list"].sum().reset_index()
        best = by.sort_values(["node", "list", "unit"], ascending=[True, False, True]).drop_duplicates("node")
        best = best.set_index("node").reindex(np.arange(m))
        nest[level] = (best["unit"].astype(str).to_numpy(), best["name"].astype(str).to_numpy())
        if level == "lad":
            spread = by.groupby("node").size()
            for c in spread[spread > 1].index:
                notes.append(
                    f"{word} {codes[c]}: practices sited in {spread[c]} local authorities; kept whole in "
                    f"{best.at[c, 'name']} ({best.at[c, 'unit']}), which holds most of its list"
                )
    members = [p.codes[which == c].tolist() for c in range(m)]
    footprint = (p.footprint.astype(float) @ member > 0).tocsr()
    units = Units(
        kind,
        codes,
        names,
        members,
        lists,
        member.T @ p.outside,
        nest,
        x,
        y,
        np.zeros(m),
        sparse.csr_matrix((m, m), dtype=bool),
        sparse.csr_matrix((m, m)),
        footprint,
        notes,
        parts=np.asarray(member.T @ p.parts.T).T,
    )
    reg = atlas.registrations
    reg = reg[reg["practice_code"].isin(p.codes) & reg["lsoa_code"].isin(atlas.codes)]
    rows = atlas.codes.get_indexer(reg["lsoa_code"])
    cols = which[pd.Series(np.arange(len(p)), index=p.codes).reindex(reg["practice_code"]).to_numpy()]
    patients = pd.to_numeric(reg["patients"], errors="coerce").fillna(0).clip(lower=0).to_numpy(float)
    _link(units, atlas, sparse.csr_matrix((patients, (rows, cols)), shape=(len(atlas.lsoas), m)))
    return units


def _link(units: Units, atlas, registered: sparse.csr_matrix) -> None:
    """Fill in the adjacency, overlap and footprint area of ``units`` from its footprint and registrations."""
    foot = units.footprint.astype(float)
    near = atlas.adjacency.astype(float) + sparse.identity(len(atlas.lsoas), format="csr")
    touch = (foot.T @ near @ foot).tocsr()
    touch.setdiag(0)
    touch.eliminate_zeros()
    adjacency = (touch > 0).tocsr()
    total = np.asarray(registered.sum(axis=1)).ravel()
    scaled = sparse.diags(1 / np.maximum(total, 1e-9)) @ registered
    shared = (registered.T @ scaled).tocsr()
    # Overlap only on graph edges (the solver's cut cost); pairs that do not touch are never adjacent groups.
    units.overlap = adjacency.multiply(shared).tocsr()
    units.shared = shared
    units.adjacency = adjacency
    units.area = foot.T @ atlas.lsoas.geometry.area.to_numpy()
