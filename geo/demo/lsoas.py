"""LSOAs of Demoshire in both vintages: faces grouped into LSOA 2021 polygons, codes, names, wards and the 2011 map.

LSOA 2021 codes run ``E01990001`` upwards (city, then towns, then rural; north to south within each district).
Most LSOAs are unchanged since 2011 (``U``, same code). Three 2011 LSOAs of the growing city were split in two
(``S``) and two pairs of 2011 LSOAs in the county were merged into one (``M``); their 2011 codes run ``E01980001``
upwards. So the registrations (published on LSOA 2011) must be bridged, as they must for the real files.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPoint

from geo.demo import codes, shapes

SPLITS = 3  # 2011 LSOAs in the city that became two 2021 LSOAs
MERGES = {"towns": 1, "rural": 1}  # 2021 LSOAs that were two 2011 LSOAs


@dataclass
class Geography:
    """The synthetic LSOA layers (EPSG:27700) and the 2011 to 2021 correspondence.

    Attributes
    ----------
    lsoa21
        Index ``lsoa21_code``; columns ``lsoa21_name, district, lad_code, lad_name, ward_code, ward_name,
        island, geometry``.
    lsoa11
        Index ``lsoa11_code``; columns ``lsoa11_name, district, lad_code, lad_name, geometry``.
    changes
        ``lsoa11_code, lsoa21_code, chgind, share``: ``share`` is the part of the 2021 LSOA's people that lived in
        the 2011 LSOA (1 except for merges).
    """

    lsoa21: gpd.GeoDataFrame
    lsoa11: gpd.GeoDataFrame
    changes: pd.DataFrame


def build_geography(seed: int = 1) -> Geography:
    """Draw the region and return both LSOA vintages.

    Examples
    --------
    >>> geo = build_geography(1)
    >>> len(geo.lsoa21), geo.lsoa21.index[0], geo.changes.chgind.value_counts().to_dict()
    (200, 'E01990001', {'U': 192, 'S': 6, 'M': 4})
    """
    rng = np.random.default_rng([seed, 1])
    local = shapes.outlines(rng)
    seeds = {k: shapes.seed_points(k, local.districts[k], n, rng) + shapes.ORIGIN for k, n in shapes.SEEDS.items()}
    # Move onto the grid before noding: moving noded faces afterwards can make near-touching rings cross.
    outl = local.shifted(shapes.ORIGIN)
    merged = {k: rng.choice(len(seeds[k]), size=m, replace=False) for k, m in MERGES.items()}
    cuts = {}
    for key, picks in merged.items():
        cells = shapely.voronoi_polygons(MultiPoint(seeds[key]), extend_to=outl.districts[key].envelope, ordered=True)
        for i in picks:
            cell = cells.geoms[int(i)].intersection(outl.districts[key])
            cuts[(key, int(i))] = shapes.cut_line(cell, seeds[key][i])
    faces = np.array(shapes.faces(outl, seeds, list(cuts.values())), dtype=object)
    owner = _assign_faces(faces, outl, seeds)
    owner = _absorb_orphans(faces, owner, seeds)

    keys = sorted(set(owner), key=lambda k: (list(shapes.SEEDS).index(k[0]), k[1]))
    owner_arr = np.array([f"{d}:{i}" for d, i in owner])
    geoms = {k: shapely.union_all(faces[owner_arr == f"{k[0]}:{k[1]}"]) for k in keys}
    table = _name_lsoas(keys, geoms)
    lsoa21 = gpd.GeoDataFrame(
        table.drop(columns="key"), geometry=[geoms[k] for k in table.key], crs="EPSG:27700"
    ).set_index("lsoa21_code")
    code_of = dict(zip(table.key, table.lsoa21_code))
    face_code21 = np.array([code_of[o] for o in owner])
    side = _cut_sides(faces, owner, cuts)
    lsoa11, changes = _vintage_2011(lsoa21, faces, face_code21, side, {code_of[k] for k in cuts}, rng)
    return Geography(lsoa21=lsoa21, lsoa11=lsoa11, changes=changes)


def _assign_faces(faces: np.ndarray, outl: shapes.Outlines, seeds: dict[str, np.ndarray]) -> list[tuple[str, int]]:
    """Give each face to the district containing it and, within that, to the nearest seed (its Voronoi cell)."""
    probes = shapely.point_on_surface(faces)
    xy = np.column_stack([shapely.get_x(probes), shapely.get_y(probes)])
    on_island = shapely.contains_xy(outl.island, xy[:, 0], xy[:, 1])
    # Nearest district rather than containing district: a sliver face where two district edges almost coincide
    # lies in neither, and must still belong to one.
    keys = list(outl.districts)
    gaps = np.column_stack([shapely.distance(outl.districts[k], probes) for k in keys])
    home = gaps.argmin(axis=1)
    owner: list[tuple[str, int]] = [("rural", -1)] * len(faces)  # the island is one LSOA whatever the cells say
    for k, key in enumerate(keys):
        inside = (home == k) & ~on_island
        pts = seeds[key]
        d = np.hypot(xy[inside, None, 0] - pts[None, :, 0], xy[inside, None, 1] - pts[None, :, 1])
        for f, s in zip(np.flatnonzero(inside), d.argmin(axis=1)):
            owner[f] = (key, int(s))
    return owner


def _absorb_orphans(faces: np.ndarray, owner: list, seeds: dict[str, np.ndarray]) -> list:
    """Make every LSOA one piece: a Voronoi cell cut in two by the estuary or the city edge gives its far piece
    to the neighbour in the same district that shares the longest boundary with it."""
    owner = list(owner)
    for _ in range(10):
        changed = False
        groups: dict = {}
        for f, o in enumerate(owner):
            groups.setdefault(o, []).append(f)
        geoms = {o: shapely.union_all(faces[fs]) for o, fs in groups.items()}
        for o, geom in geoms.items():
            if geom.geom_type == "Polygon" or o[1] < 0:
                continue
            home = shapely.points(seeds[o[0]][o[1]])
            for part in shapely.get_parts(geom):
                if part.contains(home):
                    continue
                shared = {
                    other: part.boundary.intersection(g.boundary).length
                    for other, g in geoms.items()
                    if other != o and other[0] == o[0] and part.touches(g)
                }
                if not shared:
                    continue
                best = max(sorted(shared), key=shared.get)
                for f in groups[o]:
                    if part.contains(shapely.point_on_surface(faces[f])):
                        owner[f] = best
                changed = True
        if not changed:
            return owner
    raise RuntimeError("demo LSOAs could not all be made contiguous")


def _cut_sides(faces: np.ndarray, owner: list, cuts: dict) -> dict[int, int]:
    """For the faces of each merged LSOA, which side of its cut line (0 or 1) they lie on."""
    side = {}
    for f, o in enumerate(owner):
        if o in cuts:
            (ax, ay), (bx, by) = cuts[o].coords[0], cuts[o].coords[-1]
            p = shapely.point_on_surface(faces[f])
            side[f] = int((bx - ax) * (p.y - ay) - (by - ay) * (p.x - ax) > 0)
    return side


def _name_lsoas(keys: list, geoms: dict) -> pd.DataFrame:
    """Order LSOAs north to south in snaking bands (as ONS numbers MSOAs), then code, name and ward them."""
    rows = []
    number = 0
    ward = 0
    for district in codes.DISTRICTS:
        mine = [k for k in keys if k[0] == district.key]
        cents = np.array([geoms[k].centroid.coords[0] for k in mine])
        band = ((cents[:, 1].max() - cents[:, 1]) // 3_000).astype(int)
        order = np.lexsort((np.where(band % 2 == 0, cents[:, 0], -cents[:, 0]), band))
        for pos, i in enumerate(order):
            msoa, letter = divmod(pos, 5)
            if pos % 6 == 0:
                ward += 1
            number += 1
            rows.append(
                {
                    "key": mine[i],
                    "lsoa21_code": f"E0{codes.FIRST_LSOA21 + number - 1}",
                    "lsoa21_name": codes.lsoa_name(district.stem, msoa + 1, letter),
                    "district": district.key,
                    "lad_code": district.code,
                    "lad_name": district.name,
                    "ward_code": f"E0{codes.FIRST_WARD + ward - 1}",
                    "ward_name": f"{district.stem} Ward {(pos // 6) + 1}",
                    "island": mine[i][1] < 0,
                }
            )
    return pd.DataFrame(rows)


def _vintage_2011(lsoa21, faces, face_code21, side, merged_codes, rng):
    """Build the LSOA 2011 layer: unchanged LSOAs, parents of city splits and the halves of county merges."""
    city = lsoa21[(lsoa21.district == "city")]
    used: set[str] = set()
    splits = []
    for code in rng.permutation(city.index.to_numpy()):
        if len(splits) == SPLITS:
            break
        if code in used:
            continue
        geom = city.geometry[code]
        shared = {
            o: geom.boundary.intersection(g.boundary).length
            for o, g in city.geometry.items()
            if o != code and o not in used and geom.touches(g)
        }
        if shared:
            partner = max(sorted(shared), key=shared.get)
            splits.append(tuple(sorted((code, partner))))
            used |= {code, partner}
    letters_used: dict[str, int] = {}
    for name in lsoa21.lsoa21_name:
        letters_used[name[:-1]] = max(letters_used.get(name[:-1], 0), ord(name[-1]) - ord("A") + 1)

    def new_name(like: str) -> str:
        stem = lsoa21.lsoa21_name[like][:-1]
        letters_used[stem] += 1
        return f"{stem}{chr(ord('A') + letters_used[stem] - 1)}"

    face_code11 = face_code21.astype(object).copy()
    names11 = dict(zip(lsoa21.index, lsoa21.lsoa21_name))
    rows = [(c, c, "U", 1.0) for c in lsoa21.index if c not in used and c not in merged_codes]
    serial = iter(range(codes.FIRST_LSOA11_ONLY, codes.FIRST_LSOA11_ONLY + 100))
    for a, b in splits:
        parent = f"E0{next(serial)}"
        names11[parent] = new_name(a)
        face_code11[np.isin(face_code21, [a, b])] = parent
        rows += [(parent, a, "S", 1.0), (parent, b, "S", 1.0)]
    for code in sorted(merged_codes):
        idx = np.flatnonzero(face_code21 == code)
        halves = [f"E0{next(serial)}", f"E0{next(serial)}"]
        area = np.zeros(2)
        for f in idx:
            face_code11[f] = halves[side[f]]
            area[side[f]] += faces[f].area
        for h, share in zip(halves, area / area.sum()):
            names11[h] = new_name(code)
            rows.append((h, code, "M", round(float(share), 4)))
    for c in used | merged_codes:
        names11.pop(c)
    changes = pd.DataFrame(rows, columns=["lsoa11_code", "lsoa21_code", "chgind", "share"])
    changes = changes.sort_values(["lsoa21_code", "lsoa11_code"], ignore_index=True)
    district_of = dict(zip(lsoa21.index, lsoa21.district))
    codes11 = sorted(set(face_code11))
    first21 = changes.drop_duplicates("lsoa11_code").set_index("lsoa11_code").lsoa21_code
    lsoa11 = gpd.GeoDataFrame(
        {
            "lsoa11_code": codes11,
            "lsoa11_name": [names11[c] for c in codes11],
            "district": [district_of[first21[c]] for c in codes11],
            "lad_code": [lsoa21.lad_code[first21[c]] for c in codes11],
            "lad_name": [lsoa21.lad_name[first21[c]] for c in codes11],
        },
        geometry=[shapely.union_all(faces[face_code11 == c]) for c in codes11],
        crs="EPSG:27700",
    ).set_index("lsoa11_code")
    return lsoa11, changes
