"""Compiling a document: routing, parameter coercion, validation with locations."""

from __future__ import annotations

from pathlib import Path

import pytest

from draftmock.errors import SpecError
from draftmock.spec.document import load_document
from draftmock.spec.operations import compile_document, validators_of
from draftmock.spec.params import coerce

DOC = """
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /items/list:
    post:
      operationId: listItems
      responses: {'200': {description: ok}}
  /items/{item_id}:
    parameters:
      - {name: item_id, in: path, required: true, schema: {type: integer}}
    get:
      operationId: getItem
      parameters:
        - {name: tags, in: query, schema: {type: array, items: {type: string}}}
        - {name: limit, in: query, schema: {type: integer, minimum: 1, default: 10}}
        - {name: flag, in: query, schema: {type: [boolean, 'null']}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Item'}
    delete:
      operationId: deleteItem
      responses: {'204': {description: gone}, 4XX: {description: error}}
components:
  schemas:
    Item:
      type: object
      required: [id, name]
      additionalProperties: false
      properties:
        id: {type: integer}
        name: {type: string, minLength: 1}
"""


@pytest.fixture
def api(tmp_path: Path):  # type: ignore[no-untyped-def]
    path = tmp_path / "items.yaml"
    path.write_text(DOC)
    return compile_document(load_document(path))


def test_literal_paths_win_over_templates(api) -> None:  # type: ignore[no-untyped-def]
    op, params, _ = api.router.match("POST", "/items/list")
    assert op.operation_id == "listItems"
    assert params == {}
    op, params, _ = api.router.match("GET", "/items/7")
    assert op.operation_id == "getItem"
    assert params == {"item_id": "7"}


def test_a_literal_path_owns_its_methods(api) -> None:  # type: ignore[no-untyped-def]
    """OpenAPI matches a concrete path before its templated counterparts: GET /items/list is
    405 (POST only), not getItem with item_id "list"."""
    op, params, allowed = api.router.match("GET", "/items/list")
    assert (op, params, allowed) == (None, {}, ["POST"])


def test_the_most_specific_template_owns_its_methods(tmp_path: Path) -> None:
    path = tmp_path / "nested.yaml"
    path.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n"
        "  /g/{g}/limits/batch:\n    put: {operationId: batch, responses: {'200': {description: ok}}}\n"
        "  /g/{g}/limits/{l}:\n    get: {operationId: getOne, responses: {'200': {description: ok}}}\n"
    )
    router = compile_document(load_document(path)).router
    assert router.match("PUT", "/g/1/limits/batch")[0].operation_id == "batch"  # type: ignore[union-attr]
    assert router.match("GET", "/g/1/limits/batch")[::2] == (None, ["PUT"])
    assert router.match("GET", "/g/1/limits/7")[0].operation_id == "getOne"  # type: ignore[union-attr]


def test_unknown_method_reports_allowed_methods(api) -> None:  # type: ignore[no-untyped-def]
    op, _, allowed = api.router.match("PUT", "/items/7")
    assert op is None
    assert sorted(allowed) == ["DELETE", "GET"]
    assert api.router.match("GET", "/nothing")[2] == []


def test_path_level_parameters_are_inherited(api) -> None:  # type: ignore[no-untyped-def]
    names = {p.name for p in api.operations["getItem"].parameters}
    assert names == {"item_id", "tags", "limit", "flag"}


def test_query_values_are_coerced_by_schema(api) -> None:  # type: ignore[no-untyped-def]
    params = {p.name: p for p in api.operations["getItem"].parameters}
    assert coerce(params["tags"], ["a", "b"]) == ["a", "b"]
    assert coerce(params["limit"], ["5"]) == 5
    assert coerce(params["limit"], ["five"]) == "five"
    assert coerce(params["flag"], ["true"]) is True
    assert params["limit"].has_default and params["limit"].default == 10


def test_violations_carry_locations(api) -> None:  # type: ignore[no-untyped-def]
    spec = api.operations["getItem"].responses["200"]
    validator = spec.content["application/json"]
    assert validator.violations({"id": 1, "name": "x"}) == []
    found = {(v.loc, v.keyword) for v in validator.violations({"id": "1", "extra": 2}, ("body",))}
    assert found == {
        (("body", "id"), "type"),
        (("body", "name"), "required"),
        (("body", "extra"), "additionalProperties"),
    }


def test_status_ranges_are_documented(api) -> None:  # type: ignore[no-untyped-def]
    op = api.operations["deleteItem"]
    assert op.response_for(204) is not None
    assert op.response_for(404) is op.responses["4XX"]
    assert op.response_for(500) is None


def test_missing_operation_id_is_a_spec_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(DOC.replace("operationId: listItems", "summary: no id"))
    with pytest.raises(SpecError, match="has no operationId"):
        compile_document(load_document(path))


def test_a_path_with_empty_segments_also_answers_collapsed(tmp_path: Path) -> None:
    path = tmp_path / "slashes.yaml"
    path.write_text(
        """
openapi: 3.0.0
info: {title: t, version: '1'}
paths:
  //openapi:
    get: {operationId: spec, responses: {'200': {description: ok}}}
  /vendor//apps/{id}:
    get: {operationId: app, responses: {'200': {description: ok}}}
  /vendor/apps/{id}:
    get: {operationId: other, responses: {'200': {description: ok}}}
"""
    )
    router = compile_document(load_document(path)).router
    assert router.match("GET", "//openapi")[0].operation_id == "spec"  # type: ignore[union-attr]
    assert router.match("GET", "/openapi")[0].operation_id == "spec"  # type: ignore[union-attr]
    assert router.match("GET", "/vendor//apps/7")[0].operation_id == "app"  # type: ignore[union-attr]
    # a path the document writes collapsed keeps its own operation
    assert router.match("GET", "/vendor/apps/7")[0].operation_id == "other"  # type: ignore[union-attr]


@pytest.mark.parametrize("path", sorted(Path("specs").glob("*.yaml")), ids=lambda p: p.stem)
def test_every_validator_of_the_bundled_documents_compiles(path: Path) -> None:
    """Validators compile on first use; the bundled documents' all compile, both engines."""
    api = compile_document(load_document(path))
    refused = []
    for op in api.operations.values():
        for validator in validators_of(op):
            validator.compile()
            if type(validator._fast).__name__ == "_PythonOnly":
                refused.append(op.operation_id)
    assert api.operations and not refused, refused
