"""The cover's overview map laid out to use the page: a tall area's key beside its map (:func:`beside_map`), a wide
area's crowded part enlarged beside its key below the map (:func:`below_map`, :func:`narrower`)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from shapely import box

from geo.profiles.cover_key import KEY_GAP, KEY_PAD, KEY_STYLES, SHORT, _height, cover_key, key_height
from geo.profiles.detached import inset_boxes, inset_svg
from geo.profiles.maps import label_size, overview_svg, overview_view, place_labels
from geo.profiles.textfit import PX_PER_MM
from geo.plan.labels import label_lines

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
