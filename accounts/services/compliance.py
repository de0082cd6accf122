"""Organization compliance verification: verify, reject, expire.

    pending/rejected/expired --verify--> verified --expire--> expired
    pending/verified/expired --reject--> rejected
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from aybiza.core.state import StateMachine, lock
from aybiza.core.transitions import apply_transition, require_reason

from ..choices import ComplianceStatus as S
from ..models import Organization

COMPLIANCE = StateMachine("organization", "compliance_status", {
    "verify": ([S.PENDING, S.REJECTED, S.EXPIRED], S.VERIFIED),
    "reject": ([S.PENDING, S.VERIFIED, S.EXPIRED], S.REJECTED),
    "expire": ([S.VERIFIED], S.EXPIRED),
})


def compliance_validity_days() -> int:
    return int(getattr(settings, "AYBIZA_COMPLIANCE_VALIDITY_DAYS", 365))


@transaction.atomic
def organization_compliance_verify(
    *, organization: Organization, actor, reason: str = "", documents: dict | None = None,
    api_key=None, request=None,
) -> Organization:
    organization = lock(organization)
    changes = {"compliance_verified_at": timezone.now(), "updated_by": actor}
    if documents is not None:
        changes["compliance_documents"] = documents
    return apply_transition(
        machine=COMPLIANCE, instance=organization, verb="verify", action="organization.compliance_verify",
        changes=changes, actor=actor, api_key=api_key, request=request, reason=reason,
    )


@transaction.atomic
def organization_compliance_reject(
    *, organization: Organization, actor, reason: str, api_key=None, request=None
) -> Organization:
    organization = lock(organization)
    COMPLIANCE.ensure(organization, "reject")
    reason = require_reason(reason)
    return apply_transition(
        machine=COMPLIANCE, instance=organization, verb="reject", action="organization.compliance_reject",
        changes={"updated_by": actor}, actor=actor, api_key=api_key, request=request, reason=reason,
    )


@transaction.atomic
def organization_compliance_expire(
    *, organization: Organization, actor=None, reason: str = "", api_key=None, request=None
) -> Organization:
    organization = lock(organization)
    changes = {"updated_by": actor} if actor is not None else {}
    return apply_transition(
        machine=COMPLIANCE, instance=organization, verb="expire", action="organization.compliance_expire",
        changes=changes, actor=actor, api_key=api_key, request=request, reason=reason,
    )


def organizations_due_for_expiry(*, older_than_days: int, now: datetime.datetime | None = None):
    cutoff = (now or timezone.now()) - datetime.timedelta(days=older_than_days)
    return Organization.objects.filter(compliance_status=S.VERIFIED, compliance_verified_at__lt=cutoff)
