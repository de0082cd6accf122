"""Compliance report generation (no other service generates reports).

A report summarises, for its tenant (or its whole organization) and period,
the audit trail and the security record: counts by action/type/severity,
unresolved high/critical events and prompt-injection/voice-security
detections, with findings and recommendations. The report document is the
canonical JSON of report_data (sorted keys, no whitespace); its SHA-256 is
stored in `checksum` and sent with the download, so a client can verify it.
"""

from __future__ import annotations

import hashlib
import json

from django.db import transaction
from django.db.models import Count

from aybiza.core.audit import audit_record, snapshot
from ..models import AuditLog, ComplianceReport, PromptInjectionAttempt, SecurityEvent, VoiceSecurityEvent


def document(report: ComplianceReport) -> bytes:
    return json.dumps(report.report_data, sort_keys=True, separators=(",", ":"), default=str).encode()


def _counts(queryset, field) -> dict:
    return {row[field]: row["n"] for row in queryset.values(field).annotate(n=Count("id")).order_by(field)}


def _owned(model, report):
    queryset = model.objects.filter(organization_id=report.organization_id,
                                    timestamp__gte=report.reporting_period_start,
                                    timestamp__lt=report.reporting_period_end)
    return queryset.filter(tenant_id=report.tenant_id) if report.tenant_id else queryset


@transaction.atomic
def compliance_report_generate(*, report: ComplianceReport, actor=None, api_key=None, request=None) -> ComplianceReport:
    events = _owned(SecurityEvent, report)
    open_serious = events.filter(resolved=False, severity__in=["high", "critical"]).count()
    injections = _owned(PromptInjectionAttempt, report)
    voice = _owned(VoiceSecurityEvent, report)
    data = {
        "report_type": report.report_type,
        "scope": {"organization_id": str(report.organization_id),
                  "tenant_id": str(report.tenant_id) if report.tenant_id else None},
        "period": {"start": report.reporting_period_start.isoformat(), "end": report.reporting_period_end.isoformat()},
        "audit": {"total": _owned(AuditLog, report).count(), "by_status": _counts(_owned(AuditLog, report), "status")},
        "security_events": {"by_type": _counts(events, "event_type"), "by_severity": _counts(events, "severity"),
                            "unresolved_high_or_critical": open_serious},
        "prompt_injection": {"total": injections.count(), "by_action": _counts(injections, "action_taken"),
                             "unreviewed": injections.filter(reviewed_at__isnull=True).count()},
        "voice_security": {"total": voice.count(), "by_type": _counts(voice, "event_type"),
                           "unreviewed": voice.filter(reviewed_at__isnull=True).count()},
    }
    findings, recommendations = [], []
    if open_serious:
        findings.append(f"{open_serious} high or critical security event(s) are unresolved.")
        recommendations.append("Resolve or triage every high/critical security event.")
    unreviewed = data["prompt_injection"]["unreviewed"] + data["voice_security"]["unreviewed"]
    if unreviewed:
        findings.append(f"{unreviewed} detection(s) have not been reviewed.")
        recommendations.append("Review prompt-injection and voice-security detections.")
    report.report_data = data
    report.findings = findings
    report.recommendations = recommendations
    report.status = "completed"
    report.checksum = hashlib.sha256(document(report)).hexdigest()
    report.report_file_url = f"/api/v1/compliance-reports/{report.pk}/download/"
    report.save()
    audit_record(action="compliance_report.generate", instance=report, actor=actor, api_key=api_key, request=request,
                 after=snapshot(report, ["report_type", "status", "checksum"]))
    return report
