"""The interactive API docs at ``/docs``: Swagger UI served by kyso itself.

FastAPI's own ``/docs`` loads Swagger UI from a CDN with an inline script, which kyso's CSP
(``default-src 'self'``, api/limits.py) blocks: the page stayed blank, and a city network
without internet could not load it anyway. Here the assets come from the ``swagger-ui-bundle``
package and the start-up script is a static file, so the page works under the same CSP.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs/assets"

PAGE = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kyso API</title>
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">
<link rel="icon" href="{ASSETS}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{ASSETS}/swagger-ui-bundle.js"></script>
<script src="/static/api-docs.js"></script>
</body>
</html>
"""

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def swagger_ui() -> HTMLResponse:
    return HTMLResponse(PAGE)


def install(app: FastAPI) -> None:
    """``/docs`` and its assets (before the ``/static`` mount and the pages)."""
    from swagger_ui_bundle import swagger_ui_path

    app.include_router(router)
    app.mount(ASSETS, StaticFiles(directory=swagger_ui_path), "swagger-ui")
