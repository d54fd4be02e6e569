"""Plan lookup tables: ``lsoa_code, neighbourhood`` or ``practice_code, neighbourhood``, recognised by their
headers and checked row by row (every problem one :class:`geo.errors.PlanError` naming the file, row and column).

The tables come from :mod:`geo.plan.reader` (CSV files, the attributes of polygon layers) and from
:meth:`geo.plan.Plan.from_frame`; the population basis a plan records is read by :func:`basis_of`, the building
blocks it was built from by :func:`blocks_of` (one value on every row, each checked by :func:`recorded_value`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from geo.errors import PlanError
from geo.names import check_name, printable
from geo.plan.constraints import coverage_error
from geo.plan.params import BLOCK_TYPES, POPULATION_BASES

if TYPE_CHECKING:
    from geo.atlas.model import Atlas

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
#: The column (CSV) or property (GeoJSON, GeoPackage, workbook) that records the building blocks a plan was built
#: from (one of :data:`geo.plan.params.BLOCK_TYPES`) on every row; written only for a plan built from blocks, so a
#: plan of LSOAs (or an older file) has none and its profiles name no blocks.
BLOCKS_COLUMN = "building_blocks"
#: The columns (CSV, LSOA layer) that record each LSOA's unit, code and name, in a plan built from a user's units
#: (``building_blocks`` ``custom``): the units are in no data folder, so the file carries them.
UNIT_COLUMN, UNIT_NAME_COLUMN = "block", "block_name"
#: The columns that record, in a plan made with a number of neighbourhoods per place, each row's neighbourhood's
#: place (its code), the place's count of neighbourhoods and its ideal size (the place's total over its count), so
#: a plan read back is measured from each place's ideal as it was written (:mod:`geo.plan.ideals`).
PLACE_COLUMN, PLACE_COUNT_COLUMN, PLACE_IDEAL_COLUMN = "place", "place_neighbourhoods", "place_ideal"
PLACE_COLUMNS = (PLACE_COLUMN, PLACE_COUNT_COLUMN, PLACE_IDEAL_COLUMN)
#: The column that says a counted plan's places are a user's units (``custom``: a re-nested plan), which no data
#: folder holds; written only then (a plan of an area's places has none, and its places are found in the area).
PLACE_LEVEL_COLUMN = "place_level"
#: The columns that record a plan's balance rule on every row: its target and tolerance and, for a plan proposed
#: with a size band, the band's ends (:mod:`geo.plan.band`).
BAND_COLUMNS = ("target", "tolerance", "min_size", "max_size")
#: Columns a plan file records about the whole plan or its blocks: never the neighbourhood name column.
RECORD_COLUMNS = (BASIS_COLUMN, BLOCKS_COLUMN, UNIT_COLUMN, UNIT_NAME_COLUMN)


def record_columns(columns) -> tuple[str, ...]:
    """The headers (normalised) among ``columns`` that record something about the plan, never its names: the
    :data:`RECORD_COLUMNS`, the :data:`PLACE_COLUMNS` of a file that records ideals (an older file's own
    ``place`` column may still name its neighbourhoods) and the :data:`BAND_COLUMNS` of a file that records its
    balance rule.

    Examples
    --------
    >>> "place" in record_columns(["lsoa_code", "place"]), "place" in record_columns(["place", "place_ideal"])
    (False, True)
    >>> "target" in record_columns(["lsoa_code", "target"]), "target" in record_columns(["target", "tolerance"])
    (False, True)
    """
    headers = {normalised_header(c) for c in columns}
    recorded = PLACE_IDEAL_COLUMN in headers
    band = bool(headers & {"tolerance", "min_size", "max_size"})
    places = (*PLACE_COLUMNS, PLACE_LEVEL_COLUMN) if recorded else ()
    return RECORD_COLUMNS + places + (BAND_COLUMNS if band else ())


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
            if c != lsoa_column
            and normalised_header(c) not in record_columns(frame.columns)
            and not str(c).lower().startswith(("lsoa", "geometry"))
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
    named = [c for c in others if normalised_header(c) in NAME_HEADERS]
    if named:
        return min(named, key=lambda c: NAME_HEADERS.index(normalised_header(c)))
    if len(others) == 1:
        return others[0]
    raise PlanError(
        f"no neighbourhood column among {list(frame.columns)}",
        file=source,
        row=0,
        expected="a column named neighbourhood (or name)",
    )


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
    return recorded_value(
        frame,
        BASIS_COLUMN,
        POPULATION_BASES,
        source=source,
        what="population basis",
        expected="one basis on every row: the one the plan was made on",
    )


def blocks_of(frame: pd.DataFrame, *, source: str) -> str | None:
    """The building blocks a plan table records in its :data:`BLOCKS_COLUMN` (``"msoas"``, ``"wards"`` or
    ``"custom"``; ``None`` when it has none, or every cell is blank), or one PlanError naming the first row that
    differs or is not a block type.

    Examples
    --------
    >>> blocks_of(pd.DataFrame({"lsoa_code": ["A", "B"], "building_blocks": ["MSOAs", ""]}), source="p")
    'msoas'
    >>> blocks_of(pd.DataFrame({"lsoa_code": ["A"]}), source="p") is None
    True
    >>> blocks_of(pd.DataFrame({"building_blocks": ["wards", "parishes"]}), source="p.csv")
    Traceback (most recent call last):
    ...
    geo.errors.PlanError: p.csv, row 2, column 'building_blocks': building block type 'parishes' is not one of msoas, wards, custom (expected one block type on every row: the blocks the plan was built from, or no column for a plan of LSOAs)
    """
    return recorded_value(
        frame,
        BLOCKS_COLUMN,
        BLOCK_TYPES,
        source=source,
        what="building block type",
        expected="one block type on every row: the blocks the plan was built from, or no column for a plan of LSOAs",
    )


def units_of(frame: pd.DataFrame, lsoa_column: str, *, source: str) -> tuple[pd.Series, dict] | None:
    """Each LSOA's unit as a plan built from a user's units records it (:data:`UNIT_COLUMN`, and its name in
    :data:`UNIT_NAME_COLUMN`): ``(lsoa_code -> unit code, unit code -> name)``, ``None`` when the file has no
    such column, or one PlanError naming the file, row and column of a blank unit or of a unit given two names.

    Examples
    --------
    >>> frame = pd.DataFrame({"lsoa_code": ["A", "B"], "block": ["U1", "U2"], "block_name": ["North", "South"]})
    >>> units, names = units_of(frame, "lsoa_code", source="p.csv")
    >>> units.to_dict(), names
    ({'A': 'U1', 'B': 'U2'}, {'U1': 'North', 'U2': 'South'})
    >>> units_of(frame.assign(block=["U1", " "]), "lsoa_code", source="p.csv")
    Traceback (most recent call last):
    ...
    geo.errors.PlanError: p.csv, row 2, column 'block': LSOA 'B' has no unit (expected each LSOA's unit of the user's units the plan was built from, on every row)
    """
    columns = {normalised_header(c): c for c in frame.columns}
    if UNIT_COLUMN not in columns:
        return None
    codes = frame[lsoa_column].astype(str).str.strip().to_numpy()
    column = columns[UNIT_COLUMN]
    units = frame[column].where(frame[column].notna(), "").astype(str).map(printable).str.strip()
    blank = (units == "").to_numpy()
    if blank.any():
        row = int(blank.argmax())
        raise PlanError(
            f"LSOA '{codes[row]}' has no unit",
            file=source,
            row=row + 1,
            column=str(column),
            expected="each LSOA's unit of the user's units the plan was built from, on every row",
        )
    named = columns.get(UNIT_NAME_COLUMN)
    names = (
        frame[named].where(frame[named].notna(), "").astype(str).map(printable).str.strip().to_numpy()
        if named is not None
        else units.to_numpy()
    )
    seen: dict[str, str] = {}
    for row, (unit, name) in enumerate(zip(units.to_numpy(), names)):
        name = name or unit
        if seen.setdefault(unit, name) != name:
            raise PlanError(
                f"unit '{unit}' is named both '{seen[unit]}' and '{name}'",
                file=source,
                row=row + 1,
                column=str(named),
                expected="one name for each unit",
            )
    return pd.Series(units.to_numpy(), index=pd.Index(codes, name="lsoa_code"), name="block"), seen


def recorded_value(
    frame: pd.DataFrame, header: str, allowed: tuple[str, ...], *, source: str, what: str, expected: str
) -> str | None:
    """The one value a plan table records about the whole plan in its column ``header`` (found by
    :func:`normalised_header`; values trimmed and lower-cased), ``None`` when it has no such column or every cell
    is blank, or one PlanError naming the file, the first row that differs or is not in ``allowed``, and the
    column. A plan has one such value, so a blank cell (a row added by hand) is that value too."""
    columns = [c for c in frame.columns if normalised_header(c) == header]
    if not columns:
        return None
    column = columns[0]
    values = frame[column].where(frame[column].notna(), "").astype(str).str.strip().str.lower()
    given = values[values != ""]
    if given.empty:
        return None
    first = given.iloc[0]
    for row, value in zip(given.index, given):
        position = int(frame.index.get_loc(row)) + 1
        if value not in allowed:
            raise PlanError(
                f"{what} {value!r} is not one of {', '.join(allowed)}",
                file=source,
                row=position,
                column=str(column),
                expected=expected,
            )
        if value != first:
            raise PlanError(
                f"{what} {value!r} differs from {first!r} on an earlier row",
                file=source,
                row=position,
                column=str(column),
                expected=expected,
            )
    return first  # a blank cell (a row added by hand) is the plan's one value too


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


def normalised_header(column) -> str:
    """A header as the recognised names are written: trimmed, lower case, spaces as underscores."""
    return str(column).strip().lower().replace(" ", "_")


def _find_column(frame: pd.DataFrame, headers: list[str], source: str, expected: str) -> str:
    found = [c for c in frame.columns if normalised_header(c) in headers]
    if not found:
        raise PlanError(f"no LSOA code column among {list(frame.columns)}", file=source, row=0, expected=expected)
    return min(found, key=lambda c: headers.index(normalised_header(c)))


def is_practice_table(frame: pd.DataFrame) -> bool:
    """Whether a plan table lists practices (``practice_code,neighbourhood``) rather than LSOAs.

    Examples
    --------
    >>> is_practice_table(pd.DataFrame(columns=["Practice Code", "name"]))
    True
    """
    columns = [normalised_header(c) for c in frame.columns]
    return any(c in PRACTICE_HEADERS[:5] for c in columns) and not any(c in LSOA_HEADERS for c in columns)


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
        (c for c in frame.columns if normalised_header(c) in PRACTICE_HEADERS),
        key=lambda c: PRACTICE_HEADERS.index(normalised_header(c)),
    )
    if name_column is None:
        name_column = _name_column(
            frame,
            [
                c
                for c in frame.columns
                if c != code_column and normalised_header(c) not in record_columns(frame.columns)
            ],
            source,
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
