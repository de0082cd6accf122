"""Tenant limits, in one place: may this tenant gain one more agent / number / trunk?

`ensure_can_add` locks the tenant row (SELECT ... FOR UPDATE) before counting,
so two concurrent creations for the same tenant cannot both pass the count:
the second waits for the first to commit, then counts again. Call it inside
the creating service's transaction, before the INSERT.

- A suspended or inactive tenant, or a suspended or inactive organization,
  gains nothing.
- agents: the tenant's agents that are not archived count against max_agents.
- phone numbers: numbers not inactive/failed count against max_phone_numbers.
- SIP trunks: no count limit (the spec has none). That a trunk's own
  max_concurrent_calls may not exceed the tenant's is a rule of the row,
  checked by SipTrunk's full_clean() on create and on every edit
  (ValidationError on max_concurrent_calls; aybiza/db/consistency.py).
- A NULL limit means no limit.
"""

from aybiza.errors import LimitExceeded

from .choices import OrganizationStatus, TenantStatus
from .models import Tenant

BLOCKED_TENANT = {TenantStatus.SUSPENDED, TenantStatus.INACTIVE}
BLOCKED_ORGANIZATION = {OrganizationStatus.SUSPENDED, OrganizationStatus.INACTIVE}

RESOURCES = {
    # resource: (plural for messages, limit column)
    "agent": ("agents", "max_agents"),
    "phone_number": ("phone numbers", "max_phone_numbers"),
    "sip_trunk": ("SIP trunks", None),
}


def _count(tenant: Tenant, resource: str) -> int:
    if resource == "agent":
        from agents.models import Agent

        return Agent.objects.filter(tenant=tenant).exclude(status="archived").count()
    if resource == "phone_number":
        from telephony.models import PhoneNumber

        return PhoneNumber.objects.filter(tenant=tenant).exclude(status__in=["inactive", "failed"]).count()
    raise ValueError(resource)


def ensure_can_add(*, tenant: Tenant, resource: str) -> Tenant:
    """The tenant, locked; or LimitExceeded naming the limit that forbids one more `resource`."""
    if resource not in RESOURCES:
        raise ValueError(f"Unknown resource {resource!r}; expected one of {sorted(RESOURCES)}.")
    plural, limit_field = RESOURCES[resource]
    tenant = Tenant.objects.select_for_update().select_related("organization").get(pk=tenant.pk)
    if tenant.status in BLOCKED_TENANT:
        raise LimitExceeded(f"Tenant {tenant} is {tenant.status}: it cannot gain new {plural}.", field="status")
    organization = tenant.organization
    if organization.status in BLOCKED_ORGANIZATION:
        raise LimitExceeded(
            f"Organization {organization} is {organization.status}: tenant {tenant} cannot gain new {plural}.",
            field="status",
        )
    if limit_field is None:
        return tenant
    limit = getattr(tenant, limit_field)
    if limit is not None:
        used = _count(tenant, resource)
        if used >= limit:
            raise LimitExceeded(
                f"Tenant {tenant} already has {used} of {limit} {plural} ({limit_field}).", field=limit_field
            )
    return tenant
