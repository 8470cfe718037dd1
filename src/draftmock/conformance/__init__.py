"""The conformance gate: does a server (the mock, or the real vendor) honour the contract?

A consumer of the engine: it may import ``server``, ``assembly`` and ``testing`` and talks to
the target over HTTP only; nothing in ``vendors/`` imports it. Phases:

- ``examples``, ``coverage``, ``fuzzing``, ``stateful``: Schemathesis against ``specs/<api>.yaml``
  with every check (``schemathesis_run``, settings in ``config/<api>.toml``);
- ``behaviour``: executable scenarios stating each documented semantic (``scenarios/<api>.py``).

``draftmock conform`` and ``draftmock diff`` are defined in ``command``.
"""
