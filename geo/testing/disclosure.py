"""The disclosure checker tests use: walk any output (table, dict, JSON, GeoJSON, HTML, CSV, XLSX) and fail if a
named count of 1..threshold people or events is still there (:func:`assert_no_small_counts`), or if one can be
worked out by subtracting shown parts from a published total, within one answer or between answers
(:func:`assert_no_differencing`, :func:`find_differences`).

Examples
--------
>>> assert_no_small_counts({"attendances": 12, "rate_per_1000": 3.2})
>>> assert_no_small_counts({"attendances": 5})
Traceback (most recent call last):
...
geo.testing.disclosure.DisclosureError: output.attendances: count 5 is between 1 and 7 and must be suppressed
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.atlas.model import SourceInfo
from geo.columns import COLUMNS, ETHNIC_GROUPS
from geo.disclosure import COUNT, _threshold, field_kind, is_disclosive
from geo.profiles.xlsx import EXTRA
from geo.testing.grid import grid_atlas


class DisclosureError(AssertionError):
    """A small count (1..threshold) was found in an output."""


# ---------------------------------------------------------------------------------------------------------
# A small-count area

#: Practices the small-count area adds to the grid's own eight, with their registered lists (all small).
SMALL_PRACTICES = {"Y00001": 5, "Y00002": 3, "Y00003": 7}
#: QOF registers of the small-count area: the grid's practices have these counts (1 to 7 among them).
SMALL_REGISTERS = {
    "DEM": [6, 40, 3, 25, 7, 90, 1, 12],
    "EP": [5, 30, 2, 44, 60, 4, 18, 7],
    "DM": [300, 410, 280, 350, 390, 260, 330, 310],
}
AGE_BANDS_5Y = [
    "0_4",
    "5_9",
    "10_14",
    "15_19",
    "20_24",
    "25_29",
    "30_34",
    "35_39",
    "40_44",
    "45_49",
    "50_54",
    "55_59",
    "60_64",
    "65_69",
    "70_74",
    "75_79",
    "80_84",
    "85_89",
    "90_94",
    "95+",
]


def small_count_atlas(lists: dict[str, int] | None = None):
    """Return a synthetic grid (6 x 4 LSOAs, two local authorities, eight practices) plus three practices with
    lists of 5, 3 and 7, QOF registers and registered age-sex cells of 1 to 7 at many practices: the area every
    disclosure test of list plans uses. ``lists`` gives some of the three other lists (an attack must give the
    same answers whatever a small list's true count).

    Examples
    --------
    >>> atlas = small_count_atlas()
    >>> atlas.practices.list_size[list(SMALL_PRACTICES)].astype(int).tolist(), int(atlas.qof.patients.between(1, 7).sum())
    ([5, 3, 7], 14)
    """

    small_lists = {**SMALL_PRACTICES, **(lists or {})}
    atlas = grid_atlas(6, 4, lad_width=3, practice_every=3)
    big = list(atlas.practices.index)
    sites = ["G0001", "G0010", "G0022"]  # one west, one east, one east
    rows = []
    for (code, size), site in zip(small_lists.items(), sites):
        template = atlas.practices.iloc[0]
        rows.append(
            {
                **template.to_dict(),
                "practice_name": f"Small Surgery {code}",
                "postcode": f"ZY{code[-1]} 1AA",
                "pcn_code": "U09999",
                "pcn_name": "Small PCN",
                "list_size": size,
                "patients_in_area": size,
                "lsoa_code": site,
                "in_area": True,
                "geometry": atlas.lsoas.geometry[site].centroid,
            }
        )
    small = gpd.GeoDataFrame(
        rows, index=pd.Index(list(SMALL_PRACTICES), name="practice_code"), geometry="geometry", crs=atlas.practices.crs
    )
    atlas.practices = pd.concat([atlas.practices, small])
    extra = pd.DataFrame(
        [(code, site, float(size)) for (code, size), site in zip(small_lists.items(), sites)],
        columns=["practice_code", "lsoa_code", "patients"],
    )
    atlas.registrations = pd.concat([atlas.registrations, extra], ignore_index=True)
    atlas.lsoas["registered_population"] = (
        atlas.registrations.groupby("lsoa_code").patients.sum().reindex(atlas.lsoas.index, fill_value=0).to_numpy()
    )
    qof = []
    for k, code in enumerate(big):
        size = int(atlas.practices.list_size[code])
        qof += [(code, register, counts[k], "TOTAL", size) for register, counts in SMALL_REGISTERS.items()]
    for j, (code, size) in enumerate(small_lists.items()):
        qof += [
            (code, "DEM", 0, "TOTAL", size),
            (code, "EP", 1 + j, "TOTAL", size),
            (code, "DM", size - 1, "TOTAL", size),
        ]
    atlas.qof = pd.DataFrame(qof, columns=["practice_code", "register", "patients", "list_type", "list_size"])
    rng = np.random.default_rng(5)
    ages = []
    for k, code in enumerate([*big, *SMALL_PRACTICES]):
        size = int(atlas.practices.list_size[code])
        for sex in ("FEMALE", "MALE"):
            if code in SMALL_PRACTICES:  # a few small cells, adding up to about half its list
                cells = np.zeros(len(AGE_BANDS_5Y), int)
                cells[[3 + k % 5, 9]] = [size // 2 - size // 4, size // 4]
            else:
                cells = np.floor(rng.dirichlet(np.linspace(3, 0.3, len(AGE_BANDS_5Y))) * size / 2).astype(int)
                cells[-2:] = [1 + (k % 7), 7 - (k % 7)]  # small 90-94 and 95+ cells
            ages += [(code, sex, band, int(n)) for band, n in zip(AGE_BANDS_5Y, cells)]
    atlas.practice_ages = pd.DataFrame(ages, columns=["practice_code", "sex", "age_band", "patients"])
    atlas.sources.update(
        {
            "qof_prevalence": SourceInfo("qof_prevalence", "QOF disease registers (planted)", "QOF 2024-25"),
            "practice_ages": SourceInfo("practice_ages", "Registered patients by age and sex (planted)", "2026-07"),
        }
    )
    return atlas


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
# Differencing: totals published with a table are margins of its parts


@dataclass(frozen=True)
class Margin:
    """A published total over a set of parts: ``value`` is exact when ``rounded_to`` is 1, else within +- half."""

    name: str
    codes: frozenset
    value: float | None
    rounded_to: int = 1


def _feasible(margin_lo, margin_hi, plus, minus, parts, t):
    """Candidate values of each hidden part of ``sum(plus) - sum(minus)`` in ``[lo, hi]``, or None."""
    hidden_plus = [c for c in plus if parts.get(c, 0.0) is None]
    hidden_minus = [c for c in minus if parts.get(c, 0.0) is None]
    if bool(hidden_plus) == bool(hidden_minus):  # nothing hidden, or hidden on both sides: nothing isolated
        return None
    shown = sum(parts.get(c) or 0.0 for c in plus) - sum(parts.get(c) or 0.0 for c in minus)
    lo, hi = margin_lo - shown, margin_hi - shown
    hidden = hidden_plus
    if hidden_minus:
        lo, hi, hidden = -hi, -lo, hidden_minus
    k = len(hidden)
    cell_lo, cell_hi = max(1, math.ceil(lo - (k - 1) * t - 1e-9)), min(t, math.floor(hi - (k - 1) + 1e-9))
    return hidden, cell_lo, cell_hi


def find_differences(parts: Mapping, margins, threshold: int | None = None, min_candidates: int = 3) -> list[str]:
    """Return every way the margins pin a suppressed part to fewer than ``min_candidates`` values of 1..threshold.

    ``parts`` maps a code to its shown count, or to None when it is suppressed (so known to be 1..threshold);
    codes not in ``parts`` count as 0. Each margin is tried alone (margin minus its shown parts) and with every
    other margin it overlaps (the difference of two totals, e.g. two nested or overlapping areas, a cluster and
    its area). A rounded margin stands for any value within half its base.

    Examples
    --------
    >>> parts = {"a": 100.0, "b": None, "c": 40.0}
    >>> find_differences(parts, [Margin("area", frozenset("abc"), 145.0)], 7)
    ['area: b is 5 (1 candidate)']
    >>> find_differences(parts, [Margin("area", frozenset("abc"), 140.0, 10)], 7)
    []
    """
    t = _threshold(threshold)
    margins = [m for m in margins if m.value is not None and not (isinstance(m.value, float) and math.isnan(m.value))]
    found = []

    def check(label, lo, hi, plus, minus):
        got = _feasible(lo, hi, plus, minus, parts, t)
        if got is None:
            return
        hidden, cell_lo, cell_hi = got
        n = cell_hi - cell_lo + 1
        if 1 <= n < min_candidates:
            what = f"{cell_lo}" if n == 1 else f"{cell_lo}..{cell_hi}"
            found.append(
                f"{label}: {' + '.join(sorted(hidden))} is {what} ({n} candidate{'s' * (n > 1)})"
                if len(hidden) == 1
                else f"{label}: each of {', '.join(sorted(hidden))} is {what}"
            )

    for m in margins:
        half = m.rounded_to / 2 if m.rounded_to > 1 else 0.0
        check(m.name, m.value - half, m.value + half, m.codes, frozenset())
    for a, b in itertools.permutations(margins, 2):
        if a.codes == b.codes or not (a.codes & b.codes):
            continue
        half = (a.rounded_to / 2 if a.rounded_to > 1 else 0.0) + (b.rounded_to / 2 if b.rounded_to > 1 else 0.0)
        diff = a.value - b.value
        check(f"{a.name} - {b.name}", diff - half, diff + half, a.codes - b.codes, b.codes - a.codes)
    return found


#: Figures of a row that must be empty when its count is suppressed.
DERIVED_NAMES = re.compile(r"^(rate|ratio|expected|excess|funnel|gi_|hotspot$|cluster$)")


def _answer_margins(answer: Mapping, members: Mapping | None, tag: str):
    """Parts and margins of one answer: its LSOA rows, area total, clusters and neighbourhoods."""
    parts, margins, rows = {}, [], answer.get("lsoas") or []
    for row in rows:
        value = row.get("attendances")
        parts[str(row["lsoa_code"])] = (
            None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
        )
    codes = frozenset(parts)
    area = answer.get("area")
    if area and codes:
        margins.append(Margin(f"{tag}area", codes, area.get("attendances"), int(area.get("rounded_to") or 1)))
    for row in answer.get("clusters") or []:
        margins.append(
            Margin(
                f"{tag}cluster {row.get('cluster')}",
                frozenset(str(row["lsoa_codes"]).split()),
                row.get("attendances"),
                int(row.get("rounded_to") or 1),
            )
        )
    for row in answer.get("neighbourhoods") or []:
        name = row.get("neighbourhood")
        if members and name in members:
            margins.append(
                Margin(
                    f"{tag}neighbourhood {name}",
                    frozenset(map(str, members[name])),
                    row.get("attendances"),
                    int(row.get("rounded_to") or 1),
                )
            )
    return parts, margins, rows


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
        got_parts, got_margins, rows = _answer_margins(answer, members, f"answer {i} " if len(answers) > 1 else "")
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


def practice_differences(
    counts: Mapping, answers, threshold: int | None = None, base: int = 10, min_candidates: int = 3
) -> list[str]:
    """Return every way published neighbourhood totals of list plans pin a practice's small count (1..threshold).

    ``counts`` maps each practice to its true count of one figure (its list, one QOF register, one age-sex cell);
    the reader sees it as the practice layer shows it (None when 1..threshold). ``answers`` are pairs ``(plan,
    {neighbourhood: published value})`` from any outputs: versions of a plan, other plans of the same area. Each
    published value is a margin over the neighbourhood's practices, rounded to ``base`` when one of them is
    small (the documented rule, so the reader knows it) and a multiple of it, and every margin is tried alone and against every other
    (:func:`find_differences`), across all the answers.

    Examples
    --------
    >>> class P:  # a list plan: two practices in A, one in B
    ...     practice_assignment = pd.Series({"p1": "A", "p2": "A", "p3": "B"})
    >>> counts = {"p1": 6, "p2": 120, "p3": 40}
    >>> moved = type("Q", (), {"practice_assignment": pd.Series({"p1": "B", "p2": "A", "p3": "B"})})
    >>> practice_differences(counts, [(P, {"A": 126, "B": 40}), (moved, {"A": 120, "B": 46})], 7)[0]
    'answer 1 A: p1 is 6 (1 candidate)'
    >>> practice_differences(counts, [(P, {"A": 120, "B": 40}), (moved, {"A": 120, "B": 40})], 7)
    []
    """
    t = _threshold(threshold)
    parts = {str(c): (None if is_disclosive(v, t) else float(v)) for c, v in counts.items()}
    margins = []
    for i, (plan, published) in enumerate(answers, 1):
        groups = plan.practice_assignment.astype(str)
        for name, value in published.items():
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            codes = frozenset(groups.index[groups == str(name)].astype(str))
            # Rounded only when a part is small (the documented rule) and the figure is a multiple of the base:
            # a figure that is not cannot have been rounded, and is read as exact.
            rounded = base if any(parts.get(c, 0.0) is None for c in codes) and float(value) % base == 0 else 1
            margins.append(Margin(f"answer {i} {name}", codes, float(value), rounded))
    return find_differences(parts, margins, t, min_candidates)


def assert_no_practice_differencing(counts: Mapping, answers, threshold: int | None = None) -> None:
    """Raise :class:`DisclosureError` if :func:`practice_differences` finds anything."""
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
