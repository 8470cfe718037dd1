"""The declared rules as plain Python: drafts per parent, versions, tasks, idempotency.

State is one plain dict per world (``DeclaredState``), so snapshots, reset and dumps carry it
as they carry any backend data::

    drafts[family][parent]        the draft of a parent (a JSON object)
    versions[family][parent]      its published versions, oldest first
    tasks[name][id]               records async work moves through named states
    idempotency[operation][key]   the first answer to a key, and what the request was

Nothing here knows the document: a ``Shaper`` turns records into the replies an operation
documents (and makes new records from a request), so the rules can be tested on their own.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import orjson

from draftmock.declared.declarations import Async, Declaration
from draftmock.vendors._kit import Call, Context, Handler, Reply

JOB_KIND = "x-draftmock.async"


class Shaper(Protocol):
    """What the rules need from the document, per operation."""

    def new_record(self, operation_id: str, ctx: Context[Any], call: Call) -> dict[str, Any]:
        """A new record from the request body and the operation's success response schema."""
        ...

    def reply(self, operation_id: str, status: int, record: Any, ctx: Context[Any]) -> Reply:
        """``record`` (a JSON object, or a list of them) as the documented ``status`` reply."""
        ...

    def error(self, operation_id: str, status: int, message: str, ctx: Context[Any]) -> Reply:
        """The documented error ``status`` of the operation."""
        ...

    def success(self, operation_id: str) -> int:
        """The documented status a valid request is answered with."""
        ...

    def documents(self, operation_id: str, status: int) -> bool: ...

    def parent_exists(
        self, operation_id: str, parent: tuple[str, ...], ctx: Context[Any], call: Call
    ) -> bool:
        """Whether the parent a request names exists (True when that cannot be known)."""
        ...

    def new_id(
        self, operation_id: str, record: dict[str, Any], field: str, ctx: Context[Any]
    ) -> Any:
        """A fresh identifier for ``record[field]`` that the record's schema accepts."""
        ...


def state_of(backend: Any) -> dict[str, Any]:
    """The declared part of a backend (created on first use, plain data)."""
    state = getattr(backend, "declared", None)
    if state is None:
        raise TypeError("a backend that keeps declared state has a 'declared' dict")
    assert isinstance(state, dict)
    return state


def _bucket(state: dict[str, Any], *names: str) -> dict[str, Any]:
    node = state
    for name in names:
        node = node.setdefault(name, {})
    return node


def parent_key(declaration: Declaration, call: Call) -> str | None:
    """The parent a request names (its parameters joined), None if one is absent."""
    values: list[str] = []
    for name in declaration.parent:
        value = _parameter(call, name)
        if value is None:
            return None
        values.append(str(value))
    return "/".join(v.replace("/", "%2F") for v in values)


def _parameter(call: Call, name: str) -> Any:
    for source in (call.path, call.query):
        if name in source:
            return source[name]
    header = call.headers.get(name.lower())
    if header is not None:
        return header
    return call.body.get(name) if isinstance(call.body, dict) else None


class Rules:
    """One handler per declared operation, over a ``Shaper`` and each world's state."""

    def __init__(self, declarations: Mapping[str, Declaration], shaper: Shaper) -> None:
        self.declarations = dict(declarations)
        self.shaper = shaper

    # -- entry points ---------------------------------------------------------------------

    def handler(self, operation_id: str, generic: Handler) -> Handler:
        """The operation's handler: its declared rule (or ``generic``), under idempotency if
        declared."""
        declaration = self.declarations[operation_id]
        inner: Handler = generic
        if declaration.kind is not None:
            rule: Callable[[Declaration, Context[Any], Call], Reply] = getattr(
                self, f"_{declaration.kind}_{declaration.action}"
            )

            def inner(ctx: Context[Any], call: Call) -> Reply:
                missing = self._missing_parent(declaration, ctx, call)
                return missing if missing is not None else rule(declaration, ctx, call)

        if declaration.idempotency_header or declaration.idempotency_field:
            return self._idempotent(declaration, inner)
        return inner

    def status_operations(self) -> frozenset[str]:
        """Operations a client polls to watch declared async work."""
        return frozenset(
            op
            for op, d in self.declarations.items()
            if (d.kind == "draft" and d.action == "get")
            or d.kind == "versions"
            or (d.kind == "task" and d.action == "get")
        )

    def advance(self, ctx: Context[Any], payload: dict[str, Any]) -> None:
        """A job: the record moves to its next state (or the failed one) and, unless that was
        the last, the step after is scheduled."""
        declaration = self.declarations.get(str(payload.get("operation")))
        run = declaration.run if declaration else None
        record = _locate(state_of(ctx.backend), payload.get("where"))
        if declaration is None or run is None or record is None:
            return  # the record went away (draft deleted, state reset): nothing to move
        step = int(payload.get("step", 1))
        if record.get(run.field) != run.states[step - 1]:
            return  # not the record this job was scheduled for (replaced since)
        if ctx.failure is not None:
            if run.failed is not None:
                record[run.field] = run.failed
            return  # without a failed state declared, the record stays where it is
        record[run.field] = run.states[step]
        if step + 1 < len(run.states):
            _schedule(ctx, run, payload["where"], declaration, step + 1)

    # -- drafts ---------------------------------------------------------------------------

    def _draft_create(self, d: Declaration, ctx: Context[Any], call: Call) -> Reply:
        parent = parent_key(d, call)
        drafts = _bucket(state_of(ctx.backend), "drafts", str(d.family))
        if parent in drafts:
            if d.existing == "return":
                status = (
                    200
                    if self.shaper.documents(d.operation_id, 200)
                    else self.shaper.success(d.operation_id)
                )
                return self.shaper.reply(d.operation_id, status, drafts[parent], ctx)
            return self.shaper.error(
                d.operation_id, d.conflict_status, f"{parent} already has a draft", ctx
            )
        record = self.shaper.new_record(d.operation_id, ctx, call)
        drafts[str(parent)] = record
        return self._started(d, ctx, record, ["drafts", str(d.family), str(parent)], created=True)

    def _draft_get(self, d: Declaration, ctx: Context[Any], call: Call) -> Reply:
        parent, draft = self._draft(d, ctx, call)
        if draft is None:
            return self._missing(d, ctx, f"{parent} has no draft")
        return self.shaper.reply(d.operation_id, self.shaper.success(d.operation_id), draft, ctx)

    def _draft_update(self, d: Declaration, ctx: Context[Any], call: Call) -> Reply:
        parent, draft = self._draft(d, ctx, call)
        if draft is None:
            return self._missing(d, ctx, f"{parent} has no draft")
        changes = self.shaper.new_record(d.operation_id, ctx, call)
        body = call.body if isinstance(call.body, dict) else {}
        for name, value in body.items():
            if name in changes and changes[name] == value:  # declared, writable, valid
                draft[name] = value
        return self.shaper.reply(d.operation_id, self.shaper.success(d.operation_id), draft, ctx)

    def _draft_delete(self, d: Declaration, ctx: Context[Any], call: Call) -> Reply:
        parent, draft = self._draft(d, ctx, call)
        if draft is None:
            return self._missing(d, ctx, f"{parent} has no draft")
        del _bucket(state_of(ctx.backend), "drafts", str(d.family))[str(parent)]
        return self.shaper.reply(d.operation_id, self.shaper.success(d.operation_id), draft, ctx)

    def _draft_publish(self, d: Declaration, ctx: Context[Any], call: Call) -> Reply:
        parent, draft = self._draft(d, ctx, call)
        if draft is None:
            return self._missing(d, ctx, f"{parent} has no draft to publish")
        versions = _bucket(state_of(ctx.backend), "versions", str(d.family)).setdefault(
            str(parent), []
        )
        version = copy.deepcopy(draft)
        if d.version_field:
            version[d.version_field] = len(versions) + 1
        versions.append(version)
        if not d.keep_draft:
            del _bucket(state_of(ctx.backend), "drafts", str(d.family))[str(parent)]
        where = ["versions", str(d.family), str(parent), len(versions) - 1]
        return self._started(d, ctx, version, where)

    def _draft(
        self, d: Declaration, ctx: Context[Any], call: Call
    ) -> tuple[str | None, dict[str, Any] | None]:
        parent = parent_key(d, call)
        drafts = _bucket(state_of(ctx.backend), "drafts", str(d.family))
        return parent, drafts.get(str(parent)) if parent is not None else None

    # -- versions -------------------------------------------------------------------------

    def _versions_list(self, d: Declaration, ctx: Context[Any], call: Call) -> Reply:
        parent = parent_key(d, call)
        versions = _bucket(state_of(ctx.backend), "versions", str(d.family)).get(str(parent), [])
        return self.shaper.reply(
            d.operation_id, self.shaper.success(d.operation_id), list(versions), ctx
        )

    def _versions_get(self, d: Declaration, ctx: Context[Any], call: Call) -> Reply:
        parent = parent_key(d, call)
        versions = _bucket(state_of(ctx.backend), "versions", str(d.family)).get(str(parent), [])
        wanted = _parameter(call, str(d.number))
        try:
            number = int(str(wanted))
        except ValueError:
            number = 0
        if not 1 <= number <= len(versions):
            return self._missing(d, ctx, f"{parent} has no version {wanted}")
        return self.shaper.reply(
            d.operation_id, self.shaper.success(d.operation_id), versions[number - 1], ctx
        )

    # -- tasks ----------------------------------------------------------------------------

    def _task_start(self, d: Declaration, ctx: Context[Any], call: Call) -> Reply:
        record = self.shaper.new_record(d.operation_id, ctx, call)
        tasks = _bucket(state_of(ctx.backend), "tasks", str(d.family))
        task_id = self.shaper.new_id(d.operation_id, record, d.id_field, ctx)
        while str(task_id) in tasks:  # a schema that takes no fresh id: make one anyway
            task_id = f"{task_id}-{len(tasks) + 1}"
        record[d.id_field] = task_id
        tasks[str(task_id)] = record
        return self._started(d, ctx, record, ["tasks", str(d.family), str(task_id)])

    def _task_get(self, d: Declaration, ctx: Context[Any], call: Call) -> Reply:
        wanted = _parameter(call, str(d.task_id))
        task = _bucket(state_of(ctx.backend), "tasks", str(d.family)).get(str(wanted))
        if task is None:
            return self._missing(d, ctx, f"no {d.family} task {wanted}")
        return self.shaper.reply(d.operation_id, self.shaper.success(d.operation_id), task, ctx)

    # -- shared pieces --------------------------------------------------------------------

    def _started(
        self,
        d: Declaration,
        ctx: Context[Any],
        record: dict[str, Any],
        where: list[Any],
        created: bool = False,
    ) -> Reply:
        """The reply to an operation that made ``record`` (201 if documented for a creation):
        with async declared, the record enters its first state, the next one is scheduled and
        the answer is the 202."""
        run = d.run
        if run is None:
            status = self.shaper.success(d.operation_id)
            if created and self.shaper.documents(d.operation_id, 201):
                status = 201
            return self.shaper.reply(d.operation_id, status, record, ctx)
        record[run.field] = run.states[0]
        if len(run.states) > 1:
            _schedule(ctx, run, where, d, 1)
        return self.shaper.reply(d.operation_id, run.status, record, ctx)

    def _missing_parent(self, d: Declaration, ctx: Context[Any], call: Call) -> Reply | None:
        """The documented 404 (or missingStatus) for a parent that does not exist, where the
        operation documents it."""
        status = d.missing_status if d.action != "create" else 404
        if not d.parent or not self.shaper.documents(d.operation_id, status):
            return None
        if self.shaper.parent_exists(d.operation_id, d.parent, ctx, call):
            return None
        name = d.parent[-1]
        return self.shaper.error(
            d.operation_id, status, f"no parent {name} {_parameter(call, name)}", ctx
        )

    def _missing(self, d: Declaration, ctx: Context[Any], message: str) -> Reply:
        return self.shaper.error(d.operation_id, d.missing_status, message, ctx)

    def _idempotent(self, d: Declaration, inner: Handler) -> Handler:
        def handle(ctx: Context[Any], call: Call) -> Reply:
            key = (
                call.headers.get(d.idempotency_header.lower())
                if d.idempotency_header
                else (
                    call.body.get(str(d.idempotency_field)) if isinstance(call.body, dict) else None
                )
            )
            if key is None or key == "":
                return inner(ctx, call)
            seen = _bucket(state_of(ctx.backend), "idempotency", d.operation_id)
            fingerprint = _fingerprint(call, d.idempotency_field)
            key = _scoped(call.principal, str(key))
            first = seen.get(key)
            if first is not None:
                if first["fingerprint"] != fingerprint:
                    status = d.mismatch_status or _first_documented(self.shaper, d.operation_id)
                    return self.shaper.error(
                        d.operation_id,
                        status,
                        f"the idempotency key {key} was used with another request",
                        ctx,
                    )
                return Reply(
                    first["status"],
                    copy.deepcopy(first["body"]),
                    dict(first["headers"]),
                    first["media_type"],
                )
            reply = inner(ctx, call)
            if reply.status < 500 and not isinstance(reply.body, bytes | bytearray):
                seen[key] = {
                    "fingerprint": fingerprint,
                    "status": reply.status,
                    "body": copy.deepcopy(reply.body),
                    "headers": dict(reply.headers),
                    "media_type": reply.media_type,
                }
            return reply

        return handle


def _first_documented(shaper: Shaper, operation_id: str) -> int:
    return next((s for s in (409, 422, 400) if shaper.documents(operation_id, s)), 409)


def _scoped(principal: Any, key: str) -> str:
    """Keys are the caller's own: the same key from another credential is another key."""
    if principal is None:
        return key
    text = json.dumps(principal, sort_keys=True, default=str)
    return f"{hashlib.sha256(text.encode()).hexdigest()[:16]}:{key}"


def _fingerprint(call: Call, key_field: str | None) -> str:
    """What makes two requests "the same" for an idempotency key: parameters and body."""
    body = call.body
    if key_field and isinstance(body, dict):
        body = {k: v for k, v in body.items() if k != key_field}
    request = {"path": call.path, "query": call.query, "body": body}
    try:
        data = orjson.dumps(request, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    except TypeError:  # integers beyond 64 bits: the standard encoder writes them exactly
        data = json.dumps(request, sort_keys=True, default=str).encode()
    return hashlib.sha256(data).hexdigest()


def _locate(state: dict[str, Any], where: Any) -> dict[str, Any] | None:
    node: Any = state
    for part in where if isinstance(where, list) else []:
        in_object = isinstance(node, dict) and isinstance(part, str) and part in node
        in_array = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if not (in_object or in_array):
            return None
        node = node[part]
    return node if isinstance(node, dict) else None


def _schedule(ctx: Context[Any], run: Async, where: list[Any], d: Declaration, step: int) -> None:
    payload = {"operation": d.operation_id, "where": list(where), "step": step}
    delay = run.seconds if run.seconds is not None else ctx.settings.async_delay
    ctx.jobs.schedule(JOB_KIND, payload, delay=delay, polls=run.polls)
