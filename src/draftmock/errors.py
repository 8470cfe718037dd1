"""Errors of draftmock itself (not of the simulated APIs).

    MockError
    ├── SpecError        a document in specs/ cannot be loaded or compiled
    ├── FixtureError     a fixture file is malformed or does not validate
    └── ConfigError      a bad command-line option or control request

Errors the simulated APIs answer with live in ``draftmock.vendors._kit`` (``VendorError``).
"""

from __future__ import annotations


class MockError(Exception):
    """Root of draftmock's own errors."""


class SpecError(MockError):
    pass


class FixtureError(MockError):
    pass


class ConfigError(MockError):
    pass
