"""The FastAPI application factory: ``create_app(settings=None, atlas_provider=None)``.

``nhp serve`` runs ``create_app()`` under uvicorn; tests call it with a synthetic atlas. Creating the app opens
the plans database and upgrades its schema (``alembic upgrade head``) before the first request, so a new home
folder needs no setup. Routers live in ``api/routes``, one per resource, all under ``/api/v1``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from api import docs, problems
from api.atlases import as_provider
from api.auth import LOCAL_MODE_WARNING, is_loopback, local_mode
from api.db import POOL_SIZE, Database, database_url, redacted
from api.deps import ServiceState
from api.headers import SecurityHeaders
from api.plans import PlanService
from api.queue import make_runner
from api.routes import ROUTERS
from geo.settings import Settings, get_settings

log = logging.getLogger("nhp.api")

API_PREFIX = "/api/v1"
#: The planner page (HTML, JS, CSS and vendored Leaflet and NHS.UK styles), served at ``/``.
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
DESCRIPTION = """Plan NHS neighbourhoods: study areas and their layers, proposals, plans with versions,
metrics, validation, lifecycle (draft → proposed → agreed) and an audit trail.

Authenticate with `Authorization: Bearer <key>` or `X-API-Key: <key>` (keys from `nhp keys create`).
Every change to a plan needs `If-Match` with the ETag of the version it was made from.
Errors are RFC 9457 `application/problem+json`."""


def create_app(settings: Settings | None = None, atlas_provider=None) -> FastAPI:
    """Build the service.

    Parameters
    ----------
    settings
        Settings (default: read from the environment).
    atlas_provider
        Area id to atlas: ``None`` (the demo region, plus real areas when ``NHP_DATA_DIR`` is set), a mapping
        ``{area: Atlas}``, a callable ``f(area) -> Atlas`` or an :class:`api.atlases.AtlasProvider`.

    Examples
    --------
    >>> from fastapi.testclient import TestClient
    >>> from geo.testing import grid_atlas
    >>> import tempfile
    >>> app = create_app(Settings(home_dir=tempfile.mkdtemp()), atlas_provider={"GRID": grid_atlas(2, 2)})
    >>> with TestClient(app, base_url="http://127.0.0.1") as client:
    ...     client.get("/api/v1/areas").json()[0]["id"]
    'GRID'
    """
    settings = settings or get_settings()
    url = database_url(settings)
    db = Database(url)
    atlases = as_provider(atlas_provider, settings)
    state = ServiceState(
        settings=settings,
        db=db,
        atlases=atlases,
        plans=PlanService(db, atlases),
        jobs=make_runner(settings, db, atlases),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        log.info("plans database: %s (%s)", redacted(url), db.backend)
        # Sync routes run on this many threads (anyio's default is 40): no more than the connection pool, so
        # a request never waits for a connection while holding a thread, and fewer threads contend for the GIL.
        anyio.to_thread.current_default_thread_limiter().total_tokens = POOL_SIZE
        if local_mode(db, is_loopback(str(settings.host))):
            log.warning(LOCAL_MODE_WARNING)
        elif not is_loopback(str(settings.host)):
            log.info("listening on %s (not loopback): every request needs an API key", settings.host)
        yield
        state.jobs.shutdown()
        db.dispose()

    app = FastAPI(
        title="Neighbourhood Health Planner API",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # /docs is api/docs.py: Swagger UI from static/vendor, offline
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.nhp = state
    problems.install(app)
    app.add_middleware(problems.BodyLimit, limit_bytes=int(settings.max_upload_mb * 1_000_000))
    # Outermost, so every answer gets the headers: errors, 413s from BodyLimit, static files and /docs included.
    app.add_middleware(SecurityHeaders)
    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(docs.router)

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    def root():
        return FileResponse(STATIC_DIR / "index.html")

    return app
