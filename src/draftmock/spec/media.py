"""A reply's value written in its media type: JSON as it is, XML from the schema's ``xml``
objects (``spec/xml.py``), YAML, server-sent events as one event of JSON data, other text as
the string (or JSON text of anything else); anything else goes out empty."""

from __future__ import annotations

import json
from typing import Any

import yaml

from draftmock.spec.document import Document
from draftmock.spec.xml import is_xml, to_xml


def is_json(media_type: str) -> bool:
    main, _, sub = media_type.lower().split(";")[0].strip().partition("/")
    return sub == "json" or sub.endswith("+json") or (main == "*" and sub == "*")


def is_yaml(media_type: str) -> bool:
    """``application/yaml``, ``application/x-yaml``, ``text/yaml`` and the ``+yaml`` types."""
    sub = media_type.lower().split(";")[0].strip().partition("/")[2]
    return sub in ("yaml", "x-yaml") or sub.endswith("+yaml")


def render(document: Document, schema: Any, value: Any, media_type: str) -> Any:
    """``value`` (valid against ``schema``, a node of ``document``) as a body of ``media_type``:
    a JSON value for JSON, else text (or bytes)."""
    if is_json(media_type):
        return value
    if is_xml(media_type):
        return to_xml(document, schema, value)
    if is_yaml(media_type):
        if isinstance(value, str) and _yaml_text(value):
            return value  # a document's own example, written as YAML text
        return yaml.safe_dump(value, sort_keys=False, allow_unicode=True)
    plain = media_type.split(";")[0].strip().lower()
    if plain == "text/event-stream":  # one event whose data is the value, as JSON text
        data = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        return "".join(f"data: {line}\n" for line in data.split("\n")) + "\n"
    if plain.startswith("text/"):
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return b""


def _yaml_text(text: str) -> bool:
    """Whether ``text`` is YAML for a mapping or a sequence (not a plain string)."""
    try:
        return isinstance(yaml.safe_load(text), dict | list)
    except yaml.YAMLError:
        return False
