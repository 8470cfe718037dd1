"""documentsList and modelsList: which records a caller sees, in which order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from draftmock.vendors.omni.models import ApiKey, Branch, Document, Model, Organization


def include_flags(include: str | None) -> set[str]:
    return set(include.split(",")) if include else set()


def select_documents(org: Organization, key: ApiKey, query: dict[str, Any]) -> list[Document]:
    flags = include_flags(query.get("include"))
    viewer = query.get("userId") or key.user.id
    wanted_labels = {name.strip().lower() for name in (query.get("labels") or "").split(",")}
    wanted_labels.discard("")
    found = []
    for doc in org.documents.values():
        if doc.deleted and "includeDeleted" not in flags:
            continue
        if query.get("creatorId") is not None and doc.owner.id != query["creatorId"]:
            continue
        if query.get("folderId") is not None and (
            doc.folder is None or doc.folder.id != query["folderId"]
        ):
            continue
        if not wanted_labels <= {name.lower() for name, _ in doc.labels}:
            continue
        if "onlyFavorites" in flags and viewer not in doc.favorited_by:
            continue
        if "onlySharedWithMe" in flags and doc.owner.id == viewer:
            continue
        found.append(doc)
    sort_keys = {
        "name": lambda d: (d.content.name.casefold(), d.identifier),
        "favorites": lambda d: (len(d.favorited_by), d.identifier),
        "updatedAt": lambda d: (d.updated_at, d.identifier),
        "visits": lambda d: (d.views, d.identifier),
    }
    found.sort(key=sort_keys[query.get("sortField", "name")])
    if query.get("sortDirection", "asc") == "desc":
        found.reverse()
    return found


@dataclass(frozen=True)
class ModelRecord:
    """One row of listModels: a model, or a branch shown as a model of kind BRANCH."""

    model: Model
    branch: Branch | None = None

    @property
    def id(self) -> str:
        return self.branch.id if self.branch else self.model.id

    @property
    def kind(self) -> str:
        return "BRANCH" if self.branch else self.model.kind

    @property
    def name(self) -> str | None:
        return self.branch.name if self.branch else self.model.name

    @property
    def base_model_id(self) -> str | None:
        return self.model.id if self.branch else self.model.base_model_id

    @property
    def created_at(self) -> float:
        return self.branch.created_at if self.branch else self.model.created_at

    @property
    def updated_at(self) -> float:
        return self.branch.updated_at if self.branch else self.model.updated_at

    @property
    def deleted_at(self) -> float | None:
        return self.branch.deleted_at if self.branch else self.model.deleted_at


def select_models(org: Organization, query: dict[str, Any]) -> list[ModelRecord]:
    records = []
    for model in org.models.values():
        records.append(ModelRecord(model))
        records.extend(ModelRecord(model, branch) for branch in model.branches.values())
    checks: tuple[tuple[str, Callable[[ModelRecord], str | None]], ...] = (
        ("modelKind", lambda r: r.kind),
        ("baseModelId", lambda r: r.base_model_id),
        ("connectionId", lambda r: r.model.connection_id),
        ("modelId", lambda r: r.id),
        ("name", lambda r: r.name),
    )
    found = [
        r
        for r in records
        if (include_deleted(query) or r.deleted_at is None)
        and all(query.get(name) is None or value(r) == query[name] for name, value in checks)
    ]
    found.sort(key=_model_sort_key(query.get("sortField", "updatedAt")))
    if query.get("sortDirection", "desc") == "desc":
        found.reverse()
    return found


def include_deleted(query: dict[str, Any]) -> bool:
    """listModels' ``includeDeleted`` is a string: "1" or "true" include them ("0", "false")."""
    return query.get("includeDeleted") in ("1", "true")


def _model_sort_key(field: str) -> Callable[[ModelRecord], tuple[Any, str]]:
    """Each of the published ``sortField`` values; ties by id."""
    text: dict[str, Callable[[ModelRecord], str | None]] = {
        "name": lambda r: r.name,
        "modelKind": lambda r: r.kind,
        "connectionId": lambda r: r.model.connection_id,
        "baseModelId": lambda r: r.base_model_id,
    }
    if field in text:
        value = text[field]
        return lambda r: ((value(r) or "").casefold(), r.id)
    if field == "createdAt":
        return lambda r: (r.created_at, r.id)
    return lambda r: (r.updated_at, r.id)
