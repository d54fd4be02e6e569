"""Modelled UEC attendances per LSOA when no local extract is available: NHS England's ICB totals shared out.

No open LSOA-level A&E counts exist (``shared/data/SOURCES.md`` section 4). The best open proxy is the IoD2025
*acute morbidity indicator*, an age- and sex-standardised ratio of emergency hospital admissions per LSOA
(England ≈ 100). We take each ICB's A&E attendances from NHS England's monthly "A&E Attendances and Emergency
Admissions" statistics over the latest ``months`` months and share them out to its LSOAs in proportion to

    weight = resident population × acute-morbidity multiplier.

The multiplier is the indicator divided by 100: a ratio of 1.3 means 30 % more emergency admissions than the
national age-sex rates predict, and we assume A&E attendances scale the same way (they share most drivers:
deprivation, long-term illness, distance to an emergency department). Where the atlas carries the indicator as a
standardised (z) score instead, the multiplier is ``exp(0.237 * z)``: 0.237 is the standard deviation of
``log(indicator / 100)`` across England's 33,755 LSOAs, so a z score maps to the same spread of relative risk.
Missing indicators (IoD2019 has none) get a multiplier of 1. Shares are normalised within each ICB, so the
ICB total is preserved exactly. Everything built on the result is labelled *modelled*.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.atlas.model import SourceInfo
from geo.errors import DataError
from geo.uec.layer import UecLayer
from geo.atlas.org_codes import recode

#: SD of log(acute morbidity indicator / 100) over England's LSOA21s (IoD2025 File 8).
LOG_RATIO_SD = 0.237
ICB_CODE_COLUMNS = ("org_code", "icb22_code", "icb_code", "icb24_code")


def morbidity_multiplier(indicator: pd.Series) -> pd.Series:
    """Turn the acute morbidity indicator into a relative-risk multiplier (see the module docstring).

    Examples
    --------
    >>> morbidity_multiplier(pd.Series([80.0, 100.0, 150.0])).round(2).tolist()
    [0.8, 1.0, 1.5]
    >>> morbidity_multiplier(pd.Series([-1.0, 0.0, 1.0, np.nan])).round(3).tolist()
    [0.789, 1.0, 1.267, 1.0]
    """
    values = pd.to_numeric(indicator, errors="coerce").astype(float)
    known = values.dropna()
    if len(known) and (known > 0).all() and 20 <= known.median() <= 500:
        multiplier = values / 100.0  # published scale: a standardised ratio x 100
    else:
        multiplier = np.exp(LOG_RATIO_SD * values)  # a z score: map to the national spread of log ratios
    return multiplier.fillna(1.0)


def _icb_column(ae: pd.DataFrame) -> str:
    for column in ICB_CODE_COLUMNS:
        if column in ae.columns:
            return column
    raise DataError(
        "no ICB code column in the NHS England A&E table",
        column="org_code",
        expected=f"one of {', '.join(ICB_CODE_COLUMNS)} holding E54 codes",
    )


def latest_months(ae: pd.DataFrame, icb_codes, months: int = 12) -> list[str]:
    """Return the latest ``months`` months (``YYYY-MM``) reported for every one of ``icb_codes``.

    Examples
    --------
    >>> ae = pd.DataFrame({"month": ["2025-05", "2025-06", "2025-07", "2025-06"], "org_code": ["A", "A", "A", "B"],
    ...                    "total_attendances": [1, 2, 3, 4]})
    >>> latest_months(ae, ["A"], 2), latest_months(ae, ["A", "B"], 1)
    (['2025-06', '2025-07'], ['2025-06'])
    """
    column = _icb_column(ae)
    month = ae["month"].astype(str).str[:7]
    per_icb = [set(month[ae[column] == code]) for code in icb_codes]
    common = sorted(set.intersection(*per_icb)) if per_icb else []
    if len(common) < months:
        raise DataError(
            f"the NHS England A&E table has {len(common)} months for ICB(s) {', '.join(icb_codes)}",
            column="month",
            expected=f"at least {months} months for each ICB of the study area",
        )
    return common[-months:]


def on_atlas_codes(ae: pd.DataFrame, codes: pd.DataFrame | None) -> tuple[pd.DataFrame, list[str]]:
    """Bring the A&E table's ICB codes to the atlas's vintage (:func:`geo.atlas.org_codes.reconcile_codes`), adding
    up months of codes that now share one, and say which codes were brought across.

    Examples
    --------
    >>> ae = pd.DataFrame({"month": ["2025-07"], "icb22_code": ["E54000053"], "total_attendances": [9.0]})
    >>> m = pd.DataFrame({"old_code": ["E54000053"], "new_code": ["E54000064"], "ods_code": ["QNX"],
    ...                   "matched_by": ["ods"], "overlap": [0.98]})
    >>> out, notes = on_atlas_codes(ae, m)
    >>> out.icb22_code.tolist(), notes
    (['E54000064'], ['A&E figures of E54000053 (QNX, 2022 code) are used for E54000064: 98.0% of its residents live there'])
    """
    if codes is None or codes.empty:
        return ae, []

    column = _icb_column(ae)
    changed = codes[(codes.old_code != codes.new_code) & codes.old_code.isin(set(ae[column]))]
    if changed.empty:
        return ae, []
    out = recode(ae, column, changed)
    counts = [c for c in out.columns if c not in ("month", column) and pd.api.types.is_numeric_dtype(out[c])]
    out = out.groupby(["month", column], as_index=False, sort=False)[counts].sum(min_count=1)
    notes = [
        f"A&E figures of {r.old_code} ({r.ods_code}, 2022 code) are used for {r.new_code}: {100 * r.overlap:.1f}% "
        f"of its residents live there"
        for r in changed.itertuples()
    ]
    return out, notes


def modelled_uec(
    atlas,
    ae_monthly_icb: pd.DataFrame,
    months: int = 12,
    reference: pd.DataFrame | None = None,
    codes: pd.DataFrame | None = None,
) -> UecLayer:
    """Return modelled attendances per LSOA: each ICB's A&E total shared by population × acute morbidity.

    Parameters
    ----------
    atlas
        The study area.
    ae_monthly_icb
        NHS England monthly A&E by ICB: ``month``, an E54 code column (``org_code`` or ``icb22_code``),
        ``total_attendances``.
    months
        How many of the latest months to add up.
    reference
        LSOAs of the *whole* ICB(s) (``icb_code, resident_population, acute_morbidity``) when the study area is
        only part of an ICB, so each LSOA's share is of the whole ICB. Default: the atlas's own LSOAs, exact when
        the study area is made of whole ICBs.
    codes
        ICB codes of the A&E table's vintage reconciled to the atlas's (``old_code, new_code, ods_code, overlap``:
        :func:`geo.atlas.org_codes.reconcile_codes`); ``None`` when both use the same codes.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> atlas = grid_atlas(3, 3)
    >>> ae = pd.DataFrame({"month": [f"2025-{m:02d}" for m in range(1, 13)], "org_code": "E54009999",
    ...                    "total_attendances": 500.0})
    >>> layer = modelled_uec(atlas, ae)
    >>> layer.kind, round(layer.total), layer.source.vintage
    ('modelled', 6000, '2025-01 to 2025-12')
    """
    if codes is not None:  # never recode a code the atlas itself carries
        codes = codes[~codes.old_code.isin(set(atlas.lsoas["icb_code"].astype(str)))]
    ae, code_notes = on_atlas_codes(ae_monthly_icb, codes)
    column = _icb_column(ae)
    lsoas = atlas.lsoas
    icbs = sorted(lsoas["icb_code"].astype(str).unique())
    chosen = latest_months(ae, icbs, months)
    in_window = ae["month"].astype(str).str[:7].isin(chosen) & ae[column].isin(icbs)
    totals_raw = pd.to_numeric(ae.loc[in_window, "total_attendances"], errors="coerce")
    if totals_raw.isna().any():
        raise DataError(
            "non-numeric total_attendances in the NHS England A&E table",
            column="total_attendances",
            expected="a number of attendances",
        )
    totals = totals_raw.groupby(ae.loc[in_window, column]).sum()

    weight = lsoas["resident_population"].astype(float) * morbidity_multiplier(lsoas["acute_morbidity"])
    ref = lsoas if reference is None else reference
    ref_weight = ref["resident_population"].astype(float) * morbidity_multiplier(ref["acute_morbidity"])
    denominator = ref_weight.groupby(ref["icb_code"].astype(str)).sum()
    icb = lsoas["icb_code"].astype(str)
    attendances = weight * icb.map(totals).astype(float) / icb.map(denominator).astype(float)
    vintage = f"{chosen[0]} to {chosen[-1]}"
    whole = "whole ICBs" if reference is None else "ICB shares from the reference LSOAs"
    label = (
        f"modelled from NHS England A&E Attendances and Emergency Admissions by ICB, shared to LSOAs by "
        f"resident population x IoD2025 acute morbidity ({whole})"
    )
    last = pd.Period(chosen[-1], "M")
    return UecLayer(
        attendances=attendances.fillna(0.0).rename("attendances"),
        kind="modelled",
        source=SourceInfo("uec_modelled", label, vintage),
        period_start=f"{chosen[0]}-01",
        period_end=f"{last.end_time:%Y-%m-%d}",
        months=len(chosen),
        vintage=atlas.vintage,
        rows_read=int(in_window.sum()),
        notes=[
            "MODELLED: expected attendances from ICB totals shared by acute morbidity, not observed; its hotspots "
            "are areas of high expected need",
            *code_notes,
        ],
    )
