"""Ops console: API keys (created and revoked through services), the security review queues,
and the audit/security logs (read-only, millions of rows)."""

from django import forms
from django.contrib import admin, messages

from aybiza.admin.base import OpsModelAdmin, ServiceCreateMixin, TimeSeriesAdmin
from aybiza.admin.flows import Flow, FlowAdminMixin, FlowForm, RequiredReasonForm

from .models import (
    ApiAccessLog, ApiKey, AuditLog, ComplianceReport, PromptInjectionAttempt, SecurityEvent, VoiceSecurityEvent,
)


class NotesForm(FlowForm):
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), help_text="Required: what was done and why.")


class ReviewForm(FlowForm):
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    force = forms.BooleanField(required=False, help_text="Replace an earlier review.")


def _review_flows(service, target, permission):
    not_reviewed = lambda obj: obj.reviewed_at is None  # noqa: E731
    return (
        Flow("false-positive", "Mark as false positive", service, target, permission, form=ReviewForm,
             extra={"false_positive": True}, available=not_reviewed),
        Flow("confirm", "Confirm the threat", service, target, permission, form=ReviewForm,
             extra={"false_positive": False}, available=not_reviewed),
    )


# --- API keys -------------------------------------------------------------------------------------------------

@admin.register(ApiKey)
class ApiKeyAdmin(ServiceCreateMixin, FlowAdminMixin, OpsModelAdmin):
    create_service = "security_app.api_keys.api_key_create"
    create_exclude = ()
    list_display = ("name", "organization", "tenant", "status", "created_by", "created_at", "expires_at",
                    "last_used_at", "usage_count")
    list_select_related = ("organization", "tenant", "created_by")
    list_filter = ("status", "created_at", "expires_at")
    search_fields = ("name", "description", "organization__name", "tenant__name")
    readonly_fields = ("status", "key", "last_used_at")
    counter_fields = ("usage_count",)
    fieldsets = (
        (None, {"fields": ("name", "description", "organization", "tenant", "status", "key")}),
        ("Access", {"fields": ("permissions", "rate_limit", "ip_whitelist", "expires_at")}),
        ("Usage", {"fields": ("last_used_at", "usage_count")}),
    )
    add_fieldsets = (
        (None, {"fields": ("name", "description", "organization", "tenant"),
                "description": "The key is generated and shown once, after saving; only its hash is stored."}),
        ("Access", {"fields": ("permissions", "rate_limit", "ip_whitelist", "expires_at")}),
    )
    flows = (
        Flow("revoke", "Revoke", "security_app.services.api_key_revoke", "api_key", "security_app.revoke_apikey",
             form=RequiredReasonForm, machine="security_app.services:API_KEY"),
    )

    @admin.display(description="key")
    def key(self, obj):
        return "Stored as a hash only; it cannot be shown again."

    def save_model(self, request, obj, form, change):
        if change:
            return super(ServiceCreateMixin, self).save_model(request, obj, form, change)
        from .api_keys import api_key_create

        data = form.cleaned_data
        row, key = api_key_create(
            organization=data["organization"], tenant=data.get("tenant"), actor=request.user, request=request,
            name=data["name"], description=data.get("description") or "", permissions=data.get("permissions"),
            rate_limit=data.get("rate_limit"), ip_whitelist=data.get("ip_whitelist"), expires_at=data.get("expires_at"),
        )
        obj.__dict__.update(row.__dict__)
        self.message_user(
            request, f"The new API key (shown only now, copy it): {key}", messages.WARNING,
        )


# --- review queues --------------------------------------------------------------------------------------------

@admin.register(SecurityEvent)
class SecurityEventAdmin(FlowAdminMixin, TimeSeriesAdmin):
    list_display = ("timestamp", "event_type", "severity", "tenant", "source", "ip_address", "user", "risk_score",
                    "resolved")
    list_select_related = ("tenant", "user")
    list_filter = ("resolved", "severity", "event_type", "tenant")
    search_fields = ("=ip_address", "source__exact", "user__email__exact")
    search_help_text = "An exact IP address, source or user email."
    fieldsets = (
        (None, {"fields": ("timestamp", "event_type", "severity", "risk_score", "source")}),
        ("Who", {"fields": ("organization", "tenant", "user", "api_key", "ip_address")}),
        ("Details", {"fields": ("details", "automated_response")}),
        ("Resolution", {"fields": ("resolved", "resolved_at", "resolved_by", "resolution_notes")}),
    )
    flows = (
        Flow("resolve", "Resolve", "security_app.services.security_event_resolve", "security_event",
             "security_app.review_securityevent", form=NotesForm, available=lambda obj: not obj.resolved),
    )


@admin.register(PromptInjectionAttempt)
class PromptInjectionAttemptAdmin(FlowAdminMixin, TimeSeriesAdmin):
    list_display = ("timestamp", "tenant", "agent", "threat_level", "detection_method", "confidence_score",
                    "action_taken", "false_positive", "reviewed_at")
    list_select_related = ("tenant", "agent")
    list_filter = ("threat_level", "action_taken", "detection_method", "false_positive", "tenant")
    search_fields = ("call_sid__exact",)
    search_help_text = "An exact call SID."
    fieldsets = (
        (None, {"fields": ("timestamp", "threat_level", "detection_method", "confidence_score", "action_taken")}),
        ("Where", {"fields": ("organization", "tenant", "agent", "agent_version", "call_sid")}),
        ("Input", {"fields": ("input_text", "metadata")}),
        ("Review", {"fields": ("false_positive", "reviewed_by", "reviewed_at")}),
    )
    flows = _review_flows("security_app.services.prompt_injection_review", "attempt",
                          "security_app.review_promptinjectionattempt")


@admin.register(VoiceSecurityEvent)
class VoiceSecurityEventAdmin(FlowAdminMixin, TimeSeriesAdmin):
    list_display = ("timestamp", "event_type", "tenant", "agent", "call_sid", "threat_level", "confidence_score",
                    "action_taken", "false_positive", "reviewed_at")
    list_select_related = ("tenant", "agent")
    list_filter = ("event_type", "threat_level", "action_taken", "false_positive", "tenant")
    search_fields = ("call_sid__exact",)
    search_help_text = "An exact call SID."
    fieldsets = (
        (None, {"fields": ("timestamp", "event_type", "threat_level", "detection_method", "confidence_score",
                           "action_taken")}),
        ("Where", {"fields": ("organization", "tenant", "agent", "agent_version", "call_sid", "audio_sample_url")}),
        ("Details", {"fields": ("metadata",)}),
        ("Review", {"fields": ("false_positive", "reviewed_by", "reviewed_at")}),
    )
    flows = _review_flows("security_app.services.voice_security_event_review", "event",
                          "security_app.review_voicesecurityevent")


# --- logs -----------------------------------------------------------------------------------------------------

@admin.register(AuditLog)
class AuditLogAdmin(TimeSeriesAdmin):
    list_display = ("timestamp", "action", "resource_type", "resource_name", "user", "tenant", "status", "ip_address")
    list_select_related = ("user", "tenant")
    list_filter = ("status", "tenant")
    search_fields = ("action__exact", "resource_type__exact", "user__email__exact")
    search_help_text = "An exact action (porting_request.approve), resource type (telephony.portingrequest) or email."
    fieldsets = (
        (None, {"fields": ("timestamp", "action", "status", "resource_type", "resource_id", "resource_name")}),
        ("Who", {"fields": ("organization", "tenant", "user", "api_key", "ip_address", "user_agent", "session_id",
                            "request_id")}),
        ("Details", {"fields": ("details", "error_message", "duration_ms", "edge_region", "aws_region")}),
    )


@admin.register(ApiAccessLog)
class ApiAccessLogAdmin(TimeSeriesAdmin):
    list_display = ("timestamp", "method", "endpoint", "status_code", "response_time_ms", "tenant", "api_key",
                    "rate_limited", "cached_response")
    list_select_related = ("tenant", "api_key")
    list_filter = ("method", "rate_limited", "cached_response", "tenant")
    search_fields = ("endpoint__exact", "=ip_address")
    search_help_text = "An exact endpoint or IP address."
    fieldsets = (
        (None, {"fields": ("timestamp", "method", "endpoint", "status_code", "response_time_ms")}),
        ("Who", {"fields": ("organization", "tenant", "user", "api_key", "ip_address", "user_agent", "request_id")}),
        ("Request", {"fields": ("request_size_bytes", "response_size_bytes", "request_body_hash", "rate_limited",
                                "cached_response", "edge_region", "aws_region", "error_details")}),
    )


@admin.register(ComplianceReport)
class ComplianceReportAdmin(OpsModelAdmin):
    list_display = ("__str__", "organization", "tenant", "report_type", "status", "reporting_period_start",
                    "reporting_period_end", "generated_at", "generated_by")
    list_select_related = ("organization", "tenant", "generated_by")
    list_filter = ("report_type", "status", "generated_at")
    search_fields = ("organization__name", "tenant__name", "checksum")
    readonly_fields = ("generated_by", "generated_at", "checksum")
    fieldsets = (
        (None, {"fields": ("organization", "tenant", "report_type", "status")}),
        ("Period", {"fields": ("reporting_period_start", "reporting_period_end")}),
        ("Content", {"fields": ("report_data", "findings", "recommendations", "report_file_url", "checksum")}),
        ("Generation", {"fields": ("generated_at", "generated_by")}),
    )

    def save_model(self, request, obj, form, change):
        if not change and obj.generated_by_id is None:
            obj.generated_by = request.user
        super().save_model(request, obj, form, change)


# Alerting: rules, webhook endpoints, alerts, notices, delivery attempts (security_app/alerts/admin.py).
from .alerts import admin as alerts_admin  # noqa: E402,F401
