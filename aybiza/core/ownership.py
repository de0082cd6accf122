"""How a row reaches its tenant and its organization: each model states it.

    class AgentVersion(models.Model):
        owner = Owner(tenant="agent__tenant_id", organization="agent__organization_id")

`tenant` and `organization` are lookups from the model to the owning ids
(`"tenant_id"` for a row that carries them, `"call__tenant_id"` for a row that
hangs off its call). `shared` names rows that every tenant may read but none
may change (the platform's system tools). The API's scoping
(aybiza/api/scoping.py) narrows querysets with it; the audit trail
(aybiza/core/audit.py) follows it on an instance to record whose row changed.
A model without `owner` is not tenant data: the API refuses to serve it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import Q


@dataclass(frozen=True)
class Owner:
    tenant: str | None = "tenant_id"  # None: the rows belong to an organization, not a tenant
    organization: str = "organization_id"
    shared: tuple[tuple[str, object], ...] = ()  # lookups of rows everybody may read

    def tenant_q(self, tenant_id: uuid.UUID) -> Q:
        if self.tenant is None:
            return Q(pk__in=[])  # a tenant sees no organization-level rows
        return Q(**{self.tenant: tenant_id})

    def organization_q(self, organization_id: uuid.UUID) -> Q:
        return Q(**{self.organization: organization_id})

    def shared_q(self) -> Q | None:
        return Q(**dict(self.shared)) if self.shared else None

    def ids(self, instance) -> tuple[uuid.UUID | None, uuid.UUID | None]:
        """(organization id, tenant id) of `instance`, following the lookups on the object."""
        tenant = _follow(instance, self.tenant) if self.tenant else None
        return _follow(instance, self.organization), tenant


def owner_of(model) -> Owner | None:
    return getattr(model, "owner", None) if isinstance(getattr(model, "owner", None), Owner) else None


def _follow(instance, lookup: str):
    value = instance
    for part in lookup.split("__"):
        if value is None:
            return None
        value = getattr(value, part, None)
    return value
