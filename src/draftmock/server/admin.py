"""The control API under ``/__draftmock/`` and the index page at ``/``.

Documented in ``server/control.yaml`` (served at ``/__draftmock/openapi.json``). Requests carrying
``X-Draftmock-Session`` act on that session's world; the clock is shared by all worlds. Callers
from non-loopback addresses are refused unless ``--admin-token`` is set and presented.
"""

from __future__ import annotations

import json
import logging
import math
import traceback
from collections.abc import Callable, Iterable, MutableMapping
from contextlib import AbstractContextManager, nullcontext, suppress
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qsl

import anyio
import anyio.to_thread
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Route
from starlette.types import ASGIApp

from draftmock import state_codec
from draftmock.clock import ClockError, iso
from draftmock.errors import ConfigError, FixtureError
from draftmock.faults import FaultRule
from draftmock.fixtures import split_fixture
from draftmock.progression import Progression
from draftmock.runtime import DEFAULT_WORLD, World
from draftmock.seed_files import SeedRefused
from draftmock.server import pages
from draftmock.server.conformance import reply_problems
from draftmock.server.guard import ControlGuard, is_loopback
from draftmock.server.stream import journal_events
from draftmock.spec.document import load_document
from draftmock.spec.operations import CompiledApi, Operation, compile_document
from draftmock.spec.params import coerce
from draftmock.spec.schema import Violation
from draftmock.vendors._kit import Blobs, Reply

if TYPE_CHECKING:
    from draftmock.server.app import DraftmockApp

log = logging.getLogger("draftmock.control")

PREFIX = "/__draftmock"
CONTROL_SPEC = Path(__file__).with_name("control.yaml")
VIOLATION_HEADER = "x-draftmock-violation"
# The clock and every timestamp are rendered as ISO 8601: nothing after 9999-12-31T23:59:59Z.
LATEST_INSTANT = 253_402_300_799.0
MAX_BODY_DEPTH = 64
T = TypeVar("T")


class Refusal(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _refusal(message: str) -> dict[str, str]:
    return {"error": "draftmock", "message": message}


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse(_refusal(message), status_code=status)


def _is_loopback(request: Request) -> bool:
    return is_loopback(request)


def _number(body: dict[str, Any], key: str, *, required: bool = False) -> float | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise Refusal(400, f"{key} must be a number")
    return float(value)


def _depth(value: Any, level: int = 0) -> int:
    if level > MAX_BODY_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level


class ControlContract:
    """``control.yaml`` compiled: each control request is checked against its operation before
    a handler sees it, and each answer before it leaves (as the vendor APIs' replies are)."""

    def __init__(self, path: Path = CONTROL_SPEC) -> None:
        self.document = load_document(path, "control")
        self.api: CompiledApi = compile_document(self.document)

    def operation(self, request: Request) -> Operation | None:
        raw = request.scope.get("raw_path") or request.url.path.encode("utf-8")
        op, _, _ = self.api.router.match(request.method, raw.decode("latin-1").partition("?")[0])
        return op

    def request_problems(self, op: Operation, request: Request, raw: bytes) -> dict[str, Any]:
        """The request's JSON body (``{}`` when none); ``Refusal`` when it breaks the contract."""
        problems = self._query_problems(op, request)
        body: dict[str, Any] = {}
        if raw.strip():
            try:
                data = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise Refusal(400, f"the request body is not JSON: {exc}") from exc
            if _depth(data) > MAX_BODY_DEPTH:
                raise Refusal(400, f"the request body is nested deeper than {MAX_BODY_DEPTH}")
            if not isinstance(data, dict):
                raise Refusal(400, "the request body must be a JSON object")
            body = data
            if op.body is not None:
                _, validator = op.body.validator_for("application/json")
                if validator is not None:
                    problems.extend(validator.violations(body, ("body",)))
        elif op.body is not None and op.body.required:
            raise Refusal(400, f"{op.operation_id} needs a JSON request body")
        if problems:
            raise Refusal(400, "; ".join(v.describe() for v in problems[:5]))
        return body

    @staticmethod
    def _query_problems(op: Operation, request: Request) -> list[Violation]:
        query: dict[str, list[str]] = {}
        for key, value in parse_qsl(request.url.query, keep_blank_values=True):
            query.setdefault(key, []).append(value)
        problems: list[Violation] = []
        for param in op.parameters:
            if param.location != "query":
                continue
            raw = query.get(param.name)
            if raw is None:
                if param.required:
                    problems.append(Violation(("query", param.name), "required", "is required"))
                continue
            problems.extend(param.validator.violations(coerce(param, raw), ("query", param.name)))
        return problems

    def answer(self, op: Operation | None, status: int, body: Any) -> JSONResponse:
        """``body`` as ``status``, unless that breaks ``op``'s documented responses."""
        problems = reply_problems(op, Reply(status, body)) if op is not None else []
        if not problems:
            return JSONResponse(body, status_code=status)
        summary = "; ".join(problems)
        log.error("off-spec control response from %s: %s", op.operation_id if op else "-", summary)
        return JSONResponse(
            {"draftmock_error": "contract violation", "message": summary},
            status_code=500,
            headers={VIOLATION_HEADER: summary[:500]},
        )


def _within_range(instant: float) -> None:
    if instant > LATEST_INSTANT:
        raise Refusal(400, f"the clock cannot move past {iso(LATEST_INSTANT)}")
    if instant < 0:
        raise Refusal(400, f"the clock cannot be set before {iso(0)}")


def _api_filter(request: Request, body: dict[str, Any], apis: Any) -> str | None:
    """``?api=`` (or ``{"api": ...}``) of a DELETE: one API's rules, or every API's."""
    api = request.query_params.get("api") or body.get("api")
    if api is not None and api not in apis:
        raise Refusal(400, f"api must be one of {', '.join(sorted(apis))}")
    return str(api) if api is not None else None


def build_admin(
    app: DraftmockApp, *, admin_token: str | None, allowed_hosts: Iterable[str] = ()
) -> ASGIApp:
    runtime = app.runtime
    guard = ControlGuard(admin_token, allowed_hosts)
    snapshots: MutableMapping[tuple[str, str], dict[str, Any]] = (
        app.durable.snapshots() if app.durable is not None else {}
    )
    if app.durable is None:  # an evicted session's snapshots go with it (a store keeps them)

        def forget_snapshots(session: str) -> None:
            for key in [k for k in snapshots if k[0] == session]:
                snapshots.pop(key, None)

        runtime.on_evict.append(forget_snapshots)
    contract = ControlContract()
    control_spec = contract.document.raw

    def endpoint(handler: Any) -> Any:
        async def guarded(request: Request) -> Response:
            op = contract.operation(request)
            refused = guard.refusal(request)
            if refused is not None:
                return contract.answer(op, refused.status, _refusal(refused.message))
            try:
                if op is None:
                    raise Refusal(404, f"nothing is served at {request.url.path}")
                request.state.body = contract.request_problems(op, request, await request.body())
                with control_scope(op, request):
                    result = await handler(request)
            except Refusal as refusal:
                return contract.answer(op, refusal.status, _refusal(refusal.message))
            except SeedRefused as seed_refusal:
                return contract.answer(op, seed_refusal.status, _refusal(str(seed_refusal)))
            except (ClockError, ConfigError, FixtureError) as exc:
                return contract.answer(op, 400, _refusal(str(exc)))
            except Exception as exc:  # a defect of the mock: say so loudly, never silently
                name = op.operation_id if op else request.url.path
                log.error("control call %s failed:\n%s", name, traceback.format_exc())
                return JSONResponse(
                    {"draftmock_error": "defect", "message": f"{name} raised {exc!r}"},
                    status_code=500,
                )
            if isinstance(result, StreamingResponse):
                return result
            if isinstance(result, JSONResponse):
                return contract.answer(op, result.status_code, json.loads(bytes(result.body)))
            return contract.answer(op, 200, result)

        return guarded

    def control_scope(op: Operation | str, request: Request) -> AbstractContextManager[None]:
        """With a store: the worlds the call reads are current, and what it changes is saved."""
        if app.durable is None:
            return nullcontext()
        session = request.headers.get("x-draftmock-session")
        operation_id = op if isinstance(op, str) else op.operation_id
        return app.durable.control(operation_id, request.method, session)

    async def off_loop(fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in a worker thread, so the event loop serves other requests meanwhile.
        With a state store it stays on the loop: the call's store transaction is held around it,
        and other requests would wait on that transaction from the loop itself."""
        if app.durable is not None:
            return fn(*args)
        return await anyio.to_thread.run_sync(fn, *args)

    def world_of(request: Request) -> World:
        """The world a call names. A read (GET) of a session that does not exist answers from a
        fresh world without keeping it: looking never creates a session (a store creates it)."""
        name = request.headers.get("x-draftmock-session")
        if request.method == "GET" and app.durable is None:
            return runtime.existing_world(name) or runtime.new_world(name)
        return runtime.world(name)

    async def json_body(request: Request) -> dict[str, Any]:
        """The body the contract check parsed and validated."""
        body: dict[str, Any] = getattr(request.state, "body", {})
        return body

    def api_and_operation(
        body: dict[str, Any], *, operation_required: bool
    ) -> tuple[str, str | None]:
        api = body.get("api")
        if api not in app.apis:
            raise Refusal(400, f"api must be one of {', '.join(sorted(app.apis))}")
        operation = body.get("operation")
        if operation is None and operation_required:
            raise Refusal(400, "operation is required")
        if operation is not None and operation not in app.apis[api].operations:
            raise Refusal(404, f"{api} has no operation {operation!r}")
        return api, operation

    # -- clock ---------------------------------------------------------------------------

    def clock_state() -> dict[str, Any]:
        now = runtime.clock.now()
        return {"now": now, "iso": iso(now), "frozen": runtime.clock.frozen}

    async def clock(request: Request) -> Any:
        return clock_state()

    async def clock_action(request: Request) -> Any:
        action = request.path_params["action"]
        body = await json_body(request)
        if action == "freeze":
            runtime.clock.freeze()
        elif action == "resume":
            runtime.clock.resume()
        elif action == "advance":
            seconds = _number(body, "seconds", required=True) or 0.0
            _within_range(runtime.clock.now() + seconds)
            runtime.clock.advance(seconds)
        elif action == "set":
            instant = _number(body, "now", required=True) or 0.0
            _within_range(instant)
            runtime.clock.set(instant)
        else:
            raise Refusal(404, f"unknown clock action {action!r}")
        ran = [job.describe() for world in runtime.every_world() for job in runtime.tick(world)]
        return {**clock_state(), "ran": ran}

    # -- jobs and progression ------------------------------------------------------------

    async def jobs(request: Request) -> Any:
        world = world_of(request)
        with world.lock:
            pending = [
                job.describe() for job in world.jobs.pending(request.query_params.get("api"))
            ]
        return {"world": world.name, "jobs": pending}

    async def jobs_run(request: Request) -> Any:
        """Complete pending jobs now (all, one API's, or one job), without moving the clock."""
        world = world_of(request)
        body = await json_body(request)
        if body.get("api") is not None and body["api"] not in app.apis:
            raise Refusal(400, f"api must be one of {', '.join(sorted(app.apis))}")
        now = runtime.clock.now()
        with world.lock:
            chosen = [
                job
                for job in world.jobs.pending(body.get("api"))
                if body.get("job") in (None, job.id)
            ]
            if body.get("job") is not None and not chosen:
                raise Refusal(404, f"no pending job {body['job']!r}")
            for job in chosen:
                world.jobs.reschedule(job.id, min(job.due, now))
            ran = [job.describe() for job in runtime.tick(world)]
        return {"world": world.name, "ran": ran}

    async def jobs_fail(request: Request) -> Any:
        """Make a pending job fail when it runs, or the next job an operation schedules."""
        world = world_of(request)
        body = await json_body(request)
        with world.lock:
            if "job" in body:
                job = world.jobs.get(str(body["job"]))
                if job is None:
                    raise Refusal(404, f"no pending job {body['job']!r}")
                job.failure = "failure requested through /__draftmock/jobs/fail"
                return {"world": world.name, "job": job.describe()}
            api, operation = api_and_operation(body, operation_required=True)
            key = (api, operation or "")
            world.fail_next[key] = world.fail_next.get(key, 0) + int(body.get("count", 1))
            return {
                "world": world.name,
                "api": api,
                "operation": operation,
                "pending_failures": world.fail_next[key],
            }

    async def progression(request: Request) -> Any:
        world = world_of(request)
        if request.method == "GET":
            return {"world": world.name, "rules": world.progressions.to_json()}
        body = await json_body(request)
        if request.method == "DELETE":
            world.progressions.clear(_api_filter(request, body, app.apis))
            return {"world": world.name, "rules": world.progressions.to_json()}
        api, operation = api_and_operation(body, operation_required=True)
        mode = body.get("mode", "time")
        if mode not in ("time", "polls", "manual"):
            raise Refusal(400, "mode must be time, polls or manual")
        polls = int(body.get("polls", 1))
        rule = Progression(mode=mode, seconds=_number(body, "seconds"), polls=polls)
        world.progressions.set(api, str(operation), rule)
        return {"world": world.name, "rules": world.progressions.to_json()}

    # -- faults --------------------------------------------------------------------------

    async def faults(request: Request) -> Any:
        world = world_of(request)
        if request.method == "GET":
            return {"world": world.name, "rules": [r.to_json() for r in world.faults.rules]}
        body = await json_body(request)
        if request.method == "DELETE":
            world.faults.clear(_api_filter(request, body, app.apis))
            return {"world": world.name, "rules": [r.to_json() for r in world.faults.rules]}
        api, operation = api_and_operation(body, operation_required=False)
        status = body.get("status")
        latency = body.get("latency_ms")
        if status is None and latency is None:
            raise Refusal(400, "a fault needs a status, a latency_ms, or both")
        if status is not None:
            if not isinstance(status, int) or isinstance(status, bool):
                raise Refusal(400, "status must be an integer")
            targets = [operation] if operation else list(app.apis[api].operations)
            for op_id in targets:
                op = app.apis[api].operations[str(op_id)]
                if op.response_for(status) is None or status < 400:
                    raise Refusal(
                        400,
                        f"{api} {op_id} does not document an error status {status} "
                        f"(documented: {', '.join(op.documented_statuses)})",
                    )
        if isinstance(latency, int | float) and not isinstance(latency, bool):
            window = (float(latency), float(latency))
        elif isinstance(latency, list) and len(latency) == 2:
            window = (float(latency[0]), float(latency[1]))
            if window[0] > window[1]:
                raise Refusal(400, "latency_ms [min, max] needs min <= max")
        elif latency is None:
            window = None
        else:
            raise Refusal(400, "latency_ms must be a number or [min, max]")
        probability = _number(body, "probability")
        if probability is not None and not 0 <= probability <= 1:
            raise Refusal(400, "probability must be between 0 and 1")
        count = body.get("count")
        if count is not None and (not isinstance(count, int) or count < 1):
            raise Refusal(400, "count must be a positive integer")
        rule = FaultRule(
            id=f"fault-{world.ids.next_int('draftmock.fault')}",
            api=api,
            operation_id=operation,
            status=status,
            probability=1.0 if probability is None else probability,
            remaining=count,
            latency_ms=window,
            message=str(body.get("message") or "Fault injected by draftmock"),
        )
        world.faults.add(rule)
        return JSONResponse({"world": world.name, "rule": rule.to_json()}, status_code=201)

    async def fault_delete(request: Request) -> Any:
        world = world_of(request)
        if not world.faults.remove(request.path_params["rule_id"]):
            raise Refusal(404, f"no fault rule {request.path_params['rule_id']!r}")
        return {"world": world.name, "rules": [r.to_json() for r in world.faults.rules]}

    # -- journal and coverage ------------------------------------------------------------

    async def requests(request: Request) -> Any:
        world = world_of(request)
        q = request.query_params
        status = q.get("status")
        entries = world.journal.query(
            api=q.get("api"),
            operation_id=q.get("operation"),
            status=int(status) if status and status.isdigit() else None,
            limit=int(q.get("limit", "100")) if q.get("limit", "100").isdigit() else 100,
        )
        return {
            "world": world.name,
            "kept": len(world.journal),
            "limit": world.journal.limit,
            "requests": [e.to_json() for e in entries],
        }

    def caught_up(name: str) -> None:
        """A worker of ``--workers``: its copy of world ``name`` brought up to date with what
        the state process committed (the journal lines included)."""
        assert app.durable is not None
        with suppress(Exception), app.durable.control("listRequests", "GET", name):
            pass  # a store that fails now is tried again at the next check

    async def requests_stream(request: Request) -> Any:
        """The journal live, as server-sent events (``EventSource`` sets no headers, so the
        session may be named in the query)."""
        q = request.query_params
        name = q.get("session") or request.headers.get("x-draftmock-session") or DEFAULT_WORLD
        if name not in runtime.worlds():
            raise Refusal(404, f"no session {name!r}")
        world = runtime.world(name)
        resume = request.headers.get("last-event-id") or q.get("since")
        after = int(resume) if resume and resume.isdigit() else world.journal.last_id
        status = q.get("status")
        events = journal_events(
            world,
            lambda: name in runtime.worlds() and runtime.world(name) is world,
            after=after,
            api=q.get("api"),
            operation=q.get("operation"),
            status=int(status) if status and status.isdigit() else None,
            refresh=None if app.state_link is None else partial(caught_up, name),
        )
        return StreamingResponse(
            events,
            media_type="text/event-stream",
            headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
        )

    async def coverage(request: Request) -> Any:
        world = world_of(request)
        documented = {
            api: {op_id: op.documented_statuses for op_id, op in compiled.operations.items()}
            for api, compiled in app.apis.items()
            if request.query_params.get("api") in (None, api)
        }
        return {"world": world.name, **world.coverage.report(documented)}

    # -- state ---------------------------------------------------------------------------

    async def reset(request: Request) -> Any:
        """The named session's state (default: the default state) back to the fixtures; every
        session's only with ``{"all": true}``, one world at a time: other requests are served
        between two worlds, so none waits longer than one world's rebuild."""
        body = await json_body(request)
        api = body.get("api")
        if api is not None and api not in runtime.vendors:
            raise Refusal(400, f"no API named {api!r} is served")
        session = request.headers.get("x-draftmock-session")
        if body.get("all"):
            if session:
                raise Refusal(
                    400, '{"all": true} resets every session: send it without X-Draftmock-Session'
                )
            if app.durable is not None:  # the store's transaction is held around the call
                return {"reset": api or "all", "world": None, "worlds": runtime.reset(api)}
            worlds = runtime.every_world()
            for world in worlds:
                await reset_one(world, api)
                await anyio.sleep(0)  # let waiting requests in between two worlds
            return {"reset": api or "all", "world": None, "worlds": len(worlds)}
        world = world_of(request)
        await reset_one(world, api)
        return {"reset": api or "all", "world": world.name, "worlds": 1}

    async def reset_one(world: World, api: str | None) -> None:
        """Rebuild ``world`` on the loop when it is free; when a worker thread holds it (a seed
        in progress), wait for it in a thread of our own rather than blocking the loop."""
        if app.durable is not None or world.lock.acquire(blocking=False):
            try:
                runtime.reset_world(world, api)
            finally:
                if app.durable is None:
                    world.lock.release()
            return
        await anyio.to_thread.run_sync(runtime.reset_world, world, api)

    async def state(request: Request) -> Any:
        world = world_of(request)
        if request.method == "GET":
            return {"world": world.name, **state_codec.dump(runtime.snapshot(world))}
        body = await json_body(request)
        if not isinstance(body.get("state"), dict):
            raise Refusal(400, "send the object GET /__draftmock/state returned")
        try:
            parts = state_codec.load(body)
        except ConfigError:
            raise
        except (
            AttributeError,
            KeyError,
            TypeError,
            ValueError,
            OverflowError,
            RecursionError,
        ) as exc:
            raise Refusal(400, f"not a state dump of this server: {exc}") from exc
        runtime.restore(world, parts)
        return {"world": world.name, "restored": True}

    async def snapshot_list(request: Request) -> Any:
        world = world_of(request)
        if request.method == "POST":
            name = (await json_body(request)).get("name")
            if not isinstance(name, str) or not name:
                raise Refusal(400, "a snapshot needs a name")
            snapshots[(world.name, name)] = runtime.snapshot(world)
            return JSONResponse({"world": world.name, "name": name}, status_code=201)
        return {
            "world": world.name,
            "snapshots": sorted(n for w, n in snapshots if w == world.name),
        }

    async def snapshot_one(request: Request) -> Any:
        world = world_of(request)
        key = (world.name, request.path_params["name"])
        if key not in snapshots:
            raise Refusal(404, f"no snapshot {key[1]!r}")
        if request.method == "DELETE":
            del snapshots[key]
            return {"world": world.name, "deleted": key[1]}
        runtime.restore(world, snapshots[key])
        return {"world": world.name, "restored": key[1]}

    async def session_list(request: Request) -> Any:
        return {"sessions": runtime.worlds()}

    async def session_delete(request: Request) -> Any:
        name = request.path_params["name"]
        if not runtime.drop_world(name):
            raise Refusal(404, f"no session {name!r}")
        for key in [k for k in snapshots if k[0] == name]:
            del snapshots[key]
        return {"deleted": name}

    async def seed(request: Request) -> Any:
        world = world_of(request)
        body = await json_body(request)
        known = set(runtime.vendors)
        if "path" in body:
            path = str(body["path"])

            def load() -> list[str]:
                return runtime.load_into(world, app.seed_files.read(path, known))

        elif "fixture" in body:
            sources = split_fixture(body["fixture"], "inline fixture", known, hint=body.get("api"))

            def load() -> list[str]:
                return runtime.load_into(world, sources)

        else:
            raise Refusal(400, 'send {"fixture": {...}, "api": ...} or {"path": "file.yaml"}')
        # Read, parsed, validated and loaded in a worker thread: the event loop (every other
        # request) never waits on a disk or a large fixture.
        loaded = await off_loop(load)
        return {"world": world.name, "loaded": loaded}

    # -- documents and pages -------------------------------------------------------------

    async def spec(request: Request) -> Response:
        api = request.path_params["api"].removesuffix(".json")
        document = runtime.documents.get(api)
        if document is None:
            return _error(404, f"no API named {api!r} is served")
        base = str(request.base_url).rstrip("/")
        vendor = runtime.vendors.get(api)
        raw = vendor.publish(document.raw) if vendor and vendor.publish else document.raw
        mount = "" if api == runtime.root_api else f"/{document.api}"
        return JSONResponse({**raw, "servers": [{"url": f"{base}{mount}"}]})

    async def openapi(request: Request) -> Response:
        base = str(request.base_url).rstrip("/")
        return JSONResponse({**control_spec, "servers": [{"url": base}]})

    async def blob(request: Request) -> Response:
        """A file a vendor published behind a pre-signed URL: the URL's signature is the only
        credential (as S3's), and it holds until the expiry it was signed with."""
        query = request.query_params
        name = query.get("Session") or "default"  # the URL names its state, signed
        with control_scope("getBlob", request):
            world = runtime.existing_world(name)
            store = world.blobs if world is not None else {}
            found = Blobs(store, runtime.url_key, name).open(
                request.path_params["blob_id"],
                query.get("Expires"),
                query.get("Signature"),
                runtime.clock.now(),
            )
        if isinstance(found, str):
            return _error(404 if found == "no such file" else 403, found)
        return Response(found.content, media_type=found.media_type)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "apis": sorted(runtime.vendors)})

    async def index(request: Request) -> Response:
        return HTMLResponse(pages.index(runtime.vendors, PREFIX))

    async def docs(request: Request) -> Response:
        name = request.path_params["api"]
        if name != "control" and name not in runtime.documents:
            return _error(404, f"no API named {name!r} is served")
        url = f"{PREFIX}/openapi.json" if name == "control" else f"{PREFIX}/specs/{name}"
        return HTMLResponse(pages.swagger_ui(name, url, PREFIX))

    async def not_found(request: Request) -> Response:
        return _error(404, f"nothing is served at {request.url.path}")

    routes = [
        Route("/", index),
        Route(f"{PREFIX}/", pages.dashboard),
        Route(PREFIX, lambda request: RedirectResponse(f"{PREFIX}/")),
        Route(f"{PREFIX}/dashboard/{{name}}", pages.dashboard_file),
        Route(f"{PREFIX}/health", health),
        Route(f"{PREFIX}/openapi.json", openapi),
        Route(f"{PREFIX}/docs/{{api}}", docs),
        Route(f"{PREFIX}/assets/{{name}}", pages.asset),
        Route(f"{PREFIX}/clock", endpoint(clock)),
        Route(f"{PREFIX}/clock/{{action}}", endpoint(clock_action), methods=["POST"]),
        Route(f"{PREFIX}/jobs", endpoint(jobs)),
        Route(f"{PREFIX}/jobs/run", endpoint(jobs_run), methods=["POST"]),
        Route(f"{PREFIX}/jobs/fail", endpoint(jobs_fail), methods=["POST"]),
        Route(f"{PREFIX}/progression", endpoint(progression), methods=["GET", "PUT", "DELETE"]),
        Route(f"{PREFIX}/faults", endpoint(faults), methods=["GET", "POST", "DELETE"]),
        Route(f"{PREFIX}/faults/{{rule_id}}", endpoint(fault_delete), methods=["DELETE"]),
        Route(f"{PREFIX}/requests", endpoint(requests)),
        Route(f"{PREFIX}/requests/stream", endpoint(requests_stream)),
        Route(f"{PREFIX}/coverage", endpoint(coverage)),
        Route(f"{PREFIX}/reset", endpoint(reset), methods=["POST"]),
        Route(f"{PREFIX}/state", endpoint(state), methods=["GET", "PUT"]),
        Route(f"{PREFIX}/snapshots", endpoint(snapshot_list), methods=["GET", "POST"]),
        Route(f"{PREFIX}/snapshots/{{name}}", endpoint(snapshot_one), methods=["POST", "DELETE"]),
        Route(f"{PREFIX}/seed", endpoint(seed), methods=["POST"]),
        Route(f"{PREFIX}/sessions", endpoint(session_list)),
        Route(f"{PREFIX}/sessions/{{name}}", endpoint(session_delete), methods=["DELETE"]),
        Route(f"{PREFIX}/specs/{{api}}", spec),
        Route(f"{PREFIX}/blobs/{{blob_id}}", blob),
        Route("/{path:path}", not_found, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
    ]
    return Starlette(routes=routes)
