"""The HTTP side: an ASGI app that routes to compiled operations and vendor handlers."""
