"""The part of JSONPath (RFC 9535) that overlays use to point into an OpenAPI document.

Supported: ``$``; child names ``.name`` and ``['name']`` (also ``["name"]`` and unions
``['a','b']``); indexes ``[0]`` and ``[-1]``; wildcards ``.*`` and ``[*]``; descendants
``..name``, ``..*`` and ``..[...]``; filters ``[?@.field == 'value']`` (also ``!=``, ``<``,
``<=``, ``>``, ``>=``, ``&&``, ``||``, parentheses, and ``[?@.field]`` for "has the member")
over string, number, ``true``, ``false`` and ``null`` literals. Anything else is refused with
the position it stops at, never guessed at.

``select`` returns locations, not just values, so an overlay can update or remove what it finds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any


class JsonPathError(ValueError):
    pass


@dataclass(frozen=True)
class Location:
    """Where a selected node lives: ``parent[key]`` (``parent`` is None for the root)."""

    parent: Any
    key: str | int | None
    value: Any
    pointer: str  # a JSON pointer to it, for messages


Selector = Callable[[Location], Iterator[Location]]
_NAME = re.compile(r"[A-Za-z_\u0080-\U0010ffff][A-Za-z0-9_\-\u0080-\U0010ffff]*")
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")


def select(document: Any, path: str) -> list[Location]:
    """Every node of ``document`` that ``path`` selects, in document order."""
    selectors = compile_path(path)
    nodes = [Location(None, None, document, "")]
    for selector in selectors:
        nodes = [found for node in nodes for found in selector(node)]
    return nodes


def compile_path(path: str) -> list[Selector]:
    parser = _Parser(path)
    return parser.path()


def _escape(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def _children(node: Location) -> Iterator[Location]:
    value = node.value
    if isinstance(value, dict):
        for key, child in value.items():
            yield Location(value, key, child, f"{node.pointer}/{_escape(key)}")
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield Location(value, index, child, f"{node.pointer}/{index}")


def _descendants(node: Location) -> Iterator[Location]:
    """``node`` and everything below it, in document order."""
    yield node
    for child in _children(node):
        yield from _descendants(child)


def _member(name: str) -> Selector:
    def pick(node: Location) -> Iterator[Location]:
        if isinstance(node.value, dict) and name in node.value:
            yield Location(node.value, name, node.value[name], f"{node.pointer}/{_escape(name)}")

    return pick


def _index(index: int) -> Selector:
    def pick(node: Location) -> Iterator[Location]:
        value = node.value
        if isinstance(value, list) and -len(value) <= index < len(value):
            position = index % len(value)
            yield Location(value, position, value[position], f"{node.pointer}/{position}")

    return pick


def _union(selectors: list[Selector]) -> Selector:
    def pick(node: Location) -> Iterator[Location]:
        for selector in selectors:
            yield from selector(node)

    return pick


def _descendant(selector: Selector) -> Selector:
    def pick(node: Location) -> Iterator[Location]:
        for inner in _descendants(node):
            yield from selector(inner)

    return pick


def _filter(test: Callable[[Any], bool]) -> Selector:
    def pick(node: Location) -> Iterator[Location]:
        for child in _children(node):
            if test(child.value):
                yield child

    return pick


_MISSING = object()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    # -- helpers --------------------------------------------------------------------------

    def fail(self, what: str) -> JsonPathError:
        return JsonPathError(
            f"JSONPath {self.text!r}: {what} at position {self.pos} "
            f"(supported: $, .name, ['name'], [n], *, .., [?@.field == 'value'])"
        )

    def peek(self, token: str) -> bool:
        return self.text.startswith(token, self.pos)

    def take(self, token: str) -> bool:
        if self.peek(token):
            self.pos += len(token)
            return True
        return False

    def expect(self, token: str) -> None:
        if not self.take(token):
            raise self.fail(f"expected {token!r}")

    def spaces(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t\n\r":
            self.pos += 1

    # -- grammar --------------------------------------------------------------------------

    def path(self) -> list[Selector]:
        self.spaces()
        self.expect("$")
        selectors = self.segments()
        self.spaces()
        if self.pos != len(self.text):
            raise self.fail("unexpected text")
        return selectors

    def segments(self) -> list[Selector]:
        selectors: list[Selector] = []
        while self.pos < len(self.text):
            if self.take(".."):
                if self.peek("["):
                    selectors.append(_descendant(self.bracket()))
                else:
                    selectors.append(_descendant(self.dotted()))
            elif self.take("."):
                selectors.append(self.dotted())
            elif self.peek("["):
                selectors.append(self.bracket())
            else:
                break
        return selectors

    def dotted(self) -> Selector:
        if self.take("*"):
            return _children
        match = _NAME.match(self.text, self.pos)
        if match is None:
            raise self.fail("expected a member name or *")
        self.pos = match.end()
        return _member(match.group())

    def bracket(self) -> Selector:
        self.expect("[")
        self.spaces()
        if self.take("?"):
            test = self.logical()
            self.spaces()
            self.expect("]")
            return _filter(test)
        selectors = [self.bracket_item()]
        self.spaces()
        while self.take(","):
            self.spaces()
            selectors.append(self.bracket_item())
            self.spaces()
        self.expect("]")
        return selectors[0] if len(selectors) == 1 else _union(selectors)

    def bracket_item(self) -> Selector:
        if self.take("*"):
            return _children
        if self.peek("'") or self.peek('"'):
            return _member(self.string())
        match = re.compile(r"-?\d+").match(self.text, self.pos)
        if match is None:
            raise self.fail("expected a quoted name, an index or *")
        self.pos = match.end()
        if self.peek(":"):
            raise self.fail("slices are not supported")
        return _index(int(match.group()))

    def string(self) -> str:
        quote = self.text[self.pos]
        self.pos += 1
        out: list[str] = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == "\\" and self.pos + 1 < len(self.text):
                nxt = self.text[self.pos + 1]
                out.append({"n": "\n", "t": "\t", "r": "\r"}.get(nxt, nxt))
                self.pos += 2
                continue
            if char == quote:
                self.pos += 1
                return "".join(out)
            out.append(char)
            self.pos += 1
        raise self.fail("unterminated string")

    # -- filters --------------------------------------------------------------------------

    def logical(self) -> Callable[[Any], bool]:
        left = self.conjunction()
        self.spaces()
        while self.take("||"):
            right = self.conjunction()
            left = _or(left, right)
            self.spaces()
        return left

    def conjunction(self) -> Callable[[Any], bool]:
        left = self.unary()
        self.spaces()
        while self.take("&&"):
            right = self.unary()
            left = _and(left, right)
            self.spaces()
        return left

    def unary(self) -> Callable[[Any], bool]:
        self.spaces()
        if self.take("!"):
            inner = self.unary()
            return lambda value: not inner(value)
        if self.take("("):
            inner = self.logical()
            self.spaces()
            self.expect(")")
            return inner
        left = self.operand()
        self.spaces()
        for op in ("==", "!=", "<=", ">=", "<", ">"):
            if self.take(op):
                self.spaces()
                right = self.operand()
                return _comparison(left, op, right)
        return lambda value: left(value) is not _MISSING

    def operand(self) -> Callable[[Any], Any]:
        if self.take("@"):
            selectors = self.segments()

            def current(value: Any) -> Any:
                nodes = [Location(None, None, value, "")]
                for selector in selectors:
                    nodes = [found for node in nodes for found in selector(node)]
                return nodes[0].value if len(nodes) == 1 else _MISSING

            return current
        if self.peek("'") or self.peek('"'):
            text = self.string()
            return lambda value: text
        for word, literal in (("true", True), ("false", False), ("null", None)):
            if self.take(word):
                return _constant(literal)
        match = _NUMBER.match(self.text, self.pos)
        if match is not None:
            self.pos = match.end()
            number = float(match.group()) if "." in match.group() else int(match.group())
            return lambda value: number
        raise self.fail("expected @, a string, a number, true, false or null")


def _constant(literal: Any) -> Callable[[Any], Any]:
    return lambda value: literal


def _or(a: Callable[[Any], bool], b: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda value: a(value) or b(value)


def _and(a: Callable[[Any], bool], b: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda value: a(value) and b(value)


def _comparison(
    left: Callable[[Any], Any], op: str, right: Callable[[Any], Any]
) -> Callable[[Any], bool]:
    def test(value: Any) -> bool:
        a, b = left(value), right(value)
        if op == "==":
            return _same(a, b)
        if op == "!=":
            return not _same(a, b)
        numbers = all(isinstance(x, int | float) and not isinstance(x, bool) for x in (a, b))
        if not numbers and not (isinstance(a, str) and isinstance(b, str)):
            return False
        if op == "<":
            return bool(a < b)
        if op == "<=":
            return bool(a <= b)
        if op == ">":
            return bool(a > b)
        return bool(a >= b)

    return test


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return bool(a is not _MISSING and b is not _MISSING and a == b)
