"""``x-draftmock`` blocks: read from a document's operations, checked, and refused with a pointer.

Each operation may carry one block naming what it does (the vocabulary is in
``docs/declaring-behaviour.md`` and in ``BLOCK_SCHEMA`` below):

``draft``        one draft per parent: create (a second one answers the documented 409, or with
                 ``existing: return`` the draft there is), get, update, delete, publish (the draft
                 becomes version N+1)
``versions``     the published versions of a parent: list, get by number
``task``         a record that async work moves through named states: start, get
``async``        with ``draft: create``, ``draft: publish`` or ``task: start``: answer 202 and move
                 a status field through ``states`` on the virtual clock or after N polls
``idempotency``  a key (header or body field) replays the first answer; the same key with another
                 request answers the documented mismatch status

A block is checked twice at start-up: against ``BLOCK_SCHEMA`` (shape), then against the document
(the parameters it names exist, the statuses it answers are documented, the states it moves
through are allowed by the schema, a family read is also created). Either failure stops start-up
with the operation and the JSON pointer of the offending member.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator

from draftmock.errors import ConfigError

KEY = "x-draftmock"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

_PARENT = {
    "oneOf": [
        {"type": "string", "minLength": 1},
        {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
    ]
}
_STATUS = {"type": "integer", "minimum": 100, "maximum": 599}
BLOCK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "draft": {
            "type": "object",
            "additionalProperties": False,
            "required": ["action", "parent"],
            "properties": {
                "action": {"enum": ["create", "get", "update", "delete", "publish"]},
                "parent": _PARENT,
                "family": {"type": "string", "minLength": 1},
                "existing": {"enum": ["conflict", "return"]},
                "conflictStatus": _STATUS,
                "missingStatus": _STATUS,
                "versionField": {"type": "string", "minLength": 1},
                "keepDraft": {"type": "boolean"},
            },
        },
        "versions": {
            "type": "object",
            "additionalProperties": False,
            "required": ["action", "parent"],
            "properties": {
                "action": {"enum": ["list", "get"]},
                "parent": _PARENT,
                "family": {"type": "string", "minLength": 1},
                "number": {"type": "string", "minLength": 1},
                "missingStatus": _STATUS,
            },
        },
        "task": {
            "type": "object",
            "additionalProperties": False,
            "required": ["action", "name"],
            "properties": {
                "action": {"enum": ["start", "get"]},
                "name": {"type": "string", "minLength": 1},
                "id": {"type": "string", "minLength": 1},
                "idField": {"type": "string", "minLength": 1},
                "missingStatus": _STATUS,
            },
        },
        "async": {
            "type": "object",
            "additionalProperties": False,
            "required": ["field", "states"],
            "properties": {
                "field": {"type": "string", "minLength": 1},
                "states": {
                    "type": "array",
                    "items": {"type": "string"},
                    "minItems": 1,
                    "uniqueItems": True,
                },
                "failed": {"type": "string"},
                "seconds": {"type": "number", "minimum": 0},
                "polls": {"type": "integer", "minimum": 1},
                "status": _STATUS,
            },
            "not": {"required": ["seconds", "polls"]},
        },
        "idempotency": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "header": {"type": "string", "minLength": 1},
                "field": {"type": "string", "minLength": 1},
                "mismatchStatus": _STATUS,
            },
            "oneOf": [{"required": ["header"]}, {"required": ["field"]}],
        },
    },
    "not": {"anyOf": [{"required": a} for a in (["draft", "versions"], ["draft", "task"])]},
    "dependentSchemas": {
        "async": {
            "anyOf": [
                {
                    "required": ["draft"],
                    "properties": {
                        "draft": {"properties": {"action": {"enum": ["create", "publish"]}}}
                    },
                },
                {
                    "required": ["task"],
                    "properties": {"task": {"properties": {"action": {"const": "start"}}}},
                },
            ]
        }
    },
}
_VALIDATOR = Draft202012Validator(BLOCK_SCHEMA)
_HINTS = {
    ("not",): "draft, versions and task are alternatives: one per operation",
    ("dependentSchemas",): "async goes with draft: create, draft: publish or task: start",
    ("properties", "async", "not"): "seconds and polls are alternatives",
}


@dataclass(frozen=True)
class Async:
    field: str
    states: tuple[str, ...]
    failed: str | None = None
    seconds: float | None = None
    polls: int | None = None
    status: int = 202


@dataclass(frozen=True)
class Declaration:
    """One operation's checked block."""

    operation_id: str
    pointer: str  # of the x-draftmock block
    kind: str | None  # "draft", "versions", "task" or None (idempotency alone)
    action: str | None
    family: str | None  # drafts/versions: the family; tasks: the collection name
    parent: tuple[str, ...] = ()
    existing: str = "conflict"
    conflict_status: int = 409
    missing_status: int = 404
    version_field: str | None = "version"
    keep_draft: bool = False
    number: str | None = None
    task_id: str | None = None
    id_field: str = "id"
    run: Async | None = None
    idempotency_header: str | None = None
    idempotency_field: str | None = None
    mismatch_status: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class OperationInfo:
    """What the checks need to know of one operation."""

    operation_id: str
    pointer: str
    node: dict[str, Any]
    parameters: dict[str, str]  # name -> location (path, query, header, cookie; body members)
    responses: dict[str, Any]


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def resolve(raw: dict[str, Any], node: Any) -> Any:
    """Follow local ``$ref``s (``#/...``)."""
    seen = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and seen < 32:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            return node
        target: Any = raw
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(target, list) and part.isdigit() and int(part) < len(target):
                target = target[int(part)]
            elif isinstance(target, dict) and part in target:
                target = target[part]
            else:
                return {}
        node = target
        seen += 1
    return node


def operations(raw: dict[str, Any]) -> Iterator[OperationInfo]:
    paths = raw.get("paths")
    if not isinstance(paths, dict):
        return
    for path, item in paths.items():
        item = resolve(raw, item)
        if not isinstance(item, dict):
            continue
        shared: list[Any] = item["parameters"] if isinstance(item.get("parameters"), list) else []
        for method in METHODS:
            node = item.get(method)
            if not isinstance(node, dict):
                continue
            pointer = f"/paths/{escape(str(path))}/{method}"
            op_id = str(node.get("operationId") or f"{method.upper()} {path}")
            params: dict[str, str] = {}
            own: list[Any] = node["parameters"] if isinstance(node.get("parameters"), list) else []
            for param in [*shared, *own]:
                param = resolve(raw, param)
                if isinstance(param, dict) and isinstance(param.get("name"), str):
                    params[param["name"]] = str(param.get("in", ""))
            for name in _body_members(raw, node.get("requestBody")):
                params.setdefault(name, "body")
            responses = node.get("responses")
            yield OperationInfo(
                op_id, pointer, node, params, responses if isinstance(responses, dict) else {}
            )


def _body_members(raw: dict[str, Any], body: Any) -> list[str]:
    """The top-level members of a JSON request body's schema (a parent may be named there)."""
    body = resolve(raw, body)
    content = body.get("content") if isinstance(body, dict) else None
    names: list[str] = []
    for media, entry in (content or {}).items() if isinstance(content, dict) else []:
        if "json" not in str(media) or not isinstance(entry, dict):
            continue
        schema = resolve(raw, entry.get("schema"))
        for part in [schema, *[resolve(raw, p) for p in (schema or {}).get("allOf") or []]]:
            if isinstance(part, dict) and isinstance(part.get("properties"), dict):
                names.extend(str(n) for n in part["properties"])
    return names


def documented(responses: dict[str, Any], status: int) -> bool:
    """Would a reply with ``status`` be one the operation documents (exact, NXX or default)?"""
    keys = {str(k).upper() for k in responses}
    return str(status) in keys or f"{str(status)[0]}XX" in keys or "DEFAULT" in keys


def read_declarations(raw: dict[str, Any]) -> dict[str, Declaration]:
    """Every operation's ``x-draftmock`` block, checked; ``ConfigError`` names the first bad one."""
    found: dict[str, Declaration] = {}
    paths = raw.get("paths")
    for path, item in paths.items() if isinstance(paths, dict) else []:
        if isinstance(item, dict) and KEY in item:
            raise ConfigError(
                f"{KEY} at /paths/{escape(str(path))}/{KEY}: declarations belong on an "
                "operation (get, post, ...), not on its path"
            )
    infos = {info.operation_id: info for info in operations(raw)}
    for info in infos.values():
        block = info.node.get(KEY)
        if block is None:
            continue
        where = f"{info.pointer}/{KEY}"
        errors = sorted(_VALIDATOR.iter_errors(block), key=lambda e: len(e.absolute_path))
        if errors:
            error = errors[0]
            at = "".join(f"/{escape(str(p))}" for p in error.absolute_path)
            schema_path = tuple(str(p) for p in error.absolute_schema_path)
            reason = next(
                (hint for prefix, hint in _HINTS.items() if schema_path[: len(prefix)] == prefix),
                error.message,
            )
            raise ConfigError(f"{info.operation_id}: {KEY} at {where}{at}: {reason}")
        found[info.operation_id] = _declaration(info, block, where)
    for declaration in found.values():
        _check(declaration, infos[declaration.operation_id], found, raw)
    return found


def _declaration(info: OperationInfo, block: dict[str, Any], where: str) -> Declaration:
    kind = next((k for k in ("draft", "versions", "task") if k in block), None)
    spec: dict[str, Any] = block.get(kind, {}) if kind else {}
    parent = spec.get("parent", ())
    parent = (parent,) if isinstance(parent, str) else tuple(parent)
    run = block.get("async")
    idem = block.get("idempotency") or {}
    family = (
        spec.get("name") if kind == "task" else spec.get("family", parent[-1] if parent else None)
    )
    return Declaration(
        operation_id=info.operation_id,
        pointer=where,
        kind=kind,
        action=spec.get("action"),
        family=family,
        parent=parent,
        existing=spec.get("existing", "conflict"),
        conflict_status=spec.get("conflictStatus", 409),
        missing_status=spec.get("missingStatus", 404),
        version_field=spec.get("versionField", "version"),
        keep_draft=spec.get("keepDraft", False),
        number=spec.get("number"),
        task_id=spec.get("id"),
        id_field=spec.get("idField", "id"),
        run=Async(
            field=run["field"],
            states=tuple(run["states"]),
            failed=run.get("failed"),
            seconds=run.get("seconds"),
            polls=run.get("polls"),
            status=run.get("status", 202),
        )
        if run
        else None,
        idempotency_header=idem.get("header"),
        idempotency_field=idem.get("field"),
        mismatch_status=idem.get("mismatchStatus"),
        raw=block,
    )


def mismatch_status(declaration: Declaration, responses: dict[str, Any]) -> int | None:
    """The status a reused idempotency key with another request answers."""
    if declaration.mismatch_status is not None:
        return declaration.mismatch_status
    keys = {str(k) for k in responses}
    return next((s for s in (409, 422, 400) if str(s) in keys), None)


def _check(
    declaration: Declaration,
    info: OperationInfo,
    every: dict[str, Declaration],
    raw: dict[str, Any],
) -> None:
    """Refuse a block that contradicts its operation (or the rest of the declarations)."""
    op, where, kind = declaration.operation_id, declaration.pointer, declaration.kind

    def refuse(member: str, reason: str) -> ConfigError:
        return ConfigError(f"{op}: {KEY} at {where}/{member}: {reason}")

    def needs(status: int, member: str, why: str) -> None:
        if not documented(info.responses, status):
            listed = ", ".join(sorted(str(k) for k in info.responses)) or "none"
            raise refuse(
                member,
                f"{why} answers {status}, which the operation does not document "
                f"(documented: {listed})",
            )

    for index, name in enumerate(declaration.parent):
        if name not in info.parameters:
            member = f"{kind}/parent" + (f"/{index}" if len(declaration.parent) > 1 else "")
            raise refuse(member, f"the operation has no parameter or body member named {name!r}")
    action = declaration.action
    if kind == "draft":
        if action == "create" and declaration.existing == "conflict":
            needs(declaration.conflict_status, "draft/existing", "a second draft for a parent")
        if action in ("get", "update", "delete", "publish"):
            needs(declaration.missing_status, "draft/missingStatus", "a parent without a draft")
    if kind == "versions" and action == "get":
        if declaration.number is None:
            raise refuse("versions", "versions: get needs number (the version parameter)")
        if declaration.number not in info.parameters:
            raise refuse(
                "versions/number",
                f"the operation has no parameter named {declaration.number!r}",
            )
        needs(declaration.missing_status, "versions/missingStatus", "an unknown version")
    if kind == "task" and action == "get":
        if declaration.task_id is None or declaration.task_id not in info.parameters:
            raise refuse("task/id", "task: get needs id, the parameter holding the task's id")
        needs(declaration.missing_status, "task/missingStatus", "an unknown task")
    if kind == "task" and action == "start" and declaration.run is None:
        raise refuse("task", "task: start needs an async block (the states it moves through)")
    # Reads need a writer: a family nobody creates would answer 404 forever.
    if kind in ("draft", "versions") and not (kind == "draft" and action == "create"):
        writer = "publish" if kind == "versions" else "create"
        if not any(
            d.kind == "draft" and d.action == writer and d.family == declaration.family
            for d in every.values()
        ):
            raise refuse(
                f"{kind}/family" if "family" in declaration.raw.get(kind, {}) else f"{kind}/parent",
                f"no operation declares draft: {writer} for the family {declaration.family!r}",
            )
    if (
        kind == "task"
        and action == "get"
        and not any(
            d.kind == "task" and d.action == "start" and d.family == declaration.family
            for d in every.values()
        )
    ):
        raise refuse("task/name", f"no operation declares task: start for {declaration.family!r}")
    if declaration.run is not None:
        run = declaration.run
        needs(run.status, "async/status", "async work")
        _check_states(declaration, info, raw, refuse)
    if declaration.idempotency_header or declaration.idempotency_field:
        status = mismatch_status(declaration, info.responses)
        if status is None:
            raise refuse(
                "idempotency",
                "a reused key with another request needs a documented error status "
                "(409, 422 or 400), or mismatchStatus",
            )
        needs(status, "idempotency/mismatchStatus", "a reused key with another request")


def _check_states(
    declaration: Declaration, info: OperationInfo, raw: dict[str, Any], refuse: Any
) -> None:
    """The states (and the failed one) must be values the status field's schema allows, where
    the reply's schema says which."""
    run = declaration.run
    assert run is not None
    response = resolve(raw, info.responses.get(str(run.status)))
    content = response.get("content") if isinstance(response, dict) else None
    if not isinstance(content, dict):
        return
    for media in content.values():
        schema = resolve(raw, media.get("schema") if isinstance(media, dict) else None)
        prop = _property(raw, schema, run.field)
        enum = prop.get("enum") if isinstance(prop, dict) else None
        if not isinstance(enum, list):
            continue
        wanted = [*run.states, *([run.failed] if run.failed else [])]
        for index, state in enumerate(wanted):
            if state not in enum:
                member = f"async/states/{index}" if index < len(run.states) else "async/failed"
                raise refuse(
                    member,
                    f"{state!r} is not a value of {run.field} in the {run.status} reply "
                    f"(allowed: {', '.join(map(str, enum))})",
                )


def _property(raw: dict[str, Any], schema: Any, name: str, depth: int = 0) -> Any:
    if not isinstance(schema, dict) or depth > 8:
        return None
    props = schema.get("properties")
    if isinstance(props, dict) and name in props:
        return resolve(raw, props[name])
    for combinator in ("allOf", "oneOf", "anyOf"):
        for part in schema.get(combinator) or []:
            found = _property(raw, resolve(raw, part), name, depth + 1)
            if found is not None:
                return found
    return None
