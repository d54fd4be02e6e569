"""Every ICB of the 2024 lookup gets its modelled UEC layer from the A&E series published on 2022 codes."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from geo.sources import discover
from geo.uec import modelled_uec
from geo.uec.for_atlas import icb_codes_for

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def england(data_dir):
    """The LSOA columns the modelled layer reads, for all England, straight from the raw files."""
    icb = pd.read_csv(data_dir / "lsoa21_sicbl24_icb24_lookup.csv", dtype=str).set_index("lsoa21_code")
    census = pd.read_csv(data_dir / "census2021_lsoa21_usual_residents_age6.csv").set_index("lsoa21_code")
    iod = pd.read_csv(data_dir / "iod2025_lsoa21_underlying_indicators.csv").set_index("lsoa21_code")
    return pd.DataFrame(
        {
            "icb_code": icb.icb24_code,
            "icb_code_nhs": icb.icb24_code_nhs,
            "resident_population": census.usual_residents_total.reindex(icb.index).astype(float),
            "acute_morbidity": iod.acute_morbidity_indicator.reindex(icb.index),
        }
    )


def test_every_icb_code_of_the_lookup_has_twelve_months_and_its_own_total(england, data_dir):
    catalogue = discover(data_dir)
    ae = catalogue.read("ae_monthly_icb")
    codes = icb_codes_for(SimpleNamespace(vintage=2021), catalogue)
    # Independent: the 2022 code of each ICB by its ODS code, and the latest 12 months' attendances.
    raw = pd.read_csv(data_dir / "nhse_ae_monthly_by_icb_2022-04_2025-07.csv")
    old = pd.read_csv(data_dir / "lsoa11_subicb22_icb22_lad22_lookup.csv", dtype=str).drop_duplicates("ICB22CDH")
    code22 = old.set_index("ICB22CDH").ICB22CD
    months = sorted(raw.month.unique())[-12:]
    assert england.icb_code.nunique() == 42
    for (code, ods), lsoas in england.groupby(["icb_code", "icb_code_nhs"]):
        atlas = SimpleNamespace(lsoas=lsoas, vintage=2021)
        layer = modelled_uec(atlas, ae, months=12, codes=codes)
        assert layer.months == 12, code
        expected = raw[(raw.icb22_code == code22[ods]) & raw.month.isin(months)].total_attendances.sum()
        assert layer.total == pytest.approx(expected), code
        if code != code22[ods]:
            assert any(code22[ods] in note for note in layer.notes), code


def test_all_england_at_once(england, data_dir):
    catalogue = discover(data_dir)
    layer = modelled_uec(
        SimpleNamespace(lsoas=england, vintage=2021),
        catalogue.read("ae_monthly_icb"),
        codes=icb_codes_for(SimpleNamespace(vintage=2021), catalogue),
    )
    raw = pd.read_csv(data_dir / "nhse_ae_monthly_by_icb_2022-04_2025-07.csv")
    months = sorted(raw.month.unique())[-12:]
    assert layer.total == pytest.approx(raw[raw.month.isin(months)].total_attendances.sum())
    assert {"E54000063", "E54000064"} <= set(england.icb_code)
