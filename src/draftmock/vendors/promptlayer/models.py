"""PromptLayer's records and the pure rules between them.

A dataset group holds datasets; every dataset is one version of the group: ``version_number``
``-1`` is the group's draft (at most one), published versions are numbered 1, 2, 3, ... and never
change again. Rows are lists of cell values aligned with ``column_names``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from draftmock import state_codec

DRAFT = -1


@dataclass(slots=True)
class ApiKey:
    key: str
    workspace_id: int
    user_id: int
    email: str


@dataclass(slots=True)
class ExternalId:
    source: str
    external_id: str

    def to_json(self) -> dict[str, str]:
        return {"source": self.source, "external_id": self.external_id}


@dataclass(slots=True)
class DatasetGroup:
    id: int
    name: str
    workspace_id: int
    user_id: int
    created_at: float
    updated_at: float
    folder_id: int | None = None
    is_deleted: bool = False
    external_ids: list[ExternalId] = field(default_factory=list)
    # prompt_id / prompt_version_id / prompt_label_id / report_id -> ids this group is used with
    links: dict[str, list[int]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "workspace_id": self.workspace_id,
            "folder_id": self.folder_id,
            "is_deleted": self.is_deleted,
        }


@dataclass(slots=True)
class Dataset:
    """One version of a group. ``pending`` names async work the draft is waiting for."""

    id: int
    group_id: int
    version_number: int
    user_id: int
    created_at: float
    updated_at: float
    column_names: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    filter_params: dict[str, Any] | None = None
    is_deleted: bool = False
    pending: str | None = None  # "copying" | "publishing" while a job is due
    imported: bool = False  # created by a file import: owned by its job, not the group's draft

    @property
    def is_draft(self) -> bool:
        return self.version_number == DRAFT

    def add_row(self, values: dict[str, Any]) -> None:
        """Append a row given by column name; unknown columns are appended to the table."""
        for name in values:
            if name not in self.column_names:
                self.column_names.append(name)
                for row in self.rows:
                    row.append(None)
        self.rows.append([values.get(name) for name in self.column_names])


@dataclass(slots=True)
class RequestLog:
    """A logged LLM request, as far as datasets and filters need it."""

    id: int
    workspace_id: int
    prompt_id: int | None = None
    prompt_name: str | None = None
    prompt_version_number: int | None = None
    input_variables: dict[str, Any] = field(default_factory=dict)
    response: str | None = None
    tags: list[str] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)
    engine: str | None = None
    provider: str | None = None
    request_start_time: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float = 0.0
    latency_ms: int = 0
    status: str = "SUCCESS"
    tool_names: list[str] = field(default_factory=list)
    # The intents PromptLayer's analytics classify a request into (None: not classified).
    user_intent: str | None = None
    agent_intent: str | None = None

    def row(self) -> dict[str, Any]:
        """The dataset row this log becomes: inputs, then response, metadata, scores, tags."""
        values: dict[str, Any] = dict(self.input_variables)
        values["response"] = self.response
        values.update({f"metadata.{k}": v for k, v in self.metadata.items()})
        values.update({f"score.{k}": v for k, v in self.scores.items()})
        if self.tags:
            values["tags"] = ", ".join(self.tags)
        if self.prompt_name is not None:
            values["prompt_name"] = self.prompt_name
        return values


@dataclass(slots=True)
class Span:
    span_id: str
    name: str
    parent_id: str | None = None
    start_time: float = 0.0
    input: Any = None
    output: Any = None


@dataclass(slots=True)
class Trace:
    trace_id: str
    workspace_id: int
    spans: list[Span] = field(default_factory=list)

    def root(self) -> Span | None:
        roots = [span for span in self.spans if span.parent_id is None]
        return min(roots, key=lambda s: s.start_time) if roots else None

    def span(self, span_id: str) -> Span | None:
        return next((span for span in self.spans if span.span_id == span_id), None)

    def children(self, span_id: str) -> list[Span]:
        kids = [span for span in self.spans if span.parent_id == span_id]
        return sorted(kids, key=lambda s: s.start_time)


@dataclass(slots=True)
class PromptVersion:
    """One published version of a prompt template; never changes once made."""

    id: int  # prompt_version_id, unique in the world
    number: int  # 1, 2, 3, ... per template
    template: dict[str, Any]  # a ChatPrompt or CompletionPrompt
    metadata: dict[str, Any] | None
    commit_message: str | None
    created_at: float


@dataclass(slots=True)
class ReleaseLabel:
    """A name ("prod", "staging") pointing at one version of a template; it can move."""

    id: int
    name: str
    prompt_id: int
    version_id: int
    created_at: float


@dataclass(slots=True)
class Prompt:
    """A prompt template: one name, its versions in order, its release labels."""

    id: int
    name: str
    workspace_id: int
    created_at: float
    tags: list[str] = field(default_factory=list)
    folder_id: int | None = None
    versions: list[PromptVersion] = field(default_factory=list)
    labels: dict[str, ReleaseLabel] = field(default_factory=dict)  # by name
    external_ids: list[ExternalId] = field(default_factory=list)

    def version(self, number: int) -> PromptVersion | None:
        return self.versions[number - 1] if 0 < number <= len(self.versions) else None

    def version_by_id(self, version_id: int) -> PromptVersion | None:
        return next((v for v in self.versions if v.id == version_id), None)

    def labels_of(self, version: PromptVersion) -> list[str]:
        return [name for name, label in self.labels.items() if label.version_id == version.id]


@dataclass
class Workspace:
    """Everything one workspace (the tenant) owns."""

    id: int
    groups: dict[int, DatasetGroup] = field(default_factory=dict)
    datasets: dict[int, Dataset] = field(default_factory=dict)
    request_logs: dict[int, RequestLog] = field(default_factory=dict)
    traces: dict[str, Trace] = field(default_factory=dict)
    prompts: dict[int, Prompt] = field(default_factory=dict)  # prompt templates by id
    # Indexes, so a write costs the same with ten groups or ten thousand. Groups and datasets are
    # added and removed only through the methods below, which keep them current.
    group_ids_by_name: dict[str, list[int]] = field(default_factory=dict)
    dataset_ids_by_group: dict[int, list[int]] = field(default_factory=dict)

    def add_group(self, group: DatasetGroup) -> None:
        self.groups[group.id] = group
        self.group_ids_by_name.setdefault(group.name, []).append(group.id)

    def remove_group(self, group_id: int) -> None:
        group = self.groups.pop(group_id)
        self.group_ids_by_name[group.name].remove(group_id)

    def add_dataset(self, dataset: Dataset) -> None:
        self.datasets[dataset.id] = dataset
        self.dataset_ids_by_group.setdefault(dataset.group_id, []).append(dataset.id)

    def remove_dataset(self, dataset_id: int) -> None:
        dataset = self.datasets.pop(dataset_id)
        self.dataset_ids_by_group[dataset.group_id].remove(dataset_id)

    def live_group_named(self, name: str) -> DatasetGroup | None:
        groups = (self.groups[i] for i in self.group_ids_by_name.get(name, ()))
        return next((g for g in groups if not g.is_deleted), None)

    def versions(self, group_id: int) -> list[Dataset]:
        """The group's datasets that are not deleted, oldest first."""
        datasets = (self.datasets[i] for i in self.dataset_ids_by_group.get(group_id, ()))
        return [d for d in datasets if not d.is_deleted]

    def draft(self, group_id: int) -> Dataset | None:
        """The group's editable draft (file imports own their drafts and are not it)."""
        return next((d for d in self.versions(group_id) if d.is_draft and not d.imported), None)

    def latest_published(self, group_id: int) -> Dataset | None:
        published = [d for d in self.versions(group_id) if not d.is_draft]
        return max(published, key=lambda d: d.version_number) if published else None

    def next_version_number(self, group_id: int) -> int:
        latest = self.latest_published(group_id)
        return latest.version_number + 1 if latest else 1


@dataclass
class Backend:
    """PromptLayer state of one world: workspaces keyed by id, API keys."""

    workspaces: dict[int, Workspace] = field(default_factory=dict)
    api_keys: dict[str, ApiKey] = field(default_factory=dict)
    emails: dict[int, str] = field(default_factory=dict)  # user id -> email
    # The records of the operations the generated tier serves, by workspace (see
    # generated/remainder.py): plain data beside this model.
    generated: dict[str, Any] = field(default_factory=dict)

    def workspace(self, workspace_id: int) -> Workspace:
        if workspace_id not in self.workspaces:
            self.workspaces[workspace_id] = Workspace(workspace_id)
        return self.workspaces[workspace_id]


state_codec.register(
    "promptlayer",
    ApiKey,
    ExternalId,
    DatasetGroup,
    Dataset,
    RequestLog,
    Span,
    Trace,
    PromptVersion,
    ReleaseLabel,
    Prompt,
    Workspace,
    Backend,
)
