"""Time a ReCom ensemble on a real area against GerryChain's ReCom on the same graph and start plan, in one run.

    NHP_DATA_DIR=/work/shared/data/raw python bench/ensemble.py --area QK1 --steps 10000 --peer-steps 500

Both chains start from the same plan (the proposal with ``--nest``, seed ``--seed``), on the same graph (the
atlas's LSOA contiguity graph, with edges between nesting groups removed for GerryChain, which knows no nesting),
with GerryChain 1.0's default ``recom`` (``pop_target`` the target, ``epsilon`` the tolerance, every proposal
accepted). Timed: the steps alone (ours: the compiled loop, already compiled; GerryChain: iterating its
``MarkovChain``), and our whole run (start plan, arrays, steps, scores). GerryChain is slow on a loaded machine,
so it runs ``--peer-steps`` steps and its time is scaled per step to ``--steps`` (said in the output). The
load average (``os.getloadavg``) is printed before and after. The default start nests in nothing: with
``--nest lad`` QK1's proposal has constrained authorities whose pair GerryChain cannot rebalance (it would
retry that pair 100,000 times and raise), which our chain never draws.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--area", default="QK1")
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--peer-steps", type=int, default=500, help="GerryChain steps timed (scaled per step)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--nest", default="none", choices=["lad", "utla", "icb", "none"])
    args = parser.parse_args(argv)

    import numpy as np

    from geo.atlas import load_atlas
    from geo.ensemble import run_ensemble
    from geo.ensemble.chain_state import ChainState
    from geo.ensemble.peer import gerrychain_chain
    from geo.propose import ProposalParams, propose
    from geo.testing import grid_atlas

    load_before = os.getloadavg()
    atlas = load_atlas(args.area)
    plan = propose(atlas, ProposalParams.from_settings(nest=args.nest, seed=args.seed), name="proposal")
    grid = grid_atlas(4, 4)  # compile (or load the cached machine code) before timing
    run_ensemble(
        grid,
        {c: "AB"[i % 4 // 2] for i, c in enumerate(grid.codes)},
        steps=5,
        seed=1,
        target=12_000,
        tolerance=0.3,
        nest="none",
    )

    began = time.perf_counter()
    ensemble = run_ensemble(atlas, plan, steps=args.steps, seed=args.seed, nest=args.nest)
    ours_total = time.perf_counter() - began
    state = ChainState(atlas, plan, args.nest)
    began = time.perf_counter()
    state.run(np.random.default_rng(args.seed), args.steps, 10_000)  # the same draws as run_ensemble's
    ours_steps = time.perf_counter() - began

    chain = gerrychain_chain(atlas, plan, steps=args.peer_steps + 1, seed=args.seed, nest=args.nest)
    began = time.perf_counter()
    seen = sum(1 for _ in chain) - 1  # the chain yields its start first
    peer = time.perf_counter() - began
    peer_scaled = peer / seen * args.steps
    load_after = os.getloadavg()

    print(
        f"{atlas.area.label}: {len(atlas.lsoas)} LSOAs, {len(plan.neighbourhoods)} neighbourhoods, "
        f"nest {args.nest}, seed {args.seed}"
    )
    print(
        f"ours: {args.steps:,} steps {ours_steps:.3f} s ({args.steps / ours_steps:,.0f} steps/s; whole run with "
        f"start plan arrays and scores {ours_total:.3f} s); "
        f"mean trees per step {ensemble.runs.trees.mean():.2f}"
    )
    from importlib.metadata import version

    print(
        f"GerryChain {version('gerrychain')}: {seen:,} steps {peer:.2f} s ({seen / peer:,.1f} steps/s), scaled to {args.steps:,} steps "
        f"{peer_scaled:.1f} s"
    )
    print(
        f"ratio (GerryChain / ours, steps only): {peer_scaled / ours_steps:,.0f}x; whole run: "
        f"{peer_scaled / ours_total:,.0f}x"
    )
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
