"""What every part of the HTML data pack shares: the A4 style sheet, layout constants, escaping, number
formats, source lines and comparator names (:mod:`geo.profiles.html` assembles the pack)."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from geo.maps.scales import QUINTILE_COLOURS
from geo.profiles.figures import ENGLAND, ICB
from geo.columns import COLUMNS
import re

PRACTICE_COLUMNS = ["practice_code", "practice_name", "pcn_name", "list_size", "list_living_here_pct"]
#: Practices listed on a neighbourhood's second page (the rest are counted, and all are in the workbook).
PRACTICE_ROWS = 10
#: Height of the summary table on a page, in mm (the first page less its intro, the table's 4-line heading and
#: the source line under it), and of one of its rows: a padding and a line per line of the wrapped name
#: (:func:`_lines`), the table set at 7 pt; estimates that err towards a spare row.
SUMMARY_MM, FIRST_PAGE_MM, ROW_MM, LINE_MM = 244.0, 218.0, 1.0, 3.15
#: Characters of a name on one line of the summary table's first column (41.5 mm at 7 pt bold, beside the figures
#: of :data:`geo.profiles.summary_pages.WIDTHS_MM`).
NAME_CHARS = 27
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
.methods table{font-size:6.3pt;table-layout:fixed}.methods th,.methods td{padding:0.1mm 1.2mm}
.methods col.figure{width:53mm}.methods col.unit{width:14mm}.methods col.source{width:17mm}
.methods{font-size:6.6pt;line-height:1.15}.methods ol.sources{columns:2;column-gap:7mm;font-size:6.5pt;
 padding-left:5mm}.methods li{margin-bottom:0.3mm}.methods ol.sources li{break-inside:avoid}
.hood-2 th,.hood-2 td{padding:0.35mm 1.4mm}.hood-2 .cols>div:first-child{flex:0 0 70mm}
.compact{font-size:7.5pt}.compact table{font-size:6.8pt}
table{border-collapse:collapse;font-size:7.6pt;width:100%;margin:1mm 0}
th,td{border:0.5pt solid #d8dde0;padding:0.6mm 1.4mm;text-align:left;vertical-align:top}
thead th{background:#f0f4f5}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.comparator th,tr.comparator td{background:#f7f9fa;font-style:italic}tr.first-comparator th,
tr.first-comparator td{border-top:1.2pt solid #768692}
table.summary{table-layout:fixed}table.summary thead th{white-space:normal;vertical-align:bottom;font-size:6.5pt}
table.summary{font-size:7pt}table.summary th,table.summary td{padding:0.25mm 0.9mm}
.cols{display:flex;gap:5mm;align-items:flex-start}.cols>div{flex:1 1 0;min-width:0}
.src{font-size:6.8pt;color:#4c6272;margin:0.5mm 0 1.5mm}.keys{font-size:7pt;margin:0.5mm 0}
.key{margin-right:3mm}.key i{display:inline-block;width:2.5mm;height:2.5mm;margin-right:1mm;vertical-align:middle}
.lead{font-size:10pt}.meta th{width:45mm;background:none}.meta{width:auto;font-size:9pt}
.tag{display:inline-block;padding:0.3mm 1.5mm;border-radius:1mm;background:#e8edee;font-size:7pt}
.tag.modelled{background:#fff3c4}.tag.estimate{background:#e6f0fa}
.notes{position:absolute;left:0;right:0;bottom:0;border-top:1pt solid #768692;padding-top:1.5mm;font-size:6.8pt;
 color:#425563}.notes ul{margin:0;padding-left:4mm}
.bar{display:inline-block;height:2.2mm;background:#41b6e6;vertical-align:middle;margin-right:1mm}
svg{display:block}.map-key{columns:3;column-gap:4mm;font-size:7pt;margin:1mm 0 0;padding-left:6mm}
.map-key li{break-inside:avoid}.map-key.dense-1{columns:4;font-size:6pt}
.map-key.dense-2{columns:5;font-size:5.5pt}
.map-side{display:flex;gap:4mm;align-items:flex-start}.map-side>.map-key{flex:1 1 0;min-width:0}
.cover svg.overview{margin:0 auto}.map-key.side-1{columns:1}.map-key.side-2{columns:2}.map-key.side-3{columns:3}
.plan-figures{font-size:7pt;font-weight:normal;margin-left:3mm}
.maps{display:flex;gap:3mm;align-items:flex-start}
.size th{width:58%;background:none;font-weight:normal}.size td{font-weight:bold}
p.hub{font-size:7.6pt;margin:0.5mm 0 0}
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


def _anchor(name) -> str:
    return "n-" + "".join(ch if ch.isalnum() else "-" for ch in str(name)).lower()


def _uec_source(p) -> str:
    """The UEC source in a line: the whole note is in the methods."""
    if not p.uec_note:
        return ""
    return "UEC: modelled layer (see Sources and methods)" if _modelled(p) else "UEC: see Sources and methods"
