"""What a proposal takes and gives back: :class:`ProposalParams` (checked on creation) and :class:`Proposal`.

Every proposal algorithm reads the same parameters and returns the same :class:`Proposal`, so the CLI, the API
and the benchmark can swap algorithms by name. Parameters are checked when they are made, so a bad value fails
with a :class:`geo.errors.PlanError` that says what was expected before any work is done.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import pandas as pd

from geo.errors import PlanError

#: Nesting levels and the atlas column that names each nesting unit ("none": the whole study area is one unit).
NEST_COLUMNS = {"lad": ("lad_code", "lad_name"), "utla": ("utla_code", "utla_name"), "icb": ("icb_code", "icb_name")}
NEST_LEVELS = (*NEST_COLUMNS, "none")
POPULATION_COLUMNS = {"resident": "resident_population", "registered": "registered_population"}
PRACTICE_MODES = ("whole", "ignore")


@dataclass
class ProposalParams:
    """Parameters shared by every proposal algorithm.

    Parameters
    ----------
    target
        Target population of one neighbourhood (people).
    tolerance
        Allowed relative deviation from ``target`` (0.10 is ±10 %).
    population
        ``"resident"`` (census / mid-year estimates) or ``"registered"`` (GP registrations).
    nest
        Nesting unit solved on its own: ``"lad"``, ``"utla"``, ``"icb"`` or ``"none"`` (whole area).
    practices
        ``"whole"`` keeps the LSOAs that share a plurality practice together where it can; ``"ignore"`` does not.
    compactness_weight
        How much a compact shape counts against other aims (0 ignores shape).
    seed
        Random seed; the same seed and input give the same proposal.
    time_budget
        Seconds the proposal may run before it returns its best plan so far.

    Examples
    --------
    >>> ProposalParams(target=30_000).band
    (27000.0, 33000.0)
    >>> ProposalParams(target=0)
    Traceback (most recent call last):
    ...
    geo.errors.PlanError: target population must be a positive number, got 0 (expected e.g. 50000)
    """

    target: int = 50_000
    tolerance: float = 0.10
    population: str = "resident"
    nest: str = "lad"
    practices: str = "whole"
    compactness_weight: float = 1.0
    seed: int = 1
    time_budget: float = 20.0

    def __post_init__(self) -> None:
        if not _finite(self.target) or self.target <= 0:
            raise PlanError(f"target population must be a positive number, got {self.target}", expected="e.g. 50000")
        if not _finite(self.tolerance) or not 0 < self.tolerance < 1:
            raise PlanError(f"tolerance must be between 0 and 1, got {self.tolerance}", expected="e.g. 0.1 for ±10 %")
        if self.population not in POPULATION_COLUMNS:
            raise PlanError(f"unknown population {self.population!r}", expected=" or ".join(POPULATION_COLUMNS))
        if self.nest not in NEST_LEVELS:
            raise PlanError(f"unknown nesting level {self.nest!r}", expected=", ".join(NEST_LEVELS))
        if self.practices not in PRACTICE_MODES:
            raise PlanError(f"unknown practice handling {self.practices!r}", expected=" or ".join(PRACTICE_MODES))
        if not _finite(self.compactness_weight) or self.compactness_weight < 0:
            raise PlanError(f"compactness weight must be 0 or more, got {self.compactness_weight}")
        if not _finite(self.time_budget) or self.time_budget <= 0:
            raise PlanError(f"time budget must be a positive number of seconds, got {self.time_budget}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise PlanError(f"seed must be a whole number 0 or more, got {self.seed!r}")

    @property
    def band(self) -> tuple[float, float]:
        """The allowed population range ``(low, high)`` of one neighbourhood."""
        return self.target * (1 - self.tolerance), self.target * (1 + self.tolerance)

    @property
    def population_column(self) -> str:
        """The atlas column holding the population that counts."""
        return POPULATION_COLUMNS[self.population]

    def to_dict(self) -> dict:
        """Return the parameters as a plain dict (for JSON and the plan's audit trail)."""
        return asdict(self)


@dataclass
class Proposal:
    """A proposed set of neighbourhoods.

    Attributes
    ----------
    assignment
        Neighbourhood label of every LSOA, index ``lsoa_code`` (labels like ``"E06000016-N01"``: the nesting unit
        code and a number).
    params
        The parameters it was made with.
    algorithm
        Name of the algorithm that made it.
    seconds
        Wall time taken.
    unmet
        What it could not meet, in words a planner understands.
    constrained_units
        Codes of nesting units whose population cannot be divided into neighbourhoods within the band.
    """

    assignment: pd.Series
    params: ProposalParams
    algorithm: str
    seconds: float
    unmet: list[str] = field(default_factory=list)
    constrained_units: list[str] = field(default_factory=list)

    @property
    def neighbourhoods(self) -> int:
        """Number of neighbourhoods proposed."""
        return int(self.assignment.nunique())

    def populations(self, atlas) -> pd.Series:
        """Return the population of each neighbourhood (the population the parameters count), by label.

        Examples
        --------
        >>> from geo.testing import grid_atlas
        >>> atlas = grid_atlas(2, 1)
        >>> p = Proposal(pd.Series(["A-N01", "A-N02"], index=atlas.codes), ProposalParams(), "manual", 0.0)
        >>> p.populations(atlas).to_dict()
        {'A-N01': 1500, 'A-N02': 1500}
        """
        pop = atlas.lsoas[self.params.population_column].reindex(self.assignment.index).fillna(0)
        return pop.groupby(self.assignment.to_numpy()).sum().astype(int)


def _finite(value) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False
