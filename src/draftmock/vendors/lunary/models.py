"""Lunary's records: projects own datasets; a dataset owns live items and immutable versions.

There is no draft object: the live item set is the working copy. A version is a frozen copy of
the dataset's name, description and items at one moment, numbered 1, 2, 3, ... per dataset.
``Dataset.current_version_number`` only goes up (restore included), so numbers are never reused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from draftmock import state_codec
from draftmock.vendors._kit import SlidingWindowLimiter

PRIVATE = "private"
PUBLIC = "public"
SESSION = "session"  # a signed-in user's session token, for the project its request names
DEFAULT_RATE_LIMIT = 150  # requests per 60 s per API key, as upstream
# What upstream's ``validateUUID`` accepts: a credential of this shape is looked up as an API key.
UUID_SHAPE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


@dataclass(frozen=True, slots=True)
class ApiKey:
    key: str
    project_id: str
    kind: str  # PRIVATE (full rights in its project) | PUBLIC (read-only routes only) | SESSION
    user_id: str | None = None  # a session's user (API keys have none)


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in user's session token (what Lunary's web app sends as ``Bearer``), with the
    user's role and the projects the user belongs to; the project is chosen per request with
    ``?projectId=``."""

    token: str
    user_id: str
    role: str  # upstream's roles: owner, admin, member, viewer, collaborator, ...
    projects: tuple[str, ...]


@dataclass(slots=True)
class Item:
    """A live item of a dataset. Evaluator results are outside the contract: always null."""

    id: str
    dataset_id: str
    input: str
    ground_truth: str | None
    output: str | None
    created_at: float
    updated_at: float


@dataclass(frozen=True, slots=True)
class VersionItem:
    id: str
    version_id: str
    dataset_id: str
    index: int  # 1-based
    input: str
    ground_truth: str | None
    output: str | None
    source_item_id: str | None
    source_created_at: float | None
    source_updated_at: float | None


@dataclass(frozen=True, slots=True)
class Version:
    id: str
    dataset_id: str
    number: int
    created_at: float
    created_by: str | None
    restored_from: str | None
    name: str | None
    description: str | None
    items: tuple[VersionItem, ...] = ()


@dataclass(slots=True)
class Dataset:
    id: str
    project_id: str
    name: str
    description: str | None
    created_at: float
    updated_at: float
    owner_id: str | None = None  # null for datasets created with an API key (no user)
    owner_name: str | None = None
    owner_email: str | None = None
    items: dict[str, Item] = field(default_factory=dict)  # live items, insertion order
    versions: dict[str, Version] = field(default_factory=dict)
    current_version_id: str | None = None
    current_version_number: int = 0

    @property
    def current_version(self) -> Version | None:
        return self.versions.get(self.current_version_id or "")

    def ordered_items(self) -> list[Item]:
        """Oldest first: ``createdAt`` ascending, then id (the snapshot order)."""
        return sorted(self.items.values(), key=lambda i: (i.created_at, i.id))

    def items_as_read(self) -> list[Item]:
        """``GET /{datasetId}``'s order, upstream's ``order by created_at asc``: items created at
        one instant (an import) keep their insertion order, as PostgreSQL returns them."""
        return sorted(self.items.values(), key=lambda i: i.created_at)


@dataclass
class Project:
    id: str
    datasets: dict[str, Dataset] = field(default_factory=dict)

    def name_taken(self, name: str, other_than: str | None = None) -> bool:
        return any(d.name == name and d.id != other_than for d in self.datasets.values())


class Limiter(SlidingWindowLimiter):
    """The kit's sliding-window limiter (its own name in state dumps)."""


@dataclass
class Backend:
    """Lunary state of one world: projects by id, API keys, and the rate limiter's windows."""

    projects: dict[str, Project] = field(default_factory=dict)
    api_keys: dict[str, ApiKey] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    rate_limit: int = DEFAULT_RATE_LIMIT  # a fixture may change it; the settings option wins
    limiter: Limiter | None = None
    # The records of the operations the generated tier serves, by project (see
    # generated/remainder.py): plain data beside this model.
    generated: dict[str, Any] = field(default_factory=dict)

    def project(self, project_id: str) -> Project:
        if project_id not in self.projects:
            self.projects[project_id] = Project(project_id)
        return self.projects[project_id]


state_codec.register(
    "lunary", ApiKey, Session, Item, VersionItem, Version, Dataset, Project, Limiter, Backend
)
