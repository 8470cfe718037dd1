"""draftmock: a spec-first, stateful mock server for draft-and-version APIs."""

__version__ = "0.1.0"

__all__ = ["__version__"]
