"""Alert triggers security_app owns (registered in aybiza.core.alerting; docs/operations.md, "Alert rules").

Event triggers look back `window_minutes` of the rule: the subject is in alert while matching events keep
arriving, and resolves once a whole window passes without one. Subjects group events (per tenant and event
type, per agent, per caller) so a burst of events is one alert, not hundreds.
"""

import datetime

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Count, Max
from procrastinate.contrib.django.models import ProcrastinateJob

from accounts.choices import ComplianceStatus
from accounts.models import Organization
from accounts.services.compliance import compliance_validity_days
from aybiza.core.alerting import ORGANIZATION, PLATFORM, SEVERITIES, Condition, severity_at_least, trigger

from ..choices import SecurityEventType
from ..models import PromptInjectionAttempt, SecurityEvent, VoiceSecurityEvent

def _since(params, now):
    return now - datetime.timedelta(minutes=params["window_minutes"])


def _owner(tenant_id, organization_id) -> str:
    return f"tenant:{tenant_id}" if tenant_id else f"organization:{organization_id}"


@trigger("security_event", label="Security events at or above a severity", uses_severity=True)
def security_events(scope, params, now):
    events = scope.filter(SecurityEvent.objects.filter(
        timestamp__gte=_since(params, now), severity__in=severity_at_least(params["min_severity"]), resolved=False))
    groups = (events.values("organization_id", "tenant_id", "event_type")
              .annotate(count=Count("id"), latest=Max("timestamp"), severities=ArrayAgg("severity", distinct=True))
              .order_by("event_type"))
    for g in groups:
        severity = max(g["severities"], key=SEVERITIES.index)
        yield Condition(
            subject=f"{_owner(g['tenant_id'], g['organization_id'])}:security_event:{g['event_type']}",
            title=f"{g['count']} {g['event_type']} security event(s) (up to {severity})",
            severity=severity, organization_id=g["organization_id"], tenant_id=g["tenant_id"],
            details={"event_type": g["event_type"], "count": g["count"], "latest": g["latest"]},
        )


@trigger("prompt_injection", label="Prompt-injection detections at or above a threat level", uses_severity=True)
def prompt_injections(scope, params, now):
    attempts = scope.filter(PromptInjectionAttempt.objects.filter(
        timestamp__gte=_since(params, now), threat_level__in=severity_at_least(params["min_severity"]))
        .exclude(false_positive=True))
    groups = attempts.values("organization_id", "tenant_id", "agent_id").annotate(
        count=Count("id"), latest=Max("timestamp")).order_by("agent_id")
    for g in groups:
        yield Condition(
            subject=f"{_owner(g['tenant_id'], g['organization_id'])}:prompt_injection:{g['agent_id'] or 'no-agent'}",
            title=f"{g['count']} prompt-injection attempt(s) at or above {params['min_severity']}",
            severity=params["min_severity"], organization_id=g["organization_id"], tenant_id=g["tenant_id"],
            details={"agent_id": g["agent_id"], "count": g["count"], "latest": g["latest"]},
        )


@trigger("voice_security", label="Voice-security detections at or above a threat level", uses_severity=True)
def voice_security(scope, params, now):
    events = scope.filter(VoiceSecurityEvent.objects.filter(
        timestamp__gte=_since(params, now), threat_level__in=severity_at_least(params["min_severity"]))
        .exclude(false_positive=True))
    groups = events.values("organization_id", "tenant_id", "event_type").annotate(
        count=Count("id"), latest=Max("timestamp")).order_by("event_type")
    for g in groups:
        yield Condition(
            subject=f"{_owner(g['tenant_id'], g['organization_id'])}:voice_security:{g['event_type']}",
            title=f"{g['count']} voice-security detection(s) of {g['event_type']}",
            severity=params["min_severity"], organization_id=g["organization_id"], tenant_id=g["tenant_id"],
            details={"event_type": g["event_type"], "count": g["count"], "latest": g["latest"]},
        )


@trigger("rate_limit_abuse", label="Rate-limit abuse (rate_limit_exceeded events from one caller)",
         params={"threshold": (int, 10, "events within the window from one API key or address")})
def rate_limit_abuse(scope, params, now):
    events = scope.filter(SecurityEvent.objects.filter(
        timestamp__gte=_since(params, now), event_type=SecurityEventType.RATE_LIMIT_EXCEEDED))
    groups = events.values("organization_id", "tenant_id", "api_key_id", "ip_address").annotate(
        count=Count("id"), latest=Max("timestamp")).filter(count__gte=params["threshold"]).order_by("-count")
    for g in groups:
        caller = f"api_key:{g['api_key_id']}" if g["api_key_id"] else f"ip:{g['ip_address']}"
        yield Condition(
            subject=f"{_owner(g['tenant_id'], g['organization_id'])}:rate_limit:{caller}",
            title=f"{g['count']} rate-limit refusals for {caller} in {params['window_minutes']} min",
            severity="high", organization_id=g["organization_id"], tenant_id=g["tenant_id"],
            details={"caller": caller, "count": g["count"], "latest": g["latest"]},
        )


@trigger("compliance_expiring", label="Compliance verification expiring within N days", levels=(PLATFORM, ORGANIZATION),
         params={"days": (int, 30, "warn this many days before the verification expires")})
def compliance_expiring(scope, params, now):
    validity = datetime.timedelta(days=compliance_validity_days())
    warn_from = now + datetime.timedelta(days=params["days"]) - validity  # verified before this: expires within N days
    organizations = Organization.objects.filter(
        compliance_status=ComplianceStatus.VERIFIED, compliance_verified_at__lt=warn_from)
    if scope.organization_id is not None:
        organizations = organizations.filter(pk=scope.organization_id)
    for organization in organizations.only("id", "name", "compliance_verified_at"):
        expires = organization.compliance_verified_at + validity
        yield Condition(
            subject=f"organization:{organization.pk}:compliance",
            title=f"Compliance verification of {organization.name} expires on {expires:%Y-%m-%d}",
            severity="medium", organization_id=organization.pk,
            details={"organization_id": str(organization.pk), "expires_at": expires},
        )


@trigger("job_failed", label="Background jobs failing", levels=(PLATFORM,))
def failed_jobs(scope, params, now):
    """A task whose latest finished job in the window failed (retries exhausted); resolves when one succeeds."""
    since = _since(params, now)
    latest = {}
    jobs = (ProcrastinateJob.objects.filter(status__in=("failed", "succeeded"),
                                             procrastinateevent__at__gte=since)
            .values("task_name", "status")
            .annotate(at=Max("procrastinateevent__at"), last_event=Max("procrastinateevent__id")).order_by("last_event"))
    for job in jobs:
        latest[job["task_name"]] = job  # ordered by time: the last one wins
    for task_name, job in sorted(latest.items()):
        if job["status"] != "failed":
            continue
        count = ProcrastinateJob.objects.filter(task_name=task_name, status="failed",
                                                procrastinateevent__at__gte=since).distinct().count()
        yield Condition(
            subject=f"job:{task_name}", title=f"Job {task_name} failed ({count} failed job(s) in the window)",
            severity="high", details={"task_name": task_name, "failed_jobs": count, "latest": job["at"]},
        )
