"""What each figure is called where people read it: label, unit, source and definition of every column.

A leaf of the tree (it imports only the atlas's contract), so the packs (:mod:`geo.profiles`) and the one table
writer (:mod:`geo.writers`, which describes GeoPackage fields from it) read the same table.

The CSV keeps the column names (it is for machines and matches ``nhp score``); the HTML page and the XLSX
workbook show only the labels here, and their notes list the definitions and sources.

Examples
--------
>>> COLUMNS["imd_q1_pct"].label, COLUMNS["imd_q1_pct"].unit
('Living in national IMD quintile 1 (most deprived)', '%')
>>> label("ratio_uci")
'UEC ratio: upper 95% limit'
"""

from __future__ import annotations

from dataclasses import dataclass

from geo.atlas.model import AGE_BAND_LABELS
from geo.contract import QOF_REGISTERS  # noqa: F401  (re-exported: the labels of every figure)


@dataclass(frozen=True)
class Column:
    """One figure: its readable label, unit (``count`` of people or events, which disclosure control applies to;
    ``number`` of areas or practices; ``%``, ``per 1,000``, ``ratio``, ``decile``, ``text``), the dataset
    keys of ``atlas.sources`` it comes from (``plan`` for the plan itself) and a one-line definition."""

    label: str
    unit: str
    sources: tuple[str, ...]
    definition: str


_POP = ("population_census2021", "population_mye2020")
_REG = ("gp_registrations",)
_IMD = ("imd2025", "imd2019")
_PRACTICES = ("gp_registrations", "practice_map", "practice_geocodes")
_LISTS = ("practice_lists", "gp_registrations")

COLUMNS: dict[str, Column] = {
    "neighbourhood": Column("Neighbourhood", "text", ("plan",), "Name of the neighbourhood in the plan."),
    "lsoas": Column("LSOAs", "number", ("plan",), "Lower layer super output areas (about 1,500 residents each)."),
    "resident_population": Column("Residents", "count", _POP, "Usual residents of the neighbourhood's LSOAs."),
    **{
        band: Column(f"Residents aged {text}", "count", _POP, f"Usual residents aged {text}.")
        for band, text in AGE_BAND_LABELS.items()
    },
    "registered_population": Column(
        "Registered patients living here",
        "count",
        _REG,
        "Patients registered with any GP practice in England who live in the LSOAs.",
    ),
    "population_basis": Column(
        "Population counted", "text", ("plan",), "The population the plan balances: residents or registered patients."
    ),
    "deviation_pct": Column(
        "Difference from target (or place ideal) population",
        "%",
        ("plan",),
        "Counted population minus the plan's target, as a percentage of the target (a plan made with a number of "
        "neighbourhoods per place: against each place's ideal, place total / its count).",
    ),
    **{
        f"imd_q{q}_pct": Column(
            f"Living in national IMD quintile {q}{text}",
            "%",
            _IMD,
            f"Share of the counted population in LSOAs of England's IMD quintile {q}.",
        )
        for q, text in zip(range(1, 6), [" (most deprived)", "", "", "", " (least deprived)"])
    },
    "core20_pct": Column(
        "Core20 (most deprived 20% of England)",
        "%",
        _IMD,
        "Share of the counted population in LSOAs of national IMD quintile 1 (NHS Core20PLUS5).",
    ),
    "core20_pct_list": Column(
        "Core20: share of its practices' patients",
        "%",
        _IMD,
        "Share of the patients of the neighbourhood's practices (those living in the area) "
        "who live in LSOAs of national IMD quintile 1: the list's mix, beside the footprint's.",
    ),
    "local_decile_median": Column(
        "Median local deprivation decile",
        "decile",
        _IMD,
        "Median of the LSOAs' deciles of IMD rank within the study area (1 most deprived).",
    ),
    "lsoas_local_decile_1_2": Column(
        "LSOAs in the area's most deprived 20%", "number", _IMD, "LSOAs in local deprivation deciles 1 and 2."
    ),
    "urban_pct": Column(
        "Living in urban areas",
        "%",
        ("rural_urban",),
        "Share of the counted population in LSOAs classed urban (ONS rural-urban 2021).",
    ),
    "rural_pct": Column("Living in rural areas", "%", ("rural_urban",), "100% minus the urban share."),
    "practices": Column(
        "GP practices",
        "number",
        _PRACTICES,
        "Practices sited in the area whose largest group of area patients lives here.",
    ),
    "pcns": Column("Primary care networks", "text", _PRACTICES, "PCNs of those practices."),
    "blocks": Column(
        "Made of",
        "text",
        ("plan",),
        "The building blocks of the neighbourhood: whole MSOAs, wards, a user's units or GP practices (a block "
        "shared with another neighbourhood is marked (part)).",
    ),
    "practice_list_size": Column(
        "Registered list of those practices",
        "count",
        _LISTS,
        "All patients registered with those practices, wherever they live (latest list "
        "count; home areas from the registrations-by-LSOA file).",
    ),
    "attendances": Column("UEC attendances", "count", ("uec",), "Urgent and emergency care attendances."),
    "rate_per_1000": Column(
        "UEC attendances per 1,000 residents",
        "per 1,000",
        ("uec",),
        "Attendances per 1,000 residents, with exact Poisson 95% limits.",
    ),
    "rate_lci": Column("UEC rate: lower 95% limit", "per 1,000", ("uec",), "Exact Poisson lower 95% limit."),
    "rate_uci": Column("UEC rate: upper 95% limit", "per 1,000", ("uec",), "Exact Poisson upper 95% limit."),
    "ratio": Column(
        "UEC ratio to the study area",
        "ratio",
        ("uec",),
        "Observed over expected attendances at the study area's (age-specific) rates.",
    ),
    "ratio_lci": Column("UEC ratio: lower 95% limit", "ratio", ("uec",), "Lower 95% limit of the ratio."),
    "ratio_uci": Column("UEC ratio: upper 95% limit", "ratio", ("uec",), "Upper 95% limit of the ratio."),
    "funnel": Column(
        "Funnel plot position",
        "text",
        ("uec",),
        "Within, above or below the 95%/99.8% funnel limits around the study area rate.",
    ),
    "hotspot_lsoas": Column(
        "LSOAs in a UEC hot spot",
        "number",
        ("uec",),
        "LSOAs with significantly high Getis-Ord Gi* (false-discovery controlled).",
    ),
    # Practice table
    "practice_code": Column("Practice code", "text", _PRACTICES, "ODS code of the GP practice."),
    "practice_name": Column("Practice", "text", _PRACTICES, "Name of the GP practice."),
    "pcn_code": Column("PCN code", "text", _PRACTICES, "ODS code of the primary care network."),
    "pcn_name": Column("Primary care network", "text", _PRACTICES, "Name of the primary care network."),
    "list_size": Column(
        "Registered list",
        "count",
        _LISTS,
        "All patients registered with the practice (latest list count, see the source).",
    ),
    "list_living_here_pct": Column(
        "Share of list living in this neighbourhood",
        "%",
        _REG,
        "Percentage of the practice's registered list living in the neighbourhood "
        "(whole percent; not shown when fewer than 8 live elsewhere or here).",
    ),
}

#: What a figure whose source has no data for the area says (QOF publishes no rows for some practices, e.g. the
#: Isles of Scilly's L82017): distinct from "suppressed", which hides a published count of 1 to 7.
NOT_PUBLISHED = "not published"

ETHNIC_GROUPS = {
    "ethnicity_asian": "Asian, Asian British or Asian Welsh",
    "ethnicity_black": "Black, Black British, Black Welsh, Caribbean or African",
    "ethnicity_mixed": "Mixed or Multiple ethnic groups",
    "ethnicity_white": "White",
    "ethnicity_other": "Other ethnic group",
}


def label(column: str) -> str:
    """The readable label of a column (the column name itself, tidied, if it has none)."""
    found = COLUMNS.get(column)
    return found.label if found else column.replace("_", " ").capitalize()


def source_text(column: str, sources: dict) -> str:
    """ "label (vintage)" of the datasets behind a column, from an atlas's ``sources`` (empty when unknown)."""
    found = COLUMNS.get(column)
    if found is None:
        return ""
    if found.sources == ("plan",):
        return "This plan"
    return "; ".join(f"{s.label} ({s.vintage})" for k, s in sources.items() if k in found.sources)
