"""Readers for resident population by LSOA: Census 2021, ONS mid-2020 estimates, IoD population denominators.

Census 2021 (LSOA 2021) and the ONS mid-2020 single-year estimates (LSOA 2011) come out in the planner's six age
bands (``age_0_15 ... age_65_plus``), the estimates by summing single years of age. The IoD denominators
(mid-2015 for IoD2019, mid-2022 for IoD2025 File 7) keep their own bands, which do not nest in ours.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from geo.contract import AGE_BANDS
from geo.errors import DataError
from geo.sources.io import read_table
from geo.sources.layouts import Layout, finish, register, resolve
from geo.sources.validate import check_lsoa_codes, check_unique, parse_numbers

POPULATION_COLUMNS = ["lsoa_code", "lsoa_name", "population", *AGE_BANDS]
DENOMINATOR_COLUMNS = ["lsoa_code", "population", "age_0_15", "age_16_59", "age_60_plus", "working_age"]
# First and last single year of age in each band; 90 stands for "90+".
BAND_YEARS = {
    "age_0_15": (0, 15),
    "age_16_24": (16, 24),
    "age_25_34": (25, 34),
    "age_35_49": (35, 49),
    "age_50_64": (50, 64),
    "age_65_plus": (65, 90),
}

register(
    Layout(
        "population_census2021",
        "Census 2021 usual residents, 6 age bands",
        {
            "lsoa_code": r"lsoa21_?(code|cd)|lsoa code \(2021\)",
            "lsoa_name": r"lsoa21_?(name|nm)|lsoa name \(2021\)",
            "population": r"usual_residents_total|total: all usual residents|all usual residents",
            "age_0_15": r"aged 15 years and under",
            "age_16_24": r"aged 16 to 24 years",
            "age_25_34": r"aged 25 to 34 years",
            "age_35_49": r"aged 35 to 49 years",
            "age_50_64": r"aged 50 to 64 years",
            "age_65_plus": r"aged 65 years and over",
        },
        vintage="Census 2021",
    ),
    title="ONS Census 2021 usual residents by age",
)
register(
    Layout(
        "population_mid2020",
        "ONS SAPE mid-2020 single year of age (LSOA 2011)",
        {
            "lsoa_code": r"lsoa11_code|lsoa code",
            "lsoa_name": r"lsoa11_name|lsoa name",
            "population": r"total_population|all ages",
            "first_age": "0",
            "last_age": r"90\+",
        },
        vintage="mid-2020",
    ),
    title="ONS LSOA mid-2020 population estimates (single year of age)",
)


def _denominators(dataset: str, year: int, mid: int, edition: str) -> Layout:
    return Layout(
        dataset,
        f"{edition} population denominators (mid-{mid})",
        {
            "lsoa_code": rf"lsoa code \({year}\)",
            "population": rf"total population: mid {mid}.*",
            "age_0_15": rf"dependent children aged 0-15: mid {mid}.*",
            "age_16_59": rf"population aged 16-59: mid {mid}.*",
            "age_60_plus": rf"older population aged 60 and over: mid {mid}.*",
            "working_age": r"working age population.*",
        },
        vintage=f"mid-{mid}",
    )


register(
    _denominators("population_iod2019", 2011, 2015, "IoD2019"),
    title="English Indices of Deprivation 2019, population denominators (mid-2015)",
)
register(
    _denominators("population_iod2025", 2021, 2022, "IoD2025"),
    title="English Indices of Deprivation 2025, population denominators (mid-2022)",
)


def _codes(df: pd.DataFrame, column: str, file) -> pd.Series:
    codes = df[column].astype("str").str.strip()
    check_lsoa_codes(codes, file=file, column=column)
    check_unique(codes, file=file, column=column, what="LSOA")
    return codes


def _check_total(out: pd.DataFrame, bands: list[str], file, column: str) -> None:
    # A total that disagrees with its bands means columns were shifted or mislabelled.
    gap = (out[bands].sum(axis=1) - out["population"]).abs() > 0.5
    if gap.any():
        i = int(np.flatnonzero(gap.to_numpy())[0])
        raise DataError(
            f"total {out.population.iloc[i]:g} is not the sum of the age bands ({out[bands].iloc[i].sum():g})",
            file=file,
            row=i + 1,
            column=column,
            expected="the total to equal the sum of the age columns",
        )


def read_population_census2021(path: str | Path) -> pd.DataFrame:
    """Read Census 2021 usual residents as ``lsoa_code, lsoa_name, population, age_0_15 ... age_65_plus``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "c.csv"
    >>> _ = p.write_text("lsoa21_code,lsoa21_name,usual_residents_total,Aged 15 years and under,Aged 16 to 24 years,"
    ...     "Aged 25 to 34 years,Aged 35 to 49 years,Aged 50 to 64 years,Aged 65 years and over\\n"
    ...     "E01000001,City of London 001A,1477,125,110,291,336,245,370\\n")
    >>> read_population_census2021(p).population.tolist()
    [1477]
    """
    s, lay, cols = resolve(path, "population_census2021")
    df = read_table(s, list(cols.values()))
    out = pd.DataFrame({"lsoa_code": _codes(df, cols["lsoa_code"], s.path), "lsoa_name": df[cols["lsoa_name"]]})
    for name in ["population", *AGE_BANDS]:
        out[name] = parse_numbers(df[cols[name]], file=s.path, column=cols[name], count=True).astype("int64")
    _check_total(out, AGE_BANDS, s.path, cols["population"])
    return finish(out, s, lay, cols, POPULATION_COLUMNS, lsoa_vintage=2021)


def read_population_mid2020(path: str | Path) -> pd.DataFrame:
    """Read ONS mid-2020 single-year estimates (LSOA 2011), summed into the six planner age bands.

    Examples
    --------
    >>> pop = read_population_mid2020("ons_mye2020_lsoa11_sya.csv")  # doctest: +SKIP
    >>> int(pop[pop.lsoa_code.str.startswith("E")].population.sum())  # doctest: +SKIP
    56550138
    """
    s, lay, cols = resolve(path, "population_mid2020")
    ages = {c: (90 if c.strip() == "90+" else int(c)) for c in s.columns if re.fullmatch(r"\d+|90\+", c.strip())}
    if sorted(ages.values()) != list(range(91)):
        absent = sorted(set(range(91)) - set(ages.values()))
        raise DataError(
            f"single-year age columns missing: {absent[:5]}", file=s.path, row=0, expected="columns 0, 1, ... 89, 90+"
        )
    df = read_table(s, [cols["lsoa_code"], cols["lsoa_name"], cols["population"], *ages])
    out = pd.DataFrame({"lsoa_code": _codes(df, cols["lsoa_code"], s.path), "lsoa_name": df[cols["lsoa_name"]]})
    out["population"] = parse_numbers(df[cols["population"]], file=s.path, column=cols["population"], count=True)
    single = {c: parse_numbers(df[c], file=s.path, column=c, count=True) for c in ages}
    for band, (lo, hi) in BAND_YEARS.items():
        out[band] = sum(v for c, v in single.items() if lo <= ages[c] <= hi)
    _check_total(out, AGE_BANDS, s.path, cols["population"])
    out[["population", *AGE_BANDS]] = out[["population", *AGE_BANDS]].astype("int64")
    return finish(out, s, lay, cols, POPULATION_COLUMNS, lsoa_vintage=2011)


def _read_denominators(path: str | Path, dataset: str, lsoa_vintage: int) -> pd.DataFrame:
    s, lay, cols = resolve(path, dataset)
    df = read_table(s, list(cols.values()))
    out = pd.DataFrame({"lsoa_code": _codes(df, cols["lsoa_code"], s.path)})
    for name in DENOMINATOR_COLUMNS[1:]:
        out[name] = parse_numbers(df[cols[name]], file=s.path, column=cols[name], count=True).astype("int64")
    _check_total(out, ["age_0_15", "age_16_59", "age_60_plus"], s.path, cols["population"])
    return finish(out, s, lay, cols, DENOMINATOR_COLUMNS, lsoa_vintage=lsoa_vintage)


def read_population_iod2019(path: str | Path) -> pd.DataFrame:
    """Read IoD2019 File 6 (or File 7) mid-2015 denominators: ``lsoa_code, population, age_0_15, age_16_59,
    age_60_plus, working_age`` (thousands separators such as "1,296" are parsed).

    Examples
    --------
    >>> read_population_iod2019("imd2019_file6_population.csv").population.iloc[0]  # doctest: +SKIP
    1296
    """
    return _read_denominators(path, "population_iod2019", 2011)


def read_population_iod2025(path: str | Path) -> pd.DataFrame:
    """Read IoD2025 File 7 mid-2022 denominators, same columns as :func:`read_population_iod2019`.

    Examples
    --------
    >>> read_population_iod2025("File_7_IoD2025.csv").attrs["vintage"]  # doctest: +SKIP
    'mid-2022'
    """
    return _read_denominators(path, "population_iod2025", 2021)
