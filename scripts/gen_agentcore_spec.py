"""Generate ``specs/agentcore.yaml`` (OpenAPI 3.1.0) from the botocore service model.

Only the dataset operations of ``bedrock-agentcore-control`` are translated. The botocore model
installed in the environment is the source of truth; see ``docs/agentcore.md``.

    python scripts/gen_agentcore_spec.py           # (re)write specs/agentcore.yaml
    python scripts/gen_agentcore_spec.py --check   # exit 1 if the committed file is stale
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from pathlib import Path
from typing import Any

import botocore
import yaml
from botocore.loaders import Loader
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SERVICE = "bedrock-agentcore-control"
OUTPUT = Path(__file__).resolve().parents[1] / "specs" / "agentcore.yaml"
OPERATIONS = (
    "CreateDataset", "GetDataset", "UpdateDataset", "DeleteDataset", "ListDatasets",
    "CreateDatasetVersion", "ListDatasetVersions", "AddDatasetExamples",
    "UpdateDatasetExamples", "DeleteDatasetExamples", "ListDatasetExamples",
)  # fmt: skip
SCHEMAS = "#/components/schemas/"
METHODS = ("get", "put", "post", "delete", "patch")
PARAM_IN = {"uri": "path", "querystring": "query", "header": "header"}
JSON = "application/json"
# Document shapes are "any JSON" ({}), except the dataset examples, which are JSON objects.
DOCUMENT_OVERRIDES: dict[str, dict[str, Any]] = {"SensitiveJson": {"type": "object"}}
CORRECTIONS: list[dict[str, str]] = [
    {
        "id": "anchored-patterns",
        "change": "Every model `pattern` is emitted as `^(?:<pattern>)$`.",
        "reason": "AWS validates the whole value against the pattern; JSON Schema `pattern` "
        "is unanchored, so the raw pattern would accept values the service rejects.",
    },
    {
        "id": "create-dataset-required",
        "change": "CreateDatasetRequest keeps the model's `required: [datasetName]`; `source` and "
        "`schemaType` stay optional in the schema.",
        "reason": "botocore 1.44.5 requires only datasetName, older references also require source "
        "and schemaType. The schema allows every call boto3 can make; the mock's behaviour layer "
        "rejects a CreateDataset without source or schemaType with a 400 ValidationException.",
    },
    {
        "id": "sensitive-json-object",
        "change": "The `SensitiveJson` document shape (dataset examples) is `type: object`, not "
        "`{}`.",
        "reason": "Every dataset example is a JSON object (exampleId plus schema fields).",
    },
    {
        "id": "closed-output-structures",
        "change": "Structures reachable only from responses (success and error) carry "
        "`additionalProperties: false`; request structures stay open, unions are closed.",
        "reason": "Responses are produced by the mock and must contain modeled members only; "
        "AWS ignores unknown request members but rejects unknown union members.",
    },
]
ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:dataset/support_eval-Ab12Cd34Ef"
DSID = "support_eval-Ab12Cd34Ef"
TOKEN = "7c1e2f4a-9b3d-4c5e-8f6a-0b1c2d3e4f5a"
EXAMPLE_ID = "3f2b8c1e-5d4a-4e7b-9c2d-1a2b3c4d5e6f"
T0, T1 = 1767225600.0, 1767225660.0
SCENARIO = {
    "scenario_id": "TC-02",
    "turns": [{"input": "Transfer $100", "expected_response": "Transfer complete."}],
}
COUNTS = {"turns": 1, "input": 0, "actorProfile": 0}
IDS = {"datasetArn": ARN, "datasetId": DSID}
SUMMARY = {**IDS, "datasetName": "support_eval", "description": "Support regression scenarios",
           "status": "ACTIVE", "draftStatus": "MODIFIED",
           "schemaType": "AGENTCORE_EVALUATION_PREDEFINED_V1", "exampleCount": 1,
           "exampleCountByField": COUNTS, "createdAt": T0, "updatedAt": T1}  # fmt: skip
# operation -> (request body example or None, success response example)
EXAMPLES: dict[str, tuple[dict[str, Any] | None, dict[str, Any]]] = {
    "CreateDataset": (
        {"clientToken": TOKEN, "datasetName": "support_eval",
         "description": "Support regression scenarios",
         "schemaType": "AGENTCORE_EVALUATION_PREDEFINED_V1",
         "source": {"inlineExamples": {"examples": [SCENARIO]}}, "tags": {"team": "support"}},
        {**IDS, "status": "CREATING", "createdAt": T0},
    ),
    "GetDataset": (None, {
        **SUMMARY, "datasetVersion": "DRAFT", "tags": {"team": "support"},
        "downloadUrl": "https://agentcore-datasets.s3.amazonaws.com/support_eval/DRAFT.jsonl",
        "downloadUrlExpiresAt": T1 + 300}),
    "UpdateDataset": ({"description": "Support regression scenarios, v2"},
                      {**IDS, "updatedAt": T1}),
    "DeleteDataset": (None, {**IDS, "status": "DELETING", "datasetVersion": "DRAFT",
                             "updatedAt": T1}),
    "ListDatasets": ({"maxResults": 10}, {"datasets": [SUMMARY]}),
    "CreateDatasetVersion": ({"clientToken": TOKEN}, {
        **IDS, "status": "UPDATING", "datasetVersion": "1", "createdAt": T1}),
    "ListDatasetVersions": ({"maxResults": 10}, {"versions": [
        {"datasetVersion": "1", "exampleCount": 1, "exampleCountByField": COUNTS,
         "createdAt": T1}]}),
    "AddDatasetExamples": ({"source": {"inlineExamples": {"examples": [SCENARIO]}}}, {
        **IDS, "status": "UPDATING", "addedCount": 1, "updatedAt": T1,
        "exampleIds": [EXAMPLE_ID]}),
    "UpdateDatasetExamples": ({"examples": [{"exampleId": EXAMPLE_ID, **SCENARIO}]}, {
        **IDS, "status": "UPDATING", "updatedCount": 1, "updatedAt": T1}),
    "DeleteDatasetExamples": ({"exampleIds": [EXAMPLE_ID]}, {
        **IDS, "status": "UPDATING", "deletedCount": 1, "updatedAt": T1}),
    "ListDatasetExamples": ({"datasetVersion": "DRAFT", "maxResults": 10}, {
        **IDS, "datasetVersion": "DRAFT", "examples": [{"exampleId": EXAMPLE_ID, **SCENARIO}]}),
}  # fmt: skip

Model = dict[str, Any]
Schema = dict[str, Any]


def ref(shape: str) -> Schema:
    return {"$ref": SCHEMAS + shape}


def summary(doc: str) -> str:
    text = " ".join(re.sub(r"<[^>]+>", "", doc).split())
    return text.split(". ")[0].rstrip(".") + "." if text else ""


def reachable(shapes: Model, roots: list[str]) -> set[str]:
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        shape = shapes[name]
        stack += [shape[k]["shape"] for k in ("member", "key", "value") if k in shape]
        stack += [m["shape"] for m in shape.get("members", {}).values()]
    return seen


def struct_schema(members: Model, required: list[str]) -> Schema:
    props: Schema = {}
    for name in sorted(members):
        props[name] = ref(members[name]["shape"])
        if members[name].get("idempotencyToken"):
            props[name]["x-aws-idempotency-token"] = True
    schema: Schema = {"type": "object", "properties": props}
    if req := sorted(r for r in required if r in members):
        schema["required"] = req
    return schema


def shape_schema(name: str, shape: Model, closed: bool) -> Schema:
    kind = shape["type"]
    bounds = {"string": ("minLength", "maxLength"), "list": ("minItems", "maxItems"),
              "map": ("minProperties", "maxProperties")}.get(kind, ("minimum", "maximum"))  # fmt: skip
    if shape.get("document"):
        schema = dict(DOCUMENT_OVERRIDES.get(name, {}))
    elif kind == "structure":
        schema = struct_schema(shape["members"], shape.get("required", []))
        if shape.get("union"):
            schema |= {"additionalProperties": False, "minProperties": 1, "maxProperties": 1}
        elif closed:
            schema["additionalProperties"] = False
    elif kind == "string":
        schema = {"type": "string"}
        if "enum" in shape:
            schema["enum"] = list(shape["enum"])
        if "pattern" in shape:
            schema["pattern"] = f"^(?:{shape['pattern']})$"
    elif kind == "list":
        schema = {"type": "array", "items": ref(shape["member"]["shape"])}
    elif kind == "map":
        schema = {"type": "object", "propertyNames": ref(shape["key"]["shape"]),
                  "additionalProperties": ref(shape["value"]["shape"])}  # fmt: skip
    elif kind in ("integer", "long"):
        schema = {"type": "integer", "format": "int32" if kind == "integer" else "int64"}
    elif kind in ("float", "double"):
        schema = {"type": "number", "format": kind}
    elif kind == "boolean":
        schema = {"type": "boolean"}
    elif kind == "timestamp":
        schema = {"type": "number", "description": "Epoch seconds (rest-json timestamps)."}
    elif kind == "blob":
        schema = {"type": "string", "contentEncoding": "base64"}
    else:
        raise ValueError(f"{name}: unsupported shape type {kind}")
    schema |= {bound: shape[key] for key, bound in zip(("min", "max"), bounds, strict=True)
               if key in shape}  # fmt: skip
    if shape.get("sensitive"):
        schema["x-aws-sensitive"] = True
    return schema


def error_response(names: list[str], shapes: Model) -> Schema:
    statuses = {shapes[n]["error"]["httpStatusCode"] for n in names}
    schemas = [ref(n) for n in names]
    return {
        "description": " or ".join(names) + f" (HTTP {statuses.pop()})",
        "headers": {
            "x-amzn-ErrorType": {"description": "The exception name.", "required": True,
                                 "schema": {"type": "string", "enum": names}},
            "x-amzn-RequestId": {"$ref": "#/components/headers/RequestId"},
        },
        "content": {JSON: {"schema": schemas[0] if len(schemas) == 1 else {"oneOf": schemas}}},
    }  # fmt: skip


def operation(model: Model, name: str) -> tuple[str, str, Schema]:
    shapes, op = model["shapes"], model["operations"][name]
    http, inp = op["http"], shapes[op["input"]["shape"]]
    params, body = [], {}
    for member, spec in inp["members"].items():
        if spec.get("location") in PARAM_IN:
            where = PARAM_IN[spec["location"]]
            params.append({"name": spec.get("locationName", member), "in": where,
                           "required": where == "path" or member in inp.get("required", []),
                           "schema": ref(spec["shape"])})  # fmt: skip
        else:
            body[member] = spec
    params.sort(key=lambda p: (("path", "query", "header").index(p["in"]), p["name"]))
    request_example, response_example = EXAMPLES[name]
    result: Schema = {"operationId": name, "summary": summary(op.get("documentation", "")),
                      "tags": ["Datasets"]}  # fmt: skip
    if op.get("idempotent"):
        result["x-aws-idempotent"] = True
    if params:
        result["parameters"] = params
    if body:
        media: Schema = {"schema": ref(op["input"]["shape"])}
        if request_example is not None:
            media["examples"] = {"default": {"value": request_example}}
        required = any(m in inp.get("required", []) for m in body)
        result["requestBody"] = {"required": required, "content": {JSON: media}}
    success: Schema = {"description": "Success.",
                       "headers": {"x-amzn-RequestId": {"$ref": "#/components/headers/RequestId"}},
                       "content": {JSON: {"schema": ref(op["output"]["shape"]),
                                          "examples": {"default": {"value": response_example}}}}}  # fmt: skip
    by_status: dict[str, list[str]] = {}
    for error in op.get("errors", []):
        status = str(shapes[error["shape"]]["error"]["httpStatusCode"])
        by_status.setdefault(status, []).append(error["shape"])
    by_status.setdefault("403", ["AccessDeniedException"])  # every call can fail SigV4 checks
    responses: Schema = {str(http.get("responseCode", 200)): success}
    for status, names in by_status.items():
        responses[status] = (
            {"$ref": f"#/components/responses/{names[0]}"}
            if len(names) == 1
            else error_response(sorted(names), shapes)
        )
    result["responses"] = dict(sorted(responses.items()))
    path = re.sub(r"\{(\w+)\+\}", r"{\1}", http["requestUri"])
    return path, http["method"].lower(), result


def load_model() -> Model:
    model: Model = Loader().load_service_model(SERVICE, "service-2")
    return model


def build_spec(model: Model | None = None) -> dict[str, Any]:
    """The OpenAPI document for the dataset operations, as a plain dict."""
    model = model or load_model()
    shapes, ops = model["shapes"], model["operations"]
    inputs = [ops[o]["input"]["shape"] for o in OPERATIONS]
    outputs = [ops[o]["output"]["shape"] for o in OPERATIONS]
    errors = sorted({e["shape"] for o in OPERATIONS for e in ops[o].get("errors", [])}
                    | {"AccessDeniedException"})  # fmt: skip
    request_side = reachable(shapes, inputs)
    closed = reachable(shapes, outputs + errors) - request_side
    schemas: Schema = {}
    for name in sorted(request_side | closed):
        if name in inputs:
            body = {m: s for m, s in shapes[name]["members"].items() if "location" not in s}
            if body:
                schemas[name] = struct_schema(body, shapes[name].get("required", []))
        else:
            schemas[name] = shape_schema(name, shapes[name], name in closed)
    paths: dict[str, Schema] = {}
    for name in OPERATIONS:
        path, method, op = operation(model, name)
        paths.setdefault(path, {})[method] = op
    meta = model["metadata"]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{meta['serviceFullName']} — Datasets",
            "version": meta["apiVersion"],
            "description": f"Generated by scripts/gen_agentcore_spec.py from the botocore "
            f"{botocore.__version__} model of {SERVICE} (apiVersion {meta['apiVersion']}). "
            "Do not edit by hand.",
            "x-aws-api-version": meta["apiVersion"],
            "x-botocore-version": botocore.__version__,
            "x-aws-protocol": meta["protocol"],
            "x-aws-signing-name": meta["signingName"],
        },
        "servers": [{"url": f"https://{meta['endpointPrefix']}.us-east-1.amazonaws.com"}],
        "security": [{"sigv4": []}],
        "tags": [{"name": "Datasets"}],
        "x-draftmock-corrections": CORRECTIONS,
        "paths": {
            p: {m: paths[p][m] for m in METHODS if m in paths[p]} for p in sorted(paths)
        },
        "components": {
            "securitySchemes": {"sigv4": {"type": "apiKey", "in": "header",
                                          "name": "Authorization",
                                          "x-amazon-apigateway-authtype": "awsSigv4"}},
            "headers": {"RequestId": {"description": "Request id.", "required": True,
                                      "schema": {"type": "string"}}},
            "responses": {e: error_response([e], shapes) for e in errors},
            "schemas": schemas,
        },
    }  # fmt: skip


def check_examples(spec: dict[str, Any]) -> list[str]:
    """Validate every media-type example against its schema, resolving refs in the document."""
    uri = "urn:draftmock:agentcore"
    registry: Registry[Any] = Registry().with_resource(uri, Resource(spec, DRAFT202012))
    problems = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            base = f"/paths/{path.replace('/', '~1')}/{method}"
            media = [(f"{base}/requestBody", op.get("requestBody", {}))]
            media += [(f"{base}/responses/{s}", r) for s, r in op["responses"].items()]
            for pointer, holder in media:
                for name, example in holder.get("content", {}).get(JSON, {}).get(
                    "examples", {}
                ).items():
                    schema = {"$ref": f"{uri}#{pointer}/content/application~1json/schema"}
                    validator = Draft202012Validator(schema, registry=registry)
                    problems += [
                        f"{op['operationId']} {pointer} example {name}: {err.message}"
                        for err in validator.iter_errors(example["value"])
                    ]
    return problems


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def render(spec: dict[str, Any]) -> str:
    text: str = yaml.dump(
        spec, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100
    )
    return "# Generated by scripts/gen_agentcore_spec.py. Do not edit.\n" + text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="fail if the file is stale")
    args = parser.parse_args(argv)
    spec = build_spec()
    if problems := check_examples(spec):
        print("\n".join(problems), file=sys.stderr)
        return 2
    text = render(spec)
    if not args.check:
        OUTPUT.write_text(text, encoding="utf-8")
        print(f"wrote {OUTPUT}")
        return 0
    current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
    if current == text:
        return 0
    diff = list(difflib.unified_diff(current.splitlines(), text.splitlines(),
                                     str(OUTPUT), "regenerated", lineterm=""))  # fmt: skip
    changed = sum(1 for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---"))
    print(f"{OUTPUT} is stale: {changed} changed lines. Run scripts/gen_agentcore_spec.py.")
    print("\n".join(diff[:60]))
    return 1


if __name__ == "__main__":
    sys.exit(main())
