from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from draftmock.declared.jsonpath import JsonPathError, select
from draftmock.declared.overlay import apply_overlay, load_overlay
from draftmock.errors import ConfigError

DOC: dict[str, Any] = {
    "openapi": "3.1.0",
    "tags": [{"name": "a"}],
    "paths": {
        "/notes/{id}": {
            "get": {"operationId": "getNote", "tags": ["notes"]},
            "delete": {"operationId": "deleteNote", "deprecated": True},
        },
        "/notes": {"post": {"operationId": "createNote", "tags": ["notes", "write"]}},
    },
}


def pointers(path: str) -> list[str]:
    return [location.pointer for location in select(DOC, path)]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$", [""]),
        ("$.paths['/notes/{id}'].get", ["/paths/~1notes~1{id}/get"]),
        ('$.paths["/notes"].post.operationId', ["/paths/~1notes/post/operationId"]),
        ("$.tags[0].name", ["/tags/0/name"]),
        ("$.paths.*.*.tags[-1]", ["/paths/~1notes~1{id}/get/tags/0", "/paths/~1notes/post/tags/1"]),
        ("$..deprecated", ["/paths/~1notes~1{id}/delete/deprecated"]),
        ("$.paths.*[?@.operationId == 'createNote']", ["/paths/~1notes/post"]),
        ("$.paths.*[?(@.deprecated)]", ["/paths/~1notes~1{id}/delete"]),
        (
            "$.paths.*[?@.deprecated != true && @.operationId]",
            ["/paths/~1notes~1{id}/get", "/paths/~1notes/post"],
        ),
        ("$.paths['/notes', '/missing']", ["/paths/~1notes"]),
        ("$.nothing.here", []),
    ],
)
def test_selects(path: str, expected: list[str]) -> None:
    assert pointers(path) == expected


@pytest.mark.parametrize("path", ["paths", "$.paths[1:2]", "$.paths['x", "$.[", "$.paths ~"])
def test_refuses_what_it_does_not_know(path: str) -> None:
    with pytest.raises(JsonPathError, match="JSONPath"):
        select(DOC, path)


def test_update_merges_recursively_appends_and_replaces() -> None:
    overlay = {
        "actions": [
            {
                "target": "$.paths['/notes'].post",
                "update": {
                    "x-draftmock": {"task": {"action": "start"}},
                    "tags": ["more"],
                    "operationId": "makeNote",
                },
            },
            {"target": "$.tags", "update": {"name": "b"}},
        ]
    }
    result = apply_overlay(DOC, overlay, "o.yaml")
    post = result["paths"]["/notes"]["post"]
    assert post == {
        "operationId": "makeNote",
        "tags": ["notes", "write", "more"],
        "x-draftmock": {"task": {"action": "start"}},
    }
    assert result["tags"] == [{"name": "a"}, {"name": "b"}]
    assert DOC["paths"]["/notes"]["post"]["operationId"] == "createNote"  # the original stays


def test_remove_deletes_each_selected_node() -> None:
    overlay = {
        "actions": [
            {"target": "$.paths.*[?@.deprecated == true]", "remove": True},
            {"target": "$.paths.*.*.tags[*]", "remove": True},
        ]
    }
    result = apply_overlay(DOC, overlay, "o.yaml")
    assert set(result["paths"]["/notes/{id}"]) == {"get"}
    assert result["paths"]["/notes"]["post"]["tags"] == []


def test_incompatible_update_names_the_action() -> None:
    overlay = {"actions": [{"target": "$.paths['/notes'].post.operationId", "update": {"a": 1}}]}
    with pytest.raises(ConfigError, match=r"actions/0 .*at /paths/~1notes/post/operationId"):
        apply_overlay(DOC, overlay, "o.yaml")


def test_an_overlay_file_is_checked_against_the_overlay_shape(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(
        yaml.safe_dump(
            {
                "overlay": "1.0.0",
                "info": {"title": "t", "version": "1"},
                "actions": [{"target": "$.info", "update": {}}],
            }
        )
    )
    assert load_overlay(good)["actions"][0]["target"] == "$.info"
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        yaml.safe_dump(
            {
                "overlay": "1.0.0",
                "info": {"title": "t", "version": "1"},
                "actions": [{"target": "$.info", "updat": {}}],
            }
        )
    )
    with pytest.raises(
        ConfigError, match=r"--overlay .*bad.yaml: not an Overlay 1.0 document: actions/0"
    ):
        load_overlay(bad)
