"""Dependencies every route declares once: the service state, who is calling, the role a route needs, If-Match.

A route that changes data says ``actor: Planner`` (or ``Approver``, ``Admin``); one that only reads says
``actor: Viewer``. The role check runs before the route body, so a request that is not allowed never reaches
``geo`` or the database beyond the key lookup. The same check decides whether the caller may use the study area
named in the URL (``/areas/{area}/...``), so a viewer cannot make the service build a new atlas.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Path, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from api.atlases import AtlasProvider
from api.auth import Principal, authenticate, is_loopback, local_request, require
from api.db import Database
from api.plans import PlanService
from geo.settings import Settings
import ipaddress


@dataclass
class ServiceState:
    """Everything a request may need, made once by the app factory."""

    settings: Settings
    db: Database
    atlases: AtlasProvider
    plans: PlanService
    jobs: object  # api.jobs.JobRunner (typed loosely to keep import order simple)


async def get_state(request: Request) -> ServiceState:
    # async: no I/O here, so it runs on the event loop instead of costing a thread-pool hop per request.
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
    return authenticate(state.db, secret.strip() if secret else None, loopback=on_loopback(state, request))


def on_loopback(state: ServiceState, request: Request) -> bool:
    """True when the service is configured to listen on loopback and this connection really arrived on it.

    The configured host (``NHP_HOST``) must be loopback; and when the server reports the socket's addresses (as
    uvicorn does), the local and peer addresses must be loopback too, so ``--host 0.0.0.0`` reached from another
    machine never counts. Test clients report names, not addresses, and are judged by the configured host alone.
    """
    if not is_loopback(str(state.settings.host)):
        return False
    if not _same_machine_request(request, state.settings.port):
        return False
    for address in (request.scope.get("server"), request.scope.get("client")):
        host = address[0] if address else None
        if host and _is_ip(host) and not is_loopback(host):
            return False
    return True


def _same_machine_request(request: Request, configured_port: int) -> bool:
    """Whether a request came straight from this machine's own browser or scripts to this server
    (:func:`api.auth.local_request`: same scheme, host and port; no proxy header of any kind). The port is the
    socket's when the server reports it (uvicorn does), else the configured one."""
    server = request.scope.get("server")
    port = server[1] if server and len(server) > 1 and server[1] else configured_port
    return local_request(request.headers, request.scope.get("scheme", "http"), int(port))


def _is_ip(host: str) -> bool:

    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def area_atlas(state: ServiceState, area: str, principal: Principal):
    """The atlas of ``area`` once ``principal`` may use it (:meth:`api.atlases.AtlasProvider.authorize`).

    Building one that is not in memory takes a place of the caller's caps (:meth:`api.plans.PlanService.atlas`,
    429 when none is free), as it does for an atlas a plan needs.
    """
    return state.plans.atlas(state.atlases.authorize(area, principal), principal)


def needs(role: str):
    """A dependency that returns the caller when they have ``role`` or above (401/403 otherwise), and may use
    the study area named in the path."""

    async def check(
        principal: Annotated[Principal, Depends(current_principal)], state: State, request: Request
    ) -> Principal:
        # async: the role check is in memory; only an area check, which may size a new area from the files,
        # goes to a worker thread.
        require(principal, role)
        area = request.path_params.get("area")
        if area is not None:
            await run_in_threadpool(state.atlases.authorize, area, principal)
        return principal

    check.__name__ = f"needs_{role}"
    return check


Viewer = Annotated[Principal, Depends(needs("viewer"))]
Planner = Annotated[Principal, Depends(needs("planner"))]
Approver = Annotated[Principal, Depends(needs("approver"))]
Admin = Annotated[Principal, Depends(needs("admin"))]

IfMatch = Annotated[
    str | None, Header(alias="If-Match", description="The ETag of the version you read (required for every change).")
]

#: A database id in a URL: bounded so an id beyond the column's range is a 422, never a database error (500).
MAX_ID = 2**31 - 1
DbId = Annotated[int, Path(ge=1, le=MAX_ID)]
