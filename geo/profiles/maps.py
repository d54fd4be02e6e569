"""Static maps of the printed pack as inline SVG: the overview of every neighbourhood with its label, and each
neighbourhood's locator (where it lies in the study area, and its footprint with its practices as dots).

Geometries are in the atlas's projected CRS (metres, EPSG:27700), simplified to about half a drawn pixel and
clipped to the view, so a pack of 60 neighbourhoods stays a few megabytes. Neighbours never share a fill: the
footprints are coloured greedily on their adjacency graph (:func:`networkx.greedy_color`) from a pale palette, so
labels stay readable on top. Names are escaped; no script, no fetch.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from functools import lru_cache

import networkx as nx
import numpy as np
from shapely import Point, STRtree, box, clip_by_rect
from shapely.ops import polylabel

from geo.profiles.charts import BLUE, DARK, RED
from geo.profiles.fonts import EM, fc_match, measuring_font

log = logging.getLogger(__name__)

#: Pale, colour-blind-safe fills (ColorBrewer Pastel1/Set3) for neighbourhoods on the overview map.
FILLS = ["#b3cde3", "#ccebc5", "#fed9a6", "#decbe4", "#ffffcc", "#fbb4ae", "#e5d8bd", "#d9d9d9", "#b3e2cd", "#fdcdac"]
AREA, LINE, OTHER = "#f0f0f0", "#768692", "#e8edee"
#: A proposed hub site's marker (NHS warm yellow): apart from the blue footprint, the dark practice dots and the red
#: hot-spot outlines.
HUB = "#ffb81c"


class _View:
    """A projection of a bounding box onto a ``width`` x ``height`` pixel box (north up, aspect kept)."""

    def __init__(self, bounds, width: float, height: float, pad: float = 0.04):
        xmin, ymin, xmax, ymax = bounds
        dx, dy = max(xmax - xmin, 1.0), max(ymax - ymin, 1.0)
        xmin, xmax, ymin, ymax = xmin - pad * dx, xmax + pad * dx, ymin - pad * dy, ymax + pad * dy
        self.scale = min(width / (xmax - xmin), height / (ymax - ymin))
        self.width, self.height = (xmax - xmin) * self.scale, (ymax - ymin) * self.scale
        self.xmin, self.ymax, self.bounds = xmin, ymax, (xmin, ymin, xmax, ymax)

    def xy(self, x: float, y: float) -> tuple[float, float]:
        return (x - self.xmin) * self.scale, (self.ymax - y) * self.scale

    def path(self, geom) -> str:
        """SVG path data of a (multi)polygon or line, simplified to the drawing and clipped to the view."""
        if geom is None or geom.is_empty:
            return ""
        geom = clip_by_rect(geom.simplify(0.5 / self.scale), *self.bounds)
        parts = []
        for part in getattr(geom, "geoms", [geom]):
            rings = [part.exterior, *part.interiors] if part.geom_type == "Polygon" else [part]
            for ring in rings:
                coords = np.asarray(ring.coords)
                if len(coords) < 2:
                    continue
                pts = " ".join(
                    f"{(x - self.xmin) * self.scale:.1f},{(self.ymax - y) * self.scale:.1f}" for x, y in coords[:, :2]
                )
                parts.append(f"M{pts}" + ("Z" if part.geom_type == "Polygon" else ""))
        return " ".join(parts)


def _svg(view: _View, title: str, body: str, css_class: str = "") -> str:
    cls = f' class="{css_class}"' if css_class else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg"{cls} width="{view.width:.0f}" height="{view.height:.0f}" '
        f'viewBox="0 0 {view.width:.0f} {view.height:.0f}" role="img" aria-label="{html.escape(title)}">'
        f"<title>{html.escape(title)}</title>{body}</svg>"
    )


def fills(shapes: dict) -> dict[str, str]:
    """A fill per neighbourhood such that no two touching neighbourhoods share one.

    Examples
    --------
    >>> from shapely import box
    >>> f = fills({"A": box(0, 0, 1, 1), "B": box(1, 0, 2, 1), "C": box(5, 5, 6, 6)})
    >>> f["A"] != f["B"]
    True
    """
    names = list(shapes)
    graph = nx.Graph()
    graph.add_nodes_from(names)
    tree = STRtree([shapes[n] for n in names])
    for i, a in enumerate(names):
        # touching, within a metre (simplified edges need not meet exactly)
        for j in tree.query(shapes[a], predicate="dwithin", distance=1.0):
            if j != i:
                graph.add_edge(a, names[j])
    colour = nx.greedy_color(graph, strategy="largest_first")
    return {n: FILLS[colour[n] % len(FILLS)] for n in names}


#: The font of the overview's labels, named in the SVG (``font-family``, then ``sans-serif``) so the PDF (WeasyPrint
#: finds it through fontconfig) and a browser draw the font :func:`text_half_width` measures; they are bold.
LABEL_FONT = "DejaVu Sans"
#: Width of one character of a bold label, in font sizes, used only when the label font's file cannot be found
#: (DejaVu Sans Bold's widest lower-case letters, so the box is never narrower than the text drawn), and the halo
#: drawn round a label, in pixels.
CHAR_WIDTH, HALO = 0.68, 1.5
#: Line spacing of a label, in font sizes.
LEADING = 1.1


@lru_cache(maxsize=1)
def label_font_file() -> str | None:
    """The file of the bold label font as fontconfig resolves it (``fc-match "DejaVu Sans:bold"``, what Pango and so
    WeasyPrint draw), else the file ``DejaVuSans-Bold.ttf`` wherever Pillow finds it in the system's font folders,
    else ``None``."""
    _, found = fc_match(f"{LABEL_FONT}:bold")
    if found and measuring_font(found) is not None:
        return found
    name = LABEL_FONT.replace(" ", "") + "-Bold.ttf"
    return name if measuring_font(name) is not None else None


@lru_cache(maxsize=8192)
def text_half_width(line: str) -> float:
    """Half the width of one line of a label, in font sizes, from its centre (``text-anchor="middle"``) to the
    farther of its ends: the sum of its characters' advances in the bold label font (each letter laid out on its
    own, as WeasyPrint draws SVG text, so without kerning), widened where a glyph's ink reaches past its advance
    (the tail of a "j").

    Measured from the font file :func:`label_font_file` resolves. **Only when no such file is found** (no
    fontconfig and no DejaVu Sans, or no Pillow) is it estimated from the number of characters at
    :data:`CHAR_WIDTH` (generous for most letters, so the box still holds the text).

    Examples
    --------
    >>> text_half_width("iiii") < text_half_width("WWWW")
    True
    """
    path = label_font_file()
    if path is None:
        return len(line) * CHAR_WIDTH / 2
    font, pen, left, right = measuring_font(path), 0.0, 0.0, 0.0
    for ch in line:
        x0, _, x1, _ = font.getbbox(ch, anchor="ls")  # the ink and the advance of the glyph, whichever is wider
        left, right = min(left, pen + x0), max(right, pen + x1)
        pen += font.getlength(ch)
    right = max(right, pen)
    return max(pen / 2 - left, right - pen / 2) / EM


@dataclass(frozen=True)
class Placed:
    """A label chosen for the overview map: its neighbourhood, the lines drawn (or its number, for a neighbourhood
    whose name would overlap another label), the centre, the box it covers in pixels (x0, y0, x1, y1), and for a
    number set away from its neighbourhood the point its leader line runs to."""

    name: str
    lines: tuple[str, ...]
    x: float
    y: float
    box: tuple[float, float, float, float]
    number: int | None = None
    #: Where a number set away from its neighbourhood points, by a line (``None``: it sits on or beside it).
    leader: tuple[float, float] | None = None


def _box(x: float, y: float, lines, size: float, *, ring: bool = False) -> tuple[float, float, float, float]:
    """The box a label of ``lines`` centred at (x, y) covers, halo included (for the ring round a number, at least
    as wide as it is tall)."""
    half_w = max(text_half_width(line) for line in lines) * size + HALO
    half_h = len(lines) * LEADING * size / 2 + HALO
    half_w = max(half_w, half_h) if ring else half_w
    return (x - half_w, y - half_h, x + half_w, y + half_h)


def _overlaps(a, b, gap: float = 1.0) -> bool:
    return a[0] < b[2] + gap and b[0] < a[2] + gap and a[1] < b[3] + gap and b[1] < a[3] + gap


def _anchors(geom, view: _View) -> list[tuple[float, float]]:
    """Where a label of ``geom`` may sit, best first, in pixels: the pole of inaccessibility of its largest part
    (the point farthest inside it), then its representative point."""
    part = max(getattr(geom, "geoms", [geom]), key=lambda g: g.area)
    points = [polylabel(part, tolerance=2 / view.scale) if part.geom_type == "Polygon" else part.representative_point()]
    points.append(geom.representative_point())
    return [view.xy(p.x, p.y) for p in points]


def place_labels(shapes: dict, view: _View, labels: dict, size: float, reserved=()) -> list[Placed]:
    """Choose where each neighbourhood's label goes on the overview so that no two drawn labels overlap.

    The larger neighbourhoods are placed first. A name goes at the point farthest inside its neighbourhood, or
    nudged by a line's height or half its width while the point stays inside; a name that cannot be placed without
    overlapping another label (a dense city centre) is replaced by a number, placed the same way or in the nearest
    free spot (one set away from its place has a line to it), and named in the key beside the map (:func:`overview_key`). Numbers run in reading order (top to
    bottom, left to right) so a number on the map is easy to find in the key and back. No label goes in the
    ``reserved`` pixel boxes (the map's insets, :mod:`geo.profiles.detached`).

    Examples
    --------
    >>> from shapely import box
    >>> shapes = {"Big": box(0, 0, 1000, 1000), "Tiny": box(1000, 480, 1020, 500)}
    >>> view = _View(box(0, 0, 1020, 1000).bounds, 200, 200)
    >>> [(p.name, p.lines, p.number) for p in place_labels(shapes, view, {"Big": ("Big place",),
    ...                                                                    "Tiny": ("A long name",)}, 9)]
    [('Big', ('Big place',), None), ('Tiny', ('1',), 1)]
    """
    order = sorted(shapes, key=lambda n: shapes[n].area, reverse=True)
    taken: list[tuple[float, float, float, float]] = list(reserved)
    placed: dict[str, Placed] = {}
    left: list[tuple[str, tuple[float, float]]] = []

    def free(b) -> bool:
        inside = b[0] >= 0 and b[1] >= 0 and b[2] <= view.width and b[3] <= view.height
        return inside and not any(_overlaps(b, t) for t in taken)

    def within(geom, x: float, y: float) -> bool:
        return geom.contains(Point(view.xmin + x / view.scale, view.ymax - y / view.scale))

    for name in order:
        lines = tuple(labels.get(name) or (name,))
        anchors = _anchors(shapes[name], view)
        x0, y0, x1, y1 = _box(0, 0, lines, size)
        w, h = x1 - x0, y1 - y0
        nudges = [(0, 0), (0, -h / 2), (0, h / 2), (-w / 2, 0), (w / 2, 0), (0, -h), (0, h)]
        spot = next(
            (
                (ax + dx, ay + dy)
                for k, (ax, ay) in enumerate(anchors)
                for dx, dy in (nudges if k == 0 else [(0, 0)])
                if free(_box(ax + dx, ay + dy, lines, size)) and within(shapes[name], ax + dx, ay + dy)
            ),
            None,
        )
        if spot is None:
            left.append((name, anchors[0]))
            continue
        placed[name] = Placed(name, lines, *spot, _box(*spot, lines, size))
        taken.append(placed[name].box)
    band = 3 * size
    left.sort(key=lambda item: (round(item[1][1] / band), item[1][0]))
    for number, (name, (ax, ay)) in enumerate(left, start=1):
        lines = (str(number),)
        step = _box(0, 0, lines, size, ring=True)[3] * 2
        rings = [(0.0, 0.0)] + [
            (r * step * np.cos(a), r * step * np.sin(a))
            for r in (0.5, 1, 1.5, 2, 3, 4, 5, 6)
            for a in np.arange(8) * np.pi / 4
        ]
        spots = [(ax + dx, ay + dy) for dx, dy in rings if free(_box(ax + dx, ay + dy, lines, size, ring=True))]
        inside = [p for p in spots if within(shapes[name], *p)]
        spot = (inside or spots or [None])[0]
        if spot is None:  # no free spot near it: named in the key only, marked "not drawn"
            placed[name] = Placed(name, lines, ax, ay, (0.0, 0.0, 0.0, 0.0), number)
            continue
        # a number set farther off than the next ring out (a crowded centre) points at its place with a line
        far = not inside and np.hypot(spot[0] - ax, spot[1] - ay) > 1.6 * step
        placed[name] = Placed(
            name, lines, *spot, _box(*spot, lines, size, ring=True), number, (ax, ay) if far else None
        )
        taken.append(placed[name].box)
    return [placed[n] for n in shapes]


def _label(x: float, y: float, lines, size: float = 9.0, *, number: bool = False) -> str:
    """A label of one to three lines with a white halo (drawn twice: halo, then text); a number in a ring."""
    top = y - (len(lines) - 1) * size * LEADING / 2
    spans = "".join(
        f'<tspan x="{x:.1f}" y="{top + i * size * LEADING:.1f}">{html.escape(t)}</tspan>' for i, t in enumerate(lines)
    )
    common = (
        f'font-family="{LABEL_FONT},sans-serif" font-size="{size}" text-anchor="middle" dominant-baseline="middle" '
        'font-weight="bold"'
    )
    ring = ""
    if number:
        x0, y0, x1, y1 = _box(x, y, lines, size, ring=True)
        ring = (
            f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{x1 - x0:.1f}" height="{y1 - y0:.1f}" rx="{(y1 - y0) / 2:.1f}" '
            f'fill="#fff" stroke="#212b32" stroke-width="0.8"/>'
        )
    return (
        f'{ring}<text {common} fill="none" stroke="#fff" stroke-width="3" stroke-linejoin="round">{spans}</text>'
        f'<text {common} fill="#212b32">{spans}</text>'
    )


def overview_svg(
    shapes: dict,
    outline,
    labels: dict,
    *,
    authorities=None,
    width: float = 700,
    height: float = 560,
    placed: list[Placed] | None = None,
    colours: dict | None = None,
    extra: str = "",
) -> str:
    """Every neighbourhood of the plan, filled so neighbours differ, labelled with ``labels`` (name -> its lines, or
    one text) where :func:`place_labels` puts them (or at ``placed``): no two labels overlap; a name that would is
    drawn as a number in a ring, named in :func:`overview_key`.

    ``authorities`` (optional) are local authority boundaries drawn as dashed lines; ``colours`` the fills (default
    :func:`fills` of ``shapes``); ``extra`` SVG drawn last, on top (the insets of :mod:`geo.profiles.detached`).

    Examples
    --------
    >>> from shapely import box
    >>> svg = overview_svg({"A": box(0, 0, 1000, 1000), "B": box(1000, 0, 2000, 1000)}, box(0, 0, 2000, 1000),
    ...                    {"A": "North", "B": ("South &", "East")})
    >>> svg.count("<path") >= 3, "South &amp;" in svg
    (True, True)
    """
    view = overview_view(outline, width, height)
    colours = colours or fills(shapes)
    body = [f'<path d="{view.path(outline)}" fill="{AREA}" stroke="none"/>']
    body += [
        f'<path d="{view.path(g)}" fill="{colours[n]}" stroke="#fff" stroke-width="0.8"/>' for n, g in shapes.items()
    ]
    if authorities is not None:
        body += [
            f'<path d="{view.path(g.boundary)}" fill="none" stroke="{LINE}" stroke-width="1" stroke-dasharray="4 3"/>'
            for g in authorities
        ]
    body.append(f'<path d="{view.path(outline)}" fill="none" stroke="{LINE}" stroke-width="1"/>')
    size = label_size(shapes)
    lines = {n: (t,) if isinstance(t, str) else tuple(t) for n, t in labels.items()}
    placed = placed if placed is not None else place_labels(shapes, view, lines, size)
    body += [  # leader lines first, under every label
        f'<line x1="{p.x:.1f}" y1="{p.y:.1f}" x2="{p.leader[0]:.1f}" y2="{p.leader[1]:.1f}" stroke="#212b32" '
        f'stroke-width="0.8"/><circle cx="{p.leader[0]:.1f}" cy="{p.leader[1]:.1f}" r="1.5" fill="#212b32"/>'
        for p in placed
        if p.leader is not None
    ]
    body += [_label(p.x, p.y, p.lines, size, number=p.number is not None) for p in placed if p.box[2] > p.box[0]]
    body.append(extra)
    return _svg(view, "Map of every neighbourhood in the study area", "".join(body), "overview")


def overview_view(outline, width: float, height: float) -> _View:
    """The projection of the overview map: the study area fitted into ``width`` x ``height`` pixels."""
    return _View(outline.bounds, width, height)


def label_size(shapes: dict) -> float:
    """Font size of the overview's labels: smaller when there are many neighbourhoods."""
    return 9.0 if len(shapes) <= 30 else 7.5


#: Said after a key entry whose number found no room on the map.
NOT_MARKED = " (not marked on the map: no room beside it)"


def overview_key(placed: list[Placed], dense: int = 0) -> str:
    """The number-to-name key of the overview: the full name of each neighbourhood drawn as a number, in number
    order ("" when every name is drawn); ``dense`` (1 or 2) sets it in the smaller type and more columns of
    ``.map-key.dense-1`` or ``.dense-2``.

    Examples
    --------
    >>> overview_key([Placed("Castle and Saffron", ("1",), 5.0, 5.0, (0.0, 0.0, 10.0, 10.0), 1)])
    '<ol class="map-key"><li value="1">Castle and Saffron</li></ol>'
    """
    numbered = sorted((p for p in placed if p.number is not None), key=lambda p: p.number)
    if not numbered:
        return ""
    rows = "".join(
        f'<li value="{p.number}">{html.escape(p.name)}{"" if p.box[2] > p.box[0] else NOT_MARKED}</li>'
        for p in numbered
    )
    return f'<ol class="map-key{f" dense-{dense}" if dense else ""}">{rows}</ol>'


def locator_svgs(
    shapes: dict,
    name: str,
    outline,
    practices=None,
    high=None,
    *,
    size: float = 150,
    zoom: tuple[float, float] = (250, 230),
    hub: tuple[float, float, str] | None = None,
) -> str:
    """Two maps of neighbourhood ``name``: where it lies in the study area, and its footprint close up with its
    neighbours, its UEC hot-spot LSOAs outlined in red, its practices (``practices``: x, y columns) as dots and its
    proposed hub site (``hub``: x, y, name) as a labelled yellow diamond over them.

    Examples
    --------
    >>> import pandas as pd
    >>> from shapely import box
    >>> shapes = {"A": box(0, 0, 1000, 1000), "B": box(1000, 0, 2000, 1000)}
    >>> svg = locator_svgs(shapes, "A", box(0, 0, 2000, 1000), pd.DataFrame({"x": [500.0], "y": [500.0]}))
    >>> svg.count("<svg"), svg.count("<circle")
    (2, 1)
    >>> 'class="hub"' in locator_svgs(shapes, "A", box(0, 0, 2000, 1000), hub=(500.0, 500.0, "Hub <1>"))
    True
    """
    shape = shapes[name]
    small = _View(outline.bounds, size, size)
    where = [
        f'<path d="{small.path(outline)}" fill="{OTHER}" stroke="{LINE}" stroke-width="0.6"/>',
        f'<path d="{small.path(shape)}" fill="{BLUE}" stroke="{DARK}" stroke-width="0.6"/>',
    ]
    xmin, ymin, xmax, ymax = shape.bounds
    x, y = small.xy((xmin + xmax) / 2, (ymin + ymax) / 2)
    w, h = (xmax - xmin) * small.scale, (ymax - ymin) * small.scale
    if max(w, h) < 12:  # a small footprint: ring it so it can be found
        where.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{max(w, h) / 2 + 6:.1f}" fill="none" '
            f'stroke="{RED}" stroke-width="1.5"/>'
        )
    close = _View(shape.bounds, *zoom, pad=0.12)
    frame = box(*close.bounds)
    near = [f'<path d="{close.path(outline)}" fill="{AREA}" stroke="none"/>']
    near += [
        f'<path d="{close.path(g)}" fill="{OTHER}" stroke="#aeb7bd" stroke-width="0.8"/>'
        for n, g in shapes.items()
        if n != name and g.intersects(frame)
    ]
    near.append(f'<path d="{close.path(shape)}" fill="{BLUE}" fill-opacity="0.35" stroke="{DARK}" stroke-width="1.5"/>')
    if high is not None and not high.is_empty:
        near.append(f'<path d="{close.path(high)}" fill="none" stroke="{RED}" stroke-width="1.2"/>')
    for row in [] if practices is None else practices.itertuples():
        if np.isfinite(row.x) and np.isfinite(row.y):
            px, py = close.xy(row.x, row.y)
            near.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" fill="{DARK}" stroke="#fff" stroke-width="1"/>')
    if hub is not None and np.isfinite(hub[0]) and np.isfinite(hub[1]):
        near.append(_hub_marker(close, *hub))
    return _svg(small, f"Where {name} lies in the study area", "".join(where), "where") + _svg(
        close, f"Footprint of {name} with its GP practices", "".join(near), "close"
    )


def _hub_marker(view: _View, x: float, y: float, name: str) -> str:
    """A hub site: a warm-yellow diamond outlined dark (apart from the practices' dots and the red hot-spot
    outlines) and its name with a white halo (drawn twice, as :func:`_label`), always whole inside the frame: beside
    the marker on the side with room, else centred under (or over) it, in smaller type if the frame is narrower."""
    px, py = view.xy(x, y)
    size, room = 7.5, view.width - 4
    width = 2 * text_half_width(name) * size  # in pixels, at the label's size
    if width > room:
        size, width = size * room / width, room
    right, left = view.width - px - 12, px - 12
    if max(right, left) >= width:
        anchor, tx, ty = ("start", px + 10, py) if right >= left else ("end", px - 10, py)
    else:
        anchor, tx = "middle", min(max(px, width / 2 + 2), view.width - width / 2 - 2)
        ty = py + 14 if py + 18 < view.height else py - 14
    ty = min(max(ty, 8), view.height - 6)
    common = (
        f'x="{tx:.1f}" y="{ty:.1f}" font-family="{LABEL_FONT},sans-serif" font-size="{size:.2f}" font-weight="bold" '
        f'dominant-baseline="middle" text-anchor="{anchor}"'
    )
    text = html.escape(name)
    return (
        f'<g class="hub"><path d="M{px:.1f},{py - 8:.1f} L{px + 8:.1f},{py:.1f} L{px:.1f},{py + 8:.1f} '
        f'L{px - 8:.1f},{py:.1f}Z" fill="{HUB}" stroke="{DARK}" stroke-width="1.2"/>'
        f'<text {common} fill="none" stroke="#fff" stroke-width="3" stroke-linejoin="round">{text}</text>'
        f'<text {common} fill="{DARK}">{text}</text></g>'
    )
