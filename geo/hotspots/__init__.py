"""UEC hotspots: attendance rates with exact Poisson intervals (:mod:`geo.hotspots.stats`) and Getis-Ord Gi*
clusters (:mod:`geo.hotspots.gistar`), per LSOA, per cluster and per neighbourhood of a plan."""

from geo.hotspots.gistar import PUBLISHED_COLUMNS, HotspotResult, by_neighbourhood, find_hotspots

__all__ = ["PUBLISHED_COLUMNS", "HotspotResult", "by_neighbourhood", "find_hotspots"]
