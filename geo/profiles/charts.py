"""Inline SVG charts of the profiles (no scripts, no fetches): the footprint, bar charts with comparator marks and
the registered population pyramid. Each has ``role="img"``, a ``<title>`` and says "suppressed" where a figure is.
"""

from __future__ import annotations

import html

import numpy as np

BLUE, DARK, GREY, RED, PALE = "#005eb8", "#003087", "#4c6272", "#da291c", "#41b6e6"
FEMALE, MALE = "#ae2573", "#005eb8"
COMPARATOR_MARKS = {0: "#212b32", 1: "#ed8b00", 2: "#007f3b"}


def _svg(width: float, height: float, title: str, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{html.escape(title)}">'
        f"<title>{html.escape(title)}</title>{body}</svg>"
    )


def _finite(value) -> bool:
    return value is not None and not (isinstance(value, float) and np.isnan(value))


def footprint_svg(lsoas, name: str, high: set[str], size: int = 220, *, area=None, shape=None) -> str:
    """A static SVG of the study area with the neighbourhood shaded and its hotspot LSOAs outlined in red.

    ``area`` (the study area's outline) and ``shape`` (the neighbourhood's footprint, e.g. the plan's ``shapes``
    metric) are dissolved from ``lsoas`` when not given.
    """
    xmin, ymin, xmax, ymax = lsoas.total_bounds
    scale = size / max(xmax - xmin, ymax - ymin, 1.0)
    tolerance = 1.0 / scale  # simplify to about a pixel so the file stays small

    def path(geom) -> str:
        geom = geom.simplify(tolerance)
        parts = []
        for poly in getattr(geom, "geoms", [geom]):
            for ring in [poly.exterior, *poly.interiors]:
                pts = " ".join(f"{(x - xmin) * scale:.1f},{(ymax - y) * scale:.1f}" for x, y in ring.coords)
                parts.append(f"M{pts}Z")
        return " ".join(parts)

    inside = lsoas[lsoas.neighbourhood == name]
    area = lsoas.union_all() if area is None else area
    shape = inside.union_all() if shape is None else shape
    shapes = [
        f'<path d="{path(area)}" fill="#eee" stroke="#999" stroke-width="0.5"/>',
        f'<path d="{path(shape)}" fill="{BLUE}" fill-opacity="0.6" stroke="{DARK}"/>',
    ]
    shapes += [
        f'<path d="{path(g)}" fill="none" stroke="{RED}" stroke-width="1.2"/>'
        for code, g in inside.geometry.items()
        if code in high
    ]
    return _svg((xmax - xmin) * scale, (ymax - ymin) * scale, f"Footprint of {name} in the study area", "".join(shapes))


def wrap(text: str, width: float, size: float = 11.0) -> list[str]:
    """Split ``text`` into lines that fit ``width`` pixels at font ``size`` (about 0.55 em a character), whole
    words only (a word longer than a line keeps its own line): bar names wrap, never cut.

    Examples
    --------
    >>> wrap("Loughborough Hastings and Shelthorpe", 120)
    ['Loughborough', 'Hastings and', 'Shelthorpe']
    """
    per_line = max(1, int(width / (0.55 * size)))
    lines: list[str] = []
    for word in str(text).split() or [""]:
        if lines and len(lines[-1]) + 1 + len(word) <= per_line:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def bars(
    values: dict[str, float],
    *,
    title: str,
    unit: str = "%",
    comparators: dict[str, dict] | None = None,
    width: int = 340,
    label_width: int = 120,
    digits: int = 0,
    font: float = 11.0,
    colours: dict[str, str] | None = None,
) -> str:
    """Horizontal bars of ``values`` (label -> number or None for suppressed), with comparator ticks.

    ``comparators`` maps a comparator name to its ``{label: value}``; each draws a small vertical mark. Long
    labels wrap onto more lines (the bar's row grows), never cut. ``colours`` (label -> fill) colours bars by a
    scale, e.g. the deprivation scale of :data:`geo.maps._style.QUINTILE_COLOURS`.

    Examples
    --------
    >>> svg = bars({"Q1": 40.0, "Q2": None}, title="IMD", comparators={"England": {"Q1": 20.0, "Q2": 20.0}})
    >>> "suppressed" in svg and svg.count('stroke="#212b32"') == 2
    True
    >>> "…" in bars({"A rather long neighbourhood name indeed": 3.0}, title="t", label_width=60)
    False
    """
    comparators = comparators or {}
    numbers = [v for v in values.values() if _finite(v)]
    numbers += [v for c in comparators.values() for v in c.values() if _finite(v)]
    top = max(numbers) if numbers else 1.0
    top = top if top > 0 else 1.0
    span = width - label_width - 52
    line = font * 1.15
    rows = []
    y = 0.0
    for label, value in values.items():
        lines = wrap(label, label_width - 4, font)
        height = max(18.0, len(lines) * line + 5)
        mid = y + height / 2
        first = mid - (len(lines) - 1) * line / 2 + font * 0.35
        rows.append(
            f'<text font-size="{font:g}">'
            + "".join(f'<tspan x="0" y="{first + i * line:.1f}">{html.escape(t)}</tspan>' for i, t in enumerate(lines))
            + "</text>"
        )
        if _finite(value):
            length = value / top * span
            # the value in its own column at the right, clear of the comparator marks
            fill = (colours or {}).get(label, PALE)
            rows.append(
                f'<rect x="{label_width}" y="{mid - 6:.1f}" width="{length:.1f}" height="12" fill="{fill}"/>'
                f'<text x="{width - 2}" y="{mid + 4:.1f}" font-size="10" text-anchor="end">'
                f'{value:,.{digits}f}{html.escape(unit)}</text>'
            )
        else:
            rows.append(f'<text x="{label_width}" y="{mid + 4:.1f}" font-size="10" fill="{GREY}">suppressed</text>')
        for i, figures in enumerate(comparators.values()):
            other = figures.get(label)
            if _finite(other):
                x = label_width + other / top * span
                # a white edge keeps the mark visible on a dark bar
                rows.append(
                    f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{mid - 8:.1f}" y2="{mid + 8:.1f}" '
                    f'stroke-width="4" stroke="#fff"/><line x1="{x:.1f}" x2="{x:.1f}" y1="{mid - 8:.1f}" '
                    f'y2="{mid + 8:.1f}" stroke-width="2" stroke="{COMPARATOR_MARKS[i % 3]}"/>'
                )
        y += height
    return _svg(width, y + 2, title, "".join(rows))


def legend(names: list[str]) -> str:
    """The key of the comparator marks drawn by :func:`bars` and :func:`pyramid`, as HTML."""
    items = "".join(
        f'<span class="key"><i style="background:{COMPARATOR_MARKS[i % 3]}"></i>{html.escape(n)}</span>'
        for i, n in enumerate(names)
    )
    return f'<p class="keys">Bars: this neighbourhood. Marks: {items}</p>'


def pyramid(frame, *, title: str, comparators: dict | None = None, width: int = 360, row: float = 11) -> str:
    """A population pyramid (females right, males left) of one area's % of registered patients by 5-year band.

    ``frame`` has ``sex, age_band, pct`` (NaN = suppressed); ``comparators`` maps a name to such a frame, drawn as
    outline steps.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"sex": ["FEMALE", "MALE"] * 2, "age_band": ["0_4", "0_4", "5_9", "5_9"],
    ...                   "pct": [20.0, 30.0, 25.0, None]})
    >>> "suppressed" in pyramid(f, title="Registered")
    True
    """
    comparators = comparators or {}
    bands = list(dict.fromkeys(frame.age_band))[::-1]  # oldest at the top
    mid = width / 2
    values = {(r.sex, r.age_band): r.pct for r in frame.itertuples()}
    every = [v for v in values.values() if _finite(v)]
    others = [{(r.sex, r.age_band): r.pct for r in other.itertuples()} for other in comparators.values()]
    for other in others:
        every += [v for v in other.values() if _finite(v)]
    top = max(every) if every else 1.0
    half = mid - 30
    parts = [
        f'<text x="{mid - 40}" y="10" font-size="10" text-anchor="end">Male</text>'
        f'<text x="{mid + 40}" y="10" font-size="10">Female</text>'
    ]
    for k, band in enumerate(bands):
        y = 14 + k * row
        parts.append(
            f'<text x="{mid}" y="{y + 8}" font-size="8" text-anchor="middle">'
            f'{html.escape(band.replace("_", "-"))}</text>'
        )
        for sex, sign, colour in (("MALE", -1, MALE), ("FEMALE", 1, FEMALE)):
            value = values.get((sex, band))
            start = mid + sign * 16
            if _finite(value):
                length = value / top * half
                x = start - length if sign < 0 else start
                parts.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{length:.1f}" height="{row - 2}" fill="{colour}" '
                    f'fill-opacity="0.75"/>'
                )
            else:
                anchor = "end" if sign < 0 else "start"
                parts.append(
                    f'<text x="{start}" y="{y + 8}" font-size="7" fill="{GREY}" '
                    f'text-anchor="{anchor}">suppressed</text>'
                )
            for i, other in enumerate(others):
                value = other.get((sex, band))
                if _finite(value):
                    x = start + sign * value / top * half
                    parts.append(
                        f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y}" y2="{y + row - 2}" stroke-width="1.5" '
                        f'stroke="{COMPARATOR_MARKS[i % 3]}"/>'
                    )
    return _svg(width, 16 + len(bands) * row, title, "".join(parts))
