"""``/docs``: the OpenAPI explorer (Swagger UI) served from the vendored copy, so it works with no network.

FastAPI's own ``/docs`` loads Swagger UI from a CDN; this page loads ``static/vendor/swagger-ui`` (filled by
``scripts/vendor-assets.sh`` from the npm package ``swagger-ui-dist``) and turns off the online validator badge.
ReDoc (CDN only) is not offered.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

#: Where the vendored Swagger UI is served (``/static`` is the mounted ``static/`` folder).
SWAGGER_URL = "/static/vendor/swagger-ui"

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def docs(request: Request) -> HTMLResponse:
    """The Swagger UI page for the service's OpenAPI document.

    Examples
    --------
    >>> from fastapi import FastAPI
    >>> from fastapi.testclient import TestClient
    >>> app = FastAPI(docs_url=None); app.include_router(router)
    >>> page = TestClient(app).get("/docs").text
    >>> "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page, "https://" in page
    (True, False)
    """
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url or "/openapi.json",
        title=f"{request.app.title}: API documentation",
        swagger_js_url=f"{SWAGGER_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{SWAGGER_URL}/swagger-ui.css",
        swagger_favicon_url=f"{SWAGGER_URL}/favicon-32x32.png",
        swagger_ui_parameters={"validatorUrl": None},
    )
