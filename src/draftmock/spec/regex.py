"""Strings that match a regular expression, for ``pattern`` keywords.

JSON Schema patterns are ECMA-262 regular expressions, unanchored. The common subset (classes,
ranges, repeats, groups, alternation, anchors, back references) is parsed with Python's own
parser and walked to build a string; look-arounds are skipped and the result is checked with
``re.search``, so a pattern this cannot honour gives no string rather than a wrong one.
"""

from __future__ import annotations

import re
import string
from re import _constants as sre
from re import _parser as sre_parse
from typing import Any

from draftmock.ids import Rng

_PRINTABLE = [chr(c) for c in range(0x20, 0x7F)]
_CATEGORIES: dict[Any, str] = {
    sre.CATEGORY_DIGIT: string.digits,
    sre.CATEGORY_WORD: string.ascii_letters + string.digits + "_",
    sre.CATEGORY_SPACE: " ",
}
_NEGATED: dict[Any, Any] = {
    sre.CATEGORY_NOT_DIGIT: sre.CATEGORY_DIGIT,
    sre.CATEGORY_NOT_WORD: sre.CATEGORY_WORD,
    sre.CATEGORY_NOT_SPACE: sre.CATEGORY_SPACE,
}
# An ECMA named group ``(?<name>...)`` is ``(?P<name>...)`` in Python.
_NAMED_GROUP = re.compile(r"\(\?<(?=[A-Za-z_])")


class PatternError(ValueError):
    """The pattern cannot be compiled, or no matching string of the wanted length was found."""


# ECMA's Unicode property escapes (``\p{L}``), which Python's ``re`` lacks, stand for an ASCII
# sample of their class when a string is built; the final check is the schema validator's.
_PROPERTIES = {
    "L": "a-zA-Z", "Lu": "A-Z", "Ll": "a-z", "Lt": "A-Z", "Lm": "a-z", "Lo": "a-z",
    "N": "0-9", "Nd": "0-9", "Nl": "0-9", "No": "0-9",
    "Z": " ", "Zs": " ", "P": ".,_!?\\-", "S": "+$=~", "M": "\u0300-\u036f",
    "C": "\\x00-\\x1f\\x7f", "Cc": "\\x00-\\x1f\\x7f",
}  # fmt: skip
_PROPERTY = re.compile(r"\\([pP])\{([^}]*)\}")


def compile_pattern(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(_NAMED_GROUP.sub("(?P<", _ascii_properties(pattern)))
    except re.error as exc:
        raise PatternError(f"pattern {pattern!r} is not supported: {exc}") from exc


def _ascii_properties(pattern: str) -> str:
    if "\\p{" not in pattern and "\\P{" not in pattern:
        return pattern
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        match = _PROPERTY.match(pattern, i) if char == "\\" else None
        if match is not None:
            name = match.group(2).split("=")[-1]
            chars = _PROPERTIES.get(name, "a-zA-Z")
            negated = match.group(1) == "P"
            if in_class:
                out.append("#%&" if negated else chars)
            else:
                out.append(f"[^{chars or 'a'}]" if negated else f"[{chars}]" if chars else "")
            i = match.end()
            continue
        if char == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        out.append(char)
        i += 1
    return "".join(out)


def matching_string(
    pattern: str,
    rng: Rng,
    *,
    min_length: int = 0,
    max_length: int | None = None,
    tries: int = 40,
) -> str:
    """A string that ``re.search(pattern, ...)`` matches, of a length within the bounds."""
    compiled = compile_pattern(pattern)
    tree = sre_parse.parse(compiled.pattern)
    for attempt in range(tries):
        # Unbounded repeats grow with the attempts, and towards the length asked for.
        spread = 3 + attempt * max(1, min_length) // 4
        text = _Walk(rng, spread).emit(tree)
        if len(text) < min_length and not _anchored_end(tree):
            text += _filler(rng, min_length - len(text))
        if compiled.search(text) is None:
            continue
        if len(text) >= min_length and (max_length is None or len(text) <= max_length):
            return text
    limits = f" with length {min_length}..{max_length if max_length is not None else ''}"
    raise PatternError(f"no string matching {pattern!r}{limits} found in {tries} tries")


def _anchored_end(tree: Any) -> bool:
    items = list(tree)
    return (
        bool(items) and items[-1][0] is sre.AT and items[-1][1] in (sre.AT_END, sre.AT_END_STRING)
    )


def _filler(rng: Rng, count: int) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(count))


class _Walk:
    def __init__(self, rng: Rng, spread: int) -> None:
        self.rng = rng
        self.spread = spread
        self.groups: dict[int, str] = {}

    def emit(self, tree: Any) -> str:
        return "".join(self._node(op, av) for op, av in tree)

    def _node(self, op: Any, av: Any) -> str:
        rng = self.rng
        if op is sre.LITERAL:
            return chr(av)
        if op is sre.NOT_LITERAL:
            return rng.choice([c for c in _PRINTABLE if ord(c) != av])
        if op is sre.ANY:
            return rng.choice(string.ascii_letters + string.digits)
        if op is sre.IN:
            return self._in(av)
        if op is sre.BRANCH:
            return self.emit(rng.choice(av[1]))
        if op is sre.SUBPATTERN:
            group, _, _, sub = av
            text = self.emit(sub)
            if group is not None:
                self.groups[group] = text
            return text
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
            low, high, sub = av
            high = low + self.spread if high is sre.MAXREPEAT else min(high, low + self.spread)
            return "".join(self.emit(sub) for _ in range(rng.randint(low, high)))
        if op is getattr(sre, "ATOMIC_GROUP", None):
            return self.emit(av)
        if op is sre.GROUPREF:
            return self.groups.get(av, "")
        if op is sre.GROUPREF_EXISTS:
            group, yes, no = av
            return self.emit(yes if group in self.groups else no or [])
        # Anchors and look-arounds produce no characters; the final search judges them.
        return ""

    def _in(self, items: Any) -> str:
        negate = bool(items) and items[0][0] is sre.NEGATE
        chars: list[str] = []
        for op, av in items[1:] if negate else items:
            if op is sre.LITERAL:
                chars.append(chr(av))
            elif op is sre.RANGE:
                low, high = av
                chars.extend(chr(c) for c in range(low, min(high, low + 255) + 1))
            elif op is sre.CATEGORY:
                if av in _CATEGORIES:
                    chars.extend(_CATEGORIES[av])
                elif av in _NEGATED:
                    excluded = set(_CATEGORIES[_NEGATED[av]])
                    chars.extend(c for c in _PRINTABLE if c not in excluded)
        if negate:
            excluded = set(chars)
            chars = [c for c in _PRINTABLE if c not in excluded]
        if not chars:
            return ""
        return self.rng.choice(chars)
