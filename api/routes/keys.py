"""API keys and the admin's switches over the API (admins only), and ``/me``: who the caller is and whether
local single-user mode is on.

The key operations are on the command line too (``nhp keys create|list|revoke``); a new key's secret appears in
the answer to its creation and nowhere else. Every change is audited (``key.created``, ``key.revoked``,
``settings.changed``); revoking the last active admin key is refused with 409.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from pydantic import BaseModel, ConfigDict, Field

from api.auth import create_key, list_keys, revoke_key, service_settings, set_setting
from api.deps import Admin, DbId, State, Viewer
from api.schemas import KeyCreate, KeyCreated, KeyPublic, Me


class ServiceSettings(BaseModel):
    """The admin's switches: four-eyes sign-off (the approver who agrees a version must not be a key that drafted
    or submitted it) and explicit local single-user mode (loopback only)."""

    model_config = ConfigDict(extra="forbid")

    four_eyes: bool | None = Field(None, description="Refuse agreement by a key that drafted or submitted it.")
    local_mode: bool | None = Field(None, description="Let anonymous loopback callers act as admin.")


router = APIRouter(tags=["keys"])


@router.get("/me", response_model=Me)
def me(actor: Viewer, state: State):
    """The caller's key id, name and role."""
    return {"key_id": actor.key_id, "name": actor.name, "role": actor.role, "local_mode": actor.key_id is None}


@router.get("/keys", response_model=list[KeyPublic])
def get_keys(actor: Admin, state: State):
    """Every key, revoked ones included (no secrets: only their hashes are stored)."""
    return list_keys(state.db)


@router.post("/keys", status_code=201, response_model=KeyCreated)
def post_key(body: KeyCreate, actor: Admin, state: State, response: Response):
    """Create a key; the answer holds its secret, shown this once."""
    key, secret = create_key(state.db, body.name, body.role, actor=actor)
    response.headers["Cache-Control"] = "no-store"
    return {**KeyPublic.model_validate(key).model_dump(), "secret": secret}


@router.delete("/keys/{key_id}", response_model=KeyPublic)
def delete_key(key_id: DbId, actor: Admin, state: State):
    """Revoke a key at once (it stays listed, with its revocation time)."""
    return revoke_key(state.db, key_id, actor=actor)


@router.get("/admin/settings", response_model=ServiceSettings)
def get_service_settings(actor: Admin, state: State):
    """The admin's switches and their values."""
    return service_settings(state.db)


@router.patch("/admin/settings", response_model=ServiceSettings)
def patch_service_settings(body: ServiceSettings, actor: Admin, state: State):
    """Change the admin's switches; each change is audited and logged."""
    current = service_settings(state.db)
    for name, value in body.model_dump(exclude_none=True).items():
        if value != current[name]:
            current = set_setting(state.db, name, value, actor=actor)
    return current
