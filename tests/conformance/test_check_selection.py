"""Which Schemathesis checks the gate runs for which operation: every check everywhere, but for
the exclusions each API records with its reason (``draftmock.conformance.config``). A check left
out for some operations (an ``[[operations]]`` entry in ``<api>.toml``) stays on for the others:
nothing on the command line may turn it back on, nor off for the whole API."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import SchemathesisConfig

from draftmock.conformance.config import (
    ConfigExclusion,
    config_exclusions,
    config_for,
    excluded_checks,
)
from draftmock.conformance.schemathesis_run import run_schemathesis
from draftmock.paths import specs_dir
from draftmock.server.app import DraftmockApp
from draftmock.testing import LiveServer
from tests.conftest import frozen_runtime

pytestmark = pytest.mark.conformance

FILE_FORMS = {"createSkillCollectionPublic", "saveSkillCollectionVersionPublic"}
PHASES = ("examples", "coverage", "fuzzing", "stateful")


def left_out(api: str) -> dict[str, set[str]]:
    """Per operation (its id), the checks off in any phase, resolved by Schemathesis' own
    settings code from the API's config file and the gate's ``--exclude-checks``, applied as its
    command line applies them."""
    load_all_checks()
    config = SchemathesisConfig.from_path(config_for(api) or "")
    config.projects.override.checks.update(
        included_check_names=None, excluded_check_names=list(excluded_checks(api)) or None
    )
    schema = schemathesis.openapi.from_path(specs_dir() / f"{api}.yaml", config=config)
    names = [check.__name__ for check in CHECKS.get_all()]
    found: dict[str, set[str]] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        settings = [
            schema.config.checks_config_for(operation=operation, phase=phase) for phase in PHASES
        ]
        found[str(operation.definition.raw.get("operationId", operation.label))] = {
            name for name in names for s in settings if not s.get_by_name(name=name).enabled
        }
    assert len(found) > 50, found  # the whole document
    return found


def test_promptlayer_leaves_out_negative_data_rejection_for_its_file_forms_only() -> None:
    assert excluded_checks("promptlayer") == {}
    off = {operation: checks for operation, checks in left_out("promptlayer").items() if checks}
    assert off == {operation: {"negative_data_rejection"} for operation in FILE_FORMS}


@pytest.mark.parametrize(
    ("api", "excluded"),
    [
        ("lunary", {"unsupported_method", "ignored_auth", "allow_header_conformance"}),
        ("agentcore", {"missing_required_header"}),
        ("omni", set()),
    ],
)
def test_whole_api_exclusions_apply_to_every_operation(api: str, excluded: set[str]) -> None:
    assert set(excluded_checks(api)) == excluded
    assert {frozenset(checks) for checks in left_out(api).values()} == {frozenset(excluded)}


def test_the_gate_notes_say_what_is_left_out_where_and_why() -> None:
    (exclusion,) = config_exclusions(config_for("promptlayer") or Path())
    assert exclusion.check == "negative_data_rejection"
    assert exclusion.where == (
        "operation-id createSkillCollectionPublic, saveSkillCollectionVersionPublic"
    )
    assert "no server can tell from a valid upload" in exclusion.why
    assert exclusion.note().startswith(
        "schemathesis check negative_data_rejection left out for operation-id "
        "createSkillCollectionPublic, saveSkillCollectionVersionPublic: These operations'"
    )


def test_exclusions_are_read_with_the_comment_above_them(tmp_path: Path) -> None:
    config = tmp_path / "st.toml"
    config.write_text(
        "# Not for this API: it never answers 405.\n"
        "[checks.unsupported_method]\n"
        "enabled = false\n\n"
        "[checks.positive_data_acceptance]\n"
        'expected-statuses = ["2XX", "400"]\n\n'
        "# Why one.\n# Two lines.\n"
        "[[operations]]\n"
        'include-name = "POST /a"\n'
        "checks.negative_data_rejection.enabled = false\n"
        "phases.coverage.checks.use_after_free.enabled = false\n\n"
        "# Test data only.\n"
        "[[operations]]\n"
        'include-operation-id = "b"\n'
        'parameters = { "path.id" = "x" }\n\n'
        "[[operations]]\n"
        'include-path-regex = "^/c"\n'
        "[operations.checks.ignored_auth]\n"
        "enabled = false\n"
    )
    assert config_exclusions(config) == [
        ConfigExclusion("unsupported_method", "", "Not for this API: it never answers 405."),
        ConfigExclusion("negative_data_rejection", "name POST /a", "Why one. Two lines."),
        ConfigExclusion("use_after_free", "name POST /a", "Why one. Two lines.", "coverage"),
        ConfigExclusion("ignored_auth", "path-regex ^/c", "no reason given in st.toml"),
    ]
    assert config_exclusions(config)[0].note() == (
        "schemathesis check unsupported_method left out for every operation: "
        "Not for this API: it never answers 405."
    )
    config.write_text("[checks\n")
    assert config_exclusions(config) == []


def test_a_real_run_checks_negative_data_except_on_file_forms() -> None:
    """Schemathesis against the mock with PromptLayer's settings, the two file forms and one JSON
    operation: negative_data_rejection is evaluated for the JSON operation only, every other check
    for all three, and a check given to ``--exclude-checks`` for none."""
    events: list[dict[str, Any]] = []
    with LiveServer(DraftmockApp(frozen_runtime())) as live:
        result = run_schemathesis(
            specs_dir() / "promptlayer.yaml",
            f"{live.url}/promptlayer",
            phases=["coverage"],
            headers={"X-API-KEY": "pl-demo-key"},
            config=config_for("promptlayer"),
            max_examples=1,
            exclude_checks=[*excluded_checks("promptlayer"), "allow_header_conformance"],
            operation_ids=[*sorted(FILE_FORMS), "createDraftDatasetVersion"],
            on_event=events.append,
        )
    assert result.exit_code == 0, result.output[-6000:]
    assert "--checks" not in result.command
    evaluated: dict[str, set[str]] = defaultdict(set)
    for event in events:
        body = event.get("ScenarioFinished") or {}
        recorder = body.get("recorder") or {}
        for checks in (recorder.get("checks") or {}).values():
            evaluated[recorder["label"]] |= {check["name"] for check in checks}
    json_operation = evaluated.pop("POST /api/public/v2/dataset-versions/create-draft")
    assert "negative_data_rejection" in json_operation
    assert "allow_header_conformance" not in json_operation
    assert {"not_a_server_error", "response_schema_conformance"} <= json_operation
    assert set(evaluated) == {
        "POST /api/public/v2/skill-collections",
        "POST /api/public/v2/skill-collections/{identifier}/versions",
    }
    for checks in evaluated.values():
        assert checks == json_operation - {"negative_data_rejection"}
