"""Checking a reply against its operation before it leaves the server."""

from __future__ import annotations

from typing import Any

from draftmock.spec.operations import Operation
from draftmock.vendors._kit import Reply

# Statuses whose replies carry no content (RFC 9110 §15.3.5, §15.4.5): sent without a body even
# where a document's response describes one, and conforming so.
NO_CONTENT = frozenset({204, 304})


def reply_problems(op: Operation, reply: Reply) -> list[str]:
    """Why ``reply`` is not what ``op`` documents (empty when it conforms)."""
    spec = op.response_for(reply.status)
    if spec is None:
        documented = ", ".join(op.documented_statuses)
        return [f"status {reply.status} is not documented for {op.operation_id} ({documented})"]
    problems: list[str] = []
    lowered = {name.lower() for name in reply.headers}
    problems.extend(
        f"required response header {name} is missing"
        for name in spec.required_headers
        if name not in lowered
    )
    if reply.body is None:
        if spec.content and reply.status not in NO_CONTENT:
            problems.append(f"status {reply.status} documents a body but none was sent")
        return problems
    if not spec.content:
        problems.append(f"status {reply.status} documents no body but one was sent")
        return problems
    declared = _declared(spec.content, reply.media_type)
    if declared is None:
        problems.append(f"media type {reply.media_type} is not documented for {reply.status}")
        return problems
    validator = spec.content[declared]
    if validator is not None and reply.media_type.endswith("json"):
        problems.extend(
            f"body does not match the {reply.status} schema at {v.describe()}"
            for v in validator.violations(reply.body)[:5]
        )
    return problems


def _declared(content: dict[str, Any], media_type: str) -> str | None:
    """The declared media type ``media_type`` falls under: itself, ``type/*`` or ``*/*``."""
    if media_type in content:
        return media_type
    main = media_type.split("/")[0]
    for candidate in (f"{main}/*", "*/*"):
        if candidate in content:
            return candidate
    return None
