"""Small synthetic atlases for tests and examples: a grid of square LSOAs with known populations.

A ``grid_atlas(3, 3)`` looks like this (codes ``G0000``..``G0008``, row 0 at the south)::

    G0006 G0007 G0008
    G0003 G0004 G0005
    G0000 G0001 G0002

Each cell is a 1 km square in British National Grid. Local authorities are vertical strips of ``lad_width``
columns. Practices sit in every ``practice_every``-th cell and register the residents of nearby cells.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from libpysal.weights import Queen
from scipy import sparse
from shapely.geometry import Point, box

from geo.atlas.model import AGE_BANDS, Atlas, SourceInfo, StudyArea

_AGE_SHARES = np.array([0.19, 0.11, 0.14, 0.19, 0.19, 0.18])


def grid_atlas(
    nx: int = 6,
    ny: int = 6,
    *,
    population: int | np.ndarray = 1500,
    lad_width: int | None = None,
    practice_every: int = 4,
    seed: int = 0,
    cell_m: float = 1000.0,
    origin: tuple[float, float] = (450_000.0, 300_000.0),
) -> Atlas:
    """Return a synthetic grid atlas.

    Parameters
    ----------
    nx, ny
        Columns and rows of square LSOAs.
    population
        Resident population of every cell, or an array of ``nx * ny`` values (row-major from the south-west).
    lad_width
        Columns per local authority; ``None`` puts everything in one authority.
    practice_every
        Put a practice in every n-th cell (by position).
    seed
        Seed for IMD scores and registration shares.

    Examples
    --------
    >>> atlas = grid_atlas(3, 3)
    >>> len(atlas.lsoas), int(atlas.lsoas.resident_population.sum())
    (9, 13500)
    >>> sorted(atlas.neighbours["G0004"]) == [f"G000{i}" for i in (0, 1, 2, 3, 5, 6, 7, 8)]
    True
    """
    rng = np.random.default_rng(seed)
    n = nx * ny
    codes = [f"G{i:04d}" for i in range(n)]
    cols = np.tile(np.arange(nx), ny)
    rows = np.repeat(np.arange(ny), nx)
    x0, y0 = origin
    geoms = [
        box(x0 + c * cell_m, y0 + r * cell_m, x0 + (c + 1) * cell_m, y0 + (r + 1) * cell_m) for c, r in zip(cols, rows)
    ]
    pop = np.full(n, population, dtype=int) if np.isscalar(population) else np.asarray(population, dtype=int)
    lad_index = cols // lad_width if lad_width else np.zeros(n, dtype=int)
    lad_codes = np.array([f"E0700{9000 + k}" for k in lad_index])
    imd_score = np.round(rng.gamma(2.0, 10.0, n), 3)
    imd_rank = (pd.Series(-imd_score).rank(method="first").astype(int) * 33_755 // n).clip(1, 33_755).to_numpy()
    imd_decile = np.ceil(imd_rank / 3375.5).astype(int).clip(1, 10)
    ages = np.floor(np.outer(pop, _AGE_SHARES)).astype(int)
    ages[:, -1] += pop - ages.sum(axis=1)

    lsoas = gpd.GeoDataFrame(
        {
            "lsoa_name": [f"Grid {c:02d}-{r:02d}" for c, r in zip(cols, rows)],
            "lad_code": lad_codes,
            "lad_name": [f"Grid District {k}" for k in lad_index],
            "utla_code": "E10009999",
            "utla_name": "Grid County",
            "sub_icb_code": "E38009999",
            "sub_icb_name": "Grid sub-ICB",
            "icb_code": "E54009999",
            "icb_code_nhs": "QZZ",
            "icb_name": "Grid ICB",
            "resident_population": pop,
            **{band: ages[:, k] for k, band in enumerate(AGE_BANDS)},
            "imd_score": imd_score,
            "imd_rank": imd_rank,
            "imd_decile": imd_decile,
            "imd_quintile": (imd_decile + 1) // 2,
            "ruc_code": np.where(rows < ny // 2, "UN1", "RSN1"),
            "ruc_class": np.where(rows < ny // 2, "Urban", "Rural"),
            "acute_morbidity": np.round(rng.normal(0, 1, n), 3),
        },
        geometry=geoms,
        crs="EPSG:27700",
        index=pd.Index(codes, name="lsoa_code"),
    )
    lsoas["local_decile"] = pd.qcut(lsoas.imd_score.rank(method="first", ascending=False), 10, labels=False) + 1

    practices, registrations = _grid_practices(lsoas, practice_every, rng)
    reg_by_lsoa = registrations.groupby("lsoa_code").patients.sum()
    lsoas["registered_population"] = reg_by_lsoa.reindex(lsoas.index, fill_value=0).to_numpy()
    top = registrations.sort_values("patients", ascending=False).drop_duplicates("lsoa_code").set_index("lsoa_code")
    lsoas["plurality_practice"] = top.practice_code.reindex(lsoas.index)
    lsoas["plurality_share"] = (top.patients / reg_by_lsoa).reindex(lsoas.index).round(4)

    w = Queen.from_dataframe(lsoas.reset_index(), ids="lsoa_code", use_index=False, silence_warnings=True)
    adjacency = w.sparse.astype(bool).tocsr()
    return Atlas(
        area=StudyArea(kind="icb", codes=("QZZ",), name="Grid ICB (synthetic test data)"),
        vintage=2021,
        imd_edition=2025,
        lsoas=lsoas,
        practices=practices,
        registrations=registrations,
        adjacency=sparse.csr_matrix(adjacency),
        sources={"synthetic": SourceInfo("synthetic", "Synthetic test grid", "not real data")},
    )


def _grid_practices(lsoas: gpd.GeoDataFrame, every: int, rng: np.random.Generator):
    """Place practices in every n-th cell and register each cell's residents with its nearest practices."""
    sites = lsoas.iloc[::every]
    centroids = lsoas.geometry.centroid
    practice_codes = [f"Z{i:05d}" for i in range(len(sites))]
    site_xy = np.column_stack([sites.geometry.centroid.x, sites.geometry.centroid.y])
    rows = []
    for code, point in zip(lsoas.index, centroids):
        d = np.hypot(site_xy[:, 0] - point.x, site_xy[:, 1] - point.y)
        nearest = np.argsort(d, kind="stable")[:3]
        shares = np.array([0.7, 0.2, 0.1])[: len(nearest)]
        shares = shares / shares.sum()
        residents = int(lsoas.at[code, "resident_population"])
        counts = np.floor(residents * shares * rng.uniform(0.95, 1.0)).astype(int)
        rows += [(practice_codes[k], code, float(c)) for k, c in zip(nearest, counts) if c > 0]
    registrations = pd.DataFrame(rows, columns=["practice_code", "lsoa_code", "patients"])
    list_size = registrations.groupby("practice_code").patients.sum()
    practices = gpd.GeoDataFrame(
        {
            "practice_name": [f"Grid Surgery {i}" for i in range(len(sites))],
            "postcode": [f"ZZ{i} 1AA" for i in range(len(sites))],
            "pcn_code": [f"U{i // 3:05d}" for i in range(len(sites))],
            "pcn_name": [f"Grid PCN {i // 3}" for i in range(len(sites))],
            "sub_icb_code": "E38009999",
            "icb_code_nhs": "QZZ",
            "list_size": list_size.reindex(practice_codes, fill_value=0).to_numpy(),
            "patients_in_area": list_size.reindex(practice_codes, fill_value=0).to_numpy(),
            "lsoa_code": sites.index.to_numpy(),
            "in_area": True,
        },
        geometry=[Point(x, y) for x, y in site_xy],
        crs="EPSG:27700",
        index=pd.Index(practice_codes, name="practice_code"),
    )
    return practices, registrations
