"""Alert triggers telephony owns (registered in aybiza.core.alerting; docs/operations.md, "Alert rules").

They read the spec's `health_status` columns of sip_trunks and phone_numbers (set by the health checks)
and porting requests past their `estimated_completion`. A subject resolves when its row is healthy again
(or completed, cancelled, rejected).
"""

from aybiza.core.alerting import Condition, trigger

from .choices import HealthStatus, PhoneNumberStatus, PortingRequestStatus, SipTrunkStatus
from .models import PhoneNumber, PortingRequest, SipTrunk

OPEN_PORTING = (PortingRequestStatus.PENDING, PortingRequestStatus.SUBMITTED, PortingRequestStatus.IN_PROGRESS,
                PortingRequestStatus.APPROVED)


@trigger("trunk_unhealthy", label="SIP trunk unhealthy (and recovered)")
def unhealthy_trunks(scope, params, now):
    trunks = scope.filter(SipTrunk.objects.filter(health_status=HealthStatus.UNHEALTHY).exclude(
        status=SipTrunkStatus.INACTIVE))
    for trunk in trunks.only("id", "name", "termination_uri", "organization_id", "tenant_id", "last_health_check"):
        yield Condition(
            subject=f"sip_trunk:{trunk.pk}", title=f"SIP trunk {trunk.name} ({trunk.termination_uri}) is unhealthy",
            severity="high", organization_id=trunk.organization_id, tenant_id=trunk.tenant_id,
            details={"sip_trunk_id": str(trunk.pk), "last_health_check": trunk.last_health_check},
        )


@trigger("number_unhealthy", label="Phone number unhealthy (and recovered)")
def unhealthy_numbers(scope, params, now):
    numbers = scope.filter(PhoneNumber.objects.filter(health_status=HealthStatus.UNHEALTHY).exclude(
        status=PhoneNumberStatus.INACTIVE))
    for number in numbers.only("id", "number", "organization_id", "tenant_id", "last_health_check"):
        yield Condition(
            subject=f"phone_number:{number.pk}", title=f"Phone number {number.number} is unhealthy", severity="high",
            organization_id=number.organization_id, tenant_id=number.tenant_id,
            details={"phone_number_id": str(number.pk), "last_health_check": number.last_health_check},
        )


@trigger("porting_overdue", label="Porting request past its estimated completion")
def overdue_porting(scope, params, now):
    overdue = scope.filter(PortingRequest.objects.filter(status__in=OPEN_PORTING, estimated_completion__lt=now))
    for request in overdue.only("id", "status", "estimated_completion", "organization_id", "tenant_id"):
        yield Condition(
            subject=f"porting_request:{request.pk}",
            title=f"Porting request {request.pk} is past its estimated completion ({request.estimated_completion:%Y-%m-%d})",
            severity="medium", organization_id=request.organization_id, tenant_id=request.tenant_id,
            details={"porting_request_id": str(request.pk), "status": request.status,
                     "estimated_completion": request.estimated_completion},
        )
