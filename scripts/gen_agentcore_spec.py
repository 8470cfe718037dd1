"""Generate ``specs/agentcore.yaml`` (OpenAPI 3.1.0) from the botocore service model.

Every operation of ``bedrock-agentcore-control`` is translated. The botocore model installed in
the environment (the version pyproject.toml pins) is the source of truth; see ``docs/agentcore.md``.

    python scripts/gen_agentcore_spec.py           # (re)write specs/agentcore.yaml
    python scripts/gen_agentcore_spec.py --check   # exit 1 if the committed file is stale
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from pathlib import Path
from typing import Any

import botocore
import yaml
from botocore.loaders import Loader
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

SERVICE = "bedrock-agentcore-control"
OUTPUT = Path(__file__).resolve().parents[1] / "specs" / "agentcore.yaml"
# fmt: off
SCHEMAS = "#/components/schemas/"
METHODS = ("get", "put", "post", "delete", "patch")
PARAM_IN = {"uri": "path", "querystring": "query", "header": "header"}
JSON = "application/json"
# Document shapes are "any JSON" ({}), except the dataset examples, which are JSON objects.
DOCUMENT_OVERRIDES: dict[str, dict[str, Any]] = {"SensitiveJson": {"type": "object"}}
SCALARS: dict[str, dict[str, Any]] = {
    "integer": {"type": "integer", "format": "int32"},
    "long": {"type": "integer", "format": "int64"},
    "float": {"type": "number", "format": "float"},
    "double": {"type": "number", "format": "double"},
    "boolean": {"type": "boolean"},
    "timestamp": {"type": "number", "description": "Epoch seconds (rest-json timestamps)."},
    "timestamp-iso8601": {"type": "string", "format": "date-time"},
    "blob": {"type": "string", "contentEncoding": "base64"},
}
INTEGER_RANGES = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}
BOUNDS = {"string": ("minLength", "maxLength"), "list": ("minItems", "maxItems"),
          "map": ("minProperties", "maxProperties")}
REQUEST_ID = {"$ref": "#/components/headers/RequestId"}
COMPONENTS: dict[str, Any] = {
    "securitySchemes": {"sigv4": {"type": "apiKey", "in": "header", "name": "Authorization",
                                  "x-amazon-apigateway-authtype": "awsSigv4"}},
    "headers": {"RequestId": {"description": "AWS request id.", "required": True,
                              "schema": {"type": "string"}}},
}
CORRECTIONS: list[dict[str, str]] = [
    {"id": "anchored-patterns",
     "note": "Every model `pattern` is emitted as `^(?:<pattern>)$`: AWS matches the whole value, "
             "JSON Schema `pattern` is unanchored and would accept values the service rejects."},
    {"id": "create-dataset-required",
     "note": "CreateDatasetRequest keeps the model's `required: [datasetName]` (botocore 1.44.x); "
             "older references also require `source` and `schemaType`. The schema accepts every "
             "call boto3 can make; the mock's behaviour layer answers a CreateDataset without "
             "`source` or `schemaType` with 400 ValidationException (FieldValidationFailed)."},
    {"id": "sensitive-json-object",
     "note": "The `SensitiveJson` document shape (a dataset example) is `type: object`, not `{}`: "
             "every example is a JSON object."},
    {"id": "integer-ranges",
     "note": "An `integer` shape (32 bits in every AWS SDK) without a model bound gets the int32 "
             "range as `minimum`/`maximum`, a `long` the int64 range: a value beyond it is a "
             "ValidationException, not a number the service would truncate."},
    {"id": "closed-output-structures",
     "note": "Structures reachable only from responses (success and error bodies) carry "
             "`additionalProperties: false`; request structures stay open (AWS ignores unknown "
             "members); unions are closed with exactly one member."},
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
           "exampleCountByField": COUNTS, "createdAt": T0, "updatedAt": T1}
# The dataset operations (the behaviour module's) carry examples; the others are generated from
# their schemas. operation -> (request body example or None, success response example)
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
}
# fmt: on

# -- OpenAPI links ------------------------------------------------------------------------------
# Not in the botocore model: written here so Schemathesis' stateful phase walks a dataset's
# lifecycle from the dataset it just created. operation -> link name -> (target, description).
CREATED = {"datasetId": "$response.body#/datasetId"}
LINKS: dict[str, dict[str, tuple[str, str]]] = {
    "CreateDataset": {
        "GetDataset": ("GetDataset", "Poll the new dataset: CREATING, then ACTIVE."),
        "AddDatasetExamples": ("AddDatasetExamples", "Add examples to the DRAFT once ACTIVE."),
        "CreateDatasetVersion": ("CreateDatasetVersion", "Publish the DRAFT as version N+1."),
        "ListDatasetVersions": ("ListDatasetVersions", "The published versions, newest first."),
        "DeleteDataset": ("DeleteDataset", "Delete the dataset (DELETING, then gone)."),
    },
    "AddDatasetExamples": {
        "GetDataset": ("GetDataset", "Poll until UPDATING becomes ACTIVE."),
        "CreateDatasetVersion": (
            "CreateDatasetVersion",
            "Publish the DRAFT with the new examples.",
        ),
        "ListDatasetExamples": (
            "ListDatasetExamples",
            "The DRAFT's examples, the new ones among them.",
        ),
    },
    "CreateDatasetVersion": {
        "GetDataset": ("GetDataset", "Poll until UPDATING becomes ACTIVE."),
        "ListDatasetVersions": ("ListDatasetVersions", "The new version is listed first."),
    },
}


def links(name: str) -> Schema | None:
    found = LINKS.get(name)
    if not found:
        return None
    return {link: {"operationId": target, "description": text, "parameters": dict(CREATED)}
            for link, (target, text) in found.items()}  # fmt: skip


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
        key, value = shape["key"]["shape"], shape["value"]["shape"]
        schema = {"type": "object", "propertyNames": ref(key), "additionalProperties": ref(value)}
    elif kind == "timestamp" and shape.get("timestampFormat") == "iso8601":
        schema = dict(SCALARS["timestamp-iso8601"])
    elif kind in SCALARS:
        schema = dict(SCALARS[kind])
    else:
        raise ValueError(f"{name}: unsupported shape type {kind}")
    low, high = BOUNDS.get(kind, ("minimum", "maximum"))
    schema |= {bound: shape[key] for key, bound in (("min", low), ("max", high)) if key in shape}
    if kind in INTEGER_RANGES:  # the model's integer is 32 bits, its long 64: say so
        for bound, value in zip(("minimum", "maximum"), INTEGER_RANGES[kind], strict=True):
            schema.setdefault(bound, value)
    if shape.get("sensitive"):
        schema["x-aws-sensitive"] = True
    return schema


def error_response(names: list[str], status: int) -> Schema:
    """One error response; exceptions sharing a status are merged with ``anyOf`` (bodies overlap)."""
    schemas = [ref(n) for n in names]
    error_type = {"type": "string", "enum": names}
    return {
        "description": f"{' or '.join(names)} (HTTP {status})",
        "headers": {
            "x-amzn-ErrorType": {"description": "Exception name.", "required": True,
                                 "schema": error_type},
            "x-amzn-RequestId": REQUEST_ID,
        },
        "content": {JSON: {"schema": schemas[0] if len(schemas) == 1 else {"anyOf": schemas}}},
    }  # fmt: skip


def media(schema: Schema, example: Any) -> Schema:
    if example is None:
        return {JSON: {"schema": schema}}
    return {JSON: {"schema": schema, "examples": {"default": {"value": example}}}}


def tag(path: str) -> str:
    """The operation's group: the first segment of its path (``/policy-engines/...`` ->
    ``Policy engines``)."""
    first = path.strip("/").split("/")[0]
    return first.replace("-", " ").capitalize()


def operation(model: Model, name: str) -> tuple[str, str, Schema]:
    shapes, op = model["shapes"], model["operations"][name]
    http, inp = op["http"], shapes[op["input"]["shape"]]
    required = inp.get("required", [])
    params, body = [], []
    for member, spec in inp["members"].items():
        if spec.get("location") not in PARAM_IN:
            body.append(member)
            continue
        where = PARAM_IN[spec["location"]]
        params.append({"name": spec.get("locationName", member), "in": where,
                       "required": where == "path" or member in required,
                       "schema": ref(spec["shape"])})  # fmt: skip
    params.sort(key=lambda p: (("path", "query", "header").index(p["in"]), p["name"]))
    request_example, response_example = EXAMPLES.get(name, (None, None))
    result: Schema = {"operationId": name, "summary": summary(op.get("documentation", "")),
                      "tags": [tag(http["requestUri"])]}  # fmt: skip
    if op.get("idempotent"):
        result["x-aws-idempotent"] = True
    if params:
        result["parameters"] = params
    if body:  # botocore sends a JSON body ({} at least) whenever the input has body members
        result["requestBody"] = {
            "required": any(m in required for m in body),
            "content": media(ref(op["input"]["shape"]), request_example),
        }
    success: Schema = {"description": "Success.", "headers": {"x-amzn-RequestId": REQUEST_ID}}
    if http.get("responseCode") != 204:  # 204 No Content: the (empty) output has no body
        success["content"] = media(ref(op["output"]["shape"]), response_example)
    if (linked := links(name)) is not None:
        success["links"] = linked
    errors: dict[int, list[str]] = {}
    for error in op.get("errors", []):
        errors.setdefault(shapes[error["shape"]]["error"]["httpStatusCode"], []).append(
            error["shape"]
        )
    errors.setdefault(403, ["AccessDeniedException"])
    if not any("ValidationException" in names for names in errors.values()):
        errors.setdefault(400, []).append("ValidationException")
    responses: Schema = {str(http.get("responseCode", 200)): success}
    for status, names in errors.items():
        one = {"$ref": f"#/components/responses/{names[0]}"}
        responses[str(status)] = one if len(names) == 1 else error_response(sorted(names), status)
    result["responses"] = dict(sorted(responses.items()))
    path = re.sub(r"\{(\w+)\+\}", r"{\1}", http["requestUri"])  # greedy labels
    return path, http["method"].lower(), result


def access_denied_note(ops: Model) -> dict[str, str]:
    listed = {o: {e["shape"] for e in ops[o].get("errors", [])} for o in sorted(ops)}
    added = [o for o in sorted(ops) if "AccessDeniedException" not in listed[o]]
    where = f"added for {', '.join(added)}" if added else "the model lists it for all of them"
    return {"id": "access-denied-everywhere",
            "note": "Every operation documents 403 AccessDeniedException (missing or invalid "
                    f"SigV4 signature); {where}."}  # fmt: skip


def validation_note(ops: Model) -> dict[str, str]:
    added = [
        o for o in sorted(ops)
        if "ValidationException" not in {e["shape"] for e in ops[o].get("errors", [])}
    ]  # fmt: skip
    return {"id": "validation-everywhere",
            "note": "Every operation documents 400 ValidationException, the rest-json answer to "
                    "input that breaks the model's constraints (a pattern, a length, a missing "
                    f"member); added for {', '.join(added) or 'none'}."}  # fmt: skip


def build_spec(model: Model | None = None) -> dict[str, Any]:
    """The OpenAPI document for every operation of the model, as a plain dict."""
    model = model or Loader().load_service_model(SERVICE, "service-2")
    shapes, ops, meta = model["shapes"], model["operations"], model["metadata"]
    names = sorted(ops)
    inputs = [ops[o]["input"]["shape"] for o in names]
    outputs = [ops[o]["output"]["shape"] for o in names]
    listed = {e["shape"] for o in names for e in ops[o].get("errors", [])}
    errors = sorted(listed | {"AccessDeniedException"})
    request_side = reachable(shapes, inputs)
    closed = reachable(shapes, outputs + errors) - request_side
    schemas: Schema = {}
    for name in sorted(request_side | closed):
        if name in inputs:  # only the body members; the rest became parameters
            members = {m: s for m, s in shapes[name]["members"].items() if "location" not in s}
            if members:
                schemas[name] = struct_schema(members, shapes[name].get("required", []))
        else:
            schemas[name] = shape_schema(name, shapes[name], name in closed)
    paths: dict[str, Schema] = {}
    for name in names:
        path, method, op = operation(model, name)
        paths.setdefault(path, {})[method] = op
    responses = {e: error_response([e], shapes[e]["error"]["httpStatusCode"]) for e in errors}
    version = botocore.__version__
    return {
        "openapi": "3.1.0",
        "info": {
            "title": meta["serviceFullName"],
            "version": meta["apiVersion"],
            "description": f"Generated by scripts/gen_agentcore_spec.py from the botocore "
            f"{version} service model ({meta['uid']}). Do not edit by hand.",
            "x-aws-api-version": meta["apiVersion"],
            "x-botocore-version": version,
            "x-aws-protocol": meta["protocol"],
            "x-aws-signing-name": meta["signingName"],
        },
        "servers": [{"url": f"https://{meta['endpointPrefix']}.us-east-1.amazonaws.com"}],
        "security": [{"sigv4": []}],
        "tags": [{"name": t} for t in sorted({tag(ops[o]["http"]["requestUri"]) for o in names})],
        "x-draftmock-corrections": [*CORRECTIONS, access_denied_note(ops), validation_note(ops)],
        "paths": {p: {m: paths[p][m] for m in METHODS if m in paths[p]} for p in sorted(paths)},
        "components": {**COMPONENTS, "responses": responses, "schemas": schemas},
    }


def check_examples(spec: dict[str, Any]) -> list[str]:
    """Validate every media-type example against its schema, resolving refs in the document."""
    uri = "urn:draftmock:agentcore"
    registry: Registry[Any] = Registry().with_resource(uri, DRAFT202012.create_resource(spec))
    problems = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            base = f"/paths/{path.replace('/', '~1')}/{method}"
            media = [(f"{base}/requestBody", op.get("requestBody", {}))]
            media += [(f"{base}/responses/{s}", r) for s, r in op["responses"].items()]
            for pointer, holder in media:
                for name, example in (
                    holder.get("content", {}).get(JSON, {}).get("examples", {}).items()
                ):
                    schema = {"$ref": f"{uri}#{pointer}/content/application~1json/schema"}
                    validator = Draft202012Validator(schema, registry=registry)
                    problems += [
                        f"{op['operationId']} {pointer} example {name}: {err.message}"
                        for err in validator.iter_errors(example["value"])
                    ]
    return problems


def render(spec: dict[str, Any]) -> str:
    plain = json.loads(json.dumps(spec))  # no shared objects, hence no YAML anchors
    text: str = yaml.safe_dump(plain, sort_keys=False, allow_unicode=True, width=100)
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
    old, new = current.splitlines(), text.splitlines()
    diff = list(difflib.unified_diff(old, new, str(OUTPUT), "regenerated", lineterm=""))
    changed = sum(1 for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---"))
    print(f"{OUTPUT} is stale: {changed} changed lines. Run scripts/gen_agentcore_spec.py.")
    print("\n".join(diff[:60]))
    return 1


if __name__ == "__main__":
    sys.exit(main())
