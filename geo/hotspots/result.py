"""The result of a hotspot analysis and its published views: per LSOA, per cluster and for the study area.

``HotspotResult.frame`` and the cluster tables hold true figures for use inside ``geo/``. Only the ``published*``
views, :meth:`HotspotResult.answer`, :meth:`~HotspotResult.to_csv` and :meth:`~HotspotResult.to_geojson` leave
it, and they follow ``geo.disclosure``: a count of 1..7 is an empty cell together with every figure derived from
it (rate, ratio, intervals, expected, funnel flag, Gi* figures, class and cluster), and every total (clusters,
the study area) is published by :func:`geo.disclosure.publish_totals`, its rate and ratio computed from the
published total. Suppressed LSOAs are never classed, so no cluster has a suppressed member.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from geo.disclosure import hidden_mask, publish_totals
from geo.hotspots.clusters import CLUSTER_COLUMNS
from geo.hotspots.stats import rate_per_1000, ratio_ci
from geo.writers import layer_name, write_table
from geo.jsonable import jsonable
import geopandas as gpd

PUBLISHED_COLUMNS = [
    "lsoa_code",
    "lsoa_name",
    "attendances",
    "population",
    "rate_per_1000",
    "rate_lci",
    "rate_uci",
    "expected",
    "ratio",
    "ratio_lci",
    "ratio_uci",
    "funnel",
    "gi_z",
    "gi_p",
    "gi_q",
    "hotspot",
    "cluster",
]
#: Figures of an LSOA that go with its count when it is suppressed.
ROW_DERIVED = [
    "rate_per_1000",
    "rate_lci",
    "rate_uci",
    "expected",
    "ratio",
    "ratio_lci",
    "ratio_uci",
    "funnel",
    "gi_z",
    "gi_p",
    "gi_q",
    "hotspot",
    "cluster",
]
INTERVALS = ["rate_lci", "rate_uci", "ratio_lci", "ratio_uci"]
DIGITS = {
    "rate_per_1000": 2,
    "rate_lci": 2,
    "rate_uci": 2,
    "expected": 1,
    "ratio": 3,
    "ratio_lci": 3,
    "ratio_uci": 3,
    "gi_z": 2,
    "gi_p": 4,
    "gi_q": 4,
    "excess": 0,
    "population": 0,
    "attendances": 0,
}


def round_table(table: pd.DataFrame) -> pd.DataFrame:
    """Round published figures to the precision they are quoted at."""
    return table.round({k: v for k, v in DIGITS.items() if k in table.columns})


def total_figures(total, population, expected, modelled: bool) -> pd.DataFrame:
    """Rate per 1,000 and ratio to the area, with exact intervals, of published totals (none for modelled ones).

    Examples
    --------
    >>> total_figures(pd.Series([100.0]), pd.Series([10_000.0]), pd.Series([80.0]), False).round(3).iloc[0].tolist()
    [10.0, 8.136, 12.163, 1.25, 1.017, 1.52, 20.0]
    """
    total = pd.Series(total, dtype=float)
    figures = rate_per_1000(total, pd.Series(population, index=total.index).astype(float)).join(
        ratio_ci(total, pd.Series(expected, index=total.index).astype(float))
    )
    figures["excess"] = total - pd.Series(expected, index=total.index).astype(float)
    if modelled:
        figures[INTERVALS] = np.nan
    return figures


@dataclass
class HotspotResult:
    """Per-LSOA statistics, hotspot classes and ranked clusters for one UEC layer (see :mod:`geo.hotspots`)."""

    frame: pd.DataFrame
    clusters: pd.DataFrame
    layer: object
    alpha: float
    inference: str
    permutations: int
    seed: int
    standardised: bool
    area_label: str
    threshold: int
    dispersion: dict | None = None
    low_clusters: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CLUSTER_COLUMNS))
    geometry: object = None

    @property
    def modelled(self) -> bool:
        return bool(self.layer.modelled)

    @property
    def hotspot_meaning(self) -> str:
        """What "high" and "low" mean for this layer."""
        if self.modelled:
            return (
                "Areas of high (low) EXPECTED need: clusters of the modelled layer, i.e. of IoD2025 acute "
                "morbidity x population within the ICB; not observed attendance hotspots."
            )
        return (
            "High (low) UEC attendance hotspots: LSOAs in a significant Gi* cluster whose own rate is "
            "significantly above (below) the study area's."
        )

    @property
    def method(self) -> str:
        test = (
            "analytic normal-approximation z"
            if self.inference == "analytic"
            else f"{self.permutations} conditional permutations"
        )
        own = (
            "its own ratio above 1"
            if self.modelled
            else "the 95% exact Poisson interval of its own rate above the area's"
        )
        return (
            f"Getis-Ord Gi* (queen contiguity, the LSOA in its own window) with {test}, two-sided p, "
            f"Benjamini-Hochberg FDR {self.alpha:g}; an LSOA is high only with {own}"
        )

    @property
    def source_note(self) -> str:
        """Caption for every output: data source (modelled or not), method, funnel and disclosure rules."""
        ratio = "indirectly age-standardised ratio" if self.standardised else "crude ratio (no ages in the source)"
        if self.modelled:
            funnel = (
                "No funnel limits or confidence intervals: a modelled figure has no sampling error. "
                "Hotspots are areas of high expected need"
            )
        else:
            d = self.dispersion or {}
            funnel = f"Funnel: {d.get('method', 'not computed')}, phi {d.get('phi')}, tau2 {d.get('tau2')}"
        return (
            f"{self.layer.source_note()}. Study area: {self.area_label}. Ratio: {ratio} against the study area. "
            f"Hotspots: {self.method}. {funnel}. Counts 1-{self.threshold} suppressed; totals with suppressed "
            f"parts count each as {(self.threshold + 1) / 2:g} and are rounded to 10."
        )

    def _hidden(self, threshold) -> np.ndarray:
        """LSOAs whose row is withheld: a small count of attendances, or of residents (a rate on 3 people gives
        the people back; real LSOAs have about 1,500 residents, so this binds only on small synthetic areas)."""
        t = self.threshold if threshold is None else threshold
        return hidden_mask(self.frame["attendances"], t) | hidden_mask(self.frame["population"], t)

    def _population(self, keys, threshold) -> pd.Series:
        """Published population of each group of LSOAs: a margin of the LSOA populations, like the counts."""
        t = self.threshold if threshold is None else threshold
        return publish_totals(self.frame["population"], keys, t)["total"]

    def published(self, threshold: int | None = None) -> pd.DataFrame:
        """Return the per-LSOA table for output (suppressed counts and everything derived from them empty)."""
        table = self.frame.reset_index()[PUBLISHED_COLUMNS].copy()
        hidden = self._hidden(threshold)
        small_population = hidden_mask(table["population"], self.threshold if threshold is None else threshold)
        table["population"] = table["population"].where(~small_population)
        for column in ["attendances", *ROW_DERIVED]:
            if table[column].dtype == object:
                table[column] = table[column].where(~hidden, None)
            else:
                table[column] = table[column].where(~hidden)
        if self.modelled:
            table[INTERVALS] = np.nan
        return round_table(table)

    def published_clusters(self, threshold: int | None = None) -> pd.DataFrame:
        """Return the high then low cluster tables, their totals published as margins of the LSOA table."""
        t = self.threshold if threshold is None else threshold
        table = pd.concat([self.clusters, self.low_clusters], ignore_index=True)
        if table.empty:
            return pd.DataFrame(columns=[*CLUSTER_COLUMNS, "rounded_to", "ratio", "ratio_lci", "ratio_uci"])
        members = self.frame["cluster"].dropna()
        totals = publish_totals(self.frame.loc[members.index, "attendances"], members, t).reindex(table["cluster"])
        population = publish_totals(self.frame.loc[members.index, "population"], members, t)["total"].reindex(
            table["cluster"]
        )
        figures = total_figures(
            totals["total"].to_numpy(), population.to_numpy(), table["expected"].to_numpy(), self.modelled
        )
        table["attendances"] = totals["total"].to_numpy()
        table["rounded_to"] = totals["rounded_to"].to_numpy()
        table["excess"] = figures["excess"].to_numpy()
        for column in ["ratio", "ratio_lci", "ratio_uci"]:
            table[column] = figures[column].to_numpy()
        return round_table(table)

    def published_area(self, threshold: int | None = None) -> dict:
        """Return the study-area total and its rate, ratio 1 by construction, as a margin of the LSOA table."""
        t = self.threshold if threshold is None else threshold
        totals = publish_totals(self.frame["attendances"], None, t)
        population = float(self._population(None, t).iloc[0])
        figures = total_figures(totals["total"].to_numpy(), [population], [self.frame["expected"].sum()], self.modelled)
        row = {
            "area": self.area_label,
            "lsoas": len(self.frame),
            "suppressed_lsoas": int(self._hidden(t).sum()),
            "attendances": totals["total"].iloc[0],
            "rounded_to": int(totals["rounded_to"].iloc[0]),
            "population": population,
            **figures.drop(columns="excess").iloc[0].to_dict(),
        }
        row = round_table(pd.DataFrame([row])).iloc[0].to_dict()
        return {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()}

    def answer(self, threshold: int | None = None) -> dict:
        """Return the JSON-ready answer: source, meaning, method, dispersion, area total, LSOAs and clusters."""
        return {
            "uec_kind": self.layer.kind,
            "source": self.source_note,
            "hotspot_meaning": self.hotspot_meaning,
            "method": self.method,
            "dispersion": self.dispersion,
            "area": jsonable(self.published_area(threshold)),
            "lsoas": json.loads(self.published(threshold).to_json(orient="records")),
            "clusters": json.loads(self.published_clusters(threshold).to_json(orient="records")),
        }

    def to_csv(self, path: str | Path, threshold: int | None = None) -> Path:
        """Write the published per-LSOA table (suppressed counts are empty cells) with its source on every row."""
        table = self.published(threshold)
        table["uec_kind"] = self.layer.kind
        table["source"] = self.source_note
        return write_table(table, path)  # formula-safe: LSOA names and the upload's name are text

    def to_geojson(self, path: str | Path, threshold: int | None = None) -> Path:
        """Write the published table as GeoJSON (WGS84) with ``uec_kind``, ``source`` and ``area`` members, through
        the one GeoJSON writer (:mod:`geo.writers`: whole counts; a column empty everywhere, such as a modelled
        layer's intervals, is left out rather than read as text)."""

        table = self.published(threshold).set_index("lsoa_code")
        gdf = gpd.GeoDataFrame(table, geometry=self.geometry.reindex(table.index), crs=self.geometry.crs)
        path = write_table(gdf.reset_index(), path, layer=layer_name("UEC", self.layer.kind, self.area_label))
        collection = json.loads(path.read_text(encoding="utf-8"))
        collection.update(
            {
                "uec_kind": self.layer.kind,
                "source": self.source_note,
                "hotspot_meaning": self.hotspot_meaning,
                "area": jsonable(self.published_area(threshold)),
            }
        )
        Path(path).write_text(json.dumps(collection), encoding="utf-8")
        return Path(path)
