"""Judging one response against the operation it answers, for the behaviour phase.

The behaviour scenarios call operations by ``operationId``; every response is checked here: is its
status documented for the operation, and does its JSON body validate against the documented
schema? Validation uses ``openapi-schema-validator`` (the pure-Python validator family) over the
pristine document, not the mock's own compiled validators, so a defect in the mock's reply checking
cannot hide an off-spec reply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openapi_schema_validator import OAS30Validator, OAS31Validator

from draftmock.spec.document import Document, escape, lookup

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


@dataclass(frozen=True)
class OperationRef:
    operation_id: str
    method: str
    path: str  # the template, e.g. /api/public/v2/datasets/{dataset_id}/rows
    pointer: str  # JSON pointer of the operation object


class Referee:
    def __init__(self, document: Document) -> None:
        self.document = document
        self.operations: dict[str, OperationRef] = {}
        for path, item in document.raw.get("paths", {}).items():
            for method in METHODS:
                op = item.get(method) if isinstance(item, dict) else None
                if isinstance(op, dict) and "operationId" in op:
                    pointer = f"/paths/{escape(path)}/{method}"
                    self.operations[op["operationId"]] = OperationRef(
                        op["operationId"], method.upper(), path, pointer
                    )
        self._validator = OAS31Validator if document.is_31 else OAS30Validator

    def operation(self, operation_id: str) -> OperationRef:
        try:
            return self.operations[operation_id]
        except KeyError:
            raise KeyError(f"{self.document.path.name} has no operation {operation_id!r}") from None

    def _response_pointer(self, op: OperationRef, status: int) -> str | None:
        responses = lookup(self.document.raw, op.pointer).get("responses", {})
        for key in (str(status), f"{str(status)[0]}XX", f"{str(status)[0]}xx", "default"):
            if key in responses:
                pointer = f"{op.pointer}/responses/{escape(key)}"
                node = responses[key]
                while isinstance(node, dict) and "$ref" in node:
                    pointer = node["$ref"][1:]
                    node = lookup(self.document.raw, pointer)
                return pointer
        return None

    def problems(
        self, operation_id: str, status: int, content_type: str | None, body: Any, has_body: bool
    ) -> list[str]:
        """Why this response is not what ``operation_id`` documents (empty when it conforms)."""
        op = self.operation(operation_id)
        pointer = self._response_pointer(op, status)
        if pointer is None:
            documented = sorted(lookup(self.document.raw, op.pointer).get("responses", {}))
            return [
                f"status {status} is not documented for {operation_id} "
                f"(documented: {', '.join(documented)})"
            ]
        response = lookup(self.document.raw, pointer)
        content = response.get("content") or {}
        media = (content_type or "").split(";")[0].strip().lower()
        if not content:
            return [f"status {status} documents no body but one was sent"] if has_body else []
        if not has_body:
            return [f"status {status} documents a body but none was sent"]
        if media not in content:
            return [f"media type {media or 'none'} is not documented for status {status}"]
        if "schema" not in content[media] or not media.endswith("json"):
            return []
        schema_pointer = f"{pointer}/content/{escape(media)}/schema"
        validator = self._validator(
            self.document.pointer_ref(schema_pointer), registry=self.document.registry
        )
        return [
            f"body does not match the {status} schema: {error.message}"
            for error in list(validator.iter_errors(body))[:3]
        ]
