"""An independent referee: every response a test receives is validated by openapi-core.

The server validates its own replies; this checks them again with a second implementation, so a
defect in draftmock's validator cannot hide an off-spec response.
"""

from __future__ import annotations

from typing import Any

import httpx
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

VIOLATION_HEADER = "x-draftmock-violation"


# ECMA-262's ``\p{C}`` (AWS's "no control characters", only ever inside a class such as
# ``[^\p{C}]``): Python's ``re``, which openapi-core validates with, has no property escapes.
_ECMA_ONLY = {"\\p{C}": "\\x00-\\x1f\\x7f-\\x9f"}


def python_patterns(node: Any) -> Any:
    """``node`` with each ECMA-only class in its ``pattern``s spelled for Python's ``re``."""
    if isinstance(node, dict):
        return {
            k: _python_pattern(v) if k == "pattern" and isinstance(v, str) else python_patterns(v)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [python_patterns(v) for v in node]
    return node


def _python_pattern(pattern: str) -> str:
    for ecma, python in _ECMA_ONLY.items():
        pattern = pattern.replace(ecma, python)
    return pattern


class _Request:
    def __init__(self, request: httpx.Request, base_url: str) -> None:
        url = request.url
        self.host_url = f"{url.scheme}://{url.netloc.decode()}"
        self.path = url.path
        self.full_url_pattern = self.host_url + url.path
        self.method = request.method.lower()
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(list(request.url.params.multi_items())),
            header=Headers(list(request.headers.items())),
            cookie=ImmutableMultiDict(),
        )
        self.content_type = request.headers.get("content-type", "application/json")
        self.body = request.content or None


class _Response:
    def __init__(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.content_type = response.headers.get("content-type", "application/json")
        self.headers = Headers(list(response.headers.items()))
        self.data = response.content


class Referee:
    def __init__(self, spec: dict[str, Any], base_url: str) -> None:
        self.base_url = base_url
        self.api = OpenAPI.from_dict({**python_patterns(spec), "servers": [{"url": base_url}]})

    def check(self, response: httpx.Response) -> None:
        if VIOLATION_HEADER in response.headers:
            raise AssertionError(
                f"the mock flagged its own response: {response.headers[VIOLATION_HEADER]}"
            )
        errors = list(
            self.api.iter_response_errors(
                _Request(response.request, self.base_url), _Response(response)
            )
        )
        if errors:
            details = "; ".join(_explain(e) for e in errors)
            raise AssertionError(
                f"{response.request.method} {response.request.url} -> {response.status_code} "
                f"does not conform to the spec: {details}\nbody: {response.text[:500]}"
            )


def _explain(error: BaseException) -> str:
    parts = [str(error)]
    for inner in getattr(error, "schema_errors", []) or []:
        parts.append(f"{list(inner.absolute_path)}: {inner.message}")
    cause = error.__cause__
    if cause is not None:
        parts.append(_explain(cause))
    return " / ".join(parts)


# (id of the spec, base URL) -> (the spec, its referee). Building one costs a fifth of a second
# and most tests use the same few documents; the spec is held so its id is never reused.
_REFEREES: dict[tuple[int, str], tuple[dict[str, Any], Referee]] = {}


def referee_for(spec: dict[str, Any], base_url: str) -> Referee:
    key = (id(spec), base_url)
    if key not in _REFEREES:
        _REFEREES[key] = (spec, Referee(spec, base_url))
    return _REFEREES[key][1]


def refereed_client(spec: dict[str, Any], base_url: str, **kwargs: Any) -> httpx.Client:
    referee = referee_for(spec, base_url)

    def on_response(response: httpx.Response) -> None:
        response.read()
        referee.check(response)

    return httpx.Client(base_url=base_url, event_hooks={"response": [on_response]}, **kwargs)
