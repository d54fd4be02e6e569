"""Whether an uploaded layer's bytes are the format its extension names, checked before GDAL opens them.

GDAL chooses its driver by a file's content, not its name: a ``.geojson``, or a member of a zipped shapefile,
holding a VRT (or a GML or WFS description) is opened by that driver, which reads any file the service can read, or
fetches any URL, that the text names. A planner's upload once made neighbourhoods of the lines of ``/etc/passwd``.
:func:`check_layer` is called by :func:`geo.sources.uploads.open_upload` for every layer format of
:data:`geo.sources.upload_kinds.LAYERS`, for every entry point (the API's uploads and the command line's files).
"""

from __future__ import annotations

import re
import zipfile
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


#: A JSON member "type": "link": GDAL matches member names and this value in any case, and decodes escapes.
_LINK = re.compile(b'"%s"\\s*:\\s*"%s"' % (_any_case(b"type"), _any_case(b"link")), re.IGNORECASE)
#: The start of a JSON member "crs": {...} (its name in any case or escaped, as GDAL reads it).
_CRS = re.compile(b'"%s"\\s*:\\s*\\{' % _any_case(b"crs"), re.IGNORECASE)
#: The most bytes a CRS object is read over (a named or linked CRS is a few dozen).
_CRS_BYTES = 65_536
#: The first bytes of a shapefile's main file (its file code, 9994, big-endian).
_SHP_MAGIC = b"\x00\x00\x27\x0a"


def check_layer(upload, head: bytes) -> None:
    """Refuse a layer whose bytes are not the format its extension names: a GeoJSON must be a JSON object whose
    CRS is no link (GDAL fetches a linked CRS from its href), a GeoPackage an SQLite file with a GeoPackage
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
        if ok and _links_its_crs(upload.source.read_bytes()):
            # GDAL fetches a "crs" of type "link" from its href (any URL) to read the CRS.
            raise upload.error(
                f"cannot read {name}: the file names its CRS by a link, which is not followed",
                column="crs",
                expected='GeoJSON in WGS 84, or a "crs" of type "name" (e.g. "EPSG:27700")',
            )
    elif fmt == "gpkg":
        ok = head.startswith(_SQLITE) and head[68:72] in _GPKG_IDS
        what, good = "GeoPackage", "a GeoPackage saved by QGIS, ArcGIS or GDAL"
    elif not zipfile.is_zipfile(opened(upload.source)):
        ok = isinstance(upload.source, Path) and upload.source.suffix.lower() == ".shp" and head.startswith(_SHP_MAGIC)
        what, good = "shapefile", "a zip of the shapefile's .shp, .shx, .dbf and .prj"
    else:
        with zipfile.ZipFile(opened(upload.source)) as archive:
            members = [m.filename for m in archive.infolist() if not m.is_dir()]
            mains = [m for m in members if m.lower().endswith(".shp")]
            # A zip of one file is opened as that file, by its content: a ".shp" must be a shapefile's main file
            # (its first byte a NUL, so no driver that looks for text in the header can claim it).
            fake = next((m for m in mains if archive.open(m).read(len(_SHP_MAGIC)) != _SHP_MAGIC), None)
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


def markup_escaped(data: bytes) -> bytes:
    """A GeoJSON file's bytes with every ``<`` written ``\\u003c``: the same JSON (outside a string ``<`` is no
    JSON, and inside one the escape is the same character, which UTF-8 never uses in a longer character), but no
    driver that recognises XML in a file's first bytes (VRT, WFS, GML: each reads the files or URLs its text names)
    can claim it, so GDAL reads it as GeoJSON whatever text its strings hold.

    Examples
    --------
    >>> markup_escaped(b'{"name": "<OGRVRTDataSource>"}')
    b'{"name": "\\\\u003cOGRVRTDataSource>"}'
    >>> import json
    >>> json.loads(markup_escaped(b'{"name": "a < b"}')) == {"name": "a < b"}
    True
    """
    return data.replace(b"<", b"\\u003c")


def _links_its_crs(data: bytes) -> bool:
    """Whether a GeoJSON's ``"crs"`` object is of type ``"link"`` (or too long or unbalanced to tell: refused).

    Only a ``"crs"`` member is read: a feature's property ``"type": "link"`` (road data has them) is data.

    Examples
    --------
    >>> _links_its_crs(b'{"crs": {"properties": {"href": "http://x"}, "type": "link"}, "features": []}')
    True
    >>> _links_its_crs(b'{"crs": {"type": "name", "properties": {"name": "EPSG:27700"}}, "type": "link"}')
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
        if _LINK.search(data[start : end + 1]):
            return True
    return False
