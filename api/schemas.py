"""Request and response bodies, split Create / Public as in the full-stack FastAPI template.

A plan's and a proposal's parameters are not declared here: their bodies are derived from the core's parameter
objects (:class:`geo.plan.params.PlanParams`, :class:`geo.propose.ProposalParams`) with every field optional
(unset ones come from the settings), so each bound is written once. Malformed input is refused with 422 before
any work is done; what only the atlas can check (unknown LSOA codes, a plan that misses LSOAs) is refused by
``geo`` with a PlanError, also 422.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import copy

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, create_model

from api.atlases import AreaId
from geo.errors import PlanError
from geo.names import MAX_NAME, check_name
from geo.plan.params import PlanParams as CorePlanParams
from geo.plan.params import PopulationBasis
from geo.propose import ProposalParams as CoreProposalParams


def _name_rule(value: str) -> str:
    """The one name rule (:func:`geo.names.check_name`) as a pydantic check: a broken rule answers 422."""
    try:
        return check_name(value)
    except PlanError as error:
        raise ValueError(str(error)) from None


#: A plan's or a neighbourhood's name: the schema states the rule's length, the check is the rule itself.
_NameRule = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NAME),
    AfterValidator(_name_rule),
    Field(description=f"1 to {MAX_NAME} printable characters; not a formula (= + - @) nor a missing-value word"),
]
Name = _NameRule  # a plan's name
Label = _NameRule  # a neighbourhood's name
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
Population = PopulationBasis  # the one enumeration (geo.plan.params.POPULATION_BASES)


def optional_body(core: type[BaseModel], name: str, doc: str) -> type[BaseModel]:
    """Return a request model with the fields (types, bounds, descriptions) of ``core``, each optional.

    Examples
    --------
    >>> Body = optional_body(CorePlanParams, "Body", "test")
    >>> Body().target is None, Body(target=30000).target
    (True, 30000)
    """
    fields = {}
    for field_name, info in core.model_fields.items():
        optional = copy.copy(info)
        optional.default = None
        fields[field_name] = (info.annotation | None, optional)
    model = create_model(name, __config__=ConfigDict(extra="forbid"), **fields)
    model.__doc__ = doc
    return model


PlanParamsBody = optional_body(
    CorePlanParams,
    "PlanParamsBody",
    "Targets a plan is measured against (``geo.plan.params.PlanParams``); unset ones come "
    "from the settings, or from the proposal a plan is made from.",
)
ProposalParamsBody = optional_body(
    CoreProposalParams,
    "ProposalParamsBody",
    "Parameters of a proposal (``geo.propose.ProposalParams``); unset ones come from the settings.",
)


class PlanCreate(PlanParamsBody):
    """A new plan: from a stored proposal, or a starting layout of the whole area."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    area: AreaId
    start: Literal["proposal", "one", "lad"] = Field(
        "one",
        description="'proposal' (give proposal_id), 'one' (all LSOAs in one neighbourhood) or 'lad' "
        "(one neighbourhood per local authority).",
    )
    proposal_id: str | None = Field(None, max_length=36)
    neighbourhood: Label = Field("N1", description="Name of the single neighbourhood when start is 'one'.")
    note: str = Field("", max_length=2000)


class PlanPublic(BaseModel):
    id: int
    name: str
    area: str
    latest_version: int
    state: str
    etag: str
    created_at: datetime
    created_by: str


class VersionPublic(BaseModel):
    plan_id: int
    version: int
    parent_version: int | None
    state: str
    etag: str
    source: str
    params: dict
    moves: dict[str, str]
    note: str
    created_at: datetime
    created_by: str
    agreed_by: str | None
    agreed_at: datetime | None
    hwb_reference: str | None


class VersionDetail(VersionPublic):
    assignment: dict[str, str]


class MovesCreate(BaseModel):
    """LSOAs to move: ``{lsoa_code: neighbourhood}``; a new neighbourhood name creates one."""

    model_config = ConfigDict(extra="forbid")

    moves: dict[Code, Label] = Field(..., min_length=1, max_length=50_000)
    note: str = Field("", max_length=2000)


class TransitionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field("", max_length=2000)


class AgreeRequest(TransitionRequest):
    hwb_reference: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] = Field(
        ..., description="The Health and Wellbeing Board meeting (and item) that agreed the plan."
    )
    confirmed: list[Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")]] = Field(
        default_factory=list,
        max_length=20,
        description="The unmet rules of the version (GET /plans/{id}/signoff) the approver confirms knowingly; "
        "an agreement that leaves one unconfirmed is refused (409).",
    )


class UnmetRule(BaseModel):
    rule: str = Field(description="Key to send in AgreeRequest.confirmed.")
    title: str
    count: int
    neighbourhoods: list[str]
    text: str = Field(description="What the approver confirms, in words.")


class SignoffPublic(BaseModel):
    plan_id: int
    name: str
    area: str
    version: int
    state: str
    etag: str
    unmet: list[UnmetRule] = Field(description="Every rule the version does not meet, each to be confirmed.")
    authored_versions: list[int] = Field(
        description="Versions since the last agreement that the caller made or submitted: while any is listed, "
        "four-eyes sign-off stops the caller agreeing."
    )
    can_agree: bool = Field(description="Whether the caller may agree this version now (role, state, four-eyes).")
    submitted_by: str | None = None
    submitted_at: datetime | None = None


class AwaitingPublic(BaseModel):
    plan_id: int
    name: str
    area: str
    version: int
    etag: str
    submitted_by: str | None = None
    submitted_at: datetime | None = None
    unmet_rules: int = Field(
        ge=0, description="How many rules the version leaves unmet (each listed by GET /plans/{id}/signoff)."
    )


class AuditEventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    plan_id: int | None
    version: int | None
    action: str
    actor_key_id: int | None
    actor_name: str
    actor_role: str
    at: datetime
    detail: dict


class ProposalCreate(ProposalParamsBody):
    """Parameters of a proposal (see ``geo.propose.ProposalParams``); unset ones come from the settings."""

    background: bool | None = Field(None, description="Run as a job (default: when the area is large).")


class ProposalPublic(BaseModel):
    id: str
    area: str
    params: dict
    neighbourhoods: int
    unmet: list
    created_at: datetime
    created_by: str
    assignment: dict[str, str] | None = None


class JobPublic(BaseModel):
    id: str
    kind: str
    area: str
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    progress: float
    message: str
    created_at: datetime
    created_by: str
    result_id: str | None
    error: dict | None


class HotspotJobCreate(BaseModel):
    """A hotspot job on the modelled UEC layer: what ``GET /areas/{area}/hotspots`` takes."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["json", "csv", "geojson"] = Field("json", description="Answer as JSON, CSV or GeoJSON.")


class KeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Label
    role: Literal["viewer", "planner", "approver", "admin"]


class KeyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    role: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


class KeyCreated(KeyPublic):
    secret: str = Field(..., description="The key itself: shown once, store it now.")


class Me(BaseModel):
    key_id: int | None
    name: str
    role: str
    local_mode: bool


class AreaPublic(BaseModel):
    id: str
    name: str | None
    loaded: bool
    synthetic: bool = Field(False, description="Made-up data (the demo region): the page opens a real area first.")
    lsoas: int | None
    vintage: int | None
    sources: list[str] | None
