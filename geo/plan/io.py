"""Reading and writing plans: CSV lookups and polygon files in, CSV, GeoJSON and GeoPackage out, chosen by extension.

``read_plan`` accepts a lookup (``lsoa_code, neighbourhood``; header variants such as ``LSOA21CD`` or ``name``) or
polygons (GeoJSON, GeoPackage, zipped shapefile), where each LSOA goes to the polygon covering most of its area.
Every problem is a :class:`geo.errors.PlanError` naming the file, row and column; every neighbourhood name must
pass :func:`geo.names.check_name`, and a zipped shapefile must pass the archive guard. ``write_plan`` writes the
lookup (every text cell formula-safe, so a spreadsheet never runs a name as a formula),
the dissolved footprints with their metrics (EPSG:27700 in GeoPackage, EPSG:4326 in GeoJSON as RFC 7946 asks), or
the LSOA layer. Exports carry whole-neighbourhood populations only, never per-practice patient counts. A plan
whose search a time budget cut short says so in every file (a ``stopped_early`` column; in a lookup only then).
"""

from __future__ import annotations

from collections.abc import Mapping

from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from geo.errors import DataError, PlanError
from geo.names import check_name, formula_safe_frame, name_from_file, printable
from geo.plan.constraints import coverage_error
from geo.sources.limits import check_geometries, check_polygon_file_size, check_table, read_csv
from geo.sources.memory import MemoryFile, as_source, opened
from dataclasses import replace

if TYPE_CHECKING:
    from geo.atlas.model import Atlas
    from geo.plan import Plan

LSOA_HEADERS = ["lsoa_code", "lsoa21cd", "lsoa11cd", "lsoa_cd", "lsoacd", "lsoa", "lsoa21", "lsoa11"]
NAME_HEADERS = [
    "neighbourhood",
    "neighborhood",
    "neighbourhood_name",
    "neighbourhood_code",
    "nbhd",
    "name",
    "label",
    "district",
    "zone",
]
POLYGON_SUFFIXES = {".geojson", ".json", ".gpkg", ".zip", ".shp"}
#: The column (CSV) or property (GeoJSON, GeoPackage) that records the population basis a plan was made on, on
#: every row; a file without it is read on the basis the caller gives (resident by default, lists for practices).
BASIS_COLUMN = "population_basis"
WRITERS = {".csv": "lookup", ".geojson": "GeoJSON", ".gpkg": "GPKG"}


def read_plan(path: str | Path | MemoryFile, atlas: "Atlas", *, name_column: str | None = None) -> pd.Series:
    """Read a plan file and return its ``lsoa_code -> neighbourhood`` assignment, checked against the atlas.

    Parameters
    ----------
    path
        A ``.csv`` lookup, or ``.geojson``/``.gpkg``/zipped shapefile polygons (a layer with an LSOA code column
        is read as a lookup); a :class:`geo.sources.memory.MemoryFile` for an upload (never written to disk).
        Its size is bounded before it is parsed (:mod:`geo.sources.limits`).
    atlas
        The study area the plan must cover exactly.
    name_column
        Column holding the neighbourhood name (default: a recognised header, else the first text column).

    Examples
    --------
    >>> import tempfile, os
    >>> from geo.testing import grid_atlas
    >>> path = os.path.join(tempfile.mkdtemp(), "plan.csv")
    >>> _ = open(path, "w").write("LSOA21CD,Neighbourhood\\nG0000,North\\nG0001,North\\n")
    >>> read_plan(path, grid_atlas(2, 1)).to_dict()
    {'G0000': 'North', 'G0001': 'North'}
    """
    return _read_plan(path, atlas, name_column)[0]


def _read_plan(path, atlas: "Atlas", name_column: str | None) -> tuple[pd.Series, str | None, pd.Series | None]:
    """:func:`read_plan`, with the population basis the file records (``None``: not recorded) and, for a list
    plan's footprints (basis ``list`` with a ``practice_codes`` property), its ``practice_code -> neighbourhood``."""
    path = as_source(path)
    if len(atlas.lsoas) == 0:
        raise PlanError("the study area has no LSOAs", file=path.name, expected="an area with at least one LSOA")
    if not path.is_file():
        raise PlanError("file not found", file=str(path), expected="a .csv lookup or .geojson/.gpkg/.zip polygons")
    if path.stat().st_size == 0:
        raise PlanError("the file is empty", file=path.name, expected="a header and one row per LSOA")
    suffix = path.suffix.lower()
    if suffix in {".csv", ".txt"}:
        frame = _read_csv(path)
        return (
            assignment_from_frame(frame, atlas, source=path.name, name_column=name_column),
            basis_of(frame, source=path.name),
            None,
        )
    if suffix in POLYGON_SUFFIXES:
        from geo.sources.archives import check_upload_archive  # lazy: imported only on this branch

        try:
            check_upload_archive(path)
        except PlanError:
            raise
        except Exception as error:  # DataError from the guard: the same message, as the plan reader's error
            raise PlanError(
                f"cannot read polygons: {getattr(error, 'message', error)}",
                file=path.name,
                expected=getattr(error, "expected", None),
            ) from None
        return _read_polygons(path, atlas, name_column)
    raise PlanError(
        f"unrecognised file type '{suffix}'", file=path.name, expected="a .csv, .geojson, .gpkg or zipped shapefile"
    )


def assignment_from_frame(
    frame: pd.DataFrame, atlas: "Atlas", *, source: str = "table", name_column: str | None = None
) -> pd.Series:
    """Return the assignment in a lookup table, after checking it covers the atlas exactly.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> frame = pd.DataFrame({"lsoa": ["G0001", "G0000"], "zone": ["B", "A"]})
    >>> assignment_from_frame(frame, grid_atlas(2, 1)).to_dict()
    {'G0001': 'B', 'G0000': 'A'}
    """
    if len(frame) == 0:
        raise PlanError("the plan has no rows", file=source, expected="a header and one row per LSOA")
    lsoa_column = _find_column(frame, LSOA_HEADERS, source, "an LSOA code column such as lsoa_code or LSOA21CD")
    if name_column is None:
        others = [
            c
            for c in frame.columns
            if c != lsoa_column and _norm(c) != BASIS_COLUMN and not str(c).lower().startswith(("lsoa", "geometry"))
        ]
        named = [c for c in others if _norm(c) in NAME_HEADERS]
        name_column = (
            min(named, key=lambda c: NAME_HEADERS.index(_norm(c)))
            if named
            else (others[0] if len(others) == 1 else None)
        )
        if name_column is None:
            raise PlanError(
                f"no neighbourhood column among {list(frame.columns)}",
                file=source,
                row=0,
                expected="a column named neighbourhood (or name)",
            )
    elif name_column not in frame.columns:
        raise PlanError(
            f"column '{name_column}' not found; columns are {list(frame.columns)}",
            file=source,
            row=0,
            column=name_column,
        )
    codes = frame[lsoa_column].astype(str).str.strip()
    names = frame[name_column].astype(str).str.strip().where(frame[name_column].notna(), "")
    for check, problem, column, expected in (
        (codes.duplicated(), "is listed more than once", lsoa_column, "each LSOA once"),
        (
            ~codes.isin(atlas.lsoas.index),
            "is not an LSOA of the study area",
            lsoa_column,
            f"LSOA {atlas.vintage} codes of {atlas.area.label}",
        ),
        (names.isin(["", "nan", "None"]), "has no neighbourhood name", name_column, "a non-empty name"),
    ):
        if check.any():
            first = int(check.to_numpy().argmax())
            more = f" ({int(check.sum())} rows in all)" if check.sum() > 1 else ""
            raise PlanError(
                f"LSOA '{codes.iloc[first]}' {problem}{more}",
                file=source,
                row=first + 1,
                column=column,
                expected=expected,
            )
    check_names(names, source=source, column=name_column)
    assignment = pd.Series(names.to_numpy(), index=pd.Index(codes.to_numpy(), name="lsoa_code"), name="neighbourhood")
    error = coverage_error(atlas, assignment, file=source)
    if error is not None:
        raise error
    return assignment


def _read_csv(path, expected: str = "a CSV lookup") -> pd.DataFrame:
    """A plan table as text, bounded first; a ragged row or bad quote is one PlanError naming its row."""
    with path.open("rb") as fh:
        head = fh.read(4096)
    if b"\x00" in head:  # UTF-16 text or a binary file: cp1252 would "read" it as garbage
        raise PlanError(
            "cannot read the file as CSV (it is UTF-16 text or binary)",
            file=path.name,
            expected=f"{expected} saved as UTF-8 or Windows (cp1252) text",
        )
    try:
        return read_csv(path, file=path.name, expected=expected)
    except PlanError:
        raise
    except DataError as error:  # the limits' and the reader's DataError, as the plan reader's error
        raise PlanError(
            error.message, file=path.name, row=error.row, column=error.column, expected=error.expected
        ) from None


def _read_polygons(path, atlas: "Atlas", name_column: str | None) -> pd.Series:
    try:
        check_polygon_file_size(path.stat().st_size, file=path.name)
        polygons = gpd.read_file(opened(path))
    except PlanError:
        raise
    except Exception as error:  # pyogrio raises its own error types per driver; the limit its DataError
        raise PlanError(
            f"cannot read polygons ({getattr(error, 'message', error)})",
            file=path.name,
            expected=getattr(error, "expected", None) or "GeoJSON, GeoPackage or zipped shapefile",
        ) from None
    if len(polygons) == 0:
        raise PlanError("the file has no features", file=path.name, expected="one polygon per neighbourhood")
    attributes = pd.DataFrame(polygons.drop(columns=polygons.geometry.name))
    basis = basis_of(attributes, source=path.name)
    if any(_norm(c) in LSOA_HEADERS for c in attributes.columns):
        return assignment_from_frame(attributes, atlas, source=path.name, name_column=name_column), basis, None
    if name_column is None:
        text = [
            c
            for c in attributes.columns
            if _norm(c) != BASIS_COLUMN
            and (attributes[c].dtype == object or pd.api.types.is_string_dtype(attributes[c]))
        ]
        if not text:
            raise PlanError(
                "no text column to name the neighbourhoods", file=path.name, expected="a name column, or --name-column"
            )
        name_column = text[0]
    elif name_column not in attributes.columns:
        raise PlanError(
            f"column '{name_column}' not found; columns are {list(attributes.columns)}",
            file=path.name,
            column=name_column,
        )
    if polygons.crs is None:
        polygons = polygons.set_crs("EPSG:4326" if path.suffix.lower() in {".geojson", ".json"} else "EPSG:27700")
    polygons = polygons.to_crs(atlas.lsoas.crs)
    bad = polygons.geometry.isna() | polygons.geometry.is_empty
    if bad.any():
        raise PlanError(
            "a feature has no geometry",
            file=path.name,
            row=int(bad.to_numpy().argmax()) + 1,
            column="geometry",
            expected="a polygon",
        )
    _check_geometries(polygons.geometry.to_numpy(), path.name)  # before make_valid and the overlay
    check_names(polygons[name_column].astype(str).str.strip(), source=path.name, column=name_column)
    zones = gpd.GeoDataFrame(
        {"neighbourhood": polygons[name_column].astype(str).str.strip()}, geometry=polygons.geometry.make_valid()
    )
    lsoas = gpd.GeoDataFrame(
        {"lsoa_code": atlas.lsoas.index}, geometry=atlas.lsoas.geometry.to_numpy(), crs=atlas.lsoas.crs
    )
    pieces = gpd.overlay(lsoas, zones, how="intersection", keep_geom_type=True)
    pieces["area"] = pieces.geometry.area
    # Each LSOA goes to the polygon holding most of its area, which absorbs slivers from generalised boundaries.
    best = pieces.sort_values("area", ascending=False).drop_duplicates("lsoa_code").set_index("lsoa_code")
    assignment = best["neighbourhood"].reindex(atlas.lsoas.index).dropna().rename("neighbourhood")
    error = coverage_error(atlas, assignment, file=path.name)
    if error is not None:
        raise PlanError(
            error.message.replace("missing from the plan", "not covered by any polygon"),
            file=path.name,
            expected=error.expected,
        )
    return assignment, basis, _practices_of(attributes, name_column, basis, path.name)


def _practices_of(attributes: pd.DataFrame, name_column: str, basis: str | None, source: str) -> pd.Series | None:
    """A list plan's footprints (as :func:`write_plan` writes them) name each neighbourhood's practices: the plan
    itself, read back as the list plan it is rather than as the LSOAs its footprint happened to cover."""
    if basis != "list" or "practice_codes" not in attributes.columns:
        return None
    codes, names = [], []
    for name, listed in zip(attributes[name_column].astype(str).str.strip(), attributes["practice_codes"]):
        for code in str(listed if isinstance(listed, str) else "").split(";"):
            if code.strip():
                codes.append(code.strip().upper())
                names.append(name)
    if not codes:
        raise PlanError(
            "a footprint file made on lists names no practices",
            file=source,
            column="practice_codes",
            expected="each neighbourhood's practice codes, separated by ';'",
        )
    return pd.Series(names, index=pd.Index(codes, name="practice_code"), name="neighbourhood")


def basis_of(frame: pd.DataFrame, *, source: str) -> str | None:
    """The population basis a plan table records in its :data:`BASIS_COLUMN` (``None`` when it has none, or
    every cell is blank), or one PlanError naming the first row that differs or is not a basis. A plan has one
    basis, so a blank cell (a row added by hand) is that basis too.

    Examples
    --------
    >>> basis_of(pd.DataFrame({"lsoa_code": ["A", "B"], "population_basis": ["registered", "registered"]}), source="p")
    'registered'
    >>> basis_of(pd.DataFrame({"lsoa_code": ["A"]}), source="p") is None
    True
    >>> basis_of(pd.DataFrame({"population_basis": ["list", "votes"]}), source="p.csv")
    Traceback (most recent call last):
    ...
    geo.errors.PlanError: p.csv, row 2, column 'population_basis': population basis 'votes' is not one of resident, registered, list (expected one basis on every row: the one the plan was made on)
    """
    from geo.plan.params import POPULATION_BASES  # lazy: same package (init order unchecked)

    columns = [c for c in frame.columns if _norm(c) == BASIS_COLUMN]
    if not columns:
        return None
    column = columns[0]
    values = frame[column].where(frame[column].notna(), "").astype(str).str.strip().str.lower()
    given = values[values != ""]
    if given.empty:
        return None
    expected = "one basis on every row: the one the plan was made on"
    first = given.iloc[0]
    for row, value in zip(given.index, given):
        position = int(frame.index.get_loc(row)) + 1
        if value not in POPULATION_BASES:
            raise PlanError(
                f"population basis {value!r} is not one of {', '.join(POPULATION_BASES)}",
                file=source,
                row=position,
                column=str(column),
                expected=expected,
            )
        if value != first:
            raise PlanError(
                f"population basis {value!r} differs from {first!r} on an earlier row",
                file=source,
                row=position,
                column=str(column),
                expected=expected,
            )
    return first  # a blank cell (a row added by hand) is the plan's one basis too


def _check_geometries(geometries, source: str) -> None:
    try:
        check_geometries(geometries, file=source)
    except PlanError:
        raise
    except Exception as error:  # the limit's DataError, as the plan reader's error
        raise PlanError(
            error.message, file=source, row=error.row, column=error.column, expected=error.expected
        ) from None


def write_plan(
    plan: "Plan",
    path: str | Path,
    *,
    layer: str = "neighbourhoods",
    columns: "Mapping[str, Mapping[str, object]] | None" = None,
) -> Path:
    """Write a plan; the format follows the extension (``.csv``, ``.geojson``, ``.gpkg``).

    Parameters
    ----------
    plan
        The plan to write.
    path
        Output file. ``.csv`` writes the ``lsoa_code,neighbourhood`` lookup (``practice_code,neighbourhood`` for
        a list plan) with the basis it is counted on in a ``population_basis`` column; ``.geojson`` (EPSG:4326) and
        ``.gpkg`` (EPSG:27700) write the chosen layer.
    layer
        ``"neighbourhoods"`` (dissolved footprints with their metrics) or ``"lsoas"`` (one feature per LSOA).
    columns
        Extra figures per neighbourhood (``{column: {neighbourhood: value}}``, e.g. each one's Multi-Neighbourhood
        Provider area), written beside it in every format through the same formula-safe writer.

    Examples
    --------
    >>> import tempfile, os
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> plan = Plan(grid_atlas(2, 1), {"G0000": "A", "G0001": "B"})
    >>> out = write_plan(plan, os.path.join(tempfile.mkdtemp(), "plan.csv"))
    >>> out.read_text().splitlines()
    ['lsoa_code,neighbourhood,population_basis', 'G0000,A,resident', 'G0001,B,resident']
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in WRITERS:
        raise PlanError(
            f"cannot write '{suffix}' files", file=path.name, expected="a .csv, .geojson or .gpkg file name"
        )
    if layer not in {"neighbourhoods", "lsoas"}:
        raise PlanError(f"unknown layer '{layer}'", column="layer", expected="'neighbourhoods' or 'lsoas'")
    if not path.parent.is_dir():  # a typo in a folder name must not silently create a new folder
        raise PlanError(f"the folder {path.parent} does not exist", file=str(path), expected="an existing folder")
    name_column = "name" if suffix != ".csv" and layer == "neighbourhoods" else "neighbourhood"
    if suffix == ".csv":
        frame = lookup_frame(plan)
        if stopped_early(plan):  # a plan cut short by a time budget says so in its file too
            frame["stopped_early"] = True
        for column, values in (columns or {}).items():
            frame[column] = frame[name_column].map(dict(values))
        formula_safe_frame(frame).to_csv(path, index=False)
        return path
    frame = footprints(plan) if layer == "neighbourhoods" else lsoa_layer(plan)
    for column, values in (columns or {}).items():
        frame[column] = frame[name_column].map(dict(values))
    if suffix == ".geojson":
        path.unlink(missing_ok=True)
        frame.to_crs("EPSG:4326").to_file(path, driver="GeoJSON")
    else:
        frame.to_crs("EPSG:27700").to_file(path, driver="GPKG", layer=layer)
    return path


def lookup_frame(plan: "Plan") -> pd.DataFrame:
    """The plan as a table: ``practice_code,neighbourhood`` (a list plan: its list view) or
    ``lsoa_code,neighbourhood``, with the population basis it is counted on in :data:`BASIS_COLUMN` on every row.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> lookup_frame(Plan(grid_atlas(2, 1), {"G0000": "A", "G0001": "B"}, population="registered")).values.tolist()
    [['G0000', 'A', 'registered'], ['G0001', 'B', 'registered']]
    """
    if plan.practice_assignment is not None:  # a list-based plan's file is its list view
        frame = plan.practice_assignment.rename("neighbourhood").rename_axis("practice_code").reset_index()
    else:
        frame = plan.assignment.rename_axis("lsoa_code").reset_index()
    frame[BASIS_COLUMN] = plan.population
    return frame


def footprints(plan: "Plan") -> gpd.GeoDataFrame:
    """Return the dissolved neighbourhoods with their metrics as flat columns (lists joined by ``;``).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> frame = footprints(Plan(grid_atlas(2, 1), {"G0000": "A", "G0001": "A"}))
    >>> frame[["name", "lsoas", "lad_codes"]].to_dict("records"), frame.crs.to_epsg()
    ([{'name': 'A', 'lsoas': 2, 'lad_codes': 'E07009000'}], 27700)
    """
    table = plan.neighbourhood_table()
    for column in ("practice_codes", "pcn_codes", "lad_codes", "local_decile_mix"):
        table[column] = table[column].map(lambda values: ";".join(map(str, values)))
    table["plan"] = plan.name
    table["population_basis"] = plan.population
    table["stopped_early"] = stopped_early(plan)
    table["target"] = plan.target
    table["sources"] = plan.atlas.source_note()
    shapes = plan["shapes"]
    geometry = [shapes[int(k)] for k in plan.live]
    return gpd.GeoDataFrame(table, geometry=geometry, crs=plan.atlas.lsoas.crs)


def stopped_early(plan: "Plan") -> bool:
    """Whether a time budget ended the search that made the plan (its files then say so: ``stopped_early``)."""
    return bool(getattr(plan.provenance, "stopped_early", False))


def lsoa_layer(plan: "Plan") -> gpd.GeoDataFrame:
    """Return one feature per LSOA with its neighbourhood and populations."""
    lsoas = plan.atlas.lsoas
    return gpd.GeoDataFrame(
        {
            "lsoa_code": lsoas.index.to_numpy(),
            "lsoa_name": lsoas["lsoa_name"].to_numpy(),
            "lad_code": lsoas["lad_code"].to_numpy(),
            "neighbourhood": plan.assignment.to_numpy(),
            "resident_population": lsoas["resident_population"].to_numpy(),
            "registered_population": lsoas["registered_population"].to_numpy(),
            BASIS_COLUMN: plan.population,
            "stopped_early": stopped_early(plan),
        },
        geometry=lsoas.geometry.to_numpy(),
        crs=lsoas.crs,
    )


def check_names(names: pd.Series, *, source: str, column: str) -> None:
    """Raise PlanError naming the first row (1-based) whose neighbourhood name breaks :func:`check_name`.

    Examples
    --------
    >>> check_names(pd.Series(["North", "=1+1"]), source="plan.csv", column="neighbourhood")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geo.errors.PlanError: plan.csv, row 2, column 'neighbourhood': neighbourhood name '=1+1' begins with '='...
    """
    for name in pd.unique(names.to_numpy()):
        try:
            check_name(name, what="neighbourhood name")
        except PlanError as error:
            row = int((names.to_numpy() == name).argmax()) + 1
            raise PlanError(error.message, file=source, row=row, column=column, expected=error.expected) from None


def _norm(column) -> str:
    return str(column).strip().lower().replace(" ", "_")


def _find_column(frame: pd.DataFrame, headers: list[str], source: str, expected: str) -> str:
    found = [c for c in frame.columns if _norm(c) in headers]
    if not found:
        raise PlanError(f"no LSOA code column among {list(frame.columns)}", file=source, row=0, expected=expected)
    return min(found, key=lambda c: headers.index(_norm(c)))


PRACTICE_HEADERS = ["practice_code", "practice", "org_code", "ods_code", "gp_code", "code"]


def is_practice_table(frame: pd.DataFrame) -> bool:
    """Whether a plan table lists practices (``practice_code,neighbourhood``) rather than LSOAs."""
    columns = [_norm(c) for c in frame.columns]
    return any(c in PRACTICE_HEADERS[:5] for c in columns) and not any(c in LSOA_HEADERS for c in columns)


def read_practice_plan(
    path: str | Path | MemoryFile, atlas: "Atlas", *, name_column: str | None = None
) -> tuple[pd.Series, dict[str, int]]:
    """Read a list-based plan file (``practice_code,neighbourhood``) and return the assignment and each code's row.

    The assignment is checked by :meth:`geo.plan.Plan.from_practices`, which names the row of a bad code.
    """
    practices, rows, _ = _read_practice_table(as_source(path), name_column)
    return practices, rows


def _read_practice_table(path, name_column: str | None) -> tuple[pd.Series, dict[str, int], str | None]:
    frame = _read_csv(path, "a practice_code,neighbourhood table")
    if len(frame) == 0:
        raise PlanError("the plan has no rows", file=path.name, expected="a header and one row per practice")
    code_column = min(
        (c for c in frame.columns if _norm(c) in PRACTICE_HEADERS), key=lambda c: PRACTICE_HEADERS.index(_norm(c))
    )
    if name_column is None:
        others = [c for c in frame.columns if c != code_column and _norm(c) != BASIS_COLUMN]
        named = [c for c in others if _norm(c) in NAME_HEADERS]
        name_column = (
            min(named, key=lambda c: NAME_HEADERS.index(_norm(c)))
            if named
            else (others[0] if len(others) == 1 else None)
        )
        if name_column is None:
            raise PlanError(
                f"no neighbourhood column among {list(frame.columns)}",
                file=path.name,
                expected="a column named neighbourhood (or name)",
            )
    codes = frame[code_column].astype(str).str.strip().str.upper()
    names = frame[name_column].astype(str).str.strip()
    check_names(names, source=path.name, column=name_column)
    rows = {}
    for row, code in enumerate(codes, start=1):
        if code in rows:
            raise PlanError(
                f"practice {code} appears more than once (rows {rows[code]} and {row})",
                file=path.name,
                row=row,
                column=code_column,
                expected="each practice once, in one neighbourhood",
            )
        rows[code] = row
    return (
        pd.Series(names.to_numpy(), index=pd.Index(codes.to_numpy(), name="practice_code")),
        rows,
        basis_of(frame, source=path.name),
    )


def load_plan(
    path: str | Path | MemoryFile,
    atlas: "Atlas",
    params=None,
    *,
    name_column: str | None = None,
    provenance=None,
    name: str | None = None,
    **overrides,
) -> "Plan":
    r"""Read any plan file as a :class:`geo.plan.Plan`: an LSOA lookup or polygons (place-based), or a
    ``practice_code,neighbourhood`` table (list-based, its footprint derived), recognised by its header.

    ``path`` may be a :class:`geo.sources.memory.MemoryFile` (an upload, read without touching the disk). The plan
    is called ``name``, else after the file: its stem made a valid name (:func:`geo.names.name_from_file`).

    Examples
    --------
    >>> import tempfile, os
    >>> from geo.testing import grid_atlas
    >>> atlas = grid_atlas(4, 4)
    >>> path = os.path.join(tempfile.mkdtemp(), "plan.csv")
    >>> _ = open(path, "w").write("practice_code,neighbourhood\nZ00000,A\nZ00001,A\nZ00002,B\nZ00003,B\n")
    >>> plan = load_plan(path, atlas, target=12_000)
    >>> plan.built_from, plan.population, sorted(plan.neighbourhoods)
    ('practices', 'list', ['A', 'B'])
    """
    from geo.plan import Plan  # lazy: same package (init order unchecked)
    from geo.plan.params import Provenance  # lazy: same package (init order unchecked)

    path = as_source(path)
    name = check_name(name, what="plan name") if name else name_from_file(path.name)
    provenance = provenance if provenance is not None else Provenance("imported", source=printable(path.name))
    if path.suffix.lower() in {".csv", ".txt"} and path.is_file() and path.stat().st_size:
        try:
            check_table(path, file=path.name)  # a header of a million columns is refused before it is parsed
            header = pd.read_csv(opened(path), nrows=0, dtype=str)
        except Exception:  # let read_plan give its one clear error
            header = pd.DataFrame()
        if is_practice_table(header):
            practices, rows, basis = _read_practice_table(path, name_column)
            return Plan.from_practices(
                atlas,
                practices,
                params,
                provenance=_made_on(provenance, basis or "list"),
                name=name,
                source=path.name,
                rows=rows,
                **overrides,
            )
    assignment, basis, practices = _read_plan(path, atlas, name_column)
    if practices is not None:  # a list plan's footprints: the plan is its practices
        return Plan.from_practices(
            atlas, practices, params, provenance=_made_on(provenance, basis), name=name, source=path.name, **overrides
        )
    return Plan(atlas, assignment, params, provenance=_made_on(provenance, basis), name=name, **overrides)


def _made_on(provenance, basis: str | None):
    """The provenance with the basis the file says the plan was made on (a plan is judged on it unless the
    caller names another basis; see :class:`geo.plan.Plan`)."""

    return replace(provenance, population_basis=basis) if basis is not None else provenance
