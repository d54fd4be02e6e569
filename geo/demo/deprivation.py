"""Deprivation of Demoshire: IoD2025 scores, ranks and deciles, File 8 indicators, and IMD2019 on LSOA 2011.

Each LSOA gets a latent deprivation value: a district level (the city most deprived, the rural district least),
plus spatially smoothed noise, so deprived LSOAs cluster as they do in real places and the hotspot statistics
have something to find. Domain and IMD scores follow from it through reference distributions shaped like the
national ones (lognormal or normal, fitted by eye to the published quartiles), and national ranks are where a
score would fall among England's 33,755 LSOAs (32,844 for the 2011 geography), with deciles that agree with them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from geo.demo.lsoas import Geography
from geo.demo.population import Population

N_LSOA21 = 33_755
N_LSOA11 = 32_844
LEVEL = {"city": 0.75, "towns": 0.0, "rural": -0.55}
#: domain -> (reference distribution of the national score, weight on the latent value)
DOMAINS = {
    "IMD": (stats.lognorm(s=0.83, scale=17.45), 1.0),
    "Income": (stats.lognorm(s=0.83, scale=0.184), 0.95),
    "Employment": (stats.lognorm(s=0.68, scale=0.110), 0.9),
    "Education": (stats.lognorm(s=1.05, scale=16.5), 0.85),
    "Health": (stats.norm(0, 0.885), 0.85),
    "Crime": (stats.norm(0, 0.837), 0.7),
    "Housing_and_Services": (stats.lognorm(s=0.50, scale=20.1), -0.3),  # barriers are worst in the countryside
    "Environment": (stats.lognorm(s=0.97, scale=17.8), 0.4),
}
#: Upper limits of the published scores (rates and percentages cannot pass them).
CAPS = {"IMD": 94.0, "Income": 0.95, "Employment": 0.9, "Education": 99.0}


def latent(geo: Geography, seed: int = 1) -> pd.Series:
    """Latent deprivation (about standard normal nationally) of every LSOA 2021.

    Examples
    --------
    >>> from geo.demo.lsoas import build_geography
    >>> geo = build_geography(1)
    >>> z = latent(geo, 1)
    >>> bool(z[geo.lsoa21.district == "city"].mean() > z[geo.lsoa21.district == "rural"].mean())
    True
    """
    rng = np.random.default_rng([seed, 3])
    xy = np.column_stack([geo.lsoa21.centroid.x, geo.lsoa21.centroid.y])
    noise = rng.normal(size=len(xy))
    d2 = ((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2)
    kernel = np.exp(-d2 / (2 * 1_500.0**2))
    smooth = kernel @ noise / np.sqrt((kernel**2).sum(axis=1))  # unit variance whatever the local density
    level = geo.lsoa21.district.map(LEVEL).to_numpy()
    return pd.Series(level + 0.75 * smooth + 0.35 * rng.normal(size=len(xy)), index=geo.lsoa21.index)


def national_rank(p_deprived: np.ndarray, n: int) -> np.ndarray:
    """Rank among ``n`` LSOAs (1 = most deprived) of areas at these national percentiles, kept distinct.

    Examples
    --------
    >>> national_rank(np.array([0.99999, 0.5, 0.5]), 100).tolist()
    [1, 51, 52]
    """
    rank = np.clip(np.round(p_deprived * n).astype(int), 1, n)
    rank = n + 1 - rank
    taken: set[int] = set()
    out = np.empty_like(rank)
    for i in np.argsort(rank, kind="stable"):
        r = rank[i]
        while r in taken:  # real ranks are a permutation; nudge ties to the next free rank
            r = r + 1 if r < n else r - 1
        taken.add(r)
        out[i] = r
    return out


def decile(rank: np.ndarray, n: int) -> np.ndarray:
    """National decile (1 = most deprived tenth) of a rank among ``n``.

    Examples
    --------
    >>> decile(np.array([1, 3376, 3377, 33755]), 33_755).tolist()
    [1, 1, 2, 10]
    """
    return (np.asarray(rank) - 1) * 10 // n + 1


def iod2025(geo: Geography, z: pd.Series, seed: int = 1) -> pd.DataFrame:
    """IoD2025 scores, ranks and deciles of every LSOA 2021, keyed ``<Domain>_score/_rank/_decile``.

    Examples
    --------
    >>> from geo.demo.lsoas import build_geography
    >>> geo = build_geography(1)
    >>> t = iod2025(geo, latent(geo, 1), 1)
    >>> bool((t.IMD_decile == decile(t.IMD_rank, N_LSOA21)).all()), int(t.IMD_rank.nunique())
    (True, 200)
    """
    rng = np.random.default_rng([seed, 4])
    out = {}
    for domain, (dist, weight) in DOMAINS.items():
        mix = weight * z.to_numpy() + np.sqrt(max(0.0, 1 - min(weight**2, 0.9))) * rng.normal(size=len(z)) * 0.6
        if domain == "IMD":
            mix = z.to_numpy()
        p = stats.norm.cdf(mix)
        score = np.round(np.minimum(dist.ppf(np.clip(p, 1e-4, 1 - 1e-4)), CAPS.get(domain, np.inf)), 3)
        out[f"{domain}_score"] = score
        out[f"{domain}_rank"] = national_rank(p, N_LSOA21)
        out[f"{domain}_decile"] = decile(out[f"{domain}_rank"], N_LSOA21)
    return pd.DataFrame(out, index=geo.lsoa21.index)


def imd2019(geo: Geography, z: pd.Series, seed: int = 1) -> pd.DataFrame:
    """IMD2019 rank and decile of every LSOA 2011 (six years earlier, so a little different from 2025).

    Examples
    --------
    >>> from geo.demo.lsoas import build_geography
    >>> geo = build_geography(1)
    >>> t = imd2019(geo, latent(geo, 1), 1)
    >>> len(t) == len(geo.lsoa11), int(t["rank"].max()) <= N_LSOA11
    (True, True)
    """
    rng = np.random.default_rng([seed, 5])
    z11 = geo.changes.assign(z=z.reindex(geo.changes.lsoa21_code).to_numpy()).groupby("lsoa11_code").z.mean()
    z11 = z11.reindex(geo.lsoa11.index) + rng.normal(0, 0.2, len(z11))
    rank = national_rank(stats.norm.cdf(z11.to_numpy()), N_LSOA11)
    return pd.DataFrame({"rank": rank, "decile": decile(rank, N_LSOA11)}, index=geo.lsoa11.index)


def indicators(geo: Geography, pop: Population, iod: pd.DataFrame, seed: int = 1) -> pd.DataFrame:
    """File 8 underlying indicators with our snake_case names; acute morbidity follows health deprivation.

    Numerators are rounded to fives and left blank under 10, as the published file suppresses them.

    Examples
    --------
    >>> from geo.demo.lsoas import build_geography
    >>> from geo.demo.population import build_population
    >>> geo = build_geography(1)
    >>> iod = iod2025(geo, latent(geo, 1), 1)
    >>> t = indicators(geo, build_population(geo, 1), iod, 1)
    >>> bool(np.corrcoef(t.acute_morbidity_indicator, iod.Health_score)[0, 1] > 0.6)
    True
    """
    rng = np.random.default_rng([seed, 6])
    n = len(iod)
    residents = pop.census.usual_residents_total.to_numpy()
    children = pop.census["Aged 15 years and under"].to_numpy()
    older = pop.census["Aged 65 years and over"].to_numpy()
    working = residents - children - older
    health = iod.Health_score.to_numpy()
    crime = iod.Crime_score.to_numpy()
    rural = (geo.lsoa21.district == "rural").to_numpy()

    def numerator(values):
        v = np.round(values / 5) * 5
        return np.where(v < 10, np.nan, v)

    def noisy(mean, sd, lo=None, digits=3):
        return np.round(np.clip(mean + rng.normal(0, sd, n), lo, None), digits)

    income = iod.Income_score.to_numpy()
    out = {
        "income_domain_numerator": numerator(income * residents),
        "income_deprivation_affecting_children_index_idaci_numerator": numerator(1.3 * income * children),
        "income_deprivation_affecting_older_people_index_idaopi_numerator": numerator(0.8 * income * older),
        "employment_domain_numerator": numerator(iod.Employment_score.to_numpy() * working),
        "adult_skills_and_english_language_proficiency_indicator": noisy(
            0.24 + 0.004 * (iod.Education_score.to_numpy() - 22), 0.03, 0.02
        ),
        "entry_to_higher_education_indicator": noisy(0.88 - 0.002 * (iod.Education_score.to_numpy() - 22), 0.02, 0.3),
        # Emergency admissions: the planner's small-area UEC proxy, so it must track health deprivation.
        "acute_morbidity_indicator": noisy(105 + 24 * health, 8, 30.0),
        "comparative_illness_and_disability_ratio_indicator": noisy(113 + 45 * health, 10, 25.0),
        "mental_health_indicator": noisy(0.75 * health, 0.3),
        "years_of_potential_life_lost_indicator": noisy(59 + 13 * health, 6, 15.0),
    }
    for name, base in [
        ("violence_with_injury_rate_per_1_000_at_risk_population", 6.6),
        ("violence_without_injury_rate_per_1_000_at_risk_population", 9.3),
        ("stalking_and_harassment_rate_per_1_000_at_risk_population", 8.0),
        ("burglary_rate_per_1_000_at_risk_properties", 10.7),
        ("theft_rate_per_1_000_at_risk_population", 12.9),
        ("criminal_damage_rate_per_1_000_at_risk_population", 6.7),
        ("public_order_and_possession_of_weapons_rate_per_1_000_at_risk_population", 6.6),
        ("anti_social_behaviour_rate_per_1_000_at_risk_population", 12.5),
    ]:
        out[name] = np.round(base * np.exp(0.6 * crime + rng.normal(0, 0.25, n)), 1)
    out.update(
        {
            "connectivity_score": noisy(np.where(rural, 45.0, 70.0), 8, 3.0),
            "owner_occupation_affordability_component_of_housing_affordability_indicator": noisy(0.57, 0.1, 0.03),
            "private_rental_affordability_component_of_housing_affordability_indicator": noisy(0.33, 0.12, 0.04),
            "housing_affordability_indicator": noisy(0.0, 0.8),
            "digital_connectivity_broadband_download_and_upload_speeds": noisy(np.where(rural, 0.9, -0.3), 0.5),
            # A district-level figure in the published file: one value per district here too.
            "core_homelessness_rate_percent_of_households": geo.lsoa21.district.map(
                {"city": 1.62, "towns": 0.94, "rural": 0.71}
            ).to_numpy(),
            "patient_to_gp_ratio": noisy(2_100.0, 300, 400.0),
            "homelessness_indicator_rate_per_1_000_households": noisy(3.2, 0.8, 0.6),
            "household_overcrowding_indicator_rooms": noisy(0.065 + 0.03 * income, 0.02, 0.002),
            "household_overcrowding_indicator_bedrooms": noisy(0.045 + 0.02 * income, 0.015, 0.002),
        }
    )
    return pd.DataFrame(out, index=geo.lsoa21.index)
