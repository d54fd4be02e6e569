"""The HWB data pack as one self-contained HTML page: a summary across neighbourhoods, one page per neighbourhood
(A4 when printed), and notes of definitions and sources. Readable labels only (see :mod:`geo.profiles.labels`);
every chart and table says where its figures come from; no scripts and no external fetches.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from geo.atlas.model import AGE_BAND_LABELS, AGE_BANDS
from geo.profiles import charts
from geo.profiles.figures import ENGLAND, ICB
from geo.profiles.labels import COLUMNS, ETHNIC_GROUPS, NOT_PUBLISHED, label

SUMMARY_COLUMNS = ["resident_population", "registered_population", "deviation_pct", "core20_pct", "urban_pct",
                   "practices", "practice_list_size", "rate_per_1000", "ratio", "hotspot_lsoas"]
KEY_FIGURES = ["lsoas", "resident_population", "registered_population", "population_basis", "deviation_pct",
               "core20_pct", "local_decile_median", "lsoas_local_decile_1_2", "urban_pct", "rural_pct", "practices",
               "pcns", "practice_list_size", "attendances", "rate_per_1000", "rate_lci", "rate_uci", "ratio",
               "ratio_lci", "ratio_uci", "funnel", "hotspot_lsoas"]
PRACTICE_COLUMNS = ["practice_code", "practice_name", "pcn_name", "list_size", "list_living_here_pct"]

STYLE = """
body{font-family:Arial,Helvetica,sans-serif;margin:1.5em auto;max-width:60em;padding:0 1em;color:#212b32;
 line-height:1.4}
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.3em;border-bottom:3px solid #005eb8;padding-bottom:.15em}
h3{font-size:1em;margin:.9em 0 .3em}
table{border-collapse:collapse;font-size:12px;margin:.3em 0 .6em;width:100%}
th,td{border:1px solid #d8dde0;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f0f4f5;font-weight:bold}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.scroll{overflow-x:auto}.row{display:flex;gap:1.5em;flex-wrap:wrap;align-items:flex-start}
.src{font-size:11px;color:#4c6272;margin:.2em 0 .6em}.note{background:#fff9c4;padding:.4em .6em;font-size:12px}
.keys{font-size:11px;margin:.2em 0}.key{margin-right:1em}
.key i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
.estimate{font-style:italic}
@page{size:A4;margin:12mm}
table.figures{width:auto;min-width:22em}.half{flex:1 1 22em;min-width:0}
@media print{body{margin:0;max-width:none;font-size:9pt}.hood,.notes{break-before:page}.second{break-before:page}
 tr,svg,.row>div,.keep{break-inside:avoid}thead{display:table-header-group}h2,h3{break-after:avoid}
 .scroll{overflow:visible}.row{flex-wrap:nowrap;gap:1em}table{font-size:9px}th,td{padding:1px 4px}
 a{color:inherit;text-decoration:none}}
"""


def _esc(value) -> str:
    return html.escape(str(value))


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA


def format_value(column: str, value) -> str:
    """A figure as people read it: counts with thousands separators, percentages with %, "suppressed" for a
    suppressed count (an empty figure), the text of text columns.

    Examples
    --------
    >>> format_value("resident_population", 12345.0), format_value("core20_pct", 12.34), format_value("ratio", 1.234)
    ('12,345', '12.3%', '1.23')
    """
    unit = COLUMNS[column].unit if column in COLUMNS else ""
    if _missing(value):
        return "suppressed" if unit == "count" else "not available"
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
            str(value), str(value))
    return str(value)


def _cell(column: str, value, tag: str = "td") -> str:
    unit = COLUMNS[column].unit if column in COLUMNS else ""
    number = unit not in ("text", "")
    attrs = (' data-count=""' if unit == "count" else "") + (' class="num"' if number else "")
    return f"<{tag}{attrs}>{_esc(format_value(column, value))}</{tag}>"


def _table(frame: pd.DataFrame, columns: list[str], first: str | None = None) -> str:
    columns = [c for c in columns if c in frame.columns]
    head = (f"<th>{_esc(label(first))}</th>" if first else "") + "".join(
        f'<th class="num">{_esc(label(c))}</th>' if COLUMNS.get(c) and COLUMNS[c].unit != "text"
        else f"<th>{_esc(label(c))}</th>" for c in columns)
    body = "".join("<tr>" + (f"<th>{_esc(i)}</th>" if first else "") + "".join(_cell(c, r[c]) for c in columns)
                   + "</tr>" for i, r in frame.iterrows())
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _sources(p) -> dict[str, str]:
    return {str(r.dataset): f"{r.label} ({r.vintage})" for r in p.sources.itertuples()}


def _src(p, *datasets: str, extra: str = "") -> str:
    known = _sources(p)
    text = "; ".join(known[d] for d in datasets if d in known)
    text = "; ".join(t for t in (text, extra) if t) or "; ".join(known.values())  # a synthetic atlas: one source
    return f'<p class="src">Source: {_esc(text or "this plan")}</p>'


def _key_figures(p, name, row) -> str:
    rows = "".join(f"<tr><th>{_esc(label(c))}</th>{_cell(c, row[c])}</tr>" for c in KEY_FIGURES if c in row.index)
    return f'<table class="figures"><tbody>{rows}</tbody></table>'


def _ethnicity(p, name) -> str:
    eth = p.figures.ethnicity
    if eth.empty or name not in eth.index:
        return ""
    short = {g: t.split(",")[0].split(" or ")[0] for g, t in ETHNIC_GROUPS.items()}
    own = {short[g]: eth.loc[name, g] for g in ETHNIC_GROUPS}
    comps = _comparators(p, name, eth.index)
    marks = {c: {short[g]: eth.loc[c, g] for g in ETHNIC_GROUPS} for c in comps}
    rows = "".join(f"<tr><th>{_esc(ETHNIC_GROUPS[g])}</th>" + "".join(
        f'<td class="num">{_pct(eth.loc[a, g], 0)}</td>' for a in [name, *comps]) + "</tr>" for g in ETHNIC_GROUPS)
    head = "".join(f'<th class="num">{_esc(a)}</th>' for a in ["This neighbourhood", *comps])
    omitted = "" if ENGLAND in eth.index else "<p class=\"src\">England is omitted: no national TS021 totals.</p>"
    return ('<div class="keep"><h3>Core20PLUS: ethnic groups (% of usual residents)</h3>'
            + charts.bars(own, title=f"Ethnic groups of {name}", comparators=marks, width=440, label_width=110)
            + charts.legend(comps)
            + f'<div class="scroll"><table><thead><tr><th>Ethnic group</th>{head}</tr></thead><tbody>{rows}'
              f"</tbody></table></div>{omitted}" + _src(p, "ethnicity_census2021") + "</div>")


def _pct(value, digits=1) -> str:
    return "suppressed" if _missing(value) else f"{float(value):.{digits}f}%"


def _comparators(p, name, available) -> list[str]:
    return [a for a in (p.figures.comparator.get(name), ICB, ENGLAND) if a is not None and a in set(available)]


def _conditions(p, name) -> str:
    cond = p.figures.conditions
    if cond.empty or name not in set(cond.area):
        return ""
    prevalence = cond.pivot(index="register", columns="area", values="prevalence_pct")
    own = cond[cond.area == name].set_index("register")
    comps = _comparators(p, name, prevalence.columns)
    estimate = bool(own.estimate.any())
    what = "estimated patients on the register" if estimate else "patients on the register"
    head = (f'<th>Condition (QOF register)</th><th class="num">{_esc(what.capitalize())}</th>'
            f'<th class="num">Prevalence here</th>'
            + "".join(f'<th class="num">{_esc(a)}{" (estimate)" if _is_estimate(p, a) else ""}</th>' for a in comps))
    rows = []
    for register, r in own.sort_values("condition").iterrows():
        cells = "".join(f'<td class="num">{_pct(prevalence.at[register, a])}</td>' for a in comps)
        published = bool(getattr(r, "published", True))
        count = NOT_PUBLISHED if not published else "suppressed" if _missing(r.patients) else f"{r.patients:,.0f}"
        rate = _pct(r.prevalence_pct) if published else NOT_PUBLISHED
        rows.append(f'<tr><th>{_esc(r.condition)}</th><td class="num" data-count="">{count}</td>'
                    f'<td class="num">{rate}</td>{cells}</tr>')
    caption = ("<p class=\"note estimate\">Estimates: this neighbourhood is built from LSOAs, so each practice's "
               "register is shared among the places its patients live (registrations by LSOA, July 2023).</p>"
               if estimate else "<p class=\"src\">Exact: the registers of this neighbourhood's own practices.</p>")
    return (f"<h3>Long-term conditions: QOF disease registers and prevalence</h3>{caption}"
            f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'
            + _src(p, "qof_prevalence", "gp_registrations" if estimate else ""))


def _is_estimate(p, area) -> bool:
    cond = p.figures.conditions
    hit = cond[cond.area == area] if not cond.empty else cond
    return bool(len(hit) and hit.estimate.any())


def _ages(p, name, row) -> str:
    census = {AGE_BAND_LABELS[b]: (100 * row[b] / row["resident_population"]
                                   if not _missing(row[b]) and row["resident_population"] else None) for b in AGE_BANDS}
    left = ("<div><h3>Residents by age (% of residents, Census)</h3>"
            + charts.bars(census, title=f"Residents of {name} by age", digits=1, width=300, label_width=50)
            + _src(p, "population_census2021", "population_mye2020") + "</div>")
    ages = p.figures.ages
    if ages.empty or name not in set(ages.area):
        return f'<div class="row">{left}</div>'
    comps = [a for a in (ICB, ENGLAND) if a in set(ages.area)]
    own = ages[ages.area == name]
    estimate = bool(own.estimate.any())
    total = own.registered_total.iloc[0]
    right = (f"<div><h3>Registered patients by age and sex (% of {format_value('registered_population', total)}"
             f"{' estimated' if estimate else ''})</h3>"
             + charts.pyramid(own, title=f"Registered patients of {name} by age and sex",
                              comparators={c: ages[ages.area == c] for c in comps})
             + charts.legend(comps) + _src(p, "practice_ages", "gp_registrations" if estimate else "") + "</div>")
    return f'<div class="row">{left}{right}</div>'


def _section(p, name, row) -> str:
    """One neighbourhood: people and place on the first printed page, health and services on the second."""
    quintiles = {f"Q{q}{' (most deprived)' if q == 1 else ''}": row[f"imd_q{q}_pct"] for q in range(1, 6)}
    practices = p.practices[p.practices.neighbourhood == name].set_index("practice_code", drop=False)
    comparator = p.figures.comparator.get(name)
    where = f"<p>Local authority: {_esc(comparator)}.</p>" if comparator else ""
    first = (
        f'<div class="row"><div>{p.footprints[name]}{_src(p, "lsoa21_boundaries", "lsoa11_boundaries")}'
        f"<h3>Residents by national IMD quintile (% of counted population)</h3>"
        + charts.bars(quintiles, title=f"{name} by IMD quintile", digits=1, label_width=110, width=320)
        + _src(p, "imd2025", "imd2019") + f"</div><div><h3>Key figures</h3>{_key_figures(p, name, row)}"
        f"{_src(p, 'population_census2021', 'gp_registrations', 'imd2025', 'imd2019')}</div></div>"
        + _ages(p, name, row))
    health = _ethnicity(p, name) + _conditions(p, name)
    second = (
        health
        + '<div class="keep"><h3>GP practices whose patients live mostly here</h3>'
        + _table(practices, [c for c in PRACTICE_COLUMNS if c != "practice_code"], first="practice_code")
        + _src(p, "gp_registrations", "practice_map", "practice_ages") + "</div>"
        + (f'<p class="src">{_esc(p.uec_note)}</p>' if p.uec_note and "attendances" in row.index else ""))
    return (f'<section class="hood" aria-labelledby="{_anchor(name)}"><h2 id="{_anchor(name)}">{_esc(name)}</h2>'
            f'{where}{first}<div class="{"second" if health else "rest"}">{second}</div></section>')


def _anchor(name) -> str:
    return "n-" + "".join(ch if ch.isalnum() else "-" for ch in str(name)).lower()


def _notes(p) -> str:
    shown = [c for c in COLUMNS if c in p.summary.columns or c in PRACTICE_COLUMNS]
    known = _sources(p)
    def where(column: str) -> str:
        meta = COLUMNS[column]
        if meta.sources == ("plan",):
            return "This plan"
        return "; ".join(known[s] for s in meta.sources if s in known) or "see sources below"

    rows = "".join(f"<tr><th>{_esc(COLUMNS[c].label)}</th><td>{_esc(COLUMNS[c].unit)}</td>"
                   f"<td>{_esc(COLUMNS[c].definition)}</td><td>{_esc(where(c))}</td></tr>" for c in shown)
    notes = "".join(f"<li>{_esc(n)}</li>" for n in p.figures.notes)
    sources = "".join(f"<li>{_esc(r.label)} ({_esc(r.vintage)})</li>" for r in p.sources.itertuples())
    return (f'<section class="notes"><h2>Notes, definitions and sources</h2><ul>{notes}</ul>'
            f"<table><thead><tr><th>Figure</th><th>Unit</th><th>Definition</th><th>Source</th></tr></thead>"
            f"<tbody>{rows}</tbody></table><h3>Sources</h3><ul>{sources}</ul></section>")


def _short(name, length: int = 42) -> str:
    name = str(name)
    return name if len(name) <= length else name[: length - 1] + "…"


def page(p) -> str:
    """The whole data pack as HTML text.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> from geo.profiles import neighbourhood_profiles
    >>> atlas = grid_atlas(4, 4)
    >>> text = page(neighbourhood_profiles(Plan(atlas, dict(zip(atlas.codes, ["N"] * 8 + ["S"] * 8)))))
    >>> "Summary across neighbourhoods" in text, "core20_pct" in text, "Core20 (most deprived 20% of England)" in text
    (True, False, True)
    """
    summary = p.summary
    basis = "practices (list-based)" if p.built_from == "practices" else "LSOAs (place-based)"
    modelled = ('<p class="note"><strong>UEC figures are MODELLED estimates, not observed attendances.</strong></p>'
                if "MODELLED" in p.uec_note else "")
    core20 = charts.bars({_short(k): v for k, v in summary.core20_pct.items()}, title="Core20 share by neighbourhood",
                         digits=1, label_width=250, width=560)
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
        f'content="width=device-width, initial-scale=1"><title>Neighbourhood profiles: {_esc(p.area_label)}</title>'
        f"<style>{STYLE}</style></head><body><main>"
        f"<h1>Neighbourhood profiles: {_esc(p.area_label)}</h1>"
        f"<p>{len(summary)} neighbourhoods built from {basis}. Counts of 1 to 7 are suppressed, with further "
        f"figures where a total would reveal them; estimates are marked.</p>{modelled}"
        f'<section class="summary"><h2>Summary across neighbourhoods</h2>'
        f"{_table(summary, SUMMARY_COLUMNS, first='neighbourhood')}"
        f"{_src(p, 'population_census2021', 'gp_registrations', 'imd2025', 'imd2019', 'rural_urban')}"
        f"<h3>Core20: share living in England's most deprived 20% of areas</h3>{core20}"
        f"{_src(p, 'imd2025', 'imd2019')}</section>"
        + "".join(_section(p, name, row) for name, row in summary.iterrows())
        + _notes(p) + "</main></body></html>")
