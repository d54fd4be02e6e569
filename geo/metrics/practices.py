"""GP practices and neighbourhoods: where each practice's patients live, split practices and registration leakage.

``plan["practice_tallies"]`` holds patients by neighbourhood label and practice, patched from the parent by the
moved LSOAs like the population tallies. A practice belongs to the neighbourhood holding most of its patients who
live in the area (its *home*). These per-practice counts are internal: they are never exported, because small
counts of patients must pass through disclosure control first.

Practices whose site is outside the study area still have a home (their area patients live somewhere), which counts
for registration leakage; but only practices sited in the area are listed per neighbourhood or can be "split".
A practice is split when its site is in another neighbourhood or its share of patients living away is over the
threshold, that share judged as published (a whole percent; none with 1 to 7 at home, away or in all).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from geo.disclosure import _threshold, shareable
from geo.metrics import metric
from geo.metrics.edit import one_row_edit
from geo.metrics.tallies import label_onehot
from geo.metrics.kernels import (
    at_home_list_patients,
    patch_home_patients,
    patch_practice_homes,
    patch_split_mask,
    patch_tallies,
)

# Beyond this many moved rows, recounting every practice's home beats patching the ones the rows touch.
PATCH_LIMIT = 64

if TYPE_CHECKING:
    from geo.plan import Plan


@metric("practice_tallies", "patients by neighbourhood label (rows) and practice (columns); internal, never exported")
def _practice_tallies(plan: "Plan") -> np.ndarray:
    return (label_onehot(plan) @ plan.arrays.registrations).toarray()


@_practice_tallies.updater
def _practice_tallies_update(plan: "Plan", previous: np.ndarray) -> np.ndarray:
    edit = one_row_edit(plan)  # one LSOA moved: patched with the others (geo.metrics.edit)
    if edit is not None:
        return edit["practice_tallies"]
    pos, old, new = plan.flow
    grown = len(plan.labels) - previous.shape[0]
    table = np.vstack([previous, np.zeros((grown, previous.shape[1]))]) if grown > 0 else previous.copy()
    matrix = plan.arrays.registrations
    # The rows in one compiled loop: the same arithmetic in the same order as row-by-row numpy.
    patch_tallies(table, matrix.indptr, matrix.indices, matrix.data, pos, old, new)
    return table


def _homes(table: np.ndarray) -> np.ndarray:
    home = np.argmax(table, axis=0)
    # Patched tallies can leave float dust (1e-12) where a practice has no patients left; treat it as zero.
    home[table.max(axis=0) <= 1e-9] = -1
    return home


@metric("practice_home", "label index of the neighbourhood holding most of each practice's patients (-1: none)")
def _practice_home(plan: "Plan") -> np.ndarray:
    return _homes(plan["practice_tallies"])


@_practice_home.updater
def _practice_home_update(plan: "Plan", previous: np.ndarray) -> np.ndarray:
    edit = one_row_edit(plan)  # one LSOA moved: patched with the others (geo.metrics.edit)
    if edit is not None:
        return edit["practice_home"]
    pos = plan.flow[0]
    if len(pos) > PATCH_LIMIT:
        return _homes(plan["practice_tallies"])
    home = previous.copy()  # only the practices with patients in the moved rows can change home
    matrix = plan.arrays.registrations
    patch_practice_homes(home, plan["practice_tallies"], matrix.indptr, matrix.indices, pos)
    return home


def _at_home(plan: "Plan", columns) -> np.ndarray:
    home = plan["practice_home"][columns]
    return np.where(home >= 0, plan["practice_tallies"][home, columns], 0.0)


@metric("practice_home_patients", "area patients of each practice living in its home neighbourhood (0: no home)")
def _home_patients(plan: "Plan") -> np.ndarray:
    return _at_home(plan, np.arange(len(plan.arrays.practice_codes)))


@_home_patients.updater
def _home_patients_update(plan: "Plan", previous: np.ndarray) -> np.ndarray:
    edit = one_row_edit(plan)  # one LSOA moved: patched with the others (geo.metrics.edit)
    if edit is not None:
        return edit["practice_home_patients"]
    pos = plan.flow[0]
    if len(pos) > PATCH_LIMIT:
        return _home_patients.compute(plan)
    patients = previous.copy()
    matrix = plan.arrays.registrations
    patch_home_patients(patients, plan["practice_home"], plan["practice_tallies"], matrix.indptr, matrix.indices, pos)
    return patients


def _split(plan: "Plan", columns: np.ndarray) -> np.ndarray:
    """Whether each of the given practice columns is split (see ``practice_splits``)."""
    arrays = plan.arrays
    home = plan["practice_home"][columns]
    at_home, total = plan["practice_home_patients"][columns], arrays.practice_area_patients[columns]
    # The share away is judged as published (a whole percent; none with 1 to 7 at home, away or in all), as the
    # kernel's _away_over does: an exact verdict with the threshold set between two counts gives the count back.
    shown = shareable(total - at_home, total)
    with np.errstate(invalid="ignore", divide="ignore"):
        percent = np.round(100.0 * (total - at_home) / np.where(total > 0, total, 1.0))
    over = shown & (percent > 100.0 * plan.practice_split_threshold + 1e-9)
    site_label = plan.label_index[arrays.practice_site[columns]]  # site -1 (outside) is masked by practice_in_area
    return arrays.practice_in_area[columns] & (home >= 0) & (over | (site_label != home))


@metric("practice_split_mask", "whether each practice is split (see practice_splits); LSOA-built plans")
def _split_mask(plan: "Plan") -> np.ndarray:
    return _split(plan, np.arange(len(plan.arrays.practice_codes)))


@_split_mask.updater
def _split_mask_update(plan: "Plan", previous: np.ndarray) -> np.ndarray:
    edit = one_row_edit(plan)  # one LSOA moved: patched with the others (geo.metrics.edit)
    if edit is not None:
        return edit["practice_split_mask"]
    pos = plan.flow[0]
    if len(pos) > PATCH_LIMIT:
        return _split_mask.compute(plan)
    # A practice's status changes only if its patients moved (its home share or home) or its site's row did.
    arrays = plan.arrays
    matrix = arrays.registrations
    sited_ptr, sited = arrays.practices_sited_csr
    mask = previous.copy()
    patch_split_mask(
        mask,
        plan["practice_home"],
        plan["practice_home_patients"],
        arrays.practice_area_patients,
        arrays.practice_in_area,
        arrays.practice_site,
        plan.label_index,
        plan.practice_split_threshold,
        _threshold(None),
        matrix.indptr,
        matrix.indices,
        sited_ptr,
        sited,
        pos,
    )
    return mask


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
    if plan.built_from == "practices":
        return []  # a list-based plan keeps every practice and its whole list in one neighbourhood
    return plan.arrays.practice_codes[plan["practice_split_mask"]].tolist()


@metric("registration_leakage_pct", "percentage of registered residents whose practice's home is another neighbourhood")
def _leakage(plan: "Plan") -> float:
    total = plan.arrays.practice_area_total
    if total <= 0:
        return 0.0
    if plan.built_from == "lsoas":
        at_home = np.add.reduce(plan["practice_home_patients"])  # .sum() without its Python wrapper
    else:
        # The same rule as for an LSOA-built plan: a practice sited outside the area (no list label) is at home
        # where most of its area patients live; the plan's own practices are at home in their neighbourhood.
        # The cells gathered in one compiled loop, summed by numpy as before (pairwise: the same total).
        cells = at_home_list_patients(plan["practice_label"], plan["practice_home"], plan["practice_tallies"])
        at_home = np.add.reduce(cells)
    return float(100.0 * (total - at_home) / total)
