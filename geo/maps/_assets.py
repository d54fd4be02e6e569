"""Offline map pages: Leaflet inlined from the vendored copy, Folium's unused CDN defaults dropped.

Folium links Leaflet, jQuery, Bootstrap, Font Awesome and the awesome-markers plugin from CDNs, so a saved map is
blank without internet. :func:`offline_page` makes the page self-contained: each linked file found by name in the
vendored folder (``static/vendor``, filled by ``scripts/vendor-assets.sh`` from the npm registry) or in a folder
the caller gives is inlined; Folium defaults the page does not use are removed (our maps draw GeoJSON, circle
markers and tooltips only: no Bootstrap popups, no icon markers); anything else raises, naming the file, so a new
plugin cannot silently bring a CDN back.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

from geo.errors import DataError

#: The vendored front-end libraries (``scripts/vendor-assets.sh``); the planner page serves the same copies.
VENDOR_DIR = Path(__file__).resolve().parents[2] / "static" / "vendor"

_SCRIPT = re.compile(r'<script src="(https?://[^"]+)"></script>\n?')
_STYLESHEET = re.compile(r'<link rel="stylesheet" href="(https?://[^"]+)"\s*/?>\n?')
_CSS_IMAGE = re.compile(r"url\((images/[^)]+\.png)\)")

# Folium's default links, by file name, with the text in the page that shows it is used.
_OPTIONAL = {
    "jquery-3.7.1.min.js": ("$(", "jQuery"),
    "bootstrap.bundle.min.js": ("bootstrap.",),
    "bootstrap.min.css": ("bootstrap.",),
    "bootstrap-glyphicons.css": ("glyphicon",),
    "leaflet.awesome-markers.js": ("AwesomeMarkers",),
    "leaflet.awesome-markers.css": ("AwesomeMarkers",),
    "all.min.css": ("AwesomeMarkers", "fa-"),
    "leaflet.awesome.rotate.min.css": ("AwesomeMarkers",),
}


def _find(name: str, folders: list[Path]) -> Path | None:
    for folder in folders:
        direct = folder / name
        if direct.is_file():
            return direct
        found = sorted(folder.glob(f"*/{name}"))
        if found:
            return found[0]
    return None


def _css(path: Path) -> str:
    """The stylesheet with its relative images (Leaflet's layer and marker icons) as data URIs."""

    def image(match: re.Match) -> str:
        local = path.parent / match.group(1)
        if not local.is_file():
            return match.group(0)
        return f"url(data:image/png;base64,{base64.b64encode(local.read_bytes()).decode()})"

    return _CSS_IMAGE.sub(image, path.read_text(encoding="utf-8")).replace("</style", "<\\/style")


def inline_assets(page: str, assets_dir: Path | None = None, *, strict: bool = False) -> str:
    """Replace CDN ``<script src>`` and stylesheet links by the same-named files in ``assets_dir`` or the vendor folder.

    With ``strict``, Folium defaults the page does not use are dropped and any other remote file raises
    :class:`~geo.errors.DataError`; without it, files not found stay linked.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp()); _ = (folder / "leaflet.js").write_text("var L = {};")
    >>> inline_assets('<script src="https://remote.invalid/leaflet@1.9.3/dist/leaflet.js"></script>', folder)
    '<script>var L = {};</script>'
    >>> inline_assets('<script src="https://remote.invalid/jquery-3.7.1.min.js"></script>', folder, strict=True)
    ''
    """
    folders = [Path(assets_dir)] if assets_dir is not None else []
    folders.append(VENDOR_DIR)
    # What the page itself runs or styles, without the links: decides which optional defaults are used.
    body = _STYLESHEET.sub("", _SCRIPT.sub("", page))

    def replace(match: re.Match, kind: str) -> str:
        url = match.group(1)
        name = url.rsplit("/", 1)[-1]
        local = _find(name, folders)
        if local is not None:
            if kind == "script":
                # A literal "</script" inside the library would end the inline block early.
                return "<script>" + local.read_text(encoding="utf-8").replace("</script", "<\\/script") + "</script>"
            return "<style>" + _css(local) + "</style>"
        if not strict:
            return match.group(0)
        if name in _OPTIONAL and not any(word in body for word in _OPTIONAL[name]):
            return ""
        raise DataError(
            f"the map needs {url}, which is not vendored, so it would not work offline",
            file=name,
            expected="the file in static/vendor (add it to scripts/vendor-assets.sh), "
            "or save the map with offline=False",
        )

    page = _SCRIPT.sub(lambda m: replace(m, "script"), page)
    return _STYLESHEET.sub(lambda m: replace(m, "stylesheet"), page)


def offline_page(page: str, assets_dir: Path | None = None) -> str:
    """Return ``page`` with every library inlined and no remote script or stylesheet left.

    Examples
    --------
    >>> page = '<script src="https://remote.invalid/npm/leaflet@1.9.3/dist/leaflet.js"></script><div></div>'
    >>> text = offline_page(page)
    >>> "remote.invalid" in text, "L.version" in text or "Leaflet" in text
    (False, True)
    """
    if not (VENDOR_DIR / "leaflet" / "leaflet.js").is_file() and assets_dir is None:
        raise DataError(
            "the vendored Leaflet is missing",
            file=str(VENDOR_DIR / "leaflet" / "leaflet.js"),
            expected="run scripts/vendor-assets.sh, or give assets_dir",
        )
    return inline_assets(page, assets_dir, strict=True)
