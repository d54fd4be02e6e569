"""The data pack's cover: the plan, area, version and sign-off state, and an overview map of every neighbourhood."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache

from shapely import box

from geo.profiles.detached import detached_parts, inset_boxes, inset_svg
from geo.profiles.htmlkit import _esc, _modelled, _source_text
from geo.profiles.maps import NOT_MARKED, fills, label_size, overview_key, overview_svg, overview_view, place_labels
from geo.profiles.plan_figures import plan_rows, rows_html
from geo.profiles.textfit import PX_PER_MM, PX_PER_PT, balanced_rows, line_count
from geo.plan.naming import label_lines, short_label

#: The overview's number key (``.map-key`` in :data:`geo.profiles.htmlkit.STYLE`): (font size in points, columns,
#: the least share of the room for map and key the map keeps in it), then the denser sets (``.dense-1``,
#: ``.dense-2``) it falls back to when a long key would leave the map less.
KEY_STYLES = ((7.0, 3, 0.5), (6.0, 4, 0.4), (5.5, 5, 0.2))
#: The key's left padding, the gap between its columns and its top margin, in millimetres (as in the CSS).
KEY_PAD, KEY_GAP, KEY_TOP = 6.0, 4.0, 1.0
#: Line spacing of the pack's text (``line-height``), the sheet's height and the page's content width, in mm.
LEADING, SHEET_MM, CONTENT_MM = 1.3, 272.0, 186.0
#: The least share of the room left for map and key that the map keeps with the key in its usual type.
MIN_MAP_SHARE = KEY_STYLES[0][2]
#: The key's last two forms, past :data:`KEY_STYLES`, when its full names do not fit in the densest type beside
#: the map at its least share (``KEY_STYLES[-1][2]``): ``SHORT``, the densest type with each name in its short
#: form (:func:`geo.plan.naming.short_label`; the summary gives it in full); ``APART``, the key (full names, usual
#: type) on a page of its own after the cover, the map taking all the cover's room, so the cover stays one page.
SHORT, APART = len(KEY_STYLES), len(KEY_STYLES) + 1
#: Said below the map of a cover whose key is in its short or its separate form.
KEY_NOTES = {
    SHORT: " Names in the key are shortened; the summary gives them in full.",
    APART: " The numbers are named in the key on the next page.",
}


def shortened(placed) -> list:
    """``placed`` with each name in its short form (:func:`geo.plan.naming.short_label`).

    Examples
    --------
    >>> from geo.profiles.maps import Placed
    >>> [q.name for q in shortened([Placed("Belgrave Rushey Mead and Humberstone & Hamilton", ("1",), 0, 0, (0, 0, 9, 9), 1)])]
    ['Belgrave Rushey Mead']
    """
    return [replace(q, name=short_label(q.name)) for q in placed]


def key_height(placed, dense: int = 0, width: float = CONTENT_MM, columns: int | None = None) -> float:
    """Height in pixels of the number key of ``placed`` (:func:`geo.profiles.maps.overview_key`) as laid out:
    each entry's words wrapped in its column's width, measured in the body font
    (:func:`geo.profiles.textfit.line_count`), the entries kept whole in balanced columns; 0 without numbers.
    ``width``: the key's width in mm (the page's, or what a map leaves beside it), ``columns`` its columns
    (default: its style's).

    Examples
    --------
    >>> from geo.profiles.maps import Placed
    >>> short = [Placed("Castle", ("1",), 5.0, 5.0, (0.0, 0.0, 9.0, 9.0), 1)]
    >>> wide = [Placed("W" * 12 + " " + "W" * 12, ("1",), 5.0, 5.0, (0.0, 0.0, 9.0, 9.0), 1)]
    >>> key_height([]), key_height(wide) > key_height(short) > 0
    (0, True)
    """
    numbered = [q for q in placed if q.number is not None]
    if not numbered or dense == APART:  # no key, or none on the cover
        return 0
    if dense == SHORT:
        numbered, dense = shortened(numbered), SHORT - 1
    size, style_columns, _ = KEY_STYLES[dense]
    columns = columns or style_columns
    px = size * PX_PER_PT
    column = (width - KEY_PAD - (columns - 1) * KEY_GAP) / columns * PX_PER_MM
    lines = [
        line_count(q.name + ("" if q.box[2] > q.box[0] else NOT_MARKED), px, column)
        for q in sorted(numbered, key=lambda q: q.number)
    ]
    return balanced_rows(lines, columns) * px * LEADING + KEY_TOP * PX_PER_MM


def overview_labels(shapes: dict, outline, width: float, height: float, groups=()):
    """The overview map's size and its labels (:func:`geo.profiles.maps.place_labels`, with the lines of
    :func:`geo.plan.naming.label_lines`) in ``height`` pixels shared by the map and its number key below it: the
    map gives up the height the key takes as laid out (:func:`key_height`), so the cover keeps to one page however
    many names are numbered; where the map would keep less than its share of the room (:data:`KEY_STYLES`) the
    key is set denser; a key too long even in the densest type, the map at its least, gives its names in their
    short form (:data:`SHORT`), else goes to a page of its own (:data:`APART`). No label goes in the inset boxes of
    the area's detached ``groups`` (:func:`geo.profiles.detached.inset_boxes`).

    Returns ``(width, map height, placed, dense)``, ``dense`` the index of the key's style in :data:`KEY_STYLES`,
    or :data:`SHORT` or :data:`APART` (:func:`cover_key`).

    Examples
    --------
    >>> from shapely import box
    >>> shapes = {f"Neighbourhood number {k} of a crowded city": box(k % 12, k // 12, k % 12 + 1, k // 12 + 1)
    ...           for k in range(144)}
    >>> width, height, placed, dense = overview_labels(shapes, box(0, 0, 12, 12), 700, 800)
    >>> height + key_height(placed, dense) <= 800, sum(p.number is not None for p in placed) > 90
    (True, True)
    """
    lines = {n: label_lines(n) for n in shapes}
    size = label_size(shapes)

    @lru_cache(maxsize=64)
    def at(budget: float):
        view = overview_view(outline, width, budget)
        return place_labels(shapes, view, lines, size, inset_boxes(list(groups), outline, view))

    # A smaller map numbers more names (and may find no room for some numbers), so the key's height is not
    # monotonic in the map's: scan the map's heights from the most, in each style from the plainest.
    steps = [height * (1 - k / 25) for k in range(21)]  # down to a fifth of the room
    for dense, (_, _, floor) in enumerate(KEY_STYLES):
        for budget in (b for b in steps if b >= height * floor - 1e-9):
            key = key_height(at(budget), dense)
            if budget + key <= height:
                grown = height - key  # the map takes what its key leaves, if the key still fits beside it
                if grown > budget and grown + key_height(at(grown), dense) <= height:
                    return width, grown, at(grown), dense
                return width, budget, at(budget), dense
    least = height * KEY_STYLES[-1][2] - 1e-9
    for budget in (b for b in steps if b >= least):
        if budget + key_height(at(budget), SHORT) <= height:
            return width, budget, at(budget), SHORT
    return width, height, at(height), APART


def cover_key(placed, dense: int) -> tuple[str, str]:
    """The number key of the cover's map laid out by :func:`overview_labels` (``dense``): the HTML on the cover
    (:func:`geo.profiles.maps.overview_key`, its names shortened for :data:`SHORT`) and that of a page of its own
    after it (for :data:`APART`; else "").

    Examples
    --------
    >>> from geo.profiles.maps import Placed
    >>> placed = [Placed("Belgrave Rushey Mead and Humberstone & Hamilton", ("1",), 0, 0, (0, 0, 9, 9), 1)]
    >>> cover_key(placed, SHORT)
    ('<ol class="map-key dense-2"><li value="1">Belgrave Rushey Mead</li></ol>', '')
    >>> on_cover, page = cover_key(placed, APART)
    >>> on_cover, "Humberstone &amp; Hamilton" in page
    ('', True)
    """
    if dense == APART:
        key = overview_key(placed)
        page = f'<section class="sheet flow" id="map-key"><h2>Key to the overview map</h2>{key}</section>'
        return "", page if key else ""
    if dense == SHORT:
        return overview_key(shortened(placed), SHORT - 1), ""
    return overview_key(placed, dense), ""


#: The least height of the cover's inset (:func:`detail_inset`) in pixels, the least it enlarges the map by, the
#: margin round its neighbourhoods (a share of their extent) and the room kept for its gap and caption, in pixels.
INSET_MIN, INSET_ZOOM, INSET_PAD, INSET_GAP = 150.0, 1.5, 0.15, 8 * PX_PER_MM
#: The caption of the inset.
INSET_CAPTION = '<p class="src inset-note">Above: the crowded part of the area enlarged, its numbers as on the map.</p>'


def detail_inset(shapes: dict, outline, placed, width: float, height: float, scale: float) -> str:
    """An enlarged map, ``width`` x ``height`` pixels, of the part of the area whose names the overview (drawn at
    ``scale`` pixels a metre) draws as numbers: its names drawn whole where they fit and otherwise by their overview
    numbers; "" where the box is under :data:`INSET_MIN` high, there are no numbers, or the inset would not enlarge
    the map by :data:`INSET_ZOOM`.

    Examples
    --------
    >>> from shapely import box
    >>> from geo.profiles.maps import Placed
    >>> shapes = {"County": box(0, 0, 100_000, 20_000), "Town A": box(50_000, 5_000, 50_500, 5_500),
    ...           "Town B": box(50_500, 5_000, 51_000, 5_500)}
    >>> numbered = [Placed("Town A", ("1",), 0, 0, (0, 0, 9, 9), 1), Placed("Town B", ("2",), 0, 0, (0, 0, 9, 9), 2)]
    >>> svg = detail_inset(shapes, box(0, 0, 100_000, 20_000), numbered, 700, 250, 0.0067)
    >>> svg.startswith("<svg"), "Town A" in svg, detail_inset(shapes, box(0, 0, 100_000, 20_000), [], 700, 250, 0.0067)
    (True, True, '')
    """
    numbers = {q.name: q.number for q in placed if q.number is not None}
    if height < INSET_MIN or not numbers:
        return ""
    bounds = [shapes[n].bounds for n in numbers]
    x0, y0 = min(b[0] for b in bounds), min(b[1] for b in bounds)
    x1, y1 = max(b[2] for b in bounds), max(b[3] for b in bounds)
    dx, dy = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
    x0, x1, y0, y1 = x0 - INSET_PAD * dx, x1 + INSET_PAD * dx, y0 - INSET_PAD * dy, y1 + INSET_PAD * dy
    if (x1 - x0) / (y1 - y0) < width / height:  # widen (or heighten) the window to the inset's shape
        grow = ((y1 - y0) * width / height - (x1 - x0)) / 2
        x0, x1 = x0 - grow, x1 + grow
    else:
        grow = ((x1 - x0) * height / width - (y1 - y0)) / 2
        y0, y1 = y0 - grow, y1 + grow
    window = box(x0, y0, x1, y1)
    view = overview_view(window, width, height)
    if view.scale < INSET_ZOOM * scale:
        return ""
    inside = {n: g.intersection(window) for n, g in shapes.items() if g.intersects(window)}
    inside = {n: g for n, g in inside.items() if not g.is_empty}
    labels = place_labels(inside, view, {n: label_lines(n) for n in inside}, label_size(inside))
    shown = []
    for q in labels:
        if q.number is None:
            shown.append(q)  # named whole
        elif q.name in numbers:  # numbered as on the overview
            shown.append(replace(q, number=numbers[q.name], lines=(str(numbers[q.name]),)))
        # else: named on the overview itself, so left unlabelled here
    return overview_svg(inside, outline.intersection(window), {}, width=width, height=height, placed=shown)


def _height(text: str, size: float, width: float, bold: bool = False) -> float:
    """Pixels a paragraph of HTML ``text`` takes at ``size`` points in ``width`` mm (:data:`LEADING`)."""
    plain = html.unescape(re.sub(r"<[^>]*>", "", text))
    return line_count(plain, size * PX_PER_PT, width * PX_PER_MM, bold) * size * PX_PER_PT * LEADING


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


#: The least width of a key set beside the map or its inset, and of each of its columns, in mm.
SIDE_LEAST, SIDE_COLUMN = 38.0, 40.0
#: The caption of an inset set beside the key.
SIDE_CAPTION = '<p class="src inset-note">Above: the crowded part of the area enlarged, numbers as on the map.</p>'


def side_columns(width: float) -> int:
    """Columns of a key ``width`` mm wide set beside the map (one to three, each at least :data:`SIDE_COLUMN`).

    >>> side_columns(40), side_columns(90), side_columns(186)
    (1, 2, 3)
    """
    return max(1, min(3, int((width - KEY_PAD + KEY_GAP) // (SIDE_COLUMN + KEY_GAP))))


@dataclass(frozen=True)
class CoverMap:
    """The overview's layout: the map's box in pixels, its labels, the key's style (:func:`overview_labels`) and
    the width in mm of the key set beside the map (0: below it)."""

    width: float
    height: float
    placed: list
    dense: int
    side: float = 0.0


def beside_map(shapes: dict, outline, width: float, room: float, groups=()) -> CoverMap | None:
    """A tall area's layout: the map the room's full height, its key in the width it leaves beside it (the map
    narrowed by a tenth at a time, down to four fifths, until the key fits); ``None`` when under
    :data:`SIDE_LEAST` is left, no name is numbered, or the key does not fit in its densest type.

    Examples
    --------
    >>> from shapely import box
    >>> shapes = {f"Ward {k} of the tall town": box(k % 3 * 400, k // 3 * 400, k % 3 * 400 + 400, k // 3 * 400 + 400)
    ...           for k in range(30)} | {"The rest": box(0, 4000, 1200, 40_000)}
    >>> layout = beside_map(shapes, box(0, 0, 1200, 40_000), 700, 800)
    >>> layout.height, layout.side > SIDE_LEAST, any(q.number for q in layout.placed)
    (800, True, True)
    """
    full = overview_view(outline, width, room)
    lines, size = {n: label_lines(n) for n in shapes}, label_size(shapes)
    for share in (1.0, 0.9, 0.8):
        wide = full.width * share
        key = (width - wide) / PX_PER_MM - KEY_GAP
        if key < SIDE_LEAST:
            continue
        view = overview_view(outline, wide, room)
        placed = place_labels(shapes, view, lines, size, inset_boxes(list(groups), outline, view))
        if not any(q.number is not None for q in placed):
            return None
        for dense in range(len(KEY_STYLES)):
            if key_height(placed, dense, key, side_columns(key)) <= room:
                return CoverMap(wide, room, placed, dense, key)
    return None


def map_shapes(shapes: dict, main, groups) -> dict:
    """The neighbourhoods as the overview draws them: clipped to the window of the area's ``main`` part, a
    neighbourhood wholly in a detached group (shown in its inset) left out; ``shapes`` itself without groups."""
    if not groups:
        return shapes
    window = box(*overview_view(main, 1, 1).bounds)
    clipped = {n: g.intersection(window) for n, g in shapes.items()}
    return {n: g for n, g in clipped.items() if not g.is_empty}


def _side_key(placed, dense: int, width: float) -> str:
    """The cover's key set ``width`` mm wide beside the map or its inset."""
    key, _ = cover_key(placed, dense)
    return key.replace('class="map-key', f'class="map-key side-{side_columns(width)}', 1)


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
            if "map-side" not in overview and dense < SHORT and view.height < height - 1:
                overview = narrower(p, shapes, main, groups, room, dense, colours, source) or overview
    return (
        f'<section class="sheet cover" id="cover"><h1>Neighbourhood profiles</h1>'
        f'<p class="lead area-name">{_esc(p.area_label)}</p><table class="meta"><tbody>{meta}</tbody></table>'
        f'{overview}{"".join(text for text, _ in notes)}<span id="cover-end"></span></section>{key_page}'
    )


def below_map(shapes: dict, outline, placed, dense: int, width: float, band: float, scale: float) -> str:
    """What goes in the ``band`` pixels below a map drawn at ``scale``: the crowded part enlarged with the key
    beside it (the inset a half, then smaller shares of the width, while the key fits beside it), else the inset
    the width of the page above the key, else the key alone (:func:`cover_key`)."""
    key, _ = cover_key(placed, dense)
    if dense < SHORT and key:
        for share in (0.55, 0.45, 0.35):
            inset_width = width * share
            key_mm = (width - inset_width) / PX_PER_MM - KEY_GAP
            caption = _height(SIDE_CAPTION, 6.8, inset_width / PX_PER_MM) + 2 * PX_PER_MM
            tall = band - caption - 2 * PX_PER_MM  # the inset's box, its caption below it
            if key_mm < SIDE_LEAST or key_height(placed, dense, key_mm, side_columns(key_mm)) > band:
                continue
            inset = detail_inset(shapes, outline, placed, inset_width, tall, scale)
            if inset:
                return (
                    f'<div class="map-side"><div style="width:{inset_width:.0f}px;flex:0 0 auto">{inset}'
                    f"{SIDE_CAPTION}</div>{_side_key(placed, dense, key_mm)}</div>"
                )
    tall = band - key_height(placed, dense) - INSET_GAP
    inset = detail_inset(shapes, outline, placed, width, tall, scale)
    return (inset + INSET_CAPTION if inset else "") + key


#: Shares of the page's width a wide area's map is narrowed to, in turn, so its crowded part's inset beside the key
#: reaches :data:`INSET_ZOOM` in the room the map leaves below it.
NARROWER = (0.95, 0.9, 0.85)


def narrower(p, shapes: dict, main, groups, room: float, dense: int, colours: dict, source: str) -> str:
    """The overview of a wide area narrowed (:data:`NARROWER`) so the band below it holds its crowded part
    enlarged beside the key (:func:`below_map`), or "" when no narrowing gives one."""
    lines, size = {n: label_lines(n) for n in shapes}, label_size(shapes)
    for share in NARROWER:
        view = overview_view(main, 700 * share, room)
        placed = place_labels(shapes, view, lines, size, inset_boxes(groups, main, view))
        below = below_map(shapes, main, placed, dense, 700, room - view.height, view.scale)
        if "map-side" in below:
            extra = "".join(
                inset_svg(g, b, p.shapes, colours, view.scale) for g, b in zip(groups, inset_boxes(groups, main, view))
            )
            drawn = overview_svg(
                shapes,
                main,
                {},
                authorities=p.authorities or None,
                width=view.width,
                height=view.height,
                placed=placed,
                colours=colours,
                extra=extra,
            )
            return drawn + below + source
    return ""
