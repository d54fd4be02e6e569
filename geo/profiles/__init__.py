"""Neighbourhood profiles and HWB data packs: ``neighbourhood_profiles(plan, hotspots=None)`` -> :class:`Profiles`.

``core`` gathers the plan's own metrics, ``figures`` the data-pack figures (ethnicity, QOF long-term conditions,
registered population by age and sex) and their comparators, ``england`` the national totals, ``labels`` what
each figure is called, ``charts`` the inline SVG, and ``html`` / ``xlsx`` the board-ready outputs.
"""

from geo.profiles.core import Profiles, neighbourhood_profiles

__all__ = ["Profiles", "neighbourhood_profiles"]
