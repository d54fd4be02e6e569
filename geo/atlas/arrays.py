"""The atlas as arrays in graph order, built once per atlas, so plan metrics are numpy sums and not pandas lookups.

Every plan of an atlas shares one :class:`AtlasArrays`: a matrix of per-LSOA values to tally by neighbourhood
(populations, age bands, Core20 population, population by national IMD quintile and in urban LSOAs,
population-weighted IMD score, local deciles, LAD membership, area),
registrations as a sparse LSOA x practice matrix, practice sites and PCNs, the edges of the contiguity graph and
the LSOA shapes. Built lazily on first use, for metrics that patch a plan from its moved rows: each LSOA's graph
neighbours (:attr:`AtlasArrays.neighbours`) and the boundary each edge's two LSOAs share plus each LSOA's boundary
with no other LSOA of the area (:attr:`AtlasArrays.boundary`), so a neighbourhood's perimeter is a sum, not a dissolve.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely
from scipy import sparse

from geo.atlas.model import AGE_BANDS

if TYPE_CHECKING:
    from geo.atlas.model import Atlas

BASES = ("resident", "registered")
_CACHE: dict[int, "AtlasArrays"] = {}


@dataclass(frozen=True)
class AtlasArrays:
    """Per-LSOA arrays of one atlas (rows in the order of ``atlas.lsoas.index``)."""

    codes: np.ndarray
    position: dict[str, int]
    columns: dict[str, int]
    values: np.ndarray
    lad_codes: list[str]
    registrations: sparse.csr_matrix
    practice_codes: np.ndarray
    practice_in_area: np.ndarray
    practice_site: np.ndarray
    practice_pcn: np.ndarray
    practice_list: np.ndarray
    edges: np.ndarray
    geometry: np.ndarray

    def column(self, name: str) -> int:
        """Return the column of ``values`` holding the named tally."""
        return self.columns[name]

    @cached_property
    def practice_area_patients(self) -> np.ndarray:
        """Patients of each practice (column of :attr:`registrations`) who live in the area."""
        return np.asarray(self.registrations.sum(axis=0)).ravel()

    @cached_property
    def practice_area_total(self) -> float:
        """Patients of every practice who live in the area (the sum of :attr:`practice_area_patients`)."""
        return self.practice_area_patients.sum()

    @cached_property
    def practice_column(self) -> dict[str, int]:
        """The column of :attr:`registrations` holding each practice code."""
        return {str(code): j for j, code in enumerate(self.practice_codes.tolist())}

    @cached_property
    def registered_by_row(self) -> np.ndarray:
        """Registered patients living in each LSOA row (all practices), from :attr:`registrations`."""
        return np.asarray(self.registrations.sum(axis=1)).ravel()

    @cached_property
    def registrations_by_practice(self) -> sparse.csc_matrix:
        """:attr:`registrations` by column: the LSOA rows where each practice has patients, read in one slice."""
        return self.registrations.tocsc()

    @cached_property
    def practices_sited_at(self) -> dict[int, list[int]]:
        """The practice columns sited in each LSOA row (rows with no practice left out)."""
        sited: dict[int, list[int]] = {}
        for j, row in enumerate(self.practice_site.tolist()):
            if row >= 0:
                sited.setdefault(row, []).append(j)
        return sited

    @cached_property
    def practices_sited_csr(self) -> tuple[np.ndarray, np.ndarray]:
        """:attr:`practices_sited_at` as CSR arrays ``(indptr, column)``: row ``i``'s practices are
        ``column[indptr[i]:indptr[i + 1]]``, ascending (for compiled loops)."""
        rows = np.asarray(self.practice_site, np.int64)
        sited = np.flatnonzero(rows >= 0)
        order = sited[np.argsort(rows[sited], kind="stable")]
        indptr = np.zeros(len(self.codes) + 1, np.int64)
        np.cumsum(np.bincount(rows[sited], minlength=len(self.codes)), out=indptr[1:])
        return indptr, order.astype(np.int64)

    @cached_property
    def neighbour_lengths(self) -> np.ndarray:
        """:attr:`boundary`'s shared lengths aligned with :attr:`neighbours` (the length of the edge to each
        neighbour, for compiled loops)."""
        return np.ascontiguousarray(self.boundary[0][self.neighbours[2]], dtype=np.float64)

    @cached_property
    def neighbours(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each LSOA's graph neighbours as CSR arrays ``(indptr, neighbour, edge)``: row ``i``'s neighbours are
        ``neighbour[indptr[i]:indptr[i + 1]]``, joined to it by ``edges[edge[...]]``.

        Examples
        --------
        >>> from geo.testing import grid_atlas
        >>> indptr, neighbour, edge = atlas_arrays(grid_atlas(3, 1)).neighbours
        >>> neighbour[indptr[1]:indptr[2]].tolist()  # the middle cell of a row of three
        [0, 2]
        """
        return _neighbours(self.edges, len(self.codes))

    @cached_property
    def adjacency_lists(self) -> list[list[int]]:
        """Each LSOA's graph neighbours as Python lists (for small searches in pure Python)."""
        indptr, neighbour, _ = self.neighbours
        listed = neighbour.tolist()
        return [listed[indptr[i] : indptr[i + 1]] for i in range(len(self.codes))]

    @cached_property
    def boundary_lists(self) -> list[list[float]]:
        """:attr:`boundary`'s shared lengths as Python lists aligned with :attr:`adjacency_lists`."""
        indptr, _, edge = self.neighbours
        lengths = self.boundary[0][edge].tolist()
        return [lengths[indptr[i] : indptr[i + 1]] for i in range(len(self.codes))]

    @cached_property
    def boundary(self) -> tuple[np.ndarray, np.ndarray]:
        """``(shared, outer)``: metres of boundary shared by the two LSOAs of each edge (aligned with
        :attr:`edges`; 0 for corner-only neighbours and island bridges), and each LSOA's boundary shared with no
        other LSOA of the area. A neighbourhood's perimeter is the sum of its LSOAs' ``outer`` plus ``shared`` of
        its edges that leave it, which equals the length of its dissolved shape (holes included).

        Examples
        --------
        >>> from geo.testing import grid_atlas
        >>> shared, outer = atlas_arrays(grid_atlas(2, 1)).boundary  # two 1 km squares side by side
        >>> shared.tolist(), outer.tolist()
        ([1000.0], [3000.0, 3000.0])
        """
        return _boundary(self.geometry, self.edges)

    def lad_slice(self) -> slice:
        """Return the columns of ``values`` counting LSOAs per local authority, in ``lad_codes`` order."""
        return self._lad_slice

    @cached_property
    def _lad_slice(self) -> slice:
        first = self.columns[f"lad:{self.lad_codes[0]}"]
        return slice(first, first + len(self.lad_codes))


def atlas_arrays(atlas: "Atlas") -> AtlasArrays:
    """Return the arrays of ``atlas``, built on first use and kept while the atlas lives.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> arrays = atlas_arrays(grid_atlas(3, 3))
    >>> arrays.values.shape[0], float(arrays.values[:, arrays.column("resident_population")].sum())
    (9, 13500.0)
    """
    key = id(atlas)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    arrays = _build(atlas)
    _CACHE[key] = arrays
    # Atlases are unhashable dataclasses, so key on id() and forget the entry when the atlas is collected.
    weakref.finalize(atlas, _CACHE.pop, key, None)
    return arrays


def _build(atlas: "Atlas") -> AtlasArrays:
    lsoas = atlas.lsoas
    codes = lsoas.index.to_numpy(dtype=object)
    position = {code: i for i, code in enumerate(codes)}
    resident = lsoas["resident_population"].to_numpy(dtype=float)
    registered = lsoas["registered_population"].to_numpy(dtype=float)
    imd = lsoas["imd_score"].to_numpy(dtype=float)
    core20 = (lsoas["imd_quintile"].to_numpy() == 1).astype(float)
    local = pd.to_numeric(lsoas["local_decile"], errors="coerce").fillna(0).astype(int).to_numpy()
    lad_codes = sorted(lsoas["lad_code"].astype(str).unique())
    lad_index = pd.Index(lad_codes).get_indexer(lsoas["lad_code"].astype(str))

    named: dict[str, np.ndarray] = {
        "resident_population": resident,
        "registered_population": registered,
        **{band: lsoas[band].to_numpy(dtype=float) for band in AGE_BANDS},
        "core20_resident": core20 * resident,
        "core20_registered": core20 * registered,
        "imd_x_resident": imd * resident,
        "imd_x_registered": imd * registered,
        "lsoas": np.ones(len(codes)),
        "area": lsoas.geometry.area.to_numpy(dtype=float),
    }
    quintile = lsoas["imd_quintile"].to_numpy()
    urban = (
        lsoas["ruc_class"].astype("string").str.lower().str.startswith("urban").fillna(False).to_numpy(bool)
        if "ruc_class" in lsoas
        else np.zeros(len(codes), bool)
    )
    for basis, counted in (("resident", resident), ("registered", registered)):
        for q in range(1, 6):
            named[f"imd_q{q}_{basis}"] = (quintile == q) * counted
        named[f"urban_{basis}"] = urban * counted
    for decile in range(1, 11):
        named[f"local_decile_{decile}"] = (local == decile).astype(float)
    for k, lad in enumerate(lad_codes):
        named[f"lad:{lad}"] = (lad_index == k).astype(float)
    columns = {name: j for j, name in enumerate(named)}
    values = np.column_stack(list(named.values())) if len(codes) else np.zeros((0, len(named)))

    registrations, practice_codes = _registration_matrix(atlas, position)
    practices = atlas.practices.reindex(practice_codes)
    in_area = (
        practices["in_area"].fillna(False).astype(bool).to_numpy()
        if "in_area" in practices
        else np.zeros(len(practice_codes), bool)
    )
    site_codes = practices["lsoa_code"] if "lsoa_code" in practices else pd.Series(None, index=practices.index)
    site = np.array([position.get(c, -1) if isinstance(c, str) else -1 for c in site_codes], dtype=int)
    site = _anchor_outside_sites(atlas, practices, in_area, site, registrations)
    pcn = (
        practices["pcn_code"].astype(object).where(practices["pcn_code"].notna(), None).to_numpy()
        if "pcn_code" in practices
        else np.full(len(practice_codes), None)
    )
    return AtlasArrays(
        codes=codes,
        position=position,
        columns=columns,
        values=values,
        lad_codes=lad_codes,
        registrations=registrations,
        practice_codes=practice_codes,
        practice_in_area=in_area & (site >= 0),
        practice_site=site,
        practice_pcn=pcn,
        # The registered list of each practice, from the same registrations-by-LSOA file (all its patients,
        # wherever they live); at least its patients in the area, for atlases without list sizes.
        practice_list=np.maximum(
            pd.to_numeric(practices.get("list_size"), errors="coerce").fillna(0).to_numpy(float)
            if "list_size" in practices
            else 0.0,
            np.asarray(registrations.sum(axis=0)).ravel(),
        ),
        edges=atlas.edges(),
        geometry=lsoas.geometry.to_numpy(),
    )


def _anchor_outside_sites(atlas, practices, in_area, site, registrations) -> np.ndarray:
    """An in-plan practice sited outside the atlas's LSOAs (an ICB's practice over its border, by the NHS England
    map) is anchored at the atlas LSOA nearest its site, or holding most of its patients when it has no site, so
    it stays in the plan; its own ``lsoa_code`` still says where it is."""
    lost = np.flatnonzero(in_area & (site < 0))
    if not len(lost) or not len(atlas.lsoas):
        return site
    site = site.copy()
    geometry = practices["geometry"].to_numpy() if "geometry" in practices else np.full(len(practices), None)
    tree = atlas.lsoas.sindex
    for j in lost:
        point = geometry[j]
        if point is not None and not shapely.is_empty(point) and np.isfinite(shapely.get_x(point)):
            site[j] = int(tree.nearest(point, return_all=False)[1][0])
        else:
            column = registrations[:, j].toarray().ravel()
            if column.any():
                site[j] = int(np.argmax(column))
    return site


def _neighbours(edges: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    both = np.concatenate([edges, edges[:, ::-1]]) if len(edges) else np.zeros((0, 2), int)
    edge = np.concatenate([np.arange(len(edges)), np.arange(len(edges))])
    order = np.lexsort((both[:, 1], both[:, 0]))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(both[:, 0], minlength=n), out=indptr[1:])
    return indptr, both[order, 1].astype(np.int64), edge[order].astype(np.int64)


def _boundary(geometry: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split every LSOA ring into segments and match identical segments between LSOAs.

    LSOA boundaries tile the country with shared vertices, so a boundary two LSOAs share is the same segments in
    both rings; a segment found once is on the area's outer boundary (or faces a hole). Matching segments is a
    sort, not an overlay, so it takes milliseconds for an ICB. A shared segment between two LSOAs that are not
    graph neighbours (never the case for queen contiguity of the same shapes) is counted as outer for both.
    """
    n = len(geometry)
    parts, owner = shapely.get_parts(geometry, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[:-1] == ring[1:]  # consecutive vertices of one ring (rings are closed)
    start, stop = xy[:-1][same], xy[1:][same]
    lsoa = owner[ring_part[ring[:-1][same]]]
    length = np.hypot(stop[:, 0] - start[:, 0], stop[:, 1] - start[:, 1])
    keep = length > 0
    start, stop, lsoa, length = start[keep], stop[keep], lsoa[keep], length[keep]
    # A segment's key is its two ends in a fixed order, whichever way round each ring runs.
    swap = (start[:, 0] > stop[:, 0]) | ((start[:, 0] == stop[:, 0]) & (start[:, 1] > stop[:, 1]))
    key = np.column_stack([np.where(swap[:, None], stop, start), np.where(swap[:, None], start, stop)])
    order = np.lexsort(key.T[::-1])
    key, lsoa, length = key[order], lsoa[order], length[order]
    first = np.r_[True, np.any(key[1:] != key[:-1], axis=1)] if len(key) else np.zeros(0, bool)
    pair = ~first  # the second copy of a segment: shared by its LSOA and the previous row's
    pair[1:] &= first[:-1] & (np.r_[first[2:], True] if len(first) > 2 else True)  # exactly two copies
    a, b = lsoa[np.flatnonzero(pair) - 1], lsoa[pair]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    edge_id = {(int(i), int(j)): k for k, (i, j) in enumerate(edges.tolist())}
    found = np.array([edge_id.get(p, -1) for p in zip(lo.tolist(), hi.tolist())], dtype=np.int64)
    matched = (found >= 0) & (lo != hi)
    shared = np.bincount(found[matched], weights=length[pair][matched], minlength=len(edges))
    total = np.bincount(lsoa, weights=length, minlength=n)
    inner = np.bincount(lo[matched], weights=length[pair][matched], minlength=n) + np.bincount(
        hi[matched], weights=length[pair][matched], minlength=n
    )
    return shared.astype(float), np.maximum(total - inner, 0.0)


def _registration_matrix(atlas: "Atlas", position: dict[str, int]) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Return patients as an LSOA x practice CSR matrix and the practice codes of its columns."""
    reg = atlas.registrations
    reg = reg[reg["lsoa_code"].isin(position.keys()) & (reg["patients"] > 0)]
    practice_codes = np.array(
        sorted(set(reg["practice_code"].astype(str)) | set(atlas.practices.index.astype(str))), dtype=object
    )
    column = pd.Index(practice_codes).get_indexer(reg["practice_code"].astype(str))
    row = reg["lsoa_code"].map(position).to_numpy(dtype=int)
    matrix = sparse.csr_matrix(
        (reg["patients"].to_numpy(dtype=float), (row, column)), shape=(len(position), len(practice_codes))
    )
    matrix.sum_duplicates()
    return matrix, practice_codes
