"""RFC 9457 problem details: every error the API returns is ``application/problem+json``.

Routes and the repository raise :class:`Problem` (or a subclass naming the HTTP status); bad input from ``geo/``
arrives as :class:`geo.errors.DataError` and becomes 422 with the file, row, column and what was expected.
Request validation errors, unknown routes and unexpected failures get the same shape, so a client needs one
error parser. An unexpected failure answers 500 without its message, because the message may quote data.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from geo.errors import DataError
from http import HTTPStatus
import traceback

log = logging.getLogger("nhp.api")

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "urn:nhp:problem:"


class Problem(Exception):
    """An error answered as problem+json.

    Parameters
    ----------
    status
        HTTP status.
    title
        Short, fixed summary of the problem type.
    detail
        What went wrong this time, in words a planner understands.
    slug
        Last part of the problem ``type`` URI (``urn:nhp:problem:<slug>``).
    extra
        More members of the problem object.
    headers
        Response headers (``WWW-Authenticate`` for 401, the current ``ETag`` for 412).

    Examples
    --------
    >>> Problem(404, "Not found", "plan 3 does not exist", slug="not-found").status
    404
    """

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        slug: str | None = None,
        extra: dict | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.slug = slug
        self.extra = extra or {}
        self.headers = headers or {}


class NotFound(Problem):
    def __init__(self, detail: str) -> None:
        super().__init__(404, "Not found", detail, slug="not-found")


class Conflict(Problem):
    def __init__(self, detail: str, **extra) -> None:
        super().__init__(409, "Conflict with the plan's state", detail, slug="conflict", extra=extra)


class PreconditionFailed(Problem):
    def __init__(self, detail: str, current_etag: str) -> None:
        super().__init__(
            412,
            "Precondition failed",
            detail,
            slug="stale-etag",
            extra={"current_etag": current_etag},
            headers={"ETag": current_etag},
        )


class PreconditionRequired(Problem):
    def __init__(self, detail: str) -> None:
        super().__init__(428, "Precondition required", detail, slug="if-match-required")


class PayloadTooLarge(Problem):
    def __init__(self, limit_bytes: int) -> None:
        super().__init__(
            413,
            "Upload too large",
            f"the request body is larger than the limit of {limit_bytes / 1e6:g} MB",
            slug="too-large",
            extra={"limit_bytes": limit_bytes},
        )


def problem_response(
    request: Request,
    status: int,
    title: str,
    detail: str,
    *,
    slug: str | None = None,
    extra: dict | None = None,
    headers: dict | None = None,
) -> JSONResponse:
    """Build the problem+json response; ``instance`` is the request path, which identifies this occurrence."""
    body = {
        "type": TYPE_BASE + slug if slug else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **(extra or {}),
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _titles(status: int) -> str:

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem+json."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem):
        return problem_response(
            request, exc.status, exc.title, exc.detail, slug=exc.slug, extra=exc.extra, headers=exc.headers
        )

    @app.exception_handler(DataError)
    async def _data_error(request: Request, exc: DataError):
        fields = {k: v for k, v in exc.to_dict().items() if k != "message"}
        slug = {"AreaError": "area-error", "PlanError": "plan-error"}.get(type(exc).__name__, "data-error")
        return problem_response(request, 422, "Bad input data", str(exc), slug=slug, extra=fields)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        errors = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        detail = f"{'.'.join(first['loc'])}: {first['msg']}" if first["loc"] else first["msg"]
        return problem_response(request, 422, "Invalid request", detail, slug="validation", extra={"errors": errors})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else _titles(exc.status_code)
        return problem_response(
            request, exc.status_code, _titles(exc.status_code), detail, headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        # Log the type and where, not the message: messages from pandas or the database can quote values.

        frames = "".join(traceback.format_tb(exc.__traceback__))
        log.error("unexpected %s on %s %s\n%s", type(exc).__name__, request.method, request.url.path, frames)
        return problem_response(
            request, 500, "Internal server error", "the server failed; the error was logged", slug="internal"
        )


class BodyLimit:
    """ASGI middleware: refuse a request body larger than ``limit_bytes`` with 413 before any route sees it.

    The body is read up to the limit and replayed to the app, because an error raised while FastAPI parses a
    form is turned into a 400 by FastAPI itself; checking here keeps the answer a clean 413. ``Content-Length``
    above the limit is refused without reading anything.
    """

    def __init__(self, app, limit_bytes: int) -> None:
        self.app = app
        self.limit = int(limit_bytes)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, receive, send)
            return
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > self.limit:
                await self._refuse(scope, receive, send)
                return
        body = b"".join(chunks)
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope, receive, send) -> None:
        from starlette.requests import Request  # lazy: the name Request means something else at module level

        problem = PayloadTooLarge(self.limit)
        response = problem_response(
            Request(scope, receive),
            413,
            problem.title,
            problem.detail,
            slug=problem.slug,
            extra=problem.extra,
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)
