"""AgentCore's records and the pure rules between them.

An account (the tenant) owns datasets. A dataset has one ``status`` and an implicit editable
``DRAFT`` (its working copy of examples); publishing snapshots the DRAFT as version 1, 2, 3, ...
Examples are immutable values: an update replaces the ``Example`` object, so a snapshot (a
published version, a pagination token) is a list of references that later edits cannot change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from draftmock import state_codec

DRAFT = "DRAFT"

CREATING, UPDATING, DELETING, ACTIVE = "CREATING", "UPDATING", "DELETING", "ACTIVE"
CREATE_FAILED, UPDATE_FAILED, DELETE_FAILED = "CREATE_FAILED", "UPDATE_FAILED", "DELETE_FAILED"
MODIFIED, UNMODIFIED = "MODIFIED", "UNMODIFIED"

IN_PROGRESS = frozenset({CREATING, UPDATING, DELETING})
FAILED = frozenset({CREATE_FAILED, UPDATE_FAILED, DELETE_FAILED})

# ExampleField enum value -> the example's own field name.
FIELDS = {"TURNS": "turns", "INPUT": "input", "ACTOR_PROFILE": "actor_profile"}
COUNT_KEYS = {"TURNS": "turns", "INPUT": "input", "ACTOR_PROFILE": "actorProfile"}


@dataclass(frozen=True, slots=True)
class Credential:
    access_key: str
    account_id: str
    secret: str | None = None  # when set, signatures are verified


@dataclass(frozen=True, slots=True)
class Principal:
    account_id: str
    region: str
    access_key: str


@dataclass(frozen=True, slots=True)
class Example:
    id: str
    body: Mapping[str, Any]  # the example's fields, without ``exampleId``
    generation_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"exampleId": self.id, **self.body}

    def has_any(self, fields: Iterable[str]) -> bool:
        return any(FIELDS[f] in self.body for f in fields)


def count_by_field(examples: Iterable[Example]) -> dict[str, int]:
    """How many examples have each field (an example may count for several)."""
    counts = dict.fromkeys(COUNT_KEYS.values(), 0)
    for example in examples:
        for name, key in COUNT_KEYS.items():
            counts[key] += FIELDS[name] in example.body
    return counts


def count_matches(examples: list[Example], conditions: list[dict[str, Any]] | None) -> bool:
    """``ExampleCountByFieldCondition`` list: true when any condition holds (or none given).

    A condition counts the examples having at least one of its ``anyOf`` fields and holds when
    that count is within ``[min, max]`` (inclusive, each optional).
    """
    if not conditions:
        return True
    for condition in conditions:
        count = sum(e.has_any(condition["anyOf"]) for e in examples)
        if condition.get("min", 0) <= count <= condition.get("max", count):
            return True
    return False


def version_number(text: str) -> int | None:
    """A published version's number, or None when ``text`` names none (not a 64-bit number)."""
    if not (text.isascii() and text.isdigit()) or len(text.lstrip("0")) > 19:
        return None
    return int(text)


@dataclass(slots=True)
class Version:
    number: int
    examples: list[Example]
    created_at: float


@dataclass
class Dataset:
    id: str
    name: str
    arn: str
    region: str
    schema_type: str
    created_at: float
    updated_at: float
    status: str = CREATING
    draft_status: str = MODIFIED
    description: str | None = None
    kms_key_arn: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    failure_reason: str | None = None
    draft: dict[str, Example] = field(default_factory=dict)  # insertion-ordered
    versions: dict[int, Version] = field(default_factory=dict)
    last_version: int = 0  # numbers are never reused, even after a version is deleted

    def draft_examples(self) -> list[Example]:
        return list(self.draft.values())

    def latest(self) -> Version | None:
        return self.versions[max(self.versions)] if self.versions else None

    def next_version(self) -> int:
        return self.last_version + 1

    def examples_of(self, version: str) -> list[Example] | None:
        """The examples of ``DRAFT`` or a published number; None if there is no such version."""
        if version == DRAFT:
            return self.draft_examples()
        number = version_number(version)
        found = self.versions.get(number) if number is not None else None
        return list(found.examples) if found else None

    def publish(self, number: int, now: float) -> Version:
        version = Version(number, self.draft_examples(), now)
        self.versions[number] = version
        self.last_version = max(self.last_version, number)
        self.draft_status = UNMODIFIED
        return version

    def settle_draft_status(self) -> None:
        """After a version is removed: UNMODIFIED only if the DRAFT equals the latest one."""
        latest = self.latest()
        same = latest is not None and latest.examples == self.draft_examples()
        self.draft_status = UNMODIFIED if same else MODIFIED


@dataclass(frozen=True, slots=True)
class Remembered:
    """A successful reply kept for a clientToken: replayed for identical retries."""

    fingerprint: str
    status: int
    body: Any
    at: float = 0.0  # when it was answered; forgotten after the idempotency window
    dataset_id: str | None = None  # the dataset it names: no replay once that is gone


@dataclass(frozen=True, slots=True)
class PageState:
    """What a pagination token stands for: a frozen listing and where the next page starts."""

    operation: str
    region: str  # each region of an account is its own namespace
    dataset_id: str | None
    version: str | None
    items: tuple[Any, ...]
    offset: int
    issued_at: float = 0.0  # the token expires a while after it was handed out


@dataclass
class Account:
    id: str
    datasets: dict[str, Dataset] = field(default_factory=dict)
    # (region, operation, clientToken) -> reply, oldest first
    tokens: dict[tuple[str, str, str], Remembered] = field(default_factory=dict)
    pages: dict[str, PageState] = field(default_factory=dict)  # nextToken -> page, oldest first
    # resource ARN -> tags, for the resources the generated tier serves (a dataset keeps its own)
    tags: dict[str, dict[str, str]] = field(default_factory=dict)

    def in_region(self, region: str) -> list[Dataset]:
        return [d for d in self.datasets.values() if d.region == region]

    def named(self, region: str, name: str) -> Dataset | None:
        wanted = name.lower()
        return next((d for d in self.in_region(region) if d.name.lower() == wanted), None)


@dataclass
class Backend:
    """AgentCore state of one world: accounts by id, access keys, S3 objects for ``s3Source``;
    the records of the operations the generated tier serves, by tenant (``account/region``)."""

    accounts: dict[str, Account] = field(default_factory=dict)
    credentials: dict[str, Credential] = field(default_factory=dict)
    s3_objects: dict[str, str] = field(default_factory=dict)  # s3 uri -> JSONL text
    generated: dict[str, Any] = field(default_factory=dict)  # tenant -> generated.store.Store

    def account(self, account_id: str) -> Account:
        if account_id not in self.accounts:
            self.accounts[account_id] = Account(account_id)
        return self.accounts[account_id]


state_codec.register(
    "agentcore", Credential, Example, Version, Dataset, Remembered, PageState, Account, Backend
)
