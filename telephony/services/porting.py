"""Number porting requests: the carrier hand-over of a tenant's existing number.

    pending --submit--> submitted --start--> in_progress --approve--> approved --complete--> completed
    submitted/in_progress --reject--> rejected            (a reason is required)
    pending/submitted/in_progress/approved --cancel--> cancelled

Every transition sets processed_by and merges `provider_response` into the
stored one. Completing creates the ported phone number (phone_number_create:
limits, suspension, uniqueness) in the same transaction.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from aybiza.core.state import StateMachine, lock
from aybiza.core.transitions import apply_transition, require_reason

from ..choices import PortingRequestStatus as S
from ..models import PhoneNumber, PortingRequest
from .phone_numbers import phone_number_create

PORTING = StateMachine("porting request", "status", {
    "submit": ([S.PENDING], S.SUBMITTED),
    "start": ([S.SUBMITTED], S.IN_PROGRESS),
    "approve": ([S.IN_PROGRESS], S.APPROVED),
    "reject": ([S.SUBMITTED, S.IN_PROGRESS], S.REJECTED),
    "complete": ([S.APPROVED], S.COMPLETED),
    "cancel": ([S.PENDING, S.SUBMITTED, S.IN_PROGRESS, S.APPROVED], S.CANCELLED),
})


def _move(
    porting_request: PortingRequest, verb: str, *, actor, api_key, request, reason: str,
    provider_response: dict | None = None, changes: dict | None = None, details: dict | None = None,
) -> PortingRequest:
    changes = dict(changes or {})
    if actor is not None:
        changes["processed_by"] = actor
    if provider_response:
        changes["provider_response"] = {**(porting_request.provider_response or {}), **provider_response}
    return apply_transition(
        machine=PORTING, instance=porting_request, verb=verb, action=f"porting_request.{verb}",
        changes=changes, actor=actor, api_key=api_key, request=request, reason=reason, details=details,
    )


def _timeline(estimated_completion: datetime.datetime | None) -> dict:
    return {"estimated_completion": estimated_completion} if estimated_completion is not None else {}


@transaction.atomic
def porting_request_submit(
    *, porting_request: PortingRequest, actor, estimated_completion: datetime.datetime | None = None,
    provider_response: dict | None = None, reason: str = "", api_key=None, request=None,
) -> PortingRequest:
    porting_request = lock(porting_request)
    return _move(porting_request, "submit", actor=actor, api_key=api_key, request=request, reason=reason,
                 provider_response=provider_response, changes=_timeline(estimated_completion))


@transaction.atomic
def porting_request_start(
    *, porting_request: PortingRequest, actor, estimated_completion: datetime.datetime | None = None,
    provider_response: dict | None = None, reason: str = "", api_key=None, request=None,
) -> PortingRequest:
    porting_request = lock(porting_request)
    return _move(porting_request, "start", actor=actor, api_key=api_key, request=request, reason=reason,
                 provider_response=provider_response, changes=_timeline(estimated_completion))


@transaction.atomic
def porting_request_approve(
    *, porting_request: PortingRequest, actor, estimated_completion: datetime.datetime | None = None,
    provider_response: dict | None = None, reason: str = "", api_key=None, request=None,
) -> PortingRequest:
    porting_request = lock(porting_request)
    return _move(porting_request, "approve", actor=actor, api_key=api_key, request=request, reason=reason,
                 provider_response=provider_response, changes=_timeline(estimated_completion))


@transaction.atomic
def porting_request_reject(
    *, porting_request: PortingRequest, actor, reason: str, provider_response: dict | None = None,
    api_key=None, request=None,
) -> PortingRequest:
    porting_request = lock(porting_request)
    PORTING.ensure(porting_request, "reject")
    reason = require_reason(reason)
    response = {**(provider_response or {}), "rejection_reason": reason}
    return _move(porting_request, "reject", actor=actor, api_key=api_key, request=request, reason=reason,
                 provider_response=response)


@transaction.atomic
def porting_request_cancel(
    *, porting_request: PortingRequest, actor, reason: str = "", api_key=None, request=None,
) -> PortingRequest:
    porting_request = lock(porting_request)
    return _move(porting_request, "cancel", actor=actor, api_key=api_key, request=request, reason=reason)


@transaction.atomic
def porting_request_complete(
    *, porting_request: PortingRequest, actor, actual_completion: datetime.datetime | None = None,
    provider: str | None = None, region: str | None = None, provider_response: dict | None = None,
    reason: str = "", api_key=None, request=None,
) -> tuple[PortingRequest, PhoneNumber]:
    """Mark the port done and create the ported number; returns (porting_request, phone_number)."""
    porting_request = lock(porting_request)
    PORTING.ensure(porting_request, "complete")
    phone = phone_number_create(
        tenant=porting_request.tenant,
        actor=actor or porting_request.created_by,
        number=porting_request.phone_number,
        acquisition_method="ported",
        provider=provider or porting_request.current_provider,
        region=region,
        status="active",
        error_field="phone_number",
        reason=f"Ported by {porting_request}",
        api_key=api_key,
        request=request,
    )
    porting_request = _move(
        porting_request, "complete", actor=actor, api_key=api_key, request=request, reason=reason,
        provider_response=provider_response,
        changes={"actual_completion": actual_completion or timezone.now()},
        details={"phone_number_id": str(phone.pk), "number": phone.number},
    )
    return porting_request, phone
