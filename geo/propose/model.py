"""What a proposal takes: :class:`ProposalParams`, the plan's parameters plus how to search (checked on creation).

Every proposal algorithm reads the same parameters and returns a :class:`geo.plan.Plan` that carries them and
its provenance, so the CLI, the API and the benchmark can swap algorithms by name. Parameters are checked when
they are made, so a bad value fails with a :class:`geo.errors.PlanError` that says what was expected before any
work is done; the API's request schema is derived from the same fields (:mod:`api.schemas`).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from geo.plan.params import POPULATION_COLUMNS, PlanParams

#: Nesting levels and the atlas column that names each nesting unit ("none": the whole study area is one unit).
NEST_COLUMNS = {"lad": ("lad_code", "lad_name"), "utla": ("utla_code", "utla_name"), "icb": ("icb_code", "icb_name"),
                "custom": ("nest_code", "nest_name")}  # custom: a user geography, see geo.propose.wards.nest_in
NEST_LEVELS = (*NEST_COLUMNS, "none")
PRACTICE_MODES = ("whole", "ignore")
__all__ = ["NEST_COLUMNS", "NEST_LEVELS", "POPULATION_COLUMNS", "PRACTICE_MODES", "ProposalParams"]


class ProposalParams(PlanParams):
    """Parameters shared by every proposal algorithm: the plan's own (:class:`geo.plan.params.PlanParams`) and
    how to search.

    Parameters
    ----------
    build_from
        The building blocks: ``"lsoas"`` (place-based), or whole ``"practices"`` or whole ``"pcns"``
        (list-based: a neighbourhood is a set of practices, its population their registered lists, and its place
        footprint derived from where their patients live).
    nest
        Nesting unit solved on its own: ``"lad"``, ``"utla"``, ``"icb"`` or ``"none"`` (whole area).
    practices
        ``"whole"`` keeps the LSOAs that share a plurality practice together where it can; ``"ignore"`` does not.
    respect
        The natural communities kept whole: ``"practices"`` (as ``practices`` says), ``"wards"`` (whole electoral
        wards wherever a ward fits the tolerance; each ward still split is reported in ``unmet``) or ``"none"``.
    compactness_weight
        How much a compact shape counts against other aims (0 ignores shape).
    seed
        Random seed; the same seed and input give the same proposal, whatever the load.
    time_budget
        Seconds after which a search still running stops and returns its best plan so far (and says so).

    Examples
    --------
    >>> ProposalParams(target=30_000).band
    (27000.0, 33000.0)
    >>> ProposalParams(nest="ward")
    Traceback (most recent call last):
    ...
    geo.errors.PlanError: column 'nest': nesting level 'ward' is not allowed: Input should be 'lad', 'utla', 'icb', 'none' or 'custom' (expected 'lad', 'utla', 'icb', 'none' or 'custom' (a user geography))
    """

    tolerance: float = Field(0.10, gt=0, lt=1, allow_inf_nan=False, title="tolerance",
                             description="a share above 0 and below 1, e.g. 0.1 for ±10 %")
    build_from: Literal["lsoas", "practices", "pcns"] = Field("lsoas", title="building blocks",
                                                              description="'lsoas', 'practices' or 'pcns'")
    nest: Literal["lad", "utla", "icb", "none", "custom"] = Field(
        "lad", title="nesting level", description="'lad', 'utla', 'icb', 'none' or 'custom' (a user geography)")
    practices: Literal["whole", "ignore"] = Field("whole", title="practice handling", description="'whole' or 'ignore'")
    respect: Literal["practices", "wards", "none"] = Field("practices", title="communities kept whole",
                                                           description="'practices', 'wards' or 'none'")
    compactness_weight: float = Field(1.0, ge=0, le=100, allow_inf_nan=False, title="compactness weight",
                                      description="0 or more (0 ignores shape)")
    seed: int = Field(1, ge=0, le=2**32 - 1, strict=True, title="seed", description="a whole number 0 or more")
    time_budget: float = Field(20.0, gt=0, le=3600, allow_inf_nan=False, title="time budget",
                               description="a positive number of seconds")

    @model_validator(mode="before")
    @classmethod
    def _list_basis(cls, data: Any) -> Any:
        # A list-based neighbourhood's population is its practices' lists; an LSOA-built one cannot count lists.
        if not isinstance(data, dict):
            return data
        build_from = data.get("build_from", "lsoas")
        population = data.get("population")
        if build_from in ("practices", "pcns"):
            if data.get("nest") == "custom":
                raise ValueError(f"a proposal built from {build_from} nests by the authority of each practice's "
                                 "site: nest must be 'lad', 'utla', 'icb' or 'none', not a custom geography")
            if population in (None, "list"):
                return {**data, "population": "list"}
            raise ValueError(f"a proposal built from {build_from} counts their registered lists: population must be "
                             f"'list', not {population!r}")
        if population == "list":
            raise ValueError("population 'list' needs build_from 'practices' or 'pcns'")
        return data
