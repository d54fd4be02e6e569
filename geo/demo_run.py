"""Run the whole planner on the synthetic demo region, offline: atlas, summary, proposal, score, synthetic UEC
extract and hotspots, neighbourhood profiles and the plan map.

Every file written says it is synthetic demo data: in its name, and in a column, property or title inside it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from geo.demo import DEMO_AREA, demo_data_dir
from geo.atlas import load_atlas
from geo.hotspots import find_hotspots
from geo.maps import plan_map, save_map
from geo.plan.io import write_plan
from geo.propose import ProposalParams, propose
from geo.atlas.summary import atlas_summary
from geo.uec import read_uec_extract, synthetic_extract, write_extract
from geo.plan import Plan as _Plan
from geo.propose.pcns import pcn_plan_assignment
import pandas as pd

LABEL = "synthetic demo data"
PREFIX = "synthetic-demo-"


@dataclass
class DemoRun:
    """What the demo produced: the files written and the headline figures to print."""

    out_dir: Path
    files: dict[str, Path] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

    def say(self, text: str) -> None:
        self.lines.append(text)


def run_demo(out_dir: str | Path, *, seed: int = 1, permutations: int = 999) -> DemoRun:
    """Run every step on the demo region and write the outputs to ``out_dir``.

    Examples
    --------
    >>> run = run_demo("/tmp/nhp-demo")  # doctest: +SKIP
    >>> sorted(run.files)  # doctest: +SKIP
    ['hotspots', 'map', 'plan', 'plan_footprints', 'profiles', 'score', 'summary', 'uec_extract']
    """
    from geo.profiles import (
        neighbourhood_profiles,
    )  # lazy: looked up per call (tests patch geo.profiles.neighbourhood_profiles)

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    run = DemoRun(out)
    atlas = load_atlas(DEMO_AREA, data_dir=demo_data_dir())
    run.say(
        f"Atlas: {atlas.area.label}: {len(atlas.lsoas)} LSOAs, {len(atlas.practices)} practices, "
        f"{int(atlas.lsoas.resident_population.sum()):,} residents ({LABEL})"
    )

    summary = atlas_summary(atlas, by="lad")
    summary["data"] = LABEL
    run.files["summary"] = _csv(summary, out / f"{PREFIX}atlas-summary.csv")
    run.say(summary.drop(columns="data").to_string(index=False))

    params = ProposalParams.from_settings(nest="lad", seed=seed)
    plan = propose(atlas, params, name=f"Demo proposal ({LABEL})")
    run.files["plan"] = _labelled(write_plan(plan, out / f"{PREFIX}plan.csv"))
    run.files["plan_footprints"] = write_plan(plan, out / f"{PREFIX}plan.geojson")
    scored = plan.to_dict()
    scored["data"] = LABEL
    run.files["score"] = out / f"{PREFIX}plan-score.json"
    run.files["score"].write_text(json.dumps(scored, indent=2, default=str), encoding="utf-8")
    s = plan.summary()
    run.say(
        f"Proposal: {s['neighbourhoods']} neighbourhoods, max |deviation| {s['max_abs_deviation_pct']:.1f} %, "
        f"contiguous {s['contiguous']}, LA crossings {s['la_crossings']}, practice splits {s['practice_splits']}"
        + (f"; not met: {'; '.join(plan.unmet)}" if plan.unmet else "")
    )

    # List-based: whole practices (exact per authority) and today's PCNs, the baseline every proposal is scored on.

    listed = propose(
        atlas, params.replace(build_from="practices", population="list"), name=f"Demo whole-practice proposal ({LABEL})"
    )
    pcns = _Plan.from_practices(atlas, pcn_plan_assignment(atlas), listed.params, name=f"Demo PCNs today ({LABEL})")
    run.files["plan_practices"] = _labelled(write_plan(listed, out / f"{PREFIX}plan-practices.csv"))
    run.files["plan_pcns"] = _labelled(write_plan(pcns, out / f"{PREFIX}plan-pcns-today.csv"))
    for what, made in (("Whole practices", listed), ("PCNs today", pcns)):
        s = made.summary()
        run.say(
            f"{what}: {s['neighbourhoods']} neighbourhoods of whole practices, max |deviation| "
            f"{s['max_abs_deviation_pct']:.1f} % of list, within ±10 % {s['within_10_pct']:.0f}%, "
            "alignment of list and place "
            + ("not published" if s["alignment_pct"] is None else f"{s['alignment_pct']:.1f} %")
        )

    centres = _hotspot_centres(atlas)
    extract = synthetic_extract(atlas, seed=seed, hotspots=centres, relative_risk=2.5)
    run.files["uec_extract"] = _labelled(write_extract(extract, out / f"{PREFIX}uec-extract.csv"))
    layer = read_uec_extract(run.files["uec_extract"], atlas, strict=True, label=f"Demo A&E extract ({LABEL})")
    hotspots = find_hotspots(atlas, layer, permutations=permutations, seed=seed)
    run.files["hotspots"] = hotspots.to_csv(out / f"{PREFIX}uec-hotspots.csv")
    high = int((hotspots.frame.hotspot == "high").sum())
    run.say(
        f"UEC hotspots: {high} high LSOAs in {len(hotspots.clusters)} clusters (planted around {', '.join(centres)})"
    )

    profiles = neighbourhood_profiles(plan, hotspots=hotspots)
    run.files["profiles"] = profiles.write(out / f"{PREFIX}neighbourhood-profiles.html")
    run.files["profiles_xlsx"] = profiles.write(out / f"{PREFIX}neighbourhood-profiles.xlsx")

    m = plan_map(atlas, plan, hotspots=hotspots)
    run.files["map"] = save_map(m, out / f"{PREFIX}plan-map.html")
    return run


def _labelled(path: Path) -> Path:
    """Add a ``data`` column saying "synthetic demo data" to a CSV the importers read back (they ignore it)."""

    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["data"] = LABEL
    return _csv(frame, path)


def _csv(frame, path: Path) -> Path:
    frame.to_csv(path, index=False, lineterminator="\n")
    return path


def _hotspot_centres(atlas) -> list[str]:
    """Two planted clusters: the most deprived city LSOA and a market-town LSOA, chosen from the data."""
    layer = atlas.lsoas
    city = layer[layer.lad_code == layer.lad_code.mode().iloc[0]].sort_values("imd_rank").index[0]
    others = layer[layer.lad_code != layer.loc[city, "lad_code"]]
    town = others.sort_values("resident_population").index[len(others) // 2]
    return [str(city), str(town)]
