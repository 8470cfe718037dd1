"""Generic handlers: one per operation, from its plan and the resource model.

An operation with a resource role (create, read, list, replace, update, delete) works on the
world's ``Store``; any other answers its documented success from the document's example (when it
validates) or a value generated from the schema. Every body is fitted to the schema of the
response it goes out in (an envelope is generated around a record, a list's array, totals and
paging fields are filled), and checked again by the server before it leaves.
"""

from __future__ import annotations

import copy
import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from draftmock.generated.errors import (
    documents_any,
    error_reply,
    error_slot,
    problem,
    required_headers,
)
from draftmock.generated.fitting import fit
from draftmock.generated.listing import page_of
from draftmock.generated.negotiation import negotiate
from draftmock.generated.resources import Resource, ResourceModel, Role, op_pointer
from draftmock.generated.shapes import (
    MediaSlot,
    concrete_media,
    deref,
    flag,
    is_json,
    join,
    object_view,
    ordered_media,
    ref_pointer,
    response_slot,
    schema_type,
    string_format,
)
from draftmock.generated.store import Store, id_key, scope_key
from draftmock.generated.values import Values
from draftmock.spec.media import is_yaml, render
from draftmock.spec.operations import OperationSite
from draftmock.spec.xml import is_xml, schema_node, to_xml_empty
from draftmock.vendors._kit import Call, Context, ContractGap, Handler, JobFunction, Reply

log = logging.getLogger("draftmock")

# Job kinds of asynchronous records (``Resource.lifecycle``): settle a status, remove a record.
SETTLE_JOB = "generated.settle"
REMOVE_JOB = "generated.remove"


@dataclass(frozen=True)
class Plan:
    """What the generic handler of one operation needs, computed once."""

    site: OperationSite
    pointer: str
    responses: dict[str, Any]
    status: int  # the documented status a valid request is answered with
    slot: MediaSlot | None  # that response
    role: Role | None

    @property
    def operation_id(self) -> str:
        return self.site.operation_id


_MEDIA_TYPE = re.compile(r"[\w!#$&^.+*-]+/[\w!#$&^.+*-]+")


def success_status(responses: dict[str, Any], action: str | None) -> tuple[int, str] | None:
    """(status, response key) a valid request gets: always one the operation documents."""
    keys = {str(k).upper(): str(k) for k in responses}
    explicit = sorted(int(k) for k in keys if k.isdigit())
    preferred = {"create": [201, 200], "delete": [204, 200, 202]}.get(action or "", [200, 201])
    for status in preferred:
        if str(status) in keys:
            return status, keys[str(status)]
    successes = [s for s in explicit if 200 <= s < 300]
    if successes:
        return successes[0], keys[str(successes[0])]
    if "2XX" in keys:
        return preferred[0], keys["2XX"]
    if "DEFAULT" in keys:
        return preferred[0], keys["DEFAULT"]
    others = [s for s in explicit if s < 400] or explicit
    if others:
        return others[0], keys[str(others[0])]
    for key, original in keys.items():
        if key.endswith("XX") and key[0].isdigit():
            return int(key[0]) * 100, original
    return None


def _malformed(values: Values, response: Any) -> bool:
    """Whether every media type a response declares is malformed (``PDF`` for
    ``application/pdf``): no Content-Type a reply could carry is one the document names."""
    _, node = (
        deref(values.document, ref_pointer(response["$ref"]))
        if _is_ref(response)
        else ("", response)
    )
    content = node.get("content") if isinstance(node, dict) else None
    if not isinstance(content, dict) or not content:
        return False
    return all(not _MEDIA_TYPE.fullmatch(str(media).split(";")[0].strip()) for media in content)


def _has_content(values: Values, response: Any) -> bool:
    _, node = (
        deref(values.document, ref_pointer(response["$ref"]))
        if _is_ref(response)
        else ("", response)
    )
    return isinstance(node, dict) and bool(node.get("content"))


def _is_ref(node: Any) -> bool:
    return isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"][:1] == "#"


def make_plan(values: Values, site: OperationSite, role: Role | None) -> Plan:
    pointer = op_pointer(site)
    _, responses = deref(values.document, join(pointer, "responses"))
    responses = responses if isinstance(responses, dict) else {}
    answerable = {k: v for k, v in responses.items() if not _malformed(values, v)}
    chosen = success_status(answerable or responses, role.action if role else None)
    # 204 carries no body: a range or default response that documents one answers 200; a 204
    # documenting one gives way to another documented success, else goes out without it.
    if chosen and chosen[0] == 204 and _has_content(values, responses[chosen[1]]):
        if chosen[1].upper() in ("2XX", "DEFAULT"):
            chosen = (200, chosen[1])
        else:
            others = {k: v for k, v in answerable.items() if str(k).upper() != chosen[1].upper()}
            other = success_status(others, role.action if role else None)
            if (
                other
                and 200 <= other[0] < 300
                and other[0] != 204
                and other[1].upper() != "DEFAULT"
            ):
                chosen = other
    if len(answerable) < len(responses) and answerable:
        log.warning(
            "%s: %s declare only malformed media types, no reply can honour them; answering %s",
            site.operation_id,
            ", ".join(str(k) for k in responses if k not in answerable),
            chosen[0] if chosen else "nothing",
        )
    slot = response_slot(values.document, pointer, chosen[1]) if chosen else None
    return Plan(site, pointer, responses, chosen[0] if chosen else 200, slot, role)


class GeneratedApi:
    """One served document: its plans, resource model and the generic handlers over them."""

    def __init__(
        self, api: str, values: Values, model: ResourceModel, plans: dict[str, Plan], mount: str
    ) -> None:
        self.api = api
        self.values = values
        self.document = values.document
        self.model = model
        self.plans = plans
        self.mount = mount
        self.gaps: dict[str, str] = {}  # operationId -> why its success cannot be generated
        # "operationId schema-pointer" -> its first valid example (or None)
        self._examples: dict[str, Any] = {}
        # (operationId, statuses, message) -> a rejection in an envelope of the caller's choice
        # (a built-in vendor's own), or None for the one the operation documents, generated.
        self.render_error: Callable[[str, Sequence[int], str], Reply | None] | None = None
        # Resources whose records another layer keeps (a built-in vendor's module creates
        # them): their children do not ask this store whether the parent exists.
        self.kept_elsewhere: frozenset[str] = frozenset()
        # A built-in vendor's values for a new record (``Vendor.generated_record``).
        self.vendor_record: Callable[[str, dict[str, Any], Call], dict[str, Any]] | None = None

    # -- handlers -----------------------------------------------------------------------------

    def handler(self, plan: Plan) -> Handler:
        role = plan.role
        action = role.action if role is not None else None
        resource = self.model.resources.get(role.resource) if role is not None else None
        run: Callable[[Plan, Context[Any], Call], Reply]
        if role is None or resource is None or resource.record_schema is None:
            run = lambda chosen, ctx, call: self.stateless(chosen, ctx)  # noqa: E731
        else:
            method: Callable[[Plan, Resource, Context[Store], Call], Reply] = getattr(
                self, f"_{action}"
            )
            run = lambda chosen, ctx, call: method(chosen, resource, ctx, call)  # noqa: E731

        def handle(ctx: Context[Any], call: Call) -> Reply:
            chosen = self._negotiated(plan, call.headers.get("accept"), ctx)
            return chosen if isinstance(chosen, Reply) else run(chosen, ctx, call)

        return handle

    def _negotiated(self, plan: Plan, accept: str | None, ctx: Context[Any]) -> Plan | Reply:
        """``plan`` answering in the documented media type ``Accept`` prefers. When it admits
        none of them: the documented 406 (or ``4XX``, ``default``); an operation that documents
        no such status answers as if ``Accept`` were absent (RFC 9110 §12.5.1 lets a server
        disregard it), as a status it does not document is never sent."""
        slot = plan.slot
        if not accept or slot is None or slot.media_type is None:
            return plan
        _, response = deref(self.document, slot.pointer)
        content = response.get("content") if isinstance(response, dict) else None
        if not isinstance(content, dict) or not content:
            return plan
        chosen = negotiate(ordered_media(content), accept)
        if chosen is None:
            if not self._documents(plan, 406):
                return plan
            listed = ", ".join(map(str, content))
            reason = f"Accept: {accept} admits none of {listed}"
            return self._error(plan, [406], reason, ctx, accept)
        if chosen == slot.media_type:
            return plan
        again = response_slot(self.document, plan.pointer, slot.status, media=chosen)
        return replace(plan, slot=again)

    def stateless(self, plan: Plan, ctx: Context[Any]) -> Reply:
        """The documented success, from a valid example or generated."""
        rng = self.values.rng(ctx)
        slot = plan.slot
        if slot is None:
            return Reply(plan.status, None)
        headers = required_headers(self.values, slot, rng)
        if slot.media_type is None or plan.status == 204:
            return Reply(plan.status, None, headers)
        media = concrete_media(slot.media_type)
        if slot.schema is None:
            return Reply(plan.status, _unschematic(media), headers, media)
        body = self._example(plan, slot.schema, slot.examples)
        if body is None:
            body = self._generated(plan, slot.schema, rng)
        return Reply(plan.status, self._as_media(body, media, slot.schema), headers, media)

    def _example(self, plan: Plan, schema: str, examples: tuple[Any, ...]) -> Any:
        """The first of the document's examples that validates (judged once per operation)."""
        key = f"{plan.operation_id} {schema}"
        if key not in self._examples:
            self._examples[key] = next(
                (copy.deepcopy(e) for e in examples if self.values.valid(schema, e)), None
            )
        return copy.deepcopy(self._examples[key])

    def _generated(self, plan: Plan, schema: str, rng: Any) -> Any:
        # The same draws whether or not the start-up look has found this gap yet: processes
        # sharing a store replay each other's requests, and must use the world's randomness
        # alike.
        for _ in range(3):
            value = self.values.generate(schema, rng)
            if self.values.valid(schema, value):
                return value
        known = self.gaps.get(plan.operation_id)
        if known is not None:
            raise ContractGap(f"{plan.operation_id}: {known}")
        reason = self.values.unsatisfiable(schema) or "no generated value validates"
        raise ContractGap(f"{plan.operation_id}: {plan.status}: {reason}")

    def check(self) -> dict[str, str]:
        """Every operation whose documented success no generated value satisfies (and no
        example of the document does): operationId -> why. Logged once; those operations
        answer the 500 diagnostic instead of anything off-spec."""
        for op_id, plan in self.plans.items():
            time.sleep(0.002)  # in the background: let requests take the interpreter first
            slot = plan.slot
            if slot is None or slot.schema is None or not _structured(slot):
                continue
            if any(self.values.valid(slot.schema, e) for e in slot.examples):
                continue
            reason = self.values.unsatisfiable(slot.schema)
            if reason is not None:
                self.gaps[op_id] = f"{plan.status}: {reason}"
        if self.gaps:
            listed = "; ".join(f"{op} ({why})" for op, why in sorted(self.gaps.items()))
            log.warning(
                "%s: %d operation(s) document a response no value can satisfy; they answer "
                "the 500 diagnostic: %s",
                self.api,
                len(self.gaps),
                listed,
            )
        return self.gaps

    def check_in_background(self) -> threading.Thread:
        thread = threading.Thread(target=self.check, name=f"draftmock-check-{self.api}")
        thread.daemon = True
        thread.start()
        return thread

    def prune(self, store: Store) -> list[str]:
        """Drop, and describe, the records of ``store`` this document no longer allows (after
        ``serve --watch`` rebuilt the API from a changed document): a record of a resource it
        no longer describes, or one its record schema now refuses. Records of a resource
        without a schema are kept."""
        dropped: list[str] = []
        for name, scope, key, record in list(store):
            resource = self.model.resources.get(name)
            if resource is None:
                reason = f"no resource '{name}' any more"
            elif resource.record_schema is None:
                continue
            else:
                try:
                    violations = self.values.validator(resource.record_schema).violations(record)
                except Exception as exc:  # an unresolvable schema: no record can be judged
                    log.debug("%s: %s not judged: %s", self.api, name, exc)
                    continue
                if not violations:
                    continue
                reason = f"no longer valid ({violations[0].describe()})"
            store.delete(name, scope, key)
            where = f"{scope}/" if scope else ""
            dropped.append(f"{name} {where}{key}: {reason}")
        return dropped

    # -- asynchronous records ------------------------------------------------------------------

    def jobs(self) -> dict[str, JobFunction]:
        """The job kinds asynchronous records schedule (none when no record has a lifecycle)."""
        if not any(r.lifecycle is not None for r in self.model.resources.values()):
            return {}
        return {SETTLE_JOB: self._settle, REMOVE_JOB: self._remove}

    def status_operations(self) -> frozenset[str]:
        """The reads of asynchronous records: what a client polls."""
        return frozenset(
            op_id
            for op_id, role in self.model.roles.items()
            if role.action == "read"
            and (resource := self.model.resources.get(role.resource)) is not None
            and resource.lifecycle is not None
        )

    def _settle(self, ctx: Context[Any], payload: dict[str, Any]) -> None:
        resource = self.model.resources.get(str(payload.get("resource")))
        scope, key = str(payload.get("scope")), str(payload.get("key"))
        record = ctx.backend.get(resource.name, scope, key) if resource is not None else None
        if resource is None or resource.lifecycle is None or record is None:
            return
        lifecycle = resource.lifecycle
        if record.get(lifecycle.member) != payload.get("from"):
            return  # moved on since (deleted, updated again)
        record = dict(record)
        failed = lifecycle.failed.get(str(payload.get("action")))
        record[lifecycle.member] = (
            failed if ctx.failure is not None and failed is not None else lifecycle.settled
        )
        ctx.backend.put(resource.name, scope, key, _touched(self, resource, record, ctx.now))

    def _remove(self, ctx: Context[Any], payload: dict[str, Any]) -> None:
        resource = self.model.resources.get(str(payload.get("resource")))
        scope, key = str(payload.get("scope")), str(payload.get("key"))
        record = ctx.backend.get(resource.name, scope, key) if resource is not None else None
        if resource is None or resource.lifecycle is None or record is None:
            return
        lifecycle = resource.lifecycle
        if ctx.failure is not None and "delete" in lifecycle.failed:
            ctx.backend.put(
                resource.name, scope, key, {**record, lifecycle.member: lifecycle.failed["delete"]}
            )
            return
        ctx.backend.delete(resource.name, scope, key)
        inner = "/".join(part for part in (scope, quote(key, safe="")) if part)
        for child in self.model.resources.values():
            if child.parent == resource.name:
                ctx.backend.drop_scope(child.name, inner)

    # -- resource actions -----------------------------------------------------------------------

    def _create(self, plan: Plan, resource: Resource, ctx: Context[Store], call: Call) -> Reply:
        scope, missing = self._scope(plan, resource, ctx, call)
        if missing is not None:
            return missing
        body = call.body if isinstance(call.body, dict) else {}
        rng = self.values.rng(ctx)
        record = self._record(resource, body, ctx, call, rng)
        key = id_key(record.get(resource.id_field)) if resource.id_field else ctx.ids.uuid()
        if ctx.backend.get(resource.name, scope, key) is not None and documents_any(
            {k: v for k, v in plan.responses.items() if str(k) == "409"}, [409]
        ):
            reason = f"{resource.name} {key} already exists"
            return self._error(plan, [409], reason, ctx, call.headers.get("accept"))
        record = _touched(self, resource, record, ctx.now, created=True)
        if resource.lifecycle is not None:
            _begin(ctx, resource, resource.lifecycle.creating, "create", scope, key, record)
        ctx.backend.put(resource.name, scope, key, record)
        headers = self._location(plan, resource, call, key)
        return self._respond(plan, record, ctx, headers)

    def _read(self, plan: Plan, resource: Resource, ctx: Context[Store], call: Call) -> Reply:
        found = self._find(plan, resource, ctx, call)
        if isinstance(found, Reply):
            return found
        return self._respond(plan, found[2], ctx)

    def _replace(self, plan: Plan, resource: Resource, ctx: Context[Store], call: Call) -> Reply:
        locator = plan.role.id_from if plan.role else None
        if locator is None:
            return self.stateless(plan, ctx)
        scope, key = self._address_by(resource, call, locator.location, locator.name)
        existing = ctx.backend.get(resource.name, scope, key)
        body = call.body if isinstance(call.body, dict) else {}
        rng = self.values.rng(ctx)
        if existing is None:
            creatable = "create" not in self.model.operations_of(resource.name)
            if not creatable and "201" not in plan.responses:
                return self._not_found(plan, resource, key, ctx, call)
            scope, missing = self._scope(plan, resource, ctx, call)
            if missing is not None:
                return missing
            record = self._record(resource, body, ctx, call, rng, key=call_id(plan, call))
            ctx.backend.put(resource.name, scope, key, record)
            status = 201 if "201" in plan.responses else plan.status
            return self._respond(plan, record, ctx, status=status)
        record = self._record(
            resource, body, ctx, call, rng, key=existing.get(resource.id_field or "")
        )
        for name, value in existing.items():
            if self._read_only(resource, name):
                record[name] = value
        record = _touched(self, resource, self._valid_record(resource, record, existing), ctx.now)
        if resource.lifecycle is not None and resource.lifecycle.updating is not None:
            _begin(ctx, resource, resource.lifecycle.updating, "update", scope, key, record)
        ctx.backend.put(resource.name, scope, key, record)
        return self._respond(plan, record, ctx)

    def _update(self, plan: Plan, resource: Resource, ctx: Context[Store], call: Call) -> Reply:
        found = self._find(plan, resource, ctx, call)
        if isinstance(found, Reply):
            return found
        scope, key, existing = found
        merged = dict(existing)
        merge_patch = "merge-patch" in call.headers.get("content-type", "")
        if isinstance(call.body, dict):
            for name, value in call.body.items():
                if name == resource.id_field or self._read_only(resource, name):
                    continue
                if value is None and merge_patch:
                    merged.pop(name, None)
                else:
                    merged[name] = value
        elif isinstance(call.body, list):
            merged = _json_patch(merged, call.body)
        merged = _touched(self, resource, self._valid_record(resource, merged, existing), ctx.now)
        if resource.lifecycle is not None and resource.lifecycle.updating is not None:
            _begin(ctx, resource, resource.lifecycle.updating, "update", scope, key, merged)
        ctx.backend.put(resource.name, scope, key, merged)
        return self._respond(plan, merged, ctx)

    def _delete(self, plan: Plan, resource: Resource, ctx: Context[Store], call: Call) -> Reply:
        found = self._find(plan, resource, ctx, call)
        if isinstance(found, Reply):
            return found
        scope, key, record = found
        lifecycle = resource.lifecycle
        if lifecycle is not None and lifecycle.deleting is not None:
            record = dict(record)
            _begin(ctx, resource, lifecycle.deleting, "delete", scope, key, record)
            ctx.backend.put(resource.name, scope, key, record)
            return self._respond(plan, record, ctx)
        ctx.backend.delete(resource.name, scope, key)
        inner = scope_key([*_scope_values(resource, call), key])
        for child in self.model.resources.values():
            if child.parent == resource.name:
                ctx.backend.drop_scope(child.name, inner)
        return self._respond(plan, record, ctx)

    def _list(self, plan: Plan, resource: Resource, ctx: Context[Store], call: Call) -> Reply:
        scope, missing = self._scope(plan, resource, ctx, call)
        if missing is not None:
            return missing
        records = ctx.backend.items(resource.name, scope)
        slot = plan.slot
        if slot is None or slot.schema is None or not _structured(slot):
            return self.stateless(plan, ctx)
        rng = self.values.rng(ctx)
        # Paging and filters from the query, or from the body (operationId-style APIs).
        query = {**(call.body if isinstance(call.body, dict) else {}), **call.query}
        body = page_of(self.values, slot.schema, resource, records, query, rng)
        if body is None or not self.values.valid(slot.schema, body):
            log.debug("%s: the stored records do not fit %s", self.api, plan.operation_id)
            return self.stateless(plan, ctx)
        headers = required_headers(self.values, slot, rng)
        media = concrete_media(slot.media_type or "")
        return Reply(plan.status, self._as_media(body, media, slot.schema), headers, media)

    # -- pieces ---------------------------------------------------------------------------------

    def _find(
        self, plan: Plan, resource: Resource, ctx: Context[Store], call: Call
    ) -> tuple[str, str, dict[str, Any]] | Reply:
        role = plan.role
        locator = role.id_from if role else None
        if locator is None:
            return self.stateless(plan, ctx)
        scope, key = self._address_by(resource, call, locator.location, locator.name)
        record = ctx.backend.get(resource.name, scope, key)
        if record is None:
            return self._not_found(plan, resource, key, ctx, call)
        return scope, key, record

    def _address_by(
        self, resource: Resource, call: Call, location: str, name: str
    ) -> tuple[str, str]:
        source = {"path": call.path, "query": call.query}.get(location)
        if source is None:
            source = call.body if isinstance(call.body, dict) else {}
        return scope_key(_scope_values(resource, call)), id_key(source.get(name))

    def _scope(
        self, plan: Plan, resource: Resource, ctx: Context[Store], call: Call
    ) -> tuple[str, Reply | None]:
        """The parent scope; a documented 404 when the parent could exist but does not."""
        values = _scope_values(resource, call)
        scope = scope_key(values)
        parent = self.model.resources.get(resource.parent) if resource.parent else None
        if parent is None or "create" not in self.model.operations_of(parent.name):
            return scope, None
        if parent.name in self.kept_elsewhere:
            return scope, None
        parent_scope = scope_key(values[:-1])
        if ctx.backend.get(parent.name, parent_scope, id_key(values[-1])) is not None:
            return scope, None
        if not self._documents(plan, 404):
            return scope, None
        reason = f"{parent.name} {values[-1]} not found"
        return scope, self._error(plan, [404], reason, ctx, call.headers.get("accept"))

    def _not_found(
        self, plan: Plan, resource: Resource, key: str, ctx: Context[Any], call: Call
    ) -> Reply:
        if self._documents(plan, 404):
            reason = f"{resource.name} {key} not found"
            return self._error(plan, [404], reason, ctx, call.headers.get("accept"))
        return self.stateless(plan, ctx)  # nothing documented for it: answer as a stateless mock

    def _documents(self, plan: Plan, status: int) -> bool:
        """Whether the operation documents an error for ``status``: by code, class or default, or
        a client error named for it (AWS' ``481: ResourceNotFoundException`` for 404)."""
        return documents_any(plan.responses, [status]) or (
            error_slot(self.values, plan.pointer, plan.responses, [status]) is not None
        )

    def _error(
        self,
        plan: Plan,
        statuses: list[int],
        message: str,
        ctx: Context[Any],
        accept: str | None,
    ) -> Reply:
        if self.render_error is not None:
            chosen = self.render_error(plan.operation_id, statuses, message)
            if chosen is not None:
                return chosen
        reply = error_reply(
            self.values,
            plan.pointer,
            plan.responses,
            statuses,
            message,
            self.values.rng(ctx),
            accept=accept,
        )
        return reply if reply is not None else problem(statuses[0], message)

    def _record(
        self,
        resource: Resource,
        body: dict[str, Any],
        ctx: Context[Store],
        call: Call,
        rng: Any,
        key: Any = None,
    ) -> dict[str, Any]:
        """A new record: generated in full (readOnly fields too), what the client sent on top,
        a server-assigned identifier unless the client may choose it."""
        schema = resource.record_schema or ""
        generated = self.values.generate(schema, rng, name=resource.name)
        record: dict[str, Any] = dict(generated) if isinstance(generated, dict) else {}
        view = object_view(self.document, schema)
        for name, value in body.items():
            if view is not None and view.closed and name not in view.properties:
                continue
            if (
                view is not None
                and name in view.properties
                and flag(self.document, view.properties[name], "writeOnly")
            ):
                continue
            record[name] = value
        if view is not None:
            for name in list(record):
                if name in view.properties and flag(
                    self.document, view.properties[name], "writeOnly"
                ):
                    record.pop(name)
            for param, value in zip(
                resource.scope_params, _scope_values(resource, call), strict=True
            ):
                if param in view.properties and param != resource.id_field:
                    record[param] = value
        if resource.id_field:
            if key is not None:
                record[resource.id_field] = key
            elif resource.id_field not in body or self._read_only(resource, resource.id_field):
                record[resource.id_field] = self._new_id(resource, ctx, rng)
        if self.vendor_record is not None:
            refined = self.vendor_record(resource.name, record, call)
            field = resource.id_field or ""
            chosen = refined.get(field)
            if chosen == record.get(field) or (
                resource.id_schema is not None and self.values.valid(resource.id_schema, chosen)
            ):  # a vendor's identifier that breaks the document's shape is not taken
                record = refined
        return self._valid_record(
            resource, record, generated if isinstance(generated, dict) else {}
        )

    def _valid_record(
        self, resource: Resource, record: dict[str, Any], fallback: dict[str, Any]
    ) -> dict[str, Any]:
        """``record``, with members that break the record schema taken back from ``fallback``."""
        schema = resource.record_schema
        if schema is None:
            return record
        for _ in range(4):
            violations = self.values.validator(schema).violations(record)
            if not violations:
                return record
            record = dict(record)
            for violation in violations:
                if not violation.loc:
                    return record
                name = violation.loc[0]
                if name == resource.id_field:
                    continue
                if name in fallback:
                    record[str(name)] = fallback[str(name)]
                else:
                    record.pop(str(name), None)
        return record

    def _new_id(self, resource: Resource, ctx: Context[Store], rng: Any) -> Any:
        schema = resource.id_schema
        kind = schema_type(self.document, schema) if schema else "string"
        if kind in ("integer", "number"):
            return ctx.ids.next_int(f"{self.api}:{resource.name}")
        fmt = string_format(self.document, schema) if schema else None
        if fmt == "uuid" or schema is None:
            return ctx.ids.uuid()
        _, node = deref(self.document, schema)
        if isinstance(node, dict) and ("pattern" in node or "enum" in node or fmt):
            for _ in range(8):
                value = self.values.generate(schema, rng, name=resource.id_field)
                if ctx.backend.get(resource.name, "", id_key(value)) is None:
                    return value
        return ctx.ids.uuid()

    def _aliased(self, plan: Plan, schema: str, record: dict[str, Any]) -> dict[str, Any]:
        """``record`` with its identifier also under the name the operation addresses it by
        (``memoryId`` for a record whose ``id`` it is), for a reply whose schema names it so."""
        role = plan.role
        locator = role.id_from if role is not None else None
        resource = self.model.resources.get(role.resource) if role is not None else None
        if locator is None or resource is None or resource.id_field is None:
            return record
        if locator.name in record or resource.id_field not in record:
            return record
        view = object_view(self.document, schema)
        if view is None or locator.name not in view.properties:
            return record
        return {**record, locator.name: record[resource.id_field]}

    def _read_only(self, resource: Resource, name: str) -> bool:
        view = object_view(self.document, resource.record_schema or "")
        if view is None or name not in view.properties:
            return False
        return flag(self.document, view.properties[name], "readOnly")

    def _location(self, plan: Plan, resource: Resource, call: Call, key: str) -> dict[str, str]:
        if plan.slot is None or not any(h.lower() == "location" for h in plan.slot.headers):
            return {}
        if resource.item_path is None:
            return {}
        path = resource.item_path
        for name, value in call.path.items():
            path = path.replace("{" + name + "}", quote(str(value), safe=""))
        path = path[: path.rfind("{")] + quote(key, safe="") if "{" in path else path
        host = call.headers.get("host", "localhost")
        return {"location": f"http://{host}{self.mount}{path}"}

    def _respond(
        self,
        plan: Plan,
        record: dict[str, Any],
        ctx: Context[Any],
        headers: dict[str, str] | None = None,
        status: int | None = None,
    ) -> Reply:
        status = status or plan.status
        slot = plan.slot
        if status != plan.status:
            key = next((k for k in plan.responses if str(k) == str(status)), None)
            slot = response_slot(self.document, plan.pointer, key) if key else slot
        rng = self.values.rng(ctx)
        if slot is None:
            return Reply(status, None, headers or {})
        all_headers = {**required_headers(self.values, slot, rng), **(headers or {})}
        if slot.media_type is None or status == 204:
            return Reply(status, None, all_headers)
        media = concrete_media(slot.media_type)
        if slot.schema is None or not _structured(slot):
            return Reply(status, self._as_media(record, media, slot.schema), all_headers, media)
        body = fit(self.values, slot.schema, self._aliased(plan, slot.schema, record), rng)
        if body is None:
            body = self._generated(plan, slot.schema, rng)
        return Reply(status, self._as_media(body, media, slot.schema), all_headers, media)

    def _as_media(self, value: Any, media: str, schema: str | None) -> Any:
        """``value`` (valid against ``schema``) as a body of ``media``: as it is for JSON, XML
        written by the schema's ``xml`` objects, YAML, text as a string, anything else empty."""
        return render(self.document, schema_node(self.document, schema), value, media)


def _begin(
    ctx: Context[Any],
    resource: Resource,
    status: str,
    action: str,
    scope: str,
    key: str,
    record: dict[str, Any],
) -> None:
    """Put ``record`` in ``status`` now and schedule where it ends: settled, or removed."""
    lifecycle = resource.lifecycle
    assert lifecycle is not None
    record[lifecycle.member] = status
    payload = {"resource": resource.name, "scope": scope, "key": key, "from": status}
    kind = REMOVE_JOB if action == "delete" else SETTLE_JOB
    ctx.jobs.schedule(kind, {**payload, "action": action}, delay=ctx.settings.async_delay)


def _touched(
    api: GeneratedApi, resource: Resource, record: dict[str, Any], now: float, created: bool = False
) -> dict[str, Any]:
    """``record`` with the members that say when it was updated (and, ``created``, created)
    set to ``now``, in their schema's type (epoch seconds, or an RFC 3339 ``date-time``)."""
    view = object_view(api.document, resource.record_schema or "")
    if view is None:
        return record
    names = _UPDATED + (_CREATED if created else ())
    for name, pointer in view.properties.items():
        if name.lower().replace("_", "") not in names:
            continue
        kind = schema_type(api.document, pointer)
        if kind == "number":
            record[name] = now
        elif kind == "integer":
            record[name] = int(now)
        elif kind == "string" and string_format(api.document, pointer) == "date-time":
            stamp = datetime.fromtimestamp(now, tz=UTC).isoformat(timespec="milliseconds")
            record[name] = stamp.replace("+00:00", "Z")
    return record


_CREATED: tuple[str, ...] = (
    "createdat",
    "createdtime",
    "creationtime",
    "createtime",
    "creationdate",
    "created",
)
_UPDATED: tuple[str, ...] = (
    "updatedat",
    "lastupdatedat",
    "lastupdatedtime",
    "updatedtime",
    "lastmodifiedtime",
)
_UPDATED += ("updated", "modifiedat", "lastmodified", "lastmodifiedat")


def call_id(plan: Plan, call: Call) -> Any:
    locator = plan.role.id_from if plan.role else None
    if locator is None:
        return None
    source = {"path": call.path, "query": call.query}.get(locator.location)
    if source is None:
        source = call.body if isinstance(call.body, dict) else {}
    return source.get(locator.name)


def _scope_values(resource: Resource, call: Call) -> list[Any]:
    return [call.path.get(name) for name in resource.scope_params]


def _structured(slot: MediaSlot) -> bool:
    """JSON, XML or YAML: a body built as a value of its schema (written out at the end)."""
    media = slot.media_type
    return media is not None and (is_json(media) or is_xml(media) or is_yaml(media))


def _unschematic(media: str) -> Any:
    if is_json(media):
        return {}
    return to_xml_empty() if is_xml(media) else ""


def _json_patch(record: dict[str, Any], operations: list[Any]) -> dict[str, Any]:
    """Top-level JSON Patch operations (add, replace, remove) on a record."""
    result = dict(record)
    for operation in operations:
        if not isinstance(operation, dict):
            continue
        path = str(operation.get("path", ""))
        name = path[1:].split("/")[0].replace("~1", "/").replace("~0", "~")
        if not name:
            continue
        if operation.get("op") in ("add", "replace"):
            result[name] = operation.get("value")
        elif operation.get("op") == "remove":
            result.pop(name, None)
    return result
