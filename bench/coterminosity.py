"""Ward splits and balance of the default proposal and of ``--respect wards``, side by side (issue 12).

    NHP_DATA_DIR=/work/shared/data/raw python bench/coterminosity.py [--area QK1] [--seed 1]

For each proposal: neighbourhoods, largest |deviation| from the target, share within ±5 % and ±10 %, wards
split between neighbourhoods (counted from the atlas's ward_code, by the coterminosity score), the ward
coterminosity index and the time taken. The search is fixed by counts, so the figures depend only on the seed.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from geo.atlas import load_atlas
from geo.plan.coterminosity import coterminosity
from geo.propose import ProposalParams, propose


def measure(atlas, respect: str, seed: int) -> dict:
    start = time.monotonic()
    plan = propose(atlas, ProposalParams(target=50_000, tolerance=0.10, seed=seed, respect=respect, time_budget=600))
    seconds = time.monotonic() - start
    summary = plan.summary()
    wards = coterminosity(plan, "wards")
    return {
        "respect": respect,
        "neighbourhoods": summary["neighbourhoods"],
        "max |dev| %": round(summary["max_abs_deviation_pct"], 1),
        "within ±5 %": f"{summary['within_5_pct']:.0f}%",
        "within ±10 %": f"{summary['within_10_pct']:.0f}%",
        "wards split": len(wards.split),
        "wards": wards.units,
        "ward index": round(wards.index, 3),
        "practice splits": summary["practice_splits"],
        "seconds": round(seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--area", default="QK1")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    atlas = load_atlas(args.area)
    rows = [measure(atlas, respect, args.seed) for respect in ("practices", "wards")]
    print(f"{atlas.area.label}: {len(atlas.lsoas)} LSOAs, target 50,000 ± 10 %, seed {args.seed}")
    print(pd.DataFrame(rows).set_index("respect").T.to_string())


if __name__ == "__main__":
    main()
