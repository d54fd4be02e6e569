"""UEC hotspots of a study area (modelled from open data, or from an uploaded local extract) and per neighbourhood.

Only the published tables leave the service: counts of 1 to 7 attendances, and the rates and ratios built on them,
are suppressed inside ``geo`` before they reach a route. Uploaded patient-level extracts are aggregated on import
and never stored.
"""

from __future__ import annotations

import json
import tempfile
import threading
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, Response, UploadFile

from api.deps import DbId, MAX_ID, Planner, State, Viewer
from api.uploads import read_upload

router = APIRouter(tags=["hotspots"])
EXTRACT_SUFFIXES = {".csv", ".xlsx"}
_results: dict[tuple[int, str], object] = {}
_lock = threading.Lock()


def _data_dir(state, atlas):
    """The folder the atlas came from: the demo region's own files, or the service's official data folder."""
    from geo.demo import DEMO_AREA, demo_data_dir

    return demo_data_dir() if DEMO_AREA in atlas.area.codes else state.settings.data_dir


def _modelled(state, atlas):
    """Hotspots of the modelled layer, computed once per loaded atlas (analytic Gi*: well under a second)."""
    from geo.hotspots import find_hotspots
    from geo.uec import uec_layer_for

    key = (id(atlas), "modelled")
    with _lock:
        result = _results.get(key)
    if result is None:
        result = find_hotspots(atlas, uec_layer_for(atlas, _data_dir(state, atlas)))
        with _lock:
            _results[key] = result
    return result


def _answer(result, fmt: str) -> Response:
    if fmt == "json":
        return Response(json.dumps(result.answer()), media_type="application/json")
    with tempfile.TemporaryDirectory(prefix="nhp-hotspots-") as folder:
        path = Path(folder) / f"hotspots.{fmt}"
        (result.to_csv if fmt == "csv" else result.to_geojson)(path)
        media = "text/csv; charset=utf-8" if fmt == "csv" else "application/geo+json"
        return Response(path.read_bytes(), media_type=media)


Format = Annotated[Literal["json", "csv", "geojson"], Query(description="Answer as JSON, CSV or GeoJSON.")]


@router.get("/areas/{area}/hotspots", response_class=Response,
            responses={200: {"content": {"application/json": {}, "text/csv": {}, "application/geo+json": {}}}})
def area_hotspots(area: str, actor: Viewer, state: State, format: Format = "json"):
    """Areas of high EXPECTED need: Gi* on the MODELLED UEC layer (NHS England ICB A&E totals shared out by IoD2025
    acute morbidity; not observed attendances, so no funnel or intervals)."""
    return _answer(_modelled(state, state.atlases.get(area)), format)


@router.post("/areas/{area}/hotspots", response_class=Response,
             responses={200: {"content": {"application/json": {}, "text/csv": {}, "application/geo+json": {}}}})
def extract_hotspots(
    area: str,
    actor: Planner,
    state: State,
    file: Annotated[UploadFile, File(description="Local UEC extract: CSV or XLSX, aggregated or patient-level.")],
    format: Format = "json",
    strict: Annotated[bool, Query(description="Stop at the first bad row instead of rejecting it.")] = False,
):
    """Gi* hotspots of an uploaded local UEC extract (size limited by ``NHP_MAX_UPLOAD_MB``: 413)."""
    from geo.hotspots import find_hotspots
    from geo.uec import uec_layer_for

    atlas = state.atlases.get(area)
    layer, _ = read_upload(
        file, EXTRACT_SUFFIXES, "a .csv or .xlsx UEC extract",
        lambda path: uec_layer_for(atlas, _data_dir(state, atlas), extract=path, strict=strict, label=file.filename))
    return _answer(find_hotspots(atlas, layer), format)


@router.get("/plans/{plan_id}/hotspots")
def plan_hotspots(plan_id: DbId, actor: Viewer, state: State,
                  version: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None) -> dict:
    """UEC attendances, rate and ratio against the study area per neighbourhood (modelled layer)."""
    from geo.hotspots import by_neighbourhood

    _, plan = state.plans.load(plan_id, version)
    result = _modelled(state, plan.atlas)
    table = by_neighbourhood(result, plan)
    return {"uec_kind": result.layer.kind, "source": result.source_note, "hotspot_meaning": result.hotspot_meaning,
            "neighbourhoods": json.loads(table.reset_index().to_json(orient="records"))}
