"""The GP and NHS files of the demo region: practice map, geocoded lookup, epraccur, Code-Point, registrations, A&E.

Practice sites are postcode centroids: each practice's postcode gets a Code-Point Open row in whole metres, and
the geocoded lookup gives the same point in latitude and longitude (pinned Helmert transformation). ``epraccur``
also lists one practice that closed in March 2021, which no other file mentions, as happens in the real data.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import shapely

from geo.demo import codes, file_formats

if TYPE_CHECKING:
    from geo.demo.tables import Region

CLOSED_PRACTICE = "Y99031"
STREETS = ["HIGH STREET", "STATION ROAD", "CHURCH LANE", "MILL ROAD", "PARK AVENUE", "BRIDGE STREET", "MARKET PLACE"]


def oa_code(lsoa_code: str) -> str:
    """A synthetic output-area code inside an LSOA (one OA stands for all of them; OAs are not used).

    Examples
    --------
    >>> oa_code("E01990012")
    'E00990012'
    """
    return "E00" + lsoa_code[3:]


def write_gp_tables(region: Region, folder: Path) -> dict[str, Path]:
    """Write the practice, registration and A&E files of ``region`` into ``folder``; return key -> path.

    Examples
    --------
    >>> import tempfile
    >>> from geo.demo.tables import build_region
    >>> paths = write_gp_tables(build_region(1), Path(tempfile.mkdtemp()))
    >>> sorted(paths)[:3]
    ['ae_monthly_icb', 'codepoint', 'epraccur']
    """
    pr = region.services.practices
    geo = region.geo
    district = {d.key: d for d in codes.DISTRICTS}
    out: dict[str, Path] = {}
    gp_map = pd.DataFrame(
        {
            "PUBLICATION": "GP_PRAC_PAT_LIST", "EXTRACT_DATE": "01Oct2025", "PRACTICE_CODE": pr.index,
            "PRACTICE_NAME": pr.practice_name, "PRACTICE_POSTCODE": pr.postcode, "PCN_CODE": pr.pcn_code,
            "PCN_NAME": pr.pcn_name, "ONS_SUB_ICB_LOCATION_CODE": codes.SUB_ICB_CODE,
            "SUB_ICB_LOCATION_CODE": codes.SUB_ICB_CODE_NHS, "SUB_ICB_LOCATION_NAME": codes.SUB_ICB_NAME,
            "ONS_ICB_CODE": codes.ICB_CODE, "ICB_CODE": codes.ICB_CODE_NHS, "ICB_NAME": codes.ICB_NAME,
            "ONS_COMM_REGION_CODE": codes.REGION_CODE, "COMM_REGION_CODE": codes.REGION_CODE_NHS,
            "COMM_REGION_NAME": codes.REGION_NAME, "SUPPLIER_NAME": pr.supplier,
        }
    )  # fmt: skip
    out["gp_practice_map"] = file_formats.write_csv("gp_practice_map", gp_map, folder)

    lon, lat = file_formats.to_wgs84(pr.easting, pr.northing)
    # The 2011 LSOA of each site by point-in-polygon, as ONSPD would give it.
    lsoa11 = [geo.lsoa11.index[geo.lsoa11.contains(shapely.Point(x, y))][0] for x, y in zip(pr.easting, pr.northing)]
    site = pd.DataFrame(
        {
            "LAT": [round(v, 6) for v in lat.tolist()],
            "LNG": [round(v, 6) for v in lon.tolist()],
            "OA11": [oa_code(c) for c in lsoa11],
            "LSOA11": lsoa11,
            "OA21": [oa_code(c) for c in pr.lsoa21_code],
            "LSOA21": pr.lsoa21_code.to_numpy(),
            "POSTCODE": pr.postcode.to_numpy(),
        },
        index=pr.index,
    )
    lead = pr.reset_index().groupby("pcn_code").practice_code.min()  # the lead practice gives the PCN's address
    pcn_site = site.loc[pr.pcn_code.map(lead)].set_index(pr.index)
    geocoded = pd.DataFrame({"PRAC_CODE": pr.index, "PRAC_NAME": pr.practice_name, "PRAC_POSTCODE": pr.postcode})
    for col in ["LAT", "LNG", "OA11", "LSOA11", "OA21", "LSOA21"]:
        geocoded[f"PRAC_{col}"] = site[col]
    geocoded["PCN_CODE"], geocoded["PCN_NAME"], geocoded["PCN_POSTCODE"] = pr.pcn_code, pr.pcn_name, pcn_site.POSTCODE
    for col in ["LAT", "LNG", "OA11", "LSOA11", "OA21", "LSOA21"]:
        geocoded[f"PCN_{col}"] = pcn_site[col]
    for col, value in [
        ("ONS_LOC_CODE", codes.SUB_ICB_CODE), ("LOC_CODE", codes.SUB_ICB_CODE_NHS), ("LOC_NAME", codes.SUB_ICB_NAME),
        ("ONS_ICB_CODE", codes.ICB_CODE), ("ICB_CODE", codes.ICB_CODE_NHS), ("ICB_NAME", codes.ICB_NAME),
        ("ONS_NHSER_CODE", codes.REGION_CODE), ("NHSER_CODE", codes.REGION_CODE_NHS), ("NHSER_NAME", codes.REGION_NAME),
    ]:  # fmt: skip
        geocoded[col] = value
    geocoded["SUPPLIER_NAME"] = pr.supplier
    out["practice_pcn_geocoded"] = file_formats.write_csv(
        "practice_pcn_geocoded", geocoded.reset_index(drop=True), folder
    )

    closed = _closed_practice(region)
    rows = [
        _epraccur_row(i, code, p.practice_name, p.postcode, district[p.district])
        for i, (code, p) in enumerate(pr.iterrows())
    ]
    rows.append(
        _epraccur_row(len(rows), CLOSED_PRACTICE, closed["name"], closed["postcode"], district["city"], closed=True)
    )
    out["epraccur"] = file_formats.write_headerless("epraccur", rows, folder)

    points = pd.DataFrame(
        {"postcode": pr.postcode, "x": pr.easting, "y": pr.northing, "lsoa21": pr.lsoa21_code}
    ).reset_index(drop=True)
    points.loc[len(points)] = [closed["postcode"], closed["x"], closed["y"], closed["lsoa21"]]
    l21 = geo.lsoa21
    lad = points.lsoa21.map(l21.lad_code)
    cpo = pd.DataFrame(
        {
            "postcode_area": codes.POSTCODE_AREA, "Postcode": points.postcode, "Positional_quality_indicator": 10,
            "Eastings": points.x.astype(int), "Northings": points.y.astype(int), "Country_code": codes.COUNTRY_CODE,
            "NHS_regional_HA_code": codes.NHS_REGIONAL_HA_CODE, "NHS_HA_code": codes.NHS_HA_CODE,
            # Code-Point leaves the county blank for unitary authorities.
            "Admin_county_code": lad.map({d.code: "" if d.unitary else d.utla_code for d in codes.DISTRICTS}),
            "Admin_district_code": lad, "Admin_ward_code": points.lsoa21.map(l21.ward_code),
        }
    ).sort_values("Postcode", ignore_index=True)  # fmt: skip
    out["codepoint"] = file_formats.write_csv("codepoint", cpo, folder)

    out["gp_registrations_lsoa"] = file_formats.write_csv("gp_registrations_lsoa", region.registrations11, folder)
    ae = region.ae.copy()
    ae.insert(1, "icb22_code", codes.ICB_CODE)
    for col in [
        "total_attendances",
        "attendances_over_4hours",
        "total_emergency_admissions",
        "emergency_admissions_over_4hours",
    ]:
        ae[col] = ae[col].astype(float)  # the published file writes counts as 25706.0
    out["ae_monthly_icb"] = file_formats.write_csv("ae_monthly_icb", ae, folder)
    return out


def _closed_practice(region: Region) -> dict:
    """Where the practice that closed in 2021 stood: a city LSOA without a practice today."""
    l21 = region.geo.lsoa21
    free = [c for c in l21.index[l21.district == "city"] if c not in set(region.services.practices.lsoa21_code)]
    code = free[len(free) // 2]
    point = l21.geometry[code].point_on_surface()
    return {
        "name": "DEMO OLD FORGE SURGERY",
        "postcode": codes.postcode(codes.DISTRICTS[0], 9, 0),
        "x": int(point.x),
        "y": int(point.y),
        "lsoa21": code,
    }


def _epraccur_row(
    i: int, code: str, name: str, postcode: str, district: codes.District, closed: bool = False
) -> list[str]:
    """The 27 fields of one ``epraccur`` row (fields 19-21, 23, 25, 27 are blank for practices)."""
    return [
        code, name, codes.REGION_CODE_NHS, codes.ICB_CODE_NHS, name.removeprefix("DEMO "),
        f"{i + 1} {STREETS[i % len(STREETS)]}", district.stem.upper(), "DEMOSHIRE", "", postcode,
        "19740401" if i % 3 else "19950401", "20210331" if closed else "", "C" if closed else "A", "B",
        codes.SUB_ICB_CODE_NHS, "20220701" if not closed else "20130401", "20210331" if closed else "",
        codes.telephone(i), "", "", "", "0", "", codes.SUB_ICB_CODE_NHS, "", "4", "",
    ]  # fmt: skip
