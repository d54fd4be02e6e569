"""Funnel limits only for observed counts, adjusted for overdispersion (Spiegelhalter 2005); the modelled layer
says what it is and gets neither funnel nor intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from geo.hotspots import by_neighbourhood, find_hotspots
from geo.hotspots.funnel import dispersion, funnel_flags
from geo.testing import grid_atlas
from geo.uec import modelled_uec, read_uec_extract, synthetic_extract, write_extract


def test_dispersion_by_hand():
    o, e = np.array([90, 95, 100, 105, 110, 80, 120, 100, 60, 140]), np.full(10, 100.0)
    z = 2 * (np.sqrt(o) - np.sqrt(e))
    lo, hi = np.quantile(z, [0.1, 0.9])
    phi = np.mean(np.clip(z, lo, hi) ** 2)
    d = dispersion(o, e)
    assert d["phi"] == pytest.approx(phi, abs=1e-3)
    assert d["overdispersed"] == bool(10 * phi > stats.chi2.ppf(0.95, 9))
    w = 4 * e
    assert d["tau2"] == pytest.approx(max(0, (10 * phi - 9) / (w.sum() - (w**2).sum() / w.sum())), abs=1e-5)


def test_poisson_data_are_not_overdispersed_and_overdispersed_data_widen_the_funnel():
    rng = np.random.default_rng(3)
    e = rng.uniform(200, 2000, 400)
    assert not dispersion(rng.poisson(e), e)["overdispersed"]
    o = rng.poisson(e * rng.lognormal(0, 0.25, 400))
    d = dispersion(o, e)
    assert d["overdispersed"] and d["tau2"] > 0
    plain, adjusted = funnel_flags(o, e), funnel_flags(o, e, d)
    outside = lambda f: int((f != "within").sum())  # noqa: E731
    assert outside(adjusted) < outside(plain)
    assert outside(adjusted) / 400 < 0.2  # about the 5 % a funnel promises, not most LSOAs


def test_extract_reports_its_dispersion(icb_like):
    atlas, layer, result, hot, cold = icb_like
    d = result.dispersion
    assert set(d) == {"units", "phi", "tau2", "overdispersed", "method"}
    assert d["units"] == int((~result.frame.attendances.between(0.5, 7.5)).sum())
    assert f"phi {d['phi']}" in result.source_note and result.answer()["dispersion"] == d


def _modelled_result(nx=10):
    atlas = grid_atlas(nx, nx)
    ae = pd.DataFrame(
        {"month": [f"2025-{m:02d}" for m in range(1, 13)], "org_code": "E54009999", "total_attendances": 20_000.0}
    )
    return atlas, find_hotspots(atlas, modelled_uec(atlas, ae))


def test_modelled_layer_has_no_funnel_or_intervals_and_says_what_it_is():
    atlas, result = _modelled_result()
    table = result.published()
    assert (table.funnel == "").all() and result.dispersion is None
    assert table[["rate_lci", "rate_uci", "ratio_lci", "ratio_uci"]].isna().all(axis=None)
    assert table.rate_per_1000.notna().all()
    for text in (result.source_note, result.hotspot_meaning):
        assert "expected" in text.lower() and ("not observed" in text.lower() or "modelled" in text.lower())
    assert "high expected need" in result.source_note.lower()
    answer = result.answer()
    assert answer["uec_kind"] == "modelled" and "EXPECTED need" in answer["hotspot_meaning"]
    assert "ICB totals" in answer["source"] and "acute morbidity" in answer["source"]
    hoods = by_neighbourhood(result, pd.Series(["A"] * 50 + ["B"] * 50, index=atlas.codes))
    assert (hoods.funnel == "").all() and hoods.ratio_lci.isna().all()


def test_modelled_high_areas_follow_the_morbidity_indicator():
    atlas, result = _modelled_result(12)
    high = result.frame.hotspot == "high"
    if high.any():
        assert (result.frame.loc[high, "ratio"] > 1).all()
        assert atlas.lsoas.loc[high, "acute_morbidity"].mean() > atlas.lsoas.acute_morbidity.mean()


def test_funnel_flag_goes_with_a_suppressed_count(tmp_path):
    atlas = grid_atlas(6, 6, population=np.resize([20, 1500], 36))
    layer = read_uec_extract(write_extract(synthetic_extract(atlas, seed=4), tmp_path / "x.csv"), atlas)
    result = find_hotspots(atlas, layer)
    table = result.published()
    hidden = table.attendances.isna()
    assert hidden.sum() >= 3
    assert table.loc[hidden, ["funnel", "hotspot", "cluster", "gi_z", "expected"]].isna().all(axis=None)
