"""Benchmark: cold and cached atlas build time and peak memory, for LLR (QK1) and for all England.

Each measurement runs in a fresh Python process with a throwaway cache folder, three ways:

- **first run**: an empty cache folder: every raw file is parsed (and its validated frame kept as Parquet);
- **cold**: a fresh build of the area's atlas (no atlas cache) with the parsed sources that a first run, any other
  area's build or ``nhp data`` left (:mod:`geo.sources.parsed`): what a new area costs on a set-up machine;
- **cached**: the area's atlas read back from its GeoParquet cache.

Targets (issues 16 and 26), on a 2-core machine: England cold <= 5 s and cached <= 1 s of wall time; QK1 cold
<= 2 s. The machine may be shared, so each row also gives the process CPU time (all threads: the build reads its
files side by side) and the 1-minute load average.

Usage::

    NHP_DATA_DIR=../shared/data/raw python bench/atlas.py [--areas QK1 england]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, os, resource, sys, time
t0 = time.perf_counter()
from geo.atlas import load_atlas
t1, c1 = time.perf_counter(), time.process_time()
atlas = load_atlas(sys.argv[1], data_dir=sys.argv[2])
t2, c2 = time.perf_counter(), time.process_time()
print(json.dumps({"import_s": t1 - t0, "build_s": t2 - t1, "cpu_s": c2 - c1, "lsoas": len(atlas.lsoas),
                  "load": os.getloadavg()[0], "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(area: str, data_dir: str, cache_dir: str) -> dict:
    env = dict(os.environ, NHP_CACHE_DIR=cache_dir)
    out = subprocess.run(
        [sys.executable, "-c", CHILD, area, data_dir], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--areas", nargs="+", default=["QK1", "england"])
    parser.add_argument("--data-dir", default=os.environ.get("NHP_DATA_DIR", "../shared/data/raw"))
    args = parser.parse_args()
    print("| area | LSOAs | run | build (s) | CPU (s) | peak MB | load average |")
    print("|---|---|---|---|---|---|---|")
    for area in args.areas:
        with tempfile.TemporaryDirectory() as cache:
            rows = {"first run": measure(area, args.data_dir, cache)}
            for built in Path(cache).glob("atlas-*"):
                shutil.rmtree(built)  # keep the parsed sources, drop the area's atlas
            rows["cold"] = measure(area, args.data_dir, cache)
            rows["cached"] = measure(area, args.data_dir, cache)
        for run, row in rows.items():
            print(
                f"| {area} | {row['lsoas']} | {run} | {row['build_s']:.2f} | {row['cpu_s']:.2f} | "
                f"{row['peak_mb']:.0f} | {row['load']:.2f} |"
            )
    print(f"\n(import of geo.atlas not included: {row['import_s']:.2f} s; data: {Path(args.data_dir).resolve()})")


if __name__ == "__main__":
    main()
