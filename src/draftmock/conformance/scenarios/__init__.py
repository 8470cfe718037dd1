"""The behaviour scenarios, one module per API: ``scenarios/<api>.py`` defines ``suite``.

Adding an API's scenarios is adding its module; nothing here lists them.
"""

from __future__ import annotations

import importlib
import importlib.util

from draftmock.conformance.behaviour import Suite


def suite_for(api: str) -> Suite | None:
    """The API's scenario suite, or None when no module states its behaviour yet."""
    name = f"{__name__}.{api}"
    if not api.isidentifier() or importlib.util.find_spec(name) is None:
        return None
    suite = importlib.import_module(name).suite
    assert isinstance(suite, Suite)
    return suite
