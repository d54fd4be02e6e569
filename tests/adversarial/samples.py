"""Small, valid, synthetic files in every published layout the readers accept, for the adversarial cases to break.

Each ``TABLES`` entry is ``reader key -> (header, rows)``: three rows of made-up values in the official layout.
Boundary layers are built by :func:`layer`. Nothing here is copied from the shared data: the codes are invented
(E0199xxxx LSOAs, Y99xxx practices) and the numbers are small and round.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import geopandas as gpd
from shapely.geometry import box

LSOA21 = ["E01990001", "E01990002", "E01990003"]
LSOA11 = ["E01980001", "E01980002", "E01980003"]
AGES = ",".join(str(a) for a in range(90)) + ",90+"


def _sya_row(name: str, code: str) -> str:
    return f"{name},{code},91," + ",".join(["1"] * 91)


CENSUS_HEADER = (
    "lsoa21_code,lsoa21_name,usual_residents_total,Aged 15 years and under,Aged 16 to 24 years,"
    "Aged 25 to 34 years,Aged 35 to 49 years,Aged 50 to 64 years,Aged 65 years and over"
)
IOD_DENOMINATORS = (
    "LSOA code ({y}),Total population: mid {m} (excluding prisoners),"
    "Dependent Children aged 0-15: mid {m} (excluding prisoners),"
    "Population aged 16-59: mid {m} (excluding prisoners),"
    "Older population aged 60 and over: mid {m} (excluding prisoners),"
    "Working age population 18-59/64: for use with Employment Deprivation Domain (excluding prisoners)"
)
MAP_HEADER = (
    "PUBLICATION,EXTRACT_DATE,PRACTICE_CODE,PRACTICE_NAME,PRACTICE_POSTCODE,PCN_CODE,PCN_NAME,"
    "ONS_SUB_ICB_LOCATION_CODE,SUB_ICB_LOCATION_CODE,SUB_ICB_LOCATION_NAME,ONS_ICB_CODE,ICB_CODE,ICB_NAME,"
    "ONS_COMM_REGION_CODE,COMM_REGION_CODE,COMM_REGION_NAME,SUPPLIER_NAME"
)
GEOCODE_HEADER = (
    "PRAC_CODE,PRAC_NAME,PRAC_POSTCODE,PRAC_LAT,PRAC_LNG,PRAC_LSOA11,PRAC_LSOA21,PCN_CODE,PCN_NAME,ICB_CODE"
)
ETHNICITY_HEADER = (
    'date,geography,geography code,Ethnic group: Total: All usual residents,'
    '"Ethnic group: Asian, Asian British or Asian Welsh",'
    '"Ethnic group: Black, Black British, Black Welsh, Caribbean or African",'
    'Ethnic group: Mixed or Multiple ethnic groups,Ethnic group: White,Ethnic group: Other ethnic group'
)
AE_HEADER = (
    "month,{org},total_attendances,attendances_over_4hours,total_emergency_admissions,emergency_admissions_over_4hours"
)


def _epraccur(code: str, postcode: str) -> str:
    fields = [
        code,
        f"DEMO PRACTICE {code}",
        "Y98",
        "Q99",
        "1 HIGH STREET",
        "",
        "DEMO CITY",
        "",
        "",
        postcode,
        "19950401",
        "",
        "A",
        "B",
        "99X",
        "20220701",
        "",
        "01632 960000",
        "",
        "",
        "",
        "0",
        "",
        "99X",
        "",
        "4",
        "",
    ]
    return ",".join(f'"{f}"' for f in fields)


#: reader key -> (header line or None for headerless, data rows)
TABLES: dict[str, tuple[str | None, list[str]]] = {
    "imd2025": (
        "lsoa21_code,IMD_decile,IMD_rank,IMD_score,Health_score",
        [f"{c},{d},{r},{s},-0.5" for c, d, r, s in zip(LSOA21, (1, 5, 10), (10, 15000, 33000), (40.1, 20.2, 3.3))],
    ),
    "imd2019": (
        "LSOA code (2011),LSOA name (2011),Index of Multiple Deprivation (IMD) Rank,"
        "Index of Multiple Deprivation (IMD) Decile",
        [f"{c},Demo {i},\"{r}\",{d}" for i, (c, r, d) in enumerate(zip(LSOA11, ("1,296", "20", "30000"), (1, 1, 10)))],
    ),
    "iod2025_indicators": (
        "lsoa21_code,acute_morbidity_indicator,patient_to_gp_ratio",
        [f"{c},{v},1.5" for c, v in zip(LSOA21, (-0.5, 0.1, 1.2))],
    ),
    "iod2025_subdomains": (
        "lsoa21_code,children_and_young_people_score,geographical_barriers_score",
        [f"{c},0.5,-1.1" for c in LSOA21],
    ),
    "population_census2021": (CENSUS_HEADER, [f"{c},Demo {c[-1]}A,600,100,100,100,100,100,100" for c in LSOA21]),
    "population_mid2020": (
        "lsoa11_name,lsoa11_code,total_population," + AGES,
        [_sya_row(f"Demo {i}", c) for i, c in enumerate(LSOA11)],
    ),
    "population_iod2019": (IOD_DENOMINATORS.format(y=2011, m=2015), [f"{c},\"1,296\",300,696,300,700" for c in LSOA11]),
    "population_iod2025": (IOD_DENOMINATORS.format(y=2021, m=2022), [f"{c},1300,300,700,300,700" for c in LSOA21]),
    "ethnicity_census2021": (ETHNICITY_HEADER, [f"2021,Demo {c[-1]}A,{c},600,100,50,50,350,50" for c in LSOA21]),
    "qof_prevalence": (
        "PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PRACTICE_LIST_SIZE",
        ["Y99001,AF,20.0,TOTAL,1000", "Y99001,AST,60.0,06OV,950", "Y99001,HYP,150.0,TOTAL,1000"],
    ),
    "practice_ages": (
        "PUBLICATION,EXTRACT_DATE,ORG_TYPE,ORG_CODE,ONS_CODE,POSTCODE,SEX,AGE_GROUP_5,NUMBER_OF_PATIENTS",
        [
            f"GP_PRAC_PAT_LIST,2026-07-01,GP,Y99001,,ZZ1 1AA,{sex},{band},{n}"
            for sex, band, n in (("ALL", "ALL", 90), ("FEMALE", "0_4", 40), ("MALE", "0_4", 30), ("MALE", "95+", 20))
        ],
    ),
    "gp_registrations": (
        "PUBLICATION,EXTRACT_DATE,PRACTICE_CODE,PRACTICE_NAME,LSOA_CODE,SEX,NUMBER_OF_PATIENTS",
        [
            f"GP_PRAC_PAT_LIST,01Jul2023,Y99001,DEMO SURGERY,{c},ALL,{n}"
            for c, n in zip([*LSOA11[:2], "NO2011"], (80, 776, 9))
        ],
    ),
    "practice_map": (
        MAP_HEADER,
        [
            f"GP_PRAC_PAT_LIST,01Oct2025,Y9900{i},DEMO {i},ZZ1 1A{i},U9900{i},DEMO PCN,"
            f"E38999901,99X,Demo sub-ICB,E54999999,Q99,Demo ICB,E40999999,Y98,Demo region,EMIS"
            for i in range(1, 4)
        ],
    ),
    "epraccur": (None, [_epraccur(f"Y9900{i}", f"ZZ1 1A{i}") for i in range(1, 4)]),
    "practice_geocodes": (
        GEOCODE_HEADER,
        [
            f"Y9900{i},DEMO {i},ZZ1 1A{i},54.3{i},-0.99,{a},{b},U99001,DEMO PCN,Q99"
            for i, a, b in zip(range(1, 4), LSOA11, LSOA21)
        ],
    ),
    "postcode_centroids": (
        None,
        [
            f'"ZZ1 1A{"ABC"[i - 1]}",10,46500{i},49400{i},"E92000001","E19999999","E18999999","",'
            f'"E06999901","E05999011"'
            for i in range(1, 4)
        ],
    ),
    "lsoa11_lsoa21_lookup": (
        "LSOA11CD,LSOA11NM,LSOA21CD,LSOA21NM,CHGIND,LAD22CD,LAD22NM",
        [f"{a},Old {a},{b},New {b},U,E06999901,Demo City" for a, b in zip(LSOA11, LSOA21)],
    ),
    "lsoa11_icb_lookup": (
        "LSOA11CD,LSOA11NM,LOC22CD,LOC22CDH,LOC22NM,ICB22CD,ICB22CDH,ICB22NM",
        [f"{c},Demo,E38999901,99X,Demo sub-ICB,E54999999,Q99,Demo ICB" for c in LSOA11],
    ),
    "lsoa21_icb_lookup": (
        "lsoa21_name,lsoa21_code,sicbl24_name,sicbl24_code,sicbl24_code_nhs,icb24_name,icb24_code,icb24_code_nhs",
        [f"Demo,{c},Demo sub-ICB,E38999901,99X,Demo ICB,E54999999,Q99" for c in LSOA21],
    ),
    "lsoa21_ward_lad_lookup": (
        "lsoa21_name,lsoa21_code,ward24_name,ward24_code,ltla24_name,ltla24_code",
        [f"Demo,{c},Ward 1,E05999001,Demo City,E06999901" for c in LSOA21],
    ),
    "rural_urban": (
        "lsoa21_code,ruc21_code,classification,ruc",
        [f"{c},UN1,Urban: Nearer to a major town or city,Urban" for c in LSOA21],
    ),
    "lad_utla_lookup": (
        "LTLA23CD,LTLA23NM,UTLA23CD,UTLA23NM",
        [
            "E06999901,Demo City,E06999901,Demo City",
            "E07999901,Demo Towns,E10999901,Demoshire",
            "E07999902,Demo Vale,E10999901,Demoshire",
        ],
    ),
    "ae_monthly_icb": (
        AE_HEADER.format(org="icb22_code"),
        [f"2022-0{m},E54999999,9076.0,2827.0,2212.0,588.0" for m in (4, 5, 6)],
    ),
    "ae_monthly_trust": (AE_HEADER.format(org="org_code"), [f"2022-0{m},RWE,9076.0,2827.0,,588.0" for m in (4, 5, 6)]),
}

#: reader key -> (code column, name column, codes) for boundary layers
LAYERS: dict[str, tuple[str, str, list[str]]] = {
    "lsoa21_boundaries": ("LSOA21CD", "LSOA21NM", LSOA21),
    "lsoa11_boundaries": ("LSOA11CD", "LSOA11NM", LSOA11),
    "msoa21_boundaries": ("MSOA21CD", "MSOA21NM", ["E02990001", "E02990002", "E02990003"]),
    "lad_boundaries": ("LAD24CD", "LAD24NM", ["E06999901", "E07999901", "E07999902"]),
    "icb_boundaries": ("ICB22CD", "ICB22NM", ["E54999997", "E54999998", "E54999999"]),
}


def csv_text(key: str, rows: list[str] | None = None, header: str | None = "") -> str:
    """The CSV of ``key`` with its own rows (or ``rows``), and its header (or ``header`` when given)."""
    own_header, own_rows = TABLES[key]
    head = own_header if header == "" else header
    lines = ([head] if head is not None else []) + (own_rows if rows is None else rows)
    return "\n".join(lines) + "\n"


def squares(n: int = 3, origin=(465_000, 494_000), size=1000):
    """``n`` adjacent 1 km squares in British National Grid metres (North Yorkshire-ish, inside England)."""
    x0, y0 = origin
    return [box(x0 + i * size, y0, x0 + (i + 1) * size, y0 + size) for i in range(n)]


def layer(key: str, geometries=None, *, codes=None, crs=27700) -> gpd.GeoDataFrame:
    """A boundary layer of ``key`` (three squares unless ``geometries`` is given)."""
    code_col, name_col, own = LAYERS[key]
    geometries = squares() if geometries is None else geometries
    codes = (own * 4)[: len(geometries)] if codes is None else codes
    return gpd.GeoDataFrame({code_col: codes, name_col: [f"Demo {c}" for c in codes]}, geometry=geometries, crs=crs)


def zip_bytes(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    """A zip archive of ``members`` (names are written as given, so '../x' stays '../x')."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return buffer.getvalue()


def shapefile_members(gdf: gpd.GeoDataFrame, folder: Path) -> dict[str, bytes]:
    """The files of ``gdf`` written as a shapefile, name -> bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    gdf.to_file(folder / "layer.shp")
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}
