"""Selecting request logs the way createDatasetVersionFromFilterParams describes.

``request_log_ids`` wins over ``filter_group``; then the free-text ``q``, sorting and ``limit``
apply. Filters nest (AND/OR groups). Each StructuredFilter field maps to a RequestLog value;
operators compare as their names say.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from draftmock.vendors.promptlayer.models import RequestLog

if TYPE_CHECKING:
    from draftmock.vendors.promptlayer.service import FilterRequest

_FIELDS: dict[str, Callable[[RequestLog], Any]] = {
    "pl_id": lambda r: r.id,
    "prompt_id": lambda r: r.prompt_id,
    "engine": lambda r: r.engine,
    "provider_type": lambda r: r.provider,
    "input_text": lambda r: json.dumps(r.input_variables, sort_keys=True),
    "output_text": lambda r: r.response,
    "prompt_version_number": lambda r: r.prompt_version_number,
    "input_tokens": lambda r: r.input_tokens,
    "output_tokens": lambda r: r.output_tokens,
    "cost": lambda r: r.cost,
    "latency_ms": lambda r: r.latency_ms,
    "request_start_time": lambda r: r.request_start_time,
    "request_end_time": lambda r: r.request_start_time + r.latency_ms / 1000,
    "status": lambda r: r.status,
    "is_json": lambda r: _is_json(r.response),
    "is_tool_call": lambda r: bool(r.tool_names),
    "is_plain_text": lambda r: not r.tool_names and not _is_json(r.response),
    "tags": lambda r: r.tags,
    "metadata_keys": lambda r: list(r.metadata),
    "metadata": lambda r: r.metadata,
    "tool_names": lambda r: r.tool_names,
    "output": lambda r: _json_or_none(r.response),
    "output_keys": lambda r: list(o) if isinstance(o := _json_or_none(r.response), dict) else [],
    "input_variables": lambda r: r.input_variables,
    "input_variable_keys": lambda r: list(r.input_variables),
    "user_intent": lambda r: r.user_intent,
    "agent_intent": lambda r: r.agent_intent,
}

_SORT: dict[str, Callable[[RequestLog], Any]] = {
    "request_start_time": lambda r: r.request_start_time,
    "input_tokens": lambda r: r.input_tokens,
    "output_tokens": lambda r: r.output_tokens,
    "cost": lambda r: r.cost,
    "latency_ms": lambda r: r.latency_ms,
    "status": lambda r: r.status,
}


def _json_or_none(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _is_json(text: str | None) -> bool:
    return isinstance(_json_or_none(text), dict | list)


def _compare(actual: Any, operator: str, value: Any) -> bool:
    if operator in ("is", "eq"):
        return bool(actual == value or (isinstance(actual, list) and value in actual))
    if operator in ("is_not", "neq"):
        return not _compare(actual, "is", value)
    if operator == "in":
        values = value if isinstance(value, list) else [value]
        if isinstance(actual, list):
            return any(item in values for item in actual)
        return actual in values
    if operator == "not_in":
        return not _compare(actual, "in", value)
    if operator in ("contains", "key_contains"):
        if isinstance(actual, list):
            return value in actual
        return actual is not None and str(value).lower() in str(actual).lower()
    if operator == "not_contains":
        return not _compare(actual, "contains", value)
    if operator == "starts_with":
        return actual is not None and str(actual).startswith(str(value))
    if operator == "ends_with":
        return actual is not None and str(actual).endswith(str(value))
    if operator in ("gt", "after"):
        return _ordered(actual, value, lambda a, b: a > b)
    if operator == "gte":
        return _ordered(actual, value, lambda a, b: a >= b)
    if operator in ("lt", "before"):
        return _ordered(actual, value, lambda a, b: a < b)
    if operator == "lte":
        return _ordered(actual, value, lambda a, b: a <= b)
    if operator == "between":
        if not isinstance(value, list) or len(value) != 2:
            return False
        return _ordered(actual, value[0], lambda a, b: a >= b) and _ordered(
            actual, value[1], lambda a, b: a <= b
        )
    if operator == "is_true":
        return actual is True
    if operator == "is_false":
        return actual is False
    if operator in ("is_empty", "is_null"):
        return actual in (None, "", [], {})
    if operator in ("is_not_empty", "is_not_null"):
        return actual not in (None, "", [], {})
    if operator == "key_equals":
        return bool(actual == value)
    if operator == "key_not_equals":
        return bool(actual != value)
    return False


def _ordered(actual: Any, value: Any, test: Callable[[Any, Any], bool]) -> bool:
    try:
        return actual is not None and value is not None and test(float(actual), float(value))
    except (TypeError, ValueError):
        return False


def _matches(log: RequestLog, node: dict[str, Any]) -> bool:
    if "filters" in node:
        results = (_matches(log, child) for child in node["filters"])
        return any(results) if node.get("logic", "AND") == "OR" else all(results)
    actual = _FIELDS[node["field"]](log)
    nested = node.get("nested_key")
    if nested is not None and isinstance(actual, dict):
        actual = actual.get(nested)
    return _compare(actual, node["operator"], node.get("value"))


def select_logs(logs: list[RequestLog], request: FilterRequest, cap: int) -> list[RequestLog]:
    if request.request_log_ids is not None:
        wanted = set(request.request_log_ids)
        chosen = [log for log in logs if log.id in wanted]
    elif request.filter_group is not None:
        chosen = [log for log in logs if _matches(log, request.filter_group)]
    else:
        chosen = list(logs)
    if request.q:
        needle = request.q.lower()
        chosen = [log for log in chosen if needle in json.dumps(log.row(), default=str).lower()]
    key = _SORT.get(request.sort_by or "request_start_time", _SORT["request_start_time"])
    chosen.sort(key=lambda log: (key(log), log.id), reverse=request.sort_order != "asc")
    limit = min(request.limit or cap, cap)
    return chosen[:limit]
