"""What a proposal takes: :class:`ProposalParams`, the plan's parameters plus how to search (checked on creation).

Every proposal algorithm reads the same parameters and returns a :class:`geo.plan.Plan` that carries them and
its provenance, so the CLI, the API and the benchmark can swap algorithms by name. Parameters are checked when
they are made, so a bad value fails with a :class:`geo.errors.PlanError` that says what was expected before any
work is done; the API's request schema is derived from the same fields (:mod:`api.schemas`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator

from geo.contract import NEST_COLUMNS
from geo.plan.params import BLOCK_TYPES, POPULATION_COLUMNS, PlanParams

#: Nesting levels (NEST_COLUMNS: the atlas column that names each nesting unit, from geo.contract; custom: a user
#: geography, see geo.propose.wards.nest_in; "none": the whole study area is one unit).
NEST_LEVELS = (*NEST_COLUMNS, "none")
PRACTICE_MODES = ("whole", "ignore")
#: Building blocks solved by tree bisection over the LSOA graph contracted to blocks (geo.propose.blocks).
BLOCK_BUILDS = BLOCK_TYPES
#: The most neighbourhoods one proposal may ask for, in all or for one place.
MAX_NEIGHBOURHOODS = 10_000
#: Seconds a proposal may run before it returns its best plan so far (``NHP_PROPOSAL_TIME_BUDGET``). Every search
#: is bounded by counts, so the budget is only a safety net: it must never bind on a proper run, or the answer
#: would depend on the machine's load. All England from whole practices (the longest proposal) takes 8 to 9 s wall
#: (13 to 15 s CPU over the process and its two solver processes) at load 1 on 2 cores, 11 to 19 s at load 3 to 5
#: (bench/list_based.py, December 2026): the budget is over 15 times that. Compiling the searches the first time
#: after an install (about 45 CPU seconds; numba's cache then keeps them) does not count against it. A plan it does
#: cut says so everywhere (``provenance.stopped_early``, a ``stopped_early`` column in its files, the CLI summary).
DEFAULT_TIME_BUDGET = 300.0
PlaceCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Count = Annotated[int, Field(ge=1, le=MAX_NEIGHBOURHOODS, strict=True)]
__all__ = ["NEST_COLUMNS", "NEST_LEVELS", "POPULATION_COLUMNS", "PRACTICE_MODES", "ProposalParams"]


class ProposalParams(PlanParams):
    """Parameters shared by every proposal algorithm: the plan's own (:class:`geo.plan.params.PlanParams`) and
    how to search.

    Parameters
    ----------
    build_from
        The building blocks: ``"lsoas"`` (place-based); whole ``"msoas"`` (2021), whole electoral ``"wards"`` or
        whole units of a user geography (``"custom"``, carried by the atlas: :func:`geo.propose.blocks.with_blocks`),
        each solved on the LSOA graph contracted to blocks; or whole ``"practices"`` or whole ``"pcns"``
        (list-based: a neighbourhood is a set of practices, its population their registered lists, and its place
        footprint derived from where their patients live).
    nest
        Nesting unit solved on its own: ``"lad"``, ``"utla"``, ``"icb"`` or ``"none"`` (whole area).
    practices
        ``"whole"`` keeps the LSOAs that share a plurality practice together where it can; ``"ignore"`` does not.
    respect
        The natural communities kept whole: ``"practices"`` (as ``practices`` says), ``"wards"`` (whole electoral
        wards wherever a ward fits the tolerance; each ward still split is reported in ``unmet``), ``"custom"``
        (the units of a user geography the atlas carries, as wards: :func:`geo.propose.wards.respect_in`) or
        ``"none"``. Built from ``"practices"`` or ``"pcns"``, ``"wards"`` and ``"custom"`` put every practice whose
        site is in one ward (or unit) in one neighbourhood, PCNs kept whole too
        (:mod:`geo.propose.list_groups`); each unit the plan's place footprint splits is reported.
    neighbourhoods
        How many neighbourhoods instead of how big: a number for the whole area (spread over the places of the
        ``nest`` level by population, at least one each), or ``{place code: count}`` naming every place once.
        Each place's ideal size is then its population over its count, and ``tolerance`` is around it.
    min_size, max_size
        A size band instead of ``target`` ± ``tolerance`` (both or neither): the target becomes their midpoint
        and the tolerance their half-width.
    compactness_weight
        How much a compact shape counts against other aims (0 ignores shape).
    access_weight
        How much it counts that a footprint's people are close to one common hub (0, the default, ignores it):
        the plan of weight 0 is then moved, boundary node by node and within the band, towards each
        neighbourhood's best practice site (:mod:`geo.propose.hub_moves`). A plan made with it records both
        plans' balance and people's mean distance to their hub (:func:`geo.access.hubs.access_effect`). Only for
        LSOA and block builds.
    seed
        Random seed; the same seed and input give the same proposal, whatever the load.
    time_budget
        Seconds after which a search still running stops and returns its best plan so far (and says so).

    Examples
    --------
    >>> ProposalParams(target=30_000).band
    (27000.0, 33000.0)
    >>> ProposalParams(min_size=80_000, max_size=120_000).band
    (80000.0, 120000.0)
    >>> ProposalParams(nest="ward")
    Traceback (most recent call last):
    ...
    geo.errors.PlanError: column 'nest': nesting level 'ward' is not allowed: Input should be 'lad', 'utla', 'icb', 'none' or 'custom' (expected 'lad', 'utla', 'icb', 'none' or 'custom' (a user geography))
    """

    tolerance: float = Field(
        0.10,
        gt=0,
        lt=1,
        allow_inf_nan=False,
        title="tolerance",
        description="a share above 0 and below 1, e.g. 0.1 for ±10 %",
    )
    build_from: Literal[("lsoas", *BLOCK_TYPES, "practices", "pcns")] = Field(  # type: ignore[valid-type]
        "lsoas",
        title="building blocks",
        description="'lsoas', 'msoas', 'wards', 'custom' (a user geography), 'practices' or 'pcns'",
    )
    nest: Literal["lad", "utla", "icb", "none", "custom"] = Field(
        "lad", title="nesting level", description="'lad', 'utla', 'icb', 'none' or 'custom' (a user geography)"
    )
    practices: Literal["whole", "ignore"] = Field("whole", title="practice handling", description="'whole' or 'ignore'")
    respect: Literal["practices", "wards", "custom", "none"] = Field(
        "practices",
        title="communities kept whole",
        description="'practices', 'wards', 'custom' (a user geography) or 'none'",
    )
    neighbourhoods: Count | dict[PlaceCode, Count] | None = Field(
        None,
        title="number of neighbourhoods",
        description="a whole number for the whole area, or {place code: count} for every place of the nest level",
        json_schema_extra={"maxProperties": 1000},
    )
    min_size: int | float | None = Field(
        None,
        ge=1,
        le=20_000_000,
        allow_inf_nan=False,
        title="smallest size",
        description="people; with max_size, replaces target and tolerance",
    )
    max_size: int | float | None = Field(
        None,
        ge=1,
        le=20_000_000,
        allow_inf_nan=False,
        title="largest size",
        description="people; with min_size, replaces target and tolerance",
    )
    compactness_weight: float = Field(
        1.0, ge=0, le=100, allow_inf_nan=False, title="compactness weight", description="0 or more (0 ignores shape)"
    )
    access_weight: float = Field(
        0.0,
        ge=0,
        le=100,
        allow_inf_nan=False,
        title="access weight",
        description="0 or more: how much people's nearness to one common hub per footprint counts (0 ignores it)",
    )
    seed: int = Field(1, ge=0, le=2**32 - 1, strict=True, title="seed", description="a whole number 0 or more")
    time_budget: float = Field(
        DEFAULT_TIME_BUDGET,
        gt=0,
        le=3600,
        allow_inf_nan=False,
        title="time budget",
        description="a positive number of seconds",
    )

    @model_validator(mode="before")
    @classmethod
    def _list_basis(cls, data: Any) -> Any:
        # A list-based neighbourhood's population is its practices' lists; an LSOA-built one cannot count lists.
        if not isinstance(data, dict):
            return data
        build_from = data.get("build_from", "lsoas")
        population = data.get("population")
        low, high = data.get("min_size"), data.get("max_size")
        if (low is None) != (high is None):
            raise ValueError("give both min_size and max_size (a size band), or neither")
        if low is not None:
            if not (isinstance(low, (int, float)) and isinstance(high, (int, float))) or not 0 < low < high:
                raise ValueError(f"min_size {low!r} must be a number of people below max_size {high!r}")
            if data.get("neighbourhoods") is not None:
                raise ValueError("give either a number of neighbourhoods or a size band (min_size, max_size), not both")
            mid = (low + high) / 2
            data = {
                **data,
                "target": int(mid) if float(mid).is_integer() else mid,
                "tolerance": (high - low) / (high + low),
            }
        counts = data.get("neighbourhoods")
        if isinstance(counts, dict) and len(counts) > 1000:
            raise ValueError("neighbourhoods names more than 1,000 places")
        if build_from in ("practices", "pcns"):
            if data.get("access_weight"):
                raise ValueError(
                    f"an access weight is not taken for a proposal built from {build_from} (whole practices are "
                    "balanced exactly): build from lsoas, msoas or wards, or set access_weight 0"
                )
            if data.get("nest") == "custom":
                raise ValueError(
                    f"a proposal built from {build_from} nests by the authority of each practice's "
                    "site: nest must be 'lad', 'utla', 'icb' or 'none', not a custom geography"
                )
            if population in (None, "list"):
                return {**data, "population": "list"}
            raise ValueError(
                f"a proposal built from {build_from} counts their registered lists: population must be "
                f"'list', not {population!r}"
            )
        if population == "list":
            raise ValueError("population 'list' needs build_from 'practices' or 'pcns'")
        return data
