"""What the readers (:mod:`geo.sources`) hand the atlas (:mod:`geo.atlas`): shared column names and provenance.

A leaf module, so the readers can name the columns they produce without importing the atlas that consumes them
(the packages depend one way: ``geo.atlas`` -> ``geo.sources`` -> ``geo.contract``). :mod:`geo.atlas.model`
re-exports these names as part of the atlas contract.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Census 2021 age bands of the LSOA population (read by ``geo.sources.population``, columns of the atlas).
AGE_BANDS = ["age_0_15", "age_16_24", "age_25_34", "age_35_49", "age_50_64", "age_65_plus"]

#: Census 2021 TS021 high-level ethnic groups and their total (``geo.sources.ethnicity``, columns of the atlas).
ETHNICITY_COLUMNS = [
    "ethnicity_asian",
    "ethnicity_black",
    "ethnicity_mixed",
    "ethnicity_white",
    "ethnicity_other",
    "ethnicity_total",
]

#: Short names of the QOF 2024-25 disease registers, with the age group each register's prevalence counts.
QOF_REGISTERS = {
    "AF": "Atrial fibrillation",
    "AST": "Asthma (6+)",
    "CAN": "Cancer",
    "CHD": "Coronary heart disease",
    "CKD": "Chronic kidney disease (18+)",
    "COPD": "COPD",
    "DEM": "Dementia",
    "DEP": "Depression (18+)",
    "DM": "Diabetes (17+)",
    "EP": "Epilepsy (18+)",
    "HF": "Heart failure",
    "HYP": "Hypertension",
    "LD": "Learning disability",
    "MH": "Serious mental illness",
    "NDH": "Non-diabetic hyperglycaemia (18+)",
    "OB": "Obesity (18+)",
    "OST": "Osteoporosis (50+)",
    "PAD": "Peripheral arterial disease",
    "PC": "Palliative care",
    "RA": "Rheumatoid arthritis (16+)",
    "STIA": "Stroke and TIA",
}


@dataclass(frozen=True)
class SourceInfo:
    """Where a figure comes from: shown beside every number a person sees."""

    dataset: str
    label: str
    vintage: str
    file: str = ""
    sha256: str = ""


#: The LSOA columns (code, name) of each level a plan nests in (``custom``: a user geography put on the atlas).
NEST_COLUMNS = {
    "lad": ("lad_code", "lad_name"),
    "utla": ("utla_code", "utla_name"),
    "icb": ("icb_code", "icb_name"),
    "custom": ("nest_code", "nest_name"),
}
