"""Neighbourhood names people recognise, and renaming: a plan's labels are its neighbourhoods' names.

:func:`neighbourhood_names` names each neighbourhood the way a board would, in this order:

1. **A whole place** (a neighbourhood that is one local authority, or two, entire and nothing else) takes the
   place's name: "Rutland", "Oadby and Wigston", "Isles of Scilly".
2. **A whole PCN** (a list-based neighbourhood whose practices are exactly one PCN's) takes the PCN's name, in
   ordinary case ("Melton, Syston and Vale PCN").
3. Otherwise **at most two wards**, counted on the plan's own population basis: its largest ward, or its two
   largest ("Belgrave and Rushey Mead") when no single ward holds two thirds of its people. A ward names only the
   neighbourhood holding most of its people, so no two names share a ward; a neighbourhood holding most of no ward
   is named after its largest ward with a compass qualifier ("Stoneygate North"). A name that would still repeat
   is prefixed with the local authority ("Charnwood: Loughborough Hastings"), then numbered.

An atlas without wards (LSOA 2011, the synthetic grid) falls back to the local authority's name, numbered when it
holds several neighbourhoods. Every name passes :func:`geo.names.check_name`. A PCN's official upper-case name is
written in ordinary case by :func:`geo.plan.display_case.display_case`; the short form of a name drawn on maps is
:mod:`geo.plan.labels`.

:func:`rename` relabels a plan (its LSOA assignment and, for a list-based plan, its practice assignment) and keeps
its parameters and provenance; ``provenance.labels`` remembers the label each renamed neighbourhood was first
given (a proposal's ``E06000016-N03``), and the proposal's notes are reworded with the new names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

import numpy as np
import pandas as pd

from geo.errors import PlanError
from geo.names import FORMULA_START, MAX_NAME, check_name, printable
from geo.plan.display_case import display_case

#: A ward holding at least this share of a neighbourhood's people names it alone.
ONE_WARD_SHARE = 2 / 3


def neighbourhood_names(plan) -> dict[str, str]:
    """Return a readable, unique name for every neighbourhood of ``plan``: ``{label: name}``.

    Examples
    --------
    >>> from geo.plan import Plan
    >>> from geo.testing import grid_atlas
    >>> atlas = grid_atlas(4, 1, lad_width=2)
    >>> plan = Plan(atlas, dict(zip(atlas.codes, ["a", "b", "c", "c"])))
    >>> neighbourhood_names(plan)  # c is the whole of district 1
    {'a': 'Grid District 0 1', 'b': 'Grid District 0 2', 'c': 'Grid District 1'}
    >>> atlas.lsoas["ward_name"] = ["Abbey", "Belgrave", "Rushey Mead", "Humberstone"]
    >>> atlas.lsoas["ward_code"] = ["W1", "W2", "W3", "W4"]
    >>> neighbourhood_names(plan)
    {'a': 'Abbey', 'b': 'Belgrave', 'c': 'Grid District 1'}
    >>> plan = Plan(atlas, dict(zip(atlas.codes, ["a", "b", "b", "c"])))  # no ward holds two thirds of b
    >>> neighbourhood_names(plan)
    {'a': 'Abbey', 'b': 'Belgrave and Rushey Mead', 'c': 'Humberstone'}
    >>> atlas.lsoas["ward_name"] = ["Abbey", "Abbey", "Belgrave", "Belgrave"]  # each ward names one neighbourhood
    >>> atlas.lsoas["ward_code"] = ["W1", "W1", "W3", "W3"]
    >>> neighbourhood_names(plan)  # c holds most of no ward: its largest, with where it lies in it
    {'a': 'Abbey', 'b': 'Belgrave', 'c': 'Belgrave East'}
    """
    lsoas = plan.atlas.lsoas
    frame = pd.DataFrame(
        {
            "label": plan.assignment.to_numpy(),
            "lad_code": _text(lsoas, "lad_code", ""),
            "lad": _text(lsoas, "lad_name", plan.atlas.area.label),
            "ward_code": _text(lsoas, "ward_code", ""),
            "ward": _text(lsoas, "ward_name", ""),
            # An empty LSOA still counts a little, so a neighbourhood of empty LSOAs has a largest ward.
            "pop": pd.to_numeric(lsoas[plan.population_column], errors="coerce").fillna(0).clip(lower=0).to_numpy()
            + 1e-6,
        }
    )
    labels = plan.neighbourhoods
    frame = frame[frame.label.isin(labels)]
    lad = frame.groupby(["label", "lad"]).pop.sum().sort_values(ascending=False, kind="stable")
    home = lad.reset_index().drop_duplicates("label").set_index("label")["lad"]
    fixed = {**_pcn_names(plan), **_place_names(frame, labels)}
    named = frame[frame.ward != ""]
    if named.empty:
        rest = _numbered_by_lad([label for label in labels if label not in fixed], home)
        return _numbered_duplicates({label: fixed.get(label) or rest[label] for label in labels}, labels)
    wards = named.groupby(["label", "ward_code", "ward"]).pop.sum().reset_index()
    # Each ward belongs to the neighbourhood holding most of its people (ties by label), and names only that one.
    owners = wards.sort_values(["ward_code", "pop", "label"], ascending=[True, False, True], kind="stable")
    owner = owners.drop_duplicates("ward_code").set_index("ward_code")["label"]
    wards["owned"] = wards.label.to_numpy() == owner.reindex(wards.ward_code).to_numpy()
    wards = wards.sort_values(["label", "pop", "ward"], ascending=[True, False, True], kind="stable")
    share = (wards["pop"] / wards.groupby("label", sort=False)["pop"].transform("sum")).to_numpy()
    ranked = {label: [] for label in labels}
    largest: dict[str, tuple[str, str]] = {}
    # One pass over the sorted rows (a pandas group per neighbourhood cost a second for England's 1,151).
    for label, code, ward, part, own in zip(
        wards["label"].tolist(),
        wards["ward_code"].tolist(),
        wards["ward"].tolist(),
        share.tolist(),
        wards["owned"].tolist(),
    ):
        largest.setdefault(label, (code, ward))
        if own:
            ranked[label].append((ward, part))
    names = {}
    compass = None
    for label in labels:
        if label in fixed:
            names[label] = fixed[label]
        elif ranked[label]:
            top = ranked[label]
            names[label] = _ward_name(top, 1 if top[0][1] >= ONE_WARD_SHARE or len(top) == 1 else 2) or home[label]
        elif label in largest:
            if compass is None:
                compass = _compass(plan, frame)
            names[label] = _fit(f"{largest[label][1]} {compass.get((label, largest[label][0]), '')}".strip())
        else:
            names[label] = home[label]
    names = _unique(names, lambda label, name: name if label in fixed else _fit(f"{home[label]}: {name}"))
    return _numbered_duplicates(names, labels)


def _place_names(frame: pd.DataFrame, labels: list[str]) -> dict[str, str]:
    """Neighbourhoods that are one or two whole local authorities and nothing else, named after them."""
    pairs = frame[frame.lad_code != ""][["label", "lad_code", "lad"]].drop_duplicates()
    if pairs.empty:
        return {}
    shared = pairs.groupby("lad_code").label.nunique()
    whole = pairs[pairs.lad_code.map(shared) == 1]
    counts = pairs.groupby("label").lad_code.nunique()
    names = {}
    for label, group in whole.groupby("label", sort=False):
        if label in labels and len(group) == counts[label] <= 2:
            places = sorted(group.lad.tolist())
            names[label] = _fit(" and ".join(places) if len(places) == 2 else places[0])
    return names


def _pcn_names(plan) -> dict[str, str]:
    """List-based neighbourhoods whose practices are exactly one PCN's, named after the PCN."""
    practices = plan.practice_assignment
    layer = plan.atlas.practices
    if practices is None or "pcn_code" not in layer.columns or practices.empty:
        return {}
    table = pd.DataFrame({"label": practices.astype(str)})
    table["pcn"] = layer["pcn_code"].reindex(table.index).astype("object")
    table["pcn_name"] = layer["pcn_name"].reindex(table.index).astype("object")
    table = table[table.pcn.notna() & table.pcn_name.notna()]
    per_pcn = table.groupby("pcn").label.nunique()
    names = {}
    for label, group in table.groupby("label", sort=False):
        if (
            group.pcn.nunique() == 1
            and per_pcn[group.pcn.iloc[0]] == 1
            and len(group) == int((practices.astype(str) == label).sum())
        ):
            clean = printable(str(group.pcn_name.iloc[0])).strip().lstrip("".join(FORMULA_START)).strip()
            if clean:
                names[label] = _fit(display_case(clean))
    return names


def _compass(plan, frame: pd.DataFrame) -> dict[tuple[str, str], str]:
    """For each (neighbourhood, ward) part, where it lies in the ward: North, South, East or West (by centroids)."""
    points = plan.atlas.lsoas.geometry.centroid
    rows = frame.index.to_numpy()  # positions in the atlas: the frame was built from its arrays
    weight = frame["pop"].to_numpy()
    table = pd.DataFrame(
        {
            "label": frame["label"].to_numpy(),
            "ward_code": frame["ward_code"].to_numpy(),
            "x": points.x.to_numpy()[rows] * weight,
            "y": points.y.to_numpy()[rows] * weight,
            "pop": weight,
        }
    )
    part = table.groupby(["label", "ward_code"], sort=False)[["x", "y", "pop"]].sum()
    ward = table.groupby("ward_code", sort=False)[["x", "y", "pop"]].sum().reindex(part.index.get_level_values(1))
    dx = part.x.to_numpy() / part["pop"].to_numpy() - ward.x.to_numpy() / ward["pop"].to_numpy()
    dy = part.y.to_numpy() / part["pop"].to_numpy() - ward.y.to_numpy() / ward["pop"].to_numpy()
    words = np.where(np.abs(dx) >= np.abs(dy), np.where(dx > 0, "East", "West"), np.where(dy > 0, "North", "South"))
    return dict(zip(part.index.tolist(), words.tolist()))


def rename(plan, mapping: Mapping[str, str]):
    """Return ``plan`` with neighbourhoods renamed by ``mapping`` (``{old: new}``; others keep their names).

    Parameters and provenance are kept; ``provenance.labels`` maps each new name to the first label that
    neighbourhood had, and the proposal's notes (``unmet``) use the new names. Raises one
    :class:`geo.errors.PlanError` for a name that is not a neighbourhood of the plan, a name that breaks the
    name rule, or two neighbourhoods left with the same name.

    Examples
    --------
    >>> from geo.plan import Plan
    >>> from geo.testing import grid_atlas
    >>> plan = Plan(grid_atlas(2, 1), {"G0000": "N1", "G0001": "N2"})
    >>> renamed = rename(plan, {"N1": "Abbey"})
    >>> renamed.assignment.tolist(), renamed.provenance.labels, renamed.params == plan.params
    (['Abbey', 'N2'], {'Abbey': 'N1'}, True)
    >>> rename(plan, {"N1": "N2"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geo.errors.PlanError: column 'neighbourhood': cannot rename N1 to 'N2': two neighbourhoods would be called 'N2'...
    """
    from geo.plan import Plan  # lazy: circular: geo.plan.plan imports geo.plan.naming at import time

    live = plan.neighbourhoods
    known = set(live)
    changes: dict[str, str] = {}
    for old, new in mapping.items():
        old = str(old).strip()
        if old not in known:
            shown = ", ".join(live[:10]) + (" ..." if len(live) > 10 else "")
            raise PlanError(
                f"there is no neighbourhood called '{printable(old)[:40]}' to rename",
                column="neighbourhood",
                expected=f"one of the plan's neighbourhoods: {shown}",
            )
        changes[old] = check_name(new, what="neighbourhood name", column="neighbourhood")
    final = [changes.get(label, label) for label in live]
    seen: dict[str, str] = {}
    for label, name in zip(live, final):
        if name in seen:
            first, second = sorted([seen[name], label], key=lambda x: x not in changes)
            raise PlanError(
                f"cannot rename {first} to '{name}': two neighbourhoods would be called '{name}'",
                column="neighbourhood",
                expected="a different name for every neighbourhood",
            )
        seen[name] = label
    origin = dict(plan.provenance.labels)
    labels = {new: origin.pop(old, old) for old, new in changes.items() if new != old}
    for name, first in origin.items():
        labels.setdefault(name, first)
    unmet = _reword_all(plan.provenance.unmet, changes)
    provenance = replace(plan.provenance, labels=labels, unmet=unmet)
    practices = plan.practice_assignment
    if practices is not None:
        practices = practices.map(lambda label: changes.get(label, label))
    # Renamed through the label list (one name per neighbourhood, not one lookup per LSOA).
    renamed = np.array([changes.get(label, label) for label in plan.labels], dtype=object)[plan.label_index]
    return Plan(
        plan.atlas,
        pd.Series(renamed, index=plan.atlas.lsoas.index, name="neighbourhood"),
        plan.params,
        provenance=provenance,
        name=plan.name,
        practices=practices,
    )


def _text(lsoas: pd.DataFrame, column: str, default: str) -> np.ndarray:
    """Return an atlas column as clean display text (missing -> ``default``; leading formula characters dropped)."""
    if column not in lsoas.columns:
        return np.full(len(lsoas), default, dtype=object)
    # Cleaned once per distinct value (a few thousand names for England's 33,755 LSOAs), then mapped back.
    codes, uniques = pd.factorize(lsoas[column].astype("object"), use_na_sentinel=True)
    clean = np.array(
        [printable(str(v)).strip().lstrip("".join(FORMULA_START)).strip() or default for v in uniques] + [default],
        dtype=object,
    )
    return clean[codes]


def _ward_name(ranked: list[tuple[str, float]], count: int) -> str:
    """ "A", "A and B", or "A, B and C" from the first ``count`` wards, shortened to fit :data:`MAX_NAME`."""
    parts = [ward for ward, _ in ranked[:count]]
    while parts:
        name = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        if len(name) <= MAX_NAME:
            return name
        parts = parts[:-1]
    return ""


def _fit(name: str) -> str:
    """Cut a name to :data:`MAX_NAME` characters at a word, marking the cut with an ellipsis."""
    if len(name) <= MAX_NAME:
        return name
    cut = name[: MAX_NAME - 1].rsplit(" ", 1)[0].rstrip(" ,:")
    return cut + "…"


def _unique(names: dict[str, str], better) -> dict[str, str]:
    """Replace every name that repeats by ``better(label, name)``; names that are already unique stay."""
    counts = pd.Series(list(names.values())).value_counts()
    return {label: better(label, name) if counts[name] > 1 else name for label, name in names.items()}


def _numbered_duplicates(names: dict[str, str], labels: list[str]) -> dict[str, str]:
    """Number any names still repeated ("Abbey 1", "Abbey 2"), in label order; check every name."""
    counts = pd.Series(list(names.values())).value_counts()
    taken, seen, out = set(names.values()), {}, {}
    for label in labels:
        name = names[label]
        if counts[name] > 1:
            n = seen.get(name, 0)
            while True:
                n += 1
                candidate = (
                    _fit(name[: MAX_NAME - len(f" {n}") - 1]) + f" {n}"
                    if len(name) + len(f" {n}") > MAX_NAME
                    else f"{name} {n}"
                )
                if candidate not in taken:
                    break
            seen[name] = n
            taken.add(candidate)
            name = candidate
        out[label] = check_name(name, what="neighbourhood name")
    return out


def _numbered_by_lad(labels: list[str], home: pd.Series) -> dict[str, str]:
    """Names without wards: the local authority's name, numbered when it holds several neighbourhoods."""
    return _numbered_duplicates({label: _fit(str(home[label])) for label in labels}, labels)


def _reword_all(notes, changes: dict[str, str]) -> tuple[str, ...]:
    """Replace whole old labels in notes by their new names (a label is never part of a longer word); the
    pattern of the old labels is compiled once for all the notes."""
    if not changes or not notes:
        return tuple(notes)
    pattern = re.compile(
        r"(?<![\w-])(" + "|".join(map(re.escape, sorted(changes, key=len, reverse=True))) + r")(?![\w-])"
    )
    return tuple(pattern.sub(lambda m: changes[m.group(1)], note) for note in notes)
