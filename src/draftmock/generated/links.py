"""OpenAPI links for inferred resources, added to the served copy of a document without any.

From a create operation's success response to the item's read, replace, update and delete
operations, with the identifier taken from the created record (``$response.body#/id``) and
the parent identifiers from the request's path. Schemathesis' stateful phase and any client
that follows links can then chain calls exactly as the mock's inferred state answers them.
"""

from __future__ import annotations

import copy
from typing import Any

from draftmock.generated.handlers import GeneratedApi
from draftmock.generated.shapes import object_view
from draftmock.spec.document import escape

_NAMES = {"read": "Get", "replace": "Replace", "update": "Update", "delete": "Delete"}


def has_links(raw: dict[str, Any]) -> bool:
    stack: list[Any] = [raw.get("paths") or {}, (raw.get("components") or {}).get("responses")]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("links"), dict) and node["links"]:
                return True
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def with_links(api: GeneratedApi, raw: dict[str, Any]) -> dict[str, Any]:
    """``raw``, or a copy of it with links added when it declares none."""
    if has_links(raw):
        return raw
    additions: dict[str, dict[str, dict[str, Any]]] = {}  # create opId -> link name -> link
    for resource in api.model.resources.values():
        operations = api.model.operations_of(resource.name)
        create = api.plans.get(operations.get("create", ""))
        if create is None or create.slot is None or resource.id_field is None:
            continue
        where = _id_pointer(api, create.slot.schema, resource.id_field)
        if where is None:
            continue
        for action, prefix in _NAMES.items():
            target = api.plans.get(operations.get(action, ""))
            role = target.role if target is not None else None
            if target is None or role is None or role.id_from is None:
                continue
            if role.id_from.location != "path":
                continue
            parameters = {role.id_from.name: f"$response.body#{where}"}
            for param in resource.scope_params:
                parameters[param] = f"$request.path.{param}"
            link: dict[str, Any] = {"parameters": parameters}
            if target.operation_id == target.site.raw.get("operationId"):
                link["operationId"] = target.operation_id
            else:
                link["operationRef"] = f"#{target.pointer}"
            name = f"{prefix}{_title(resource.name)}"
            additions.setdefault(create.operation_id, {})[name] = link
    if not additions:
        return raw
    result = dict(raw)
    result["paths"] = paths = dict(raw.get("paths") or {})
    for op_id, links in additions.items():
        plan = api.plans[op_id]
        site = plan.site
        item = paths[site.path] = dict(api.document.resolve(paths[site.path]))
        operation = item[site.method] = dict(item[site.method])
        responses = operation["responses"] = dict(operation.get("responses") or {})
        key = next(k for k in responses if str(k) == (plan.slot.status if plan.slot else ""))
        response = copy.deepcopy(api.document.resolve(responses[key]))
        response["links"] = {**(response.get("links") or {}), **links}
        responses[key] = response
    return result


def _id_pointer(api: GeneratedApi, schema: str | None, id_field: str) -> str | None:
    """Where the identifier is in the create response: ``/id`` or inside an envelope."""
    if schema is None:
        return None
    view = object_view(api.document, schema)
    if view is None:
        return None
    if id_field in view.properties:
        return f"/{escape(id_field)}"
    for name, pointer in view.properties.items():
        inner = object_view(api.document, pointer)
        if inner is not None and id_field in inner.properties:
            return f"/{escape(name)}/{escape(id_field)}"
    return None


def _title(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.replace("_", "/").split("/"))
