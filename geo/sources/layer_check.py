"""Whether an uploaded layer's bytes are the format its extension names, checked before GDAL opens them.

GDAL chooses its driver by a file's content, not its name: a ``.geojson``, or a member of a zipped shapefile,
holding a VRT (or a GML or WFS description, or a GDALG pipeline) is opened by that driver, which reads any file the
service can read, or fetches any URL, that the text names. So the bytes are checked here, and a GeoJSON is opened by
GeoJSON's driver alone (:func:`as_geojson`). A planner's upload once made neighbourhoods of the lines of ``/etc/passwd``.
:func:`check_layer` is called by :func:`geo.sources.uploads.open_upload` for every layer format of
:data:`geo.sources.upload_kinds.LAYERS`, for every entry point (the API's uploads and the command line's files).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from geo.sources.memory import opened

#: A GeoPackage is an SQLite file whose application id (bytes 68-71) is one of these.
_SQLITE, _GPKG_IDS = b"SQLite format 3\x00", (b"GPKG", b"GP10", b"GP11")
#: The members a zipped shapefile may hold: the shapefile's own parts and the sidecars ArcGIS and QGIS write.
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qpj", ".qix", ".sbn", ".sbx", ".shp.xml", ".qmd")


def _any_case(word: bytes) -> bytes:
    """A pattern of ``word`` as a JSON string's characters in any case, each also as a \\u escape."""
    return b"".join(
        b"(?:%s|\\\\u%04x|\\\\u%04x)" % (bytes([c]), bytes([c]).lower()[0], bytes([c]).upper()[0]) for c in word
    )


#: The CRS types a GeoJSON may give (GDAL reads each from the file; others, "link" and "url", it fetches).
_NAMED_CRS = ("name", "epsg")
#: The start of a JSON member "crs": {...} (its name in any case or escaped, as GDAL reads it).
_CRS = re.compile(b'"%s"\\s*:\\s*\\{' % _any_case(b"crs"), re.IGNORECASE)
#: The most bytes a CRS object is read over (a named or linked CRS is a few dozen).
_CRS_BYTES = 65_536
#: The first bytes of a zip whose first member starts the file.
_ZIP_MAGIC = b"PK\x03\x04"
#: The first bytes of a shapefile's main file (its file code, 9994, big-endian).
_SHP_MAGIC = b"\x00\x00\x27\x0a"


def check_layer(upload, head: bytes) -> None:
    """Refuse a layer whose bytes are not the format its extension names: a GeoJSON must be a JSON object whose
    every CRS is given by name (GDAL fetches a linked CRS from its href), a GeoPackage an SQLite file with a GeoPackage
    application id, a zipped shapefile nothing but a shapefile's parts (a bare ``.shp``, read from a path only,
    a shapefile's main file).

    Parameters
    ----------
    upload
        The :class:`geo.sources.uploads.Upload` (its source, kind and format).
    head
        Its first bytes.

    Examples
    --------
    >>> from geo.sources.memory import MemoryFile
    >>> from geo.sources.uploads import open_upload
    >>> vrt = b"<OGRVRTDataSource><OGRVRTLayer name='x'><SrcDataSource>/etc/passwd</SrcDataSource>"
    >>> open_upload(MemoryFile("zones.geojson", vrt), "geography")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geo.errors.DataError: zones.geojson: cannot read polygons: the file is not the GeoJSON its extension says it is...
    """
    fmt, name = upload.format, upload.kind.shapes
    if fmt == "geojson":
        ok = head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"{")
        what, good = "GeoJSON", "a GeoJSON FeatureCollection (a JSON object)"
        if ok and _crs_not_named(upload.source.read_bytes()):
            # GDAL fetches a "crs" of type "link" or "url" from its href (any URL) to read the CRS.
            raise upload.error(
                f"cannot read {name}: the file gives a CRS other than by name (a link or URL is not followed)",
                column="crs",
                expected='GeoJSON in WGS 84, or a "crs" of type "name" (e.g. "EPSG:27700")',
            )
    elif fmt == "gpkg":
        ok = head.startswith(_SQLITE) and head[68:72] in _GPKG_IDS
        what, good = "GeoPackage", "a GeoPackage saved by QGIS, ArcGIS or GDAL"
    elif not zipfile.is_zipfile(opened(upload.source)):
        ok = isinstance(upload.source, Path) and upload.source.suffix.lower() == ".shp" and head.startswith(_SHP_MAGIC)
        what, good = "shapefile", "a zip of the shapefile's .shp, .shx, .dbf and .prj"
    elif not head.startswith(_ZIP_MAGIC):
        # zipfile reads an archive behind any leading bytes (a self-extracting zip); GDAL reads the leading bytes.
        ok, what, good = False, "zip", "a zip of the shapefile's .shp, .shx, .dbf and .prj"
    else:
        with zipfile.ZipFile(opened(upload.source)) as archive:
            members = [m.filename for m in archive.infolist() if not m.is_dir()]
            mains = [m for m in members if m.lower().endswith(".shp")]
            # A zip of one file is opened as that file, by its content: a ".shp" must be a shapefile's main file
            # (its first byte a NUL, so no driver that looks for text in the header can claim it).
            fake = next((m for m in mains if _first_bytes(archive, m) != _SHP_MAGIC), None)
        others = [m for m in members if not m.lower().endswith(SHAPEFILE_PARTS)]
        if others or not mains or fake:
            held = (
                f"{others[0]!r}, which is not part of a shapefile"
                if others
                else f"{fake!r}, which is not a shapefile's .shp"
                if fake
                else "no .shp file"
            )
            raise upload.error(
                f"cannot read {name}: the zip holds {held}",
                expected="a zip of the shapefile's .shp, .shx, .dbf and .prj (and nothing else)",
            )
        return
    if not ok:
        raise upload.error(f"cannot read {name}: the file is not the {what} its extension says it is", expected=good)


def _first_bytes(archive: zipfile.ZipFile, member: str) -> bytes:
    """The first bytes of ``member``, or none when it cannot be read (encrypted, or compressed in a way zipfile
    does not know: GDAL could not read it as a shapefile either)."""
    try:
        with archive.open(member) as stream:
            return stream.read(len(_SHP_MAGIC))
    except (RuntimeError, NotImplementedError, zipfile.BadZipFile, OSError, EOFError):
        return b""


def _crs_not_named(data: bytes) -> bool:
    """Whether any ``"crs"`` object of a GeoJSON (the file's or a geometry's, its member names in any case or
    escaped, as GDAL reads them) has a type other than ``name`` or ``EPSG`` (or is too long or malformed to tell).

    GDAL fetches a CRS whose type starts with ``link`` or ``url`` (any case, any tail: "links", "LINK ") from its
    ``href`` or ``url``: an allow-list, not a list of the types GDAL follows. Only ``"crs"`` members are read: a
    feature's property ``"type": "link"`` (road data has them) is data.

    Examples
    --------
    >>> _crs_not_named(b'{"crs": {"properties": {"href": "http://x"}, "type": "link"}, "features": []}')
    True
    >>> _crs_not_named(b'{"features": [{"geometry": {"CRS": {"type": "Url ", "properties": {"url": "http://x"}}}}]}')
    True
    >>> _crs_not_named(b'{"crs": {"type": "name", "properties": {"name": "EPSG:27700"}}, "kind": {"type": "link"}}')
    False
    """
    for found in _CRS.finditer(data):
        depth, in_string, escaped, start = 0, False, False, found.end() - 1
        for end in range(start, min(len(data), start + _CRS_BYTES)):
            byte = data[end]
            if in_string:
                escaped, in_string = (not escaped and byte == 0x5C), in_string and (escaped or byte != 0x22)
            elif byte == 0x22:
                in_string = True
            elif byte in (0x7B, 0x7D):
                depth += 1 if byte == 0x7B else -1
                if depth == 0:
                    break
        else:
            return True  # no end within its bound: not a CRS a file would hold
        try:  # every member named "type" in any case (GDAL finds members by name in any case), not only the last
            types = json.loads(
                data[start : end + 1], object_pairs_hook=lambda pairs: [v for k, v in pairs if k.lower() == "type"]
            )
        except ValueError:
            return True
        if not types or any(not isinstance(t, str) or t.lower() not in _NAMED_CRS for t in types):
            return True
    return False


@contextmanager
def as_geojson(source) -> Iterator[str]:
    """What GDAL opens for a GeoJSON upload: its path behind the ``GeoJSON:`` prefix, so GDAL's GeoJSON driver reads
    it and no other driver is asked. GDAL otherwise picks a driver by content, and a JSON file is claimed before
    GeoJSON by the GDALG driver (``{"type": "gdal_streamed_alg", "command_line": "gdal vector pipeline ! read
    /etc/passwd ..."}`` runs a pipeline reading any file or URL) and, where its first bytes hold their tags, by
    the VRT, WFS and GML drivers.

    A file held in memory (an API upload) is given to GDAL as an anonymous in-memory file (``memfd_create``,
    opened through ``/proc/self/fd``: nothing on disk, nothing left by a kill); where the system has none, as a
    temporary file removed once read.

    Examples
    --------
    >>> from geo.sources.memory import MemoryFile
    >>> with as_geojson(MemoryFile("zones.geojson", b"{}")) as path:
    ...     path.startswith("GeoJSON:")
    True
    """
    if isinstance(source, Path):
        yield f"GeoJSON:{source}"
        return
    data = source.read_bytes()
    if hasattr(os, "memfd_create") and os.path.isdir("/proc/self/fd"):
        fd = os.memfd_create("upload.geojson")
        try:
            os.write(fd, data)
            yield f"GeoJSON:/proc/self/fd/{fd}"
        finally:
            os.close(fd)
        return
    with tempfile.TemporaryDirectory(prefix="nhp-upload-") as folder:
        path = Path(folder) / "upload.geojson"
        path.write_bytes(data)
        yield f"GeoJSON:{path}"
