"""Dependencies every route declares once: the service state, who is calling, the role a route needs, If-Match.

A route that changes data says ``actor: Planner`` (or ``Approver``, ``Admin``); one that only reads says
``actor: Viewer``. The role check runs before the route body, so a request that is not allowed never reaches
``geo`` or the database beyond the key lookup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Path, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from api.atlases import AtlasProvider
from api.auth import Principal, authenticate, require
from api.db import Database
from api.plans import PlanService
from geo.settings import Settings


@dataclass
class ServiceState:
    """Everything a request may need, made once by the app factory."""

    settings: Settings
    db: Database
    atlases: AtlasProvider
    plans: PlanService
    jobs: object  # api.jobs.JobRunner (typed loosely to keep import order simple)


def get_state(request: Request) -> ServiceState:
    return request.app.state.nhp


State = Annotated[ServiceState, Depends(get_state)]


# Declared as security schemes so /docs offers "Authorize"; auto_error is off because local single-user mode
# needs no key and a missing key must answer problem+json 401, not FastAPI's own 403.
_bearer = HTTPBearer(auto_error=False, description="API key as a bearer token")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="API key")


def current_principal(
    state: State,
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None,
    x_api_key: Annotated[str | None, Depends(_api_key)] = None,
) -> Principal:
    """Who is calling: from ``Authorization: Bearer <key>`` or ``X-API-Key``; local admin when no keys exist."""
    if bearer is not None:
        secret = bearer.credentials
    elif request.headers.get("authorization"):
        # Another scheme (Basic, a bare key): still checked, and refused, so it never falls back to local mode.
        secret = request.headers["authorization"]
    else:
        secret = x_api_key
    return authenticate(state.db, secret.strip() if secret else None)


def needs(role: str):
    """A dependency that returns the caller when they have ``role`` or above (401/403 otherwise)."""

    def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        require(principal, role)
        return principal

    check.__name__ = f"needs_{role}"
    return check


Viewer = Annotated[Principal, Depends(needs("viewer"))]
Planner = Annotated[Principal, Depends(needs("planner"))]
Approver = Annotated[Principal, Depends(needs("approver"))]
Admin = Annotated[Principal, Depends(needs("admin"))]

IfMatch = Annotated[
    str | None,
    Header(alias="If-Match", description="The ETag of the version you read (required for every change)."),
]

#: A database id in a URL: bounded so an id beyond the column's range is a 422, never a database error (500).
MAX_ID = 2**31 - 1
DbId = Annotated[int, Path(ge=1, le=MAX_ID)]

