"""Synthetic UEC extracts with planted hotspot clusters, for tests and the demo (never real patients).

Attendances are drawn as Poisson counts from illustrative age-specific annual rates (roughly the shape of
England's A&E use: high in young children's and young adults' bands and in the over-65s), times a mild random
LSOA effect so that a null map is not perfectly flat, times ``relative_risk`` in each planted cluster (a centre
LSOA and its contiguity neighbours).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from geo.atlas.model import AGE_BANDS, AGE_BAND_LABELS

#: Illustrative annual attendances per person by age band (England is about 0.4 per person per year).
BASE_RATES = {
    "age_0_15": 0.38,
    "age_16_24": 0.43,
    "age_25_34": 0.37,
    "age_35_49": 0.30,
    "age_50_64": 0.28,
    "age_65_plus": 0.45,
}
_DEPARTMENT_SHARES = {"1": 0.70, "3": 0.25, "2": 0.05}


def planted_lsoas(atlas, hotspots) -> list[str]:
    """Return the LSOAs of the planted clusters: each centre and its neighbours.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> sorted(planted_lsoas(grid_atlas(3, 3), ["G0000"]))
    ['G0000', 'G0001', 'G0003', 'G0004']
    """
    cluster: set[str] = set()
    for centre in hotspots:
        cluster |= {centre, *atlas.neighbours[centre]}
    return sorted(cluster)


def synthetic_extract(
    atlas,
    seed: int = 0,
    hotspots=(),
    relative_risk: float = 2.5,
    patient_level: bool = False,
    months: int = 12,
    end_month: str = "2025-07",
    lsoa_effect_sd: float = 0.05,
    rate_scale: float = 1.0,
) -> pd.DataFrame:
    """Return a synthetic UEC extract for the atlas's LSOAs with hotspot clusters planted.

    Parameters
    ----------
    atlas
        The study area (its age bands give the populations at risk).
    seed
        Random seed; the same seed gives the same extract.
    hotspots
        Centre LSOA codes of the planted clusters.
    relative_risk
        Rate multiplier inside the clusters.
    patient_level
        One row per attendance (``lsoa_code, arrival_date, age, department_type``) instead of aggregates
        (``lsoa_code, month, age_band, department_type, attendances``).
    months
        Months covered, ending at ``end_month``.
    lsoa_effect_sd
        SD of the log-normal background variation between LSOAs.
    rate_scale
        Multiplies the base rates (use a small value to plant small counts).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> extract = synthetic_extract(grid_atlas(3, 3), seed=1, hotspots=["G0004"])
    >>> list(extract.columns)
    ['lsoa_code', 'month', 'age_band', 'department_type', 'attendances']
    >>> extract.month.nunique(), bool(extract.attendances.sum() > 4000)
    (12, True)
    """
    rng = np.random.default_rng(seed)
    lsoas = atlas.lsoas
    risk = np.exp(rng.normal(0.0, lsoa_effect_sd, len(lsoas)))
    risk[lsoas.index.isin(planted_lsoas(atlas, hotspots))] *= relative_risk
    month_list = pd.period_range(end=pd.Period(end_month, "M"), periods=months, freq="M")
    rates = np.array([BASE_RATES[b] for b in AGE_BANDS]) * rate_scale / 12.0
    mean = lsoas[AGE_BANDS].to_numpy(float) * rates * risk[:, None]  # LSOA x band, per month
    departments = list(_DEPARTMENT_SHARES)
    shares = np.array(list(_DEPARTMENT_SHARES.values()))
    # counts[lsoa, month, band, department]
    counts = rng.poisson(mean[:, None, :, None] * shares[None, None, None, :], size=(len(lsoas), months, 6, 3))
    l_idx, m_idx, b_idx, d_idx = np.nonzero(counts)
    values = counts[l_idx, m_idx, b_idx, d_idx]
    if not patient_level:
        return pd.DataFrame(
            {
                "lsoa_code": lsoas.index.to_numpy()[l_idx],
                "month": [str(month_list[m]) for m in m_idx],
                "age_band": [AGE_BAND_LABELS[AGE_BANDS[b]] for b in b_idx],
                "department_type": [departments[d] for d in d_idx],
                "attendances": values.astype(int),
            }
        )
    repeat = np.repeat(np.arange(len(values)), values)
    lows, highs = np.array([0, 16, 25, 35, 50, 65]), np.array([16, 25, 35, 50, 65, 95])
    band = b_idx[repeat]
    starts = np.array([month_list[m].start_time for m in m_idx[repeat]], dtype="datetime64[D]")
    days = rng.integers(0, 28, len(repeat))
    return pd.DataFrame(
        {
            "lsoa_code": lsoas.index.to_numpy()[l_idx[repeat]],
            "arrival_date": pd.to_datetime(starts + days.astype("timedelta64[D]")).strftime("%Y-%m-%d"),
            "age": rng.integers(lows[band], highs[band]),
            "department_type": [departments[d] for d in d_idx[repeat]],
        }
    )


def write_extract(extract: pd.DataFrame, path: str | Path) -> Path:
    """Write an extract to ``.csv`` or ``.xlsx`` (chosen by the extension) and return the path.

    Examples
    --------
    >>> import tempfile, os
    >>> from geo.testing import grid_atlas
    >>> out = write_extract(synthetic_extract(grid_atlas(2, 2)), os.path.join(tempfile.mkdtemp(), "x.csv"))
    >>> out.suffix
    '.csv'
    """
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        extract.to_excel(path, index=False)
    else:
        extract.to_csv(path, index=False)
    return path
