"""PromptLayer's errors and how they look on the wire.

    PromptLayerError (400)                 {"success": false, "message": ..., "error": ...}
    ├── UnauthorizedError (401)
    ├── ForbiddenError (403)
    ├── NotFoundError (404)
    ├── ConflictError (409)
    ├── ExternalIdConflictError (409)      {"success": false, "message": ...}
    ├── ExternalIdNotFoundError (404)      {"success": false, "message": ...}
    └── InternalError (500)

Request validation answers 422 the way FastAPI does: ``{"detail": [{"loc", "msg", "type",
"input"}]}`` with Pydantic v2's wording.
"""

from __future__ import annotations

from typing import Any

from draftmock.spec.schema import Violation
from draftmock.vendors._kit import Reply, VendorError


class PromptLayerError(VendorError):
    status = 400
    message = "Bad request"
    code: str | None = "bad_request"


class UnauthorizedError(PromptLayerError):
    status = 401
    message = "Invalid or missing API key"
    code = "unauthorized"


class ForbiddenError(PromptLayerError):
    status = 403
    message = "API key does not have access to the requested resource"
    code = "forbidden"


class NotFoundError(PromptLayerError):
    status = 404
    message = "Requested resource does not exist or is not accessible"
    code = "not_found"


class ConflictError(PromptLayerError):
    status = 409
    message = "Conflict"
    code = "conflict"


class ExternalIdConflictError(PromptLayerError):
    status = 409
    message = "External id is already attached to another dataset group"
    code = None


class ExternalIdNotFoundError(PromptLayerError):
    status = 404
    message = "External id not found"
    code = None


class InternalError(PromptLayerError):
    status = 500
    message = "Internal server error"
    code = "internal_error"


_ERRORS = (PromptLayerError, UnauthorizedError, ForbiddenError, NotFoundError, ConflictError)
_CODES = {cls.status: cls.code for cls in (*_ERRORS, InternalError)}


def render_error(error: VendorError, request_id: str) -> Reply:
    body: dict[str, Any] = {"success": False, "message": error.message}
    code = error.code
    if code is None and not isinstance(error, PromptLayerError):
        code = _CODES.get(error.status)  # a generic error (an injected fault): full envelope
    if code is not None:
        body["error"] = code
    body.update(error.extra)
    return Reply(error.status, body, dict(error.headers))


def render_no_route(method: str, path: str, allowed: list[str], request_id: str) -> Reply:
    if allowed:
        return Reply(405, {"detail": "Method Not Allowed"})
    return Reply(404, {"detail": "Not Found"})


def render_violations(violations: list[Violation], request_id: str) -> Reply:
    return Reply(422, {"detail": [_detail(v) for v in violations]})


_TYPE_NAMES = {
    "integer": ("int", "a valid integer"),
    "number": ("float", "a valid number"),
    "string": ("string", "a valid string"),
    "boolean": ("bool", "a valid boolean"),
    "array": ("list", "a valid list"),
    "object": ("dict", "a valid dictionary"),
}


def _detail(v: Violation) -> dict[str, Any]:
    kind, msg = _pydantic(v)
    detail: dict[str, Any] = {"type": kind, "loc": list(v.loc), "msg": msg}
    if v.keyword not in ("required", "json"):
        detail["input"] = v.instance
    return detail


def _pydantic(v: Violation) -> tuple[str, str]:
    """Pydantic v2's error type and message for one violation."""
    k, expected = v.keyword, v.expected
    if k == "required":
        return "missing", "Field required"
    if k == "json":
        return "json_invalid", "JSON decode error"
    if k == "contentType":  # FastAPI hands the unparsed body to the model
        return (
            "model_attributes_type",
            "Input should be a valid dictionary or object to extract fields from",
        )
    if k == "type":
        wanted = expected[0] if isinstance(expected, list) and expected else expected
        wanted = (
            next((t for t in expected if t != "null"), "null")
            if isinstance(expected, list)
            else wanted
        )
        name, phrase = _TYPE_NAMES.get(str(wanted), ("value", f"a valid {wanted}"))
        if isinstance(v.instance, str) and name in ("int", "float", "bool"):
            return (
                f"{name}_parsing",
                f"Input should be {phrase}, unable to parse string as {_article(name)}",
            )
        return f"{name}_type", f"Input should be {phrase}"
    if k == "minimum":
        return "greater_than_equal", f"Input should be greater than or equal to {expected}"
    if k == "maximum":
        return "less_than_equal", f"Input should be less than or equal to {expected}"
    if k == "exclusiveMinimum":
        return "greater_than", f"Input should be greater than {expected}"
    if k == "exclusiveMaximum":
        return "less_than", f"Input should be less than {expected}"
    if k == "minLength":
        return (
            "string_too_short",
            f"String should have at least {expected} {_plural(expected, 'character')}",
        )
    if k == "maxLength":
        return (
            "string_too_long",
            f"String should have at most {expected} {_plural(expected, 'character')}",
        )
    if k == "minItems":
        return (
            "too_short",
            f"List should have at least {expected} {_plural(expected, 'item')} after validation",
        )
    if k == "maxItems":
        return (
            "too_long",
            f"List should have at most {expected} {_plural(expected, 'item')} after validation",
        )
    if k == "enum":
        return "enum", f"Input should be {_choices(expected)}"
    if k == "const":
        return "literal_error", f"Input should be {expected!r}"
    if k == "additionalProperties":
        return "extra_forbidden", "Extra inputs are not permitted"
    if k == "pattern":
        return "string_pattern_mismatch", f"String should match pattern '{expected}'"
    return "value_error", v.message


def _article(name: str) -> str:
    return {"int": "an integer", "float": "a number", "bool": "a boolean"}[name]


def _plural(count: Any, word: str) -> str:
    return word if count == 1 else f"{word}s"


def _choices(values: Any) -> str:
    items = [repr(v) for v in values] if isinstance(values, list) else [repr(values)]
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"
