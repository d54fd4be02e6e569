"""The data pack's cover: the plan's key figures, and an overview map of every neighbourhood laid out to use the
page (:mod:`geo.profiles.cover_key`, :mod:`geo.profiles.cover_layout`, :mod:`geo.profiles.detached`)."""

from __future__ import annotations

from datetime import date

from geo.profiles.cover_key import CONTENT_MM, KEY_NOTES, LEADING, SHEET_MM, SHORT, _height, cover_key, overview_labels
from geo.profiles.cover_layout import _side_key, below_map, beside_map, map_shapes, narrower
from geo.profiles.detached import detached_parts, inset_boxes, inset_svg
from geo.profiles.htmlkit import _esc, _modelled, _source_text
from geo.profiles.maps import fills, overview_svg, overview_view
from geo.profiles.plan_figures import plan_rows, rows_html
from geo.profiles.textfit import PX_PER_MM, PX_PER_PT


def room_for_map(area: str, rows: list[tuple[str, str]], notes: list[tuple[str, float]]) -> float:
    """Pixels the cover's sheet leaves for the overview map and its key once its title, the area's name, the
    table of ``rows`` and the ``notes`` ((HTML, font size in points) below the map) are set as
    :data:`geo.profiles.htmlkit.STYLE` lays them out, each wrapped and measured in the body font.

    Examples
    --------
    >>> few = room_for_map("Rutland", [("Plan", "A")], [("Counts of 1 to 7 people are suppressed.", 8.5)])
    >>> many = room_for_map("Rutland", [("Plan", "A " * 400)], [("Counts of 1 to 7 people are suppressed.", 8.5)])
    >>> 600 < few < SHEET_MM * PX_PER_MM, many < few - 100
    (True, True)
    """
    mm, pt = PX_PER_MM, PX_PER_PT
    used = 20 * pt * LEADING + 2 * mm + _height(area, 10, CONTENT_MM) + mm  # title, area name, their margins
    cell = CONTENT_MM - 45 - 4 * 1.4  # the value column: the page less the 45 mm label column and the paddings
    used += sum(_height(v, 9, cell) + 1.2 * mm + 0.5 * pt for _, v in rows) + 0.5 * pt + mm  # padding, rules
    for text, size in notes:  # each with its margins (those of two paragraphs in a row collapse into one)
        used += _height(text, size, CONTENT_MM) + 1.5 * mm
    return SHEET_MM * mm - used - 2 * mm  # 2 mm for rounding in the layout


def cover(p) -> str:
    """The cover sheet: title, the plan's key figures (:func:`geo.profiles.plan_figures.plan_rows`) and the overview
    map with its key, laid out to use the page (the key beside a tall area's map, a wide area's crowded part
    enlarged beside its key) with an inset for each detached far-away part (:mod:`geo.profiles.detached`)."""
    rows = plan_rows(p, made=date.today())
    meta = rows_html(rows)
    notes = [
        (
            "<p>Counts of 1 to 7 people are suppressed, with further figures where a total would reveal them; "
            "estimates are marked.</p>",
            8.5,
        )
    ]
    if _modelled(p):
        notes.append(
            (
                '<p><span class="tag modelled">Modelled</span> UEC figures are modelled estimates of expected '
                "need, not observed attendances: rates only, with no intervals.</p>",
                8.5,
            )
        )
    overview = key_page = ""
    if p.shapes and p.outline is not None:
        main, groups = detached_parts(p.outline, p.shapes)
        shapes = map_shapes(p.shapes, main, groups)
        source = (
            '<p class="src">Neighbourhoods of this plan'
            + (", local authority boundaries dashed" if p.authorities else "")
            + (", far-away parts in boxes at their own scale" if groups else "")
            + ". "
            + _source_text(p, "lsoa21_boundaries", "lsoa11_boundaries")
            + "</p>"
        )
        room = room_for_map(p.area_label, rows, [(source, 6.8), *notes])
        width, height, placed, dense = overview_labels(shapes, main, 700, room, groups)
        if dense in KEY_NOTES:  # the note on the key's form takes room too: lay out again with it
            longest = max(KEY_NOTES.values(), key=len)
            room = room_for_map(p.area_label, rows, [(source.replace("</p>", longest + "</p>"), 6.8), *notes])
            width, height, placed, dense = overview_labels(shapes, main, 700, room, groups)
            source = source.replace("</p>", KEY_NOTES.get(dense, "") + "</p>")
        view = overview_view(main, width, height)
        side = beside_map(shapes, main, 700, room, groups) if dense < SHORT else None
        if side is not None and overview_view(main, side.width, side.height).scale > 1.01 * view.scale:
            width, height, placed, dense = side.width, side.height, side.placed, side.dense
            view = overview_view(main, width, height)
        colours = fills(p.shapes)
        extra = "".join(
            inset_svg(g, b, p.shapes, colours, view.scale) for g, b in zip(groups, inset_boxes(groups, main, view))
        )
        drawn = overview_svg(
            shapes,
            main,
            {},
            authorities=p.authorities or None,
            width=width,
            height=height,
            placed=placed,
            colours=colours,
            extra=extra,
        )
        if side is not None and width == side.width:  # the key beside the map
            overview = f'<div class="map-side">{drawn}{_side_key(placed, dense, side.side)}</div>' + source
        else:
            overview = drawn + below_map(shapes, main, placed, dense, width, room - view.height, view.scale) + source
            key_page = cover_key(placed, dense)[1]
            numbered = any(q.number is not None for q in placed)  # no key: nothing to set beside an inset
            if numbered and "map-side" not in overview and dense < SHORT and view.height < height - 1:
                overview = narrower(p, shapes, main, groups, room, dense, colours, source) or overview
    return (
        f'<section class="sheet cover" id="cover"><h1>Neighbourhood profiles</h1>'
        f'<p class="lead area-name">{_esc(p.area_label)}</p><table class="meta"><tbody>{meta}</tbody></table>'
        f'{overview}{"".join(text for text, _ in notes)}<span id="cover-end"></span></section>{key_page}'
    )
