"""The disclosure checker tests use: walk any output (table, dict, JSON, GeoJSON, HTML, CSV, XLSX) and fail if a
named count of 1..threshold people or events is still there.

Examples
--------
>>> assert_no_small_counts({"attendances": 12, "rate_per_1000": 3.2})
>>> assert_no_small_counts({"attendances": 5})
Traceback (most recent call last):
...
geo.testing.disclosure.DisclosureError: attendances: count 5 is between 1 and 7 and must be suppressed
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd

from geo.disclosure import COUNT_NAME, NOT_COUNT_NAME, _threshold, is_disclosive


class DisclosureError(AssertionError):
    """A small count (1..threshold) was found in an output."""


# ---------------------------------------------------------------------------------------------------------
# Checking outputs


def _is_count_name(name) -> bool:
    name = str(name)
    return bool(COUNT_NAME.search(name)) and not NOT_COUNT_NAME.search(name)


def _fail(where: str, value, t: int) -> None:
    raise DisclosureError(f"{where}: count {value!r} is between 1 and {t} and must be suppressed")


def _check_number(where: str, value, t: int) -> None:
    if isinstance(value, str):
        value = value.replace(",", "").strip()
        if not re.fullmatch(r"-?\d+(\.\d+)?", value):
            return
    if isinstance(value, bool):
        return
    if is_disclosive(value, t):
        _fail(where, value, t)


class _HtmlCounts(HTMLParser):
    """Collect (where, text) of HTML cells that hold counts: under a count-named header or marked ``data-count``."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []
        self._headers: list[str] = []
        self._col = 0
        self._cell: list[str] | None = None
        self._cell_is_count = False
        self._tag = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._headers = []
        if tag == "tr":
            self._col = 0
        if tag in ("td", "th") or "data-count" in attrs:
            if "data-count" in attrs and attrs["data-count"] not in (None, ""):
                self.found.append((f"<{tag} data-count>", attrs["data-count"]))
            self._cell, self._tag = [], tag
            header = self._headers[self._col] if tag == "td" and self._col < len(self._headers) else ""
            self._cell_is_count = "data-count" in attrs or "count" in (attrs.get("class") or "").split() or (
                tag == "td" and _is_count_name(header)
            )

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            text = "".join(self._cell).strip()
            if tag == "th":
                self._headers = self._headers[: self._col] + [text]
            elif self._cell_is_count:
                self.found.append((f"HTML cell under '{self._headers[self._col] if self._col < len(self._headers) else ''}'", text))
            self._col += 1
            self._cell = None


def _walk(obj, where: str, t: int, count_context: bool) -> None:
    if isinstance(obj, pd.DataFrame):
        for column in obj.columns:
            if _is_count_name(column):
                for row, value in obj[column].items():
                    _check_number(f"{where}[{row!r}, {column!r}]", value, t)
        return
    if isinstance(obj, pd.Series):
        if count_context or _is_count_name(obj.name):
            for row, value in obj.items():
                _check_number(f"{where}[{row!r}]", value, t)
        return
    if isinstance(obj, Mapping):
        for key, value in obj.items():
            _walk(value, f"{where}.{key}", t, _is_count_name(key) or (count_context and not NOT_COUNT_NAME.search(str(key))))
        return
    if isinstance(obj, (list, tuple, np.ndarray)):
        for k, value in enumerate(obj):
            _walk(value, f"{where}[{k}]", t, count_context)
        return
    if isinstance(obj, Path):
        _walk_file(obj, t)
        return
    if isinstance(obj, str):
        _walk_text(obj, where, t, count_context)
        return
    if count_context:
        _check_number(where, obj, t)


def _walk_text(text: str, where: str, t: int, count_context: bool) -> None:
    stripped = text.lstrip()
    if stripped.startswith("<"):
        parser = _HtmlCounts()
        parser.feed(text)
        for place, value in parser.found:
            _check_number(f"{where}: {place}", value, t)
        return
    if stripped[:1] in ("{", "["):
        try:
            _walk(json.loads(text), where, t, count_context)
            return
        except json.JSONDecodeError:
            pass
    if "\n" in stripped and ("," in stripped.split("\n", 1)[0]):
        _walk(pd.read_csv(StringIO(text), dtype=str, keep_default_na=False), where, t, False)
        return
    if count_context:
        _check_number(where, text, t)


def _walk_file(path: Path, t: int) -> None:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xls"):
        for sheet, frame in pd.read_excel(path, sheet_name=None, dtype=str).items():
            _walk(frame, f"{path.name}!{sheet}", t, False)
        return
    _walk_text(path.read_text(encoding="utf-8"), path.name, t, False)


def assert_no_small_counts(obj, threshold: int | None = None) -> None:
    """Raise :class:`DisclosureError` if a named count of 1..threshold appears anywhere in an output.

    ``obj`` may be a DataFrame or Series, a dict or list (e.g. a parsed API answer or GeoJSON), JSON, HTML or
    CSV text, or a :class:`~pathlib.Path` to a ``.csv``, ``.json``, ``.geojson``, ``.html`` or ``.xlsx`` file.
    Counts are recognised by their names (columns, keys, table headers matching :data:`COUNT_NAME` and not
    :data:`NOT_COUNT_NAME`) or, in HTML, by a ``data-count`` attribute or a ``count`` class.

    Examples
    --------
    >>> assert_no_small_counts({"features": [{"properties": {"attendances": 12}}]}, threshold=7)
    >>> assert_no_small_counts("<table><tr><th>attendances</th></tr><tr><td>3</td></tr></table>", 7)
    Traceback (most recent call last):
    ...
    geo.disclosure.DisclosureError: output: HTML cell under 'attendances': count '3' is between 1 and 7 and must be suppressed
    """
    _walk(obj, "output", _threshold(threshold), False)
