"""Writing plans: the lookup (CSV), the footprints or LSOAs (GeoJSON, GeoPackage), chosen by extension.

``write_plan`` writes the lookup (every text cell formula-safe, so a spreadsheet never runs a name as a formula),
the dissolved footprints with their metrics (EPSG:27700 in GeoPackage, EPSG:4326 in GeoJSON as RFC 7946 asks), or
the LSOA layer. Exports carry whole-neighbourhood populations only, never per-practice patient counts. A plan
whose search a time budget cut short says so in every file (a ``stopped_early`` column; in a lookup only then).
Reading is :mod:`geo.plan.reader` and :mod:`geo.plan.lookup` (re-exported here for callers of ``geo.plan.io``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from geo.errors import PlanError
from geo.names import formula_safe_frame
from geo.plan.lookup import (  # noqa: F401 - the reading half, re-exported for callers of geo.plan.io
    BASIS_COLUMN,
    LSOA_HEADERS,
    NAME_HEADERS,
    PRACTICE_HEADERS,
    assignment_from_frame,
    basis_of,
    check_names,
    is_practice_table,
)
from geo.plan.reader import load_plan, read_plan, read_practice_plan  # noqa: F401

if TYPE_CHECKING:
    from geo.plan import Plan

WRITERS = {".csv": "lookup", ".geojson": "GeoJSON", ".gpkg": "GPKG"}


def write_plan(
    plan: "Plan",
    path: str | Path,
    *,
    layer: str = "neighbourhoods",
    columns: "Mapping[str, Mapping[str, object]] | None" = None,
) -> Path:
    """Write a plan; the format follows the extension (``.csv``, ``.geojson``, ``.gpkg``).

    Parameters
    ----------
    plan
        The plan to write.
    path
        Output file. ``.csv`` writes the ``lsoa_code,neighbourhood`` lookup (``practice_code,neighbourhood`` for
        a list plan) with the basis it is counted on in a ``population_basis`` column; ``.geojson`` (EPSG:4326) and
        ``.gpkg`` (EPSG:27700) write the chosen layer.
    layer
        ``"neighbourhoods"`` (dissolved footprints with their metrics) or ``"lsoas"`` (one feature per LSOA).
    columns
        Extra figures per neighbourhood (``{column: {neighbourhood: value}}``, e.g. each one's Multi-Neighbourhood
        Provider area), written beside it in every format through the same formula-safe writer.

    Examples
    --------
    >>> import tempfile, os
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> plan = Plan(grid_atlas(2, 1), {"G0000": "A", "G0001": "B"})
    >>> out = write_plan(plan, os.path.join(tempfile.mkdtemp(), "plan.csv"))
    >>> out.read_text().splitlines()
    ['lsoa_code,neighbourhood,population_basis', 'G0000,A,resident', 'G0001,B,resident']
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in WRITERS:
        raise PlanError(
            f"cannot write '{suffix}' files", file=path.name, expected="a .csv, .geojson or .gpkg file name"
        )
    if layer not in {"neighbourhoods", "lsoas"}:
        raise PlanError(f"unknown layer '{layer}'", column="layer", expected="'neighbourhoods' or 'lsoas'")
    if not path.parent.is_dir():  # a typo in a folder name must not silently create a new folder
        raise PlanError(f"the folder {path.parent} does not exist", file=str(path), expected="an existing folder")
    name_column = "name" if suffix != ".csv" and layer == "neighbourhoods" else "neighbourhood"
    if suffix == ".csv":
        frame = lookup_frame(plan)
        if stopped_early(plan):  # a plan cut short by a time budget says so in its file too
            frame["stopped_early"] = True
        for column, values in (columns or {}).items():
            frame[column] = frame[name_column].map(dict(values))
        formula_safe_frame(frame).to_csv(path, index=False)
        return path
    frame = footprints(plan) if layer == "neighbourhoods" else lsoa_layer(plan)
    for column, values in (columns or {}).items():
        frame[column] = frame[name_column].map(dict(values))
    if suffix == ".geojson":
        path.unlink(missing_ok=True)
        frame.to_crs("EPSG:4326").to_file(path, driver="GeoJSON")
    else:
        frame.to_crs("EPSG:27700").to_file(path, driver="GPKG", layer=layer)
    return path


def lookup_frame(plan: "Plan") -> pd.DataFrame:
    """The plan as a table: ``practice_code,neighbourhood`` (a list plan: its list view) or
    ``lsoa_code,neighbourhood``, with the population basis it is counted on in :data:`BASIS_COLUMN` on every row.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> lookup_frame(Plan(grid_atlas(2, 1), {"G0000": "A", "G0001": "B"}, population="registered")).values.tolist()
    [['G0000', 'A', 'registered'], ['G0001', 'B', 'registered']]
    """
    if plan.practice_assignment is not None:  # a list-based plan's file is its list view
        frame = plan.practice_assignment.rename("neighbourhood").rename_axis("practice_code").reset_index()
    else:
        frame = plan.assignment.rename_axis("lsoa_code").reset_index()
    frame[BASIS_COLUMN] = plan.population
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
    table["target"] = plan.target
    table["sources"] = plan.atlas.source_note()
    shapes = plan["shapes"]
    geometry = [shapes[int(k)] for k in plan.live]
    return gpd.GeoDataFrame(table, geometry=geometry, crs=plan.atlas.lsoas.crs)


def stopped_early(plan: "Plan") -> bool:
    """Whether a time budget ended the search that made the plan (its files then say so: ``stopped_early``)."""
    return bool(getattr(plan.provenance, "stopped_early", False))


def lsoa_layer(plan: "Plan") -> gpd.GeoDataFrame:
    """Return one feature per LSOA with its neighbourhood and populations."""
    lsoas = plan.atlas.lsoas
    return gpd.GeoDataFrame(
        {
            "lsoa_code": lsoas.index.to_numpy(),
            "lsoa_name": lsoas["lsoa_name"].to_numpy(),
            "lad_code": lsoas["lad_code"].to_numpy(),
            "neighbourhood": plan.assignment.to_numpy(),
            "resident_population": lsoas["resident_population"].to_numpy(),
            "registered_population": lsoas["registered_population"].to_numpy(),
            BASIS_COLUMN: plan.population,
            "stopped_early": stopped_early(plan),
        },
        geometry=lsoas.geometry.to_numpy(),
        crs=lsoas.crs,
    )
