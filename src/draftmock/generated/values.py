"""Values from schemas, through the spec layer's generator; validators by pointer, cached.

One ``Values`` per served document: it builds (lazily) and keeps a validator per schema pointer,
and answers "generate something for this schema" and "does this validate?".
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import quote

from draftmock.ids import Rng, seeded_rng
from draftmock.spec.document import Document
from draftmock.spec.generate import Direction, Unsatisfiable, check, generate
from draftmock.spec.schema import SchemaValidator
from draftmock.vendors._kit import Context, ContractGap


class Values:
    def __init__(self, document: Document) -> None:
        self.document = document
        self._validators: dict[str, SchemaValidator] = {}
        self._lock = threading.Lock()

    def validator(self, pointer: str) -> SchemaValidator:
        found = self._validators.get(pointer)
        if found is None:
            with self._lock:
                found = self._validators.get(pointer)
                if found is None:
                    ref = self.document.pointer_ref(pointer)
                    found = SchemaValidator(self.document, ref, "response")
                    self._validators[pointer] = found
        return found

    def rng(self, ctx: Context[Any]) -> Rng:
        """A random source for one request, seeded from the world's seeded ids (so ``--seed``
        and the same requests give the same answers)."""
        return seeded_rng(ctx.ids.token(16))

    def valid(self, pointer: str, instance: Any) -> bool:
        try:
            return not self.validator(pointer).violations(instance)
        except Exception:  # an unresolvable schema validates nothing
            return False

    def generate(
        self,
        pointer: str,
        rng: Rng,
        *,
        direction: Direction = "response",
        name: str | None = None,
    ) -> Any:
        """A value for the schema at ``pointer`` (``direction``: readOnly/writeOnly honoured).
        Raises ``ContractGap`` when no valid value can be built."""
        schema = {"$ref": _fragment(pointer)}
        try:
            return generate(self.document, schema, rng=rng, direction=direction, name=name)
        except Unsatisfiable as exc:  # answered with the 500 diagnostic, never off-spec
            raise ContractGap(f"no value satisfies {pointer}: {exc}") from exc

    def unsatisfiable(self, pointer: str) -> str | None:
        """Why no value can be generated for the schema at ``pointer`` (None: it can)."""
        return check(self.document, {"$ref": _fragment(pointer)})


def _fragment(pointer: str) -> str:
    """``pointer`` as a URI fragment: characters a fragment cannot hold (the ``{}`` of a path
    template) percent-encoded, or the generator's own validation cannot resolve it."""
    return "#" + quote(pointer, safe="/~")
