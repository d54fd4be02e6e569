"""A small-count area for disclosure tests: the synthetic grid plus three practices with lists of 5, 3 and 7, QOF
registers and registered age-sex cells of 1 to 7 (:func:`small_count_atlas`).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.atlas.model import PRACTICE_AGE_BANDS, SourceInfo
from geo.plan import Plan
from geo.testing.grid import grid_atlas

#: Practices the small-count area adds to the grid's own eight, with their registered lists (all small).
SMALL_PRACTICES = {"Y00001": 5, "Y00002": 3, "Y00003": 7}
#: QOF registers of the small-count area: the grid's practices have these counts (1 to 7 among them).
SMALL_REGISTERS = {
    "DEM": [6, 40, 3, 25, 7, 90, 1, 12],
    "EP": [5, 30, 2, 44, 60, 4, 18, 7],
    "DM": [300, 410, 280, 350, 390, 260, 330, 310],
}


def small_count_atlas(lists: dict[str, int] | None = None):
    """Return a synthetic grid (6 x 4 LSOAs, two local authorities, eight practices) plus three practices with
    lists of 5, 3 and 7, QOF registers and registered age-sex cells of 1 to 7 at many practices: the area every
    disclosure test of list plans uses. ``lists`` gives some of the three other lists (an attack must give the
    same answers whatever a small list's true count).

    Examples
    --------
    >>> atlas = small_count_atlas()
    >>> atlas.practices.list_size[list(SMALL_PRACTICES)].astype(int).tolist(), int(atlas.qof.patients.between(1, 7).sum())
    ([5, 3, 7], 14)
    """

    small_lists = {**SMALL_PRACTICES, **(lists or {})}
    atlas = grid_atlas(6, 4, lad_width=3, practice_every=3)
    big = list(atlas.practices.index)
    sites = ["G0001", "G0010", "G0022"]  # one west, one east, one east
    rows = []
    for (code, size), site in zip(small_lists.items(), sites):
        template = atlas.practices.iloc[0]
        rows.append(
            {
                **template.to_dict(),
                "practice_name": f"Small Surgery {code}",
                "postcode": f"ZY{code[-1]} 1AA",
                "pcn_code": "U09999",
                "pcn_name": "Small PCN",
                "list_size": size,
                "patients_in_area": size,
                "lsoa_code": site,
                "in_area": True,
                "geometry": atlas.lsoas.geometry[site].centroid,
            }
        )
    small = gpd.GeoDataFrame(
        rows, index=pd.Index(list(SMALL_PRACTICES), name="practice_code"), geometry="geometry", crs=atlas.practices.crs
    )
    atlas.practices = pd.concat([atlas.practices, small])
    extra = pd.DataFrame(
        [(code, site, float(size)) for (code, size), site in zip(small_lists.items(), sites)],
        columns=["practice_code", "lsoa_code", "patients"],
    )
    atlas.registrations = pd.concat([atlas.registrations, extra], ignore_index=True)
    atlas.lsoas["registered_population"] = (
        atlas.registrations.groupby("lsoa_code").patients.sum().reindex(atlas.lsoas.index, fill_value=0).to_numpy()
    )
    qof = []
    for k, code in enumerate(big):
        size = int(atlas.practices.list_size[code])
        qof += [(code, register, counts[k], "TOTAL", size) for register, counts in SMALL_REGISTERS.items()]
    for j, (code, size) in enumerate(small_lists.items()):
        qof += [
            (code, "DEM", 0, "TOTAL", size),
            (code, "EP", 1 + j, "TOTAL", size),
            (code, "DM", size - 1, "TOTAL", size),
        ]
    atlas.qof = pd.DataFrame(qof, columns=["practice_code", "register", "patients", "list_type", "list_size"])
    rng = np.random.default_rng(5)
    ages = []
    for k, code in enumerate([*big, *SMALL_PRACTICES]):
        size = int(atlas.practices.list_size[code])
        for sex in ("FEMALE", "MALE"):
            if code in SMALL_PRACTICES:  # a few small cells, adding up to about half its list
                cells = np.zeros(len(PRACTICE_AGE_BANDS), int)
                cells[[3 + k % 5, 9]] = [size // 2 - size // 4, size // 4]
            else:
                cells = np.floor(rng.dirichlet(np.linspace(3, 0.3, len(PRACTICE_AGE_BANDS))) * size / 2).astype(int)
                cells[-2:] = [1 + (k % 7), 7 - (k % 7)]  # small 90-94 and 95+ cells
            ages += [(code, sex, band, int(n)) for band, n in zip(PRACTICE_AGE_BANDS, cells)]
    atlas.practice_ages = pd.DataFrame(ages, columns=["practice_code", "sex", "age_band", "patients"])
    atlas.sources.update(
        {
            "qof_prevalence": SourceInfo("qof_prevalence", "QOF disease registers (planted)", "QOF 2024-25"),
            "practice_ages": SourceInfo("practice_ages", "Registered patients by age and sex (planted)", "2026-07"),
        }
    )
    return atlas


def small_list_beside_big(size: int):
    """The differencing attack on a small list: ``(exact, plan)``, where ``plan`` (a target of 10,000) puts
    practice Y00001's list of ``size`` into "Big" (four of the grid's practices) and ``exact`` is Big's list
    without it, as an attacker reads it from a plan that keeps Y00001 apart (published exact: no part is small).
    A test then sets a band's edge 1 to 7 people above ``exact`` and requires the same answers whatever ``size``.
    """
    atlas = small_count_atlas({"Y00001": size})
    big = [c for c in atlas.practices.index if c not in SMALL_PRACTICES][:4]
    groups = {c: "Big" if c in big else "Rest" for c in atlas.practices.index}
    exact = float(Plan.from_practices(atlas, {**groups, "Y00001": "Tiny"}, target=10_000)["list_population"]["Big"])
    return exact, Plan.from_practices(atlas, {**groups, "Y00001": "Big"}, target=10_000)
