"""The data pack's hub sites on LLR (ICB QK1), one neighbourhood per local authority: each hub is the one ``nhp
sites`` writes for the same plan file (the real command, its defaults), and the one a brute-force 1-median over
the practice sites inside the neighbourhood finds; the workbook's Sites sheet holds ``nhp sites``'s figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import cli
from geo.plan import Plan
from geo.profiles import neighbourhood_profiles
from tests.profiles.test_hub_sites import _recount

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def by_lad(data_dir):
    from geo.atlas.build import load_atlas

    atlas = load_atlas("QK1", data_dir=data_dir)
    plan = Plan(atlas, atlas.lsoas.lad_name.astype(str), target=120_000, tolerance=0.9)
    return plan, neighbourhood_profiles(plan)


def test_llr_hubs_are_what_nhp_sites_writes_and_a_recount_finds(by_lad, data_dir, tmp_path):
    plan, profiles = by_lad
    path = tmp_path / "plan.csv"
    pd.DataFrame({"lsoa_code": plan.assignment.index, "neighbourhood": plan.assignment.to_numpy()}).to_csv(
        path, index=False
    )
    out = tmp_path / "sites.csv"
    assert cli.main(["sites", str(path), "--area", "QK1", "--data-dir", str(data_dir), "--out", str(out)]) == 0
    theirs = pd.read_csv(out, dtype={"site_code": str}).set_index("neighbourhood")
    hubs = profiles.hubs
    assert sorted(hubs.index) == sorted(theirs.index) == sorted(plan.neighbourhoods)
    for column in ("site_code", "people", "mean_km", "beyond_threshold", "beyond_threshold_pct", "opening_order"):
        assert hubs[column].tolist() == theirs.loc[hubs.index, column].tolist(), column
    recount = _recount(plan)
    assert hubs.site_code.tolist() == recount.loc[hubs.index, "site_code"].tolist()
    assert hubs.mean_km.tolist() == recount.loc[hubs.index, "mean_km"].tolist()
    np.testing.assert_allclose(
        hubs.beyond_threshold_pct.astype(float), recount.loc[hubs.index, "beyond_threshold_pct"].round(0)
    )
    book = pd.read_excel(
        profiles.write(tmp_path / "profiles.xlsx"), sheet_name="Sites", header=3, dtype={"site_code": str}
    )
    assert book.site_code.tolist() == hubs.site_code.tolist()
    assert book.opening_order.tolist() == hubs.opening_order.tolist()
