"""GP practices and neighbourhoods: where each practice's patients live, split practices and registration leakage.

``plan["practice_tallies"]`` holds patients by neighbourhood label and practice, patched from the parent by the
moved LSOAs like the population tallies. A practice belongs to the neighbourhood holding most of its patients who
live in the area (its *home*). These per-practice counts are internal: they are never exported, because small
counts of patients must pass through disclosure control first.

Practices whose site is outside the study area still have a home (their area patients live somewhere), which counts
for registration leakage; but only practices sited in the area are listed per neighbourhood or can be "split".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from geo.metrics import metric
from geo.metrics.tallies import label_onehot

if TYPE_CHECKING:
    from geo.plan import Plan


@metric("practice_tallies", "patients by neighbourhood label (rows) and practice (columns); internal, never exported")
def _practice_tallies(plan: "Plan") -> np.ndarray:
    return (label_onehot(plan) @ plan.arrays.registrations).toarray()


@_practice_tallies.updater
def _practice_tallies_update(plan: "Plan", previous: np.ndarray) -> np.ndarray:
    pos, old, new = plan.flow
    grown = len(plan.labels) - previous.shape[0]
    table = np.vstack([previous, np.zeros((grown, previous.shape[1]))]) if grown > 0 else previous.copy()
    matrix = plan.arrays.registrations
    for i, a, b in zip(pos.tolist(), old.tolist(), new.tolist()):
        start, stop = matrix.indptr[i], matrix.indptr[i + 1]
        columns, patients = matrix.indices[start:stop], matrix.data[start:stop]
        table[a, columns] -= patients
        table[b, columns] += patients
    return table


@metric("practice_home", "label index of the neighbourhood holding most of each practice's patients (-1: none)")
def _practice_home(plan: "Plan") -> np.ndarray:
    table = plan["practice_tallies"]
    home = np.argmax(table, axis=0)
    # Patched tallies can leave float dust (1e-12) where a practice has no patients left; treat it as zero.
    home[table.max(axis=0) <= 1e-9] = -1
    return home


@metric("practices", "codes of the area's practices whose plurality of area patients lives in each neighbourhood")
def _practices(plan: "Plan") -> dict[str, list[str]]:
    # A list-based plan's own practices; an LSOA-built plan's practices by home (see geo.metrics.lists).
    label = plan["practice_label"]
    arrays = plan.arrays
    listed = {name: [] for name in plan.neighbourhoods}
    for j in np.flatnonzero(arrays.practice_in_area & (label >= 0)):
        listed[plan.labels[label[j]]].append(arrays.practice_codes[j])
    return listed


@metric("pcns", "primary care network codes of each neighbourhood's practices")
def _pcns(plan: "Plan") -> dict[str, list[str]]:
    index = {code: j for j, code in enumerate(plan.arrays.practice_codes)}
    pcn = plan.arrays.practice_pcn
    return {
        name: sorted({pcn[index[code]] for code in codes if pcn[index[code]] is not None})
        for name, codes in plan["practices"].items()
    }


@metric("practice_splits", "area practices with more than the threshold share of patients, or their site, elsewhere")
def _practice_splits(plan: "Plan") -> list[str]:
    if plan.practice_assignment is not None:
        return []  # a list-based plan keeps every practice and its whole list in one neighbourhood
    table = plan["practice_tallies"]
    home = plan["practice_home"]
    arrays = plan.arrays
    total = table.sum(axis=0)
    candidates = np.flatnonzero(arrays.practice_in_area & (home >= 0))
    at_home = table[home[candidates], candidates]
    outside_share = 1 - at_home / total[candidates]
    site_label = plan.label_index[arrays.practice_site[candidates]]
    split = (outside_share > plan.practice_split_threshold + 1e-12) | (site_label != home[candidates])
    return arrays.practice_codes[candidates[split]].tolist()


@metric("registration_leakage_pct", "percentage of registered residents whose practice's home is another neighbourhood")
def _leakage(plan: "Plan") -> float:
    table = plan["practice_tallies"]
    home = plan["practice_home"] if plan.practice_assignment is None else plan["practice_label"]
    registered = home >= 0
    total = table.sum()
    if total <= 0:
        return 0.0
    at_home = table[home[registered], np.flatnonzero(registered)].sum()
    return float(100.0 * (total - at_home) / total)
