"""The state of a generated API: records per resource, per parent scope, by id. Plain data.

``records[resource][scope][id]`` holds one record (a JSON object as the API returns it);
``scope`` joins the parent identifiers of a nested collection (``""`` at the top), so
``/projects/7/tasks`` lists only project 7's tasks. Dicts keep insertion order, which is the
order lists answer in. ``custom`` is the state of a ``--behaviour`` module, if it keeps one;
``declared`` that of the document's ``x-draftmock`` declarations. (Plain JSON-like
data, or types registered with ``state_codec.register``.)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from draftmock import state_codec


def scope_key(parents: Iterable[Any]) -> str:
    return "/".join(quote(str(value), safe="") for value in parents)


def id_key(value: Any) -> str:
    return str(value)


@dataclass
class Store:
    records: dict[str, dict[str, dict[str, dict[str, Any]]]] = field(default_factory=dict)
    custom: Any = None
    # What x-draftmock declarations keep (drafts, versions, tasks, idempotency records): plain data.
    declared: dict[str, Any] = field(default_factory=dict)

    def get(self, resource: str, scope: str, key: str) -> dict[str, Any] | None:
        return self.records.get(resource, {}).get(scope, {}).get(key)

    def put(self, resource: str, scope: str, key: str, record: dict[str, Any]) -> None:
        self.records.setdefault(resource, {}).setdefault(scope, {})[key] = record

    def delete(self, resource: str, scope: str, key: str) -> dict[str, Any] | None:
        return self.records.get(resource, {}).get(scope, {}).pop(key, None)

    def items(self, resource: str, scope: str) -> list[dict[str, Any]]:
        return list(self.records.get(resource, {}).get(scope, {}).values())

    def drop_scope(self, resource: str, scope_prefix: str) -> None:
        """Forget every record of ``resource`` under a deleted parent."""
        scopes = self.records.get(resource, {})
        for scope in [s for s in scopes if s == scope_prefix or s.startswith(scope_prefix + "/")]:
            del scopes[scope]

    def count(self) -> int:
        return sum(len(records) for scopes in self.records.values() for records in scopes.values())

    def __iter__(self) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
        for resource, scopes in self.records.items():
            for scope, records in scopes.items():
                for key, record in records.items():
                    yield resource, scope, key, record


state_codec.register("generated", Store)
