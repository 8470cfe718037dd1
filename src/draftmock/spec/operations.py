"""Compiling a document's paths into ``Operation``s and a ``Router`` that finds them.

Everything per-operation is computed here, once: path regex, parameter coercion and validators,
request-body validators per media type, response validators per status, security alternatives.
At request time the server only looks things up.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

from draftmock.errors import SpecError
from draftmock.spec.document import Document, escape
from draftmock.spec.params import Parameter, primary_type, single_value
from draftmock.spec.schema import SchemaValidator

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


@dataclass(frozen=True, slots=True)
class SecurityScheme:
    name: str
    type: str  # "apiKey" | "http" | ...
    location: str  # "header" | "query" | "cookie" (apiKey) or "header" (http)
    param: str  # header/query/cookie name (lower-case for headers)
    scheme: str  # "bearer" | "basic" for http
    raw: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Body:
    required: bool
    validators: dict[str, SchemaValidator | None]  # media type -> validator

    def validator_for(self, media_type: str) -> tuple[bool, SchemaValidator | None]:
        if media_type in self.validators:
            return True, self.validators[media_type]
        for declared, validator in self.validators.items():
            if declared.endswith("/*") and media_type.startswith(declared[:-1]):
                return True, validator
            if declared == "*/*":
                return True, validator
        return False, None


@dataclass(frozen=True, slots=True)
class ResponseSpec:
    status: str  # "200", "4XX" or "default"
    content: dict[str, SchemaValidator | None]
    required_headers: tuple[str, ...]
    examples: dict[str, dict[str, Any]]  # media type -> {name: value}


@dataclass(frozen=True)
class Operation:
    api: str
    operation_id: str
    method: str
    path: str
    parameters: tuple[Parameter, ...]
    body: Body | None
    responses: dict[str, ResponseSpec]
    security: tuple[dict[str, list[str]], ...]
    raw: dict[str, Any] = field(repr=False)

    def response_for(self, status: int) -> ResponseSpec | None:
        code = str(status)
        return (
            self.responses.get(code)
            or self.responses.get(f"{code[0]}XX")
            or self.responses.get("default")
        )

    @property
    def documented_statuses(self) -> tuple[str, ...]:
        return tuple(self.responses)


@dataclass
class CompiledApi:
    document: Document
    operations: dict[str, Operation]
    schemes: dict[str, SecurityScheme]
    router: Router


# (location, name) -> the request's value there; location is "header" (name lower-case) or "query"
Lookup = Callable[[str, str], str | None]


@dataclass(frozen=True, slots=True)
class _Marker:
    """A value a request must carry to reach one operation: a required header or query parameter
    admitting one value, or a ``name=value`` pair of the path's fragment (header or query)."""

    location: str | None  # None: a fragment's pair, found in a header or the query
    name: str
    value: str

    def met(self, lookup: Lookup) -> bool:
        if self.location is not None:
            return lookup(self.location, self.name) == self.value
        return self.value in (lookup("header", self.name.lower()), lookup("query", self.name))


def _markers(op: Operation) -> frozenset[_Marker]:
    found = {
        _Marker(param.location, param.key, param.single)
        for param in op.parameters
        if param.required and param.single is not None
    }
    fragment = op.path.partition("#")[2]
    found.update(_Marker(None, name, value) for name, value in parse_qsl(fragment))
    return frozenset(found)


class _Choice:
    """The operations of one method on one path. Most paths have one; operations that share
    method and path (AWS' ``POST /#X-Amz-Target=...``) are told apart by the markers each has
    and the others lack. A request meeting none of them reaches the first, whose validation
    then names the parameter it lacks."""

    __slots__ = ("first", "options")

    def __init__(self, ops: Sequence[Operation]) -> None:
        self.first = ops[0]
        self.options: list[tuple[Operation, frozenset[_Marker]]] = []
        if len(ops) > 1:
            marked = [(op, _markers(op)) for op in ops]
            shared = frozenset.intersection(*(markers for _, markers in marked))
            options = [(op, markers - shared) for op, markers in marked]
            self.options = sorted(options, key=lambda option: -len(option[1]))

    def pick(self, lookup: Lookup | None) -> Operation:
        if lookup is None or not self.options:
            return self.first
        chosen, marked = self.first, False
        for op, markers in self.options:
            if all(marker.met(lookup) for marker in markers):
                chosen, marked = op, bool(markers)
                break
        media = lookup("header", "content-type")
        if marked or media is None or _takes(chosen, media):
            return chosen
        # Reached by no marker of its own, and not taking the body sent: the operation that
        # takes it, whose only unmet markers are the path's #fragment (Azure's
        # ``#overload=url`` and ``#overload=stream`` differ only by their bodies).
        for op, markers in self.options:
            if _takes(op, media) and all(m.location is None or m.met(lookup) for m in markers):
                return op
        return chosen


def _takes(op: Operation, media_type: str) -> bool:
    """Whether ``op`` documents a request body in ``media_type`` (parameters aside)."""
    plain = media_type.split(";")[0].strip().lower()
    return op.body is not None and op.body.validator_for(plain)[0]


def routing_path(path: str) -> str:
    """The part of a document's path a request can name: without its ``#fragment``."""
    return path.partition("#")[0] or "/"


class _Template:
    """One templated path of one method; its regex is compiled on first use."""

    __slots__ = ("_regex", "choice", "literal", "method", "path")

    def __init__(self, path: str, choice: _Choice) -> None:
        self.choice = choice
        self.path = path
        self.method = choice.first.method
        self.literal = len(re.sub(r"\{[^}]+\}", "", path))
        self._regex: re.Pattern[str] | None = None

    def fullmatch(self, path: str) -> re.Match[str] | None:
        if self._regex is None:
            self._regex = _template_regex(self.path)
        return self._regex.fullmatch(path)


class Router:
    """Finds the operation for (method, path): exact paths first, then templates, the most
    specific path that matches deciding (``/a/list`` answers 405 to a method only ``/a/{id}``
    has).

    Templates are bucketed by their number of segments and their first segment (when it is a
    literal), so a request is matched only against paths that could fit it, and a document of
    thousands of paths compiles each regex only when a request first needs it. Operations on
    the same method and path are told apart by the request's headers and query (``_Choice``)."""

    def __init__(self, operations: list[Operation]) -> None:
        self._static: dict[tuple[str, str], _Choice] = {}
        self._static_methods: dict[str, list[str]] = {}
        self._buckets: dict[tuple[int, str | None], list[_Template]] = {}
        grouped: dict[tuple[str, str], list[Operation]] = {}
        for op in operations:
            grouped.setdefault((op.method, routing_path(op.path)), []).append(op)
        # A path written with empty segments (``//openapi``) also answers with them collapsed,
        # as most HTTP clients and proxies send it, unless another path is written that way.
        for (method, path), ops in list(grouped.items()):
            collapsed = re.sub(r"/{2,}", "/", path)
            if collapsed != path:
                grouped.setdefault((method, collapsed), ops)
        for (method, path), ops in grouped.items():
            choice = _Choice(ops)
            if "{" not in path:
                self._static[(method, path)] = choice
                self._static_methods.setdefault(path, []).append(method)
            else:
                first = path.split("/")[1] if path.count("/") else ""
                key = (path.count("/"), None if "{" in first else first)
                self._buckets.setdefault(key, []).append(_Template(path, choice))
        # More literal characters first: /a/list beats /a/{id}.
        for bucket in self._buckets.values():
            bucket.sort(key=lambda t: -t.literal)
        self._merged: dict[tuple[int, str], list[_Template]] = {}

    def _candidates(self, path: str) -> list[_Template]:
        count = path.count("/")
        first = path.split("/", 2)[1] if count else ""
        wildcard = self._buckets.get((count, None), [])
        named = self._buckets.get((count, first))
        if named is None:
            return wildcard
        merged = self._merged.get((count, first))
        if merged is None:
            merged = sorted([*named, *wildcard], key=lambda t: -t.literal)
            self._merged[(count, first)] = merged
        return merged

    def match(
        self, method: str, path: str, lookup: Lookup | None = None
    ) -> tuple[Operation | None, dict[str, str], list[str]]:
        """(operation, raw path params, methods allowed on the path). No methods: unknown path.
        ``lookup`` gives the request's header and query values, to choose among operations
        sharing the method and path; without it the first of them is chosen."""
        choice = self._static.get((method, path))
        if choice is not None:
            return choice.pick(lookup), {}, [method]
        if path in self._static_methods:
            # A concrete path is matched before its templated counterparts (OpenAPI): another
            # method on it is not allowed, rather than an operation of /things/{id}.
            return None, {}, list(self._static_methods[path])
        allowed: list[str] = []
        best: int | None = None  # the literal length of the most specific path that matched
        for template in self._candidates(path):
            if best is not None and template.literal < best:
                break
            found = template.fullmatch(path)
            if found is None:
                continue
            best = template.literal
            if template.method == method:
                return template.choice.pick(lookup), found.groupdict(), [method]
            allowed.append(template.method)
        return None, {}, allowed


def _template_regex(path: str) -> re.Pattern[str]:
    pattern = ""
    for piece in re.split(r"(\{[^}]+\})", path):
        if piece.startswith("{") and piece.endswith("}"):
            pattern += f"(?P<{_group(piece[1:-1])}>[^/]+)"
        else:
            pattern += re.escape(piece)
    return re.compile(pattern)


def _group(name: str) -> str:
    return re.sub(r"\W", "_", name)


@dataclass(frozen=True, slots=True)
class OperationSite:
    """Where one operation is declared: path, method, its operationId and raw object."""

    path: str
    method: str  # lower case, as in the document
    operation_id: str
    raw: dict[str, Any]
    path_item: dict[str, Any]


def walk_operations(document: Document, *, tolerant: bool = False) -> list[OperationSite]:
    """Every operation of the document, in document order.

    Strict (the built-in APIs): an operation without an operationId, or one used twice, is a
    ``SpecError``. Tolerant (any document): a missing one is named ``"GET /path"`` and a repeated
    one gets a numbered suffix, so every operation is served and addressable.
    """
    sites: list[OperationSite] = []
    taken: set[str] = set()
    for path, item in (document.raw.get("paths") or {}).items():
        item = document.resolve(item)
        if not isinstance(item, dict):
            continue
        for method in METHODS:
            op_raw = item.get(method)
            if not isinstance(op_raw, dict):
                continue
            op_id = op_raw.get("operationId")
            if not op_id:
                if not tolerant:
                    raise SpecError(
                        f"{document.path.name}: {method.upper()} {path} has no operationId"
                    )
                op_id = f"{method.upper()} {path}"
            op_id = str(op_id)
            if op_id in taken:
                if not tolerant:
                    raise SpecError(f"{document.path.name}: operationId {op_id} is used twice")
                n = 2
                while f"{op_id}_{n}" in taken:
                    n += 1
                op_id = f"{op_id}_{n}"
            taken.add(op_id)
            sites.append(OperationSite(path, method, op_id, op_raw, item))
    return sites


def compile_document(document: Document, *, tolerant: bool = False) -> CompiledApi:
    """Every operation compiled; each schema validator on its first use (a validator's
    construction checks nothing a request would not: a schema the compiled engine refuses falls
    back to the Python one). Strict (the default) refuses an operation naming an unknown security
    scheme; tolerant (any document) serves what it can of an imperfect document."""
    raw = document.raw
    schemes = _security_schemes(document)
    global_security = raw.get("security", [])
    operations: dict[str, Operation] = {}
    for site in walk_operations(document, tolerant=tolerant):
        pointer = f"/paths/{escape(site.path)}/{site.method}"
        op_raw = site.raw
        security = tuple(op_raw.get("security", global_security) or ())
        if tolerant:
            security = tuple(r for r in security if all(name in schemes for name in r))
        operations[site.operation_id] = Operation(
            api=document.api,
            operation_id=site.operation_id,
            method=site.method.upper(),
            path=site.path,
            parameters=_parameters(document, pointer, site.path_item.get("parameters", []), op_raw),
            body=_body(document, pointer, op_raw),
            responses=_responses(document, pointer, op_raw),
            security=security,
            raw=op_raw,
        )
    for op in operations.values():
        for requirement in op.security:
            for name in requirement:
                if name not in schemes:
                    raise SpecError(
                        f"{document.path.name}: {op.operation_id} uses unknown security {name}"
                    )
    return CompiledApi(document, operations, schemes, Router(list(operations.values())))


def validators_of(op: Operation) -> list[SchemaValidator]:
    """Every schema validator an operation holds (parameters, bodies, responses)."""
    found = [param.validator for param in op.parameters]
    if op.body is not None:
        found.extend(v for v in op.body.validators.values() if v is not None)
    for response in op.responses.values():
        found.extend(v for v in response.content.values() if v is not None)
    return found


def _security_schemes(document: Document) -> dict[str, SecurityScheme]:
    found: dict[str, SecurityScheme] = {}
    declared = (document.raw.get("components") or {}).get("securitySchemes") or {}
    for name, scheme in declared.items():
        scheme = document.resolve(scheme)
        kind = scheme.get("type", "")
        if kind == "apiKey":
            location = scheme.get("in", "header")
            param = scheme["name"].lower() if location == "header" else scheme["name"]
            found[name] = SecurityScheme(name, kind, location, param, "", scheme)
        elif kind == "http":
            found[name] = SecurityScheme(
                name, kind, "header", "authorization", str(scheme.get("scheme", "")).lower(), scheme
            )
        else:
            found[name] = SecurityScheme(name, kind, "header", "authorization", "", scheme)
    return found


def _parameters(
    document: Document, op_pointer: str, shared: list[Any], op_raw: dict[str, Any]
) -> tuple[Parameter, ...]:
    """Path-level parameters overridden by operation-level ones, as OpenAPI specifies."""
    path_pointer = op_pointer.rsplit("/", 1)[0]
    merged: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}
    for base, params in ((path_pointer, shared), (op_pointer, op_raw.get("parameters", []))):
        for index, param in enumerate(params):
            resolved = document.resolve(param)
            pointer = _param_pointer(param, f"{base}/parameters/{index}")
            merged[(resolved["name"], resolved["in"])] = (resolved, pointer)
    result = []
    for (name, location), (param, pointer) in merged.items():
        schema = document.resolve(param.get("schema", {}))
        if not isinstance(schema, dict):
            schema = {}
        kind = primary_type(schema)
        items = document.resolve(schema.get("items", {})) if kind == "array" else {}
        result.append(
            Parameter(
                name=name,
                location=location,
                required=bool(param.get("required", location == "path")),
                kind=kind,
                item_kind=primary_type(items) if items else "string",
                explode=bool(param.get("explode", param.get("style", "form") == "form")),
                validator=SchemaValidator(
                    document,
                    document.pointer_ref(f"{pointer}/schema") if "schema" in param else {},
                ),
                has_default="default" in schema,
                default=schema.get("default"),
                structured=location == "query" and _structured(document, schema),
                style=str(param.get("style", "")),
                single=single_value(schema) if location in ("header", "query") else None,
            )
        )
    return tuple(result)


def _structured(document: Document, schema: dict[str, Any]) -> bool:
    """An object, or an array of objects or arrays: a value form-style serialisation cannot
    carry faithfully."""
    kind = _deep_type(document, schema)
    if kind == "object":
        return True
    if kind == "array":
        items = document.resolve(schema.get("items", {}))
        return isinstance(items, dict) and _deep_type(document, items) in ("object", "array")
    return False


def _deep_type(document: Document, schema: dict[str, Any], depth: int = 0) -> str | None:
    """The JSON type ``schema`` names, looking through references and ``allOf``/``oneOf``/``anyOf``
    members; None when it names none."""
    schema = document.resolve(schema)
    if not isinstance(schema, dict) or depth > 8:
        return None
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if isinstance(kind, str):
        return kind
    if "properties" in schema or "additionalProperties" in schema:
        return "object"
    for key in ("allOf", "oneOf", "anyOf"):
        for member in schema.get(key) or ():
            found = _deep_type(document, member, depth + 1)
            if found is not None:
                return found
    return None


def _param_pointer(param: Any, pointer: str) -> str:
    if isinstance(param, dict) and isinstance(param.get("$ref"), str):
        return _ref_pointer(param["$ref"])
    return pointer


def _ref_pointer(ref: str) -> str:
    """The JSON pointer a local ``$ref`` names: its fragment percent-decoded (RFC 6901 §6,
    ``%7B`` for ``{``), as ``Document.pointer_ref`` encodes a pointer again."""
    return unquote(ref[1:])


def _body(document: Document, pointer: str, op_raw: dict[str, Any]) -> Body | None:
    if "requestBody" not in op_raw:
        return None
    body = op_raw["requestBody"]
    if isinstance(body, dict) and "$ref" in body:
        pointer, body = _ref_pointer(body["$ref"]), document.resolve(body)
    else:
        pointer = f"{pointer}/requestBody"
    validators: dict[str, SchemaValidator | None] = {}
    for media_type, media in (body.get("content") or {}).items():
        schema_pointer = f"{pointer}/content/{escape(media_type)}/schema"
        validators[media_type] = (
            SchemaValidator(document, document.pointer_ref(schema_pointer), "request")
            if "schema" in media
            else None
        )
    return Body(required=bool(body.get("required", False)), validators=validators)


def _responses(document: Document, pointer: str, op_raw: dict[str, Any]) -> dict[str, ResponseSpec]:
    result: dict[str, ResponseSpec] = {}
    for status, response in (op_raw.get("responses") or {}).items():
        status = str(status).upper() if str(status).lower() != "default" else "default"
        if isinstance(response, dict) and "$ref" in response:
            base, response = _ref_pointer(response["$ref"]), document.resolve(response)
        else:
            base = f"{pointer}/responses/{escape(status)}"
        content: dict[str, SchemaValidator | None] = {}
        examples: dict[str, dict[str, Any]] = {}
        for media_type, media in (response.get("content") or {}).items():
            schema_pointer = f"{base}/content/{escape(media_type)}/schema"
            content[media_type] = (
                SchemaValidator(document, document.pointer_ref(schema_pointer), "response")
                if "schema" in media
                else None
            )
            named = {
                name: document.resolve(example).get("value")
                for name, example in (media.get("examples") or {}).items()
            }
            if "example" in media:
                named.setdefault("example", media["example"])
            examples[media_type] = named
        required_headers = tuple(
            name.lower()
            for name, header in (response.get("headers") or {}).items()
            if document.resolve(header).get("required")
        )
        result[status] = ResponseSpec(status, content, required_headers, examples)
    return result
