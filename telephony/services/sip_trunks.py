"""Creating SIP trunks, within the tenant's limits (see accounts/limits.py).

The trunk's max_concurrent_calls ceiling (at most the tenant's) is checked by
SipTrunk's full_clean(), the one place that also covers edits.
"""

from django.db import transaction

from accounts.limits import ensure_can_add
from accounts.models import Tenant
from security_app.audit import audit_record, snapshot

from ..models import SipTrunk


@transaction.atomic
def sip_trunk_create(
    *, tenant: Tenant, actor, name: str, provider_name: str, termination_uri: str,
    reason: str = "", api_key=None, request=None, **fields,
) -> SipTrunk:
    tenant = ensure_can_add(tenant=tenant, resource="sip_trunk")
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
