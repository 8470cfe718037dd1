"""One function per operationId: unpack the validated call, ask the service, shape the body."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from draftmock.clock import iso
from draftmock.vendors._kit import Call, OperationTable, Reply, created, ok
from draftmock.vendors.omni import roles, service
from draftmock.vendors.omni.listing import (
    ModelRecord,
    include_deleted,
    include_flags,
    select_documents,
    select_models,
)
from draftmock.vendors.omni.models import ApiKey, Document, Draft, Organization, Role
from draftmock.vendors.omni.paging import page
from draftmock.vendors.omni.patching import draft_state, presentations_from_tiles
from draftmock.vendors.omni.service import Ctx

ops = OperationTable()

DOCUMENT_URL = "https://example.omniapp.co/dashboards/{identifier}"


def _key(call: Call) -> ApiKey:
    key: ApiKey = call.principal
    return key


def _body(call: Call) -> dict[str, Any]:
    return call.body if isinstance(call.body, dict) else {}


def document_json(doc: Document, flags: set[str]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "identifier": doc.identifier,
        "name": doc.content.name,
        "type": "document",
        "scope": doc.scope,
        "connectionId": doc.connection_id,
        "deleted": doc.deleted,
        "hasDashboard": doc.has_dashboard,
        "folder": None,
        "owner": {"id": doc.owner.id, "name": doc.owner.name},
        "updatedAt": iso(doc.updated_at),
        "url": DOCUMENT_URL.format(identifier=quote(doc.identifier, safe="")),
        "description": doc.content.description,
    }
    if doc.folder is not None:
        folder = doc.folder
        body["folder"] = {"id": folder.id, "name": folder.name, "path": folder.path}
        body["folder"]["scope"] = folder.scope
    if "labels" in flags:
        body["labels"] = [{"name": name, "verified": verified} for name, verified in doc.labels]
    if "_count" in flags:
        body["_count"] = {"favorites": len(doc.favorited_by), "views": doc.views}
    return body


def config_json(doc: Document) -> dict[str, Any]:
    """getDocument's body, which replaceDocument accepts unchanged."""
    content = doc.content
    body: dict[str, Any] = {
        "identifier": doc.identifier,
        "name": content.name,
        "description": content.description,
        "modelId": content.model_id,
        "queryPresentations": presentations_from_tiles(content),
        "filterConfig": dict(content.filter_config),
        "filterOrder": list(content.filter_order),
        "facetFilters": content.facet_filters,
        "refreshInterval": content.refresh_interval,
        "metadataVersion": content.metadata_version,
    }
    if content.metadata is not None:
        body["metadata"] = dict(content.metadata)
    if content.document_metadata is not None:
        body["documentMetadata"] = content.document_metadata
    return body


def summary_json(doc: Document) -> dict[str, Any]:
    return {
        "identifier": doc.identifier,
        "name": doc.content.name,
        "description": doc.content.description,
    }


def draft_item_json(org: Organization, doc: Document, draft: Draft) -> dict[str, Any]:
    branch = None
    if draft.branch_id is not None:
        name = next(
            (
                m.branches[draft.branch_id].name
                for m in org.models.values()
                if draft.branch_id in m.branches
            ),
            "",
        )
        branch = {"id": draft.branch_id, "name": name}
    return {
        "identifier": draft.identifier,
        "publishedIdentifier": doc.identifier,
        "workbookModelId": draft.workbook_model_id,
        "branch": branch,
        "status": str(draft.status),
        "draftOutOfDate": doc.out_of_date(draft),
        "createdAt": iso(draft.created_at),
        "updatedAt": iso(draft.updated_at),
        "createdBy": {"name": draft.created_by},
        "lastEditedBy": {"name": draft.last_edited_by},
    }


def _draft_reply(doc: Document, draft: Draft) -> Reply:
    return ok(
        {
            "identifier": doc.identifier,
            "draftIdentifier": draft.identifier,
            "name": draft.content.name,
            "description": draft.content.description,
        }
    )


# -- documents ----------------------------------------------------------------------------------


@ops("documentsList")
def list_documents(ctx: Ctx, call: Call) -> Reply:
    key = _key(call)
    org = service.organization_of(ctx, key)
    found = select_documents(org, key, call.query)
    window, info = page(found, call.query.get("cursor"), call.query.get("pageSize", 50))
    flags = include_flags(call.query.get("include"))
    return ok({"pageInfo": info, "records": [document_json(d, flags) for d in window]})


@ops("documentsCreate")
def create_document(ctx: Ctx, call: Call) -> Reply:
    doc = service.create_document(ctx, _key(call), call.body)
    return created(
        {
            "workbook": {"id": doc.workbook_id, "documentId": doc.identifier},
            "dashboard": {"id": doc.dashboard_id, "dashboardId": doc.identifier},
        }
    )


@ops("documentsGet")
def get_document(ctx: Ctx, call: Call) -> Reply:
    return ok(config_json(service.get_document(ctx, _key(call), call.path["documentId"])))


@ops("documentsUpdate")
def update_document(ctx: Ctx, call: Call) -> Reply:
    doc = service.update_document(ctx, _key(call), call.path["documentId"], call.body)
    return ok(summary_json(doc))


@ops("documentsPut")
def replace_document(ctx: Ctx, call: Call) -> Reply:
    doc = service.replace_document(ctx, _key(call), call.path["documentId"], call.body)
    return ok(summary_json(doc))


@ops("documentsDelete")
def delete_document(ctx: Ctx, call: Call) -> Reply:
    service.delete_document(ctx, _key(call), call.path["documentId"])
    return ok({"success": True})


# -- v1 drafts ----------------------------------------------------------------------------------


@ops("documentsCreateDraft")
def create_draft(ctx: Ctx, call: Call) -> Reply:
    draft = service.create_draft(
        ctx, _key(call), call.path["documentId"], _body(call).get("branchId")
    )
    return ok({"identifier": draft.identifier})


@ops("documentsDiscardDraft")
def archive_draft(ctx: Ctx, call: Call) -> Reply:
    service.archive_draft(ctx, _key(call), call.path["documentId"], _body(call).get("branchId"))
    return ok({"message": "Draft deleted successfully"})


@ops("listDocumentDrafts")
def list_document_drafts(ctx: Ctx, call: Call) -> Reply:
    key = _key(call)
    archived = call.query.get("include") == "archived"
    doc, drafts = service.list_drafts(ctx, key, call.path["documentId"], archived)
    org = service.organization_of(ctx, key)
    return ok([draft_item_json(org, doc, d) for d in drafts])


# -- v2 drafts ----------------------------------------------------------------------------------


@ops("createDraftAndPatch")
def create_draft_and_patch(ctx: Ctx, call: Call) -> Reply:
    doc, draft = service.create_draft_and_patch(
        ctx, _key(call), call.path["documentId"], _body(call)
    )
    return _draft_reply(doc, draft)


@ops("patchDraft")
def patch_draft(ctx: Ctx, call: Call) -> Reply:
    doc, draft = service.patch_draft(
        ctx, _key(call), call.path["documentId"], call.path["draftId"], call.body
    )
    return _draft_reply(doc, draft)


@ops("getDraftState")
def get_draft_state(ctx: Ctx, call: Call) -> Reply:
    doc, draft = service.get_draft(ctx, _key(call), call.path["documentId"], call.path["draftId"])
    return ok(draft_state(draft.content, doc.has_dashboard))


@ops("publishDraft")
def publish_draft(ctx: Ctx, call: Call) -> Reply:
    doc = service.publish_draft(ctx, _key(call), call.path["documentId"])
    return ok(
        {
            "identifier": doc.identifier,
            "name": doc.content.name,
            "description": doc.content.description,
        }
    )


# -- models -------------------------------------------------------------------------------------


def _summary(record: ModelRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "baseModelId": record.base_model_id,
        "connectionId": record.model.connection_id,
        "modelKind": record.kind,
        "name": record.name,
        "createdAt": iso(record.created_at),
        "updatedAt": iso(record.updated_at),
        "deletedAt": iso(record.deleted_at) if record.deleted_at is not None else None,
    }


def model_json(record: ModelRecord, include_deleted: bool, branches: bool) -> dict[str, Any]:
    """A model; with ``include=activeBranches``, a shared model lists its branches."""
    body = _summary(record)
    if branches and record.branch is None and record.model.branches:
        body["branches"] = [
            _summary(ModelRecord(record.model, b))
            for b in record.model.branches.values()
            if include_deleted or b.deleted_at is None
        ]
    return body


@ops("modelsList")
def list_models(ctx: Ctx, call: Call) -> Reply:
    key = _key(call)
    roles.require(key, Role.VIEWER, roles.DENIED)
    found = select_models(service.organization_of(ctx, key), call.query)
    window, info = page(found, call.query.get("cursor"), call.query.get("pageSize", 20))
    deleted = include_deleted(call.query)
    branches = "activeBranches" in include_flags(call.query.get("include"))
    records = [model_json(r, deleted, branches) for r in window]
    return ok({"pageInfo": info, "records": records})


@ops("modelsMergeBranch")
def merge_branch(ctx: Ctx, call: Call) -> Reply:
    result = service.merge_branch(
        ctx, _key(call), call.path["modelId"], call.path["branchName"], _body(call)
    )
    return ok(
        {
            "success": True,
            "git_synced": False,
            "published_drafts_count": result.published,
            "failed_drafts_count": result.failed,
        }
    )
