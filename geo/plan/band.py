"""A plan's balance rule in its files: written on every row, read back checked, so verdicts never change.

A plan is judged against a band: its target ± its tolerance (a proposal's ``--min-size/--max-size`` band is the
same thing, its midpoint ± its half-width: :class:`geo.propose.ProposalParams`). Every plan file records it on
every row, in columns a spreadsheet keeps: ``target`` and ``tolerance`` and, for a plan proposed with a size band,
``min_size`` and ``max_size`` too (the target is written exactly, a fractional one such as 50000.5 or a counted
plan's mean included, so the band read back is the band written; never rounded to whole people). Reading checks every cell and returns the band, which the reader makes the plan's
(:func:`geo.plan.reader.load_plan`), so the plan read back gives the in-band verdicts, tallies and validation of
the plan that wrote it.

A reader's own target or tolerance (``nhp score --tolerance``, the ``tolerance`` field of ``POST /plans/import``)
equal to the file's is accepted; one that differs is refused (:func:`settled`): the file is the plan, and two
outputs of one plan file never disagree about which neighbourhoods are in band. To judge it against another band,
drop the file's ``target`` and ``tolerance`` columns (its size columns too). A file without ``tolerance`` (written
before plans recorded it; an older footprint file's lone ``target`` is ignored) reads as before, from the
reader's parameters.
"""

from __future__ import annotations

import math

import pandas as pd

from geo.errors import PlanError
from geo.plan.lookup import BAND_COLUMNS, normalised_header
from geo.plan.params import MAX_TARGET

#: The columns of the balance rule (:data:`geo.plan.lookup.BAND_COLUMNS`), in the order a file writes them.
TARGET_COLUMN, TOLERANCE_COLUMN, MIN_COLUMN, MAX_COLUMN = BAND_COLUMNS
#: How far a written target may be from a size band's midpoint, or a reader's target from the file's (a file
#: written before targets were written exactly gave whole people).
TARGET_SLACK = 0.5
#: How far two tolerances may differ and be one (a spreadsheet may shorten a long decimal).
TOLERANCE_SLACK = 1e-9


def record_band(table: pd.DataFrame, plan) -> None:
    """Add the plan's balance rule to every row of a layer's table: ``target``, ``tolerance`` and, for a plan
    proposed with a size band still judged on it, ``min_size`` and ``max_size``.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.propose import ProposalParams, propose
    >>> plan = propose(grid_atlas(4, 1), ProposalParams(min_size=2001, max_size=4000))
    >>> table = pd.DataFrame({"neighbourhood": sorted(plan.neighbourhoods)})
    >>> record_band(table, plan)
    >>> table.drop(columns="neighbourhood").drop_duplicates().to_dict("records")
    [{'target': 3000.5, 'tolerance': 0.33311114814197634, 'min_size': 2001, 'max_size': 4000}]
    """
    table[TARGET_COLUMN] = plan.target
    table[TOLERANCE_COLUMN] = float(plan.tolerance)
    made = plan.provenance.params
    low, high = made.get(MIN_COLUMN), made.get(MAX_COLUMN)
    if low is not None and high is not None and _from_sizes(low, high) == (plan.target, plan.tolerance):
        table[MIN_COLUMN], table[MAX_COLUMN] = low, high


def recorded_band(frame: pd.DataFrame, *, source: str) -> dict | None:
    """The balance rule a plan table records: ``{"target", "tolerance"}`` (and ``"min_size"``, ``"max_size"``
    for a size band, the target and tolerance then derived from them as a proposal does); ``None`` for a table
    without a ``tolerance`` column (an older file). A bad or disagreeing cell is one PlanError naming the file,
    row and column; a blank cell (a row added by hand) is the plan's one value too.

    Examples
    --------
    >>> frame = pd.DataFrame({"lsoa_code": ["A", "B"], "target": ["5000", "5000"], "tolerance": ["0.05", ""]})
    >>> recorded_band(frame, source="p.csv")
    {'target': 5000, 'tolerance': 0.05}
    >>> recorded_band(frame.assign(tolerance=["0.05", "1.5"]), source="p.csv")
    Traceback (most recent call last):
    ...
    geo.errors.PlanError: p.csv, row 2, column 'tolerance': tolerance '1.5' is not allowed (expected a share from 0 up to but not including 1, e.g. 0.1, the same on every row)
    """
    columns = {normalised_header(c): c for c in frame.columns}
    sizes = [c for c in (MIN_COLUMN, MAX_COLUMN) if c in columns]
    if TOLERANCE_COLUMN not in columns and not sizes:
        return None  # an older file (a footprint file's lone target included): the reader's parameters
    needed = (TARGET_COLUMN, TOLERANCE_COLUMN) if not sizes else (MIN_COLUMN, MAX_COLUMN)
    for column in needed:
        if column not in columns:
            raise PlanError(
                f"the file records its balance rule but has no {column} column",
                file=source,
                row=0,
                column=column,
                expected=f"both {' and '.join(needed)} on every row, or none (measured from the reader's target)",
            )
    found = {c: _one_value(frame, columns[c], c, source) for c in BAND_COLUMNS if c in columns}
    if None in (found.get(c) for c in needed):
        return None  # every cell blank: nothing recorded
    if not sizes:
        return {"target": _whole(found[TARGET_COLUMN][0]), "tolerance": found[TOLERANCE_COLUMN][0]}
    (low, _), (high, high_row) = found[MIN_COLUMN], found[MAX_COLUMN]
    if not low < high:
        raise PlanError(
            f"min_size {low:,g} is not below max_size {high:,g}",
            file=source,
            row=high_row,
            column=str(columns[MAX_COLUMN]),
            expected="a smallest size below the largest, as the plan's size band was proposed",
        )
    target, tolerance = _from_sizes(low, high)
    for column, value, slack in ((TARGET_COLUMN, target, TARGET_SLACK), (TOLERANCE_COLUMN, tolerance, TOLERANCE_SLACK)):
        given = found.get(column)
        if given is not None and given[0] is not None and abs(given[0] - value) > slack:
            raise PlanError(
                f"{column} {given[0]:,.10g} is not the size band {low:,g} to {high:,g}'s ({value:,.10g})",
                file=source,
                row=given[1],
                column=str(columns[column]),
                expected="the midpoint and half-width of the size band on the same rows",
            )
    return {"target": target, "tolerance": tolerance, "min_size": _whole(low), "max_size": _whole(high)}


def settled(band: dict | None, given: dict, *, source: str) -> dict:
    """The target and tolerance a plan read from a file is judged on: the file's (``band``), or the reader's
    (``given``, ``None`` values unset) for a file that records none. A reader's value that differs from the
    file's is refused with one PlanError naming the file and column.

    Examples
    --------
    >>> settled({"target": 5000, "tolerance": 0.05}, {"target": 5000.0, "tolerance": None}, source="p.csv")
    {'target': 5000, 'tolerance': 0.05}
    >>> settled(None, {"target": 9000, "tolerance": None}, source="p.csv")
    {'target': 9000}
    >>> settled({"target": 5000, "tolerance": 0.05}, {"tolerance": 0.1}, source="p.csv")
    Traceback (most recent call last):
    ...
    geo.errors.PlanError: p.csv, column 'tolerance': the tolerance 0.1 given differs from the 0.05 the plan file records (expected no tolerance (the file's is used), the file's own, or a copy of the file without its target and tolerance columns to judge it against another band)
    """
    asked = {k: v for k, v in given.items() if k in ("target", "tolerance") and v is not None}
    if band is None:
        return asked
    for key, value in asked.items():
        slack = TARGET_SLACK if key == "target" else TOLERANCE_SLACK
        if abs(float(value) - float(band[key])) > slack:
            raise PlanError(
                f"the {key} {value:,g} given differs from the {band[key]:,g} the plan file records",
                file=source,
                column=key,
                expected=f"no {key} (the file's is used), the file's own, or a copy of the file without its target "
                "and tolerance columns to judge it against another band",
            )
    return {"target": band["target"], "tolerance": band["tolerance"]}


def _from_sizes(low, high) -> tuple[int | float, float]:
    """A size band's target and tolerance, as :class:`geo.propose.ProposalParams` derives them."""
    mid = (low + high) / 2
    return (int(mid) if float(mid).is_integer() else mid), (high - low) / (high + low)


def _whole(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _one_value(frame: pd.DataFrame, column, name: str, source: str) -> tuple[float, int] | None:
    """The one number every non-blank cell of ``column`` holds and its first row, ``None`` when all are blank,
    or one PlanError naming the first row that is not an allowed number or differs from an earlier row."""
    cells = frame[column].where(frame[column].notna(), "").astype(str).str.strip().to_numpy()
    first: tuple[float, int] | None = None
    for i, cell in enumerate(cells):
        if not cell:
            continue
        row = i + 1
        value = _number(cell, name)
        if value is None:
            raise PlanError(
                f"{name} {cell!r} is not allowed",
                file=source,
                row=row,
                column=str(column),
                expected=(
                    "a share from 0 up to but not including 1, e.g. 0.1"
                    if name == TOLERANCE_COLUMN
                    else f"a number of people from 1 to {MAX_TARGET:,}"
                )
                + ", the same on every row",
            )
        if first is None:
            first = (value, row)
        elif abs(value - first[0]) > (TOLERANCE_SLACK if name == TOLERANCE_COLUMN else 0):
            raise PlanError(
                f"{name} {cell} differs from {first[0]:,.10g} on row {first[1]}",
                file=source,
                row=row,
                column=str(column),
                expected="one balance rule on every row: the plan's",
            )
    return first


def _number(cell: str, name: str) -> float | None:
    """A cell's number if it is allowed in column ``name``, else ``None``."""
    try:
        value = float(cell.replace(",", ""))
    except ValueError:
        return None
    if not math.isfinite(value):
        return None
    if name == TOLERANCE_COLUMN:
        return value if 0 <= value < 1 else None
    return value if 1 <= value <= MAX_TARGET else None
