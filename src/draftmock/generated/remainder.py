"""A built-in vendor serving its whole document: its module's operations, the rest generated.

A vendor module implements the operations it knows (datasets, drafts, ...); its document
describes many more. ``with_remainder`` composes the two into one ``Vendor``:

- the module keeps every operation it has a handler for, exactly as before;
- every other operation gets the generated tier's handler (inferred resources, generic
  create/read/list/update/delete, generated values; declared ``x-draftmock`` rules if the
  document carries them), run on a ``Store`` of the caller's tenant;
- the vendor's own authentication (its security rule, rate limit) admits every request, and
  its error envelope answers wherever the operation documents it (otherwise the error the
  operation documents, generated);
- the generated records live in the vendor's backend, ``backend.generated[tenant]`` (a plain
  dict of ``Store``), beside the vendor's own model: snapshots, reset, the durable store's
  replay and the state codec see one backend, as before.

A vendor opts in with ``Vendor.tenant_of`` (the tenant key of a principal) and a ``generated``
field on its backend (``dict[str, Any]``, empty when new). Fixtures may hold generated records
under ``records: {tenant: {resource: [record, ...]}}``.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Sequence
from typing import Any

from draftmock.errors import ConfigError, FixtureError
from draftmock.generated.errors import error_slot
from draftmock.generated.handlers import GeneratedApi
from draftmock.generated.store import Store, id_key
from draftmock.generated.vendor import fixture_schema as generated_fixture_schema
from draftmock.ids import Ids
from draftmock.jobs import Job
from draftmock.spec.schema import Violation
from draftmock.vendors._kit import (
    Call,
    Context,
    Handler,
    JobFunction,
    Jobs,
    OperationTable,
    Reply,
    SchemaCheck,
    Vendor,
    VendorError,
)

# The job payload member naming the tenant whose store a declared job works on.
TENANT = "__tenant"
# The fixture member holding generated records, by tenant and resource.
RECORDS = "records"


def records_of(backend: Any) -> dict[str, Store]:
    """The vendor backend's generated records, by tenant."""
    found = getattr(backend, "generated", None)
    if not isinstance(found, dict):
        raise TypeError(f"{type(backend).__name__} keeps no generated records (a `generated` dict)")
    return found


def tenant_store(backend: Any, tenant: str) -> Store:
    stores = records_of(backend)
    store = stores.get(tenant)
    if store is None:
        store = stores[tenant] = Store()
    return store


class _TenantJobs(Jobs):
    """The scheduler as a generated handler sees it: each job remembers its tenant."""

    __slots__ = ("_tenant",)

    def __init__(self, inner: Jobs, tenant: str) -> None:
        for name in Jobs.__slots__:
            setattr(self, name, getattr(inner, name))
        self._tenant = tenant

    def schedule(self, kind: str, payload: dict[str, Any], **options: Any) -> Job:
        return super().schedule(kind, {**payload, TENANT: self._tenant}, **options)


def with_remainder(vendor: Vendor[Any], generated: Vendor[Store], api: GeneratedApi) -> Vendor[Any]:
    """``vendor`` serving every operation of its document: its own handlers, and
    ``generated``'s (built over ``api`` from the same document) for the rest."""
    tenant_of = vendor.tenant_of
    if tenant_of is None:
        raise ConfigError(f"{vendor.slug}: the vendor names no tenant (Vendor.tenant_of)")
    own = dict(vendor.operations.handlers)
    unknown = sorted(set(own) - set(api.plans))
    if unknown:
        raise ConfigError(
            f"{vendor.slug}: the module implements {', '.join(unknown)}, which "
            f"{api.document.path.name} does not document"
        )
    remainder = sorted(set(api.plans) - set(own))
    values = api.values

    def scoped(handler: Handler) -> Handler:
        def handle(ctx: Context[Any], call: Call) -> Reply:
            tenant = tenant_of(call.principal)
            inner = dataclasses.replace(
                ctx,
                backend=tenant_store(ctx.backend, tenant),
                jobs=_TenantJobs(ctx.jobs, tenant),
            )
            return handler(inner, call)

        return handle

    table = OperationTable()
    table.handlers.update(own)
    for op_id in remainder:
        table.handlers[op_id] = scoped(generated.operations.handlers[op_id])

    def job(function: JobFunction) -> JobFunction:
        def run(ctx: Context[Any], payload: dict[str, Any]) -> None:
            tenant = str(payload.get(TENANT, ""))
            function(dataclasses.replace(ctx, backend=tenant_store(ctx.backend, tenant)), payload)

        return run

    clashes = sorted(set(vendor.jobs) & set(generated.jobs))
    if clashes:
        raise ConfigError(f"{vendor.slug}: job kinds {', '.join(clashes)} are declared twice")

    def fits(op_id: str, reply: Reply) -> bool:
        """Is the vendor's own reply what this generated operation documents?"""
        plan = api.plans[op_id]
        found = error_slot(values, plan.pointer, plan.responses, [reply.status])
        if found is None or found[0] != reply.status:  # documented under another code only
            return False
        slot = found[1]
        if slot.media_type is None:
            return reply.body is None
        return slot.schema is None or values.valid(slot.schema, reply.body)

    def own_error(op_id: str, error: VendorError, request_id: str, accept: str | None) -> Reply:
        if vendor.render_operation_error is not None:
            return vendor.render_operation_error(op_id, error, request_id, accept)
        return vendor.render_error(error, request_id)

    def render_operation_error(
        op_id: str, error: VendorError, request_id: str, accept: str | None
    ) -> Reply:
        """The vendor's error where the operation documents it, otherwise the documented
        error generated (or, documenting none, the mock's own marked refusal)."""
        if op_id in own:  # the module's operations answer exactly as it renders them,
            reply = own_error(op_id, error, request_id, accept)
            plan = api.plans[op_id]
            found = error_slot(values, plan.pointer, plan.responses, [reply.status])
            if found is not None and found[0] == reply.status and found[1].media_type is None:
                reply = Reply(reply.status, None, reply.headers)  # where documented bodiless
            return reply
        reply = vendor.render_error(error, request_id)
        if fits(op_id, reply):
            return reply
        assert generated.render_operation_error is not None
        return generated.render_operation_error(op_id, error, request_id, accept)

    def render_operation_violations(
        op_id: str, violations: list[Violation], request_id: str, accept: str | None
    ) -> Reply:
        if op_id in own:
            if vendor.render_operation_violations is not None:
                return vendor.render_operation_violations(op_id, violations, request_id, accept)
            return vendor.render_violations(violations, request_id)
        reply = vendor.render_violations(violations, request_id)
        if fits(op_id, reply):
            return reply
        statuses = [400, 422]
        if all(v.loc[:1] == ("path",) for v in violations):
            statuses.append(404)  # no record has an identifier like that
        message = "; ".join(v.describe() for v in violations[:5])
        enveloped = vendor_envelope(op_id, statuses, message)
        if enveloped is not None:
            return enveloped
        assert generated.render_operation_violations is not None
        return generated.render_operation_violations(op_id, violations, request_id, accept)

    def vendor_envelope(op_id: str, statuses: Sequence[int], message: str) -> Reply | None:
        """A generic handler's rejection (404, 409) in the vendor's envelope, if documented."""
        for status in statuses:
            reply = vendor.render_error(VendorError(message, status=status), "")
            if fits(op_id, reply):
                return reply
        return None

    api.render_error = vendor_envelope
    api.vendor_record = vendor.generated_record
    api.kept_elsewhere = frozenset(
        name
        for name in api.model.resources
        if any(op in own for op in api.model.operations_of(name).values())
    )

    precheck = vendor.precheck

    def only_own_precheck(ctx: Context[Any], op_id: str, path: dict[str, Any], who: Any) -> None:
        if precheck is not None and op_id in own:
            precheck(ctx, op_id, path, who)

    def load_fixture(backend: Any, data: dict[str, Any], ids: Ids, now: float) -> None:
        data = dict(data)
        by_tenant = data.pop(RECORDS, None) or {}
        vendor.load_fixture(backend, data, ids, now)
        for tenant, resources in by_tenant.items():
            store = tenant_store(backend, str(tenant))
            for name, records in resources.items():
                resource = api.model.resources.get(name)
                if resource is None or resource.scope_params:
                    raise FixtureError(f"{RECORDS}.{tenant}.{name}: not a top-level resource")
                for record in records:
                    key = record.get(resource.id_field) if resource.id_field else None
                    if key is None:
                        key = ids.uuid()
                    if isinstance(key, int):
                        ids.reserve(f"{api.api}:{resource.name}", key)
                    store.put(resource.name, "", id_key(key), copy.deepcopy(record))

    vendor_prune = vendor.prune_state

    def prune_state(backend: Any, check: SchemaCheck) -> list[str]:
        dropped = vendor_prune(backend, check) if vendor_prune is not None else []
        for tenant, store in records_of(backend).items():
            dropped.extend(f"{line} (tenant {tenant})" for line in api.prune(store))
        return dropped

    schema = copy.deepcopy(vendor.fixture_schema)
    schema.setdefault("properties", {})[RECORDS] = {
        "type": "object",
        "additionalProperties": generated_fixture_schema(api),
    }
    return dataclasses.replace(
        vendor,
        operations=table,
        jobs={**vendor.jobs, **{kind: job(f) for kind, f in generated.jobs.items()}},
        status_operations=vendor.status_operations | (generated.status_operations - frozenset(own)),
        precheck=only_own_precheck if precheck is not None else None,
        render_operation_error=render_operation_error,
        render_operation_violations=render_operation_violations,
        load_fixture=load_fixture,
        fixture_schema=schema,
        prune_state=prune_state,
    )
