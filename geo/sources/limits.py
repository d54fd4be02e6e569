"""Bounds on files a person hands over (plans, geographies, UEC extracts), checked before any heavy work.

Bytes do not bound the work: 210 KB of GeoJSON (one self-intersecting star) held ``make_valid`` at 5.4 GB, and a
4.7 KB workbook (600 rows with one cell each in column XFD) made a reader build 9.8 million cells. So every upload
is measured in what costs: features, vertices, parts, holes and self-intersections of polygons; rows, columns and
cells of tables. Each limit is generous for real use and named in the :class:`geo.errors.DataError` that refuses it:

=================================  ==============  ================================================================
Limit                              Value           Real use it leaves room for
=================================  ==============  ================================================================
:data:`MAX_FEATURES`               50,000          every LSOA 2021 of England and Wales (35,672) in one file
:data:`MAX_VERTICES`               5,000,000       England's LSOAs generalised to 20 m; the 10 m-clipped MSOAs
:data:`MAX_FEATURE_VERTICES`       500,000         the longest coastal ward at full resolution
:data:`MAX_PARTS`                  200,000         England's LSOAs with every island as its own part
:data:`MAX_FEATURE_PARTS`          10,000          the most islands one ward or neighbourhood has (Scilly: 6)
:data:`MAX_HOLES`                  200,000         holes (interior rings) in all
:data:`MAX_FEATURE_HOLES`          10,000          holes in one feature (an enclave per LSOA of a large area)
:data:`MAX_SELF_INTERSECTIONS`     100             crossings in one invalid polygon: a hand-drawn bow tie has one
:data:`MAX_POLYGON_FILE_BYTES`     500 MB          England's LSOAs at 20 m as GeoJSON (the CLI: the API is tighter)
:data:`MAX_COLUMNS`                200             an extract or plan table is a few columns wide
:data:`MAX_ROWS`                   1,048,576       Excel's own last row
:data:`MAX_CSV_CELLS`              10,000,000      a patient-level extract of two million attendances
:data:`MAX_XLSX_CELLS`             500,000         an ICB's aggregated extract (1,000 LSOAs, 10 years by month, 4
                                                   columns); larger extracts come as CSV
:data:`MAX_XLSX_SECONDS`           60              reading one workbook (a safety net: inline-string cells cost
                                                   openpyxl about 0.3 ms each, so 500,000 of them near a minute)
=================================  ==============  ================================================================

Repair cost grows with the square of the crossings (``make_valid`` of a 100-point star with 4,700 crossings takes
30 s), so invalid polygons are only repaired when their crossings, counted here in bounded chunks, are few.
"""

from __future__ import annotations

import csv
import io
import time

import numpy as np
import pandas as pd
import shapely

from geo.errors import DataError
from pandas.io.parsers import TextParser

MAX_FEATURES = 50_000
MAX_VERTICES = 5_000_000
MAX_FEATURE_VERTICES = 500_000
MAX_PARTS = 200_000
MAX_FEATURE_PARTS = 10_000
MAX_HOLES = 200_000
MAX_FEATURE_HOLES = 10_000
MAX_SELF_INTERSECTIONS = 100
MAX_POLYGON_FILE_BYTES = 500_000_000
MAX_COLUMNS = 200
MAX_ROWS = 1_048_576
MAX_CSV_CELLS = 10_000_000
MAX_XLSX_CELLS = 500_000
MAX_XLSX_SECONDS = 60
#: Candidate segment pairs one spatial-index query may return while counting crossings (bounds its memory).
_PAIRS_PER_QUERY = 500_000
#: A CSV header longer than this (1 MB) is refused: no real header is; the rest is read in chunks of this size.
_HEADER_BYTES = 1_000_000


def _refuse(message: str, limit: str, value: int, file, row=None, column=None):
    raise DataError(
        f"{message}, beyond the limit {limit} = {value:,}",
        file=file,
        row=row,
        column=column,
        expected=f"at most {value:,} ({limit}, see geo.sources.limits)",
    )


def check_polygon_file_size(size: int, *, file) -> None:
    """Refuse a polygon file larger than :data:`MAX_POLYGON_FILE_BYTES` before it is parsed."""
    if size > MAX_POLYGON_FILE_BYTES:
        _refuse(
            f"the polygon file is {size / 1e6:,.0f} MB (use the generalised boundaries)",
            "MAX_POLYGON_FILE_BYTES",
            MAX_POLYGON_FILE_BYTES,
            file,
        )


def _bound_counts(counts: np.ndarray, what: str, file, column) -> None:
    """Refuse when the file's total of ``what`` (vertices, parts, holes) or any one feature's is over its limit."""
    total_name, feature_name = f"MAX_{what.upper()}", f"MAX_FEATURE_{what.upper()}"
    total_limit, feature_limit = globals()[total_name], globals()[feature_name]  # read at call time: tests lower them
    if not len(counts):
        return
    i = int(counts.argmax())
    if counts.sum() > total_limit:
        _refuse(
            f"the polygons have {int(counts.sum()):,} {what} in all (feature {i + 1} has {int(counts[i]):,})",
            total_name,
            total_limit,
            file,
            row=i + 1,
            column=column,
        )
    if counts[i] > feature_limit:
        _refuse(
            f"feature {i + 1} has {int(counts[i]):,} {what}",
            feature_name,
            feature_limit,
            file,
            row=i + 1,
            column=column,
        )


def check_geometries(geometries, *, file, column: str = "geometry") -> None:
    """Raise :class:`DataError` naming the limit (and the feature's row) when polygons cost too much to use.

    Counts features, vertices (in all and per feature), parts and holes, all vectorised; then, for each invalid
    feature only, its self-intersections up to :data:`MAX_SELF_INTERSECTIONS` (see :func:`self_intersections`).
    Nothing here repairs or overlays a geometry, so the check costs about as much as reading the file.

    Examples
    --------
    >>> from shapely.geometry import Polygon, box
    >>> check_geometries([box(0, 0, 1, 1)], file="plan.geojson")
    >>> star = Polygon([(0, 0), (10, 1), (1, 3), (6, -4), (7, 5), (0, 0)] * 1)
    >>> check_geometries([star], file="plan.geojson")
    >>> import numpy as np
    >>> ring = [(np.cos(2 * np.pi * 37 * i / 101), np.sin(2 * np.pi * 37 * i / 101)) for i in range(101)]
    >>> check_geometries([Polygon(ring)], file="star.geojson")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geo.errors.DataError: star.geojson, row 1, column 'geometry': feature 1 crosses itself more than 100 times...
    """
    geoms = np.asarray(geometries, dtype=object)
    if len(geoms) > MAX_FEATURES:
        _refuse(f"the file has {len(geoms):,} features", "MAX_FEATURES", MAX_FEATURES, file)
    pieces, owner = shapely.get_parts(geoms, return_index=True)
    holes = np.bincount(owner, weights=np.maximum(shapely.get_num_interior_rings(pieces), 0), minlength=len(geoms))
    for what, counts in (
        ("vertices", shapely.get_num_coordinates(geoms)),
        ("parts", shapely.get_num_geometries(geoms)),
        ("holes", holes),
    ):
        _bound_counts(counts, what, file, column)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    for i in np.flatnonzero(present & ~shapely.is_valid(np.where(present, geoms, None))):
        crossings = self_intersections(geoms[i], MAX_SELF_INTERSECTIONS)
        if crossings > MAX_SELF_INTERSECTIONS:
            _refuse(
                f"feature {i + 1} crosses itself more than {MAX_SELF_INTERSECTIONS:,} times (repairing it "
                "would take minutes)",
                "MAX_SELF_INTERSECTIONS",
                MAX_SELF_INTERSECTIONS,
                file,
                row=int(i) + 1,
                column=column,
            )


def self_intersections(geometry, cap: int) -> int:
    """Count pairs of boundary segments that meet other than where neighbours join, stopping once past ``cap``.

    Each ring's segments go in a spatial index; they are queried a chunk at a time, each chunk small enough that
    its candidate pairs stay under :data:`_PAIRS_PER_QUERY`, so even a star whose every edge crosses every other
    costs one chunk. Zero-length segments (repeated points) are dropped first.

    Examples
    --------
    >>> from shapely.geometry import Polygon, box
    >>> self_intersections(box(0, 0, 1, 1), 10)
    0
    >>> self_intersections(Polygon([(0, 0), (1, 1), (1, 0), (0, 1)]), 10)  # a bow tie
    1
    """
    rings = shapely.get_rings(shapely.get_parts(geometry))
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    if len(coords) < 2:
        return 0
    starts = np.flatnonzero((ring[1:] == ring[:-1]) & np.any(coords[1:] != coords[:-1], axis=1))
    if len(starts) == 0:
        return 0
    p, q = coords[starts], coords[starts + 1]
    segments = shapely.linestrings(np.stack([p, q], axis=1))
    ring_of = ring[starts]
    first = np.r_[True, ring_of[1:] != ring_of[:-1]]
    last = np.r_[ring_of[1:] != ring_of[:-1], True]
    first_of = np.maximum.accumulate(np.where(first, np.arange(len(starts)), 0))
    last_of = np.empty(len(starts), dtype=np.int64)
    ends = np.flatnonzero(last)
    last_of[:] = ends[np.searchsorted(ends, np.arange(len(starts)))]
    tree = shapely.STRtree(segments)
    n = len(segments)
    chunk = int(max(1, min(n, _PAIRS_PER_QUERY // n)))
    count = 0
    for begin in range(0, n, chunk):
        a, b = tree.query(segments[begin : begin + chunk])  # boxes only: the exact test below is vectorised
        a = a + begin
        neighbours = (ring_of[a] == ring_of[b]) & ((b == a + 1) | ((a == first_of[a]) & (b == last_of[a])))
        a, b = a[(b > a) & ~neighbours], b[(b > a) & ~neighbours]
        count += int(np.count_nonzero(_segments_meet(p[a], q[a], p[b], q[b])))
        if count > cap:
            return count
    return count


def _segments_meet(p1, q1, p2, q2) -> np.ndarray:
    """Whether segments p1-q1 and p2-q2 (whose boxes overlap) share a point: the orientation test, touching and
    collinear overlaps included."""

    def side(a, b, c):
        return np.sign((b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0]))

    return (side(p1, q1, p2) * side(p1, q1, q2) <= 0) & (side(p2, q2, p1) * side(p2, q2, q1) <= 0)


def check_table(source, *, file, max_cells: int | None = None) -> None:
    """Refuse a CSV whose header has more than :data:`MAX_COLUMNS` fields, or any row more than
    :data:`MAX_COLUMNS` commas (a ragged row of millions of fields costs the parser minutes and gigabytes before
    it reports the row), or whose rows (or rows times columns) pass :data:`MAX_ROWS` (or ``max_cells``), before a
    parser builds a column per field.

    ``source`` is a path, a :class:`geo.sources.memory.MemoryFile` or bytes; it is read in chunks, counting lines,
    and never held whole.

    Examples
    --------
    >>> check_table(b"lsoa_code,neighbourhood\\nG0000,North\\n", file="plan.csv")
    >>> check_table(b"," * 300 + b"\\n", file="wide.csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geo.errors.DataError: wide.csv, row 0: the header has 301 columns, beyond the limit MAX_COLUMNS = 200...
    >>> check_table(b"a,b\\n1,2\\n3" + b",x" * 300 + b"\\n", file="ragged.csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geo.errors.DataError: ragged.csv, row 2: the row has more than 200 commas, beyond the limit MAX_COLUMNS = 200...
    """
    max_cells = MAX_CSV_CELLS if max_cells is None else max_cells
    stream = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source.open("rb")
    with stream:
        head = stream.read(_HEADER_BYTES)
        end = head.find(b"\n")
        text = (head if end < 0 else head[:end]).decode("utf-8", errors="replace")
        try:
            columns = max((len(r) for r in csv.reader(io.StringIO(text))), default=0)
        except csv.Error:  # an unclosed quote in the header: the parser names that error
            columns = text.count(",") + 1
        if end < 0 and len(head) == _HEADER_BYTES or columns > MAX_COLUMNS:
            _refuse(f"the header has {columns:,} columns", "MAX_COLUMNS", MAX_COLUMNS, file, row=0)
        lines, last = head.count(b"\n"), head[-1:]
        limit = min(MAX_ROWS, max_cells // max(columns, 1))
        while lines <= limit + 1 and (chunk := stream.read(_HEADER_BYTES)):
            lines, last = lines + chunk.count(b"\n"), chunk[-1:]
    rows = lines - (1 if last == b"\n" else 0)  # data rows: lines after the header
    if rows > MAX_ROWS:
        _refuse(f"the table has more than {MAX_ROWS:,} rows", "MAX_ROWS", MAX_ROWS, file)
    if rows * max(columns, 1) > max_cells:
        _refuse(f"the table has more than {rows:,} rows of {columns} columns", "MAX_CSV_CELLS", max_cells, file)
    _check_row_widths(source, file)  # after the cheap refusals: this one reads every line


def _check_row_widths(source, file) -> None:
    """Refuse the first line with more than :data:`MAX_COLUMNS` commas (quoted ones too: no table read here is
    that wide, and counting bytes needs no parse), read in chunks keeping only the current line's count."""
    stream = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source.open("rb")
    with stream:
        line, commas = 0, 0
        while chunk := stream.read(_HEADER_BYTES):
            pieces = chunk.split(b"\n")
            for k, piece in enumerate(pieces):
                commas += piece.count(b",")
                if commas > MAX_COLUMNS:
                    _refuse(f"the row has more than {MAX_COLUMNS} commas", "MAX_COLUMNS", MAX_COLUMNS, file, row=line)
                if k < len(pieces) - 1:  # a newline ends this line
                    line, commas = line + 1, 0


def read_xlsx(
    source, *, file, max_rows: int | None = None, max_columns: int | None = None, max_cells: int | None = None
) -> pd.DataFrame:
    """Read the first sheet of an XLSX as text (as ``pandas.read_excel(dtype=str, keep_default_na=False)``),
    streaming its cells and refusing past ``max_rows``, ``max_columns`` or ``max_cells``.

    The sheet's declared dimension is checked first; then cells are read as the file holds them (a sparse row
    stays sparse: a cell in column XFD is refused, never padded to 16,384 cells), so the work is bounded by the
    limits whatever the file declares.

    Examples
    --------
    >>> import io
    >>> from openpyxl import Workbook
    >>> wb = Workbook(); ws = wb.active; ws.append(["lsoa_code", "attendances"]); ws.append(["G0000", 4])
    >>> buffer = io.BytesIO(); wb.save(buffer)
    >>> read_xlsx(io.BytesIO(buffer.getvalue()), file="uec.xlsx").to_dict("records")
    [{'lsoa_code': 'G0000', 'attendances': '4'}]
    >>> ws["ZZ9"] = 1; buffer = io.BytesIO(); wb.save(buffer)
    >>> read_xlsx(io.BytesIO(buffer.getvalue()), file="uec.xlsx")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geo.errors.DataError: uec.xlsx: the sheet declares 702 columns (A1:ZZ9), beyond the limit MAX_COLUMNS = 200...
    """
    from openpyxl import load_workbook  # lazy: openpyxl only for XLSX files
    from openpyxl.utils import get_column_letter  # lazy: openpyxl only for XLSX files
    from openpyxl.worksheet._reader import WorkSheetParser  # lazy: openpyxl only for XLSX files

    max_rows = MAX_ROWS if max_rows is None else max_rows
    max_columns = MAX_COLUMNS if max_columns is None else max_columns
    max_cells = MAX_XLSX_CELLS if max_cells is None else max_cells
    book = load_workbook(source, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        declared = (
            f"{get_column_letter(sheet.min_column or 1)}{sheet.min_row or 1}:"
            f"{get_column_letter(sheet.max_column or 1)}{sheet.max_row or 1}"
        )
        if (sheet.max_column or 0) > max_columns:
            _refuse(f"the sheet declares {sheet.max_column:,} columns ({declared})", "MAX_COLUMNS", max_columns, file)
        if (sheet.max_row or 0) > max_rows:
            _refuse(f"the sheet declares {sheet.max_row:,} rows ({declared})", "MAX_ROWS", max_rows, file)
        data, cells = [], 0
        with sheet._get_source() as stream:  # openpyxl's own cell parser, without its padding of sparse rows
            parser = WorkSheetParser(
                stream,
                sheet._shared_strings,
                data_only=True,
                epoch=book.epoch,
                date_formats=book._date_formats,
                timedelta_formats=book._timedelta_formats,
            )
            deadline = time.monotonic() + MAX_XLSX_SECONDS
            for index, row in parser.parse():  # index: the sheet's row number; the error's row counts from the header
                if index > max_rows:
                    _refuse(
                        f"sheet row {index:,} is past the last row allowed", "MAX_ROWS", max_rows, file, row=index - 1
                    )
                cells += len(row)
                if cells > max_cells:
                    _refuse(
                        f"the sheet has more than {max_cells:,} cells by sheet row {index:,}",
                        "MAX_XLSX_CELLS",
                        max_cells,
                        file,
                        row=index - 1,
                    )
                width = max((c["column"] for c in row), default=0)
                if width > max_columns:
                    _refuse(
                        f"sheet row {index:,} has a cell in column {get_column_letter(width)}",
                        "MAX_COLUMNS",
                        max_columns,
                        file,
                        row=index - 1,
                        column=get_column_letter(width),
                    )
                if index % 1000 == 0 and time.monotonic() > deadline:
                    _refuse(
                        f"reading the sheet took more than {MAX_XLSX_SECONDS} s by sheet row {index:,} (save it "
                        "as CSV)",
                        "MAX_XLSX_SECONDS",
                        MAX_XLSX_SECONDS,
                        file,
                        row=index - 1,
                    )
                values = [""] * width
                for c in row:
                    values[c["column"] - 1] = _cell_value(c)
                data.extend([] for _ in range(len(data), index - 1))  # rows the file leaves out are blank
                data.append(values)
    finally:
        book.close()
    while data and not any(v != "" for v in data[-1]):
        data.pop()
    if not data:
        return pd.DataFrame()
    width = max(len(r) for r in data)
    data = [r + [""] * (width - len(r)) for r in data]
    return TextParser(data, header=0, dtype=str, keep_default_na=False, skip_blank_lines=False).read()


def _cell_value(cell: dict):
    """A cell as pandas' openpyxl reader gives it (integral numbers as int, errors as missing)."""
    value = cell["value"]
    if value is None:
        return ""
    if cell.get("data_type") == "e":
        return np.nan
    if cell.get("data_type") == "n" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value) if np.isfinite(value) and value == int(value) else float(value)
    return value
