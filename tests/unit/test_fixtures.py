"""Fixtures are validated at load time; errors name the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from draftmock.assembly import build_runtime
from draftmock.errors import FixtureError


def test_default_fixtures_load() -> None:
    runtime = build_runtime(apis=["promptlayer"])
    backend = runtime.world().backends["promptlayer"]
    assert backend.api_keys["pl-demo-key"].workspace_id == 1


def test_a_bad_field_names_file_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "broken.promptlayer.yaml"
    bad.write_text(
        "workspaces:\n"
        "  - id: 1\n"
        "    dataset_groups:\n"
        "      - id: 5\n"
        "        name: x\n"
        "        versions:\n"
        "          - {id: 6, version_number: 'one'}\n"
    )
    with pytest.raises(FixtureError) as error:
        build_runtime(apis=["promptlayer"], fixtures=[bad])
    message = str(error.value)
    assert "broken.promptlayer.yaml" in message
    assert "workspaces/0/dataset_groups/0/versions/0/version_number" in message


def test_unknown_api_key_in_a_combined_file(tmp_path: Path) -> None:
    bad = tmp_path / "mixed.yaml"
    bad.write_text("nosuchapi: {}\n")
    with pytest.raises(FixtureError, match="unknown API 'nosuchapi'"):
        build_runtime(apis=["promptlayer"], fixtures=[bad])


def test_two_drafts_in_one_group_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "drafts.promptlayer.yaml"
    bad.write_text(
        "workspaces:\n"
        "  - id: 1\n"
        "    dataset_groups:\n"
        "      - id: 5\n"
        "        name: x\n"
        "        versions:\n"
        "          - {id: 6, version_number: -1}\n"
        "          - {id: 7, version_number: -1}\n"
    )
    with pytest.raises(FixtureError, match="more than one draft"):
        build_runtime(apis=["promptlayer"], fixtures=[bad])


@pytest.mark.parametrize(
    ("versions", "field", "why"),
    [
        (
            "[{id: 6, version_number: 1, column_names: [a], rows: [[1], [1, 2]]}]",
            "workspaces/0/dataset_groups/0/versions/0/rows/1",
            "2 cells",
        ),
        (
            "[{id: 6, version_number: 1}, {id: 6, version_number: 2}]",
            "workspaces/0/dataset_groups/0/versions/1/id",
            "defined twice",
        ),
        (
            "[{id: 6, version_number: 1}, {id: 7, version_number: 1}]",
            "workspaces/0/dataset_groups/0/versions/1/version_number",
            "version 1 is defined twice",
        ),
    ],
)
def test_inconsistent_promptlayer_data_names_the_field(
    tmp_path: Path, versions: str, field: str, why: str
) -> None:
    bad = tmp_path / "odd.promptlayer.yaml"
    bad.write_text(
        f"workspaces:\n  - id: 1\n    dataset_groups:\n      - {{id: 5, name: x, versions: {versions}}}\n"
    )
    with pytest.raises(FixtureError) as error:
        build_runtime(apis=["promptlayer"], fixtures=[bad])
    assert str(error.value).startswith(f"{bad}: promptlayer fixture: ")
    assert field in str(error.value)
    assert why in str(error.value)
