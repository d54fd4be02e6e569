"""Benchmark: one move plus every plan metric, on a 600-LSOA grid and (with --area) a real study area.

Target: one move + all metrics <= 5 ms on LLR's 634 LSOAs. For comparison the same random moves are timed with
GerryChain's ``Partition.flip`` and its population ``Tally``, ``cut_edges`` and Polsby-Popper updaters (which use
shared perimeters rather than dissolved shapes), when GerryChain is installed.

Usage::

    python bench/plan_move.py                      # 30x20 synthetic grid
    python bench/plan_move.py --area QK1 --data-dir ../shared/data/raw
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from geo.metrics import REGISTRY
from geo.plan import Plan


def boundary_moves(plan: Plan, count: int, seed: int) -> list[tuple[str, str]]:
    """Return random single-LSOA moves to a neighbouring neighbourhood, as a proposal engine would make."""
    rng = np.random.default_rng(seed)
    edges = plan.arrays.edges
    cut = edges[plan.label_index[edges[:, 0]] != plan.label_index[edges[:, 1]]]
    picks = cut[rng.integers(len(cut), size=count)]
    codes = plan.arrays.codes
    return [(codes[i], plan.labels[plan.label_index[j]]) for i, j in picks]


def time_plan(plan: Plan, moves) -> list[float]:
    for name in REGISTRY:
        plan[name]
    times = []
    for code, label in moves:
        started = time.perf_counter()
        child = plan.move({code: label})
        for name in REGISTRY:
            child[name]
        child.summary()
        times.append(time.perf_counter() - started)
    return times


def time_gerrychain(atlas, plan: Plan, moves) -> list[float] | None:
    try:
        from gerrychain import Graph, Partition
        from gerrychain.updaters import (
            Tally,
            boundary_nodes,
            county_splits,
            cut_edges,
            cut_edges_by_part,
            exterior_boundaries,
            interior_boundaries,
            perimeter,
        )
    except ImportError:
        return None

    def polsby_popper(partition):
        area, perim = partition["area"], partition["perimeter"]
        return {part: 4 * np.pi * area[part] / perim[part] ** 2 for part in perim}

    frame = atlas.lsoas[["resident_population", "registered_population", "lad_code", "geometry"]].reset_index()
    graph = Graph.from_geodataframe(frame, adjacency="queen")
    node_of = {code: n for n, code in zip(graph.nodes, frame["lsoa_code"])}
    assignment = {node_of[c]: plan.assignment[c] for c in frame["lsoa_code"]}
    updaters = {
        "population": Tally("resident_population", alias="population"),
        "registered": Tally("registered_population", alias="registered"),
        "cut_edges": cut_edges,
        "cut_edges_by_part": cut_edges_by_part,
        "area": Tally("area", alias="area"),
        "perimeter": perimeter,
        "boundary_nodes": boundary_nodes,
        "exterior_boundaries": exterior_boundaries,
        "interior_boundaries": interior_boundaries,
        "polsby_popper": polsby_popper,
        "lad_splits": county_splits("lad_splits", "lad_code"),
    }
    partition = Partition(graph, assignment, updaters)
    for name in updaters:
        partition[name]
    times = []
    for code, label in moves:
        started = time.perf_counter()
        child = partition.flip({node_of[code]: label})
        for name in updaters:
            child[name]
        times.append(time.perf_counter() - started)
    return times


def report(label: str, times: list[float] | None) -> None:
    if times is None:
        print(f"{label:<42} (not installed)")
        return
    ms = sorted(1000 * t for t in times)
    print(f"{label:<42} median {statistics.median(ms):6.2f} ms   p90 {ms[int(0.9 * len(ms))]:6.2f} ms   n={len(ms)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--area", help="study area (e.g. QK1); default: a 30x20 synthetic grid")
    parser.add_argument("--data-dir")
    parser.add_argument("--moves", type=int, default=300)
    parser.add_argument("--hoods", type=int, default=22, help="neighbourhoods in the starting plan")
    args = parser.parse_args()
    if args.area:
        from geo.atlas import load_atlas

        atlas = load_atlas(args.area, data_dir=args.data_dir)
    else:
        from geo.testing import grid_atlas

        atlas = grid_atlas(30, 20, lad_width=10)
    # A starting plan of compact blobs: k-means on LSOA centroids (well-kept scipy, deterministic seed).
    from scipy.cluster.vq import kmeans2

    xy = np.column_stack([atlas.lsoas.geometry.centroid.x, atlas.lsoas.geometry.centroid.y])
    _, label = kmeans2(xy, args.hoods, seed=1, minit="++")
    plan = Plan(atlas, {c: f"N{k}" for c, k in zip(atlas.lsoas.index, label)}, target=int(atlas.lsoas.resident_population.sum() / args.hoods))
    moves = boundary_moves(plan, args.moves, seed=2)
    print(f"{atlas.area.label}: {len(atlas.lsoas)} LSOAs, {len(plan.neighbourhoods)} neighbourhoods, {len(REGISTRY)} metrics")
    started = time.perf_counter()
    fresh = Plan(atlas, plan.assignment, target=plan.target)
    for name in REGISTRY:
        fresh[name]
    print(f"{'new plan + all metrics (full recount)':<42} {1000 * (time.perf_counter() - started):6.2f} ms")
    report("one move + all metrics + summary (geo.plan)", time_plan(plan, moves))
    report("one flip + updaters (GerryChain)", time_gerrychain(atlas, plan, moves))


if __name__ == "__main__":
    main()
