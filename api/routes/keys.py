"""API keys over the API (admins only) and ``/me``: who the caller is and whether local single-user mode is on.

The same operations are on the command line (``nhp keys create|list|revoke``); a new key's secret appears in
the answer to its creation and nowhere else.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.auth import any_active_key, create_key, list_keys, revoke_key
from api.deps import Admin, DbId, State, Viewer
from api.schemas import KeyCreate, KeyCreated, KeyPublic, Me

router = APIRouter(tags=["keys"])


@router.get("/me", response_model=Me)
def me(actor: Viewer, state: State):
    """The caller's key id, name and role."""
    return {"key_id": actor.key_id, "name": actor.name, "role": actor.role, "local_mode": actor.key_id is None
            and not any_active_key(state.db)}


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
