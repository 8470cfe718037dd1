"""AgentCore's errors and how they look on the wire (rest-json).

Every error carries ``x-amzn-ErrorType: <ExceptionName>`` (botocore reads the code from it) and
``x-amzn-RequestId``; the body is ``{"message": ...}`` plus the exception's modelled members.

    AgentCoreError
    ├── ValidationException (400)            + reason, fieldList
    ├── ServiceQuotaExceededException (402)
    ├── AccessDeniedException (403)
    ├── ResourceNotFoundException (404)
    ├── ConflictException (409)
    ├── ThrottlingException (429)
    └── InternalServerException (500)
"""

from __future__ import annotations

import json
import re
from typing import Any

from draftmock.spec.schema import Violation
from draftmock.vendors._kit import Reply, VendorError

ERROR_TYPE = "x-amzn-ErrorType"
REQUEST_ID = "x-amzn-RequestId"


class AgentCoreError(VendorError):
    status = 500
    message = "Internal server error"
    code: str | None = "InternalServerException"


class ValidationException(AgentCoreError):
    status = 400
    message = "Invalid input"
    code = "ValidationException"

    def __init__(
        self,
        message: str,
        *,
        reason: str = "FieldValidationFailed",
        fields: list[tuple[str, str]] | None = None,
    ) -> None:
        extra: dict[str, Any] = {"reason": reason}
        if fields:
            extra["fieldList"] = [{"name": n, "message": m} for n, m in fields]
        super().__init__(message, **extra)


def validation_error(fields: list[tuple[str, str]]) -> ValidationException:
    """FieldValidationFailed naming each (field, message); AWS's summary wording."""
    noun = "error" if len(fields) == 1 else "errors"
    summary = "; ".join(m for _, m in fields[:10])
    return ValidationException(
        f"{len(fields)} validation {noun} detected: {summary}", fields=fields[:100]
    )


def field_error(name: str, message: str) -> ValidationException:
    return validation_error([(name, message)])


class ServiceQuotaExceededException(AgentCoreError):
    status = 402
    message = "Service quota exceeded"
    code = "ServiceQuotaExceededException"


class AccessDeniedException(AgentCoreError):
    status = 403
    message = "Access denied"
    code = "AccessDeniedException"


class ResourceNotFoundException(AgentCoreError):
    status = 404
    message = "Resource not found"
    code = "ResourceNotFoundException"


class ConflictException(AgentCoreError):
    status = 409
    message = "Conflict"
    code = "ConflictException"


class InternalServerException(AgentCoreError):
    status = 500
    message = "Internal server error"
    code = "InternalServerException"


BY_STATUS = {
    400: "ValidationException",
    402: "ServiceQuotaExceededException",
    403: "AccessDeniedException",
    404: "ResourceNotFoundException",
    409: "ConflictException",
    429: "ThrottlingException",
    # Refusals of the connection layer (the model names none; the names say what happened).
    408: "RequestTimeoutException",
    413: "RequestEntityTooLargeException",
    414: "RequestUriTooLongException",
    431: "RequestHeaderFieldsTooLargeException",
}


def render_error(error: VendorError, request_id: str) -> Reply:
    """Any error as rest-json; engine errors (injected faults) are named by their status."""
    extra = dict(error.extra)
    if isinstance(error, AgentCoreError) and error.code:
        code = error.code
    else:
        code = BY_STATUS.get(error.status, "InternalServerException")
        if code == "ValidationException":
            extra.setdefault("reason", "FieldValidationFailed")
    body: dict[str, Any] = {"message": error.message or code, **extra}
    headers = {ERROR_TYPE: code, REQUEST_ID: request_id, **error.headers}
    return Reply(error.status, body, headers)


# Literal paths that the {datasetId} template also matches. A generated dataset id always ends in
# "-<10 characters>", so GET/PUT/DELETE /datasets/list can only ever answer 404: the resource at
# that path is ListDatasets, and a 405 there advertises its own method.
_LITERAL_RESOURCES = {"/datasets/list": "POST"}


def render_no_route(method: str, path: str, allowed: list[str], request_id: str) -> Reply:
    headers = {ERROR_TYPE: "UnknownOperationException", REQUEST_ID: request_id}
    if allowed:  # a known resource, another method: what Smithy's rest-json routers answer
        literal = _LITERAL_RESOURCES.get(path.rstrip("/"))
        if literal is not None:
            headers["allow"] = literal
        return Reply(405, {"message": f"{method} is not allowed on this resource"}, headers)
    return Reply(404, {"message": "The requested operation is not recognized"}, headers)


def render_violations(violations: list[Violation], request_id: str) -> Reply:
    if any(v.keyword in ("json", "contentType") for v in violations):
        error = ValidationException("Could not parse the request body", reason="CannotParse")
        return render_error(error, request_id)
    fields = [(_name(v), _constraint(v)) for v in violations]
    return render_error(validation_error(fields), request_id)


def _name(v: Violation) -> str:
    parts = list(v.loc[1:]) if v.loc and v.loc[0] in ("body", "path", "query", "header") else []
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


_ANCHORED = re.compile(r"^\^\(\?:(.*)\)\$$", re.S)


def _constraint(v: Violation) -> str:
    where = f"at '{_name(v)}'"
    if v.keyword == "required":
        return f"Value null {where} failed to satisfy constraint: Member must not be null"
    phrase = _phrase(v)
    return f"Value {_shown(v.instance)} {where} failed to satisfy constraint: {phrase}"


def _phrase(v: Violation) -> str:
    k, expected = v.keyword, v.expected
    if k == "pattern":
        pattern = str(expected)
        match = _ANCHORED.match(pattern)
        return f"Member must satisfy regular expression pattern: {match[1] if match else pattern}"
    if k in ("minLength", "minItems", "minProperties"):
        return f"Member must have length greater than or equal to {expected}"
    if k in ("maxLength", "maxItems", "maxProperties"):
        return f"Member must have length less than or equal to {expected}"
    if k == "minimum":
        return f"Member must have value greater than or equal to {expected}"
    if k == "maximum":
        return f"Member must have value less than or equal to {expected}"
    if k == "enum":
        values = ", ".join(str(e) for e in expected) if isinstance(expected, list) else expected
        return f"Member must satisfy enum value set: [{values}]"
    if k == "type":
        return f"Member must be of type {expected}"
    if k == "additionalProperties":
        return "Member is not a known member of the union"
    return f"Member is invalid: {v.message}"


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return f"'{text[:100]}'" if isinstance(value, str) else text[:100]
