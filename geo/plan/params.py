"""The one validated parameter object of a plan, and the provenance a plan carries.

:class:`PlanParams` (target, tolerance, population basis, practice split threshold) is written once: the plan
checks against it, proposals extend it (:class:`geo.propose.ProposalParams`), and the API's request schemas are
derived from its fields, so a bound is stated in one place. :meth:`PlanParams.from_settings` is the one place
settings become parameters. :class:`Provenance` says how a plan was made (method, seed, seconds, what it could
not meet, whether a time budget cut the search short).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from geo.errors import PlanError
from geo.settings import get_settings

#: The population bases a plan can be made and judged on: the one enumeration the core's ``Literal``, the CLI's
#: ``--population`` choices and the API's schemas are derived from.
POPULATION_BASES: tuple[str, ...] = ("resident", "registered", "list")
#: The type of a population basis (``Literal["resident", "registered", "list"]``).
PopulationBasis = Literal[POPULATION_BASES]  # type: ignore[valid-type]  # a tuple subscript is the same Literal
#: What each basis counts, in words an output can name (``judged on residents``).
BASIS_WORDS = {"resident": "residents", "registered": "registered patients", "list": "lists"}
#: The population a plan counts, and the LSOA column that holds it (or, for ``"list"``, weights its mix).
#: ``"list"`` counts the registered lists of each neighbourhood's practices (a list-based plan's population);
#: its deprivation mix is that of the registered residents of the neighbourhood's place footprint.
POPULATION_COLUMNS = {
    "resident": "resident_population",
    "registered": "registered_population",
    "list": "registered_population",
}
#: The building blocks larger than an LSOA a plan can be built from (each kept whole), and what a planner calls
#: them: the one list that proposals (``build_from``, :mod:`geo.propose.blocks`), a plan's provenance
#: (``params["blocks"]["type"]``) and its files (:data:`geo.plan.lookup.BLOCKS_COLUMN`) are checked against.
BLOCK_TITLES = {"msoas": "MSOAs (2021)", "wards": "electoral wards (2024)", "custom": "units of a user geography"}
#: The block types, in order (``"msoas"``, ``"wards"``, ``"custom"``).
BLOCK_TYPES: tuple[str, ...] = tuple(BLOCK_TITLES)
#: The largest target accepted: a neighbourhood is tens of thousands of people; an ICB a few million.
MAX_TARGET = 20_000_000


class Params(BaseModel):
    """Base of every parameter object: frozen, no unknown fields, and a :class:`PlanError` for a bad value.

    Building one in code raises :class:`geo.errors.PlanError` naming the parameter; FastAPI validates the same
    fields itself (through ``model_validate``) and answers 422, so the bounds live only in the field definitions.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as error:
            first = error.errors()[0]
            if not first.get("loc"):  # a rule across fields (model validator): its own words say it all
                raise PlanError(str(first["msg"]).removeprefix("Value error, "), column="parameters") from None
            name = str(first["loc"][0])  # ("target", "int"): the field, not the member of its type union
            info = type(self).model_fields.get(name)
            title = info.title if info is not None and info.title else name
            message = f"{title} {first.get('input')!r} is not allowed: {first['msg']}"
            raise PlanError(message, column=name, expected=_describe(info)) from None

    def to_dict(self) -> dict:
        """Return the parameters as a plain, JSON-ready dict."""
        return self.model_dump(mode="json")

    def replace(self, **changes: Any):
        """Return a copy with some parameters changed, checked again (the fields given stay the ones given)."""
        out = type(self)(**{**self.model_dump(), **changes})
        object.__setattr__(out, "__pydantic_fields_set__", set(self.model_fields_set) | set(changes))
        return out


class PlanParams(Params):
    """What a plan is measured against.

    Parameters
    ----------
    target
        Target population of one neighbourhood (people).
    tolerance
        Allowed relative deviation from ``target`` (0.10 is ±10 %).
    population
        ``"resident"`` (Census / ONS estimates), ``"registered"`` (GP patients living in the footprint) or
        ``"list"`` (the registered lists of the neighbourhood's practices, wherever their patients live).
    practice_split_threshold
        Share of a practice's patients living outside its home neighbourhood above which it counts as split.

    Examples
    --------
    >>> PlanParams(target=30_000).band
    (27000.0, 33000.0)
    >>> PlanParams(target=0)
    Traceback (most recent call last):
    ...
    geo.errors.PlanError: column 'target': target population 0 is not allowed: Input should be greater than or equal to 1 (expected a number of people from 1 to 20,000,000)
    """

    target: int | float = Field(
        50_000,
        ge=1,
        le=MAX_TARGET,
        allow_inf_nan=False,
        title="target population",
        description="a number of people from 1 to 20,000,000",
    )
    tolerance: float = Field(
        0.10, ge=0, lt=1, allow_inf_nan=False, title="tolerance", description="a share from 0 up to 1, e.g. 0.1"
    )
    population: PopulationBasis = Field(
        "resident",
        title="population basis",
        description="'resident', 'registered' (patients living in the footprint) or 'list' (the practices' lists)",
    )
    practice_split_threshold: float = Field(
        0.10,
        ge=0,
        lt=1,
        allow_inf_nan=False,
        title="practice split threshold",
        description="a share from 0 up to 1, e.g. 0.1",
    )

    @field_validator("target", mode="before")
    @classmethod
    def _not_a_flag(cls, value):
        if isinstance(value, bool):  # True is not a target of one person
            raise ValueError("a target must be a number of people, not true/false")
        return value

    @field_validator("target")
    @classmethod
    def _whole_people(cls, value):
        # 50000.0 and 50000 are the same target; keep integers integral so tables and JSON show 50000.
        return int(value) if float(value).is_integer() else float(value)

    @classmethod
    def from_settings(cls, settings=None, **overrides: Any):
        """Return parameters from the settings (``NHP_TARGET_POPULATION``, ``NHP_TOLERANCE``, ``NHP_SEED`` ...),
        with ``overrides`` (``None`` values ignored) on top. The one place settings become parameters.

        Examples
        --------
        >>> from geo.settings import Settings
        >>> PlanParams.from_settings(Settings(target_population=30_000), tolerance=None).target
        30000
        """
        s = settings if settings is not None else get_settings()
        defaults = {"target": s.target_population, "tolerance": s.tolerance}
        if "seed" in cls.model_fields:
            defaults["seed"] = s.seed
        if "time_budget" in cls.model_fields:
            defaults["time_budget"] = s.proposal_time_budget
        values = {**defaults, **{k: v for k, v in overrides.items() if v is not None}}
        return cls(**{k: v for k, v in values.items() if k in cls.model_fields})

    @property
    def band(self) -> tuple[float, float]:
        """The allowed population range ``(low, high)`` of one neighbourhood."""
        return self.target * (1 - self.tolerance), self.target * (1 + self.tolerance)

    @property
    def population_column(self) -> str:
        """The LSOA column holding the population that counts."""
        return POPULATION_COLUMNS[self.population]

    def plan_params(self) -> PlanParams:
        """Return just the plan's own parameters (a proposal's extra ones dropped), keeping which were given.

        Examples
        --------
        >>> "population" in PlanParams(target=30_000).plan_params().model_fields_set
        False
        """
        out = PlanParams(**{k: getattr(self, k) for k in PlanParams.model_fields})
        # Which fields were given is part of the value: an unset population means "the plan's own basis".
        object.__setattr__(out, "__pydantic_fields_set__", set(self.model_fields_set) & set(PlanParams.model_fields))
        return out

    @property
    def population_given(self) -> bool:
        """Whether the population basis was set explicitly (else a plan is judged on the basis it was made with).

        Examples
        --------
        >>> PlanParams().population_given, PlanParams(population="resident").population_given
        (False, True)
        """
        return "population" in self.model_fields_set


@dataclass(frozen=True)
class Provenance:
    """How a plan was made.

    Attributes
    ----------
    method
        ``"tree-bisection"`` (a proposal), ``"imported"`` (a file), ``"edited"`` (moves from another plan), ...
    seed
        Random seed of a proposal (``None`` otherwise).
    seconds
        Wall time the proposal took (informative only: never part of the result).
    unmet
        What it could not meet, in words a planner understands.
    constrained_units
        Nesting units whose population cannot be divided into neighbourhoods within the band.
    stopped_early
        Whether a time budget ended the search before it finished (the plan is then the best found by then).
    params
        The full parameters it was made with (a proposal's nesting, seed, budget ...), as a dict.
    source
        The file or stored proposal it came from, if any.
    footprint
        For a list-based plan: how its place footprint was drawn (unregistered LSOAs, repaired detached parts).
    solve
        For an exact proposal: per nesting unit, the solver's status (optimal, gap, heuristic) and time.
    labels
        For a renamed plan: each renamed neighbourhood's name and the label it was first given (a proposal's
        ``E06000016-N03``), see :func:`geo.plan.naming.rename`.
    population_basis
        The population basis the plan was made on (recorded in its file, or the basis it was first built with).
        A plan is judged on it unless its parameters name another basis explicitly; outputs then say both.

    Examples
    --------
    >>> Provenance("tree-bisection", seed=1).to_dict()["method"]
    'tree-bisection'
    """

    method: str = "manual"
    seed: int | None = None
    seconds: float | None = None
    unmet: tuple[str, ...] = ()
    constrained_units: tuple[str, ...] = ()
    stopped_early: bool = False
    params: dict = field(default_factory=dict)
    source: str | None = None
    footprint: tuple[str, ...] = ()
    solve: tuple[dict, ...] = ()
    labels: dict = field(default_factory=dict)
    population_basis: str | None = None

    def to_dict(self) -> dict:
        """Return the provenance as a JSON-ready dict."""
        out = asdict(self)
        out["unmet"], out["constrained_units"] = list(self.unmet), list(self.constrained_units)
        out["footprint"], out["solve"] = list(self.footprint), [dict(s) for s in self.solve]
        if self.seconds is not None:
            out["seconds"] = round(float(self.seconds), 3)
        return out

    @classmethod
    def from_dict(cls, data: dict | None) -> Provenance:
        """Rebuild provenance stored with :meth:`to_dict` (unknown keys ignored)."""
        data = dict(data or {})
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        for key in ("unmet", "constrained_units", "footprint"):
            if key in known:
                known[key] = tuple(str(v) for v in known[key] or ())
        if "solve" in known:
            known["solve"] = tuple(dict(s) for s in known["solve"] or ())
        return cls(**known)


def _describe(info) -> str:
    return (info.description or "") if info is not None else ""


def finite(value) -> bool:
    """Whether ``value`` is a finite number."""
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False
