"""Readers for the English Indices of Deprivation: IMD 2025 (LSOA 2021) and 2019 (LSOA 2011), and IoD2025 extras.

Output columns are ``lsoa_code, imd_score, imd_rank, imd_decile`` and, for each domain (income, employment,
education, health, crime, housing, environment), ``<domain>_score, _rank, _decile``. A layout without a measure
(IoD2019 File 1 and File 2 publish no scores) gives NaN floats for it, so every edition has the same columns.
Domain scores are legitimately negative (health, crime, education are z-scores), so only ranks and deciles must
be positive. ``attrs["lsoa_vintage"]`` says which LSOA geography the codes are on.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from geo.errors import DataError
from geo.sources.io import read_table
from geo.sources.layouts import Layout, finish, lit, register, resolve
from geo.sources.validate import check_lsoa_codes, check_unique, parse_numbers

DOMAINS = {
    "imd": (r"index of multiple deprivation \(imd\)", "imd"),
    "income": ("income", "income"),
    "employment": ("employment", "employment"),
    "education": ("education, skills and training", "education"),
    "health": ("health deprivation and disability", "health"),
    "crime": ("crime", "crime"),
    "housing": ("barriers to housing and services", "housing_and_services"),
    "environment": ("living environment", "environment"),
}
MEASURES = ("score", "rank", "decile")
IMD_COLUMNS = ["lsoa_code"] + [f"{d}_{m}" for d in DOMAINS for m in MEASURES]


def _official(domain: str, measure: str) -> str:
    # "Income Score (rate)", "IMD Rank (where 1 is most deprived)", "IMD Decile" (IoD2019 File 1 has no suffix).
    return rf"{DOMAINS[domain][0]} {measure}( \(.*\))?"


def _official_columns(year: int, measures=MEASURES, domains=DOMAINS) -> dict[str, str]:
    return {f"{d}_{m}": _official(d, m) for d in domains for m in measures}


def _imd_layouts(dataset: str, year: int, edition: str) -> list[Layout]:
    code = {"lsoa_code": lit(f"LSOA code ({year})")}
    core = {"imd_rank": _official("imd", "rank"), "imd_decile": _official("imd", "decile")}
    return [
        Layout(
            dataset,
            f"{edition} File 7 (all ranks, scores, deciles)",
            {**code, **core, "imd_score": _official("imd", "score"), "income_score": _official("income", "score")},
            optional=_official_columns(year),
            vintage=edition,
        ),
        Layout(
            dataset,
            f"{edition} File 2 (domains)",
            {**code, **core, "income_rank": _official("income", "rank")},
            optional=_official_columns(year),
            vintage=edition,
        ),
        Layout(dataset, f"{edition} File 1 (IMD)", {**code, **core}, vintage=edition),
    ]


register(
    *_imd_layouts("imd2025", 2021, "IoD2025"),
    Layout(
        "imd2025",
        "IoD2025 scores, ranks, deciles (humaniverse/IMD)",
        {"lsoa_code": r"lsoa21_code", "imd_decile": "imd_decile", "imd_rank": "imd_rank"},
        optional={f"{d}_{m}": f"{DOMAINS[d][1]}_{m}" for d in DOMAINS for m in MEASURES},
        vintage="IoD2025",
    ),
    title="English Indices of Deprivation 2025 (MHCLG)",
)
register(*_imd_layouts("imd2019", 2011, "IoD2019"), title="English Indices of Deprivation 2019 (MHCLG)")

# Snake-case copies of File 8 (indicators) and the sub-domains; the official files get the same names.
register(
    Layout(
        "iod2025_indicators",
        "IoD2025 File 8 (underlying indicators)",
        {
            "lsoa_code": r"lsoa21_code|lsoa code \(2021\)",
            "acute_morbidity_indicator": r"acute[ _]morbidity[ _]indicator",
        },
        vintage="IoD2025",
    ),
    title="English Indices of Deprivation 2025, underlying indicators (MHCLG)",
)
register(
    Layout(
        "iod2025_subdomains",
        "IoD2025 sub-domains",
        {
            "lsoa_code": r"lsoa21_code|lsoa code \(2021\)",
            "children_and_young_people_score": r"children[ _]and[ _]young[ _]people([ _]sub-domain)?[ _]score.*",
            "geographical_barriers_score": r"geographical[ _]barriers([ _]sub-domain)?[ _]score.*",
        },
        vintage="IoD2025",
    ),
    title="English Indices of Deprivation 2025, sub-domains (MHCLG)",
)


def _read_imd(path: str | Path, dataset: str) -> pd.DataFrame:
    s, lay, cols = resolve(path, dataset)
    df = read_table(s, list(dict.fromkeys(cols.values())))
    code = cols["lsoa_code"]
    codes = df[code].astype("str").str.strip()
    check_lsoa_codes(codes, file=s.path, column=code)
    check_unique(codes, file=s.path, column=code, what="LSOA")
    out = pd.DataFrame({"lsoa_code": codes})
    for name in IMD_COLUMNS[1:]:
        if name not in cols:
            out[name] = np.nan
            continue
        values = parse_numbers(df[cols[name]], file=s.path, column=cols[name])
        if not name.endswith("_score") and (values < 1).any():
            i = int(np.flatnonzero((values < 1).to_numpy())[0])
            raise DataError(
                f"{df[cols[name]].iloc[i]!r} is not a rank or decile",
                file=s.path,
                row=i + 1,
                column=cols[name],
                expected="1 or more (1 is most deprived)",
            )
        out[name] = values
    deciles = out["imd_decile"]
    if (deciles > 10).any():
        i = int(np.flatnonzero((deciles > 10).to_numpy())[0])
        raise DataError(
            f"decile {deciles.iloc[i]:g} is above 10",
            file=s.path,
            row=i + 1,
            column=cols["imd_decile"],
            expected="a decile from 1 to 10",
        )
    lsoa_vintage = 2021 if dataset == "imd2025" else 2011
    return finish(out, s, lay, cols, IMD_COLUMNS, lsoa_vintage=lsoa_vintage)


def read_imd2025(path: str | Path) -> pd.DataFrame:
    """Read IMD 2025 on LSOA 2021 (official File 1, 2 or 7, or the humaniverse copy).

    Examples
    --------
    >>> imd = read_imd2025("iod2025_lsoa21_scores_ranks_deciles.csv")  # doctest: +SKIP
    >>> imd.imd_decile.value_counts().sort_index().tolist()[:2]  # doctest: +SKIP
    [3376, 3376]
    """
    return _read_imd(path, "imd2025")


def read_imd2019(path: str | Path) -> pd.DataFrame:
    """Read IMD 2019 on LSOA 2011 (official File 1, 2 or 7); scores are NaN where the layout has none.

    Examples
    --------
    >>> read_imd2019("imd2019_file2_domains.csv").attrs["lsoa_vintage"]  # doctest: +SKIP
    2011
    """
    return _read_imd(path, "imd2019")


def snake(name: str) -> str:
    """Snake-case a published header ("Acute morbidity indicator" -> "acute_morbidity_indicator").

    Examples
    --------
    >>> snake("Violence with injury: rate per 1,000 at-risk population")
    'violence_with_injury_rate_per_1_000_at_risk_population'
    """
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")


def _read_wide(path: str | Path, dataset: str) -> pd.DataFrame:
    s, lay, cols = resolve(path, dataset)
    df = read_table(s, s.columns)
    code = cols["lsoa_code"]
    codes = df[code].astype("str").str.strip()
    check_lsoa_codes(codes, file=s.path, column=code)
    check_unique(codes, file=s.path, column=code, what="LSOA")
    out = {"lsoa_code": codes}
    skip = re.compile(r"lsoa|local authority|lad\d\d", re.I)
    for column in s.columns:
        if column == code or skip.match(column):
            continue
        out[snake(column)] = parse_numbers(df[column], file=s.path, column=column, allow_blank=True)
    frame = pd.DataFrame(out)
    return finish(frame, s, lay, cols, list(frame.columns), lsoa_vintage=2021)


def read_iod2025_indicators(path: str | Path) -> pd.DataFrame:
    """Read IoD2025 File 8 underlying indicators: ``lsoa_code, acute_morbidity_indicator, ...`` (snake_case).

    Examples
    --------
    >>> read_iod2025_indicators("iod2025_lsoa21_underlying_indicators.csv").acute_morbidity_indicator.dtype  # doctest: +SKIP
    dtype('float64')
    """
    return _read_wide(path, "iod2025_indicators")


def read_iod2025_subdomains(path: str | Path) -> pd.DataFrame:
    """Read IoD2025 sub-domains: ``lsoa_code`` and ``<sub_domain>_{score,rank,decile}`` (snake_case).

    Examples
    --------
    >>> read_iod2025_subdomains("iod2025_lsoa21_subdomains.csv").columns[1]  # doctest: +SKIP
    'children_and_young_people_score'
    """
    return _read_wide(path, "iod2025_subdomains")
