"""The pack's cover map: labels never overlap, none is cut with an ellipsis; a name that would overlap another is
drawn as a number, named in the key below the map; a dense area keeps to one cover page."""

from __future__ import annotations

import html
import itertools
import re

import pytest
from shapely import Point, box

from geo.plan.naming import label_lines, short_label
from geo.profiles.cover import KEY_NOTES, SHORT, cover_key, overview_labels
from geo.profiles.maps import overview_key, overview_svg, overview_view


def assert_apart(placed):
    drawn = [p for p in placed if p.box[2] > p.box[0]]
    for a, b in itertools.combinations(drawn, 2):
        overlap = a.box[0] < b.box[2] and b.box[0] < a.box[2] and a.box[1] < b.box[3] and b.box[1] < a.box[3]
        assert not overlap, (a, b)
    for p in placed:
        assert all(not line.endswith(("…", "...")) for line in p.lines), p


def city(n_small: int = 40):
    """A county (three large districts) around a dense city of small square neighbourhoods with long names."""
    shapes = {
        "Harborough District and the Welland Valley Villages": box(0, 0, 20_000, 30_000),
        "Melton": box(20_000, 20_000, 40_000, 30_000),
        "Rutland": box(40_000, 0, 50_000, 30_000),
    }
    side = int(n_small**0.5) + 1
    for k in range(n_small):
        x, y = 20_000 + (k % side) * 600, 5_000 + (k // side) * 600
        shapes[f"Belgrave Rushey Mead {k} and Humberstone & Hamilton"] = box(x, y, x + 600, y + 600)
    return shapes


@pytest.mark.parametrize("count", [1, 8, 40, 120])
def test_no_two_drawn_labels_overlap_and_crowded_names_are_numbered_with_a_key(count):
    shapes = city(count)
    outline = box(0, 0, 50_000, 30_000)
    width, height, placed, dense = overview_labels(shapes, outline, 700, 600)
    assert_apart(placed)
    by_name = {p.name: p for p in placed}
    assert set(by_name) == set(shapes)
    numbered = sorted((p for p in placed if p.number is not None), key=lambda p: p.number)
    for p in placed:  # a name is drawn whole (the rule's lines) or as its number
        assert p.lines == (label_lines(p.name) if p.number is None else (str(p.number),)), p
    assert [p.number for p in numbered] == list(range(1, len(numbered) + 1))
    if count == 40:
        assert len(numbered) > 10 and by_name["Melton"].number is None and height < 600  # the key takes its room
    on_cover, key_page = cover_key(placed, dense)
    key = on_cover + key_page
    assert [int(v) for v in re.findall(r'<li value="(\d+)"', key)] == [p.number for p in numbered]
    full = dense != SHORT  # a key in its short form names each by its short label (the summary in full)
    assert all(html.escape(p.name if full else short_label(p.name)) in key for p in numbered)
    svg = overview_svg(shapes, outline, {}, width=width, height=height, placed=placed)
    drawn = [p for p in placed if p.box[2] > p.box[0]]
    assert svg.count("<tspan") == 2 * sum(len(p.lines) for p in drawn)  # halo and text
    assert "…" not in svg
    for p in drawn:  # inside the map
        assert 0 <= p.box[0] and p.box[2] <= width + 1 and 0 <= p.box[1] and p.box[3] <= height + 1


def test_the_cover_of_a_dense_area_is_one_page_with_its_key(place_plan, england):
    from dataclasses import replace

    import weasyprint

    from geo.profiles import neighbourhood_profiles
    from geo.profiles.cover import cover
    from geo.profiles.htmlkit import STYLE

    shapes = city(40)
    pack = replace(
        neighbourhood_profiles(place_plan, england=england), shapes=shapes, outline=box(0, 0, 50_000, 30_000)
    )
    page = cover(pack)
    assert "…" not in page and '<ol class="map-key">' in page
    assert page.count("<li value=") > 10
    document = weasyprint.HTML(string=f"<html><head><style>{STYLE}</style></head><body>{page}</body></html>").render()
    assert len(document.pages) == 1


MM = 96 / 25.4


def crowd(names: list[str], tall: bool = False, side: float = 400):
    """A county of three districts round a city of squares ``side`` metres wide named ``names``; ``tall``: a county
    higher than wide, so the map's height (not the page's width) sets its size."""
    span = (50_000, 30_000) if not tall else (30_000, 60_000)
    shapes = {
        "Harborough District": box(0, 0, span[0] * 0.4, span[1]),
        "Melton": box(span[0] * 0.4, span[1] * 0.66, span[0] * 0.8, span[1]),
        "Rutland": box(span[0] * 0.8, 0, span[0], span[1]),
    }
    across = int(len(names) ** 0.5) + 1
    for k, name in enumerate(names):
        x, y = span[0] * 0.4 + (k % across) * side, span[1] * 0.1 + (k // across) * side
        shapes[name] = box(x, y, x + side, y + side)
    return shapes, box(0, 0, *span)


def cover_end(pack, shapes, outline):
    """The laid-out cover: its pages and the bottom of its content (the ``cover-end`` marker) in CSS pixels from
    the top of the page, or ``None`` when the marker is past the sheet (clipped, so not laid out)."""
    from dataclasses import replace

    import weasyprint

    from geo.profiles.cover import cover
    from geo.profiles.htmlkit import STYLE
    from geo.profiles.pdf import cover_overflow

    page = cover(replace(pack, shapes=shapes, outline=outline))
    document = weasyprint.HTML(string=f"<html><head><style>{STYLE}</style></head><body>{page}</body></html>").render()
    anchors = document.pages[0].anchors
    assert cover_overflow(document) == ("cover-end" not in anchors or anchors["cover-end"][1] > (11 + 272) * MM)
    # the cover's own pages: up to the key's page of its own, if it has one
    pages = next((k for k, sheet in enumerate(document.pages) if "map-key" in sheet.anchors), len(document.pages))
    return page, pages, anchors["cover-end"][1] if "cover-end" in anchors else None


@pytest.fixture(scope="module")
def pack(place_plan, england):
    from geo.profiles import neighbourhood_profiles

    return neighbourhood_profiles(place_plan, england=england)


#: Names the old key estimate (characters per line) got wrong: wide glyphs take two lines of a key column in fewer
#: characters than it allowed; narrow ones fit far more; real long names; a dense plan of 120.
WIDE = [f"WWWWW MMMMW WWWMW {k} WWW" for k in range(40)]
NARROW = [f"Ilfracombe till Lilliput {k} of little Ilmington hill" for k in range(40)]
LONG = [f"Belgrave Rushey Mead {k} and Humberstone & Hamilton" for k in range(60)]
MANY = [f"Neighbourhood {k} of Leicester City" for k in range(120)]


@pytest.mark.parametrize(
    "names, tall, side",
    [
        (WIDE, False, 400),
        (WIDE, True, 400),
        (NARROW, True, 400),
        (LONG, False, 400),
        (MANY, False, 400),
        (MANY, True, 400),
    ],
)
def test_the_cover_key_is_measured_so_it_never_runs_off_the_page_nor_leaves_a_gap(pack, names, tall, side):
    shapes, outline = crowd(names, tall, side)
    page, pages, end = cover_end(pack, shapes, outline)
    bottom = (11 + 272) * MM  # the sheet's foot: the page's top margin and its fixed height
    assert pages == 1
    assert end is not None and end <= bottom, "the cover's key or notes run past its sheet (clipped)"
    assert page.count("<li value=") > 10
    numbered = re.findall(r'<li value="(\d+)">', page)
    assert sorted(map(int, numbered)) == list(range(1, len(numbered) + 1))  # every number named once, on or after
    if 'id="map-key"' in page or "shortened" in page:  # a key out of the cover's room is said to be
        assert any(note.strip() in page for note in KEY_NOTES.values())
    if tall:  # the map's height is what the page leaves: no band of empty page below the notes
        assert bottom - end < 12 * MM, (bottom - end) / MM


def test_every_number_of_a_crowded_centre_is_marked_with_a_line_to_its_place_when_set_away():
    shapes, outline = crowd([f"Ward {k} of the city" for k in range(20)], side=150)
    width, height, placed, dense = overview_labels(shapes, outline, 700, 600)
    assert_apart(placed)
    numbered = [p for p in placed if p.number is not None]
    assert len(numbered) > 15
    assert all(p.box[2] > p.box[0] for p in numbered), "a number found no room on the map"
    assert "not marked" not in overview_key(placed, dense)
    svg = overview_svg(shapes, outline, {}, width=width, height=height, placed=placed)
    away = [p for p in numbered if p.leader is not None]
    assert away and svg.count("<line") == len(away)
    for p in away:  # the line runs from its number to a point of its own neighbourhood
        x, y = p.leader
        view = overview_view(outline, width, height)
        assert (
            shapes[p.name]
            .buffer(2 / view.scale)
            .contains(Point(view.xmin + x / view.scale, view.ymax - y / view.scale))
        )


def test_a_cover_whose_key_runs_past_its_sheet_is_found(pack):
    import weasyprint

    from geo.profiles.cover import cover
    from geo.profiles.htmlkit import STYLE
    from geo.profiles.pdf import cover_overflow

    page = cover(pack)
    assert '<span id="cover-end">' in page
    text = f"<html><head><style>{STYLE}</style></head><body>BODY</body></html>"
    assert not cover_overflow(weasyprint.HTML(string=text.replace("BODY", page)).render())
    long_key = '<ol class="map-key">' + "<li>Castle</li>" * 400 + "</ol>"
    crowded = page.replace('<span id="cover-end">', long_key + '<span id="cover-end">')
    assert cover_overflow(weasyprint.HTML(string=text.replace("BODY", crowded)).render())


@pytest.mark.parametrize("names", [LONG[:20], [f"Ward {k} of the city" for k in range(12)]])
def test_a_wide_area_s_cover_uses_its_height_with_its_crowded_part_enlarged(pack, names):
    shapes, outline = crowd(names, tall=False, side=300)
    page, pages, end = cover_end(pack, shapes, outline)
    bottom = (11 + 272) * MM
    assert pages == 1 and end is not None and end <= bottom
    assert bottom - end < 30 * MM, (bottom - end) / MM  # not a band left below a width-bound map
    assert page.count("<svg") == 2 and "enlarged" in page  # the overview and its inset
    inset = page.split("<svg")[2]
    numbers = set(re.findall(r'<li value="(\d+)"', page))
    shown = set(re.findall(r">(\d+)</tspan>", inset))
    assert shown <= numbers  # the inset's numbers are the overview's, named in its key
    assert any(f">{html.escape(label_lines(n)[0])}</tspan>" in inset for n in names)  # and it names some whole
