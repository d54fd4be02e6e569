"""The ``nhp`` command line: one module per command group in this package, each with ``register(subparsers)``.

A module registers its sub-commands and sets ``func`` on each parser; ``main`` runs it. Bad input
(:class:`geo.errors.DataError`) and bad options (an unknown choice, a missing argument) are printed as one line
without a traceback or usage block and exit with status 2; an error about a file's header says "header row",
never "row 0". Everything written to the terminal passes :func:`geo.names.printable`, so names read from files
cannot send escape sequences, bells or right-to-left overrides to it. ``--out`` must name a file in an existing
folder: a typo in a folder name is an error, not a new folder.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from pathlib import Path

from pydantic import ValidationError

from geo.errors import DataError
from geo.names import printable
from geo.writers import check_folder


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (``nhp score: error: ...``), not a usage block.

    Sub-command parsers are made with the same class, so every command behaves alike.
    """

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {printable(message)} (see {self.prog} --help)\n")


class PrintableStream:
    """A text stream that drops control characters and ANSI escapes before writing to the real one."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(printable(text))

    def __getattr__(self, name):
        return getattr(self._stream, name)


def describe(error: DataError) -> str:
    """Return the one line printed for ``error``: as ``str(error)``, but a row 0 is called the header row.

    Examples
    --------
    >>> describe(DataError("no LSOA column", file="plan.csv", row=0))
    'plan.csv, header row: no LSOA column'
    """
    text = str(error)
    if error.row == 0:
        text = text.replace("row 0", "header row", 1)
    return printable(text)


def check_out(args: argparse.Namespace) -> None:
    """Raise DataError when ``--out`` names a file (or folder) in a folder that does not exist."""
    out = getattr(args, "out", None)
    if out is not None:
        check_folder(out)


def build_parser() -> argparse.ArgumentParser:
    """Return the ``nhp`` parser with every command group of this package registered."""
    parser = Parser(prog="nhp", description="Neighbourhood Health Planner")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "register"):
            module.register(subparsers)
    return parser


def invalid_values(error: ValidationError) -> str:
    """One line naming each invalid value of ``error``: a setting by its environment variable (``NHP_...``).

    Examples
    --------
    >>> from geo.settings import Settings
    >>> try:
    ...     Settings(suppression_threshold=3)
    ... except ValidationError as error:
    ...     print(invalid_values(error))
    NHP_SUPPRESSION_THRESHOLD=3: Input should be greater than or equal to 7
    """
    setting = error.title == "Settings"
    parts = []
    for problem in error.errors():
        name = ".".join(str(part) for part in problem["loc"]) or error.title
        name = f"NHP_{name.upper()}" if setting else name
        parts.append(f"{name}={printable(str(problem.get('input', '')))[:40]}: {problem['msg']}")
    return "; ".join(parts)


def main(argv: list[str] | None = None) -> int:
    """Run ``nhp`` with ``argv`` (default ``sys.argv[1:]``) and return the exit status."""
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = PrintableStream(stdout), PrintableStream(stderr)
    try:
        try:  # the options' defaults are the settings: one out of range is one line, no traceback
            parser = build_parser()
        except ValidationError as error:
            print(f"nhp: error: {invalid_values(error)}", file=sys.stderr)
            return 2
        try:
            args = parser.parse_args(argv)
        except SystemExit as stop:  # argparse's own exit (an error, or --help): keep its status
            return int(stop.code or 0) if not isinstance(stop.code, str) else 2
        if not getattr(args, "func", None):
            parser.print_help()
            return 0
        try:
            check_out(args)
            status = args.func(args)
        except DataError as error:
            print(f"nhp: error: {describe(error)}", file=sys.stderr)
            return 2
        except ValidationError as error:  # a setting (NHP_...) or option out of its range: one line, no traceback
            print(f"nhp: error: {invalid_values(error)}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            return 130
        return int(status or 0)
    finally:
        sys.stdout, sys.stderr = stdout, stderr


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
