"""Parsing import content the way Lunary's service does (line-based CSV, JSONL).

Both formats split on line breaks, trim every line and drop empty ones. CSV: the first line is
the header (case-insensitive column names) and must name an ``input`` column; quoted cells may
contain commas and doubled quotes but not line breaks; cells are trimmed, and an empty ground
truth or output is null. JSONL: every line is a JSON object with a string ``input``. Errors carry
upstream's exact messages; nothing is inserted when one line fails.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

CSV_HEADER_ERROR = "CSV import requires a header row with at least an 'input' column"
JSONL_SYNTAX_ERROR = "Invalid JSONL: could not parse one of the lines"
JSONL_INPUT_ERROR = "Each JSONL line must contain at least an 'input' field"

_CSV_GROUND_TRUTH = ("ground_truth", "groundtruth", "expected_output", "expectedoutput")
_CSV_OUTPUT = ("output", "model_output", "prediction", "generated_output")
_JSONL_GROUND_TRUTH = ("ground_truth", "groundTruth", "expected_output")
_JSONL_OUTPUT = ("output", "model_output", "prediction", "generated_output")

# JavaScript's String.prototype.trim() whitespace (ECMAScript WhiteSpace and LineTerminator).
_JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"


class ImportContentError(ValueError):
    """The content cannot be imported; ``str(error)`` is upstream's message."""


@dataclass(frozen=True, slots=True)
class ParsedItem:
    input: str
    ground_truth: str | None
    output: str | None


def js_trim(text: str) -> str:
    return text.strip(_JS_SPACE)


def _lines(content: str) -> list[str]:
    return [line for line in (js_trim(raw) for raw in re.split(r"\r?\n", content)) if line]


def parse(format_: str, content: str) -> list[ParsedItem]:
    return parse_csv(content) if format_ == "csv" else parse_jsonl(content)


def parse_csv_line(line: str) -> list[str]:
    values: list[str] = []
    current: list[str] = []
    in_quotes = False
    i = 0
    while i < len(line):
        char = line[i]
        if char == '"':
            if in_quotes and line[i + 1 : i + 2] == '"':
                current.append('"')
                i += 1
            else:
                in_quotes = not in_quotes
        elif char == "," and not in_quotes:
            values.append(js_trim("".join(current)))
            current = []
        else:
            current.append(char)
        i += 1
    values.append(js_trim("".join(current)))
    return values


def _first_index(header: list[str], names: tuple[str, ...]) -> int:
    return next((header.index(n) for n in names if n in header), -1)


def parse_csv(content: str) -> list[ParsedItem]:
    lines = _lines(content)
    if not lines:
        return []
    header = [name.lower() for name in parse_csv_line(lines[0])]
    if "input" not in header:
        raise ImportContentError(CSV_HEADER_ERROR)
    input_at = header.index("input")
    truth_at = _first_index(header, _CSV_GROUND_TRUTH)
    output_at = _first_index(header, _CSV_OUTPUT)

    def cell(values: list[str], at: int) -> str | None:
        if at < 0 or at >= len(values):
            return None
        return values[at] or None

    items = []
    for line in lines[1:]:
        values = parse_csv_line(line)
        text = values[input_at] if input_at < len(values) else ""
        items.append(ParsedItem(text, cell(values, truth_at), cell(values, output_at)))
    return items


# Lines nested deeper are refused as unparsable, as request bodies are: every step after
# parsing walks the value.
MAX_LINE_DEPTH = 128
# JavaScript reads every JSON number as a double: integers past 2**53 lose digits, and past
# ~1.8e308 they are Infinity. Longer digit strings are read as a float, as JSON.parse does.
_EXACT_DIGITS = 15


def _reject_constant(name: str) -> Any:
    raise ValueError(name)  # NaN and Infinity are not JSON (JSON.parse refuses them)


def _parse_int(text: str) -> int | float:
    return int(text) if len(text) <= _EXACT_DIGITS else float(text)


def _too_deep(line: str) -> bool:
    """True when ``line`` nests arrays or objects more than ``MAX_LINE_DEPTH`` levels."""
    if line.count("[") + line.count("{") <= MAX_LINE_DEPTH:
        return False
    depth, in_string, escaped = 0, False, False
    for char in line:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_LINE_DEPTH:
                return True
        elif char in "]}":
            depth -= 1
    return False


def js_number(value: float) -> str:
    """``String(number)`` as JavaScript computes it for a double."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"  # -0 too
    text = repr(value)
    if value.is_integer() and abs(value) < 1e21:
        if "e" not in text:
            return text.removesuffix(".0")
        # Shortest round-trip digits, padded with zeros: 12345678901234567000, not ...168.
        mantissa, _, exponent = text.partition("e")
        sign = "-" if mantissa.startswith("-") else ""
        whole, _, fraction = mantissa.lstrip("-").partition(".")
        digits = whole + fraction
        return sign + digits + "0" * (int(exponent) + 1 - len(digits))
    return text.replace("e+0", "e+").replace("e-0", "e-")


def js_string(value: Any) -> str:
    """``String(value)`` as JavaScript computes it, for the JSON values a line can hold."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if abs(value) < 10**21 else js_number(_as_double(value))
    if isinstance(value, float):
        return js_number(value)
    if isinstance(value, list):
        return ",".join("" if v is None else js_string(v) for v in value)
    return "[object Object]"


def _as_double(value: int) -> float:
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _pick(record: dict[str, Any], names: tuple[str, ...]) -> str | None:
    raw = next((record[n] for n in names if record.get(n) is not None), None)
    text = None if raw is None else js_string(raw)
    return text or None


def parse_jsonl(content: str) -> list[ParsedItem]:
    items = []
    for line in _lines(content):
        if _too_deep(line):
            raise ImportContentError(JSONL_SYNTAX_ERROR)
        try:
            record = json.loads(line, parse_constant=_reject_constant, parse_int=_parse_int)
        except ValueError as exc:
            raise ImportContentError(JSONL_SYNTAX_ERROR) from exc
        if not isinstance(record, dict) or not isinstance(record.get("input"), str):
            raise ImportContentError(JSONL_INPUT_ERROR)
        items.append(
            ParsedItem(
                record["input"], _pick(record, _JSONL_GROUND_TRUTH), _pick(record, _JSONL_OUTPUT)
            )
        )
    return items
