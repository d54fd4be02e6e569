"""The land of Demoshire as one clean coverage of faces: outline, estuary, island, districts and Voronoi cells.

The region is a lobed ellipse about 40 km by 32 km in British National Grid, placed over the North York Moors
(easting 455 km, northing 478 km): inland, inside England's grid, far from the ICBs the planner is tried on and
well west of the Greenwich meridian (so no longitude is ever written in exponent notation). An estuary bites in
from the east almost to the city, leaving a land neck of about 2 km between the county's two districts: the
river/estuary bottleneck. An island lies in the estuary mouth, touching nothing.

Every boundary (outline, estuary, island, city edge, district divider, every district's Voronoi edges and the cut
lines of LSOAs that were two LSOAs in 2011) is noded once and polygonised into faces. Each LSOA is then a union of
faces, so neighbouring LSOAs share exactly the same vertices: no slivers or gaps, before or after rounding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import LineString, MultiPoint, Point, Polygon

ORIGIN = (455_000.0, 478_000.0)
CITY_CENTRE = (12_000.0, 16_500.0)
CITY_RADIUS = 4_600.0
ESTUARY_HEAD = 19_000.0
TOWN_CENTRES = ((7_000.0, 6_500.0), (22_000.0, 7_000.0), (31_000.0, 11_500.0))
VILLAGES = ((8_000.0, 25_000.0), (26_000.0, 24_000.0))
#: LSOA 2021 seeds per district (the island is one more rural LSOA).
SEEDS = {"city": 100, "towns": 62, "rural": 37}


def river_y(x: np.ndarray | float) -> np.ndarray | float:
    """Northing (local metres) of the estuary's centre line, continued west as the district divider."""
    return 16_000.0 + 1_200.0 * np.sin((np.asarray(x) - ESTUARY_HEAD) / 7_000.0)


def _half_width(x: np.ndarray) -> np.ndarray:
    return 150.0 + 2_800.0 * np.clip((x - ESTUARY_HEAD) / 25_000.0, 0, None) ** 1.3


@dataclass
class Outlines:
    """The large shapes, in local metres (add :data:`ORIGIN` for British National Grid)."""

    outline: Polygon
    estuary: Polygon
    island: Polygon
    districts: dict[str, Polygon]

    def shifted(self, offset: tuple[float, float]) -> "Outlines":
        """The same shapes moved by ``offset``: done before any noding, so every overlay runs in final coordinates."""
        move = lambda g: shapely.transform(g, lambda xy: xy + np.asarray(offset))  # noqa: E731
        return Outlines(
            move(self.outline), move(self.estuary), move(self.island), {k: move(v) for k, v in self.districts.items()}
        )


def outlines(rng: np.random.Generator) -> Outlines:
    """Draw the outline, estuary, island and the three districts.

    Examples
    --------
    >>> shapes = outlines(np.random.default_rng(1))
    >>> sorted(shapes.districts), shapes.island.intersects(shapes.outline.difference(shapes.estuary))
    (['city', 'rural', 'towns'], False)
    """
    theta = np.linspace(0, 2 * np.pi, 120, endpoint=False)
    phase = rng.uniform(0, 2 * np.pi, 3)
    lobes = (
        1
        + 0.05 * np.sin(2 * theta + phase[0])
        + 0.035 * np.sin(3 * theta + phase[1])
        + 0.02 * np.sin(5 * theta + phase[2])
    )
    outline = Polygon(
        np.column_stack([20_000 + 19_500 * lobes * np.cos(theta), 16_000 + 15_500 * lobes * np.sin(theta)])
    )

    xs = np.arange(ESTUARY_HEAD, 46_001, 500.0)
    upper = np.column_stack([xs, river_y(xs) + _half_width(xs)])
    lower = np.column_stack([xs, river_y(xs) - _half_width(xs)])[::-1]
    estuary = Polygon(np.vstack([upper, lower])).union(Point(ESTUARY_HEAD, river_y(ESTUARY_HEAD)).buffer(150, 8))

    ix = 35_000.0
    centre = (ix, river_y(ix) + 0.35 * _half_width(np.array([ix]))[0])
    island = affinity.scale(Point(centre).buffer(1.0, 16), 900, 400)

    land = outline.difference(estuary)
    ring = np.linspace(0, 2 * np.pi, 72, endpoint=False)
    wobble = 1 + 0.04 * np.sin(3 * ring + phase[1])
    disc = Polygon(
        np.column_stack(
            [CITY_CENTRE[0] + CITY_RADIUS * wobble * np.cos(ring), CITY_CENTRE[1] + CITY_RADIUS * wobble * np.sin(ring)]
        )
    )
    south = _south_of_divider()
    city = land.intersection(disc)
    rest = land.difference(disc)
    districts = {"city": city, "towns": rest.intersection(south), "rural": rest.difference(south)}
    for key, shape in districts.items():
        if shape.geom_type != "Polygon":  # a district in pieces would make the demo's contiguity story wrong
            raise RuntimeError(f"demo district {key} is not one polygon ({shape.geom_type})")
    return Outlines(outline, estuary, island, districts)


def _south_of_divider() -> Polygon:
    xs = np.arange(-2_000.0, 46_001.0, 500.0)
    line = np.column_stack([xs, river_y(xs)])
    return Polygon(np.vstack([line, [[46_000.0, -2_000.0], [-2_000.0, -2_000.0]]]))


def _density(key: str, xy: np.ndarray) -> np.ndarray:
    """Relative density of LSOA seeds (and so of people) at local points: why cells shrink in towns."""

    def bump(centre, sigma):
        return np.exp(-((xy[:, 0] - centre[0]) ** 2 + (xy[:, 1] - centre[1]) ** 2) / (2 * sigma**2))

    if key == "city":
        return 1 + 2.0 * bump(CITY_CENTRE, 2_200)
    if key == "towns":
        return 0.25 + sum(3.0 * bump(c, 1_800) for c in TOWN_CENTRES)
    return 0.6 + sum(1.2 * bump(c, 1_500) for c in VILLAGES)


def seed_points(key: str, district: Polygon, n: int, rng: np.random.Generator) -> np.ndarray:
    """Place ``n`` seeds in a district by density-weighted dart throwing (a minimum spacing keeps cells round).

    Examples
    --------
    >>> pts = seed_points("rural", Point(0, 0).buffer(5_000), 12, np.random.default_rng(0))
    >>> pts.shape
    (12, 2)
    """
    minx, miny, maxx, maxy = district.bounds
    pool = rng.uniform((minx, miny), (maxx, maxy), size=(40 * n, 2))
    pool = pool[shapely.contains_xy(district, pool[:, 0], pool[:, 1])]
    dens = _density(key, pool)
    pool = pool[rng.uniform(0, dens.max(), len(pool)) < dens]
    dens = _density(key, pool)
    spacing = np.sqrt(district.area / n / np.mean(dens)) / np.sqrt(dens)
    factor = 0.9
    while True:
        chosen: list[int] = []
        for i in range(len(pool)):
            if all(np.hypot(*(pool[i] - pool[j])) > factor * max(spacing[i], spacing[j]) for j in chosen):
                chosen.append(i)
                if len(chosen) == n:
                    return pool[chosen]
        factor *= 0.9


def faces(shapes: Outlines, seeds: dict[str, np.ndarray], cuts: list[LineString]) -> list[Polygon]:
    """Node every boundary once and return the faces of the resulting planar partition that lie on land.

    Examples
    --------
    >>> shapes = outlines(np.random.default_rng(1))
    >>> seeds = {k: seed_points(k, d, 5, np.random.default_rng(2)) for k, d in shapes.districts.items()}
    >>> len(faces(shapes, seeds, [])) >= 16
    True
    """
    lines = [shapes.outline.boundary, shapes.estuary.boundary, shapes.island.boundary]
    lines += [d.boundary for d in shapes.districts.values()]
    for key, pts in seeds.items():
        district = shapes.districts[key]
        cells = shapely.voronoi_polygons(MultiPoint(pts), extend_to=district.envelope.buffer(2_000))
        lines += [cell.boundary.intersection(district.envelope.buffer(10)) for cell in cells.geoms]
    lines += cuts
    # Snap-round the noding to a 1 m grid: vertices closer than that would collapse or cross once written as
    # 6-decimal degrees (about 0.1 m), turning valid polygons invalid.
    noded = shapely.union_all(shapely.get_parts(np.array(lines, dtype=object)), grid_size=1.0)
    result = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    land = shapes.outline.difference(shapes.estuary).union(shapes.island)
    probes = shapely.point_on_surface(result)
    return list(result[shapely.contains_xy(land, shapely.get_x(probes), shapely.get_y(probes))])


def cut_line(cell: Polygon, seed: np.ndarray) -> LineString:
    """A straight cut through ``seed`` across the short axis of ``cell``: where a 2021 LSOA was two in 2011.

    Examples
    --------
    >>> cut_line(Polygon([(0, 0), (4, 0), (4, 1), (0, 1)]), np.array([2.0, 0.5])).bounds
    (2.0, -1.0, 2.0, 2.0)
    """
    rect = cell.minimum_rotated_rectangle
    xy = np.asarray(rect.exterior.coords)[:4]
    edges = np.diff(np.vstack([xy, xy[:1]]), axis=0)
    long_edge = edges[np.argmax(np.hypot(edges[:, 0], edges[:, 1]))]
    normal = np.array([-long_edge[1], long_edge[0]]) / np.hypot(*long_edge)
    reach = 2 * np.hypot(*long_edge) + 1
    line = LineString([seed - reach * normal, seed + reach * normal])
    # Overshoot the cell by a metre: a cut ending exactly on the cell edge can miss it by a rounding error and
    # then dangles without splitting anything; the overshoot is a dangle that polygonize drops.
    return line.intersection(cell.buffer(1.0))
