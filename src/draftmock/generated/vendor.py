"""A ``Vendor`` value built from any OpenAPI document: the generated tier's entry point.

document -> operations (``walk_operations``) -> resource model (``resources.infer``) -> a plan
and a generic handler per operation; ``--behaviour`` handlers replace the generic ones for the
operations they name. The result is served by the same pipeline, runtime and control plane as
the built-in vendors: sessions, snapshots, reset, journal, coverage, faults and the clock all
work unchanged.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any

from draftmock.errors import ConfigError, FixtureError
from draftmock.generated.behaviour import Behaviour
from draftmock.generated.errors import error_reply, problem
from draftmock.generated.handlers import GeneratedApi, make_plan
from draftmock.generated.links import with_links
from draftmock.generated.resources import infer
from draftmock.generated.store import Store, id_key
from draftmock.generated.values import Values
from draftmock.ids import Ids, seeded_rng
from draftmock.spec.document import Document
from draftmock.spec.operations import walk_operations
from draftmock.spec.schema import Violation
from draftmock.vendors._kit import (
    Admission,
    AuthInput,
    Context,
    OperationTable,
    Reply,
    Vendor,
    VendorError,
)

log = logging.getLogger("draftmock")


def build_api(document: Document, *, mount: str) -> GeneratedApi:
    values = Values(document)
    sites = walk_operations(document, tolerant=True)
    model = infer(document, sites)
    plans = {s.operation_id: make_plan(values, s, model.roles.get(s.operation_id)) for s in sites}
    return GeneratedApi(document.api, values, model, plans, mount)


def build_vendor(
    document: Document,
    *,
    mount: str,
    behaviour: Behaviour | None = None,
    after_start: list[Callable[[], object]] | None = None,
    api: GeneratedApi | None = None,
) -> Vendor[Store]:
    """The generated API for ``document``, served at ``mount`` ("" for the root). Given
    ``after_start``, it adds the look for responses no value satisfies (in the background, once
    the server answers; logged once). ``api``: one already built for it (a layer over it, such
    as declared behaviour, shares it)."""
    api = api or build_api(document, mount=mount)
    if after_start is not None:
        after_start.append(api.check_in_background)
    table = OperationTable()
    custom = behaviour.operations.handlers if behaviour is not None else {}
    unknown = sorted(set(custom) - set(api.plans))
    if unknown:
        raise ConfigError(
            f"--behaviour for {document.api}: no operation {', '.join(unknown)} in "
            f"{document.path.name}"
        )
    for op_id, plan in api.plans.items():
        table.handlers[op_id] = custom.get(op_id) or api.handler(plan)
    new_state = behaviour.new_state if behaviour is not None else None

    def new_backend() -> Store:
        return Store(custom=new_state() if new_state is not None else None)

    def authenticate(ctx: Context[Store], auth: AuthInput) -> Admission:
        """Security presence: one alternative's credentials all presented. A caller without is
        refused only where the operation documents 401 (or 4XX) for it."""
        if not auth.requirements:
            return Admission(None)
        for requirement in auth.requirements:
            if all(auth.credentials.get(name) for name in requirement):
                return Admission({name: auth.credentials.get(name) for name in requirement})
        plan = api.plans[auth.operation_id]
        keys = {str(k).upper() for k in plan.responses}
        if "401" in keys or "4XX" in keys:
            raise VendorError("credentials are missing", status=401)
        return Admission(None)

    def render_operation_error(
        op_id: str, error: VendorError, request_id: str, accept: str | None
    ) -> Reply:
        plan = api.plans[op_id]
        reply = error_reply(
            api.values,
            plan.pointer,
            plan.responses,
            [error.status],
            error.message,
            seeded_rng(op_id),
            accept=accept,
        )
        return reply if reply is not None else problem(error.status, error.message)

    def render_operation_violations(
        op_id: str, violations: list[Violation], request_id: str, accept: str | None
    ) -> Reply:
        plan = api.plans[op_id]
        message = "; ".join(v.describe() for v in violations[:5])
        statuses = [400, 422]
        if all(v.loc[:1] == ("path",) for v in violations):
            statuses.append(404)  # no resource has an identifier like that: it is not found
        reply = error_reply(
            api.values,
            plan.pointer,
            plan.responses,
            statuses,
            message,
            seeded_rng(op_id),
            accept=accept,
        )
        return reply if reply is not None else problem(400, message, violations)

    def render_error(error: VendorError, request_id: str) -> Reply:
        return problem(error.status, error.message)

    def render_violations(violations: list[Violation], request_id: str) -> Reply:
        return problem(400, "; ".join(v.describe() for v in violations[:5]), violations)

    def render_no_route(method: str, path: str, allowed: list[str], request_id: str) -> Reply:
        status = 405 if allowed else 404
        message = (
            f"{method} is not allowed on {path}"
            if allowed
            else f"{document.path.name} documents no path {path}"
        )
        sharer = shared.get(status)
        if sharer is not None:  # the API's own envelope for it
            plan = api.plans[sharer]
            reply = error_reply(
                api.values, plan.pointer, plan.responses, [status], message, seeded_rng(sharer)
            )
            if reply is not None:
                return reply
        return problem(status, message)

    shared = {status: shared_response(api, status) for status in (404, 405)}

    def load_fixture(store: Store, data: dict[str, Any], ids: Ids, now: float) -> None:
        """``{resource: [record, ...]}`` for top-level resources."""
        for name, records in data.items():
            resource = api.model.resources.get(name)
            if resource is None or resource.scope_params:
                raise FixtureError(f"{name}: not a top-level resource of {document.api}")
            for record in records:
                key = record.get(resource.id_field) if resource.id_field else None
                if key is None:
                    key = ids.uuid()
                if isinstance(key, int):
                    ids.reserve(f"{document.api}:{resource.name}", key)
                store.put(resource.name, "", id_key(key), dict(record))

    published: dict[int, dict[str, Any]] = {}
    lock = threading.Lock()

    def publish(raw: dict[str, Any]) -> dict[str, Any]:
        with lock:
            if id(raw) not in published:
                published.clear()
                published[id(raw)] = with_links(api, raw)
            return published[id(raw)]

    return Vendor(
        slug=document.api,
        title=str((document.raw.get("info") or {}).get("title") or document.api),
        spec_file=document.path.name,
        operations=table,
        new_backend=new_backend,
        load_fixture=load_fixture,
        fixture_schema=fixture_schema(api),
        authenticate=authenticate,
        render_error=render_error,
        render_violations=render_violations,
        render_no_route=render_no_route,
        render_operation_error=render_operation_error,
        render_operation_violations=render_operation_violations,
        publish=publish,
        jobs=api.jobs(),
        status_operations=api.status_operations(),
        prune_state=lambda store, check: api.prune(store),
    )


def shared_response(api: GeneratedApi, status: int) -> str | None:
    """An operation whose ``status`` response at least half the document's operations share
    (one ``$ref``, or the same content): the API's own envelope for that status, which a
    request no operation serves is answered in. None if there is no such common response."""
    groups: dict[str, list[str]] = {}
    for op_id, plan in api.plans.items():
        response = plan.responses.get(str(status))
        if response is None:
            continue
        key = json.dumps(response, sort_keys=True, default=str)
        groups.setdefault(key, []).append(op_id)
    if not groups:
        return None
    largest = max(groups.values(), key=len)
    return largest[0] if 2 * len(largest) >= len(api.plans) else None


def fixture_schema(api: GeneratedApi) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for name, resource in api.model.resources.items():
        if resource.scope_params or resource.record_schema is None:
            continue
        properties[name] = {
            "type": "array",
            "items": {"$ref": f"{api.document.uri}#{resource.record_schema}"},
        }
    return {"type": "object", "properties": properties, "additionalProperties": False}
