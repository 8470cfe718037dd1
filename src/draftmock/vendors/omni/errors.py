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

import re
from http import HTTPStatus

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
    """``Invalid request: <field> <what is wrong>``, the field as a dotted path."""
    where = [str(part) for part in violation.loc[1:]] if len(violation.loc) > 1 else []
    if where == ["include"]:
        return "Invalid include parameter value"
    if violation.keyword == "json":
        return "Invalid request: the body is not valid JSON"
    field = ".".join(where) or "body"
    return f"Invalid request: {field}: {violation.message}"
