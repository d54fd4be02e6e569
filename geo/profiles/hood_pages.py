"""A neighbourhood's two A4 pages: (1) where it is (with its proposed hub site), its size and key figures beside
its local authority, the study area and England, IMD and ethnicity; (2) registered ages, practices, resident ages,
long-term conditions and the notes at the foot. Each sheet has a fixed height, so a neighbourhood is two pages
whatever its content."""

from __future__ import annotations

import numpy as np

from geo.atlas.model import AGE_BAND_LABELS, AGE_BANDS
from geo.maps.scales import QUINTILE_COLOURS
from geo.profiles import charts
from geo.profiles.comparators import KEY_REGISTERS
from geo.profiles.figures import ENGLAND
from geo.profiles.access_need import ACCESS_SOURCE, FORMATS, key_rows, rank_text
from geo.profiles.htmlkit import (
    NO_FIGURE,
    PRACTICE_ROWS,
    _anchor,
    _comparators,
    _esc,
    _la,
    _missing,
    _modelled,
    _pct,
    _short_la,
    _source_text,
    _src,
    _uec_source,
    _vintages,
    format_value,
)
from geo.columns import ETHNIC_GROUPS, NOT_PUBLISHED, QOF_REGISTERS, label
from geo.plan.display_case import display_case
from geo.profiles.maps import locator_svgs
from geo.profiles.hub_sites import hub_box, hub_point

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


#: Characters of the "Made of" line on a neighbourhood's first page (about three lines of its small type): a longer
#: list (30 practices, 15 MSOAs) is cut at a whole block and counted, so the fixed-height page is never clipped.
MADE_OF_CHARS = 420


#: Characters of the primary care networks in the Size box (with the count of the rest, about eight of its
#: narrow lines).
PCN_CHARS = 90


def cut_list(parts: list[str], limit: int) -> str:
    """``parts`` joined by "; ", cut after the last whole part that fits in ``limit`` characters (at least one)
    and counted, with where they are all listed.

    Examples
    --------
    >>> cut_list(["Abbey", "Castle", "Saffron"], 30)
    'Abbey; Castle; Saffron'
    >>> cut_list(["Abbey", "Castle", "Saffron"], 16)
    'Abbey; Castle; and 1 more (all in the CSV and workbook)'
    >>> cut_list(["Abbey", "Castle", "Saffron"], 2)
    'Abbey; and 2 more (all in the CSV and workbook)'
    """
    if len("; ".join(parts)) <= limit:
        return "; ".join(parts)
    shown = parts[:1]
    while len(shown) < len(parts) - 1 and len("; ".join(parts[: len(shown) + 1])) <= limit:
        shown = parts[: len(shown) + 1]
    return f"{'; '.join(shown)}; and {len(parts) - len(shown)} more (all in the CSV and workbook)"


def made_of_line(blocks: str, limit: int = MADE_OF_CHARS) -> str:
    """A neighbourhood's blocks ("3 wards: A; B; C") as its first page prints them: whole, or cut after the last
    block that fits in ``limit`` characters with how many more there are and where they are all listed.

    Examples
    --------
    >>> made_of_line("3 wards: Abbey; Castle; Saffron")
    '3 wards: Abbey; Castle; Saffron'
    >>> made_of_line("3 wards: Abbey; Castle; Saffron", limit=26)
    '3 wards: Abbey; Castle; and 1 more (all in the CSV and workbook)'
    """
    text = str(blocks)
    if len(text) <= limit:
        return text
    head, _, rest = text.partition(": ")
    return f"{head}: {cut_list(rest.split('; '), limit - len(head) - 2)}"


def _size(p, row) -> str:
    def heading(c: str) -> str:  # a counted plan's deviation is from each place's ideal (place total / its count)
        if c == "deviation_pct" and getattr(p, "deviation_from", "the target") != "the target":
            return f"Difference from {p.deviation_from}"
        return label(c)

    rows = [
        f"<tr><th>{_esc(heading(c))}</th><td class=\"num\">{_esc(format_value(c, row[c]))}</td></tr>"
        for c in SIZE_FIGURES
        if c in row.index and not (c == "hotspot_lsoas" and _modelled(p))
    ]
    if "pcns" in row.index and row["pcns"]:
        pcns = cut_list([display_case(n) for n in str(row["pcns"]).split("; ")], PCN_CHARS)
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
    rows += key_rows(p, name, _comparators(p, name))
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
                return "suppressed" if own and column not in FORMATS else NO_FIGURE
            if column == "need_index":  # the study area's index is 0 by definition: never "-0.00"
                v = round(float(v), 2) or 0.0
            return FORMATS[column].format(float(v)) if column in FORMATS else f"{float(v):,.1f}{unit}"

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
        extra="; ".join(x for x in (_uec_source(p), ACCESS_SOURCE if "need_index" in p.key.columns else "") if x),
    )


def _rank(p, name) -> str:
    text = rank_text(p, name)
    return f" · {_esc(text)}" if text else ""


def _marks(p, name, columns: dict[str, str], areas) -> dict[str, dict]:
    """{area heading: {bar label: value}} of comparator marks from ``p.key`` (columns: key column -> bar label)."""
    out = {}
    for area, heading in areas:
        if area in p.key.index:
            values = {text: p.key.at[area, c] for c, text in columns.items() if c in p.key.columns}
            if any(not _missing(v) for v in values.values()):
                out[heading] = values
    return out


def first_page(p, name, row, k: int, compact: bool) -> str:

    la = _la(p, name)
    where = f"Local authority: {_esc(_short_la(la))} · " if la else ""
    points = p.points[p.points.neighbourhood == name] if len(p.points) else None
    hub = hub_point(p, name)
    maps = (
        locator_svgs(p.shapes, name, p.outline, points, p.high.get(name), zoom=(250, 230), hub=hub) if p.shapes else ""
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
        f"<p>{where}neighbourhood {k} of {len(p.summary)}{_rank(p, name)}</p>"
        + (f'<p class="src">Made of {_esc(made_of_line(row["blocks"]))}</p>' if row.get("blocks") else "")
        + f'<div class="cols"><div><div class="maps">{maps}</div>'
        f'<p class="src">Left: where it lies in the study area. Right: its footprint (blue), neighbours (grey), '
        f'its GP practices (dots){", proposed hub site (yellow diamond)" if hub else ""}'
        f'{"" if _modelled(p) else ", UEC hot-spot LSOAs (red outline)"}. '
        + _source_text(p, "lsoa21_boundaries", "lsoa11_boundaries", "practice_geocodes")
        + f"</p>{hub_box(p, name)}</div>"
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


def second_page(p, name, row, k: int, compact: bool) -> str:
    rows = PRACTICE_ROWS if not compact else 6
    return (
        f'<section class="sheet hood-2{" compact" if compact else ""}" id="hood-{k}-2">'
        f"<h2>{_esc(name)} <small>(continued)</small></h2>"
        f'<div class="cols">{_pyramid(p, name)}<div>{_practices(p, name, rows)}{_resident_ages(p, name, row)}</div></div>'
        + _conditions(p, name)
        + (f'<p class="src">{_esc(p.uec_note)}</p>' if p.uec_note and not _modelled(p) else "")
        + f'<i id="hood-{k}-2-end"></i>{_notes_box(p, name)}</section>'
    )
