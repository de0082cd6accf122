"""FilterSets of the security API (explicit fields, `q` search, time ranges)."""

import django_filters

from aybiza.api.filters import SearchFilterSet, TimeRangeFilterSet

from .choices import (
    ApiKeyStatus, AuditLogStatus, ComplianceReportStatus, ComplianceReportType, InjectionAction,
    InjectionDetectionMethod, SecurityEventType, Severity, SubjectRequestKind, SubjectRequestStatus,
    VoiceSecurityEventType,
)
from .models import ApiKey, AuditLog, ComplianceReport, DataSubjectRequest, PromptInjectionAttempt, SecurityEvent, VoiceSecurityEvent


class ApiKeyFilterSet(SearchFilterSet):
    search_fields = ("name", "description")
    status = django_filters.MultipleChoiceFilter(choices=ApiKeyStatus.choices)
    tenant_id = django_filters.UUIDFilter()

    class Meta:
        model = ApiKey
        fields = ["q", "status", "tenant_id"]


class AuditLogFilterSet(TimeRangeFilterSet):
    search_fields = ("action", "resource_name")
    action = django_filters.CharFilter(max_length=100)
    resource_type = django_filters.CharFilter(max_length=100)
    resource_id = django_filters.UUIDFilter()
    user_id = django_filters.UUIDFilter()
    api_key_id = django_filters.UUIDFilter()
    status = django_filters.ChoiceFilter(choices=AuditLogStatus.choices)
    tenant_id = django_filters.UUIDFilter()

    class Meta:
        model = AuditLog
        fields = ["q", "since", "until", "action", "resource_type", "resource_id", "user_id", "api_key_id", "status",
                  "tenant_id"]


class SecurityEventFilterSet(TimeRangeFilterSet):
    search_fields = ("source",)
    event_type = django_filters.MultipleChoiceFilter(choices=SecurityEventType.choices)
    severity = django_filters.MultipleChoiceFilter(choices=Severity.choices)
    resolved = django_filters.BooleanFilter()
    api_key_id = django_filters.UUIDFilter()
    tenant_id = django_filters.UUIDFilter()

    class Meta:
        model = SecurityEvent
        fields = ["q", "since", "until", "event_type", "severity", "resolved", "api_key_id", "tenant_id"]


class PromptInjectionAttemptFilterSet(TimeRangeFilterSet):
    search_fields = ("input_text", "call_sid")
    agent_id = django_filters.UUIDFilter()
    call_sid = django_filters.CharFilter(max_length=255)
    detection_method = django_filters.ChoiceFilter(choices=InjectionDetectionMethod.choices)
    threat_level = django_filters.MultipleChoiceFilter(choices=Severity.choices)
    action_taken = django_filters.ChoiceFilter(choices=InjectionAction.choices)
    false_positive = django_filters.BooleanFilter()
    tenant_id = django_filters.UUIDFilter()

    class Meta:
        model = PromptInjectionAttempt
        fields = ["q", "since", "until", "agent_id", "call_sid", "detection_method", "threat_level", "action_taken",
                  "false_positive", "tenant_id"]


class VoiceSecurityEventFilterSet(TimeRangeFilterSet):
    search_fields = ("call_sid",)
    agent_id = django_filters.UUIDFilter()
    call_sid = django_filters.CharFilter(max_length=255)
    event_type = django_filters.MultipleChoiceFilter(choices=VoiceSecurityEventType.choices)
    threat_level = django_filters.MultipleChoiceFilter(choices=Severity.choices)
    false_positive = django_filters.BooleanFilter()
    tenant_id = django_filters.UUIDFilter()

    class Meta:
        model = VoiceSecurityEvent
        fields = ["q", "since", "until", "agent_id", "call_sid", "event_type", "threat_level", "false_positive",
                  "tenant_id"]


class ComplianceReportFilterSet(SearchFilterSet):
    report_type = django_filters.ChoiceFilter(choices=ComplianceReportType.choices)
    status = django_filters.ChoiceFilter(choices=ComplianceReportStatus.choices)
    tenant_id = django_filters.UUIDFilter()

    class Meta:
        model = ComplianceReport
        fields = ["q", "report_type", "status", "tenant_id"]


class DataSubjectRequestFilterSet(SearchFilterSet):
    kind = django_filters.ChoiceFilter(choices=SubjectRequestKind.choices)
    status = django_filters.ChoiceFilter(choices=SubjectRequestStatus.choices)
    tenant_id = django_filters.UUIDFilter()

    class Meta:
        model = DataSubjectRequest
        fields = ["q", "kind", "status", "tenant_id"]
