"""The HWB data pack as a formatted workbook: one sheet per table with a title row, readable headings, column
widths, frozen panes and number formats, and a Notes sheet of definitions, estimates and sources.

Text is written as text (xlsxwriter ``strings_to_formulas`` and ``strings_to_urls`` off), so a practice or
neighbourhood name can never become a formula or a link. Suppressed counts are empty cells.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from geo.access.output import COLUMNS as SITE_COLUMNS
from geo.columns import COLUMNS, ETHNIC_GROUPS, label
from geo.profiles.hub_sites import sheet_source, sites_sheet
from geo.writers import fit_for_files

FORMATS = {
    "count": "#,##0",
    "number": "#,##0",
    "%": '0.0"%"',
    "ratio": "0.00",
    "per 1,000": "#,##0.0",
    "decile": "0.0",
    "3dp": "0.000",
    "degrees": "0.000000",
}
WIDTHS = {"text": 28, "count": 14, "number": 10, "%": 12, "ratio": 10, "per 1,000": 12, "decile": 10, "3dp": 12}
EXTRA = {  # columns of the data-pack tables that are not in the summary's dictionary
    "area": ("Area", "text"),
    "condition": ("Condition (QOF register)", "text"),
    "register": ("QOF code", "text"),
    "patients": ("Patients on the register", "count"),
    "list_size": ("Patients counted (denominator)", "count"),
    "prevalence_pct": ("Prevalence", "%"),
    "estimate": ("Estimate", "text"),
    "age_band": ("Age band (code)", "text"),
    "age_band_label": ("Age band", "text"),
    "sex": ("Sex (code)", "text"),
    "sex_label": ("Sex", "text"),
    "population_basis_label": ("Population counted (label)", "text"),
    "pct": ("Share of registered patients", "%"),
    "registered_total": ("Registered patients (all ages)", "count"),
}


def _meta(column: str) -> tuple[str, str]:
    if column in EXTRA:
        return EXTRA[column]
    found = COLUMNS.get(column)
    return (found.label, found.unit) if found else (label(column), "text")


def _sheet(writer, name: str, frame: pd.DataFrame, title: str, source: str, meta=_meta) -> None:
    """One table: title (row 1), source (row 2), headings (row 4), data from row 5, panes frozen below the
    headings and right of the first column. Counts are whole numbers and codes have their labels beside them
    (:func:`geo.writers.fit_for_files`)."""
    frame = fit_for_files(frame)
    book = writer.book
    sheet = book.add_worksheet(name)
    writer.sheets[name] = sheet
    bold = book.add_format({"bold": True, "font_size": 14})
    small = book.add_format({"italic": True, "font_color": "#4c6272"})
    head = book.add_format(
        {"bold": True, "bg_color": "#005eb8", "font_color": "#ffffff", "text_wrap": True, "valign": "top", "border": 1}
    )
    formats = {unit: book.add_format({"num_format": code}) for unit, code in FORMATS.items()}
    sheet.write_string(0, 0, title, bold)
    sheet.write_string(1, 0, source, small)
    for j, column in enumerate(frame.columns):
        text, unit = meta(column)
        sheet.write_string(3, j, text, head)
        sheet.set_column(
            j, j, max(WIDTHS.get(unit, 14), min(len(text) * 0.9, 40)) if unit != "text" else 30, formats.get(unit)
        )
        for i, value in enumerate(frame[column].tolist()):
            if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
                continue  # a suppressed or missing figure is an empty cell
            if isinstance(value, (bool, np.bool_)):
                sheet.write_string(4 + i, j, "yes" if value else "no")
            elif isinstance(value, (int, float, np.integer, np.floating)):
                sheet.write_number(4 + i, j, float(value), formats.get(unit))
            else:
                sheet.write_string(4 + i, j, str(value))
    sheet.set_row(3, 45)
    sheet.freeze_panes(4, 1)
    if len(frame):
        sheet.autofilter(3, 0, 3 + len(frame), len(frame.columns) - 1)


def write_xlsx(p, path: Path) -> Path:
    """Write the profiles ``p`` (a :class:`geo.profiles.Profiles`) as a formatted workbook.

    Examples
    --------
    >>> import tempfile
    >>> from openpyxl import load_workbook
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> from geo.profiles import neighbourhood_profiles
    >>> atlas = grid_atlas(4, 4)
    >>> profiles = neighbourhood_profiles(Plan(atlas, dict(zip(atlas.codes, ["N"] * 8 + ["S"] * 8))))
    >>> book = load_workbook(write_xlsx(profiles, Path(tempfile.mkdtemp()) / "p.xlsx"))
    >>> book.sheetnames, book["Summary"].freeze_panes
    (['Summary', 'Practices', 'Sites', 'Notes'], 'B5')
    """
    known = {str(r.dataset): f"{r.label} ({r.vintage})" for r in p.sources.itertuples()}
    every = "; ".join(known.values())
    src = lambda *keys: "Source: " + ("; ".join(known[k] for k in keys if k in known) or every)  # noqa: E731
    figures = p.figures
    options = {"strings_to_formulas": False, "strings_to_urls": False, "nan_inf_to_errors": False}
    with pd.ExcelWriter(path, engine="xlsxwriter", engine_kwargs={"options": options}) as writer:
        summary = p.summary.reset_index()
        _sheet(
            writer,
            "Summary",
            summary,
            f"Neighbourhood profiles: {p.area_label}",
            src("population_census2021", "gp_registrations", "imd2025", "imd2019", "rural_urban"),
        )
        _sheet(
            writer,
            "Practices",
            p.practices,
            "GP practices whose patients live mostly in each neighbourhood",
            src("gp_registrations", "practice_map", "practice_ages"),
        )
        if not figures.ethnicity.empty:
            eth = figures.ethnicity.rename_axis("area").reset_index()
            _sheet(
                writer,
                "Ethnicity",
                eth,
                "Core20PLUS: ethnic groups, % of usual residents",
                src("ethnicity_census2021"),
                meta=lambda c: (ETHNIC_GROUPS[c], "%") if c in ETHNIC_GROUPS else _meta(c),
            )
        if not figures.conditions.empty:
            _sheet(
                writer,
                "Long-term conditions",
                figures.conditions,
                "Long-term conditions: QOF disease registers and prevalence",
                src("qof_prevalence"),
            )
        if not figures.ages.empty:
            _sheet(
                writer,
                "Registered by age",
                figures.ages,
                "Registered patients by sex and 5-year age band",
                src("practice_ages"),
            )
        sites = sites_sheet(p)
        if not sites.empty:
            _sheet(
                writer,
                "Sites",
                sites[SITE_COLUMNS],
                "Proposed hub site of each neighbourhood (as nhp sites writes it)",
                sheet_source(p.hub_notes),
                meta=_site_meta,
            )
        _notes(writer, p, known)
    return path


#: Units (number formats) of the Sites sheet's columns, headed by their names as ``nhp sites`` writes them (so the
#: sheet reads as its file does, and the disclosure checks know every field).
SITE_UNITS = {
    "people": "count",
    "mean_km": "3dp",
    "p90_km": "3dp",
    "beyond_threshold": "count",
    "beyond_threshold_pct": "%",
    "lsoas": "number",
    "need_index": "3dp",
    "opening_order": "number",
    "easting": "number",
    "northing": "number",
    "latitude": "degrees",
    "longitude": "degrees",
}


def _site_meta(column: str) -> tuple[str, str]:
    return column, SITE_UNITS.get(column, "text")


def _notes(writer, p, known: dict[str, str]) -> None:
    book = writer.book
    sheet = book.add_worksheet("Notes")
    bold = book.add_format({"bold": True, "font_size": 14})
    head = book.add_format({"bold": True, "bg_color": "#005eb8", "font_color": "#ffffff", "border": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    sheet.write_string(0, 0, "Notes, definitions and sources", bold)
    row = 2
    notes = [
        "Counts of 1 to 7 are suppressed (empty cells), with further cells where a total would reveal them.",
        *p.figures.notes,
        *([p.uec_note] if p.uec_note else []),
    ]
    for note in notes:
        sheet.write_string(row, 0, note, wrap)
        row += 1
    row += 1
    for j, text in enumerate(("Figure", "Unit", "Definition", "Source")):
        sheet.write_string(row, j, text, head)
    definitions_start = row
    for column, meta in COLUMNS.items():
        if column not in p.summary.columns and column not in p.practices.columns:
            continue
        row += 1
        where = "This plan" if meta.sources == ("plan",) else "; ".join(known[s] for s in meta.sources if s in known)
        for j, text in enumerate((meta.label, meta.unit, meta.definition, where or "see sources below")):
            sheet.write_string(row, j, text, wrap)
    row += 2
    sheet.write_string(row, 0, "Sources", head)
    for r in p.sources.itertuples():
        row += 1
        sheet.write_string(row, 0, f"{r.label} ({r.vintage})", wrap)
        sheet.write_string(row, 1, str(r.file or ""), wrap)
    sheet.set_column(0, 0, 45)
    sheet.set_column(1, 1, 12)
    sheet.set_column(2, 2, 70)
    sheet.set_column(3, 3, 60)
    sheet.freeze_panes(definitions_start + 1, 0)
