"""Small files that cost a reader far more than their size: the upload bombs of issue 20 (items 3 and 4).

- :func:`star_geojson`: one self-intersecting star polygon (every edge crosses most others). 210 KB of GeoJSON
  held the API at 5.4 GB for 34 s in ``make_valid``; a 100-point star already takes ``make_valid`` 30 s.
- :func:`multipart_geojson`: one feature of many tiny parts (parts, not vertices, are the cost).
- :func:`sparse_xlsx`: a 4.7 KB workbook of rows with one cell each in column XFD (16,384), which a reader pads to
  16,384 cells a row.
- :func:`large_xlsx`: a valid, dense extract workbook of ``rows`` rows (bounded by the cell limit, not bytes).

Used by tests/adversarial/test_bombs.py and to measure the bombs before and after the bounds.
"""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np


def star_points(n: int, centre=(-1.2185, 52.6222), radius=0.02) -> list[list[float]]:
    """The closed ring of a {n/k} star, k close to n/2 so that each edge crosses nearly every other."""
    k = n // 2 - 1
    while np.gcd(n, k) != 1:
        k -= 1
    angles = 2 * np.pi * ((np.arange(n) * k) % n) / n
    ring = [[round(centre[0] + radius * np.cos(a), 6), round(centre[1] + radius * np.sin(a), 6)] for a in angles]
    return ring + ring[:1]


def _collection(features: list[dict]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":")).encode()


def star_geojson(target_bytes: int = 210_000, centre=(-1.2185, 52.6222), radius=0.02, name="Star") -> bytes:
    """A GeoJSON FeatureCollection of one star polygon about ``target_bytes`` long (EPSG:4326)."""
    n = max(11, target_bytes // 22)
    return _collection(
        [
            {
                "type": "Feature",
                "properties": {"name": name},
                "geometry": {"type": "Polygon", "coordinates": [star_points(n, centre, radius)]},
            }
        ]
    )


def multipart_geojson(parts: int = 120_000, centre=(-1.2185, 52.6222), name="Dust") -> bytes:
    """One MultiPolygon feature of ``parts`` tiny triangles on a grid around ``centre``."""
    side = int(np.ceil(np.sqrt(parts)))
    step = 0.04 / side
    polygons = []
    for i in range(parts):
        x, y = centre[0] - 0.02 + (i % side) * step, centre[1] - 0.02 + (i // side) * step
        polygons.append(
            [
                [
                    [round(x, 6), round(y, 6)],
                    [round(x + step / 2, 6), round(y, 6)],
                    [round(x, 6), round(y + step / 2, 6)],
                    [round(x, 6), round(y, 6)],
                ]
            ]
        )
    return _collection(
        [
            {
                "type": "Feature",
                "properties": {"name": name},
                "geometry": {"type": "MultiPolygon", "coordinates": polygons},
            }
        ]
    )


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def _cell(ref: str, value) -> str:
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def _column(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def workbook(rows, dimension: str | None = None) -> bytes:
    """A minimal XLSX whose one sheet holds ``rows``: lists of (column number, value), one list per row."""
    body = "".join(
        f'<row r="{r}">' + "".join(_cell(f"{_column(c)}{r}", v) for c, v in cells) + "</row>"
        for r, cells in enumerate(rows, start=1)
    )
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'{dim}<sheetData>{body}</sheetData></worksheet>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return buffer.getvalue()


def sparse_xlsx(rows: int = 600, codes=("G0000",)) -> bytes:
    """A header row, then ``rows`` rows each holding one LSOA code in column A and one number in column XFD."""
    header = [(1, "lsoa_code"), (2, "month"), (3, "attendances")]
    body = [[(1, codes[i % len(codes)]), (16_384, 1)] for i in range(rows)]
    return workbook([header] + body)


def large_xlsx(rows: int, codes=("G0000",)) -> bytes:
    """A valid aggregated UEC extract of ``rows`` rows (three cells each) as an XLSX workbook."""
    header = [(1, "lsoa_code"), (2, "month"), (3, "attendances")]
    body = [[(1, codes[i % len(codes)]), (2, "2025-01"), (3, 40 + i % 7)] for i in range(rows)]
    return workbook([header] + body, dimension=f"A1:C{rows + 1}")
