"""A value written as XML the way its schema's OpenAPI ``xml`` objects describe it.

The rules are OpenAPI's (3.0 and 3.1, "XML Object"): an element per object member, named by the
member's ``xml.name`` or its own name; ``attribute: true`` makes a primitive member an attribute;
an array's items repeat under the member's name (or the items' ``xml.name``) and, with
``wrapped: true``, inside an element named by the array's ``xml.name`` or the member's name;
``namespace`` declares ``xmlns`` (``xmlns:prefix`` with ``prefix``) on the element, and
``prefix`` qualifies its name. The root element is named by the schema's ``xml.name``, else by
the component its reference names (``#/components/schemas/Pet`` -> ``<Pet>``), else ``<root>``.
Schemas are read through ``$ref`` and ``allOf`` (parts merged), properties through ``oneOf``
and ``anyOf`` too. Names that are not XML names are made into ones (``2fa code`` ->
``_2fa_code``); characters XML cannot carry are left out.
"""

from __future__ import annotations

import re
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from draftmock.errors import SpecError
from draftmock.spec.document import Document, lookup

_DEPTH = 64
_NAME_START = re.compile(r"[A-Za-z_\u00C0-\uFFFD]")
_NAME_REST = re.compile(r"[^A-Za-z0-9_.\-\u00B7\u00C0-\uFFFD]")
_NOT_XML_CHAR = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


def is_xml(media_type: str) -> bool:
    """``application/xml``, ``text/xml`` and the ``+xml`` types (``application/atom+xml``)."""
    sub = media_type.lower().split(";")[0].strip().partition("/")[2]
    return sub == "xml" or sub.endswith("+xml")


def to_xml(document: Document, schema: Any, value: Any) -> str:
    """``value`` as an XML document, following ``schema`` (a node of ``document``, possibly a
    ``$ref``). A string value is taken to be XML already (a document's own example)."""
    if isinstance(value, str) and value.lstrip().startswith("<"):
        return value
    node = _resolved(document, schema)
    name = _component(schema) or "root"
    if isinstance(value, list):
        # A document has one root element: an array at the top is always wrapped, its items
        # named by their own xml name or component (``<Pet>``), else ``<item>``.
        items = node.get("items")
        item_name = _component(items) or "item"
        node = {**node, "xml": {**_options(node), "wrapped": True}}
        return _DECLARATION + _array(document, name, item_name, node, value, frozenset(), 0)
    return _DECLARATION + _element(document, name, node, value, frozenset(), 0)


def to_xml_empty() -> str:
    """An XML body for a response that documents no schema."""
    return _DECLARATION + "<root/>"


def schema_node(document: Document, pointer: str | None) -> Any:
    """The schema at ``pointer`` as written (a ``$ref`` kept, so its component names the root)."""
    if pointer is None:
        return {}
    try:
        return lookup(document.raw, pointer)
    except (KeyError, IndexError, ValueError, TypeError):
        return {}


def _element(
    document: Document,
    name: str,
    node: dict[str, Any],
    value: Any,
    bound: frozenset[str],
    depth: int,
) -> str:
    """``value`` as the element for the member ``name`` (its schema's ``xml.name`` wins); an
    array as its items, wrapped or not."""
    if depth > _DEPTH:
        return ""
    if isinstance(value, list):
        return _array(document, name, name, node, value, bound, depth)
    options = _options(node)
    declarations: dict[str, str] = {}
    bound = _namespace(options, bound, declarations)
    tag = _qualified(str(options.get("name") or name), options, bound)
    attributes: dict[str, str] = {}
    children: list[str] = []
    if isinstance(value, dict):
        properties = _properties(document, node)
        for member, member_value in value.items():
            if member_value is None:
                continue
            child = _resolved(document, properties.get(member))
            child_options = _options(child)
            if child_options.get("attribute") and not isinstance(member_value, dict | list):
                inner = _namespace(child_options, bound, declarations)
                label = str(child_options.get("name") or member)
                attributes.setdefault(_qualified(label, child_options, inner), _text(member_value))
                continue
            children.append(_element(document, member, child, member_value, bound, depth + 1))
    written = "".join(
        f" {key}={quoteattr(text)}" for key, text in (declarations | attributes).items()
    )
    if isinstance(value, dict):
        return f"<{tag}{written}>{''.join(children)}</{tag}>"
    if value is None:
        return f"<{tag}{written}/>"
    return f"<{tag}{written}>{escape(_text(value))}</{tag}>"


def _array(
    document: Document,
    name: str,
    item_name: str,
    node: dict[str, Any],
    value: list[Any],
    bound: frozenset[str],
    depth: int,
) -> str:
    """The items, each an element named by the items' ``xml.name`` or ``item_name``; with
    ``wrapped``, inside an element named by the array's ``xml.name`` or ``name`` (without it,
    the array's own ``xml`` is ignored, as OpenAPI says)."""
    options = _options(node)
    items = _resolved(document, node.get("items"))
    if not options.get("wrapped"):
        return "".join(_element(document, item_name, items, v, bound, depth + 1) for v in value)
    declarations: dict[str, str] = {}
    inner_bound = _namespace(options, bound, declarations)
    tag = _qualified(str(options.get("name") or name), options, inner_bound)
    inner = "".join(_element(document, item_name, items, v, inner_bound, depth + 1) for v in value)
    written = "".join(f" {key}={quoteattr(text)}" for key, text in declarations.items())
    return f"<{tag}{written}>{inner}</{tag}>"


def _properties(document: Document, node: dict[str, Any], depth: int = 0) -> dict[str, Any]:
    """Member name -> schema, through ``oneOf``/``anyOf`` too (the first one found)."""
    found: dict[str, Any] = {}
    if depth > 8:
        return found
    for name, schema in (node.get("properties") or {}).items():
        found.setdefault(str(name), schema)
    for keyword in ("oneOf", "anyOf"):
        for part in node.get(keyword) or []:
            for name, schema in _properties(document, _resolved(document, part), depth + 1).items():
                found.setdefault(name, schema)
    return found


def _resolved(document: Document, schema: Any, depth: int = 0) -> dict[str, Any]:
    """The schema behind ``$ref``s, its ``allOf`` parts merged in (their ``xml``, ``items`` and
    ``properties`` too: converted documents write ``allOf: [$ref, {xml: ...}]``)."""
    try:
        node = document.resolve(schema)
    except (SpecError, KeyError, IndexError, ValueError, TypeError):
        return {}
    if not isinstance(node, dict):
        return {}
    parts = node.get("allOf")
    if not isinstance(parts, list) or depth > 8:
        return node
    merged = {key: value for key, value in node.items() if key != "allOf"}
    for part in parts:
        for key, value in _resolved(document, part, depth + 1).items():
            if key in ("xml", "properties") and isinstance(value, dict):
                merged[key] = {**value, **(merged.get(key) or {})}
            else:
                merged.setdefault(key, value)
    return merged


def _options(node: dict[str, Any]) -> dict[str, Any]:
    options = node.get("xml")
    return options if isinstance(options, dict) else {}


def _component(schema: Any) -> str | None:
    """``Pet`` for a reference to ``.../components/schemas/Pet`` (or ``definitions/Pet``)."""
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if not isinstance(ref, str) or "/" not in ref:
        return None
    parent, _, last = ref.rpartition("/")
    if not parent.endswith(("/schemas", "/definitions")):
        return None
    return last.replace("~1", "/").replace("~0", "~")


def _qualified(name: str, options: dict[str, Any], bound: frozenset[str]) -> str:
    """The element or attribute name, prefixed when its prefix is declared here or above (an
    undeclared prefix would make the document unreadable, so it is left out)."""
    prefix = options.get("prefix")
    local = _xml_name(name)
    if isinstance(prefix, str) and prefix and _xml_name(prefix) in bound:
        return f"{_xml_name(prefix)}:{local}"
    return local


def _namespace(
    options: dict[str, Any], bound: frozenset[str], declarations: dict[str, str]
) -> frozenset[str]:
    """Adds the ``xmlns`` declaration ``options`` make to ``declarations`` (the element's);
    returns the prefixes bound below it."""
    namespace = options.get("namespace")
    if not isinstance(namespace, str) or not namespace:
        return bound
    prefix = options.get("prefix")
    if isinstance(prefix, str) and prefix:
        declared = _xml_name(prefix)
        declarations.setdefault(f"xmlns:{declared}", namespace)
        return bound | {declared}
    declarations.setdefault("xmlns", namespace)
    return bound


def _xml_name(name: str) -> str:
    cleaned = _NAME_REST.sub("_", name)
    if not cleaned or not _NAME_START.match(cleaned):
        cleaned = "_" + cleaned
    return cleaned


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML_CHAR.sub("", str(value))
