"""The disclosure checker tests use: walk any output (table, dict, JSON, GeoJSON, HTML, CSV, XLSX) and fail if a
named count of 1..threshold people or events is still there (:func:`assert_no_small_counts`), or if one can be
worked out by subtracting shown parts from a published total, within one answer or between answers
(:func:`assert_no_differencing`, :func:`assert_no_practice_differencing`; the search is
:mod:`geo.testing.differencing`). The area these tests count in is :mod:`geo.testing.small_count_area`.

Examples
--------
>>> assert_no_small_counts({"attendances": 12, "rate_per_1000": 3.2})
>>> assert_no_small_counts({"attendances": 5})
Traceback (most recent call last):
...
geo.testing.disclosure.DisclosureError: output.attendances: count 5 is between 1 and 7 and must be suppressed
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd

from geo.columns import COLUMNS, ETHNIC_GROUPS
from geo.disclosure import COUNT, _threshold, field_kind, is_disclosive
from geo.profiles.xlsx import EXTRA
from geo.testing.differencing import answer_margins, find_differences, practice_differences


class DisclosureError(AssertionError):
    """A small count (1..threshold) was found in an output."""


# ---------------------------------------------------------------------------------------------------------
# Checking outputs


def _labels() -> dict[str, str]:
    """Readable labels of the HTML and XLSX outputs -> the field each one shows."""

    found = {column.label: name for name, column in COLUMNS.items()}
    found.update({text: name for name, (text, _) in EXTRA.items()})
    found.update({text: name for name, text in ETHNIC_GROUPS.items()})
    return found


def _kind(name) -> str | None:
    """The declared kind of a field, by its name or its readable label."""
    name = str(name).strip()
    return field_kind(name) or field_kind(name.lower()) or field_kind(_labels().get(name, name))


def _fail(where: str, value, t: int) -> None:
    raise DisclosureError(f"{where}: count {value!r} is between 1 and {t} and must be suppressed")


def _numeric(value) -> bool:
    if isinstance(value, (bool, np.bool_)) or value is None:
        return False
    if isinstance(value, str):
        return bool(re.fullmatch(r"-?[\d,]+(\.\d+)?", value.strip())) and any(ch.isdigit() for ch in value)
    # A missing value (NaN, an empty cell) is no number: suppressed figures are exactly that.
    return isinstance(value, (int, float, np.integer, np.floating)) and not np.isnan(value)


def _check_value(where: str, value, kind: str | None, t: int) -> None:
    """Fail on a small count, and on a number in a field whose kind is not declared."""
    if not _numeric(value):
        return
    if kind is None:
        raise DisclosureError(
            f"{where}: numeric field is not declared in geo.disclosure.FIELD_KINDS, so it cannot "
            f"be told apart from a count (value {value!r})"
        )
    if kind == COUNT:
        number = float(value.replace(",", "")) if isinstance(value, str) else value
        if is_disclosive(number, t):
            _fail(where, value, t)


class _HtmlCounts(HTMLParser):
    """Collect (where, text) of HTML cells that hold counts: marked ``data-count``, with a ``count`` class, under a
    column header or beside a row header whose label is a count field."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []
        self._headers: list[str] = []
        self._row_header = ""
        self._col = 0
        self._cell: list[str] | None = None
        self._cell_is_count = False
        self._tag = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._headers = []
        if tag == "tr":
            self._col, self._row_header = 0, ""
        if tag in ("td", "th") or "data-count" in attrs:
            if "data-count" in attrs and attrs["data-count"] not in (None, ""):
                self.found.append((f"<{tag} data-count>", attrs["data-count"]))
            self._cell, self._tag = [], tag
            header = self._headers[self._col] if tag == "td" and self._col < len(self._headers) else ""
            self._cell_is_count = (
                "data-count" in attrs
                or "count" in (attrs.get("class") or "").split()
                or (tag == "td" and COUNT in (_kind(header), _kind(self._row_header)))
            )

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            text = "".join(self._cell).strip()
            if tag == "th" and self._col == 0 and self._headers and len(self._headers) > 1:
                self._row_header = text  # a row header in a table that already has its column headers
            elif tag == "th":
                self._headers = self._headers[: self._col] + [text]
            elif self._cell_is_count:
                self.found.append(
                    (
                        f"HTML cell under '{self._headers[self._col] if self._col < len(self._headers) else self._row_header}'",
                        text,
                    )
                )
            self._col += 1
            self._cell = None


def _walk(obj, where: str, t: int, kind: str | None) -> None:
    if isinstance(obj, pd.DataFrame):
        for column in obj.columns:
            column_kind = _kind(column)
            for row, value in obj[column].items():
                _walk(value, f"{where}[{row!r}, {column!r}]", t, column_kind)
        return
    if isinstance(obj, pd.Series):
        _walk(obj.tolist(), where, t, _kind(obj.name) if obj.name is not None else kind)
        return
    if isinstance(obj, Mapping):
        for key, value in obj.items():
            # A key not declared takes its parent's kind (e.g. the ``a`` and ``b`` of a compared metric); a record
            # in a list starts afresh, so an undeclared field of a record is never taken for a declared one.
            _walk(value, f"{where}.{key}", t, _kind(key) or kind)
        return
    if isinstance(obj, (list, tuple, np.ndarray)):
        for k, value in enumerate(obj):
            _walk(value, f"{where}[{k}]", t, None if isinstance(value, Mapping) else kind)
        return
    if isinstance(obj, Path):
        _walk_file(obj, t)
        return
    if isinstance(obj, str):
        _walk_text(obj, where, t, kind)
        return
    _check_value(where, obj, kind, t)


def _walk_text(text: str, where: str, t: int, kind: str | None) -> None:
    stripped = text.lstrip()
    if stripped.startswith("<"):
        parser = _HtmlCounts()
        parser.feed(text)
        for place, value in parser.found:
            _check_value(f"{where}: {place}", value, COUNT, t)
        return
    if stripped[:1] in ("{", "["):
        try:
            _walk(json.loads(text), where, t, kind)
            return
        except json.JSONDecodeError:
            pass
    if "\n" in stripped and ("," in stripped.split("\n", 1)[0]):
        _walk(pd.read_csv(StringIO(text), dtype=str, keep_default_na=False), where, t, None)
        return
    if kind == COUNT:  # a number written as text in a count field; other text is not checked
        _check_value(where, text, kind, t)


def _header_row(frame: pd.DataFrame) -> int | None:
    """The row of a sheet holding its column headings: the first whose cells are all text, most of them labels
    or names of declared fields (titles and notes above it are single free-text cells)."""
    for i in range(min(len(frame), 12)):
        cells = [c for c in frame.iloc[i].tolist() if isinstance(c, str) and c.strip()]
        known = sum(_kind(c) is not None or c.strip() in _labels() for c in cells)
        if len(cells) >= 2 and known * 2 >= len(cells):
            return i
    return None


def _walk_file(path: Path, t: int) -> None:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xls"):
        for sheet, frame in pd.read_excel(path, sheet_name=None, header=None, dtype=object).items():
            row = _header_row(frame)
            if row is None:  # no table: every number on the sheet is unexplained
                _walk(frame, f"{path.name}!{sheet}", t, None)
                continue
            body = frame.iloc[row + 1 :].copy()
            body.columns = [str(c) for c in frame.iloc[row].tolist()]
            above = frame.iloc[:row]
            _walk(above, f"{path.name}!{sheet} (above the headings)", t, None)
            _walk(body, f"{path.name}!{sheet}", t, None)
        return
    if suffix == ".gpkg":
        import pyogrio  # lazy: GDAL only for geographic layers; a cached start reads none

        for layer, _ in pyogrio.list_layers(path):
            _walk(
                pd.DataFrame(pyogrio.read_dataframe(path, layer=layer).drop(columns="geometry")),
                f"{path.name}!{layer}",
                t,
                None,
            )
        return
    _walk_text(path.read_text(encoding="utf-8"), path.name, t, None)


# ---------------------------------------------------------------------------------------------------------
# Differencing (found by geo.testing.differencing)


#: Figures of a row that must be empty when its count is suppressed.
DERIVED_NAMES = re.compile(r"^(rate|ratio|expected|excess|funnel|gi_|hotspot$|cluster$)")


def assert_no_differencing(*answers, threshold: int | None = None, min_candidates: int = 3) -> None:
    """Raise :class:`DisclosureError` if subtraction within or between answers narrows a suppressed count.

    Each answer is a hotspot-style dict (``lsoas`` rows with ``lsoa_code`` and ``attendances``; optional ``area``,
    ``clusters`` with ``lsoa_codes``, ``neighbourhoods``), or a pair ``(answer, {neighbourhood: lsoa codes})``.
    A part shown in any answer is known to the reader in all of them. Rows whose count is suppressed must also
    have every derived figure (rate, ratio, expected, funnel, Gi*, class, cluster) empty.

    Examples
    --------
    >>> answer = {"lsoas": [{"lsoa_code": "a", "attendances": 50}, {"lsoa_code": "b", "attendances": None,
    ...           "funnel": "within"}], "area": {"attendances": 55}}
    >>> assert_no_differencing(answer)
    Traceback (most recent call last):
    ...
    geo.testing.disclosure.DisclosureError: answer 1 lsoas[1]: 'funnel' is shown for a suppressed count
    """
    t = _threshold(threshold)
    parts, margins = {}, []
    for i, item in enumerate(answers, 1):
        answer, members = item if isinstance(item, tuple) else (item, None)
        got_parts, got_margins, rows = answer_margins(answer, members, f"answer {i} " if len(answers) > 1 else "")
        for k, row in enumerate(rows):
            if got_parts[str(row["lsoa_code"])] is None:
                for key, value in row.items():
                    if (
                        DERIVED_NAMES.search(key)
                        and value not in (None, "")
                        and not (isinstance(value, float) and math.isnan(value))
                    ):
                        raise DisclosureError(f"answer {i} lsoas[{k}]: {key!r} is shown for a suppressed count")
        for code, value in got_parts.items():
            parts[code] = value if parts.get(code) is None else parts[code]
        margins += got_margins
    found = find_differences(parts, margins, t, min_candidates)
    if found:
        raise DisclosureError(
            f"suppressed counts derivable by subtraction: {'; '.join(found[:5])}"
            + (f" (and {len(found) - 5} more)" if len(found) > 5 else "")
        )


def assert_no_practice_differencing(counts: Mapping, answers, threshold: int | None = None) -> None:
    """Raise :class:`DisclosureError` if :func:`geo.testing.differencing.practice_differences` finds anything."""
    found = practice_differences(counts, answers, threshold)
    if found:
        raise DisclosureError(
            f"practice counts derivable by subtraction: {'; '.join(found[:5])}"
            + (f" (and {len(found) - 5} more)" if len(found) > 5 else "")
        )


def assert_no_small_counts(obj, threshold: int | None = None) -> None:
    """Raise :class:`DisclosureError` if a count of 1..threshold appears anywhere in an output, or a number in a
    field whose kind is not declared.

    ``obj`` may be a DataFrame or Series, a dict or list (e.g. a parsed API answer or GeoJSON), JSON, HTML or
    CSV text, or a :class:`~pathlib.Path` to a ``.csv``, ``.json``, ``.geojson``, ``.gpkg``, ``.html`` or
    ``.xlsx`` file. Fields are recognised by what they are, declared once in :data:`geo.disclosure.FIELD_KINDS`
    (by column name or key, or by the readable label the HTML and XLSX outputs show); a numeric field that is
    not declared fails, so a new count cannot slip through. In HTML, counts are also cells marked ``data-count``.

    Examples
    --------
    >>> assert_no_small_counts({"features": [{"properties": {"attendances": 12}}]}, threshold=7)
    >>> assert_no_small_counts({"list_population": 5}, threshold=7)
    Traceback (most recent call last):
    ...
    geo.testing.disclosure.DisclosureError: output.list_population: count 5 is between 1 and 7 and must be suppressed
    >>> assert_no_small_counts({"new_figure": 5}, threshold=7)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geo.testing.disclosure.DisclosureError: output.new_figure: numeric field is not declared in ...
    >>> assert_no_small_counts("<table><tr><th>attendances</th></tr><tr><td>3</td></tr></table>", 7)
    Traceback (most recent call last):
    ...
    geo.testing.disclosure.DisclosureError: output: HTML cell under 'attendances': count '3' is between 1 and 7 and must be suppressed
    """
    _walk(obj, "output", _threshold(threshold), None)
    if isinstance(obj, Mapping) and "lsoas" in obj and ({"area", "clusters"} & set(obj)):
        assert_no_differencing(obj, threshold=threshold)  # a hotspot answer: its totals are margins of its rows
