"""The atlas as arrays in graph order, built once per atlas, so plan metrics are numpy sums and not pandas lookups.

Every plan of an atlas shares one :class:`AtlasArrays`: a matrix of per-LSOA values to tally by neighbourhood
(populations, age bands, Core20 population, population by national IMD quintile and in urban LSOAs,
population-weighted IMD score, local deciles, LAD membership, area),
registrations as a sparse LSOA x practice matrix, practice sites and PCNs, the edges of the contiguity graph and
the LSOA shapes.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
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

    def lad_slice(self) -> slice:
        """Return the columns of ``values`` counting LSOAs per local authority, in ``lad_codes`` order."""
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
    urban = lsoas["ruc_class"].astype("string").str.lower().str.startswith("urban").fillna(False).to_numpy(bool) \
        if "ruc_class" in lsoas else np.zeros(len(codes), bool)
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
    in_area = practices["in_area"].fillna(False).astype(bool).to_numpy() if "in_area" in practices else np.zeros(len(practice_codes), bool)
    site_codes = practices["lsoa_code"] if "lsoa_code" in practices else pd.Series(None, index=practices.index)
    site = np.array([position.get(c, -1) if isinstance(c, str) else -1 for c in site_codes], dtype=int)
    pcn = practices["pcn_code"].astype(object).where(practices["pcn_code"].notna(), None).to_numpy() if "pcn_code" in practices else np.full(len(practice_codes), None)
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
        practice_list=np.maximum(pd.to_numeric(practices.get("list_size"), errors="coerce").fillna(0).to_numpy(float)
                                 if "list_size" in practices else 0.0,
                                 np.asarray(registrations.sum(axis=0)).ravel()),
        edges=atlas.edges(),
        geometry=lsoas.geometry.to_numpy(),
    )


def _registration_matrix(atlas: "Atlas", position: dict[str, int]) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Return patients as an LSOA x practice CSR matrix and the practice codes of its columns."""
    reg = atlas.registrations
    reg = reg[reg["lsoa_code"].isin(position.keys()) & (reg["patients"] > 0)]
    practice_codes = np.array(sorted(set(reg["practice_code"].astype(str)) | set(atlas.practices.index.astype(str))), dtype=object)
    column = pd.Index(practice_codes).get_indexer(reg["practice_code"].astype(str))
    row = reg["lsoa_code"].map(position).to_numpy(dtype=int)
    matrix = sparse.csr_matrix(
        (reg["patients"].to_numpy(dtype=float), (row, column)), shape=(len(position), len(practice_codes))
    )
    matrix.sum_duplicates()
    return matrix, practice_codes
