"""Access and need in every neighbourhood, and where to put neighbourhood health centres.

- :mod:`geo.access.layer`: distance to the nearest GP practice, road time to the nearest hospital with a stroke
  unit (modelled), IoD2025 connectivity; per LSOA and per neighbourhood, with the people beyond stated thresholds.
- :mod:`geo.access.need`: the need layer (health-domain proxy for healthy life, patient-to-GP ratio, Core20,
  older people, QOF long-term conditions) and a transparent need index per neighbourhood.
- :mod:`geo.access.siting`: exact p-median siting of hub sites per neighbourhood or for the whole area.
- :mod:`geo.access.candidates`: reading a user file of candidate sites (public estate).
"""

from geo.access.layer import HOSPITAL_MINUTES, PRACTICE_KM, access_by_neighbourhood, access_layer

__all__ = ["HOSPITAL_MINUTES", "PRACTICE_KM", "access_by_neighbourhood", "access_layer"]
