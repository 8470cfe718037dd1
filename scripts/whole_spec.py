"""Make ``specs/<api>.yaml`` the vendor's whole published document, keeping our corrections.

The vendor modules implement a subset of each vendor's API, described in ``specs/<api>.yaml``
with corrections to the published document (see each ``docs/<api>.md``). This script takes the
vendor's published document and lays that curated subset over it:

- every operation of the published document is served; the curated ones (recorded in the
  output's ``x-draftmock-curated``) keep their curated definition, under the published
  operationId;
- curated components (schemas, responses, parameters, ...) replace the published ones of the
  same name, so the published operations that use them get the corrected versions;
- per-vendor fixes of the published parts (``FIXES`` below) are applied and recorded in
  ``x-draftmock-corrections``.

    python scripts/whole_spec.py promptlayer UPSTREAM.json     # (re)write specs/promptlayer.yaml
    python scripts/whole_spec.py omni UPSTREAM.json --revision SHA

Running it again with a newer published document keeps the curated parts.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

SPECS = Path(__file__).resolve().parents[1] / "specs"
METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")
CURATED = "x-draftmock-curated"
SCHEMA = "#/components/schemas/"

Fix = Callable[[dict[str, Any], dict[str, Any], dict[str, Any]], list[dict[str, str]]]


def operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for path, item in (document.get("paths") or {}).items():
        for method, op in item.items():
            if method in METHODS and isinstance(op, dict):
                found[(method, path)] = op
    return found


def curated_parts(current: dict[str, Any]) -> dict[str, Any]:
    """What of ``current`` is ours: recorded by a previous run, or (first run) all of it."""
    if CURATED in current:
        return dict(current[CURATED])
    return {
        "operations": [f"{m.upper()} {p}" for m, p in operations(current)],
        "components": {
            kind: sorted(names)
            for kind, names in (current.get("components") or {}).items()
            if isinstance(names, dict) and kind != "securitySchemes"
        },
    }


def merge(
    api: str,
    upstream: dict[str, Any],
    current: dict[str, Any],
    *,
    source: str,
    revision: str,
    fixes: list[Fix],
) -> tuple[dict[str, Any], dict[str, str]]:
    """The merged document and the curated operations' renames (ours -> published)."""
    curated = curated_parts(current)
    result = copy.deepcopy(upstream)
    for prepare in PREPARE.get(api, []):
        prepare(result)
    renames: dict[str, str] = {}
    ours = operations(current)
    result_ops = {(m, _shape(p)): op for (m, p), op in operations(result).items()}
    shapes = {_shape(path): path for path in result.get("paths", {})}
    for key in curated["operations"]:
        method, _, path = key.partition(" ")
        method = method.lower()
        op = copy.deepcopy(ours[(method, path)])
        theirs = shapes.get(_shape(path), path)
        if theirs != path:
            _adopt(result, theirs, path)
            shapes[_shape(path)] = path
        published = result_ops.get((method, _shape(path)))
        if published is not None and published.get("operationId"):
            if op.get("operationId") != published["operationId"]:
                renames[str(op.get("operationId"))] = published["operationId"]
            op["operationId"] = published["operationId"]
        item = result.setdefault("paths", {}).setdefault(path, {})
        item[method] = op
        shared = current["paths"][path].get("parameters")
        if shared is not None:
            item["parameters"] = copy.deepcopy(shared)
    components = result.setdefault("components", {})
    for kind, names in curated["components"].items():
        for name in names:
            components.setdefault(kind, {})[name] = copy.deepcopy(current["components"][kind][name])
    for name, scheme in (current.get("components", {}).get("securitySchemes") or {}).items():
        components.setdefault("securitySchemes", {})[name] = copy.deepcopy(scheme)
    known = {op.get("operationId") for op in operations(result).values()}
    stale = {str(op.get("operationId")) for op in ours.values()} - known
    old_names = {ours_id: theirs for ours_id, theirs in renames.items() if ours_id in stale}

    def relink(node: dict[str, Any], pointer: str) -> None:
        if "/links/" in pointer and node.get("operationId") in old_names:
            node["operationId"] = old_names[node["operationId"]]

    _walk(result, relink, "#")
    corrections = [
        c for c in current.get("x-draftmock-corrections", []) if not c.get("published-part")
    ]
    for fix in fixes:
        for correction in fix(result, current, upstream):
            corrections.append({**correction, "published-part": "true"})
    for key in ("x-draftmock-sources",):
        if key in current:
            result[key] = copy.deepcopy(current[key])
    result["x-draftmock-corrections"] = corrections
    result[CURATED] = curated
    result["x-draftmock-upstream"] = {"source": source, "revision": revision}
    if "security" in current:
        result["security"] = copy.deepcopy(current["security"])
    if "servers" in current and "servers" not in result:
        result["servers"] = copy.deepcopy(current["servers"])
    return result, renames


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def _adopt(document: dict[str, Any], theirs: str, ours: str) -> None:
    """Move the published path item ``theirs`` to our spelling ``ours`` (the same template with
    other parameter names), renaming its path parameters."""
    names = dict(
        zip(re.findall(r"\{([^}]*)\}", theirs), re.findall(r"\{([^}]*)\}", ours), strict=True)
    )
    item = document["paths"].pop(theirs)
    for node in [item, *(item.get(m) for m in METHODS)]:
        if not isinstance(node, dict):
            continue
        for parameter in node.get("parameters", []):
            if parameter.get("in") == "path" and parameter.get("name") in names:
                parameter["name"] = names[parameter["name"]]
    document["paths"][ours] = item


def strip_api_prefix(document: dict[str, Any]) -> None:
    """Omni's published paths start with ``/api``; its server URL (ours too) ends with it."""
    document["paths"] = {
        (path[4:] if path.startswith("/api/") else path): item
        for path, item in document.get("paths", {}).items()
    }


def string_defaults(
    document: dict[str, Any], current: dict[str, Any], upstream: dict[str, Any]
) -> list[dict[str, str]]:
    """A string-typed schema's numeric ``default``/``example`` written as the string it means."""
    where: list[str] = []

    def visit(node: dict[str, Any], pointer: str) -> None:
        if node.get("type") != "string":
            return
        for key in ("default", "example"):
            if isinstance(node.get(key), int | float) and not isinstance(node[key], bool):
                node[key] = str(node[key])
                where.append(f"{pointer}/{key}")

    _walk(document.get("paths"), visit, "#/paths")
    if not where:
        return []
    return [
        {
            "where": ", ".join(where),
            "published": "a number as the default (or example) of a string parameter",
            "corrected": "the same number as a string",
            "reason": "A default must be a value of its schema (OpenAPI 3.1 validators refuse "
            "the document otherwise); query values are strings on the wire.",
        }
    ]


def omni_error_bodies(
    document: dict[str, Any], current: dict[str, Any], upstream: dict[str, Any]
) -> list[dict[str, str]]:
    """Omni's errors carry ``{error, message}``; most published 4xx responses omit the body."""
    where = 0
    for op in operations(document).values():
        for status, response in (op.get("responses") or {}).items():
            if (
                str(status).startswith("4")
                and isinstance(response, dict)
                and "$ref" not in response
                and not response.get("content")
            ):
                response["content"] = {"application/json": {"schema": {"$ref": SCHEMA + "Error"}}}
                where += 1
    if not where:
        return []
    return [
        {
            "where": f"{where} error responses of published operations",
            "published": "a description and no content",
            "corrected": "content: Error ({error, message})",
            "reason": "Omni answers every error with its {error, message} envelope (docs.omni.co, "
            "errors; the published document's own 4xx bodies where it gives them); without "
            "content the document would forbid the body every client reads.",
        }
    ]


def everywhere(
    statuses: dict[str, str], reason: str, *, writes: dict[str, str] | None = None
) -> Fix:
    """A fix giving every published operation these responses (by reference) where it lacks
    them; ``writes``: only for methods other than GET and HEAD."""

    def fix(
        document: dict[str, Any], current: dict[str, Any], upstream: dict[str, Any]
    ) -> list[dict[str, str]]:
        added: dict[str, int] = {}
        curated = _curated_ops(current)
        for (method, path), op in operations(document).items():
            if f"{method.upper()} {path}" in curated:
                continue
            wanted = dict(statuses)
            if writes and method not in ("get", "head"):
                wanted.update(writes)
            responses = op.setdefault("responses", {})
            for status, name in wanted.items():
                if status not in {str(k) for k in responses}:
                    responses[status] = {"$ref": f"#/components/responses/{name}"}
                    added[status] = added.get(status, 0) + 1
        if not added:
            return []
        counts = ", ".join(f"{status} on {n}" for status, n in sorted(added.items()))
        return [
            {
                "where": f"published operations lacking them ({counts})",
                "published": "not documented",
                "corrected": ", ".join(
                    f"{s}: {n}" for s, n in {**statuses, **(writes or {})}.items()
                ),
                "reason": reason,
            }
        ]

    return fix


def unbounded_integer_parameters(
    document: dict[str, Any], current: dict[str, Any], upstream: dict[str, Any]
) -> list[dict[str, str]]:
    """PromptLayer's parameters are Python integers (FastAPI, pydantic): no 64-bit bound."""
    where = []
    for (method, path), op in operations(document).items():
        for parameter in op.get("parameters", []):
            schema = parameter.get("schema") if isinstance(parameter, dict) else None
            if (
                isinstance(schema, dict)
                and schema.get("type") == "integer"
                and schema.get("format") in ("int32", "int64")
            ):
                del schema["format"]
                where.append(f"{method.upper()} {path} {parameter.get('name')}")
    if not where:
        return []
    return [
        {
            "where": ", ".join(where),
            "published": "type: integer, format: int64",
            "corrected": "type: integer",
            "reason": "FastAPI reads these parameters as Python integers, which have no 64-bit "
            "bound (as every other integer of this document: see 'Integers beyond 64 bits').",
        }
    ]


def rate_limited(
    document: dict[str, Any], current: dict[str, Any], upstream: dict[str, Any]
) -> list[dict[str, str]]:
    """Every Omni operation is under the 60-per-minute limit: it may answer 429."""
    where = 0
    for op in operations(document).values():
        responses = op.setdefault("responses", {})
        if "429" not in responses:
            responses["429"] = {"$ref": "#/components/responses/TooManyRequests"}
            where += 1
    if not where:
        return []
    return [
        {
            "where": f"{where} published operations",
            "published": "no 429",
            "corrected": "429 TooManyRequests ({error, message}) on every operation",
            "reason": "Omni documents its limit of 60 requests per minute per key for the whole "
            "API (docs.omni.co, API authentication and rate limits); the published document "
            "lists 429 on no operation.",
        }
    ]


def omni_published_definitions(
    document: dict[str, Any], current: dict[str, Any], upstream: dict[str, Any]
) -> list[dict[str, str]]:
    """Where Omni's published document is more precise than our subset, take it."""
    paths = document["paths"]
    get = paths["/v1/documents/{documentId}"]["get"]["responses"]["200"]
    get["content"] = {"application/json": {"schema": {"$ref": SCHEMA + "DocumentsGetResponse"}}}
    put = paths["/v1/documents/{documentId}"]["put"]
    put["requestBody"] = {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": SCHEMA + "DocumentsPutBody"}}},
    }
    created = document["components"]["schemas"]["CreateDocumentRequest"]["properties"]
    created["metadataVersion"] = {"type": "string"}
    published_models = upstream["paths"]["/api/v1/models"]["get"]["parameters"]
    paths["/v1/models"]["get"]["parameters"] = copy.deepcopy(published_models)
    return [
        {
            "where": "GET /v1/documents/{documentId} 200",
            "published": "DocumentsGetResponse",
            "corrected": "DocumentsGetResponse (was our DocumentConfig)",
            "reason": "The published response requires facetFilters, filterOrder, modelId, name, "
            "queryPresentations and refreshInterval, and carries documentMetadata.",
        },
        {
            "where": "PUT /v1/documents/{documentId} requestBody",
            "published": "DocumentsPutBody",
            "corrected": "DocumentsPutBody (was our ReplaceDocumentRequest)",
            "reason": "The published body requires refreshInterval (an integer of at least 60, "
            "or null) with the document's configuration.",
        },
        {
            "where": "#/components/schemas/CreateDocumentRequest/properties/metadataVersion",
            "published": "type: string",
            "corrected": "type: string (was integer)",
            "reason": "As published (DocumentsCreateBody).",
        },
        {
            "where": "GET /v1/models parameters",
            "published": "modelsList's parameters",
            "corrected": "as published: sortField enum, include, includeDeleted as a string enum",
            "reason": "Our subset had includeDeleted as a boolean and no include parameter.",
        },
    ]


def lunary_credentials(
    document: dict[str, Any], current: dict[str, Any], upstream: dict[str, Any]
) -> list[dict[str, str]]:
    """Every Lunary route reads a key the same way (``Authorization: Bearer`` or ``X-API-Key``,
    ``authMiddleware``): the document's global rule, not per-route lists naming schemes the
    document does not define (``ApiKeyAuth``, ``BasicAuth``)."""
    where = []
    for (method, path), op in operations(document).items():
        if "security" in op and f"{method.upper()} {path}" not in _curated_ops(current):
            del op["security"]
            where.append(f"{method.upper()} {path}")
    if not where:
        return []
    return [
        {
            "where": f"{len(where)} published operations",
            "published": "security: [BearerAuth] (and ApiKeyAuth, BasicAuth, OrgApiKeyAuth)",
            "corrected": "the global rule: BearerAuth or ApiKeyHeader (X-API-Key)",
            "reason": "Lunary's auth middleware reads Authorization's bearer or X-API-Key on "
            "every route; two of the published per-route schemes are not defined.",
        }
    ]


def lunary_errors(
    document: dict[str, Any], current: dict[str, Any], upstream: dict[str, Any]
) -> list[dict[str, str]]:
    """Lunary's errors on every published operation, as the datasets-v2 ones document them:
    400 (a body that is not JSON: ``{message}`` with the parser's message; no project), 401,
    403, 404, 422 and 429."""
    statuses = {
        "400": "BadRequest",
        "401": "Unauthorized",
        "403": "Forbidden",
        "404": "NotFound",
        "422": "ValidationError",
        "429": "TooManyRequests",
    }
    where = 0
    for (method, path), op in operations(document).items():
        if f"{method.upper()} {path}" in _curated_ops(current):
            continue
        responses = op.setdefault("responses", {})
        for status, name in statuses.items():
            if status not in {str(k) for k in responses}:
                responses[status] = {"$ref": f"#/components/responses/{name}"}
                where += 1
    if not where:
        return []
    return [
        {
            "where": f"{where} responses of published operations",
            "published": "mostly 200 only",
            "corrected": "400 BadRequest ({message}; a malformed JSON body), 401, 403, 404, 422 "
            "and 429 as on the datasets-v2 operations",
            "reason": "Every route runs behind the same body parser, auth middleware and rate "
            "limit, whose answers the published blocks do not list.",
        }
    ]


PROJECT_ID = {
    "name": "projectId",
    "in": "query",
    "required": False,
    "description": "The project a signed-in session token acts on (what Lunary's web app sends "
    "with `Authorization: Bearer <session token>`); required with a session token, ignored with "
    "an API key, whose project is its own.",
    "schema": {"type": "string"},
}


def lunary_project_id(
    document: dict[str, Any], current: dict[str, Any], upstream: dict[str, Any]
) -> list[dict[str, str]]:
    """Lunary's auth middleware (``api/v1/auth/utils.ts``) takes a session token's project from
    ``?projectId=`` on every route; no published block declares it."""
    parameters = document.setdefault("components", {}).setdefault("parameters", {})
    parameters["ProjectId"] = copy.deepcopy(PROJECT_ID)
    where = 0
    for (_, path), op in operations(document).items():
        declared = [*document["paths"][path].get("parameters", []), *op.get("parameters", [])]
        if any(isinstance(p, dict) and p.get("name") == "projectId" for p in declared):
            continue
        if {"$ref": "#/components/parameters/ProjectId"} in declared:
            continue
        op.setdefault("parameters", []).append({"$ref": "#/components/parameters/ProjectId"})
        where += 1
    return [
        {
            "where": "every operation (components/parameters/ProjectId)",
            "published": "no projectId query parameter",
            "corrected": "an optional projectId query parameter",
            "reason": "authMiddleware reads a session token's project from ?projectId= on every "
            "route (Lunary's web app sends it); the published blocks leave it out.",
        }
    ]


def named_operations(
    document: dict[str, Any], current: dict[str, Any], upstream: dict[str, Any]
) -> list[dict[str, str]]:
    """An operationId for each published operation without one: the method and the path's
    words (``GET /v1/runs/{id}/related`` -> ``getRunsByIdRelated``)."""
    named = 0
    for (method, path), op in operations(document).items():
        if op.get("operationId"):
            continue
        words = [method]
        for segment in path.strip("/").split("/"):
            if segment == "v1":
                continue
            parameter = re.fullmatch(r"\{(.+)\}", segment)
            parts = re.split(r"[^A-Za-z0-9]+", parameter.group(1) if parameter else segment)
            if parameter:
                words.append("by")
            words.extend(p for p in parts if p)
        op["operationId"] = words[0] + "".join(w[:1].upper() + w[1:] for w in words[1:])
        named += 1
    if not named:
        return []
    return [
        {
            "where": f"{named} published operations",
            "published": "no operationId",
            "corrected": "operationId from the method and the path's words (getRunsByIdRelated)",
            "reason": "Operations are named by operationId in faults, coverage, the journal and "
            "conformance reports; the published blocks name none.",
        }
    ]


def dangling_refs(
    document: dict[str, Any], current: dict[str, Any], upstream: dict[str, Any]
) -> list[dict[str, str]]:
    """Schemas the published blocks refer to but never define: any object, so the document
    resolves (what they hold is not published)."""
    missing: set[str] = set()
    schemas = document.setdefault("components", {}).setdefault("schemas", {})

    def visit(node: dict[str, Any], pointer: str) -> None:
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(SCHEMA) and ref[len(SCHEMA) :] not in schemas:
            missing.add(ref[len(SCHEMA) :])

    _walk(document, visit, "#")
    for name in sorted(missing):
        schemas[name] = {"type": "object", "description": "Not defined by the published document."}
    if not missing:
        return []
    return [
        {
            "where": ", ".join(f"#/components/schemas/{name}" for name in sorted(missing)),
            "published": "referred to, not defined",
            "corrected": "type: object",
            "reason": "The references do not resolve; an object is what every use expects.",
        }
    ]


def _curated_ops(current: dict[str, Any]) -> list[str]:
    ops: list[str] = current.get(CURATED, curated_parts(current))["operations"]
    return ops


PREPARE: dict[str, list[Callable[[dict[str, Any]], None]]] = {"omni": [strip_api_prefix]}


# -- per-vendor fixes of the published parts ----------------------------------------------------


def _walk(node: Any, visit: Callable[[dict[str, Any], str], None], pointer: str = "") -> None:
    if isinstance(node, dict):
        visit(node, pointer)
        for key, value in list(node.items()):
            _walk(value, visit, f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _walk(value, visit, f"{pointer}/{index}")


def nullable_in_31(
    document: dict[str, Any], current: dict[str, Any], upstream: dict[str, Any]
) -> list[dict[str, str]]:
    """``nullable: true`` is inert in 3.1: the type list says what it meant."""
    if not str(document.get("openapi", "")).startswith("3.1"):
        return []
    where: list[str] = []

    def visit(node: dict[str, Any], pointer: str) -> None:
        if node.get("nullable") is True and isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
            if isinstance(node.get("enum"), list) and None not in node["enum"]:
                node["enum"] = [*node["enum"], None]
            del node["nullable"]
            where.append(pointer)

    _walk(document.get("paths"), visit, "#/paths")
    _walk(document.get("components"), visit, "#/components")
    if not where:
        return []
    return [
        {
            "where": ", ".join(where[:20])
            + (f" and {len(where) - 20} more" if len(where) > 20 else ""),
            "published": "nullable: true",
            "corrected": 'type: [X, "null"] (and null in an enum)',
            "reason": "`nullable` has no effect in OpenAPI 3.1, so the published schemas reject "
            "the null the service sends and accepts.",
        }
    ]


def published_external_id_401(
    document: dict[str, Any], current: dict[str, Any], upstream: dict[str, Any]
) -> list[dict[str, str]]:
    """PromptLayer documents 401 of its external-id operations as ``ExternalIdErrorResponse``
    (``{success: false, message}``, open): take the published response."""
    where = []
    for (method, path), op in operations(document).items():
        if "/external-ids" not in path:
            continue
        responses = op.get("responses", {})
        wanted = {"$ref": "#/components/schemas/ExternalIdErrorResponse"}
        content = (responses.get("401") or {}).get("content", {}).get("application/json", {})
        if content.get("schema") != wanted:
            responses["401"] = {
                "description": "Unauthorized",
                "content": {"application/json": {"schema": wanted}},
            }
        if f"{method.upper()} {path}" in current.get(CURATED, curated_parts(current))["operations"]:
            where.append(f"{method.upper()} {path}")
    if not where:
        return []
    return [
        {
            "where": ", ".join(where),
            "published": "401: ExternalIdErrorResponse",
            "corrected": "401: ExternalIdErrorResponse (as published; our subset had ErrorResponse)",
            "reason": "The published external-id operations document their 401 with the "
            "external-id envelope; the vendor's 401 body ({success: false, message, error}) "
            "validates it.",
        }
    ]


def bodiless_204(
    document: dict[str, Any], current: dict[str, Any], upstream: dict[str, Any]
) -> list[dict[str, str]]:
    """A 204 has no content (RFC 9110, 15.3.5): a documented body there can never be sent."""
    where = []
    for (method, path), op in operations(document).items():
        response = (op.get("responses") or {}).get("204")
        if isinstance(response, dict) and response.get("content"):
            del response["content"]
            where.append(f"{method.upper()} {path}")
    if not where:
        return []
    return [
        {
            "where": ", ".join(where),
            "published": "204 with a response body",
            "corrected": "204 without content",
            "reason": "A 204 response ends at its headers (RFC 9110, 15.3.5); clients and "
            "validators read no body, so a documented one can never be satisfied.",
        }
    ]


def ignored_header_parameters(
    document: dict[str, Any], current: dict[str, Any], upstream: dict[str, Any]
) -> list[dict[str, str]]:
    """OpenAPI 3 ignores a header parameter named Accept, Content-Type or Authorization (the
    media types and security schemes say those); tools that read one anyway make it a rule."""
    where = []
    for (method, path), op in operations(document).items():
        kept = [
            p
            for p in op.get("parameters") or []
            if not (
                isinstance(p, dict)
                and p.get("in") == "header"
                and str(p.get("name", "")).lower() in ("accept", "content-type", "authorization")
            )
        ]
        if len(kept) != len(op.get("parameters") or []):
            op["parameters"] = kept
            where.append(f"{method.upper()} {path}")
    if not where:
        return []
    return [
        {
            "where": ", ".join(where),
            "published": "a header parameter named Content-Type (Accept, Authorization)",
            "corrected": "left out, the request body's media types saying the same",
            "reason": "OpenAPI 3 (Parameter Object, `name`): such a header parameter SHALL be "
            "ignored; Schemathesis reads it as a requirement it cannot meet (a body without its "
            "Content-Type).",
        }
    ]


FIXES: dict[str, list[Fix]] = {
    "lunary": [
        lunary_credentials,
        lunary_errors,
        lunary_project_id,
        dangling_refs,
        named_operations,
    ],
    "promptlayer": [
        nullable_in_31,
        published_external_id_401,
        bodiless_204,
        ignored_header_parameters,
        unbounded_integer_parameters,
        everywhere(
            {"401": "UnauthorizedError", "422": "ValidationError"},
            "Every route is behind the X-API-KEY check (401) and FastAPI's request validation "
            "(422 {detail}); the published table operations leave them out.",
        ),
    ],
    "omni": [
        nullable_in_31,
        bodiless_204,
        string_defaults,
        omni_error_bodies,
        rate_limited,
        everywhere(
            {"400": "BadRequest", "401": "Unauthorized"},
            "Every route checks the bearer key (401) and answers an invalid request 400 "
            "{error, message}; 24 published operations leave one of them out.",
            writes={"403": "ForbiddenEditor"},
        ),
        omni_published_definitions,
    ],
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("api")
    parser.add_argument("upstream", type=Path, help="the vendor's published document (JSON/YAML)")
    parser.add_argument("--source", default="", help="where it comes from (repository and path)")
    parser.add_argument("--revision", default="", help="the commit it was read at")
    args = parser.parse_args(argv)
    target = SPECS / f"{args.api}.yaml"
    current = yaml.load(target.read_text(), Loader=yaml.CSafeLoader)
    upstream = json.loads(args.upstream.read_text())
    merged, renames = merge(
        args.api,
        upstream,
        current,
        source=args.source or current.get("x-draftmock-upstream", {}).get("source", ""),
        revision=args.revision or current.get("x-draftmock-upstream", {}).get("revision", ""),
        fixes=FIXES.get(args.api, []),
    )
    text = yaml.dump(
        merged, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True, width=100
    )
    target.write_text(text)
    for ours, theirs in sorted(renames.items()):
        print(f"renamed {ours} -> {theirs}")
    print(f"{target}: {len(operations(merged))} operations", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
