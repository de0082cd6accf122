"""Creating SIP trunks, within the tenant's limits (see accounts/services/limits.py).

The trunk's max_concurrent_calls ceiling (at most the tenant's) is checked by
SipTrunk's full_clean(), the one place that also covers edits.
"""

from django.db import transaction

from accounts.services.limits import ensure_can_add
from accounts.models import Tenant
from aybiza.core.audit import audit_record, snapshot

from ..models import SipTrunk



def sip_trunk_capacity_check(*, tenant: Tenant) -> Tenant:
    """The tenant, locked, when it may gain a trunk (no count limit in the spec; not when suspended)."""
    return ensure_can_add(tenant=tenant, what="SIP trunks")


@transaction.atomic
def sip_trunk_create(
    *, tenant: Tenant, actor, name: str, provider_name: str, termination_uri: str,
    reason: str = "", api_key=None, request=None, **fields,
) -> SipTrunk:
    tenant = sip_trunk_capacity_check(tenant=tenant)
    trunk = SipTrunk(
        name=name, provider_name=provider_name, termination_uri=termination_uri,
        organization_id=tenant.organization_id, tenant=tenant, created_by=actor, **fields,
    )
    trunk.full_clean()
    trunk.save(force_insert=True)
    audit_record(
        action="sip_trunk.create", instance=trunk, actor=actor, api_key=api_key, request=request,
        after=snapshot(trunk, ["name", "tenant", "provider_name", "max_concurrent_calls", "status"]), reason=reason,
    )
    return trunk
