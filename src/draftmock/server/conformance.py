"""Checking a reply against its operation before it leaves the server."""

from __future__ import annotations

from draftmock.spec.operations import Operation
from draftmock.vendors._kit import Reply


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
        if spec.content and reply.status != 204:
            problems.append(f"status {reply.status} documents a body but none was sent")
        return problems
    if not spec.content:
        problems.append(f"status {reply.status} documents no body but one was sent")
        return problems
    if reply.media_type not in spec.content:
        problems.append(f"media type {reply.media_type} is not documented for {reply.status}")
        return problems
    validator = spec.content[reply.media_type]
    if validator is not None and reply.media_type.endswith("json"):
        problems.extend(
            f"body does not match the {reply.status} schema at {v.describe()}"
            for v in validator.violations(reply.body)[:5]
        )
    return problems
