"""The API app with the planner page served at ``/`` and ``/static``, for the browser tests.

``api/app.py`` is expected to mount ``static/`` itself; until it does, this factory adds the same two routes to
``api.app.create_app()``'s app, and once it does, this changes nothing. Run with
``python -m uvicorn planner_app:create_app --factory --app-dir tests/browser``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"


def serves_static(app) -> bool:
    """True when the app already mounts the planner page's assets at ``/static``."""
    return any(getattr(route, "path", None) == "/static" for route in app.routes)


def create_app():
    """``api.app.create_app()`` with ``static/`` mounted (when it is not already)."""
    from api.app import create_app as create_api

    app = create_api()
    if serves_static(app):
        return app
    app.router.routes[:] = [r for r in app.router.routes if getattr(r, "path", None) != "/"]
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    def index():
        return FileResponse(STATIC_DIR / "index.html")

    return app
