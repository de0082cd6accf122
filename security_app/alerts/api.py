"""Tenants' alerting through the API: /api/v1/alert-rules/, /webhook-endpoints/, /alerts/, /alert-deliveries/.

A tenant key manages its tenant's rules and endpoints and sees its tenant's alerts; an organization key its
organization's (organization-wide rules see every tenant of the organization). Platform rules are the ops
console's and never appear here. `secret` is write-only: accepted on create/update, never returned.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from aybiza.core.alerting import TRIGGERS
from aybiza.api.serializers import ScopedPrimaryKeyRelatedField, TenantOwnedSerializer, principal_from
from aybiza.api.viewsets import ModelViewSet, ReadOnlyViewSet, TimeSeriesMixin

from ..choices import Severity
from . import services
from ..models import Alert, AlertDelivery, AlertRule, WebhookEndpoint


def _as_drf(exc: DjangoValidationError) -> serializers.ValidationError:
    return serializers.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages})


class WebhookEndpointSerializer(TenantOwnedSerializer):
    """A webhook endpoint. `secret` (the HMAC-SHA256 key, 24+ characters) is write-only."""

    secret = serializers.CharField(write_only=True, required=False, min_length=services.MIN_SECRET_LENGTH,
                                   max_length=512, trim_whitespace=False,
                                   help_text="Signing key for X-Aybiza-Signature. Write-only: never returned.")
    tenant_required = False

    class Meta:
        model = WebhookEndpoint
        fields = ("id", "name", "url", "secret", "organization", "tenant", "is_active", "consecutive_failures",
                  "disabled_at", "disabled_reason", "last_success_at", "last_failure_at", "created_by", "created_at",
                  "updated_at")
        read_only_fields = ("organization", "consecutive_failures", "disabled_at", "disabled_reason",
                            "last_success_at", "last_failure_at", "created_by")

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if self.instance is None and not attrs.get("secret"):
            raise serializers.ValidationError({"secret": ["Required when creating an endpoint."]})
        principal = principal_from(self)
        if principal is not None and not principal.is_organization:
            attrs.pop("tenant", None)
        return attrs


class AlertRuleSerializer(TenantOwnedSerializer):
    trigger = serializers.ChoiceField(choices=())
    min_severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    params = serializers.DictField(required=False, help_text='Trigger parameters, e.g. {"days": 30}.')
    window_minutes = serializers.IntegerField(required=False, min_value=1, max_value=7 * 24 * 60)
    email_recipients = serializers.ListField(child=serializers.EmailField(), required=False, max_length=50)
    webhook_endpoints = ScopedPrimaryKeyRelatedField(many=True, queryset=WebhookEndpoint.objects.all(), required=False)
    tenant_required = False

    class Meta:
        model = AlertRule
        fields = ("id", "name", "description", "organization", "tenant", "trigger", "min_severity", "params",
                  "window_minutes", "email_recipients", "webhook_endpoints", "is_active", "last_evaluated_at",
                  "created_by", "created_at", "updated_at")
        read_only_fields = ("organization", "last_evaluated_at", "created_by")

    def get_fields(self):
        fields = super().get_fields()
        fields["trigger"].choices = sorted((t.name, t.label) for t in TRIGGERS.values())
        return fields

    def validate(self, attrs):
        attrs = super().validate(attrs)
        principal = principal_from(self)
        if principal is not None and not principal.is_organization:
            attrs.pop("tenant", None)
        return attrs


class AlertSerializer(serializers.ModelSerializer):
    class Meta:
        model = Alert
        fields = ("id", "rule", "organization", "tenant", "subject", "status", "severity", "title", "details",
                  "fired_at", "last_seen_at", "notified_at", "resolved_at")
        read_only_fields = fields


class AlertDeliverySerializer(serializers.ModelSerializer):
    kind = serializers.CharField(source="notification.kind", read_only=True)
    channel = serializers.CharField(source="notification.channel", read_only=True)
    endpoint = serializers.UUIDField(source="notification.endpoint_id", read_only=True)
    notification_status = serializers.CharField(source="notification.status", read_only=True)

    class Meta:
        model = AlertDelivery
        fields = ("id", "notification", "kind", "channel", "endpoint", "notification_status", "attempt",
                  "attempted_at", "succeeded", "response_status", "error", "duration_ms", "organization", "tenant")
        read_only_fields = fields


class WebhookEndpointViewSet(ModelViewSet):
    """Your webhook endpoints. Alert notices are POSTed to them, signed (docs/operations.md)."""

    scope = "alerts"
    queryset = WebhookEndpoint.objects.all()
    serializer_class = WebhookEndpointSerializer
    ordering = ("-created_at", "id")
    ordering_fields = ("name", "created_at")
    filterset_fields = ("is_active",)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("tenant", None)
        endpoint = WebhookEndpoint(**data, **self.owner_kwargs(serializer.validated_data))
        try:
            serializer.instance = services.webhook_endpoint_save(endpoint=endpoint, **self.service_kwargs())
        except DjangoValidationError as exc:
            raise _as_drf(exc) from None

    def perform_update(self, serializer):
        endpoint = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(endpoint, name, value)
        try:
            serializer.instance = services.webhook_endpoint_save(
                endpoint=endpoint, secret_changed="secret" in serializer.validated_data, **self.service_kwargs())
        except DjangoValidationError as exc:
            raise _as_drf(exc) from None

    def perform_destroy(self, instance):
        services.webhook_endpoint_delete(endpoint=instance, **self.service_kwargs())


class AlertRuleViewSet(ModelViewSet):
    """Your alert rules: a trigger, a severity, parameters, and where notices go."""

    scope = "alerts"
    queryset = AlertRule.objects.prefetch_related("webhook_endpoints")
    serializer_class = AlertRuleSerializer
    ordering = ("-created_at", "id")
    ordering_fields = ("name", "created_at")
    filterset_fields = ("trigger", "is_active")

    def _save(self, rule, serializer):
        data = dict(serializer.validated_data)
        endpoints = data.pop("webhook_endpoints", None)
        data.pop("tenant", None)
        for name, value in data.items():
            setattr(rule, name, value)
        try:
            serializer.instance = services.alert_rule_save(rule=rule, endpoints=endpoints, **self.service_kwargs())
        except DjangoValidationError as exc:
            raise _as_drf(exc) from None

    def perform_create(self, serializer):
        self._save(AlertRule(**self.owner_kwargs(serializer.validated_data)), serializer)

    def perform_update(self, serializer):
        self._save(serializer.instance, serializer)

    def perform_destroy(self, instance):
        services.alert_rule_delete(rule=instance, **self.service_kwargs())


class AlertViewSet(TimeSeriesMixin, ReadOnlyViewSet):
    """Alerts of your rules, newest first: firing or resolved."""

    scope = "alerts"
    queryset = Alert.objects.all()
    serializer_class = AlertSerializer
    ordering = ("-fired_at",)
    ordering_fields = ("fired_at",)
    filterset_fields = ("status", "severity", "rule")


class AlertDeliveryViewSet(TimeSeriesMixin, ReadOnlyViewSet):
    """Every delivery attempt of your notices (e-mail and webhooks), newest first."""

    scope = "alerts"
    queryset = AlertDelivery.objects.select_related("notification")
    serializer_class = AlertDeliverySerializer
    ordering = ("-attempted_at",)
    ordering_fields = ("attempted_at",)
    filterset_fields = ("succeeded",)
