"""The cover's insets of detached far-away parts (the Isles of Scilly off Cornwall): a part farther from the rest
than the rule's share of the area's extent gets a labelled box of its own, the map drawn at the rest's scale; a
compact area, or an island close to its shore, gets none."""

from __future__ import annotations

import itertools
import re
from dataclasses import replace

import pytest
import shapely
from shapely import MultiPolygon, box

from geo.plan import Plan
from geo.profiles.core import neighbourhood_profiles
from geo.profiles.cover import cover, overview_labels
from geo.profiles.detached import FAR, caption_lines, detached_parts, inset_boxes
from geo.profiles.maps import overview_view
from geo.testing import grid_atlas


def county(gap: float):
    """A mainland of four districts and, ``gap`` metres west of it, a small group of isles (one neighbourhood)."""
    shapes = {f"District {k}": box(k * 25_000, 0, k * 25_000 + 25_000, 40_000) for k in range(4)}
    isles = MultiPolygon([box(-gap - 9_000, 5_000, -gap - 5_000, 9_000), box(-gap - 4_000, 6_000, -gap, 8_000)])
    shapes["The Isles"] = isles
    return shapes, MultiPolygon([box(0, 0, 100_000, 40_000), *isles.geoms])


@pytest.fixture(scope="module")
def pack(place_plan, england):
    from geo.profiles import neighbourhood_profiles

    return neighbourhood_profiles(place_plan, england=england)


def test_a_far_detached_part_gets_its_own_labelled_inset_and_the_map_the_rest_s_scale():
    shapes, outline = county(40_000)  # 40 km off a 109 km area: past FAR of its extent
    main, groups = detached_parts(outline, shapes)
    assert main.bounds == (0.0, 0.0, 100_000.0, 40_000.0)
    assert [g.names for g in groups] == [("The Isles",)] and groups[0].direction == "W"
    assert round(groups[0].km) == 40
    assert overview_view(main, 700, 600).scale > 1.3 * overview_view(outline, 700, 600).scale


@pytest.mark.parametrize("gap", [2_000, 0.9 * FAR * 109_000])
def test_a_compact_area_or_a_near_island_gets_no_inset(gap):
    shapes, outline = county(gap)
    main, groups = detached_parts(outline, shapes)
    assert groups == [] and main.equals(outline)
    main, groups = detached_parts(shapes["District 0"], shapes)  # one polygon
    assert groups == []


def test_the_cover_draws_the_inset_with_its_caption_and_no_label_under_it(pack):
    shapes, outline = county(40_000)
    page = cover(replace(pack, shapes=shapes, outline=outline, authorities=[]))
    name, where = caption_lines(detached_parts(outline, shapes)[1][0])
    assert f">{name}</text>" in page and where in page and "far-away parts in boxes" in page
    assert page.count("<svg") == 1  # the inset is drawn on the overview map itself
    compact = cover(
        replace(
            pack,
            shapes={k: v for k, v in shapes.items() if k != "The Isles"},
            outline=box(0, 0, 100_000, 40_000),
            authorities=[],
        )
    )
    assert " km " not in compact and "far-away" not in compact
    main, groups = detached_parts(outline, shapes)
    kept = {k: v for k, v in shapes.items() if k != "The Isles"}
    width, height, placed, _ = overview_labels(kept, main, 700, 500, groups)
    boxes = inset_boxes(groups, main, overview_view(main, width, height))
    for p, b in itertools.product([q for q in placed if q.box[2] > q.box[0]], boxes):
        assert not (p.box[0] < b[2] and b[0] < p.box[2] and p.box[1] < b[3] and b[1] < p.box[3]), (p, b)
    svg_w = float(re.search(r'class="overview" width="([\d.]+)"', page).group(1))
    assert all(0 <= b[0] and b[2] <= svg_w + 1 for b in boxes)


def test_an_area_in_more_far_away_groups_than_corners_writes_its_pack(tmp_path):
    """A review found a pack of five far-away groups (a study area of scattered LSOAs) failed: a fifth inset had no
    corner left (ValueError, a 500 from the export). Such an area is drawn whole, without insets."""
    atlas = grid_atlas(6, 1)
    geoms = atlas.lsoas.geometry.to_numpy()
    x0, _, x1, _ = shapely.total_bounds(geoms)
    w = x1 - x0
    offsets = [(0, 0), (-20 * w, 0), (20 * w, 0), (0, 20 * w), (0, -20 * w), (20 * w, 20 * w)]
    lsoas = atlas.lsoas.copy()
    lsoas["geometry"] = [shapely.affinity.translate(g, dx, dy) for g, (dx, dy) in zip(geoms, offsets)]
    atlas = replace(atlas, lsoas=lsoas)
    plan = Plan(atlas, {code: f"N{k}" for k, code in enumerate(atlas.codes)})
    out = neighbourhood_profiles(plan).write(tmp_path / "pack.html")
    assert out.stat().st_size > 10_000 and "Neighbourhood profiles" in out.read_text()
