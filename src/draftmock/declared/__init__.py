"""Behaviour by declaration: draft, version, async and idempotency rules any document can carry.

``x-draftmock`` blocks on operations (in the document, or added by an OpenAPI Overlay 1.0 file,
``overlay``) are read and checked at start-up (``declarations``), then run as plain rules over
each world's state (``rules``); ``layer`` puts them in front of the generated handlers of the
operations they name.
"""
