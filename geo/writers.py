"""Tables as files a GIS or a spreadsheet reads right: one writer per suffix, typed columns, field descriptions.

Every table the project writes (a plan's footprints and LSOAs, hotspots, sites, access, ensemble runs) goes through
:func:`write_table`, which picks the writer by the file's suffix (:data:`WRITERS`, like geopandas' driver table)
after :func:`fit_for_files` has made the columns what a user expects on opening the file:

- **counts are whole numbers of integer type.** Figures inside ``geo/`` stay exact (a bridged registration count can
  be 66,451.9); at the edge a count passes :func:`geo.disclosure.suppress` (1 to 7 is an empty cell) and is rounded
  to a whole person, so QGIS, Excel and pandas see integers (empty where suppressed), never decimals of people;
- **numeric columns stay numeric when empty**: a column declared numeric in :data:`geo.disclosure.FIELD_KINDS`
  (intervals of a modelled layer, a suppressed share) is a float with nulls, never text;
- **codes get a label beside them**: ``population_basis`` ``resident`` gains ``population_basis_label``
  "Residents", an ``age_band`` ``0_4`` gains "0-4", ``sex`` ``FEMALE`` gains "Female"; the code is kept for joins;
- **every column is described** (:func:`describe`): in a GeoPackage through the ``gpkg_schema`` extension
  (``gpkg_data_columns``, which QGIS shows as field aliases and comments), in a workbook on its Notes sheet.

GeoJSON has no schema, so a reader guesses each property's type from its values, and one null everywhere reads as
text: the GeoJSON writer leaves out columns empty in every feature (the GeoPackage keeps them, typed).
Text cells of CSV are formula-safe (:func:`geo.names.formula_safe_frame`) and workbook text is written as text.

Examples
--------
>>> frame = pd.DataFrame({"population": [66451.9, 5.0], "rate_lci": [None, None], "population_basis": "resident"})
>>> out = fit_for_files(frame)
>>> out["population"].tolist(), str(out["population"].dtype), str(out["rate_lci"].dtype)
([66452, <NA>], 'Int64', 'float64')
>>> out["population_basis_label"].tolist()
['Residents', 'Residents']
>>> sorted(WRITERS)
['.csv', '.geojson', '.gpkg', '.parquet', '.xlsx']
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from geo.disclosure import field_kind, suppress
from geo.errors import DataError
from geo.names import formula_safe_frame
from geo.columns import COLUMNS

#: Kinds of :data:`geo.disclosure.FIELD_KINDS` written as whole numbers (people, events, areas, practices).
WHOLE_KINDS = {"count", "number"}
#: Fields of other kinds that are whole numbers of people too (a published population minus a target). A plan's
#: ``target`` is not one: it is a parameter (a counted plan's mean, a size band's midpoint, a user's 50000.5),
#: written exactly so that a plan file read back has the band it was judged on (:mod:`geo.plan.band`).
WHOLE_FIELDS = {"deviation", "max_deviation", "mnp_target", "seed", "cluster"}
#: Fields written exactly as they are: a whole value as a whole number (50000), any other in full (50000.5).
EXACT_FIELDS = {"target"}
BASIS_LABELS = {"resident": "Residents", "registered": "Registered patients", "list": "Practice lists"}
#: Labels of coded values, by column; the label goes in ``<column>_label`` beside the code.
CODE_LABELS: dict[str, Callable[[str], str]] = {
    "population_basis": lambda code: BASIS_LABELS.get(code, str(code)),
    "age_band": lambda code: str(code).replace("_plus", "+").replace("_", "-"),
    "sex": lambda code: str(code).capitalize(),
    "uec_kind": lambda code: {"modelled": "Modelled (expected need)", "observed": "Observed attendances"}.get(
        code, str(code)
    ),
}
#: What each column of a plan's, hotspot or siting table holds, for the columns the profiles' dictionary
#: (:data:`geo.columns.COLUMNS`) does not describe: ``column -> (label, definition)``.
DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "name": ("Neighbourhood", "Name of the neighbourhood in the plan."),
    "list_population": ("Patients on its practices' lists", "Registered lists of the neighbourhood's practices."),
    "population": ("Counted population", "The population the plan balances (see population_basis)."),
    "deviation": (
        "Difference from target or place ideal (people)",
        "Counted population minus the plan's target (a plan made with a number of neighbourhoods per place: minus "
        "each place's ideal, place total / its count).",
    ),
    "practice_codes": ("GP practice codes", "ODS codes of the neighbourhood's practices, separated by ';'."),
    "pcn_codes": ("PCN codes", "ODS codes of the practices' primary care networks, separated by ';'."),
    "local_authorities": ("Local authorities", "Number of local authority districts the footprint touches."),
    "lad_codes": ("Local authority codes", "ONS codes of those districts, separated by ';'."),
    "parts": ("Separate parts", "Pieces of the footprint (1 = contiguous)."),
    "polsby_popper": ("Compactness (Polsby-Popper)", "4πA/P² of the dissolved footprint; 1 is a circle."),
    "cut_edges": ("Boundary LSOA pairs", "Adjacent LSOA pairs split between this and another neighbourhood."),
    "alignment_pct": (
        "Registered residents with a local practice (%)",
        "Share of registered residents whose practice is one of the neighbourhood's (whole percent).",
    ),
    "patients_from_outside": (
        "Patients living outside",
        "Patients of the neighbourhood's practices who live outside it (rounded to 10).",
    ),
    "mean_imd_score": ("Mean IMD score", "Population-weighted mean Index of Multiple Deprivation score."),
    "local_decile_mix": (
        "LSOAs by local IMD decile",
        "Counts of LSOAs in local deciles 1 (most deprived) to 10, separated by ';'.",
    ),
    "constrained": ("Constrained by its local authority", "Its local authority is too small or large for the band."),
    "plan": ("Plan", "Name of the plan."),
    "stopped_early": ("Search stopped early", "A time budget cut the proposal's search short."),
    "place": (
        "Place it is measured in",
        "Code of the place (local authority, upper tier, ICB, the whole area, or a unit of a user's geography) whose "
        "ideal the neighbourhood's "
        "deviation is measured from, in a plan made with a number of neighbourhoods per place; blank: the target.",
    ),
    "place_neighbourhoods": ("Neighbourhoods in its place", "The number of neighbourhoods its place was given."),
    "place_level": (
        "Places are a user's units",
        "custom: the places are the units of a user's geography the plan was re-nested in (its 'place' codes), "
        "whose totals are recounted from the plan's own rows when it is read back.",
    ),
    "place_ideal": (
        "Place ideal size",
        "Its place's total counted population over its number of neighbourhoods, which its deviation is measured "
        "from (written in full, so a plan read back is measured the same).",
    ),
    "building_blocks": (
        "Building blocks",
        "What the plan was built from, each kept whole by its proposal: msoas (MSOAs 2021), wards (electoral "
        "wards 2024) or custom (a user's own units).",
    ),
    "target": ("Target population", "The plan's target population per neighbourhood."),
    "tolerance": (
        "Tolerance",
        "The share either side of the target a neighbourhood may be and still be in band (0.1 is ±10%); a plan read "
        "back is judged on it.",
    ),
    "min_size": ("Smallest size", "The smallest neighbourhood of the size band the plan was proposed with (people)."),
    "max_size": ("Largest size", "The largest neighbourhood of the size band the plan was proposed with (people)."),
    "sources": ("Sources", "Datasets and vintages the figures come from."),
    "mnp": ("MNP area", "Multi-Neighbourhood Provider area the neighbourhood is grouped into."),
    "lsoa_code": ("LSOA code", "ONS code of the lower layer super output area."),
    "lsoa_name": ("LSOA name", "ONS name of the LSOA."),
    "lad_code": ("Local authority code", "ONS code of the LSOA's local authority district."),
    "population_basis_label": ("Population counted (label)", "The population basis in words."),
    "age_band_label": ("Age band (label)", "The age band in words."),
    "sex_label": ("Sex (label)", "Sex in words."),
    "uec_kind_label": ("UEC layer (label)", "Whether the UEC figures are observed or modelled."),
    "expected": ("Expected attendances", "Attendances expected at the study area's (age-standardised) rate."),
    "gi_z": ("Gi* z-score", "Getis-Ord Gi* statistic of the LSOA's neighbourhood window."),
    "gi_p": ("Gi* p-value", "Two-sided p-value of the Gi* statistic."),
    "gi_q": ("Gi* q-value", "Benjamini-Hochberg FDR-adjusted p-value."),
    "hotspot": ("Hotspot class", "high, low or empty."),
    "cluster": ("Cluster", "Number of the hotspot cluster the LSOA belongs to."),
    "uec_kind": ("UEC layer", "observed (attendances) or modelled (expected need)."),
    "source": ("Source", "Data source, method and disclosure rule."),
}
DISCLOSURE_RULE = (
    "Counts of 1 to 7 people or events are not shown (empty cells), nor anything they could be worked out from; "
    "totals with such parts count each as 4 and are rounded to 10. Counts are rounded to whole people."
)


def describe(column: str) -> tuple[str, str]:
    """Return ``(label, definition)`` of a column (its name and "" when none is recorded).

    Examples
    --------
    >>> describe("resident_population")
    ('Residents', "Usual residents of the neighbourhood's LSOAs.")
    >>> describe("polsby_popper")[0]
    'Compactness (Polsby-Popper)'
    """

    if column in DESCRIPTIONS:
        return DESCRIPTIONS[column]
    found = COLUMNS.get(column)
    return (found.label, found.definition) if found else (column, "")


def is_whole(column: str) -> bool:
    """Whether a column holds whole numbers (counts of people or events, numbers of areas)."""
    return field_kind(column) in WHOLE_KINDS or column in WHOLE_FIELDS


def fit_for_files(frame: pd.DataFrame, *, labels: bool = True) -> pd.DataFrame:
    """Return a copy of ``frame`` typed and (unless ``labels`` is false) labelled for files (see the module
    docstring); geometry kept.

    Examples
    --------
    >>> fit_for_files(pd.DataFrame({"lsoas": [3.0], "age_band": ["85_plus"]})).to_dict("records")
    [{'lsoas': 3, 'age_band': '85_plus', 'age_band_label': '85+'}]
    """
    out = frame.copy()
    for column in list(out.columns):
        values = out[column]
        if column == getattr(out, "_geometry_column_name", None) or pd.api.types.is_bool_dtype(values):
            continue
        if field_kind(column) is None and column not in WHOLE_FIELDS:
            continue
        numeric = pd.to_numeric(values, errors="coerce")
        if values.notna().sum() != numeric.notna().sum():
            continue  # text in a numeric-sounding column (a list such as local_decile_mix): leave it as it is
        if is_whole(column):
            shown = suppress(numeric) if field_kind(column) == "count" else numeric.astype(float)
            out[column] = pd.array(np.rint(shown.to_numpy(dtype=float)), dtype="Int64")
        elif column in EXACT_FIELDS and (numeric.dropna() % 1 == 0).all():
            out[column] = pd.array(numeric.to_numpy(dtype=float), dtype="Int64")
        else:
            out[column] = numeric.astype("float64")
    for column, label in CODE_LABELS.items() if labels else ():
        if column in out.columns and f"{column}_label" not in out.columns:
            labels = out[column].map(lambda code: None if code is None or code != code else label(code))
            out.insert(out.columns.get_loc(column) + 1, f"{column}_label", labels)
    return out


def layer_name(*parts) -> str:
    """A GIS layer name (and file stem) from ``parts``: letters, digits and single underscores, at most 120.

    Examples
    --------
    >>> layer_name("Charnwood plan", "v2", "Leicester, Leicestershire and Rutland")
    'Charnwood_plan_v2_Leicester_Leicestershire_and_Rutland'
    """
    text = " ".join(str(p) for p in parts if p not in (None, ""))
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")[:120] or "plan"


def check_folder(path: str | Path) -> Path:
    """Raise the one :class:`DataError` for an output in a folder that does not exist (a typo in a folder name is
    an error, not a new folder); return ``path``. Every writer and the command line's ``--out`` use it.

    Examples
    --------
    >>> check_folder("/no/such/folder/plan.csv")
    Traceback (most recent call last):
    ...
    geo.errors.DataError: /no/such/folder/plan.csv: the output folder /no/such/folder does not exist (expected an existing folder (create it first))
    """
    path = Path(path)
    if not path.expanduser().resolve().parent.is_dir():
        raise DataError(
            f"the output folder {path.parent} does not exist",
            file=str(path),
            expected="an existing folder (create it first)",
        )
    return path


def _csv(frame: pd.DataFrame, path: Path, **_) -> None:
    frame = pd.DataFrame(frame.drop(columns=_geometry(frame), errors="ignore"))
    formula_safe_frame(frame).to_csv(path, index=False)


def _geometry(frame) -> list[str]:
    name = getattr(frame, "_geometry_column_name", None)
    return [name] if name in getattr(frame, "columns", ()) else []


def _geojson(frame, path: Path, *, layer: str = "", **_) -> None:
    empty = [c for c in frame.columns if c not in _geometry(frame) and frame[c].isna().all()]
    path.unlink(missing_ok=True)
    frame.drop(columns=empty).to_crs("EPSG:4326").to_file(
        path, driver="GeoJSON", layer=layer or path.stem, engine="pyogrio"
    )


def _gpkg(frame, path: Path, *, layer: str = "", **_) -> None:
    layer = layer or path.stem
    frame.to_crs("EPSG:27700").to_file(path, driver="GPKG", layer=layer, engine="pyogrio")
    describe_columns(path, layer, [c for c in frame.columns if c not in _geometry(frame)])


def describe_columns(path: Path, table: str, columns: list[str]) -> None:
    """Record each column's label and definition in the GeoPackage's ``gpkg_data_columns`` table (the
    ``gpkg_schema`` extension of the OGC GeoPackage standard), registering the extension; QGIS shows them as the
    fields' aliases and comments."""
    rows = [(table, c, *_unique_label(c, columns)) for c in columns]
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE IF NOT EXISTS gpkg_data_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, "
            "name TEXT, title TEXT, description TEXT, mime_type TEXT, constraint_name TEXT, "
            "CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name), CONSTRAINT gdc_tn UNIQUE (table_name, name))"
        )
        db.execute(
            "CREATE TABLE IF NOT EXISTS gpkg_data_column_constraints (constraint_name TEXT NOT NULL, "
            "constraint_type TEXT NOT NULL, value TEXT, min NUMERIC, min_is_inclusive BOOLEAN, max NUMERIC, "
            "max_is_inclusive BOOLEAN, description TEXT, "
            "CONSTRAINT gdcc_ntv UNIQUE (constraint_name, constraint_type, value))"
        )
        for name in ("gpkg_data_columns", "gpkg_data_column_constraints"):
            db.execute(
                "INSERT OR IGNORE INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope) "
                "VALUES (?, NULL, 'gpkg_schema', 'http://www.geopackage.org/spec/#extension_schema', 'read-write')",
                (name,),
            )
        db.execute("DELETE FROM gpkg_data_columns WHERE table_name = ?", (table,))
        db.executemany(
            "INSERT INTO gpkg_data_columns (table_name, column_name, name, title, description) VALUES (?, ?, ?, ?, ?)",
            rows,
        )
    db.close()


def _unique_label(column: str, columns: list[str]) -> tuple[str, str, str]:
    """``(name, title, description)``: the label, made unique in the table by the column name when two share it."""
    label, definition = describe(column)
    if sum(describe(c)[0] == label for c in columns) > 1:
        label = f"{label} ({column})"
    return label, label, definition or label


def _xlsx(frame: pd.DataFrame, path: Path, *, title: str = "", notes: Mapping[str, str] | None = None, **_) -> None:
    """A sheet of the table (numbers as numbers with formats, text as text) and a Notes sheet: what it is, the
    source and vintage, the method, the disclosure rule and every column's definition."""
    frame = pd.DataFrame(frame.drop(columns=_geometry(frame), errors="ignore"))
    options = {"strings_to_formulas": False, "strings_to_urls": False, "nan_inf_to_errors": False}
    with pd.ExcelWriter(path, engine="xlsxwriter", engine_kwargs={"options": options}) as writer:
        book = writer.book
        sheet = book.add_worksheet("Data")
        bold = book.add_format({"bold": True})
        formats = {
            "whole": book.add_format({"num_format": "#,##0"}),
            "decimal": book.add_format({"num_format": "#,##0.0##"}),
        }
        for j, column in enumerate(frame.columns):
            sheet.write_string(0, j, str(column), bold)
            numeric = pd.api.types.is_numeric_dtype(frame[column]) and not pd.api.types.is_bool_dtype(frame[column])
            style = formats["whole" if is_whole(column) else "decimal"] if numeric else None
            sheet.set_column(j, j, 14 if numeric else 24, style)
            for i, value in enumerate(frame[column].tolist(), start=1):
                if value is None or value is pd.NA or (isinstance(value, float) and not np.isfinite(value)):
                    continue  # a suppressed or missing figure is an empty cell
                if isinstance(value, (bool, np.bool_)):
                    sheet.write_boolean(i, j, bool(value))
                elif numeric:
                    sheet.write_number(i, j, float(value), style)
                else:
                    sheet.write_string(i, j, str(value))
        sheet.freeze_panes(1, 1)
        if len(frame):
            sheet.autofilter(0, 0, len(frame), len(frame.columns) - 1)
        _notes(book, title, notes or {}, frame.columns)


def _notes(book, title: str, notes: Mapping[str, str], columns) -> None:
    sheet = book.add_worksheet("Notes")
    bold, wrap = book.add_format({"bold": True}), book.add_format({"text_wrap": True, "valign": "top"})
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 2, 70, wrap)
    sheet.write_string(0, 0, title or "Notes", book.add_format({"bold": True, "font_size": 14}))
    row = 2
    for key, text in {**notes, "Disclosure control": DISCLOSURE_RULE}.items():
        sheet.write_string(row, 0, key, bold)
        sheet.write_string(row, 1, str(text))
        row += 1
    row += 1
    for j, heading in enumerate(["Column", "Label", "Definition"]):
        sheet.write_string(row, j, heading, bold)
    for column in columns:
        row += 1
        label, definition = describe(column)
        sheet.write_string(row, 0, str(column))
        sheet.write_string(row, 1, label)
        sheet.write_string(row, 2, definition)


def _parquet(frame, path: Path, **_) -> None:
    frame.to_parquet(path, index=False)


#: The one writer of each file type: ``suffix -> write(frame, path, layer=, title=, notes=)``.
WRITERS: dict[str, Callable[..., None]] = {
    ".csv": _csv,
    ".geojson": _geojson,
    ".gpkg": _gpkg,
    ".xlsx": _xlsx,
    ".parquet": _parquet,
}


def write_table(
    frame: pd.DataFrame,
    path: str | Path,
    *,
    layer: str = "",
    title: str = "",
    notes: Mapping[str, str] | None = None,
    labels: bool = True,
) -> Path:
    """Write ``frame`` fit for files (:func:`fit_for_files`) in the format ``path``'s suffix names.

    Parameters
    ----------
    frame
        A table (a GeoDataFrame for ``.geojson`` and ``.gpkg``; its geometry is dropped from ``.csv``/``.xlsx``).
    path
        The file; its folder must exist (:func:`check_folder`).
    layer
        The GIS layer's name (GeoJSON's ``name`` member, the GeoPackage table); default the file's stem.
    title, notes
        The workbook's Notes sheet: a title and ``heading -> text`` (source, vintage, method...).
    labels
        Add a ``<column>_label`` beside each coded column (off for a file read back as a plan).

    Examples
    --------
    >>> import tempfile
    >>> from openpyxl import load_workbook
    >>> path = Path(tempfile.mkdtemp()) / "t.xlsx"
    >>> book = load_workbook(write_table(pd.DataFrame({"lsoas": [12.0]}), path, notes={"Source": "ONS"}))
    >>> book.sheetnames, book["Data"]["A2"].value, book["Data"]["A2"].data_type
    (['Data', 'Notes'], 12, 'n')
    """
    path = check_folder(path)
    suffix = path.suffix.lower()
    if suffix not in WRITERS:
        raise DataError(f"cannot write a table as {suffix!r}", file=path.name, expected=" or ".join(sorted(WRITERS)))
    WRITERS[suffix](fit_for_files(frame, labels=labels), path, layer=layer, title=title, notes=notes)
    return path


__all__ = [
    "CODE_LABELS",
    "DESCRIPTIONS",
    "WRITERS",
    "check_folder",
    "describe",
    "fit_for_files",
    "layer_name",
    "write_table",
]
