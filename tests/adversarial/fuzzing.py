"""Mutation fuzzing of the file readers: start from a valid synthetic file, flip, insert, delete and truncate bytes,
and require that the reader either reads the result or raises :class:`geo.errors.DataError` — nothing else.

Used by tests/adversarial/test_fuzz.py (bounded) and bench/fuzz.py (long runs).
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

from hypothesis import strategies as st

from geo.errors import DataError

INTERESTING = [
    b",",
    b"\n",
    b'"',
    b"\x00",
    b"\xff",
    b"\xef\xbb\xbf",
    b"-",
    b"1e308",
    b"NaN",
    b"inf",
    b"E01",
    b"\r\n",
    b";",
    b"\t",
    b" ",
    b"9" * 40,
    "é".encode("cp1252"),
    b"../",
]


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    """``seed`` with up to six edits: overwrite, insert or delete a byte or an interesting token, or truncate."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "insert", "delete", "token", "truncate"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[at:at] = bytes([draw(st.integers(0, 255))])
        elif kind == "delete" and data:
            del data[at]
        elif kind == "token":
            data[at:at] = draw(st.sampled_from(INTERESTING))
        elif kind == "truncate":
            del data[at:]
    return bytes(data)


def only_data_errors(read, data: bytes, suffix: str) -> str:
    """Write ``data`` and call ``read(path)``: 'ok' or 'data-error'; any other exception propagates."""
    with tempfile.TemporaryDirectory(prefix="nhp-fuzz-") as folder:
        path = Path(folder) / f"fuzz{suffix}"
        path.write_bytes(data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                read(path)
                return "ok"
            except DataError:
                return "data-error"


def upload_targets(atlas) -> dict[str, tuple]:
    """Every upload entry point with a valid seed file: ``{name: (read(path), seed bytes, suffix)}``.

    Plans on disk and in memory (LSOA and practice lookups, GeoJSON polygons), geographies (lookup and polygons),
    UEC extracts (aggregated and patient-level, strict and lenient) and candidate sites (CSV and GeoJSON points):
    the same table drives tests/adversarial/test_fuzz.py (bounded) and bench/fuzz.py (long runs).
    """
    import json

    from geo.access.candidates import read_candidates
    from geo.plan.geography import read_geography
    from geo.plan.reader import load_plan
    from geo.sources.memory import MemoryFile
    from geo.uec import read_uec_extract

    codes, practices = list(atlas.lsoas.index), list(atlas.practices.index)
    lsoa_plan = ("lsoa_code,neighbourhood\n" + "".join(f"{c},N{i % 2}\n" for i, c in enumerate(codes))).encode()
    practice_plan = (
        "practice_code,neighbourhood\n" + "".join(f"{c},N{i % 2}\n" for i, c in enumerate(practices))
    ).encode()
    shapes = atlas.lsoas.geometry.to_crs(4326)
    polygons = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "properties": {"name": f"N{i % 2}"}, "geometry": shape.__geo_interface__}
                for i, shape in enumerate(shapes)
            ],
        }
    ).encode()
    geography = ("lsoa_code,unit\n" + "".join(f"{c},U{i % 3}\n" for i, c in enumerate(codes))).encode()
    aggregated = (
        "lsoa_code,month,attendances\n" + "".join(f"{c},2025-01,{40 + i}\n" for i, c in enumerate(codes))
    ).encode()
    patients = (
        "lsoa_code,arrival_date,age\n" + "".join(f"{c},2025-01-0{1 + i % 9},{20 + i}\n" for i, c in enumerate(codes))
    ).encode()
    sites = b"id,name,easting,northing\nH1,Hub one,450500,300500\nH2,Hub two,451500,301500\n"
    points = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"id": "H1"},
                    "geometry": {"type": "Point", "coordinates": [-1.1, 52.6]},
                }
            ],
        }
    ).encode()

    def plan(path):
        return load_plan(path, atlas, target=4500)

    def plan_in_memory(path):
        return load_plan(MemoryFile(path.name, path.read_bytes()), atlas, target=4500)

    return {
        "plan lookup": (plan, lsoa_plan, ".csv"),
        "plan lookup in memory": (plan_in_memory, lsoa_plan, ".csv"),
        "practice plan": (plan, practice_plan, ".csv"),
        "practice plan in memory": (plan_in_memory, practice_plan, ".csv"),
        "plan polygons": (plan, polygons, ".geojson"),
        "plan polygons in memory": (plan_in_memory, polygons, ".geojson"),
        "geography lookup": (lambda path: read_geography(path, atlas), geography, ".csv"),
        "geography polygons": (lambda path: read_geography(path, atlas), polygons, ".geojson"),
        "uec aggregated strict": (lambda path: read_uec_extract(path, atlas, strict=True), aggregated, ".csv"),
        "uec aggregated lenient": (lambda path: read_uec_extract(path, atlas, strict=False), aggregated, ".csv"),
        "uec patient-level strict": (lambda path: read_uec_extract(path, atlas, strict=True), patients, ".csv"),
        "candidate sites": (read_candidates, sites, ".csv"),
        "candidate points": (read_candidates, points, ".geojson"),
    }
