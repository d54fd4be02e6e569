"""The published layouts the demo files copy: file names, exact headers, and writers that keep each file's quirks.

The project's readers recognise files by their headers, so the demo files must carry the same header as the
official file of the same kind (listed in ``shared/data/SOURCES.md``), down to the byte-order mark and CRLF line
ends of the IMD2019 CSVs, the quoted, headerless 27 fields of ODS ``epraccur`` and the GDAL-style GeoJSON of the
ONS boundaries. ``tests/demo`` compares these constants with the official files when they are available.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry.polygon import orient

from geo.demo.population import CENSUS_BANDS, SYA_COLUMNS

# "OSGB36 to WGS 84 (6)", a Helmert transformation, pinned: PROJ's default changes with whether the OSTN15 grid
# is installed, and the demo files must come out byte-identical on every machine.
BNG_TO_WGS84 = (
    "+proj=pipeline +step +inv +proj=tmerc +lat_0=49 +lon_0=-2 +k=0.9996012717 +x_0=400000 +y_0=-100000 "
    "+ellps=airy +step +proj=push +v_3 +step +proj=cart +ellps=airy +step +proj=helmert +x=446.448 +y=-125.157 "
    "+z=542.06 +rx=0.15 +ry=0.247 +rz=0.842 +s=-20.489 +convention=position_vector +step +inv +proj=cart "
    "+ellps=WGS84 +step +proj=pop +v_3 +step +proj=unitconvert +xy_in=rad +xy_out=deg"
)
_IMD19 = [
    "LSOA code (2011)",
    "LSOA name (2011)",
    "Local Authority District code (2019)",
    "Local Authority District name (2019)",
]
_IOD_DOMAINS = ["IMD", "Income", "Employment", "Education", "Health", "Crime", "Housing_and_Services", "Environment"]
_AE = ["total_attendances", "attendances_over_4hours", "total_emergency_admissions", "emergency_admissions_over_4hours",
       "pct_attendance_over_4hours", "pct_emergency_admissions_over_4hours"]  # fmt: skip


@dataclass(frozen=True)
class Layout:
    """One published layout: the demo file name, the header (``None`` for headerless files) and a description.

    ``shared`` names the official file of the same kind in ``shared/data/raw``.
    """

    file: str
    header: tuple[str, ...] | None
    description: str
    shared: str


LAYOUTS: dict[str, Layout] = {
    "lsoa21_boundaries": Layout("demo_lsoa21_boundaries.geojson", ("lsoa21_code", "lsoa21_name"), "LSOA 2021 boundaries (GeoJSON, WGS84, like ONS BSC)", "lsoa21_boundaries_bsc_england.geojson"),
    "lsoa11_boundaries": Layout("demo_lsoa11_boundaries.geojson", ("LSOA11CD", "LSOA11NM"), "LSOA 2011 boundaries (GeoJSON, WGS84, ONS property names)", ""),
    "lad_boundaries": Layout("demo_lad24_boundaries.geojson", ("ltla24_name", "ltla24_code"), "Local authority districts, dissolved from the LSOAs (GeoJSON, WGS84)", "lad24_boundaries_buc_england.geojson"),
    "iod2025_scores": Layout("demo_iod2025_lsoa21_scores_ranks_deciles.csv", ("lsoa21_code", *[f"{d}_decile" for d in _IOD_DOMAINS], *[f"{d}_rank" for d in _IOD_DOMAINS], *[f"{d}_score" for d in _IOD_DOMAINS]), "IoD2025 scores, national ranks (of 33,755) and deciles", "iod2025_lsoa21_scores_ranks_deciles.csv"),
    "iod2025_indicators": Layout("demo_iod2025_lsoa21_underlying_indicators.csv", None, "IoD2025 File 8 underlying indicators, incl. acute_morbidity_indicator", "iod2025_lsoa21_underlying_indicators.csv"),
    "census2021_age6": Layout("demo_census2021_lsoa21_usual_residents_age6.csv", ("lsoa21_code", "lsoa21_name", "usual_residents_total", *CENSUS_BANDS), "Census 2021 usual residents in six age bands (LSOA 2021)", "census2021_lsoa21_usual_residents_age6.csv"),
    "mye2020_sya": Layout("demo_ons_mye2020_lsoa11_sya.csv", ("lsoa11_name", "lsoa11_code", "total_population", *SYA_COLUMNS), "ONS mid-2020 population by single year of age (LSOA 2011)", "ons_mye2020_lsoa11_sya.csv"),
    "imd2019_file1": Layout("demo_imd2019_file1_imd.csv", (*_IMD19, "Index of Multiple Deprivation (IMD) Rank", "Index of Multiple Deprivation (IMD) Decile"), "IMD2019 File 1: rank (of 32,844, with thousands separators) and decile (LSOA 2011)", "imd2019_file1_imd.csv"),
    "lsoa11_lsoa21_lad22": Layout("demo_lsoa11_lsoa21_lad22_lookup.csv", ("LSOA11CD", "LSOA11NM", "LSOA21CD", "LSOA21NM", "CHGIND", "LAD22CD", "LAD22NM", "LAD22NMW", "ObjectId"), "LSOA 2011 to LSOA 2021 to LAD 2022 lookup (U, S and M changes)", "lsoa11_lsoa21_lad22_lookup.csv"),
    "lsoa11_subicb22": Layout("demo_lsoa11_subicb22_icb22_lad22_lookup.csv", ("LSOA11CD", "LSOA11NM", "LOC22CD", "LOC22CDH", "LOC22NM", "ICB22CD", "ICB22CDH", "ICB22NM", "LAD22CD", "LAD22NM"), "LSOA 2011 to sub-ICB, ICB and LAD (July 2022)", "lsoa11_subicb22_icb22_lad22_lookup.csv"),
    "lsoa21_sicbl24": Layout("demo_lsoa21_sicbl24_icb24_lookup.csv", ("lsoa21_name", "lsoa21_code", "sicbl24_name", "sicbl24_code", "sicbl24_code_nhs", "icb24_name", "icb24_code", "icb24_code_nhs"), "LSOA 2021 to sub-ICB and ICB (April 2024)", "lsoa21_sicbl24_icb24_lookup.csv"),
    "lsoa21_ward24": Layout("demo_lsoa21_ward24_lad24_lookup.csv", ("lsoa21_name", "lsoa21_code", "ward24_name", "ward24_code", "ltla24_name", "ltla24_code"), "LSOA 2021 to ward and LAD (2024, best fit)", "lsoa21_ward24_lad24_lookup.csv"),
    "ruc21": Layout("demo_ruc21_lsoa21.csv", ("lsoa21_code", "ruc21_code", "classification", "ruc"), "Rural-Urban Classification 2021 (LSOA 2021)", "ruc21_lsoa21.csv"),
    "gp_practice_map": Layout("demo_gp-reg-pat-prac-map.csv", ("PUBLICATION", "EXTRACT_DATE", "PRACTICE_CODE", "PRACTICE_NAME", "PRACTICE_POSTCODE", "PCN_CODE", "PCN_NAME", "ONS_SUB_ICB_LOCATION_CODE", "SUB_ICB_LOCATION_CODE", "SUB_ICB_LOCATION_NAME", "ONS_ICB_CODE", "ICB_CODE", "ICB_NAME", "ONS_COMM_REGION_CODE", "COMM_REGION_CODE", "COMM_REGION_NAME", "SUPPLIER_NAME"), "Practice to PCN, sub-ICB and ICB map (Oct 2025 layout)", "gp-reg-pat-prac-map_2025-10.csv"),
    "practice_pcn_geocoded": Layout("demo_practice_pcn_geocoded_lookup.csv", ("PRAC_CODE", "PRAC_NAME", "PRAC_POSTCODE", "PRAC_LAT", "PRAC_LNG", "PRAC_OA11", "PRAC_LSOA11", "PRAC_OA21", "PRAC_LSOA21", "PCN_CODE", "PCN_NAME", "PCN_POSTCODE", "PCN_LAT", "PCN_LNG", "PCN_OA11", "PCN_LSOA11", "PCN_OA21", "PCN_LSOA21", "ONS_LOC_CODE", "LOC_CODE", "LOC_NAME", "ONS_ICB_CODE", "ICB_CODE", "ICB_NAME", "ONS_NHSER_CODE", "NHSER_CODE", "NHSER_NAME", "SUPPLIER_NAME"), "Geocoded practice and PCN lookup (lat/lng, OA and LSOA of both vintages)", "practice_pcn_geocoded_lookup_2024-01.csv"),
    "epraccur": Layout("demo_epraccur.csv", None, "ODS epraccur: headerless, 27 quoted fields; 30 open practices and 1 closed", "ods_epraccur.csv"),
    "codepoint": Layout("demo_codepoint_open.csv", ("postcode_area", "Postcode", "Positional_quality_indicator", "Eastings", "Northings", "Country_code", "NHS_regional_HA_code", "NHS_HA_code", "Admin_county_code", "Admin_district_code", "Admin_ward_code"), "Code-Point Open rows for the practices' postcodes (BNG)", "codepoint_open_2025-10_em_oxon.csv"),
    "gp_registrations_lsoa": Layout("demo_gp-reg-pat-prac-lsoa-all.csv", ("PUBLICATION", "EXTRACT_DATE", "PRACTICE_CODE", "PRACTICE_NAME", "LSOA_CODE", "SEX", "NUMBER_OF_PATIENTS"), "Patients registered at each practice by LSOA 2011 of residence (incl. NO2011 and one Welsh row)", "gp-reg-pat-prac-lsoa-all_2023-07.csv"),
    # No official copy in shared/data/raw: the layout is ONS "LTLA23_UTLA23_EW_LU". Without it the demo's
    # districts (not in geo.sources' built-in district -> county table) would have no upper tier.
    "lad_utla_lookup": Layout("demo_ltla23_utla23_lookup.csv", ("LTLA23CD", "LTLA23NM", "UTLA23CD", "UTLA23NM", "ObjectId"), "Lower-tier to upper-tier local authority lookup (the county E10999901)", ""),
    "ae_monthly_icb": Layout("demo_nhse_ae_monthly_by_icb.csv", ("month", "icb22_code", *_AE), "NHS England A&E attendances and emergency admissions by ICB, monthly", "nhse_ae_monthly_by_icb_2022-04_2025-07.csv"),
}  # fmt: skip
INDICATOR_COLUMNS = (
    "lsoa21_code", "income_domain_numerator", "income_deprivation_affecting_children_index_idaci_numerator",
    "income_deprivation_affecting_older_people_index_idaopi_numerator", "employment_domain_numerator",
    "adult_skills_and_english_language_proficiency_indicator", "entry_to_higher_education_indicator",
    "acute_morbidity_indicator", "comparative_illness_and_disability_ratio_indicator", "mental_health_indicator",
    "years_of_potential_life_lost_indicator", "violence_with_injury_rate_per_1_000_at_risk_population",
    "violence_without_injury_rate_per_1_000_at_risk_population", "stalking_and_harassment_rate_per_1_000_at_risk_population",
    "burglary_rate_per_1_000_at_risk_properties", "theft_rate_per_1_000_at_risk_population",
    "criminal_damage_rate_per_1_000_at_risk_population", "public_order_and_possession_of_weapons_rate_per_1_000_at_risk_population",
    "anti_social_behaviour_rate_per_1_000_at_risk_population", "connectivity_score",
    "owner_occupation_affordability_component_of_housing_affordability_indicator",
    "private_rental_affordability_component_of_housing_affordability_indicator", "housing_affordability_indicator",
    "digital_connectivity_broadband_download_and_upload_speeds", "core_homelessness_rate_percent_of_households",
    "patient_to_gp_ratio", "homelessness_indicator_rate_per_1_000_households", "household_overcrowding_indicator_rooms",
    "household_overcrowding_indicator_bedrooms",
)  # fmt: skip
LAYOUTS["iod2025_indicators"] = Layout(**{**LAYOUTS["iod2025_indicators"].__dict__, "header": INDICATOR_COLUMNS})
EPRACCUR_FIELDS = 27
#: Layouts published with a UTF-8 byte-order mark and CRLF line ends (the MHCLG CSV exports).
_EXCEL_STYLE = {"imd2019_file1"}


def write_csv(key: str, table: pd.DataFrame, folder: Path) -> Path:
    """Write ``table`` as the file of layout ``key``, refusing any header other than the published one.

    Examples
    --------
    >>> import tempfile
    >>> t = pd.DataFrame({"lsoa21_code": ["E01990001"], "ruc21_code": ["UN1"], "classification": ["x"], "ruc": ["Urban"]})
    >>> write_csv("ruc21", t, Path(tempfile.mkdtemp())).read_text().splitlines()[0]
    'lsoa21_code,ruc21_code,classification,ruc'
    """
    layout = LAYOUTS[key]
    if tuple(table.columns) != layout.header:
        raise ValueError(f"{key}: columns {list(table.columns)} differ from the published header {layout.header}")
    path = folder / layout.file
    excel = key in _EXCEL_STYLE
    table.to_csv(
        path, index=False, lineterminator="\r\n" if excel else "\n", encoding="utf-8-sig" if excel else "utf-8"
    )
    return path


def write_headerless(key: str, rows: list[list[str]], folder: Path) -> Path:
    """Write rows with every field quoted and no header, as ODS publishes ``epraccur``."""
    if any(len(r) != EPRACCUR_FIELDS for r in rows):
        raise ValueError(f"{key}: every row needs {EPRACCUR_FIELDS} fields")
    path = folder / LAYOUTS[key].file
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    return path


@lru_cache(maxsize=1)
def _transformer() -> Transformer:
    return Transformer.from_pipeline(BNG_TO_WGS84)


def to_wgs84(x, y) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude (degrees) of British National Grid points, through the pinned transformation.

    Examples
    --------
    >>> lon, lat = to_wgs84([475_000], [495_000])
    >>> round(float(lon[0]), 3), round(float(lat[0]), 3)
    (-0.848, 54.345)
    """
    return _transformer().transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))


def write_geojson(key: str, frame: gpd.GeoDataFrame, name: str, folder: Path) -> Path:
    """Write polygons as GDAL writes the ONS GeoJSON: CRS84, 6 decimals, one feature a line, all MultiPolygon.

    ``frame`` is in EPSG:27700 with the layout's properties as columns; exteriors are written anticlockwise
    (RFC 7946) and vertices that collapse onto each other when rounded are dropped.
    """
    layout = LAYOUTS[key]
    lines = [
        "{",
        '"type": "FeatureCollection",',
        f'"name": "{name}",',
        '"crs": { "type": "name", "properties": { "name": "urn:ogc:def:crs:OGC:1.3:CRS84" } },',
        '"xy_coordinate_resolution": 1e-06,',
        '"features": [',
    ]
    features = []
    for values, geom in zip(frame[list(layout.header)].itertuples(index=False), frame.geometry):
        props = ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in zip(layout.header, values))
        polygons = [_polygon_text(orient(p, 1.0)) for p in shapely.get_parts(geom)]
        coords = ", ".join(polygons)
        features.append(
            f'{{ "type": "Feature", "properties": {{ {props} }}, "geometry": {{ "type": "MultiPolygon", "coordinates": [ {coords} ] }} }}'
        )
    lines.append(",\n".join(features))
    lines += ["]", "}", ""]
    path = folder / layout.file
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _polygon_text(polygon) -> str:
    rings = []
    for ring in [polygon.exterior, *polygon.interiors]:
        xy = np.asarray(ring.coords)
        lon, lat = to_wgs84(xy[:, 0], xy[:, 1])
        # Python's round is correctly rounded, so repr gives the shortest text ("51.52054", not "51.520540000001").
        pts = [(round(a, 6), round(b, 6)) for a, b in zip(lon.tolist(), lat.tolist())]
        pts = [p for i, p in enumerate(pts) if i == 0 or p != pts[i - 1]]
        rings.append("[ " + ", ".join(f"[ {x!r}, {y!r} ]" for x, y in pts) + " ]")
    return "[ " + ", ".join(rings) + " ]"
