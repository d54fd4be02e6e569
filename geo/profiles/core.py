"""Neighbourhood profiles of a plan: the figures, read from the plan's own metrics, disclosure-controlled.

For each neighbourhood: resident and registered population with age bands, IMD quintile mix and the Core20 share
(residents in England's most deprived 20 % of LSOAs, national quintile 1), local deciles, GP practices and PCNs with
list sizes, UEC attendances with rate and ratio against the study area, hotspot LSOAs, rural-urban mix, a small
footprint map, and the HWB data-pack figures of :mod:`geo.profiles.figures` (ethnicity, long-term conditions,
registered population by age and sex) beside the local authority, the study area and England. Every figure names
its source and vintage; every count passes through :mod:`geo.disclosure` before it is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from geo.atlas.model import AGE_BANDS
from geo.disclosure import publish_share, suppress, suppress_frame
from geo.errors import DataError
from geo.metrics.balance import deviation_from
from geo.access.layer import access_layer
from geo.access.need import need_layer
from geo.profiles.access_need import access_figures
from geo.profiles.charts import footprint_svg
from geo.profiles.comparators import key_figures
from geo.profiles.england import england_totals
from geo.profiles.figures import Figures, extra_figures
from geo.profiles.html import page
from geo.profiles.hub_sites import hub_sites
from geo.profiles.pdf import write_pdf
from geo.profiles.plan_figures import plan_totals
from geo.profiles.xlsx import write_xlsx
from geo.propose.blocks import made_of
from geo.writers import write_table

COUNT_COLUMNS = ["resident_population", *AGE_BANDS, "registered_population"]
UEC_COLUMNS = [
    "attendances",
    "rate_per_1000",
    "rate_lci",
    "rate_uci",
    "ratio",
    "ratio_lci",
    "ratio_uci",
    "funnel",
    "hotspot_lsoas",
]


@dataclass
class Profiles:
    """Profiles of a plan's neighbourhoods (already disclosure-controlled, ready to write)."""

    summary: pd.DataFrame
    practices: pd.DataFrame
    sources: pd.DataFrame
    footprints: dict[str, str]
    area_label: str
    uec_note: str = ""
    figures: Figures = field(default_factory=Figures)
    built_from: str = "lsoas"
    #: The printed pack's context: key figures of every area (:func:`geo.profiles.comparators.key_figures`),
    #: simplified footprints (name -> geometry, atlas CRS), study-area outline, local authority shapes, each
    #: neighbourhood's practices as points (``neighbourhood, practice_code, x, y``) and UEC hot-spot LSOAs.
    key: pd.DataFrame = field(default_factory=pd.DataFrame)
    shapes: dict = field(default_factory=dict)
    outline: object = None
    authorities: list = field(default_factory=list)
    points: pd.DataFrame = field(default_factory=pd.DataFrame)
    high: dict = field(default_factory=dict)
    #: Source, vintage and method of the access and need figures in ``key`` (:mod:`geo.profiles.access_need`).
    access_notes: dict = field(default_factory=dict)
    #: Cover details: plan name, version and sign-off state (shown when known).
    title: str = ""
    version: str = ""
    state: str = ""
    #: What ``deviation_pct`` is measured from (:func:`geo.metrics.balance.deviation_from`): the target, or in a
    #: plan made with a number of neighbourhoods per place each place's ideal.
    deviation_from: str = "the target"
    #: The plan's own count, population basis and published population total (:func:`geo.plan.report.summary`,
    #: :func:`geo.profiles.plan_figures.plan_totals`), given on the cover and the summary alike.
    totals: dict = field(default_factory=dict)
    #: Each neighbourhood's proposed hub site, ``nhp sites``'s row for it (index: neighbourhood), and the siting's
    #: notes (:mod:`geo.profiles.hub_sites`).
    hubs: pd.DataFrame = field(default_factory=pd.DataFrame)
    hub_notes: dict = field(default_factory=dict)

    def write(self, path: str | Path) -> Path:
        """Write to ``.pdf`` (the printed data pack), ``.html`` (the same pack, A4 print), ``.xlsx`` (formatted
        workbook) or ``.csv`` (summary)."""

        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".pdf":
            write_pdf(self, path)
        elif suffix == ".csv":
            write_table(self.summary.reset_index(), path)  # whole counts, codes labelled, formula-safe
        elif suffix == ".xlsx":
            write_xlsx(self, path)
        elif suffix in (".html", ".htm"):
            path.write_text(page(self), encoding="utf-8")
        else:
            raise DataError(f"unknown profile format {suffix!r}", file=path.name, expected=".pdf, .html, .csv or .xlsx")
        return path


def neighbourhood_profiles(plan, hotspots=None, threshold: int | None = None, england=None) -> Profiles:
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
    england
        A :class:`geo.profiles.england.England` of national totals (default: read from the data folder's national
        files, :func:`geo.profiles.england.england_totals`).

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
    # One decimal of the published figure, rounded as `nhp propose` prints it (a format, not numpy's half-even on
    # the binary value: -8.95 must read -8.9 in both, not -9.0 in one of them).
    summary["deviation_pct"] = table["deviation_pct"].map(lambda v: float(f"{v:.1f}") if pd.notna(v) else np.nan)
    quintiles = plan["imd_quintile_pct"]
    for q in range(1, 6):
        summary[f"imd_q{q}_pct"] = pd.Series({k: v[q - 1] for k, v in quintiles.items()}).round(1)
    summary["core20_pct"] = table["core20_pct"].round(1)
    summary["core20_pct_list"] = table["core20_pct_list"]  # of its practices' patients (the plan's, published)
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

    blocks = made_of(plan)  # the whole MSOAs, wards or practices each neighbourhood is made of
    if blocks:
        summary["blocks"] = pd.Series(blocks).reindex(summary.index).fillna("")
    # The plan's own list population (the registrations-by-LSOA file, as nhp score counts it), as the plan's
    # table publishes it: a margin with the practices as parts (rounded to 10 when one has a list of 1 to 7).
    summary["practice_list_size"] = table["list_population"].astype(float)

    uec_note = ""
    assignment = plan.assignment
    if hotspots is not None:
        from geo.hotspots import by_neighbourhood  # lazy: imported only on this branch

        uec = by_neighbourhood(hotspots, plan, suppressed=True, threshold=threshold)  # the plan's uec metric
        summary = summary.join(uec[UEC_COLUMNS])
        uec_note = hotspots.source_note
    summary = suppress_frame(
        summary, COUNT_COLUMNS, threshold=threshold, total_column="resident_population", group=True
    )
    # A share, never a count: beside the public list size a count of patients living here would give the
    # number living elsewhere (possibly 1 to 7) by subtraction; publish_share hides a share whose complement is small.
    practices["list_living_here_pct"] = [
        publish_share(here, listed, threshold)
        for here, listed in zip(practices.pop("patients_from_neighbourhood"), practices.list_size)
    ]
    practices["list_size"] = suppress(practices["list_size"], threshold)
    summary.index.name = "neighbourhood"
    sources = pd.DataFrame(
        [{"dataset": k, "label": s.label, "vintage": s.vintage, "file": s.file} for k, s in atlas.sources.items()]
    )
    if hotspots is not None:
        src = hotspots.layer.source
        sources.loc[len(sources)] = {
            "dataset": src.dataset,
            "label": hotspots.layer.source_note(),
            "vintage": src.vintage,
            "file": src.file,
        }
    high = set(hotspots.frame.index[hotspots.frame.hotspot == "high"]) if hotspots is not None else set()
    lsoas = atlas.lsoas.assign(neighbourhood=assignment.astype(str))
    outline = atlas.lsoas.geometry.union_all()  # once, not per neighbourhood
    shapes = dict(zip(plan.neighbourhoods, (plan["shapes"][int(k)] for k in plan.live)))
    footprints = {
        name: footprint_svg(lsoas, name, high, area=outline, shape=shapes.get(name)) for name in summary.index
    }
    if england is None:
        england = england_totals(atlas)
    figures = extra_figures(plan, england, threshold)
    key = key_figures(plan, summary, figures, hotspots, threshold)

    layers = (access_layer(atlas), need_layer(atlas))  # read once: the access figures and the hubs share them
    access, access_notes = access_figures(plan, layers=layers)
    key = key.join(access, how="left")
    hubs, hub_notes = hub_sites(plan, *layers)
    return Profiles(
        summary,
        practices,
        sources,
        footprints,
        atlas.area.label,
        uec_note,
        figures,
        plan.built_from,
        key=key,
        access_notes=access_notes,
        title=plan.name if plan.name != "plan" else "",
        deviation_from=deviation_from(plan),
        totals=plan_totals(plan.summary()),
        hubs=hubs,
        hub_notes=hub_notes,
        **_context(plan, practices, high, outline),
    )


def _context(plan, practices: pd.DataFrame, high: set[str], outline) -> dict:
    """Geometry for the printed pack's maps, simplified to 10 m (well under a drawn pixel at A4)."""
    lsoas = plan.atlas.lsoas
    shapes = {name: plan["shapes"][int(k)].simplify(10.0) for name, k in zip(plan.neighbourhoods, plan.live)}
    authorities = (
        [g.simplify(10.0) for g in lsoas.dissolve("lad_code").geometry] if lsoas.lad_code.nunique() > 1 else []
    )
    located = plan.atlas.practices.reindex(practices.practice_code)
    geometry = located.geometry if "geometry" in located else None
    points = practices[["neighbourhood", "practice_code"]].copy()
    points["x"] = (
        [g.x if g is not None and not g.is_empty else np.nan for g in geometry] if geometry is not None else np.nan
    )
    points["y"] = (
        [g.y if g is not None and not g.is_empty else np.nan for g in geometry] if geometry is not None else np.nan
    )
    hoods = plan.assignment.reindex(lsoas.index)
    hot = lsoas.index.isin(list(high))
    high_shapes = (
        {name: lsoas.geometry[hot & (hoods == name).to_numpy()].union_all() for name in plan.neighbourhoods}
        if high
        else {}
    )
    return dict(shapes=shapes, outline=outline.simplify(10.0), authorities=authorities, points=points, high=high_shapes)


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
    # The plan's own tallies of patients by neighbourhood and practice.
    tallies = pd.DataFrame(
        plan["practice_tallies"][plan.live], index=plan.neighbourhoods, columns=plan.arrays.practice_codes
    )
    practices["patients_from_neighbourhood"] = [
        float(tallies.at[h, c]) if c in tallies.columns else 0.0
        for h, c in zip(practices.neighbourhood, practices.practice_code)
    ]
    # Not the July 2026 lists: for a list-based neighbourhood they add up to its registered age-band total, so
    # with them a suppressed age band could be worked out by subtraction.
    columns = [
        "neighbourhood",
        "practice_code",
        "practice_name",
        "pcn_code",
        "pcn_name",
        "list_size",
        "patients_from_neighbourhood",
    ]
    return practices[columns].sort_values(["neighbourhood", "practice_code"]).reset_index(drop=True)
