"""Lunary's errors and how they look on the wire.

    LunaryError (400)                      {"message": ...}
    ├── NoFieldsToUpdateError (400)        "No fields to update"
    ├── ImportParseError (400)             the parser's message
    ├── ProjectIdRequiredError (400)       "projectId is required"
    ├── UnauthorizedError (401)            "Invalid access token" (a bearer token that is no JWS)
    │   ├── UnknownApiKeyError (401)       "Invalid API key" (a UUID no key or project has)
    │   ├── PrivateKeyRequiredError (401)  "This route requires a private API key"
    │   ├── ProjectAccessError (401)       "Unauthorized access to project"
    │   └── OrgKeyError (401)              "Org API key cannot access this route"
    ├── UnansweredError (404)              "Not Found" (the auth middleware gave no answer)
    ├── ForbiddenError (403)               {"error": "Forbidden", "message": ...}
    ├── DatasetNotFoundError (404)         "Dataset not found"
    ├── ItemNotFoundError (404)            "Dataset item not found"
    ├── VersionNotFoundError (404)         "Dataset version not found"
    ├── NameConflictError (409)            "Dataset name already exists in this project"
    └── RateLimitedError (429)             "Sometimes You Just Have to Slow Down."

Request validation answers 422 ``{"error": "Error", "message": "Validation error: ..."}`` with
zod's issue texts joined the way zod-validation-error joins them (``; ``), each followed by
``at "<path>"``. A request no route matches is 404 ``{"message": "Not Found"}`` (koa's default).
"""

from __future__ import annotations

import math
from typing import Any

from draftmock.spec.schema import Violation
from draftmock.vendors._kit import Reply, VendorError


class LunaryError(VendorError):
    status = 400
    message = "Bad request"
    code: str | None = None


class NoFieldsToUpdateError(LunaryError):
    message = "No fields to update"


class ImportParseError(LunaryError):
    message = "The content could not be parsed"


class UnauthorizedError(LunaryError):
    status = 401
    message = "Invalid access token"


class UnknownApiKeyError(UnauthorizedError):
    """Upstream reads a UUID-shaped credential as an API key and refuses an unknown one with this
    text; anything else is tried as a session token ("Invalid access token")."""

    message = "Invalid API key"


class PrivateKeyRequiredError(UnauthorizedError):
    """Upstream's bare dataset routes (list, create) check the key's kind themselves."""

    message = "This route requires a private API key"


class OrgKeyError(UnauthorizedError):
    message = "Org API key cannot access this route"


class ProjectAccessError(UnauthorizedError):
    """A session whose user is not a member of the ``?projectId=`` it names."""

    message = "Unauthorized access to project"


class ProjectIdRequiredError(LunaryError):
    """No project: a session without ``?projectId=``, or no credentials on a public route."""

    message = "projectId is required"


class UnansweredError(LunaryError):
    """Upstream's auth middleware returns without an answer (a credential that is neither a UUID
    nor a bearer token, no credentials on a bare route, a well-formed token whose signature
    fails); koa's error middleware then answers 404."""

    status = 404
    message = "Not Found"


class ForbiddenError(LunaryError):
    status = 403
    message = "You don't have access to this resource"
    code = "Forbidden"


class DatasetNotFoundError(LunaryError):
    status = 404
    message = "Dataset not found"


class ItemNotFoundError(LunaryError):
    status = 404
    message = "Dataset item not found"


class VersionNotFoundError(LunaryError):
    status = 404
    message = "Dataset version not found"


class NameConflictError(LunaryError):
    status = 409
    message = "Dataset name already exists in this project"


class RateLimitedError(LunaryError):
    status = 429
    message = "Sometimes You Just Have to Slow Down."


# Statuses whose documented body is ErrorWithCode ({"error", "message"}).
_CODES = {403: "Forbidden", 422: "Error"}


def render_error(error: VendorError, request_id: str) -> Reply:
    body: dict[str, Any] = {"message": error.message}
    code = error.code or _CODES.get(error.status)
    if code is not None:
        body["error"] = code
    return Reply(error.status, body, dict(error.headers))


def render_no_route(method: str, path: str, allowed: list[str], request_id: str) -> Reply:
    return Reply(404, {"message": "Not Found"})


def render_violations(violations: list[Violation], request_id: str) -> Reply:
    # One issue per failed check, as zod reports it: a blank value fails both ``minLength`` and
    # ``pattern`` here, but zod's single ``min(1)`` after ``trim()`` reports it once.
    issues = "; ".join(dict.fromkeys(_issue(v) for v in violations))
    return Reply(422, {"error": "Error", "message": f"Validation error: {issues}"})


def _issue(v: Violation) -> str:
    # A body that is not JSON has no member to point at (its location is a character offset).
    path = "" if v.keyword == "json" else _path(v.loc[1:])
    text = _zod_message(v)
    return f'{text} at "{path}"' if path else text


def _path(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def _received(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _fraction(value: Any) -> bool:
    """A query text that is a number, but not a whole one (``limit=1.5``)."""
    if not isinstance(value, str):
        return False
    try:
        number = float(value)
    except ValueError:
        return False
    return math.isfinite(number) and not number.is_integer()


def _zod_message(v: Violation) -> str:
    """zod 3's default message for the check that failed."""
    k, expected, instance = v.keyword, v.expected, v.instance
    if k == "required":
        return "Required"
    if k == "json":
        return "Invalid JSON body"
    if k == "format":
        return "Invalid datetime" if expected == "date-time" else f"Invalid {expected}"
    if k == "type":
        wanted = expected[0] if isinstance(expected, list) and expected else expected
        if wanted == "integer" and (isinstance(instance, float) or _fraction(instance)):
            return "Expected integer, received float"
        if wanted == "integer":
            wanted = "number"
        if wanted == "number" and isinstance(instance, str):
            return "Expected number, received nan"  # z.coerce.number() of a non-numeric text
        return f"Expected {wanted}, received {_received(instance)}"
    if k in ("minLength", "pattern"):
        count = expected if k == "minLength" else 1
        return f"String must contain at least {count} character(s)"
    if k == "maxLength":
        return f"String must contain at most {expected} character(s)"
    if k == "minimum":
        return f"Number must be greater than or equal to {expected}"
    if k == "maximum":
        return f"Number must be less than or equal to {expected}"
    if k == "enum":
        options = " | ".join(f"'{o}'" for o in expected or [])
        return f"Invalid enum value. Expected {options}, received '{instance}'"
    return v.message
