"""Where each practice is: its site point, site LSOA and local authority, from its own postcode.

A practice's LSOA and local authority decide which plan and which local authority it belongs to, so they come from
its postcode, never from point-in-polygon on generalised boundaries (a site a few metres outside a super-generalised
LSOA would fall in no LSOA, or in the neighbouring district's: M89024, Solihull, was grouped with Birmingham):

- **LSOA**: the ONSPD LSOA of the postcode, from the geocoded practice lookup (``PRAC_LSOA21``/``PRAC_LSOA11``), when
  that lookup's postcode is the practice's current one (the NHS England map). A practice that has moved since the
  lookup (January 2024) and whose new postcode is in Code-Point Open takes the LSOA nearest its new centroid among
  the LSOAs of the centroid's own district (Code-Point gives the district, not the LSOA), so generalisation can
  move it only within its district. Otherwise the lookup's LSOA (of its previous postcode) is kept, and said.
- **Local authority**: Code-Point Open's ``Admin_district_code`` of the current postcode where present, else the
  district of the site LSOA (official LSOA -> LAD lookup).
- **Point**: the Code-Point centroid of the current postcode, else the lookup's ONSPD latitude and longitude.

``site_source`` says which rule placed each practice.
"""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo.atlas.bridging import code_isin, code_map
from geo.sources.lookups import _WHITESPACE, normalise_postcode

#: How a practice's site was placed (``site_source``).
SITE_SOURCES = {
    "postcode": "ONSPD LSOA of its current postcode (geocoded practice lookup)",
    "moved": "Code-Point Open centroid of its current postcode, nearest LSOA of its district",
    "old_postcode": "ONSPD LSOA of its previous postcode (moved since January 2024; new postcode not in Code-Point)",
    "none": "no postcode location: no site",
}


def _key(postcodes: pd.Series) -> pd.Series:
    """Postcodes compared without spaces or case.

    Examples
    --------
    >>> _key(pd.Series(["le1  1aa", None])).tolist()
    ['LE11AA', <NA>]
    """
    # What normalise_postcode keeps, less its one space: upper case, no whitespace, in Arrow (pandas runs "\s+"
    # through Python's re row by row, and its string slicing costs more than the rest).
    try:
        keys = pc.replace_substring(pc.utf8_upper(pa.array(postcodes.astype("str"), from_pandas=True)), " ", "")
        if pc.any(pc.match_substring_regex(keys, pattern=_WHITESPACE)).as_py():  # other whitespace: rare
            keys = pc.replace_substring_regex(keys, pattern=_WHITESPACE, replacement="")
        keys = pd.Series(pd.array(keys, dtype="str"), index=postcodes.index)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError, ValueError):
        keys = normalise_postcode(postcodes).str.replace(" ", "", regex=False)
    return keys.astype(object).where(keys.notna(), pd.NA)


def practice_sites(
    practice_map: pd.DataFrame,
    geocodes: gpd.GeoDataFrame | None,
    postcodes: pd.DataFrame | None,
    geography: pd.DataFrame,
    boundaries: gpd.GeoDataFrame | Callable[[list[str]], gpd.GeoDataFrame],
    *,
    vintage: int = 2021,
) -> gpd.GeoDataFrame:
    """Return ``lsoa_code, lad_code, site_source, geometry`` (EPSG:27700 points) for every practice of the map.

    Parameters
    ----------
    practice_map
        NHS England practice map (``practice_code, postcode``): the current postcode of each practice.
    geocodes
        The geocoded practice lookup (``practice_code, postcode, lsoa11_code, lsoa21_code, geometry``), or ``None``.
    postcodes
        Code-Point Open centroids (``postcode, easting, northing, lad_code``), or ``None``.
    geography
        Every English LSOA of the vintage with ``lsoa_code, lad_code``.
    boundaries
        LSOA polygons of the vintage indexed by ``lsoa_code`` (EPSG:27700), for practices that moved; or a function
        that returns them for a list of LSOA codes, so only the districts of practices that moved are read.
    vintage
        2021 or 2011: which of the lookup's LSOA columns to use.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> pm = pd.DataFrame({"practice_code": ["P1", "P2"], "postcode": ["AB1 1AA", "AB2 2BB"]})
    >>> geo_ = pd.DataFrame({"lsoa_code": ["E01000001", "E01000002"], "lad_code": ["E06000001", "E06000002"]})
    >>> gc = gpd.GeoDataFrame({"practice_code": ["P1", "P2"], "postcode": ["AB1 1AA", "AB9 9ZZ"],
    ...                        "lsoa11_code": None, "lsoa21_code": ["E01000001", "E01000001"]},
    ...                       geometry=gpd.points_from_xy([5, 5], [5, 5]), crs=27700)
    >>> cp = pd.DataFrame({"postcode": ["AB2 2BB"], "easting": [15], "northing": [5], "lad_code": ["E06000002"]})
    >>> bounds = gpd.GeoDataFrame(geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)], crs=27700,
    ...                           index=pd.Index(["E01000001", "E01000002"], name="lsoa_code"))
    >>> practice_sites(pm, gc, cp, geo_, bounds)[["lsoa_code", "lad_code", "site_source"]].values.tolist()
    [['E01000001', 'E06000001', 'postcode'], ['E01000002', 'E06000002', 'moved']]
    """
    pm = practice_map.drop_duplicates("practice_code").set_index("practice_code")
    index = pm.index
    current = _key(pm.postcode)
    x = pd.Series(np.nan, index=index)
    y = pd.Series(np.nan, index=index)
    lsoa = pd.Series(pd.NA, index=index, dtype=object)
    source = pd.Series("none", index=index, dtype=object)
    column = "lsoa21_code" if vintage == 2021 else "lsoa11_code"
    same = pd.Series(False, index=index)
    if geocodes is not None and len(geocodes):
        g = geocodes.drop_duplicates("practice_code").set_index("practice_code").reindex(index)
        located = ~g.geometry.isna()
        x[located], y[located] = g.geometry[located].x, g.geometry[located].y
        known = g[column].notna() if column in g else pd.Series(False, index=index)
        lsoa[known] = g[column][known]
        same = known & (_key(g.postcode) == current).fillna(False)
        source[known] = np.where(same[known], "postcode", "old_postcode")
    lad = pd.Series(pd.NA, index=index, dtype=object)
    if postcodes is not None and len(postcodes):
        # Only the centroids of the practices' postcodes: the same first row per key, without keying all of them.
        keys = _key(postcodes.postcode)
        wanted = code_isin(keys, current)
        by_key = postcodes[wanted].assign(key=keys[wanted]).drop_duplicates("key").set_index("key")
        e, n = (pd.Series(code_map(current, by_key[axis]), index=index) for axis in ("easting", "northing"))
        found = e.notna() & n.notna()
        x[found], y[found] = e[found].astype(float), n[found].astype(float)
        lad[found] = current[found].map(by_key.lad_code)
        moved = found & ~same & lad.notna()
        if moved.any():
            lsoa[moved] = _nearest_in_district(x[moved], y[moved], lad[moved], geography, boundaries)
            source[moved & lsoa.notna()] = "moved"
    by_lsoa = geography.drop_duplicates("lsoa_code").set_index("lsoa_code").lad_code
    lad = lad.where(lad.notna(), lsoa.map(by_lsoa))
    points = gpd.points_from_xy(x, y, crs="EPSG:27700")
    return gpd.GeoDataFrame(
        {"lsoa_code": lsoa, "lad_code": lad, "site_source": source}, index=index, geometry=points, crs="EPSG:27700"
    )


def _nearest_in_district(
    x: pd.Series,
    y: pd.Series,
    lad: pd.Series,
    geography: pd.DataFrame,
    boundaries: gpd.GeoDataFrame | Callable[[list[str]], gpd.GeoDataFrame],
) -> pd.Series:
    """The LSOA nearest each point among the LSOAs of its own district (missing when the district has none)."""
    out = pd.Series(pd.NA, index=x.index, dtype=object)
    # Only the districts some point falls in: grouping every English LSOA by district costs more than the search.
    wanted = geography[geography.lad_code.isin(lad.unique())]
    districts = wanted.drop_duplicates("lsoa_code").groupby("lad_code").lsoa_code.apply(list)
    if callable(boundaries):
        boundaries = boundaries(sorted({code for members in districts for code in members}))
    for district, members in lad.groupby(lad).groups.items():
        codes = [c for c in districts.get(district, []) if c in boundaries.index]
        if not codes:
            continue
        polygons = boundaries.loc[codes, ["geometry"]].reset_index()
        points = gpd.GeoDataFrame(index=members, geometry=gpd.points_from_xy(x[members], y[members]), crs=27700)
        nearest = gpd.sjoin_nearest(points, polygons, how="left")
        nearest = nearest[~nearest.index.duplicated()]
        out[members] = nearest.lsoa_code.reindex(members).to_numpy()
    return out
