"""Answers chosen by the caller or the control plane instead of by behaviour code.

- ``Prefer`` (Prism-compatible): ``code=<status>`` answers that documented status, ``example=<name>``
  a named example, ``dynamic=true`` a body generated from the schema. State is not touched.
- Fault rules: the vendor's own error for a documented status, rendered by the vendor module.

Either way the reply comes from the contract, and is checked against it like any other.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from draftmock.generated.negotiation import negotiate
from draftmock.generated.shapes import ordered_media
from draftmock.ids import seeded_rng
from draftmock.spec.document import Document
from draftmock.spec.generate import generate
from draftmock.spec.media import is_yaml, render
from draftmock.spec.operations import Operation, ResponseSpec
from draftmock.spec.xml import is_xml
from draftmock.vendors._kit import Reply, Vendor, VendorError

MOCK_ERROR_HEADER = "x-draftmock-error"
# Seconds a client is told to wait after a 429 answered from the contract (a fault or
# ``Prefer``), where the vendor documents ``Retry-After`` for it.
FAULT_RETRY_AFTER = "1"


@dataclass(frozen=True)
class Preference:
    code: int | None = None
    example: str | None = None
    dynamic: bool = False

    @property
    def wanted(self) -> bool:
        return self.code is not None or self.example is not None or self.dynamic


def parse_prefer(header: str | None) -> Preference:
    if not header:
        return Preference()
    values: dict[str, str] = {}
    for token in header.replace(";", ",").split(","):
        key, _, value = token.strip().partition("=")
        values[key.strip().lower()] = value.strip().strip('"')
    code = values.get("code")
    return Preference(
        code=int(code) if code and code.isdigit() else None,
        example=values.get("example") or None,
        dynamic=values.get("dynamic", "").lower() == "true",
    )


def mock_refusal(message: str) -> Reply:
    """The mock's own 400 for a steering request it cannot honour (clearly marked as such)."""
    return Reply(
        400, {"draftmock_error": "bad steering", "message": message}, {MOCK_ERROR_HEADER: message}
    )


def preferred_reply(
    document: Document,
    op: Operation,
    preference: Preference,
    *,
    seed: int = 0,
    accept: str | None = None,
) -> Reply:
    """The reply ``Prefer`` asks for, in the documented media type ``accept`` prefers (JSON
    first; one admitting none gets the first). Generated values depend on ``seed``, the API,
    operation, status and media type only: the same request gets the same answer in every run
    with that seed."""
    status, spec = _pick_status(op, preference)
    if spec is None:
        if preference.code is None and preference.example is not None:
            names = ", ".join(example_names(op)) or "none"
            return mock_refusal(
                f"Prefer asks for example {preference.example!r}, which {op.operation_id} "
                f"does not document (its examples: {names})"
            )
        documented = ", ".join(op.documented_statuses)
        return mock_refusal(
            f"Prefer asks for {preference.code or preference.example!r}, which "
            f"{op.operation_id} does not document (documented: {documented})"
        )
    key = (seed, document.api, op.operation_id, status)
    headers = {
        name: _header_value(document, op, status, name, key) for name in spec.required_headers
    }
    if "retry-after" in (name.lower() for name in _documented_headers(document, op, status)):
        headers.setdefault("retry-after", FAULT_RETRY_AFTER)
    if not spec.content:
        return Reply(status, None, headers)
    offered = ordered_media(spec.content)  # JSON first, as the generated tier answers
    media_type = negotiate(offered, accept) or offered[0]
    examples = spec.examples.get(media_type, {})
    if preference.example is not None and preference.example in examples:
        body = examples[preference.example]
    elif examples and not preference.dynamic:
        body = next(iter(examples.values()))
    else:
        schema = _schema(document, op, status, media_type)
        body = generate(document, schema, rng=seeded_rng(*key, media_type))
    if is_xml(media_type) or is_yaml(media_type):  # written from the value
        body = render(document, _schema(document, op, status, media_type), body, media_type)
    return Reply(status, body, headers, media_type)


def example_names(op: Operation) -> list[str]:
    """The names of the examples an operation's responses document, each once, in order."""
    names: dict[str, None] = {}
    for key, spec in op.responses.items():
        if key.isdigit():
            for named in spec.examples.values():
                names.update(dict.fromkeys(named))
    return list(names)


def _pick_status(op: Operation, preference: Preference) -> tuple[int, ResponseSpec | None]:
    if preference.code is not None:
        return preference.code, op.response_for(preference.code)
    if preference.example is not None:
        for key, spec in op.responses.items():
            if key.isdigit() and any(
                preference.example in named for named in spec.examples.values()
            ):
                return int(key), spec
        return 0, None
    for key, spec in op.responses.items():
        if key.isdigit() and key.startswith("2"):
            return int(key), spec
    return 0, None


def _response_raw(document: Document, op: Operation, status: int) -> dict[str, Any]:
    responses = op.raw.get("responses", {})
    raw = (
        responses.get(str(status))
        or responses.get(f"{str(status)[0]}XX")
        or responses.get("default")
    )
    resolved: dict[str, Any] = document.resolve(raw) or {}
    return resolved


def _schema(document: Document, op: Operation, status: int, media_type: str) -> Any:
    return (
        _response_raw(document, op, status).get("content", {}).get(media_type, {}).get("schema", {})
    )


def _header_value(
    document: Document, op: Operation, status: int, name: str, key: tuple[object, ...]
) -> str:
    for header_name, header in (_response_raw(document, op, status).get("headers") or {}).items():
        if header_name.lower() == name:
            schema = document.resolve(header).get("schema", {})
            value = generate(document, schema, rng=seeded_rng(*key, name), name=header_name)
            return value if isinstance(value, str) else json.dumps(value)
    return "draftmock"


def fault_reply(
    vendor: Vendor[Any],
    status: int,
    message: str,
    request_id: str,
    *,
    document: Document | None = None,
    op: Operation | None = None,
) -> Reply:
    """The vendor's own error for ``status``. Given the operation, a ``Retry-After`` its spec
    documents for that status is added when the vendor's renderer did not, so an injected 429
    carries the headers of the vendor's real one (the admission headers, such as Lunary's
    ``Rate-Limit-*`` counters, are added by the pipeline as for any reply)."""
    reply = vendor.render_error(VendorError(message, status=status), request_id)
    if document is not None and op is not None:
        with_retry_after(reply, document, op, status)
    return reply


def with_retry_after(reply: Reply, document: Document, op: Operation, status: int) -> Reply:
    """``reply`` with the ``Retry-After`` its operation documents for ``status``, if absent."""
    present = {name.lower() for name in reply.headers}
    for name in _documented_headers(document, op, status):
        if name.lower() == "retry-after" and name.lower() not in present:
            reply.headers[name] = FAULT_RETRY_AFTER
    return reply


def _documented_headers(document: Document, op: Operation, status: int) -> list[str]:
    return list(_response_raw(document, op, status).get("headers") or {})
