"""The HWB data pack as one self-contained, paged HTML document: the same text prints from a browser and becomes
the PDF (:mod:`geo.profiles.pdf`).

Pages (A4, :data:`STYLE`): a cover (plan, area, version and sign-off state when known, an overview map of every
neighbourhood with its label); the summary (one row per neighbourhood, then the study area, each local authority
and England); exactly two pages per neighbourhood (1: where it is, its footprint and practices, its size and key
figures beside its local authority, the study area and England, IMD and age charts; 2: ethnicity, registered ages,
long-term conditions, practices, and the notes at the foot of the page); sources and methods. Every sheet but the
last has a fixed A4 height, so a neighbourhood is two pages whatever its content; :func:`page` takes ``compact``
neighbourhoods to set in a smaller type when the renderer finds they would not fit.

Readable labels only (:mod:`geo.profiles.labels`); every chart and table names its source; no scripts and no
external fetches (fonts are the system's, named in the CSS).
"""

from __future__ import annotations

import html
from datetime import date

import numpy as np
import pandas as pd

from geo.atlas.model import AGE_BAND_LABELS, AGE_BANDS
from geo.maps.scales import QUINTILE_COLOURS
from geo.profiles import charts
from geo.profiles.comparators import KEY_REGISTERS
from geo.profiles.figures import ENGLAND, ICB
from geo.profiles.labels import COLUMNS, ETHNIC_GROUPS, NOT_PUBLISHED, QOF_REGISTERS, label
import re
from geo.plan.naming import short_label
from geo.plan.naming import display_case

PRACTICE_COLUMNS = ["practice_code", "practice_name", "pcn_name", "list_size", "list_living_here_pct"]
#: Practices listed on a neighbourhood's second page (the rest are counted, and all are in the workbook).
PRACTICE_ROWS = 10
#: Height of the summary table on a page, in mm (the first page less its intro), and of one of its rows: a
#: padding and a line per line of the wrapped name (:func:`_lines`); estimates that err towards a spare row.
SUMMARY_MM, FIRST_PAGE_MM, ROW_MM, LINE_MM = 238.0, 220.0, 1.7, 3.4
#: Characters of a name on one line of the summary table's first column (52 mm at 7.6 pt bold).
NAME_CHARS = 31
NO_FIGURE = "–"
#: Core20 is national IMD quintile 1: drawn in that quintile's colour of the one deprivation scale.
CORE20 = QUINTILE_COLOURS[0]

STYLE = """
@page{size:A4;margin:11mm 12mm 13mm;
 @bottom-left{content:string(area);font:7pt "Liberation Sans",Arial,"DejaVu Sans",sans-serif;color:#4c6272}
 @bottom-right{content:"Page " counter(page) " of " counter(pages);
  font:7pt "Liberation Sans",Arial,"DejaVu Sans",sans-serif;color:#4c6272}}
html{font-family:"Liberation Sans",Arial,"DejaVu Sans",sans-serif;font-size:8.5pt;color:#212b32;line-height:1.3}
body{margin:0}h1{font-size:20pt;margin:0 0 2mm;color:#005eb8}.area-name{string-set:area content()}
h2{font-size:13pt;margin:0 0 1.5mm;border-bottom:2px solid #005eb8;padding-bottom:1mm}
h3{font-size:9pt;margin:2.5mm 0 1mm}p{margin:1mm 0}
.sheet{height:272mm;overflow:hidden;position:relative;break-after:page;box-sizing:border-box}
.sheet.flow{height:auto;overflow:visible}.sheet.flow:last-child{break-after:auto}
.methods table{font-size:6.3pt}.methods{font-size:7pt}.methods ul.sources{columns:2;column-gap:5mm;font-size:6.5pt}.methods li{margin-bottom:0.5mm}.hood-2 th,.hood-2 td{padding:0.35mm 1.4mm}.hood-2 .cols>div:first-child{flex:0 0 70mm}
.compact{font-size:7.5pt}.compact table{font-size:6.8pt}
table{border-collapse:collapse;font-size:7.6pt;width:100%;margin:1mm 0}
th,td{border:0.5pt solid #d8dde0;padding:0.6mm 1.4mm;text-align:left;vertical-align:top}
thead th{background:#f0f4f5}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.comparator th,tr.comparator td{background:#f7f9fa;font-style:italic}tr.first-comparator th,
tr.first-comparator td{border-top:1.2pt solid #768692}
table.summary{table-layout:fixed}table.summary thead th{white-space:normal;vertical-align:bottom}table.summary col.name{width:52mm}
.cols{display:flex;gap:5mm;align-items:flex-start}.cols>div{flex:1 1 0;min-width:0}
.src{font-size:6.8pt;color:#4c6272;margin:0.5mm 0 1.5mm}.keys{font-size:7pt;margin:0.5mm 0}
.key{margin-right:3mm}.key i{display:inline-block;width:2.5mm;height:2.5mm;margin-right:1mm;vertical-align:middle}
.lead{font-size:10pt}.meta th{width:45mm;background:none}.meta{width:auto;font-size:9pt}
.tag{display:inline-block;padding:0.3mm 1.5mm;border-radius:1mm;background:#e8edee;font-size:7pt}
.tag.modelled{background:#fff3c4}.tag.estimate{background:#e6f0fa}
.notes{position:absolute;left:0;right:0;bottom:0;border-top:1pt solid #768692;padding-top:1.5mm;font-size:6.8pt;
 color:#425563}.notes ul{margin:0;padding-left:4mm}
.bar{display:inline-block;height:2.2mm;background:#41b6e6;vertical-align:middle;margin-right:1mm}
svg{display:block}.maps{display:flex;gap:3mm;align-items:flex-start}
.size th{width:58%;background:none;font-weight:normal}.size td{font-weight:bold}
@media screen{body{background:#e8edee}.sheet{width:186mm;margin:6mm auto;padding:8mm;background:#fff;
 box-sizing:content-box}}
"""


def _esc(value) -> str:
    return html.escape(str(value))


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def format_value(column: str, value) -> str:
    """A figure as people read it: counts with thousands separators, percentages with %, deviations signed,
    "suppressed" for a suppressed count, the text of text columns.

    Examples
    --------
    >>> format_value("resident_population", 12345.0), format_value("core20_pct", 12.34), format_value("ratio", 1.234)
    ('12,345', '12.3%', '1.23')
    >>> format_value("deviation_pct", 3.1), format_value("deviation_pct", -8.9), format_value("deviation_pct", 0.0)
    ('+3.1%', '-8.9%', '0.0%')
    """
    unit = COLUMNS[column].unit if column in COLUMNS else ""
    if _missing(value):
        return "suppressed" if unit == "count" else NO_FIGURE
    if column == "deviation_pct":
        return f"{float(value):+.1f}%" if float(value) else "0.0%"
    if unit in ("count", "number"):
        return f"{float(value):,.0f}"
    if unit == "%":
        return f"{float(value):.1f}%"
    if unit == "ratio":
        return f"{float(value):.2f}"
    if unit in ("per 1,000", "decile"):
        return f"{float(value):,.1f}"
    if column == "population_basis":
        return {"resident": "residents", "registered": "registered patients", "list": "practice lists"}.get(
            str(value), str(value)
        )
    return str(value)


def _pct(value, digits: int = 1, missing: str = "suppressed") -> str:
    return missing if _missing(value) else f"{float(value):.{digits}f}%"


def _sources(p) -> dict[str, str]:
    return {str(r.dataset): f"{r.label} ({r.vintage})" for r in p.sources.itertuples()}


def _short_source(label: str, vintage: str) -> str:
    """A source as a chart's footnote names it: its label without parenthetical detail, with its vintage when
    short (the full label and vintage are on the sources page).

    Examples
    --------
    >>> _short_source("NHS Digital, Patients Registered at a GP Practice (by LSOA)", "home LSOA shares 2023-07")
    'NHS Digital, Patients Registered at a GP Practice'
    >>> _short_source("ONS Census 2021 TS021 ethnic group (usual residents)", "Census 2021")
    'ONS Census 2021 TS021 ethnic group (Census 2021)'
    """

    text = re.sub(r"\s*\([^)]*\)", "", str(label)).strip()
    return f"{text} ({vintage})" if vintage and len(str(vintage)) <= 12 else text


def _source_text(p, *datasets: str, extra: str = "") -> str:
    known = {str(r.dataset): _short_source(r.label, r.vintage) for r in p.sources.itertuples()}
    text = "; ".join(known[d] for d in datasets if d in known)
    text = "; ".join(t for t in (text, extra) if t) or "; ".join(known.values())  # a synthetic atlas: one source
    return f"Source: {_esc(text or 'this plan')}"


def _src(p, *datasets: str, extra: str = "") -> str:
    return f'<p class="src">{_source_text(p, *datasets, extra=extra)}</p>'


def _modelled(p) -> bool:
    return "MODELLED" in (p.uec_note or "")


def _la(p, name) -> str | None:
    return p.figures.comparator.get(name)


def _short_la(area: str) -> str:
    return area.replace(" (local authority)", "")


def _comparators(p, name) -> list[tuple[str, str]]:
    """(area, heading) of the comparators of a neighbourhood: its local authority, the study area, England."""
    la = _la(p, name)
    return ([(la, f"{_short_la(la)} (LA)")] if la else []) + [(ICB, "Study area"), (ENGLAND, "England")]


def _vintages(p) -> str:
    """Which vintage each registered-patient figure is, from the atlas's sources."""
    sources = {str(r.dataset): r for r in p.sources.itertuples()}
    parts = []
    if "gp_registrations" in sources:
        parts.append(f"registered patients living here: home LSOAs of {sources['gp_registrations'].vintage}")
    lists = sources.get("practice_lists") or sources.get("practice_ages")
    if lists is not None:
        parts.append(f"practice lists and the age pyramid: {lists.vintage}")
    return ("Vintages: " + "; ".join(parts) + ".") if parts else ""


# --- Cover and summary --------------------------------------------------------------------------------------------


def _cover(p) -> str:

    from geo.profiles.maps import overview_svg  # lazy: same package (init order unchecked)

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
        overview = overview_svg(
            p.shapes,
            p.outline,
            {n: short_label(n) for n in p.shapes},
            authorities=p.authorities or None,
            width=700,
            height=600 if len(meta) else 640,
        )
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
]


def _uec_source(p) -> str:
    """The UEC source in a line: the whole note is in the methods."""
    if not p.uec_note:
        return ""
    return "UEC: modelled layer (see Sources and methods)" if _modelled(p) else "UEC: see Sources and methods"


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
                for c in ("registered_65_plus_pct", "not_white_pct", "uec_rate")
                if c in key.columns and name in key.index
            }
        )
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


def _chunks(rows: list) -> list[list]:
    """The summary rows page by page, at most :data:`SUMMARY_LINES` lines a page (the first page less its intro).

    Examples
    --------
    >>> [len(c) for c in _chunks([("neighbourhood", "A", {})] * 80)]
    [43, 37]
    """
    chunks, used, budget = [[]], 0.0, FIRST_PAGE_MM
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
    >>> from types import SimpleNamespace
    >>> p = SimpleNamespace(summary=pd.DataFrame(index=[f"N{i}" for i in range(60)]), key=pd.DataFrame(),
    ...                     figures=SimpleNamespace(areas={}))
    >>> summary_pages(p)
    2
    """
    return len(_chunks(_summary_rows(p)))


def _summary(p) -> str:
    rows = _summary_rows(p)
    shown = [(c, h) for c, h in SUMMARY_FIGURES if c in p.summary.columns or c in p.key.columns]
    if not _modelled(p):
        shown = [(c, "UEC attendances per 1,000" if c == "uec_rate" else h) for c, h in shown]
    top = max([v.get("core20_pct") or 0 for _, _, v in rows if not _missing(v.get("core20_pct"))] + [1])
    head = "<th>Area</th>" + "".join(
        f'<th class="num">{_esc(h)}{" (modelled)" if c == "uec_rate" and _modelled(p) else ""}</th>' for c, h in shown
    )

    def cell(column, value, kind) -> str:
        if column == "core20_pct" and not _missing(value):
            text = "≈20%" if kind == "England" else _pct(value)
            return f'<td class="num"><span class="bar" style="background:{CORE20};width:{7 * float(value) / top:.1f}mm"></span>{text}</td>'
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
    cols = '<colgroup><col class="name">' + "<col>" * len(shown) + "</colgroup>"
    for chunk in _chunks(rows):
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
            f"<h2>Summary</h2><p>Each neighbourhood, then the study area, each local authority and England. "
            f"{NO_FIGURE}: no figure for that area; suppressed: hidden to protect a small count. "
            f"England's Core20 share is a fifth of its areas by definition.</p>"
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


# --- A neighbourhood's two pages ----------------------------------------------------------------------------------

SIZE_FIGURES = [
    "resident_population",
    "registered_population",
    "population_basis",
    "deviation_pct",
    "lsoas",
    "practices",
    "practice_list_size",
    "hotspot_lsoas",
]


def _size(p, row) -> str:
    rows = [
        f"<tr><th>{_esc(label(c))}</th><td class=\"num\">{_esc(format_value(c, row[c]))}</td></tr>"
        for c in SIZE_FIGURES
        if c in row.index and not (c == "hotspot_lsoas" and _modelled(p))
    ]
    if "pcns" in row.index and row["pcns"]:
        from geo.plan.naming import display_case  # lazy: imported only on this branch

        pcns = "; ".join(display_case(n) for n in str(row["pcns"]).split("; "))
        rows.append(f"<tr><th>{_esc(label('pcns'))}</th><td>{_esc(pcns)}</td></tr>")
    return f'<table class="size"><tbody>{"".join(rows)}</tbody></table>'


def _key_rows(p, name) -> list[tuple[str, str, str]]:
    """(column of ``p.key``, label, tag) of a neighbourhood's key figures."""
    estimate = "estimate" if p.built_from != "practices" else ""
    rows = [
        ("core20_pct", "Core20: living in England's most deprived 20% of areas", ""),
        ("urban_pct", "Living in urban areas", ""),
        ("age_65_plus_pct", "Residents aged 65+", ""),
        ("registered_65_plus_pct", "Registered patients aged 65+", estimate),
        ("not_white_pct", "Ethnic groups other than White (residents)", ""),
    ]
    rows += [(f"prevalence_{r}", f"{QOF_REGISTERS.get(r, r)}: QOF prevalence", estimate) for r in KEY_REGISTERS]
    rows.append(("uec_rate", "UEC attendances per 1,000 residents", "modelled" if _modelled(p) else ""))
    return [r for r in rows if r[0] in p.key.columns]


def _key_figures(p, name) -> str:
    comps = _comparators(p, name)
    head = '<th>Key figure</th><th class="num">Here</th>' + "".join(f'<th class="num">{_esc(h)}</th>' for _, h in comps)
    body = []
    for column, text, tag in _key_rows(p, name):
        unit = "" if column == "uec_rate" else "%"

        def value(area, own=False):
            v = p.key.at[area, column] if area in p.key.index else np.nan
            if area == ENGLAND and column == "core20_pct":
                return "≈20%"
            if _missing(v):
                return "suppressed" if own else NO_FIGURE
            return f"{float(v):,.1f}{unit}"

        mark = f' <span class="tag {tag}">{tag}</span>' if tag else ""
        body.append(
            f"<tr><th>{_esc(text)}{mark}</th><td class=\"num\"><b>{value(name, True)}</b></td>"
            + "".join(f'<td class="num">{value(a)}</td>' for a, _ in comps)
            + "</tr>"
        )
    return f'<table class="key"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>' + _src(
        p,
        "imd2025",
        "imd2019",
        "rural_urban",
        "population_census2021",
        "practice_ages",
        "ethnicity_census2021",
        "qof_prevalence",
        extra=_uec_source(p),
    )


def _marks(p, name, columns: dict[str, str], areas) -> dict[str, dict]:
    """{area heading: {bar label: value}} of comparator marks from ``p.key`` (columns: key column -> bar label)."""
    out = {}
    for area, heading in areas:
        if area in p.key.index:
            values = {text: p.key.at[area, c] for c, text in columns.items() if c in p.key.columns}
            if any(not _missing(v) for v in values.values()):
                out[heading] = values
    return out


def _first_page(p, name, row, k: int, compact: bool) -> str:
    from geo.profiles.maps import locator_svgs  # lazy: same package (init order unchecked)

    la = _la(p, name)
    where = f"Local authority: {_esc(_short_la(la))} · " if la else ""
    points = p.points[p.points.neighbourhood == name] if len(p.points) else None
    maps = (
        locator_svgs(p.shapes, name, p.outline, points, p.high.get(name), size=150, zoom=(250, 230)) if p.shapes else ""
    )
    quintiles = {
        f"Q{q}{' (most deprived)' if q == 1 else ' (least deprived)' if q == 5 else ''}": f"imd_q{q}_pct"
        for q in range(1, 6)
    }
    comps = _comparators(p, name)
    imd = charts.bars(
        {t: row[c] for t, c in quintiles.items()},
        title=f"{name} by national IMD quintile",
        digits=1,
        label_width=95,
        width=330,
        colours=dict(zip(quintiles, QUINTILE_COLOURS)),
        comparators=_marks(p, name, {c: t for t, c in quintiles.items()}, comps),
    )
    imd_keys = list(_marks(p, name, {c: t for t, c in quintiles.items()}, comps))
    return (
        f'<section class="sheet hood{" compact" if compact else ""}" id="hood-{k}-1">'
        f'<h2 id="{_anchor(name)}">{_esc(name)}</h2>'
        f'<p>{where}neighbourhood {k} of {len(p.summary)}</p>'
        f'<div class="cols"><div><div class="maps">{maps}</div>'
        f'<p class="src">Left: where it lies in the study area. Right: its footprint (blue), neighbours (grey), '
        f'its GP practices (dots){"" if _modelled(p) else ", UEC hot-spot LSOAs (red)"}. '
        + _source_text(p, "lsoa21_boundaries", "lsoa11_boundaries", "practice_geocodes")
        + "</p></div>"
        f'<div style="flex:0 0 62mm"><h3>Size</h3>{_size(p, row)}'
        + _src(p, "population_census2021", "gp_registrations", "practice_lists")
        + "</div></div>"
        f"<h3>Key figures beside its local authority, the study area and England</h3>{_key_figures(p, name)}"
        f'<div class="cols"><div><h3>Residents by national IMD quintile (% of counted population)</h3>{imd}'
        f"{charts.legend(imd_keys)}<p class=\"keys\">Shades: the deprivation scale of every map of this tool, "
        f"dark = more deprived.</p>{_src(p, 'imd2025', 'imd2019')}</div>{_ethnicity(p, name) or '<div></div>'}"
        "</div>"
        f'<i id="hood-{k}-1-end"></i></section>'
    )


def _resident_ages(p, name, row) -> str:
    ages = {
        AGE_BAND_LABELS[b]: (
            100 * row[b] / row["resident_population"] if not _missing(row[b]) and row["resident_population"] else None
        )
        for b in AGE_BANDS
    }
    marks = _marks(p, name, {f"{b}_pct": AGE_BAND_LABELS[b] for b in AGE_BANDS}, _comparators(p, name))
    chart = charts.bars(
        ages, title=f"Residents of {name} by age", digits=1, width=330, label_width=50, comparators=marks
    )
    return (
        f"<h3>Residents by age (%)</h3>{chart}{charts.legend(list(marks))}"
        f"{_src(p, 'population_census2021', 'population_mye2020')}"
    )


def _ethnicity(p, name) -> str:
    eth = p.figures.ethnicity
    if eth.empty or name not in eth.index:
        return ""
    short = {g: t.split(",")[0].split(" or ")[0] for g, t in ETHNIC_GROUPS.items()}
    own = {short[g]: eth.loc[name, g] for g in ETHNIC_GROUPS}
    comps = [(a, h) for a, h in _comparators(p, name) if a in eth.index]
    marks = {h: {short[g]: eth.loc[a, g] for g in ETHNIC_GROUPS} for a, h in comps}
    omitted = "" if ENGLAND in eth.index else '<p class="src">England is omitted: no national TS021 totals.</p>'
    return (
        "<div><h3>Core20PLUS: ethnic groups (% of usual residents)</h3>"
        + charts.bars(own, title=f"Ethnic groups of {name}", comparators=marks, width=330, label_width=70)
        + charts.legend(list(marks))
        + omitted
        + _src(p, "ethnicity_census2021")
        + "</div>"
    )


def _pyramid(p, name) -> str:
    ages = p.figures.ages
    if ages.empty or name not in set(ages.area):
        return ""
    comps = [(a, h) for a, h in _comparators(p, name) if a in set(ages.area)]
    own = ages[ages.area == name]
    estimate = bool(own.estimate.any())
    total = own.registered_total.iloc[0]
    tag = ' <span class="tag estimate">estimate</span>' if estimate else ""
    return (
        f"<div><h3>Registered patients by age and sex (% of {format_value('registered_population', total)})"
        f"{tag}</h3>"
        + charts.pyramid(
            own,
            title=f"Registered patients of {name} by age and sex",
            width=262,
            row=9,
            comparators={h: ages[ages.area == a] for a, h in comps},
        )
        + charts.legend([h for _, h in comps])
        + _src(p, "practice_ages", "gp_registrations" if estimate else "")
        + "</div>"
    )


def _conditions(p, name) -> str:
    cond = p.figures.conditions
    if cond.empty or name not in set(cond.area):
        return ""
    prevalence = cond.pivot(index="register", columns="area", values="prevalence_pct")
    own = cond[cond.area == name].set_index("register")
    comps = [(a, h) for a, h in _comparators(p, name) if a in prevalence.columns]
    estimate = bool(own.estimate.any())
    what = "Patients (estimate)" if estimate else "Patients"
    head = f'<th>Condition (QOF register)</th><th class="num">{what}</th><th class="num">Here</th>' + "".join(
        f'<th class="num">{_esc(h)}</th>' for _, h in comps
    )
    rows = []
    for register, r in own.sort_values("condition").iterrows():
        published = bool(getattr(r, "published", True))
        count = NOT_PUBLISHED if not published else "suppressed" if _missing(r.patients) else f"{r.patients:,.0f}"
        rate = _pct(r.prevalence_pct) if published else NOT_PUBLISHED
        rows.append(
            f'<tr><th>{_esc(r.condition)}</th><td class="num" data-count="">{count}</td>'
            f'<td class="num"><b>{rate}</b></td>'
            + "".join(f'<td class="num">{_pct(prevalence.at[register, a], missing=NO_FIGURE)}</td>' for a, _ in comps)
            + "</tr>"
        )
    tag = ' <span class="tag estimate">estimate</span>' if estimate else ""
    return (
        f"<h3>Long-term conditions: QOF registers and prevalence (%){tag}</h3>"
        f'<table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
        + _src(p, "qof_prevalence", "gp_registrations" if estimate else "")
    )


def _practices(p, name, rows: int) -> str:
    practices = p.practices[p.practices.neighbourhood == name]
    if practices.empty:
        return "<h3>GP practices</h3><p>No practice has most of its area patients here.</p>"
    shown = practices.sort_values("list_size", ascending=False, na_position="last").head(rows)

    head = (
        f"<th>{_esc(label('practice_name'))} ({_esc(label('practice_code').lower())})</th>"
        f'<th class="num">{_esc(label("list_size"))}</th><th class="num">Share of list living here</th>'
    )
    body = "".join(
        f"<tr><td>{_esc(display_case(str(r.practice_name)))} ({_esc(r.practice_code)})</td>"
        f'<td class="num" data-count="">{_esc(format_value("list_size", r.list_size))}</td>'
        f'<td class="num">{_pct(r.list_living_here_pct, 0, missing="not shown")}</td></tr>'
        for r in shown.itertuples()
    )
    more = len(practices) - len(shown)
    extra = (
        f'<p class="src">and {more} more practice{"s" if more > 1 else ""} with smaller lists (all are in the '
        "workbook, profiles.xlsx).</p>"
        if more > 0
        else ""
    )
    return (
        f"<h3>GP practices whose patients live mostly here ({len(practices)})</h3>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{extra}"
        + _src(p, "gp_registrations", "practice_lists")
    )


def _notes_box(p, name) -> str:
    notes = []
    if p.built_from != "practices" and not p.figures.conditions.empty:
        notes.append(
            "Estimates: this neighbourhood is built from LSOAs, so each practice's registers and age bands "
            "are shared among the places its patients live (registrations by LSOA)."
        )
    if _modelled(p):
        notes.append(
            "UEC figures are MODELLED (expected need from NHS England A&E totals shared out by population "
            "and acute morbidity), not observed attendances: a rate, with no intervals."
        )
    vintages = _vintages(p)
    if vintages:
        notes.append(vintages)
    notes.append(
        f"{NO_FIGURE}: no figure for that area; suppressed: hidden to protect a count of 1 to 7. England's "
        "Core20 share is a fifth of its areas by definition. Definitions: see Sources and methods."
    )
    return '<div class="notes"><ul>' + "".join(f"<li>{_esc(n)}</li>" for n in notes) + "</ul></div>"


def _second_page(p, name, row, k: int, compact: bool) -> str:
    rows = PRACTICE_ROWS if not compact else 6
    return (
        f'<section class="sheet hood-2{" compact" if compact else ""}" id="hood-{k}-2">'
        f"<h2>{_esc(name)} <small>(continued)</small></h2>"
        f'<div class="cols">{_pyramid(p, name)}<div>{_practices(p, name, rows)}{_resident_ages(p, name, row)}</div></div>'
        + _conditions(p, name)
        + (f'<p class="src">{_esc(p.uec_note)}</p>' if p.uec_note and not _modelled(p) else "")
        + f'<i id="hood-{k}-2-end"></i>{_notes_box(p, name)}</section>'
    )


def _anchor(name) -> str:
    return "n-" + "".join(ch if ch.isalnum() else "-" for ch in str(name)).lower()


# --- Sources and methods ------------------------------------------------------------------------------------------


def _methods(p) -> str:
    shown = [
        c
        for c in COLUMNS
        if (c in p.summary.columns or c in PRACTICE_COLUMNS)
        and c
        not in (
            *AGE_BANDS[1:],
            "imd_q2_pct",
            "imd_q3_pct",
            "imd_q4_pct",
            "pcn_code",
            "rural_pct",
            "practice_code",
            "practice_name",
            "pcn_name",
        )
    ]
    if _modelled(p):
        shown = [
            c
            for c in shown
            if c not in ("attendances", "rate_lci", "rate_uci", "ratio_lci", "ratio_uci", "funnel", "hotspot_lsoas")
        ]
    short = {str(r.dataset): _short_source(r.label, r.vintage) for r in p.sources.itertuples()}

    def where(column: str) -> str:
        meta = COLUMNS[column]
        if meta.sources == ("plan",):
            return "This plan"
        return "; ".join(short[s] for s in meta.sources if s in short) or "see sources below"

    rows = "".join(
        f"<tr><th>{_esc(COLUMNS[c].label)}</th><td>{_esc(COLUMNS[c].unit)}</td>"
        f"<td>{_esc(COLUMNS[c].definition)}</td><td>{_esc(where(c))}</td></tr>"
        for c in shown
    )
    notes = [
        *p.figures.notes,
        "Comparators: each local authority and the study area are counted as a "
        "neighbourhood is, from the same plan metrics on the same population basis; England's practice figures "
        "and ethnic groups come from the national files of the same edition.",
        "Disclosure control: counts of 1 to 7 are suppressed; a total with a small part is given to the nearest "
        "10; shares are not shown when a part or its complement is a small count.",
    ]
    if _modelled(p):
        notes.append(
            "UEC figures are modelled (the layer is described under Sources): rates only. Modelled: no intervals."
        )
    elif p.uec_note:
        notes.append("UEC: " + p.uec_note)
    vintages = _vintages(p)
    if vintages:
        notes.append(vintages)
    sources = "".join(
        f"<li>{_esc(r.label)}" + ("" if str(r.vintage) in str(r.label) else f" ({_esc(r.vintage)})") + "</li>"
        for r in p.sources.itertuples()
    )
    return (
        '<section class="sheet flow methods"><h2>Sources and methods</h2><ul>'
        + "".join(f"<li>{_esc(n)}</li>" for n in notes)
        + "</ul>"
        f"<table><thead><tr><th>Figure</th><th>Unit</th><th>Definition</th><th>Source</th></tr></thead>"
        f'<tbody>{rows}</tbody></table><h3>Sources</h3><ul class="sources">{sources}</ul></section>'
    )


def page(p, compact: frozenset | set = frozenset()) -> str:
    """The whole data pack as HTML text (``compact``: neighbourhoods set in smaller type).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> from geo.profiles import neighbourhood_profiles
    >>> atlas = grid_atlas(4, 4)
    >>> text = page(neighbourhood_profiles(Plan(atlas, dict(zip(atlas.codes, ["N"] * 8 + ["S"] * 8)))))
    >>> text.count('class="sheet hood"'), "Summary" in text, "core20_pct" in text
    (2, True, False)
    """
    hoods = "".join(
        _first_page(p, name, row, k, name in compact) + _second_page(p, name, row, k, name in compact)
        for k, (name, row) in enumerate(p.summary.iterrows(), start=1)
    )
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
        f'content="width=device-width, initial-scale=1"><title>Neighbourhood profiles: {_esc(p.area_label)}</title>'
        f"<style>{STYLE}</style></head><body><main>"
        + _cover(p)
        + _summary(p)
        + hoods
        + _methods(p)
        + "</main></body></html>"
    )
