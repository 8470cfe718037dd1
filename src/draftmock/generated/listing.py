"""A list operation's answer from stored records: filters, a page, and the response envelope.

The query parameters a list operation declares are read by their usual names: ``limit`` (and
``per_page``, ``pageSize``, ``maxResults``, ...), ``offset``/``skip``, ``page``, and a cursor
(``cursor``, ``pageToken``, ``nextToken``, ``after``: the mock's cursors are offsets). Any other
declared query parameter named like a record member filters on equality (a list: any of its
values); one named for a member and a comparison (``created_after``, ``price_gte``,
``min_price``, ``status_in``, ``created[gte]``, a ``created`` object of ``gte``/``lt``/... keys)
filters on that comparison, numbers compared as numbers and the rest (ISO dates) as text. The envelope is the
response schema: a bare array, or an object whose array member holds the page and whose total,
count and next-page members are filled to agree with it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from draftmock.generated.fitting import fit
from draftmock.generated.resources import Resource
from draftmock.generated.shapes import deref, join, object_view, schema_type
from draftmock.generated.values import Values

LIMIT: tuple[str, ...] = (
    "limit",
    "per_page",
    "perpage",
    "page_size",
    "pagesize",
    "max_results",
    "maxresults",
)
LIMIT += ("maxitems", "size", "top", "first", "count")
OFFSET: tuple[str, ...] = ("offset", "skip", "start", "from")
PAGE: tuple[str, ...] = ("page", "page_number", "pagenumber", "pageno")
CURSOR: tuple[str, ...] = ("cursor", "after", "page_token", "pagetoken", "next_token", "nexttoken")
CURSOR += ("starting_after", "continuation_token", "continuationtoken", "marker", "nextpagetoken")
TOTAL: tuple[str, ...] = (
    "total",
    "total_count",
    "totalcount",
    "total_items",
    "totalitems",
    "total_results",
)
TOTAL += ("totalresults", "totalelements", "total_elements", "totalsize", "total_size")
COUNT: tuple[str, ...] = ("count", "size", "length", "num_items", "numitems")
HAS_MORE: tuple[str, ...] = (
    "has_more",
    "hasmore",
    "has_next",
    "hasnext",
    "more",
    "has_next_page",
    "hasnextpage",
)
NEXT: tuple[str, ...] = (
    "next",
    "next_cursor",
    "nextcursor",
    "next_token",
    "nexttoken",
    "next_page_token",
)
NEXT += ("nextpagetoken", "cursor", "continuation_token", "nextmarker", "next_marker")
ARRAY_NAMES: tuple[str, ...] = (
    "items",
    "data",
    "results",
    "records",
    "values",
    "entries",
    "content",
    "list",
)
_IGNORED: tuple[str, ...] = (
    LIMIT + OFFSET + PAGE + CURSOR + ("sort", "order", "orderby", "sort_by", "fields")
)


def _norm(name: str) -> str:
    return name.lower().replace("-", "_")


def _first(query: Mapping[str, Any], names: tuple[str, ...]) -> Any:
    for key, value in query.items():
        if _norm(key) in names or _norm(key).replace("_", "") in names:
            return value
    return None


def _int(value: Any) -> int | None:
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def select(
    records: list[dict[str, Any]], query: Mapping[str, Any], members: set[str]
) -> tuple[list[dict[str, Any]], int, int, int | None]:
    """(page, offset, total after filters, limit) for ``query``."""
    filtered = records
    for key, value in query.items():
        if _norm(key) in _IGNORED:
            continue
        if key in members and not isinstance(value, dict):
            wanted = _wanted(value)
            filtered = [r for r in filtered if _text(r.get(key)) in wanted]
            continue
        for member, operator, bound in _conditions(key, value, members):
            filtered = [r for r in filtered if _holds(r.get(member), operator, bound)]
    limit = _int(_first(query, LIMIT))
    offset = _int(_first(query, OFFSET)) or 0
    cursor = _int(_first(query, CURSOR))
    page = _int(_first(query, PAGE))
    if cursor is not None:
        offset = cursor
    elif page is not None and limit:
        offset = max(0, page - 1) * limit
    offset = max(0, offset)
    end = offset + limit if limit is not None and limit >= 0 else None
    return filtered[offset:end], offset, len(filtered), limit


# How a declared query parameter names a condition on a member other than equality:
# ``created_after``, ``price_gte``, ``min_price``, ``status_in``, ``created[gte]``, or an object
# parameter named for the member (``created[gte]=...`` read as ``{"gte": ...}``).
_SUFFIXES = {
    "gt": "gt",
    "gte": "ge",
    "ge": "ge",
    "lt": "lt",
    "lte": "le",
    "le": "le",
    "min": "ge",
    "max": "le",
    "from": "ge",
    "to": "le",
    "since": "ge",
    "until": "le",
    "after": "gt",
    "before": "lt",
    "in": "in",
}
_PREFIXES = {"min": "ge", "max": "le", "from": "ge", "to": "le"}
_STEMS = ("", "_at", "at", "_date", "date", "_time", "time", "_on", "on")


def _conditions(key: str, value: Any, members: set[str]) -> list[tuple[str, str, Any]]:
    """(member, operator, bound) that the parameter ``key`` = ``value`` asks for, if any."""
    if isinstance(value, dict):
        member = _member(key, members)
        if member is None:
            return []
        found = []
        for name, bound in value.items():
            operator = _SUFFIXES.get(str(name).strip("[]$").lower())
            if operator is not None:
                found.append((member, operator, bound))
        return found
    bracket = re.fullmatch(r"(.+)\[(\w+)\]", key)
    if bracket:
        stem, word = bracket.groups()
    else:
        pieces = re.split(r"[._-]|(?<=[a-z])(?=[A-Z])", key)
        if len(pieces) < 2:
            return []
        if pieces[0].lower() in _PREFIXES and (member := _member("_".join(pieces[1:]), members)):
            return [(member, _PREFIXES[pieces[0].lower()], value)]
        stem, word = "_".join(pieces[:-1]), pieces[-1]
    operator = _SUFFIXES.get(word.lower())
    member = _member(stem, members)
    if operator is None or member is None:
        return []
    return [(member, operator, value)]


def _member(stem: str, members: set[str]) -> str | None:
    """The record member ``stem`` names: itself, or with a date-like suffix (``created`` for
    ``created_at``), matched regardless of case and separators."""
    by_norm = {_norm(m).replace("_", ""): m for m in members}
    for suffix in _STEMS:
        found = by_norm.get(_norm(stem + suffix).replace("_", ""))
        if found is not None:
            return found
    return None


def _holds(actual: Any, operator: str, bound: Any) -> bool:
    if operator == "in":
        return _text(actual) in _wanted(_split(bound))
    if actual is None or bound is None:
        return False
    left, right = _comparable(actual), _comparable(bound)
    if type(left) is not type(right):
        left, right = str(actual), str(bound)
    try:
        return bool(
            {
                "gt": left > right,
                "ge": left >= right,
                "lt": left < right,
                "le": left <= right,
            }[operator]
        )
    except TypeError:
        return False


def _comparable(value: Any) -> Any:
    """A number as a float (``"10"`` too), anything else as text (ISO dates order as text)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return str(value)


def _split(value: Any) -> Any:
    if isinstance(value, str) and "," in value:
        return value.split(",")
    return value


def _wanted(value: Any) -> set[str]:
    wanted = {_text(v) for v in value} if isinstance(value, list) else {_text(value)}
    return wanted | {v.lower() for v in wanted if v in ("True", "False")}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def page_of(
    values: Values,
    schema: str,
    resource: Resource,
    records: list[dict[str, Any]],
    query: Mapping[str, Any],
    rng: Any,
) -> Any:
    """The list response for ``records``, or None if the schema has no place for them."""
    document = values.document
    view = object_view(document, resource.record_schema or "")
    members = set(view.properties) if view is not None else set()
    page, offset, total, limit = select(records, query, members)
    if schema_type(document, schema) == "array":
        items = _items_pointer(values, schema)
        fitted = [fit(values, items, r, rng) if items else r for r in page]
        return [f for f in fitted if f is not None]
    envelope = object_view(document, schema)
    if envelope is None:
        return None
    arrays = [
        (name, pointer)
        for name, pointer in envelope.properties.items()
        if schema_type(document, pointer) == "array"
    ]
    if not arrays:
        return None
    arrays.sort(key=lambda item: (_norm(item[0]) not in ARRAY_NAMES, item[0] not in members))
    name, pointer = arrays[0]
    items = _items_pointer(values, pointer)
    fitted = [fit(values, items, r, rng) if items else r for r in page]
    body = values.generate(schema, rng)
    body = dict(body) if isinstance(body, dict) else {}
    body[name] = [f for f in fitted if f is not None]
    more = offset + len(page) < total
    for member, member_pointer in envelope.properties.items():
        key = _norm(member)
        kind = schema_type(document, member_pointer)
        if key in TOTAL and kind in ("integer", "number"):
            body[member] = total
        elif key in COUNT and kind in ("integer", "number") and member != name:
            body[member] = len(page)
        elif key in LIMIT and kind in ("integer", "number") and limit is not None:
            body[member] = limit
        elif key in OFFSET and kind in ("integer", "number"):
            body[member] = offset
        elif key in PAGE and kind in ("integer", "number") and limit:
            body[member] = offset // limit + 1
        elif key in HAS_MORE and kind == "boolean":
            body[member] = more
        elif key in NEXT and kind in ("string", None):
            if more:
                body[member] = str(offset + len(page))
            elif member in envelope.required:
                body[member] = _nothing_more(values, member_pointer, body.get(member))
            else:
                body.pop(member, None)
    return body


def _nothing_more(values: Values, pointer: str, fallback: Any) -> Any:
    """A required next-page member when there is none: null if allowed, else as generated."""
    if values.valid(pointer, None):
        return None
    return fallback


def _items_pointer(values: Values, pointer: str) -> str | None:
    final, node = deref(values.document, pointer)
    if isinstance(node, dict) and isinstance(node.get("items"), dict):
        return join(final, "items")
    return None
