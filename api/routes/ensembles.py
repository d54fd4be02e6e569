"""ReCom ensembles of an area, and where a saved plan sits among them (:mod:`geo.ensemble`).

``POST /areas/{area}/ensembles`` runs a seeded chain **in the request** (not as a background job: a job kind needs
its own result table and migration, so an ensemble is bounded instead, and holds a place of the caller's caps
of jobs while it runs, 429 beyond them: :func:`api.limits.heavy_work`): at most :data:`MAX_STEPS` steps on an area
of at most :data:`MAX_LSOAS` LSOAs, about a second on an ICB. For longer chains use ``nhp ensemble``, which writes
the same runs. The answer is JSON (each score's spread over the ensemble, the start's scores and, with
``plan_id``, the plan's percentiles), the runs as Parquet (``format=parquet``, the bytes ``nhp ensemble --out``
writes) or the placement page (``format=html``: histograms as inline SVG, no script). The same body and seed give
the same answer, byte for byte.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import MAX_ID, area_atlas, Planner, State
from api.limits import heavy_work
from api.problems import Problem
from geo import export
from geo.export import FORMATS
from geo.ensemble import DESCRIPTIONS, SCORES, run_ensemble
from geo.ensemble.placement import Placement, percentile, place
from geo.ensemble.start import lsoa_digest
from geo.plan.params import PlanParams
import json

router = APIRouter(tags=["ensembles"])

#: Bounds of an ensemble computed in a request.
MAX_STEPS = 5_000
MAX_LSOAS = 3_000
#: Spanning-tree work (nodes plus edges of every tree drawn) an ensemble in a request may use: a few seconds at
#: most (QK1's 5,000 steps use about 2.5 million); a start plan whose pairs rarely cut within the band gets 422.
MAX_WORK = 20_000_000
#: Media types from the one export table (``geo.export.FORMATS``), and JSON.
MEDIA = {
    "json": "application/json",
    "parquet": FORMATS["ensemble", ".parquet"].media_type,
    "html": FORMATS["placement", ".html"].media_type,
}


class EnsembleCreate(BaseModel):
    """An ensemble: steps, seed, the band and nesting, what to start from and what to place."""

    model_config = ConfigDict(extra="forbid")

    steps: int = Field(1_000, ge=1, le=MAX_STEPS, description=f"ReCom steps (at most {MAX_STEPS:,} in a request)")
    seed: int = Field(1, ge=0, le=2**32 - 1, description="random seed: same seed, same runs")
    target: int | None = Field(None, ge=1, le=20_000_000, description="people per neighbourhood (default: settings)")
    tolerance: float | None = Field(None, gt=0, lt=1, description="allowed deviation (default: settings)")
    population: Literal["resident", "registered"] | None = Field(None, description="population counted")
    nest: Literal["lad", "utla", "icb", "none"] = Field("lad", description="the unit a neighbourhood never crosses")
    start_plan_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="start from this saved plan (default: the proposal with these parameters)"
    )
    plan_id: int | None = Field(None, ge=1, le=MAX_ID, description="a saved plan to place in the ensemble")
    plan_version: int | None = Field(None, ge=1, le=MAX_ID, description="its version (default: the latest)")
    format: Literal["json", "parquet", "html"] = Field(
        "json", description="summary JSON, the runs as Parquet, or the placement page (HTML)"
    )


def _finite(value: float) -> float | None:
    return None if value is None or (isinstance(value, float) and not math.isfinite(value)) else value


@router.post(
    "/areas/{area}/ensembles", response_class=Response, responses={200: {"content": {m: {} for m in MEDIA.values()}}}
)
def create_ensemble(area: str, body: EnsembleCreate, actor: Planner, state: State):
    """Run a ReCom ensemble of the area (planner; bounded: at most 5,000 steps, areas of at most 3,000 LSOAs) and,
    with ``plan_id``, place that saved plan in it (its percentile on every score)."""

    atlas = area_atlas(state, area, actor)
    if len(atlas.lsoas) > MAX_LSOAS:
        raise Problem(
            422,
            "Area too large for an ensemble in a request",
            f"{len(atlas.lsoas):,} LSOAs is more than {MAX_LSOAS:,}: run nhp ensemble on the command line",
            slug="ensemble-too-large",
        )
    params = PlanParams.from_settings(
        state.settings, target=body.target, tolerance=body.tolerance, population=body.population
    )
    # The plans are loaded (their atlases built, each within the caps) and checked before the chain takes its
    # place: loading one inside it would take a second place of the key's (a 429 after the whole chain).
    start = plan = None
    if body.start_plan_id is not None:
        _, start = state.plans.load(body.start_plan_id, actor=actor)
        _same_area(start, atlas, "start_plan_id")
        start = start.with_params(params)
    if body.plan_id is not None:
        _, plan = state.plans.load(body.plan_id, body.plan_version, actor=actor)
        _same_area(plan, atlas, "plan_id")
    # The chain (and the proposal it starts from) runs in this request: it counts against the caps of jobs (429).
    with heavy_work(state.db, actor, "ensemble"):
        ensemble = run_ensemble(
            atlas,
            start,
            steps=body.steps,
            seed=body.seed,
            target=params.target,
            tolerance=params.tolerance,
            population=params.population,
            nest=body.nest,
            max_work=MAX_WORK,
        )
        placed = None if plan is None else place(plan, ensemble.runs, ensemble.metadata)
    with tempfile.TemporaryDirectory() as folder:
        if body.format == "parquet":
            return Response(
                export.write("ensemble", ensemble, Path(folder) / "runs.parquet").read_bytes(),
                media_type=MEDIA["parquet"],
            )
        if body.format == "html":
            if placed is None:  # the start plan, placed in its own ensemble
                placed = Placement(
                    plan=ensemble.metadata["start"],
                    scores=ensemble.start,
                    steps=len(ensemble.runs),
                    percentiles={n: percentile(ensemble.runs[n].to_numpy(), ensemble.start[n]) for n in SCORES},
                )
            page = export.write(
                "placement", placed, Path(folder) / "placement.html", runs=ensemble.runs, metadata=ensemble.metadata
            )
            return Response(page.read_bytes(), media_type=MEDIA["html"])
    runs = ensemble.runs
    meta = ensemble.metadata
    answer = {
        "area": meta["area_label"],
        "steps": meta["steps"],
        "seed": meta["seed"],
        "target": meta["target"],
        "tolerance": meta["tolerance"],
        "population": meta["population"],
        "nest": meta["nest"],
        "start": meta["start"],
        "proposal": meta["proposal"],
        "recombined_steps": int(runs.moved.sum()),
        "scores": {
            name: {
                "description": DESCRIPTIONS[name],
                "start": _finite(ensemble.start[name]),
                **{
                    key: _finite(float(value))
                    for key, value in zip(
                        ("min", "p5", "p25", "median", "p75", "p95", "max"),
                        runs[name].quantile([0, 0.05, 0.25, 0.5, 0.75, 0.95, 1]).tolist(),
                    )
                },
            }
            for name in SCORES
        },
    }
    if placed is not None:
        answer["placement"] = {
            "plan": placed.plan,
            "scores": {n: _finite(v) for n, v in placed.scores.items()},
            "percentiles": {n: _finite(v) for n, v in placed.percentiles.items()},
        }

    return Response(json.dumps(answer, sort_keys=True), media_type=MEDIA["json"])


def _same_area(plan, atlas, field: str) -> None:

    if plan.atlas is not atlas and lsoa_digest(plan.atlas) != lsoa_digest(atlas):
        raise Problem(
            422,
            "Plan of another area",
            f"{field}: the plan is of {plan.atlas.area.label}, not this area",
            slug="plan-of-another-area",
        )
