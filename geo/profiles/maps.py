"""Static maps of the printed pack as inline SVG: the overview of every neighbourhood with its label, and each
neighbourhood's locator (where it lies in the study area, and its footprint with its practices as dots).

Geometries are in the atlas's projected CRS (metres, EPSG:27700), simplified to about half a drawn pixel and
clipped to the view, so a pack of 60 neighbourhoods stays a few megabytes. Neighbours never share a fill: the
footprints are coloured greedily on their adjacency graph (:func:`networkx.greedy_color`) from a pale palette, so
labels stay readable on top. Names are escaped; no script, no fetch.
"""

from __future__ import annotations

import html

import networkx as nx
import numpy as np
from shapely import STRtree, box, clip_by_rect

from geo.profiles.charts import BLUE, DARK, RED

#: Pale, colour-blind-safe fills (ColorBrewer Pastel1/Set3) for neighbourhoods on the overview map.
FILLS = ["#b3cde3", "#ccebc5", "#fed9a6", "#decbe4", "#ffffcc", "#fbb4ae", "#e5d8bd", "#d9d9d9", "#b3e2cd", "#fdcdac"]
AREA, LINE, OTHER = "#f0f0f0", "#768692", "#e8edee"


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


def _label(x: float, y: float, text: str, size: float = 9.0) -> str:
    """A label of one or two lines with a white halo (drawn twice: halo, then text)."""
    words = str(text).split()
    lines = [str(text)]
    if len(text) > 16 and len(words) > 1:  # two balanced lines
        cut = min(range(1, len(words)), key=lambda k: abs(len(" ".join(words[:k])) - len(" ".join(words[k:]))))
        lines = [" ".join(words[:cut]), " ".join(words[cut:])]
    top = y - (len(lines) - 1) * size * 0.55
    spans = "".join(
        f'<tspan x="{x:.1f}" y="{top + i * size * 1.1:.1f}">{html.escape(t)}</tspan>' for i, t in enumerate(lines)
    )
    common = f'font-size="{size}" text-anchor="middle" dominant-baseline="middle" font-weight="bold"'
    return (
        f'<text {common} fill="none" stroke="#fff" stroke-width="3" stroke-linejoin="round">{spans}</text>'
        f'<text {common} fill="#212b32">{spans}</text>'
    )


def overview_svg(
    shapes: dict, outline, labels: dict[str, str], *, authorities=None, width: float = 700, height: float = 560
) -> str:
    """Every neighbourhood of the plan, filled so neighbours differ, labelled with ``labels`` (name -> text).

    ``authorities`` (optional) are local authority boundaries drawn as dashed lines.

    Examples
    --------
    >>> from shapely import box
    >>> svg = overview_svg({"A": box(0, 0, 1000, 1000), "B": box(1000, 0, 2000, 1000)}, box(0, 0, 2000, 1000),
    ...                    {"A": "North", "B": "South & East"})
    >>> svg.count("<path") >= 3, "South &amp; East" in svg
    (True, True)
    """
    view = _View(outline.bounds, width, height)
    colours = fills(shapes)
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
    size = 9.0 if len(shapes) <= 30 else 7.5
    for name, geom in shapes.items():
        point = geom.representative_point()
        body.append(_label(*view.xy(point.x, point.y), labels.get(name, name), size))
    return _svg(view, "Map of every neighbourhood in the study area", "".join(body), "overview")


def locator_svgs(
    shapes: dict,
    name: str,
    outline,
    practices=None,
    high=None,
    *,
    size: float = 150,
    zoom: tuple[float, float] = (250, 230),
) -> str:
    """Two maps of neighbourhood ``name``: where it lies in the study area, and its footprint close up with its
    neighbours, its UEC hot-spot LSOAs outlined in red and its practices (``practices``: x, y columns) as dots.

    Examples
    --------
    >>> import pandas as pd
    >>> from shapely import box
    >>> shapes = {"A": box(0, 0, 1000, 1000), "B": box(1000, 0, 2000, 1000)}
    >>> svg = locator_svgs(shapes, "A", box(0, 0, 2000, 1000), pd.DataFrame({"x": [500.0], "y": [500.0]}))
    >>> svg.count("<svg"), svg.count("<circle")
    (2, 1)
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
    return _svg(small, f"Where {name} lies in the study area", "".join(where), "where") + _svg(
        close, f"Footprint of {name} with its GP practices", "".join(near), "close"
    )
