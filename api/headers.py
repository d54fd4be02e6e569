"""Security headers on every answer, and a Content-Security-Policy from a fixed allow-list (never from the body).

Every response gets ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``, ``Referrer-Policy:
no-referrer`` and a CSP. The policy depends only on what kind of answer it is, never on what the body holds, so no
script smuggled into a page (in a name, a file, a template) can ever be allowed by the policy:

- JSON, files and errors: :data:`STRICT_CSP` (``default-src 'none'``).
- The service's own pages (the planner page ``/``, ``/static/*.html``, ``/docs``): :data:`PAGE_CSP`, scripts only
  from the service itself (``script-src 'self'``, no inline script); ``/docs`` adds the SHA-256 of Swagger UI's
  one inline start-up script, computed once from the service's own template and settings (:func:`docs_hashes`).
- Documents generated from data (``map.html``, ``profiles.html``, ``export.html`` under ``/api/``): served as a
  download (``Content-Disposition: attachment``) under :data:`DOCUMENT_CSP`, ``sandbox`` with no script at all. A
  browser saves them; opened from the disk, the map works offline (Leaflet and its scripts are inlined), outside
  the service's origin, where nothing can reach the service with the user's rights. Rendered from the service by
  any means, the page is sandboxed in an opaque origin and runs no script: a nonce would have to be given by the
  map generator to each script it writes, and one body parser deciding which scripts are "ours" is what this
  module stopped doing.

Every policy forbids framing (``frame-ancestors 'none'``), plugins, ``<base>`` rewriting and posting forms
elsewhere.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from types import SimpleNamespace

from starlette.datastructures import MutableHeaders

from api import docs

COMMON = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"}
STRICT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
#: The service's own pages: everything from the service itself; inline styles (Leaflet positions its panes with
#: style attributes), never inline scripts.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'{hashes}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' blob: data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'; object-src 'none'"
)
#: Documents generated from data: a sandbox (opaque origin) that runs no script and loads nothing from anywhere.
DOCUMENT_CSP = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
_INLINE_SCRIPT = re.compile(rb"<script\b(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script\s*>", re.S | re.I)


def script_hashes(html: bytes) -> tuple[str, ...]:
    """CSP source expressions (``'sha256-...'``) of the inline scripts of a page the service itself wrote.

    Examples
    --------
    >>> script_hashes(b'<script src="/a.js"></script><script>go()</script>')
    ("'sha256-5KYv+PUboo5h+0+YAtGRPbwv5d/QxzHslP4YGnUaxRw='",)
    """
    return tuple(
        dict.fromkeys(
            "'sha256-" + base64.b64encode(hashlib.sha256(m.group(1)).digest()).decode() + "'"
            for m in _INLINE_SCRIPT.finditer(html)
            if m.group(1).strip()
        )
    )


@functools.lru_cache(maxsize=8)
def docs_hashes(openapi_url: str, title: str) -> tuple[str, ...]:
    """The hashes of ``/docs``' inline start-up script: the service's own Swagger template rendered once with the
    app's settings (its OpenAPI URL and title), never read from an answer."""
    page = docs.docs(SimpleNamespace(app=SimpleNamespace(openapi_url=openapi_url, title=title)))
    return script_hashes(page.body)


def policy_for(path: str, app=None) -> tuple[str, bool]:
    """``(CSP, download)`` of an HTML answer at ``path``: a generated document (under ``/api/``) or a page.

    Examples
    --------
    >>> policy_for("/api/v1/plans/1/map.html")[1], policy_for("/")[0].startswith("default-src 'none'; script-src 'self';")
    (True, True)
    """
    if path.startswith("/api/"):
        return DOCUMENT_CSP, True
    hashes: tuple[str, ...] = ()
    if path == "/docs" and app is not None:
        hashes = docs_hashes(getattr(app, "openapi_url", None) or "/openapi.json", getattr(app, "title", ""))
    return PAGE_CSP.format(hashes="".join(" " + h for h in hashes)), False


class SecurityHeaders:
    """ASGI middleware adding the headers above (the CSP of an HTML answer from its path, see :func:`policy_for`)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in COMMON.items():
                    headers[name] = value
                policy = STRICT_CSP
                if headers.get("content-type", "").lower().startswith("text/html"):
                    policy, download = policy_for(scope.get("path", ""), scope.get("app"))
                    if download and not headers.get("content-disposition", "").lower().startswith("attachment"):
                        headers["Content-Disposition"] = "attachment"
                headers["Content-Security-Policy"] = policy
            await send(message)

        await self.app(scope, receive, send_with_headers)
