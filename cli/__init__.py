"""The ``nhp`` command line: one module per command group in this package, each with ``register(subparsers)``.

A module registers its sub-commands and sets ``func`` on each parser; ``main`` runs it. Bad input
(:class:`geo.errors.DataError`) is printed as one line without a traceback and exits with status 2.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from geo.errors import DataError


def build_parser() -> argparse.ArgumentParser:
    """Return the ``nhp`` parser with every command group of this package registered."""
    parser = argparse.ArgumentParser(prog="nhp", description="Neighbourhood Health Planner")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "register"):
            module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``nhp`` with ``argv`` (default ``sys.argv[1:]``) and return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        status = args.func(args)
    except DataError as error:
        print(f"nhp: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return int(status or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
