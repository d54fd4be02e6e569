"""Reading plans: a CSV lookup of LSOAs or of practices, or polygons, recognised by its header.

:func:`load_plan` is how every plan file becomes a :class:`geo.plan.Plan` (``nhp score``, ``POST /plans/import``);
:func:`read_plan` returns an LSOA assignment only. The file is opened and decoded by the one upload reader
(:mod:`geo.sources.uploads`, kind ``plan``): its encodings, bounds and ragged-row rule are those of every other
upload. A lookup is ``lsoa_code, neighbourhood`` (header variants such as ``LSOA21CD`` or ``name``) or
``practice_code, neighbourhood`` (a list-based plan); polygons (GeoJSON, GeoPackage, zipped shapefile) give each
LSOA to the polygon covering most of its area. Every problem is a :class:`geo.errors.PlanError` naming the file,
row and column; every neighbourhood name must pass :func:`geo.names.check_name`.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from geo.errors import PlanError
from geo.names import check_name, name_from_file, printable
from geo.plan.constraints import coverage_error
from geo.plan.params import POPULATION_BASES, Provenance
from geo.sources.memory import MemoryFile
from geo.sources.uploads import Upload, check_shapes, open_upload, read_layer, read_table, repaired

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
PRACTICE_HEADERS = ["practice_code", "practice", "org_code", "ods_code", "gp_code", "code"]
#: The column (CSV) or property (GeoJSON, GeoPackage) that records the population basis a plan was made on, on
#: every row; a file without it is read on the basis the caller gives (resident by default, lists for practices).
BASIS_COLUMN = "population_basis"


def read_plan(path: str | Path | MemoryFile, atlas: "Atlas", *, name_column: str | None = None) -> pd.Series:
    """Read a plan file and return its ``lsoa_code -> neighbourhood`` assignment, checked against the atlas.

    Parameters
    ----------
    path
        A ``.csv`` lookup, or ``.geojson``/``.gpkg``/zipped shapefile polygons (a layer with an LSOA code column
        is read as a lookup); a :class:`geo.sources.memory.MemoryFile` for an upload (never written to disk).
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
    upload = _open(path, atlas)
    if upload.format == "csv":
        return assignment_from_frame(read_table(upload), atlas, source=upload.name, name_column=name_column)
    return _read_polygons(upload, atlas, name_column)[0]


def _open(path, atlas: "Atlas") -> Upload:
    if len(atlas.lsoas) == 0:
        raise PlanError("the study area has no LSOAs", file=str(path), expected="an area with at least one LSOA")
    return open_upload(path, "plan")


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
        name_column = _name_column(frame, others, source)
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


def _name_column(frame: pd.DataFrame, others: list, source: str):
    """The neighbourhood column: a recognised header, else the one column left."""
    named = [c for c in others if _norm(c) in NAME_HEADERS]
    if named:
        return min(named, key=lambda c: NAME_HEADERS.index(_norm(c)))
    if len(others) == 1:
        return others[0]
    raise PlanError(
        f"no neighbourhood column among {list(frame.columns)}",
        file=source,
        row=0,
        expected="a column named neighbourhood (or name)",
    )


def _read_polygons(upload: Upload, atlas: "Atlas", name_column: str | None):
    """Polygons as ``(assignment, basis, practices)``: each LSOA to the polygon covering most of it."""
    polygons = read_layer(upload)
    source = upload.name
    attributes = pd.DataFrame(polygons.drop(columns=polygons.geometry.name))
    basis = basis_of(attributes, source=source)
    if any(_norm(c) in LSOA_HEADERS for c in attributes.columns):
        return assignment_from_frame(attributes, atlas, source=source, name_column=name_column), basis, None
    if name_column is None:
        text = [
            c
            for c in attributes.columns
            if _norm(c) != BASIS_COLUMN
            and (attributes[c].dtype == object or pd.api.types.is_string_dtype(attributes[c]))
        ]
        if not text:
            raise PlanError(
                "no text column to name the neighbourhoods", file=source, expected="a name column, or --name-column"
            )
        name_column = text[0]
    elif name_column not in attributes.columns:
        raise PlanError(
            f"column '{name_column}' not found; columns are {list(attributes.columns)}", file=source, column=name_column
        )
    if polygons.crs is None:
        polygons = polygons.set_crs("EPSG:4326" if upload.format == "geojson" else "EPSG:27700")
    polygons = polygons.to_crs(atlas.lsoas.crs)
    check_shapes(upload, polygons)  # before make_valid and the overlay
    check_names(polygons[name_column].astype(str).str.strip(), source=source, column=name_column)
    zones = gpd.GeoDataFrame(
        {"neighbourhood": polygons[name_column].astype(str).str.strip()}, geometry=repaired(upload, polygons)
    )
    lsoas = gpd.GeoDataFrame(
        {"lsoa_code": atlas.lsoas.index}, geometry=atlas.lsoas.geometry.to_numpy(), crs=atlas.lsoas.crs
    )
    pieces = gpd.overlay(lsoas, zones, how="intersection", keep_geom_type=True)
    pieces["area"] = pieces.geometry.area
    # Each LSOA goes to the polygon holding most of its area, which absorbs slivers from generalised boundaries.
    best = pieces.sort_values("area", ascending=False).drop_duplicates("lsoa_code").set_index("lsoa_code")
    assignment = best["neighbourhood"].reindex(atlas.lsoas.index).dropna().rename("neighbourhood")
    error = coverage_error(atlas, assignment, file=source)
    if error is not None:
        raise PlanError(
            error.message.replace("missing from the plan", "not covered by any polygon"),
            file=source,
            expected=error.expected,
        )
    return assignment, basis, _practices_of(attributes, name_column, basis, source)


def _practices_of(attributes: pd.DataFrame, name_column: str, basis: str | None, source: str) -> pd.Series | None:
    """A list plan's footprints (as :func:`geo.plan.io.write_plan` writes them) name each neighbourhood's
    practices: the plan itself, read back as the list plan it is rather than as the LSOAs its footprint covered."""
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


def is_practice_table(frame: pd.DataFrame) -> bool:
    """Whether a plan table lists practices (``practice_code,neighbourhood``) rather than LSOAs.

    Examples
    --------
    >>> is_practice_table(pd.DataFrame(columns=["Practice Code", "name"]))
    True
    """
    columns = [_norm(c) for c in frame.columns]
    return any(c in PRACTICE_HEADERS[:5] for c in columns) and not any(c in LSOA_HEADERS for c in columns)


def read_practice_plan(
    path: str | Path | MemoryFile, atlas: "Atlas", *, name_column: str | None = None
) -> tuple[pd.Series, dict[str, int]]:
    """Read a list-based plan file (``practice_code,neighbourhood``) and return the assignment and each code's row.

    The assignment is checked by :meth:`geo.plan.Plan.from_practices`, which names the row of a bad code.
    """
    upload = open_upload(path, "plan")
    practices, rows, _ = practice_table(read_table(upload), upload.name, name_column)
    return practices, rows


def practice_table(
    frame: pd.DataFrame, source: str, name_column: str | None = None
) -> tuple[pd.Series, dict[str, int], str | None]:
    """A practice plan table as ``(practice_code -> neighbourhood, code -> row, basis)``; a code twice is an error.

    Examples
    --------
    >>> frame = pd.DataFrame({"practice_code": ["a1", "B2"], "neighbourhood": ["North", "South"]})
    >>> practice_table(frame, "p.csv")[0].to_dict()
    {'A1': 'North', 'B2': 'South'}
    """
    if len(frame) == 0:
        raise PlanError("the plan has no rows", file=source, expected="a header and one row per practice")
    code_column = min(
        (c for c in frame.columns if _norm(c) in PRACTICE_HEADERS), key=lambda c: PRACTICE_HEADERS.index(_norm(c))
    )
    if name_column is None:
        name_column = _name_column(
            frame, [c for c in frame.columns if c != code_column and _norm(c) != BASIS_COLUMN], source
        )
    elif name_column not in frame.columns:
        raise PlanError(
            f"column '{name_column}' not found; columns are {list(frame.columns)}",
            file=source,
            row=0,
            column=name_column,
        )
    codes = frame[code_column].astype(str).str.strip().str.upper()
    names = frame[name_column].astype(str).str.strip()
    check_names(names, source=source, column=name_column)
    rows = {}
    for row, code in enumerate(codes, start=1):
        if code in rows:
            raise PlanError(
                f"practice {code} appears more than once (rows {rows[code]} and {row})",
                file=source,
                row=row,
                column=code_column,
                expected="each practice once, in one neighbourhood",
            )
        rows[code] = row
    return (
        pd.Series(names.to_numpy(), index=pd.Index(codes.to_numpy(), name="practice_code")),
        rows,
        basis_of(frame, source=source),
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
    from geo.plan import Plan  # geo.plan's package imports this module: the class is read when a plan is made

    upload = _open(path, atlas)
    source = upload.name
    name = check_name(name, what="plan name") if name else name_from_file(source)
    provenance = provenance if provenance is not None else Provenance("imported", source=printable(source))
    if upload.format == "csv":
        frame = read_table(upload)
        if is_practice_table(frame):
            practices, rows, basis = practice_table(frame, source, name_column)
            return Plan.from_practices(
                atlas,
                practices,
                params,
                provenance=_made_on(provenance, basis or "list"),
                name=name,
                source=source,
                rows=rows,
                **overrides,
            )
        assignment = assignment_from_frame(frame, atlas, source=source, name_column=name_column)
        basis, practices = basis_of(frame, source=source), None
    else:
        assignment, basis, practices = _read_polygons(upload, atlas, name_column)
    if practices is not None:  # a list plan's footprints: the plan is its practices
        return Plan.from_practices(
            atlas, practices, params, provenance=_made_on(provenance, basis), name=name, source=source, **overrides
        )
    return Plan(atlas, assignment, params, provenance=_made_on(provenance, basis), name=name, **overrides)


def _made_on(provenance, basis: str | None):
    """The provenance with the basis the file says the plan was made on (a plan is judged on it unless the
    caller names another basis; see :class:`geo.plan.Plan`)."""
    return replace(provenance, population_basis=basis) if basis is not None else provenance
