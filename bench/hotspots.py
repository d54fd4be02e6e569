"""Benchmark: the first hotspot answer for an ICB in a fresh process (target <= 5 s) and analytic Gi* over every
LSOA in England (about 33,700; target <= 2 s), with esda's analytic Gi* alongside for reference.

Usage::

    NHP_DATA_DIR=../shared/data/raw python bench/hotspots.py [--area QK1] [--skip-england]

The fresh-process figure is what the first ``GET /areas/QK1/hotspots`` pays: imports, the (cached) atlas, the
modelled UEC layer, Gi*, classes, clusters and the published answer; its time is split by step. The analytic
path never imports esda or numba (whose kernels compile for about a minute per process). The England values are
the IoD2025 acute morbidity ratios (what the modelled layer is shared by).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

FRESH = r"""
import json, sys, time
t0 = time.perf_counter()
from geo.atlas import load_atlas
from geo.hotspots import find_hotspots
from geo.uec import uec_layer_for
t1 = time.perf_counter()
atlas = load_atlas(sys.argv[1], data_dir=sys.argv[2])
t2 = time.perf_counter()
layer = uec_layer_for(atlas, sys.argv[2])
t3 = time.perf_counter()
body = json.dumps(find_hotspots(atlas, layer).answer())
t4 = time.perf_counter()
print(json.dumps({"imports": t1 - t0, "atlas": t2 - t1, "layer": t3 - t2, "hotspots": t4 - t3, "lsoas": len(atlas.lsoas),
                  "bytes": len(body), "esda_loaded": "esda" in sys.modules}))
"""


def fresh_process(area: str, data_dir: Path) -> None:
    # warm the atlas cache first, as a server's data folder would be
    subprocess.run(
        [sys.executable, "-c", f"from geo.atlas import load_atlas; load_atlas({area!r}, data_dir={str(data_dir)!r})"],
        check=True,
    )
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", FRESH, area, str(data_dir)], check=True, capture_output=True, text=True)
    total = time.perf_counter() - t
    steps = json.loads(out.stdout.strip().splitlines()[-1])
    print(
        f"first hotspot answer for {area} in a fresh process: {total:.1f} s wall "
        f"({'meets' if total <= 5 else 'misses'} the 5 s target): imports {steps['imports']:.1f} s, "
        f"atlas {steps['atlas']:.1f} s, modelled layer {steps['layer']:.1f} s, Gi* + answer {steps['hotspots']:.2f} s; "
        f"{steps['lsoas']} LSOAs, {steps['bytes'] / 1e6:.1f} MB, esda loaded: {steps['esda_loaded']}"
    )


def england(data_dir: Path) -> None:
    from geo.atlas import load_atlas
    from geo.hotspots.gistar import gi_star

    t = time.perf_counter()
    atlas = load_atlas("england", data_dir=data_dir)
    values = atlas.lsoas.acute_morbidity.fillna(100).to_numpy(float) / 100
    print(f"England atlas: {len(values)} LSOAs ({time.perf_counter() - t:.1f} s, not part of the target)")
    t = time.perf_counter()
    out = gi_star(values, atlas.adjacency, codes=atlas.codes)
    elapsed = time.perf_counter() - t
    print(
        f"Gi* analytic (scipy.sparse) for England: {elapsed:.2f} s ({'meets' if elapsed <= 2 else 'misses'} the "
        f"2 s target); {int((out.q <= 0.05).sum())} LSOAs at q <= 0.05"
    )
    from esda.getisord import G_Local

    w = atlas.weights()
    t = time.perf_counter()
    ref = G_Local(values, w, transform="B", star=True, permutations=0)
    print(
        f"esda G_Local(permutations=0) for reference: {time.perf_counter() - t:.2f} s (weights built beforehand); "
        f"max |z difference| {np.abs(ref.Zs - out.z.to_numpy()).max():.1e}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=os.environ.get("NHP_DATA_DIR"))
    parser.add_argument("--area", default="QK1")
    parser.add_argument("--skip-england", action="store_true")
    args = parser.parse_args()
    if not args.data_dir:
        raise SystemExit("set NHP_DATA_DIR or --data-dir to the official files")
    fresh_process(args.area, args.data_dir)
    if not args.skip_england:
        england(args.data_dir)


if __name__ == "__main__":
    main()
