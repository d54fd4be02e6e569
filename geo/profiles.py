"""Neighbourhood profiles for Health and Wellbeing Board papers: one self-contained HTML file, CSV or XLSX.

For each neighbourhood of a plan: resident and registered population with age bands, IMD quintile mix and the
Core20 share (residents in England's most deprived 20 % of LSOAs, national quintile 1), local deciles, GP
practices and PCNs with list sizes, UEC attendances with rate and ratio against the study area, hotspot LSOAs,
rural-urban mix and a small footprint map. Every figure names its source and vintage; every count passes
through :mod:`geo.disclosure` before it is written. The HTML has inline SVG charts and no external fetches.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from geo.atlas.model import AGE_BAND_LABELS, AGE_BANDS
from geo.disclosure import suppress_frame
from geo.errors import DataError

COUNT_COLUMNS = ["resident_population", *AGE_BANDS, "registered_population"]
UEC_COLUMNS = ["attendances", "rate_per_1000", "rate_lci", "rate_uci", "ratio", "ratio_lci", "ratio_uci", "funnel",
               "hotspot_lsoas"]


@dataclass
class Profiles:
    """Profiles of a plan's neighbourhoods (already disclosure-controlled, ready to write)."""

    summary: pd.DataFrame
    practices: pd.DataFrame
    sources: pd.DataFrame
    footprints: dict[str, str]
    area_label: str
    uec_note: str = ""

    def write(self, path: str | Path) -> Path:
        """Write to ``.html``, ``.csv`` (summary) or ``.xlsx`` (summary, practices, sources sheets)."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".csv":
            self.summary.reset_index().to_csv(path, index=False)
        elif suffix == ".xlsx":
            with pd.ExcelWriter(path, engine="xlsxwriter") as writer:
                self.summary.reset_index().to_excel(writer, sheet_name="neighbourhoods", index=False)
                self.practices.to_excel(writer, sheet_name="practices", index=False)
                self.sources.to_excel(writer, sheet_name="sources", index=False)
        elif suffix in (".html", ".htm"):
            path.write_text(_html(self), encoding="utf-8")
        else:
            raise DataError(f"unknown profile format {suffix!r}", file=path.name, expected=".html, .csv or .xlsx")
        return path


def neighbourhood_profiles(plan, hotspots=None, threshold: int | None = None) -> Profiles:
    """Return profiles of every neighbourhood of ``plan``, read from the plan's own metrics.

    Every figure a profile shares with ``nhp score`` (populations, deviation, practices, PCNs, Core20, IMD mix)
    is the plan's metric, weighted by the plan's population basis, so the two can never disagree.

    Parameters
    ----------
    plan
        A :class:`geo.plan.Plan` (it carries its atlas and parameters).
    hotspots
        A :class:`geo.hotspots.HotspotResult` for the UEC figures (omitted: no UEC section).
    threshold
        Suppression threshold (default: the setting).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> atlas = grid_atlas(4, 4)
    >>> plan = Plan(atlas, dict(zip(atlas.codes, ["North"] * 8 + ["South"] * 8)), target=12_000)
    >>> profiles = neighbourhood_profiles(plan)
    >>> float(profiles.summary.loc["North", "resident_population"]), list(profiles.footprints)
    (12000.0, ['North', 'South'])
    """
    if not hasattr(plan, "neighbourhood_table"):
        raise DataError("profiles need a plan", expected="a geo.plan.Plan (read one with Plan.from_file)")
    atlas = plan.atlas
    table = plan.neighbourhood_table().set_index("name")
    summary = pd.DataFrame(index=pd.Index(plan.neighbourhoods, name="neighbourhood"))
    summary["lsoas"] = table["lsoas"]
    summary["resident_population"] = table["resident_population"].astype(float)
    ages = pd.DataFrame.from_dict(plan["age_bands"], orient="index")
    for band in AGE_BANDS:
        summary[band] = ages[band].astype(float)
    summary["registered_population"] = table["registered_population"].astype(float)
    summary["population_basis"] = plan.population
    summary["deviation_pct"] = table["deviation_pct"].round(1)
    quintiles = plan["imd_quintile_pct"]
    for q in range(1, 6):
        summary[f"imd_q{q}_pct"] = pd.Series({k: v[q - 1] for k, v in quintiles.items()}).round(1)
    summary["core20_pct"] = table["core20_pct"].round(1)
    mix = plan["local_decile_mix"]
    summary["local_decile_median"] = pd.Series({k: _median_decile(v) for k, v in mix.items()})
    summary["lsoas_local_decile_1_2"] = pd.Series({k: int(v[0] + v[1]) for k, v in mix.items()})
    summary["urban_pct"] = pd.Series(plan["urban_pct"]).round(1)
    summary["rural_pct"] = (100 - summary["urban_pct"]).round(1)

    practices = _practices(plan)
    summary["practices"] = table["practices"]
    names = atlas.practices.reindex(practices.practice_code).pcn_name.astype(str).to_numpy() if len(practices) else []
    by_hood = practices.assign(pcn_name=names).groupby("neighbourhood").pcn_name
    summary["pcns"] = by_hood.apply(lambda p: "; ".join(sorted(set(p)))).reindex(summary.index).fillna("")
    summary["practice_list_size"] = practices.groupby("neighbourhood").list_size.sum().reindex(summary.index).fillna(0)

    uec_note = ""
    assignment = plan.assignment
    if hotspots is not None:
        from geo.hotspots import by_neighbourhood

        uec = by_neighbourhood(hotspots, assignment, suppressed=True, threshold=threshold)
        summary = summary.join(uec[UEC_COLUMNS])
        uec_note = hotspots.source_note
    summary = suppress_frame(summary, COUNT_COLUMNS, threshold=threshold, total_column="resident_population",
                             group=True)
    practices = suppress_frame(practices, ["patients_from_neighbourhood"], threshold=threshold, group="neighbourhood")
    summary.index.name = "neighbourhood"
    sources = pd.DataFrame([{"dataset": k, "label": s.label, "vintage": s.vintage, "file": s.file}
                            for k, s in atlas.sources.items()])
    if hotspots is not None:
        src = hotspots.layer.source
        sources.loc[len(sources)] = {"dataset": src.dataset, "label": hotspots.layer.source_note(),
                                     "vintage": src.vintage, "file": src.file}
    high = set(hotspots.frame.index[hotspots.frame.hotspot == "high"]) if hotspots is not None else set()
    lsoas = atlas.lsoas.assign(neighbourhood=assignment.astype(str))
    footprints = {name: _footprint_svg(lsoas, name, high) for name in summary.index}
    return Profiles(summary, practices, sources, footprints, atlas.area.label, uec_note)


def _median_decile(counts: list[int]) -> float:
    """Median local decile of a neighbourhood's LSOAs, from its count of LSOAs in each decile."""
    values = np.repeat(np.arange(1, 11), np.asarray(counts, dtype=int))
    return float(np.median(values)) if len(values) else float("nan")


def _practices(plan) -> pd.DataFrame:
    """The plan's practices by home neighbourhood (the one holding most of their area patients), as the plan's
    ``practices`` metric assigns them, with the patients each registers from that neighbourhood."""
    atlas = plan.atlas
    rows = [(hood, code) for hood, codes in plan["practices"].items() for code in codes]
    practices = pd.DataFrame(rows, columns=["neighbourhood", "practice_code"])
    info = atlas.practices.reindex(practices.practice_code)
    for column in ("practice_name", "pcn_code", "pcn_name", "list_size"):
        practices[column] = info[column].to_numpy() if column in info else np.nan
    reg = atlas.registrations.assign(neighbourhood=atlas.registrations.lsoa_code.map(plan.assignment))
    from_hood = reg.groupby(["practice_code", "neighbourhood"]).patients.sum()
    keys = list(zip(practices.practice_code, practices.neighbourhood))
    practices["patients_from_neighbourhood"] = [float(from_hood.get(k, 0.0)) for k in keys]
    columns = ["neighbourhood", "practice_code", "practice_name", "pcn_code", "pcn_name", "list_size",
               "patients_from_neighbourhood"]
    return practices[columns].sort_values(["neighbourhood", "practice_code"]).reset_index(drop=True)


def _footprint_svg(lsoas, name: str, high: set[str], size: int = 260) -> str:
    """A static SVG of the study area with the neighbourhood shaded and its hotspot LSOAs outlined in red."""
    xmin, ymin, xmax, ymax = lsoas.total_bounds
    scale = size / max(xmax - xmin, ymax - ymin, 1.0)
    tolerance = 1.0 / scale  # simplify to about a pixel so the file stays small

    def path(geom) -> str:
        geom = geom.simplify(tolerance)
        polys = getattr(geom, "geoms", [geom])
        parts = []
        for poly in polys:
            for ring in [poly.exterior, *poly.interiors]:
                pts = " ".join(f"{(x - xmin) * scale:.1f},{(ymax - y) * scale:.1f}" for x, y in ring.coords)
                parts.append(f"M{pts}Z")
        return " ".join(parts)

    inside = lsoas[lsoas.neighbourhood == name]
    shapes = [f'<path d="{path(lsoas.union_all())}" fill="#eee" stroke="#999" stroke-width="0.5"/>',
              f'<path d="{path(inside.union_all())}" fill="#005eb8" fill-opacity="0.6" stroke="#003087"/>']
    shapes += [f'<path d="{path(g)}" fill="none" stroke="#da291c" stroke-width="1.2"/>'
               for code, g in inside.geometry.items() if code in high]
    w, h = (xmax - xmin) * scale, (ymax - ymin) * scale
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0f}" height="{h:.0f}" viewBox="0 0 {w:.0f} {h:.0f}" '
            f'role="img" aria-label="Footprint of {html.escape(name)}">{"".join(shapes)}</svg>')


def _bars(values: dict[str, float], unit: str = "", width: int = 300) -> str:
    """An inline SVG bar chart (no scripts, no external fetches)."""
    finite = [v for v in values.values() if v is not None and np.isfinite(v)]
    top = max(finite) if finite else 1.0
    rows = []
    for k, (label, value) in enumerate(values.items()):
        y = k * 20
        shown = value is not None and np.isfinite(value)
        bar = (value / top * (width - 150)) if shown and top > 0 else 0
        text = f"{value:,.0f}{unit}" if shown else "suppressed"
        rows.append(f'<text x="0" y="{y + 14}" font-size="12">{html.escape(label)}</text>'
                    f'<rect x="60" y="{y + 3}" width="{bar:.1f}" height="14" fill="#41b6e6"/>'
                    f'<text x="{64 + bar:.1f}" y="{y + 14}" font-size="11">{text}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{20 * len(values)}" role="img">'
            f'{"".join(rows)}</svg>')


def _cell(column: str, value) -> str:
    missing = value is None or (isinstance(value, float) and np.isnan(value))
    text = "" if missing else (f"{value:,.0f}" if isinstance(value, (int, float, np.number)) and abs(float(value)) >= 100
                               else str(value))
    marker = ' data-count=""' if column in COUNT_COLUMNS + ["attendances", "patients_from_neighbourhood"] else ""
    return f"<td{marker}>{html.escape(text)}</td>"


def _table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join("<tr>" + "".join(_cell(c, v) for c, v in row.items()) + "</tr>" for _, row in frame.iterrows())
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _html(p: Profiles) -> str:
    source_list = "".join(f"<li>{html.escape(str(r.label))} ({html.escape(str(r.vintage))})</li>"
                          for r in p.sources.itertuples())
    sections = []
    for name, row in p.summary.iterrows():
        figures = row.drop(AGE_BANDS).to_frame().T.reset_index(drop=True)
        ages = {AGE_BAND_LABELS[b]: row[b] for b in AGE_BANDS}
        quintiles = {f"Q{q}": row[f"imd_q{q}_pct"] for q in range(1, 6)}
        practices = p.practices[p.practices.neighbourhood == name].drop(columns="neighbourhood")
        sections.append(
            f'<section><h2>{html.escape(str(name))}</h2><div class="row">{p.footprints[name]}'
            f'<div><h3>Residents by age</h3>{_bars(ages)}<p class="src">Census 2021 / ONS estimates; see sources.</p>'
            f'</div><div><h3>Residents by national IMD quintile (Q1 = Core20)</h3>{_bars(quintiles, "%")}</div></div>'
            f'<h3>Key figures</h3>{_table(figures)}'
            f'<h3>GP practices whose patients live mostly here</h3>{_table(practices)}'
            + (f'<p class="src">{html.escape(p.uec_note)}</p>' if p.uec_note else "")
            + "</section>"
        )
    style = ("body{font-family:Arial,sans-serif;margin:1.5em;color:#212b32}table{border-collapse:collapse;"
             "font-size:12px;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 5px}.row{display:flex;gap:2em;"
             "flex-wrap:wrap}.src{font-size:11px;color:#4c6272}")
    modelled = ('<p><strong>UEC figures are MODELLED estimates, not observed attendances.</strong></p>'
                if "MODELLED" in p.uec_note else "")
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Neighbourhood profiles: '
            f'{html.escape(p.area_label)}</title><style>{style}</style></head><body>'
            f'<h1>Neighbourhood profiles: {html.escape(p.area_label)}</h1>{modelled}'
            f'<p>Counts of 1 to 7 are suppressed (empty cells), with further cells where a total would reveal them.</p>'
            f'{"".join(sections)}<h2>Sources</h2><ul>{source_list}</ul></body></html>')
