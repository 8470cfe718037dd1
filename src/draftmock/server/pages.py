"""HTML for people: the index at ``/`` and Swagger UI for each API and the control API.

Swagger UI's files come from the ``swagger-ui-py`` package and are served by the mock itself,
so the pages work without network access.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

ASSETS = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css"}
DASHBOARD = Path(__file__).with_name("dashboard")
DASHBOARD_FILES = {"app.js": "text/javascript", "app.css": "text/css"}
# The dashboard runs only its own files and talks only to its own origin; no page may frame it.
DASHBOARD_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-cache",
}


def _assets_dir() -> Path | None:
    try:
        import swagger_ui
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    return Path(swagger_ui.__file__).parent / "static"


def index(vendors: Mapping[str, Any], prefix: str) -> str:
    rows = "".join(
        f"<tr><td><code>/{slug}</code></td><td>{html.escape(vendor.title)}</td>"
        f'<td><a href="{prefix}/docs/{slug}">Swagger UI</a> · '
        f'<a href="{prefix}/specs/{slug}">OpenAPI</a></td></tr>'
        for slug, vendor in sorted(vendors.items())
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>draftmock</title>"
        "<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}"
        "td{padding:.3rem 1rem .3rem 0}</style></head><body>"
        "<h1>draftmock</h1><p>Stateful mocks of these APIs, each checked against its spec:</p>"
        f"<table><tr><th>base path</th><th>API</th><th>contract</th></tr>{rows}</table>"
        f"<h2>Dashboard</h2><p><a href='{prefix}/'>{prefix}/</a> — state, jobs, clock, live "
        "journal, coverage, faults and snapshots, for people.</p>"
        f"<h2>Control API</h2><p><code>{prefix}/</code> — clock, jobs, faults, journal, coverage, "
        f"state. <a href='{prefix}/docs/control'>Swagger UI</a> · "
        f"<a href='{prefix}/openapi.json'>OpenAPI</a></p></body></html>"
    )


def swagger_ui(name: str, spec_url: str, prefix: str) -> str:
    title = html.escape(f"draftmock — {name}")
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{title}</title>"
        f"<link rel='stylesheet' href='{prefix}/assets/swagger-ui.css'></head><body>"
        "<div id='swagger-ui'></div>"
        f"<script src='{prefix}/assets/swagger-ui-bundle.js'></script>"
        # validatorUrl: null, or Swagger UI would fetch a badge from validator.swagger.io.
        f"<script>SwaggerUIBundle({{url: {json.dumps(spec_url)}, dom_id: '#swagger-ui', "
        "validatorUrl: null});</script>"
        "</body></html>"
    )


async def asset(request: Request) -> Response:
    name = request.path_params["name"]
    folder = _assets_dir()
    if name not in ASSETS or folder is None or not (folder / name).exists():
        return JSONResponse({"error": "draftmock", "message": "no such asset"}, status_code=404)
    return FileResponse(folder / name, media_type=ASSETS[name])


async def dashboard(request: Request) -> Response:
    """The dashboard page at ``/__draftmock/``: plain HTML and JavaScript shipped in the package."""
    return FileResponse(DASHBOARD / "index.html", media_type="text/html", headers=DASHBOARD_HEADERS)


async def dashboard_file(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in DASHBOARD_FILES:
        return JSONResponse({"error": "draftmock", "message": "no such file"}, status_code=404)
    return FileResponse(
        DASHBOARD / name, media_type=DASHBOARD_FILES[name], headers=DASHBOARD_HEADERS
    )
