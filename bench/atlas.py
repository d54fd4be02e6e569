"""Benchmark: cold and cached atlas build time and peak memory, for LLR (QK1) and for all England.

Each measurement runs in a fresh Python process (so "cold" includes reading every file and "cached" includes
reading the GeoParquet cache), with a throwaway cache folder. Targets (issue 16), on a 2-core machine: England
cold <= 10 s and cached <= 1 s of wall time; LLR cold <= 2 s. The machine may be shared, so each row also gives
the process CPU time (all threads: the build reads its files side by side) and the 1-minute load average.

Usage::

    NHP_DATA_DIR=../shared/data/raw python bench/atlas.py [--areas QK1 england]
"""

from __future__ import annotations

import argparse
import json
import os
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
    print(
        "| area | LSOAs | cold build (s) | cold CPU (s) | cold peak MB | cached load (s) | cached CPU (s) | "
        "cached peak MB | load average |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for area in args.areas:
        with tempfile.TemporaryDirectory() as cache:
            cold = measure(area, args.data_dir, cache)
            warm = measure(area, args.data_dir, cache)
        print(
            f"| {area} | {cold['lsoas']} | {cold['build_s']:.2f} | {cold['cpu_s']:.2f} | {cold['peak_mb']:.0f} | "
            f"{warm['build_s']:.2f} | {warm['cpu_s']:.2f} | {warm['peak_mb']:.0f} | "
            f"{cold['load']:.2f} / {warm['load']:.2f} |"
        )
    print(f"\n(import of geo.atlas not included: {cold['import_s']:.2f} s; data: {Path(args.data_dir).resolve()})")


if __name__ == "__main__":
    main()
