"""Residents of Demoshire: Census 2021 age bands (LSOA 2021), mid-2020 single years of age (LSOA 2011) and RUC21.

Every LSOA has 1,400 to 1,800 usual residents (as ONS designs them), about 320,000 in all. The city is young, the
market towns middle-aged and the rural district old, so age-standardised figures differ from crude ones. The
mid-2020 estimates are drawn a year earlier than the census (a little smaller) and then carried to LSOA 2011:
split pairs are summed into their 2011 parent, merged LSOAs are shared between their two 2011 halves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.demo.lsoas import Geography

CENSUS_BANDS = [
    "Aged 15 years and under",
    "Aged 16 to 24 years",
    "Aged 25 to 34 years",
    "Aged 35 to 49 years",
    "Aged 50 to 64 years",
    "Aged 65 years and over",
]
#: Share of residents in each census band, by district: why the city's rates need standardising.
AGE_PROFILE = {
    "city": [0.21, 0.15, 0.17, 0.19, 0.15, 0.13],
    "towns": [0.18, 0.10, 0.12, 0.18, 0.20, 0.22],
    "rural": [0.15, 0.08, 0.09, 0.17, 0.23, 0.28],
}
BAND_YEARS = [(0, 16), (16, 25), (25, 35), (35, 50), (50, 65), (65, 91)]  # 90 stands for "90+"
SYA_COLUMNS = [str(a) for a in range(90)] + ["90+"]
RUC_CLASSES = {
    "UN1": "Urban: Nearer to a major town or city",
    "UF1": "Urban: Further from a major town or city",
    "RLN1": "Larger rural: Nearer to a major town or city",
    "RLF1": "Larger rural: Further from a major town or city",
    "RSN1": "Smaller rural: Nearer to a major town or city",
    "RSF1": "Smaller rural: Further from a major town or city",
}


@dataclass
class Population:
    """Resident counts of the demo region.

    Attributes
    ----------
    census
        Index ``lsoa21_code``; ``usual_residents_total`` and the six :data:`CENSUS_BANDS`.
    sya2020
        Index ``lsoa11_code``; ``total_population`` and :data:`SYA_COLUMNS`.
    ruc
        Index ``lsoa21_code``; ``ruc21_code`` (a key of :data:`RUC_CLASSES`).
    """

    census: pd.DataFrame
    sya2020: pd.DataFrame
    ruc: pd.Series


def build_population(geo: Geography, seed: int = 1) -> Population:
    """Draw residents for every LSOA of ``geo``.

    Examples
    --------
    >>> from geo.demo.lsoas import build_geography
    >>> pop = build_population(build_geography(1), 1)
    >>> bool(300_000 < pop.census.usual_residents_total.sum() < 340_000)
    True
    >>> bool((pop.census[CENSUS_BANDS].sum(axis=1) == pop.census.usual_residents_total).all())
    True
    """
    rng = np.random.default_rng([seed, 2])
    lsoas = geo.lsoa21
    totals = rng.integers(1_420, 1_781, len(lsoas))
    bands = np.zeros((len(lsoas), 6), dtype=int)
    for i, district in enumerate(lsoas.district):
        shares = rng.dirichlet(np.array(AGE_PROFILE[district]) * 120)
        bands[i] = rng.multinomial(totals[i], shares)
    census = pd.DataFrame(bands, columns=CENSUS_BANDS, index=lsoas.index)
    census.insert(0, "usual_residents_total", bands.sum(axis=1))

    sya21 = np.vstack([_single_years(row, rng) for row in bands])
    sya21 = pd.DataFrame(sya21, columns=SYA_COLUMNS, index=lsoas.index)
    sya2020 = _to_lsoa11(sya21, geo, rng)
    sya2020.insert(0, "total_population", sya2020.sum(axis=1))
    return Population(census=census, sya2020=sya2020, ruc=_ruc(geo, rng))


def _single_years(bands: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Spread one LSOA's census bands over single years as of mid-2020 (about 1.5% fewer people)."""
    years = np.zeros(91, dtype=int)
    for count, (lo, hi) in zip(bands, BAND_YEARS):
        ages = np.arange(lo, hi)
        # Numbers fall with age past 65; the last cell gathers everyone 90 and over, as ONS publishes it.
        weights = np.exp(-0.07 * np.clip(ages - 65, 0, None))
        if hi == 91:
            weights[-1] = 3 * weights[-2]
        years[lo:hi] = rng.multinomial(rng.binomial(count, 0.985), weights / weights.sum())
    return years


def _to_lsoa11(sya21: pd.DataFrame, geo: Geography, rng: np.random.Generator) -> pd.DataFrame:
    """Carry counts on LSOA 2021 to LSOA 2011: sum into split parents, share merged LSOAs between halves."""
    out = pd.DataFrame(0, index=geo.lsoa11.index, columns=sya21.columns)
    for code21, rows in geo.changes.groupby("lsoa21_code", sort=True):
        counts = sya21.loc[code21].to_numpy()
        if len(rows) == 1:
            out.loc[rows.lsoa11_code.iloc[0]] += counts
            continue
        first = rng.binomial(counts, rows.share.iloc[0])  # each person lived in one of the two 2011 halves
        out.loc[rows.lsoa11_code.iloc[0]] += first
        out.loc[rows.lsoa11_code.iloc[1]] += counts - first
    return out


def _ruc(geo: Geography, rng: np.random.Generator) -> pd.Series:
    """Rural-urban class: the city is urban; towns are urban near their centres; the rest is rural."""
    area_km2 = geo.lsoa21.geometry.area / 1e6
    codes = []
    for district, area in zip(geo.lsoa21.district, area_km2):
        if district == "city":
            codes.append("UN1")
        elif area < 3:
            codes.append("UN1" if district == "towns" else "UF1")
        elif area < 8:
            codes.append(str(rng.choice(["RLN1", "RLF1"])) if district == "towns" else "RLF1")
        else:
            codes.append("RSN1" if district == "towns" else "RSF1")
    return pd.Series(codes, index=geo.lsoa21.index, name="ruc21_code")
