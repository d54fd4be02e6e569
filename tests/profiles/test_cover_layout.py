"""The cover's map laid out to use the page (:mod:`geo.profiles.cover_layout`): a tall area's map takes the room's
full height with its key beside it, filling at least a stated share of the room."""

from __future__ import annotations

import re

import pytest

from geo.profiles.cover import overview_labels
from geo.profiles.cover_layout import beside_map
from geo.profiles.maps import overview_view
from tests.profiles.test_cover_labels import LONG, MANY, MM, assert_apart, cover_end, crowd


@pytest.fixture(scope="module")
def pack(place_plan, england):
    from geo.profiles import neighbourhood_profiles

    return neighbourhood_profiles(place_plan, england=england)


#: The least share of the room for map and key a tall area's map box fills with its key beside it.
TALL_SHARE = 0.5


@pytest.mark.parametrize("names", [LONG[:30], MANY[:60]])
def test_a_tall_area_s_map_takes_the_room_s_height_with_its_key_beside(pack, names):
    shapes, outline = crowd(names, tall=True)
    room = 800
    width, height, _, _ = overview_labels(shapes, outline, 700, room)  # the key below: the map gives up its height
    below = overview_view(outline, width, height)
    side = beside_map(shapes, outline, 700, room)
    view = overview_view(outline, side.width, side.height)
    assert below.width * below.height < TALL_SHARE * 700 * room  # what the cover did: a blank side beside the map
    assert view.width * view.height >= TALL_SHARE * 700 * room and view.scale > below.scale
    assert_apart(side.placed)
    for p in side.placed:  # every label inside the map's box
        assert p.box[2] <= view.width + 1 and p.box[3] <= view.height + 1
    page, pages, end = cover_end(pack, shapes, outline)
    assert pages == 1 and end is not None and end <= (11 + 272) * MM
    assert '<div class="map-side"><svg' in page and 'class="map-key side-' in page
    numbered = sorted(int(v) for v in re.findall(r'<li value="(\d+)"', page))
    assert numbered == list(range(1, len(numbered) + 1)) and numbered  # every number named once, beside the map
