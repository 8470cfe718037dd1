"""specs/agentcore.yaml is what the generator makes from the installed botocore model, and it
agrees with seed 001 (the CreateDatasetVersion API reference page)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from draftmock.paths import specs_dir
from tests.support.contracts import SEEDS

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "gen_agentcore_spec.py"
SEED = SEEDS / "001_f3cc37da6c5e1e73.txt"


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_agentcore_spec", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def committed() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((specs_dir() / "agentcore.yaml").read_text())
    return data


def test_committed_spec_is_what_the_generator_makes() -> None:
    gen = generator()
    built = gen.build_spec()
    assert gen.check_examples(built) == []
    assert gen.render(built) == (specs_dir() / "agentcore.yaml").read_text(encoding="utf-8"), (
        "specs/agentcore.yaml is stale: run scripts/gen_agentcore_spec.py and review the diff"
    )


def schema(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = doc["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


@pytest.fixture(scope="module")
def seed() -> str:
    if not SEED.exists():
        pytest.skip("shared/seeds is not beside this checkout")
    return SEED.read_text()


def test_seed_001_request_matches(seed: str) -> None:
    doc = committed()
    method, path = re.search(r"^(POST) (\S+) HTTP/1\.1", seed, re.M).groups()  # type: ignore[union-attr]
    op = doc["paths"][path.replace("{{", "{").replace("}}", "}")][method.lower()]
    assert op["operationId"] == "CreateDatasetVersion"
    (param,) = [p for p in op["parameters"] if p["in"] == "path"]
    assert param["name"] == "datasetId"
    assert schema(doc, param["schema"])["pattern"] == "^(?:[a-zA-Z0-9_-]{1,110})$"
    body = schema(doc, op["requestBody"]["content"]["application/json"]["schema"])
    assert set(body["properties"]) == {"clientToken"}
    token = schema(doc, body["properties"]["clientToken"])
    low, high = re.search(r"Minimum length of (\d+)\. Maximum length of (\d+)", seed).groups()  # type: ignore[union-attr]
    assert (token["minLength"], token["maxLength"]) == (int(low), int(high))
    assert token["pattern"] == "^(?:[a-zA-Z0-9](-*[a-zA-Z0-9]){0,256})$"


def test_seed_001_responses_match(seed: str) -> None:
    doc = committed()
    op = doc["paths"]["/datasets/{datasetId}/versions"]["post"]
    success = re.search(
        r"HTTP/1\.1 (\d{3})\nContent-type: application/json\n\n(\{.*?\})", seed, re.S
    )
    assert success is not None
    status, syntax = success.groups()
    response = schema(doc, op["responses"][status]["content"]["application/json"]["schema"])
    members = dict(re.findall(r'"(\w+)": (number|"string")', syntax))
    assert set(response["properties"]) == set(members)
    for name, kind in members.items():
        expected = "number" if kind == "number" else "string"
        assert schema(doc, response["properties"][name])["type"] == expected, name
    statuses = schema(doc, response["properties"]["status"])["enum"]
    listed = re.search(r"Valid Values: `([^`]+)`", seed).group(1)  # type: ignore[union-attr]
    assert statuses == [v.strip() for v in listed.split("|")]
    errors = dict(re.findall(r"\*\* (\w+Exception) \*\*\s+.*?\n.*?HTTP Status Code: (\d+)", seed))
    assert len(errors) == 7
    for name, code in errors.items():
        assert op["responses"][code]["$ref"] == f"#/components/responses/{name}"


def test_one_pin_for_boto3_and_botocore_and_the_generated_document() -> None:
    """The base install pins boto3 and botocore to the model specs/agentcore.yaml came from; no
    extra pins them again to something else."""
    import tomllib

    project = tomllib.loads((SCRIPT.parents[1] / "pyproject.toml").read_text())["project"]
    pins = {
        name: version
        for requirement in project["dependencies"]
        for name, _, version in [requirement.partition("==")]
        if name in ("boto3", "botocore")
    }
    model = committed()["info"]["x-botocore-version"]
    assert pins == {"boto3": model, "botocore": model}
    for extra, requirements in project["optional-dependencies"].items():
        named = [r for r in requirements if re.match(r"(boto3|botocore)\b", r)]
        assert not named, f"the {extra} extra pins {named} again"
