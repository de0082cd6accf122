"""Creating phone numbers: parsed to E.164, unique, within the tenant's limits."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.services.limits import ensure_can_add
from accounts.models import Tenant
from aybiza.core.audit import audit_record, snapshot
from telephony.availability import numbers_in_use

from ..models import PhoneNumber
from .numbers import parse_number

AUDIT_FIELDS = ["number", "tenant", "acquisition_method", "provider", "status"]



def phone_number_capacity_check(*, tenant: Tenant) -> Tenant:
    """The tenant, locked, when it may gain a number; LimitExceeded at max_phone_numbers or when suspended."""
    return ensure_can_add(tenant=tenant, what="phone numbers", limit_field="max_phone_numbers",
                          existing=PhoneNumber.objects.filter(tenant=tenant).exclude(status__in=["inactive", "failed"]))


@transaction.atomic
def phone_number_create(
    *,
    tenant: Tenant,
    actor,
    number: str,
    acquisition_method: str,
    provider: str,
    region: str | None = None,
    status: str = "active",
    error_field: str = "number",
    reason: str = "",
    api_key=None,
    request=None,
    **fields,
) -> PhoneNumber:
    """A new number for `tenant`; LimitExceeded (max_phone_numbers, suspension) or ValidationError."""
    parts = parse_number(number, field=error_field)
    tenant = phone_number_capacity_check(tenant=tenant)
    if numbers_in_use([parts["number"]]):
        raise ValidationError({error_field: f"The number {parts['number']} already exists."})
    agent = fields.get("agent")
    if agent is not None and agent.tenant_id != tenant.pk:
        raise ValidationError({"agent": "The agent belongs to another tenant."})
    phone = PhoneNumber(
        **parts,
        acquisition_method=acquisition_method,
        provider=provider,
        region=region or tenant.organization.data_residency_region or "us-east-1",
        status=status,
        organization_id=tenant.organization_id,
        tenant=tenant,
        created_by=actor,
        **fields,
    )
    phone.full_clean(validate_constraints=False)  # uniqueness checked above, the database re-checks
    try:
        with transaction.atomic():
            phone.save(force_insert=True)
    except IntegrityError:
        raise ValidationError({error_field: f"The number {parts['number']} already exists."}) from None
    audit_record(
        action="phone_number.create", instance=phone, actor=actor, api_key=api_key, request=request,
        after=snapshot(phone, AUDIT_FIELDS), reason=reason,
    )
    return phone
