"""The atlas of a study area: the joined LSOA layer, the practice layer and the contiguity graph.

``load_atlas(area)`` resolves the study area (:mod:`geo.atlas.area`), reads every official file through
:mod:`geo.sources`, bridges registrations between LSOA vintages (:mod:`geo.atlas.bridging`), attributes practices
(:mod:`geo.atlas.practices`), builds the contiguity graph (:mod:`geo.atlas.graph`) and caches the result
(:mod:`geo.atlas.cache`). :mod:`geo.atlas.vintages` says which files go with which LSOA vintage;
:mod:`geo.atlas.arrays` is the numpy view plans and metrics read; :mod:`geo.atlas.model` is the value itself.
"""

from geo.atlas.model import Atlas, SourceInfo, StudyArea


def __getattr__(name):
    # Building pulls in every reader; modules that only need the Atlas type should not pay for that.
    if name in {"load_atlas", "build_atlas"}:
        from geo.atlas import build  # lazy: module __getattr__ (PEP 562): importing the package stays light

        return getattr(build, name)
    raise AttributeError(f"module 'geo.atlas' has no attribute {name!r}")


__all__ = ["Atlas", "SourceInfo", "StudyArea", "build_atlas", "load_atlas"]
