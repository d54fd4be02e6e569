"""Postcode-weighted points: where in each LSOA its people live, as near as the open data folder can say.

The access layer measures straight lines from one point per LSOA. No population-weighted centroid file is in the
data folder, so an LSOA's point is its geometric centroid, unless OS Code-Point Open covers it: then it is the
**postcode-weighted point**, the plain mean of the postcode unit centroids that fall inside the LSOA polygon (each
postcode unit counts once, whatever its number of addresses: a proxy for where people live, never called
population-weighted).

- Only postcodes of positional quality 10 or 20 are used (the coordinate is a matched address's building, the
  one nearest the postcode's mean; 30 and worse are approximate, estimated from neighbours or a sector mean:
  :data:`geo.sources.lookups.POSITIONAL_QUALITY`).
- A postcode belongs to the LSOA whose polygon contains it (``geopandas.sjoin``, predicate ``within``, against
  the atlas's own LSOA boundaries; a point on a shared edge is in neither, one in two overlapping polygons goes
  to the first code). The boundaries are generalised, so a postcode within tens of metres of an edge may land in
  the neighbour. The mean of a concave LSOA's postcodes may fall outside its polygon (it is still where its
  postcodes are on average).
- Only LSOAs whose local authority the file covers whole get a postcode-weighted point
  (:func:`covered_districts`): the data folder's file is a subset (SOURCES.md: postcode areas LE, NN and OX whole,
  twelve more areas for the East Midlands and Oxfordshire districts only), so an LSOA of another district, whose
  postcodes may be partly missing, keeps its centroid. So does a covered LSOA with no usable postcode inside.

The points of an atlas are kept in the cache folder (``NHP_CACHE_DIR/access/points-<key>.parquet``), keyed by the
sha256 of the Code-Point file (memoised as for atlases), the atlas's LSOA codes, districts and boundaries, and this
code, so a pack build reads them back and a changed file or rule is never served old points.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import pandas as pd

from geo.sources.parsed import file_sha256

#: Positional quality indicators used: a matched address's building (OS automatic; NRS visual inspection).
QUALITY = (10, 20)
#: What :data:`geo.access.layer` calls a postcode-weighted point, and the point of an LSOA without one.
POSTCODE = "postcode-weighted"
FORMAT = 1  # bump when the stored points change shape
#: The postcode areas of the data folder's subset of Code-Point Open (SOURCES.md): LE, NN and OX whole, the rest
#: only for the districts of :data:`SUBSET_DISTRICTS`.
SUBSET_AREAS = frozenset({"LE", "NN", "OX", "PE", "DE", "CV", "NG", "MK", "RG", "SN", "GL", "LN", "S", "SK", "DN"})
#: The East Midlands and Oxfordshire districts whose postcodes the subset holds whole (SOURCES.md's subset rule).
SUBSET_DISTRICTS = frozenset(
    [f"E060000{n}" for n in (15, 16, 17, 18, 61, 62)]
    + [f"E070000{n:02d}" for n in range(32, 40)]
    + [f"E07000{n}" for n in (*range(129, 143), *range(150, 157), *range(170, 182))]
)
#: Great Britain has 120 postcode areas in Code-Point Open: a file holding them all covers every district in it.
GB_AREAS = 120


def postcode_areas(postcodes: pd.Series) -> set[str]:
    """The postcode areas (leading letters) of ``postcodes``.

    Examples
    --------
    >>> sorted(postcode_areas(pd.Series(["LE1 1AA", "S1 2AB", "NN10 0AA"])))
    ['LE', 'NN', 'S']
    """
    return set(postcodes.astype("str").str.extract(r"^([A-Z]{1,2})", expand=False).dropna().unique())


def covered_districts(postcodes: pd.DataFrame) -> frozenset[str]:
    """The districts whose postcodes the Code-Point file holds whole: every district of a file with all of Great
    Britain's postcode areas; :data:`SUBSET_DISTRICTS` of a file holding at least the subset's areas; none else
    (a file of a few postcodes, such as the demo's, says nothing of where people live).

    Examples
    --------
    >>> few = pd.DataFrame({"postcode": ["LE1 1AA"], "lad_code": ["E06000016"]})
    >>> covered_districts(few)
    frozenset()
    >>> subset = pd.DataFrame({"postcode": [f"{a}1 1AA" for a in sorted(SUBSET_AREAS)], "lad_code": "E06000016"})
    >>> "E06000017" in covered_districts(subset), "E06000060" in covered_districts(subset)  # Rutland; Bucks
    (True, False)
    """
    areas = postcode_areas(postcodes.postcode)
    if len(areas) >= GB_AREAS:
        return frozenset(postcodes.lad_code.dropna().astype(str).unique())
    if SUBSET_AREAS <= areas:
        return SUBSET_DISTRICTS
    return frozenset()


def postcode_means(lsoas, postcodes: pd.DataFrame, districts) -> pd.DataFrame:
    """The mean position of the usable postcode unit centroids inside each LSOA of ``districts``.

    Parameters
    ----------
    lsoas
        GeoDataFrame (EPSG:27700) indexed by LSOA code with ``geometry`` and ``lad_code``.
    postcodes
        Code-Point Open as :func:`geo.sources.read_postcode_centroids` reads it (``easting``, ``northing``,
        ``quality``).
    districts
        The districts the file holds whole (:func:`covered_districts`).

    Returns
    -------
    DataFrame
        ``x, y`` (metres) and ``postcode_units`` per LSOA with at least one postcode inside (index: LSOA code).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> atlas = grid_atlas(2, 1)  # two 1 km squares from (450000, 300000)
    >>> pc = pd.DataFrame({"easting": [450100, 450300, 451500, 450200], "northing": [300100, 300500, 300500, 300900],
    ...                    "quality": [10, 10, 10, 50]})
    >>> postcode_means(atlas.lsoas, pc, set(atlas.lsoas.lad_code)).values.tolist()  # the PQI 50 one left out
    [[450200.0, 300300.0, 2.0], [451500.0, 300500.0, 1.0]]
    """
    import geopandas as gpd  # lazy: geopandas only where points are made (not for a cached layer)

    empty = pd.DataFrame({"x": [], "y": [], "postcode_units": []}, index=pd.Index([], name=lsoas.index.name))
    if "quality" not in postcodes.columns:
        return empty
    covered = lsoas[lsoas.lad_code.astype(str).isin(set(districts)).to_numpy()]
    if covered.empty:
        return empty
    minx, miny, maxx, maxy = covered.total_bounds
    e = postcodes.easting.to_numpy(dtype=float)
    n = postcodes.northing.to_numpy(dtype=float)
    keep = postcodes.quality.isin(QUALITY).to_numpy() & (e >= minx) & (e <= maxx) & (n >= miny) & (n <= maxy)
    e, n = e[keep], n[keep]
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(e, n), crs=lsoas.crs)
    shapes = gpd.GeoDataFrame({"code": covered.index.to_numpy()}, geometry=covered.geometry.to_numpy(), crs=lsoas.crs)
    joined = gpd.sjoin(points, shapes, predicate="within", how="inner")
    pairs = pd.DataFrame({"point": joined.index.to_numpy(), "code": joined.code.to_numpy()})
    pairs = pairs.sort_values(["point", "code"]).drop_duplicates("point")  # overlapping polygons: the first code
    table = pd.DataFrame({"x": e[pairs.point], "y": n[pairs.point], "code": pairs.code.to_numpy()})
    out = table.groupby("code").agg(x=("x", "mean"), y=("y", "mean"), postcode_units=("x", "size"))
    out["postcode_units"] = out.postcode_units.astype(float)
    return out.reindex(covered.index[covered.index.isin(out.index)]).rename_axis(lsoas.index.name)


def combine(centroids: pd.DataFrame, means: pd.DataFrame) -> pd.DataFrame:
    """Each LSOA's point: its postcode-weighted point where ``means`` has one, else its centroid.

    Examples
    --------
    >>> c = pd.DataFrame({"x": [1.0, 2.0], "y": [1.0, 2.0], "point_method": ["centroid", "centroid"]}, index=["A", "B"])
    >>> combine(c, pd.DataFrame({"x": [5.0], "y": [6.0], "postcode_units": [3.0]}, index=["B"])).values.tolist()
    [[1.0, 1.0, 'centroid', 0.0], [5.0, 6.0, 'postcode-weighted', 3.0]]
    """
    out = centroids.copy()
    has = out.index.isin(means.index)
    codes = out.index[has]
    out.loc[has, "x"] = means.x.reindex(codes).to_numpy()
    out.loc[has, "y"] = means.y.reindex(codes).to_numpy()
    out.loc[has, "point_method"] = POSTCODE
    out["postcode_units"] = means.postcode_units.reindex(out.index).fillna(0.0).to_numpy()
    return out


def method_label(postcode_lsoas: int, lsoas: int, source: str = "Code-Point Open") -> str:
    """The method of one distance figure over ``lsoas`` LSOAs, ``postcode_lsoas`` of them from postcode-weighted
    points.

    Examples
    --------
    >>> method_label(3, 4, "Code-Point Open 2025-10")
    'straight line from postcode-weighted points (Code-Point Open 2025-10) for 3 of 4 LSOAs, LSOA centroids for the rest'
    >>> method_label(4, 4)
    'straight line from postcode-weighted points (Code-Point Open) for 4 of 4 LSOAs'
    >>> method_label(0, 33755)
    'straight line from LSOA centroids (not population-weighted) for all 33,755 LSOAs'
    """
    if postcode_lsoas <= 0:
        return f"straight line from LSOA centroids (not population-weighted) for all {lsoas:,} LSOAs"
    rest = ", LSOA centroids for the rest" if postcode_lsoas < lsoas else ""
    return f"straight line from postcode-weighted points ({source}) for {postcode_lsoas:,} of {lsoas:,} LSOAs{rest}"


def atlas_postcode_means(atlas, catalogue, cache_dir: Path | None) -> tuple[pd.DataFrame, dict | None]:
    """The postcode-weighted points of ``atlas`` from the catalogue's Code-Point file (cached), and their source
    (``label``, ``vintage``, ``file``, ``quality``, ``districts``); no points and None without a Code-Point file
    or one with no positional quality column."""
    none = pd.DataFrame({"x": [], "y": [], "postcode_units": []})
    if catalogue is None or not catalogue.has("postcode_centroids"):
        return none, None
    path = Path(catalogue.path("postcode_centroids"))
    source = catalogue.source("postcode_centroids")
    where = _entry(atlas, path, cache_dir) if cache_dir else None
    cached = _load(where)
    if cached is None:
        postcodes = catalogue.read("postcode_centroids")
        if "quality" not in postcodes.columns:
            return none, None
        means = postcode_means(atlas.lsoas, postcodes, covered_districts(postcodes))
        if where is not None:
            _save(means, where)
    else:
        means = cached
    info = {
        "label": source.label,
        "vintage": source.vintage,
        "file": source.file,
        "quality": "positional quality " + " or ".join(str(q) for q in QUALITY),
    }
    return means, info


def _entry(atlas, path: Path, cache_dir: Path) -> Path:
    import shapely  # lazy: only to key the cache by the boundaries

    lsoas = atlas.lsoas

    shapes = hashlib.sha256()
    for blob in shapely.to_wkb(lsoas.geometry.to_numpy()):
        shapes.update(blob or b"")
    payload = {
        "format": FORMAT,
        "code": hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16],
        "codepoint": file_sha256(path, cache_dir),
        "lsoas": hashlib.sha256("|".join(lsoas.index.astype(str)).encode()).hexdigest(),
        "districts": hashlib.sha256("|".join(lsoas.lad_code.astype(str)).encode()).hexdigest(),
        "boundaries": shapes.hexdigest(),
    }
    key = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:24]
    return Path(cache_dir) / "access" / f"points-{key}.parquet"


def _load(where: Path | None) -> pd.DataFrame | None:
    if where is None or not where.is_file():
        return None
    try:
        frame = pd.read_parquet(where)
        return frame[["x", "y", "postcode_units"]]
    except (OSError, ValueError, KeyError):
        return None  # a damaged entry is a miss: made again


def _save(means: pd.DataFrame, where: Path) -> None:
    """Write atomically; a read-only or full cache folder costs speed, never the answer."""
    try:
        where.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(prefix=where.name + ".", dir=where.parent)
        os.close(handle)
    except OSError:
        return
    try:
        means.to_parquet(tmp)
        os.replace(tmp, where)
    except (OSError, ValueError):
        Path(tmp).unlink(missing_ok=True)
