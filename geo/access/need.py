"""The need layer and a transparent need index per neighbourhood ("least healthy life first").

Indicators per LSOA (higher = more need for each)
-------------------------------------------------
- ``years_of_potential_life_lost`` and ``illness_disability_ratio`` (comparative illness and disability ratio):
  IoD2025 health-domain indicators, used together as a **proxy for healthy life** (``health_proxy``). They are
  not healthy life expectancy and are never called so.
- ``patient_to_gp_ratio``: IoD2025 File 8 (patients per GP FTE around the LSOA).
- ``core20``: 1 when the LSOA is in national IMD quintile 1 (so its neighbourhood mean is the Core20 share).
- ``aged_65_plus``: share of residents aged 65 and over (Census 2021). The atlas's oldest age band is 65+; no
  75+ band exists, so 65+ stands in for it.
- ``qof_ltc``: QOF 2024-25 long-term-condition prevalence summed over :data:`LTC_REGISTERS` (% of each
  register's denominator), of the practices where the LSOA's residents are registered, weighted by their
  registrations (an estimate: QOF is published per practice). Left out when the atlas has no QOF.

The index
---------
For each indicator *i* with values *x_li* on LSOAs *l* of population *p_l* (residents), the study area's
population-weighted mean *m_i* = Σ p_l x_li / Σ p_l and standard deviation *s_i* = √(Σ p_l (x_li − m_i)² / Σ p_l)
give *z_li* = (x_li − m_i) / s_i (0 when s_i = 0). An LSOA's **need score** is the mean of its available *z_li*;
a neighbourhood's (or a catchment's) **need index** is the population-weighted mean of its LSOAs' need scores, so
0 is the area's average and +1 is one standard deviation more need. The **health proxy** is the same with the two
health-domain indicators only; "least healthy life first" ranks neighbourhoods by it, highest first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo import disclosure
from geo.access import sources

LTC_REGISTERS = ["AF", "AST", "CHD", "CKD", "COPD", "DEM", "DM", "EP", "HF", "HYP", "PAD", "RA", "STIA"]
HEALTH = ["years_of_potential_life_lost", "illness_disability_ratio"]
INDICATORS = {
    "years_of_potential_life_lost": "Years of potential life lost (IoD2025 health domain; proxy for healthy life)",
    "illness_disability_ratio": "Comparative illness and disability ratio (IoD2025 health domain; proxy for healthy life)",
    "patient_to_gp_ratio": "Patients per GP (IoD2025 File 8)",
    "core20": "Core20: share of residents in national IMD quintile 1",
    "aged_65_plus": "Share of residents aged 65+ (Census 2021; oldest band available, no 75+ band)",
    "qof_ltc": f"QOF 2024-25 long-term conditions, prevalence summed over {len(LTC_REGISTERS)} registers (%, estimate)",
}
IOD = {
    "years_of_potential_life_lost": "years_of_potential_life_lost_indicator",
    "illness_disability_ratio": "comparative_illness_and_disability_ratio_indicator",
    "patient_to_gp_ratio": "patient_to_gp_ratio",
}
FORMULA = (
    "z = (x - m) / s per indicator, with m and s the study area's population-weighted mean and standard "
    "deviation over LSOAs; LSOA need score = mean of its z; need index = population-weighted mean of the "
    "need scores of a neighbourhood's LSOAs (0 = area average, higher = more need); health proxy = the same "
    "over years of potential life lost and the comparative illness and disability ratio only"
)


def qof_by_lsoa(atlas) -> pd.Series:
    """LTC prevalence (%) summed over :data:`LTC_REGISTERS`, per LSOA via where its residents are registered.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> bool(qof_by_lsoa(grid_atlas(2, 1)).isna().all())  # no QOF in the synthetic atlas
    True
    """
    qof = atlas.qof
    qof = qof[qof.register.isin(LTC_REGISTERS) & (qof.list_size > 0)]
    if qof.empty:
        return pd.Series(np.nan, index=atlas.lsoas.index)
    prevalence = (100.0 * qof.patients / qof.list_size).groupby(qof.practice_code).sum()
    reg = atlas.registrations
    reg = reg[reg.practice_code.isin(prevalence.index) & (reg.patients > 0)]
    value = reg.patients * prevalence.reindex(reg.practice_code).to_numpy()
    sums = pd.DataFrame({"lsoa_code": reg.lsoa_code, "v": value, "w": reg.patients}).groupby("lsoa_code").sum()
    return (sums.v / sums.w).reindex(atlas.lsoas.index)


def zscores(values: pd.DataFrame, population: np.ndarray) -> pd.DataFrame:
    """Population-weighted z-scores of each column over the rows with a value (NaN stays NaN).

    Examples
    --------
    >>> zscores(pd.DataFrame({"a": [1.0, 3.0]}), np.array([1.0, 1.0])).a.tolist()
    [-1.0, 1.0]
    """
    out = {}
    for column in values.columns:
        x = values[column].to_numpy(dtype=float)
        known = np.isfinite(x) & (population > 0)
        if not known.any():
            out[column] = np.full(len(x), np.nan)
            continue
        m = np.average(x[known], weights=population[known])
        s = np.sqrt(np.average((x[known] - m) ** 2, weights=population[known]))
        out[column] = (x - m) / s if s > 0 else np.where(np.isfinite(x), 0.0, np.nan)
    return pd.DataFrame(out, index=values.index)


def need_layer(atlas, data_dir=None, *, indicators: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return the need indicators, their z-scores (``z_<name>``), ``need_score`` and ``health_score`` per LSOA.

    Parameters
    ----------
    atlas
        The study area's atlas.
    data_dir
        Folder of official files (IoD2025 File 8), default ``NHP_DATA_DIR``.
    indicators
        The indicator values themselves (index LSOA code), instead of reading them: for tests and what-ifs.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> atlas = grid_atlas(2, 1, population=np.array([100, 300]))
    >>> layer = need_layer(atlas, indicators=pd.DataFrame({"core20": [1.0, 0.0]}, index=atlas.lsoas.index))
    >>> layer.need_score.round(3).tolist()  # m = 0.25, s = sqrt(0.1875)
    [1.732, -0.577]
    """
    lsoas = atlas.lsoas
    population = lsoas.resident_population.to_numpy(dtype=float)
    iod_source = None
    if indicators is None:
        catalogue = sources.catalogue_for(sources.data_folder(atlas, data_dir))
        iod, iod_source = sources.iod_indicators(atlas, catalogue, list(IOD.values()))
        indicators = pd.DataFrame({name: iod[column].to_numpy() for name, column in IOD.items()}, index=lsoas.index)
        indicators["core20"] = (lsoas.imd_quintile == 1).astype(float).where(lsoas.imd_quintile.notna())
        with np.errstate(invalid="ignore", divide="ignore"):
            indicators["aged_65_plus"] = lsoas.age_65_plus.astype(float) / lsoas.resident_population.astype(float)
        indicators["qof_ltc"] = qof_by_lsoa(atlas)
    indicators = indicators.reindex(lsoas.index).astype(float).dropna(axis=1, how="all")
    z = zscores(indicators, population)
    layer = indicators.copy()
    for column in z.columns:
        layer[f"z_{column}"] = z[column]
    layer["need_score"] = z.mean(axis=1, skipna=True)
    health = [c for c in HEALTH if c in z.columns]
    layer["health_score"] = z[health].mean(axis=1, skipna=True) if health else np.nan
    layer.attrs["notes"] = {
        "formula": FORMULA,
        "indicators": {c: INDICATORS.get(c, c) for c in indicators.columns},
        "iod": iod_source,
        "left_out": [c for c in INDICATORS if c not in indicators.columns],
    }
    return layer


def summarise(layer: pd.DataFrame, keys: pd.Series, population: pd.Series) -> pd.DataFrame:
    """Population-weighted means of the indicators and scores of ``layer`` per group of ``keys`` (one row per key).

    ``need_index`` and ``health_proxy`` are the group means of ``need_score`` and ``health_score``; ``core20`` and
    ``aged_65_plus`` become whole percents (``core20_pct``, ``aged_65_plus_pct``) through
    :func:`geo.disclosure.publish_share`.
    """
    columns = [c for c in layer.columns if not c.startswith("z_") and layer[c].dtype.kind == "f"]
    w = population.reindex(layer.index).to_numpy(dtype=float)
    rows = {}
    for key, idx in keys.reindex(layer.index).groupby(keys.reindex(layer.index), sort=False).groups.items():
        m = layer.index.get_indexer(idx)
        row = {}
        for column in columns:
            v = layer[column].to_numpy(dtype=float)[m]
            known = np.isfinite(v) & (w[m] > 0)
            row[column] = float(np.average(v[known], weights=w[m][known])) if known.any() else float("nan")
        for share in ("core20", "aged_65_plus"):
            if share in row:
                v = layer[share].to_numpy(dtype=float)[m]
                known = np.isfinite(v)
                part, whole = float((v[known] * w[m][known]).sum()), float(w[m][known].sum())
                row[f"{share}_pct"] = disclosure.publish_share(part, whole)
                del row[share]
        rows[key] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    return table.rename(columns={"need_score": "need_index", "health_score": "health_proxy"})


def need_by_neighbourhood(plan, layer: pd.DataFrame | None = None, *, data_dir=None) -> pd.DataFrame:
    """Return the need figures per neighbourhood, its ``need_rank`` (1 = most need) and ``healthy_life_rank``
    (1 = least healthy life by the health proxy), sorted least healthy life first.

    Examples
    --------
    >>> from geo.plan import Plan
    >>> from geo.testing import grid_atlas
    >>> atlas = grid_atlas(3, 1)
    >>> ind = pd.DataFrame({"years_of_potential_life_lost": [40.0, 60.0, 80.0]}, index=atlas.lsoas.index)
    >>> plan = Plan(atlas, {"G0000": "A", "G0001": "B", "G0002": "B"})
    >>> table = need_by_neighbourhood(plan, need_layer(atlas, indicators=ind))
    >>> table.index.tolist(), table.healthy_life_rank.tolist()
    (['B', 'A'], [1, 2])
    """
    atlas = plan.atlas
    layer = need_layer(atlas, data_dir) if layer is None else layer
    table = summarise(layer, plan.assignment, atlas.lsoas.resident_population)
    table = table.reindex(plan.neighbourhoods).rename_axis("neighbourhood")
    table["need_rank"] = table.need_index.rank(ascending=False, method="min").astype("Int64")
    table["healthy_life_rank"] = table.health_proxy.rank(ascending=False, method="min").astype("Int64")
    table = table.sort_values(["healthy_life_rank", "need_rank"], kind="stable", na_position="last")
    table.attrs["notes"] = layer.attrs.get("notes", {})
    return table
