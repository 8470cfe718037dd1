"""The vendors draftmock simulates, by slug. Each is independent of the others."""

from __future__ import annotations

from typing import Any

from draftmock.vendors._kit import Vendor
from draftmock.vendors.agentcore import vendor as agentcore
from draftmock.vendors.lunary import vendor as lunary
from draftmock.vendors.omni import vendor as omni
from draftmock.vendors.promptlayer import vendor as promptlayer

VENDORS: dict[str, Vendor[Any]] = {
    promptlayer.slug: promptlayer,
    lunary.slug: lunary,
    agentcore.slug: agentcore,
    omni.slug: omni,
}
