"""Pure rules: which status allows which operation, and what a valid example looks like.

Guards (research 1.6): example mutations need ACTIVE; publishing is refused while work is in
progress (CREATING/UPDATING/DELETING) or after CREATE_FAILED/DELETE_FAILED; a full delete is
refused while CREATING/UPDATING; deleting one version needs ACTIVE, CREATE_FAILED or
UPDATE_FAILED. The refusal codes the docs name (``DATASET_NOT_READY``,
``DATASET_IN_FAILED_STATE``) lead the ConflictException message, the only place they can go.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

from draftmock.vendors.agentcore.errors import ConflictException, validation_error
from draftmock.vendors.agentcore.models import (
    ACTIVE,
    CREATE_FAILED,
    CREATING,
    DELETE_FAILED,
    DELETING,
    IN_PROGRESS,
    UPDATE_FAILED,
    UPDATING,
    Dataset,
)

NOT_READY = "DATASET_NOT_READY"
IN_FAILED_STATE = "DATASET_IN_FAILED_STATE"


def _conflict(code: str, dataset: Dataset, action: str) -> ConflictException:
    return ConflictException(
        f"{code}: dataset {dataset.id} is {dataset.status}; cannot {action} in this state"
    )


def check_can_edit_examples(dataset: Dataset) -> None:
    if dataset.status != ACTIVE:
        code = NOT_READY if dataset.status in IN_PROGRESS else IN_FAILED_STATE
        raise _conflict(code, dataset, "modify examples")


def check_can_publish(dataset: Dataset) -> None:
    if dataset.status in IN_PROGRESS:
        raise _conflict(NOT_READY, dataset, "create a version")
    if dataset.status in (CREATE_FAILED, DELETE_FAILED):
        raise _conflict(IN_FAILED_STATE, dataset, "create a version")


def check_can_delete_dataset(dataset: Dataset) -> None:
    if dataset.status in (CREATING, UPDATING):
        raise _conflict(NOT_READY, dataset, "delete the dataset")


def check_can_delete_version(dataset: Dataset) -> None:
    if dataset.status not in (ACTIVE, CREATE_FAILED, UPDATE_FAILED):
        raise _conflict(NOT_READY, dataset, "delete a version")


def check_can_update(dataset: Dataset) -> None:
    if dataset.status in (DELETING, DELETE_FAILED):
        raise _conflict(NOT_READY, dataset, "update the dataset")


# -- example schemas (research 1.8) -------------------------------------------------------

_TEXT_OR_OBJECT = {"type": ["string", "object"]}
_STRINGS = {"type": "array", "items": {"type": "string"}}

EXAMPLE_SCHEMAS: dict[str, dict[str, Any]] = {
    "AGENTCORE_EVALUATION_PREDEFINED_V1": {
        "type": "object",
        "required": ["scenario_id", "turns"],
        "properties": {
            "scenario_id": {"type": "string", "minLength": 1},
            "turns": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["input"],
                    "properties": {"input": _TEXT_OR_OBJECT, "expected_response": {}},
                },
            },
            "expected_trajectory": _STRINGS,
            "assertions": _STRINGS,
            "metadata": {"type": "object"},
        },
    },
    "AGENTCORE_EVALUATION_SIMULATED_V1": {
        "type": "object",
        "required": ["scenario_id", "actor_profile", "input"],
        "properties": {
            "scenario_id": {"type": "string", "minLength": 1},
            "scenario_description": {"type": "string"},
            "actor_profile": {
                "type": "object",
                "required": ["context", "goal"],
                "properties": {"traits": {"type": "object"}},
            },
            "input": _TEXT_OR_OBJECT,
            "max_turns": {"type": "integer", "minimum": 1},
            "assertions": _STRINGS,
            "metadata": {"type": "object"},
        },
    },
    # The third-party schema is not published: any JSON object is accepted.
    "THIRD_PARTY_EVALUATION_V1": {"type": "object"},
}

_VALIDATORS = {name: Draft202012Validator(schema) for name, schema in EXAMPLE_SCHEMAS.items()}


def example_problems(schema_type: str, example: Any, where: str) -> list[tuple[str, str]]:
    """(field name, message) for each way ``example`` breaks its schema type's example schema."""
    problems: dict[str, str] = {}  # jsonschema reports one "required" error per missing member
    errors = _VALIDATORS[schema_type].iter_errors(example)
    for error in sorted(errors, key=lambda e: [str(p) for p in e.absolute_path]):
        base = where + "".join(
            f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path
        )
        if error.validator == "required" and isinstance(error.instance, dict):
            for member in error.validator_value:
                if member not in error.instance:
                    name = f"{base}.{member}"
                    problems.setdefault(name, f"{name} is required by {schema_type}")
            continue
        problems.setdefault(base, f"{base} does not match {schema_type}: {error.message}")
    return list(problems.items())


def check_examples(schema_type: str, examples: list[Any], where: str) -> None:
    """All-or-nothing: one bad example rejects the whole batch."""
    problems: list[tuple[str, str]] = []
    for index, example in enumerate(examples):
        problems.extend(example_problems(schema_type, example, f"{where}[{index}]"))
    if problems:
        raise validation_error(problems)
