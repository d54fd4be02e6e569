"""The number key of the cover's overview map: its labels placed, the crowded ones numbered, and the key laid out
from measured text so the map takes the rest of the room (:func:`overview_labels`, :func:`key_height`)."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from functools import lru_cache

from geo.profiles.detached import inset_boxes
from geo.profiles.maps import NOT_MARKED, label_size, overview_key, overview_view, place_labels
from geo.profiles.textfit import PX_PER_MM, PX_PER_PT, balanced_rows, line_count
from geo.plan.labels import label_lines, short_label


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
#: form (:func:`geo.plan.labels.short_label`; the summary gives it in full); ``APART``, the key (full names, usual
#: type) on a page of its own after the cover, the map taking all the cover's room, so the cover stays one page.
SHORT, APART = len(KEY_STYLES), len(KEY_STYLES) + 1
#: Said below the map of a cover whose key is in its short or its separate form.
KEY_NOTES = {
    SHORT: " Names in the key are shortened; the summary gives them in full.",
    APART: " The numbers are named in the key on the next page.",
}


def shortened(placed) -> list:
    """``placed`` with each name in its short form (:func:`geo.plan.labels.short_label`).

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
    :func:`geo.plan.labels.label_lines`) in ``height`` pixels shared by the map and its number key below it: the
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


def _height(text: str, size: float, width: float, bold: bool = False) -> float:
    """Pixels a paragraph of HTML ``text`` takes at ``size`` points in ``width`` mm (:data:`LEADING`)."""
    plain = html.unescape(re.sub(r"<[^>]*>", "", text))
    return line_count(plain, size * PX_PER_PT, width * PX_PER_MM, bold) * size * PX_PER_PT * LEADING
