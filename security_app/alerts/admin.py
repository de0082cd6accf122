"""Ops console pages for alerting (registered from security_app/admin.py).

Ops manage platform-wide rules and endpoints here (no organization: they watch every tenant); tenants'
own rules and endpoints are visible and editable too. Changes go through the services (validated,
audited). Webhook secrets are write-only: the form never shows them. Alerts, notices and delivery attempts
are read-only records.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from aybiza.admin.base import OpsModelAdmin, ReadOnlyInline, ReadOnlyMixin
from aybiza.admin.forms import OpsAdminForm
from aybiza.core.alerting import TRIGGERS

from . import services
from ..models import Alert, AlertDelivery, AlertNotification, AlertRule, WebhookEndpoint


class ReadOnlyAdmin(ReadOnlyMixin, OpsModelAdmin):
    """Alerts, notices and delivery attempts are the platform's record: read-only."""


class AlertRuleForm(OpsAdminForm):
    trigger = forms.ChoiceField(choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trigger"].choices = sorted((t.name, t.label) for t in TRIGGERS.values())

    def clean(self):
        cleaned = super().clean()
        rule = self.instance
        for name in ("name", "description", "trigger", "min_severity", "params", "window_minutes",
                     "email_recipients", "is_active", "organization", "tenant"):
            if name in cleaned:
                setattr(rule, name, cleaned[name])
        if rule.tenant_id and not rule.organization_id:
            rule.organization_id = rule.tenant.organization_id
        try:
            services._clean_rule(rule, list(cleaned.get("webhook_endpoints") or []))
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return cleaned


@admin.register(AlertRule)
class AlertRuleAdmin(OpsModelAdmin):
    form = AlertRuleForm
    list_display = ("name", "trigger", "min_severity", "organization", "tenant", "is_active", "window_minutes",
                    "last_evaluated_at")
    list_select_related = ("organization", "tenant")
    list_filter = ("trigger", "is_active", "min_severity")
    search_fields = ("name", "description", "organization__name", "tenant__name")
    readonly_fields = ("last_evaluated_at",)
    filter_horizontal = ("webhook_endpoints",)
    fieldsets = (
        (None, {"fields": ("name", "description", "is_active", "organization", "tenant"),
                "description": "Leave organization and tenant empty for a platform-wide rule (every tenant)."}),
        ("Trigger", {"fields": ("trigger", "min_severity", "params", "window_minutes")}),
        ("Channels", {"fields": ("email_recipients", "webhook_endpoints")}),
        ("Status", {"fields": ("last_evaluated_at",)}),
    )

    def save_model(self, request, obj, form, change):
        services.alert_rule_save(rule=obj, endpoints=list(form.cleaned_data.get("webhook_endpoints") or []),
                                 actor=request.user, request=request)

    def save_related(self, request, form, formsets, change):
        pass  # the endpoints were set by the service

    def delete_model(self, request, obj):
        services.alert_rule_delete(rule=obj, actor=request.user, request=request)

    def delete_queryset(self, request, queryset):
        for rule in queryset:
            services.alert_rule_delete(rule=rule, actor=request.user, request=request)


class DeliveryInline(ReadOnlyInline):
    model = AlertDelivery
    fields = ("attempt", "attempted_at", "succeeded", "response_status", "error", "duration_ms")
    readonly_fields = fields
    ordering = ("attempt",)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(OpsModelAdmin):
    list_display = ("name", "url", "organization", "tenant", "is_active", "consecutive_failures", "disabled_at",
                    "last_success_at")
    list_select_related = ("organization", "tenant")
    list_filter = ("is_active",)
    search_fields = ("name", "url", "organization__name", "tenant__name")
    readonly_fields = ("consecutive_failures", "disabled_at", "disabled_reason", "last_success_at",
                       "last_failure_at")
    fieldsets = (
        (None, {"fields": ("name", "url", "secret", "is_active", "organization", "tenant"),
                "description": "Leave organization and tenant empty for a platform endpoint."}),
        ("Health", {"fields": ("consecutive_failures", "disabled_at", "disabled_reason", "last_success_at",
                               "last_failure_at")}),
    )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "url":
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if obj.tenant_id and not obj.organization_id:
            obj.organization_id = obj.tenant.organization_id
        services.webhook_endpoint_save(endpoint=obj, secret_changed="secret" in form.changed_data and
                                       bool(form.cleaned_data.get("secret")), actor=request.user, request=request)

    def delete_model(self, request, obj):
        services.webhook_endpoint_delete(endpoint=obj, actor=request.user, request=request)

    def delete_queryset(self, request, queryset):
        for endpoint in queryset:
            services.webhook_endpoint_delete(endpoint=endpoint, actor=request.user, request=request)


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ("title", "status", "severity", "rule", "organization", "tenant", "fired_at", "resolved_at",
                    "notified_at")
    list_select_related = ("rule", "organization", "tenant")
    list_filter = ("status", "severity", "fired_at")
    search_fields = ("title", "subject", "rule__name")
    ordering = ("-fired_at",)
    fieldsets = (
        (None, {"fields": ("title", "status", "severity", "rule", "subject", "dedup_key", "organization", "tenant")}),
        ("When", {"fields": ("fired_at", "last_seen_at", "notified_at", "resolved_at")}),
        ("Details", {"fields": ("details",)}),
    )
    readonly_fields = ("dedup_key", "fired_at")


@admin.register(AlertNotification)
class AlertNotificationAdmin(ReadOnlyAdmin):
    list_display = ("subject_line", "kind", "channel", "endpoint", "status", "attempts", "created_at",
                    "delivered_at")
    list_select_related = ("endpoint",)
    list_filter = ("status", "kind", "channel", "created_at")
    search_fields = ("subject_line",)
    ordering = ("-created_at",)
    inlines = (DeliveryInline,)
    fieldsets = (
        (None, {"fields": ("subject_line", "kind", "channel", "status", "rule", "endpoint", "recipients",
                           "organization", "tenant")}),
        ("Delivery", {"fields": ("attempts", "created_at", "delivered_at", "last_error")}),
        ("Payload", {"fields": ("payload", "alerts")}),
    )
    readonly_fields = ("created_at",)


@admin.register(AlertDelivery)
class AlertDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("notification", "attempt", "attempted_at", "succeeded", "response_status", "error",
                    "duration_ms")
    list_select_related = ("notification",)
    list_filter = ("succeeded", "attempted_at")
    ordering = ("-attempted_at",)
    fieldsets = (
        (None, {"fields": ("notification", "attempt", "attempted_at", "succeeded", "response_status", "error",
                           "duration_ms", "organization", "tenant")}),
    )
    readonly_fields = ("attempted_at",)
