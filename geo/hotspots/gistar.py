"""UEC hotspots: Getis-Ord Gi* on attendance ratios with false-discovery-rate control, clusters and outputs.

For each LSOA we compute the crude rate per 1,000 with its exact interval, the expected count at the study
area's rates (age-specific when the layer has ages: indirect standardisation) and the observed/expected ratio.
Gi* (``esda.G_Local`` with ``star=True`` on binary queen weights) asks whether an LSOA *and its neighbours* have
high ratios together; conditional-permutation pseudo p-values (esda's folded, one-sided-in-the-observed-direction
convention, as in GeoDa) are then controlled for the false discovery rate by Benjamini-Hochberg over all LSOAs.
Contiguous significant-high LSOAs form clusters, ranked by excess attendances (observed - expected).

:meth:`HotspotResult.published` is the only view meant to leave ``geo/``: it passes through ``geo.disclosure``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse, stats
from scipy.sparse.csgraph import connected_components

from geo.atlas.model import AGE_BANDS
from geo.disclosure import suppress_frame
from geo.hotspots.stats import area_statistics, funnel_flag, rate_per_1000, ratio_ci

PUBLISHED_COLUMNS = ["lsoa_code", "lsoa_name", "attendances", "population", "rate_per_1000", "rate_lci", "rate_uci",
                     "expected", "ratio", "ratio_lci", "ratio_uci", "funnel", "gi_z", "gi_p", "gi_q", "hotspot",
                     "cluster"]
DERIVED = {c: "attendances" for c in ["rate_per_1000", "rate_lci", "rate_uci", "expected", "ratio", "ratio_lci",
                                      "ratio_uci", "gi_z", "gi_p", "gi_q", "excess"]}


@dataclass
class HotspotResult:
    """Per-LSOA statistics, hotspot classes and ranked clusters for one UEC layer.

    ``frame`` and ``clusters`` hold unsuppressed figures for use inside ``geo/``; publish through
    :meth:`published`, :meth:`to_csv` or :meth:`to_geojson`.
    """

    frame: pd.DataFrame
    clusters: pd.DataFrame
    layer: object
    alpha: float
    permutations: int
    seed: int
    standardised: bool
    area_label: str
    geometry: object = None

    @property
    def source_note(self) -> str:
        """Caption for every output: data source (modelled or not), method and parameters."""
        ratio = "indirectly age-standardised ratio" if self.standardised else "crude ratio (no ages in the source)"
        return (f"{self.layer.source_note()}. Study area: {self.area_label}. Ratio: {ratio} against the study area. "
                f"Hotspots: Getis-Ord Gi* (queen contiguity, {self.permutations} permutations, seed {self.seed}), "
                f"Benjamini-Hochberg FDR {self.alpha:g}. Counts 1-7 suppressed.")

    def published(self, threshold: int | None = None) -> pd.DataFrame:
        """Return the per-LSOA table for output: rounded, with small counts and their derived figures suppressed.

        The study-area total is published alongside, so secondary suppression runs down the attendances column.
        """
        table = self.frame.reset_index()[PUBLISHED_COLUMNS].copy()
        table["attendances"] = table["attendances"].round(0)
        table = suppress_frame(table, ["attendances"], threshold=threshold, group=True, derived=DERIVED)
        return _round(table)

    def published_clusters(self, threshold: int | None = None) -> pd.DataFrame:
        """Return the cluster table for output, with small counts suppressed."""
        table = self.clusters.copy()
        table["attendances"] = table["attendances"].round(0)
        return _round(suppress_frame(table, ["attendances"], threshold=threshold, derived=DERIVED))

    def to_csv(self, path: str | Path, threshold: int | None = None) -> Path:
        """Write the published per-LSOA table (suppressed counts are empty cells) with its source on every row."""
        table = self.published(threshold)
        table["uec_kind"] = self.layer.kind
        table["source"] = self.source_note
        table.to_csv(path, index=False)
        return Path(path)

    def to_geojson(self, path: str | Path, threshold: int | None = None) -> Path:
        """Write the published table as GeoJSON (WGS84) with ``uec_kind`` and ``source`` members."""
        import geopandas as gpd

        table = self.published(threshold).set_index("lsoa_code")
        gdf = gpd.GeoDataFrame(table, geometry=self.geometry.reindex(table.index), crs=self.geometry.crs)
        collection = json.loads(gdf.to_crs("EPSG:4326").reset_index().to_json(na="null", drop_id=True))
        collection.update({"uec_kind": self.layer.kind, "source": self.source_note})
        Path(path).write_text(json.dumps(collection), encoding="utf-8")
        return Path(path)


def _round(table: pd.DataFrame) -> pd.DataFrame:
    digits = {"rate_per_1000": 2, "rate_lci": 2, "rate_uci": 2, "expected": 1, "ratio": 3, "ratio_lci": 3,
              "ratio_uci": 3, "gi_z": 2, "gi_p": 3, "gi_q": 3, "excess": 0, "population": 0}
    return table.round({k: v for k, v in digits.items() if k in table.columns})


def find_hotspots(atlas, layer, alpha: float | None = None, permutations: int | None = None,
                  seed: int | None = None, n_jobs: int = 1) -> HotspotResult:
    """Find UEC hotspots: LSOAs whose neighbourhood of ratios is significantly high (or low) by Gi* with FDR.

    Parameters
    ----------
    atlas
        The study area.
    layer
        A :class:`~geo.uec.layer.UecLayer` on the atlas's LSOAs.
    alpha, permutations, seed
        FDR level, Gi* permutations and seed (defaults from settings).
    n_jobs
        Processes for the permutations (esda; numba makes one enough for an ICB).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.uec import read_uec_extract, synthetic_extract, write_extract
    >>> import tempfile, os
    >>> atlas = grid_atlas(10, 10)
    >>> path = write_extract(synthetic_extract(atlas, seed=2, hotspots=["G0044"]), os.path.join(tempfile.mkdtemp(), "x.csv"))
    >>> result = find_hotspots(atlas, read_uec_extract(path, atlas), permutations=999, seed=1)
    >>> "G0044" in result.frame.index[result.frame.hotspot == "high"], int(result.clusters.cluster.iloc[0])
    (True, 1)
    """
    from esda.getisord import G_Local

    from geo.settings import get_settings

    settings = get_settings()
    alpha = settings.hotspot_alpha if alpha is None else alpha
    permutations = settings.hotspot_permutations if permutations is None else permutations
    seed = settings.seed if seed is None else seed

    lsoas = atlas.lsoas
    observed = layer.attendances.reindex(lsoas.index).fillna(0.0)
    by_age = layer.by_age.reindex(lsoas.index).fillna(0.0) if layer.by_age is not None else None
    frame = area_statistics(observed, lsoas["resident_population"], by_age, lsoas[AGE_BANDS] if by_age is not None else None)
    frame.insert(0, "lsoa_name", lsoas["lsoa_name"])
    standardised = frame.attrs["standardised"]
    # Gi* needs a finite, non-negative value everywhere: an LSOA without residents is given the study-area ratio.
    y = frame["ratio"].fillna(1.0).to_numpy()
    gi = G_Local(y, atlas.weights(), transform="B", star=True, permutations=permutations, seed=seed,
                 keep_simulations=False, n_jobs=n_jobs)
    frame["gi_z"] = gi.Zs
    frame["gi_p"] = gi.p_sim
    frame["gi_q"] = stats.false_discovery_control(gi.p_sim, method="bh")
    significant = frame["gi_q"].to_numpy() <= alpha
    frame["hotspot"] = np.where(significant & (gi.Zs > 0), "high", np.where(significant & (gi.Zs < 0), "low", ""))
    frame["cluster"], clusters = _clusters(atlas, frame)
    return HotspotResult(frame=frame, clusters=clusters, layer=layer, alpha=alpha, permutations=permutations,
                         seed=seed, standardised=standardised, area_label=atlas.area.label,
                         geometry=lsoas.geometry)


def _clusters(atlas, frame: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame]:
    """Number contiguous groups of high LSOAs 1, 2, ... by decreasing excess attendances."""
    high = np.flatnonzero(frame["hotspot"].to_numpy() == "high")
    labels = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    columns = ["cluster", "lsoas", "lsoa_codes", "attendances", "expected", "excess", "ratio", "ratio_lci", "ratio_uci"]
    if len(high) == 0:
        return labels, pd.DataFrame(columns=columns)
    sub = sparse.csr_matrix(atlas.adjacency)[high][:, high]
    _, component = connected_components(sub, directed=False)
    part = frame.iloc[high].assign(_component=component)
    groups = part.groupby("_component").agg(attendances=("attendances", "sum"), expected=("expected", "sum"),
                                           lsoas=("attendances", "size"))
    groups["lsoa_codes"] = part.groupby("_component").apply(lambda g: " ".join(g.index), include_groups=False)
    groups["excess"] = groups["attendances"] - groups["expected"]
    groups = groups.sort_values("excess", ascending=False)
    groups["cluster"] = np.arange(1, len(groups) + 1)
    groups = groups.join(ratio_ci(groups["attendances"], groups["expected"]))
    labels.iloc[high] = groups["cluster"].reindex(component).to_numpy()
    return labels, groups.reset_index(drop=True)[columns]


def by_neighbourhood(result: HotspotResult, assignment, suppressed: bool = True,
                     threshold: int | None = None) -> pd.DataFrame:
    """Return UEC figures per neighbourhood of a plan: attendances, rate, ratio vs the study area, hotspots.

    Parameters
    ----------
    result
        From :func:`find_hotspots`.
    assignment
        A ``geo.plan.Plan`` or a Series ``lsoa_code -> neighbourhood``.
    suppressed
        Apply disclosure control (the default; pass False only for further computation inside ``geo/``).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.uec import modelled_uec
    >>> atlas = grid_atlas(4, 4)
    >>> ae = pd.DataFrame({"month": [f"2025-{m:02d}" for m in range(1, 13)], "org_code": "E54009999",
    ...                    "total_attendances": 800.0})
    >>> result = find_hotspots(atlas, modelled_uec(atlas, ae), permutations=99)
    >>> plan = pd.Series(["A"] * 8 + ["B"] * 8, index=atlas.lsoas.index)
    >>> table = by_neighbourhood(result, plan)
    >>> list(table.index), int(table.attendances.sum())
    (['A', 'B'], 9600)
    """
    series = assignment.assignment if hasattr(assignment, "assignment") else assignment
    series = pd.Series(series).reindex(result.frame.index)
    frame = result.frame.assign(neighbourhood=series.to_numpy())
    grouped = frame.groupby("neighbourhood", sort=True)
    table = grouped.agg(attendances=("attendances", "sum"), population=("population", "sum"),
                        expected=("expected", "sum"), lsoas=("attendances", "size"))
    table["hotspot_lsoas"] = grouped["hotspot"].apply(lambda h: int((h == "high").sum()))
    table["coldspot_lsoas"] = grouped["hotspot"].apply(lambda h: int((h == "low").sum()))
    table = table.join(rate_per_1000(table["attendances"], table["population"])).join(
        ratio_ci(table["attendances"], table["expected"]))
    table["funnel"] = funnel_flag(table["attendances"], table["expected"])
    table.index.name = "neighbourhood"
    if not suppressed:
        return table
    table["attendances"] = table["attendances"].round(0)
    return _round(suppress_frame(table, ["attendances"], threshold=threshold, group=True, derived=DERIVED))
