"""API key authentication: `Authorization: Bearer <key>` (or `X-API-Key: <key>`).

Refusals are 401 (unknown, malformed, revoked, inactive, expired key) or
403 (the caller's address is not in the key's ip_whitelist). The lookup is
one indexed query as the connection's own role, before any tenant context.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication

from aybiza.api.principal import Principal
from aybiza.core.network import client_ip, ip_allowed

from aybiza.api import auth_throttle

from ..services import api_keys


class IpNotAllowed(exceptions.PermissionDenied):
    default_code = "ip_not_allowed"


class ApiKeyAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate_header(self, request):
        return 'Bearer realm="api"'

    def _raw_key(self, request) -> str | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header:
            scheme, _, value = header.partition(" ")
            if scheme.lower() != "bearer" or not value.strip():
                raise exceptions.AuthenticationFailed("Use `Authorization: Bearer <API key>`.", code="invalid_authorization")
            return value.strip()
        return request.META.get("HTTP_X_API_KEY") or None

    def authenticate(self, request):
        ip = client_ip(request)
        wait = auth_throttle.retry_after(ip, "api")
        if wait:  # this address failed too often: refused before any database work
            raise exceptions.Throttled(wait, "Too many failed authentications from your address.")
        try:
            return self._authenticate(request, ip)
        except exceptions.AuthenticationFailed:
            wait = auth_throttle.record_failure(ip, "api")
            if wait:
                raise exceptions.Throttled(wait, "Too many failed authentications from your address.") from None
            raise

    def _authenticate(self, request, ip):
        raw = self._raw_key(request)
        if raw is None:
            return None  # -> 401 not_authenticated from the permission check
        if not api_keys.is_well_formed(raw):
            raise exceptions.AuthenticationFailed("Malformed API key (bad prefix, length or checksum).", code="malformed_api_key")
        key = api_keys.lookup(raw)
        if key is None:
            raise exceptions.AuthenticationFailed("Unknown API key.", code="invalid_api_key")
        why = api_keys.refusal(key)
        if why:
            raise exceptions.AuthenticationFailed(f"This API key is {why}.", code=f"api_key_{why}")
        principal = Principal(api_key=key, organization_id=key.organization_id, tenant_id=key.tenant_id, ip=ip)
        request._request.aybiza_principal = principal  # the access log reads it from the Django request
        if not ip_allowed(ip, key.ip_whitelist):
            raise IpNotAllowed(f"This API key may not be used from {ip}.")
        return key.created_by, principal


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """The key's security scheme in the OpenAPI document (registered by being defined)."""

    target_class = ApiKeyAuthentication
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "ayb_live_<32 base62>_<6 checksum>"}
