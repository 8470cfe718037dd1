"""AgentCore's versioning and guard rules, without HTTP: the service over an in-memory backend."""

from __future__ import annotations

import json
from typing import Any

import pytest

from draftmock.ids import Ids
from draftmock.jobs import Scheduler
from draftmock.vendors._kit import Blobs, Context, Jobs, Settings
from draftmock.vendors.agentcore import rules, service
from draftmock.vendors.agentcore.errors import (
    ConflictException,
    ResourceNotFoundException,
    ServiceQuotaExceededException,
    ValidationException,
)
from draftmock.vendors.agentcore.models import (
    Backend,
    Dataset,
    Example,
    Principal,
    count_by_field,
    count_matches,
)

PREDEFINED = "AGENTCORE_EVALUATION_PREDEFINED_V1"
ME = Principal("123456789012", "us-east-1", "draftmock")
STATUSES = [
    "CREATING",
    "UPDATING",
    "DELETING",
    "ACTIVE",
    "CREATE_FAILED",
    "UPDATE_FAILED",
    "DELETE_FAILED",
]


class World:
    """A backend, a scheduler and a clock; ``run()`` completes due jobs like the runtime does."""

    def __init__(self, **options: Any) -> None:
        self.backend = Backend()
        self.scheduler = Scheduler()
        self.ids = Ids(0)
        self.now = 1_000.0
        self.settings = Settings(async_delay=2.0, options={"agentcore": options})

    def ctx(self, failure: str | None = None) -> Context[Backend]:
        ctx = Context(
            api="agentcore",
            now=self.now,
            ids=self.ids,
            backend=self.backend,
            jobs=Jobs(self.scheduler, "agentcore", self.now),
            settings=self.settings,
            request_id="req",
            blobs=Blobs({}, b"key"),
        )
        ctx.failure = failure
        return ctx

    def run(self, failure: str | None = None) -> int:
        self.now += 2.0
        ran = 0
        while (job := self.scheduler.pop_due(self.now)) is not None:
            ctx = self.ctx(failure)
            ctx.now = job.due
            service.JOBS[job.kind](ctx, job.payload)
            ran += 1
        return ran


def scenario(name: str, **extra: Any) -> dict[str, Any]:
    return {"scenario_id": name, "turns": [{"input": "hi"}], **extra}


def new(world: World, *examples: dict[str, Any], name: str = "ds") -> Dataset:
    body = {
        "datasetName": name,
        "schemaType": PREDEFINED,
        "source": {"inlineExamples": {"examples": list(examples or [scenario("A")])}},
    }
    dataset = service.create_dataset(world.ctx(), ME, body)
    world.run()
    return dataset


def dataset_in(status: str) -> Dataset:
    return Dataset("d-1", "d", "arn", "us-east-1", PREDEFINED, 0.0, 0.0, status=status)


@pytest.mark.parametrize("status", STATUSES)
def test_guards_per_status(status: str) -> None:
    dataset = dataset_in(status)
    allowed = {
        rules.check_can_edit_examples: {"ACTIVE"},
        rules.check_can_publish: {"ACTIVE", "UPDATE_FAILED"},
        rules.check_can_delete_dataset: {
            "ACTIVE",
            "DELETING",
            "CREATE_FAILED",
            "UPDATE_FAILED",
            "DELETE_FAILED",
        },
        rules.check_can_delete_version: {"ACTIVE", "CREATE_FAILED", "UPDATE_FAILED"},
    }
    for guard, statuses in allowed.items():
        if status in statuses:
            guard(dataset)
        else:
            with pytest.raises(ConflictException) as refused:
                guard(dataset)
            in_progress = status in ("CREATING", "UPDATING", "DELETING")
            expected = "DATASET_NOT_READY" if in_progress else "DATASET_IN_FAILED_STATE"
            if guard is rules.check_can_delete_version:
                expected = "DATASET_NOT_READY"
            assert refused.value.message.startswith(expected), (guard.__name__, status)


def test_predefined_example_schema() -> None:
    assert rules.example_problems(PREDEFINED, scenario("ok", assertions=["x"]), "e") == []
    names = [n for n, _ in rules.example_problems(PREDEFINED, {"turns": [{}]}, "e")]
    assert names == ["e.scenario_id", "e.turns[0].input"]
    assert rules.example_problems(PREDEFINED, {"scenario_id": "x", "turns": []}, "e")
    assert rules.example_problems("THIRD_PARTY_EVALUATION_V1", {"anything": 1}, "e") == []


def test_counts_and_count_conditions() -> None:
    examples = [
        Example("1", {"turns": []}),
        Example("2", {"input": "x", "actor_profile": {}}),
        Example("3", {"turns": [], "input": "y"}),
    ]
    assert count_by_field(examples) == {"turns": 2, "input": 2, "actorProfile": 1}
    assert count_matches(examples, None)
    assert count_matches(examples, [{"anyOf": ["TURNS", "ACTOR_PROFILE"], "min": 3, "max": 3}])
    assert not count_matches(examples, [{"anyOf": ["ACTOR_PROFILE"], "min": 2}])
    assert count_matches(
        examples, [{"anyOf": ["ACTOR_PROFILE"], "min": 2}, {"anyOf": ["INPUT"], "max": 2}]
    )


def test_publish_numbers_versions_and_keeps_the_draft_editable() -> None:
    world = World()
    dataset = new(world, scenario("A"), scenario("B"))
    assert (dataset.status, dataset.draft_status) == ("ACTIVE", "MODIFIED")
    _, number = service.create_version(world.ctx(), ME, dataset.id)
    assert (number, dataset.status) == (1, "UPDATING")
    assert dataset.versions == {}  # published when the job completes
    world.run()
    assert (dataset.status, dataset.draft_status, list(dataset.versions)) == (
        "ACTIVE",
        "UNMODIFIED",
        [1],
    )
    first_id = next(iter(dataset.draft))
    service.update_examples(
        world.ctx(), ME, dataset.id, [{"exampleId": first_id, **scenario("A2")}]
    )
    world.run()
    assert dataset.draft_status == "MODIFIED"
    assert dataset.versions[1].examples[0].body["scenario_id"] == "A"
    assert dataset.draft[first_id].body["scenario_id"] == "A2"
    service.create_version(world.ctx(), ME, dataset.id)
    world.run()
    # Deleting the latest version: the DRAFT no longer equals the (new) latest one.
    service.delete_dataset(world.ctx(), ME, dataset.id, "2")
    world.run()
    assert (list(dataset.versions), dataset.draft_status) == ([1], "MODIFIED")
    assert service.create_version(world.ctx(), ME, dataset.id)[1] == 3


def test_version_quota_counts_published_versions_only() -> None:
    world = World(max_versions=1)
    dataset = new(world)
    service.create_version(world.ctx(), ME, dataset.id)
    world.run()
    with pytest.raises(ServiceQuotaExceededException):
        service.create_version(world.ctx(), ME, dataset.id)


def test_example_quota() -> None:
    world = World(max_examples_per_dataset=2)
    dataset = new(world, scenario("A"))
    source = {"inlineExamples": {"examples": [scenario("B"), scenario("C")]}}
    with pytest.raises(ServiceQuotaExceededException):
        service.add_examples(world.ctx(), ME, dataset.id, source)
    assert dataset.status == "ACTIVE"
    too_many = {
        "datasetName": "big",
        "schemaType": PREDEFINED,
        "source": {"inlineExamples": {"examples": [scenario("A"), scenario("B"), scenario("C")]}},
    }
    with pytest.raises(ServiceQuotaExceededException):
        service.create_dataset(world.ctx(), ME, too_many)
    assert [d.name for d in world.backend.account(ME.account_id).datasets.values()] == ["ds"]
    world.backend.s3_objects["s3://bucket-1/big.jsonl"] = "".join(
        json.dumps(scenario(n)) + "\n" for n in "ABC"
    )
    from_s3 = {**too_many, "source": {"s3Source": {"s3Uri": "s3://bucket-1/big.jsonl"}}}
    big = service.create_dataset(world.ctx(), ME, from_s3)
    world.run()
    assert big.status == "CREATE_FAILED"
    assert big.failure_reason is not None
    assert big.failure_reason.startswith("MAX_EXAMPLES_PER_DATASET")
    assert big.draft == {}


@pytest.mark.parametrize(
    ("start", "failed"),
    [
        ("create", "CREATE_FAILED"),
        ("add", "UPDATE_FAILED"),
        ("publish", "UPDATE_FAILED"),
        ("delete", "DELETE_FAILED"),
    ],
)
def test_failed_jobs_leave_a_failed_status_and_reason(start: str, failed: str) -> None:
    world = World()
    if start == "create":
        body = {
            "datasetName": "x",
            "schemaType": PREDEFINED,
            "source": {"inlineExamples": {"examples": [scenario("A")]}},
        }
        dataset = service.create_dataset(world.ctx(), ME, body)
    else:
        dataset = new(world)
        if start == "add":
            service.add_examples(
                world.ctx(), ME, dataset.id, {"inlineExamples": {"examples": [scenario("B")]}}
            )
        elif start == "publish":
            service.create_version(world.ctx(), ME, dataset.id)
        else:
            service.delete_dataset(world.ctx(), ME, dataset.id, None)
    before = dict(dataset.draft)
    world.run(failure="disk on fire")
    assert (dataset.status, dataset.failure_reason) == (failed, "disk on fire")
    assert dataset.draft == before and dataset.versions == {}
    # A full delete is allowed from every failed state, and retried from DELETE_FAILED.
    service.delete_dataset(world.ctx(), ME, dataset.id, None)
    world.run()
    with pytest.raises(ResourceNotFoundException):
        service.dataset_of(world.ctx(), ME, dataset.id)


def test_a_failed_version_delete_keeps_the_version_and_can_be_retried() -> None:
    world = World()
    dataset = new(world)
    service.create_version(world.ctx(), ME, dataset.id)
    world.run()
    service.delete_dataset(world.ctx(), ME, dataset.id, "1")
    assert dataset.status == "UPDATING"
    world.run(failure="disk on fire")
    assert (dataset.status, dataset.failure_reason) == ("UPDATE_FAILED", "disk on fire")
    assert list(dataset.versions) == [1]
    with pytest.raises(ConflictException):
        service.add_examples(
            world.ctx(), ME, dataset.id, {"inlineExamples": {"examples": [scenario("B")]}}
        )
    service.delete_dataset(world.ctx(), ME, dataset.id, "1")
    world.run()
    assert (dataset.status, dataset.failure_reason, dataset.versions) == ("ACTIVE", None, {})
    assert dataset.draft_status == "MODIFIED"  # no published version left to equal


def test_batches_are_all_or_nothing() -> None:
    world = World()
    dataset = new(world, scenario("A"))
    known = next(iter(dataset.draft))
    with pytest.raises(ResourceNotFoundException):
        service.delete_examples(world.ctx(), ME, dataset.id, [known, "unknown"])
    with pytest.raises(ValidationException):
        service.delete_examples(world.ctx(), ME, dataset.id, [known, known])
    with pytest.raises(ValidationException):
        service.add_examples(
            world.ctx(),
            ME,
            dataset.id,
            {"inlineExamples": {"examples": [scenario("B"), {"turns": []}]}},
        )
    assert (dataset.status, list(dataset.draft), world.scheduler.pending()) == (
        "ACTIVE",
        [known],
        [],
    )


def test_names_are_unique_per_account_and_region_case_insensitively() -> None:
    world = World()
    new(world, name="Support")
    with pytest.raises(ConflictException):
        new(world, name="support")
    elsewhere = Principal(ME.account_id, "eu-west-1", ME.access_key)
    body = {
        "datasetName": "support",
        "schemaType": PREDEFINED,
        "source": {"s3Source": {"s3Uri": "s3://b/k"}},
    }
    assert service.create_dataset(world.ctx(), elsewhere, body).arn.startswith(
        "arn:aws:bedrock-agentcore:eu-west-1:123456789012:dataset/support-"
    )
