"""``GET /limits``: the limits the service enforces on what people type, so the page reads them from here.

The planner page sets its name fields' ``maxlength`` and hint from this answer instead of copying the numbers:
the rule stays written once (:mod:`geo.names`).
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import Viewer
from geo.names import FORMULA_START, MAX_NAME

router = APIRouter(tags=["limits"])


class Limits(BaseModel):
    """The name rule of :func:`geo.names.check_name`, as numbers and characters a form can use."""

    name_max_length: int = Field(..., description="Longest name of a plan or neighbourhood, in characters.")
    name_forbidden_start: list[str] = Field(
        ..., description="Characters a name may not begin with (a spreadsheet would run it as a formula)."
    )


@router.get("/limits", response_model=Limits)
def limits(actor: Viewer):
    """The name rule's limits: maximum length and the characters a name may not start with."""
    # Names are trimmed before the check, so the leading tab and CR of FORMULA_START never reach it.
    return {"name_max_length": MAX_NAME, "name_forbidden_start": [c for c in FORMULA_START if not c.isspace()]}
