"""The v2 draft patch semantics and the v1 view of tiles, on plain content."""

from __future__ import annotations

from draftmock.vendors.omni.models import Content
from draftmock.vendors.omni.patching import (
    apply_patch,
    draft_state,
    ordered,
    presentations_from_tiles,
    tiles_from_presentations,
)


def content() -> Content:
    return Content(
        name="Doc",
        description=None,
        model_id="m",
        tiles={"a": {"name": "A"}, "b": {"name": "B"}},
        tile_order=["a", "b"],
        settings={"crossfilterEnabled": True, "customText": {"queryError": "oops"}},
        containers=[{"type": "grid"}],
    )


def test_value_replaces_null_deletes_new_keys_append() -> None:
    c = content()
    apply_patch(c, {"queryPresentations": {"data": {"a": {"subTitle": "s"}, "b": None, "c": {}}}})
    assert c.tiles == {"a": {"subTitle": "s"}, "c": {}}
    assert c.tile_order == ["a", "c"]


def test_order_is_kept_consistent_with_the_keys() -> None:
    c = content()
    apply_patch(c, {"queryPresentations": {"order": ["b", "zz", "b"]}})
    assert c.tile_order == ["b", "a"]
    assert ordered({"x": 1, "y": 2}, []) == ["x", "y"]


def test_settings_merge_shallowly_containers_replace() -> None:
    c = content()
    apply_patch(c, {"settings": {"customText": {"queryNoResults": "none"}}, "containers": []})
    assert c.settings == {"crossfilterEnabled": True, "customText": {"queryNoResults": "none"}}
    assert c.containers == []


def test_untouched_members_stay() -> None:
    c = content()
    apply_patch(c, {"summary": "audit only"})
    assert c == content()


def test_state_is_a_patch_that_changes_nothing() -> None:
    c = content()
    state = draft_state(c, has_dashboard=True)
    apply_patch(c, state)
    assert c == content()


def test_workbook_only_state_has_no_layout_members() -> None:
    c = content()
    c.containers = None
    assert set(draft_state(c, has_dashboard=False)) == {"name", "description", "queryPresentations"}
    assert "containers" in draft_state(content(), has_dashboard=False)


def test_v1_presentations_round_trip_and_v2_tiles_become_valid_presentations() -> None:
    items = [{"name": "R", "query": {"table": "t", "fields": ["f"]}, "visConfig": {"visType": "x"}}]
    tiles, order = tiles_from_presentations(items)
    c = content()
    c.tiles, c.tile_order = tiles, order
    assert presentations_from_tiles(c) == items
    c.tiles = {"v2": {"query": 5, "visConfig": "bar", "subTitle": "s"}}
    c.tile_order = ["v2"]
    assert presentations_from_tiles(c) == [
        {"name": "Untitled", "query": {"table": "", "fields": []}, "subTitle": "s"}
    ]
