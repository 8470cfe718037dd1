"""Omni's records and the pure rules between them.

An organization (the tenant) owns users, models with their branches, and documents. A document
has one published ``Content``; it may also have drafts, each a copy of that content being edited:
at most one active draft outside any branch (the *main* draft) and at most one per branch.
``Document.version`` counts publications, so a draft whose ``base_version`` is behind it is out
of date. Drafts end in one of three ways: archived (still listed with ``include=archived`` for a
retention period), published (consumed) or discarded by ``clearExistingDraft``.
"""

from __future__ import annotations

import copy
import enum
from dataclasses import dataclass, field
from typing import Any

from draftmock import state_codec
from draftmock.vendors._kit import SlidingWindowLimiter

ARCHIVE_RETENTION = 7 * 24 * 3600.0
DEFAULT_RATE_LIMIT = 60  # requests per minute per API key, as the vendor documents


class Role(enum.IntEnum):
    VIEWER = 1
    EDITOR = 2
    MANAGER = 3


# Compared with ``==`` (never ``is``): a state restored from JSON holds plain strings and ints.
class DraftStatus(enum.StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"
    PUBLISHED = "published"  # consumed: its identifier no longer resolves
    DISCARDED = "discarded"  # dropped by clearExistingDraft


@dataclass(slots=True)
class User:
    id: str
    name: str


@dataclass(slots=True)
class ApiKey:
    key: str
    organization_id: str
    role: Role
    user: User


@dataclass(slots=True)
class Branch:
    id: str
    name: str
    model_id: str
    created_at: float
    updated_at: float
    deleted_at: float | None = None


@dataclass(slots=True)
class Model:
    id: str
    name: str | None
    kind: str
    connection_id: str | None
    created_at: float
    updated_at: float
    base_model_id: str | None = None
    deleted_at: float | None = None
    branches: dict[str, Branch] = field(default_factory=dict)  # by branch id


@dataclass(slots=True)
class Content:
    """What a document shows: the published state, or a draft's copy of it."""

    name: str
    description: str | None
    model_id: str
    tiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    tile_order: list[str] = field(default_factory=list)
    controls: dict[str, dict[str, Any]] = field(default_factory=dict)
    control_order: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    containers: list[dict[str, Any]] | None = None  # None: no structured layout
    filter_config: dict[str, Any] = field(default_factory=dict)
    filter_order: list[str] = field(default_factory=list)
    facet_filters: bool = False
    metadata: dict[str, Any] | None = None
    metadata_version: str = "1"  # a string, as Omni's published document types it
    refresh_interval: int | None = None  # seconds between dashboard refreshes (>= 60), or none
    document_metadata: Any = None  # replaced whole by PUT; shown by GET /v1/documents/{id}

    def clone(self) -> Content:
        return copy.deepcopy(self)


@dataclass(slots=True)
class Draft:
    identifier: str
    document_id: str
    branch_id: str | None
    workbook_model_id: str
    content: Content
    base_version: int
    created_by: str
    last_edited_by: str
    created_at: float
    updated_at: float
    status: DraftStatus = DraftStatus.ACTIVE
    archived_at: float | None = None

    @property
    def active(self) -> bool:
        return self.status == DraftStatus.ACTIVE

    def listed(self, now: float, include_archived: bool) -> bool:
        if self.active:
            return True
        return (
            include_archived
            and self.status == DraftStatus.ARCHIVED
            and self.archived_at is not None
            and now - self.archived_at < ARCHIVE_RETENTION
        )

    def touch(self, user: User, now: float) -> None:
        self.last_edited_by = user.name
        self.updated_at = now


@dataclass(slots=True)
class Folder:
    id: str
    name: str
    path: str
    scope: str = "organization"


@dataclass(slots=True)
class Document:
    id: str  # internal key; clients use ``identifier``
    identifier: str
    content: Content
    owner: User
    connection_id: str
    workbook_id: str
    dashboard_id: str
    created_at: float
    updated_at: float
    published: bool = True
    has_dashboard: bool = True
    scope: str = "organization"
    folder: Folder | None = None
    labels: list[tuple[str, bool]] = field(default_factory=list)  # (name, verified)
    favorited_by: list[str] = field(default_factory=list)  # user ids
    views: int = 0
    deleted: bool = False
    version: int = 1
    drafts: list[Draft] = field(default_factory=list)

    def draft_for(self, branch_id: str | None) -> Draft | None:
        """The active draft of the main line (``None``) or of one branch."""
        return next((d for d in self.drafts if d.active and d.branch_id == branch_id), None)

    def active_draft(self, identifier: str) -> Draft | None:
        return next((d for d in self.drafts if d.active and d.identifier == identifier), None)

    def out_of_date(self, draft: Draft) -> bool:
        return draft.base_version != self.version

    def publish(self, content: Content, now: float) -> None:
        """Replace the published version; every open draft is now behind it."""
        self.content = content.clone()
        self.version += 1
        self.updated_at = now


@dataclass
class Organization:
    """Everything one organization (the tenant) owns."""

    id: str
    name: str = ""
    users: dict[str, User] = field(default_factory=dict)
    models: dict[str, Model] = field(default_factory=dict)
    documents: dict[str, Document] = field(default_factory=dict)  # by internal id
    identifiers: dict[str, str] = field(default_factory=dict)  # identifier (old ones too) -> id

    def document(self, identifier: str) -> Document | None:
        """The live document an identifier (current or former) or its workbook UUID names."""
        doc_id = self.identifiers.get(identifier)
        doc = self.documents.get(doc_id) if doc_id is not None else None
        if doc is None and len(identifier) == 36:  # a UUID's length: maybe a workbook id
            wanted = identifier.lower()
            doc = next((d for d in self.documents.values() if d.workbook_id == wanted), None)
        return doc if doc is not None and not doc.deleted else None

    def branch(self, branch_id: str) -> Branch | None:
        for model in self.models.values():
            branch = model.branches.get(branch_id)
            if branch is not None and branch.deleted_at is None:
                return branch
        return None


@dataclass
class Backend:
    """Omni state of one world: organizations by id, API keys, the rate limiter's windows."""

    organizations: dict[str, Organization] = field(default_factory=dict)
    api_keys: dict[str, ApiKey] = field(default_factory=dict)
    rate_limit: int = DEFAULT_RATE_LIMIT  # a fixture may change it; the settings option wins
    limiter: SlidingWindowLimiter | None = None  # made on first use
    # The records of the operations the generated tier serves, by organization (see
    # generated/remainder.py): plain data beside this model.
    generated: dict[str, Any] = field(default_factory=dict)

    def organization(self, organization_id: str) -> Organization:
        if organization_id not in self.organizations:
            self.organizations[organization_id] = Organization(organization_id)
        return self.organizations[organization_id]


state_codec.register(
    "omni",
    Role,
    DraftStatus,
    User,
    ApiKey,
    Branch,
    Model,
    Content,
    Draft,
    Folder,
    Document,
    Organization,
    Backend,
)
