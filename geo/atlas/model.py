"""The atlas as a value: the joined LSOA layer, practices, registrations and contiguity graph of a study area.

Everything downstream (plans, proposals, hotspots, maps, the API) reads an :class:`Atlas` and nothing else, so the
column names below are the contract between the data layer and the rest of the planner. ``geo/atlas/build.py`` builds
one from the official files; ``geo/testing/grid.py`` builds small synthetic ones for tests.

LSOA columns (index ``lsoa_code``, sorted, EPSG:27700)
-----------------------------------------------------
``lsoa_name, lad_code, lad_name, ward_code, ward_name, utla_code, utla_name, sub_icb_code, sub_icb_name,
icb_code (E54...), icb_code_nhs (Q..), icb_name, resident_population, age_0_15, age_16_24, age_25_34, age_35_49,
age_50_64, age_65_plus, registered_population, imd_score, imd_rank, imd_decile, imd_quintile, local_decile,
plurality_practice, plurality_share, ruc_code, ruc_class, acute_morbidity, ethnicity_asian, ethnicity_black,
ethnicity_mixed, ethnicity_white, ethnicity_other, ethnicity_total, geometry``

- ``lad_code, lad_name``: local authority district, 2024 codes, from the official ONS LSOA -> LAD 2022 lookup of
  the vintage with the 2023 mergers applied (:mod:`geo.atlas.lookups`), never from the ward best fit.
- ``ward_code, ward_name``: electoral ward 2024 (ONS best-fit lookup); LSOA 2021 atlases only, else missing.
- ``ethnicity_*``: Census 2021 TS021 usual residents in the five high-level ethnic groups (Asian, Black, Mixed,
  White, Other) and all usual residents (``ethnicity_total``, which the groups sum to). Floats: on a 2011 atlas they
  are bridged as counts (merged LSOAs shared by mid-2020 population) and the source vintage says so; missing
  values when the folder has no TS021 file (``atlas.sources`` then has no ``ethnicity_census2021``).

Practice columns (index ``practice_code``, EPSG:27700 points)
-------------------------------------------------------------
``practice_name, postcode, pcn_code, pcn_name, sub_icb_code, icb_code_nhs, list_size, list_size_by_lsoa,
patients_in_area, lsoa_code (site), lad_code (site), site_source, site_in_area, status, status_reason, in_area,
list_size_2026_07, geometry``

- ``list_size``: the practice's registered list today: its count in the latest registered-patients-by-practice file
  (``atlas.sources["practice_lists"]``, July 2026 here); without that file, its registrations-by-LSOA total.
- ``list_size_by_lsoa``: all its registrations in the registrations-by-LSOA file (July 2023), whose home shares
  spread today's list over LSOAs (:mod:`geo.atlas.lists`).
- ``lsoa_code, lad_code, site_source``: the site LSOA and local authority from the practice's own postcode, never
  from point-in-polygon on generalised boundaries (:mod:`geo.atlas.sites`); ``site_in_area``: that LSOA is one of
  the atlas's.
- ``status``: ``in_plan``, or why the practice is out of the area's plans: ``non_geographic`` (special allocation,
  asylum, homeless and other non-geographic services, from ODS data), ``closed`` (not in the latest lists file),
  ``no_patients``, ``outside_area`` (local-authority areas: sited outside, serving the area); ``status_reason``
  says why in words. ``in_area`` is ``status == "in_plan"``: every plan and baseline takes those practices, and
  an ICB's practices by the NHS England map are in its plans wherever their sites fall.
- ``list_size_2026_07``: registered patients at 1 July 2026 (``gp-reg-pat-prac-quin-age``, the sum of the
  practice's sex and age bands, which the reader checked against the published total); ``<NA>`` when the practice is
  not in that file or the folder lacks it. ``atlas.sources["practice_ages"].vintage`` gives the extract month.

QOF registers (``atlas.qof``, long table, practices of ``atlas.practices`` only)
--------------------------------------------------------------------------------
``practice_code, register`` (QOF group code: AF, AST, ... STIA), ``patients`` (on the register, int),
``list_type`` (the age group the register counts: TOTAL, 06OV, 16OV, 17OV, 18OV, 50OV), ``list_size`` (patients of
that age group: the prevalence denominator). QOF 2024-25 (``atlas.sources["qof_prevalence"]``); empty without it.

Practice ages (``atlas.practice_ages``, long table, practices of ``atlas.practices`` only)
-----------------------------------------------------------------------------------------
``practice_code, sex`` (FEMALE, MALE), ``age_band`` (``0_4`` ... ``90_94``, ``95+``), ``patients`` (int); July 2026.
Empty without the file. Counts here are raw: anything shown passes through :mod:`geo.disclosure`.

Registrations (long table, only LSOAs of the area)
--------------------------------------------------
``practice_code, lsoa_code, patients`` (float): today's lists spread over home LSOAs by the July 2023 shares, and
bridged between LSOA vintages, so fractional.

Closed practices' patients (``atlas.closed_registrations``, long table, only LSOAs of the area)
--------------------------------------------------------------------------------------------
``practice_code, practice_name, lsoa_code, patients``: residents of the area registered in July 2023 at practices not
in the latest lists file (closed or merged since). They are in no plan (today they are on the lists of the practices
they moved to), and are reported: :func:`geo.atlas.summary.closed_practices`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse

from geo.errors import PlanError
from geo.contract import AGE_BANDS, ETHNICITY_COLUMNS, SourceInfo  # noqa: F401  (re-exported: the atlas contract)

AGE_BAND_LABELS = {
    "age_0_15": "0-15",
    "age_16_24": "16-24",
    "age_25_34": "25-34",
    "age_35_49": "35-49",
    "age_50_64": "50-64",
    "age_65_plus": "65+",
}

LSOA_COLUMNS = [
    "lsoa_name",
    "lad_code",
    "lad_name",
    "ward_code",
    "ward_name",
    "utla_code",
    "utla_name",
    "sub_icb_code",
    "sub_icb_name",
    "icb_code",
    "icb_code_nhs",
    "icb_name",
    "resident_population",
    *AGE_BANDS,
    "registered_population",
    "imd_score",
    "imd_rank",
    "imd_decile",
    "imd_quintile",
    "local_decile",
    "plurality_practice",
    "plurality_share",
    "ruc_code",
    "ruc_class",
    "acute_morbidity",
    *ETHNICITY_COLUMNS,
    "geometry",
]

PRACTICE_COLUMNS = [
    "practice_name",
    "postcode",
    "pcn_code",
    "pcn_name",
    "sub_icb_code",
    "icb_code_nhs",
    "list_size",
    "list_size_by_lsoa",
    "patients_in_area",
    "lsoa_code",
    "lad_code",
    "site_source",
    "site_in_area",
    "status",
    "status_reason",
    "in_area",
    "list_size_2026_07",
    "geometry",
]

REGISTRATION_COLUMNS = ["practice_code", "lsoa_code", "patients"]
CLOSED_COLUMNS = ["practice_code", "practice_name", "lsoa_code", "patients"]
QOF_COLUMNS = ["practice_code", "register", "patients", "list_type", "list_size"]
PRACTICE_AGE_COLUMNS = ["practice_code", "sex", "age_band", "patients"]
#: The 5-year age bands of the registered-patients file (``0_4`` ... ``90_94``, ``95+``).
PRACTICE_AGE_BANDS = [f"{start}_{start + 4}" for start in range(0, 95, 5)] + ["95+"]


def empty_qof() -> pd.DataFrame:
    """An ``atlas.qof`` with no rows (no QOF file, or a synthetic atlas)."""
    return pd.DataFrame({c: pd.Series(dtype="int64" if c in ("patients", "list_size") else "str") for c in QOF_COLUMNS})


def empty_closed() -> pd.DataFrame:
    """An ``atlas.closed_registrations`` with no rows."""
    return pd.DataFrame({c: pd.Series(dtype="float64" if c == "patients" else "str") for c in CLOSED_COLUMNS})


def empty_practice_ages() -> pd.DataFrame:
    """An ``atlas.practice_ages`` with no rows."""
    return pd.DataFrame({c: pd.Series(dtype="int64" if c == "patients" else "str") for c in PRACTICE_AGE_COLUMNS})


@dataclass(frozen=True)
class StudyArea:
    """What the user asked for and what it resolved to.

    Parameters
    ----------
    kind
        ``icb``, ``sub_icb``, ``lad`` or ``lsoas``.
    codes
        The codes as given (``QK1``, ``E54000015``, LAD codes, ...).
    name
        A readable name ("NHS Leicester, Leicestershire and Rutland ICB").
    """

    kind: str
    codes: tuple[str, ...]
    name: str

    @property
    def label(self) -> str:
        """Short label for titles and file names."""
        return self.name or ",".join(self.codes)


@dataclass
class BridgeReport:
    """How registrations on LSOA 2011 were placed on the atlas geography."""

    patients_total: float = 0.0
    patients_direct: float = 0.0
    patients_split: float = 0.0
    patients_merged: float = 0.0
    patients_unplaced_no2011: float = 0.0
    patients_unplaced_wales: float = 0.0
    patients_unplaced_other: float = 0.0

    def as_dict(self) -> dict[str, float]:
        return {k: round(float(v), 1) for k, v in self.__dict__.items()}


@dataclass
class Atlas:
    """The joined LSOA layer of one study area.

    Attributes
    ----------
    area
        The study area.
    vintage
        LSOA geography vintage, 2021 or 2011.
    imd_edition
        2025 or 2019.
    lsoas
        One row per LSOA (see module docstring for columns), index ``lsoa_code``.
    practices
        GP practices as points, index ``practice_code``.
    registrations
        Patients by practice and LSOA of residence for LSOAs in the area.
    adjacency
        Symmetric boolean CSR matrix in the order of ``lsoas.index``: queen contiguity plus bridges.
    bridges
        Links added to join islands and disconnected parts to their nearest neighbour, as code pairs.
    sources
        Provenance of each dataset used, keyed by dataset name.
    bridge_report
        Registration bridging tallies between LSOA vintages.
    qof
        QOF registers and their list-size denominators per practice (see module docstring); empty if absent.
    practice_ages
        Registered patients per practice by sex and 5-year age band (see module docstring); empty if absent.
    closed_registrations
        The area's residents registered in July 2023 at practices closed since (see module docstring).
    """

    area: StudyArea
    vintage: int
    imd_edition: int
    lsoas: gpd.GeoDataFrame
    practices: gpd.GeoDataFrame
    registrations: pd.DataFrame
    adjacency: sparse.csr_matrix
    bridges: list[tuple[str, str]] = field(default_factory=list)
    sources: dict[str, SourceInfo] = field(default_factory=dict)
    bridge_report: BridgeReport = field(default_factory=BridgeReport)
    qof: pd.DataFrame = field(default_factory=empty_qof)
    practice_ages: pd.DataFrame = field(default_factory=empty_practice_ages)
    closed_registrations: pd.DataFrame = field(default_factory=empty_closed)

    def __post_init__(self) -> None:
        n = len(self.lsoas)
        if self.adjacency.shape != (n, n):
            raise ValueError(f"adjacency is {self.adjacency.shape}, expected ({n}, {n})")

    @property
    def codes(self) -> pd.Index:
        """LSOA codes in graph order."""
        return self.lsoas.index

    @cached_property
    def position(self) -> dict[str, int]:
        """Map an LSOA code to its row position in the graph."""
        return {code: i for i, code in enumerate(self.lsoas.index)}

    @cached_property
    def neighbours(self) -> dict[str, list[str]]:
        """Neighbour lists by LSOA code (queen contiguity plus bridges)."""
        codes = self.lsoas.index.to_numpy()
        indptr, indices = self.adjacency.indptr, self.adjacency.indices
        return {codes[i]: list(codes[indices[indptr[i] : indptr[i + 1]]]) for i in range(len(codes))}

    def weights(self):
        """Return the contiguity graph as a row-standardisable ``libpysal.weights.W`` keyed by LSOA code."""
        from libpysal.weights import W  # lazy: PySAL (esda, libpysal) only for hotspot statistics

        return W(self.neighbours, silence_warnings=True)

    def source_note(self, *datasets: str) -> str:
        """Return "label (vintage); ..." for the named datasets, for captions and exports."""
        notes = [f"{s.label} ({s.vintage})" for k, s in self.sources.items() if not datasets or k in datasets]
        return "; ".join(notes)

    def edges(self) -> np.ndarray:
        """Return each undirected edge once as an ``(m, 2)`` array of row positions ``i < j``."""
        upper = sparse.triu(self.adjacency, k=1).tocoo()
        return np.column_stack([upper.row, upper.col])


#: Which atlas datasets back each kind of figure: words found in a dataset's key or name (``source_for``).
SOURCE_TOPICS: dict[str, tuple[str, ...]] = {
    "deprivation": ("imd", "depriv", "bound"),
    "imd": ("imd",),
    "population": ("population", "census", "registr", "bound"),
    "resident": ("population_", "mye"),
    "registered": ("registration",),
    "practices": ("practice", "epraccur", "ods", "registr", "pcn", "postcode", "codepoint"),
    "boundaries": ("bound", "lad", "lookup"),
    "uec": ("uec", "a&e", "ae_", "acute", "attend", "hotspot"),
}


def with_block_columns(atlas: "Atlas", units: pd.Series, names: dict, described: dict) -> "Atlas":
    """Return a copy of ``atlas`` whose LSOAs carry their building block (``block_code``, ``block_name``; the block
    type as ``lsoas.attrs["blocks"]``): how a proposal from blocks (:func:`geo.propose.blocks.with_blocks`) and a
    plan file that records its blocks (:func:`geo.plan.reader.load_plan`) put them on the atlas. Refused with a
    PlanError naming the first LSOA in no block.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> atlas = with_block_columns(grid_atlas(2, 1), pd.Series(["U", "U"], index=["G0000", "G0001"]), {}, {})
    >>> atlas.lsoas.block_code.tolist(), atlas.lsoas.block_name.tolist()
    (['U', 'U'], ['U', 'U'])
    """
    lsoas = atlas.lsoas.copy()
    codes = units.reindex(lsoas.index)
    if codes.isna().any():
        code = codes.index[codes.isna().to_numpy().argmax()]
        raise PlanError(
            f"LSOA {code} is in no building block",
            column="build_from",
            expected="blocks covering every LSOA of the area",
        )
    lsoas["block_code"] = codes.astype(str).to_numpy()
    lsoas["block_name"] = [names.get(u, u) for u in lsoas["block_code"]]
    lsoas.attrs = {**lsoas.attrs, "blocks": dict(described)}
    return replace(atlas, lsoas=lsoas)


def source_for(atlas: "Atlas", topic: str, fallback: str | None = None) -> str:
    """The one answer to "which source backs this figure": "label (vintage); ..." of the atlas datasets whose key
    or name holds a word of ``topic`` (:data:`SOURCE_TOPICS`), for map layers, score tables and exports alike.

    When none matches, ``fallback`` is used, or else every source of the atlas (a synthetic atlas has one source
    for everything).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> source_for(grid_atlas(2, 2), "deprivation")
    'Synthetic test grid (not real data)'
    """
    words = SOURCE_TOPICS[topic]
    keys = [k for k, s in atlas.sources.items() if any(w in f"{k} {s.dataset}".lower() for w in words)]
    if keys:
        return atlas.source_note(*keys)
    return fallback or atlas.source_note() or "source not recorded"


def normalise_dtypes(frame: pd.DataFrame) -> pd.DataFrame:
    """Give text columns pandas' string dtype, so a freshly built and a cached atlas compare equal."""
    for column in frame.columns:
        if column != "geometry" and frame[column].dtype == object:
            values = frame[column].dropna()
            if values.map(lambda v: isinstance(v, str)).all():
                frame[column] = frame[column].astype("str")
    return frame
