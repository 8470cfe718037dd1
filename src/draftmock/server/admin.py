"""The control API under ``/__draftmock/`` and the index page at ``/``.

Small on purpose: time (read, freeze, resume, advance, set), pending jobs (list, run now),
reset, and the pristine specs (with ``servers`` pointing at this mock, for Schemathesis and
Swagger UI). Callers from non-loopback addresses are refused unless ``--admin-token`` is set
and presented.
"""

from __future__ import annotations

import html
import ipaddress
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from draftmock.clock import ClockError, iso
from draftmock.errors import ConfigError

if TYPE_CHECKING:
    from draftmock.server.app import DraftmockApp

PREFIX = "/__draftmock"


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": "draftmock", "message": message}, status_code=status)


def _is_loopback(request: Request) -> bool:
    if request.client is None:
        return True  # in-process transports have no peer address
    try:
        return ipaddress.ip_address(request.client.host).is_loopback
    except ValueError:
        return request.client.host in ("localhost", "testclient")


def build_admin(app: DraftmockApp, *, admin_token: str | None) -> ASGIApp:
    runtime = app.runtime

    def guard(request: Request) -> JSONResponse | None:
        if _is_loopback(request):
            return None
        if (
            admin_token is not None
            and request.headers.get("x-draftmock-admin-token") == admin_token
        ):
            return None
        return _error(403, "the control API only answers loopback callers or a valid admin token")

    def world_of(request: Request) -> Any:
        return runtime.world(request.headers.get("x-draftmock-session"))

    async def json_body(request: Request) -> dict[str, Any]:
        raw = await request.body()
        if not raw.strip():
            return {}
        try:
            data = await request.json()
        except ValueError as exc:
            raise ConfigError(f"the request body is not JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise ConfigError("the request body must be a JSON object")
        return data

    def clock_state() -> dict[str, Any]:
        now = runtime.clock.now()
        return {"now": now, "iso": iso(now), "frozen": runtime.clock.frozen}

    async def clock(request: Request) -> Response:
        return guard(request) or JSONResponse(clock_state())

    async def clock_action(request: Request) -> Response:
        if (refused := guard(request)) is not None:
            return refused
        action = request.path_params["action"]
        try:
            body = await json_body(request)
            if action == "freeze":
                runtime.clock.freeze()
            elif action == "resume":
                runtime.clock.resume()
            elif action == "advance":
                seconds = body.get("seconds")
                if not isinstance(seconds, int | float) or isinstance(seconds, bool):
                    raise ConfigError('advance needs a number of seconds: {"seconds": 5}')
                runtime.clock.advance(float(seconds))
            elif action == "set":
                instant = body.get("now")
                if not isinstance(instant, int | float) or isinstance(instant, bool):
                    raise ConfigError('set needs epoch seconds: {"now": 1767225600}')
                runtime.clock.set(float(instant))
            else:
                return _error(404, f"unknown clock action {action!r}")
        except (ClockError, ConfigError) as exc:
            return _error(400, str(exc))
        ran = [
            job.describe() for name in runtime.worlds() for job in runtime.tick(runtime.world(name))
        ]
        return JSONResponse({**clock_state(), "ran": ran})

    async def jobs(request: Request) -> Response:
        if (refused := guard(request)) is not None:
            return refused
        world = world_of(request)
        api = request.query_params.get("api")
        with world.lock:
            pending = [job.describe() for job in world.jobs.pending(api)]
        return JSONResponse({"world": world.name, "jobs": pending})

    async def jobs_run(request: Request) -> Response:
        """Complete pending jobs now (all, or those of one API), without moving the clock."""
        if (refused := guard(request)) is not None:
            return refused
        world = world_of(request)
        body = await json_body(request)
        api = body.get("api")
        now = runtime.clock.now()
        with world.lock:
            for job in world.jobs.pending(api):
                world.jobs.reschedule(job.id, min(job.due, now))
            ran = [job.describe() for job in runtime.tick(world)]
        return JSONResponse({"world": world.name, "ran": ran})

    async def reset(request: Request) -> Response:
        if (refused := guard(request)) is not None:
            return refused
        try:
            body = await json_body(request)
            session = request.headers.get("x-draftmock-session")
            runtime.reset(body.get("api"), session if session else None)
        except ConfigError as exc:
            return _error(400, str(exc))
        return JSONResponse({"reset": body.get("api") or "all"})

    async def spec(request: Request) -> Response:
        api = request.path_params["api"]
        document = runtime.documents.get(api.removesuffix(".json"))
        if document is None:
            return _error(404, f"no API named {api!r} is served")
        base = str(request.base_url).rstrip("/")
        served = {**document.raw, "servers": [{"url": f"{base}/{document.api}"}]}
        return JSONResponse(served)

    async def blob(request: Request) -> Response:
        """A file a vendor published (e.g. a pre-signed download URL); gone once expired."""
        world = world_of(request)
        found = world.blobs.get(request.path_params["blob_id"])
        if found is None:
            return _error(404, "no such file")
        if runtime.clock.now() >= found.expires_at:
            return _error(403, "this link has expired")
        return Response(found.content, media_type=found.media_type)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "apis": sorted(runtime.vendors)})

    async def index(request: Request) -> Response:
        rows = "".join(
            f'<li><a href="/{slug}/">/{slug}</a> — {html.escape(vendor.title)} '
            f'(<a href="{PREFIX}/specs/{slug}">OpenAPI</a>)</li>'
            for slug, vendor in sorted(runtime.vendors.items())
        )
        page = (
            "<!doctype html><html><head><meta charset='utf-8'><title>draftmock</title></head>"
            f"<body><h1>draftmock</h1><p>APIs served here:</p><ul>{rows}</ul>"
            f"<p>Control API: <code>{PREFIX}/</code></p></body></html>"
        )
        return HTMLResponse(page)

    async def not_found(request: Request) -> Response:
        return _error(404, f"nothing is served at {request.url.path}")

    routes = [
        Route("/", index),
        Route(f"{PREFIX}/health", health),
        Route(f"{PREFIX}/clock", clock),
        Route(f"{PREFIX}/clock/{{action}}", clock_action, methods=["POST"]),
        Route(f"{PREFIX}/jobs", jobs),
        Route(f"{PREFIX}/jobs/run", jobs_run, methods=["POST"]),
        Route(f"{PREFIX}/reset", reset, methods=["POST"]),
        Route(f"{PREFIX}/specs/{{api}}", spec),
        Route(f"{PREFIX}/blobs/{{blob_id}}", blob),
        Route("/{path:path}", not_found, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
    ]
    return Starlette(routes=routes)
