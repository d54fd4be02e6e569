"""What a file a person hands over may be: the table of formats (:data:`FORMATS`, by extension) and of kinds
(:data:`KINDS`: which formats each kind of upload may be), read by the one upload reader (:mod:`geo.sources.uploads`).

==========  =======================  ======================================================================
Format      Extensions               Read by
==========  =======================  ======================================================================
``csv``     ``.csv`` ``.txt``        :func:`~geo.sources.uploads.read_table`: UTF-8 with or without a BOM, else
                                     Windows cp1252 (Excel's "CSV"); UTF-16 and NUL bytes refused by name
``xlsx``    ``.xlsx`` ``.xlsm``      :func:`~geo.sources.uploads.read_table`: cells streamed and bounded
                                     (:func:`~geo.sources.limits.read_xlsx`)
``geojson`` ``.geojson`` ``.json``   :func:`~geo.sources.uploads.read_layer`
``gpkg``    ``.gpkg``                :func:`~geo.sources.uploads.read_layer`
``shp.zip`` ``.zip`` ``.shp``        :func:`~geo.sources.uploads.read_layer`, after the archive guard (a ``.shp``
                                     from a path only)
==========  =======================  ======================================================================

==============  ===============================  ==========================================================
Kind            Formats                          Extra bounds
==============  ===============================  ==========================================================
``plan``        csv, geojson, gpkg, shp.zip      errors are :class:`~geo.errors.PlanError`
``geography``   csv, geojson, gpkg, shp.zip
``uec_extract`` csv, xlsx
``candidates``  csv, geojson                     at most 20 MB and 20,000 sites
==============  ===============================  ==========================================================

The formats of a kind are written there once. What a good file is (the ``expected`` of every error), the
extensions an API upload route accepts and lists in its OpenAPI description, and the formats the command line's
help names are all derived from it (:meth:`Kind.suffixes`, :attr:`Kind.expected`, :meth:`Kind.accepts`); a route
checks an upload's name with :func:`check_format` before it reads the bytes, and the reader's
:func:`~geo.sources.uploads.open_upload` calls it too, so the route and the reader refuse a file with one error. An
upload is one file held in memory, so it may not have a :data:`PATH_ONLY` extension (a bare ``.shp``, whose
``.shx``, ``.dbf`` and ``.prj`` lie beside it on disk): the only place a route accepts less than the reader reads
from a path.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from geo.errors import DataError, PlanError

#: Format of each extension (lower case).
FORMATS = {
    ".csv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xls": "xls",
    ".geojson": "geojson",
    ".json": "geojson",
    ".gpkg": "gpkg",
    ".zip": "shp.zip",
    ".shp": "shp.zip",
}
#: What each format is called to a person (the order is the order they are listed in).
FORMAT_NAMES = {"csv": "CSV", "xlsx": "XLSX", "geojson": "GeoJSON", "gpkg": "GeoPackage", "shp.zip": "zipped shapefile"}
TABLES = frozenset({"csv", "xlsx"})
LAYERS = frozenset({"geojson", "gpkg", "shp.zip"})
#: Extensions read from a path only, never from an upload held in memory (what every API upload route gets), and
#: why. The one place an upload route accepts less than the reader reads from disk; every kind shares it.
PATH_ONLY = {
    ".shp": (
        "a shapefile's .shx, .dbf and .prj lie beside its .shp on disk, but an upload is one file",
        "the .shp, .shx, .dbf and .prj zipped together (.zip)",
    )
}


@dataclass(frozen=True)
class Kind:
    """A kind of upload: what it is called, the formats it may be and what bounds it beyond the shared ones.

    What a good file is (:attr:`expected`, in every error) and the extensions accepted (:meth:`suffixes`, what an
    upload route and the command line's help list) are derived from ``formats``: the formats are written once.
    ``table`` says what a table (CSV, XLSX) of this kind holds, ``shapes`` what a layer's features are.
    """

    name: str
    formats: frozenset[str]
    table: str
    error: type[DataError] = DataError
    max_bytes: int | None = None
    max_rows: int | None = None
    shapes: str = "polygons"

    def suffixes(self, *, upload: bool = False) -> list[str]:
        """The extensions of this kind's formats, in :data:`FORMATS` order; ``upload=True``: those an upload held in
        memory may have (an API route), without the :data:`PATH_ONLY` ones."""
        return [
            suffix for suffix, fmt in FORMATS.items() if fmt in self.formats and not (upload and suffix in PATH_ONLY)
        ]

    @property
    def expected(self) -> str:
        """What a good file of this kind is, from its formats (the ``expected`` of its errors).

        Examples
        --------
        >>> KINDS["uec_extract"].expected
        'a CSV or XLSX extract'
        >>> KINDS["geography"].expected
        'a CSV lookup (lsoa_code, unit), or GeoJSON, GeoPackage or zipped shapefile polygons'
        """
        tables = [name for fmt, name in FORMAT_NAMES.items() if fmt in self.formats & TABLES]
        layers = [name for fmt, name in FORMAT_NAMES.items() if fmt in self.formats & LAYERS]
        parts = [f"{article(_either(tables))} {self.table}"] if tables else []
        parts += [f"{_either(layers)} {self.shapes}"] if layers else []
        return ", or ".join(parts)

    def accepts(self, *, upload: bool = False) -> str:
        """:attr:`expected` with the extensions accepted: an API route's description, a command's help.

        Examples
        --------
        >>> KINDS["candidates"].accepts(upload=True)
        'a CSV table of sites (id, name, easting, northing or latitude, longitude), or GeoJSON points: .csv, .txt, .geojson or .json'
        """
        return f"{self.expected}: {_either(self.suffixes(upload=upload))}"


def _either(items: list[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    return " or ".join([", ".join(items[:-1]), items[-1]]) if len(items) > 1 else "".join(items)


_POLYGONS = frozenset({"csv", "geojson", "gpkg", "shp.zip"})
#: Every kind of upload (the only place its formats are written).
KINDS = {
    "plan": Kind("plan", _POLYGONS, "lookup (lsoa_code or practice_code, neighbourhood)", error=PlanError),
    "geography": Kind("geography", _POLYGONS, "lookup (lsoa_code, unit)"),
    "uec_extract": Kind("UEC extract", frozenset({"csv", "xlsx"}), "extract"),
    "candidates": Kind(
        "candidate sites",
        frozenset({"csv", "geojson"}),
        "table of sites (id, name, easting, northing or latitude, longitude)",
        max_bytes=20 * 1024 * 1024,
        max_rows=20_000,
        shapes="points",
    ),
}


def check_format(name: str, kind: str, *, upload: bool = False) -> str:
    """The format of a file called ``name`` as ``kind`` (a key of :data:`KINDS`), or the kind's error naming it.

    ``upload=True`` for a file held in memory (every API upload): the :data:`PATH_ONLY` extensions are refused. The
    API routes call this before they read an upload's bytes, and :func:`open_upload` calls it, so a route and the
    reader refuse a file with the same error.

    Examples
    --------
    >>> check_format("plan.GPKG", "plan")
    'gpkg'
    >>> check_format("sites.gpkg", "candidates")
    Traceback (most recent call last):
    ...
    geo.errors.DataError: sites.gpkg: unrecognised file type '.gpkg' for candidate sites (expected a CSV table of sites (id, name, easting, northing or latitude, longitude), or GeoJSON points: .csv, .txt, .geojson or .json)
    >>> check_format("zones.shp", "geography", upload=True)
    Traceback (most recent call last):
    ...
    geo.errors.DataError: zones.shp: a .shp upload cannot be read: a shapefile's .shx, .dbf and .prj lie beside its .shp on disk, but an upload is one file (expected the .shp, .shx, .dbf and .prj zipped together (.zip))
    """
    spec = KINDS[kind]
    suffix = PurePath(name).suffix.lower()
    fmt = FORMATS.get(suffix)
    if fmt == "xls" and "xlsx" in spec.formats:  # no streaming reader: its size could not be bounded
        raise spec.error(
            "an Excel 97-2003 (.xls) workbook cannot be read",
            file=name,
            expected="the file saved as .xlsx or CSV (UTF-8)",
        )
    if fmt not in spec.formats:
        what = f"'{suffix}'" if suffix else "(the name has no extension)"
        raise spec.error(
            f"unrecognised file type {what} for {article(spec.name)}", file=name, expected=spec.accepts(upload=upload)
        )
    if upload and suffix in PATH_ONLY:
        why, instead = PATH_ONLY[suffix]
        raise spec.error(f"a {suffix} upload cannot be read: {why}", file=name, expected=instead)
    return fmt


def article(name: str) -> str:
    """``name`` with "a" or "an" as it is said (an acronym by its letters: a UEC extract, an XLSX extract); a plural
    as it is.

    Examples
    --------
    >>> [article(n) for n in ("plan", "extract", "UEC extract", "XLSX file", "CSV or XLSX", "candidate sites")]
    ['a plan', 'an extract', 'a UEC extract', 'an XLSX file', 'a CSV or XLSX', 'candidate sites']
    """
    if name.endswith("s"):
        return name
    acronym = name[:2].isupper()
    return ("an " if name[0] in ("AEFHILMNORSX" if acronym else "aeiouAEIOU") else "a ") + name
