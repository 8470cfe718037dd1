"""Omni's errors and how they look on the wire: always ``{"error": <reason phrase>, "message"}``.

    OmniError (400 Bad Request)
    ├── UnauthorizedError (401)
    ├── ForbiddenError (403)            "Permission denied" unless a role message is given
    ├── NotFoundError (404)
    ├── ConflictError (409)
    ├── UnprocessableError (422)
    └── RateLimitedError (429)          with Retry-After

A bare ``VendorError(message, status=N)`` (the control plane's injected faults) renders the same
way, with the reason phrase of ``N``. Validation failures answer 400 naming the field.
"""

from __future__ import annotations

import json
import re
from http import HTTPStatus
from typing import Any

from draftmock.spec.schema import Violation
from draftmock.vendors._kit import Reply, VendorError

# Fixed here rather than taken from ``http`` alone: newer Pythons renamed 422's phrase.
REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    501: "Not Implemented",
    503: "Service Unavailable",
}


def reason(status: int) -> str:
    if status in REASONS:
        return REASONS[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class OmniError(VendorError):
    status = 400
    message = "Bad Request"


class UnauthorizedError(OmniError):
    status = 401
    message = "Unauthorized - Invalid or missing API key"


class ForbiddenError(OmniError):
    status = 403
    message = "Permission denied"


class NotFoundError(OmniError):
    status = 404
    message = "Not Found"


class ConflictError(OmniError):
    status = 409
    message = "Conflict"


class UnprocessableError(OmniError):
    status = 422
    message = "This document has no structured layout; include containers to create one"


class RateLimitedError(OmniError):
    status = 429
    message = "Too Many Requests - Rate limit exceeded (60 requests/minute)"


def document_not_found(identifier: str) -> NotFoundError:
    return NotFoundError(f"Document with identifier {identifier} not found")


def draft_not_found(identifier: str) -> NotFoundError:
    return NotFoundError(f"Draft with id {identifier} does not exist")


def not_published() -> ConflictError:
    return ConflictError("Target is not a published document")


def render_error(error: VendorError, request_id: str) -> Reply:
    body = {"error": reason(error.status), "message": error.message}
    return Reply(error.status, body, dict(error.headers))


# ``/v2/documents/{documentId}/draft/publish`` is also matched by ``.../draft/{draftId}``, but a
# draft identifier is an 8-character slug, never "publish": that resource only answers POST.
_PUBLISH = re.compile(r"^/v2/documents/[^/]+/draft/publish/?$")


def render_no_route(method: str, path: str, allowed: list[str], request_id: str) -> Reply:
    if allowed:
        message = f"Method {method} is not allowed on {path}"
        headers = {"allow": "POST"} if _PUBLISH.match(path) else {}
        return Reply(405, {"error": reason(405), "message": message}, headers)
    return Reply(404, {"error": reason(404), "message": f"No route matches {method} {path}"})


def render_violations(violations: list[Violation], request_id: str) -> Reply:
    return Reply(400, {"error": reason(400), "message": describe(violations[0])})


def describe(violation: Violation) -> str:
    """``Invalid request: <field> <what is wrong>``, the field as a dotted path and values
    written as JSON (``null``, ``true``), never as Python reprs."""
    where = [str(part) for part in violation.loc[1:]] if len(violation.loc) > 1 else []
    if where == ["include"]:
        return "Invalid include parameter value"
    if violation.keyword == "json":
        return "Invalid request: the body is not valid JSON"
    field = ".".join(where) or "body"
    return f"Invalid request: {field}{_problem(violation)}"


_TYPE_NAMES = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "null": "null",
}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _one_of_types(types: Any) -> str | None:
    names = [types] if isinstance(types, str) else types
    if not isinstance(names, list) or not all(n in _TYPE_NAMES for n in names):
        return None
    return " or ".join(_TYPE_NAMES[n] for n in names)


def _branch_type(branch: Any) -> str | None:
    """The single type a branch allows, if that is all it says."""
    if isinstance(branch, dict) and set(branch) == {"type"} and isinstance(branch["type"], str):
        return branch["type"]
    return None


def _only_required(branch: Any) -> bool:
    return isinstance(branch, dict) and set(branch) == {"required"} and len(branch["required"]) == 1


def _problem(violation: Violation) -> str:
    """What is wrong, after the field: ``" is required"``, ``": must be ..."``."""
    keyword, expected, instance = violation.keyword, violation.expected, violation.instance
    if keyword == "required":
        return " is required"
    if keyword == "type":
        wanted = _one_of_types(expected)
        if wanted is not None:
            return f": must be {wanted}, not {_json_type(instance)}"
    if keyword in ("anyOf", "oneOf") and isinstance(expected, list) and expected:
        if all(_only_required(b) for b in expected):
            names = ", ".join(b["required"][0] for b in expected)
            return f": give at least one of {names}"
        wanted = _one_of_types([_branch_type(b) for b in expected])
        if wanted is not None:
            return f": must be {wanted}, not {_json_type(instance)}"
    message = violation.message
    if not isinstance(instance, str) and message.startswith(repr(instance)):
        message = json.dumps(instance) + message[len(repr(instance)) :]
    return f": {message}"
