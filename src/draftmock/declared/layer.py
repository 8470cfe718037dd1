"""Declared rules in front of the generated handlers: the layer ``serve DOC`` puts on a vendor.

``with_declarations`` reads the document's ``x-draftmock`` blocks (refusing a bad one), and
returns the generated vendor with the declared operations' handlers replaced (or, for
idempotency alone, wrapped), the async job registered and the declared reads counted as status
polls. ``DocumentShaper`` gives the rules the document's view: new records generated from the
operation's success schema with the request on top, replies fitted to the documented response
of the status answered, errors in the operation's documented envelope.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from draftmock.declared.declarations import documented, read_declarations
from draftmock.declared.rules import JOB_KIND, Rules
from draftmock.errors import ConfigError
from draftmock.generated.errors import error_reply, problem, required_headers
from draftmock.generated.fitting import fit
from draftmock.generated.handlers import GeneratedApi, Plan
from draftmock.generated.shapes import (
    MediaSlot,
    concrete_media,
    flag,
    object_view,
    response_slot,
    schema_type,
)
from draftmock.generated.store import Store, id_key, scope_key
from draftmock.spec.document import Document
from draftmock.vendors._kit import Call, Context, ContractGap, OperationTable, Reply, Vendor

log = logging.getLogger("draftmock")
_TOTALS = ("total", "count", "totalCount", "total_count", "totalItems", "total_items")


def with_declarations(
    vendor: Vendor[Store], document: Document, api: GeneratedApi
) -> Vendor[Store]:
    """``vendor`` (built over ``api``) with the document's declared behaviour; ``vendor`` itself
    if it declares none."""
    declarations = read_declarations(document.raw)
    if not declarations:
        return vendor
    unknown = sorted(set(declarations) - set(api.plans))
    if unknown:
        raise ConfigError(f"{document.path.name}: x-draftmock on operations not served: {unknown}")
    rules = Rules(declarations, DocumentShaper(api))
    table = OperationTable()
    table.handlers.update(vendor.operations.handlers)
    for op_id in declarations:
        table.handlers[op_id] = rules.handler(op_id, vendor.operations.handlers[op_id])
    log.info("%s: declared behaviour on %s", document.api, ", ".join(sorted(declarations)))
    return dataclasses.replace(
        vendor,
        operations=table,
        jobs={**vendor.jobs, JOB_KIND: rules.advance},
        status_operations=vendor.status_operations | rules.status_operations(),
    )


class DocumentShaper:
    """The rules' view of one served document (see ``rules.Shaper``)."""

    def __init__(self, api: GeneratedApi) -> None:
        self.api = api
        self.values = api.values
        self.document = api.document

    def _plan(self, operation_id: str) -> Plan:
        return self.api.plans[operation_id]

    def success(self, operation_id: str) -> int:
        return self._plan(operation_id).status

    def documents(self, operation_id: str, status: int) -> bool:
        return documented(self._plan(operation_id).responses, status)

    def parent_exists(
        self, operation_id: str, parent: tuple[str, ...], ctx: Context[Any], call: Call
    ) -> bool:
        """False only when the parent is an inferred resource the API creates, and the world
        holds no such record (so a draft of a notebook that was never made is a 404)."""
        if not parent or parent[-1] not in call.path:
            return True
        path = self._plan(operation_id).site.path
        for resource in self.api.model.resources.values():
            item = resource.item_path
            if (
                item is None
                or not item.endswith("{" + parent[-1] + "}")
                or not path.startswith(item)
                or "create" not in self.api.model.operations_of(resource.name)
            ):
                continue
            scope = scope_key(call.path.get(name) for name in resource.scope_params)
            key = id_key(call.path.get(parent[-1]))
            return ctx.backend.get(resource.name, scope, key) is not None
        return True

    def _slot(self, plan: Plan, status: int) -> MediaSlot | None:
        keys = {str(k).upper(): str(k) for k in plan.responses}
        for candidate in (str(status), f"{str(status)[0]}XX", "DEFAULT"):
            if candidate in keys:
                return response_slot(self.document, plan.pointer, keys[candidate])
        return None

    def new_record(self, operation_id: str, ctx: Context[Any], call: Call) -> dict[str, Any]:
        """Generated from the success response's schema; the request's members (and path
        parameters of the same name) on top, unless readOnly; kept valid."""
        plan = self._plan(operation_id)
        slot = plan.slot
        schema = slot.schema if slot is not None else None
        if schema is None:
            return dict(call.body) if isinstance(call.body, dict) else {}
        rng = self.values.rng(ctx)
        generated = self.values.generate(schema, rng)
        record: dict[str, Any] = dict(generated) if isinstance(generated, dict) else {}
        view = object_view(self.document, schema)
        body = call.body if isinstance(call.body, dict) else {}
        for name, value in [*body.items(), *call.path.items()]:
            if view is not None:
                if name not in view.properties:
                    if view.closed or view.properties:
                        continue  # only what the record declares (not a client token)
                elif flag(self.document, view.properties[name], "readOnly"):
                    continue
            record[name] = value
        return self._valid(schema, record, record_fallback(generated))

    def new_id(
        self, operation_id: str, record: dict[str, Any], field: str, ctx: Context[Any]
    ) -> Any:
        """A fresh identifier for ``record[field]``: the next integer of a sequence for an
        integer id, otherwise a UUID if the schema takes one, otherwise a generated value."""
        slot = self._plan(operation_id).slot
        schema = slot.schema if slot is not None else None
        view = object_view(self.document, schema) if schema else None
        pointer = view.properties.get(field) if view is not None else None
        if pointer is not None and schema_type(self.document, pointer) == "integer":
            return ctx.ids.next_int(f"{self.api.api}:{operation_id}:{field}")
        candidate = ctx.ids.uuid()
        if schema is None or self.values.valid(schema, {**record, field: candidate}):
            return candidate
        return record.get(field, candidate)

    def _valid(
        self, schema: str, record: dict[str, Any], fallback: dict[str, Any]
    ) -> dict[str, Any]:
        for _ in range(4):
            violations = self.values.validator(schema).violations(record)
            if not violations:
                break
            record = dict(record)
            for violation in violations:
                if not violation.loc:
                    return record
                name = str(violation.loc[0])
                if name in fallback:
                    record[name] = fallback[name]
                else:
                    record.pop(name, None)
        return record

    def reply(self, operation_id: str, status: int, record: Any, ctx: Context[Any]) -> Reply:
        plan = self._plan(operation_id)
        slot = self._slot(plan, status)
        if slot is None:
            return Reply(status, None)
        rng = self.values.rng(ctx)
        headers = required_headers(self.values, slot, rng)
        if slot.media_type is None or status == 204:
            return Reply(status, None, headers)
        media = concrete_media(slot.media_type)
        if slot.schema is None:
            return Reply(status, record, headers, media)
        if isinstance(record, list):
            body = self._list(slot.schema, record, rng)
        else:
            body = fit(self.values, slot.schema, record, rng)
        if body is None:
            raise ContractGap(
                f"{operation_id}: the declared record does not fit the {status} response's schema"
            )
        return Reply(status, body, headers, media)

    def _list(self, schema: str, records: list[Any], rng: Any) -> Any:
        """The records as the list response: the array itself, or in an envelope's array with
        its totals filled."""
        if schema_type(self.document, schema) == "array":
            return records if self.values.valid(schema, records) else None
        view = object_view(self.document, schema)
        if view is None:
            return None
        generated = self.values.generate(schema, rng)
        body: dict[str, Any] = dict(generated) if isinstance(generated, dict) else {}
        arrays = [n for n, p in view.properties.items() if schema_type(self.document, p) == "array"]
        if len(arrays) != 1:
            return None
        body[arrays[0]] = records
        for name in _TOTALS:
            if name in view.properties:
                body[name] = len(records)
        for name in ("next", "nextToken", "next_cursor", "nextCursor", "cursor", "nextPage"):
            if name in body:  # every version is on this page: no next one, where optional
                candidate = {k: v for k, v in body.items() if k != name}
                if self.values.valid(schema, candidate):
                    body = candidate
        return body if self.values.valid(schema, body) else None

    def error(self, operation_id: str, status: int, message: str, ctx: Context[Any]) -> Reply:
        plan = self._plan(operation_id)
        reply = error_reply(
            self.values, plan.pointer, plan.responses, [status], message, self.values.rng(ctx)
        )
        return reply if reply is not None else problem(status, message)


def record_fallback(generated: Any) -> dict[str, Any]:
    return dict(generated) if isinstance(generated, dict) else {}
