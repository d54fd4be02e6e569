"""The demo region written out: every dataset built in its official layout from the synthetic model.

:func:`build_region` draws the model (geography, residents, deprivation, practices, A&E) from one seed and
:func:`write_tables` writes one file per published layout. The registrations are carried from LSOA 2021 to
LSOA 2011, as NHS Digital published them in July 2023, with a few patients of unknown LSOA (``NO2011``) and one
Welsh row, so the bridging and the unplaced-patient report are exercised.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from geo.demo import codes, deprivation, file_formats, tables_gp
from geo.demo.lsoas import Geography, build_geography
from geo.demo.population import RUC_CLASSES, Population, build_population
from geo.demo.services import Services, ae_monthly, build_services


@dataclass
class Region:
    """Everything drawn for one seed (see the modules that build each part)."""

    geo: Geography
    pop: Population
    iod: pd.DataFrame
    indicators: pd.DataFrame
    imd2019: pd.DataFrame
    services: Services
    registrations11: pd.DataFrame
    ae: pd.DataFrame


def build_region(seed: int = 1) -> Region:
    """Draw the whole synthetic region for ``seed``.

    Examples
    --------
    >>> region = build_region(1)
    >>> int(region.registrations11.NUMBER_OF_PATIENTS.sum()) == int(region.services.registrations.patients.sum()) + 65
    True
    """
    geo = build_geography(seed)
    pop = build_population(geo, seed)
    z = deprivation.latent(geo, seed)
    iod = deprivation.iod2025(geo, z, seed)
    services = build_services(geo, pop, seed)
    return Region(
        geo=geo,
        pop=pop,
        iod=iod,
        indicators=deprivation.indicators(geo, pop, iod, seed),
        imd2019=deprivation.imd2019(geo, z, seed),
        services=services,
        registrations11=_registrations_2011(geo, services, seed),
        ae=ae_monthly(int(pop.census.usual_residents_total.sum()), seed),
    )


def _registrations_2011(geo: Geography, services: Services, seed: int) -> pd.DataFrame:
    """Registrations on LSOA 2011 in the NHS Digital layout, plus NO2011 and Welsh rows (65 patients in all)."""
    rng = np.random.default_rng([seed, 9])
    halves = {c: list(zip(g.lsoa11_code, g.share)) for c, g in geo.changes.groupby("lsoa21_code")}
    rows = []
    for practice, code21, n in services.registrations.itertuples(index=False):
        target = halves[code21]
        if len(target) == 1:
            rows.append((practice, target[0][0], n))
        else:  # each patient of a merged 2021 LSOA lived in one of its two 2011 halves
            first = int(rng.binomial(n, target[0][1]))
            rows += [(practice, target[0][0], first), (practice, target[1][0], n - first)]
    long = (
        pd.DataFrame(rows, columns=["practice_code", "lsoa", "n"])
        .groupby(["practice_code", "lsoa"], as_index=False)
        .n.sum()
    )
    practices = services.practices.index.to_numpy()
    extra = [(p, "NO2011", n) for p, n in zip(practices[::5], [12, 9, 14, 7, 11, 9])]
    extra.append((practices[-1], codes.WALES_LSOA11, 3))  # one patient family across the border
    long = pd.concat([long, pd.DataFrame(extra, columns=["practice_code", "lsoa", "n"])], ignore_index=True)
    long = long[long.n > 0].sort_values(["practice_code", "lsoa"], ignore_index=True)
    return pd.DataFrame(
        {
            "PUBLICATION": "GP_PRAC_PAT_LIST",
            "EXTRACT_DATE": "01Jul2023",
            "PRACTICE_CODE": long.practice_code,
            "PRACTICE_NAME": long.practice_code.map(services.practices.practice_name),
            "LSOA_CODE": long.lsoa,
            "SEX": "ALL",
            "NUMBER_OF_PATIENTS": long.n.astype(int),
        }
    )


def write_tables(region: Region, folder: Path) -> dict[str, Path]:
    """Write every dataset of ``region`` into ``folder`` in its published layout; return key -> path."""
    geo = region.geo
    l21, l11 = geo.lsoa21, geo.lsoa11
    out: dict[str, Path] = {}
    out["lsoa21_boundaries"] = file_formats.write_geojson("lsoa21_boundaries", l21.reset_index(), "lsoa21_demo", folder)
    lsoa11 = l11.reset_index().rename(columns={"lsoa11_code": "LSOA11CD", "lsoa11_name": "LSOA11NM"})
    out["lsoa11_boundaries"] = file_formats.write_geojson("lsoa11_boundaries", lsoa11, "lsoa11_demo", folder)
    lads = l21.dissolve("lad_code", as_index=False, sort=True)
    lads = lads.rename(columns={"lad_code": "ltla24_code", "lad_name": "ltla24_name"})
    out["lad_boundaries"] = file_formats.write_geojson("lad_boundaries", lads, "lad24_demo", folder)

    iod = region.iod.reset_index()
    out["iod2025_scores"] = file_formats.write_csv(
        "iod2025_scores", iod[list(file_formats.LAYOUTS["iod2025_scores"].header)], folder
    )
    out["iod2025_indicators"] = file_formats.write_csv("iod2025_indicators", region.indicators.reset_index(), folder)
    census = region.pop.census.join(l21.lsoa21_name).reset_index()
    out["census2021_age6"] = file_formats.write_csv(
        "census2021_age6", census[list(file_formats.LAYOUTS["census2021_age6"].header)], folder
    )
    sya = region.pop.sya2020.join(l11.lsoa11_name).reset_index()
    out["mye2020_sya"] = file_formats.write_csv(
        "mye2020_sya", sya[list(file_formats.LAYOUTS["mye2020_sya"].header)], folder
    )
    imd = pd.DataFrame(
        dict(zip(file_formats.LAYOUTS["imd2019_file1"].header, [l11.index, l11.lsoa11_name, l11.lad_code, l11.lad_name,
             [f"{r:,}" for r in region.imd2019["rank"]], region.imd2019.decile])),  # "1,234" as MHCLG publishes it
    )  # fmt: skip
    out["imd2019_file1"] = file_formats.write_csv("imd2019_file1", imd, folder)

    ch = geo.changes
    lookup = pd.DataFrame(
        {
            "LSOA11CD": ch.lsoa11_code,
            "LSOA11NM": ch.lsoa11_code.map(l11.lsoa11_name),
            "LSOA21CD": ch.lsoa21_code,
            "LSOA21NM": ch.lsoa21_code.map(l21.lsoa21_name),
            "CHGIND": ch.chgind,
            "LAD22CD": ch.lsoa21_code.map(l21.lad_code),
            "LAD22NM": ch.lsoa21_code.map(l21.lad_name),
            "LAD22NMW": "",
            "ObjectId": np.arange(1, len(ch) + 1),
        }
    )
    out["lsoa11_lsoa21_lad22"] = file_formats.write_csv("lsoa11_lsoa21_lad22", lookup, folder)
    sub = pd.DataFrame(
        {
            "LSOA11CD": l11.index, "LSOA11NM": l11.lsoa11_name, "LOC22CD": codes.SUB_ICB_CODE,
            "LOC22CDH": codes.SUB_ICB_CODE_NHS, "LOC22NM": codes.SUB_ICB_NAME, "ICB22CD": codes.ICB_CODE,
            "ICB22CDH": codes.ICB_CODE_NHS, "ICB22NM": codes.ICB_NAME, "LAD22CD": l11.lad_code, "LAD22NM": l11.lad_name,
        }
    )  # fmt: skip
    out["lsoa11_subicb22"] = file_formats.write_csv("lsoa11_subicb22", sub, folder)
    sicbl = pd.DataFrame(
        {
            "lsoa21_name": l21.lsoa21_name, "lsoa21_code": l21.index, "sicbl24_name": codes.SUB_ICB_NAME,
            "sicbl24_code": codes.SUB_ICB_CODE, "sicbl24_code_nhs": codes.SUB_ICB_CODE_NHS, "icb24_name": codes.ICB_NAME,
            "icb24_code": codes.ICB_CODE, "icb24_code_nhs": codes.ICB_CODE_NHS,
        }
    )  # fmt: skip
    out["lsoa21_sicbl24"] = file_formats.write_csv("lsoa21_sicbl24", sicbl, folder)
    wards = l21.reset_index()[["lsoa21_name", "lsoa21_code", "ward_name", "ward_code", "lad_name", "lad_code"]]
    wards.columns = list(file_formats.LAYOUTS["lsoa21_ward24"].header)
    out["lsoa21_ward24"] = file_formats.write_csv("lsoa21_ward24", wards, folder)
    ruc = region.pop.ruc
    ruc_table = pd.DataFrame(
        {
            "lsoa21_code": ruc.index,
            "ruc21_code": ruc.to_numpy(),
            "classification": ruc.map(RUC_CLASSES).to_numpy(),
            "ruc": np.where(ruc.str.startswith("U"), "Urban", "Rural"),
        }
    )
    out["ruc21"] = file_formats.write_csv("ruc21", ruc_table, folder)
    tiers = pd.DataFrame(
        {
            "LTLA23CD": [d.code for d in codes.DISTRICTS], "LTLA23NM": [d.name for d in codes.DISTRICTS],
            "UTLA23CD": [d.utla_code for d in codes.DISTRICTS], "UTLA23NM": [d.utla_name for d in codes.DISTRICTS],
            "ObjectId": range(1, len(codes.DISTRICTS) + 1),
        }
    )  # fmt: skip
    out["lad_utla_lookup"] = file_formats.write_csv("lad_utla_lookup", tiers, folder)
    out.update(tables_gp.write_gp_tables(region, folder))
    return out
