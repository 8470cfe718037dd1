"""A draft's content as the v2 API edits it, and the v1 view of the same content.

v2 patches address tiles (``queryPresentations``) and controls by key: a value replaces the
entry, ``null`` deletes it, ``order`` (when given) reorders; ``settings`` is merged shallowly and
``containers`` replaces the layout. The state a draft shows is itself a valid patch, so sending
it back changes nothing.

v1 bodies carry tiles as a list of query presentations; ``tiles_from_presentations`` and
``presentations_from_tiles`` translate between the two.
"""

from __future__ import annotations

from typing import Any

from draftmock.vendors.omni.errors import OmniError
from draftmock.vendors.omni.models import Content

MAX_TILES_PER_PATCH = 48


def apply_patch(content: Content, patch: dict[str, Any]) -> None:
    """Apply a v2 draft patch (already schema-valid) to ``content`` in place."""
    tiles = patch.get("queryPresentations") or {}
    added = sum(value is not None for value in (tiles.get("data") or {}).values())
    if added > MAX_TILES_PER_PATCH:
        raise OmniError(
            f"Invalid request: at most {MAX_TILES_PER_PATCH} tiles per patch, got {added}"
        )
    if "name" in patch:
        content.name = patch["name"]
    if "description" in patch:
        content.description = patch["description"]
    if "modelId" in patch:
        content.model_id = patch["modelId"]
    if "queryPresentations" in patch:
        content.tile_order = _patch_map(content.tiles, content.tile_order, tiles)
    if "controls" in patch:
        content.control_order = _patch_map(
            content.controls, content.control_order, patch["controls"]
        )
    if "settings" in patch:
        content.settings.update(patch["settings"])
    if "containers" in patch:
        content.containers = [dict(c) for c in patch["containers"]]


def _patch_map(
    entries: dict[str, dict[str, Any]], order: list[str], patch: dict[str, Any]
) -> list[str]:
    """Set or delete ``entries`` by key; the new order (every key exactly once)."""
    for key, value in (patch.get("data") or {}).items():
        if value is None:
            entries.pop(key, None)
        else:
            entries[key] = dict(value)
    return ordered(entries, patch.get("order", order))


def ordered(entries: dict[str, Any], order: list[str]) -> list[str]:
    """``order`` restricted to present keys, without repeats, then the keys it misses."""
    result: list[str] = []
    for key in order:
        if key in entries and key not in result:
            result.append(key)
    result.extend(key for key in entries if key not in result)
    return result


def draft_state(content: Content, has_dashboard: bool) -> dict[str, Any]:
    """The getDraftState body; a workbook-only document without layout shows only its tiles."""
    state: dict[str, Any] = {
        "name": content.name,
        "description": content.description,
        "queryPresentations": {
            "data": {key: dict(content.tiles[key]) for key in content.tile_order},
            "order": list(content.tile_order),
        },
    }
    if content.containers is None and not has_dashboard:
        return state
    state["controls"] = {
        "data": {key: dict(content.controls[key]) for key in content.control_order},
        "order": list(content.control_order),
    }
    state["settings"] = dict(content.settings)
    state["containers"] = [dict(c) for c in content.containers or []]
    return state


def tiles_from_presentations(
    items: list[dict[str, Any]],
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    tiles = {f"tile-{number}": dict(item) for number, item in enumerate(items, start=1)}
    return tiles, list(tiles)


def presentations_from_tiles(content: Content) -> list[dict[str, Any]]:
    """Tiles as v1 query presentations. A tile made through v2 may lack a name or a well-formed
    query; it gets a placeholder name and an empty query rather than an invalid body."""
    return [_presentation(content.tiles[key]) for key in content.tile_order]


def _presentation(tile: dict[str, Any]) -> dict[str, Any]:
    item = dict(tile)
    item["name"] = tile.get("name") or "Untitled"
    if not _is_query(tile.get("query")):
        item["query"] = {"table": "", "fields": []}
    vis = tile.get("visConfig")
    if "visConfig" in tile and not (
        isinstance(vis, dict) and isinstance(vis.get("visType", ""), str)
    ):
        del item["visConfig"]
    return item


def _is_query(query: Any) -> bool:
    return (
        isinstance(query, dict)
        and isinstance(query.get("table"), str)
        and isinstance(query.get("fields"), list)
        and all(isinstance(f, str) for f in query["fields"])
    )
