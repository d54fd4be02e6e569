"""Detached far-away parts of a study area (the Isles of Scilly off Cornwall) drawn in inset boxes on the cover's
overview map, so the map is drawn at the scale of the rest rather than shrunk to span the sea between them.

The rule (:func:`detached_parts`): the area's polygons are grouped, two in one group when they lie within
:data:`FAR` of the area's extent (the longer side of its bounding box) of each other; the group of the largest
area is the map; any other group lying wholly outside the map's window gets an inset box of its own, in the
corner of the map it covers least (:func:`inset_boxes`), labelled with the neighbourhoods it holds, its distance
and direction from the rest and its scale against the map's. A group inside the window is drawn in place.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import networkx as nx
from shapely import STRtree, box, union_all

from geo.profiles.maps import LABEL_FONT, _View, text_half_width

#: A part farther than this share of the area's extent from the rest of the area is drawn in an inset.
FAR = 0.2
#: The inset box's largest share of the map's width and height, its least side in pixels, the gap kept from the
#: map's edge, and the caption's font size (px) and line spacing.
INSET_SHARE, INSET_LEAST, INSET_MARGIN, CAPTION_PX, CAPTION_LEADING = 0.3, 70.0, 4.0, 8.0, 1.2
#: Compass points for the direction of a detached part from the rest (its bearing in sixteenths of a turn).
#: Said after the direction of an inset drawn larger than the map (its scale against the map's).
SCALE = " · ×{:.1f} scale"
COMPASS = "N NNE NE ENE E ESE SE SSE S SSW SW WSW W WNW NW NNW".split()
#: At most one inset per corner of the map: an area in more far-away groups than that (a study area given as
#: scattered LSOAs or authorities) is drawn whole at its own scale, without insets.
MAX_INSETS = 4


@dataclass(frozen=True)
class Detached:
    """A detached group of the area: its geometry, the neighbourhoods holding part of it, its distance from the rest
    of the area (metres) and its direction from the rest's centre (a compass point)."""

    geometry: object
    names: tuple[str, ...]
    km: float
    direction: str


def detached_parts(outline, shapes: dict, far: float = FAR):
    """The area's ``outline`` split into the part drawn on the map and its detached far-away groups.

    Returns ``(main, groups)``: the main part's geometry (``outline`` itself when nothing is detached) and a list
    of :class:`Detached`, empty for a compact area.

    Examples
    --------
    >>> from shapely import MultiPolygon, box
    >>> land, isles = box(0, 0, 100_000, 60_000), box(-60_000, 0, -50_000, 8_000)
    >>> main, groups = detached_parts(MultiPolygon([land, isles]), {"Mainland": land, "Isles": isles})
    >>> main.bounds, [(g.names, round(g.km), g.direction) for g in groups]
    ((0.0, 0.0, 100000.0, 60000.0), [(('Isles',), 50, 'WSW')])
    >>> detached_parts(land, {"Mainland": land})[1]
    []
    >>> scattered = [box(k * 500_000, 0, k * 500_000 + 1_000, 1_000) for k in range(6)]
    >>> detached_parts(MultiPolygon(scattered), {"All": MultiPolygon(scattered)})[1]  # six groups: no insets
    []
    """
    parts = list(getattr(outline, "geoms", [outline]))
    if len(parts) < 2:
        return outline, []
    x0, y0, x1, y1 = outline.bounds
    reach = far * max(x1 - x0, y1 - y0)
    graph = nx.Graph()
    graph.add_nodes_from(range(len(parts)))
    tree = STRtree(parts)
    for i, part in enumerate(parts):
        graph.add_edges_from((i, int(j)) for j in tree.query(part, predicate="dwithin", distance=reach) if j != i)
    groups = sorted(
        (union_all([parts[i] for i in c]) for c in nx.connected_components(graph)), key=lambda g: g.area, reverse=True
    )
    main, groups = groups[0], groups[1:]
    window = box(*_View(main.bounds, 1, 1).bounds)  # the map's window, padded as the map pads it
    kept = [g for g in groups if g.intersects(window)]  # drawn in place
    if kept:
        main = union_all([main, *kept])
    far_away = [g for g in groups if not g.intersects(window)]
    if len(far_away) > MAX_INSETS:
        return outline, []
    centre = main.centroid
    out = []
    for g in far_away:
        names = tuple(n for n, s in shapes.items() if s.intersects(g))
        here = g.centroid
        bearing = math.degrees(math.atan2(here.x - centre.x, here.y - centre.y)) % 360
        out.append(Detached(g, names, g.distance(main) / 1000, COMPASS[round(bearing / 22.5) % 16]))
    return main, out


def caption_lines(group: Detached) -> tuple[str, str]:
    """The inset's two caption lines: the neighbourhoods in it and where it lies from the rest.

    Examples
    --------
    >>> from shapely import box
    >>> caption_lines(Detached(box(0, 0, 1, 1), ("Isles of Scilly",), 41.6, "WSW"))
    ('Isles of Scilly', '42 km WSW')
    >>> caption_lines(Detached(box(0, 0, 1, 1), ("A", "B", "C"), 3.2, "N"))
    ('A, B and 1 more', '3 km N')
    """
    names = ", ".join(group.names[:2]) + (f" and {len(group.names) - 2} more" if len(group.names) > 2 else "")
    return names, f"{group.km:.0f} km {group.direction}"


def inset_boxes(groups: list[Detached], main_outline, view: _View) -> list[tuple[float, float, float, float]]:
    """A pixel box on the map ``view`` for each detached group: in the map's corners, the first group in the
    corner whose box covers least of the area, each box shaped to its group and wide enough for its caption.

    Examples
    --------
    >>> from shapely import Polygon, box
    >>> land = Polygon([(0, 0), (100_000, 0), (100_000, 100_000)])  # the area's lower right half
    >>> group = Detached(box(-60_000, 0, -50_000, 8_000), ("Isles",), 50, "W")
    >>> [tuple(round(v) for v in b) for b in inset_boxes([group], land, _View(land.bounds, 400, 400))]
    [(4, 4, 124, 123)]
    """
    out: list[tuple[float, float, float, float]] = []
    corners = ["top left", "top right", "bottom left", "bottom right"]
    for group in groups:
        gx0, gy0, gx1, gy1 = group.geometry.bounds
        aspect = max(gx1 - gx0, 1.0) / max(gy1 - gy0, 1.0)
        caption = 2 * CAPTION_PX * CAPTION_LEADING + 4
        name, where = caption_lines(group)
        widest = 2 * max(text_half_width(name), text_half_width(where + SCALE.format(10.0))) * CAPTION_PX + 8
        w = min(INSET_SHARE * view.width, max(INSET_LEAST, widest, (INSET_SHARE * view.height - caption) * aspect))
        h = min(INSET_SHARE * view.height, max(INSET_LEAST, w / aspect + caption))
        w = max(w, widest)

        def at(corner: str) -> tuple[float, float, float, float]:
            x = INSET_MARGIN if "left" in corner else view.width - INSET_MARGIN - w
            y = INSET_MARGIN if "top" in corner else view.height - INSET_MARGIN - h
            return (x, y, x + w, y + h)

        def covered(b) -> float:
            wx0, wy1 = view.xmin + b[0] / view.scale, view.ymax - b[1] / view.scale
            wx1, wy0 = view.xmin + b[2] / view.scale, view.ymax - b[3] / view.scale
            return main_outline.intersection(box(wx0, wy0, wx1, wy1)).area

        free = [c for c in corners if not any(_meets(at(c), b) for b in out)]
        best = min(free or corners, key=lambda c: covered(at(c)))
        out.append(at(best))
        if best in corners:
            corners.remove(best)
    return out


def _meets(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def inset_svg(group: Detached, frame, shapes: dict, colours: dict, scale: float) -> str:
    """SVG of ``group`` in the pixel box ``frame`` of the overview map (drawn on top of it): a white box with a
    border, the group's neighbourhoods in their map colours, the caption (:func:`caption_lines`) and its scale
    against the map's (``scale``: the map's pixels per metre)."""
    x0, y0, x1, y1 = frame
    caption = 2 * CAPTION_PX * CAPTION_LEADING + 4
    inner = _View(group.geometry.bounds, x1 - x0 - 4, y1 - y0 - caption - 4, pad=0.08)
    ox = x0 + 2 + (x1 - x0 - 4 - inner.width) / 2
    oy = y0 + caption + 2 + (y1 - y0 - caption - 4 - inner.height) / 2
    parts = [
        f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{x1 - x0:.1f}" height="{y1 - y0:.1f}" fill="#fff" '
        'stroke="#425563" stroke-width="0.8"/>',
        f'<g transform="translate({ox:.1f},{oy:.1f})">',
        *(
            f'<path d="{inner.path(shapes[n].intersection(group.geometry))}" fill="{colours.get(n, "#d9d9d9")}" '
            'stroke="#768692" stroke-width="0.6"/>'
            for n in group.names
        ),
        "</g>",
    ]
    name, where = caption_lines(group)
    zoom = inner.scale / scale
    where += SCALE.format(zoom) if zoom >= 1.05 else ""
    cx = (x0 + x1) / 2
    for k, text in enumerate((name, where)):
        parts.append(
            f'<text x="{cx:.1f}" y="{y0 + 2 + (k + 0.8) * CAPTION_PX * CAPTION_LEADING:.1f}" '
            f'font-family="{LABEL_FONT},sans-serif" font-size="{CAPTION_PX}" text-anchor="middle" '
            f'font-weight="{"bold" if k == 0 else "normal"}" fill="#212b32">{html.escape(text)}</text>'
        )
    return "".join(parts)
