"""Reading plans: a CSV lookup of LSOAs or of practices, or polygons, recognised by its header.

:func:`load_plan` is how every plan file becomes a :class:`geo.plan.Plan` (``nhp score``, ``POST /plans/import``);
:func:`read_plan` returns an LSOA assignment only. The file is opened and decoded by the one upload reader
(:mod:`geo.sources.uploads`, kind ``plan``): its encodings, bounds and ragged-row rule are those of every other
upload. A lookup is ``lsoa_code, neighbourhood`` (header variants such as ``LSOA21CD`` or ``name``) or
``practice_code, neighbourhood`` (a list-based plan); polygons (GeoJSON, GeoPackage, zipped shapefile) give each
LSOA to the polygon covering most of its area. Every problem is a :class:`geo.errors.PlanError` naming the file,
row and column; every neighbourhood name must pass :func:`geo.names.check_name`.

What a file records about the whole plan comes back into its provenance: the population basis it was made on
(``population_basis``) and the building blocks it was built from (``building_blocks``: MSOAs, wards or a user's
units, as ``params["blocks"]``, from which :func:`geo.propose.blocks.made_of` names each neighbourhood's blocks
again). MSOAs and wards are found again from the atlas; a user's units are in no data folder, so the file records
each LSOA's unit (``block``, ``block_name``) and the plan's atlas carries them again (an older file without them
is known to be built from a user's units, but names none). The balance rule it records (``target`` and
``tolerance``, a size band's ``min_size`` and ``max_size``: :mod:`geo.plan.band`) becomes the plan's target and
tolerance; a reader's own target or tolerance that differs from it is refused (:func:`geo.plan.band.settled`).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from geo.errors import PlanError
from geo.names import check_name, name_from_file, printable
from geo.plan.constraints import coverage_error
from geo.plan.lookup import (
    LSOA_HEADERS,
    record_columns,
    assignment_from_frame,
    basis_of,
    blocks_of,
    check_names,
    is_practice_table,
    practice_table,
    normalised_header,
    units_of,
)
from geo.atlas.model import with_block_columns
from geo.plan.band import recorded_band, settled
from geo.plan.ideals import check_places, check_totals, recorded_ideals
from geo.plan.user_units import with_recorded_places
from geo.plan.params import BLOCK_TITLES, Provenance
from geo.sources.memory import MemoryFile
from geo.sources.uploads import Upload, check_shapes, open_upload, read_layer, read_table, repaired

if TYPE_CHECKING:
    from geo.atlas.model import Atlas
    from geo.plan import Plan


def read_plan(path: str | Path | MemoryFile, atlas: "Atlas", *, name_column: str | None = None) -> pd.Series:
    """Read a plan file and return its ``lsoa_code -> neighbourhood`` assignment, checked against the atlas.

    Parameters
    ----------
    path
        A ``.csv`` lookup, or ``.geojson``/``.gpkg``/zipped shapefile polygons (a layer with an LSOA code column
        is read as a lookup); a :class:`geo.sources.memory.MemoryFile` for an upload (never written to disk).
    atlas
        The study area the plan must cover exactly.
    name_column
        Column holding the neighbourhood name (default: a recognised header, else the first text column).

    Examples
    --------
    >>> import tempfile, os
    >>> from geo.testing import grid_atlas
    >>> path = os.path.join(tempfile.mkdtemp(), "plan.csv")
    >>> _ = open(path, "w").write("LSOA21CD,Neighbourhood\\nG0000,North\\nG0001,North\\n")
    >>> read_plan(path, grid_atlas(2, 1)).to_dict()
    {'G0000': 'North', 'G0001': 'North'}
    """
    upload = _open(path, atlas)
    if upload.format == "csv":
        return assignment_from_frame(read_table(upload), atlas, source=upload.name, name_column=name_column)
    return _read_polygons(upload, atlas, name_column)[0]


def _open(path, atlas: "Atlas") -> Upload:
    if len(atlas.lsoas) == 0:
        raise PlanError("the study area has no LSOAs", file=str(path), expected="an area with at least one LSOA")
    return open_upload(path, "plan")


def _read_polygons(upload: Upload, atlas: "Atlas", name_column: str | None):
    """Polygons as ``(assignment, basis, practices, blocks, LSOA attributes, recorded ideals, recorded band)``:
    each LSOA to the polygon covering most of it (the attributes only for an LSOA layer, read as a lookup; the
    ideals of a counted plan, :func:`geo.plan.ideals.recorded_ideals`, or None; the balance rule,
    :func:`geo.plan.band.recorded_band`, or None)."""
    polygons = read_layer(upload)
    source = upload.name
    attributes = pd.DataFrame(polygons.drop(columns=polygons.geometry.name))
    basis, blocks = basis_of(attributes, source=source), blocks_of(attributes, source=source)
    band = recorded_band(attributes, source=source)
    if any(normalised_header(c) in LSOA_HEADERS for c in attributes.columns):
        assignment = assignment_from_frame(attributes, atlas, source=source, name_column=name_column)
        ideals = recorded_ideals(attributes, assignment.reset_index(drop=True), atlas, basis, source=source)
        return assignment, basis, None, blocks, attributes, ideals, band
    if name_column is None:
        text = [
            c
            for c in attributes.columns
            if normalised_header(c) not in record_columns(attributes.columns)
            and (attributes[c].dtype == object or pd.api.types.is_string_dtype(attributes[c]))
        ]
        if not text:
            raise PlanError(
                "no text column to name the neighbourhoods", file=source, expected="a name column, or --name-column"
            )
        name_column = text[0]
    elif name_column not in attributes.columns:
        raise PlanError(
            f"column '{name_column}' not found; columns are {list(attributes.columns)}", file=source, column=name_column
        )
    if polygons.crs is None:
        polygons = polygons.set_crs("EPSG:4326" if upload.format == "geojson" else "EPSG:27700")
    polygons = polygons.to_crs(atlas.lsoas.crs)
    check_shapes(upload, polygons)  # before make_valid and the overlay
    check_names(polygons[name_column].astype(str).str.strip(), source=source, column=name_column)
    zones = gpd.GeoDataFrame(
        {"neighbourhood": polygons[name_column].astype(str).str.strip()}, geometry=repaired(upload, polygons)
    )
    lsoas = gpd.GeoDataFrame(
        {"lsoa_code": atlas.lsoas.index}, geometry=atlas.lsoas.geometry.to_numpy(), crs=atlas.lsoas.crs
    )
    pieces = gpd.overlay(lsoas, zones, how="intersection", keep_geom_type=True)
    pieces["area"] = pieces.geometry.area
    # Each LSOA goes to the polygon holding most of its area, which absorbs slivers from generalised boundaries.
    best = pieces.sort_values("area", ascending=False).drop_duplicates("lsoa_code").set_index("lsoa_code")
    assignment = best["neighbourhood"].reindex(atlas.lsoas.index).dropna().rename("neighbourhood")
    error = coverage_error(atlas, assignment, file=source)
    if error is not None:
        raise PlanError(
            error.message.replace("missing from the plan", "not covered by any polygon"),
            file=source,
            expected=error.expected,
        )
    names = attributes[name_column].astype(str).str.strip().reset_index(drop=True)
    ideals = recorded_ideals(attributes, names, atlas, basis, source=source)
    return assignment, basis, _practices_of(attributes, name_column, basis, source), blocks, None, ideals, band


def _practices_of(attributes: pd.DataFrame, name_column: str, basis: str | None, source: str) -> pd.Series | None:
    """A list plan's footprints (as :func:`geo.plan.io.write_plan` writes them) name each neighbourhood's
    practices: the plan itself, read back as the list plan it is rather than as the LSOAs its footprint covered."""
    if basis != "list" or "practice_codes" not in attributes.columns:
        return None
    codes, names = [], []
    for name, listed in zip(attributes[name_column].astype(str).str.strip(), attributes["practice_codes"]):
        for code in str(listed if isinstance(listed, str) else "").split(";"):
            if code.strip():
                codes.append(code.strip().upper())
                names.append(name)
    if not codes:
        raise PlanError(
            "a footprint file made on lists names no practices",
            file=source,
            column="practice_codes",
            expected="each neighbourhood's practice codes, separated by ';'",
        )
    return pd.Series(names, index=pd.Index(codes, name="practice_code"), name="neighbourhood")


def read_practice_plan(
    path: str | Path | MemoryFile, atlas: "Atlas", *, name_column: str | None = None
) -> tuple[pd.Series, dict[str, int]]:
    """Read a list-based plan file (``practice_code,neighbourhood``) and return the assignment and each code's row.

    The assignment is checked by :meth:`geo.plan.Plan.from_practices`, which names the row of a bad code.
    """
    upload = open_upload(path, "plan")
    practices, rows, _ = practice_table(read_table(upload), upload.name, name_column)
    return practices, rows


def load_plan(
    path: str | Path | MemoryFile,
    atlas: "Atlas",
    params=None,
    *,
    name_column: str | None = None,
    provenance=None,
    name: str | None = None,
    **overrides,
) -> "Plan":
    r"""Read any plan file as a :class:`geo.plan.Plan`: an LSOA lookup or polygons (place-based), or a
    ``practice_code,neighbourhood`` table (list-based, its footprint derived), recognised by its header.

    ``path`` may be a :class:`geo.sources.memory.MemoryFile` (an upload, read without touching the disk). The plan
    is called ``name``, else after the file: its stem made a valid name (:func:`geo.names.name_from_file`).

    Examples
    --------
    >>> import tempfile, os
    >>> from geo.testing import grid_atlas
    >>> atlas = grid_atlas(4, 4)
    >>> path = os.path.join(tempfile.mkdtemp(), "plan.csv")
    >>> _ = open(path, "w").write("practice_code,neighbourhood\nZ00000,A\nZ00001,A\nZ00002,B\nZ00003,B\n")
    >>> plan = load_plan(path, atlas, target=12_000)
    >>> plan.built_from, plan.population, sorted(plan.neighbourhoods)
    ('practices', 'list', ['A', 'B'])
    """
    from geo.plan import Plan  # lazy: geo.plan's package imports this module; the class is read when a plan is made

    upload = _open(path, atlas)
    source = upload.name
    name = check_name(name, what="plan name") if name else name_from_file(source)
    provenance = provenance if provenance is not None else Provenance("imported", source=printable(source))
    if upload.format == "csv":
        frame = read_table(upload)
        blocks = blocks_of(frame, source=source)  # checked whatever the table lists
        band = recorded_band(frame, source=source)
        overrides = _judged_on(band, overrides, source)
        if is_practice_table(frame):
            practices, rows, basis = practice_table(frame, source, name_column)
            ideals = recorded_ideals(frame, practices.reset_index(drop=True), atlas, "list", source=source)
            plan = Plan.from_practices(
                with_recorded_places(atlas, ideals, None, practices),
                practices,
                params,
                provenance=_banded(_measured_from(_made_on(provenance, basis or "list"), ideals), band),
                name=name,
                source=source,
                rows=rows,
                **overrides,
            )
            return _checked(plan, ideals, source)
        assignment = assignment_from_frame(frame, atlas, source=source, name_column=name_column)
        basis, practices = basis_of(frame, source=source), None
        ideals = recorded_ideals(frame, assignment.reset_index(drop=True), atlas, basis, source=source)
        atlas = with_recorded_places(_with_units(atlas, frame, blocks, source), ideals, assignment, None)
    else:
        assignment, basis, practices, blocks, attributes, ideals, band = _read_polygons(upload, atlas, name_column)
        overrides = _judged_on(band, overrides, source)
        if attributes is not None:  # an LSOA layer: it may carry each LSOA's unit too
            atlas = _with_units(atlas, attributes, blocks, source)
        atlas = with_recorded_places(atlas, ideals, None if practices is not None else assignment, practices)
    if practices is not None:  # a list plan's footprints: the plan is its practices
        made = _banded(_measured_from(_made_on(provenance, basis), ideals), band)
        plan = Plan.from_practices(atlas, practices, params, provenance=made, name=name, source=source, **overrides)
        return _checked(plan, ideals, source)
    provenance = _banded(_measured_from(_built_from(_made_on(provenance, basis), blocks, source), ideals), band)
    return _checked(Plan(atlas, assignment, params, provenance=provenance, name=name, **overrides), ideals, source)


def _judged_on(band, overrides: dict, source: str) -> dict:
    """The caller's overrides with the target and tolerance the file records (a caller's differing one refused:
    :func:`geo.plan.band.settled`); as they were for a file that records none."""
    rest = {k: v for k, v in overrides.items() if k not in ("target", "tolerance")}
    return rest | settled(band, overrides, source=source)


def _banded(provenance, band):
    """The provenance with a size band the file records (``min_size``, ``max_size``), so the plan written again
    records it again; a caller's own record is kept."""
    if band is None or "min_size" not in band or provenance.params.get("min_size") is not None:
        return provenance
    return replace(provenance, params={**provenance.params, "min_size": band["min_size"], "max_size": band["max_size"]})


def _measured_from(provenance, ideals):
    """The provenance with the ideals a counted plan's file records (``nest``, ``ideal_sizes``), so the plan is
    measured from each place's ideal as it was written; a caller's own record is kept."""
    if ideals is None or "ideal_sizes" in provenance.params:
        return provenance
    return replace(provenance, params={**provenance.params, **ideals[0]})


def _checked(plan: "Plan", ideals, source: str) -> "Plan":
    """The plan, once each neighbourhood's recorded place is the one its people put it in
    (:func:`geo.plan.ideals.check_places`) and, where the area does not recount them, each place's ideal is its
    total over its count recounted from the plan's own rows (:func:`geo.plan.ideals.check_totals`), on the basis the file was written on (a caller's other basis may
    put a neighbourhood's people elsewhere, and is named as an override by every output)."""
    written = plan.provenance.population_basis
    if written is not None and plan.population != written:
        return plan
    if ideals is not None and plan.provenance.params.get("ideal_sizes") == ideals[0]["ideal_sizes"]:
        check_places(plan, ideals[1], source=source)
        check_totals(plan, ideals[1], source=source)  # a plan of lists or of a user's units: from its own rows
    return plan


def _with_units(atlas: "Atlas", frame: pd.DataFrame, blocks: str | None, source: str) -> "Atlas":
    """The atlas carrying each LSOA's unit as a plan built from a user's units records it (``block``,
    ``block_name``), so its profiles name them ("Made of"); the atlas as it is for any other plan or a file
    without them. Each LSOA's row is checked (:func:`geo.plan.lookup.units_of`)."""
    if blocks != "custom":
        return atlas
    lsoa_column = next(c for c in frame.columns if normalised_header(c) in LSOA_HEADERS)
    found = units_of(frame, lsoa_column, source=source)
    if found is None:
        return atlas
    units, names = found
    described = {"type": "custom", "title": BLOCK_TITLES["custom"], "source": printable(source)}
    return with_block_columns(atlas, units, names, {**described, "count": int(units.nunique())})


def _built_from(provenance, blocks: str | None, source: str):
    """The provenance with the building blocks the file says the plan was built from (``params["blocks"]``, as a
    proposal records them), so its profiles name each neighbourhood's MSOAs or wards again. Only what the file
    holds is restored: the type, and the file it was read from; not the blocks' count or their own source (a
    user's units are not in a plan file, so :func:`geo.propose.blocks.made_of` names them only when the atlas
    carries them)."""
    if blocks is None or "blocks" in provenance.params:  # a caller's own record is kept
        return provenance
    recorded = {"type": blocks, "title": BLOCK_TITLES[blocks], "recorded_in": printable(source)}
    return replace(provenance, params={**provenance.params, "blocks": recorded})


def _made_on(provenance, basis: str | None):
    """The provenance with the basis the file says the plan was made on (a plan is judged on it unless the
    caller names another basis; see :class:`geo.plan.Plan`)."""
    return replace(provenance, population_basis=basis) if basis is not None else provenance
