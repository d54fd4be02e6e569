"""Import a local UEC extract an ICB holds (CSV or XLSX) into a :class:`~geo.uec.layer.UecLayer`.

Two shapes are recognised by their headers:

- **aggregated**: LSOA code, a period (month ``YYYY-MM`` or a ``start``/``end`` date range) and a count of
  attendances, optionally split by department type (1/2/3/UTC), acuity, age band and arrival mode;
- **patient-level**: one row per attendance with LSOA code and arrival date (optionally age and type). Rows are
  aggregated as they are read and the row-level table is dropped: the layer holds aggregates only.

LSOA codes of the other vintage are bridged through the ONS lookup (``geo.atlas.bridging``). Every bad row - unknown
LSOA, bad date, negative or non-numeric count, missing value or age band - raises a :class:`DataError` naming the
file, row and column in ``strict`` mode; otherwise it is rejected and counted by reason in ``layer.rejections``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from geo.atlas.model import AGE_BANDS, SourceInfo
from geo.errors import DataError
from geo.sources.memory import as_source
from geo.sources.uploads import open_upload, read_table
from geo.uec.layer import AGE_BAND_ALIASES, UecLayer, age_band_of_years
from geo.atlas.bridging import bridge_counts, crosswalk

# Accepted header variants (after lower-casing and turning non-alphanumerics into "_").
HEADERS = {
    "lsoa": [
        "lsoa_code",
        "lsoa",
        "lsoa21cd",
        "lsoa11cd",
        "lsoa21_code",
        "lsoa11_code",
        "lsoa_2021",
        "lsoa_2011",
        "lsoa_of_residence",
        "der_postcode_lsoa_2011_code",
        "der_postcode_lsoa_2021_code",
    ],
    "month": ["month", "period", "year_month", "activity_month", "attendance_month"],
    "start": ["period_start", "start_date", "start", "from", "date_from"],
    "end": ["period_end", "end_date", "end", "to", "date_to"],
    "count": ["attendances", "count", "attendance_count", "total_attendances", "n", "activity"],
    "date": ["arrival_date", "attendance_date", "date", "arrival_datetime", "der_activity_date"],
    "age": ["age", "age_years", "age_at_arrival", "age_at_attendance"],
    "age_band": ["age_band", "ageband", "age_group"],
    "department": ["department_type", "dept_type", "type", "aedepartmenttype", "ae_department_type"],
    "acuity": ["acuity", "triage", "ecds_acuity"],
    "arrival_mode": ["arrival_mode", "mode_of_arrival"],
}
_LSOA_PATTERN = re.compile(r"^[EW]01\d{6}$")


def _normalise(name) -> str:
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower().lstrip("\ufeff")).strip("_")


def _find(columns: dict[str, str], role: str) -> str | None:
    for variant in HEADERS[role]:
        if variant in columns:
            return columns[variant]
    return None


def _read(path) -> pd.DataFrame:
    """The extract as text, through the one upload reader (encodings, bounds, ragged rows, .xls refused)."""
    return read_table(open_upload(path, "uec_extract"))


class _Rows:
    """Rows still accepted, with rejections tallied (lenient) or raised (strict)."""

    def __init__(self, frame: pd.DataFrame, path: Path, strict: bool) -> None:
        self.frame, self.path, self.strict = frame, path, strict
        self.ok = pd.Series(True, index=frame.index)
        self.rejections: dict[str, int] = {}

    def reject(self, bad: pd.Series, reason: str, column: str, expected: str) -> None:
        bad = bad & self.ok
        if not bad.any():
            return
        if self.strict:
            row = int(np.flatnonzero(bad.to_numpy())[0]) + 1
            value = self.frame.loc[bad].iloc[0][column] if column in self.frame else ""
            raise DataError(f"{reason}: {value!r}", file=self.path.name, row=row, column=column, expected=expected)
        self.rejections[reason] = self.rejections.get(reason, 0) + int(bad.sum())
        self.ok &= ~bad


def _parse_dates(text: pd.Series, month: bool) -> pd.Series:
    formats = (
        ["%Y-%m", "%Y-%m-%d", "%b-%Y", "%b %Y", "%m/%Y"]
        if month
        else ["%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M"]
    )
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    for fmt in formats:
        missing = out.isna()
        if not missing.any():
            break
        parsed = pd.to_datetime(text[missing].str.strip(), format=fmt, errors="coerce")
        # Dates outside any plausible extract are bad rows, not a crash further down (pandas stops at 2262).
        out[missing] = parsed.where((parsed >= "1900-01-01") & (parsed <= "2100-12-31")).astype("datetime64[ns]")
    return out


def read_uec_extract(
    path: str | Path, atlas, strict: bool = False, lookup: pd.DataFrame | None = None, label: str | None = None
) -> UecLayer:
    """Read an aggregated or patient-level UEC extract onto the atlas's LSOAs.

    Parameters
    ----------
    path
        CSV or XLSX file.
    atlas
        The study area's :class:`~geo.atlas.model.Atlas`.
    strict
        Raise on the first bad row instead of rejecting and counting it.
    lookup
        ONS LSOA 2011↔2021 lookup (``lsoa11_code, lsoa21_code, change``), needed when the extract uses the other
        LSOA vintage.
    label
        Source label for captions (default: "Local UEC extract <file name>").

    Returns
    -------
    UecLayer
        Aggregates only (``kind == "extract"``).

    Examples
    --------
    >>> import tempfile, os
    >>> from geo.testing import grid_atlas
    >>> atlas = grid_atlas(2, 2)
    >>> path = os.path.join(tempfile.mkdtemp(), "uec.csv")
    >>> _ = open(path, "w").write("lsoa_code,month,attendances\\nG0000,2025-01,40\\nG0001,2025-01,-3\\n")
    >>> layer = read_uec_extract(path, atlas)
    >>> layer.attendances.tolist(), layer.rejections
    ([40.0, 0.0, 0.0, 0.0], {'negative count': 1})
    """

    path = as_source(path)  # a path, or an upload held in memory (geo.sources.memory.MemoryFile)
    frame = _read(path)
    if frame.empty:
        raise DataError(
            "the extract has a header but no data rows",
            file=path.name,
            expected="one row per LSOA and period, or per attendance",
        )
    columns = {_normalise(c): c for c in frame.columns}
    found = {role: _find(columns, role) for role in HEADERS}
    if found["lsoa"] is None:
        raise DataError(
            "no LSOA code column",
            file=path.name,
            column="lsoa_code",
            expected="a header such as lsoa_code, LSOA21CD or lsoa11cd",
        )
    patient_level = found["count"] is None
    if patient_level and found["date"] is None:
        raise DataError(
            "neither an attendance count nor an arrival date column",
            file=path.name,
            column="attendances",
            expected="aggregated (attendances, month) or patient-level (arrival_date)",
        )
    if not patient_level and found["month"] is None and not (found["start"] and found["end"]):
        raise DataError(
            "no period column",
            file=path.name,
            column="month",
            expected="month (YYYY-MM) or period_start and period_end dates",
        )
    rows = _Rows(frame, path, strict)
    lsoa_col = found["lsoa"]
    codes = frame[lsoa_col].str.strip()
    rows.reject(codes == "", "missing LSOA code", lsoa_col, "an LSOA code")

    vintage, codes = _place_codes(codes, rows, atlas, lookup, path, lsoa_col)

    if patient_level:
        start = _parse_dates(frame[found["date"]], month=False)
        rows.reject(start.isna(), "bad date", found["date"], "a date such as 2025-01-31 or 31/01/2025")
        end = start
        counts = pd.Series(1.0, index=frame.index)
    else:
        if found["month"] is not None:
            start = _parse_dates(frame[found["month"]], month=True)
            rows.reject(start.isna(), "bad date", found["month"], "a month such as 2025-01")
            end = start + pd.offsets.MonthEnd(0)
        else:
            start = _parse_dates(frame[found["start"]], month=False)
            end = _parse_dates(frame[found["end"]], month=False)
            rows.reject(start.isna(), "bad date", found["start"], "a date such as 2025-01-01")
            rows.reject(end.isna() | (end < start), "bad date", found["end"], "a date on or after the start")
        text = frame[found["count"]].str.replace(",", "").str.strip()
        counts = pd.to_numeric(text, errors="coerce")
        rows.reject(text == "", "missing count", found["count"], "a whole number of attendances")
        rows.reject(
            counts.isna() | ~np.isfinite(counts.fillna(0)),
            "not a number",
            found["count"],
            "a whole number of attendances",
        )
        rows.reject(counts > 1_000_000_000, "count too large", found["count"], "at most 1,000,000,000 attendances")
        rows.reject(counts < 0, "negative count", found["count"], "a count of 0 or more")
        rows.reject(counts != counts.round(), "not a whole number", found["count"], "a whole number of attendances")

    bands = None
    if found["age_band"] is not None:
        bands = frame[found["age_band"]].str.strip().str.lower().map(AGE_BAND_ALIASES)
        rows.reject(bands.isna(), "unknown age band", found["age_band"], "one of 0-15, 16-24, 25-34, 35-49, 50-64, 65+")
    elif found["age"] is not None:
        years = pd.to_numeric(frame[found["age"]], errors="coerce")
        bands = age_band_of_years(years)
        rows.reject(bands.isna(), "bad age", found["age"], "an age in whole years from 0 to 120")

    ok = rows.ok
    if not ok.any():  # every row rejected: an empty layer would read as "no attendances anywhere"
        reasons = ", ".join(f"{n} {reason}" for reason, n in sorted(rows.rejections.items()))
        raise DataError(
            f"no usable rows: all {len(frame)} were rejected ({reasons})",
            file=path.name,
            expected="rows for LSOAs of the study area with valid dates and counts",
        )
    table = pd.DataFrame({"lsoa_code": codes[ok], "attendances": counts[ok].astype(float)})
    if bands is not None:
        table["age_band"] = bands[ok]
    if found["department"] is not None:
        table["department"] = frame.loc[ok, found["department"]].str.strip().str.upper().str.replace("TYPE ", "")
    table, bridge_note = _bridge(table, vintage, atlas, lookup)
    del frame  # never keep patient-level rows beyond aggregation

    index = atlas.lsoas.index
    attendances = table.groupby("lsoa_code").attendances.sum().reindex(index, fill_value=0.0).astype(float)
    by_age = None
    if "age_band" in table:
        by_age = (
            table.pivot_table(index="lsoa_code", columns="age_band", values="attendances", aggfunc="sum")
            .reindex(index=index, columns=AGE_BANDS)
            .fillna(0.0)
        )
    by_department = None
    if "department" in table:
        by_department = (
            table.pivot_table(index="lsoa_code", columns="department", values="attendances", aggfunc="sum")
            .reindex(index)
            .fillna(0.0)
        )
        by_department.columns = [str(c) for c in by_department.columns]
    first, last = start[ok].min(), end[ok].max()
    months = 0 if pd.isna(first) else (last.year - first.year) * 12 + last.month - first.month + 1
    period = "no valid rows" if pd.isna(first) else f"{first:%Y-%m-%d} to {last:%Y-%m-%d}"
    notes = ["patient-level rows aggregated on import; no row-level data kept"] if patient_level else []
    if bridge_note:
        notes.append(bridge_note)
    return UecLayer(
        attendances=attendances.rename("attendances"),
        kind="extract",
        source=SourceInfo("uec_extract", label or f"Local UEC extract {path.name}", period, file=path.name),
        period_start="" if pd.isna(first) else f"{first:%Y-%m-%d}",
        period_end="" if pd.isna(last) else f"{last:%Y-%m-%d}",
        months=int(months),
        by_age=by_age,
        by_department=by_department,
        vintage=vintage,
        rejections=rows.rejections,
        rows_read=len(counts),
        notes=notes,
    )


def _place_codes(codes: pd.Series, rows: _Rows, atlas, lookup, path: Path, column: str):
    """Decide the extract's LSOA vintage and reject codes that are not LSOAs of the study area."""
    header_vintage = 2011 if "11" in _normalise(column) else 2021 if "21" in _normalise(column) else None
    in_atlas = codes.isin(atlas.lsoas.index)
    other = 2011 if atlas.vintage == 2021 else 2021
    # Most codes outside the atlas but well-formed, or a header naming the other vintage: the other vintage.
    looks_other = (~in_atlas & codes.str.match(_LSOA_PATTERN)).mean() > 0.5 and in_atlas.mean() < 0.5
    vintage = header_vintage or (other if looks_other else atlas.vintage)
    if vintage != atlas.vintage:
        if lookup is None:
            raise DataError(
                f"the extract uses LSOA {vintage} codes but the atlas is on LSOA {atlas.vintage}; bridging needs "
                "the ONS LSOA 2011 to 2021 lookup",
                file=path.name,
                column=column,
                expected=f"LSOA {atlas.vintage} codes, or the lookup file in the data folder",
            )
        known = codes.isin(lookup["lsoa11_code" if vintage == 2011 else "lsoa21_code"])
        rows.reject(~known, "unknown LSOA", column, f"an LSOA {vintage} code")
        return vintage, codes
    rows.reject(~in_atlas, "unknown LSOA", column, f"an LSOA {atlas.vintage} code of {atlas.area.label}")
    return vintage, codes


def _bridge(table: pd.DataFrame, vintage: int, atlas, lookup) -> tuple[pd.DataFrame, str]:
    if vintage == atlas.vintage:
        return table, ""

    weights = crosswalk(lookup, source=vintage, target=atlas.vintage, target_population=atlas.lsoas.resident_population)
    bridged, report = bridge_counts(table, code_column="lsoa_code", value_columns=["attendances"], weights=weights)
    outside = ~bridged.lsoa_code.isin(atlas.lsoas.index)
    note = (
        f"bridged from LSOA {vintage} to {atlas.vintage}: {report.patients_split:.0f} attendances shared out "
        f"from split LSOAs, {bridged.loc[outside, 'attendances'].sum():.0f} fell outside the study area"
    )
    return bridged.loc[~outside], note
