"""Security headers on every answer, and a Content-Security-Policy fitted to each HTML page.

Every response gets ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``, ``Referrer-Policy:
no-referrer`` and a CSP. A JSON or file answer gets the strictest CSP (``default-src 'none'``); an HTML answer
(the planner page, profiles and maps exported as HTML, ``/docs``) gets one allowing ``'self'`` plus exactly what
that page loads: the origins of its ``<script src>`` and stylesheets, a SHA-256 hash of each inline script (so
no injected script runs, not even one smuggled into a name), and the tile servers its map templates name. Every
policy forbids framing (``frame-ancestors 'none'``), plugins, ``<base>`` rewriting and posting forms elsewhere.
"""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders

COMMON = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
STRICT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
_SCRIPT = re.compile(rb"<script\b([^>]*)>(.*?)</script\s*>", re.S | re.I)
_LINK = re.compile(rb"<link\b([^>]*)>", re.I)
_ATTR = re.compile(rb"""\b(src|href|rel)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_TILE = re.compile(rb"""["'](https?://[^"'\s/]+)/[^"'\s]*\{z\}""")


def _attrs(text: bytes) -> dict[str, str]:
    return {m.group(1).lower().decode(): (m.group(2) or m.group(3) or m.group(4) or b"").decode("utf-8", "replace")
            for m in _ATTR.finditer(text)}


def _origin(url: str) -> str | None:
    """``'self'`` for a relative URL, ``scheme://host`` for an absolute one, None for data: and the like."""
    if url.startswith("//"):
        url = "https:" + url
    parts = urlsplit(url)
    if not parts.scheme and not parts.netloc:
        return "'self'"
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"
    return None


def content_security_policy(html: bytes) -> str:
    """Return the CSP for an HTML page: 'self' plus the origins and inline-script hashes the page really uses.

    Examples
    --------
    >>> page = b'<script src="https://assets.example/x.js"></script><script>go()</script>'
    >>> policy = content_security_policy(page)
    >>> "script-src 'self' https://assets.example 'sha256-" in policy, "frame-ancestors 'none'" in policy
    (True, True)
    """
    scripts, styles, images = {"'self'"}, {"'self'"}, {"'self'", "data:", "blob:"}
    hashes = []
    for match in _SCRIPT.finditer(html):
        attrs = _attrs(match.group(1))
        if "src" in attrs:
            origin = _origin(attrs["src"])
            if origin:
                scripts.add(origin)
        elif match.group(2).strip():
            hashes.append("'sha256-" + base64.b64encode(hashlib.sha256(match.group(2)).digest()).decode() + "'")
    for match in _LINK.finditer(html):
        attrs = _attrs(match.group(1))
        origin = _origin(attrs.get("href", ""))
        rel = attrs.get("rel", "").lower()
        if origin and "stylesheet" in rel:
            styles.add(origin)
        elif origin and "icon" in rel:
            images.add(origin)
    for match in _TILE.finditer(html):
        origin = _origin(match.group(1).decode("utf-8", "replace"))
        if origin:
            images.add(origin)
    order = lambda values: " ".join(sorted(values, key=lambda v: (v != "'self'", v)))  # noqa: E731
    return "; ".join([
        "default-src 'none'",
        f"script-src {order(scripts)}{' ' if hashes else ''}{' '.join(dict.fromkeys(hashes))}",
        f"style-src {order(styles)} 'unsafe-inline'",
        f"img-src {order(images)}",
        f"font-src {order(styles | {'data:'})}",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
    ])


class SecurityHeaders:
    """ASGI middleware adding the headers above; an HTML body is held until complete to fit its CSP."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        held: dict = {}
        chunks: list[bytes] = []

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in COMMON.items():
                    headers[name] = value
                if headers.get("content-type", "").lower().startswith("text/html"):
                    held["start"] = message
                    return
                headers["Content-Security-Policy"] = STRICT_CSP
                await send(message)
                return
            if message["type"] == "http.response.body" and "start" in held:
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                body = b"".join(chunks)
                MutableHeaders(scope=held["start"])["Content-Security-Policy"] = content_security_policy(body)
                await send(held.pop("start"))
                await send({"type": "http.response.body", "body": body, "more_body": False})
                return
            await send(message)

        await self.app(scope, receive, send_with_headers)
