"""How tall a block of the pack's body text is once laid out: its words wrapped at the width of its box, each
line's width measured in the font the PDF draws it in (the first family of the pack's CSS that fontconfig has, as
Pango picks it), read with Pillow.

The cover uses it to give its overview map every pixel the page has left once its title, table, number key and
notes are set, so the key never runs past the A4 sheet (which clips it) nor leaves a band of empty page below.
"""

from __future__ import annotations

from functools import lru_cache

from geo.profiles.fonts import EM, fc_match, measuring_font

#: The pack's body font families, in the order of the CSS (``html{font-family:...}`` in
#: :data:`geo.profiles.htmlkit.STYLE`): the first one fontconfig has is the one Pango draws.
BODY_FAMILIES = ("Liberation Sans", "Arial", "DejaVu Sans")
#: Width of one character in font sizes, used only when no font file can be found: wider than the average letter
#: of any of :data:`BODY_FAMILIES`, so a block is never estimated shorter than it is.
CHAR_WIDTH = 0.62
#: CSS pixels per point and per millimetre.
PX_PER_PT, PX_PER_MM = 96 / 72, 96 / 25.4


@lru_cache(maxsize=2)
def body_font_file(bold: bool = False) -> str | None:
    """The file of the body font (bold or regular) as Pango picks it: the first of :data:`BODY_FAMILIES` that
    fontconfig has itself (not as a substitute), else what it gives for ``sans-serif``; else ``DejaVuSans.ttf``
    where Pillow finds it; else ``None``."""
    style = ":bold" if bold else ""
    for family in BODY_FAMILIES:
        found, path = fc_match(family + style)
        if found.lower() == family.lower() and measuring_font(path) is not None:
            return path
    _, path = fc_match("sans-serif" + style)
    if path and measuring_font(path) is not None:
        return path
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return name if measuring_font(name) is not None else None


@lru_cache(maxsize=16384)
def text_width(text: str, bold: bool = False) -> float:
    """Width of ``text`` set on one line, in font sizes (its advance in the body font).

    Examples
    --------
    >>> text_width("WWWW") > 2.5 * text_width("iiii")
    True
    """
    path = body_font_file(bold)
    if path is None:
        return len(text) * CHAR_WIDTH
    return measuring_font(path).getlength(text) / EM


def line_count(text: str, size: float, width: float, bold: bool = False) -> int:
    """Lines ``text`` takes at ``size`` pixels in a box ``width`` pixels wide, wrapped at spaces as the browser
    wraps it (a word wider than the box stays whole on its own line, running past it). An empty text takes one.

    Examples
    --------
    >>> line_count("Castle", 10, 200), line_count("Castle and Saffron " * 10, 10, 100) > 5
    (1, True)
    >>> line_count("W" * 60, 10, 100)  # one word: never broken
    1
    """
    lines, current = 1, ""
    for word in text.split():
        trial = f"{current} {word}" if current else word
        if current and text_width(trial, bold) * size > width:
            lines, current = lines + 1, word
        else:
            current = trial
    return lines


def balanced_rows(heights: list[int], columns: int) -> int:
    """The fewest rows of lines that hold items of ``heights`` lines, kept whole and in order, in ``columns``
    columns: the height a balanced multi-column list takes (``columns: N`` with ``break-inside: avoid``).

    Examples
    --------
    >>> balanced_rows([1, 1, 1, 1], 3), balanced_rows([1, 2, 1, 2, 1], 3), balanced_rows([], 3)
    (2, 3, 0)
    """
    if not heights:
        return 0
    rows = max(max(heights), -(-sum(heights) // columns))
    while True:
        used, filled = 1, 0
        for h in heights:
            if filled + h > rows:
                used, filled = used + 1, 0
            filled += h
        if used <= columns:
            return rows
        rows += 1
