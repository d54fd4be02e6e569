"""``nhp demo``: run the planner offline on the synthetic demo region and say where the outputs are."""

from __future__ import annotations

from pathlib import Path

from geo.settings import get_settings


def register(subparsers) -> None:
    parser = subparsers.add_parser("demo", help="run everything offline on a synthetic demo region")
    parser.add_argument("--out", type=Path, help="output folder (default: ./nhp-demo)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--permutations", type=int, default=999, help="Gi* permutations (default 999)")
    parser.set_defaults(func=run)


def run(args) -> int:
    from geo.demo_run import run_demo  # lazy: nhp --help start-up: folium, matplotlib, PIL: 918 modules, 12 s

    out = args.out or Path.cwd() / "nhp-demo"
    result = run_demo(out, seed=args.seed, permutations=args.permutations)
    print("Neighbourhood Health Planner: demo on SYNTHETIC DEMO DATA (not real places or people)\n")
    for line in result.lines:
        print(line)
    print("\nWrote:")
    for name, path in result.files.items():
        print(f"  {name:<16} {path}")
    settings = get_settings()
    print(f"\nOpen {result.files['map']} in a browser to see the plan map.")
    print(
        f"Planner page: run `nhp serve` and open http://{settings.host}:{settings.port}/ "
        "(pick the Demoshire area to draw neighbourhoods)."
    )
    return 0
