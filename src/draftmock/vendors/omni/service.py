"""Omni's document and draft operations over an organization's state, free of HTTP.

Every operation checks the caller's role first, then finds the document (404), then applies the
draft rules of ``models``. Everything is synchronous: Omni has no async draft work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from draftmock.vendors._kit import Context
from draftmock.vendors.omni import roles
from draftmock.vendors.omni.errors import (
    ConflictError,
    NotFoundError,
    OmniError,
    UnprocessableError,
    document_not_found,
    draft_not_found,
    not_published,
)
from draftmock.vendors.omni.models import (
    ApiKey,
    Backend,
    Branch,
    Content,
    Document,
    Draft,
    DraftStatus,
    Model,
    Organization,
    Role,
)
from draftmock.vendors.omni.patching import apply_patch, tiles_from_presentations

Ctx = Context[Backend]

NOT_ELIGIBLE = "Document is not eligible for publishing workflow"
DRAFT_EXISTS_V1 = "Draft already exists - set clearExistingDraft to true to discard it and proceed"
DRAFT_EXISTS_V2 = "A draft already exists for this document"
BRANCH_NOT_FOUND = "Document or branch not found"


def organization_of(ctx: Ctx, key: ApiKey) -> Organization:
    return ctx.backend.organization(key.organization_id)


def document_of(org: Organization, identifier: str) -> Document:
    doc = org.document(identifier)
    if doc is None:
        raise document_not_found(identifier)
    return doc


def _published(org: Organization, identifier: str) -> Document:
    """A document that can hold drafts (v2 rules: 409 when it was never published)."""
    doc = document_of(org, identifier)
    if not doc.published:
        raise not_published()
    return doc


def _branch_of(org: Organization, doc: Document, branch_id: str | None) -> Branch | None:
    if branch_id is None:
        return None
    branch = org.branch(branch_id)
    if branch is None or branch.model_id != doc.content.model_id:
        raise NotFoundError(BRANCH_NOT_FOUND)
    return branch


def _identifier_free(org: Organization, identifier: str, owner: str | None) -> None:
    taken = org.identifiers.get(identifier)
    if taken is not None and taken != owner:
        raise OmniError(f"Identifier {identifier} is already in use")


def _fresh_identifier(ctx: Ctx, org: Organization) -> str:
    """A short slug used by no document and no draft of the organization."""
    drafts = {d.identifier for doc in org.documents.values() for d in doc.drafts}
    while True:
        candidate = ctx.ids.token(8)
        if candidate not in org.identifiers and candidate not in drafts:
            return candidate


def _new_draft(
    ctx: Ctx, org: Organization, doc: Document, key: ApiKey, branch_id: str | None
) -> Draft:
    draft = Draft(
        identifier=_fresh_identifier(ctx, org),
        document_id=doc.id,
        branch_id=branch_id,
        workbook_model_id=ctx.ids.uuid(),
        content=doc.content.clone(),
        base_version=doc.version,
        created_by=key.user.name,
        last_edited_by=key.user.name,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    doc.drafts.append(draft)
    return draft


# -- documents ----------------------------------------------------------------------------------


def _filter_config(body: dict[str, Any]) -> dict[str, Any]:
    """``filterConfig``: an object (null or absent: none). Omni's document gives it no type; a
    dashboard's filters are keyed by name, so any other value is refused in Omni's words."""
    value = body.get("filterConfig")
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise OmniError("Invalid request: filterConfig: must be an object")
    return dict(value)


def create_document(ctx: Ctx, key: ApiKey, body: dict[str, Any]) -> Document:
    """A published document, at once (also with ``branchId``: no draft is made)."""
    roles.require(key, Role.EDITOR, roles.DENIED)
    org = organization_of(ctx, key)
    model = org.models.get(body["modelId"])
    if model is None or model.kind != "SHARED" or model.deleted_at is not None:
        raise NotFoundError(f"Model {body['modelId']} not found")
    branch_id = body.get("branchId")
    branch = org.branch(branch_id) if branch_id is not None else None
    if branch_id is not None and (branch is None or branch.model_id != model.id):
        raise NotFoundError(f"Branch {branch_id} not found")
    identifier = body.get("identifier") or _fresh_identifier(ctx, org)
    _identifier_free(org, identifier, None)
    tiles, order = tiles_from_presentations(body.get("queryPresentations", []))
    content = Content(
        name=body["name"],
        description=body.get("description"),
        model_id=model.id,
        tiles=tiles,
        tile_order=order,
        containers=[],
        filter_config=_filter_config(body),
        filter_order=list(body.get("filterOrder") or []),
        facet_filters=body.get("facetFilters", False),
        metadata=body.get("metadata"),
        metadata_version=str(body.get("metadataVersion", "1")),
    )
    doc = Document(
        id=ctx.ids.uuid(),
        identifier=identifier,
        content=content,
        owner=key.user,
        connection_id=model.connection_id or ctx.ids.uuid(),
        workbook_id=ctx.ids.uuid(),
        dashboard_id=ctx.ids.uuid(),
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    org.documents[doc.id] = doc
    org.identifiers[identifier] = doc.id
    return doc


def get_document(ctx: Ctx, key: ApiKey, identifier: str) -> Document:
    roles.require(key, Role.VIEWER)
    doc = document_of(organization_of(ctx, key), identifier)
    if not doc.has_dashboard:
        raise OmniError("Document has no dashboard: workbook-only analyses cannot be exported")
    return doc


def _through_internal_draft(ctx: Ctx, doc: Document, clear_existing: bool) -> None:
    """v1 edits of a published document go through a draft published at once: an existing main
    draft is in the way (409) unless the caller asks to discard it."""
    if not doc.published:
        return
    existing = doc.draft_for(None)
    if existing is not None:
        if not clear_existing:
            raise ConflictError(DRAFT_EXISTS_V1)
        existing.status = DraftStatus.DISCARDED
        existing.updated_at = ctx.now


def _rename(org: Organization, doc: Document, identifier: str) -> None:
    """A new identifier; the old one keeps resolving."""
    _identifier_free(org, identifier, doc.id)
    doc.identifier = identifier
    org.identifiers[identifier] = doc.id


def update_document(ctx: Ctx, key: ApiKey, identifier: str, body: dict[str, Any]) -> Document:
    roles.require(key, Role.EDITOR)
    org = organization_of(ctx, key)
    doc = document_of(org, identifier)
    if "identifier" in body:
        _identifier_free(org, body["identifier"], doc.id)
    _through_internal_draft(ctx, doc, body.get("clearExistingDraft", False))
    content = doc.content.clone()
    if "name" in body:
        content.name = body["name"]
    if "description" in body:
        content.description = body["description"]
    _commit(ctx, doc, content)
    if "identifier" in body:
        _rename(org, doc, body["identifier"])
    return doc


def replace_document(ctx: Ctx, key: ApiKey, identifier: str, body: dict[str, Any]) -> Document:
    """The whole v1 configuration; the v2-only layout (controls, settings, containers) stays."""
    roles.require(key, Role.EDITOR)
    org = organization_of(ctx, key)
    doc = document_of(org, identifier)
    if "identifier" in body:
        _identifier_free(org, body["identifier"], doc.id)
    _through_internal_draft(ctx, doc, body.get("clearExistingDraft", False))
    content = doc.content.clone()
    content.name = body["name"]
    content.description = body.get("description")
    content.model_id = body.get("modelId", content.model_id)
    content.tiles, content.tile_order = tiles_from_presentations(body["queryPresentations"])
    content.filter_config = _filter_config(body)
    content.filter_order = list(body.get("filterOrder") or [])
    content.facet_filters = body.get("facetFilters", False)
    content.metadata = body.get("metadata")
    content.metadata_version = str(body.get("metadataVersion", content.metadata_version))
    content.refresh_interval = body["refreshInterval"]
    content.document_metadata = body.get("documentMetadata")
    _commit(ctx, doc, content)
    if "identifier" in body:
        _rename(org, doc, body["identifier"])
    return doc


def _commit(ctx: Ctx, doc: Document, content: Content) -> None:
    if doc.published:
        doc.publish(content, ctx.now)
    else:
        doc.content = content
        doc.updated_at = ctx.now


def delete_document(ctx: Ctx, key: ApiKey, identifier: str) -> None:
    roles.require(key, Role.MANAGER)
    doc = document_of(organization_of(ctx, key), identifier)
    doc.deleted = True
    doc.updated_at = ctx.now


# -- v1 drafts ----------------------------------------------------------------------------------


def create_draft(ctx: Ctx, key: ApiKey, identifier: str, branch_id: str | None) -> Draft:
    """Get-or-create: the active draft of the main line (or of the branch), made if missing."""
    roles.require(key, Role.EDITOR)
    org = organization_of(ctx, key)
    doc = document_of(org, identifier)
    if not doc.published:
        raise OmniError(NOT_ELIGIBLE)
    _branch_of(org, doc, branch_id)
    return doc.draft_for(branch_id) or _new_draft(ctx, org, doc, key, branch_id)


def archive_draft(ctx: Ctx, key: ApiKey, identifier: str, branch_id: str | None) -> Draft:
    roles.require(key, Role.EDITOR)
    doc = document_of(organization_of(ctx, key), identifier)
    draft = doc.draft_for(branch_id)
    if draft is None:
        raise draft_not_found(identifier)
    draft.status = DraftStatus.ARCHIVED
    draft.archived_at = ctx.now
    draft.touch(key.user, ctx.now)
    return draft


def list_drafts(
    ctx: Ctx, key: ApiKey, identifier: str, include_archived: bool
) -> tuple[Document, list[Draft]]:
    """Active drafts (and recently archived ones), most recently updated first."""
    roles.require(key, Role.VIEWER)
    doc = document_of(organization_of(ctx, key), identifier)
    if not doc.published:
        raise NotFoundError(f"Published document with id {identifier} does not exist")
    drafts = [d for d in doc.drafts if d.listed(ctx.now, include_archived)]
    drafts.sort(key=lambda d: (d.updated_at, d.created_at), reverse=True)
    return doc, drafts


# -- v2 drafts ----------------------------------------------------------------------------------


def _require_layout(content: Content, patch: dict[str, Any]) -> None:
    """Classic-layout, app and workbook-only documents need ``containers`` to get a layout."""
    if content.containers is None and "containers" not in patch:
        raise UnprocessableError()


def create_draft_and_patch(
    ctx: Ctx, key: ApiKey, identifier: str, body: dict[str, Any]
) -> tuple[Document, Draft]:
    """Create-only: 409 when the main draft (or the branch's draft) already exists."""
    roles.require(key, Role.EDITOR)
    org = organization_of(ctx, key)
    doc = _published(org, identifier)
    branch_id = body.get("branchId")
    _branch_of(org, doc, branch_id)
    if doc.draft_for(branch_id) is not None:
        raise ConflictError(DRAFT_EXISTS_V2)
    _require_layout(doc.content, body)
    content = doc.content.clone()
    apply_patch(content, body)
    draft = _new_draft(ctx, org, doc, key, branch_id)
    draft.content = content
    draft.workbook_model_id = body.get("workbookModelId", draft.workbook_model_id)
    return doc, draft


def _active_draft(doc: Document, draft_id: str) -> Draft:
    draft = doc.active_draft(draft_id)
    if draft is None:
        raise draft_not_found(draft_id)
    return draft


def patch_draft(
    ctx: Ctx, key: ApiKey, identifier: str, draft_id: str, body: dict[str, Any]
) -> tuple[Document, Draft]:
    roles.require(key, Role.EDITOR)
    doc = _published(organization_of(ctx, key), identifier)
    draft = _active_draft(doc, draft_id)
    _require_layout(draft.content, body)
    content = draft.content.clone()
    apply_patch(content, body)
    draft.content = content
    draft.workbook_model_id = body.get("workbookModelId", draft.workbook_model_id)
    draft.touch(key.user, ctx.now)
    return doc, draft


def get_draft(ctx: Ctx, key: ApiKey, identifier: str, draft_id: str) -> tuple[Document, Draft]:
    roles.require(key, Role.EDITOR)
    doc = document_of(organization_of(ctx, key), identifier)
    draft = _active_draft(doc, draft_id)
    if draft.content.containers is None and doc.has_dashboard:
        raise UnprocessableError()
    return doc, draft


def _consume(ctx: Ctx, doc: Document, draft: Draft) -> None:
    doc.publish(draft.content, ctx.now)
    draft.status = DraftStatus.PUBLISHED
    draft.updated_at = ctx.now


def publish_draft(ctx: Ctx, key: ApiKey, identifier: str) -> Document:
    """The main draft replaces the published version and is consumed; branch drafts wait for
    their branch's merge."""
    roles.require(key, Role.EDITOR)
    doc = _published(organization_of(ctx, key), identifier)
    draft = doc.draft_for(None)
    if draft is None:
        raise draft_not_found(identifier)
    _consume(ctx, doc, draft)
    return doc


# -- models and branches ------------------------------------------------------------------------


@dataclass(frozen=True)
class MergeResult:
    published: int
    failed: int


def _model_of(org: Organization, model_id: str) -> Model:
    model = org.models.get(model_id)
    if model is None or model.deleted_at is not None:
        raise NotFoundError(f"Model {model_id} not found")
    return model


def merge_branch(
    ctx: Ctx, key: ApiKey, model_id: str, branch_name: str, body: dict[str, Any]
) -> MergeResult:
    """Merge a branch; with ``publish_drafts`` (default) its drafts go live. A draft whose
    document has been deleted cannot be published and counts as failed."""
    roles.require(key, Role.EDITOR, roles.DENIED)
    org = organization_of(ctx, key)
    model = _model_of(org, model_id)
    branch = next(
        (b for b in model.branches.values() if b.name == branch_name and b.deleted_at is None),
        None,
    )
    if branch is None:
        raise NotFoundError(f"Branch {branch_name} not found")
    published = failed = 0
    if body.get("publish_drafts", True):
        for doc in org.documents.values():
            draft = doc.draft_for(branch.id)
            if draft is None:
                continue
            if doc.deleted:
                failed += 1
                continue
            _consume(ctx, doc, draft)
            published += 1
    branch.updated_at = model.updated_at = ctx.now
    if body.get("delete_branch", False):
        branch.deleted_at = ctx.now
        for doc in org.documents.values():
            orphan = doc.draft_for(branch.id)
            if orphan is not None:
                orphan.status = DraftStatus.ARCHIVED
                orphan.archived_at = ctx.now
    return MergeResult(published, failed)
