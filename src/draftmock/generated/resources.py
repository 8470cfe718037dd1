"""The resource model a document implies, inferred from its shape alone.

Two inferences fill one model:

- **Paths**: a collection path and its item path (``/things`` and ``/things/{id}``, nested
  ``/projects/{p}/tasks/{t}``) make a resource: POST on the collection creates, GET lists; GET,
  PUT, PATCH and DELETE on the item read, replace, merge and remove. The parent identifiers in
  the path scope the records, so each project lists its own tasks.
- **operationIds** (documents that are not REST-shaped, e.g. AWS's): ``CreateThing``,
  ``GetThing``/``DescribeThing``, ``ListThings``, ``UpdateThing``/``PutThing``, ``DeleteThing``
  over one identifier member (``thingId``, ``thingName``, ``id``) found in the path, the query
  or the body. Such a verb is believed over the HTTP method: ``POST /things`` named
  ``ListThings`` lists, and ``PUT /things`` named ``CreateThing`` creates; the operations of a
  noun the paths left out join the resource the paths found for it (``/things/`` and
  ``/things/{id}/`` are a pair too).

The identifier field of a record is the path parameter's name (``thingIdentifier`` is held in
``thingId``, ``endpointName`` in ``name``), ``id``, or what the document's OpenAPI ``links``
say (``$response.body#/uuid`` feeding the item's parameter).

A record whose status member enumerates ``CREATING`` and a settled value (``ACTIVE``,
``READY``, ``AVAILABLE``) has a ``Lifecycle``: it is created ``CREATING``, updated ``UPDATING``
and deleted ``DELETING`` where the enum has those values, and settles later (the handlers
schedule it on the virtual clock).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from draftmock.generated.shapes import (
    deref,
    join,
    object_view,
    request_schema,
    response_slot,
    schema_type,
)
from draftmock.spec.document import Document, escape
from draftmock.spec.operations import OperationSite

ACTIONS = ("create", "read", "list", "replace", "update", "delete")
_TEMPLATE = re.compile(r"^\{([^}]+)\}$")
_VERB = re.compile(r"^(Create|Get|Describe|List|Update|Put|Patch|Delete)([A-Z][A-Za-z0-9]*)$")
_VERB_ACTIONS = {
    "Create": "create",
    "Get": "read",
    "Describe": "read",
    "List": "list",
    "Update": "update",
    "Patch": "update",
    "Put": "replace",
    "Delete": "delete",
}


@dataclass(frozen=True)
class IdLocator:
    """Where a request carries a resource's identifier."""

    location: str  # "path" | "query" | "body"
    name: str


@dataclass(frozen=True)
class Lifecycle:
    """An asynchronous record's status member and the values it moves through."""

    member: str
    settled: str  # ACTIVE, READY, ...
    creating: str
    updating: str | None
    deleting: str | None
    failed: dict[str, str]  # "create" | "update" | "delete" -> CREATE_FAILED (or FAILED)


@dataclass(frozen=True)
class Resource:
    name: str  # "pets", "projects/tasks"
    collection_path: str | None  # "/projects/{projectId}/tasks" (None: inferred from operationIds)
    item_path: str | None
    scope_params: tuple[str, ...]  # path parameters naming the parent scope, outermost first
    parent: str | None  # the resource whose item is this one's parent
    id_field: str | None  # record property holding the identifier
    record_schema: str | None  # pointer of the record's schema
    id_schema: str | None  # pointer of the identifier property's schema
    lifecycle: Lifecycle | None = None


@dataclass(frozen=True)
class Role:
    resource: str
    action: str  # one of ACTIONS
    id_from: IdLocator | None = None  # item actions: where the identifier comes from


@dataclass
class ResourceModel:
    resources: dict[str, Resource] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)  # operationId -> role

    def operations_of(self, resource: str) -> dict[str, str]:
        """action -> operationId for one resource."""
        return {role.action: op for op, role in self.roles.items() if role.resource == resource}


def op_pointer(site: OperationSite) -> str:
    return f"/paths/{escape(site.path)}/{site.method}"


def infer(document: Document, sites: list[OperationSite]) -> ResourceModel:
    model = ResourceModel()
    _infer_from_paths(document, sites, model)
    _infer_from_operation_ids(document, sites, model)
    _apply_links(document, sites, model)
    for name, resource in model.resources.items():
        model.resources[name] = replace(resource, lifecycle=_lifecycle(document, resource))
    return model


def verb_action(operation_id: str) -> str | None:
    """What an operationId's verb says it does (``ListThings`` -> "list"), if it has one."""
    found = _VERB.match(operation_id)
    return _VERB_ACTIONS[found.group(1)] if found is not None else None


def _bare(path: str) -> str:
    """``/things/`` and ``/things`` are one place for pairing collections with items."""
    return path.rstrip("/") or "/"


# -- paths ------------------------------------------------------------------------------------


def _infer_from_paths(document: Document, sites: list[OperationSite], model: ResourceModel) -> None:
    by_path: dict[str, dict[str, OperationSite]] = {}
    for site in sites:
        by_path.setdefault(_bare(site.path), {}).setdefault(site.method, site)
    item_paths = {}
    for path, methods in by_path.items():
        segments = path.split("/")
        found = _TEMPLATE.match(segments[-1]) if len(segments) > 1 else None
        if found is None or len(segments) < 3:
            continue
        collection = "/".join(segments[:-1])
        if _TEMPLATE.match(segments[-2]):
            continue  # /a/{x}/{y}: no collection to name
        if not ({"get", "put", "patch", "delete"} & set(methods)):
            continue
        item_paths[path] = (collection, found.group(1))
    names: dict[str, str] = {}
    for item_path, (collection, _) in item_paths.items():
        literals = [s for s in collection.split("/") if s and not _TEMPLATE.match(s)]
        name = "/".join(literals) or collection
        while name in names.values():
            name += "_"
        names[item_path] = name
    for item_path, (collection, id_param) in item_paths.items():
        scope_params = tuple(
            m.group(1) for s in collection.split("/") if (m := _TEMPLATE.match(s)) is not None
        )
        parent = None
        if scope_params:
            parent_item = collection[: collection.rfind("{")] + "{" + scope_params[-1] + "}"
            parent = names.get(parent_item)
        items = by_path[item_path]
        gathered = by_path.get(collection, {})
        record = _record_schema(document, items, gathered)
        resource = Resource(
            name=names[item_path],
            collection_path=collection,
            item_path=next(iter(items.values())).path,
            scope_params=scope_params,
            parent=parent,
            id_field=None,
            record_schema=record,
            id_schema=None,
        )
        resource = _with_id_field(document, resource, [id_param])
        model.resources[resource.name] = resource
        locator = IdLocator("path", id_param)
        for method, action in (("post", "create"), ("get", "list")):
            if method in gathered and (named := _agreed(gathered[method], action)) is not None:
                model.roles[gathered[method].operation_id] = Role(resource.name, named)
        for method, action in (
            ("get", "read"),
            ("put", "replace"),
            ("patch", "update"),
            ("delete", "delete"),
        ):
            if method in items and (named := _agreed(items[method], action)) is not None:
                model.roles[items[method].operation_id] = Role(resource.name, named, locator)


_COLLECTION_ACTIONS = frozenset({"create", "list"})


def _agreed(site: OperationSite, action: str) -> str | None:
    """The action of an operation the paths place at ``action``: its verb's when it names one
    that fits the place (``UpdateThing`` on PUT merges; ``ListThings`` on POST is no create)."""
    named = verb_action(site.operation_id)
    if named is None:
        return action
    if (named in _COLLECTION_ACTIONS) == (action in _COLLECTION_ACTIONS):
        return named
    return None


def _record_schema(
    document: Document, items: dict[str, OperationSite], collection: dict[str, OperationSite]
) -> str | None:
    """The schema of one record: what GET on the item answers, else what create answers, else
    what PUT sends."""
    candidates: list[str | None] = []
    if "get" in items:
        candidates.append(_success_schema(document, items["get"]))
    if "post" in collection:
        candidates.append(_success_schema(document, collection["post"]))
    if "put" in items:
        candidates.append(_success_schema(document, items["put"]))
        candidates.append(request_schema(document, op_pointer(items["put"])))
    if "post" in collection:
        candidates.append(request_schema(document, op_pointer(collection["post"])))
    for candidate in candidates:
        if candidate is not None and object_view(document, candidate) is not None:
            return candidate
    return None


def _success_schema(document: Document, site: OperationSite) -> str | None:
    _, responses = deref(document, join(op_pointer(site), "responses"))
    if not isinstance(responses, dict):
        return None
    for key in sorted(str(k) for k in responses):
        if key.startswith("2"):
            slot = response_slot(document, op_pointer(site), key)
            if slot is not None and slot.schema is not None:
                return slot.schema
    return None


def _id_candidates(names: list[str]) -> list[str]:
    result: list[str] = []
    for name in names:
        result.append(name)
    for name in names:  # thingIdentifier -> thingId; endpointName -> name; thingId -> id
        if name.endswith("Identifier") and len(name) > len("Identifier"):
            result.append(name[: -len("Identifier")] + "Id")
        elif name.endswith("Name") and len(name) > len("Name"):
            result.append("name")
    result.extend(["id", "uuid", "ID", "Id", "key", "name", "slug", "code"])
    for name in names:
        for suffix in ("Id", "_id", "ID", "Name", "_name"):
            if name.endswith(suffix) and len(name) > len(suffix):
                result.append(name[: -len(suffix)])
    return list(dict.fromkeys(result))


def _with_id_field(document: Document, resource: Resource, names: list[str]) -> Resource:
    """Find the identifier property; unwrap an envelope (``{"thing": {...}}``) on the way."""
    if resource.record_schema is None:
        return resource
    candidates = _id_candidates(names)
    pointers = [resource.record_schema]
    view = object_view(document, resource.record_schema)
    if view is not None:
        pointers.extend(view.properties.values())  # an envelope's members, after the record
    views = [(p, v) for p in pointers if (v := object_view(document, p)) is not None]
    for candidate in candidates:  # the best name first, wherever it is
        for pointer, inner in views:
            lowered = {name.lower(): name for name in inner.properties}
            actual = candidate if candidate in inner.properties else lowered.get(candidate.lower())
            if actual is None or schema_type(document, inner.properties[actual]) in (
                "object",
                "array",
            ):
                continue
            return replace(
                resource, record_schema=pointer, id_field=actual, id_schema=inner.properties[actual]
            )
    return resource


# -- operationIds -----------------------------------------------------------------------------


def _infer_from_operation_ids(
    document: Document, sites: list[OperationSite], model: ResourceModel
) -> None:
    groups: dict[str, dict[str, OperationSite]] = {}
    for site in sites:
        found = _VERB.match(site.operation_id)
        if found is None:
            continue
        verb, noun = found.groups()
        action = _VERB_ACTIONS[verb]
        if action == "list":
            noun = _singular(noun)
        groups.setdefault(noun, {}).setdefault(action, site)
    for noun, actions in groups.items():
        held = {
            model.roles[s.operation_id].resource
            for s in actions.values()
            if s.operation_id in model.roles
        }
        if len(held) == 1:
            _join_path_resource(document, model, model.resources[held.pop()], actions)
            continue
        if held:
            continue
        actions = {a: s for a, s in actions.items() if s.operation_id not in model.roles}
        reader = actions.get("read")
        if "create" not in actions or reader is None:
            continue
        names = [f"{noun}Id", f"{noun}Name", f"{noun[0].lower()}{noun[1:]}Id", "id", "name"]
        locator = _locate_identifier(document, reader, names)
        if locator is None:
            continue
        record = _success_schema(document, reader) or _success_schema(document, actions["create"])
        name = noun if noun not in model.resources else f"{noun}_"
        resource = Resource(name, None, None, (), None, None, record, None)
        resource = _with_id_field(document, resource, [locator.name, *names])
        model.resources[name] = resource
        for action, site in actions.items():
            item = action in ("read", "replace", "update", "delete")
            where = _locate_identifier(document, site, [locator.name, *names]) if item else None
            if item and where is None:
                continue
            model.roles[site.operation_id] = Role(name, action, where)


def _join_path_resource(
    document: Document, model: ResourceModel, resource: Resource, actions: dict[str, OperationSite]
) -> None:
    """The operations of a noun the paths left out (``PUT /things`` named ``CreateThing``,
    ``POST /things`` named ``ListThings``) join the resource the paths found for it, when they
    carry its parent scope (and, for an item action, its identifier)."""
    taken = set(model.operations_of(resource.name))
    item_locator = next(
        (
            model.roles[s.operation_id].id_from
            for s in actions.values()
            if s.operation_id in model.roles and model.roles[s.operation_id].id_from is not None
        ),
        None,
    )
    for action, site in actions.items():
        if site.operation_id in model.roles or action in taken:
            continue
        params = _path_params(document, site)
        if not set(resource.scope_params) <= params:
            continue
        where = None
        if action in ("read", "replace", "update", "delete"):
            if item_locator is None:
                continue
            where = _locate_identifier(document, site, [item_locator.name])
            if where is None:
                continue
        model.roles[site.operation_id] = Role(resource.name, action, where)


def _path_params(document: Document, site: OperationSite) -> set[str]:
    params = [*site.path_item.get("parameters", []), *site.raw.get("parameters", [])]
    found = set()
    for param in params:
        resolved = document.resolve(param)
        if isinstance(resolved, dict) and resolved.get("in") == "path":
            found.add(str(resolved.get("name")))
    return found


def _locate_identifier(
    document: Document, site: OperationSite, names: list[str]
) -> IdLocator | None:
    wanted = {name.lower(): name for name in names}
    params = [*site.path_item.get("parameters", []), *site.raw.get("parameters", [])]
    for param in params:
        resolved = document.resolve(param)
        if (
            isinstance(resolved, dict)
            and str(resolved.get("name", "")).lower() in wanted
            and resolved.get("in") in ("path", "query")
        ):
            return IdLocator(str(resolved["in"]), str(resolved["name"]))
    body = request_schema(document, op_pointer(site))
    view = object_view(document, body) if body else None
    if view is not None:
        for prop in view.properties:
            if prop.lower() in wanted:
                return IdLocator("body", prop)
    return None


def _singular(noun: str) -> str:
    if noun.endswith("ies"):
        return noun[:-3] + "y"
    if noun.endswith("s") and not noun.endswith("ss"):
        return noun[:-1]
    return noun


# -- links ------------------------------------------------------------------------------------


def _apply_links(document: Document, sites: list[OperationSite], model: ResourceModel) -> None:
    """A documented link from create to an item operation names the identifier field."""
    by_id = {site.operation_id: site for site in sites}
    for site in sites:
        role = model.roles.get(site.operation_id)
        if role is None or role.action != "create":
            continue
        resource = model.resources[role.resource]
        for link in _links(document, site):
            target = model.roles.get(str(link.get("operationId", "")))
            if target is None or target.resource != role.resource or target.id_from is None:
                continue
            expression = (link.get("parameters") or {}).get(target.id_from.name)
            if not isinstance(expression, str) or not expression.startswith("$response.body#/"):
                continue
            member = expression.removeprefix("$response.body#/").split("/")[-1]
            if by_id.get(str(link.get("operationId"))) is not None and member:
                updated = _with_id_field(
                    document, replace(resource, id_field=None), [member.replace("~1", "/")]
                )
                if updated.id_field == member:
                    model.resources[role.resource] = updated


def _links(document: Document, site: OperationSite) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    _, responses = deref(document, join(op_pointer(site), "responses"))
    for key in responses or {}:
        pointer, response = deref(document, join(op_pointer(site), "responses", key))
        if not isinstance(response, dict):
            continue
        for name in response.get("links") or {}:
            _, link = deref(document, join(pointer, "links", name))
            if isinstance(link, dict):
                found.append(link)
    return found


# -- lifecycle --------------------------------------------------------------------------------

_STATUS_NAMES = ("status", "state", "lifecyclestate", "provisioningstate")
_SETTLED = ("ACTIVE", "READY", "AVAILABLE")


def _lifecycle(document: Document, resource: Resource) -> Lifecycle | None:
    """The record's asynchronous status, when its enum says it has one."""
    view = object_view(document, resource.record_schema) if resource.record_schema else None
    if view is None:
        return None
    for name, pointer in view.properties.items():
        if name.lower() not in _STATUS_NAMES:
            continue
        _, node = deref(document, pointer)
        values = node.get("enum") if isinstance(node, dict) else None
        if not isinstance(values, list) or "CREATING" not in values:
            continue
        settled = next((v for v in _SETTLED if v in values), None)
        if settled is None:
            continue
        failed = {}
        for action in ("create", "update", "delete"):
            specific = f"{action.upper()}_FAILED"
            if specific in values:
                failed[action] = specific
            elif "FAILED" in values:
                failed[action] = "FAILED"
        return Lifecycle(
            member=name,
            settled=settled,
            creating="CREATING",
            updating="UPDATING" if "UPDATING" in values else None,
            deleting="DELETING" if "DELETING" in values else None,
            failed=failed,
        )
    return None
