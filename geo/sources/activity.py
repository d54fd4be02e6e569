"""Readers for NHS England monthly A&E attendances and emergency admissions, by ICB and by trust.

Both return ``month`` (YYYY-MM text), ``org_code`` (ONS E54 ICB code or NHS trust code) and the four counts.
Returns leave cells blank when a provider did not submit a figure, so blanks stay NaN (counts are floats) rather
than being read as zero; negative or non-numeric counts are refused.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geo.errors import DataError
from geo.sources.io import read_table
from geo.sources.layouts import Layout, finish, register, resolve
from geo.sources.validate import MAX_COUNT, check_codes, check_unique, parse_numbers

AE_COUNTS = [
    "total_attendances",
    "attendances_over_4hours",
    "total_emergency_admissions",
    "emergency_admissions_over_4hours",
]
AE_COLUMNS = ["month", "org_code", *AE_COUNTS]


def _layout(dataset: str, code: str, name: str) -> Layout:
    return Layout(dataset, name, {"month": "month|period", "org_code": code, **{c: c for c in AE_COUNTS}})


register(
    _layout("ae_monthly_icb", r"icb\d\d_code|icb_code", "NHS England A&E monthly, system level (ICB)"),
    title="NHS England A&E Attendances and Emergency Admissions, by ICB",
)
register(
    _layout("ae_monthly_trust", r"nhs_trust\d\d_code|trust_code|org_code", "NHS England A&E monthly, by provider"),
    title="NHS England A&E Attendances and Emergency Admissions, by trust",
)


def _read_ae(path: str | Path, dataset: str) -> pd.DataFrame:
    s, lay, cols = resolve(path, dataset)
    df = read_table(s, list(cols.values()))
    month = pd.to_datetime(df[cols["month"]], format="mixed", errors="coerce").dt.strftime("%Y-%m")
    check_codes(month.fillna("?"), r"\d{4}-\d\d", "a month", file=s.path, column=cols["month"])
    out = pd.DataFrame({"month": month, "org_code": df[cols["org_code"]].astype("str").str.strip()})
    if dataset == "ae_monthly_icb":
        check_codes(out.org_code, r"E54\d{6}", "an ONS ICB code", file=s.path, column=cols["org_code"])
    for name in AE_COUNTS:
        values = parse_numbers(df[cols[name]], file=s.path, column=cols[name], allow_blank=True)
        # Counts are published as "25706.0"; only whole, non-negative numbers are counts.
        bad = (values < 0) | ((values % 1) > 0) | (values > MAX_COUNT)
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            raise DataError(
                f"{df[cols[name]].iloc[i]!r} is not a count",
                file=s.path,
                row=i + 1,
                column=cols[name],
                expected=f"a whole number from 0 to {MAX_COUNT:,}, or a blank cell",
            )
        out[name] = values
    check_unique(out.month + " " + out.org_code, file=s.path, column=cols["org_code"], what="organisation and month")
    span = f"{out.month.min()} to {out.month.max()}"
    return finish(out, s, lay, cols, AE_COLUMNS, vintage=span)


def read_ae_monthly_icb(path: str | Path) -> pd.DataFrame:
    """Read monthly A&E figures by ICB: ``month, org_code`` (E54), and the four counts (float, NaN if blank).

    Examples
    --------
    >>> ae = read_ae_monthly_icb("nhse_ae_monthly_by_icb_2022-04_2025-07.csv")  # doctest: +SKIP
    >>> ae[ae.org_code == "E54000015"].month.nunique()  # doctest: +SKIP
    40
    """
    return _read_ae(path, "ae_monthly_icb")


def read_ae_monthly_trust(path: str | Path) -> pd.DataFrame:
    """Read monthly A&E figures by trust: ``month, org_code`` (e.g. RWE), and the four counts.

    Examples
    --------
    >>> ae = read_ae_monthly_trust("nhse_ae_monthly_by_trust_2021-04_2025-07.csv")  # doctest: +SKIP
    >>> "RWE" in set(ae.org_code)  # doctest: +SKIP
    True
    """
    return _read_ae(path, "ae_monthly_trust")
