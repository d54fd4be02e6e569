"""The modelled UEC layer: ICB totals shared by population x acute morbidity, labelled modelled."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from geo.errors import DataError
from geo.testing import grid_atlas
from geo.uec import modelled_uec, morbidity_multiplier


def _ae(months, code="E54009999", total=1000.0):
    return pd.DataFrame({"month": months, "icb22_code": code, "total_attendances": total})


def test_icb_total_is_preserved_and_shares_follow_population_and_morbidity():
    atlas = grid_atlas(5, 5)
    months = [f"2024-{m:02d}" for m in range(1, 13)] + [f"2025-{m:02d}" for m in range(1, 4)]
    layer = modelled_uec(atlas, _ae(months), months=12)
    assert layer.total == pytest.approx(12_000) and layer.months == 12
    assert (layer.period_start, layer.period_end) == ("2024-04-01", "2025-03-31")
    assert layer.kind == "modelled" and layer.source_note().startswith("MODELLED")
    weight = atlas.lsoas.resident_population * morbidity_multiplier(atlas.lsoas.acute_morbidity)
    assert layer.attendances.to_numpy() == pytest.approx((12_000 * weight / weight.sum()).to_numpy())
    sickest = atlas.lsoas.acute_morbidity.idxmax()
    assert layer.attendances[sickest] == layer.attendances.max()


def test_part_of_an_icb_gets_its_share_of_the_whole():
    whole = grid_atlas(4, 4)
    part = grid_atlas(4, 4)
    part.lsoas = part.lsoas.iloc[:8]
    part.adjacency = part.adjacency[:8][:, :8]
    layer = modelled_uec(part, _ae([f"2025-{m:02d}" for m in range(1, 13)]), reference=whole.lsoas)
    weight = whole.lsoas.resident_population * morbidity_multiplier(whole.lsoas.acute_morbidity)
    assert layer.total == pytest.approx(12_000 * weight.iloc[:8].sum() / weight.sum())


def test_too_few_months_or_unknown_icb_is_an_error():
    atlas = grid_atlas(2, 2)
    with pytest.raises(DataError, match="at least 12 months"):
        modelled_uec(atlas, _ae(["2025-01", "2025-02"]))
    with pytest.raises(DataError):
        modelled_uec(atlas, _ae([f"2025-{m:02d}" for m in range(1, 13)], code="E54000015"))


def test_multiplier_reads_published_ratios_and_z_scores():
    assert morbidity_multiplier(pd.Series([50.0, 100.0, 200.0])).tolist() == [0.5, 1.0, 2.0]
    z = morbidity_multiplier(pd.Series([-2.0, 0.0, 2.0]))
    assert z[1] == 1.0 and z[0] == pytest.approx(1 / z[2])


@pytest.mark.realdata
def test_modelled_layer_for_llr_preserves_the_icb_total(data_dir):
    from geo.atlas import load_atlas
    from geo.sources import discover

    atlas = load_atlas("QK1", data_dir=data_dir)
    ae = discover(data_dir).read("ae_monthly_icb")
    layer = modelled_uec(atlas, ae, months=12)
    llr = ae[ae.org_code == "E54000015"].sort_values("month").tail(12)
    assert layer.source.vintage == f"{llr.month.iloc[0]} to {llr.month.iloc[-1]}"
    assert layer.total == pytest.approx(llr.total_attendances.sum(), rel=1e-9)
    assert (layer.attendances > 0).all() and len(layer.attendances) == 634
    rate = layer.attendances / atlas.lsoas.resident_population * 1000
    assert 150 < np.median(rate) < 700  # A&E use in England is roughly 400 per 1,000 a year
