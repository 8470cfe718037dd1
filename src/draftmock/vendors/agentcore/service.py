"""AgentCore's dataset operations over an account's state, free of HTTP.

Every mutation answers at once with an in-progress status (CREATING, UPDATING, DELETING) and
schedules a job on the virtual clock; the job functions at the bottom finish the work (or, when
the control plane asks a job to fail, move the dataset to the matching *_FAILED status with a
``failureReason``). Validation is synchronous and all-or-nothing: a rejected call writes nothing.
"""

from __future__ import annotations

import json
from typing import Any

from draftmock.vendors._kit import Context
from draftmock.vendors.agentcore import rules
from draftmock.vendors.agentcore.errors import (
    ConflictException,
    ResourceNotFoundException,
    ServiceQuotaExceededException,
    field_error,
    validation_error,
)
from draftmock.vendors.agentcore.models import (
    ACTIVE,
    CREATE_FAILED,
    CREATING,
    DELETE_FAILED,
    DELETING,
    DRAFT,
    MODIFIED,
    UPDATE_FAILED,
    UPDATING,
    Account,
    Backend,
    Dataset,
    Example,
    Principal,
)

Ctx = Context[Backend]

CREATE_JOB = "create_dataset"
EXAMPLES_JOB = "apply_examples"
PUBLISH_JOB = "publish_version"
DELETE_VERSION_JOB = "delete_version"
DELETE_JOB = "delete_dataset"

_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def account_of(ctx: Ctx, principal: Principal) -> Account:
    return ctx.backend.account(principal.account_id)


def dataset_of(ctx: Ctx, principal: Principal, dataset_id: str) -> Dataset:
    dataset = account_of(ctx, principal).datasets.get(dataset_id)
    if dataset is None or dataset.region != principal.region:
        raise ResourceNotFoundException(f"Dataset {dataset_id} not found")
    return dataset


def examples_of(dataset: Dataset, version: str) -> list[Example]:
    found = dataset.examples_of(version)
    if found is None:
        raise ResourceNotFoundException(f"Version {version} of dataset {dataset.id} not found")
    return found


def arn(principal: Principal, dataset_id: str) -> str:
    return (
        f"arn:aws:bedrock-agentcore:{principal.region}:{principal.account_id}:dataset/{dataset_id}"
    )


def _strip_ids(examples: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in e.items() if k != "exampleId"} for e in examples]


def _schedule(ctx: Ctx, kind: str, dataset: Dataset, account: Account, **payload: Any) -> None:
    ctx.jobs.schedule(
        kind,
        {"account_id": account.id, "dataset_id": dataset.id, **payload},
        delay=ctx.settings.async_delay,
    )


# StartDatasetGeneration's documentation: "The draft can hold at most 1,000 examples".
MAX_DRAFT_EXAMPLES = 1000


def _max_examples(ctx: Ctx) -> int:
    return int(ctx.settings.option("agentcore", "max_examples_per_dataset", MAX_DRAFT_EXAMPLES))


def max_versions(ctx: Ctx) -> int:
    return int(ctx.settings.option("agentcore", "max_versions", 50))


# -- datasets ---------------------------------------------------------------------------------


def create_dataset(ctx: Ctx, principal: Principal, body: dict[str, Any]) -> Dataset:
    missing = [name for name in ("schemaType", "source") if name not in body]
    if missing:
        raise validation_error(
            [
                (n, f"Value null at '{n}' failed to satisfy constraint: Member must not be null")
                for n in missing
            ]
        )
    schema_type, source = body["schemaType"], body["source"]
    inline: list[dict[str, Any]] | None = None
    if "inlineExamples" in source:
        inline = _strip_ids(source["inlineExamples"]["examples"])
        rules.check_examples(schema_type, inline, "source.inlineExamples.examples")
        if len(inline) > _max_examples(ctx):
            raise _too_many(ctx, name=body["datasetName"])
    account = account_of(ctx, principal)
    name = body["datasetName"]
    if account.named(principal.region, name) is not None:
        raise ConflictException(f"A dataset named {name} already exists in this account")
    dataset_id = f"{name}-{ctx.ids.token(10, _ID_ALPHABET)}"
    dataset = Dataset(
        id=dataset_id,
        name=name,
        arn=arn(principal, dataset_id),
        region=principal.region,
        schema_type=schema_type,
        created_at=ctx.now,
        updated_at=ctx.now,
        description=body.get("description"),
        kms_key_arn=body.get("kmsKeyArn"),
        tags=dict(body.get("tags") or {}),
    )
    account.datasets[dataset_id] = dataset
    if inline is not None:
        _schedule(ctx, CREATE_JOB, dataset, account, examples=inline)
    else:
        _schedule(ctx, CREATE_JOB, dataset, account, s3_uri=source["s3Source"]["s3Uri"])
    return dataset


def update_dataset(
    ctx: Ctx, principal: Principal, dataset_id: str, description: str | None
) -> Dataset:
    dataset = dataset_of(ctx, principal, dataset_id)
    rules.check_can_update(dataset)
    if description is not None:
        dataset.description = description
    dataset.updated_at = ctx.now
    return dataset


def delete_dataset(
    ctx: Ctx, principal: Principal, dataset_id: str, version: str | None
) -> tuple[Dataset, str]:
    """A whole dataset (version None) or one published version; returns the version answered."""
    account = account_of(ctx, principal)
    dataset = dataset_of(ctx, principal, dataset_id)
    if version is None:
        if dataset.status == DELETING:
            return dataset, DRAFT  # already on its way out: DeleteDataset is idempotent
        rules.check_can_delete_dataset(dataset)
        dataset.status, dataset.failure_reason = DELETING, None
        dataset.updated_at = ctx.now
        _schedule(ctx, DELETE_JOB, dataset, account)
        return dataset, DRAFT
    if version == DRAFT:
        raise field_error(
            "datasetVersion",
            "The DRAFT cannot be deleted on its own; omit datasetVersion to delete the dataset",
        )
    examples_of(dataset, version)
    rules.check_can_delete_version(dataset)
    dataset.status, dataset.failure_reason = UPDATING, None
    dataset.updated_at = ctx.now
    _schedule(ctx, DELETE_VERSION_JOB, dataset, account, version=int(version))
    return dataset, str(int(version))


def create_version(ctx: Ctx, principal: Principal, dataset_id: str) -> tuple[Dataset, int]:
    account = account_of(ctx, principal)
    dataset = dataset_of(ctx, principal, dataset_id)
    rules.check_can_publish(dataset)
    limit = max_versions(ctx)
    if len(dataset.versions) >= limit:
        raise ServiceQuotaExceededException(
            f"MAX_VERSIONS_PER_DATASET: dataset {dataset.id} already has {limit} published "
            "versions; delete a version before publishing another"
        )
    number = dataset.next_version()
    dataset.status, dataset.failure_reason = UPDATING, None
    dataset.updated_at = ctx.now
    _schedule(ctx, PUBLISH_JOB, dataset, account, version=number)
    return dataset, number


# -- examples ---------------------------------------------------------------------------------


def _read_s3(ctx: Ctx, uri: str) -> list[Any] | str:
    """The examples of a JSONL object, or the reason it cannot be read."""
    text = ctx.backend.s3_objects.get(uri)
    if text is None:
        return f"Unable to read {uri}: the object does not exist or access is denied"
    examples: list[Any] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            examples.append(json.loads(line))
        except json.JSONDecodeError as exc:
            return f"{uri} line {number} is not valid JSON: {exc.msg}"
    return examples


def _ingest_problem(dataset: Dataset, examples: list[Any], uri: str) -> str | None:
    problems = []
    for index, example in enumerate(examples):
        problems.extend(rules.example_problems(dataset.schema_type, example, f"{uri}[{index}]"))
    return "; ".join(m for _, m in problems[:5]) if problems else None


def _too_many(ctx: Ctx, name: str) -> ServiceQuotaExceededException:
    return ServiceQuotaExceededException(
        f"MAX_EXAMPLES_PER_DATASET: dataset {name} can hold at most {_max_examples(ctx)} examples"
    )


def _check_room(ctx: Ctx, dataset: Dataset, adding: int) -> None:
    if len(dataset.draft) + adding > _max_examples(ctx):
        raise _too_many(ctx, dataset.id)


def add_examples(
    ctx: Ctx, principal: Principal, dataset_id: str, source: dict[str, Any]
) -> tuple[Dataset, list[str]]:
    account = account_of(ctx, principal)
    dataset = dataset_of(ctx, principal, dataset_id)
    rules.check_can_edit_examples(dataset)
    unreadable: str | None = None
    if "s3Source" in source:
        # The object is read now, so the reply can name the new examples; an object that
        # cannot be read fails the update asynchronously, as an ingest failure does.
        read = _read_s3(ctx, source["s3Source"]["s3Uri"])
        unreadable = read if isinstance(read, str) else None
        examples = [] if isinstance(read, str) else _strip_ids(read)
        where = "source.s3Source"
    else:
        examples = _strip_ids(source["inlineExamples"]["examples"])
        where = "source.inlineExamples.examples"
    rules.check_examples(dataset.schema_type, examples, where)
    _check_room(ctx, dataset, len(examples))
    ids = [ctx.ids.uuid() for _ in examples]
    dataset.status, dataset.failure_reason = UPDATING, None
    dataset.updated_at = ctx.now
    added = [[i, e] for i, e in zip(ids, examples, strict=True)]
    _schedule(ctx, EXAMPLES_JOB, dataset, account, add=added, fail=unreadable)
    return dataset, ids


def update_examples(
    ctx: Ctx, principal: Principal, dataset_id: str, examples: list[dict[str, Any]]
) -> tuple[Dataset, int]:
    account = account_of(ctx, principal)
    dataset = dataset_of(ctx, principal, dataset_id)
    rules.check_can_edit_examples(dataset)
    ids = [e.get("exampleId") for e in examples]
    missing_id = [i for i, e in enumerate(ids) if not isinstance(e, str) or not e]
    if missing_id:
        raise field_error(
            f"examples[{missing_id[0]}].exampleId",
            f"examples[{missing_id[0]}] needs an exampleId naming the example to replace",
        )
    _check_unique(ids, "examples")
    _check_known(dataset, [str(i) for i in ids])
    bodies = _strip_ids(examples)
    rules.check_examples(dataset.schema_type, bodies, "examples")
    dataset.status, dataset.failure_reason = UPDATING, None
    dataset.updated_at = ctx.now
    _schedule(
        ctx,
        EXAMPLES_JOB,
        dataset,
        account,
        update=[[i, b] for i, b in zip(ids, bodies, strict=True)],
    )
    return dataset, len(examples)


def delete_examples(
    ctx: Ctx, principal: Principal, dataset_id: str, example_ids: list[str]
) -> tuple[Dataset, int]:
    account = account_of(ctx, principal)
    dataset = dataset_of(ctx, principal, dataset_id)
    rules.check_can_edit_examples(dataset)
    _check_unique(example_ids, "exampleIds")
    _check_known(dataset, example_ids)
    dataset.status, dataset.failure_reason = UPDATING, None
    dataset.updated_at = ctx.now
    _schedule(ctx, EXAMPLES_JOB, dataset, account, delete=list(example_ids))
    return dataset, len(example_ids)


def _check_unique(ids: list[Any], where: str) -> None:
    seen: set[Any] = set()
    for index, value in enumerate(ids):
        if value in seen:
            raise field_error(f"{where}[{index}]", f"Example {value} appears more than once")
        seen.add(value)


def _check_known(dataset: Dataset, ids: list[str]) -> None:
    unknown = [i for i in ids if i not in dataset.draft]
    if unknown:
        shown = ", ".join(unknown[:10])
        raise ResourceNotFoundException(
            f"{len(unknown)} example(s) not found in dataset {dataset.id}: {shown}"
        )


# -- jobs -------------------------------------------------------------------------------------


def _job_dataset(ctx: Ctx, payload: dict[str, Any]) -> Dataset | None:
    account = ctx.backend.accounts.get(payload["account_id"])
    return account.datasets.get(payload["dataset_id"]) if account else None


def _fail(ctx: Ctx, dataset: Dataset, status: str, reason: str) -> None:
    dataset.status, dataset.failure_reason = status, reason
    dataset.updated_at = ctx.now


def finish_create(ctx: Ctx, payload: dict[str, Any]) -> None:
    dataset = _job_dataset(ctx, payload)
    if dataset is None or dataset.status != CREATING:
        return
    if ctx.failure is not None:
        return _fail(ctx, dataset, CREATE_FAILED, ctx.failure)
    examples = payload.get("examples")
    if examples is None:
        uri = payload["s3_uri"]
        read = _read_s3(ctx, uri)
        if isinstance(read, str):
            return _fail(ctx, dataset, CREATE_FAILED, read)
        problem = _ingest_problem(dataset, read, uri)
        if problem is None and len(read) > _max_examples(ctx):
            problem = _too_many(ctx, dataset.id).message
        if problem is not None:
            return _fail(ctx, dataset, CREATE_FAILED, problem)
        examples = _strip_ids(read)
    for body in examples:
        example = Example(ctx.ids.uuid(), body)
        dataset.draft[example.id] = example
    dataset.status, dataset.draft_status = ACTIVE, MODIFIED
    dataset.updated_at = ctx.now


def finish_examples(ctx: Ctx, payload: dict[str, Any]) -> None:
    dataset = _job_dataset(ctx, payload)
    if dataset is None or dataset.status != UPDATING:
        return
    failure = ctx.failure if ctx.failure is not None else payload.get("fail")
    if failure is not None:
        return _fail(ctx, dataset, UPDATE_FAILED, failure)
    for example_id, body in payload.get("add", []):
        dataset.draft[example_id] = Example(example_id, body)
    for example_id, body in payload.get("update", []):
        if example_id in dataset.draft:
            dataset.draft[example_id] = Example(example_id, body)
    for example_id in payload.get("delete", []):
        dataset.draft.pop(example_id, None)
    dataset.status, dataset.draft_status = ACTIVE, MODIFIED
    dataset.updated_at = ctx.now


def finish_publish(ctx: Ctx, payload: dict[str, Any]) -> None:
    dataset = _job_dataset(ctx, payload)
    if dataset is None or dataset.status != UPDATING:
        return
    if ctx.failure is not None:
        return _fail(ctx, dataset, UPDATE_FAILED, ctx.failure)
    dataset.publish(payload["version"], ctx.now)
    dataset.status = ACTIVE
    dataset.updated_at = ctx.now


def finish_delete_version(ctx: Ctx, payload: dict[str, Any]) -> None:
    dataset = _job_dataset(ctx, payload)
    if dataset is None or dataset.status != UPDATING:
        return
    if ctx.failure is not None:
        return _fail(ctx, dataset, UPDATE_FAILED, ctx.failure)
    dataset.versions.pop(payload["version"], None)
    dataset.settle_draft_status()
    dataset.status = ACTIVE
    dataset.updated_at = ctx.now


def finish_delete(ctx: Ctx, payload: dict[str, Any]) -> None:
    account = ctx.backend.accounts.get(payload["account_id"])
    dataset = _job_dataset(ctx, payload)
    if account is None or dataset is None or dataset.status != DELETING:
        return
    if ctx.failure is not None:
        return _fail(ctx, dataset, DELETE_FAILED, ctx.failure)
    del account.datasets[dataset.id]


JOBS = {
    CREATE_JOB: finish_create,
    EXAMPLES_JOB: finish_examples,
    PUBLISH_JOB: finish_publish,
    DELETE_VERSION_JOB: finish_delete_version,
    DELETE_JOB: finish_delete,
}
