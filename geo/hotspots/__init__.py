"""UEC hotspots: rates with exact Poisson intervals (:mod:`~geo.hotspots.stats`), Getis-Ord Gi* with FDR control
(:mod:`~geo.hotspots.gistar`), what a hotspot is (:mod:`~geo.hotspots.clusters`), funnel limits with overdispersion
(:mod:`~geo.hotspots.funnel`), the analysis (:mod:`~geo.hotspots.analysis`), its published views
(:mod:`~geo.hotspots.result`) and the UEC load per neighbourhood (:mod:`~geo.hotspots.neighbourhoods`)."""

from geo.hotspots.analysis import find_hotspots
from geo.hotspots.neighbourhoods import NEIGHBOURHOOD_COLUMNS, by_neighbourhood
from geo.hotspots.result import PUBLISHED_COLUMNS, HotspotResult

__all__ = ["NEIGHBOURHOOD_COLUMNS", "PUBLISHED_COLUMNS", "HotspotResult", "by_neighbourhood", "find_hotspots"]
