"""Reading a plan file on the command line: the plan's parameters come from one place for every command.

``nhp score``, ``compare``, ``profile`` and ``map`` all take ``--target``, ``--tolerance`` and ``--population``;
unset ones come from the settings through :meth:`geo.plan.params.PlanParams.from_settings`, so two commands run
on the same plan file with the same settings measure it against the same parameters. An unset ``--population``
means the basis the plan was made on (its file records it); a given one is an override every output names. A
file that records its band (``target``, ``tolerance``: :mod:`geo.plan.band`) is judged on it, whatever the
settings say; a ``--target`` or ``--tolerance`` that differs from the file's is refused.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from geo.names import printable
from geo.plan import Plan
from geo.plan.params import POPULATION_BASES, PlanParams, Provenance
from geo.sources.upload_kinds import KINDS

#: The help of a plan-file argument: the formats are the upload reader's (geo.sources.upload_kinds.KINDS).
PLAN_FILE = f"plan file: {KINDS['plan'].accepts()}"


def add_plan_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--target``, ``--tolerance``, ``--population`` and ``--name-column`` to a plan-reading command."""
    parser.add_argument(
        "--target", type=float, help="target population per neighbourhood (default NHP_TARGET_POPULATION)"
    )
    parser.add_argument("--tolerance", type=float, help="allowed relative deviation, e.g. 0.1 (default NHP_TOLERANCE)")
    parser.add_argument(
        "--population",
        choices=POPULATION_BASES,
        default=None,
        help="judge the plan on this population instead of the one it was made on (recorded in "
        "its file; lists for a practice plan, else resident); the output names the override",
    )
    parser.add_argument(
        "--name-column", help="column naming the neighbourhoods in a polygon file (default: first text column)"
    )


def plan_params_from_args(args: argparse.Namespace):
    """Return the :class:`geo.plan.params.PlanParams` the arguments and the settings give."""
    return PlanParams.from_settings(
        target=getattr(args, "target", None),
        tolerance=getattr(args, "tolerance", None),
        population=getattr(args, "population", None),
    )


def plan_from_args(path: Path, atlas, args: argparse.Namespace):
    """Read the plan file ``path`` for ``atlas`` as a :class:`geo.plan.Plan` with the arguments' parameters.

    The plan is named after the file through the name rule (:func:`geo.names.name_from_file`: no escape or
    control character of a file name reaches the JSON or the terminal)."""
    # --target and --tolerance go apart from the settings' defaults: a file that records its band is judged on
    # it, and a flag that differs from it is refused (geo.plan.band.settled), as POST /plans/import does.
    return Plan.from_file(
        path,
        atlas,
        name_column=getattr(args, "name_column", None),
        params=plan_params_from_args(args),
        provenance=Provenance("imported", source=printable(Path(path).name)),
        target=getattr(args, "target", None),
        tolerance=getattr(args, "tolerance", None),
    )
