"""Writing plans: the lookup (CSV), the footprints or LSOAs (GeoJSON, GeoPackage), chosen by extension.

``write_plan`` writes the lookup (every text cell formula-safe, so a spreadsheet never runs a name as a formula),
the dissolved footprints with their metrics (EPSG:27700 in GeoPackage, EPSG:4326 in GeoJSON as RFC 7946 asks), or
the LSOA layer. Exports carry whole-neighbourhood populations only, never per-practice patient counts. A plan
whose search a time budget cut short says so in every file (a ``stopped_early`` column; in a lookup only then).
Every file records what the plan counts (``population_basis``) and, for a plan built from whole MSOAs, wards or a
user's units, what it was built from (``building_blocks``, on every row; no column for a plan of LSOAs), which
the reader restores so a plan read back names its blocks in its profiles as it did when it was proposed; a plan of
a user's units also records each LSOA's unit (``block``, ``block_name``), which no data folder holds. A plan
made with a number of neighbourhoods per place records, on every row, its neighbourhood's place, the place's count
and ideal (``place``, ``place_neighbourhoods``, ``place_ideal``; a re-nested plan's places, a user's units, also
``place_level`` ``custom``: :mod:`geo.plan.ideals`), which the reader checks and restores, so the plan read back is
measured from each place's ideal as it was written. Every file records
the band the plan is judged on, on every row (``target``, ``tolerance``; a size band's ``min_size``,
``max_size`` too: :mod:`geo.plan.band`), which the reader makes the plan's again.
Reading is :mod:`geo.plan.reader` and :mod:`geo.plan.lookup` (re-exported here for callers of ``geo.plan.io``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
import pyogrio

from geo.errors import PlanError
from geo.plan.lookup import (  # noqa: F401 - the reading half, re-exported for callers of geo.plan.io
    BASIS_COLUMN,
    BLOCKS_COLUMN,
    LSOA_HEADERS,
    NAME_HEADERS,
    PRACTICE_HEADERS,
    UNIT_COLUMN,
    UNIT_NAME_COLUMN,
    assignment_from_frame,
    basis_of,
    blocks_of,
    check_names,
    is_practice_table,
)
from geo.plan.band import record_band
from geo.plan.ideals import record_ideals
from geo.plan.reader import load_plan, read_plan, read_practice_plan  # noqa: F401
from geo.writers import layer_name, write_table
from geo.plan.params import BASIS_WORDS, BLOCK_TITLES

if TYPE_CHECKING:
    from geo.plan import Plan

WRITERS = {".csv": "lookup", ".geojson": "GeoJSON", ".gpkg": "GPKG", ".xlsx": "workbook"}


def write_plan(
    plan: "Plan",
    path: str | Path,
    *,
    layer: str = "neighbourhoods",
    columns: "Mapping[str, Mapping[str, object]] | None" = None,
    title: str | None = None,
) -> Path:
    """Write a plan; the format follows the extension (``.csv``, ``.geojson``, ``.gpkg``, ``.xlsx``).

    Every file goes through the one table writer (:func:`geo.writers.write_table`): counts are whole numbers of
    integer type (suppressed where 1 to 7), numeric columns numeric, codes labelled, columns described.

    Parameters
    ----------
    plan
        The plan to write.
    path
        Output file. ``.csv`` writes the ``lsoa_code,neighbourhood`` lookup (``practice_code,neighbourhood`` for
        a list plan) with the basis it is counted on in a ``population_basis`` column, the band it is judged on
        (``target``, ``tolerance``) and, for a plan of MSOAs, wards or a user's units, what it was built from in a
        ``building_blocks`` column; ``.geojson``
        (EPSG:4326) and ``.gpkg`` (EPSG:27700) write the chosen layer (with both columns); ``.xlsx`` the chosen
        layer's table with a Notes sheet.
    layer
        ``"neighbourhoods"`` (dissolved footprints with their metrics) or ``"lsoas"`` (one feature per LSOA).
    columns
        Extra figures per neighbourhood (``{column: {neighbourhood: value}}``, e.g. each one's Multi-Neighbourhood
        Provider area), written beside it in every format through the same formula-safe writer.
    title
        The GIS layer's name (default: the plan's name; the LSOA layer adds ``LSOAs``), made of letters, digits
        and underscores by :func:`geo.writers.layer_name`.

    Examples
    --------
    >>> import tempfile, os
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> plan = Plan(grid_atlas(2, 1), {"G0000": "A", "G0001": "B"})
    >>> out = write_plan(plan, os.path.join(tempfile.mkdtemp(), "plan.csv"))
    >>> out.read_text().splitlines()
    ['lsoa_code,neighbourhood,population_basis,target,tolerance', 'G0000,A,resident,50000,0.1', 'G0001,B,resident,50000,0.1']
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in WRITERS:
        raise PlanError(
            f"cannot write '{suffix}' files", file=path.name, expected="a .csv, .geojson, .gpkg or .xlsx file name"
        )
    if layer not in {"neighbourhoods", "lsoas"}:
        raise PlanError(f"unknown layer '{layer}'", column="layer", expected="'neighbourhoods' or 'lsoas'")
    name_column = "name" if suffix != ".csv" and layer == "neighbourhoods" else "neighbourhood"
    if suffix == ".csv":
        frame = lookup_frame(plan)
        if stopped_early(plan):  # a plan cut short by a time budget says so in its file too
            frame["stopped_early"] = True
        for column, values in (columns or {}).items():
            frame[column] = frame[name_column].map(dict(values))
        return write_table(frame, path, labels=False)  # a lookup is read back as a plan: codes only
    frame = footprints(plan) if layer == "neighbourhoods" else lsoa_layer(plan)
    for column, values in (columns or {}).items():
        frame[column] = frame[name_column].map(dict(values))
    names = {layer_name(title or plan.name), layer_name(title or plan.name, "LSOAs")}
    title = layer_name(title or plan.name, "LSOAs" if layer == "lsoas" else "")
    if suffix == ".gpkg" and path.exists() and not set(_layers(path)) <= names:
        path.unlink()  # one plan per GeoPackage: its two layers, never a stale layer of another plan read first
    return write_table(frame, path, layer=title, title=f"Plan {plan.name}: {plan.atlas.area.label}", notes=notes(plan))


def _layers(path: Path) -> list[str]:
    """The layers of an existing file (none when it is not one GDAL reads)."""
    try:
        return [str(name) for name, _ in pyogrio.list_layers(path)]
    except Exception:  # pyogrio raises its own error per driver; an unreadable file is replaced
        return []


def notes(plan: "Plan") -> dict[str, str]:
    """What a workbook's Notes sheet says of a plan: area, sources and vintages, how it was made and judged.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> sorted(notes(Plan(grid_atlas(2, 1), {"G0000": "A", "G0001": "B"})))
    ['Method', 'Population counted', 'Sources', 'Study area', 'Target', 'Vintage']
    """

    atlas, provenance = plan.atlas, plan.provenance
    made = provenance.method + (f", seed {provenance.seed}" if provenance.seed is not None else "")
    blocks = built_from_blocks(plan)
    built = plan.built_from
    if blocks is not None:  # and where the blocks came from, when the plan knows (a user's units file)
        source = provenance.params["blocks"].get("source")
        built = BLOCK_TITLES[blocks] + (f" ({source})" if source else "")
    return {
        "Study area": atlas.area.label,
        "Sources": atlas.source_note() or "not recorded",
        "Vintage": f"LSOA {atlas.vintage} geography; IMD {atlas.imd_edition}",
        "Method": f"{made}; built from {built}"
        + ("; the search was stopped early by its time budget" if stopped_early(plan) else ""),
        "Population counted": BASIS_WORDS[plan.population],
        "Target": f"{plan.target:,} people per neighbourhood, ± {100 * plan.tolerance:g}%",
    }


def lookup_frame(plan: "Plan") -> pd.DataFrame:
    """The plan as a table: ``practice_code,neighbourhood`` (a list plan: its list view) or
    ``lsoa_code,neighbourhood``, with the population basis it is counted on in :data:`BASIS_COLUMN` on every row.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> lookup_frame(Plan(grid_atlas(2, 1), {"G0000": "A", "G0001": "B"}, population="registered")).values.tolist()
    [['G0000', 'A', 'registered', 50000, 0.1], ['G0001', 'B', 'registered', 50000, 0.1]]
    """
    if plan.practice_assignment is not None:  # a list-based plan's file is its list view
        frame = plan.practice_assignment.rename("neighbourhood").rename_axis("practice_code").reset_index()
    else:
        frame = plan.assignment.rename_axis("lsoa_code").reset_index()
    frame[BASIS_COLUMN] = plan.population
    lsoas = pd.Index(frame["lsoa_code"]) if plan.practice_assignment is None else None
    _record_blocks(frame, plan, lsoas)  # a plan of LSOAs keeps its lookup as it was
    record_ideals(frame, plan, "neighbourhood")  # a counted plan: each row's place, its count and ideal
    record_band(frame, plan)  # the band it is judged on, so a reader judges it the same
    return frame


def footprints(plan: "Plan") -> gpd.GeoDataFrame:
    """Return the dissolved neighbourhoods with their metrics as flat columns (lists joined by ``;``).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> frame = footprints(Plan(grid_atlas(2, 1), {"G0000": "A", "G0001": "A"}))
    >>> frame[["name", "lsoas", "lad_codes"]].to_dict("records"), frame.crs.to_epsg()
    ([{'name': 'A', 'lsoas': 2, 'lad_codes': 'E07009000'}], 27700)
    """
    table = plan.neighbourhood_table()
    for column in ("practice_codes", "pcn_codes", "lad_codes", "local_decile_mix"):
        table[column] = table[column].map(lambda values: ";".join(map(str, values)))
    table["plan"] = plan.name
    table["population_basis"] = plan.population
    table["stopped_early"] = stopped_early(plan)
    _record_blocks(table, plan)
    record_ideals(table, plan, "name")
    record_band(table, plan)
    table["sources"] = plan.atlas.source_note()
    shapes = plan["shapes"]
    geometry = [shapes[int(k)] for k in plan.live]
    return gpd.GeoDataFrame(table, geometry=geometry, crs=plan.atlas.lsoas.crs)


def built_from_blocks(plan: "Plan") -> str | None:
    """The building blocks a plan records it was built from (``"msoas"``, ``"wards"``, ``"custom"``: its files
    say so in :data:`BLOCKS_COLUMN`), or ``None`` for a plan of LSOAs or of whole practices (a list plan's file
    is its practices).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> from geo.plan.params import Provenance
    >>> made = Provenance("tree-bisection", params={"blocks": {"type": "wards"}})
    >>> built_from_blocks(Plan(grid_atlas(2, 1), {"G0000": "A", "G0001": "B"}, provenance=made))
    'wards'
    >>> built_from_blocks(Plan(grid_atlas(2, 1), {"G0000": "A", "G0001": "B"})) is None
    True
    """
    if plan.practice_assignment is not None:
        return None
    kind = (plan.provenance.params.get("blocks") or {}).get("type")
    return kind if kind in BLOCK_TITLES else None


def _record_blocks(table: pd.DataFrame, plan: "Plan", lsoas: pd.Index | None = None) -> None:
    """Add :data:`BLOCKS_COLUMN` to a layer's table for a plan built from blocks (no column otherwise) and, for a
    table of ``lsoas`` of a plan built from a user's units the atlas carries, each LSOA's unit and its name
    (:data:`UNIT_COLUMN`, :data:`UNIT_NAME_COLUMN`), which no data folder holds, so a plan read back names them."""
    blocks = built_from_blocks(plan)
    if blocks is not None:
        table[BLOCKS_COLUMN] = blocks
    carried = plan.atlas.lsoas
    if blocks == "custom" and lsoas is not None and "block_code" in carried.columns:
        table[UNIT_COLUMN] = carried["block_code"].reindex(lsoas).to_numpy()
        table[UNIT_NAME_COLUMN] = carried["block_name"].reindex(lsoas).to_numpy()


def stopped_early(plan: "Plan") -> bool:
    """Whether a time budget ended the search that made the plan (its files then say so: ``stopped_early``)."""
    return bool(getattr(plan.provenance, "stopped_early", False))


def lsoa_layer(plan: "Plan") -> gpd.GeoDataFrame:
    """Return one feature per LSOA with its neighbourhood and populations."""
    lsoas = plan.atlas.lsoas
    layer = gpd.GeoDataFrame(
        {
            "lsoa_code": lsoas.index.to_numpy(),
            "lsoa_name": lsoas["lsoa_name"].to_numpy(),
            "lad_code": lsoas["lad_code"].to_numpy(),
            "neighbourhood": plan.assignment.to_numpy(),
            # published when written (geo.writers): whole people, a count of 1 to 7 an empty cell
            "resident_population": lsoas["resident_population"].to_numpy(),
            "registered_population": lsoas["registered_population"].to_numpy(),
            BASIS_COLUMN: plan.population,
            "stopped_early": stopped_early(plan),
        },
        geometry=lsoas.geometry.to_numpy(),
        crs=lsoas.crs,
    )
    _record_blocks(layer, plan, lsoas.index)
    record_ideals(layer, plan, "neighbourhood")
    record_band(layer, plan)
    return layer
