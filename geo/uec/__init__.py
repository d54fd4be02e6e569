"""Urgent and emergency care (UEC) attendances per LSOA: local extracts, the modelled layer, synthetic extracts."""

from geo.uec.for_atlas import uec_layer_for
from geo.uec.importer import read_uec_extract
from geo.uec.layer import UecLayer
from geo.uec.modelled import modelled_uec, morbidity_multiplier
from geo.uec.synthetic import planted_lsoas, synthetic_extract, write_extract

__all__ = [
    "UecLayer",
    "modelled_uec",
    "morbidity_multiplier",
    "planted_lsoas",
    "read_uec_extract",
    "synthetic_extract",
    "uec_layer_for",
    "write_extract",
]
