"""Health services of Demoshire: 30 GP practices in 8 PCNs, where residents register, and monthly A&E activity.

Practices sit where people live (population-weighted k-means within each district), so the city has many close
together and the rural district a few far apart. Residents register with nearby practices through a
doubly-constrained gravity model: each LSOA registers 97-103% of its residents (list inflation and deflation both
occur), and each practice ends up near a drawn list size of 3,000 to 20,000. Counts are whole patients, on
LSOA 2021 here; :mod:`geo.demo.tables` carries them to LSOA 2011 as the published file has them.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.demo import codes
from geo.demo.lsoas import Geography
from geo.demo.population import Population

PRACTICES = {"city": 13, "towns": 10, "rural": 7}
PCNS = {"city": 4, "towns": 2, "rural": 2}
REACH_M = {"city": 700.0, "towns": 1_500.0, "rural": 2_500.0}  # how far people travel to their GP
PRACTICE_WORDS = ["HEALTH CENTRE", "MEDICAL PRACTICE", "SURGERY", "FAMILY PRACTICE", "MEDICAL CENTRE"]
PLACE_WORDS = ["RIVERSIDE", "MARKET", "ABBEY", "BRIDGE", "HILLTOP", "ORCHARD", "STATION", "CASTLE", "MEADOW", "MILL"]


@dataclass
class Services:
    """Practices and registrations of the demo region.

    Attributes
    ----------
    practices
        Index ``practice_code``; ``practice_name, district, pcn_code, pcn_name, postcode, lsoa21_code,
        easting, northing, supplier``, EPSG:27700 points.
    registrations
        ``practice_code, lsoa21_code, patients`` (whole patients, residents of the region only).
    """

    practices: gpd.GeoDataFrame
    registrations: pd.DataFrame


def build_services(geo: Geography, pop: Population, seed: int = 1) -> Services:
    """Place practices and register every LSOA's residents with them.

    Examples
    --------
    >>> from geo.demo.lsoas import build_geography
    >>> from geo.demo.population import build_population
    >>> geo = build_geography(1)
    >>> pop = build_population(geo, 1)
    >>> s = build_services(geo, pop, 1)
    >>> len(s.practices), s.practices.pcn_code.nunique()
    (30, 8)
    >>> ratio = s.registrations.patients.sum() / pop.census.usual_residents_total.sum()
    >>> bool(0.97 <= ratio <= 1.03)
    True
    """
    rng = np.random.default_rng([seed, 7])
    lsoas = geo.lsoa21
    centres = np.column_stack([lsoas.centroid.x, lsoas.centroid.y])
    residents = pop.census.usual_residents_total.reindex(lsoas.index).to_numpy()
    rows = []
    for district in codes.DISTRICTS:
        mask = (lsoas.district == district.key).to_numpy() & ~lsoas.island.to_numpy()
        sites = _kmeans(centres[mask], residents[mask], PRACTICES[district.key], rng)
        pcn_of = _pcn_groups(sites, PCNS[district.key])
        for k, xy in enumerate(sites):
            lsoa = lsoas.index[mask][np.argmin(np.hypot(*(centres[mask] - xy).T))]
            rows.append((district, lsoa, _site_in(lsoas.geometry[lsoa], rng), pcn_of[k]))
    rows.sort(key=lambda r: (codes.DISTRICTS.index(r[0]), r[3], -r[2][1], r[2][0]))
    practices = _practice_table(rows, rng)
    registrations = _register(lsoas, residents, practices, rng)
    return Services(practices=practices, registrations=registrations)


def _kmeans(xy: np.ndarray, weight: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Population-weighted k-means (Lloyd): practice sites near the centres of population."""
    centres = xy[rng.choice(len(xy), size=k, replace=False)]
    for _ in range(30):
        label = np.argmin(((xy[:, None, :] - centres[None]) ** 2).sum(axis=2), axis=1)
        for j in range(k):
            if (label == j).any():
                centres[j] = np.average(xy[label == j], axis=0, weights=weight[label == j])
    return centres


def _pcn_groups(sites: np.ndarray, k: int) -> list[int]:
    """Group a district's practices into ``k`` PCNs by bearing from their middle: neighbours share a PCN."""
    bearing = np.arctan2(*(sites - sites.mean(axis=0)).T[::-1])
    order = np.argsort(bearing, kind="stable")
    group = np.empty(len(sites), dtype=int)
    group[order] = np.arange(len(sites)) * k // len(sites)
    return group.tolist()


def _site_in(polygon, rng: np.random.Generator) -> tuple[int, int]:
    """A whole-metre point inside the LSOA (Code-Point Open gives postcode centroids in whole metres)."""
    minx, miny, maxx, maxy = polygon.bounds
    for _ in range(200):
        x, y = int(rng.uniform(minx, maxx)), int(rng.uniform(miny, maxy))
        if polygon.buffer(-20).contains(shapely.Point(x, y)):
            return x, y
    p = polygon.point_on_surface()
    return int(p.x), int(p.y)


def _practice_table(rows: list, rng: np.random.Generator) -> gpd.GeoDataFrame:
    records = []
    pcn_serial: dict[tuple[str, int], int] = {}
    for i, (district, lsoa, (x, y), pcn) in enumerate(rows):
        pcn_number = pcn_serial.setdefault((district.key, pcn), len(pcn_serial) + 1)
        records.append(
            {
                "practice_code": f"Y99{i + 1:03d}",
                # (place, kind) pairs never repeat within 50 practices, so every name is distinct.
                "practice_name": f"DEMO {PLACE_WORDS[i % 10]} {PRACTICE_WORDS[(i + i // 10) % 5]}",
                "district": district.key,
                "pcn_code": f"U99{pcn_number:03d}",
                "pcn_name": f"{district.stem.upper()} {pcn + 1} PCN",
                "postcode": codes.postcode(district, pcn + 1, i),
                "lsoa21_code": lsoa,
                "easting": x,
                "northing": y,
                "supplier": "EMIS" if rng.uniform() < 0.6 else "TPP",
            }
        )
    table = pd.DataFrame(records).set_index("practice_code")
    return gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(table.easting, table.northing), crs="EPSG:27700")


def _register(lsoas, residents: np.ndarray, practices: gpd.GeoDataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Doubly-constrained gravity model, then whole patients drawn per LSOA."""
    centres = np.column_stack([lsoas.centroid.x, lsoas.centroid.y])
    sites = np.column_stack([practices.easting, practices.northing])
    dist = np.hypot(centres[:, None, 0] - sites[None, :, 0], centres[:, None, 1] - sites[None, :, 1])
    reach = lsoas.district.map(REACH_M).to_numpy()[:, None]
    kernel = np.exp(-dist / reach)
    nearest = np.argsort(dist, axis=1, kind="stable")[:, :6]
    keep = np.zeros_like(kernel, dtype=bool)
    np.put_along_axis(keep, nearest, True, axis=1)
    kernel = np.where(keep, kernel, 0.0)  # nobody registers past their sixth-nearest practice
    registered = np.round(residents * rng.uniform(0.97, 1.03, len(residents))).astype(int)

    catchment = (kernel / kernel.sum(axis=1, keepdims=True) * registered[:, None]).sum(axis=0)
    target = np.clip(catchment * rng.lognormal(0, 0.3, len(catchment)), 3_500, 18_500)
    target *= registered.sum() / target.sum()
    pull = np.ones(len(target))
    for _ in range(200):  # balance practice attractiveness until list sizes meet their targets
        share = kernel * pull
        share /= share.sum(axis=1, keepdims=True)
        pull *= (target / (share * registered[:, None]).sum(axis=0)) ** 0.5
    rows = []
    for i, code in enumerate(lsoas.index):
        counts = rng.multinomial(registered[i], share[i])
        rows += [(practices.index[j], code, int(c)) for j, c in enumerate(counts) if c > 0]
    return pd.DataFrame(rows, columns=["practice_code", "lsoa21_code", "patients"])


def ae_monthly(residents: int, seed: int = 1) -> pd.DataFrame:
    """Monthly A&E attendances and emergency admissions of the ICB, April 2022 to July 2025.

    About 350 attendances per 1,000 residents a year, peaking in winter, with more four-hour breaches then.

    Examples
    --------
    >>> t = ae_monthly(320_000, 1)
    >>> len(t), t.month.iloc[0], t.month.iloc[-1]
    (40, '2022-04', '2025-07')
    >>> bool(330 < t.total_attendances.sum() / 40 * 12 / 320 < 370)
    True
    """
    rng = np.random.default_rng([seed, 8])
    months = pd.period_range("2022-04", "2025-07", freq="M")
    winter = np.cos(2 * np.pi * (months.month.to_numpy() - 1) / 12)  # +1 in January, -1 in July
    days = months.days_in_month.to_numpy()
    attendances = np.round(residents * 0.35 / 365.25 * days * (1 + 0.05 * winter) * rng.normal(1, 0.02, len(months)))
    admissions = np.round(attendances * rng.normal(0.245, 0.008, len(months)))
    late = np.round(attendances * np.clip(0.31 + 0.05 * winter + rng.normal(0, 0.015, len(months)), 0.05, 0.9))
    late_adm = np.round(admissions * np.clip(0.30 + 0.04 * winter + rng.normal(0, 0.02, len(months)), 0.05, 0.9))
    return pd.DataFrame(
        {
            "month": months.strftime("%Y-%m"),
            "total_attendances": attendances,
            "attendances_over_4hours": late,
            "total_emergency_admissions": admissions,
            "emergency_admissions_over_4hours": late_adm,
            "pct_attendance_over_4hours": np.round(late / attendances, 2),
            "pct_emergency_admissions_over_4hours": np.round(late_adm / admissions, 2),
        }
    )
