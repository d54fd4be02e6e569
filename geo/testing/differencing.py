"""Differencing: totals published with a table are margins of its parts, and a suppressed part must not be
pinned down by subtracting shown parts from them, within one answer or between answers. These find every way it
is (:func:`find_differences`, over the LSOA rows of hotspot-style answers with :func:`answer_margins`, and
:func:`practice_differences` over the practices of list plans); :mod:`geo.testing.disclosure` asserts on them.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass

from geo.disclosure import _threshold, is_disclosive


@dataclass(frozen=True)
class Margin:
    """A published total over a set of parts: ``value`` is exact when ``rounded_to`` is 1, else within +- half."""

    name: str
    codes: frozenset
    value: float | None
    rounded_to: int = 1


def _feasible(margin_lo, margin_hi, plus, minus, parts, t):
    """Candidate values of each hidden part of ``sum(plus) - sum(minus)`` in ``[lo, hi]``, or None."""
    hidden_plus = [c for c in plus if parts.get(c, 0.0) is None]
    hidden_minus = [c for c in minus if parts.get(c, 0.0) is None]
    if bool(hidden_plus) == bool(hidden_minus):  # nothing hidden, or hidden on both sides: nothing isolated
        return None
    shown = sum(parts.get(c) or 0.0 for c in plus) - sum(parts.get(c) or 0.0 for c in minus)
    lo, hi = margin_lo - shown, margin_hi - shown
    hidden = hidden_plus
    if hidden_minus:
        lo, hi, hidden = -hi, -lo, hidden_minus
    k = len(hidden)
    cell_lo, cell_hi = max(1, math.ceil(lo - (k - 1) * t - 1e-9)), min(t, math.floor(hi - (k - 1) + 1e-9))
    return hidden, cell_lo, cell_hi


def find_differences(parts: Mapping, margins, threshold: int | None = None, min_candidates: int = 3) -> list[str]:
    """Return every way the margins pin a suppressed part to fewer than ``min_candidates`` values of 1..threshold.

    ``parts`` maps a code to its shown count, or to None when it is suppressed (so known to be 1..threshold);
    codes not in ``parts`` count as 0. Each margin is tried alone (margin minus its shown parts) and with every
    other margin it overlaps (the difference of two totals, e.g. two nested or overlapping areas, a cluster and
    its area). A rounded margin stands for any value within half its base.

    Examples
    --------
    >>> parts = {"a": 100.0, "b": None, "c": 40.0}
    >>> find_differences(parts, [Margin("area", frozenset("abc"), 145.0)], 7)
    ['area: b is 5 (1 candidate)']
    >>> find_differences(parts, [Margin("area", frozenset("abc"), 140.0, 10)], 7)
    []
    """
    t = _threshold(threshold)
    margins = [m for m in margins if m.value is not None and not (isinstance(m.value, float) and math.isnan(m.value))]
    found = []

    def check(label, lo, hi, plus, minus):
        got = _feasible(lo, hi, plus, minus, parts, t)
        if got is None:
            return
        hidden, cell_lo, cell_hi = got
        n = cell_hi - cell_lo + 1
        if 1 <= n < min_candidates:
            what = f"{cell_lo}" if n == 1 else f"{cell_lo}..{cell_hi}"
            found.append(
                f"{label}: {' + '.join(sorted(hidden))} is {what} ({n} candidate{'s' * (n > 1)})"
                if len(hidden) == 1
                else f"{label}: each of {', '.join(sorted(hidden))} is {what}"
            )

    for m in margins:
        half = m.rounded_to / 2 if m.rounded_to > 1 else 0.0
        check(m.name, m.value - half, m.value + half, m.codes, frozenset())
    for a, b in itertools.permutations(margins, 2):
        if a.codes == b.codes or not (a.codes & b.codes):
            continue
        half = (a.rounded_to / 2 if a.rounded_to > 1 else 0.0) + (b.rounded_to / 2 if b.rounded_to > 1 else 0.0)
        diff = a.value - b.value
        check(f"{a.name} - {b.name}", diff - half, diff + half, a.codes - b.codes, b.codes - a.codes)
    return found


def answer_margins(answer: Mapping, members: Mapping | None, tag: str):
    """Parts and margins of one answer: its LSOA rows, area total, clusters and neighbourhoods."""
    parts, margins, rows = {}, [], answer.get("lsoas") or []
    for row in rows:
        value = row.get("attendances")
        parts[str(row["lsoa_code"])] = (
            None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
        )
    codes = frozenset(parts)
    area = answer.get("area")
    if area and codes:
        margins.append(Margin(f"{tag}area", codes, area.get("attendances"), int(area.get("rounded_to") or 1)))
    for row in answer.get("clusters") or []:
        margins.append(
            Margin(
                f"{tag}cluster {row.get('cluster')}",
                frozenset(str(row["lsoa_codes"]).split()),
                row.get("attendances"),
                int(row.get("rounded_to") or 1),
            )
        )
    for row in answer.get("neighbourhoods") or []:
        name = row.get("neighbourhood")
        if members and name in members:
            margins.append(
                Margin(
                    f"{tag}neighbourhood {name}",
                    frozenset(map(str, members[name])),
                    row.get("attendances"),
                    int(row.get("rounded_to") or 1),
                )
            )
    return parts, margins, rows


def practice_differences(
    counts: Mapping, answers, threshold: int | None = None, base: int = 10, min_candidates: int = 3
) -> list[str]:
    """Return every way published neighbourhood totals of list plans pin a practice's small count (1..threshold).

    ``counts`` maps each practice to its true count of one figure (its list, one QOF register, one age-sex cell);
    the reader sees it as the practice layer shows it (None when 1..threshold). ``answers`` are pairs ``(plan,
    {neighbourhood: published value})`` from any outputs: versions of a plan, other plans of the same area. Each
    published value is a margin over the neighbourhood's practices, rounded to ``base`` when one of them is
    small (the documented rule, so the reader knows it) and a multiple of it, and every margin is tried alone and against every other
    (:func:`find_differences`), across all the answers.

    Examples
    --------
    >>> import pandas as pd
    >>> class P:  # a list plan: two practices in A, one in B
    ...     practice_assignment = pd.Series({"p1": "A", "p2": "A", "p3": "B"})
    >>> counts = {"p1": 6, "p2": 120, "p3": 40}
    >>> moved = type("Q", (), {"practice_assignment": pd.Series({"p1": "B", "p2": "A", "p3": "B"})})
    >>> practice_differences(counts, [(P, {"A": 126, "B": 40}), (moved, {"A": 120, "B": 46})], 7)[0]
    'answer 1 A: p1 is 6 (1 candidate)'
    >>> practice_differences(counts, [(P, {"A": 120, "B": 40}), (moved, {"A": 120, "B": 40})], 7)
    []
    """
    t = _threshold(threshold)
    parts = {str(c): (None if is_disclosive(v, t) else float(v)) for c, v in counts.items()}
    margins = []
    for i, (plan, published) in enumerate(answers, 1):
        groups = plan.practice_assignment.astype(str)
        for name, value in published.items():
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            codes = frozenset(groups.index[groups == str(name)].astype(str))
            # Rounded only when a part is small (the documented rule) and the figure is a multiple of the base:
            # a figure that is not cannot have been rounded, and is read as exact.
            rounded = base if any(parts.get(c, 0.0) is None for c in codes) and float(value) % base == 0 else 1
            margins.append(Margin(f"answer {i} {name}", codes, float(value), rounded))
    return find_differences(parts, margins, t, min_candidates)
