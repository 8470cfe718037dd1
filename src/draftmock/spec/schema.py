"""Compiled JSON-schema validators and the ``Violation`` they report.

A validator is built once per schema at start-up; at request time we only call it. Violations
carry a location (``("body", "items", 0, "name")``) and the failing keyword, so each vendor can
render them in its own error format.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jsonschema_rs
from jsonschema import Draft4Validator
from jsonschema.exceptions import ValidationError
from jsonschema.validators import extend
from openapi_schema_validator import (
    OAS30Validator,
    OAS31Validator,
    oas30_format_checker,
    oas31_format_checker,
)

from draftmock.errors import SpecError
from draftmock.spec.document import Document

Loc = tuple[str | int, ...]

# OpenAPI 3.0's validator leaves out of ``required`` every readOnly and writeOnly member, in
# both directions. The documents validated here already drop them where OpenAPI says (the
# directed copies, ``Document.for_requests``/``for_responses``), so ``required`` is read as
# JSON Schema writes it: a reply missing a required readOnly member is caught.
_OAS30 = extend(OAS30Validator, {"required": Draft4Validator.VALIDATORS["required"]})


@dataclass(frozen=True, slots=True)
class Violation:
    """One reason an instance does not match its schema."""

    loc: Loc
    keyword: str
    message: str
    expected: Any = None
    instance: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        where = ".".join(str(p) for p in self.loc) or "(root)"
        return f"{where}: {self.message}"


class SchemaValidator:
    """Validates instances against one schema of one document.

    Two engines: a compiled one (jsonschema-rs) answers "valid?" in well under a microsecond;
    only when it says no does the Python one (openapi-schema-validator, OpenAPI's own dialects)
    explain why. The Python engine has the last word, except on formats it has no checker for
    (``uri``, ``uri-reference``, ``hostname``, ... need packages it does not have): there the
    compiled engine's format findings stand, so ``format`` is enforced on requests and replies.
    """

    __slots__ = ("_direction", "_document_", "_fast", "_form", "_validator", "schema")

    def __init__(
        self, document: Document, schema: dict[str, Any], direction: str | None = None
    ) -> None:
        # Both engines are compiled on first use: a document of thousands of operations starts
        # at once, and an operation nobody calls costs nothing. ``direction`` ("request" or
        # "response") applies OpenAPI's readOnly/writeOnly rule to ``required``.
        self.schema = schema
        self._document_ = document
        self._direction = direction
        self._fast: Any = None
        self._validator: Any = None
        self._form: _FormShape | None = None

    @property
    def _document(self) -> Document:
        if self._direction == "request":
            return self._document_.for_requests
        if self._direction == "response":
            return self._document_.for_responses
        return self._document_

    def _compile_fast(self) -> Any:
        document = self._document
        try:
            fast_class = (
                jsonschema_rs.Draft202012Validator
                if document.is_31
                else jsonschema_rs.Draft4Validator
            )
            self._fast = fast_class(
                self.schema, registry=document.fast_registry, validate_formats=True
            )
        except ValueError:
            # A schema the compiled engine refuses (e.g. a regex dialect it lacks): the Python
            # engine answers alone.
            self._fast = _PythonOnly()
        return self._fast

    def compile(self) -> None:
        """Compile both engines now (a broken schema fails here, not at request time)."""
        if self._fast is None:
            self._compile_fast()
        if self._validator is None:
            self._compile_python()

    def _compile_python(self) -> Any:
        document = self._document
        if document.is_31:
            self._validator = OAS31Validator(
                self.schema, registry=document.registry, format_checker=oas31_format_checker
            )
        else:
            self._validator = _OAS30(
                self.schema, registry=document.registry, format_checker=oas30_format_checker
            )
        return self._validator

    def form_violations(self, form: Mapping[str, Any], prefix: Loc = ()) -> list[Violation]:
        """What can be checked of a multipart form, whose values are text or files: every
        ``required`` member present (through ``$ref``s and ``allOf``), a file member sent as a
        file, and each text value whose property is a string validated against that property."""
        shape = self._form or self._read_form_shape()
        found = [
            Violation((*prefix, name), "required", f"{name!r} is a required property")
            for name in shape.required
            if name not in form
        ]
        for name, value in form.items():
            if not isinstance(value, str) or (value == "null" and name in shape.nullable):
                continue  # a form writes a nullable member's null as the text "null"
            if name in shape.files:
                message = f"{name!r} is a file: a part with a filename"
                found.append(Violation((*prefix, name), "format", message))
            elif (checker := shape.text.get(name)) is not None:
                found.extend(checker.violations(value, (*prefix, name)))
        return found

    def _read_form_shape(self) -> _FormShape:
        """The schema read once as a form: its required members, file and string properties."""
        required: list[str] = []
        properties: dict[str, Any] = {}
        stack: list[Any] = [self.schema]
        while stack:
            node: Any = self._local(stack.pop())
            if not isinstance(node, dict):
                continue
            required.extend(n for n in node.get("required", []) if isinstance(n, str))
            for name, sub in (node.get("properties") or {}).items():
                properties.setdefault(name, sub)
            stack.extend(node.get("allOf", []) or [])
        files: set[str] = set()
        nullable: set[str] = set()
        text: dict[str, SchemaValidator] = {}
        # OpenAPI's rule, as for a JSON body: a readOnly member is not required of a request,
        # a writeOnly one not of a response.
        hidden = {"request": "readOnly", "response": "writeOnly"}.get(self._direction or "")
        for name, sub in properties.items():
            sub = self._local(sub)
            if not isinstance(sub, dict):
                continue
            if hidden is not None and self._flagged(sub, hidden):
                required = [r for r in required if r != name]
            kind = sub.get("type")
            if sub.get("nullable") is True or (isinstance(kind, list) and "null" in kind):
                nullable.add(name)
            if _is_file(sub):
                files.add(name)
            elif kind == "string" or (isinstance(kind, list) and "string" in kind):
                text[name] = SchemaValidator(self._document_, sub, self._direction)
        self._form = _FormShape(
            tuple(dict.fromkeys(required)), frozenset(files), text, frozenset(nullable)
        )
        return self._form

    def _flagged(self, node: dict[str, Any], flag: str, depth: int = 0) -> bool:
        """Whether ``node`` (or one of its ``allOf`` parts) sets ``flag: true``."""
        if node.get(flag) is True:
            return True
        parts = [self._local(part) for part in node.get("allOf") or []] if depth < 8 else []
        return any(isinstance(p, dict) and self._flagged(p, flag, depth + 1) for p in parts)

    def _local(self, node: Any) -> Any:
        """``node`` with its local ``$ref``s followed (None for another file's schema)."""
        try:
            return self._document_.resolve(node)
        except SpecError:
            return None

    def is_valid(self, instance: Any) -> bool:
        return not self.violations(instance)

    def violations(self, instance: Any, prefix: Loc = ()) -> list[Violation]:
        fast = self._fast or self._compile_fast()
        try:
            if fast.is_valid(instance):
                return []
        except (ValueError, TypeError, OverflowError):
            # values the compiled engine cannot take (huge integers): the Python one decides
            validator = self._validator or self._compile_python()
            return list(_flatten(validator.iter_errors(instance), prefix))
        validator = self._validator or self._compile_python()
        try:
            found = list(_flatten(validator.iter_errors(instance), prefix))
        except (re.error, TypeError):
            # A pattern only the compiled (ECMA-262) engine reads, such as ``\p{L}``, or a
            # discriminator property holding an array or object (openapi-schema-validator
            # looks it up in the mapping and fails): the compiled engine's errors are the
            # explanation.
            return _compiled_violations(fast, instance, prefix)
        return found or _format_violations(fast, instance, prefix)


def _compiled_violations(fast: Any, instance: Any, prefix: Loc) -> list[Violation]:
    found = []
    for error in fast.iter_errors(instance):
        name = type(error.kind).__name__
        keyword = name[:1].lower() + name[1:]
        loc = prefix + tuple(error.instance_path)
        found.append(Violation(loc, keyword, error.message, instance=error.instance))
    return found


def _format_violations(fast: Any, instance: Any, prefix: Loc) -> list[Violation]:
    """What only the compiled engine saw: values that break a ``format``."""
    found = []
    for error in fast.iter_errors(instance):
        kind = error.kind
        if isinstance(kind, jsonschema_rs.ValidationErrorKind.Format):
            loc = prefix + tuple(error.instance_path)
            expected = kind.format
            message = f"{error.instance!r} is not a {expected!r}"
            found.append(Violation(loc, "format", message, expected, error.instance))
    return found


class _PythonOnly:
    @staticmethod
    def is_valid(instance: Any) -> bool:
        return False

    @staticmethod
    def iter_errors(instance: Any) -> Iterable[Any]:
        return ()


def _flatten(errors: Iterable[ValidationError], prefix: Loc) -> Iterable[Violation]:
    seen: set[tuple[Loc, str]] = set()
    for error in sorted(errors, key=lambda e: (len(e.absolute_path), str(e.absolute_path))):
        for violation in _to_violations(error, prefix):
            key = (violation.loc, violation.keyword)
            if key not in seen:
                seen.add(key)
                yield violation


def _to_violations(error: ValidationError, prefix: Loc) -> Iterable[Violation]:
    loc: Loc = prefix + tuple(error.absolute_path)
    keyword = str(error.validator)
    if keyword == "required" and isinstance(error.instance, dict):
        for name in error.validator_value:
            if name not in error.instance:
                yield Violation((*loc, name), "required", f"'{name}' is required")
        return
    if keyword == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        for name in error.instance:
            if name not in allowed:
                yield Violation(
                    (*loc, name),
                    "additionalProperties",
                    f"'{name}' is not allowed",
                    instance=error.instance[name],
                )
        return
    if keyword in ("oneOf", "anyOf") and error.context:
        # Report the branch that got furthest, with every one of its errors: the most
        # specific explanation, and no sibling member's problem left out.
        branches: dict[Any, list[ValidationError]] = {}
        for sub in error.context:
            branch = sub.relative_schema_path[0] if sub.relative_schema_path else None
            branches.setdefault(branch, []).append(sub)
        best = max(branches.values(), key=lambda errs: max(len(e.absolute_path) for e in errs))
        if max(len(e.absolute_path) for e in best) > len(error.absolute_path):
            for sub in sorted(best, key=lambda e: (len(e.absolute_path), str(e.absolute_path))):
                yield from _to_violations(sub, prefix)
            return
    yield Violation(
        loc, keyword, error.message, expected=error.validator_value, instance=error.instance
    )


def _is_file(schema: Mapping[str, Any]) -> bool:
    """A form member that is a file upload (OpenAPI 3.0 ``format: binary``, 3.1
    ``contentMediaType``/``contentEncoding``)."""
    return (
        schema.get("format") == "binary"
        or "contentMediaType" in schema
        or ("contentEncoding" in schema)
    )


@dataclass(frozen=True, slots=True)
class _FormShape:
    required: tuple[str, ...]
    files: frozenset[str]
    text: dict[str, SchemaValidator]
    nullable: frozenset[str] = frozenset()
