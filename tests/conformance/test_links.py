"""Every OpenAPI link in specs/ resolves: target operation, parameter names, body fields and the
response/request locations its expressions read (walked through the schemas)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from draftmock.paths import specs_dir
from draftmock.spec.document import load_document

METHODS = ("get", "put", "post", "delete", "patch")
SPECS = sorted(specs_dir().glob("*.yaml"))


def _operations(raw: dict[str, Any]) -> dict[str, tuple[dict[str, Any], list[Any]]]:
    found = {}
    for item in raw["paths"].values():
        shared = item.get("parameters", [])
        for method in METHODS:
            if method in item and "operationId" in item[method]:
                found[item[method]["operationId"]] = (item[method], shared)
    return found


def _schema_has(doc: Any, schema: Any, parts: list[str], depth: int = 0) -> bool:
    schema = doc.resolve(schema)
    if not parts or depth > 20:
        return True
    head, rest = parts[0], parts[1:]
    for combinator in ("allOf", "anyOf", "oneOf"):
        if any(_schema_has(doc, s, parts, depth + 1) for s in schema.get(combinator, [])):
            return True
    if head.isdigit() and "items" in schema:
        return _schema_has(doc, schema["items"], rest, depth + 1)
    props = schema.get("properties", {})
    return head in props and _schema_has(doc, props[head], rest, depth + 1)


def _links(doc: Any) -> list[tuple[str, str, str, dict[str, Any], dict[str, Any]]]:
    found = []
    for op_id, (op, _) in _operations(doc.raw).items():
        for status, response in op.get("responses", {}).items():
            response = doc.resolve(response)
            for name, link in (response.get("links") or {}).items():
                found.append((op_id, str(status), name, doc.resolve(link), response))
    return found


@pytest.mark.parametrize("spec", SPECS, ids=[p.stem for p in SPECS])
def test_every_link_resolves(spec: Path) -> None:
    doc = load_document(spec)
    ops = _operations(doc.raw)
    problems = []
    for op_id, status, name, link, response in _links(doc):
        where = f"{op_id} {status} {name}"
        target = ops.get(link.get("operationId", ""))
        if target is None:
            problems.append(f"{where}: no operation {link.get('operationId')!r}")
            continue
        target_op, shared = target
        names = {doc.resolve(p)["name"] for p in [*shared, *target_op.get("parameters", [])]}
        problems += [
            f"{where}: {link['operationId']} has no parameter {p!r}"
            for p in link.get("parameters", {})
            if p.split(".")[-1] not in names
        ]
        if isinstance(link.get("requestBody"), dict):
            body = doc.resolve(target_op.get("requestBody", {}))
            schema = body.get("content", {}).get("application/json", {}).get("schema", {})
            problems += [
                f"{where}: {link['operationId']} body has no field {field!r}"
                for field in link["requestBody"]
                if not _schema_has(doc, schema, [field])
            ]
        expressions = [*link.get("parameters", {}).values()]
        if isinstance(link.get("requestBody"), dict):
            expressions += list(link["requestBody"].values())
        source, _ = ops[op_id]
        for expression in expressions:
            if not isinstance(expression, str) or "#" not in expression:
                continue
            kind, pointer = expression.split("#", 1)
            parts = [p for p in pointer.split("/") if p]
            if kind == "$response.body":
                schema = response.get("content", {}).get("application/json", {}).get("schema")
            elif kind == "$request.body":
                body = doc.resolve(source.get("requestBody", {}))
                schema = body.get("content", {}).get("application/json", {}).get("schema")
            else:
                continue
            if schema is None or not _schema_has(doc, schema, parts):
                problems.append(f"{where}: {expression} does not resolve")
    assert not problems, "\n".join(problems)


def test_promptlayer_links_walk_the_draft_lifecycle() -> None:
    doc = load_document(specs_dir() / "promptlayer.yaml")
    edges = {(op, link["operationId"]) for op, _, _, link, _ in _links(doc)}
    lifecycle = [
        ("createDatasetGroup", "createDraftDatasetVersion"),
        ("createDatasetGroup", "saveDraftDatasetVersion"),
        ("createDatasetGroup", "listDatasets"),
        ("createDraftDatasetVersion", "getDatasetRows"),
        ("createDraftDatasetVersion", "saveDraftDatasetVersion"),
        ("saveDraftDatasetVersion", "listDatasets"),
        ("saveDraftDatasetVersion", "createDraftDatasetVersion"),
    ]
    assert set(lifecycle) <= edges, set(lifecycle) - edges


def _edges(api: str) -> set[tuple[str, str]]:
    doc = load_document(specs_dir() / f"{api}.yaml")
    return {(op, link["operationId"]) for op, _, _, link, _ in _links(doc)}


def test_lunary_links_walk_the_version_lifecycle() -> None:
    lifecycle = {
        ("createDataset", "createDatasetItem"),
        ("createDataset", "createDatasetVersion"),
        ("createDatasetItem", "createDatasetVersion"),
        ("createDatasetVersion", "restoreDatasetVersion"),
        ("restoreDatasetVersion", "listDatasetVersions"),
    }
    assert lifecycle <= _edges("lunary"), lifecycle - _edges("lunary")


def test_omni_links_walk_the_draft_lifecycle() -> None:
    lifecycle = {
        ("documentsCreate", "documentsCreateDraft"),
        ("documentsCreate", "createDraftAndPatch"),
        ("documentsCreateDraft", "getDraftState"),
        ("documentsCreateDraft", "patchDraft"),
        ("documentsCreateDraft", "documentsDiscardDraft"),
        ("createDraftAndPatch", "getDraftState"),
        ("createDraftAndPatch", "patchDraft"),
        ("patchDraft", "publishDraft"),
    }
    assert lifecycle <= _edges("omni"), lifecycle - _edges("omni")


def test_agentcore_links_start_from_create_dataset() -> None:
    lifecycle = {
        ("CreateDataset", target)
        for target in (
            "GetDataset",
            "AddDatasetExamples",
            "CreateDatasetVersion",
            "ListDatasetVersions",
            "DeleteDataset",
        )
    }
    lifecycle |= {
        ("AddDatasetExamples", "CreateDatasetVersion"),
        ("CreateDatasetVersion", "ListDatasetVersions"),
    }
    assert lifecycle <= _edges("agentcore"), lifecycle - _edges("agentcore")
