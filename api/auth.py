"""API keys and roles: create, list, revoke and check keys; who is calling and what they may do.

A key is ``nhp_`` followed by 256 random bits. Only its SHA-256 is stored: with that much entropy a fast hash is
safe (there is nothing to brute-force), and it lets the service find a key by one indexed lookup instead of
trying a slow hash against every row. The stored and computed digests are still compared with
:func:`hmac.compare_digest`. The secret is shown once, by ``nhp keys create`` or ``POST /api/v1/keys``.

With no active key in the database the service runs in local single-user mode and every request acts as an
admin; the first key created switches authentication on, without a restart.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update

from api.db import Database
from api.models import ROLES, ApiKey, AuditEvent, utcnow
from api.problems import NotFound, Problem
from geo.errors import DataError

KEY_PREFIX = "nhp_"
LOCAL_MODE_WARNING = (
    "no API keys configured: local single-user mode, every request acts as admin — do not expose this service"
)


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id, name and role (``key_id`` is None in local single-user mode)."""

    key_id: int | None
    name: str
    role: str

    def can(self, role: str) -> bool:
        """Return True when this principal's role is ``role`` or above.

        Examples
        --------
        >>> Principal(1, "alice", "approver").can("planner"), Principal(2, "bob", "viewer").can("planner")
        (True, False)
        """
        return ROLES.index(self.role) >= ROLES.index(role)


LOCAL = Principal(None, "local", "admin")


def hash_key(secret: str) -> str:
    """Return the hex SHA-256 of a key secret."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise DataError(f"unknown role {role!r}", column="role", expected=" or ".join(ROLES))
    return role


def create_key(db: Database, name: str, role: str, *, actor: Principal = LOCAL) -> tuple[ApiKey, str]:
    """Create a key and return it with its secret (the only time the secret exists outside the caller).

    Parameters
    ----------
    db
        The plans database.
    name
        Who or what holds the key ("alice", "dashboard").
    role
        ``viewer``, ``planner``, ``approver`` or ``admin``.
    actor
        Who created it, for the audit log.

    Examples
    --------
    >>> db = Database("sqlite://")
    >>> key, secret = create_key(db, "alice", "planner")
    >>> secret.startswith("nhp_"), key.key_hash == hash_key(secret)
    (True, True)
    """
    name = name.strip()
    if not name or len(name) > 100:
        raise DataError("a key needs a name of 1 to 100 characters", column="name", expected="e.g. alice")
    _check_role(role)
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    with db.write() as session:
        key = ApiKey(name=name, role=role, key_hash=hash_key(secret), prefix=secret[:10], created_at=utcnow())
        session.add(key)
        session.flush()
        session.add(_audit(actor, "key.created", {"key_id": key.id, "name": name, "role": role}))
    return key, secret


def list_keys(db: Database, *, include_revoked: bool = True) -> list[ApiKey]:
    """Return every key (newest last), without secrets (the database has none)."""
    with db.read() as session:
        query = select(ApiKey).order_by(ApiKey.id)
        if not include_revoked:
            query = query.where(ApiKey.revoked_at.is_(None))
        return list(session.scalars(query))


def revoke_key(db: Database, key_id: int, *, actor: Principal = LOCAL) -> ApiKey:
    """Revoke a key at once; revoking a revoked key changes nothing. Raises NotFound for an unknown id."""
    with db.write() as session:
        key = session.get(ApiKey, key_id)
        if key is None:
            raise NotFound(f"no API key with id {key_id}")
        if key.revoked_at is None:
            session.execute(update(ApiKey).where(ApiKey.id == key_id).values(revoked_at=utcnow()))
            session.add(_audit(actor, "key.revoked", {"key_id": key_id, "name": key.name}))
        session.flush()
        session.refresh(key)
        return key


def any_active_key(db: Database) -> bool:
    """Return True when at least one key is active (authentication is on)."""
    with db.read() as session:
        return session.scalar(select(ApiKey.id).where(ApiKey.revoked_at.is_(None)).limit(1)) is not None


def authenticate(db: Database, secret: str | None) -> Principal:
    """Return who holds ``secret``: 401 when it is missing or unknown while keys exist; LOCAL when none exist.

    A key that is presented is always checked, even in local mode, so a typo never silently acts as admin
    after keys have been set up elsewhere.
    """
    if secret:
        digest = hash_key(secret)
        with db.read() as session:
            key = session.scalar(select(ApiKey).where(ApiKey.key_hash == digest, ApiKey.revoked_at.is_(None)))
        if key is not None and hmac.compare_digest(key.key_hash, digest):
            return Principal(key.id, key.name, key.role)
        if not any_active_key(db):
            raise _unauthorized("the API key is not valid (no keys are configured; omit the key in local mode)")
        raise _unauthorized("the API key is not valid or has been revoked")
    if any_active_key(db):
        raise _unauthorized("an API key is required: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'")
    return LOCAL


def require(principal: Principal, role: str) -> None:
    """Raise 403 unless ``principal`` has ``role`` or above."""
    if not principal.can(role):
        raise Problem(403, "Forbidden", f"this needs the {role} role; the key '{principal.name}' is a {principal.role}",
                      slug="forbidden", extra={"required_role": role, "role": principal.role})


def _unauthorized(detail: str) -> Problem:
    return Problem(401, "Unauthorized", detail, slug="unauthorized", headers={"WWW-Authenticate": "Bearer"})


def _audit(actor: Principal, action: str, detail: dict) -> AuditEvent:
    return AuditEvent(plan_id=None, version=None, action=action, actor_key_id=actor.key_id,
                      actor_name=actor.name, actor_role=actor.role, at=utcnow(), detail=detail)
