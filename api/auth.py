"""API keys and roles: create, list, revoke and check keys; who is calling and what they may do.

A key is ``nhp_`` followed by 256 random bits. Only its SHA-256 is stored: with that much entropy a fast hash is
safe (there is nothing to brute-force), and it lets the service find a key by one indexed lookup instead of
trying a slow hash against every row. The stored and computed digests are still compared with
:func:`hmac.compare_digest`. The secret is shown once, by ``nhp keys create`` or ``POST /api/v1/keys``.

Local single-user mode (every request acts as an admin, so the first run is one command: ``nhp serve``) is
allowed only while the service listens on a loopback address *and* no key has ever been created, or an admin
switched it on explicitly (audited); and only for a request that came straight to this server from this machine
(:func:`local_request`: same scheme, host and port, no proxy header of any kind). It is for a laptop, never for a
service behind a proxy. It is never a fallback: once a key exists, revoking keys does not switch
authentication off, and revoking the last active admin key is refused, so the service cannot lock itself open.
Every key change (create, revoke) and every settings change is written to the audit log and the service log.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import bindparam, exists, select, update

from api.audit_log import audit_event
from api.db import Database
from api.models import ROLES, ApiKey, ServiceSetting, utcnow
from api.problems import Conflict, NotFound, Problem
from geo.errors import DataError
from geo.names import check_name

log = logging.getLogger("nhp.api")

KEY_PREFIX = "nhp_"
LOCAL_MODE_WARNING = (
    "no API key has ever been created: local single-user mode, every request acts as admin (loopback only) — "
    "create a key (nhp keys create) before exposing this service"
)
#: Admin switches and their safe defaults: four-eyes sign-off on, explicit local mode off.
SETTINGS = {"four_eyes": True, "local_mode": False}


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
    name = check_name(name, what="key name", column="name")
    _check_role(role)
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    with db.write() as session:
        key = ApiKey(name=name, role=role, key_hash=hash_key(secret), prefix=secret[:10], created_at=utcnow())
        session.add(key)
        session.flush()
        session.add(audit_event(actor, "key.created", None, None, {"key_id": key.id, "name": name, "role": role}))
    log.info("API key %s (%s, %s) created by %s", key.id, name, role, actor.name)
    return key, secret


def list_keys(db: Database, *, include_revoked: bool = True) -> list[ApiKey]:
    """Return every key (newest last), without secrets (the database has none)."""
    with db.read() as session:
        query = select(ApiKey).order_by(ApiKey.id)
        if not include_revoked:
            query = query.where(ApiKey.revoked_at.is_(None))
        return list(session.scalars(query))


def revoke_key(db: Database, key_id: int, *, actor: Principal = LOCAL) -> ApiKey:
    """Revoke a key at once; revoking a revoked key changes nothing. Raises NotFound for an unknown id.

    Revoking the last active admin key is refused (409): nobody could then manage keys over the API, and the
    service must never be left in a state where switching authentication off looks like the way out.
    """
    with db.write() as session:
        key = session.get(ApiKey, key_id)
        if key is None:
            raise NotFound(f"no API key with id {key_id}")
        if key.revoked_at is None:
            if key.role == "admin":
                # Lock the active admin rows, so two concurrent revocations cannot each leave the other as the last.
                admins = session.scalars(
                    select(ApiKey.id).where(ApiKey.role == "admin", ApiKey.revoked_at.is_(None)).with_for_update()
                ).all()
                if set(admins) <= {key_id}:
                    raise Conflict(
                        f"key {key_id} ({key.name}) is the last active admin key and cannot be revoked: "
                        "create another admin key first",
                        key_id=key_id,
                    )
            session.execute(update(ApiKey).where(ApiKey.id == key_id).values(revoked_at=utcnow()))
            session.add(
                audit_event(actor, "key.revoked", None, None, {"key_id": key_id, "name": key.name, "role": key.role})
            )
            log.info("API key %s (%s, %s) revoked by %s", key_id, key.name, key.role, actor.name)
        session.flush()
        session.refresh(key)
        return key


def any_active_key(db: Database) -> bool:
    """Return True when at least one key is active."""
    with db.read() as session:
        return session.scalar(select(ApiKey.id).where(ApiKey.revoked_at.is_(None)).limit(1)) is not None


def any_key_ever(db: Database) -> bool:
    """Return True when a key has ever been created (revoked ones count: authentication never switches off)."""
    with db.read() as session:
        return session.scalar(select(ApiKey.id).limit(1)) is not None


def is_loopback(host: str | None) -> bool:
    """Return True for a loopback address (``127.0.0.1``, ``::1``, ``localhost``).

    Examples
    --------
    >>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, True, False)
    """
    if not host:
        return False
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


#: Headers a proxy, load balancer or CDN adds (or that only make sense behind one): any of them ends local mode.
FORWARDING_HEADERS = frozenset(
    {
        "forwarded",
        "via",
        "x-real-ip",
        "x-client-ip",
        "client-ip",
        "true-client-ip",
        "cf-connecting-ip",
        "cf-connecting-ipv6",
        "cf-ray",
        "cdn-loop",
        "fastly-client-ip",
        "x-cluster-client-ip",
        "x-proxyuser-ip",
        "x-host",
        "x-http-host-override",
        "x-remote-ip",
        "x-remote-addr",
        "x-originating-ip",
        "x-envoy-external-address",
        "x-azure-clientip",
        "x-azure-socketip",
        "x-appengine-user-ip",
        "x-amzn-trace-id",
        "akamai-origin-hop",
    }
)
#: Header name prefixes of the same kind (X-Forwarded-For/-Host/-Proto/-Port/-Server/-Prefix, X-Original-*...).
FORWARDING_PREFIXES = (
    "x-forwarded-",
    "x-original-",
    "x-envoy-",
    "x-client-",
    "x-real-",
    "x-cluster-client-",
    "x-azure-",
    "x-appengine-",
    "x-arr-",
    "x-proxy",
    "x-bluecoat-",
    "fastly-",
    "cf-",
)
#: Host names a local single-user request may name (a DNS-rebinding page sends its own host name).
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def forwarded(headers) -> bool:
    """True when a request carries any proxy or CDN forwarding header (it may have come from anywhere).

    Examples
    --------
    >>> forwarded({"via": "1.1 proxy"}), forwarded({"X-Forwarded-Host": "a"}), forwarded({"accept": "*/*"})
    (True, True, False)
    """
    for name in headers.keys():
        name = name.lower()
        if name in FORWARDING_HEADERS or name.startswith(FORWARDING_PREFIXES):
            return True
    return False


def _split_host(value: str, scheme: str) -> tuple[str, int | None]:
    """``(name, port)`` of a Host header or URL authority; the scheme's default port when none is given."""
    value = value.strip().lower()
    if value.startswith("["):
        name, _, rest = value[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif value.count(":") == 1:
        name, port = value.split(":")
    else:
        name, port = value, ""
    if not port:
        return name, {"http": 80, "https": 443}.get(scheme)
    return name, int(port) if port.isdigit() and len(port) <= 5 else None


def local_request(headers, scheme: str, server_port: int | None) -> bool:
    """Whether a request may act in local single-user mode: it came straight from this machine's own browser
    or scripts to this very server, not through a proxy and not from another page.

    - no proxy or CDN forwarding header (:data:`FORWARDING_HEADERS`, :data:`FORWARDING_PREFIXES`);
    - ``Host`` names a loopback host *and* the port the server listens on (``server_port``);
    - ``Origin`` and ``Referer``, when sent, are exactly this origin: same scheme, host and port (a page on another
      loopback port is another origin, and ``Origin: null`` comes from sandboxed or file pages);
    - ``Sec-Fetch-Site``, when sent, is ``same-origin`` or ``none`` (typed by the user): a browser calls a page on
      another port of the same host ``same-site``, not ``cross-site``.

    Examples
    --------
    >>> local_request({"host": "127.0.0.1:8000"}, "http", 8000)
    True
    >>> local_request({"host": "127.0.0.1:8000", "origin": "http://127.0.0.1:9000"}, "http", 8000)
    False
    >>> local_request({"host": "127.0.0.1:8000", "sec-fetch-site": "same-site"}, "http", 8000)
    False
    >>> local_request({"host": "127.0.0.1:8000", "via": "1.1 squid"}, "http", 8000)
    False
    """
    if forwarded(headers):
        return False
    name, port = _split_host(headers.get("host") or "", scheme)
    if name not in LOCAL_HOSTS or port is None or (server_port is not None and port != server_port):
        return False
    here = (scheme, name, port)
    if (headers.get("sec-fetch-site") or "same-origin").strip().lower() not in ("same-origin", "none"):
        return False
    for header in ("origin", "referer"):
        value = headers.get(header)
        if value is None:
            continue
        parts = urlsplit(value.strip())
        if not parts.scheme or not parts.netloc:  # "null", or anything that is not an absolute URL
            return False
        try:
            there = (parts.scheme.lower(), *_split_host(parts.netloc.rpartition("@")[2], parts.scheme.lower()))
        except ValueError:
            return False
        if there != here:
            return False
    return True


def get_setting(db: Database, name: str):
    """Return an admin switch (its safe default when never set)."""
    with db.read() as session:
        row = session.get(ServiceSetting, name)
    return SETTINGS[name] if row is None else row.value.get("value", SETTINGS[name])


def service_settings(db: Database) -> dict:
    """Every admin switch with its current value."""
    return {name: get_setting(db, name) for name in SETTINGS}


def set_setting(db: Database, name: str, value: bool, *, actor: Principal) -> dict:
    """Change an admin switch (the caller has checked the admin role); audited and logged. Returns all switches."""
    if name not in SETTINGS:
        raise DataError(f"unknown setting {name!r}", column=name, expected=" or ".join(SETTINGS))
    with db.write() as session:
        row = session.get(ServiceSetting, name)
        old = SETTINGS[name] if row is None else row.value.get("value")
        if row is None:
            session.add(
                ServiceSetting(name=name, value={"value": bool(value)}, updated_at=utcnow(), updated_by=actor.name)
            )
        else:
            row.value, row.updated_at, row.updated_by = {"value": bool(value)}, utcnow(), actor.name
        session.add(audit_event(actor, "settings.changed", None, None, {"name": name, "from": old, "to": bool(value)}))
    log.warning(
        "service setting %s changed from %s to %s by %s (key %s)", name, old, bool(value), actor.name, actor.key_id
    )
    return service_settings(db)


_ACTIVE_KEY = select(ApiKey.id, ApiKey.name, ApiKey.role, ApiKey.key_hash).where(
    ApiKey.key_hash == bindparam("digest"), ApiKey.revoked_at.is_(None)
)
#: Whether a key was ever created, and the explicit switch, in one statement built once.
_LOCAL_MODE = select(
    exists(select(ApiKey.id)), select(ServiceSetting.value).where(ServiceSetting.name == "local_mode").scalar_subquery()
)


def local_mode(db: Database, loopback: bool) -> bool:
    """Return True when anonymous callers act as admin: only on loopback, and only while no key was ever
    created or an admin switched local mode on explicitly."""
    if not loopback:
        return False
    # One round trip on every anonymous request: whether a key was ever created, and the explicit switch.
    with db.read_connection() as connection:
        ever, switch = connection.execute(_LOCAL_MODE).one()
    return not ever or bool((switch or {}).get("value", SETTINGS["local_mode"]))


def authenticate(db: Database, secret: str | None, *, loopback: bool = False) -> Principal:
    """Return who holds ``secret``; without one, LOCAL in local mode (see :func:`local_mode`), else 401.

    A key that is presented is always checked, even in local mode, so a typo never silently acts as admin.
    ``loopback`` says the service listens on, and was reached through, a loopback address; it defaults to
    False so a caller that forgets it fails closed.
    """
    if secret:
        digest = hash_key(secret)
        # Looked up on every request (no cache), so a revocation takes effect at once; one indexed query.
        with db.read_connection() as connection:
            key = connection.execute(_ACTIVE_KEY, {"digest": digest}).one_or_none()
        if key is not None and hmac.compare_digest(key.key_hash, digest):
            return Principal(key.id, key.name, key.role)
        raise _unauthorized("the API key is not valid or has been revoked")
    if local_mode(db, loopback):
        return LOCAL
    raise _unauthorized(
        "an API key is required: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'"
        + ("" if any_key_ever(db) else " (local single-user mode needs a loopback address)")
    )


def require(principal: Principal, role: str) -> None:
    """Raise 403 unless ``principal`` has ``role`` or above."""
    if not principal.can(role):
        raise Problem(
            403,
            "Forbidden",
            f"this needs the {role} role; the key '{principal.name}' is a {principal.role}",
            slug="forbidden",
            extra={"required_role": role, "role": principal.role},
        )


def _unauthorized(detail: str) -> Problem:
    return Problem(401, "Unauthorized", detail, slug="unauthorized", headers={"WWW-Authenticate": "Bearer"})
