from django.utils import timezone
from rest_framework import serializers

from agents.models import Agent, AgentVersion
from aybiza.core.network import parse_network
from aybiza.api.routers import all_scopes
from aybiza.api.scopes import ACTIONS, WILDCARD, grants
from aybiza.api.serializers import (
    ScopedPrimaryKeyRelatedField, TenantOwnedSerializer, VersionedSerializerMixin, principal_from,
)

from ..services import api_keys
from .key_limits import restrict
from ..models import ApiKey, AuditLog, ComplianceReport, DataSubjectRequest, PromptInjectionAttempt, SecurityEvent, VoiceSecurityEvent


class ApiKeySerializer(VersionedSerializerMixin, TenantOwnedSerializer):
    """An API key. `key` is returned once, in the response to its creation."""

    key = serializers.CharField(read_only=True, help_text="The key itself: shown only in the creation response.")
    permissions = serializers.DictField(child=serializers.ListField(child=serializers.ChoiceField(choices=ACTIONS)),
                                        help_text='Scopes per resource, e.g. {"agents": ["read", "write"]}.')
    rate_limit = serializers.DictField(child=serializers.IntegerField(min_value=1, max_value=10_000_000),
                                       required=False)
    ip_whitelist = serializers.ListField(child=serializers.CharField(max_length=64), required=False, max_length=100)
    tenant_required = False

    class Meta:
        model = ApiKey
        fields = ("id", "key", "name", "description", "organization", "tenant", "permissions", "rate_limit",
                  "ip_whitelist", "status", "created_by", "created_at", "expires_at", "last_used_at", "usage_count",
                  "version")
        read_only_fields = ("organization", "status", "created_by", "last_used_at", "usage_count")

    def validate_permissions(self, value):
        known = {scope.split(":")[0] for scope in all_scopes()} | {WILDCARD}
        unknown = sorted(set(value) - known)
        if unknown:
            raise serializers.ValidationError(f"Unknown resource(s): {', '.join(unknown)}.")
        mine = principal_from(self).scopes()
        beyond = sorted(f"{r}:{a}" for r, actions in value.items() for a in actions
                        if not grants(mine, f"{r}:{a}") or (r == WILDCARD and not grants({WILDCARD: mine.get(WILDCARD, [])}, f"*:{a}")))
        if beyond:
            raise serializers.ValidationError(f"A key cannot grant scopes its creator lacks: {', '.join(beyond)}.")
        return {r: sorted(set(actions)) for r, actions in value.items()}

    def validate_rate_limit(self, value):
        from django.core.exceptions import ValidationError

        try:
            value = api_keys.normalize_rate_limit(value)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.message_dict["rate_limit"]) from None
        mine = api_keys.normalize_rate_limit(principal_from(self).api_key.rate_limit or None)
        higher = [p for p, limit in value.items() if limit > mine[p]]
        if higher:
            raise serializers.ValidationError(f"Cannot exceed your own key's limits: {', '.join(higher)}.")
        return value

    def validate_ip_whitelist(self, value):
        bad = []
        for entry in value:
            try:
                parse_network(entry)
            except ValueError:
                bad.append(entry)
        if bad:
            raise serializers.ValidationError(f"Not an IP address or CIDR: {', '.join(bad)}.")
        return value

    def validate_expires_at(self, value):
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError("Must be in the future.")
        return value

    def validate(self, attrs):
        attrs = super().validate(attrs)
        principal = principal_from(self)
        if principal is not None and not principal.is_organization and self.instance is None:
            attrs.pop("tenant", None)  # a tenant key makes keys of its own tenant only
        if principal is not None:
            sent = self.initial_data if isinstance(self.initial_data, dict) else {}
            attrs = restrict(attrs, caller=principal.api_key, creating=self.instance is None, sent=sent)
        return attrs


class RevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class AuditLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditLog
        fields = ("id", "timestamp", "organization", "tenant", "user", "api_key", "action", "resource_type",
                  "resource_id", "resource_name", "ip_address", "user_agent", "request_id", "details", "status",
                  "error_message", "duration_ms")
        read_only_fields = fields


class SecurityEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = SecurityEvent
        fields = ("id", "timestamp", "organization", "tenant", "event_type", "severity", "source", "ip_address",
                  "user", "api_key", "details", "resolved", "resolved_at", "resolved_by", "resolution_notes",
                  "automated_response", "risk_score")
        read_only_fields = fields


class _DetectionSerializer(TenantOwnedSerializer):
    agent = ScopedPrimaryKeyRelatedField(queryset=Agent.objects.all(), required=False, allow_null=True)
    agent_version = ScopedPrimaryKeyRelatedField(queryset=AgentVersion.objects.all(), required=False, allow_null=True)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        agent, version = attrs.get("agent"), attrs.get("agent_version")
        if version is not None and agent is not None and version.agent_id != agent.pk:
            raise serializers.ValidationError({"agent_version": ["Not a version of this agent."]})
        return attrs


DETECTION_READ_ONLY = ("organization", "false_positive", "reviewed_by", "reviewed_at")


class PromptInjectionAttemptSerializer(_DetectionSerializer):
    class Meta:
        model = PromptInjectionAttempt
        fields = ("id", "timestamp", "organization", "tenant", "agent", "agent_version", "call_sid", "input_text",
                  "detection_method", "confidence_score", "threat_level", "action_taken", "metadata",
                  "false_positive", "reviewed_by", "reviewed_at")
        read_only_fields = DETECTION_READ_ONLY


class VoiceSecurityEventSerializer(_DetectionSerializer):
    class Meta:
        model = VoiceSecurityEvent
        fields = ("id", "timestamp", "organization", "tenant", "agent", "agent_version", "call_sid", "event_type",
                  "detection_method", "confidence_score", "threat_level", "action_taken", "audio_sample_url",
                  "metadata", "false_positive", "reviewed_by", "reviewed_at")
        read_only_fields = DETECTION_READ_ONLY


class ComplianceReportSerializer(TenantOwnedSerializer):
    tenant_required = False

    class Meta:
        model = ComplianceReport
        fields = ("id", "organization", "tenant", "report_type", "reporting_period_start", "reporting_period_end",
                  "status", "report_data", "findings", "recommendations", "generated_at", "generated_by",
                  "report_file_url", "checksum", "documents", "error_message")
        read_only_fields = ("organization", "status", "report_data", "findings", "recommendations", "generated_at",
                            "generated_by", "report_file_url", "checksum", "documents", "error_message")

    def validate(self, attrs):
        attrs = super().validate(attrs)
        start, end = attrs.get("reporting_period_start"), attrs.get("reporting_period_end")
        if start and end and not start < end:
            raise serializers.ValidationError({"reporting_period_end": ["Must be after reporting_period_start."]})
        if start and end and (end - start).days > 366:
            raise serializers.ValidationError({"reporting_period_end": ["A report covers at most 366 days."]})
        return attrs


class DataSubjectRequestSerializer(TenantOwnedSerializer):
    """A data-subject request. File it with `kind` and the subject's `subject_phone` (international format)
    and/or `subject_email`; everything else is set by the service and the ops approval."""

    tenant_required = False

    class Meta:
        model = DataSubjectRequest
        fields = ("id", "organization", "tenant", "kind", "scope", "subject_phone", "subject_email",
                  "subject_fingerprint", "status", "received_at", "due_at", "counts", "result", "archive_checksum",
                  "error_message", "notes", "requested_by", "approved_by", "approved_at", "started_at",
                  "completed_at")
        read_only_fields = ("organization", "scope", "subject_fingerprint", "status", "received_at", "due_at",
                            "counts", "result", "archive_checksum", "error_message", "requested_by", "approved_by",
                            "approved_at", "started_at", "completed_at")
        extra_kwargs = {"subject_phone": {"max_length": 32}, "notes": {"max_length": 2000}}
