"""Lunary's import parsers and its 422 wording, without HTTP."""

from __future__ import annotations

import pytest

from draftmock.spec.schema import Violation
from draftmock.vendors.lunary.errors import render_violations
from draftmock.vendors.lunary.importer import (
    CSV_HEADER_ERROR,
    JSONL_INPUT_ERROR,
    JSONL_SYNTAX_ERROR,
    ImportContentError,
    ParsedItem,
    js_string,
    parse_csv,
    parse_csv_line,
    parse_jsonl,
)
from draftmock.vendors.lunary.service import ilike


def test_csv_line_quotes_and_trimming() -> None:
    assert parse_csv_line(' a , "b, c" ,"say ""hi""",') == ["a", "b, c", 'say "hi"', ""]


def test_csv_columns_by_alias_and_empty_cells_are_null() -> None:
    content = "\r\n  ID, INPUT ,GroundTruth,model_output\r\n1,q1,,o1\n\n2,q2,g2\n3\n"
    assert parse_csv(content) == [
        ParsedItem("q1", None, "o1"),
        ParsedItem("q2", "g2", None),
        ParsedItem("", None, None),
    ]


def test_csv_first_alias_in_upstreams_order_wins() -> None:
    rows = parse_csv("input,expected_output,ground_truth\nq,second,first")
    assert rows == [ParsedItem("q", "first", None)]


@pytest.mark.parametrize("content", ["question,answer\nq,a", "inputs\nq"])
def test_csv_needs_an_input_column(content: str) -> None:
    with pytest.raises(ImportContentError, match=f"^{CSV_HEADER_ERROR}$"):
        parse_csv(content)


def test_csv_and_jsonl_without_lines_are_empty() -> None:
    assert parse_csv(" \n\r\n ") == []
    assert parse_jsonl("\n\n") == []


def test_jsonl_aliases_and_string_conversion() -> None:
    content = (
        '{"input": "a", "ground_truth": null, "groundTruth": 1.5, "prediction": true}\n'
        '{"input": "b", "expected_output": [1, null, "x"], "output": {"k": 1}}\n'
        '{"input": "c", "groundTruth": "", "generated_output": 10}'
    )
    assert parse_jsonl(content) == [
        ParsedItem("a", "1.5", "true"),
        ParsedItem("b", "1,,x", "[object Object]"),
        ParsedItem("c", None, "10"),
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{bad", JSONL_SYNTAX_ERROR),
        ('{"input": NaN}', JSONL_SYNTAX_ERROR),
        ('"text"', JSONL_INPUT_ERROR),
        ("null", JSONL_INPUT_ERROR),
        ('{"input": null}', JSONL_INPUT_ERROR),
        ('{"ground_truth": "x"}', JSONL_INPUT_ERROR),
    ],
)
def test_jsonl_errors(line: str, message: str) -> None:
    with pytest.raises(ImportContentError, match=f"^{message}$"):
        parse_jsonl('{"input": "fine"}\n' + line)


@pytest.mark.parametrize(
    ("value", "text"),
    [(1.0, "1"), (0.5, "0.5"), (1e21, "1e+21"), (1e-7, "1e-7"), (False, "false"), ([], "")],
)
def test_js_string(value: object, text: str) -> None:
    assert js_string(value) == text


def test_violations_read_like_zod_validation_error() -> None:
    reply = render_violations(
        [
            Violation(("path", "datasetId"), "format", "not a uuid", expected="uuid"),
            Violation(("body", "name"), "required", "'name' is required"),
            Violation(("query", "limit"), "type", "not an integer", "integer", 2.5),
            Violation(("body",), "type", "not an object", "object", [1]),
        ],
        "req-1",
    )
    assert reply.status == 422
    assert reply.body == {
        "error": "Error",
        "message": 'Validation error: Invalid uuid at "datasetId"; Required at "name"; '
        'Expected integer, received float at "limit"; Expected object, received array',
    }


@pytest.mark.parametrize(
    ("term", "text", "found"),
    [
        ("faq", "Support FAQ answers", True),
        ("f_q", "Support FAQ answers", True),  # _ is one character, as in ILIKE
        ("sup%ans", "Support FAQ answers", True),
        ("50%", "a 5000 row set", True),
        ("50\\%", "a 5000 row set", False),  # escaped: a literal percent sign
        ("50\\%", "50% off", True),
        ("a.b", "axb", False),  # regex characters are literal
    ],
)
def test_search_matches_like_ilike(term: str, text: str, found: bool) -> None:
    assert bool(ilike(term).search(text)) is found
