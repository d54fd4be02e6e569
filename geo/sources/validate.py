"""Checks every reader applies, each raising one DataError that names the file, row and column at fault.

Rows are 1-based data rows (the header is row 0), counted in the file as published, so a planner can open the
file and find the cell. Checks are vectorised: they find the first bad row without looping in Python.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pandas as pd
import shapely

from geo.errors import DataError

LSOA_PATTERN = r"[EW]01\d{6}"
# Repairs that change the area by more than this are not repairs but different shapes. Generalised ONS layers
# have a few "nested shells" (an island drawn inside its own LSOA) that count twice in the invalid area; the
# union keeps the outline and changes the area by up to ~6%.
MAX_REPAIR_AREA_CHANGE = 0.10
#: Largest count a reader accepts: more than the population of the UK, far below where int64 and float64 part.
MAX_COUNT = 1_000_000_000


def _file(df: pd.DataFrame | pd.Series, file) -> str | None:
    return str(file) if file is not None else df.attrs.get("file")


def _first(mask: np.ndarray | pd.Series) -> int:
    return int(np.flatnonzero(np.asarray(mask))[0])


def _cast_floats(values: pd.Series) -> pd.Series | None:
    """Cast a clean string column to float with Arrow (35x faster than ``to_numeric``); ``None`` if any cell fails."""
    try:
        array = pa.array(values, from_pandas=True)
        if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
            return None
        cast = pc.cast(array, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None
    return pd.Series(cast.to_numpy(zero_copy_only=False), index=values.index, name=values.name)


def parse_numbers(
    values: pd.Series, *, file=None, column: str | None = None, count: bool = False, allow_blank: bool = False
) -> pd.Series:
    """Parse published numbers ("1,296", "8.742", "-1.771") to float, naming the first cell that is not one.

    Parameters
    ----------
    values
        The column as read (strings).
    count
        Counts must be whole and not negative (populations, patients, attendances).
    allow_blank
        Blank cells become NaN instead of an error (A&E returns leave cells blank).

    Examples
    --------
    >>> parse_numbers(pd.Series(["1,296", "175"]), count=True).tolist()
    [1296.0, 175.0]
    >>> try:
    ...     parse_numbers(pd.Series(["12", "n/a"]), file="pop.csv", column="population", count=True)
    ... except DataError as e:
    ...     print(e)
    pop.csv, row 2, column 'population': 'n/a' is not a number (expected a whole number of people, 0 or more)
    """
    column = column or str(values.name)
    expected = "a whole number of people, 0 or more" if count else "a number"
    numbers = _cast_floats(values)
    if numbers is None:
        numbers = pd.to_numeric(values, errors="coerce").astype(float)
    retry = numbers.isna() & values.notna()
    if retry.any():
        # Only cells that did not parse directly pay for the thousands-separator clean-up ("1,296").
        cleaned = values[retry].astype("str").str.replace(",", "", regex=False).str.strip()
        numbers[retry] = pd.to_numeric(cleaned, errors="coerce")
    blank = values.isna() | (retry & (values.astype("str").str.strip() == "")) if retry.any() else values.isna()
    # "inf", "1e999" and "-inf" parse as floats but are not numbers anyone published.
    bad = ~np.isfinite(numbers.to_numpy(dtype=float)) & ~(blank & allow_blank).to_numpy()
    if bad.any():
        i = _first(bad)
        shown = "a blank cell" if blank.iloc[i] else f"{values.iloc[i]!r} is not a number"
        raise DataError(shown, file=_file(values, file), row=i + 1, column=column, expected=expected)
    if count and (numbers > MAX_COUNT).any():
        # Beyond this a count is not people or attendances, and int64 conversion would wrap it to a negative.
        i = _first((numbers > MAX_COUNT).fillna(False))
        raise DataError(
            f"count {values.iloc[i]!r} is too large",
            file=_file(values, file),
            row=i + 1,
            column=column,
            expected=f"{expected}, at most {MAX_COUNT:,}",
        )
    if count:
        wrong = (numbers < 0) | ((numbers % 1) > 0)
        if wrong.any():
            i = _first(wrong.fillna(False))
            what = "negative count" if numbers.iloc[i] < 0 else "count is not whole"
            raise DataError(
                f"{what} {values.iloc[i]!r}", file=_file(values, file), row=i + 1, column=column, expected=expected
            )
    return numbers


def check_lsoa_codes(codes: pd.Series, *, file=None, column: str | None = None, allow=()) -> None:
    """Raise on the first code that is not an LSOA code (E01/W01 and six digits) nor in ``allow``.

    Examples
    --------
    >>> check_lsoa_codes(pd.Series(["E01000001", "NO2011"]), allow=("NO2011",))
    >>> try:
    ...     check_lsoa_codes(pd.Series(["E01000001", "E0100002"]), file="imd.csv", column="lsoa_code")
    ... except DataError as e:
    ...     print(e.row, e.column)
    2 lsoa_code
    """
    ok = codes.astype("str").str.fullmatch(LSOA_PATTERN) | codes.isin(allow)
    ok = ok.fillna(False).astype(bool)
    if not ok.all():
        i = _first(~ok)
        raise DataError(
            f"{codes.iloc[i]!r} is not an LSOA code",
            file=_file(codes, file),
            row=i + 1,
            column=column or str(codes.name),
            expected="E01 or W01 followed by six digits",
        )


def check_codes(codes: pd.Series, pattern: str, what: str, *, file=None, column: str | None = None) -> None:
    """Raise on the first code not matching ``pattern`` (e.g. ``E54\\d{6}`` for an ICB)."""
    ok = codes.astype("str").str.fullmatch(pattern).fillna(False).astype(bool)
    if not ok.all():
        i = _first(~ok)
        raise DataError(
            f"{codes.iloc[i]!r} is not {what}",
            file=_file(codes, file),
            row=i + 1,
            column=column or str(codes.name),
            expected=f"a code like {pattern_example(pattern)}",
        )


def pattern_example(pattern: str) -> str:
    return re.sub(r"\\d\{(\d)\}", lambda m: "0" * int(m.group(1)), pattern).replace("[EW]", "E")


def check_unique(codes: pd.Series, *, file=None, column: str | None = None, what: str = "area") -> None:
    """Raise on the first code that appears twice (one row per area is expected).

    Examples
    --------
    >>> try:
    ...     check_unique(pd.Series(["E01000001", "E01000001"]), file="imd.csv", column="LSOA code (2021)")
    ... except DataError as e:
    ...     print(e)
    imd.csv, row 2, column 'LSOA code (2021)': 'E01000001' appears more than once (first at row 1) (expected one row per area)
    """
    dup = codes.duplicated()
    if dup.any():
        i = _first(dup)
        first = _first(codes == codes.iloc[i])
        raise DataError(
            f"{codes.iloc[i]!r} appears more than once (first at row {first + 1})",
            file=_file(codes, file),
            row=i + 1,
            column=column or str(codes.name),
            expected=f"one row per {what}",
        )


def check_known_lsoas(codes: pd.Series, known, file=None, column: str | None = None) -> None:
    """Raise on the first code not in the reference set ``known`` (e.g. the LSOAs of the boundaries in use).

    Examples
    --------
    >>> check_known_lsoas(pd.Series(["E01000001"]), {"E01000001"}, "a.csv", "lsoa_code")
    >>> try:
    ...     check_known_lsoas(pd.Series(["E01000001", "E01999999"]), {"E01000001"}, "a.csv", "lsoa_code")
    ... except DataError as e:
    ...     print(e.row, e.message)
    2 unknown LSOA code 'E01999999'
    """
    unknown = ~codes.isin(set(known))
    if unknown.any():
        i = _first(unknown)
        raise DataError(
            f"unknown LSOA code {codes.iloc[i]!r}",
            file=_file(codes, file),
            row=i + 1,
            column=column or str(codes.name),
            expected="a code in the reference LSOA list",
        )


def check_lsoa_vintage(
    df: pd.DataFrame, lsoa_vintage: int | str, lookup: pd.DataFrame, column: str = "lsoa_code"
) -> None:
    """Raise if ``df`` holds LSOA codes that exist only in the other vintage (2011 vs 2021).

    ``lookup`` is the ``lsoa11_lsoa21_lookup`` table; codes unchanged between vintages are in both and pass.

    Examples
    --------
    >>> lookup = pd.DataFrame({"lsoa11_code": ["E01000001", "E01000003"], "lsoa21_code": ["E01000001", "E01035000"]})
    >>> df = pd.DataFrame({"lsoa_code": ["E01000001", "E01035000"]})
    >>> check_lsoa_vintage(df, 2021, lookup)
    >>> try:
    ...     check_lsoa_vintage(df, 2011, lookup)
    ... except DataError as e:
    ...     print(e.row, e.message)
    2 'E01035000' is an LSOA 2021 code only, but this file is on LSOA 2011 geography
    """
    vintage = int(str(lsoa_vintage)[-4:])
    this, other = ("lsoa11_code", "lsoa21_code") if vintage == 2011 else ("lsoa21_code", "lsoa11_code")
    only_other = set(lookup[other]) - set(lookup[this])
    wrong = df[column].isin(only_other)
    if wrong.any():
        i = _first(wrong)
        other_year = 2021 if vintage == 2011 else 2011
        raise DataError(
            f"{df[column].iloc[i]!r} is an LSOA {other_year} code only, but this file is on LSOA {vintage} geography",
            file=df.attrs.get("file"),
            row=i + 1,
            column=column,
            expected=f"LSOA {vintage} codes throughout (bridge other vintages through the ONS lookup)",
        )


def check_geometry(gdf: gpd.GeoDataFrame, *, file=None, column: str = "geometry") -> gpd.GeoDataFrame:
    """Refuse null or empty shapes; repair invalid ones only when the repair keeps a polygon of similar area.

    Examples
    --------
    >>> from shapely.geometry import Polygon
    >>> bowtie = Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    >>> try:
    ...     check_geometry(gpd.GeoDataFrame(geometry=[bowtie]), file="b.gpkg")
    ... except DataError as e:
    ...     print(e.row)
    1
    """
    geoms = gdf.geometry.values
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        i = _first(missing)
        raise DataError(
            "geometry is empty or missing",
            file=_file(gdf, file),
            row=i + 1,
            column=column,
            expected="a polygon for every area",
        )
    kinds = shapely.get_type_id(geoms)
    not_polygon = (kinds != 3) & (kinds != 6)  # Polygon, MultiPolygon
    if not_polygon.any():
        i = _first(not_polygon)
        raise DataError(
            f"geometry is a {geoms[i].geom_type}, not an area",
            file=_file(gdf, file),
            row=i + 1,
            column=column,
            expected="a polygon for every area",
        )
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        geoms = geoms.copy()
        for i in np.flatnonzero(invalid):
            fixed = shapely.make_valid(geoms[i], method="structure", keep_collapsed=False)
            polys = [g for g in shapely.get_parts(fixed) if g.geom_type in ("Polygon", "MultiPolygon")]
            area = shapely.area(geoms[i])
            repaired = shapely.union_all(polys) if polys else None
            if repaired is None or area <= 0 or abs(repaired.area - area) > MAX_REPAIR_AREA_CHANGE * area:
                reason = shapely.is_valid_reason(geoms[i])
                raise DataError(
                    f"invalid geometry ({reason}) that cannot be repaired without changing its area",
                    file=_file(gdf, file),
                    row=int(i) + 1,
                    column=column,
                    expected="a valid polygon",
                )
            geoms[i] = repaired
        gdf = gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs))
    return gdf


def require_columns(df: pd.DataFrame, columns: list[str], *, file=None) -> None:
    """Raise if any of ``columns`` is absent, listing what was expected."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError(
            f"columns missing: {', '.join(missing)}",
            file=_file(df, file),
            row=0,
            column=missing[0],
            expected=f"columns {', '.join(columns)}",
        )
