"""Local-authority nesting: which LADs each neighbourhood spans, and which neighbourhoods cannot meet the band.

Neighbourhoods should nest in local authorities. A neighbourhood is *constrained* when the LAD holding most of its
LSOAs cannot be divided into whole neighbourhoods within the population band: no whole number k gives
``target*(1-tolerance) <= LAD population / k <= target*(1+tolerance)``. That includes every LAD smaller than the
lower bound (Rutland against a 50,000 target) and LADs that fall between two counts (about 113,000 people is too
many for two neighbourhoods and too few for three). Constrained neighbourhoods are reported, not failed.
"""

from __future__ import annotations

import math
import weakref
from typing import TYPE_CHECKING

import numpy as np

from geo.disclosure import publish_sums
from geo.metrics import metric
from geo.metrics.kernels import lad_spans, site_lad_counts

if TYPE_CHECKING:
    from geo.plan import Plan


def band_fits(population: float, target: float, tolerance: float) -> bool:
    """Return whether some whole number of neighbourhoods of ``population`` all fit the band.

    Examples
    --------
    >>> band_fits(41_000, 50_000, 0.1), band_fits(100_000, 50_000, 0.1), band_fits(113_000, 50_000, 0.1)
    (False, True, False)
    """
    low, high = target * (1 - tolerance), target * (1 + tolerance)
    if population <= 0:
        return False
    return math.ceil(population / high - 1e-9) <= math.floor(population / low + 1e-9)


@metric("lad_codes", "local authority district codes each neighbourhood spans (a list plan: of its practices' sites)")
def _lad_codes(plan: "Plan") -> dict[str, list[str]]:
    lads = plan.arrays.lad_codes
    names = plan.neighbourhoods
    spans: dict[str, list[str]] = {name: [] for name in names}
    if plan.built_from == "practices":
        # A list plan crosses an LA where its practices are sited in two, not where its drawn footprint reaches.
        arrays, label = plan.arrays, plan["practice_label"]
        sited = np.flatnonzero((label >= 0) & (arrays.practice_site >= 0))
        site_lad = _site_lads(arrays)[sited]
        position = {int(k): name for name, k in zip(names, plan.live)}
        # each (label, LA) pair once, in ascending order of label then LA (np.unique of one code per pair)
        pairs = np.unique(label[sited] * max(len(lads), 1) + site_lad)
        for k, j in zip(*(part.tolist() for part in np.divmod(pairs, max(len(lads), 1)))):
            if k in position:
                spans[position[k]].append(lads[j])
        return spans
    for row, column in zip(*(index.tolist() for index in np.nonzero(_spans(plan)))):
        spans[names[row]].append(lads[column])
    return spans


_SITE_LADS: dict[int, np.ndarray] = {}


def _site_lads(arrays) -> np.ndarray:
    """The ``lad_codes`` column of each practice column's site (0 where it has none: never read), once per atlas
    (every summary after a practice move names a list plan's LAs from its practices' sites)."""
    key = id(arrays)
    if key not in _SITE_LADS:
        onehot = np.asarray(arrays.values[:, arrays.lad_slice()])
        site = arrays.practice_site
        found = np.zeros(len(site), np.int64)
        if onehot.shape[1]:
            found[site >= 0] = onehot[site[site >= 0]].argmax(axis=1)
        _SITE_LADS[key] = found
        weakref.finalize(arrays, _SITE_LADS.pop, key, None)
    return _SITE_LADS[key]


def _spans(plan: "Plan") -> np.ndarray:
    """Whether each neighbourhood of a place-based plan (rows: :attr:`Plan.live` order) has LSOAs in each local
    authority district (columns: ``lad_codes`` order): the one rule of a place-based plan's LA spans."""
    return plan["tallies"][plan.live, plan.arrays.lad_slice()] > 0.5


@metric("lad_counts", "LA districts each neighbourhood has LSOAs in (count) and the one with most (column); internal")
def _lad_counts(plan: "Plan") -> np.ndarray:
    # _spans' rule (more than half an LSOA) and main_lad's (the most, the first of equals), in one compiled pass.
    lads = plan.arrays.lad_slice()
    return lad_spans(plan["tallies"], plan.live, lads.start, lads.stop - lads.start)


@metric("local_authorities", "number of local authority districts each neighbourhood spans")
def _local_authorities(plan: "Plan") -> dict[str, int]:
    if plan.built_from == "lsoas":  # the spans' count, without naming them (a summary follows every edit)
        return dict(zip(plan.neighbourhoods, plan["lad_counts"][:, 0].tolist()))
    if plan.built_from == "practices" and plan.arrays.lad_codes:
        # lad_codes' rule (the LAs of the practices' sites) counted without naming them: a summary follows every
        # practice move, and naming them was the costliest figure of it
        return dict(zip(plan.neighbourhoods, _site_lad_counts(plan)[plan.live].tolist()))
    return {name: len(codes) for name, codes in plan["lad_codes"].items()}


def _site_lad_counts(plan: "Plan") -> np.ndarray:
    """How many local authorities each label of a list plan has a practice sited in (the length of its
    ``lad_codes``), as a few vector operations.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> atlas = grid_atlas(4, 4, lad_width=2, practice_every=2)  # sites alternate between two LAs
    >>> plan = Plan.from_practices(atlas, dict(zip(atlas.practices.index, "AABBBBBB")), target=12_000)
    >>> counts = _site_lad_counts(plan)[plan.live].tolist()
    >>> counts, counts == [len(codes) for codes in plan["lad_codes"].values()]
    ([2, 2], True)
    """
    arrays = plan.arrays
    return site_lad_counts(
        plan["practice_label"], arrays.practice_site, _site_lads(arrays), len(plan.labels), len(arrays.lad_codes)
    )


@metric("la_crossings", "number of neighbourhoods that span more than one local authority district")
def _la_crossings(plan: "Plan") -> int:
    return sum(count > 1 for count in plan["local_authorities"].values())


@metric("lad_population", "counted population of each local authority district of the area, as published")
def _lad_population(plan: "Plan") -> dict[str, float]:
    # Only the "constrained" verdict, which leaves the process, reads it: so it is the published total (a margin
    # of its parts, geo.disclosure), never the exact one. An exact verdict, with the band's edge set a few people
    # above a published total, would say whether a small practice's list was above or below the edge.
    arrays = plan.arrays
    onehot = arrays.values[:, arrays.lad_slice()]
    lad_of_row = np.where(onehot.any(axis=1), onehot.argmax(axis=1), -1)
    if plan.population == "list":  # practices' lists (the parts), by the local authority of their site
        sited = arrays.practice_in_area
        parts, groups = arrays.practice_list[sited], lad_of_row[arrays.practice_site[sited]]
    else:  # the LSOAs' counts (the parts)
        parts, groups = arrays.values[:, arrays.column(plan.population_column)], lad_of_row
    total, _ = publish_sums(parts, groups, len(arrays.lad_codes))
    return dict(zip(arrays.lad_codes, np.nan_to_num(total).tolist()))  # suppressed: no neighbourhood fits


@_lad_population.updater
def _lad_population_same(plan: "Plan", previous: dict[str, float]) -> dict[str, float]:
    return previous  # a child plan has its parent's atlas and parameters, so its LAD populations are the same


@metric("main_lad", "the local authority district holding most of each neighbourhood's LSOAs")
def _main_lad(plan: "Plan") -> dict[str, str]:
    lads = plan.arrays.lad_codes
    return {name: lads[j] for name, j in zip(plan.neighbourhoods, plan["lad_counts"][:, 1].tolist())}


@metric("lad_fits", "whether each local authority district can be split into whole neighbourhoods within the band")
def _lad_fits(plan: "Plan") -> dict[str, bool]:
    return {lad: band_fits(pop, plan.target, plan.tolerance) for lad, pop in plan["lad_population"].items()}


_lad_fits.updater(_lad_population_same)  # the same for a child: same atlas and parameters


@metric("constrained", "the neighbourhood's LAD cannot be split into whole neighbourhoods within the band")
def _constrained(plan: "Plan") -> dict[str, bool]:
    fits = plan["lad_fits"]
    return {name: not fits[lad] for name, lad in plan["main_lad"].items()}
