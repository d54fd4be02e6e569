"""The data pack's cover: the plan, area, version and sign-off state, and an overview map of every neighbourhood."""

from __future__ import annotations

from datetime import date

from geo.profiles.htmlkit import _esc, _modelled, _source_text, format_value
from geo.profiles.maps import label_size, overview_view, overview_key, overview_svg, place_labels
from geo.plan.naming import label_lines

#: Height of one line of the overview's key, in pixels (7 pt at 1.3 line spacing), and its columns.
KEY_LINE, KEY_COLUMNS = 12.5, 3
#: The least share of its height the overview map keeps however long its key: a plan of a hundred crowded
#: neighbourhoods would otherwise leave the map no height at all (the key then runs on below it).
MIN_MAP_SHARE = 0.5


def overview_labels(shapes: dict, outline, width: float, height: float):
    """The overview map's size and its labels (:func:`geo.profiles.maps.place_labels`, with the lines of
    :func:`geo.plan.naming.label_lines`): the map gives up the height its number key needs below it, so the cover
    keeps to one page however many names are numbered, down to :data:`MIN_MAP_SHARE` of its height (beyond that
    the key runs on, and the cover with it).

    Returns ``(width, height, placed)``.

    Examples
    --------
    >>> from shapely import box
    >>> shapes = {f"Neighbourhood number {k} of a crowded city": box(k % 12, k // 12, k % 12 + 1, k // 12 + 1)
    ...           for k in range(144)}
    >>> width, height, placed = overview_labels(shapes, box(0, 0, 12, 12), 700, 600)
    >>> height >= 600 * MIN_MAP_SHARE, sum(p.number is not None for p in placed) > 100
    (True, True)
    """
    lines = {n: label_lines(n) for n in shapes}
    size = label_size(shapes)
    budget = height
    for _ in range(4):  # the key's size and the map's scale settle in a step or two
        placed = place_labels(shapes, overview_view(outline, width, budget), lines, size)
        numbered = [q.name for q in placed if q.number is not None]
        rows = sum(1 + len(name) // 45 for name in numbered)  # a long name takes two lines of a column
        need = max(height * MIN_MAP_SHARE, height - (-(-rows // KEY_COLUMNS) * KEY_LINE + KEY_LINE if numbered else 0))
        if need >= budget:
            return width, budget, placed
        budget = need
    return width, budget, place_labels(shapes, overview_view(outline, width, budget), lines, size)


def cover(p) -> str:

    basis = "whole GP practices (list-based)" if p.built_from == "practices" else "LSOAs (place-based)"
    counted = format_value("population_basis", p.summary.population_basis.iloc[0]) if len(p.summary) else ""
    rows = [
        ("Study area", p.area_label),
        ("Plan", p.title),
        ("Version", p.version),
        ("Sign-off", p.state),
        ("Neighbourhoods", f"{len(p.summary)}, built from {basis}; balancing {counted}"),
        ("Made", date.today().strftime("%-d %B %Y")),
    ]
    meta = "".join(f"<tr><th>{_esc(k)}</th><td>{_esc(v)}</td></tr>" for k, v in rows if v)
    overview = ""
    if p.shapes and p.outline is not None:
        width, height, placed = overview_labels(p.shapes, p.outline, 700, 600 if len(meta) else 640)
        overview = overview_svg(
            p.shapes, p.outline, {}, authorities=p.authorities or None, width=width, height=height, placed=placed
        ) + overview_key(placed)
        overview += (
            '<p class="src">Neighbourhoods of this plan'
            + (", local authority boundaries dashed" if p.authorities else "")
            + ". "
            + _source_text(p, "lsoa21_boundaries", "lsoa11_boundaries")
            + "</p>"
        )
    modelled = (
        '<p><span class="tag modelled">Modelled</span> UEC figures are modelled estimates of expected '
        "need, not observed attendances: rates only, with no intervals.</p>"
        if _modelled(p)
        else ""
    )
    return (
        f'<section class="sheet cover"><h1>Neighbourhood profiles</h1>'
        f'<p class="lead area-name">{_esc(p.area_label)}</p><table class="meta"><tbody>{meta}</tbody></table>'
        f"{overview}<p>Counts of 1 to 7 people are suppressed, with further figures where a total would reveal "
        f"them; estimates are marked.</p>{modelled}</section>"
    )
