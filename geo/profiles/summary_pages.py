"""The data pack's summary: one row per neighbourhood, then the study area, each local authority and England,
as many pages as the rows need (:func:`summary_pages`)."""

from __future__ import annotations

import pandas as pd

from geo.profiles import charts
from geo.profiles.figures import ENGLAND, ICB
from geo.profiles.cover_key import CONTENT_MM
from geo.profiles.plan_figures import plan_rows
from geo.profiles.textfit import PX_PER_MM, PX_PER_PT, line_count, text_width
from geo.profiles.htmlkit import (
    CORE20,
    FIRST_PAGE_MM,
    LINE_MM,
    NAME_CHARS,
    NO_FIGURE,
    ROW_MM,
    SUMMARY_MM,
    _esc,
    _missing,
    _modelled,
    _pct,
    _src,
    _uec_source,
    format_value,
)
from geo.profiles.hub_sites import summary_value

SUMMARY_FIGURES = [
    ("resident_population", "Residents"),
    ("registered_population", "Registered patients living here"),
    ("deviation_pct", "Difference from target"),
    ("core20_pct", "Core20"),
    ("urban_pct", "Urban"),
    ("registered_65_plus_pct", "Registered aged 65+"),
    ("not_white_pct", "Not White"),
    ("practices", "GP practices"),
    ("uec_rate", "UEC per 1,000"),
    ("need_index", "Need index"),
    ("healthy_life_rank", "Least healthy life rank"),
    ("hub_opening_order", "Hub opens (by need)"),
]
#: Width of each figure's column in mm (the name takes the rest of the 186 mm): wide enough for "1,234,567", a
#: Core20 bar beside its share and the longest word of the heading at the heading's size, so nothing overlaps.
WIDTHS_MM = {
    "resident_population": 14.5,
    "registered_population": 14.5,
    "deviation_pct": 12.0,
    "core20_pct": 15.0,
    "urban_pct": 11.0,
    "registered_65_plus_pct": 13.0,
    "not_white_pct": 10.5,
    "practices": 12.0,
    "uec_rate": 13.5,
    "need_index": 10.5,
    "healthy_life_rank": 10.0,
    "hub_opening_order": 8.0,
}


def _summary_rows(p) -> list[tuple[str, str, dict]]:
    """(kind, name, figures) of every summary row: the neighbourhoods, then the study area, the LAs, England."""
    key = p.key
    rows = []
    for name, row in p.summary.iterrows():
        values = {
            c: row.get(c) if c in row.index else None
            for c in (
                "resident_population",
                "registered_population",
                "deviation_pct",
                "core20_pct",
                "urban_pct",
                "practices",
            )
        }
        values.update(
            {
                c: key.at[name, c]
                for c in ("registered_65_plus_pct", "not_white_pct", "uec_rate", "need_index", "healthy_life_rank")
                if c in key.columns and name in key.index
            }
        )
        values["hub_opening_order"] = summary_value(p, name)
        rows.append(("neighbourhood", str(name), values))
    areas = [ICB, *sorted(a for a, k in p.figures.areas.items() if k == "local authority"), ENGLAND]
    for area in areas:
        if area not in key.index:
            continue
        values = {c: key.at[area, c] for c in key.columns}
        rows.append(("comparator", area, values))
    return rows


def _lines(name: str) -> int:
    """Lines a name takes in the summary's first column (whole words, :data:`NAME_CHARS` a line)."""
    return len(charts.wrap(name, NAME_CHARS * 0.55 * 11, 11))


#: The plan's key figures on the summary's first page, set in its heading's line after "Summary"
#: (``.plan-figures`` in :data:`geo.profiles.htmlkit.STYLE`): their font size, the heading's font size, and the
#: heading's width in mm with the figures' left margin (the bold word "Summary" at 13 pt and 3 mm).
FIGURE_PT, HEADING_PT, HEADING_MM = 7.0, 13.0, 28.0


def figures_html(figures: list[tuple[str, str]]) -> str:
    """The plan's key ``figures`` as one run of text for the summary's heading, each label in bold.

    Examples
    --------
    >>> figures_html([("Plan", "A & B"), ("Version", "2")])
    '<span class="plan-figures"><b>Plan</b> A &amp; B; <b>Version</b> 2</span>'
    """
    text = "; ".join(f"<b>{_esc(k)}</b> {_esc(v)}" for k, v in figures)
    return f'<span class="plan-figures">{text}</span>' if figures else ""


def figures_mm(figures: list[tuple[str, str]]) -> float:
    """Height in mm the plan's key ``figures`` add to the summary's heading: none on its one line, a heading's
    line for each further line they wrap to (each line holds the heading's strut), their words wrapped in the
    width the word "Summary" leaves and measured in the body font (:func:`geo.profiles.textfit.line_count`, bold
    as the widest).

    Examples
    --------
    >>> figures_mm([("Plan", "QK1")]), figures_mm([]), figures_mm([("Plan", "QK1 " * 80)]) > 10
    (0.0, 0.0, True)
    """
    if not figures:
        return 0.0
    size, width = FIGURE_PT * PX_PER_PT, (CONTENT_MM - HEADING_MM) * PX_PER_MM
    one = sum(text_width(k, bold=True) + text_width(f" {v}; ") for k, v in figures) * size
    if one <= width:  # labels bold, values not: on the heading's line
        return 0.0
    lines = line_count("; ".join(f"{k} {v}" for k, v in figures), size, width, bold=True)
    return (lines - 1) * HEADING_PT * 1.3 * 25.4 / 72


def _chunks(rows: list, figures: float = 0.0) -> list[list]:
    """The summary rows page by page, at most :data:`SUMMARY_LINES` lines a page (the first page less its intro and
    the ``figures`` mm the plan's key figures take).

    Examples
    --------
    >>> [len(c) for c in _chunks([("neighbourhood", "A", {})] * 80)]
    [52, 28]
    >>> [len(c) for c in _chunks([("neighbourhood", "A", {})] * 80, figures=25.0)]
    [46, 34]
    """
    chunks, used, budget = [[]], 0.0, FIRST_PAGE_MM - figures
    for row in rows:
        need = ROW_MM + LINE_MM * _lines(row[1])
        if chunks[-1] and used + need > budget:
            chunks.append([])
            used, budget = 0.0, SUMMARY_MM
        chunks[-1].append(row)
        used += need
    return chunks


def summary_pages(p) -> int:
    """How many pages the summary takes.

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> p = SimpleNamespace(summary=pd.DataFrame(index=[f"N{i}" for i in range(60)]), key=pd.DataFrame(),
    ...                     figures=SimpleNamespace(areas={}), area_label="Rutland", title="", version="", state="",
    ...                     built_from="lsoas", totals={})
    >>> summary_pages(p)
    2
    """
    return len(_chunks(_summary_rows(p), figures_mm(summary_figures(p))))


def summary_figures(p) -> list[tuple[str, str]]:
    """The cover's key figures of the plan (:func:`geo.profiles.plan_figures.plan_rows`, read from the same plan
    summary) but the study area, which heads every page."""
    return [(k, v) for k, v in plan_rows(p) if k != "Study area"]


def summary(p) -> str:
    rows = _summary_rows(p)
    hubs = not getattr(p, "hubs", pd.DataFrame()).empty
    shown = [
        (c, h)
        for c, h in SUMMARY_FIGURES
        if c in p.summary.columns or c in p.key.columns or (c == "hub_opening_order" and hubs)
    ]
    if not _modelled(p):
        shown = [(c, "UEC attendances per 1,000" if c == "uec_rate" else h) for c, h in shown]
    if getattr(p, "deviation_from", "the target") != "the target":  # a counted plan: from each place's ideal
        shown = [(c, "Difference from place ideal" if c == "deviation_pct" else h) for c, h in shown]
    top = max([v.get("core20_pct") or 0 for _, _, v in rows if not _missing(v.get("core20_pct"))] + [1])
    head = "<th>Area</th>" + "".join(
        f'<th class="num">{_esc(h)}{" (modelled)" if c == "uec_rate" and _modelled(p) else ""}</th>' for c, h in shown
    )

    def cell(column, value, kind) -> str:
        if column == "core20_pct" and not _missing(value):
            text = "≈20%" if kind == "England" else _pct(value)
            return f'<td class="num"><span class="bar" style="background:{CORE20};width:{4 * float(value) / top:.1f}mm"></span>{text}</td>'
        if column == "need_index":
            return f'<td class="num">{NO_FIGURE if _missing(value) else f"{round(float(value), 2) or 0.0:+.2f}"}</td>'
        if column in ("healthy_life_rank", "hub_opening_order"):
            return f'<td class="num">{NO_FIGURE if _missing(value) else int(value)}</td>'
        if column == "uec_rate":
            return f'<td class="num">{NO_FIGURE if _missing(value) else f"{float(value):,.1f}"}</td>'
        if column in ("registered_65_plus_pct", "not_white_pct"):
            return f'<td class="num">{_pct(value, missing=NO_FIGURE if kind != "neighbourhood" else "suppressed")}</td>'
        if kind != "neighbourhood" and column in ("deviation_pct", "practices"):
            return f'<td class="num">{NO_FIGURE}</td>'
        if kind != "neighbourhood" and column in ("resident_population", "registered_population") and _missing(value):
            return f'<td class="num">{NO_FIGURE}</td>'
        return f'<td class="num">{_esc(format_value(column, value))}</td>'

    sheets = []
    cols = (
        '<colgroup><col class="name">'
        + "".join(f'<col style="width:{WIDTHS_MM.get(c, 11.0)}mm">' for c, _ in shown)
        + "</colgroup>"
    )
    figures = summary_figures(p)
    for chunk in _chunks(rows, figures_mm(figures)):
        body, previous = [], None
        for kind, name, values in chunk:
            england = name == ENGLAND
            cls = (
                ""
                if kind == "neighbourhood"
                else (
                    " class=\"comparator first-comparator\"" if previous == "neighbourhood" else ' class="comparator"'
                )
            )
            body.append(
                f"<tr{cls}><th>{_esc(name)}</th>"
                + "".join(cell(c, values.get(c), "England" if england else kind) for c, _ in shown)
                + "</tr>"
            )
            previous = kind
        first = not sheets
        intro = (
            f"<h2>Summary{figures_html(figures)}</h2><p>Each neighbourhood, then the study area, each local authority and England. "
            f"{NO_FIGURE}: no figure for that area; suppressed: hidden to protect a small count. "
            f"England's Core20 share is a fifth of its areas by definition. Least healthy life rank: 1 = least "
            f"healthy life by the IoD2025 health-domain proxy (not healthy life expectancy); need index: 0 = the "
            f"study area's average, higher = more need (formula in Sources and methods)."
            + (
                " Hub opens: the order in which each neighbourhood's proposed hub site (nhp sites) opens, highest "
                "need first (its site on the neighbourhood's page)."
                if hubs
                else ""
            )
            + "</p>"
            if first
            else "<h2>Summary (continued)</h2>"
        )
        # flows (no fixed height): a summary row is never clipped, whatever its name's length
        sheets.append(
            f'<section class="sheet flow summary">{intro}<table class="summary">{cols}<thead><tr>{head}'
            f'</tr></thead><tbody>{"".join(body)}</tbody></table>'
            + _src(
                p,
                "population_census2021",
                "gp_registrations",
                "imd2025",
                "imd2019",
                "rural_urban",
                "practice_ages",
                "ethnicity_census2021",
                extra=_uec_source(p),
            )
            + "</section>"
        )
    return "".join(sheets)
