"""The cover map's label boxes are measured from the font the PDF draws them in (DejaVu Sans Bold, found by
fontconfig as Pango finds it), not estimated from their number of characters: checked against the font file's own
advance widths and glyph outlines read with fontTools, independently of the Pillow measurement."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont
from shapely import box

from geo.profiles import maps
from geo.profiles.maps import CHAR_WIDTH, HALO, LABEL_FONT, _box, label_font_file, overview_svg, text_half_width

LINES = ["iiii", "WWWW", "jJ Tj", "Belgrave and", "Rushey Mead", "Beaumont Leys", "& Lubbesthorpe", "12", "Ål-ÿ"]


@pytest.fixture(scope="module")
def font():
    path = label_font_file()
    assert path is not None, "no DejaVu Sans Bold: scripts/system-packages.sh installs fonts-dejavu-core"
    return TTFont(path)


def extent(font: TTFont, line: str) -> tuple[float, float, float]:
    """(advance, left, right) of ``line`` in font sizes from the font tables: the sum of the glyphs' advances (each
    laid out on its own, as WeasyPrint draws SVG text), and the ink's reach left of the start and right of it."""
    upem, cmap, glyphs = font["head"].unitsPerEm, font.getBestCmap(), font.getGlyphSet()
    pen_x, left, right = 0.0, 0.0, 0.0
    for ch in line:
        name = cmap[ord(ch)]
        pen = BoundsPen(glyphs)
        glyphs[name].draw(pen)
        if pen.bounds is not None:
            x0, _, x1, _ = pen.bounds
            left, right = min(left, pen_x + x0 / upem), max(right, pen_x + x1 / upem)
        pen_x += font["hmtx"][name][0] / upem
    return pen_x, left, max(right, pen_x)


def test_the_label_font_is_the_one_fontconfig_resolves_and_the_svg_names(font):
    if shutil.which("fc-match"):
        resolved = subprocess.run(
            ["fc-match", "--format=%{file}", f"{LABEL_FONT}:bold"], capture_output=True, text=True, check=True
        ).stdout
        assert label_font_file() == resolved
    assert font["name"].getDebugName(1) == LABEL_FONT and font["name"].getDebugName(2) == "Bold"
    svg = overview_svg({"A": box(0, 0, 1000, 1000)}, box(0, 0, 1000, 1000), {"A": "Melton"})
    assert f'font-family="{LABEL_FONT},sans-serif"' in svg and 'font-weight="bold"' in svg


def test_narrow_and_wide_letters_make_narrow_and_wide_boxes():
    narrow, wide = _box(0, 0, ("iiii",), 9.0), _box(0, 0, ("WWWW",), 9.0)
    assert wide[2] - wide[0] > 2.5 * (narrow[2] - narrow[0])  # "WWWW" is 3.2 times as wide as "iiii" in the font
    assert narrow[3] - narrow[1] == wide[3] - wide[1]  # one line high either way


@pytest.mark.parametrize("size", [7.5, 9.0])
@pytest.mark.parametrize("line", LINES)
def test_a_measured_box_holds_the_glyphs_and_their_halo_and_little_more(font, line, size):
    advance, left, right = extent(font, line)
    x = 100.0
    x0, _, x1, _ = _box(x, 50.0, (line,), size)
    ink_left, ink_right = x + (left - advance / 2) * size, x + (right - advance / 2) * size  # text-anchor="middle"
    tolerance = 0.002 * size  # Pillow's metrics are whole pixels at 1,000 pixels to the font size
    assert x0 <= ink_left - HALO + tolerance and x1 >= ink_right + HALO - tolerance, (line, x0, x1, ink_left)
    # measured, not the character-count estimate: at most the glyphs' reach either side of the centre
    assert x1 - x0 <= 2 * max(advance / 2 - left, right - advance / 2) * size + 2 * HALO + 2 * tolerance


def test_without_the_font_file_the_box_falls_back_to_the_estimate(monkeypatch):
    text_half_width.cache_clear()
    monkeypatch.setattr(maps, "label_font_file", lambda: None)
    try:
        assert text_half_width("iiii") == text_half_width("WWWW") == 4 * CHAR_WIDTH / 2
    finally:
        text_half_width.cache_clear()
