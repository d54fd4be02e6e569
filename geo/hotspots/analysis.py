"""Find UEC hotspots: rates and ratios per LSOA, Gi* with FDR control, classes, clusters and funnel flags.

Steps (each documented where it is done):

1. Rates per 1,000 and observed/expected ratios with exact Poisson intervals (:mod:`geo.hotspots.stats`); the
   expected counts are at the study area's (age-specific, when the layer has ages) rates.
2. Getis-Ord Gi* on the ratios, two-sided, Benjamini-Hochberg at ``alpha`` (:mod:`geo.hotspots.gistar`): analytic
   by default, so the answer never depends on a permutation count.
3. Classes and ranked clusters, an LSOA's own rate deciding with its neighbours' (:mod:`geo.hotspots.clusters`).
4. Funnel flags with an overdispersion adjustment, for observed counts only (:mod:`geo.hotspots.funnel`). A
   modelled layer (ICB totals shared by acute morbidity) gets no funnel and no intervals: it has no sampling
   error, and its "hotspots" are areas of high expected need.

Suppressed counts (1..7) are kept out of every figure that is published for another LSOA: the standard rates are
those of the other LSOAs, and Gi* sees a suppressed LSOA at 4 attendances (see ``geo.disclosure``). So no
published figure changes when a suppressed count does (a property test checks this).
"""

from __future__ import annotations

import numpy as np

from geo.atlas.model import AGE_BANDS
from geo.disclosure import hidden_mask, suppressed_as
from geo.hotspots.clusters import classify, clusters
from geo.hotspots.funnel import dispersion, funnel_flags
from geo.hotspots.gistar import gi_star
from geo.hotspots.result import INTERVALS, HotspotResult
from geo.hotspots.stats import area_statistics
from geo.settings import get_settings


def find_hotspots(
    atlas,
    layer,
    alpha: float | None = None,
    permutations: int | None = None,
    seed: int | None = None,
    *,
    inference: str = "analytic",
    threshold: int | None = None,
) -> HotspotResult:
    """Find UEC hotspots: LSOAs in a significantly high (low) Gi* window whose own rate is high (low) too.

    Parameters
    ----------
    atlas
        The study area.
    layer
        A :class:`~geo.uec.layer.UecLayer` on the atlas's LSOAs.
    alpha
        FDR level (default: the ``hotspot_alpha`` setting).
    permutations, seed
        For ``inference="permutation"`` only: the least permutations (default: the ``hotspot_permutations``
        setting), raised to what BH at ``alpha`` needs, and their seed. Ignored by the analytic test.
    inference
        ``"analytic"`` (normal approximation, no simulation; the default) or ``"permutation"``.
    threshold
        Largest count suppressed (default: the ``suppression_threshold`` setting).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.uec import read_uec_extract, synthetic_extract, write_extract
    >>> import tempfile, os
    >>> atlas = grid_atlas(10, 10)
    >>> path = write_extract(synthetic_extract(atlas, seed=2, hotspots=["G0044"]), os.path.join(tempfile.mkdtemp(), "x.csv"))
    >>> result = find_hotspots(atlas, read_uec_extract(path, atlas))
    >>> "G0044" in result.frame.index[result.frame.hotspot == "high"], result.clusters.cluster.iloc[0]
    (True, 'H1')
    """

    settings = get_settings()
    alpha = settings.hotspot_alpha if alpha is None else alpha
    seed = settings.seed if seed is None else seed
    threshold = int(settings.suppression_threshold if threshold is None else threshold)
    if inference == "permutation" and permutations is None:
        permutations = settings.hotspot_permutations

    lsoas = atlas.lsoas
    observed = layer.attendances.reindex(lsoas.index).fillna(0.0)
    hidden = hidden_mask(observed, threshold)
    by_age = layer.by_age.reindex(lsoas.index).fillna(0.0) if layer.by_age is not None else None
    frame = area_statistics(
        observed,
        lsoas["resident_population"],
        by_age,
        lsoas[AGE_BANDS] if by_age is not None else None,
        standard_rows=~hidden,
    )
    frame.insert(0, "lsoa_name", lsoas["lsoa_name"])
    modelled = bool(layer.modelled)
    if modelled:
        frame[INTERVALS] = np.nan  # no sampling error in a modelled figure: an interval would mislead

    # Gi* needs a finite value everywhere: no residents -> the area ratio; a suppressed count -> 4 attendances.
    with np.errstate(divide="ignore", invalid="ignore"):
        imputed = np.where(frame["expected"] > 0, suppressed_as(threshold) / frame["expected"], np.nan)
    y = np.where(hidden, imputed, frame["ratio"].to_numpy())
    y = np.where(np.isfinite(y), y, 1.0)
    gi = gi_star(
        y,
        atlas.adjacency,
        inference=inference,
        permutations=permutations or 0,
        seed=seed,
        alpha=alpha,
        codes=lsoas.index,
    )
    frame["gi_z"], frame["gi_p"], frame["gi_q"] = gi["z"].to_numpy(), gi["p"].to_numpy(), gi["q"].to_numpy()
    frame["hotspot"] = classify(
        frame["gi_z"], frame["gi_q"], frame["ratio"], frame["ratio_lci"], frame["ratio_uci"], hidden, alpha, modelled
    )
    high_labels, high = clusters(atlas.adjacency, frame, "high")
    low_labels, low = clusters(atlas.adjacency, frame, "low")
    frame["cluster"] = high_labels.where(high_labels.notna(), low_labels)

    disp = None
    if modelled:
        frame["funnel"] = ""
    else:
        disp = dispersion(observed[~hidden], frame["expected"][~hidden])
        frame["funnel"] = funnel_flags(observed, frame["expected"], disp)
    return HotspotResult(
        frame=frame,
        clusters=high,
        low_clusters=low,
        layer=layer,
        alpha=alpha,
        inference=inference,
        permutations=int(gi.attrs["permutations"]),
        seed=seed,
        standardised=frame.attrs["standardised"],
        area_label=atlas.area.label,
        threshold=threshold,
        dispersion=disp,
        geometry=lsoas.geometry,
    )
