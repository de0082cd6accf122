"""The tenant integration API (/api/v1/): authentication, scopes, limits, tenant scoping. See docs/api.md."""
