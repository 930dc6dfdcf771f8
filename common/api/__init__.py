"""Shared REST API plumbing, one module per concern:

- `errors`: the one error shape (`ErrorSerializer`), the exception handler and `error_response`;
- `serializers`: strict field types and `ServiceSerializerMixin` (serializers that write through services);
- `bulk`: `bulk_apply` and the bulk error policies;
- `pagination`: `ApiPagination`;
- `filters`: `StrictFilterBackend`;
- `schema`, `throttling`, `exports`: the OpenAPI schema class, the throttles and the download actions.

This package's `__init__` imports nothing: DRF imports `throttling` while it is still loading its own views, so
anything imported here would be imported in the middle of that (see tests/api/test_startup_imports.py).
"""
