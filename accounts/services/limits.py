"""Tenant limits, in one place: may this tenant gain one more agent / number / trunk?

`ensure_can_add` locks the tenant row (SELECT ... FOR UPDATE) before counting,
so two concurrent creations for the same tenant cannot both pass the count:
the second waits for the first to commit, then counts again. Call it inside
the creating service's transaction, before the INSERT. The caller's service
says what counts (accounts knows no agents or numbers):

    ensure_can_add(tenant=tenant, what="agents", limit_field="max_agents",
                   existing=Agent.objects.filter(tenant=tenant).exclude(status="archived"))

- A suspended or inactive tenant, or a suspended or inactive organization,
  gains nothing.
- `existing` is counted after the lock, against the tenant's `limit_field`;
  a NULL limit means no limit. Without a limit field (SIP trunks: the spec
  has none) only the status rules apply. That a trunk's own
  max_concurrent_calls may not exceed the tenant's is a rule of the row,
  checked by SipTrunk's full_clean() (aybiza/core/db/consistency.py).
"""

from aybiza.core.errors import LimitExceeded

from ..choices import OrganizationStatus, TenantStatus
from ..models import Tenant

BLOCKED_TENANT = {TenantStatus.SUSPENDED, TenantStatus.INACTIVE}
BLOCKED_ORGANIZATION = {OrganizationStatus.SUSPENDED, OrganizationStatus.INACTIVE}


def ensure_can_add(*, tenant: Tenant, what: str, limit_field: str | None = None, existing=None) -> Tenant:
    """The tenant, locked; or LimitExceeded naming the limit that forbids one more of `what`.

    `existing` (a queryset, evaluated after the lock) counts against `limit_field`.
    """
    tenant = Tenant.objects.select_for_update().select_related("organization").get(pk=tenant.pk)
    if tenant.status in BLOCKED_TENANT:
        raise LimitExceeded(f"Tenant {tenant} is {tenant.status}: it cannot gain new {what}.", field="status")
    organization = tenant.organization
    if organization.status in BLOCKED_ORGANIZATION:
        raise LimitExceeded(
            f"Organization {organization} is {organization.status}: tenant {tenant} cannot gain new {what}.",
            field="status",
        )
    limit = getattr(tenant, limit_field) if limit_field else None
    if limit is not None:
        used = existing.count()
        if used >= limit:
            raise LimitExceeded(f"Tenant {tenant} already has {used} of {limit} {what} ({limit_field}).", field=limit_field)
    return tenant
