"""A counted plan's ideals in its files: written on every row, read back checked, so deviations never change.

A plan made with a number of neighbourhoods per place (``ideal_sizes`` in its provenance) measures each
neighbourhood from its place's ideal (:mod:`geo.metrics.balance`). Its files record that on every row, in columns a
spreadsheet keeps (no comment lines): the row's neighbourhood's place (``place``), the place's count
(``place_neighbourhoods``) and its ideal size (``place_ideal``, the place's published total over its count,
written in full: :func:`geo.disclosure.margins.place_totals`, so no small part can be worked back from it).
A plan of a target has none of them, nor has an older file: both are read as before, from the target.

Reading checks every value rather than trusting it, and restores the ideals and the nesting level into the
plan's provenance, so the plan read back gives the deviations, tallies and in-band verdicts of the plan that wrote
it: one neighbourhood has one place, one place one count and one ideal; the place is one of the study area's
(its local authorities, upper tiers or ICBs, or the whole area), and for a plan of LSOAs the ideal is the
place's total over its count, recounted from the atlas. Once the plan is made, each neighbourhood's place must be
the one its people put it in (:func:`check_places`). Every problem is one :class:`geo.errors.PlanError` naming
the file, row and column.

A plan nested in a user's geography (a re-nested counted plan) records its ideals too, with ``place_level``
``custom``: its units are in no data folder, so the reader takes them from the plan's own rows (each LSOA, or each
practice's site, in its neighbourhood's place, as a re-nested plan nests) and recounts each unit's total from
them (:func:`check_totals`: the published total of its neighbourhoods' people or lists), as it does for a plan of
whole practices.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geo.contract import NEST_COLUMNS
from geo.disclosure.margins import place_totals
from geo.errors import PlanError
from geo.metrics.balance import ideal_places, place_ideals
from geo.plan.lookup import (
    PLACE_COLUMN,
    PLACE_COLUMNS,
    PLACE_COUNT_COLUMN,
    PLACE_IDEAL_COLUMN,
    PLACE_LEVEL_COLUMN,
    normalised_header,
)
from geo.plan.params import POPULATION_COLUMNS

if TYPE_CHECKING:
    from geo.atlas.model import Atlas
    from geo.plan import Plan

#: The levels a recorded place is looked for at, in order (the whole area last: a one-authority area's code is
#: its authority's too, and both give the same total).
LEVELS = ("lad", "utla", "icb", "none")
#: How far a recorded ideal may be from the place's total over its count (a file rounded by a spreadsheet).
SLACK = 0.5
#: The :data:`geo.plan.lookup.PLACE_LEVEL_COLUMN` value of a plan whose places are a user's units.
CUSTOM = "custom"


def record_ideals(table: pd.DataFrame, plan: "Plan", name_column: str) -> None:
    """Add :data:`geo.plan.lookup.PLACE_COLUMNS` to a layer's table of a counted plan, from each row's
    neighbourhood (in ``name_column``), and :data:`geo.plan.lookup.PLACE_LEVEL_COLUMN` for one nested in a user's
    geography (a re-nested plan); no columns for a plan of a target.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.propose import ProposalParams, propose
    >>> plan = propose(grid_atlas(4, 1, lad_width=2), ProposalParams(neighbourhoods={"E07009000": 1, "E07009001": 2}))
    >>> table = pd.DataFrame({"neighbourhood": sorted(plan.neighbourhoods)})
    >>> record_ideals(table, plan, "neighbourhood")
    >>> table[["place", "place_neighbourhoods", "place_ideal"]].drop_duplicates().values.tolist()
    [['E07009000', 1, 3000.0], ['E07009001', 2, 1500.0]]
    """
    ideals = place_ideals(plan)
    if not ideals:
        return
    places = ideal_places(plan)
    # A neighbourhood in no place (no counted people) is measured from the target: blank cells say so.
    place = table[name_column].map(places)
    table[PLACE_COLUMN] = place
    table[PLACE_COUNT_COLUMN] = pd.array(
        [int(ideals[p]["neighbourhoods"]) if p in ideals else None for p in place], dtype="Int64"
    )
    table[PLACE_IDEAL_COLUMN] = [float(ideals[p]["ideal"]) if p in ideals else np.nan for p in place]
    if plan.provenance.params.get("nest") == "custom":  # a user's units: the reader takes them from the rows
        table[PLACE_LEVEL_COLUMN] = CUSTOM


def recorded_ideals(
    frame: pd.DataFrame, names: pd.Series, atlas: "Atlas", basis: str | None, *, source: str
) -> tuple[dict, dict[str, tuple[str, int]]] | None:
    """The ideals a plan table records: ``(params, places)``, where ``params`` restores ``nest`` and
    ``ideal_sizes`` into the plan's provenance and ``places`` gives each neighbourhood its recorded place and
    first row; ``None`` for a table without ``place_ideal`` (a plan of a target, an older file).

    ``names`` is each row's neighbourhood, in the table's order; ``basis`` the population basis the file records.
    A plan of lists, or of a user's units, is recounted from its own rows once it is made (:func:`check_totals`).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> atlas = grid_atlas(4, 1, lad_width=2)  # two authorities of 3,000 people
    >>> frame = pd.DataFrame({"place": ["E07009000", "E07009001"], "place_neighbourhoods": ["1", "2"],
    ...                       "place_ideal": ["3000", "1500"]})
    >>> params, places = recorded_ideals(frame, pd.Series(["A", "B"]), atlas, "resident", source="p.csv")
    >>> params["nest"], params["ideal_sizes"]["E07009001"]["ideal"], places["B"]
    ('lad', 1500.0, ('E07009001', 2))
    >>> recorded_ideals(frame.assign(place_ideal=["3000", "1400"]), pd.Series(["A", "B"]), atlas, None, source="p.csv")
    Traceback (most recent call last):
    ...
    geo.errors.PlanError: p.csv, row 2, column 'place_ideal': the ideal 1,400 of place E07009001 is not its total of 3,000 people over its 2 neighbourhoods (1,500) (expected each place's total over its count, as the plan that wrote the file measured it)
    """
    columns = {normalised_header(c): c for c in frame.columns}
    if PLACE_IDEAL_COLUMN not in columns:  # an older file's own "place" column may name its neighbourhoods
        return None
    missing = [c for c in PLACE_COLUMNS if c not in columns]
    if missing:
        raise PlanError(
            f"the file records ideals but has no {missing[0]} column",
            file=source,
            row=0,
            column=missing[0],
            expected=f"all three of {', '.join(PLACE_COLUMNS)}, or none (a plan measured from the target)",
        )
    cells = {c: frame[columns[c]].where(frame[columns[c]].notna(), "").astype(str).str.strip() for c in PLACE_COLUMNS}
    names = names.astype(str).to_numpy()
    given: dict[str, tuple[int, float]] = {}
    places: dict[str, tuple[str, int]] = {}
    for i, (name, place, count, ideal) in enumerate(zip(names, *(cells[c].to_numpy() for c in PLACE_COLUMNS))):
        row = i + 1
        here = (place, *_numbers(place, count, ideal, row, columns, source)) if place else ("",)
        first = places.setdefault(name, (place, row))
        if first[0] != place:
            raise _error(
                f"neighbourhood {name!r} is in place {place or '(none)'} here but in {first[0] or '(none)'} on "
                f"row {first[1]}",
                source,
                row,
                columns[PLACE_COLUMN],
                "one place for every row of a neighbourhood",
            )
        if not place:
            continue
        seen = given.setdefault(place, here[1:])
        if seen != here[1:]:
            column = PLACE_COUNT_COLUMN if seen[0] != here[1] else PLACE_IDEAL_COLUMN
            raise _error(
                f"place {place} is given {here[1]} neighbourhoods of ideal {here[2]:,.6g} here, but "
                f"{seen[0]} of ideal {seen[1]:,.6g} on an earlier row",
                source,
                row,
                columns[column],
                "one count and one ideal for every row of a place",
            )
    if not given:
        return None
    first_rows = {p: r for p, r in reversed(list(places.values())) if p}
    if _custom(frame, columns, source):
        level, totals = CUSTOM, {}  # a user's units: recounted from the plan's own rows (check_totals)
    else:
        level, totals = _level(atlas, given, first_rows, columns[PLACE_COLUMN], basis, source)
    for place, (count, ideal) in given.items():
        total = totals.get(place)
        if total is not None and abs(ideal - total / count) > SLACK:
            raise _error(
                f"the ideal {ideal:,.6g} of place {place} is not its total of {total:,.0f} people over its {count} "
                f"neighbourhood{'s' if count != 1 else ''} ({total / count:,.6g})",
                source,
                first_rows[place],
                columns[PLACE_IDEAL_COLUMN],
                "each place's total over its count, as the plan that wrote the file measured it",
            )
    ideal_sizes = {
        place: {"name": _place_name(atlas, level, place), "population": ideal * count, "neighbourhoods": count}
        | {"ideal": ideal}
        for place, (count, ideal) in sorted(given.items())
    }
    return {"nest": level, "ideal_sizes": ideal_sizes}, places


def check_totals(plan: "Plan", places: dict[str, tuple[str, int]], *, source: str) -> None:
    """Raise one PlanError naming the first row of a place whose recorded ideal, not recounted from the area (a
    plan of whole practices or of a user's units), is not its total over its count: the published total
    (:func:`geo.disclosure.margins.place_totals`) of the lists, or people, of the neighbourhoods recorded in it
    (a PCN build counts each PCN in its place); of an area's place, or of the practices sited in it (a build of
    practices, edited across places since)."""
    ideals = place_ideals(plan) or {}
    custom = plan.provenance.params.get("nest") == CUSTOM
    if not ideals or not (custom or plan.built_from == "practices"):
        return
    label_place = np.array([(places.get(name) or ("",))[0] for name in plan.labels] + [""], dtype=object)
    arrays = plan.arrays
    if plan.built_from == "practices":
        label = np.asarray(plan["practice_label"], dtype=np.int64)
        values = arrays.practice_list
    else:
        label = np.asarray(plan.label_index, dtype=np.int64)
        column = plan.population_column if plan.population_column in arrays.columns else "resident_population"
        values = arrays.values[:, arrays.column(column)]
    values = np.clip(np.nan_to_num(np.asarray(values, dtype=float)), 0, None)
    where = label_place[np.where(label >= 0, label, len(label_place) - 1)]
    kept = where != ""
    totals = place_totals(values[kept], where[kept]).to_dict() if kept.any() else {}
    by_site = {} if custom else _by_site(plan, label, values, next(iter(ideals)) if len(ideals) == 1 else None)
    for place in sorted(ideals, key=lambda p: min((r for w, r in places.values() if w == p), default=0)):
        count, ideal = int(ideals[place]["neighbourhoods"]), float(ideals[place]["ideal"])
        total = float(totals.get(place, 0.0))
        # An area's place may also count its practices by their sites (a plan edited across places since).
        if abs(ideal - total / count) > SLACK and abs(ideal - float(by_site.get(place, 0.0)) / count) > SLACK:
            row = min((r for w, r in places.values() if w == place), default=0)
            what = "lists of its practices" if plan.built_from == "practices" else "people of its LSOAs"
            raise _error(
                f"the ideal {ideal:,.6g} of place {place} is not its total of {total:,.0f} (the {what}, as "
                f"published) over its {count} neighbourhood{'s' if count != 1 else ''} ({total / count:,.6g})",
                source,
                row,
                PLACE_IDEAL_COLUMN,
                "each place's total over its count, recounted from the plan's own rows as the plan that wrote "
                "the file measured it",
            )


def _by_site(plan: "Plan", label: np.ndarray, values: np.ndarray, only: str | None) -> dict[str, float]:
    """Each area place's published total of the lists of the plan's practices sited in it (``only``: the whole area)."""
    site = plan.arrays.practice_site
    sited = (label >= 0) & (site >= 0)
    column = NEST_COLUMNS.get(plan.provenance.params.get("nest", "lad"), (None,))[0]
    if only is None and column not in plan.atlas.lsoas.columns:
        return {}
    codes = np.full(int(sited.sum()), only) if only else plan.atlas.lsoas[column].astype(str).to_numpy()[site[sited]]
    return place_totals(values[sited], codes).to_dict() if sited.any() else {}


def _custom(frame: pd.DataFrame, columns: dict, source: str) -> bool:
    """Whether the table's places are a user's units (``place_level`` :data:`CUSTOM`); a PlanError names another."""
    if PLACE_LEVEL_COLUMN not in columns:
        return False
    cells = frame[columns[PLACE_LEVEL_COLUMN]].fillna("").astype(str).str.strip().str.lower().to_numpy()
    bad = np.flatnonzero((cells != "") & (cells != CUSTOM))
    if len(bad):
        raise _error(
            f"place_level {cells[bad[0]]!r} is not allowed",
            source,
            int(bad[0]) + 1,
            columns[PLACE_LEVEL_COLUMN],
            f"{CUSTOM} (the places are a user's units) on every row, or no {PLACE_LEVEL_COLUMN} column",
        )
    return bool((cells == CUSTOM).any())


def check_places(plan: "Plan", places: dict[str, tuple[str, int]], *, source: str) -> None:
    """Raise one PlanError naming the first row of a neighbourhood whose recorded place is not the place its
    people put it in (the place holding most of them, as :mod:`geo.metrics.balance` finds it): a file edited so
    that a neighbourhood is measured from another place's ideal."""
    found = ideal_places(plan)
    for name in sorted(places, key=lambda n: places[n][1]):
        place, row = places[name]
        if name in found and (found[name] or "") != place:
            raise PlanError(
                f"neighbourhood {name!r} is recorded in place {place or '(none)'}, but most of its people are in "
                f"{found[name] or 'no place of the plan'}",
                file=source,
                row=row,
                column=PLACE_COLUMN,
                expected="the place holding most of each neighbourhood's people, as the plan that wrote the file had",
            )


def _numbers(place: str, count: str, ideal: str, row: int, columns: dict, source: str) -> tuple[int, float]:
    """A row's count and ideal, or one PlanError naming the row and the column that is not a number."""
    try:
        number = float(count)
        if not number.is_integer() or number < 1:
            raise ValueError
    except ValueError:
        raise _error(
            f"place {place} has {count!r} neighbourhoods",
            source,
            row,
            columns[PLACE_COUNT_COLUMN],
            "a whole number of neighbourhoods, at least 1",
        ) from None
    try:
        value = float(ideal)
        if not math.isfinite(value) or value <= 0:
            raise ValueError
    except ValueError:
        raise _error(
            f"place {place} has ideal size {ideal!r}",
            source,
            row,
            columns[PLACE_IDEAL_COLUMN],
            "a positive number of people: the place's total over its count",
        ) from None
    return int(number), value


def _level(atlas: "Atlas", given: dict, rows: dict, column: str, basis: str | None, source: str):
    """The nesting level whose places hold every recorded place, and each place's total (``{}`` for a plan of
    lists, not recounted), or one PlanError naming the first row of a place not in the study area."""
    lsoas = atlas.lsoas
    counted = POPULATION_COLUMNS.get(basis or "resident")
    population = pd.to_numeric(lsoas[counted], errors="coerce").fillna(0).clip(lower=0)
    for level in LEVELS:
        if level == "none":
            codes = pd.Series(",".join(atlas.area.codes) if len(atlas.area.codes) == 1 else "AREA", index=lsoas.index)
            if len(given) > 1:
                continue
        elif NEST_COLUMNS[level][0] in lsoas.columns:
            codes = lsoas[NEST_COLUMNS[level][0]].astype(str)
        else:
            continue
        if set(given) <= set(codes):
            totals = {} if basis == "list" else place_totals(population.to_numpy(), codes.to_numpy()).to_dict()
            return level, {p: float(totals[p]) for p in given if p in totals}
    known = set(lsoas["lad_code"].astype(str)) if "lad_code" in lsoas.columns else set()
    stranger = min((p for p in given if p not in known), key=rows.get)
    raise _error(
        f"place {stranger} is not a place of {atlas.area.label}",
        source,
        rows[stranger],
        column,
        "the code of one of the study area's local authorities (or upper tiers, ICBs, or the whole area)",
    )


def _place_name(atlas: "Atlas", level: str, place: str) -> str:
    """A place's name as the atlas has it (the area's label for the whole area)."""
    if level == "none":
        return atlas.area.label
    code, name = NEST_COLUMNS[level]
    if name not in atlas.lsoas.columns:
        return place
    found = atlas.lsoas.loc[atlas.lsoas[code].astype(str) == place, name]
    return str(found.iloc[0]) if len(found) else place


def _error(message: str, source: str, row: int, column, expected: str) -> PlanError:
    return PlanError(message, file=source, row=row, column=str(column), expected=expected)
