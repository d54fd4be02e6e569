"""Hub siting in the data pack: each neighbourhood's proposed hub site (neighbourhood health centre), chosen by
:func:`geo.access.siting.choose_sites` with the defaults of ``nhp sites`` (one per neighbourhood, from today's GP
practice sites, weighted as ``nhp sites`` weights by default), once per plan from the pack's own access and need
layers, so the hub a page shows is the one ``nhp sites`` writes for the same plan.

The figures are :func:`geo.access.output.sites_frame`'s, the very rows of ``nhp sites``: counts already published
by :mod:`geo.disclosure` in :func:`~geo.access.siting.choose_sites`. A neighbourhood's first page shows its hub on
its locator map and a line of its figures (:func:`hub_box`); the summary shows the opening order; the methods
page the method (:func:`method_notes`); the workbook a Sites sheet (:func:`sites_sheet`).
"""

from __future__ import annotations

import pandas as pd

from geo.access.layer import PRACTICE_KM, practice_sites
from geo.access.output import sites_frame
from geo.access.siting import DEFAULT_PER_NEIGHBOURHOOD, DEFAULT_WEIGHT, choose_sites
from geo.profiles.access_need import ordinal
from geo.profiles.htmlkit import NO_FIGURE, _esc, _missing
from geo.plan.display_case import display_case

#: Weighting of people in words, as the methods page and the Sites sheet say it.
WEIGHT_WORDS = {"population": "resident", "need": "need (residents × (1 + the LSOA's need percentile))"}


def hub_sites(plan, access: pd.DataFrame, need: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Each neighbourhood's hub site as ``nhp sites`` chooses it (its defaults), and the siting's notes.

    ``access`` is the pack's access layer (its points are the demand points, :func:`geo.access.layer.demand_points`)
    and ``need`` its need layer, so siting reads nothing twice. Returns :func:`geo.access.output.sites_frame`'s
    rows indexed by neighbourhood (empty, with notes saying why, when the atlas has no practice site).

    Examples
    --------
    >>> from geo.plan import Plan
    >>> from geo.testing import grid_atlas
    >>> from geo.access.layer import access_layer
    >>> atlas = grid_atlas(6, 1, practice_every=1)
    >>> plan = Plan(atlas, {c: "W" if int(c[1:]) < 3 else "E" for c in atlas.codes})
    >>> need = pd.DataFrame({"need_score": [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]}, index=atlas.codes)
    >>> hubs, notes = hub_sites(plan, access_layer(atlas, "/nonexistent"), need)
    >>> hubs[["site_code", "mean_km", "opening_order"]].to_dict("index")
    {'E': {'site_code': 'Z00004', 'mean_km': 0.667, 'opening_order': 1}, 'W': {'site_code': 'Z00001', 'mean_km': 0.667, 'opening_order': 2}}
    """
    if practice_sites(plan.atlas).empty:
        return pd.DataFrame(), {"none": "no GP practice site in this atlas, so no hub is proposed"}
    result = choose_sites(
        plan,
        per_neighbourhood=DEFAULT_PER_NEIGHBOURHOOD,
        weight=DEFAULT_WEIGHT,
        threshold_km=PRACTICE_KM,
        need=need,
        points=access,
    )
    hubs = sites_frame(result).set_index("neighbourhood", drop=False)
    hubs["note"] = result.problems.set_index("neighbourhood").note.reindex(hubs.index).fillna("").to_numpy()
    hubs.index.name = None
    notes = {
        **result.notes,
        "weight_words": WEIGHT_WORDS[DEFAULT_WEIGHT],
        "sites_source": access.attrs.get("notes", {}).get("practice_km", {}).get("source", ""),
        "max_gap": result.max_gap,
    }
    return hubs, notes


def opening_text(p, name) -> str:
    """``"opens 2nd of 7"`` for a neighbourhood with a hub, else an empty string.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> p = SimpleNamespace(hubs=pd.DataFrame({"opening_order": [2, 1]}, index=["A", "B"]))
    >>> opening_text(p, "A"), opening_text(p, "C")
    ('opens 2nd of 2', '')
    """
    hubs = getattr(p, "hubs", None)
    if hubs is None or hubs.empty or name not in hubs.index:
        return ""
    return f"opens {ordinal(int(hubs.at[name, 'opening_order']))} of {len(hubs)}"


def hub_point(p, name) -> tuple[float, float, str] | None:
    """Where the locator map marks ``name``'s hub and the name beside it (easting, northing, site name), or None."""
    hubs = getattr(p, "hubs", None)
    if hubs is None or hubs.empty or name not in hubs.index:
        return None
    r = hubs.loc[name]
    return float(r.easting), float(r.northing), display_case(str(r.site_name))


def hub_box(p, name) -> str:
    """A neighbourhood's hub figures for its first page, in the two lines free beside its Size box: the site (name
    and code), its opening order by need, the mean km and the share of residents beyond the threshold from it (how
    the km are measured is in the key figures' km row and on the methods page)."""
    hubs = getattr(p, "hubs", None)
    if hubs is None or hubs.empty or name not in hubs.index:
        return ""
    r = hubs.loc[name]
    threshold = p.hub_notes.get("threshold_km", PRACTICE_KM)
    beyond = NO_FIGURE if _missing(r.beyond_threshold_pct) else f"{float(r.beyond_threshold_pct):.0f}%"
    note = f" ({r.note})" if r.note else ""
    return (
        '<p class="hub"><b>Proposed hub site</b> <span class="tag">proposal</span>: '
        f"<b>{_esc(display_case(str(r.site_name)))} ({_esc(r.site_code)})</b>{_esc(note)}, "
        f"{_esc(opening_text(p, name))} (highest need first); <b>{float(r.mean_km):.1f} km</b> mean, "
        f"<b>{beyond}</b> of residents over {threshold:g} km from it (straight line; p-median as in nhp sites, "
        "see Sources and methods).</p>"
    )


def _points_words(km_method: str) -> str:
    """``km_method`` without its leading "straight line from " (the box says it once)."""
    text = str(km_method)
    return text[len("straight line from ") :] if text.startswith("straight line from ") else text


def method_notes(notes: dict) -> list[str]:
    """The methods page's line on hub siting: method, weights and candidates; the distances' points and the
    practice sites' source and vintage are the access line's own (the same layer), so it says so rather than
    repeating them.

    Examples
    --------
    >>> line = method_notes({"candidates": "today's GP practice sites", "weight_words": "resident",
    ...     "threshold_km": 2.0, "points": {"label": "straight line from LSOA centroids (not population-weighted)"},
    ...     "max_gap": 0.0})[0]
    >>> print(line[:106])
    Proposed hub sites (nhp sites's defaults): per neighbourhood, of today's GP practice sites inside it (else
    """
    if not notes or "none" in notes:
        return [f"Proposed hub sites: {notes['none']}."] if notes else []
    gap = notes.get("max_gap", 0.0)
    return [
        f"Proposed hub sites (nhp sites's defaults): per neighbourhood, of {notes.get('candidates', '')} inside it "
        f"(else the nearest outside), the one with the least {notes.get('weight_words', '')}-weighted sum of "
        "straight-line km from its LSOAs' points (p-median, solved exactly"
        + ("" if gap == 0 else f"; largest optimality gap {gap:.3g}")
        + "); points and sites as for access. Opening order: catchment need index, highest first."
    ]


def sheet_source(notes: dict) -> str:
    """The Sites sheet's source line: the methods page's line, with the points and the practice sites spelt out
    (a sheet is read without the page above it)."""
    lines = method_notes(notes)
    if not lines or "none" in notes:
        return " ".join(lines)
    return (
        lines[0].replace("; points and sites as for access", "")
        + f" Distances: {notes.get('points', {}).get('label', '')}. Practice sites: {notes.get('sites_source', '')}."
    )


def summary_value(p, name):
    """The opening order of ``name``'s hub for the summary (None without one)."""
    hubs = getattr(p, "hubs", None)
    if hubs is None or hubs.empty or name not in hubs.index:
        return None
    return int(hubs.at[name, "opening_order"])


def sites_sheet(p) -> pd.DataFrame:
    """The workbook's Sites sheet: ``nhp sites``'s rows (its columns, same figures), the site's note last."""
    hubs = getattr(p, "hubs", None)
    if hubs is None or hubs.empty:
        return pd.DataFrame()
    return hubs.reset_index(drop=True)
