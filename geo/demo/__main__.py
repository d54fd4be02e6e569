"""``python -m geo.demo [--out DIR] [--seed N]``: (re)generate the demo region, by default into ``data/demo``."""

from __future__ import annotations

import argparse
from pathlib import Path

from geo.demo.store import DEFAULT_SEED, REPO_DEMO_DIR, write_demo_region


def main(argv: list[str] | None = None) -> int:
    """Write the demo region and print what was written."""
    parser = argparse.ArgumentParser(prog="python -m geo.demo", description=__doc__)
    parser.add_argument("--out", type=Path, default=REPO_DEMO_DIR, help="output folder (default: data/demo)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default 1)")
    args = parser.parse_args(argv)
    files = write_demo_region(args.out, seed=args.seed)
    total = sum(p.stat().st_size for p in files.values())
    print(f"wrote {len(files)} files ({total / 1e6:.2f} MB) to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
