"""OpenAPI documents: loading, compiling into operations, validating instances."""
