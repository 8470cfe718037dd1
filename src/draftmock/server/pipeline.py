"""One request through one API, synchronously: route, tick, authenticate, validate, handle,
check the reply. No I/O happens here; the ASGI layer reads the body before and writes after.
"""

from __future__ import annotations

import asyncio
import email.policy
import json
import logging
import re
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qsl, unquote

import orjson

from draftmock.runtime import Runtime, World
from draftmock.server.conformance import NO_CONTENT, reply_problems
from draftmock.server.steering import (
    MOCK_ERROR_HEADER,
    Preference,
    fault_reply,
    parse_prefer,
    preferred_reply,
    with_retry_after,
)
from draftmock.spec.operations import CompiledApi, Operation
from draftmock.spec.params import Parameter, coerce
from draftmock.spec.schema import Violation
from draftmock.store.durable import Durable
from draftmock.vendors._kit import (
    AuthInput,
    Call,
    Context,
    ContractGap,
    Reply,
    Vendor,
    VendorError,
)

log = logging.getLogger("draftmock")

VIOLATION_HEADER = "x-draftmock-violation"
# Deeper JSON is refused as a request error: every layer after parsing (schema validation,
# behaviour, the JSON encoder) walks the body recursively.
MAX_BODY_DEPTH = 128


@dataclass(slots=True)
class Request:
    method: str
    path: str  # below the API's mount point, percent-encoded, e.g. /api/public/v2/datasets
    query_string: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    request_id: str
    session: str | None = None


@dataclass(slots=True)
class Outcome:
    reply: Reply
    operation: Operation | None
    delay: float = 0.0  # injected latency, waited out by the ASGI layer (never under the lock)
    fault: str | None = None  # id of the fault rule that answered
    session: str = ""
    admitted: bool = False  # the caller's credentials let it reach the operation
    conformed: bool = False  # the reply was checked against the document and met it
    # --state, deferred: done once the request's change is committed; reply only then.
    saved: asyncio.Future[None] | None = None


class ApiPipeline:
    def __init__(
        self,
        runtime: Runtime,
        vendor: Vendor[Any],
        api: CompiledApi,
        durable: Durable | None = None,
    ) -> None:
        self.runtime = runtime
        self.durable = durable
        self.vendor = vendor
        self.api = api
        self.slug = vendor.slug
        missing = sorted(set(api.operations) - set(vendor.operations.handlers))
        self.unimplemented = frozenset(missing)

    def handle(self, request: Request, *, deferred: bool = False) -> Outcome:
        """``deferred`` (from the event loop, with ``--state``): the change may still be
        uncommitted when this returns; ``Outcome.saved`` says when it is."""
        op, raw_path, allowed = self.api.router.match(
            request.method, request.path, _lookup(request)
        )
        if op is None:
            reply = self.vendor.render_no_route(
                request.method, request.path, allowed, request.request_id
            )
            if allowed:
                reply.headers.setdefault("allow", ", ".join(sorted(set(allowed))))
            return Outcome(reply, None)
        if self.durable is not None:
            try:
                with self.durable.writing(request.session, deferred=deferred) as writing:
                    outcome = self._handle_at(op, raw_path, request, writing.world, writing.now)
                    entry = _entry(self.slug, request)
                    if outcome.conformed:  # a replay need not check the reply again
                        entry["conformed"] = True
                    writing.log_request(entry, request.body, admitted=outcome.admitted)
            except Exception as exc:  # nothing was saved, and the world is reloaded from the store
                return self.store_failure(Outcome(Reply(500), op), exc)
            outcome.saved = writing.saved
            return outcome
        world = self.runtime.existing_world(request.session)
        if world is not None:
            return self._handle_in(world, op, raw_path, request)
        # A new session is created only for a request its credentials admit to an operation:
        # it runs on a fresh world that is kept only then (unknown routes, 401s leave nothing).
        with self.runtime.creating():
            world = self.runtime.existing_world(request.session)
            if world is not None:
                return self._handle_in(world, op, raw_path, request)
            world = self.runtime.new_world(request.session)
            outcome = self._handle_in(world, op, raw_path, request)
            if outcome.admitted:
                self.runtime.adopt(world)
            return outcome

    def store_failure(self, outcome: Outcome, exc: BaseException) -> Outcome:
        """What a request answers when the store failed to save it: nothing was saved, and the
        world is reloaded from the store before its next use."""
        op_id = outcome.operation.operation_id if outcome.operation else None
        log.error(
            "%s %s: the state store failed:\n%s",
            self.slug,
            op_id,
            "".join(traceback.format_exception(exc)),
        )
        body = {"draftmock_error": "state store", "message": f"not saved: {exc}"}
        reply = Reply(500, body, {VIOLATION_HEADER: "state store failure"})
        return Outcome(reply, outcome.operation, session=outcome.session)

    def _handle_in(
        self, world: World, op: Operation, raw_path: dict[str, str], request: Request
    ) -> Outcome:
        with world.lock:
            return self._handle_at(op, raw_path, request, world, self.runtime.clock.now())

    def replay(
        self, world: World, request: Request, now: float, *, conformed: bool = False
    ) -> Outcome:
        """Handle a request another process answered at virtual time ``now``, as it did.
        ``conformed``: its reply met the document there, so the same reply is not checked (or
        logged) again."""
        op, raw_path, _ = self.api.router.match(request.method, request.path, _lookup(request))
        if op is None:
            return Outcome(Reply(404), None, session=world.name)
        with world.lock:
            return self._handle_at(op, raw_path, request, world, now, check=not conformed)

    def _handle_at(
        self,
        op: Operation,
        raw_path: dict[str, str],
        request: Request,
        world: World,
        now: float,
        *,
        check: bool = True,
    ) -> Outcome:
        outcome = Outcome(Reply(500), op, session=world.name)
        if op.operation_id in self.vendor.status_operations:
            world.jobs.polled(self.slug, now)
        self.runtime.tick(world, now)
        reply = self._run(op, raw_path, request, world, outcome, now)
        outcome.reply = self._checked(op, reply, outcome) if check else _without_content(op, reply)
        world.coverage.record(self.slug, op.operation_id, outcome.reply.status)
        return outcome

    def _run(
        self,
        op: Operation,
        raw_path: dict[str, str],
        request: Request,
        world: World,
        outcome: Outcome,
        now: float,
    ) -> Reply:
        ctx = self.runtime.context(world, self.slug, request.request_id, now, op.operation_id)
        admitted: dict[str, str] = {}  # headers the vendor adds once a caller is admitted
        try:
            admission = self.vendor.authenticate(ctx, self._auth_input(op, request))
            admitted = admission.headers
            outcome.admitted = True
            call, violations = self._parse(ctx, op, raw_path, request, admission.principal)
            reply = self._answer(ctx, op, call, violations, request, world, outcome)
        except VendorError as error:
            reply = self._render_error(op, error, request)
        except ContractGap as gap:  # known since start-up, and logged there
            return _diagnostic(f"the contract cannot be honoured: {gap}")
        except Exception as exc:  # a defect of the mock: say so loudly, never silently
            log.error("%s %s failed:\n%s", self.slug, op.operation_id, traceback.format_exc())
            return _diagnostic(f"{op.operation_id} raised {type(exc).__name__}: {exc}")
        reply.headers = {**admitted, **reply.headers}
        return reply

    def _parse(
        self,
        ctx: Context[Any],
        op: Operation,
        raw_path: dict[str, str],
        request: Request,
        principal: Any,
    ) -> tuple[Call, list[Violation]]:
        """Typed parameters and body, and every way they break the contract."""
        query = _query_values(request.query_string)
        params, violations = _parameters(op, raw_path, query, request.headers)
        if self.vendor.read_body is not None:
            body, body_violations = _read_body(op, request, self.vendor.read_body)
        else:
            body, body_violations = _body(op, request, self.vendor.undeclared_media_types_as_json)
        if body_violations and not violations and self.vendor.precheck is not None:
            self.vendor.precheck(ctx, op.operation_id, params["path"], principal)
        violations.extend(body_violations)
        call = Call(
            operation_id=op.operation_id,
            path=params["path"],
            query=params["query"],
            headers=request.headers,
            body=body,
            principal=principal,
        )
        return call, violations

    def _answer(
        self,
        ctx: Context[Any],
        op: Operation,
        call: Call,
        violations: list[Violation],
        request: Request,
        world: World,
        outcome: Outcome,
    ) -> Reply:
        """Who answers a valid request: ``Prefer``, a fault rule, or the vendor's handler."""
        if violations:
            if self.vendor.render_operation_violations is not None:
                return self.vendor.render_operation_violations(
                    op.operation_id, violations, request.request_id, request.headers.get("accept")
                )
            return self.vendor.render_violations(violations, request.request_id)
        preference = parse_prefer(request.headers.get("prefer"))
        if preference.wanted:
            return self._preferred(op, preference, request)
        decision = world.faults.decide(self.slug, op.operation_id, world.ids.random)
        outcome.delay = decision.delay_seconds
        if decision.rule is not None and decision.rule.status is not None:
            outcome.fault = decision.rule.id
            return self._fault(op, decision.rule.status, decision.rule.message, request)
        if op.operation_id in self.unimplemented:
            raise VendorError("This operation is not implemented by the mock", status=501)
        return self.vendor.operations.handlers[op.operation_id](ctx, call)

    def _render_error(self, op: Operation, error: VendorError, request: Request) -> Reply:
        if self.vendor.render_operation_error is not None:
            return self.vendor.render_operation_error(
                op.operation_id, error, request.request_id, request.headers.get("accept")
            )
        return self.vendor.render_error(error, request.request_id)

    def _preferred(self, op: Operation, preference: Preference, request: Request) -> Reply:
        """``Prefer``: an error the operation's handler raises for the status is rendered by
        the vendor, as the handler's would be; anything else comes from the document."""
        known = self.vendor.known_errors.get((op.operation_id, preference.code or 0))
        if known is not None and preference.example is None and not preference.dynamic:
            reply = self._known_error(op, known(), request)
            if reply is not None:
                return reply
        return preferred_reply(
            self.api.document,
            op,
            preference,
            seed=self.runtime.seed,
            accept=request.headers.get("accept"),
        )

    def _known_error(self, op: Operation, error: VendorError, request: Request) -> Reply | None:
        reply = self._render_error(op, error, request)
        if reply.status == error.status and not reply_problems(op, reply):
            return reply
        return None

    def _fault(self, op: Operation, status: int, message: str, request: Request) -> Reply:
        """The vendor's own error for ``status``; the spec's example if the vendor has none."""
        if self.vendor.render_operation_error is not None:
            error = VendorError(message, status=status)
            reply = self.vendor.render_operation_error(
                op.operation_id, error, request.request_id, request.headers.get("accept")
            )
            reply = with_retry_after(reply, self.api.document, op, status)
        else:
            reply = fault_reply(
                self.vendor, status, message, request.request_id, document=self.api.document, op=op
            )
        if reply.status == status and not reply_problems(op, reply):
            return reply
        return preferred_reply(
            self.api.document,
            op,
            Preference(code=status),
            seed=self.runtime.seed,
            accept=request.headers.get("accept"),
        )

    def _auth_input(self, op: Operation, request: Request) -> AuthInput:
        credentials: dict[str, str | None] = {}
        query: dict[str, str] | None = None
        for requirement in op.security:
            for name in requirement:
                scheme = self.api.schemes[name]
                if scheme.location == "query":
                    query = query if query is not None else dict(parse_qsl(request.query_string))
                    credentials[name] = query.get(scheme.param)
                elif scheme.location == "cookie":
                    credentials[name] = _cookie(request.headers.get("cookie", ""), scheme.param)
                else:
                    value = request.headers.get(scheme.param)
                    if scheme.type == "http" and value is not None:
                        prefix, _, rest = value.partition(" ")
                        value = rest.strip() if prefix.lower() == scheme.scheme else None
                    credentials[name] = value
        return AuthInput(
            operation_id=op.operation_id,
            requirements=op.security,
            credentials=credentials,
            headers=request.headers,
            method=request.method,
            path=request.path,
            query_string=request.query_string,
            body=request.body,
        )

    def _checked(self, op: Operation, reply: Reply, outcome: Outcome) -> Reply:
        reply = _without_content(op, reply)
        if MOCK_ERROR_HEADER in reply.headers or VIOLATION_HEADER in reply.headers:
            return reply  # the mock's own refusal or diagnostic, marked as such
        problems = reply_problems(op, reply)
        if not problems:
            outcome.conformed = True
            return reply
        summary = "; ".join(problems)
        log.error("off-spec response from %s %s: %s", self.slug, op.operation_id, summary)
        if not self.runtime.settings.strict_responses:
            return reply
        return _diagnostic(f"the mock produced a response that breaks the contract: {summary}")


def _without_content(op: Operation, reply: Reply) -> Reply:
    if reply.status in NO_CONTENT and reply.body is not None:
        spec = op.response_for(reply.status)
        if spec is not None and spec.content:
            # HTTP: a 204 (or 304) has no content, even where the document describes some
            # (AWS' converted documents give 204s an empty-object JSON body). A body the
            # document does not describe stays, for the check to report.
            return Reply(reply.status, None, reply.headers, reply.media_type)
    return reply


def _entry(api: str, request: Request) -> dict[str, Any]:
    """What a store's log keeps of a request (the body goes beside it) to redo it exactly."""
    return {
        "api": api,
        "method": request.method,
        "path": request.path,
        "query": request.query_string,
        "headers": dict(request.headers),
        "request_id": request.request_id,
        "session": request.session,
    }


def request_from_entry(fields: Mapping[str, Any], body: bytes) -> Request:
    return Request(
        method=fields["method"],
        path=fields["path"],
        query_string=fields["query"],
        headers=fields["headers"],
        body=body,
        request_id=fields["request_id"],
        session=fields["session"],
    )


def _diagnostic(message: str) -> Reply:
    return Reply(
        500,
        {"draftmock_error": "contract violation", "message": message},
        {VIOLATION_HEADER: message[:500]},
    )


def _lookup(request: Request) -> Callable[[str, str], str | None]:
    """The request's header and query values, for a router choosing among operations that share
    a method and path."""
    query: dict[str, list[str]] | None = None

    def value(location: str, name: str) -> str | None:
        nonlocal query
        if location == "header":
            return request.headers.get(name)
        if query is None:
            query = _query_values(request.query_string)
        found = query.get(name)
        return found[-1] if found else None

    return value


def _query_values(query_string: str) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    if query_string:
        for key, value in parse_qsl(query_string, keep_blank_values=True):
            values.setdefault(key, []).append(value)
    return values


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def _parameters(
    op: Operation,
    raw_path: dict[str, str],
    query: dict[str, list[str]],
    headers: Mapping[str, str],
) -> tuple[dict[str, dict[str, Any]], list[Violation]]:
    params: dict[str, dict[str, Any]] = {"path": {}, "query": {}, "header": {}, "cookie": {}}
    violations: list[Violation] = []
    for param in op.parameters:
        raw: list[str] | None
        if param.location == "path":
            group = _group(param.name)
            raw = [unquote(raw_path[group])] if group in raw_path else None
        elif param.location == "query" and param.structured:
            # An object or an array of them: members arrive as strings, nested ones in no
            # standard form, exploded ones without naming their parameter. Taken as sent.
            params["query"][param.name] = _query_structure(param, query, op.parameters)
            continue
        elif param.location == "query":
            raw = query.get(param.name)
        elif param.location == "header":
            value = headers.get(param.key)
            raw = [value] if value is not None else None
        else:
            value = _cookie(headers.get("cookie", ""), param.name)
            raw = [value] if value is not None else None
        if raw is None:
            if param.required:
                violations.append(Violation((param.location, param.name), "required", "required"))
            elif param.has_default:
                params[param.location][param.name] = param.default
            continue
        value = coerce(param, raw)
        violations.extend(param.validator.violations(value, (param.location, param.name)))
        params[param.location][param.name] = value
    return params, violations


def _query_structure(
    param: Parameter, query: dict[str, list[str]], declared: tuple[Parameter, ...]
) -> Any:
    """What the query holds of an object (or array of them) parameter: its own values, its
    bracketed keys (``name[key]=value``, deepObject and its nested variants), or, for an
    exploded form object, every key no other parameter names."""
    if param.name in query:
        values = query[param.name]
        return values if param.kind == "array" else values[-1]
    prefix = f"{param.name}["
    bracketed = {
        key[len(param.name) :]: v[-1] for key, v in query.items() if key.startswith(prefix)
    }
    if bracketed or param.kind != "object" or not param.explode or param.style == "deepObject":
        return bracketed
    named = {p.name for p in declared if p.location == "query"}
    return {key: values[-1] for key, values in query.items() if key not in named}


def _group(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in name)


def _body(op: Operation, request: Request, lenient: bool) -> tuple[Any, list[Violation]]:
    spec = op.body
    if spec is None:
        return None, []
    raw = request.body
    if not raw.strip():
        if spec.required:
            return None, [Violation(("body",), "required", "a request body is required")]
        return None, []
    media_type = request.headers.get("content-type", "application/json").split(";")[0].strip()
    declared, validator = spec.validator_for(media_type.lower())
    as_declared = declared
    if not declared:
        # Clients that omit or mislabel JSON still get a precise answer: try JSON first.
        declared, validator = spec.validator_for("application/json")
        if not declared:
            return None, [
                Violation(("body",), "contentType", f"unsupported media type {media_type!r}")
            ]
        if not lenient and not _is_json_media_type(media_type):
            text = raw.decode("utf-8", "replace")
            return None, [
                Violation(
                    ("body",), "contentType", f"a {media_type} body is not read", instance=text
                )
            ]
    if as_declared and not _reads_as_json(media_type):
        body = _unparsed(media_type, raw)
        if media_type.lower() != "multipart/form-data":
            return body, []  # a urlencoded form's values are read as its fields, unchecked
        form = _multipart(request.headers.get("content-type", ""), raw)
        if form is None:
            return None, [Violation(("body",), "contentType", f"not a readable {media_type} body")]
        return body, validator.form_violations(form, ("body",)) if validator is not None else []
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return None, [Violation(("body", exc.pos), "json", f"invalid JSON: {exc.msg}")]
    try:
        body = _exact_numbers(body, raw)
    except (_TooDeep, RecursionError):
        return None, [
            Violation(("body",), "json", f"JSON nested deeper than {MAX_BODY_DEPTH} levels")
        ]
    if validator is None:
        return body, []
    return body, validator.violations(body, ("body",))


def _reads_as_json(media_type: str) -> bool:
    """JSON (``application/json``, ``+json``, JSON dialects such as AWS'
    ``application/x-amz-json-1.1``), or a Content-Type that does not say (``*/*``, none)."""
    sub = media_type.lower().partition("/")[2]
    return media_type in ("", "*/*") or re.search(r"(^|[+.-])json($|[-.])", sub) is not None


def _unparsed(media_type: str, raw: bytes) -> Any:
    """A body of a documented media type other than JSON (XML, a form, text, bytes): taken as
    sent, its schema checked only for required members where it is a form (a multipart form's
    parts are read for that, the body stays as sent). A urlencoded form becomes its fields (the
    last value of a repeated one)."""
    if media_type.lower() == "application/x-www-form-urlencoded":
        return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    if media_type.lower().startswith("text/") or "xml" in media_type.lower():
        return raw.decode("utf-8", "replace")
    return raw


def _multipart(content_type: str, raw: bytes) -> dict[str, Any] | None:
    if "boundary=" not in content_type:
        return None
    message = BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1", "replace") + b"\r\n\r\n" + raw
    )
    boundary = message.get_boundary()
    if (
        boundary is not None
        and raw.strip() == b"--" + boundary.encode("latin-1", "replace") + b"--"
    ):
        return {}  # no part at all, only the closing delimiter: an empty form, as clients send it
    if not message.is_multipart() or message.defects:
        return None
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            return None
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        is_file = part.get_filename() is not None
        fields[name] = content if is_file else content.decode("utf-8", "replace")
    return fields


def _read_body(
    op: Operation, request: Request, read: Callable[[str | None, bytes], Any]
) -> tuple[Any, list[Violation]]:
    """The body as the vendor's framework reads it (for every request, as a framework parses
    bodies before routing), validated as the operation's JSON body when it has one."""
    content_type = request.headers.get("content-type")
    media_type = content_type.split(";")[0].strip().lower() if content_type else None
    body = read(media_type, request.body)
    if op.body is None:
        return None, []
    if op.body.required and not request.body.strip():
        # what the framework makes of no body at all ({} for koa-bodyparser) is not a body the
        # document's operation can be served without
        return None, [Violation(("body",), "required", "a request body is required")]
    try:
        body = _exact_numbers(body, request.body)
    except (_TooDeep, RecursionError):
        return None, [
            Violation(("body",), "json", f"JSON nested deeper than {MAX_BODY_DEPTH} levels")
        ]
    _, validator = op.body.validator_for("application/json")
    if validator is None:
        return body, []
    return body, validator.violations(body, ("body",))


def _is_json_media_type(media_type: str) -> bool:
    main, _, sub = media_type.lower().partition("/")
    return main == "application" and (sub == "json" or sub.endswith("+json"))


class _TooDeep(Exception):
    pass


class _Inexact(Exception):
    pass


def _exact_numbers(body: Any, raw: bytes) -> Any:
    try:
        return _integral_floats_as_ints(body, 0)
    except _Inexact:  # an integer beyond 64 bits, which orjson reads as a float
        return _integral_floats_as_ints(json.loads(raw), 0, exact=True)


def _integral_floats_as_ints(value: Any, depth: int, *, exact: bool = False) -> Any:
    """JSON has one number type: ``2.0`` is a valid ``integer``; hand behaviour code an int.
    An integral float beyond 64 bits may be an integer orjson could not hold: ``_Inexact``
    asks for the exact reading (the standard parser's), where integers stay integers."""
    if isinstance(value, float):
        if value.is_integer():
            if abs(value) < 2**63:
                return int(value)
            if not exact:
                raise _Inexact
        return value
    if isinstance(value, dict | list):
        if depth >= MAX_BODY_DEPTH:
            raise _TooDeep
        if isinstance(value, dict):
            return {
                k: _integral_floats_as_ints(v, depth + 1, exact=exact) for k, v in value.items()
            }
        return [_integral_floats_as_ints(v, depth + 1, exact=exact) for v in value]
    return value
