"""Fixtures for the profile tests: a synthetic grid with the data-pack datasets planted, and the LLR plans.

The grid (6 x 4 cells, two local authorities of three columns, eight practices) gets Census ethnicity per LSOA,
QOF registers with small ones planted (learning disability: 3 and 5 patients at two practices, 2 and 4 at the two
of one PCN, so that list-based neighbourhood has 6) and practice age
bands with small cells, so disclosure control has work to do. England totals are made up and passed in.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.atlas.model import PRACTICE_AGE_BANDS, SourceInfo
from geo.plan import Plan
from geo.profiles.england import England
from geo.testing import grid_atlas

REGISTERS = {"AF": "TOTAL", "DM": "17OV", "LD": "TOTAL"}


def _pack(atlas):
    rng = np.random.default_rng(3)
    lsoas = atlas.lsoas
    total = lsoas.resident_population.astype(float)
    shares = rng.dirichlet([2, 1, 1, 8, 1], len(lsoas))
    groups = ["ethnicity_asian", "ethnicity_black", "ethnicity_mixed", "ethnicity_white", "ethnicity_other"]
    counts = np.floor(shares * total.to_numpy()[:, None])
    counts[:, 3] += total.to_numpy() - counts.sum(axis=1)  # groups sum to the total, as in TS021
    for j, group in enumerate(groups):
        lsoas[group] = counts[:, j]
    lsoas["ethnicity_total"] = total
    codes = list(atlas.practices.index)
    size = atlas.practices.list_size.astype(int)
    qof = []
    for k, code in enumerate(codes):
        for register, list_type in REGISTERS.items():
            base = int(size[code] * (0.8 if list_type != "TOTAL" else 1.0))
            patients = {"AF": int(base * 0.02), "DM": int(base * 0.07), "LD": [3, 5, 40, 60, 30, 20, 2, 4][k]}
            qof.append((code, register, patients[register], list_type, base))
    atlas.qof = pd.DataFrame(qof, columns=["practice_code", "register", "patients", "list_type", "list_size"])
    rows = []
    for code in codes:
        weights = rng.dirichlet(np.linspace(3, 0.3, len(PRACTICE_AGE_BANDS)))
        for sex in ("FEMALE", "MALE"):
            cells = np.floor(weights * size[code] / 2).astype(int)
            cells[-1] = [2, 3, 1, 0, 4, 1, 2, 3][codes.index(code)]  # small 95+ cells, small per PCN too
            rows += [(code, sex, band, int(n)) for band, n in zip(PRACTICE_AGE_BANDS, cells)]
    atlas.practice_ages = pd.DataFrame(rows, columns=["practice_code", "sex", "age_band", "patients"])
    atlas.sources.update(
        {
            "ethnicity_census2021": SourceInfo(
                "ethnicity_census2021", "Census 2021 TS021 ethnic group (planted)", "Census 2021"
            ),
            "qof_prevalence": SourceInfo("qof_prevalence", "QOF disease registers (planted)", "QOF 2024-25"),
            "practice_ages": SourceInfo("practice_ages", "Registered patients by age and sex (planted)", "2026-07"),
        }
    )
    return atlas


@pytest.fixture(scope="module")
def atlas():
    return _pack(grid_atlas(6, 4, lad_width=3, practice_every=3))


@pytest.fixture(scope="module")
def england():
    qof = pd.DataFrame(
        {"patients": [1_200_000.0, 3_500_000.0, 300_000.0], "list_size": [60_000_000.0, 50_000_000.0, 60_000_000.0]},
        index=list(REGISTERS),
    )
    ages = pd.Series(
        {(s, b): 1_000_000.0 + 10_000 * i for s in ("FEMALE", "MALE") for i, b in enumerate(PRACTICE_AGE_BANDS)}
    )
    ethnicity = pd.Series(
        {
            "ethnicity_asian": 5_500_000.0,
            "ethnicity_black": 2_400_000.0,
            "ethnicity_mixed": 1_700_000.0,
            "ethnicity_white": 45_800_000.0,
            "ethnicity_other": 1_090_108.0,
            "ethnicity_total": 56_490_108.0,
        }
    )
    return England(qof=qof, ages=ages, ethnicity=ethnicity)


@pytest.fixture(scope="module")
def place_plan(atlas):
    """LSOA-built: two neighbourhoods per local authority (north and south halves)."""
    rows, cols = np.divmod(np.arange(len(atlas.lsoas)), 6)
    names = [f"{'West' if c < 3 else 'East'} {'North' if r >= 2 else 'South'}" for r, c in zip(rows, cols)]
    return Plan(atlas, pd.Series(names, index=atlas.codes), target=9000)


@pytest.fixture(scope="module")
def list_plan(atlas):
    """List-based: the practices of each PCN make one neighbourhood."""
    return Plan.from_practices(atlas, atlas.practices.pcn_code.map(lambda p: f"Network {p[-1]}"), target=12000)


@pytest.fixture(scope="module")
def hotspots(atlas):
    """Hot spots of a planted local UEC extract (not the modelled layer: every UEC figure, with its intervals)."""
    from geo.hotspots import find_hotspots
    from geo.uec.layer import UecLayer

    counts = pd.Series(np.linspace(30, 400, len(atlas.lsoas)).round(), index=atlas.codes)
    layer = UecLayer(
        counts, "extract", SourceInfo("uec", "UEC attendances (planted)", "2025"), "2025-01-01", "2025-12-31", 12
    )
    return find_hotspots(atlas, layer, permutations=99, seed=1)
