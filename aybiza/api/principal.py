"""Who is calling: an API key acting as its tenant, or as its organization's admin."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from aybiza.core.tenancy import organization_context, tenant_context


@dataclass(frozen=True)
class Principal:
    api_key: object  # security_app.models.ApiKey
    organization_id: uuid.UUID
    tenant_id: uuid.UUID | None
    ip: str | None

    @property
    def is_organization(self) -> bool:
        """An organization key (tenant_id NULL): acts as organization admin over all its tenants."""
        return self.tenant_id is None

    @property
    def actor(self):
        """The user recorded as created_by/published_by/...: the key's creator."""
        return self.api_key.created_by

    def scopes(self) -> dict:
        return self.api_key.permissions or {}

    def rls_context(self):
        """The row-level-security context every request of this key runs in."""
        if self.is_organization:
            return organization_context(self.organization_id)
        return tenant_context(self.tenant_id)


def principal_of(request) -> Principal | None:
    """The principal of a DRF or Django request (None before/without authentication)."""
    request = getattr(request, "_request", request)
    return getattr(request, "aybiza_principal", None)
